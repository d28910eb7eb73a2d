//! One backup run: lock the target's folder, get the RDB (BGSAVE or the replication stream:
//! [`capture`], which reads one node's RDB and is callable on its own), push it through one
//! streaming pipeline, and commit it with its manifest.
//!
//! The pipeline is `source → RDB verifier (CRC-64, structure, key counts) → SHA-256 → gzip or
//! zstd (on `threads` cores) → age → the repository's archive sink`, in stages joined by
//! bounded queues (`crate::archive`), so in bounded memory. The archive is put in place only
//! after the RDB's checksum verified and every layer finished; the manifest, written last, is
//! the commit point. Any failure drops the unfinished archive, so nothing that looks like a
//! backup is left behind.
//!
//! The rest of the backup domain sits beside the run: [`verify`] (backups checked against their
//! manifests), [`retention`] (the keep rules, pure) and [`prune`] (applying them),
//! [`schedule`] (5-field cron, crontab lines and systemd timers) and [`metrics`] (the
//! Prometheus textfile).

pub mod capture;
pub mod metrics;
pub mod prune;
pub mod retention;
pub mod schedule;
pub mod set;
mod set_cut;
mod set_shards;
pub mod verify;

pub use capture::Method;

use crate::archive::{ArchiveStats, ArchiveWriter, Codec, Encryption, WriterOptions};
use crate::conn::{self, Dialer, Node, Want};
use crate::exit::{ExitCode, fail};
use crate::progress::Progress;
use crate::rdb::{self, Checksum, RdbSummary, VerifyOptions, Visitor};
use crate::repo::{
    ArchiveInfo, ArchiveSink, Backup, BackupId, BackupKind, DbCounts, MANIFEST_FORMAT_VERSION,
    Manifest, PendingBackup, Protects, RdbInfo, RepoLock, Repository, ServerInfo, TargetId,
    TargetInfo,
};
use crate::server::Server;
use crate::target::{Auth, Endpoint, Target};
use anyhow::{Context, Result};
use capture::Freshness;
use chrono::Utc;
use std::io::Read;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Everything a backup run needs besides the target and repository.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub from: Want,
    pub encryption: Encryption,
    pub compression: Codec,
    /// Within `compression.levels()`.
    pub level: u32,
    /// Compression threads.
    pub threads: usize,
    pub lock_wait: Duration,
    pub save_timeout: Duration,
    pub quiet: bool,
    pub cancelled: CancellationToken,
    /// Recorded in the manifest: safety backups are left out of `--latest` and the keep rules.
    pub kind: BackupKind,
    pub protects: Option<Protects>,
}

/// What a successful run produced.
pub struct Outcome {
    pub backup: Backup,
    pub warnings: Vec<String>,
    /// The lock stays held so that retention can run under it.
    pub lock: RepoLock,
}

/// Runs one backup of `target` into `repo`.
pub async fn run(target: &Target, repo: &Repository, req: &Request) -> Result<Outcome> {
    // Connect and choose the method before the repository is touched: a run that cannot
    // reach the server creates no repository, folder or lock file.
    let mut connected = conn::connect(target, req.from).await?;
    let facts = NodeFacts::read(&mut connected.node).await;
    let source = capture::choose(&mut connected.node, req.method).await?;

    let target_id = TargetId::new(&target.name);
    let lock = lock(repo, &target_id, req.lock_wait).await?;
    // The run starts once it holds the lock: its id and times do not include the wait.
    let started = Instant::now();
    let created_at = Utc::now();
    let mut warnings = Vec::new();
    if let Some(old) = lock.took_over() {
        warnings.push(format!("took over a lock left by a dead process ({old})"));
    }
    for removed in repo.clean_stale(&target_id)? {
        crate::ui::note(format!("removed leftover of an interrupted run: {removed}"));
    }

    let id = BackupId::generate(created_at);
    let sink = repo.begin_backup(
        &lock,
        &id,
        req.compression,
        !matches!(req.encryption, Encryption::None),
    )?;
    let job = NodeJob {
        name: &target.name,
        node: &mut connected.node,
        dialer: &connected.dialer,
        auth: &target.auth,
        timeout: target.timeout,
        source,
        facts,
        sentinel_master: connected.sentinel.as_ref().map(|s| s.master_name.clone()),
        started: None,
    };
    let captured = capture_node(job, sink, &id, created_at, started, req, ()).await?;
    warnings.extend(captured.warnings);
    Ok(Outcome {
        backup: captured.pending.commit(captured.manifest)?,
        warnings,
        lock,
    })
}

/// Takes the target's lock on a blocking thread (a wait may be long).
pub(crate) async fn lock(repo: &Repository, target: &TargetId, wait: Duration) -> Result<RepoLock> {
    let (repo, target) = (repo.clone(), target.clone());
    tokio::task::spawn_blocking(move || repo.lock(&target, wait, "backup")).await?
}

/// What the manifest records about the node, read before the capture.
pub(crate) struct NodeFacts {
    pub info: crate::info::Info,
    pub role: String,
}

impl NodeFacts {
    pub(crate) async fn read(node: &mut Node) -> Self {
        // A minimal streaming user (+replconf +sync +psync) may not run INFO or ROLE: these
        // facts only decorate the manifest, so their absence is not an error.
        let info = node.info("server").await.unwrap_or_default();
        let role = match node.role().await {
            Ok(role) => role,
            Err(_) => info.get("role").unwrap_or("unknown").to_string(),
        };
        Self { info, role }
    }
}

/// One node to capture, connected, with its source chosen.
pub(crate) struct NodeJob<'a> {
    /// The target name the manifest records.
    pub name: &'a str,
    pub node: &'a mut Node,
    pub dialer: &'a Dialer,
    pub auth: &'a Auth,
    pub timeout: Duration,
    pub source: capture::Source,
    pub facts: NodeFacts,
    pub sentinel_master: Option<String>,
    /// Told once the server has started producing the RDB (its fork happened): a set's
    /// consistent cut ends the write pause when every shard has said so.
    pub started: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A node's archive in place with the manifest that would commit it, and what the visitor
/// learnt from the walk: the caller decides whether to commit.
pub(crate) struct Captured<V> {
    pub pending: PendingBackup,
    pub manifest: Manifest,
    pub summary: RdbSummary,
    pub visitor: V,
    pub warnings: Vec<String>,
}

/// Captures one node's RDB through the pipeline into `sink`, with `visitor` seeing every key.
pub(crate) async fn capture_node<V: Visitor + Send + 'static>(
    job: NodeJob<'_>,
    sink: ArchiveSink,
    id: &BackupId,
    created_at: chrono::DateTime<Utc>,
    started: Instant,
    req: &Request,
    visitor: V,
) -> Result<Captured<V>> {
    let NodeJob {
        name,
        node,
        dialer,
        auth,
        timeout,
        source,
        facts: NodeFacts { info, role },
        sentinel_master,
        started: fork_started,
    } = job;
    let method = source.name();
    let mut warnings = Vec::new();
    let verify = VerifyOptions {
        now_ms: Some(created_at.timestamp_millis()),
    };
    let options = WriterOptions {
        codec: req.compression,
        level: req.level,
        threads: req.threads,
        scrypt_work_factor: None,
    };

    let capture = capture::start(
        source,
        node,
        dialer,
        auth,
        &capture::Options {
            save_timeout: req.save_timeout,
            timeout,
            quiet: req.quiet,
            cancelled: req.cancelled.clone(),
        },
    )
    .await?;
    if let Some(tell) = fork_started {
        let _ = tell.send(());
    }
    warnings.extend(capture.warnings);
    let (summary, stats, pending, visitor) = pipeline(
        capture.reader,
        sink,
        req.encryption.clone(),
        options,
        verify,
        capture.progress,
        capture.fresh,
        visitor,
    )
    .await?;
    if let Checksum::Disabled = summary.checksum {
        warnings.push(
            "the server saves RDBs without a checksum (rdbchecksum no): this backup's integrity \
             could only be checked structurally"
                .into(),
        );
    }

    let (host, port) = match &node.endpoint {
        Endpoint::Tcp(hp) => (hp.host.clone(), hp.port),
        Endpoint::Unix(p) => (p.display().to_string(), 0),
    };
    let manifest = Manifest {
        format_version: MANIFEST_FORMAT_VERSION,
        id: id.to_string(),
        created_at,
        finished_at: Utc::now(),
        duration_ms: started.elapsed().as_millis() as u64,
        redisops_version: env!("CARGO_PKG_VERSION").to_string(),
        target: TargetInfo {
            name: name.to_string(),
            host,
            port,
            role,
            run_id: info.get("run_id").map(String::from),
            sentinel_master,
        },
        redis_version: summary
            .redis_version
            .clone()
            .or_else(|| info.get("redis_version").map(String::from)),
        server: Server::from_info(&info).map(|k| ServerInfo {
            flavor: k.flavor,
            version: k.version.to_string(),
        }),
        rdb_version: summary.rdb_version,
        method: method.to_string(),
        kind: req.kind,
        protects: req.protects.clone(),
        rdb: RdbInfo {
            size: summary.rdb_bytes,
            crc64: format!("{:016x}", summary.crc64),
            checksum_verified: matches!(summary.checksum, Checksum::Verified(_)),
            sha256: stats.plain_sha256.clone(),
        },
        archive: ArchiveInfo {
            file: pending.archive_file().to_owned(),
            size: stats.archive_bytes,
            sha256: stats.archive_sha256.clone(),
            compression: req.compression,
            compression_level: req.level,
            encryption: req.encryption.scheme().to_string(),
            recipients: req.encryption.recipients_public(),
        },
        databases: summary
            .databases
            .iter()
            .map(|(db, s)| {
                (
                    db.to_string(),
                    DbCounts {
                        keys: s.keys,
                        expires: s.expires,
                    },
                )
            })
            .collect(),
        aux: summary.aux.clone(),
    };
    Ok(Captured {
        pending,
        manifest,
        summary,
        visitor,
        warnings,
    })
}

/// The streaming part, on a blocking thread: verify while compressing and encrypting into the
/// repository's sink, whose archive is put in place only when everything checked out.
#[allow(clippy::too_many_arguments)]
async fn pipeline<R: Read + Send + 'static, V: Visitor + Send + 'static>(
    source: R,
    sink: ArchiveSink,
    encryption: Encryption,
    options: WriterOptions,
    verify: VerifyOptions,
    progress: Progress,
    fresh: Option<Freshness>,
    mut visitor: V,
) -> Result<(RdbSummary, ArchiveStats, PendingBackup, V)> {
    tokio::task::spawn_blocking(move || {
        let mut writer = ArchiveWriter::new(sink, &encryption, options)?;
        let summary = rdb::copy_visited(source, &mut writer, &verify, &mut visitor)?;
        if summary.trailing_bytes > 0 {
            return Err(fail(
                ExitCode::VerifyFailed,
                format!(
                    "{} unexpected bytes follow the RDB's checksum: the source is damaged; no \
                     archive was written",
                    summary.trailing_bytes
                ),
            ));
        }
        if let Some(fresh) = &fresh {
            fresh.check(&summary)?;
        }
        let (sink, stats) = writer.finish().context("finishing the archive")?;
        let pending = sink.finish()?;
        progress.finish();
        Ok((summary, stats, pending, visitor))
    })
    .await?
}
