//! Getting one node's RDB as a byte stream: `BGSAVE` and then the server's dump file when it is
//! readable on this host, else the replication stream (`SYNC`, like `redis-cli --rdb`).
//!
//! Callable on its own, node by node: [`choose`] picks the source before the repository is
//! touched, [`start`] starts it (waits for our BGSAVE, or for the server to begin the
//! transfer) and hands back a reader for the pipeline. What it reads is checked by the
//! pipeline; a dump file read after BGSAVE must also pass [`Freshness::check`].

use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::progress::Progress;
use crate::rdb::RdbSummary;
use crate::source::bgsave;
use crate::source::sync::{SyncOptions, SyncStream};
use crate::target::Auth;
use anyhow::Result;
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How to get the RDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// BGSAVE when the server's dump file is readable on this host, else sync
    Auto,
    /// BGSAVE, then read the server's dump file (needs access to its data directory)
    Bgsave,
    /// Stream the RDB over the replication protocol (like redis-cli --rdb)
    Sync,
}

/// The source [`choose`] picked for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// BGSAVE, then read this dump file.
    Bgsave(PathBuf),
    /// The replication stream.
    Sync,
}

impl Source {
    /// The manifest's `method`.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Bgsave(_) => "bgsave",
            Source::Sync => "sync",
        }
    }
}

/// Picks how to read `node`'s RDB for `method`. `--method bgsave` without a dump file readable
/// here is a usage error; `auto` then falls back to sync.
pub async fn choose(node: &mut Node, method: Method) -> Result<Source> {
    let local_dump = bgsave::local_dump(node).await;
    let use_bgsave = match (method, &local_dump) {
        (Method::Sync, _) => false,
        (Method::Auto, dump) => dump.is_ok(),
        (Method::Bgsave, Ok(_)) => true,
        (Method::Bgsave, Err(why)) => {
            return Err(fail(
                ExitCode::Usage,
                format!(
                    "--method bgsave reads the server's dump file from this host's disk, but \
                     {why}. Run redisops on the server's host, or use --method sync."
                ),
            ));
        }
    };
    Ok(match (use_bgsave, local_dump) {
        (true, Ok(path)) => Source::Bgsave(path),
        _ => Source::Sync,
    })
}

/// What [`start`] needs besides the node.
pub struct Options {
    /// How long BGSAVE, or the server's start of the transfer, may take.
    pub save_timeout: Duration,
    /// The target's reply timeout; a stalled stream gets at least 60 s.
    pub timeout: Duration,
    pub quiet: bool,
    pub cancelled: CancellationToken,
}

/// One node's RDB, started: read `reader` to the end (through the pipeline).
pub struct Capture {
    /// The RDB bytes, counted by `progress`.
    pub reader: Box<dyn Read + Send>,
    pub progress: Progress,
    /// For a dump file read after BGSAVE: to check against the RDB's summary.
    pub fresh: Option<Freshness>,
    /// From the replication handshake (e.g. a refused `REPLCONF`).
    pub warnings: Vec<String>,
}

/// Starts reading `node`'s RDB from `source`: waits for our BGSAVE to finish and opens the
/// dump file, or asks for the replication stream (dialled with `dialer` and `auth`) and waits
/// for the transfer to begin. Either wait ends with exit 130 when `opts.cancelled` fires.
pub async fn start(
    source: Source,
    node: &mut Node,
    dialer: &Dialer,
    auth: &Auth,
    opts: &Options,
) -> Result<Capture> {
    let mut warnings = Vec::new();
    if let Source::Bgsave(path) = source {
        if !opts.quiet {
            crate::ui::note(format!(
                "BGSAVE on {}, then reading {}",
                node.endpoint,
                path.display()
            ));
        }
        let saved = tokio::select! {
            saved = bgsave::bgsave(node, path, opts.save_timeout) => saved?,
            () = opts.cancelled.cancelled() => return Err(interrupted()),
        };
        let progress = Progress::new(
            "backup",
            Some(saved.len),
            opts.quiet,
            opts.cancelled.clone(),
        );
        let fresh = Freshness {
            not_before: saved.requested_at,
            file_mtime: saved.mtime,
            path: saved.path.clone(),
        };
        Ok(Capture {
            reader: Box::new(progress.reader(saved.file)),
            progress,
            fresh: Some(fresh),
            warnings,
        })
    } else {
        let endpoint = node.endpoint.clone();
        if !opts.quiet {
            // A diskless master waits repl-diskless-sync-delay seconds (5 by default) for
            // more replicas before it sends a byte: say so rather than show 0 B/s.
            crate::ui::note(format!(
                "asked {endpoint} for its RDB: waiting for the server to start the transfer \
                 (repl-diskless-sync-delay)"
            ));
        }
        let start = SyncStream::start(
            dialer,
            &endpoint,
            auth,
            SyncOptions {
                start_timeout: opts.save_timeout,
                stall_timeout: Duration::from_secs(60).max(opts.timeout),
            },
        );
        let stream = tokio::select! {
            stream = start => stream?,
            () = opts.cancelled.cancelled() => return Err(interrupted()),
        };
        warnings.extend(stream.warnings().iter().cloned());
        if !opts.quiet {
            crate::ui::note(format!(
                "streaming the RDB from {endpoint} (replication protocol)"
            ));
        }
        let progress = Progress::new(
            "backup",
            stream.total_len(),
            opts.quiet,
            opts.cancelled.clone(),
        );
        let reader = tokio_util::io::SyncIoBridge::new(stream);
        Ok(Capture {
            reader: Box::new(progress.reader(reader)),
            progress,
            fresh: None,
            warnings,
        })
    }
}

/// Proof that a dump file read after BGSAVE is the one we asked for, not an older file (or
/// another server's) under the same name.
pub struct Freshness {
    /// Server time (TIME, from gettimeofday) just before BGSAVE.
    not_before: i64,
    /// For RDBs without an AUX `ctime` (newer formats are not walked).
    file_mtime: i64,
    path: std::path::PathBuf,
}

impl Freshness {
    pub fn check(&self, summary: &RdbSummary) -> Result<()> {
        if self.stale(summary.ctime.unwrap_or(self.file_mtime)) {
            return Err(fail(
                ExitCode::SaveFailed,
                format!(
                    "{} is older than the BGSAVE redisops asked for: it is not this server's \
                     current dump file. No archive was written; use --method sync.",
                    self.path.display()
                ),
            ));
        }
        Ok(())
    }

    /// The server stamps `ctime` with time(), the kernel's coarse clock, which lags
    /// gettimeofday (TIME) by up to a tick: a save forked just after a second began can carry
    /// the previous second. A file from an earlier save is older than that.
    fn stale(&self, created: i64) -> bool {
        created < self.not_before - 1
    }
}

fn interrupted() -> anyhow::Error {
    fail(
        ExitCode::Interrupted,
        "interrupted by a signal before any archive was written",
    )
}

#[cfg(test)]
mod tests {
    use super::Freshness;

    #[test]
    fn freshness_allows_the_coarse_clock_lag_only() {
        let fresh = Freshness {
            not_before: 1_000,
            file_mtime: 0,
            path: "dump.rdb".into(),
        };
        assert!(!fresh.stale(1_000));
        assert!(
            !fresh.stale(999),
            "time() may still show the previous second"
        );
        assert!(fresh.stale(998));
    }
}
