//! The executor: how each restore step is applied and undone, on the step runner
//! ([`crate::steps`]), which journals before and after each step and rolls back (undoing the
//! steps done so far, newest first) when one fails before the restored data is proven. Every
//! step is re-runnable, so `--resume` can repeat the step that was under way when redisops was
//! killed, and every undo checks what is really there before it acts.

use super::plan::{Expected, Plan, Step, Swap};
use super::sentinel::{Links, Protection};
use super::shard::ShardGuard;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, code_for, fail};
use crate::fsutil::{fsync_dir, write_atomic};
use crate::host::{Server, Supervisor};
use crate::steps::{CancellationToken, Kept, journal::State};
use crate::target::{Endpoint, Target, TargetKind};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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

/// What undoes one step: the step itself (each undo is planned with it), and how it is shown.
pub struct Undo {
    step: Step,
    what: String,
}

impl std::fmt::Display for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "undo {}: {}", self.step.name(), self.what)
    }
}

pub struct Executor<'a> {
    dialer: Dialer,
    server: Server,
    target: Target,
    plan: &'a Plan,
    journal: PathBuf,
    pub records: Vec<StepRecord>,
    /// The server log's length just before our start, to look only at what this start wrote.
    log_offset: Option<(PathBuf, u64)>,
    /// Never cancelled: the rollback's own waits run to their end.
    rollback_waits: CancellationToken,
    /// A rollback found that Sentinel failed over: the node stays stopped (starting it would
    /// make a second master), and undo steps that need it running are skipped.
    left_stopped: bool,
}

impl<'a> Executor<'a> {
    /// Runs `plan`, journaled at `journal`, on the server at `endpoint`.
    pub fn new(
        target: &Target,
        endpoint: Endpoint,
        plan: &'a Plan,
        journal: &Path,
        logfile: Option<PathBuf>,
    ) -> Result<Self> {
        let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
        Ok(Self {
            server: Server::new(dialer.clone(), endpoint, target.auth.clone(), logfile),
            dialer,
            target: target.clone(),
            plan,
            journal: journal.to_path_buf(),
            records: Vec::new(),
            log_offset: None,
            rollback_waits: CancellationToken::new(),
            left_stopped: false,
        })
    }

    /// The undos of the first `n` steps, for the runner to resume or roll back with.
    pub fn undos(&self, n: usize) -> Vec<(usize, Undo)> {
        self.plan.steps[..n.min(self.plan.steps.len())]
            .iter()
            .enumerate()
            .map(|(i, step)| (i, self.undo_of(step)))
            .collect()
    }

    fn undo_of(&self, step: &Step) -> Undo {
        Undo {
            step: step.clone(),
            what: step.describe(&self.plan.supervisor).1,
        }
    }

    pub fn endpoint(&self) -> String {
        self.server.endpoint.to_string()
    }

    fn supervisor(&self) -> Supervisor {
        self.plan.supervisor.clone()
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

    fn protection(&self) -> Option<&'a Protection> {
        self.plan.steps.iter().find_map(|s| match s {
            Step::Protect(p) => Some(p),
            _ => None,
        })
    }

    fn shard_guard(&self) -> Option<&'a ShardGuard> {
        self.plan.shard_guard()
    }

    fn record(
        &mut self,
        step: &Step,
        phase: &'static str,
        action: String,
        started_at: DateTime<Utc>,
        error: Option<&anyhow::Error>,
    ) {
        self.records.push(StepRecord {
            step: step.name().to_string(),
            phase,
            action,
            started_at,
            finished_at: Utc::now(),
            error: error.map(|e| format!("{e:#}")),
        });
    }

    async fn apply_step(&mut self, step: &Step, cancel: &CancellationToken) -> Result<()> {
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
                if let Some(g) = self.shard_guard() {
                    g.check_no_failover(&self.links()).await?;
                }
                self.start().await
            }
            Step::Verify(expected) => self.verify(expected, cancel).await,
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
            Step::Save => self.save(cancel).await,
            Step::ProtectCluster(g) => g.protect(&self.links()).await,
            Step::WaitCluster(g) => g.wait_healthy(&self.links(), cancel).await,
            Step::UnprotectCluster(g) => g.unprotect(&self.links()).await,
        }
    }

    /// BGSAVE (scheduled after a rewrite in progress) and wait until it is done.
    async fn save(&self, cancel: &CancellationToken) -> Result<()> {
        let mut node = self.connect().await?;
        let saves = |i: &crate::info::Info| i.u64("rdb_saves").unwrap_or(0);
        let before = saves(&node.info("persistence").await?);
        node.query::<()>(redis::cmd("BGSAVE").arg("SCHEDULE"))
            .await
            .context("BGSAVE")?;
        loop {
            let info = node.info("persistence").await?;
            if info.flag("rdb_bgsave_in_progress") == Some(false) && saves(&info) > before {
                if info.get("rdb_last_bgsave_status") != Some("ok") {
                    return Err(fail(
                        ExitCode::SaveFailed,
                        "BGSAVE failed (see the server log): nothing was changed",
                    ));
                }
                return Ok(());
            }
            crate::steps::cancel::sleep(std::time::Duration::from_millis(100), cancel).await?;
        }
    }

    async fn undo_step(&mut self, step: &Step) -> Result<()> {
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
                    // A failover happened meanwhile: on its old files the node rejoins as a
                    // replica of the new master, which holds the same old data.
                    Some("slave") if self.shard_guard().is_some() => {
                        crate::ui::warn(format!(
                            "{} runs on its old files again, as a replica (a replica of its \
                             shard took over): once it has synced, CLUSTER FAILOVER on it makes \
                             it master again",
                            self.server.endpoint
                        ));
                        Ok(())
                    }
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
            Step::ProtectCluster(g) => g.settle_then_unprotect(&self.links()).await,
            Step::Verify(_)
            | Step::RestoreSettings { .. }
            | Step::WaitReplicas
            | Step::Unprotect(_)
            | Step::Save
            | Step::WaitCluster(_)
            | Step::UnprotectCluster(_) => Ok(()),
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
        // Not always the first step: a Sentinel restore protects the master first.
        let Some(set) = self.plan.steps.iter().find_map(|step| match step {
            Step::DisableSaves { set, .. } => Some(set),
            _ => None,
        }) else {
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
    async fn verify(&mut self, e: &Expected, cancel: &CancellationToken) -> Result<()> {
        let supervisor = self.supervisor();
        self.server.wait_loaded(&supervisor, cancel).await?;
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
        if let Some(g) = self.shard_guard() {
            problems.extend(g.myself_problems(&mut node).await?);
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

impl crate::steps::Executor for Executor<'_> {
    type Step = Step;
    type Undo = Undo;

    async fn apply(
        &mut self,
        step: &Step,
        undos: &mut Vec<Undo>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        // Planned with the step, and safe to repeat: pushed before anything changes.
        undos.push(self.undo_of(step));
        let started = Utc::now();
        let result = self.apply_step(step, cancel).await;
        let (action, _) = step.describe(&self.plan.supervisor);
        self.record(step, "apply", action, started, result.as_ref().err());
        result
    }

    async fn undo(&mut self, undo: &Undo) -> Result<()> {
        let started = Utc::now();
        let result = self.undo_step(&undo.step).await;
        self.record(
            &undo.step,
            "undo",
            undo.what.clone(),
            started,
            result.as_ref().err(),
        );
        result
    }

    fn describe(&self, step: &Step) -> (String, String) {
        (
            step.name().to_string(),
            step.describe(&self.plan.supervisor).0,
        )
    }

    /// Once the restored data is verified, the rest finishes: it only puts settings back.
    fn finishes_on_signal(&self, steps: &[Step], i: usize) -> bool {
        proven(steps, i)
    }

    /// A failover while the master was stopped: neither starting the restored node nor the
    /// old one is safe, the operator decides. After the verification undoing would be worse:
    /// the journal stays, so that `--resume` can finish the rest.
    fn keep(
        &mut self,
        steps: &[Step],
        i: usize,
        _ran: bool,
        cause: anyhow::Error,
    ) -> std::result::Result<Kept, anyhow::Error> {
        let error = if code_for(&cause) == ExitCode::Incomplete {
            cause
        } else if proven(steps, i) {
            fail(
                ExitCode::Incomplete,
                format!(
                    "the restored data is in place and verified, but step {} ({}) failed: \
                     {cause:#}. Fix the cause and run `redisops restore --resume` (journal: {}).",
                    i + 1,
                    steps[i].name(),
                    self.journal.display()
                ),
            )
        } else {
            return Err(cause);
        };
        Ok(Kept {
            error,
            state: State::Incomplete,
        })
    }

    fn rolled_back_note(&self) -> String {
        if self.left_stopped {
            format!(
                "The restore was rolled back: the old files and the Sentinel and replica \
                 settings are back, but Sentinel failed over meanwhile, so {} stays stopped. \
                 Make it a replica of the new master (replicaof) before starting it.",
                self.server.endpoint
            )
        } else {
            "The restore was rolled back: the server runs on its old data again.".into()
        }
    }

    /// 30 for every rollback (130 after a signal), so a script knows the server is on its
    /// old data; 31 when it had to stay stopped.
    fn rolled_back_code(&self, _cause: &anyhow::Error, signalled: bool) -> ExitCode {
        if self.left_stopped {
            ExitCode::Incomplete
        } else if signalled {
            ExitCode::Interrupted
        } else {
            ExitCode::RolledBack
        }
    }
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
