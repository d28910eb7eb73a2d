//! The executor: applies the plan's steps in order, journaling before and after each one, and
//! rolls back (undoing the steps done so far, newest first) when one fails before the restored
//! data is proven. Every step is re-runnable, so `--resume` can repeat the step that was under
//! way when redisops was killed, and every undo checks what is really there before it acts.

use super::journal::{Journal, State};
use super::plan::{Expected, Step, Swap};
use super::sentinel::{Links, Protection};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::fsutil::{fsync_dir, write_atomic};
use crate::host::{Server, Supervisor};
use crate::steps::{CancellationToken, announce};
use crate::target::{Endpoint, Target, TargetKind};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One step as it happened, for the output and the JSON result.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub step: String,
    /// `apply` or `undo`.
    pub phase: &'static str,
    pub action: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub error: Option<String>,
}

pub struct Executor {
    dialer: Dialer,
    server: Server,
    target: Target,
    pub journal: Journal,
    pub records: Vec<StepRecord>,
    /// The server log's length just before our start, to look only at what this start wrote.
    log_offset: Option<(std::path::PathBuf, u64)>,
    /// Cancelled by SIGINT/SIGTERM: the restore rolls back before its next step, and a load
    /// wait ends early.
    cancelled: CancellationToken,
    /// Never cancelled: the rollback's own waits run to their end.
    rollback_waits: CancellationToken,
    /// A rollback found that Sentinel failed over: the node stays stopped (starting it would
    /// make a second master), and undo steps that need it running are skipped.
    left_stopped: bool,
}

/// How a run ended.
pub enum Ending {
    Done,
    /// Why, and the exit code of the policy ([`crate::steps`]): 130 after a signal, else 30.
    RolledBack(String, ExitCode),
}

impl Executor {
    pub fn new(
        target: &Target,
        endpoint: Endpoint,
        journal: Journal,
        logfile: Option<std::path::PathBuf>,
        cancelled: CancellationToken,
    ) -> Result<Self> {
        let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
        Ok(Self {
            server: Server::new(dialer.clone(), endpoint, target.auth.clone(), logfile),
            dialer,
            target: target.clone(),
            journal,
            records: Vec::new(),
            log_offset: None,
            cancelled,
            rollback_waits: CancellationToken::new(),
            left_stopped: false,
        })
    }

    fn supervisor(&self) -> Supervisor {
        self.journal.plan.supervisor.clone()
    }

    async fn connect(&self) -> Result<Node> {
        self.server.connect().await
    }

    fn links(&self) -> Links<'_> {
        Links {
            dialer: &self.dialer,
            sentinel_auth: match &self.target.kind {
                TargetKind::Sentinel { auth, .. } => auth,
                TargetKind::Node(_) => &self.target.auth,
            },
            data_auth: &self.target.auth,
        }
    }

    fn protection(&self) -> Option<&Protection> {
        self.journal.plan.steps.iter().find_map(|s| match s {
            Step::Protect(p) => Some(p),
            _ => None,
        })
    }

    /// Runs the steps from `from` on; rolls back on a failure before the data is proven.
    pub async fn run_forward(&mut self, from: usize) -> Result<Ending> {
        let steps = self.journal.plan.steps.clone();
        for (i, step) in steps.iter().enumerate().skip(from) {
            if self.cancelled.is_cancelled() && !proven(&steps, i) && i > 0 {
                let reason = "interrupted by a signal".to_string();
                crate::ui::warn(format!("{reason}; rolling back"));
                return self.rollback(i - 1, reason).await;
            }
            self.journal.begin(i)?;
            let started = Utc::now();
            let (action, _) = step.describe(&self.journal.plan.supervisor);
            announce(i, steps.len(), step.name(), &action);
            let result = self.apply(step).await;
            self.record(step.name(), "apply", action, started, result.as_ref().err());
            match result {
                Ok(()) => {
                    self.journal.complete(i)?;
                    crate::steps::fault::after_step(i + 1, &self.cancelled).await;
                }
                // A failover while the master was stopped: neither starting the restored node
                // nor the old one is safe; the operator decides.
                Err(e) if crate::exit::code_for(&e) == ExitCode::Incomplete => return Err(e),
                Err(e) if proven(&steps, i) => {
                    // The data is in place and verified: undoing it would be worse. Leave the
                    // journal so that --resume can finish the rest.
                    return Err(fail(
                        ExitCode::Incomplete,
                        format!(
                            "the restored data is in place and verified, but step {} ({}) \
                             failed: {e:#}. Fix the cause and run `redisops restore --resume` \
                             (journal: {}).",
                            i + 1,
                            step.name(),
                            self.journal.path.display()
                        ),
                    ));
                }
                Err(e) => {
                    let reason = format!("step {} ({}) failed: {e:#}", i + 1, step.name());
                    crate::ui::warn(format!("{reason}; rolling back"));
                    return self.rollback(i, reason).await;
                }
            }
        }
        self.journal.finish(State::Done, None)?;
        Ok(Ending::Done)
    }

    /// Undoes steps `..=upto`, newest first, then starts the server on its old files.
    pub async fn rollback(&mut self, upto: usize, reason: String) -> Result<Ending> {
        let steps = self.journal.plan.steps.clone();
        let upto = upto.min(steps.len().saturating_sub(1));
        self.journal.state = State::RollingBack;
        self.journal.reason = Some(reason.clone());
        // The failed (or interrupted) step counts as done until undone: its undo is safe to
        // repeat, skipping it is not.
        self.journal.done = upto + 1;
        self.journal.in_progress = None;
        self.journal.save()?;
        for i in (0..=upto).rev() {
            let step = &steps[i];
            let (_, undo) = step.describe(&self.journal.plan.supervisor);
            let started = Utc::now();
            announce(i, steps.len(), &format!("undo {}", step.name()), &undo);
            let result = self.undo(step).await;
            self.record(step.name(), "undo", undo, started, result.as_ref().err());
            if let Err(e) = result {
                return Err(fail(
                    ExitCode::Incomplete,
                    format!(
                        "the restore failed ({reason}) and so did its rollback at step {} ({}): \
                         {e:#}. Fix the cause and run `redisops restore --abort` to finish the \
                         rollback (journal: {}).",
                        i + 1,
                        step.name(),
                        self.journal.path.display()
                    ),
                ));
            }
            // Undone steps no longer count as done, so a killed rollback resumes here.
            self.journal.done = i;
            self.journal.in_progress = None;
            self.journal.save()?;
        }
        self.journal
            .finish(State::RolledBack, Some(reason.clone()))?;
        if self.left_stopped {
            return Err(fail(
                ExitCode::Incomplete,
                format!(
                    "the restore was rolled back ({reason}): the old files and the Sentinel and \
                     replica settings are back, but Sentinel failed over meanwhile, so {} stays \
                     stopped. Make it a replica of the new master (replicaof) before starting it.",
                    self.server.endpoint
                ),
            ));
        }
        let code = if self.cancelled.is_cancelled() {
            ExitCode::Interrupted
        } else {
            ExitCode::RolledBack
        };
        Ok(Ending::RolledBack(reason, code))
    }

    fn record(
        &mut self,
        step: &str,
        phase: &'static str,
        action: String,
        started_at: DateTime<Utc>,
        error: Option<&anyhow::Error>,
    ) {
        self.records.push(StepRecord {
            step: step.to_string(),
            phase,
            action,
            started_at,
            finished_at: Utc::now(),
            error: error.map(|e| format!("{e:#}")),
        });
    }

    async fn apply(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::DisableSaves { set, .. } => self.config_set(set).await,
            Step::Stop => self.stop().await,
            Step::Swap(swap) => {
                // Nothing may run on the files while they move (a supervisor restarting the
                // server behind our back would load the old data and overwrite ours).
                if self.server.listening() {
                    return Err(fail(
                        ExitCode::Error,
                        format!(
                            "the server at {} is accepting connections again after the stop: \
                             something restarted it (a supervisor's restart policy?). Stop it \
                             through its supervisor (--service or --stop-cmd).",
                            self.server.endpoint
                        ),
                    ));
                }
                apply_swap(swap)
            }
            Step::Start => {
                if let Some(p) = self.protection() {
                    p.check_no_failover(&self.links()).await?;
                }
                self.start().await
            }
            Step::Verify(expected) => self.verify(expected).await,
            Step::RestoreSettings { originals } => self.config_set(originals).await,
            Step::Protect(p) => p.protect(&self.links()).await,
            Step::WaitReplicas => {
                let Some(p) = self.protection() else {
                    return Ok(());
                };
                let mut master = self.connect().await?;
                p.wait_replicas(&self.links(), &mut master).await
            }
            Step::Unprotect(p) => p.unprotect(&self.links()).await,
        }
    }

    async fn undo(&mut self, step: &Step) -> Result<()> {
        match step {
            // The runtime settings ended with the process when it stays stopped.
            Step::DisableSaves { .. } if self.left_stopped => Ok(()),
            Step::DisableSaves { originals, .. } => self.config_set(originals).await,
            Step::Stop => {
                if !self.server.listening() {
                    // The old data must not come back as a second master either: after a
                    // failover the node stays down, and the rollback goes on to remove the
                    // failover protections, which the new master needs gone.
                    if let Some(p) = self.protection()
                        && let Err(e) = p.check_no_failover(&self.links()).await
                    {
                        crate::ui::warn(format!(
                            "{e:#}; {} stays stopped: make it a replica of the new master \
                             (replicaof) before starting it",
                            self.server.endpoint
                        ));
                        self.left_stopped = true;
                        return Ok(());
                    }
                }
                let supervisor = self.supervisor();
                self.server
                    .start_loaded(&supervisor, &self.rollback_waits)
                    .await?;
                let mut node = self.connect().await?;
                let role = node.info("replication").await?;
                match role.get("role") {
                    Some("master") => Ok(()),
                    other => Err(fail(
                        ExitCode::Error,
                        format!(
                            "after the rollback the server reports role {}",
                            other.unwrap_or("?")
                        ),
                    )),
                }
            }
            Step::Swap(swap) => undo_swap(swap),
            // Stop whatever runs on the restored files, without letting it save.
            Step::Start => {
                if self.server.listening() {
                    self.disable_saves_now().await;
                    let supervisor = self.supervisor();
                    self.server
                        .stop(&supervisor, false, &self.rollback_waits)
                        .await?;
                }
                Ok(())
            }
            Step::Protect(p) => p.unprotect(&self.links()).await,
            Step::Verify(_)
            | Step::RestoreSettings { .. }
            | Step::WaitReplicas
            | Step::Unprotect(_) => Ok(()),
        }
    }

    async fn config_set(&self, values: &BTreeMap<String, String>) -> Result<()> {
        let mut node = self.connect().await?;
        for (name, value) in values {
            node.query::<()>(redis::cmd("CONFIG").arg("SET").arg(name).arg(value))
                .await
                .with_context(|| format!("CONFIG SET {name}"))?;
        }
        Ok(())
    }

    /// Best effort before stopping a server started on the restored files: its config file
    /// may have save points, and a saving stop would be slow (and, with AOF, pointless).
    async fn disable_saves_now(&self) {
        let Some(Step::DisableSaves { set, .. }) = self.journal.plan.steps.first() else {
            return;
        };
        if let Err(e) = self.config_set(set).await {
            crate::ui::warn(format!("could not disable saving before the stop: {e:#}"));
        }
    }

    /// Not cancellable: a server half-way through its shutdown must not be left to a
    /// rollback that sees it still listening.
    async fn stop(&mut self) -> Result<()> {
        let supervisor = self.supervisor();
        self.server
            .stop(&supervisor, false, &self.rollback_waits)
            .await
    }

    async fn start(&mut self) -> Result<()> {
        if !self.server.listening() {
            self.log_offset = self
                .server
                .logfile
                .as_ref()
                .map(|p| (p.clone(), fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
        }
        let supervisor = self.supervisor();
        self.server.start(&supervisor).await
    }

    /// Proves that the new process holds the archive's data (notes §6.6 P9).
    async fn verify(&mut self, e: &Expected) -> Result<()> {
        let supervisor = self.supervisor();
        self.server
            .wait_loaded(&supervisor, &self.cancelled)
            .await?;
        let mut node = self.connect().await?;
        let server = node.info("server").await?;
        let persistence = node.info("persistence").await?;
        let replication = node.info("replication").await?;
        let keyspace = node.info("keyspace").await?;
        let mut problems = Vec::new();
        if server.get("run_id") == Some(e.old_run_id.as_str()) {
            problems.push("the server was not restarted (same run_id)".to_string());
        }
        if replication.get("role") != Some("master") {
            problems.push(format!(
                "role is {}, expected master",
                replication.get("role").unwrap_or("?")
            ));
        }
        if let (Some(loaded), Some(expired)) = (
            persistence.u64("rdb_last_load_keys_loaded"),
            persistence.u64("rdb_last_load_keys_expired"),
        ) && loaded + expired != e.total_keys
        {
            problems.push(format!(
                "the server loaded {loaded} key(s) and dropped {expired} expired one(s), but the \
                 RDB holds {}",
                e.total_keys
            ));
        }
        let aof_enabled = persistence.flag("aof_enabled").unwrap_or(false);
        if aof_enabled != e.from_aof {
            problems.push(format!(
                "the restarted server has appendonly {}, the running one had {}: its config file \
                 differs from the running settings, so it loaded other files",
                yes_no(aof_enabled),
                yes_no(e.from_aof)
            ));
        }
        let wanted = [
            ("dir", e.dir.display().to_string()),
            ("dbfilename", e.dbfilename.clone()),
            ("appenddirname", e.appenddirname.clone()),
        ];
        for (key, want) in wanted {
            let now = node.config_get(key).await?.remove(key).unwrap_or_default();
            // appenddirname only exists on 7.0+; absent on both sides is fine.
            if now != want && !(key == "appenddirname" && now.is_empty()) {
                problems.push(format!(
                    "the restarted server uses {key} {now:?}, the restore prepared {want:?}: its \
                     config file differs from the running settings"
                ));
            }
        }
        for (db, live) in keyspace.keyspace() {
            let in_file = e.keys.get(&db).copied().unwrap_or(0);
            if live.keys > in_file {
                problems.push(format!(
                    "db{db} has {} key(s), the RDB only {in_file}",
                    live.keys
                ));
            }
        }
        if let Some((log, offset)) = &self.log_offset
            && let Ok(text) = fs::read(log)
            && text.len() as u64 > *offset
            && String::from_utf8_lossy(&text[*offset as usize..]).contains("Creating AOF base file")
        {
            problems.push(format!(
                "the server created a new AOF base file on start ({}): it did not load the \
                 restored data",
                log.display()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(fail(
                ExitCode::Error,
                format!("verification failed: {}", problems.join("; ")),
            ))
        }
    }
}

/// Whether step `i` failed after the restored data was verified.
pub(super) fn proven(steps: &[Step], i: usize) -> bool {
    steps[..i].iter().any(|s| matches!(s, Step::Verify(_)))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The swap, re-runnable: each move happens only if it has not happened yet.
fn apply_swap(s: &Swap) -> Result<()> {
    let dir = s.dump.parent().unwrap_or(Path::new("."));
    // A dump that appeared after the plan was made (a save point fired before saves were
    // disabled) would be overwritten with no copy kept: refuse, the rollback restarts the
    // server on it.
    if !s.dump_existed && s.staged.exists() && s.dump.exists() {
        anyhow::bail!(
            "{} appeared after the restore was planned (a save ran meanwhile); nothing was \
             replaced. Run the restore again",
            s.dump.display()
        );
    }
    if s.dump_existed && !s.dump_aside.exists() {
        rename(&s.dump, &s.dump_aside)?;
    }
    if let Some(aof) = &s.aof {
        if aof.existed && !aof.aside.exists() {
            rename(&aof.dir, &aof.aside)?;
        }
        if !aof.dir.exists() {
            // Built under a temporary name and renamed into place, so the server never sees a
            // half-seeded directory.
            let building = dir.join(format!(
                ".redisops-restore-{}.aofdir",
                aof.aside
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let _ = fs::remove_dir_all(&building);
            fs::create_dir(&building)?;
            let base = building.join(&aof.base);
            // A hard link: the RDB is written once; the server never rewrites a base in place.
            fs::hard_link(&s.staged, &base)
                .or_else(|_| fs::copy(&s.staged, &base).map(|_| ()))
                .with_context(|| format!("cannot place {}", base.display()))?;
            fs::File::open(&base)?.sync_all()?;
            let manifest = building.join(&aof.manifest);
            write_atomic(&manifest, aof.manifest_text().as_bytes(), 0o600)?;
            let mode = fs::metadata(&s.staged)?.permissions().mode() & 0o777;
            fs::set_permissions(&manifest, fs::Permissions::from_mode(mode))?;
            for path in [&building, &manifest] {
                chown(path, aof.uid, aof.gid)?;
            }
            fs::set_permissions(&building, fs::Permissions::from_mode(aof.mode))?;
            fsync_dir(&building)?;
            rename(&building, &aof.dir)?;
        }
    }
    if s.staged.exists() {
        rename(&s.staged, &s.dump)?;
    }
    Ok(())
}

/// Puts the old files back; removes only what the restore created.
fn undo_swap(s: &Swap) -> Result<()> {
    if s.dump_existed {
        if s.dump_aside.exists() {
            rename(&s.dump_aside, &s.dump)?;
        }
    } else if !s.staged.exists() && s.dump.exists() {
        // No dump before, and the staged file was moved into its place: it is ours.
        fs::remove_file(&s.dump)?;
        fsync_dir(s.dump.parent().unwrap_or(Path::new(".")))?;
    }
    if let Some(aof) = &s.aof {
        let ours = if aof.existed {
            aof.aside.exists()
        } else {
            aof.dir.exists()
        };
        if ours {
            if aof.dir.exists() {
                fs::remove_dir_all(&aof.dir)
                    .with_context(|| format!("cannot remove {}", aof.dir.display()))?;
            }
            if aof.existed {
                rename(&aof.aside, &aof.dir)?;
            }
        }
    }
    if s.staged.exists() {
        fs::remove_file(&s.staged)?;
    }
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to)
        .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
    fsync_dir(to.parent().unwrap_or(Path::new(".")))?;
    Ok(())
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path)?;
    if (meta.uid(), meta.gid()) != (uid, gid) {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .with_context(|| format!("cannot chown {} to {uid}:{gid}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::restore::plan::AofSeed;

    fn swap(dir: &Path, aof: bool) -> Swap {
        Swap {
            staged: dir.join(".redisops-restore-T.rdb"),
            dump: dir.join("dump.rdb"),
            dump_existed: true,
            dump_aside: dir.join("dump.rdb.pre-restore-T"),
            aof: aof.then(|| AofSeed {
                dir: dir.join("appendonlydir"),
                existed: true,
                aside: dir.join("appendonlydir.pre-restore-T"),
                base: "appendonly.aof.1.base.rdb".into(),
                manifest: "appendonly.aof.manifest".into(),
                uid: unsafe { libc::geteuid() },
                gid: unsafe { libc::getegid() },
                mode: 0o755,
            }),
        }
    }

    #[test]
    fn swap_and_undo_are_rerunnable_and_restore_the_old_files() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join("dump.rdb"), b"old").unwrap();
        fs::create_dir(d.join("appendonlydir")).unwrap();
        fs::write(d.join("appendonlydir/appendonly.aof.1.incr.aof"), b"x").unwrap();
        fs::write(d.join(".redisops-restore-T.rdb"), b"new").unwrap();
        let s = swap(d, true);
        apply_swap(&s).unwrap();
        apply_swap(&s).unwrap();
        assert_eq!(fs::read(d.join("dump.rdb")).unwrap(), b"new");
        assert_eq!(
            fs::read(d.join("appendonlydir/appendonly.aof.1.base.rdb")).unwrap(),
            b"new"
        );
        assert_eq!(
            fs::read_to_string(d.join("appendonlydir/appendonly.aof.manifest")).unwrap(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
        );
        assert_eq!(fs::read(d.join("dump.rdb.pre-restore-T")).unwrap(), b"old");
        undo_swap(&s).unwrap();
        undo_swap(&s).unwrap();
        assert_eq!(fs::read(d.join("dump.rdb")).unwrap(), b"old");
        assert!(d.join("appendonlydir/appendonly.aof.1.incr.aof").exists());
        assert!(!d.join("appendonlydir.pre-restore-T").exists());
        assert!(!d.join(".redisops-restore-T.rdb").exists());
    }

    #[test]
    fn a_dump_that_appeared_after_planning_is_not_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join(".redisops-restore-T.rdb"), b"new").unwrap();
        fs::write(d.join("dump.rdb"), b"saved meanwhile").unwrap();
        let mut s = swap(d, false);
        s.dump_existed = false;
        assert!(apply_swap(&s).is_err());
        assert_eq!(fs::read(d.join("dump.rdb")).unwrap(), b"saved meanwhile");
        undo_swap(&s).unwrap();
        assert_eq!(fs::read(d.join("dump.rdb")).unwrap(), b"saved meanwhile");
    }

    #[test]
    fn undo_before_the_swap_keeps_the_old_dump() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::write(d.join("dump.rdb"), b"old").unwrap();
        fs::write(d.join(".redisops-restore-T.rdb"), b"new").unwrap();
        let mut s = swap(d, false);
        s.dump_existed = false;
        undo_swap(&s).unwrap();
        assert_eq!(fs::read(d.join("dump.rdb")).unwrap(), b"old");
        assert!(!d.join(".redisops-restore-T.rdb").exists());
    }
}
