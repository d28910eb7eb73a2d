//! `redisops backup` of a Redis Cluster target: one backup set (see `backup/set.rs`), then, as
//! for a single backup, its prune (`--keep-*`: the target's sets by the same rules, under the
//! same lock), the metrics file and the copy (`--copy-to`); with `--schedule`, one set per
//! run of the schedule, as for a single server.

use super::Ctx;
use super::backup::{BackupArgs, copy_destination, keep_policy, request, scheduled};
use crate::backup::Request;
use crate::backup::metrics::{self, RunResult, SetFacts};
use crate::backup::prune;
use crate::backup::retention::KeepPolicy;
use crate::backup::schedule::CronExpr;
use crate::backup::set::{self, Concurrency, SetOptions, SetOutcome};
use crate::cluster::slots;
use crate::copy::{self, Action, Row};
use crate::exit::{ExitCode, fail};
use crate::repo::Repository;
use crate::steps::cancel::on_signal;
use crate::target::ClusterTarget;
use crate::ui;
use anyhow::Result;
use chrono::Utc;
use std::time::Instant;

pub async fn run(args: &BackupArgs, ctx: &Ctx, target: &ClusterTarget) -> Result<ExitCode> {
    let schedule = (args.schedule.as_deref())
        .map(CronExpr::parse)
        .transpose()
        .map_err(|e| fail(ExitCode::Usage, e.to_string()))?;
    let cut_conflict = [
        (args.parallel != 1, "--parallel"),
        (args.forks_per_host != 1, "--forks-per-host"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag));
    match (args.consistent_cut, cut_conflict) {
        (true, Some(flag)) => {
            return Err(fail(
                ExitCode::Usage,
                format!("--consistent-cut captures every shard at once: {flag} does not apply"),
            ));
        }
        (false, _) if args.cut_pause_timeout != 10 => {
            return Err(fail(
                ExitCode::Usage,
                "--cut-pause-timeout applies with --consistent-cut only",
            ));
        }
        _ => {}
    }
    let location = args.repo.resolve(&ctx.config)?;
    // A bad destination or keep rule is found before the cluster is asked for anything.
    let copy_to = copy_destination(args, &location, ctx)?;
    let keep = keep_policy(args, ctx)?;
    let metrics_file = args
        .metrics_file
        .clone()
        .or(ctx.config.backup.metrics_file.clone());
    let repo = Repository::open_for_backup(&location)?;
    let cancelled = on_signal();
    let req = request(args, ctx, cancelled.clone())?;
    let opts = SetOptions {
        allow_partial: args.allow_partial,
        concurrency: Concurrency {
            parallel: args.parallel as usize,
            per_host: args.forks_per_host as usize,
        },
        consistent_cut: (args.consistent_cut)
            .then(|| std::time::Duration::from_secs(args.cut_pause_timeout)),
    };
    let run = Run {
        args,
        target,
        repo: &repo,
        req: &req,
        opts: &opts,
        keep: keep.as_ref(),
        metrics_file: metrics_file.as_deref(),
        copy_to: copy_to.as_ref(),
    };
    match &schedule {
        None => run.once().await,
        Some(expr) => scheduled(|| run.once(), expr, &cancelled).await,
    }
}

/// One set backup with its prune, metrics and copy.
struct Run<'a> {
    args: &'a BackupArgs,
    target: &'a ClusterTarget,
    repo: &'a Repository,
    req: &'a Request,
    opts: &'a SetOptions,
    keep: Option<&'a KeepPolicy>,
    metrics_file: Option<&'a std::path::Path>,
    copy_to: Option<&'a Repository>,
}

impl Run<'_> {
    async fn once(&self) -> Result<ExitCode> {
        let Self {
            args,
            target,
            repo,
            req,
            opts,
            keep,
            metrics_file,
            copy_to,
        } = *self;
        let started = Instant::now();
        let result = async {
            let outcome = set::run(target, repo, req, *opts).await?;
            let mut pruned = Vec::new();
            if let Some(policy) = keep {
                // Still under the backup's lock: no other run sees a half-pruned target.
                let listed = repo.list_sets(&outcome.set.target)?;
                pruned = prune::prune_sets(
                    repo,
                    &listed.sets,
                    policy,
                    Utc::now(),
                    false,
                    Some(&outcome.set.id),
                )?;
            }
            anyhow::Ok((outcome, pruned))
        }
        .await;
        metrics::record_result(metrics_file, &target.name, &result, |(o, _)| {
            let m = &o.set.manifest;
            let sum = |f: fn(&crate::repo::Backup) -> u64| o.set.shards.iter().map(f).sum();
            RunResult::Success {
                duration_secs: started.elapsed().as_secs_f64(),
                archive_bytes: sum(|b| b.manifest.archive.size),
                rdb_bytes: sum(|b| b.manifest.rdb.size),
                keys: m.total_keys(),
                set: Some(SetFacts {
                    shards: m.shards.len(),
                    partial: m.partial,
                }),
            }
        });
        let (outcome, pruned) = result?;
        let copied = match copy_to {
            Some(to) => Some(copy::after_backup(repo, to, outcome.set.clone(), req).await),
            None => None,
        };
        report(
            args,
            &outcome,
            keep.is_some().then_some(&pruned[..]),
            copied.as_ref(),
            copy_to,
        )?;
        if let Some(Row {
            action: Action::Failed(why),
            ..
        }) = &copied
        {
            ui::error(format!(
                "backup set {} is committed in {}, but copying it to {} failed: {why}",
                outcome.set.id,
                repo.location(),
                copy_to
                    .map(|r| r.location().to_string())
                    .unwrap_or_default()
            ));
            return Ok(ExitCode::CopyFailed);
        }
        Ok(ExitCode::Success)
    }
}

fn report(
    args: &BackupArgs,
    outcome: &SetOutcome,
    pruned: Option<&[prune::Row]>,
    copied: Option<&Row>,
    copy_to: Option<&Repository>,
) -> Result<()> {
    let set = &outcome.set;
    for w in &outcome.warnings {
        ui::warn(w);
    }
    let deleted: Vec<&str> = (pruned.unwrap_or_default().iter())
        .filter(|r| !r.decision.keep)
        .map(|r| r.decision.id.as_str())
        .collect();
    if args.json {
        let value = serde_json::json!({
            "set": set.manifest,
            "set_manifest_location": set.manifest_object.location,
            "archives": set.shards.iter().map(|b| &b.archive.location).collect::<Vec<_>>(),
            "warnings": outcome.warnings,
            "pruned": deleted,
            "copy": copied.map(|row| {
                let mut value = serde_json::json!(row);
                value["repository"] = copy_to.map(|r| r.location().to_string()).into();
                value
            }),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if ui::is_quiet() {
        return Ok(());
    }
    let m = &set.manifest;
    crate::outln!(
        "backup set {} of {} ({} shards, {} keys, slot-checked{})",
        m.set_id,
        m.target,
        m.shards.len(),
        m.total_keys(),
        if m.partial { ", PARTIAL" } else { "" }
    );
    for (s, b) in m.shards.iter().zip(&set.shards) {
        let ranges: Vec<slots::SlotRange> = s
            .slots
            .iter()
            .map(|[a, b]| slots::SlotRange::new(*a, *b))
            .collect();
        crate::outln!(
            "  shard {}  slots {}  from {} {} ({} keys)  {} ({})",
            s.index,
            slots::list(&ranges),
            s.source.role,
            s.source.addr,
            s.keys,
            b.archive.location,
            ui::bytes(b.manifest.archive.size)
        );
    }
    crate::outln!("  set      {}", set.manifest_object.location);
    if pruned.is_some() {
        crate::outln!("  pruned   {} old backup set(s)", deleted.len());
    }
    match copied.map(|row| &row.action) {
        Some(Action::Failed(_)) => crate::outln!("  copy     FAILED (see the error below)"),
        Some(_) => crate::outln!("  copied   {}", copied.map_or("", |r| &r.archive)),
        None => {}
    }
    Ok(())
}
