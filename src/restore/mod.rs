//! `redisops restore`: a stop-copy-start restore that either puts exactly the archive's data in
//! place or leaves the server as it found it, and says which (notes §6).
//!
//! - `facts.rs`: preflight, what the live server reports (P0);
//! - `stage.rs`: decrypt, decompress and verify the whole archive into the server's `dir`
//!   before anything changes (P1, P2);
//! - `plan.rs`: the steps, each with its undo, computed purely from the facts;
//! - `journal.rs`: the plan and progress on disk, for `--resume` and `--abort`;
//! - `exec.rs`: applies the steps, rolls back on failure;
//! - `sentinel.rs`: no failover while a Sentinel-managed master is stopped.

pub mod exec;
pub mod facts;
pub mod journal;
pub mod plan;
pub mod sentinel;
pub mod stage;

use crate::archive::Decryption;
use crate::conn::{self, Want};
use crate::exit::{ExitCode, fail};
pub use crate::host::SupervisorChoice;
use crate::target::{Endpoint, Target, TargetKind};
use anyhow::{Context, Result};
use chrono::Utc;
use exec::{Ending, Executor, StepRecord};
use facts::Facts;
use journal::{ACTIVE_NAME, Journal, State};
use plan::Plan;
use stage::{Source, Staged};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

pub struct Request {
    pub source: Source,
    /// How the source is named in the output and the journal.
    pub source_label: String,
    pub keys: Decryption,
    pub supervisor: SupervisorChoice,
    pub quiet: bool,
    pub cancelled: CancellationToken,
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

/// The result of executing (or resuming) a restore.
pub struct Outcome {
    pub ending: Ending,
    pub records: Vec<StepRecord>,
    /// The journal, moved aside as a record once the restore ended.
    pub journal: PathBuf,
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
    let active = facts.dir.join(ACTIVE_NAME);
    if active.exists() {
        return Err(fail(
            ExitCode::Incomplete,
            format!(
                "an earlier restore of this server did not finish (journal {}): run `redisops \
                 restore --resume` to finish it or `redisops restore --abort` to roll it back",
                active.display()
            ),
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
        let (quiet, cancelled) = (req.quiet, req.cancelled.clone());
        // Blocking file and crypto work; scoped so the borrowed request outlives it.
        tokio::task::block_in_place(|| stage::stage(source, keys, &facts, &ts, quiet, cancelled))?
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
        std::fs::remove_file(&self.staged.path)
            .with_context(|| format!("cannot remove {}", self.staged.path.display()))
    }

    /// Journals the plan and runs it; `cancelled` (SIGINT/SIGTERM) rolls it back.
    pub async fn execute(self, cancelled: CancellationToken) -> Result<Outcome> {
        let journal = Journal::new(
            &self.facts.dir,
            &self.ts,
            &self.target.name,
            &self.source_label,
            self.plan,
        );
        if let Err(e) = journal.save() {
            let _ = std::fs::remove_file(&self.staged.path);
            return Err(e);
        }
        let mut exec = Executor::new(
            &self.target,
            self.endpoint,
            journal,
            self.facts.logfile.clone(),
            cancelled,
        )?;
        let ending = exec.run_forward(0).await?;
        Ok(finished(exec, ending))
    }
}

fn finished(exec: Executor, ending: Ending) -> Outcome {
    Outcome {
        ending,
        journal: exec
            .journal
            .path
            .with_file_name(format!(".redisops-restore-{}.journal", exec.journal.ts)),
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
            PathBuf::from(dir.get("dir").context("the server did not report dir")?)
                .join(ACTIVE_NAME)
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
    let journal = Journal::load(&path)?;
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
    let last = journal
        .in_progress
        .unwrap_or(journal.done.saturating_sub(1));
    let rolling_back = journal.state == State::RollingBack;
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
    let mut exec = Executor::new(target, endpoint, journal, None, cancelled)?;
    let ending = if abort || rolling_back {
        if rolling_back && !abort {
            crate::ui::note("the interrupted restore was rolling back: finishing the rollback");
        }
        let reason = exec
            .journal
            .reason
            .clone()
            .unwrap_or_else(|| "aborted by the operator (restore --abort)".into());
        let upto = if rolling_back {
            exec.journal.done.saturating_sub(1)
        } else {
            last
        };
        exec.rollback(upto, reason).await?
    } else {
        let from = exec.journal.in_progress.unwrap_or(exec.journal.done);
        exec.run_forward(from).await?
    };
    Ok(finished(exec, ending))
}
