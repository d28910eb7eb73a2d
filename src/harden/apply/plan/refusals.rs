//! Why no plan can be made: what `harden apply` refuses before it plans anything.

use super::PlanOptions;
use crate::harden::facts::{AuditFacts, NodeKind};

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Commands redisops (audit, apply, backup, restore), replication or Sentinel run by name.
const NEEDED: &[&str] = &[
    "ACL",
    "AUTH",
    "BGSAVE",
    "CLIENT",
    "COMMAND",
    "CONFIG",
    "EXEC",
    "HELLO",
    "INFO",
    "LASTSAVE",
    "MULTI",
    "PING",
    "PSYNC",
    "REPLCONF",
    "REPLICAOF",
    "ROLE",
    "SELECT",
    "SENTINEL",
    "SHUTDOWN",
    "SLAVEOF",
    "SYNC",
    "TIME",
];

/// A renamed command breaks an AOF that contains it ("Unknown command" at the next load)
/// and replicas that receive it under its new name.
fn refuse_unsafe_renames(facts: &AuditFacts) -> Result<(), Refusal> {
    for n in facts.nodes.iter().filter(|n| n.kind == NodeKind::Server) {
        if n.config("appendonly") == Some("yes") {
            return Err(Refusal(format!(
                "{} uses an AOF: a renamed command in it would stop the next start. Rename \
                 commands only on servers without appendonly, or deny them through ACLs \
                 (apply does by default)",
                n.address
            )));
        }
        if n.role != "master" || n.info("connected_slaves").is_some_and(|r| r != "0") {
            return Err(Refusal(format!(
                "{} replicates: replicas would receive the renamed commands under names they \
                 do not know. Deny the commands through ACLs instead (apply does by default)",
                n.address
            )));
        }
    }
    Ok(())
}

/// What makes a plan impossible or unsafe, before anything is planned.
pub(super) fn refuse(facts: &AuditFacts, opts: &PlanOptions) -> Result<(), Refusal> {
    if let Some(down) = facts.nodes.iter().find(|n| n.unreachable.is_some()) {
        return Err(Refusal(format!(
            "{} could not be audited ({}): apply changes every node of a group together, so \
             it needs all of them reachable",
            down.address,
            down.unreachable.as_deref().unwrap_or("")
        )));
    }
    if let Some(problem) = facts.cluster.iter().flat_map(|c| &c.problems).next() {
        return Err(Refusal(format!(
            "the cluster is not healthy ({problem}): apply changes one node at a time and \
             checks the cluster healthy after each, so it starts only from a healthy cluster"
        )));
    }
    if facts.cluster.is_some() && (opts.bind.is_some() || opts.restart || !opts.rename.is_empty()) {
        return Err(Refusal(
            "--bind, --restart and --rename-commands are not for a cluster: bind moves the bus \
             listener only at a restart, a master's restart can start a failover, and renamed \
             commands break replicas and cluster tooling. Set them in each node's config file \
             and restart the nodes one at a time, replicas first"
                .into(),
        ));
    }
    let group = facts.group.as_ref();
    if group.is_some() && opts.bind.is_some() {
        return Err(Refusal(
            "--bind names one server's addresses: run it per node (redis://host:port targets), \
             not on a Sentinel group"
                .into(),
        ));
    }
    if group.is_some() && (opts.restart || !opts.rename.is_empty()) {
        return Err(Refusal(
            "--restart and --rename-commands restart servers: on a Sentinel group restart \
             one node at a time with a per-node target (replicas first), so the group keeps \
             a master"
                .into(),
        ));
    }
    if let Some((command, _)) = opts
        .rename
        .iter()
        .find(|(c, _)| NEEDED.iter().any(|n| n.eq_ignore_ascii_case(c)))
    {
        return Err(Refusal(format!(
            "{command} cannot be renamed: redisops, replicas or Sentinels need it under its \
             own name. Apply denies it to everyone but the admin through ACLs already"
        )));
    }
    if !opts.rename.is_empty() {
        refuse_unsafe_renames(facts)?;
    }
    Ok(())
}
