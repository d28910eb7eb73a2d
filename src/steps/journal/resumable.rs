//! The resumable journal (restore's): the plan, the original values and how far the run got,
//! written atomically before each step and after it, and after each undo, so that a run whose
//! redisops was killed can be finished (`--resume`: the runner continues at the first step not
//! done) or undone (`--abort`: the runner rolls back the steps done, newest first).
//!
//! The active journal is `<dir>/.redisops-<command>.journal`; while it exists no new run
//! starts there. When a run ends (done or rolled back) it is renamed to
//! `<dir>/.redisops-<command>-<ts>.journal` as a record. A run stopped past the point of
//! rollback, or whose rollback failed, keeps it active.
//!
//! The tests kill a run right after a given step with [`crate::steps::fault`].

use super::{Journaling, Outcome, State, warn_unsaved, write};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resumable<P> {
    pub format: u32,
    pub ts: String,
    pub started_at: DateTime<Utc>,
    pub target: String,
    /// What the run acts from (restore: the archive path and backup id).
    pub source: String,
    pub plan: P,
    /// Steps completed, in order: the plan's first `done`.
    pub done: usize,
    /// The step under way when the journal was last written, if any.
    pub in_progress: Option<usize>,
    /// Spelled with underscores (`"rolled_back"`), as restore journals always were.
    #[serde(with = "snake_case")]
    pub state: State,
    pub reason: Option<String>,
    #[serde(skip)]
    path: PathBuf,
    #[serde(skip)]
    command: String,
}

/// The active journal of `command` in `dir`.
pub fn active_path(dir: &Path, command: &str) -> PathBuf {
    dir.join(format!(".redisops-{command}.journal"))
}

impl<P: Serialize> Resumable<P> {
    pub fn new(dir: &Path, command: &str, ts: &str, target: &str, source: &str, plan: P) -> Self {
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
            path: active_path(dir, command),
            command: command.to_string(),
        }
    }

    /// Writes it; before the first step a failure must stop the run (nothing could resume it).
    pub fn save(&self) -> Result<()> {
        write(&self.path, self).with_context(|| {
            format!(
                "cannot write the {} journal {}",
                self.command,
                self.path.display()
            )
        })
    }

    /// Whether the run stopped during its rollback: `--resume` finishes the rollback.
    pub fn in_rollback(&self) -> bool {
        matches!(self.state, State::RollingBack | State::RollbackFailed)
    }

    /// How many steps the run may have changed something in: the done ones and the one under
    /// way. A rollback undoes these.
    pub fn touched(&self) -> usize {
        self.in_progress.map_or(self.done, |i| i + 1)
    }

    fn store(&self) {
        if let Err(e) = self.save() {
            warn_unsaved(&self.path, &format!("{e:#}"));
        }
    }

    /// Writes the final state and moves the journal aside as a record.
    fn finish(&mut self) -> Result<()> {
        self.save()?;
        let record = self
            .path
            .with_file_name(format!(".redisops-{}-{}.journal", self.command, self.ts));
        std::fs::rename(&self.path, &record)?;
        crate::fsutil::fsync_dir(record.parent().unwrap_or(Path::new(".")))?;
        self.path = record;
        Ok(())
    }
}

impl<P: serde::de::DeserializeOwned> Resumable<P> {
    /// Reads the journal of a stopped `command` run.
    pub fn load(path: &Path, command: &str) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {command} journal {}", path.display()))?;
        let mut j: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a {command} journal", path.display()))?;
        j.path = path.to_path_buf();
        j.command = command.to_string();
        Ok(j)
    }
}

impl<P: Serialize> Journaling for Resumable<P> {
    fn path(&self) -> &Path {
        &self.path
    }

    fn begin(&mut self, step: usize, _on: &str, _action: String) {
        self.in_progress = Some(step);
        self.store();
    }

    /// A failed step stays under way: its undo is safe to repeat, skipping it is not.
    fn outcome(&mut self, step: usize, outcome: Outcome) {
        if outcome == Outcome::Done {
            self.done = step + 1;
            self.in_progress = None;
            self.store();
        }
    }

    /// The step under way counts as done until undone. The first reason stays: an `--abort`
    /// that finishes a rollback keeps why it began.
    fn rolling_back(&mut self, reason: &str) {
        self.done = self.touched();
        self.in_progress = None;
        self.reason.get_or_insert_with(|| reason.to_string());
        self.state = State::RollingBack;
        self.store();
    }

    /// Undone steps no longer count as done, so a killed rollback resumes there.
    fn undone(&mut self, step: usize) {
        self.done = step;
        self.store();
    }

    fn end(&mut self, state: State) {
        self.state = state;
        if !matches!(state, State::Done | State::RolledBack) {
            self.store();
            return;
        }
        self.in_progress = None;
        if state == State::Done {
            self.reason = None;
        }
        if let Err(e) = self.finish() {
            warn_unsaved(&self.path, &format!("{e:#}"));
        }
    }

    fn resumable(&self) -> Option<&str> {
        Some(&self.command)
    }
}

/// [`State`] as restore journals spell it: the words of the variants joined by underscores.
mod snake_case {
    use super::State;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub fn serialize<S: Serializer>(state: &State, s: S) -> Result<S::Ok, S::Error> {
        let words = serde_json::to_value(state).map_err(serde::ser::Error::custom)?;
        words
            .as_str()
            .unwrap_or_default()
            .replace(' ', "_")
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
        let text = String::deserialize(d)?.replace('_', " ");
        serde_json::from_value(serde_json::Value::String(text)).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(dir: &Path) -> Resumable<Vec<String>> {
        Resumable::new(
            dir,
            "restore",
            "T",
            "t",
            "file",
            vec!["a".into(), "b".into()],
        )
    }

    #[test]
    fn a_killed_run_reads_back_where_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = journal(dir.path());
        j.save().unwrap();
        j.begin(0, "a", "first".into());
        j.outcome(0, Outcome::Done);
        j.begin(1, "b", "second".into());
        let text = std::fs::read_to_string(j.path()).unwrap();
        assert!(text.contains("\"in_progress\": 1"), "{text}");
        let back = Resumable::<Vec<String>>::load(j.path(), "restore").unwrap();
        assert_eq!((back.done, back.touched()), (1, 2));
        assert_eq!(back.plan, ["a", "b"]);
        assert!(!back.in_rollback());
    }

    #[test]
    fn a_rollback_counts_down_and_ends_as_a_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = journal(dir.path());
        j.begin(0, "a", "first".into());
        j.outcome(0, Outcome::Done);
        j.begin(1, "b", "second".into());
        j.outcome(1, Outcome::Failed("boom".into()));
        j.rolling_back("b: boom");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(j.path()).unwrap()).unwrap();
        assert_eq!(
            (v["state"].as_str(), v["done"].as_u64()),
            (Some("rolling_back"), Some(2))
        );
        let back = Resumable::<Vec<String>>::load(j.path(), "restore").unwrap();
        assert!(back.in_rollback());
        j.undone(1);
        j.rolling_back("again");
        j.undone(0);
        j.end(State::RolledBack);
        assert!(!active_path(dir.path(), "restore").exists());
        assert_eq!(j.path(), dir.path().join(".redisops-restore-T.journal"));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(j.path()).unwrap()).unwrap();
        assert_eq!(v["state"], "rolled_back");
        assert_eq!(v["reason"], "b: boom");
        assert_eq!(v["done"], 0);
    }

    #[test]
    fn a_run_stopped_past_the_rollback_stays_active() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = journal(dir.path());
        j.begin(0, "a", "first".into());
        j.end(State::Incomplete);
        assert_eq!(j.path(), active_path(dir.path(), "restore"));
        let back = Resumable::<Vec<String>>::load(j.path(), "restore").unwrap();
        assert_eq!((back.state, back.touched()), (State::Incomplete, 1));
    }
}
