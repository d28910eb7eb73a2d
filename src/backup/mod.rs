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
pub mod verify;

pub use capture::Method;

use crate::archive::{ArchiveStats, ArchiveWriter, Codec, Encryption, WriterOptions};
use crate::conn::{self, Want};
use crate::exit::{ExitCode, fail};
use crate::progress::Progress;
use crate::rdb::{self, Checksum, RdbSummary, VerifyOptions};
use crate::repo::{
    ArchiveInfo, ArchiveSink, Backup, BackupId, BackupKind, DbCounts, MANIFEST_FORMAT_VERSION,
    Manifest, PendingBackup, Protects, RdbInfo, RepoLock, Repository, ServerInfo, TargetId,
    TargetInfo,
};
use crate::server::Server;
use crate::target::{Endpoint, Target};
use anyhow::{Context, Result};
use capture::Freshness;
use chrono::Utc;
use std::io::Read;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Everything a backup run needs besides the target and repository.
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
    // A minimal streaming user (+replconf +sync +psync) may not run INFO or ROLE: these facts
    // only decorate the manifest, so their absence is not an error.
    let info = connected.node.info("server").await.unwrap_or_default();
    let role = match connected.node.role().await {
        Ok(role) => role,
        Err(_) => info.get("role").unwrap_or("unknown").to_string(),
    };
    let source = capture::choose(&mut connected.node, req.method).await?;
    let method = source.name();

    let target_id = TargetId::new(&target.name);
    let lock = {
        let repo = repo.clone();
        let target_id = target_id.clone();
        let wait = req.lock_wait;
        tokio::task::spawn_blocking(move || repo.lock(&target_id, wait, "backup")).await??
    };
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
        &mut connected.node,
        &connected.dialer,
        &target.auth,
        &capture::Options {
            save_timeout: req.save_timeout,
            timeout: target.timeout,
            quiet: req.quiet,
            cancelled: req.cancelled.clone(),
        },
    )
    .await?;
    warnings.extend(capture.warnings);
    let (summary, stats, pending) = pipeline(
        capture.reader,
        sink,
        req.encryption.clone(),
        options,
        verify,
        capture.progress,
        capture.fresh,
    )
    .await?;
    if let Checksum::Disabled = summary.checksum {
        warnings.push(
            "the server saves RDBs without a checksum (rdbchecksum no): this backup's integrity \
             could only be checked structurally"
                .into(),
        );
    }

    let (host, port) = match &connected.node.endpoint {
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
            name: target.name.clone(),
            host,
            port,
            role,
            run_id: info.get("run_id").map(String::from),
            sentinel_master: connected.sentinel.as_ref().map(|s| s.master_name.clone()),
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
    Ok(Outcome {
        backup: pending.commit(manifest)?,
        warnings,
        lock,
    })
}

/// The streaming part, on a blocking thread: verify while compressing and encrypting into the
/// repository's sink, whose archive is put in place only when everything checked out.
async fn pipeline<R: Read + Send + 'static>(
    source: R,
    sink: ArchiveSink,
    encryption: Encryption,
    options: WriterOptions,
    verify: VerifyOptions,
    progress: Progress,
    fresh: Option<Freshness>,
) -> Result<(RdbSummary, ArchiveStats, PendingBackup)> {
    tokio::task::spawn_blocking(move || {
        let mut writer = ArchiveWriter::new(sink, &encryption, options)?;
        let summary = rdb::copy_verified(source, &mut writer, &verify)?;
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
        Ok((summary, stats, pending))
    })
    .await?
}
