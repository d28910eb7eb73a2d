//! The set-level journal of a cluster restore: which shards are done. Each shard runs as an
//! ordinary journaled restore of its master (its resumable journal in that node's `dir`);
//! this file, written atomically (0600) before and after each shard, holds every shard's
//! plan (its staged file already verified in place) and state, so that `restore --resume` on
//! the cluster finishes the shard that was under way and runs the ones not started, and
//! `restore --abort` rolls the one under way back and drops the rest.
//!
//! Active while a restore runs: `<state dir>/restore/<target>.set.journal`; when it ends it is
//! renamed to `<target>-<ts>.set.journal` as a record.

use crate::cluster::form::Attach;
use crate::fsutil::write_atomic;
use crate::restore::plan::Plan;
use crate::steps::journal::state_dir;
use crate::target::HostPort;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardState {
    /// Staged and planned, not started.
    Pending,
    /// Its own journal says how far it got.
    Running,
    Restored,
    RolledBack,
    /// Stopped past the point of rollback, or its rollback failed: its own journal stays for
    /// `--resume`/`--abort`.
    Incomplete,
    /// Not run (an earlier shard failed, or `--abort`); its staged file was removed.
    NotStarted,
}

/// One shard's restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardRun {
    /// `s01 (slots 5461-10922)`.
    pub label: String,
    pub master: HostPort,
    /// The master's `dir`, where its own journal is.
    pub dir: PathBuf,
    pub ts: String,
    pub source_label: String,
    pub logfile: Option<PathBuf>,
    pub plan: Plan,
    pub state: ShardState,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetJournal {
    pub format: u32,
    pub ts: String,
    pub started_at: DateTime<Utc>,
    pub target: String,
    pub set_id: String,
    /// `running`, or how it ended (`done`, `stopped`).
    pub state: String,
    pub shards: Vec<ShardRun>,
    /// `--into-new-cluster`: set while the empty nodes are being formed into a cluster (a
    /// restore killed then cannot resume; `--abort` resets the nodes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forming: bool,
    /// `--into-new-cluster`: the replicas that join once every shard is restored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attach: Vec<Attach>,
    #[serde(skip)]
    path: PathBuf,
}

/// The active set journal of cluster target `target` (its repository folder name).
pub fn active_path(target: &str) -> PathBuf {
    state_dir()
        .join("restore")
        .join(format!("{target}.set.journal"))
}

impl SetJournal {
    pub fn new(target: &str, set_id: &str, ts: &str, shards: Vec<ShardRun>) -> Self {
        Self {
            format: FORMAT,
            ts: ts.to_string(),
            started_at: Utc::now(),
            target: target.to_string(),
            set_id: set_id.to_string(),
            state: "running".into(),
            shards,
            forming: false,
            attach: Vec::new(),
            path: active_path(target),
        }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read the cluster restore journal {}", path.display())
        })?;
        let mut j: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a cluster restore journal", path.display()))?;
        anyhow::ensure!(
            j.format == FORMAT,
            "{} has format {}, this redisops reads {FORMAT}",
            path.display(),
            j.format
        );
        j.path = path.to_path_buf();
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Before the first shard a failure must stop the restore: nothing could resume it.
    pub fn save(&self) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let text = serde_json::to_vec_pretty(self)?;
        write_atomic(&self.path, &text, 0o600)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Once the restore runs a full disk must not stop it: warn only.
    pub fn set(&mut self, shard: usize, state: ShardState) {
        self.shards[shard].state = state;
        self.touch();
    }

    /// Saves a change of the set-level fields; like [`Self::set`], warns only.
    pub fn touch(&mut self) {
        if let Err(e) = self.save() {
            crate::ui::warn(format!("{e:#}"));
        }
    }

    /// Removes the staged files of the shards not started and marks them so.
    pub fn drop_pending(&mut self) {
        for s in &mut self.shards {
            if s.state == ShardState::Pending {
                if let Some(staged) = s.plan.staged() {
                    let _ = std::fs::remove_file(staged);
                }
                s.state = ShardState::NotStarted;
            }
        }
    }

    /// Writes the final state and moves the journal aside as a record.
    pub fn finish(&mut self, state: &str) {
        self.state = state.to_string();
        let record = self
            .path
            .with_file_name(format!("{}-{}.set.journal", self.target, self.ts));
        let moved = self
            .save()
            .and_then(|()| std::fs::rename(&self.path, &record).map_err(Into::into));
        match moved {
            Ok(()) => self.path = record,
            Err(e) => crate::ui::warn(format!("cannot finish the set journal: {e:#}")),
        }
    }

    /// `s00 restored; s01 rolled back; s02 not started`.
    pub fn summary(&self) -> String {
        self.shards
            .iter()
            .map(|s| {
                let state = serde_json::to_value(s.state)
                    .ok()
                    .and_then(|v| v.as_str().map(|t| t.replace('_', " ")))
                    .unwrap_or_default();
                format!("{} {state}", s.label)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn any(&self, state: ShardState) -> bool {
        self.shards.iter().any(|s| s.state == state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_and_ends_as_a_record() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            supervisor: crate::host::Supervisor::Service {
                unit: "redis".into(),
            },
            steps: Vec::new(),
        };
        let shard = |label: &str| ShardRun {
            label: label.into(),
            master: HostPort {
                host: "127.0.0.1".into(),
                port: 7000,
            },
            dir: dir.path().to_path_buf(),
            ts: "T".into(),
            source_label: "set".into(),
            logfile: None,
            plan: plan.clone(),
            state: ShardState::Pending,
        };
        let mut j = SetJournal::new("c", "S", "T", vec![shard("s00"), shard("s01")]);
        j.path = dir.path().join("j/c.set.journal");
        j.save().unwrap();
        j.set(0, ShardState::Restored);
        let back = SetJournal::load(j.path()).unwrap();
        assert_eq!(back.shards[0].state, ShardState::Restored);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(j.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        j.drop_pending();
        assert_eq!(j.summary(), "s00 restored; s01 not started");
        j.finish("stopped");
        assert_eq!(j.path(), dir.path().join("j/c-T.set.journal"));
        assert!(!dir.path().join("j/c.set.journal").exists());
    }
}
