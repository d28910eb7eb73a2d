//! A cluster master being restored (notes redis-cluster §5.3): while it is down, and while it
//! loads (a loading master refuses cluster-bus connections), its replicas would see it fail
//! and one would be elected; the restored master then turns itself into a replica and the
//! restore is undone. So every replica of the shard gets `cluster-replica-no-failover yes`
//! first (originals journaled, put back in every outcome), and the protection comes off only
//! once every node says `cluster_state:ok` and none flags the master failing any more (peers
//! keep its FAIL flag up to 2 × `cluster-node-timeout` after it answers again).

use super::sentinel::{Links, wait_synced};
use crate::cluster::nodes;
use crate::cluster::slots::{self, SlotRange};
use crate::conn::Node;
use crate::exit::{ExitCode, fail};
use crate::steps::CancellationToken;
use crate::steps::cancel;
use crate::target::{Endpoint, HostPort};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

pub const NO_FAILOVER: &str = "cluster-replica-no-failover";
/// Beyond 2 × node timeout: a restarted master waits 2 s before it serves
/// (`CLUSTER_WRITABLE_DELAY`), gossip needs a few rounds, and two CI cores are slow.
const MARGIN: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(250);

/// One shard of the cluster and the settings its restore changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardGuard {
    /// `s01 (slots 5461-10922)`, for messages.
    pub label: String,
    pub master: HostPort,
    pub master_id: String,
    /// Inclusive `[start, end]` ranges the master owns and must own after the restore.
    pub slots: Vec<[u16; 2]>,
    /// Every replica of the shard and its original `cluster-replica-no-failover`.
    pub replicas: Vec<(HostPort, String)>,
    /// Every node of the cluster: each must say `cluster_state:ok` before the protection ends.
    pub nodes: Vec<HostPort>,
    pub node_timeout_ms: u64,
}

async fn connect(links: &Links<'_>, hp: &HostPort) -> Result<Node> {
    Node::connect(links.dialer, &Endpoint::Tcp(hp.clone()), links.data_auth, 0)
        .await
        .with_context(|| format!("cluster node {hp}"))
}

impl ShardGuard {
    pub fn ranges(&self) -> Vec<SlotRange> {
        self.slots
            .iter()
            .map(|[a, b]| SlotRange::new(*a, *b))
            .collect()
    }

    /// How long the cluster may take to agree the restarted master is healthy.
    pub fn budget(&self) -> Duration {
        Duration::from_millis(2 * self.node_timeout_ms) + MARGIN
    }

    pub async fn protect(&self, links: &Links<'_>) -> Result<()> {
        let yes: Vec<(HostPort, String)> = (self.replicas.iter())
            .map(|(hp, _)| (hp.clone(), "yes".to_string()))
            .collect();
        set_all(links, &yes).await
    }

    /// Puts every original back; tries every replica even when one fails.
    pub async fn unprotect(&self, links: &Links<'_>) -> Result<()> {
        set_all(links, &self.replicas).await
    }

    /// The undo of the protection in a rollback: the restarted node must be healthy in every
    /// node's view first, or a replica could still be elected; after the budget it comes off
    /// anyway (leaving it would disable failover for good).
    pub async fn settle_then_unprotect(&self, links: &Links<'_>) -> Result<()> {
        if let Err(e) = self.wait_cluster_ok(links, &CancellationToken::new()).await {
            crate::ui::warn(format!("{e:#}; removing the failover protection anyway"));
        }
        self.unprotect(links).await
    }

    /// Fails when a replica of the shard is a master now: starting the restored node would
    /// make it rejoin as a replica and drop the restored data.
    pub async fn check_no_failover(&self, links: &Links<'_>) -> Result<()> {
        for (hp, _) in &self.replicas {
            let role = connect(links, hp).await?.info("replication").await?;
            if role.get("role") == Some("master") {
                return Err(fail(
                    ExitCode::Incomplete,
                    format!(
                        "replica {hp} of shard {} was promoted while {} was stopped: the \
                         restored node was NOT started (it would rejoin as a replica and drop \
                         the restored data). Run `redisops restore --abort` on the cluster to \
                         put its old files back; it then rejoins as a replica of {hp}",
                        self.label, self.master
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What is wrong with the restarted master's own `CLUSTER NODES` line: it must have the
    /// same node id, be a master with the same slots, and have no importing/migrating slot
    /// (keys of a slot it does not own, notes §5.1).
    pub async fn myself_problems(&self, node: &mut Node) -> Result<Vec<String>> {
        let text: String = node
            .query(redis::cmd("CLUSTER").arg("NODES"))
            .await
            .context("CLUSTER NODES")?;
        let lines = nodes::parse(&text)?;
        let me = lines
            .iter()
            .find(|n| n.myself())
            .context("CLUSTER NODES has no myself line")?;
        Ok(self.line_problems(me))
    }

    fn line_problems(&self, me: &nodes::NodeLine) -> Vec<String> {
        let mut problems = Vec::new();
        if me.id != self.master_id {
            problems.push(format!(
                "its node id is {}, not {} (a new nodes.conf?)",
                me.id, self.master_id
            ));
        }
        if me.is_replica() {
            problems.push(format!(
                "it came back as a replica of {} (a failover happened while it was down or \
                 loading): shard {} is NOT restored, the cluster serves the shard's old data \
                 from its new master",
                me.master_id.as_deref().unwrap_or("?"),
                self.label
            ));
        } else if me.slots != self.ranges() {
            problems.push(format!(
                "it owns slots {}, expected {}",
                slots::list(&me.slots),
                slots::list(&self.ranges())
            ));
        }
        if !me.open_slots.is_empty() {
            let open: Vec<String> = (me.open_slots.iter())
                .map(|o| match o.state {
                    nodes::SlotState::Importing => format!("{} importing from {}", o.slot, o.peer),
                    nodes::SlotState::Migrating => format!("{} migrating to {}", o.slot, o.peer),
                })
                .collect();
            problems.push(format!(
                "it has open slots ({}): the restored data holds keys of slots it does not own",
                open.join(", ")
            ));
        }
        problems
    }

    /// Waits until every node says `cluster_state:ok` and none flags the master failing, then
    /// until every replica has full-synced the restored data (same keys per db).
    pub async fn wait_healthy(&self, links: &Links<'_>, cancel: &CancellationToken) -> Result<()> {
        self.wait_cluster_ok(links, cancel).await?;
        let mut master = connect(links, &self.master).await?;
        wait_synced(
            links,
            &mut master,
            self.replicas.iter().map(|(hp, _)| hp),
            cancel,
        )
        .await
    }

    async fn wait_cluster_ok(&self, links: &Links<'_>, cancel: &CancellationToken) -> Result<()> {
        let deadline = Instant::now() + self.budget();
        loop {
            let pending = self.not_ok(links).await;
            if pending.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the cluster is not healthy {}s after {} came back (2 × \
                         cluster-node-timeout + {}s): {}",
                        self.budget().as_secs(),
                        self.master,
                        MARGIN.as_secs(),
                        pending.join("; ")
                    ),
                ));
            }
            cancel::sleep(POLL, cancel).await?;
        }
    }

    /// Each node that does not agree yet, and why.
    async fn not_ok(&self, links: &Links<'_>) -> Vec<String> {
        let mut pending = Vec::new();
        for hp in &self.nodes {
            let answer = async {
                let mut node = connect(links, hp).await?;
                let info: String = node.query(redis::cmd("CLUSTER").arg("INFO")).await?;
                let text: String = node.query(redis::cmd("CLUSTER").arg("NODES")).await?;
                anyhow::Ok((crate::info::Info::parse(&info), nodes::parse(&text)?))
            }
            .await;
            match answer {
                Err(e) => pending.push(format!("{hp}: {e:#}")),
                Ok((info, lines)) => {
                    let state = info.get("cluster_state").unwrap_or("unknown");
                    if state != "ok" {
                        pending.push(format!("{hp} says cluster_state:{state}"));
                    }
                    let flagged = lines
                        .iter()
                        .any(|n| n.id == self.master_id && (n.failed() || n.pfail()));
                    if flagged {
                        pending.push(format!("{hp} flags {} failing", self.master));
                    }
                }
            }
        }
        pending
    }
}

/// `CONFIG SET cluster-replica-no-failover` on each node, read back; every node is tried.
async fn set_all(links: &Links<'_>, values: &[(HostPort, String)]) -> Result<()> {
    let mut failed = Vec::new();
    for (hp, value) in values {
        let done = async {
            let mut node = connect(links, hp).await?;
            node.query::<()>(redis::cmd("CONFIG").arg("SET").arg(NO_FAILOVER).arg(value))
                .await?;
            let now = node.config_get(NO_FAILOVER).await?;
            anyhow::ensure!(
                now.get(NO_FAILOVER) == Some(value),
                "{NO_FAILOVER} reads back as {:?}",
                now.get(NO_FAILOVER)
            );
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = done {
            failed.push(format!("{hp}: {e:#}"));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "CONFIG SET {NO_FAILOVER} failed on {}",
            failed.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> ShardGuard {
        ShardGuard {
            label: "s00 (slots 0-5460)".into(),
            master: HostPort {
                host: "127.0.0.1".into(),
                port: 39195,
            },
            master_id: "bd7c44643666bccd35a6bc98ec535f1a0d11d225".into(),
            slots: vec![[0, 5460]],
            replicas: Vec::new(),
            nodes: Vec::new(),
            node_timeout_ms: 2000,
        }
    }

    fn myself(text: &str) -> nodes::NodeLine {
        let lines = nodes::parse(text).unwrap();
        lines.into_iter().find(|n| n.myself()).unwrap()
    }

    #[test]
    fn the_restarted_master_must_keep_its_id_role_and_slots() {
        let g = guard();
        let healthy = include_str!("../cluster/testdata/healthy.nodes");
        assert!(g.line_problems(&myself(healthy)).is_empty());
        assert_eq!(g.budget(), Duration::from_secs(34));

        let replica = healthy.replace(
            "myself,master - 0 1796219746000 1 connected 0-5460",
            "myself,slave 880ac5c5e0a4e3f54df7bab4ad2c1f7a0d2f83f2 0 1796219746000 1 connected",
        );
        let p = g.line_problems(&myself(&replica)).join("; ");
        assert!(
            p.contains("came back as a replica") && p.contains("NOT restored"),
            "{p}"
        );

        let open = healthy.replace(
            "connected 0-5460",
            "connected 0-5460 [6000-<-193e276c3a4a9e0f6b1ed8b7b4c0f3bf8f0e2a0c]",
        );
        let p = g.line_problems(&myself(&open)).join("; ");
        assert!(
            p.contains("open slots (6000 importing from 193e276c"),
            "{p}"
        );

        let fewer = healthy.replace("connected 0-5460", "connected 0-5000");
        let p = g.line_problems(&myself(&fewer)).join("; ");
        assert!(p.contains("owns slots 0-5000, expected 0-5460"), "{p}");
    }
}
