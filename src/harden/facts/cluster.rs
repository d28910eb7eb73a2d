//! Facts of a Redis Cluster: discovery finds every node, each node's facts are gathered as
//! for a single server (same gatherer, same credentials and TLS options), and
//! [`ClusterFacts`] records each node's place in the cluster (id, role, its master, ports,
//! bus port) for the cluster-wide checks, plus what makes the cluster unhealthy now.

use super::gather::{NodeEnv, unreachable};
use super::{AuditFacts, GatherOptions, NodeKind};
use crate::cluster::discover::{self, Discovery, Member};
use crate::cluster::{health, slots};
use crate::conn::Dialer;
use crate::target::{ClusterTarget, Endpoint, Target, TargetKind};
use anyhow::{Result, anyhow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ClusterFacts {
    /// The cluster URL (seeds, no credentials).
    pub url: String,
    /// One per node discovery found, in the order of [`AuditFacts::nodes`].
    pub nodes: Vec<ClusterNodeFacts>,
    /// Why the cluster is not healthy now (unreachable nodes, cluster_state, fail flags,
    /// replica links, the slot map); empty when it is.
    pub problems: Vec<String>,
}

impl ClusterFacts {
    pub fn node(&self, address: &str) -> Option<&ClusterNodeFacts> {
        self.nodes.iter().find(|n| n.address == address)
    }

    pub fn by_id(&self, id: &str) -> Option<&ClusterNodeFacts> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusterNodeFacts {
    /// As in [`super::NodeFacts::address`].
    pub address: String,
    pub id: String,
    /// `master` or `replica`.
    pub role: String,
    /// A replica's master, by id.
    pub master: Option<String>,
    /// The IP the cluster announces for it, and its hostname when announced.
    pub ip: String,
    pub hostname: Option<String>,
    /// Its client ports: plaintext and, when announced, TLS.
    pub ports: Vec<u16>,
    pub bus_port: u16,
    /// Slot ranges it owns (masters), as `0-5460,…`.
    pub slots: String,
}

/// Discovers the cluster and gathers every node. Fails only when no seed answers; a node
/// that cannot be reached is recorded as unreachable (AUD-01).
pub async fn gather_cluster(target: &ClusterTarget, options: &GatherOptions) -> Result<AuditFacts> {
    let d = discover::discover(target).await?;
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let mut members: Vec<&Member> = d.members.iter().collect();
    // Masters first, each group in address order (as a group audit lists its master first).
    members.sort_by_key(|m| (m.line.is_replica(), m.endpoint.to_string()));
    let mut nodes = Vec::new();
    let mut places = Vec::new();
    for m in members {
        let endpoint = Endpoint::Tcp(m.endpoint.clone());
        let node_target = Target {
            name: target.name.clone(),
            kind: TargetKind::Node(endpoint.clone()),
            auth: target.auth.clone(),
            tls: target.tls.clone(),
            db: 0,
            timeout: target.timeout,
        };
        let facts = match &m.probe {
            Err(e) => unreachable(&endpoint, NodeKind::Server, &anyhow!("{e}")),
            Ok(_) => {
                let env = NodeEnv {
                    target: &node_target,
                    auth: &target.auth,
                    master_name: None,
                    config_file: None,
                };
                env.gather_or_unreachable(&dialer, &endpoint).await
            }
        };
        places.push(place(m, &facts.address));
        nodes.push(facts);
    }
    Ok(AuditFacts {
        target: target.url(),
        gathered_at: chrono::Utc::now().timestamp(),
        admin_users: options.admin_users.clone(),
        group: None,
        cluster: Some(ClusterFacts {
            url: target.url(),
            nodes: places,
            problems: problems(&d),
        }),
        nodes,
    })
}

fn place(m: &Member, address: &str) -> ClusterNodeFacts {
    let line = &m.line;
    ClusterNodeFacts {
        address: address.to_string(),
        id: line.id.clone(),
        role: if line.is_replica() {
            "replica"
        } else {
            "master"
        }
        .into(),
        master: line.master_id.clone(),
        ip: line.ip.clone(),
        hostname: m.hostname.clone(),
        ports: [Some(line.port), m.tls_port]
            .into_iter()
            .flatten()
            .filter(|p| *p != 0)
            .collect(),
        bus_port: line.bus_port,
        slots: slots::list(&line.slots),
    }
}

/// Every reason the cluster is not healthy as discovery found it.
pub fn problems(d: &Discovery) -> Vec<String> {
    let mut out: Vec<String> = d
        .members
        .iter()
        .filter_map(|m| match &m.probe {
            Err(e) => Some(format!(
                "{} did not answer: {}",
                m.endpoint,
                e.lines().next().unwrap_or("")
            )),
            Ok(_) => None,
        })
        .collect();
    let addresses: Vec<String> = d.members.iter().map(|m| m.endpoint.to_string()).collect();
    out.extend(health::problems(
        d.members
            .iter()
            .zip(&addresses)
            .filter_map(|(m, a)| Some((a.as_str(), m.probe.as_ref().ok()?))),
    ));
    if !d.topology.healthy() {
        out.push(
            "the slot map has unowned or failing slots, an open (migrating or importing) slot, \
             or nodes that disagree: see `redisops status` of the cluster"
                .into(),
        );
    }
    out
}
