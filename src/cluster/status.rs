//! `status` of a cluster: one report built from [`Discovery`], shown as text or as a stable
//! JSON object (shape documented in the README; field names are part of the interface).
//! Also the note a standalone `status` shows when its server is a cluster node.

use super::discover::{Discovery, Member};
use super::slots::{self, SLOTS, SlotRange};
use super::topology::Shard;
use crate::info::Info;
use crate::target::{ClusterTarget, Endpoint};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct ClusterStatus {
    pub target: TargetStatus,
    /// `ok` when every node that answered says `cluster_state:ok`, else `fail`.
    pub cluster_state: String,
    /// Highest `cluster_current_epoch` reported.
    pub current_epoch: u64,
    pub slots: SlotCoverage,
    pub shards: Vec<ShardStatus>,
    /// Masters without slots, nodes in handshake or without address, replicas of unknown masters.
    pub other_nodes: Vec<NodeStatus>,
    pub open_slots: Vec<OpenSlotStatus>,
    pub disagreements: Vec<DisagreementStatus>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TargetStatus {
    pub name: String,
    pub url: String,
    /// The seed that answered.
    pub seed: String,
    pub tls: bool,
    /// Nodes whose own CLUSTER NODES view was read.
    pub views: usize,
}

#[derive(Debug, Serialize)]
pub struct SlotCoverage {
    /// Slots with an owner in the reference view.
    pub assigned: usize,
    /// Slots no master owns.
    pub gaps: Vec<SlotRange>,
    /// Slots whose master is flagged fail or fail?.
    pub failing: Vec<SlotRange>,
}

#[derive(Debug, Serialize)]
pub struct ShardStatus {
    pub slots: Vec<SlotRange>,
    pub slot_count: usize,
    pub master: NodeStatus,
    pub replicas: Vec<NodeStatus>,
}

#[derive(Debug, Serialize)]
pub struct NodeStatus {
    pub id: String,
    pub address: String,
    pub hostname: Option<String>,
    pub tls_port: Option<u16>,
    /// `master` or `replica`.
    pub role: String,
    /// As the reference view shows them (`myself` removed).
    pub flags: Vec<String>,
    pub config_epoch: u64,
    /// The reference node's bus link to it.
    pub link: String,
    /// How many views flag it fail or fail?.
    pub fail_reports: usize,
    pub reachable: bool,
    pub error: Option<String>,
    pub version: Option<String>,
    pub cluster_state: Option<String>,
    pub current_epoch: Option<u64>,
    pub known_nodes: Option<u64>,
    pub loading: Option<bool>,
    pub keys: Option<u64>,
    pub repl_offset: Option<u64>,
    /// Replicas: `master_link_status`.
    pub master_link_status: Option<String>,
    /// Replicas: bytes behind the master (both offsets read during this run).
    pub lag_bytes: Option<u64>,
    pub sync_in_progress: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct OpenSlotStatus {
    pub node: String,
    pub address: String,
    pub slot: u16,
    /// `migrating` or `importing`.
    pub state: String,
    pub peer: String,
    pub peer_address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DisagreementStatus {
    pub node: String,
    pub address: String,
    pub slots: SlotRange,
    /// Owner in that node's view (null: unassigned).
    pub says: Option<String>,
    /// Owner in the view most nodes share.
    pub reference: Option<String>,
}

impl ClusterStatus {
    pub fn build(target: &ClusterTarget, d: &Discovery) -> Self {
        let t = &d.topology;
        let address = |id: &str| d.member(id).map(|m| m.endpoint.to_string());
        let node = |id: &str| d.member(id).map(|m| node_status(m, d));
        let shards: Vec<ShardStatus> = t
            .shards
            .iter()
            .filter_map(|s: &Shard| {
                Some(ShardStatus {
                    slot_count: s.slots.iter().map(SlotRange::count).sum(),
                    slots: s.slots.clone(),
                    master: node(&s.master)?,
                    replicas: s.replicas.iter().filter_map(|r| node(r)).collect(),
                })
            })
            .collect();
        let in_shards = |id: &str| {
            t.shards
                .iter()
                .any(|s| s.master == id || s.replicas.iter().any(|r| r == id))
        };
        let other_nodes = d
            .members
            .iter()
            .filter(|m| !in_shards(&m.line.id))
            .map(|m| node_status(m, d))
            .collect();
        let answered: Vec<&Member> = d.members.iter().filter(|m| m.probe.is_ok()).collect();
        let state = |m: &Member| {
            m.probe
                .as_ref()
                .ok()
                .and_then(|p| p.cluster_info.get("cluster_state").map(String::from))
        };
        let all_ok = answered.iter().all(|m| state(m).as_deref() == Some("ok"));
        let mut status = Self {
            target: TargetStatus {
                name: target.name.clone(),
                url: target.url(),
                seed: d.seed.to_string(),
                tls: target.tls.is_some(),
                views: d.views,
            },
            cluster_state: if all_ok { "ok" } else { "fail" }.into(),
            current_epoch: answered
                .iter()
                .filter_map(|m| {
                    m.probe
                        .as_ref()
                        .ok()?
                        .cluster_info
                        .u64("cluster_current_epoch")
                })
                .max()
                .unwrap_or(0),
            slots: SlotCoverage {
                assigned: SLOTS - t.gaps.iter().map(SlotRange::count).sum::<usize>(),
                gaps: t.gaps.clone(),
                failing: t.failing.clone(),
            },
            shards,
            other_nodes,
            open_slots: t
                .open_slots
                .iter()
                .map(|o| OpenSlotStatus {
                    address: address(&o.node).unwrap_or_default(),
                    node: o.node.clone(),
                    slot: o.open.slot,
                    state: serde_json::to_value(o.open.state)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    peer_address: address(&o.open.peer),
                    peer: o.open.peer.clone(),
                })
                .collect(),
            disagreements: t
                .disagreements
                .iter()
                .map(|x| DisagreementStatus {
                    address: address(&x.node).unwrap_or_default(),
                    node: x.node.clone(),
                    slots: x.slots,
                    says: x.says.clone(),
                    reference: x.reference.clone(),
                })
                .collect(),
            warnings: d.notes.clone(),
        };
        status.warn(d);
        status
    }

    fn warn(&mut self, d: &Discovery) {
        let w = &mut self.warnings;
        for m in &d.members {
            let who = format!("{} {}", role(m), m.endpoint);
            match &m.probe {
                Err(e) => w.push(format!("{who} did not answer: {}", first_line(e))),
                Ok(p) => {
                    let state = p.cluster_info.get("cluster_state").unwrap_or("?");
                    if state != "ok" {
                        w.push(format!("{who} says cluster_state:{state}"));
                    }
                    if p.info.flag("loading") == Some(true) {
                        w.push(format!("{who} is loading its dataset"));
                    }
                }
            }
            if m.line.failed() || m.line.pfail() {
                w.push(format!(
                    "{who} is flagged {} ({} of {} views)",
                    if m.line.failed() { "fail" } else { "fail?" },
                    m.fail_reports,
                    d.views
                ));
            }
        }
        if !self.slots.gaps.is_empty() {
            w.push(format!(
                "slots {} have no owner: the cluster cannot serve them",
                slots::list(&self.slots.gaps)
            ));
        }
        if !self.slots.failing.is_empty() {
            w.push(format!(
                "slots {} belong to a failing master",
                slots::list(&self.slots.failing)
            ));
        }
        for s in &self.shards {
            let range = slots::list(&s.slots);
            if s.replicas.is_empty() {
                w.push(format!(
                    "shard {range} has no replica: if its master fails, those slots are lost"
                ));
            }
            for r in &s.replicas {
                if let Some(link) = r.master_link_status.as_deref().filter(|l| *l != "up") {
                    w.push(format!(
                        "replica {} of shard {range}: master link {link}",
                        r.address
                    ));
                }
            }
        }
        for o in &self.open_slots {
            w.push(format!(
                "slot {} is {} on {} ({} {}): a migration is in progress or was left open",
                o.slot,
                o.state,
                o.address,
                if o.state == "migrating" { "to" } else { "from" },
                o.peer_address.as_deref().unwrap_or(&o.peer)
            ));
        }
        for x in &self.disagreements {
            let owner = |o: &Option<String>| match o {
                Some(id) => d
                    .member(id)
                    .map(|m| format!("{} ({})", m.endpoint, short(id)))
                    .unwrap_or_else(|| short(id).to_string()),
                None => "nobody".into(),
            };
            w.push(format!(
                "nodes disagree on the slot map: {} says slots {} are owned by {}, most nodes \
                 say {}",
                x.address,
                x.slots,
                owner(&x.says),
                owner(&x.reference)
            ));
        }
        for n in &self.other_nodes {
            let what = if n.flags.iter().any(|f| f == "handshake" || f == "noaddr") {
                "is not (yet) a member: still in handshake or without address"
            } else if n.role == "replica" {
                "replicates a node that is not a known master"
            } else {
                "owns no slots (a former master after a failover, or a node never given slots)"
            };
            w.push(format!(
                "{} {} ({}, flags {}) {what}",
                n.role,
                n.address,
                short(&n.id),
                n.flags.join(",")
            ));
        }
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        let t = &self.target;
        let _ = writeln!(
            o,
            "Cluster      {} ({}{}), seed {}",
            t.name,
            t.url,
            if t.tls { ", TLS" } else { "" },
            t.seed
        );
        let nodes = self
            .shards
            .iter()
            .map(|s| 1 + s.replicas.len())
            .sum::<usize>()
            + self.other_nodes.len();
        let _ = writeln!(
            o,
            "State        {}, current epoch {}, {} shards, {} nodes ({} views read)",
            self.cluster_state,
            self.current_epoch,
            self.shards.len(),
            nodes,
            t.views
        );
        let _ = writeln!(
            o,
            "Slots        {} of {SLOTS} assigned{}{}",
            self.slots.assigned,
            if self.slots.gaps.is_empty() {
                String::new()
            } else {
                format!(", gaps {}", slots::list(&self.slots.gaps))
            },
            if self.slots.failing.is_empty() {
                String::new()
            } else {
                format!(", failing {}", slots::list(&self.slots.failing))
            }
        );
        for (i, s) in self.shards.iter().enumerate() {
            let _ = writeln!(
                o,
                "Shard {:<6} slots {} ({} slots)",
                i + 1,
                slots::list(&s.slots),
                s.slot_count
            );
            render_node(&mut o, "master", &s.master);
            for r in &s.replicas {
                render_node(&mut o, "replica", r);
            }
        }
        for n in &self.other_nodes {
            render_node(&mut o, "other", n);
        }
        for w in &self.warnings {
            let _ = writeln!(o, "WARNING      {w}");
        }
        o
    }
}

fn render_node(o: &mut String, label: &str, n: &NodeStatus) {
    let mut parts = vec![format!("{:<21}", n.address), short(&n.id).to_string()];
    if !n.reachable {
        parts.push("UNREACHABLE".into());
    }
    if let Some(v) = &n.version {
        parts.push(format!("v{v}"));
    }
    parts.push(format!("epoch {}", n.config_epoch));
    if let Some(k) = n.keys {
        parts.push(format!("{k} keys"));
    }
    if let Some(link) = &n.master_link_status {
        parts.push(format!("link {link}"));
    }
    if let Some(lag) = n.lag_bytes {
        parts.push(format!("lag {lag} B"));
    }
    let flags: Vec<&str> = n
        .flags
        .iter()
        .map(String::as_str)
        .filter(|f| !matches!(*f, "master" | "slave"))
        .collect();
    if !flags.is_empty() {
        parts.push(format!("flags {}", flags.join(",")));
    }
    if n.link != "connected" {
        parts.push(format!("bus {}", n.link));
    }
    let _ = writeln!(o, "  {label:<10} {}", parts.join("  "));
}

fn node_status(m: &Member, d: &Discovery) -> NodeStatus {
    let p = m.probe.as_ref().ok();
    let info = |k: &str| p.and_then(|p| p.info.get(k)).map(String::from);
    let replica = m.line.is_replica();
    let lag_bytes = replica
        .then(|| {
            let master = d
                .member(m.line.master_id.as_deref()?)?
                .probe
                .as_ref()
                .ok()?;
            let mine = p?.info.u64("slave_repl_offset")?;
            Some(master.info.u64("master_repl_offset")?.saturating_sub(mine))
        })
        .flatten();
    NodeStatus {
        id: m.line.id.clone(),
        address: m.endpoint.to_string(),
        hostname: m.hostname.clone(),
        tls_port: m.tls_port,
        role: role(m).into(),
        flags: m
            .line
            .flags
            .iter()
            .filter(|f| *f != "myself")
            .cloned()
            .collect(),
        config_epoch: m.line.config_epoch,
        link: if m.line.connected || m.line.id == d.topology.reference {
            "connected"
        } else {
            "disconnected"
        }
        .into(),
        fail_reports: m.fail_reports,
        reachable: p.is_some(),
        error: m.probe.as_ref().err().map(|e| first_line(e).to_string()),
        version: info("redis_version"),
        cluster_state: p.and_then(|p| p.cluster_info.get("cluster_state").map(String::from)),
        current_epoch: p.and_then(|p| p.cluster_info.u64("cluster_current_epoch")),
        known_nodes: p.and_then(|p| p.cluster_info.u64("cluster_known_nodes")),
        loading: p.and_then(|p| p.info.flag("loading")),
        keys: p.map(|p| p.info.keyspace().values().map(|k| k.keys).sum()),
        repl_offset: p.and_then(|p| p.info.u64("master_repl_offset")),
        master_link_status: replica.then(|| info("master_link_status")).flatten(),
        lag_bytes,
        sync_in_progress: replica
            .then(|| p.and_then(|p| p.info.flag("master_sync_in_progress")))
            .flatten(),
    }
}

fn role(m: &Member) -> &'static str {
    if m.line.is_replica() {
        "replica"
    } else {
        "master"
    }
}

/// The first 8 hex digits of a node id, as people quote them.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// What a standalone `status` adds for a server that is a cluster node.
#[derive(Debug, Serialize)]
pub struct Membership {
    /// The URL that names the whole cluster through this node.
    pub url: String,
}

impl Membership {
    /// Some when INFO says `cluster_enabled:1`.
    pub fn of(info: &Info, endpoint: &Endpoint, tls: bool) -> Option<Self> {
        if info.flag("cluster_enabled") != Some(true) {
            return None;
        }
        Some(Self {
            url: super::url_via(endpoint, tls),
        })
    }

    pub fn render(&self) -> String {
        format!(
            "Cluster      this server is a node of a Redis Cluster: `redisops status --target \
             {}` shows the whole cluster; backup, restore, harden apply and tls enable/rotate \
             refuse a cluster node\n",
            self.url
        )
    }
}
