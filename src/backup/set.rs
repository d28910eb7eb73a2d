//! Backup of a Redis Cluster: one backup set. Discover, refuse a cluster that is not in a
//! state to back up, pick one source node per shard, capture the shards (`set_shards.rs`:
//! each through the ordinary single-node capture and pipeline, with the per-key slot check
//! as the walk's visitor, up to `--parallel` at a time), compare the topology after with the
//! one before, and write the set manifest last. Any failure drops what was written: no set,
//! nothing that looks like one.

pub use super::set_shards::Concurrency;
use super::{Request, lock, set_cut, set_shards};
use crate::cluster::discover::{self, Discovery, Member};
use crate::cluster::ready::unready;
use crate::cluster::slots::{self, SlotRange};
use crate::cluster::topology::Shard;
use crate::conn::Want;
use crate::exit::{ExitCode, fail};
use crate::repo::{
    BackupId, BackupSet, RepoLock, Repository, SET_FORMAT_VERSION, SetManifest, TargetId,
    TopologySnapshot,
};
use crate::target::ClusterTarget;
use anyhow::{Context, Result};
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A replica further behind its master than this (bytes of replication stream, read by
/// discovery) is not "caught up" and is not chosen as a shard's source.
const CAUGHT_UP_BYTES: u64 = 1024 * 1024;

/// What a successful set backup produced.
pub struct SetOutcome {
    pub set: BackupSet,
    pub warnings: Vec<String>,
    pub lock: RepoLock,
}

/// One shard's plan: the master, the node to read, and the lag that chose it.
pub(super) struct Planned<'a> {
    pub shard: &'a Shard,
    pub master: &'a Member,
    pub source: &'a Member,
    pub lag: Option<u64>,
}

/// What a set backup may do besides the single-node [`Request`].
#[derive(Debug, Clone, Copy)]
pub struct SetOptions {
    /// Back up the owned slots when some slots have no owner (`--allow-partial`).
    pub allow_partial: bool,
    pub concurrency: Concurrency,
    /// `--consistent-cut`: pause writes on every master for at most this long while every
    /// shard's fork starts.
    pub consistent_cut: Option<Duration>,
}

/// Backs up every shard of `target` into one set in `repo`.
pub async fn run(
    target: &ClusterTarget,
    repo: &Repository,
    req: &Request,
    opts: SetOptions,
) -> Result<SetOutcome> {
    let before = discover::discover(target).await?;
    let uncovered = refuse_unready(&before, opts.allow_partial)?;
    let plan = plan(&before, req.from)?;

    let target_id = TargetId::new(&target.name);
    let lock = lock(repo, &target_id, req.lock_wait).await?;
    let mut warnings = Vec::new();
    if let Some(old) = lock.took_over() {
        warnings.push(format!("took over a lock left by a dead process ({old})"));
    }
    if !uncovered.is_empty() {
        warnings.push(format!(
            "slots {} have no owner: this set is partial (--allow-partial), it holds the other \
             slots only",
            slots::list(&uncovered)
        ));
    }
    for removed in repo.clean_stale_sets(&target_id)? {
        crate::ui::note(format!("removed leftover of an interrupted run: {removed}"));
    }
    let started_at = Utc::now();
    let id = BackupId::generate(started_at);
    let mut set = repo.begin_set(&lock, &id)?;
    let cut = match opts.consistent_cut {
        Some(timeout) => {
            let masters: Vec<&Member> = plan.iter().map(|p| p.master).collect();
            Some(set_cut::pause(target, &masters, timeout).await?)
        }
        None => None,
    };
    let (shards, shard_warnings, pause) =
        set_shards::capture_all(target, &plan, &mut set, req, opts.concurrency, cut).await?;
    warnings.extend(shard_warnings);

    let after = discover::discover(target).await?;
    if let Some(moved) = moved(&before, &after) {
        return Err(fail(
            ExitCode::ClusterRefused,
            format!(
                "the cluster's slot map changed during the backup ({moved}); no set was \
                 committed: run the backup again once the cluster is stable"
            ),
        ));
    }
    refuse_unready(&after, opts.allow_partial)
        .context("after the last shard; no set was committed")?;
    let manifest = SetManifest {
        format_version: SET_FORMAT_VERSION,
        kind: "redis-cluster-set".into(),
        set_id: id.to_string(),
        started_at,
        finished_at: Utc::now(),
        consistency: if pause.is_some() {
            "paused-cut"
        } else {
            "per-shard"
        }
        .into(),
        pause,
        partial: !uncovered.is_empty(),
        uncovered_slots: uncovered.iter().map(|r| [r.start, r.end]).collect(),
        target: target.name.clone(),
        seed: before.seed.to_string(),
        topology_before: snapshot(&before),
        topology_after: snapshot(&after),
        shards,
        cluster_nodes: (before.members.iter())
            .filter_map(|m| Some((m.line.id.clone(), m.probe.as_ref().ok()?.nodes_text.clone())))
            .collect(),
    };
    Ok(SetOutcome {
        set: set.commit(manifest)?,
        warnings,
        lock,
    })
}

fn refused(why: String) -> anyhow::Error {
    fail(
        ExitCode::ClusterRefused,
        format!("{why}. Nothing was backed up; `redisops status` on the cluster shows its state"),
    )
}

/// Refuses a cluster whose backup could not be a whole, consistent set; with
/// `allow_partial`, slots without an owner are allowed and returned.
fn refuse_unready(d: &Discovery, allow_partial: bool) -> Result<Vec<SlotRange>> {
    let gaps = &d.topology.gaps;
    if !gaps.is_empty() && !allow_partial {
        return Err(refused(format!(
            "slots {} have no owner; a backup set would be incomplete (use --allow-partial to \
             back up the covered slots)",
            slots::list(gaps)
        )));
    }
    match unready(d, allow_partial) {
        Some(why) => Err(refused(why)),
        None => Ok(gaps.clone()),
    }
}

/// Whether a node can serve its RDB now: it answered, nobody flags it failing, and it is
/// not loading.
fn usable(m: &Member) -> bool {
    let Ok(p) = &m.probe else { return false };
    m.fail_reports == 0 && m.line.member() && p.info.flag("loading") != Some(true)
}

/// A replica's lag behind `master` when it is a healthy, caught-up replica of it.
fn caught_up(replica: &Member, master: &Member) -> Option<u64> {
    let info = &replica.probe.as_ref().ok()?.info;
    let healthy = usable(replica)
        && replica.line.master_id.as_deref() == Some(master.line.id.as_str())
        && info.get("master_link_status") == Some("up")
        && info.get("master_sync_in_progress") != Some("1");
    let mine = info.u64("slave_repl_offset")?;
    let theirs = master.probe.as_ref().ok()?.info.u64("master_repl_offset")?;
    let lag = theirs.saturating_sub(mine);
    (healthy && lag <= CAUGHT_UP_BYTES).then_some(lag)
}

/// One source per shard, shards in slot order, as `--from` asks.
fn plan(d: &Discovery, from: Want) -> Result<Vec<Planned<'_>>> {
    let mut shards: Vec<&Shard> = d.topology.shards.iter().collect();
    shards.sort_by_key(|s| s.slots.first().map(|r| r.start));
    shards
        .into_iter()
        .map(|shard| {
            let range = slots::list(&shard.slots);
            let master = d
                .member(&shard.master)
                .ok_or_else(|| refused(format!("shard {range}: its master is unknown")))?;
            let best = shard
                .replicas
                .iter()
                .filter_map(|id| d.member(id))
                .filter_map(|r| caught_up(r, master).map(|lag| (r, lag)))
                .min_by_key(|(_, lag)| *lag);
            let master_ok = usable(master);
            let (source, lag) = match (from, best) {
                (Want::Replica | Want::PreferReplica, Some((r, lag))) => (r, Some(lag)),
                (Want::Master | Want::PreferReplica, _) if master_ok => (master, None),
                (_, None) if !master_ok => {
                    return Err(refused(format!(
                        "shard {range} has no reachable node (master {} {})",
                        master.endpoint,
                        master
                            .probe
                            .as_ref()
                            .err()
                            .map_or("is flagged failing", |e| e.as_str())
                    )));
                }
                (Want::Replica, None) => {
                    return Err(refused(format!(
                        "shard {range} has no healthy, caught-up replica (--from replica); \
                         use --from prefer-replica or master"
                    )));
                }
                (_, _) => {
                    return Err(refused(format!(
                        "shard {range}: master {} is not usable (--from master)",
                        master.endpoint
                    )));
                }
            };
            Ok(Planned {
                shard,
                master,
                source,
                lag,
            })
        })
        .collect()
}

/// Masters, their slots and config epochs, one line each, sorted.
fn slot_map(d: &Discovery) -> Vec<(Vec<SlotRange>, String, u64)> {
    let mut map: Vec<_> = (d.topology.shards.iter())
        .map(|s| {
            let epoch = d.topology.node(&s.master).map_or(0, |n| n.config_epoch);
            (s.slots.clone(), s.master.clone(), epoch)
        })
        .collect();
    map.sort();
    map
}

/// What changed between the snapshots, naming the slot ranges; `None` when nothing did.
fn moved(before: &Discovery, after: &Discovery) -> Option<String> {
    let (a, b) = (slot_map(before), slot_map(after));
    if a == b {
        return None;
    }
    let changed: Vec<String> = a
        .iter()
        .filter(|x| !b.contains(x))
        .map(|(r, _, _)| format!("slots {}", slots::list(r)))
        .collect();
    Some(format!(
        "shards to fetch again: {}",
        if changed.is_empty() {
            "all (new shards appeared)".to_string()
        } else {
            changed.join("; ")
        }
    ))
}

fn snapshot(d: &Discovery) -> TopologySnapshot {
    let seed = d.members.iter().find(|m| m.line.myself());
    let info = seed
        .and_then(|m| m.probe.as_ref().ok())
        .map(|p| &p.cluster_info);
    let mut hash = Sha256::new();
    for (ranges, master, epoch) in slot_map(d) {
        hash.update(format!("{master} {epoch} {}\n", slots::list(&ranges)));
    }
    TopologySnapshot {
        current_epoch: info
            .and_then(|i| i.u64("cluster_current_epoch"))
            .unwrap_or(0),
        cluster_state: info
            .and_then(|i| i.get("cluster_state"))
            .unwrap_or("unknown")
            .to_string(),
        slot_map_sha256: hex::encode(hash.finalize()),
    }
}
