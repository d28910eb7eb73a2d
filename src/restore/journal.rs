//! The restore journal: the plan, the original values and how far it got, written atomically
//! before each step and after it, so that a restore whose redisops was killed can be finished
//! (`--resume`) or undone (`--abort`).
//!
//! The active journal is `<dir>/.redisops-restore.journal`; while it exists no new restore
//! starts there. When a restore ends (done or rolled back) it is renamed to
//! `<dir>/.redisops-restore-<ts>.journal` as a record.
//!
//! The tests kill a restore right after a given step with [`crate::steps::fault`].

use super::plan::Plan;
use crate::fsutil::write_atomic;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const ACTIVE_NAME: &str = ".redisops-restore.journal";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Running,
    RollingBack,
    Done,
    RolledBack,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub format: u32,
    pub ts: String,
    pub started_at: DateTime<Utc>,
    pub target: String,
    /// What was restored (archive path and backup id, when from a repository).
    pub source: String,
    pub plan: Plan,
    /// Steps completed, in order: `plan.steps[..done]`.
    pub done: usize,
    /// The step under way when the journal was last written, if any.
    pub in_progress: Option<usize>,
    pub state: State,
    pub reason: Option<String>,
    #[serde(skip)]
    pub path: PathBuf,
}

impl Journal {
    pub fn new(dir: &Path, ts: &str, target: &str, source: &str, plan: Plan) -> Self {
        Self {
            format: FORMAT,
            ts: ts.to_string(),
            started_at: Utc::now(),
            target: target.to_string(),
            source: source.to_string(),
            plan,
            done: 0,
            in_progress: None,
            state: State::Running,
            reason: None,
            path: dir.join(ACTIVE_NAME),
        }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the restore journal {}", path.display()))?;
        let mut j: Journal = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a restore journal", path.display()))?;
        j.path = path.to_path_buf();
        Ok(j)
    }

    pub fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        write_atomic(&self.path, text.as_bytes(), 0o600)
            .with_context(|| format!("cannot write the restore journal {}", self.path.display()))
    }

    pub fn begin(&mut self, step: usize) -> Result<()> {
        self.in_progress = Some(step);
        self.save()
    }

    pub fn complete(&mut self, step: usize) -> Result<()> {
        self.done = step + 1;
        self.in_progress = None;
        self.save()
    }

    /// Writes the final state and moves the journal aside as a record.
    pub fn finish(&mut self, state: State, reason: Option<String>) -> Result<PathBuf> {
        self.state = state;
        self.reason = reason;
        self.in_progress = None;
        self.save()?;
        let record = self
            .path
            .with_file_name(format!(".redisops-restore-{}.journal", self.ts));
        std::fs::rename(&self.path, &record)?;
        crate::fsutil::fsync_dir(self.path.parent().unwrap_or(Path::new(".")))?;
        Ok(record)
    }
}
