//! Cancellation: the first SIGINT or SIGTERM cancels a [`CancellationToken`]; every wait of a
//! state-changing command selects on it, so a lock, load or replication wait ends at once and
//! the runner rolls back before the next step. A second signal exits 130 at once.

use crate::exit::{ExitCode, fail};
use std::time::Duration;
pub use tokio_util::sync::CancellationToken;

/// A token cancelled by the first SIGINT or SIGTERM.
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let set = token.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        set.cancel();
        crate::ui::warn("signal received: stopping after cleaning up (send it again to kill)");
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        std::process::exit(i32::from(ExitCode::Interrupted.code()));
    });
    token
}

/// The error a cancelled wait returns.
pub fn interrupted() -> anyhow::Error {
    fail(ExitCode::Interrupted, "interrupted by a signal")
}

/// Sleeps `d`, or fails at once with [`interrupted`] when `cancel` fires.
pub async fn sleep(d: Duration, cancel: &CancellationToken) -> anyhow::Result<()> {
    tokio::select! {
        () = tokio::time::sleep(d) => Ok(()),
        () = cancel.cancelled() => Err(interrupted()),
    }
}
