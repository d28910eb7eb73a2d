//! `redisops restore`: a stop-copy-start restore that either puts exactly the archive's data in
//! place or leaves the server as it found it, and says which (notes §6).
//!
//! - `facts.rs`: preflight, what the live server reports (P0);
//! - `stage.rs`: decrypt, decompress and verify the whole archive into the server's `dir`
//!   before anything changes (P1, P2);
//! - `plan.rs`: the steps, each with its undo, computed purely from the facts;
//! - `exec.rs`: how each step is applied and undone, on the step runner ([`crate::steps`]),
//!   whose resumable journal keeps the plan and progress on disk for `--resume` and `--abort`;
//! - `sentinel.rs`: no failover while a Sentinel-managed master is stopped.

pub mod exec;
pub mod facts;
pub mod plan;
pub mod sentinel;
pub mod set;
pub mod shard;
pub mod stage;

use crate::archive::Decryption;
use crate::conn::{self, Want};
use crate::exit::{ExitCode, fail};
pub use crate::host::SupervisorChoice;
use crate::steps::journal::{Journaling, active_path};
use crate::target::{Endpoint, Target, TargetKind};
use anyhow::{Context, Result};
use chrono::Utc;
use exec::{Executor, StepRecord};
use facts::Facts;
use plan::Plan;
use stage::{Source, Staged};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// The restore journal: `<dir>/.redisops-restore.journal` while a restore runs.
type Journal = crate::steps::journal::Resumable<Plan>;
const COMMAND: &str = "restore";

pub struct Request {
    pub source: Source,
    /// How the source is named in the output and the journal.
    pub source_label: String,
    pub keys: Decryption,
    pub supervisor: SupervisorChoice,
    pub quiet: bool,
    pub cancelled: CancellationToken,
    /// A cluster master: its shard (the archive is slot-checked against it, and the plan
    /// protects the shard's replicas).
    pub shard: Option<shard::ShardGuard>,
}

/// A verified, staged restore with its plan; nothing on the server has changed yet.
pub struct Prepared {
    pub target: Target,
    pub endpoint: Endpoint,
    pub facts: Facts,
    pub staged: Staged,
    pub plan: Plan,
    pub ts: String,
    pub source_label: String,
}

/// The result of a restore that finished (a rollback is an error, with the exit code of the
/// policy).
pub struct Outcome {
    pub records: Vec<StepRecord>,
    /// The journal, moved aside as a record once the restore ended.
    pub journal: PathBuf,
}

/// Refuses a new restore while the journal of an earlier one is active.
pub fn unfinished(what: &str, journal: &Path) -> anyhow::Error {
    fail(
        ExitCode::Incomplete,
        format!(
            "an earlier restore of this {what} did not finish (journal {}): run `redisops \
             restore --resume` to finish it or `redisops restore --abort` to roll it back",
            journal.display()
        ),
    )
}

/// Gathers the facts, stages and verifies the archive, and computes the plan.
pub async fn prepare(target: &Target, req: &Request) -> Result<Prepared> {
    let connected = conn::connect(target, Want::Master).await?;
    let mut node = connected.node;
    let facts = Facts::gather(&mut node).await?;
    facts.refuse_replica()?;
    facts.refuse_unsupported()?;
    let protection = match (&target.kind, &connected.sentinel) {
        (
            TargetKind::Sentinel {
                sentinels, auth, ..
            },
            Some(view),
        ) => {
            let links = sentinel::Links {
                dialer: &connected.dialer,
                sentinel_auth: auth,
                data_auth: &target.auth,
            };
            let replicas: Vec<_> = view.replicas.iter().map(|r| r.address.clone()).collect();
            Some(
                sentinel::gather(
                    &links,
                    sentinels,
                    &view.master_name,
                    &view.master,
                    &replicas,
                )
                .await?,
            )
        }
        _ => None,
    };
    let active = active_path(&facts.dir, COMMAND);
    if active.exists() {
        return Err(unfinished("server", &active));
    }
    for (path, len) in stage::leftovers(&facts.dir) {
        crate::ui::warn(format!(
            "{} ({}) is left over from an earlier restore that was killed before it started; \
             nothing uses it: remove it to free the space",
            path.display(),
            crate::ui::bytes(len)
        ));
    }
    let ts = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let supervisor = req.supervisor.resolve(
        &crate::host::Running {
            config_file: facts.config_file.clone(),
            executable: facts.executable.clone(),
            cwd: facts.cwd.clone().unwrap_or_else(|| facts.dir.clone()),
            owner: facts.process.as_ref().map(crate::host::Process::owner),
            args: Vec::new(),
        },
        crate::host::supervisor::output_path(&facts.dir, "restore", &ts),
    )?;
    let staged = {
        let (source, keys, facts, ts) = (&req.source, &req.keys, facts.clone(), ts.clone());
        let progress = (req.quiet, req.cancelled.clone());
        let ranges = req.shard.as_ref().map(|g| (g.label.as_str(), g.ranges()));
        let shard = ranges.as_ref().map(|(l, r)| (*l, r.as_slice()));
        // Blocking file and crypto work; scoped so the borrowed request outlives it.
        tokio::task::block_in_place(|| stage::stage(source, keys, &facts, &ts, shard, progress))?
    };
    let inputs = plan::Inputs {
        staged: staged.path.clone(),
        ts: &ts,
        keys: staged
            .summary
            .databases
            .iter()
            .map(|(db, s)| (*db, s.keys))
            .collect(),
        uid: staged.uid,
        gid: staged.gid,
        protection,
        cluster: req.shard.clone(),
    };
    let plan = plan::build(&facts, supervisor, &inputs);
    Ok(Prepared {
        target: target.clone(),
        endpoint: node.endpoint.clone(),
        facts,
        staged,
        plan,
        ts,
        source_label: req.source_label.clone(),
    })
}

impl Prepared {
    /// Drops the staged file (dry run, or the operator said no).
    pub fn discard(self) -> Result<()> {
        self.staged.discard()
    }

    /// Journals the plan and runs it; `cancelled` (SIGINT/SIGTERM) rolls it back.
    pub async fn execute(mut self, cancelled: CancellationToken) -> Result<Outcome> {
        // The journal takes the staged file over (and removes it when it cannot be written).
        self.staged.hand_over();
        let run = Run {
            target: &self.target,
            endpoint: self.endpoint,
            dir: &self.facts.dir,
            ts: &self.ts,
            source_label: &self.source_label,
            logfile: self.facts.logfile.clone(),
        };
        run.execute(self.plan, &cancelled).await
    }
}

/// Where and on what a journaled plan runs.
pub struct Run<'a> {
    pub target: &'a Target,
    pub endpoint: Endpoint,
    /// The server's `dir`: the journal goes there.
    pub dir: &'a Path,
    pub ts: &'a str,
    pub source_label: &'a str,
    pub logfile: Option<PathBuf>,
}

impl Run<'_> {
    /// Journals `plan` and runs it; `cancelled` (SIGINT/SIGTERM) rolls it back. When the
    /// journal cannot be written nothing runs, and the staged file is removed.
    pub async fn execute(self, plan: Plan, cancelled: &CancellationToken) -> Result<Outcome> {
        let mut journal = Journal::new(
            self.dir,
            COMMAND,
            self.ts,
            &self.target.name,
            self.source_label,
            plan,
        );
        if let Err(e) = journal.save() {
            if let Some(staged) = journal.plan.staged() {
                let _ = std::fs::remove_file(staged);
            }
            return Err(e);
        }
        let plan = journal.plan.clone();
        let mut exec = Executor::new(
            self.target,
            self.endpoint,
            &plan,
            journal.path(),
            self.logfile,
        )?;
        crate::steps::run(&mut exec, &plan.steps, Some(&mut journal), cancelled).await?;
        Ok(finished(exec, &journal))
    }
}

fn finished(exec: Executor, journal: &Journal) -> Outcome {
    Outcome {
        journal: journal.path().to_path_buf(),
        records: exec.records,
    }
}

/// `--resume` (finish) or `--abort` (roll back) the restore whose journal is at `journal`, or
/// in the data directory the server reports.
/// `discard_restored` lets `--abort` roll back a restore whose data was already verified (and
/// served, so writes since would be lost too); without it that is refused.
pub async fn resume(
    target: &Target,
    journal: Option<&Path>,
    abort: bool,
    discard_restored: bool,
    cancelled: CancellationToken,
) -> Result<Outcome> {
    let path = match journal {
        Some(p) => p.to_path_buf(),
        None => {
            let mut node = conn::connect(target, Want::Master)
                .await
                .map_err(|e| {
                    e.context(
                        "cannot ask the server for its data directory: pass --journal \
                         <dir>/.redisops-restore.journal",
                    )
                })?
                .node;
            let dir = node.config_get("dir").await?;
            let dir = PathBuf::from(dir.get("dir").context("the server did not report dir")?);
            active_path(&dir, COMMAND)
        }
    };
    if !path.exists() {
        let what = if abort { "abort" } else { "resume" };
        return Err(fail(
            ExitCode::Usage,
            format!(
                "nothing to {what}: no restore was interrupted here (there is no journal {})",
                path.display()
            ),
        ));
    }
    let mut journal = Journal::load(&path, COMMAND)?;
    let endpoint = match &target.kind {
        TargetKind::Node(e) => e.clone(),
        // The master the restore protected, even if Sentinel now names another.
        TargetKind::Sentinel { .. } => journal
            .plan
            .steps
            .iter()
            .find_map(|s| match s {
                plan::Step::Protect(p) => Some(Endpoint::Tcp(p.master.clone())),
                _ => None,
            })
            .ok_or_else(|| {
                fail(
                    ExitCode::Target,
                    "this journal is not from a Sentinel restore: resume with the server's own \
                     address (-h/-p or a redis:// URL)",
                )
            })?,
    };
    let rolling_back = journal.in_rollback();
    if abort
        && !rolling_back
        && !discard_restored
        && exec::proven(&journal.plan.steps, journal.done)
    {
        return Err(fail(
            ExitCode::Usage,
            "the restored data was already verified and the server is serving it: --abort would \
             throw it away together with every write since. Run `redisops restore --resume` to \
             finish, or add --discard-restored to roll back anyway",
        ));
    }
    let plan = journal.plan.clone();
    let mut exec = Executor::new(target, endpoint, &plan, journal.path(), None)?;
    if abort || rolling_back {
        if rolling_back && !abort {
            crate::ui::note("the interrupted restore was rolling back: finishing the rollback");
        }
        let reason = journal
            .reason
            .clone()
            .unwrap_or_else(|| "aborted by the operator (restore --abort)".into());
        let undos = exec.undos(journal.touched());
        let on = exec.endpoint();
        let err = crate::steps::abort(
            &mut exec,
            undos,
            &on,
            anyhow::anyhow!(reason),
            Some(&mut journal),
            &cancelled,
        )
        .await;
        return Err(err);
    }
    let from = journal.in_progress.unwrap_or(journal.done);
    let undos = exec.undos(from);
    crate::steps::resume(
        &mut exec,
        &plan.steps,
        from,
        undos,
        Some(&mut journal),
        &cancelled,
    )
    .await?;
    Ok(finished(exec, &journal))
}
