//! Restore of a cluster backup set onto the same topology (notes redis-cluster §5.3, §9.4).
//!
//! Before anything changes: the set's slot map is whole; discovery finds the cluster ok
//! (every node answers and says `cluster_state:ok`, no open slot, one slot map); every shard
//! archive maps to the live master owning the identical slot ranges ([`matching`]); each
//! master is preflighted, and its archive staged, verified and slot-checked against its slots,
//! exactly as the single-server restore does (`super::prepare`). Then one shard at a time,
//! each as an ordinary journaled restore of its master whose plan also protects the shard's
//! replicas from being elected (`super::shard`), checks the master's own `CLUSTER NODES`
//! line, and waits for the cluster to agree it is healthy. A failing shard is rolled back on
//! its own; shards restored before it stay restored; the ones after are not started.
//! [`journal`] records which shard is where, for `--resume` and `--abort`.

pub mod journal;
pub mod matching;

use super::sentinel::Links;
use super::shard::{NO_FAILOVER, ShardGuard};
use super::stage::Source;
use super::{Outcome, Prepared, Request, Run};
use crate::archive::Decryption;
use crate::cluster::discover::{self, Discovery};
use crate::cluster::form;
use crate::cluster::ready::unready;
use crate::cluster::slots::{self, SlotRange};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::host::SupervisorChoice;
use crate::repo::{BackupSet, Repository, SetManifest, TargetId};
use crate::steps::CancellationToken;
use crate::steps::cancel::interrupted;
use crate::target::{ClusterTarget, Endpoint, HostPort, Target, TargetKind};
use anyhow::{Context, Result};
use journal::{SetJournal, ShardRun, ShardState};
use matching::Mapped;
use std::path::PathBuf;

pub struct SetRequest<'a> {
    pub repo: &'a Repository,
    pub set: &'a BackupSet,
    /// `--shard`: restore this shard only.
    pub shard: Option<&'a str>,
    /// Reads the decryption keys, once per shard.
    pub keys: &'a dyn Fn() -> Result<Decryption>,
    /// `{host}`/`{port}` expand per master.
    pub supervisor: SupervisorChoice,
    pub quiet: bool,
    pub cancelled: CancellationToken,
    /// `--into-new-cluster`: the target's nodes are empty and form a new cluster first.
    pub into_new: bool,
}

/// Every shard verified, staged and planned; nothing on the cluster has changed yet.
pub struct PreparedSet {
    pub target: ClusterTarget,
    pub set_id: String,
    /// In set order.
    pub shards: Vec<Prepared>,
    /// Worth saying before the operator confirms (a shard's master is another node now).
    pub notes: Vec<String>,
    /// `--into-new-cluster`: the cluster to form before the first shard.
    pub formation: Option<Formation>,
}

/// The empty nodes and the slot ranges each master gets (`ranges[i]` for master i).
pub struct Formation {
    pub layout: form::Layout,
    pub ranges: Vec<Vec<SlotRange>>,
}

impl Formation {
    /// The formation as the plan shows it, one line per node.
    pub fn describe(&self) -> Vec<String> {
        let mut lines: Vec<String> = (self.layout.masters.iter().zip(&self.ranges))
            .enumerate()
            .map(|(i, (m, r))| {
                format!(
                    "{}: master of shard s{i:02}, slots {} (CLUSTER ADDSLOTSRANGE, epoch {})",
                    m.endpoint,
                    slots::list(r),
                    i + 1
                )
            })
            .collect();
        lines.extend(self.layout.attachments().iter().map(|a| {
            format!(
                "{}: replica of {}, joins once every shard is restored",
                a.replica, a.master
            )
        }));
        lines
    }
}

/// The shards restored, each with its outcome, and the set journal's record.
pub struct SetOutcome {
    pub shards: Vec<(String, Outcome)>,
    pub journal: PathBuf,
}

fn folder(target: &ClusterTarget) -> String {
    TargetId::new(&target.name).as_str().to_string()
}

/// One master as a single-server target, with the cluster's credentials and TLS options.
fn node_target(target: &ClusterTarget, master: &HostPort) -> Target {
    Target {
        name: target.name.clone(),
        kind: TargetKind::Node(Endpoint::Tcp(master.clone())),
        auth: target.auth.clone(),
        tls: target.tls.clone(),
        db: 0,
        timeout: target.timeout,
    }
}

pub async fn prepare(target: &ClusterTarget, req: &SetRequest<'_>) -> Result<PreparedSet> {
    let active = journal::active_path(&folder(target));
    if active.exists() {
        return Err(super::unfinished("cluster", &active));
    }
    let manifest = &req.set.manifest;
    if let Some(why) = manifest.slot_map_problem() {
        return Err(fail(
            ExitCode::VerifyFailed,
            format!(
                "backup set {} is not a whole cluster: {why}",
                manifest.set_id
            ),
        ));
    }
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let mut notes = Vec::new();
    let (guards, formation) = if req.into_new {
        let (guards, formation) = fresh_guards(target, &dialer, manifest).await?;
        (guards, Some(formation))
    } else {
        (live_guards(target, &dialer, req, &mut notes).await?, None)
    };
    let mut shards: Vec<Prepared> = Vec::new();
    for (index, guard) in guards {
        let backup = req.set.shards[index].clone();
        let result = async {
            let request = Request {
                source_label: format!(
                    "backup set {} shard {} ({})",
                    manifest.set_id, guard.label, backup.archive.location
                ),
                source: Source::Backup(req.repo.clone(), Box::new(backup)),
                keys: (req.keys)()?,
                supervisor: req.supervisor.for_node(&guard.master),
                quiet: req.quiet,
                cancelled: req.cancelled.clone(),
                shard: Some(guard.clone()),
            };
            super::prepare(&node_target(target, &guard.master), &request).await
        }
        .await;
        match result {
            Ok(p) => shards.push(p),
            // The shards staged so far remove their files as they drop.
            Err(e) => return Err(e.context(format!("shard {}", guard.label))),
        }
    }
    Ok(PreparedSet {
        target: target.clone(),
        set_id: manifest.set_id.clone(),
        shards,
        notes,
        formation,
    })
}

/// Each shard archive (by its index in the set) with the live shard it restores onto.
async fn live_guards(
    target: &ClusterTarget,
    dialer: &Dialer,
    req: &SetRequest<'_>,
    notes: &mut Vec<String>,
) -> Result<Vec<(usize, ShardGuard)>> {
    let d = discover::discover(target).await?;
    refuse_unready(&d)?;
    let mapped = matching::map(&req.set.manifest, &d.topology)?;
    let chosen = match req.shard {
        Some(which) => vec![matching::select(&mapped, which)?],
        None => mapped,
    };
    let nodes: Vec<HostPort> = (d.members.iter())
        .filter(|m| m.line.member())
        .map(|m| m.endpoint.clone())
        .collect();
    let mut guards = Vec::new();
    for m in &chosen {
        let guard = shard_guard(&d, dialer, target, m, &nodes)
            .await
            .with_context(|| format!("shard {}", m.label()))?;
        if m.entry.master.id != guard.master_id {
            notes.push(format!(
                "shard {}: its master is node {} at {} now (at backup time {} at {}): a \
                 failover or a replaced node; the archive goes to the master that owns the \
                 slots",
                guard.label, guard.master_id, guard.master, m.entry.master.id, m.entry.master.addr
            ));
        }
        guards.push((m.entry.index, guard));
    }
    Ok(guards)
}

/// `--into-new-cluster`: every node of the URL must be empty and alone (checked, nothing
/// changed); shard i goes to the i-th node, which gets exactly the archive's slot ranges
/// when the cluster is formed. No replica exists while the masters load: they join after.
async fn fresh_guards(
    target: &ClusterTarget,
    dialer: &Dialer,
    manifest: &SetManifest,
) -> Result<(Vec<(usize, ShardGuard)>, Formation)> {
    let layout = form::inspect(target, dialer, manifest.shards.len()).await?;
    let nodes: Vec<HostPort> = layout.nodes().map(|n| n.endpoint.clone()).collect();
    let mut guards = Vec::new();
    let mut ranges = Vec::new();
    for (i, (entry, master)) in manifest.shards.iter().zip(&layout.masters).enumerate() {
        let own = entry.ranges();
        let mut node = connect(dialer, target, &master.endpoint).await?;
        guards.push((
            i,
            ShardGuard {
                label: format!("s{:02} (slots {})", entry.index, slots::list(&own)),
                master: master.endpoint.clone(),
                master_id: master.id.clone(),
                slots: entry.slots.clone(),
                replicas: Vec::new(),
                nodes: nodes.clone(),
                node_timeout_ms: node_timeout(&mut node).await?,
            },
        ));
        ranges.push(own);
    }
    Ok((guards, Formation { layout, ranges }))
}

async fn connect(dialer: &Dialer, target: &ClusterTarget, hp: &HostPort) -> Result<Node> {
    Node::connect(dialer, &Endpoint::Tcp(hp.clone()), &target.auth, 0)
        .await
        .with_context(|| format!("cluster node {hp}"))
}

async fn node_timeout(node: &mut Node) -> Result<u64> {
    Ok(node
        .config_get("cluster-node-timeout")
        .await?
        .get("cluster-node-timeout")
        .and_then(|v| v.parse().ok())
        .unwrap_or(15_000))
}

/// Refuses unless the cluster is healthy as a whole and every node answers: a replica that
/// cannot be protected could be elected while its master loads.
fn refuse_unready(d: &Discovery) -> Result<()> {
    let why = unready(d, false).or_else(|| {
        (d.members.iter())
            .filter(|m| m.line.member())
            .find_map(|m| match &m.probe {
                Err(e) => Some(format!(
                    "node {} did not answer ({e}); every node must, so that no replica is left \
                     unprotected",
                    m.endpoint
                )),
                Ok(p) if p.cluster_info.get("cluster_state") != Some("ok") => Some(format!(
                    "cluster_state is {} on {}",
                    p.cluster_info.get("cluster_state").unwrap_or("unknown"),
                    m.endpoint
                )),
                Ok(p) if p.info.flag("loading") == Some(true) => {
                    Some(format!("{} is loading", m.endpoint))
                }
                Ok(_) if m.fail_reports > 0 => Some(format!(
                    "{} is flagged failing by {} view(s)",
                    m.endpoint, m.fail_reports
                )),
                Ok(_) => None,
            })
    });
    // Empty nodes not formed into a cluster yet: nobody owns a slot.
    let unformed = d.topology.gaps.iter().map(|r| r.count()).sum::<usize>() == 16384;
    match why {
        Some(why) => Err(fail(
            ExitCode::ClusterRefused,
            format!(
                "{why}. Nothing was changed; {}",
                if unformed {
                    "to restore into new, empty nodes add --into-new-cluster and name every \
                     node in the URL"
                } else {
                    "`redisops status` on the cluster shows its state"
                }
            ),
        )),
        None => Ok(()),
    }
}

/// The shard's master and replicas as they are now, with the replicas' originals.
async fn shard_guard(
    d: &Discovery,
    dialer: &Dialer,
    target: &ClusterTarget,
    m: &Mapped<'_>,
    nodes: &[HostPort],
) -> Result<ShardGuard> {
    let master = d
        .member(&m.live.master)
        .with_context(|| format!("the master of {} is not a known node", m.label()))?;
    let mut replicas = Vec::new();
    for id in &m.live.replicas {
        let r = d
            .member(id)
            .with_context(|| format!("replica {id} of {} is not a known node", m.label()))?;
        let value = connect(dialer, target, &r.endpoint)
            .await?
            .config_get(NO_FAILOVER)
            .await?
            .remove(NO_FAILOVER)
            .unwrap_or_else(|| "no".into());
        replicas.push((r.endpoint.clone(), value));
    }
    let mut node = connect(dialer, target, &master.endpoint).await?;
    Ok(ShardGuard {
        label: m.label(),
        master: master.endpoint.clone(),
        master_id: master.line.id.clone(),
        slots: m.entry.slots.clone(),
        replicas,
        nodes: nodes.to_vec(),
        node_timeout_ms: node_timeout(&mut node).await?,
    })
}

impl PreparedSet {
    /// Drops every staged file (dry run, or the operator said no).
    pub fn discard(self) -> Result<()> {
        for p in self.shards {
            p.discard()?;
        }
        Ok(())
    }

    /// Journals the set and restores its shards one after another.
    pub async fn execute(self, cancelled: CancellationToken) -> Result<SetOutcome> {
        let ts = self
            .shards
            .first()
            .map(|p| p.ts.clone())
            .unwrap_or_default();
        let mut runs = Vec::new();
        for mut p in self.shards {
            let g = p.plan.shard_guard().cloned();
            let g = g.context("a cluster shard's plan without its wait_cluster step")?;
            // The set journal takes the staged files over (and removes them when it cannot
            // be written).
            p.staged.hand_over();
            runs.push(ShardRun {
                label: g.label,
                master: g.master,
                dir: p.facts.dir.clone(),
                ts: p.ts,
                source_label: p.source_label,
                logfile: p.facts.logfile,
                plan: p.plan,
                state: ShardState::Pending,
            });
        }
        let dialer = Dialer::new(self.target.tls.as_ref(), self.target.timeout)?;
        let mut j = SetJournal::new(&folder(&self.target), &self.set_id, &ts, runs);
        if let Some(f) = &self.formation {
            j.forming = true;
            j.attach = f.layout.attachments();
        }
        if let Err(e) = j.save() {
            j.drop_pending();
            return Err(e);
        }
        if let Some(f) = &self.formation {
            crate::ui::note(format!(
                "forming a new cluster of {} empty node(s)",
                f.layout.nodes().count()
            ));
            let formed = (f.layout)
                .form(&f.ranges, &dialer, &self.target.auth, &cancelled)
                .await;
            if let Err(e) = formed {
                return Err(stopped(&mut j, e));
            }
            j.forming = false;
            j.touch();
        }
        run_pending(&self.target, &mut j, Vec::new(), &cancelled).await
    }
}

/// Runs every shard still pending, in order.
async fn run_pending(
    target: &ClusterTarget,
    j: &mut SetJournal,
    mut outcomes: Vec<(String, Outcome)>,
    cancel: &CancellationToken,
) -> Result<SetOutcome> {
    for i in 0..j.shards.len() {
        if j.shards[i].state != ShardState::Pending {
            continue;
        }
        let s = j.shards[i].clone();
        if cancel.is_cancelled() {
            let cause = interrupted().context(format!("stopped before shard {}", s.label));
            return Err(stopped(j, cause));
        }
        j.set(i, ShardState::Running);
        crate::ui::note(format!("shard {}: restoring onto {}", s.label, s.master));
        let node = node_target(target, &s.master);
        let run = Run {
            target: &node,
            endpoint: Endpoint::Tcp(s.master.clone()),
            dir: &s.dir,
            ts: &s.ts,
            source_label: &s.source_label,
            logfile: s.logfile.clone(),
        };
        match run.execute(s.plan.clone(), cancel).await {
            Ok(o) => {
                j.set(i, ShardState::Restored);
                outcomes.push((s.label.clone(), o));
            }
            Err(e) => return Err(shard_failed(target, j, i, e).await),
        }
    }
    if !j.attach.is_empty() {
        attach_replicas(target, j, cancel).await?;
    }
    j.finish("done");
    Ok(SetOutcome {
        shards: outcomes,
        journal: j.path().to_path_buf(),
    })
}

/// `--into-new-cluster`, once every shard is restored: the replicas join their masters and
/// full-sync the restored data. The data is in place whatever happens here, so a failure
/// says how to attach the rest by hand (31).
async fn attach_replicas(
    target: &ClusterTarget,
    j: &mut SetJournal,
    cancel: &CancellationToken,
) -> Result<()> {
    let attached = async {
        let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
        form::attach(&j.attach, &dialer, &target.auth).await?;
        let links = Links {
            dialer: &dialer,
            sentinel_auth: &target.auth,
            data_auth: &target.auth,
        };
        for s in &j.shards {
            let replicas: Vec<&HostPort> = (j.attach.iter())
                .filter(|a| a.master == s.master)
                .map(|a| &a.replica)
                .collect();
            let mut master = connect(&dialer, target, &s.master).await?;
            super::sentinel::wait_synced(&links, &mut master, replicas, cancel).await?;
        }
        anyhow::Ok(())
    }
    .await;
    let Err(e) = attached else { return Ok(()) };
    j.finish("replicas_failed");
    let by_hand: Vec<String> = (j.attach.iter())
        .map(|a| {
            format!(
                "redis-cli -h {} -p {} CLUSTER REPLICATE {}",
                a.replica.host, a.replica.port, a.master_id
            )
        })
        .collect();
    Err(fail(
        ExitCode::Incomplete,
        format!(
            "every shard of set {} is restored, but the replicas did not all join: {e:#}. \
             Attach the ones missing by hand ({})",
            j.set_id,
            by_hand.join("; ")
        ),
    ))
}

/// The shard's own resumable journal, while it is active.
fn shard_journal(s: &ShardRun) -> PathBuf {
    crate::steps::journal::active_path(&s.dir, super::COMMAND)
}

/// A shard failed. Rolled back: the restore stops there. Kept (past the point of rollback,
/// or its rollback failed): its journal and the set journal stay for `--resume`/`--abort`,
/// and its replicas' failover protection comes off now rather than stay indefinitely.
async fn shard_failed(
    target: &ClusterTarget,
    j: &mut SetJournal,
    i: usize,
    e: anyhow::Error,
) -> anyhow::Error {
    let s = j.shards[i].clone();
    if !shard_journal(&s).exists() {
        j.set(i, ShardState::RolledBack);
        return stopped(j, e);
    }
    j.set(i, ShardState::Incomplete);
    if let Some(g) = s.plan.shard_guard() {
        let unprotected = async {
            let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
            let links = Links {
                dialer: &dialer,
                sentinel_auth: &target.auth,
                data_auth: &target.auth,
            };
            g.unprotect(&links).await
        }
        .await;
        if let Err(u) = unprotected {
            crate::ui::warn(format!(
                "could not put {NO_FAILOVER} back on the replicas of {}: {u:#}",
                g.label
            ));
        }
    }
    e.context(format!(
        "cluster restore of set {}: {} (journal {}; `restore --resume` or `--abort` on the \
         cluster URL continues from here)",
        j.set_id,
        j.summary(),
        j.path().display()
    ))
}

/// Ends the set restore early: the shards not started are dropped. With shards restored
/// before, the cluster is part-way (exit 31); else the cause's own code stands.
fn stopped(j: &mut SetJournal, cause: anyhow::Error) -> anyhow::Error {
    j.drop_pending();
    j.finish("stopped");
    if !j.any(ShardState::Restored) {
        return cause.context(format!(
            "cluster restore of set {} stopped, no shard was restored ({})",
            j.set_id,
            j.summary()
        ));
    }
    fail(
        ExitCode::Incomplete,
        format!(
            "{cause:#}. The cluster restore of set {} stopped part-way: {}. The restored shards \
             serve the set's data; restore the others with `restore {} --shard sNN` once the \
             cause is fixed (journal {})",
            j.set_id,
            j.summary(),
            j.set_id,
            j.path().display()
        ),
    )
}

/// `--resume` (finish the shard under way, then the ones not started) or `--abort` (roll the
/// shard under way back, drop the others; restored shards stay restored).
pub async fn resume(
    target: &ClusterTarget,
    abort: bool,
    discard_restored: bool,
    cancel: CancellationToken,
) -> Result<SetOutcome> {
    let path = journal::active_path(&folder(target));
    if !path.exists() {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "nothing to {}: no restore of {} was interrupted (there is no journal {})",
                if abort { "abort" } else { "resume" },
                target.url(),
                path.display()
            ),
        ));
    }
    let mut j = SetJournal::load(&path)?;
    if j.forming {
        return Err(unform(target, &mut j, abort).await);
    }
    let mut outcomes = Vec::new();
    for i in 0..j.shards.len() {
        let s = j.shards[i].clone();
        if !matches!(s.state, ShardState::Running | ShardState::Incomplete) {
            continue;
        }
        let own = shard_journal(&s);
        if !own.exists() {
            // The shard's journal ended (or never began) before the set journal said so.
            let state = match record_state(&s).as_deref() {
                Some("done") => ShardState::Restored,
                Some("rolled_back") => ShardState::RolledBack,
                _ => ShardState::Pending,
            };
            j.set(i, state);
            if state == ShardState::RolledBack && !abort {
                let cause = anyhow::anyhow!("shard {} was rolled back", s.label);
                return Err(stopped(&mut j, cause));
            }
            continue;
        }
        let node = node_target(target, &s.master);
        match super::resume(&node, Some(&own), abort, discard_restored, cancel.clone()).await {
            Ok(o) => {
                j.set(i, ShardState::Restored);
                outcomes.push((s.label.clone(), o));
            }
            Err(_) if abort && !own.exists() => j.set(i, ShardState::RolledBack),
            Err(e) => return Err(shard_failed(target, &mut j, i, e).await),
        }
    }
    if abort {
        j.drop_pending();
        j.finish("aborted");
        let restored = j.any(ShardState::Restored);
        return Err(fail(
            if restored {
                ExitCode::Incomplete
            } else {
                ExitCode::RolledBack
            },
            format!(
                "the cluster restore of set {} was aborted: {}. {}",
                j.set_id,
                j.summary(),
                if restored {
                    "Restored shards keep the set's data (their old files are kept as \
                     *.pre-restore-* in each node's dir)"
                } else {
                    "Every master runs on its old data"
                }
            ),
        ));
    }
    run_pending(target, &mut j, outcomes, &cancel).await
}

/// A restore stopped while the new cluster was being formed: nothing was restored, so
/// `--abort` resets every node (empty, alone again); `--resume` cannot know which formation
/// steps ran.
async fn unform(target: &ClusterTarget, j: &mut SetJournal, abort: bool) -> anyhow::Error {
    if !abort {
        return fail(
            ExitCode::Incomplete,
            format!(
                "the restore of set {} stopped while the new cluster was being formed: run \
                 `restore --abort` on the cluster URL (it resets the empty nodes), then restore \
                 again",
                j.set_id
            ),
        );
    }
    let nodes = (j.shards.iter().map(|s| &s.master)).chain(j.attach.iter().map(|a| &a.replica));
    let mut failed = Vec::new();
    match Dialer::new(target.tls.as_ref(), target.timeout) {
        Ok(dialer) => {
            for hp in nodes {
                if let Err(e) = form::reset(&dialer, &target.auth, hp).await {
                    failed.push(format!("{e:#}"));
                }
            }
        }
        Err(e) => failed.push(format!("{e:#}")),
    }
    j.drop_pending();
    j.finish("aborted");
    if failed.is_empty() {
        fail(
            ExitCode::RolledBack,
            format!(
                "the restore of set {} was aborted: every node was reset (CLUSTER RESET HARD) \
                 and is an empty node outside any cluster again",
                j.set_id
            ),
        )
    } else {
        fail(
            ExitCode::Incomplete,
            format!(
                "the restore of set {} was aborted, but not every node could be reset: {}",
                j.set_id,
                failed.join("; ")
            ),
        )
    }
}

/// How the shard's own journal ended, from its record.
fn record_state(s: &ShardRun) -> Option<String> {
    let record = s
        .dir
        .join(format!(".redisops-{}-{}.journal", super::COMMAND, s.ts));
    let text = std::fs::read_to_string(record).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["state"].as_str().map(String::from)
}
