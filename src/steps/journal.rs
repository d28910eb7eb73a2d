//! Step journals: what the runner writes, atomically (mode 0600), before and after every step
//! and every undo, so that after a failure, a crash or a kill an operator can see exactly what
//! was done. They hold no secret (plans mask them). Two kinds, one [`Journaling`] interface:
//!
//! - [`Journal`], of `harden apply` and `tls enable`/`rotate`: the plan and each step's
//!   outcome, a record for the operator;
//! - [`Resumable`], of restore: the plan and how far it got, which the runner can continue
//!   from the first step not done (`restore --resume`) or roll back (`restore --abort`).
//!
//! Writing them is best effort once the run started: a full disk must not stop a rollback.

use crate::fsutil::write_atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

mod resumable;

pub use resumable::{Resumable, active_path};

/// How a run stands. Written as the words of the variants (`"rolled back"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    #[serde(rename = "rolling back")]
    RollingBack,
    Done,
    #[serde(rename = "rolled back")]
    RolledBack,
    /// The rollback itself failed: the message and the records say what is left.
    #[serde(rename = "rollback failed")]
    RollbackFailed,
    /// Stopped past the point where a rollback is done (a restart, a finished group stage).
    Incomplete,
}

/// What the runner tells a journal, in the order things happen.
pub trait Journaling {
    fn path(&self) -> &Path;

    /// Step `step` (0-based), about `on`, starts.
    fn begin(&mut self, step: usize, on: &str, action: String);

    /// Step `step` (0-based) ended with `outcome`.
    fn outcome(&mut self, step: usize, outcome: Outcome);

    /// The rollback starts, because of `reason`.
    fn rolling_back(&mut self, _reason: &str) {
        self.end(State::RollingBack);
    }

    /// Every undo of step `step` (0-based) is done.
    fn undone(&mut self, _step: usize) {}

    /// The run ended, or stopped in `state`.
    fn end(&mut self, state: State);

    /// The command (`restore`) that continues a run stopped with this journal, with
    /// `--resume` or `--abort`. A rollback that fails then stops at that undo, so that
    /// `--abort` can go on from there in order.
    fn resumable(&self) -> Option<&str> {
        None
    }
}

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Running,
    Done,
    Failed(String),
}

/// Written as one string (`"failed: …"`), as operators read it.
impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Outcome::Running => s.serialize_str("running"),
            Outcome::Done => s.serialize_str("done"),
            Outcome::Failed(e) => s.serialize_str(&format!("failed: {e}")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub step: usize,
    /// The node or stage the step is about.
    pub on: String,
    pub action: String,
    pub outcome: Outcome,
}

pub struct Journal {
    path: PathBuf,
    started_at: DateTime<Utc>,
    command: String,
    target: String,
    plan: serde_json::Value,
    records: Vec<Record>,
    state: State,
}

#[derive(Serialize)]
struct Written<'a> {
    command: &'a str,
    target: &'a str,
    started_at: DateTime<Utc>,
    state: State,
    plan: &'a serde_json::Value,
    records: &'a [Record],
}

impl Journal {
    /// A journal `<dir>/.redisops-<command>-<time>.journal`; nothing is written until the
    /// first step.
    pub fn new(dir: &Path, command: &str, target: &str, plan: &impl Serialize) -> Self {
        let started_at = Utc::now();
        let name = format!(
            ".redisops-{command}-{}.journal",
            started_at.format("%Y%m%dT%H%M%SZ")
        );
        Self {
            path: dir.join(name),
            started_at,
            command: command.into(),
            target: target.into(),
            plan: serde_json::to_value(plan).unwrap_or_default(),
            records: Vec::new(),
            state: State::Running,
        }
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    fn save(&self) {
        let written = Written {
            command: &self.command,
            target: &self.target,
            started_at: self.started_at,
            state: self.state,
            plan: &self.plan,
            records: &self.records,
        };
        if let Err(e) = write(&self.path, &written) {
            warn_unsaved(&self.path, &e);
        }
    }
}

impl Journaling for Journal {
    fn path(&self) -> &Path {
        &self.path
    }

    fn begin(&mut self, step: usize, on: &str, action: String) {
        self.records.push(Record {
            step: step + 1,
            on: on.into(),
            action,
            outcome: Outcome::Running,
        });
        self.save();
    }

    /// Sets the outcome of the last record of the step.
    fn outcome(&mut self, step: usize, outcome: Outcome) {
        if let Some(r) = self.records.iter_mut().rev().find(|r| r.step == step + 1) {
            r.outcome = outcome;
        }
        self.save();
    }

    fn end(&mut self, state: State) {
        self.state = state;
        self.save();
    }
}

/// Writes `value` as pretty JSON to `path` atomically, mode 0600, creating its directory
/// (0700) when missing.
fn write(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    write_atomic(path, text.as_bytes(), 0o600)
}

fn warn_unsaved(path: &Path, e: &dyn std::fmt::Display) {
    crate::ui::warn(format!("cannot write the journal {}: {e}", path.display()));
}

/// Where journals go when the command has no directory of its own: `$XDG_STATE_HOME/redisops`
/// when set; else `/var/lib/redisops` for root, as system services keep their state, and
/// `~/.local/state/redisops` for other users.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("redisops");
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/redisops");
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".local/state"))
        .unwrap_or_else(std::env::temp_dir)
        .join("redisops")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_each_step_and_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::new(&dir.path().join("j"), "harden", "t", &vec!["a", "b"]);
        j.begin(0, "n1", "first".into());
        j.outcome(0, Outcome::Done);
        j.begin(1, "n1", "second".into());
        j.outcome(1, Outcome::Failed("boom".into()));
        j.end(State::RolledBack);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(j.path()).unwrap()).unwrap();
        assert_eq!(v["state"], "rolled back");
        assert_eq!(v["plan"][1], "b");
        assert_eq!(v["records"][1]["outcome"], "failed: boom");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(j.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
