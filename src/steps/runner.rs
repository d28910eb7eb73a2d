//! The runner: see the module documentation of [`super`] for the exit policy.

use super::cancel::{CancellationToken, interrupted};
use super::journal::{Journaling, Outcome, State};
use crate::exit::{ExitCode, code_for, fail};
use anyhow::Result;

/// What a failure past the point of rollback leaves: the error to return, and the journal's
/// final state.
pub struct Kept {
    pub error: anyhow::Error,
    pub state: State,
}

/// Applies and undoes the steps of one command. `async fn` in a trait: the runner is generic
/// and polls these futures on its own task, so they need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait Executor {
    type Step;
    /// What undoes one change, captured before the change is made.
    type Undo: std::fmt::Display;

    /// Applies `step`. Pushes onto `undos` what undoes each change *before* making it, so a
    /// change that fails half-way is undone too. Long waits end with
    /// [`super::cancel::interrupted`] when `cancel` fires.
    async fn apply(
        &mut self,
        step: &Self::Step,
        undos: &mut Vec<Self::Undo>,
        cancel: &CancellationToken,
    ) -> Result<()>;

    async fn undo(&mut self, undo: &Self::Undo) -> Result<()>;

    /// The node or stage `step` is about, and what it does, as the plan shows it.
    fn describe(&self, step: &Self::Step) -> (String, String);

    /// Whether a signal before step `i` no longer stops the run: past a point where stopping
    /// leaves things worse than finishing (restore: its data is verified), the rest runs.
    fn finishes_on_signal(&self, _steps: &[Self::Step], _i: usize) -> bool {
        false
    }

    /// When the run stops at step `i` (it failed, or with `ran` false a signal came before
    /// it) and undoing would do harm, what to return instead of rolling back; handing the
    /// cause back rolls back as usual.
    fn keep(
        &mut self,
        _steps: &[Self::Step],
        _i: usize,
        _ran: bool,
        cause: anyhow::Error,
    ) -> std::result::Result<Kept, anyhow::Error> {
        Err(cause)
    }

    /// After the undos: work that needs every undo done (saving the restored config again,
    /// removing password files nothing uses). Adds what failed.
    async fn after_rollback(&mut self, _failed: &mut Vec<String>) {}

    /// The state after a complete rollback, for the message ("the server is as before.").
    fn rolled_back_note(&self) -> String;

    /// The exit code after a complete rollback: [`rolled_back_code`] unless the command
    /// promises one code for every rollback.
    fn rolled_back_code(&self, cause: &anyhow::Error, signalled: bool) -> ExitCode {
        rolled_back_code(cause, signalled)
    }
}

/// One progress line per step, in the one format every command shows.
fn announce(i: usize, n: usize, on: &str, action: &str) {
    crate::ui::note(format!("[{}/{n}] {on}: {action}", i + 1));
}

/// The exit code of a run whose rollback succeeded (see [`super`]).
pub fn rolled_back_code(cause: &anyhow::Error, signalled: bool) -> ExitCode {
    match code_for(cause) {
        _ if signalled => ExitCode::Interrupted,
        ExitCode::Error | ExitCode::Auth => ExitCode::RolledBack,
        code => code,
    }
}

/// Runs `steps` on `exec`, journaling each one when there is a journal. On a failure or a
/// signal, rolls back and returns the error carrying the exit code of the policy.
pub async fn run<E: Executor>(
    exec: &mut E,
    steps: &[E::Step],
    journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> Result<()> {
    resume(exec, steps, 0, Vec::new(), journal, cancel).await
}

/// Continues a stopped run (a [`super::journal::Resumable`] says where): `steps[..from]` are
/// done, and `undos` (each with the index of the step it undoes) undo them.
pub async fn resume<E: Executor>(
    exec: &mut E,
    steps: &[E::Step],
    from: usize,
    undos: Vec<(usize, E::Undo)>,
    journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> Result<()> {
    run_steps(exec, steps, from..steps.len(), undos, journal, cancel).await
}

/// Runs one part of a plan, `steps[part]`, as a run of its own: a failure or a signal rolls
/// back this part's steps only (the parts before it stay done). Progress lines and journal
/// records number the steps of the whole plan. Used where a plan changes one node after
/// another and a node once done is kept (`harden apply` of a cluster).
pub async fn run_part<E: Executor>(
    exec: &mut E,
    steps: &[E::Step],
    part: std::ops::Range<usize>,
    journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> Result<()> {
    run_steps(exec, steps, part, Vec::new(), journal, cancel).await
}

async fn run_steps<E: Executor>(
    exec: &mut E,
    steps: &[E::Step],
    range: std::ops::Range<usize>,
    mut undos: Vec<(usize, E::Undo)>,
    mut journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> Result<()> {
    let end = range.end;
    for (i, step) in steps.iter().enumerate().take(end).skip(range.start) {
        let (on, action) = exec.describe(step);
        if cancel.is_cancelled() && !exec.finishes_on_signal(steps, i) {
            let cause = interrupted().context(format!(
                "stopped before step {} ({action}), nothing of it was done",
                i + 1
            ));
            let cause = match exec.keep(steps, i, false, cause) {
                Ok(kept) => {
                    end_journal(&mut journal, kept.state);
                    return Err(kept.error);
                }
                Err(cause) => cause,
            };
            crate::ui::warn("interrupted by a signal; rolling back");
            return Err(rollback(exec, undos, &on, cause, true, journal).await);
        }
        announce(i, steps.len(), &on, &action);
        if let Some(j) = journal.as_deref_mut() {
            j.begin(i, &on, action);
        }
        let mut pushed = Vec::new();
        let applied = exec.apply(step, &mut pushed, cancel).await;
        undos.extend(pushed.into_iter().map(|u| (i, u)));
        match applied {
            Ok(()) => {
                if let Some(j) = journal.as_deref_mut() {
                    j.outcome(i, Outcome::Done);
                }
                super::fault::after_step(i + 1, cancel).await;
            }
            Err(cause) => {
                if let Some(j) = journal.as_deref_mut() {
                    j.outcome(i, Outcome::Failed(format!("{cause:#}")));
                }
                let cause = match exec.keep(steps, i, true, cause) {
                    Ok(kept) => {
                        end_journal(&mut journal, kept.state);
                        return Err(kept.error);
                    }
                    Err(cause) => cause,
                };
                let signalled = cancel.is_cancelled();
                return Err(rollback(exec, undos, &on, cause, signalled, journal).await);
            }
        }
    }
    if end == steps.len() {
        end_journal(&mut journal, State::Done);
    }
    Ok(())
}

/// Rolls back a stopped run on the operator's word (`--abort`), or finishes a rollback that
/// was under way: `undos` as for [`resume`]. Returns the error of the policy, as a rollback
/// after a failure on `on` with `cause`.
pub async fn abort<E: Executor>(
    exec: &mut E,
    undos: Vec<(usize, E::Undo)>,
    on: &str,
    cause: anyhow::Error,
    journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> anyhow::Error {
    rollback(exec, undos, on, cause, cancel.is_cancelled(), journal).await
}

fn end_journal(journal: &mut Option<&mut dyn Journaling>, state: State) {
    if let Some(j) = journal.as_deref_mut() {
        j.end(state);
    }
}

/// Undoes `undos` newest first. An undo that fails does not stop the others, unless the
/// journal is resumable: then the rollback stops there, to be finished in order by `--abort`.
async fn rollback<E: Executor>(
    exec: &mut E,
    undos: Vec<(usize, E::Undo)>,
    on: &str,
    cause: anyhow::Error,
    signalled: bool,
    mut journal: Option<&mut dyn Journaling>,
) -> anyhow::Error {
    if let Some(j) = journal.as_deref_mut() {
        j.rolling_back(&format!("{on}: {cause:#}"));
    }
    let resumable = journal
        .as_deref()
        .and_then(|j| j.resumable())
        .map(str::to_string);
    let mut failed = Vec::new();
    let mut undos = undos.into_iter().rev().peekable();
    while let Some((step, undo)) = undos.next() {
        crate::ui::note(format!("rolling back: {undo}"));
        if let Err(e) = exec.undo(&undo).await {
            failed.push(format!("{undo}: {e:#}"));
            if resumable.is_some() {
                break;
            }
        } else if undos.peek().is_none_or(|(next, _)| *next != step)
            && let Some(j) = journal.as_deref_mut()
        {
            j.undone(step);
        }
    }
    if failed.is_empty() || resumable.is_none() {
        exec.after_rollback(&mut failed).await;
    }
    let state = if failed.is_empty() {
        State::RolledBack
    } else {
        State::RollbackFailed
    };
    end_journal(&mut journal, state);
    let journal_note = journal
        .as_deref()
        .map(|j| format!(" Journal: {}", j.path().display()))
        .unwrap_or_default();
    match (failed.is_empty(), resumable) {
        (true, _) => fail(
            exec.rolled_back_code(&cause, signalled),
            format!("{on}: {cause:#}. {}{journal_note}", exec.rolled_back_note()),
        ),
        (false, Some(command)) => fail(
            ExitCode::Incomplete,
            format!(
                "{on}: {cause:#}. Rolling back also failed at {}. Fix the cause and run \
                 `redisops {command} --abort` to finish the rollback.{journal_note}",
                failed.join("; ")
            ),
        ),
        (false, None) => fail(
            ExitCode::Incomplete,
            format!(
                "{on}: {cause:#}. Rolling back also failed; fix these by hand: {}.{journal_note}",
                failed.join("; ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::journal::Resumable;

    /// Steps named by letters; `fail` fails that step, `stuck` that step's undo.
    struct Fake {
        fail: Option<&'static str>,
        stuck: Option<&'static str>,
        log: Vec<String>,
    }

    impl Executor for Fake {
        type Step = &'static str;
        type Undo = &'static str;

        async fn apply(
            &mut self,
            step: &&'static str,
            undos: &mut Vec<&'static str>,
            _cancel: &CancellationToken,
        ) -> Result<()> {
            undos.push(step);
            self.log.push(format!("do {step}"));
            anyhow::ensure!(self.fail != Some(*step), "{step} failed");
            Ok(())
        }

        async fn undo(&mut self, undo: &&'static str) -> Result<()> {
            self.log.push(format!("undo {undo}"));
            anyhow::ensure!(self.stuck != Some(*undo), "{undo} is stuck");
            Ok(())
        }

        fn describe(&self, step: &&'static str) -> (String, String) {
            (step.to_string(), format!("change {step}"))
        }

        fn rolled_back_note(&self) -> String {
            "as before.".into()
        }
    }

    fn fake(fail: Option<&'static str>, stuck: Option<&'static str>) -> Fake {
        Fake {
            fail,
            stuck,
            log: Vec::new(),
        }
    }

    const STEPS: [&str; 4] = ["a", "b", "c", "d"];

    #[tokio::test]
    async fn a_resumed_run_rolls_back_the_steps_done_before_it_too() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Resumable::new(dir.path(), "test", "T", "t", "s", STEPS.to_vec());
        let mut exec = fake(Some("c"), None);
        let err = resume(
            &mut exec,
            &STEPS,
            1,
            vec![(0, "a")],
            Some(&mut j),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(exec.log, ["do b", "do c", "undo c", "undo b", "undo a"]);
        assert_eq!(code_for(&err), ExitCode::RolledBack);
        assert!(
            format!("{err}").contains("c: c failed. as before."),
            "{err}"
        );
        assert_eq!((j.state, j.done), (State::RolledBack, 0));
    }

    #[tokio::test]
    async fn a_resumable_rollback_stops_at_a_failed_undo_for_abort_to_finish() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Resumable::new(dir.path(), "test", "T", "t", "s", STEPS.to_vec());
        let mut exec = fake(Some("c"), Some("b"));
        let cancel = CancellationToken::new();
        let err = run(&mut exec, &STEPS, Some(&mut j), &cancel)
            .await
            .unwrap_err();
        assert_eq!(code_for(&err), ExitCode::Incomplete);
        assert!(format!("{err}").contains("redisops test --abort"), "{err}");
        assert_eq!(exec.log.last().unwrap(), "undo b");
        assert_eq!((j.state, j.done), (State::RollbackFailed, 2));

        let mut exec = fake(None, None);
        let err = abort(
            &mut exec,
            vec![(0, "a"), (1, "b")],
            "t",
            anyhow::anyhow!("aborted"),
            Some(&mut j),
            &cancel,
        )
        .await;
        assert_eq!(exec.log, ["undo b", "undo a"]);
        assert_eq!(code_for(&err), ExitCode::RolledBack);
        assert_eq!((j.state, j.done), (State::RolledBack, 0));
    }

    #[tokio::test]
    async fn without_a_resumable_journal_every_undo_is_tried() {
        let mut exec = fake(Some("c"), Some("b"));
        let err = run(&mut exec, &STEPS, None, &CancellationToken::new())
            .await
            .unwrap_err();
        assert_eq!(exec.log[3..], ["undo c", "undo b", "undo a"]);
        assert_eq!(code_for(&err), ExitCode::Incomplete);
        assert!(format!("{err}").contains("fix these by hand"), "{err}");
    }
}
