//! Refusals that keep data safe: commands that work on one server must not treat a cluster,
//! or one node of it, as a standalone server. Both refusals use one exit code
//! ([`ExitCode::Target`]) and happen before anything is changed.

use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::target::{ClusterTarget, Target, TargetKind};
use anyhow::Result;

/// Where the README explains what works on a cluster and the manual procedures.
const README: &str = "see the README section \"Cluster\"";

/// A cluster target given to a command that works on one server or a Sentinel group.
pub fn refuse_cluster_target(target: &ClusterTarget) -> anyhow::Error {
    fail(
        ExitCode::Target,
        format!(
            "{} names a Redis Cluster, and this command works on one server or a Sentinel \
             group. On a cluster redisops runs `status` and `tls check` (every node); `harden \
             audit` runs on one node at a time (redis://host:port). backup, restore, harden \
             apply and tls enable/rotate of a cluster are not supported yet; {README} for \
             what to do by hand. Nothing was changed.",
            target.url()
        ),
    )
}

/// A command that changes a server or captures its data, and why it refuses a cluster node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    Backup,
    Restore,
    HardenApply,
    TlsEnable,
    TlsRotate,
}

impl Guarded {
    fn name(self) -> &'static str {
        match self {
            Guarded::Backup => "backup",
            Guarded::Restore => "restore",
            Guarded::HardenApply => "harden apply",
            Guarded::TlsEnable => "tls enable",
            Guarded::TlsRotate => "tls rotate",
        }
    }

    fn why(self) -> &'static str {
        match self {
            Guarded::Backup => {
                "one node's RDB holds only the slots of its shard, and a backup of a cluster \
                 needs every shard, each checked against its slots; an archive of one node \
                 would look like a whole dataset"
            }
            Guarded::Restore => {
                "a cluster master that loads keys of slots it does not own claims them or marks \
                 them importing (Redis) or deletes them (Valkey 8+), and its replica may be \
                 elected while it loads, after which the restored data is replaced by the old"
            }
            Guarded::HardenApply => {
                "ACL users, masterauth and settings such as tls-cluster must be the same on \
                 every node (ACLs are not propagated), and a restart of a master can start a \
                 failover"
            }
            Guarded::TlsEnable => {
                "the cluster bus cannot move to TLS one node at a time: tls-cluster must be \
                 the same on every node, and the bus port follows tls-port"
            }
            Guarded::TlsRotate => {
                "every node's certificate must be accepted by every other node on the cluster \
                 bus, so certificates are rotated on all nodes together"
            }
        }
    }
}

/// Refuses `command` on a node with `cluster_enabled:1`. Reads INFO only; a Sentinel target
/// is not probed (Sentinel does not manage cluster nodes).
pub async fn refuse_cluster_node(target: &Target, command: Guarded) -> Result<()> {
    let TargetKind::Node(endpoint) = &target.kind else {
        return Ok(());
    };
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let mut node = Node::connect(&dialer, endpoint, &target.auth, target.db).await?;
    let info = node.info("cluster").await?;
    if info.flag("cluster_enabled") != Some(true) {
        return Ok(());
    }
    let url = super::url_via(endpoint, dialer.is_tls());
    Err(fail(
        ExitCode::Target,
        format!(
            "{endpoint} is a node of a Redis Cluster (cluster_enabled:1), and {} of a cluster \
             node is not supported: {}. Nothing was changed. `redisops status --target {url}` \
             shows the whole cluster; {README} for the manual procedure.",
            command.name(),
            command.why()
        ),
    ))
}
