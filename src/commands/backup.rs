//! `redisops backup`: one verified, compressed, encrypted backup into the repository; with
//! `--keep-*` it prunes afterwards under the same lock; with `--schedule` it stays in the
//! foreground and runs on a crontab schedule (for containers and supervisors).

use super::{Ctx, EncryptArgs, RepoArgs};
use crate::archive::{Codec, MAX_THREADS, default_threads};
use crate::backup::metrics::{self, RunResult};
use crate::backup::prune;
use crate::backup::retention::KeepPolicy;
use crate::backup::schedule::CronExpr;
use crate::backup::{self, Method, Outcome, Request};
use crate::cluster::guard::{Guarded, refuse_cluster_node};
use crate::config::BackupConfig;
use crate::conn::Want;
use crate::copy::{self, Action, Row};
use crate::exit::{ExitCode, fail};
use crate::repo::{BackupKind, RepoLocation, Repository};
use crate::steps::cancel::{CancellationToken, on_signal};
use crate::target::{AnyTarget, Target};
use crate::ui;
use anyhow::{Context, Result};
use chrono::{Local, Utc};
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// How to get the RDB [default: auto, or [backup] method in the config]
    #[arg(long, value_enum)]
    pub method: Option<Method>,

    /// With a Sentinel or cluster target: back up from the master or a healthy replica (per
    /// shard for a cluster) [default: prefer-replica]
    #[arg(long, value_enum)]
    pub from: Option<Want>,

    /// Compression: gzip (standard gzip: gunzip reads it) or zstd [default: gzip, or [backup] compression]
    #[arg(long, value_enum, value_name = "CODEC")]
    pub compression: Option<Codec>,

    /// Compression level: gzip 1 (fast) to 9 (small), zstd 1 to 19 [default: 3]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=19))]
    pub level: Option<u32>,

    /// Compression threads, 1 to 32 [default: one per core up to 32, or [backup] threads]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS as u64))]
    pub threads: Option<u64>,

    /// Seconds to wait for the server to produce the RDB (BGSAVE or the start of SYNC)
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub save_timeout: u64,

    #[command(flatten)]
    pub repo: RepoArgs,

    #[command(flatten)]
    pub encrypt: EncryptArgs,

    /// Seconds to wait for another run's lock on this target before giving up
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0,
        help_heading = "Locking"
    )]
    pub lock_wait: u64,

    #[command(flatten, next_help_heading = "Retention (prune after the backup)")]
    pub keep: KeepPolicy,

    /// Stay in the foreground and back up on this crontab schedule ("0 3 * * *", @daily)
    #[arg(long, value_name = "CRON", help_heading = "Schedule")]
    pub schedule: Option<String>,

    /// Record the backup as scheduled, not manual (the lines `redisops schedule` prints add it)
    #[arg(long, help_heading = "Schedule")]
    pub scheduled: bool,

    /// Print one JSON object with the result instead of text
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// Write Prometheus textfile-collector metrics to FILE (atomically)
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub metrics_file: Option<PathBuf>,

    /// After the backup (and its prune), copy it into this second repository too (created
    /// when missing or empty) [default: [backup] copy_to]
    #[arg(long, value_name = "DIR", help_heading = "Copy")]
    pub copy_to: Option<PathBuf>,

    /// Cluster: when some slots have no owner, back up the shards of the owned slots (the set
    /// is marked partial) instead of refusing
    #[arg(long, help_heading = "Cluster")]
    pub allow_partial: bool,

    /// Cluster: back up up to N shards at a time
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Cluster",
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub parallel: u64,

    /// Cluster: with --parallel, at most N shards at a time whose source node is on one host
    /// (each is a fork with its copy-on-write memory there)
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Cluster",
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub forks_per_host: u64,

    /// Cluster: pause writes on every master (CLIENT PAUSE WRITE) while every shard's fork
    /// starts, so that all shards are one instant; all shards are then captured at once
    #[arg(long, help_heading = "Cluster")]
    pub consistent_cut: bool,

    /// Cluster: with --consistent-cut, the longest write pause: the servers end it by
    /// themselves after it, and a cut whose forks did not all start within it fails
    #[arg(long, value_name = "SECONDS", default_value_t = 10, help_heading = "Cluster",
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub cut_pause_timeout: u64,
}

impl BackupArgs {
    /// The cluster-only flags given, for the refusal on a single target.
    fn cluster_flags(&self) -> Option<&'static str> {
        [
            (self.allow_partial, "--allow-partial"),
            (self.parallel != 1, "--parallel"),
            (self.forks_per_host != 1, "--forks-per-host"),
            (self.consistent_cut, "--consistent-cut"),
            (self.cut_pause_timeout != 10, "--cut-pause-timeout"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

pub async fn run(args: &BackupArgs, ctx: &Ctx) -> Result<ExitCode> {
    let target = match AnyTarget::resolve(&ctx.conn, &ctx.config)? {
        AnyTarget::Single(target) => target,
        AnyTarget::Cluster(cluster) => return super::backup_set::run(args, ctx, &cluster).await,
    };
    if let Some(flag) = args.cluster_flags() {
        return Err(fail(
            ExitCode::Usage,
            format!("{flag} applies to a cluster target (redis-cluster://…) only"),
        ));
    }
    let location = args.repo.resolve(&ctx.config)?;
    let cfg = &ctx.config.backup;
    // A bad destination is found before the server is asked for anything.
    let copy_to = copy_destination(args, &location, ctx)?;
    refuse_cluster_node(&target, Guarded::Backup).await?;
    let repo = Repository::open_for_backup(&location)?;
    let cancelled = on_signal();
    let request = request(args, ctx, cancelled.clone())?;
    let keep = keep_policy(args, ctx)?;
    let metrics_file = args.metrics_file.clone().or(cfg.metrics_file.clone());
    let once = Once {
        target: &target,
        repo: &repo,
        request: &request,
        keep: keep.as_ref(),
        json: args.json,
        metrics_file: metrics_file.as_deref(),
        copy_to: copy_to.as_ref(),
    };
    match &args.schedule {
        None => once.run().await,
        Some(expr) => {
            let expr = CronExpr::parse(expr).map_err(|e| fail(ExitCode::Usage, e.to_string()))?;
            scheduled(|| once.run(), &expr, &cancelled).await
        }
    }
}

/// The run's settings from the flags, then the config's `[backup]`, then defaults.
pub(super) fn request(
    args: &BackupArgs,
    ctx: &Ctx,
    cancelled: CancellationToken,
) -> Result<Request> {
    let cfg = &ctx.config.backup;
    let (compression, level, threads) = compression(
        args.compression,
        args.level,
        args.threads.map(|n| n as usize),
        cfg,
    )?;
    Ok(Request {
        method: args.method.or(cfg.method).unwrap_or(Method::Auto),
        from: args.from.or(cfg.from).unwrap_or(Want::PreferReplica),
        encryption: args.encrypt.resolve(&ctx.config)?,
        compression,
        level,
        threads,
        lock_wait: Duration::from_secs(args.lock_wait),
        save_timeout: Duration::from_secs(args.save_timeout),
        quiet: ui::is_quiet() || args.json,
        cancelled,
        kind: if args.schedule.is_some() || args.scheduled {
            BackupKind::Scheduled
        } else {
            BackupKind::Manual
        },
        protects: None,
    })
}

/// The codec, level and thread count: flags, then the config's `[backup]`, then defaults;
/// a level outside the codec's range is a usage error.
pub(super) fn compression(
    codec: Option<Codec>,
    level: Option<u32>,
    threads: Option<usize>,
    cfg: &BackupConfig,
) -> Result<(Codec, u32, usize)> {
    let codec = codec.or(cfg.compression).unwrap_or_default();
    let level = level
        .or(cfg.compression_level)
        .unwrap_or(codec.default_level());
    let levels = codec.levels();
    if !levels.contains(&level) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "compression level {level} is outside {codec}'s {}..={}; pick a level in that                  range (--level, or compression_level in [backup])",
                levels.start(),
                levels.end()
            ),
        ));
    }
    let threads = threads.or(cfg.threads).unwrap_or_else(default_threads);
    if !(1..=MAX_THREADS).contains(&threads) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "threads = {threads} in [backup]: use 1 to {MAX_THREADS} compression threads \
                 (more hold more memory and cannot go faster than the server writes its RDB)"
            ),
        ));
    }
    Ok((codec, level, threads))
}

/// The keep rules `--keep-*` give, if any (`keep_safety_within` may come from the config).
pub(super) fn keep_policy(args: &BackupArgs, ctx: &Ctx) -> Result<Option<KeepPolicy>> {
    super::refuse_zero_keep(&args.keep)?;
    if args.keep.is_empty() && args.keep.keep_safety_within.is_some() {
        return Err(fail(
            ExitCode::Usage,
            "--keep-safety-within only limits how long safety backups are kept: give it with \
             another --keep-* rule",
        ));
    }
    Ok((!args.keep.is_empty()).then(|| KeepPolicy {
        keep_safety_within: args
            .keep
            .keep_safety_within
            .or(ctx.config.retention.keep_safety_within),
        ..args.keep.clone()
    }))
}

/// The repository `--copy-to` (or `[backup] copy_to`) names, opened (not created) and checked:
/// not the backup's own repository, and a repository or a place where one can be created.
pub(super) fn copy_destination(
    args: &BackupArgs,
    source: &RepoLocation,
    ctx: &Ctx,
) -> Result<Option<Repository>> {
    let Some(given) = args.copy_to.as_ref().or(ctx.config.backup.copy_to.as_ref()) else {
        return Ok(None);
    };
    let dest = super::repo_location(given, &ctx.config)?;
    copy::refuse_overlap(source, &dest)?;
    let repo = Repository::open_for_backup(&dest).with_context(|| {
        format!("cannot copy backups to {dest} (--copy-to); nothing was backed up")
    })?;
    Ok(Some(repo))
}

/// One run with its reporting: output, metrics, retention, the copy.
struct Once<'a> {
    target: &'a Target,
    repo: &'a Repository,
    request: &'a Request,
    keep: Option<&'a KeepPolicy>,
    json: bool,
    metrics_file: Option<&'a std::path::Path>,
    copy_to: Option<&'a Repository>,
}

impl Once<'_> {
    async fn run(&self) -> Result<ExitCode> {
        let started = Instant::now();
        let result = self.backup_and_prune().await;
        metrics::record_result(self.metrics_file, &self.target.name, &result, |(o, _)| {
            RunResult::Success {
                duration_secs: started.elapsed().as_secs_f64(),
                archive_bytes: o.backup.manifest.archive.size,
                rdb_bytes: o.backup.manifest.rdb.size,
                keys: o.backup.manifest.total_keys(),
                set: None,
            }
        });
        let (outcome, pruned) = result?;
        let copied = match self.copy_to {
            Some(to) => {
                let backup = outcome.backup.clone();
                Some(copy::after_backup(self.repo, to, backup, self.request).await)
            }
            None => None,
        };
        self.report(&outcome, &pruned, copied.as_ref())?;
        if let Some(Row {
            action: Action::Failed(why),
            ..
        }) = &copied
        {
            ui::error(format!(
                "backup {} is committed in {}, but copying it to {} failed: {why}",
                outcome.backup.id,
                self.repo.location(),
                self.copy_to
                    .map(|r| r.location().to_string())
                    .unwrap_or_default()
            ));
            return Ok(ExitCode::CopyFailed);
        }
        Ok(ExitCode::Success)
    }

    async fn backup_and_prune(&self) -> Result<(Outcome, Vec<prune::Row>)> {
        let outcome = backup::run(self.target, self.repo, self.request).await?;
        let mut pruned = Vec::new();
        if let Some(policy) = self.keep {
            // Still under the backup's lock, so no other run sees a half-pruned target.
            let listed = self.repo.list(&outcome.backup.target)?;
            pruned = prune::prune_target(
                self.repo,
                &listed.backups,
                policy,
                Utc::now(),
                false,
                Some(&outcome.backup.id),
            )?;
        }
        Ok((outcome, pruned))
    }

    fn report(&self, outcome: &Outcome, pruned: &[prune::Row], copied: Option<&Row>) -> Result<()> {
        let m = &outcome.backup.manifest;
        for w in &outcome.warnings {
            ui::warn(w);
        }
        if self.json {
            let deleted: Vec<&str> = pruned
                .iter()
                .filter(|r| !r.decision.keep)
                .map(|r| r.decision.id.as_str())
                .collect();
            let value = serde_json::json!({
                "backup": m,
                "archive": outcome.backup.archive.location,
                "manifest_location": outcome.backup.manifest_object.location,
                "archive_path": self.repo.local_path(&outcome.backup.archive),
                "manifest_path": self.repo.local_path(&outcome.backup.manifest_object),
                "warnings": outcome.warnings,
                "pruned": deleted,
                "copy": copied.map(|row| {
                    let mut value = serde_json::json!(row);
                    value["repository"] = self.copy_to.map(|r| r.location().to_string()).into();
                    value
                }),
            });
            crate::outln!("{}", serde_json::to_string_pretty(&value)?);
            return Ok(());
        }
        if ui::is_quiet() {
            return Ok(());
        }
        let dbs = m.databases.len();
        crate::outln!(
            "backup {} of {} ({}:{}, {}) via {}",
            m.id,
            m.target.name,
            m.target.host,
            m.target.port,
            m.target.role,
            m.method
        );
        crate::outln!(
            "  RDB      {}, {} keys in {dbs} db(s), RDB version {}, {}",
            ui::bytes(m.rdb.size),
            m.total_keys(),
            m.rdb_version,
            if m.rdb.checksum_verified {
                "CRC-64 verified"
            } else {
                "no checksum in the RDB"
            }
        );
        crate::outln!(
            "  archive  {} ({}, {})",
            outcome.backup.archive.location,
            ui::bytes(m.archive.size),
            match m.archive.recipients.len() {
                0 => m.archive.encryption.clone(),
                n => format!("{} to {n} recipient(s)", m.archive.encryption),
            }
        );
        crate::outln!(
            "  took     {}",
            ui::duration(Duration::from_millis(m.duration_ms))
        );
        let deleted = pruned.iter().filter(|r| !r.decision.keep).count();
        if self.keep.is_some() {
            crate::outln!("  pruned   {deleted} old backup(s)");
        }
        match copied.map(|row| &row.action) {
            Some(Action::Failed(_)) => crate::outln!("  copy     FAILED (see the error below)"),
            Some(_) => crate::outln!("  copied   {}", copied.map_or("", |r| &r.archive)),
            None => {}
        }
        Ok(())
    }
}

/// Runs `once` on the schedule until SIGTERM/SIGINT. A run that fails is reported and the
/// loop goes on (the next run may succeed); runs never overlap, and runs missed while one was
/// running are skipped, not queued.
pub(super) async fn scheduled<F, Fut>(
    mut once: F,
    expr: &CronExpr,
    cancelled: &CancellationToken,
) -> Result<ExitCode>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<ExitCode>>,
{
    loop {
        let now = Local::now();
        let next = expr.next_after(&now).ok_or_else(|| {
            fail(
                ExitCode::Usage,
                format!("the schedule '{expr}' never fires"),
            )
        })?;
        ui::note(format!(
            "next backup at {}",
            next.format("%Y-%m-%d %H:%M:%S %Z")
        ));
        // Sleep in short steps: a signal between runs exits at once, and a wall-clock jump
        // (suspend, NTP) is noticed.
        while Local::now() < next {
            if cancelled.is_cancelled() {
                return Ok(ExitCode::Success);
            }
            let left = (next - Local::now()).to_std().unwrap_or_default();
            tokio::time::sleep(left.min(Duration::from_millis(500))).await;
        }
        // The signal may have come just after the last check: never start a run then.
        if cancelled.is_cancelled() {
            return Ok(ExitCode::Success);
        }
        match once().await {
            // Interrupted mid-run: the unfinished archive was removed; say so by the exit code.
            Err(e) if cancelled.is_cancelled() => return Err(e),
            Err(e) => ui::warn(format!("scheduled backup failed: {e:#}")),
            Ok(_) => {}
        }
        if cancelled.is_cancelled() {
            return Ok(ExitCode::Success);
        }
    }
}
