//! Fault injection for the integration tests, compiled only with the `fault-injection`
//! feature (which `cargo test` turns on through the crate's dev-dependency on itself): a
//! release binary has no such hook and no environment variable steers it.
//!
//! - `REDISOPS_TEST_KILL_AFTER_STEP=N`: exit abruptly (137, like SIGKILL) right after step N
//!   (1-based) is journaled as done, to exercise `restore --resume` and `--abort`.
//! - `REDISOPS_TEST_SIGNAL_AFTER_STEP=N`: send this process SIGINT right after step N, to
//!   exercise the rollback on a signal at a precise point.
//! - `REDISOPS_TEST_KILL_AFTER_PARTS=N`: exit abruptly (137) after the Nth part of an S3
//!   multipart upload is stored, to exercise the clean-up of an interrupted upload;
//!   `REDISOPS_TEST_STALL_AFTER_PARTS=N` pauses there for 4 s (a lease lost meanwhile).
//! - `REDISOPS_TEST_STALL_COPY_AFTER_BYTES=N`: a copy between repositories (`copy`, `backup
//!   --copy-to`) stops making progress once N archive bytes are written, so that a test can
//!   kill it mid-copy; `REDISOPS_TEST_FAIL_COPY_AFTER_BYTES=N` makes it fail there instead.

use super::cancel::CancellationToken;

/// Called by the runner after step `done` (1-based) is journaled as done.
#[cfg(feature = "fault-injection")]
pub async fn after_step(done: usize, cancel: &CancellationToken) {
    let at = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok()) == Some(done);
    if at("REDISOPS_TEST_KILL_AFTER_STEP") {
        std::process::exit(137);
    }
    if at("REDISOPS_TEST_SIGNAL_AFTER_STEP") {
        // SAFETY: raise has no preconditions; the signal handler task cancels the token.
        unsafe { libc::raise(libc::SIGINT) };
        // Wait for the handler, so that the next step boundary sees the signal.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), cancel.cancelled()).await;
    }
}

#[cfg(not(feature = "fault-injection"))]
pub async fn after_step(_done: usize, _cancel: &CancellationToken) {}

/// Called by the S3 upload after its `parts`th part is stored.
/// `REDISOPS_TEST_KILL_AFTER_PARTS=N`: exit abruptly (137) there, as a SIGKILL mid-upload;
/// `REDISOPS_TEST_STALL_AFTER_PARTS=N`: pause there for 4 s, as a slow upload would.
#[cfg(feature = "fault-injection")]
pub fn after_part(parts: usize) {
    let at = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok()) == Some(parts);
    if at("REDISOPS_TEST_KILL_AFTER_PARTS") {
        std::process::exit(137);
    }
    if at("REDISOPS_TEST_STALL_AFTER_PARTS") {
        std::thread::sleep(std::time::Duration::from_secs(4));
    }
}

#[cfg(not(feature = "fault-injection"))]
pub fn after_part(_parts: usize) {}

/// Called by a copy each time its archive has `written` bytes in the destination.
#[cfg(feature = "fault-injection")]
pub fn copy_written(written: u64) -> std::io::Result<()> {
    let reached = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| written >= n)
    };
    if reached("REDISOPS_TEST_STALL_COPY_AFTER_BYTES") {
        // Long enough for any test to kill the process; a stall, not a hang forever.
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
    if reached("REDISOPS_TEST_FAIL_COPY_AFTER_BYTES") {
        return Err(std::io::Error::other(
            "injected copy failure (REDISOPS_TEST_FAIL_COPY_AFTER_BYTES)",
        ));
    }
    Ok(())
}

#[cfg(not(feature = "fault-injection"))]
pub fn copy_written(_written: u64) -> std::io::Result<()> {
    Ok(())
}
