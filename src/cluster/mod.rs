//! Redis Cluster: discovery from any seed ([`discover`]), the topology as data
//! ([`topology`], from [`nodes`] = `CLUSTER NODES`), `status` of a cluster ([`status`]), and
//! the refusals that keep commands built for one server away from cluster nodes ([`guard`]).
//!
//! Every node is reached over its own plain connection from the usual dialer, with the same
//! credentials and TLS options; there is no data-plane cluster client (an operations tool
//! never routes keys).

pub mod discover;
pub mod guard;
pub mod nodes;
pub mod slots;
pub mod status;
pub mod topology;

use crate::target::{Endpoint, cluster_url};

/// The cluster URL that reaches the cluster through this node.
pub fn url_via(endpoint: &Endpoint, tls: bool) -> String {
    match endpoint {
        Endpoint::Tcp(hp) => cluster_url(std::slice::from_ref(hp), tls),
        // A socket is not a cluster address; the operator fills in the node's own.
        Endpoint::Unix(_) => "redis-cluster://HOST:PORT".into(),
    }
}
