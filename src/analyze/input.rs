//! Where an analysis reads its RDB from, always as one stream with nothing written to disk:
//! a repository backup (decrypted and decompressed on the fly), any `.rdb`, `.rdb.gz`,
//! `.rdb.age` or `.rdb.gz.age` file, or a live server's fresh snapshot over the replication
//! protocol.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{Analysis, Options, Source};
use crate::archive::{Decryption, open_reader, open_reader_as};
use crate::conn::{self, Want};
use crate::progress::Progress;
use crate::repo::{Backup, Repository};
use crate::source::sync::{SyncOptions, SyncStream};
use crate::steps::cancel::CancellationToken;
use crate::target::Target;

/// What to analyze.
pub enum Input {
    /// A repository backup, read through the repository's store.
    Backup(Box<(Repository, Backup)>),
    File(PathBuf),
    /// A fresh RDB streamed from the target (stored nowhere).
    Live(Box<Target>),
}

/// How a run reports and stops.
pub struct Run<'a> {
    pub keys: &'a Decryption,
    pub quiet: bool,
    pub cancelled: CancellationToken,
}

/// The one place the analysis opens a repository archive: decrypted and decompressed while
/// read, through the archive reader, with the codec its manifest names.
pub fn open_backup(
    repo: &Repository,
    backup: &Backup,
    keys: &Decryption,
) -> Result<Box<dyn Read + Send>> {
    let archive = repo
        .open_archive(backup)
        .with_context(|| format!("cannot open the archive of backup {}", backup.id))?;
    Ok(open_reader_as(
        archive,
        keys,
        backup.manifest.archive.compression,
    )?)
}

impl Input {
    /// Names the input for reports.
    pub fn source(&self) -> Source {
        match self {
            Input::Backup(rb) => Source {
                kind: "backup",
                name: rb.1.id.to_string(),
                target: Some(rb.1.target.to_string()),
            },
            Input::File(p) => Source {
                kind: "file",
                name: p.display().to_string(),
                target: None,
            },
            Input::Live(t) => Source {
                kind: "live",
                name: t.name.clone(),
                target: None,
            },
        }
    }

    /// Streams the RDB through `work` on a blocking thread, with a progress bar.
    pub async fn read<T: Send + 'static>(
        &self,
        run: &Run<'_>,
        work: impl FnOnce(Box<dyn Read + Send>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reader, total): (Box<dyn Read + Send>, Option<u64>) = match self {
            Input::Backup(rb) => {
                let (repo, b) = rb.as_ref();
                (open_backup(repo, b, run.keys)?, Some(b.manifest.rdb.size))
            }
            Input::File(path) => {
                let file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let size = file.metadata().ok().map(|m| m.len());
                let reader = open_reader(file, run.keys)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                // The file's size is the RDB's only when it is not compressed or encrypted.
                let plain = crate::archive::describe(path)? == crate::archive::Format::Rdb;
                (reader, size.filter(|_| plain))
            }
            Input::Live(target) => {
                let stream = live(target, run).await?;
                let total = stream.total_len();
                (
                    Box::new(tokio_util::io::SyncIoBridge::new(stream)) as Box<dyn Read + Send>,
                    total,
                )
            }
        };
        let progress = Progress::new("analyze", total, run.quiet, run.cancelled.clone());
        let reader = progress.reader(reader);
        let out = tokio::task::spawn_blocking(move || work(Box::new(reader))).await??;
        progress.finish();
        Ok(out)
    }

    /// Analyzes the input.
    pub async fn analyze(&self, run: &Run<'_>, opts: &Options) -> Result<Analysis> {
        let source = self.source();
        let opts = opts.clone();
        self.read(run, move |r| super::analyze(r, source, &opts))
            .await
    }
}

/// Starts a replication-protocol transfer from the target (a replica when Sentinel offers one).
async fn live(target: &Target, run: &Run<'_>) -> Result<SyncStream> {
    let connected = conn::connect(target, Want::PreferReplica).await?;
    let endpoint = connected.node.endpoint.clone();
    let stream = SyncStream::start(
        &connected.dialer,
        &endpoint,
        &target.auth,
        SyncOptions {
            start_timeout: Duration::from_secs(300),
            stall_timeout: Duration::from_secs(60).max(target.timeout),
        },
    )
    .await?;
    for w in stream.warnings() {
        crate::ui::warn(w);
    }
    if !run.quiet {
        crate::ui::note(format!(
            "streaming a fresh RDB from {endpoint} (replication protocol; nothing is stored)"
        ));
    }
    Ok(stream)
}
