//! One way to run a state-changing plan: typed steps applied in order by an [`Executor`],
//! each announced on one progress line and journaled before and after it runs; a failure or
//! a signal (the [`cancel`] token) stops before the next step and undoes what was applied,
//! newest first. Restore, `harden apply`, `tls enable`/`rotate` and the TLS move of a
//! Sentinel group run on it. With a [`journal::Resumable`] journal a run killed half-way is
//! continued ([`resume`]) or rolled back ([`abort`]) by a later process (restore).
//!
//! The exit policy, the same for every command:
//! - a step failed and everything applied was undone: 30 (`RolledBack`), or the failure's own
//!   code when it names a kind other than a plain error or a refused login (13 for TLS, …);
//!   restore always exits 30 here, its promise that the server runs on its old data;
//! - SIGINT/SIGTERM: the current step finishes (its waits end early), the applied steps are
//!   undone, exit 130 (`Interrupted`);
//! - an undo failed: 31 (`Incomplete`), with every undo that failed and what to fix by hand
//!   (with a resumable journal: the undo the rollback stopped at, for `--abort` to finish);
//! - past the point where undoing would do harm (a restart on a new config, verified
//!   restored data, a finished stage of a group), the executor says what state things are in
//!   instead: 31.

pub mod cancel;
pub mod fault;
pub mod journal;
mod runner;

pub use cancel::CancellationToken;
pub use runner::{Executor, Kept, abort, resume, rolled_back_code, run, run_part};
