//! Refusals that keep data safe: commands that work on one server must not treat a cluster,
//! or one node of it, as a standalone server. Both refusals use one exit code
//! ([`ExitCode::Target`]) and happen before anything is changed.

use super::url_via;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::harden::facts::AuditFacts;
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
             group. On a cluster redisops runs `status`, `tls check` (every node), `backup` \
             (one backup set), `restore` (of a backup set), `harden audit` and `harden apply` \
             (every node, one at a time). tls enable/rotate are refused because the cluster bus \
             cannot move to TLS one node at a time; {README} for what to do by hand. Nothing \
             was changed.",
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
                 elected while it loads, after which the restored data is replaced by the old. \
                 Restore a backup set through the cluster URL instead (`--shard` for one shard), \
                 which checks the slots and protects the replicas"
            }
            Guarded::HardenApply => {
                "ACL users, masterauth and settings such as tls-cluster must be the same on \
                 every node (ACLs are not propagated): harden the whole cluster through its \
                 cluster URL, which changes one node at a time"
            }
            Guarded::TlsEnable => {
                "the cluster bus cannot move to TLS one node at a time: a node with \
                 tls-cluster yes cannot talk to plain peers, so tls-cluster must change on \
                 every node at once, and the bus port follows tls-port unless cluster-port is \
                 fixed"
            }
            Guarded::TlsRotate => {
                "every node's certificate must be accepted by every other node on the cluster \
                 bus, so certificates are rotated on all nodes together"
            }
        }
    }
}

/// Refuses `command` on a node that says it is a cluster node. Reads INFO only, over its own
/// connection. When that fails (unreachable, authentication, a user without `+info` or
/// `+cluster|myid`), the command goes on and its own connection reports the problem: a probe
/// must not turn a documented failure (with its metrics) into a different one. A Sentinel
/// target is not probed (Sentinel does not manage cluster nodes).
pub async fn refuse_cluster_node(target: &Target, command: Guarded) -> Result<()> {
    let TargetKind::Node(endpoint) = &target.kind else {
        return Ok(());
    };
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let Ok(mut node) = Node::connect(&dialer, endpoint, &target.auth, target.db).await else {
        return Ok(());
    };
    let member = match node.info("cluster").await {
        Ok(info) => info.flag("cluster_enabled") == Some(true),
        // A user without +info may still run CLUSTER MYID, which only a cluster node answers.
        Err(_) => node
            .try_query::<String>(redis::cmd("CLUSTER").arg("MYID"))
            .await
            .is_ok(),
    };
    refuse_member(
        member,
        &endpoint.to_string(),
        &url_via(endpoint, dialer.is_tls()),
        command,
    )
}

/// Refuses `harden apply` when any node its audit read says `cluster_enabled:1`.
pub fn refuse_audited(facts: &AuditFacts, tls: bool) -> Result<()> {
    for n in &facts.nodes {
        let member = n.info.get("cluster_enabled").is_some_and(|v| v == "1");
        let url = url_via_address(&n.address, tls);
        refuse_member(member, &n.address, &url, Guarded::HardenApply)?;
    }
    Ok(())
}

fn url_via_address(address: &str, tls: bool) -> String {
    format!(
        "{}://{address}",
        if tls {
            "rediss-cluster"
        } else {
            "redis-cluster"
        }
    )
}

fn refuse_member(member: bool, address: &str, url: &str, command: Guarded) -> Result<()> {
    if !member {
        return Ok(());
    }
    Err(fail(
        ExitCode::Target,
        format!(
            "{address} is a node of a Redis Cluster (cluster_enabled:1), and {} of a cluster \
             node is not supported: {}. Nothing was changed. `redisops status --target {url}` \
             shows the whole cluster; {README} for the manual procedure.",
            command.name(),
            command.why()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_names_the_command_the_reason_and_the_cluster_url() {
        assert!(refuse_member(false, "h:1", "u", Guarded::Restore).is_ok());
        let err = refuse_member(
            true,
            "10.0.0.5:7000",
            "redis-cluster://10.0.0.5:7000",
            Guarded::Restore,
        )
        .unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::Target);
        let text = format!("{err:#}");
        for needle in [
            "10.0.0.5:7000 is a node of a Redis Cluster",
            "restore of a cluster node is not supported",
            "importing",
            "Nothing was changed",
            "--target redis-cluster://10.0.0.5:7000",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        assert_eq!(url_via_address("h:1", true), "rediss-cluster://h:1");
    }
}
