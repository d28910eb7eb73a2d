//! Redis Cluster: discovery from any seed ([`discover`]), the topology as data
//! ([`topology`], from [`nodes`] = `CLUSTER NODES`), `status` of a cluster ([`status`]), and
//! the refusals that keep commands built for one server away from cluster nodes ([`guard`]).
//!
//! Every node is reached over its own plain connection from the usual dialer, with the same
//! credentials and TLS options; there is no data-plane cluster client (an operations tool
//! never routes keys).

pub mod discover;
pub mod form;
pub mod guard;
pub mod health;
pub mod nodes;
pub mod ready;
pub mod slotcheck;
pub mod slots;
pub mod status;
pub mod topology;

use crate::conn::Dialer;
use crate::exit::{ExitCode, fail};
use crate::target::{ClusterTarget, Endpoint, cluster_url};
use crate::tls::NodeCert;
use anyhow::Result;

/// The cluster URL that reaches the cluster through this node.
pub fn url_via(endpoint: &Endpoint, tls: bool) -> String {
    match endpoint {
        Endpoint::Tcp(hp) => cluster_url(std::slice::from_ref(hp), tls),
        // A socket is not a cluster address; the operator fills in the node's own.
        Endpoint::Unix(_) => "redis-cluster://HOST:PORT".into(),
    }
}

/// `tls check` of a cluster: the certificate every node presents (the nodes discovery finds,
/// at the TLS ports the cluster announces), each labelled with its role and shard.
pub async fn tls_check(target: &ClusterTarget, now: i64) -> Result<Vec<NodeCert>> {
    let Some(tls) = &target.tls else {
        return Err(fail(
            ExitCode::Usage,
            "tls check reads the certificate from a TLS handshake: use a rediss-cluster:// \
             target, or --tls with --cacert (and --cert/--key)",
        ));
    };
    let d = discover::discover(target).await?;
    let shard_of = |id: &str| {
        d.topology
            .shards
            .iter()
            .find(|s| s.master == id || s.replicas.iter().any(|r| r == id))
            .map(|s| slots::list(&s.slots))
    };
    let nodes = d
        .members
        .iter()
        .filter(|m| m.line.member())
        .map(|m| {
            let role = if m.line.is_replica() {
                "replica"
            } else {
                "master"
            };
            let label = match shard_of(&m.line.id) {
                Some(range) => format!("{role} of slots {range}"),
                None => role.to_string(),
            };
            (m.endpoint.clone(), Some(label))
        })
        .collect();
    let dialer = Dialer::new(Some(tls), target.timeout)?;
    Ok(crate::tls::certificates(&dialer, nodes, now).await)
}
