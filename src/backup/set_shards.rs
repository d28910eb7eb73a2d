//! Capturing the shards of a backup set: up to `--parallel` shards at a time, never more than
//! `--forks-per-host` on one host (grouped by the address each source node is reached at), each
//! through the ordinary single-node capture and pipeline with the per-key slot check as the
//! walk's visitor. The first failure cancels the shards still running and waits for them, so
//! nothing is left writing when the set is dropped. With a consistent cut (`set_cut.rs`) all
//! shards start together inside the write pause.

use super::set::Planned;
use super::set_cut::{self, Paused};
use super::{NodeFacts, NodeJob, Request, capture, capture_node};
use crate::archive::Encryption;
use crate::cluster::slotcheck::SlotCheck;
use crate::cluster::slots;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::repo::{Backup, BackupId, NodeRef, Pause, PendingSet, ShardEntry, SourceNode};
use crate::target::{ClusterTarget, Endpoint};
use anyhow::{Context, Result};
use chrono::Utc;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::BTreeMap;
use std::time::Instant;
use tokio::sync::oneshot;

/// How many shards run at once.
#[derive(Debug, Clone, Copy)]
pub struct Concurrency {
    /// Shards at a time (`--parallel`, at least 1).
    pub parallel: usize,
    /// Shards at a time whose source is on the same host (`--forks-per-host`, at least 1):
    /// each is a fork of a server there, with its copy-on-write memory.
    pub per_host: usize,
}

/// What one captured shard adds to the set.
struct Done {
    entry: ShardEntry,
    backup: Backup,
    warnings: Vec<String>,
}

/// Captures every planned shard into `set`; returns the entries in shard order, the
/// warnings and, with `cut` (writes paused on every master), the pause record: then every
/// shard starts at once and the pause ends as soon as every fork has started (or one failed).
/// On failure the shards already committed are in `set` (which deletes them when dropped
/// uncommitted).
pub(super) async fn capture_all(
    target: &ClusterTarget,
    plan: &[Planned<'_>],
    set: &mut PendingSet,
    req: &Request,
    limits: Concurrency,
    cut: Option<Paused>,
) -> Result<(Vec<ShardEntry>, Vec<String>, Option<Pause>)> {
    let hosts: Vec<&str> = plan
        .iter()
        .map(|p| p.source.endpoint.host.as_str())
        .collect();
    // A cut needs every fork inside the pause: all shards together, whatever the hosts.
    let limits = match cut {
        Some(_) => Concurrency {
            parallel: plan.len(),
            per_host: plan.len(),
        },
        None => limits,
    };
    let at_once = effective(&hosts, limits);
    // The compression threads are shared by the shards that run together.
    let stop = req.cancelled.child_token();
    let shard_req = Request {
        threads: (req.threads / at_once).max(1),
        cancelled: stop.clone(),
        // One progress line per shard would interleave.
        quiet: req.quiet || at_once > 1,
        ..req.clone()
    };
    let dialer = match Dialer::new(target.tls.as_ref(), target.timeout) {
        Ok(d) => d,
        Err(e) => {
            if let Some(paused) = cut {
                paused.unpause().await.ok();
            }
            return Err(e);
        }
    };
    let id = set.id().clone();
    let at_cut = cut.as_ref().map(|c| (c.offsets.clone(), c.deadline()));
    let (mut senders, receivers): (Vec<_>, Vec<_>) = (0..plan.len())
        .map(|_| {
            let (tx, rx) = oneshot::channel();
            (Some(tx), rx)
        })
        .unzip();
    if cut.is_none() {
        senders.iter_mut().for_each(|s| *s = None);
    }
    let mut done: BTreeMap<usize, Done> = BTreeMap::new();
    let mut first_error = None;
    let control = async {
        let Some(paused) = cut else {
            return Ok(None);
        };
        let left = paused.deadline().saturating_duration_since(Instant::now());
        let started = tokio::time::timeout(left, futures::future::join_all(receivers)).await;
        let all = matches!(&started, Ok(r) if r.iter().all(Result::is_ok));
        let pause = paused.unpause().await;
        if !all {
            stop.cancel();
        }
        match started {
            Err(_) => Err(fail(
                ExitCode::ClusterRefused,
                format!(
                    "--consistent-cut: not every shard's fork started within the pause ({} ms); \
                     writes were unpaused and no set was committed",
                    left.as_millis()
                ),
            )),
            // A shard that failed to start reports its own error.
            Ok(_) if !all => Ok(None),
            Ok(_) => pause.map(Some),
        }
    };
    let shards = async {
        let pending: &PendingSet = set;
        let mut waiting: Vec<usize> = (0..plan.len()).collect();
        let mut busy: Vec<usize> = Vec::new();
        let mut running = FuturesUnordered::new();
        loop {
            while first_error.is_none() && busy.len() < limits.parallel {
                let Some(i) = next(&waiting, &hosts, &busy, limits.per_host) else {
                    break;
                };
                waiting.retain(|w| *w != i);
                busy.push(i);
                let shard = Shard {
                    target,
                    dialer: &dialer,
                    set: pending,
                    id: &id,
                    index: i,
                    plan: &plan[i],
                    req: &shard_req,
                    started: senders[i].take(),
                    cut: at_cut
                        .as_ref()
                        .map(|(o, deadline)| (o[&plan[i].master.line.id], *deadline)),
                };
                running.push(async move { (i, shard.capture().await) });
            }
            let Some((i, result)) = running.next().await else {
                break;
            };
            busy.retain(|b| *b != i);
            match result {
                Ok(d) => {
                    done.insert(i, d);
                }
                // The first failure is the one to report; the others are its cancellation.
                Err(e) if first_error.is_none() => {
                    stop.cancel();
                    first_error = Some(e);
                }
                Err(_) => {}
            }
        }
    };
    let ((), pause) = tokio::join!(shards, control);
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (i, d) in done {
        set.add_shard(i, d.backup);
        entries.push(d.entry);
        warnings.extend(d.warnings);
    }
    // A pause that could not be ended cleanly fails the set too: it said so.
    let pause = pause.context("after the shards' forks started; no set was committed");
    match (first_error, pause) {
        (Some(e), _) => Err(e),
        (None, Err(e)) => Err(e),
        (None, Ok(pause)) => Ok((entries, warnings, pause)),
    }
}

/// Shards that can run together: `parallel`, fewer when the hosts' limits allow fewer.
fn effective(hosts: &[&str], limits: Concurrency) -> usize {
    let mut distinct = hosts.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    (limits.parallel)
        .min(distinct.len() * limits.per_host)
        .min(hosts.len())
        .max(1)
}

/// The first waiting shard (in slot order) whose host runs fewer than `per_host` shards.
fn next(waiting: &[usize], hosts: &[&str], busy: &[usize], per_host: usize) -> Option<usize> {
    waiting
        .iter()
        .copied()
        .find(|&i| busy.iter().filter(|&&b| hosts[b] == hosts[i]).count() < per_host)
}

/// One shard to capture.
struct Shard<'a> {
    target: &'a ClusterTarget,
    dialer: &'a Dialer,
    set: &'a PendingSet,
    id: &'a BackupId,
    index: usize,
    plan: &'a Planned<'a>,
    req: &'a Request,
    /// With a cut: told when the fork started.
    started: Option<oneshot::Sender<()>>,
    /// With a cut: the master's cut offset and the end of the pause.
    cut: Option<(u64, Instant)>,
}

impl Shard<'_> {
    /// Connects to the source, captures its RDB through the slot check into the set's shard
    /// folder, and commits the shard backup (the set commits later).
    async fn capture(self) -> Result<Done> {
        let Shard {
            target,
            dialer,
            set,
            id,
            index,
            plan: p,
            req,
            started,
            cut,
        } = self;
        let label = format!("{index} (slots {})", slots::list(&p.shard.slots));
        let endpoint = Endpoint::Tcp(p.source.endpoint.clone());
        let mut node = Node::connect(dialer, &endpoint, &target.auth, 0)
            .await
            .with_context(|| {
                format!("shard {label}: connecting to {endpoint}; no set was committed")
            })?;
        if let (Some((offset, deadline)), true) = (cut, p.source.line.is_replica()) {
            set_cut::wait_caught_up(&mut node, offset, deadline).await?;
        }
        let facts = NodeFacts::read(&mut node).await;
        let source = capture::choose(&mut node, req.method).await?;
        let encrypted = !matches!(req.encryption, Encryption::None);
        let sink = set.begin_shard(index, req.compression, encrypted)?;
        let job = NodeJob {
            name: &target.name,
            node: &mut node,
            dialer,
            auth: &target.auth,
            timeout: target.timeout,
            source,
            facts,
            sentinel_master: None,
            started,
        };
        let check = SlotCheck::new(&p.shard.slots);
        let captured = capture_node(job, sink, id, Utc::now(), Instant::now(), req, check)
            .await
            .with_context(|| format!("shard {label} from {endpoint}; no set was committed"))?;
        let mut warnings = captured.warnings;
        let check = &captured.visitor;
        if let Some(why) = check.refusal(&label) {
            return Err(fail(
                ExitCode::VerifyFailed,
                format!("{why}; no set was committed"),
            ));
        }
        warnings.extend(check.unchecked_note(&label));
        let aux = &captured.summary.aux;
        let rdb_offset = aux.get("repl-offset").and_then(|v| v.parse().ok());
        if let Some((offset, _)) = cut {
            warnings.extend(set_cut::check_at_cut(&label, rdb_offset, offset)?);
        }
        let (keys, expires) = captured
            .summary
            .databases
            .values()
            .fold((0, 0), |(k, e), d| (k + d.keys, e + d.expires));
        let entry = ShardEntry {
            index,
            slots: p.shard.slots.iter().map(|r| [r.start, r.end]).collect(),
            master: NodeRef {
                id: p.master.line.id.clone(),
                addr: p.master.endpoint.to_string(),
                config_epoch: p.master.line.config_epoch,
                repl_offset: p
                    .master
                    .probe
                    .as_ref()
                    .ok()
                    .and_then(|x| x.info.u64("master_repl_offset")),
            },
            source: SourceNode {
                id: p.source.line.id.clone(),
                addr: p.source.endpoint.to_string(),
                role: if p.source.line.is_replica() {
                    "replica"
                } else {
                    "master"
                }
                .into(),
                run_id: captured.manifest.target.run_id.clone(),
                repl_id: aux.get("repl-id").cloned(),
                repl_offset: rdb_offset,
                lag_bytes: p.lag,
            },
            backup_id: id.to_string(),
            archive: captured.manifest.archive.file.clone(),
            keys,
            expires,
            slot_counts: check.slot_counts(),
        };
        let backup = captured.pending.commit(captured.manifest)?;
        Ok(Done {
            entry,
            backup,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_forks_on_one_host_than_allowed() {
        let hosts = ["a", "a", "b", "a"];
        // Shard 0 runs on a: shard 1 (also a) waits, shard 2 (b) may start.
        assert_eq!(next(&[1, 2, 3], &hosts, &[0], 1), Some(2));
        assert_eq!(next(&[1, 3], &hosts, &[0, 2], 1), None);
        assert_eq!(next(&[1, 3], &hosts, &[0, 2], 2), Some(1));
        assert_eq!(next(&[], &hosts, &[], 1), None);
        assert_eq!(next(&[3], &hosts, &[], 1), Some(3));

        let limits = |parallel, per_host| Concurrency { parallel, per_host };
        assert_eq!(effective(&hosts, limits(3, 1)), 2, "two hosts");
        assert_eq!(effective(&hosts, limits(3, 3)), 3);
        assert_eq!(effective(&hosts, limits(8, 8)), 4, "four shards");
        assert_eq!(
            effective(&["a"; 3], limits(3, 1)),
            1,
            "one host: one at a time"
        );
        assert_eq!(effective(&hosts, limits(1, 1)), 1);
    }
}
