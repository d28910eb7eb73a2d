//! Forming a new cluster from empty nodes (notes redis-cluster §5.4, the explicit path, which
//! is what `redis-cli --cluster create` does): each master gets exactly its slot ranges
//! (`CLUSTER ADDSLOTSRANGE`, `ADDSLOTS` before 7.0), every node a distinct config epoch
//! (`CLUSTER SET-CONFIG-EPOCH`, accepted only while a node knows no other node and its epoch
//! is 0), every node meets the first, and then every node must know all the others and say
//! `cluster_state:ok`. Replicas join last (`CLUSTER REPLICATE`), once their master holds its
//! data, so no replica exists to be elected while a master loads.
//!
//! The steps run on the one step runner; each node's first change is undone by
//! `CLUSTER RESET HARD`, which an empty master accepts and which leaves it as it was: alone,
//! no slots, epoch 0 (with a new node id, as a fresh node has a random one anyway).

use super::discover::{Probe, read_probe};
use super::health;
use super::slots::{self, SlotRange};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::steps::{self, CancellationToken, Executor};
use crate::target::{Auth, ClusterTarget, Endpoint, HostPort};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(250);
/// How long the nodes may take to know each other and agree (gossip, a few rounds).
const AGREE: Duration = Duration::from_secs(60);

/// An empty node that is not part of any cluster yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreshNode {
    pub endpoint: HostPort,
    pub id: String,
    pub bus_port: u16,
    /// `ADDSLOTSRANGE` exists (7.0+).
    pub ranges_cmd: bool,
}

/// A replica to attach once its master holds the restored data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attach {
    pub replica: HostPort,
    pub master: HostPort,
    pub master_id: String,
}

/// Which node becomes what: the first `shards` nodes of the URL are the masters, in set
/// order; the others are replicas, the i-th of them of master `i mod shards`.
#[derive(Debug, Clone)]
pub struct Layout {
    pub masters: Vec<FreshNode>,
    pub replicas: Vec<(FreshNode, usize)>,
}

/// Why a node is not an empty node outside any cluster; empty when it is one.
pub fn not_fresh(p: &Probe) -> Vec<String> {
    let mut out = Vec::new();
    if p.info.flag("cluster_enabled") != Some(true) {
        out.push("cluster mode is off (cluster-enabled no)".to_string());
        return out;
    }
    let others = p.nodes.iter().filter(|n| !n.myself()).count();
    if others > 0 {
        out.push(format!(
            "it knows {others} other node(s): it is in a cluster"
        ));
    }
    let owned: Vec<SlotRange> = (p.nodes.iter())
        .filter(|n| n.myself())
        .flat_map(|n| n.slots.clone())
        .collect();
    if !owned.is_empty() {
        out.push(format!("it owns slots {}", slots::list(&owned)));
    }
    match p.cluster_info.u64("cluster_current_epoch") {
        Some(0) => {}
        e => out.push(format!(
            "its current epoch is {}",
            e.map_or("unknown".into(), |e| e.to_string())
        )),
    }
    let keys: u64 = p.info.keyspace().values().map(|d| d.keys).sum();
    if keys > 0 {
        out.push(format!("it holds {keys} key(s)"));
    }
    if p.info.get("role") != Some("master") {
        out.push("it is a replica".to_string());
    }
    if p.info.flag("loading") == Some(true) {
        out.push("it is loading a dataset".to_string());
    }
    out
}

async fn connect(dialer: &Dialer, auth: &Auth, hp: &HostPort) -> Result<Node> {
    Node::connect(dialer, &Endpoint::Tcp(hp.clone()), auth, 0)
        .await
        .with_context(|| format!("cluster node {hp}"))
}

/// Checks that every node of the URL is an empty node outside any cluster and lays them out
/// for `shards` shards. Reads only.
pub async fn inspect(target: &ClusterTarget, dialer: &Dialer, shards: usize) -> Result<Layout> {
    let n = target.seeds.len();
    if shards == 0 || n < shards || !n.is_multiple_of(shards) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "--into-new-cluster needs the set's {shards} master(s) first in the URL, then \
                 optionally the same number of replicas per master (a multiple of {shards} \
                 nodes); {} names {n}",
                target.url()
            ),
        ));
    }
    let mut fresh = Vec::new();
    let mut problems = Vec::new();
    for hp in &target.seeds {
        let mut node = connect(dialer, &target.auth, hp).await?;
        let probe = read_probe(&mut node).await?;
        let why = not_fresh(&probe);
        if !why.is_empty() {
            problems.push(format!("{hp}: {}", why.join(", ")));
            continue;
        }
        let me = (probe.nodes.iter().find(|l| l.myself()))
            .with_context(|| format!("{hp}: CLUSTER NODES has no myself line"))?;
        let major = (probe.info.get("redis_version"))
            .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
            .unwrap_or(0);
        fresh.push(FreshNode {
            endpoint: hp.clone(),
            id: me.id.clone(),
            bus_port: me.bus_port,
            ranges_cmd: major >= 7,
        });
    }
    if !problems.is_empty() {
        return Err(fail(
            ExitCode::ClusterRefused,
            format!(
                "--into-new-cluster forms a new cluster from empty nodes started with \
                 cluster-enabled yes and no nodes.conf, and these are not: {}. To restore onto \
                 a running cluster of the same slot ranges, drop --into-new-cluster. Nothing \
                 was changed",
                problems.join("; ")
            ),
        ));
    }
    let replicas = fresh.split_off(shards);
    Ok(Layout {
        replicas: replicas
            .into_iter()
            .enumerate()
            .map(|(i, r)| (r, i % shards))
            .collect(),
        masters: fresh,
    })
}

#[derive(Debug, Clone)]
pub enum Step {
    AddSlots(usize, Vec<SlotRange>),
    SetEpoch(HostPort, u64),
    Meet(HostPort),
    WaitFormed,
}

impl Layout {
    pub fn nodes(&self) -> impl Iterator<Item = &FreshNode> {
        self.masters
            .iter()
            .chain(self.replicas.iter().map(|(r, _)| r))
    }

    pub fn attachments(&self) -> Vec<Attach> {
        (self.replicas.iter())
            .map(|(r, m)| Attach {
                replica: r.endpoint.clone(),
                master: self.masters[*m].endpoint.clone(),
                master_id: self.masters[*m].id.clone(),
            })
            .collect()
    }

    /// The formation, as data: slots per master (`ranges[i]` for master i), distinct epochs,
    /// every node meeting the first, then the wait for agreement.
    pub fn steps(&self, ranges: &[Vec<SlotRange>]) -> Vec<Step> {
        let mut steps: Vec<Step> = (ranges.iter().enumerate())
            .map(|(i, r)| Step::AddSlots(i, r.clone()))
            .collect();
        steps.extend(
            (self.nodes().enumerate())
                .map(|(i, n)| Step::SetEpoch(n.endpoint.clone(), i as u64 + 1)),
        );
        steps.extend(self.nodes().skip(1).map(|n| Step::Meet(n.endpoint.clone())));
        steps.push(Step::WaitFormed);
        steps
    }

    /// Runs the formation; a failure or a signal resets every node it changed.
    pub async fn form(
        &self,
        ranges: &[Vec<SlotRange>],
        dialer: &Dialer,
        auth: &Auth,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let mut exec = Former {
            layout: self,
            ranges,
            dialer,
            auth,
            touched: BTreeSet::new(),
        };
        steps::run(&mut exec, &self.steps(ranges), None, cancel).await
    }
}

struct Former<'a> {
    layout: &'a Layout,
    ranges: &'a [Vec<SlotRange>],
    dialer: &'a Dialer,
    auth: &'a Auth,
    /// Nodes whose reset is already on the undo list.
    touched: BTreeSet<String>,
}

impl Former<'_> {
    async fn node(&self, hp: &HostPort) -> Result<Node> {
        connect(self.dialer, self.auth, hp).await
    }

    fn touch(&mut self, hp: &HostPort, undos: &mut Vec<HostPort>) {
        if self.touched.insert(hp.to_string()) {
            undos.push(hp.clone());
        }
    }

    /// What keeps the new cluster from being formed yet; empty once every node knows every
    /// other, each master owns its ranges in every view, and all are healthy.
    async fn unformed(&self) -> Vec<String> {
        let total = self.layout.nodes().count();
        let mut probes = Vec::new();
        let mut pending = Vec::new();
        for n in self.layout.nodes() {
            match self.node(&n.endpoint).await {
                Ok(mut node) => match read_probe(&mut node).await {
                    Ok(p) => probes.push((n.endpoint.to_string(), p)),
                    Err(e) => pending.push(format!("{}: {e:#}", n.endpoint)),
                },
                Err(e) => pending.push(format!("{e:#}")),
            }
        }
        for (address, p) in &probes {
            let known = p.nodes.iter().filter(|l| l.member()).count();
            if known < total {
                pending.push(format!("{address} knows {known} of {total} nodes"));
            }
            for (m, want) in self.layout.masters.iter().zip(self.ranges) {
                let seen = p.nodes.iter().find(|l| l.id == m.id).map(|l| &l.slots);
                if seen != Some(want) {
                    pending.push(format!(
                        "{address} does not see {} own its slots yet",
                        m.endpoint
                    ));
                }
            }
        }
        pending.extend(health::problems(
            probes.iter().map(|(a, p)| (a.as_str(), p)),
        ));
        pending
    }
}

impl Executor for Former<'_> {
    type Step = Step;
    /// `CLUSTER RESET HARD` on this node.
    type Undo = HostPort;

    async fn apply(
        &mut self,
        step: &Step,
        undos: &mut Vec<HostPort>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        match step {
            Step::AddSlots(i, ranges) => {
                let m = &self.layout.masters[*i];
                self.touch(&m.endpoint, undos);
                let mut cmd = redis::cmd("CLUSTER");
                if m.ranges_cmd {
                    cmd.arg("ADDSLOTSRANGE");
                    for r in ranges {
                        cmd.arg(r.start).arg(r.end);
                    }
                } else {
                    cmd.arg("ADDSLOTS");
                    for r in ranges {
                        cmd.arg(r.slots().collect::<Vec<_>>());
                    }
                }
                self.node(&m.endpoint).await?.query::<()>(&cmd).await
            }
            Step::SetEpoch(hp, epoch) => {
                self.touch(hp, undos);
                let cmd = redis::cmd("CLUSTER")
                    .arg("SET-CONFIG-EPOCH")
                    .arg(epoch)
                    .to_owned();
                self.node(hp).await?.query::<()>(&cmd).await
            }
            Step::Meet(hp) => {
                self.touch(hp, undos);
                let first = &self.layout.masters[0];
                let ip = resolve(&first.endpoint).await?;
                let cmd = redis::cmd("CLUSTER")
                    .arg("MEET")
                    .arg(ip)
                    .arg(first.endpoint.port)
                    .arg(first.bus_port)
                    .to_owned();
                self.node(hp).await?.query::<()>(&cmd).await
            }
            Step::WaitFormed => {
                let deadline = Instant::now() + AGREE;
                loop {
                    let pending = self.unformed().await;
                    if pending.is_empty() {
                        return Ok(());
                    }
                    if Instant::now() > deadline {
                        anyhow::bail!(
                            "the new cluster did not form within {}s: {}",
                            AGREE.as_secs(),
                            pending.join("; ")
                        );
                    }
                    steps::cancel::sleep(POLL, cancel).await?;
                }
            }
        }
        .with_context(|| self.describe(step).1)
    }

    async fn undo(&mut self, hp: &HostPort) -> Result<()> {
        reset(self.dialer, self.auth, hp).await
    }

    fn describe(&self, step: &Step) -> (String, String) {
        match step {
            Step::AddSlots(i, ranges) => {
                let m = &self.layout.masters[*i];
                let cmd = if m.ranges_cmd {
                    "ADDSLOTSRANGE"
                } else {
                    "ADDSLOTS"
                };
                (
                    m.endpoint.to_string(),
                    format!("CLUSTER {cmd} {} (shard s{i:02})", slots::list(ranges)),
                )
            }
            Step::SetEpoch(hp, e) => (hp.to_string(), format!("CLUSTER SET-CONFIG-EPOCH {e}")),
            Step::Meet(hp) => (
                hp.to_string(),
                format!("CLUSTER MEET {}", self.layout.masters[0].endpoint),
            ),
            Step::WaitFormed => (
                "cluster".into(),
                "wait until every node knows every other and says cluster_state:ok".into(),
            ),
        }
    }

    fn rolled_back_note(&self) -> String {
        "every node was reset (CLUSTER RESET HARD): each is an empty node outside any \
         cluster again, and no data was restored"
            .into()
    }
}

/// `CLUSTER RESET HARD`: an empty master forgets the cluster and its slots (a master
/// holding keys refuses, so restored data is never dropped by it).
pub async fn reset(dialer: &Dialer, auth: &Auth, hp: &HostPort) -> Result<()> {
    let cmd = redis::cmd("CLUSTER").arg("RESET").arg("HARD").to_owned();
    connect(dialer, auth, hp)
        .await?
        .query::<()>(&cmd)
        .await
        .with_context(|| format!("CLUSTER RESET HARD on {hp}"))
}

/// `CLUSTER MEET` takes an address, not a name.
async fn resolve(hp: &HostPort) -> Result<String> {
    let mut addrs = tokio::net::lookup_host((hp.host.as_str(), hp.port))
        .await
        .with_context(|| format!("cannot resolve {}", hp.host))?;
    let a = addrs
        .next()
        .with_context(|| format!("{} resolves to no address", hp.host))?;
    Ok(a.ip().to_string())
}

/// `CLUSTER REPLICATE` of each replica, once its master holds the restored data.
pub async fn attach(attachments: &[Attach], dialer: &Dialer, auth: &Auth) -> Result<()> {
    for a in attachments {
        let cmd = redis::cmd("CLUSTER")
            .arg("REPLICATE")
            .arg(&a.master_id)
            .to_owned();
        connect(dialer, auth, &a.replica)
            .await?
            .query::<()>(&cmd)
            .await
            .with_context(|| format!("CLUSTER REPLICATE {} on {}", a.master_id, a.replica))?;
        crate::ui::note(format!("{} replicates {} now", a.replica, a.master));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(info: &str, cluster_info: &str, nodes: &str) -> Probe {
        Probe::from_text(info, cluster_info, nodes)
    }

    const ALONE: &str = "bd7c44643666bccd35a6bc98ec535f1a0d11d225 127.0.0.1:7000@17000 \
                         myself,master - 0 0 0 connected\n";

    #[test]
    fn only_an_empty_lone_cluster_node_is_fresh() {
        let info = "cluster_enabled:1\r\nrole:master\r\n";
        let epoch0 = "cluster_state:fail\r\ncluster_current_epoch:0\r\n";
        assert!(not_fresh(&probe(info, epoch0, ALONE)).is_empty());

        let off = probe("cluster_enabled:0\r\nrole:master\r\n", "", "");
        assert_eq!(
            not_fresh(&off),
            ["cluster mode is off (cluster-enabled no)"]
        );

        let peer = "880ac5c515ec1bf00adb86c01488158bae875d24 127.0.0.1:7001@17001 \
                    master - 0 0 2 connected 5461-10922\n";
        let used = probe(
            "cluster_enabled:1\r\nrole:master\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n",
            "cluster_current_epoch:2\r\n",
            &format!(
                "{}{peer}",
                ALONE.replace("connected\n", "connected 0-5460\n")
            ),
        );
        assert_eq!(
            not_fresh(&used),
            [
                "it knows 1 other node(s): it is in a cluster",
                "it owns slots 0-5460",
                "its current epoch is 2",
                "it holds 3 key(s)",
            ]
        );
    }

    fn node(port: u16) -> FreshNode {
        FreshNode {
            endpoint: HostPort {
                host: "127.0.0.1".into(),
                port,
            },
            id: format!("{port:040}"),
            bus_port: port + 10000,
            ranges_cmd: true,
        }
    }

    #[test]
    fn the_formation_gives_each_master_its_ranges_and_every_node_an_epoch() {
        let layout = Layout {
            masters: vec![node(1), node(2)],
            replicas: vec![(node(3), 0), (node(4), 1)],
        };
        let ranges = vec![
            vec![SlotRange::new(0, 8191)],
            vec![SlotRange::new(8192, 16383)],
        ];
        let steps = layout.steps(&ranges);
        let epochs: Vec<u64> = (steps.iter())
            .filter_map(|s| match s {
                Step::SetEpoch(_, e) => Some(*e),
                _ => None,
            })
            .collect();
        assert_eq!(epochs, [1, 2, 3, 4]);
        let meets: Vec<u16> = (steps.iter())
            .filter_map(|s| match s {
                Step::Meet(hp) => Some(hp.port),
                _ => None,
            })
            .collect();
        assert_eq!(meets, [2, 3, 4]);
        assert!(matches!(steps.last(), Some(Step::WaitFormed)));
        let a = layout.attachments();
        assert_eq!((a[0].replica.port, a[0].master.port), (3, 1));
        assert_eq!((a[1].replica.port, a[1].master_id.clone()), (4, node(2).id));
    }
}
