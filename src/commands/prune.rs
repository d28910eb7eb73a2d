//! `redisops prune`: apply keep rules to the repository, showing the decision table with a
//! reason for every kept backup; the backup sets of a cluster target are kept or deleted
//! whole, by the same rules.

use super::{Ctx, RepoArgs};
use crate::backup::prune::{self, Row};
use crate::backup::retention::KeepPolicy;
use crate::exit::{ExitCode, fail};
use crate::repo::{Repository, is_held};
use anyhow::Result;
use chrono::Utc;
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Show what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for a running backup's lock
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_wait: u64,
    /// Print the decisions as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten, next_help_heading = "Keep rules")]
    pub keep: KeepPolicy,
}

pub async fn run(args: &PruneArgs, ctx: &Ctx) -> Result<ExitCode> {
    super::refuse_zero_keep(&args.keep)?;
    let policy = args.keep.or_rules_of(&ctx.config.retention);
    if policy.is_empty() {
        return Err(fail(
            ExitCode::Usage,
            "refusing to prune with no keep rule: give at least one --keep-* option (or a \
             [retention] section in the config file)",
        ));
    }
    let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
    let filter = ctx.target_filter()?;
    let targets = match filter {
        Some(t) => vec![t],
        None => repo.targets()?,
    };
    let now = Utc::now();
    let mut rows: Vec<Row> = Vec::new();
    // A target busy with a backup is skipped and reported; the others are still pruned.
    let mut busy = Vec::new();
    let existing = repo.targets()?;
    for target in targets.into_iter().filter(|t| existing.contains(t)) {
        let _lock = match repo.lock(&target, Duration::from_secs(args.lock_wait), "prune") {
            Ok(lock) => lock,
            Err(e) if is_held(&e) => {
                busy.push(e.to_string());
                continue;
            }
            Err(e) => return Err(e),
        };
        let listed = repo.list(&target)?;
        let sets = repo.list_sets(&target)?;
        for p in listed.problems.iter().chain(&sets.problems) {
            crate::ui::warn(p);
        }
        if !listed.backups.is_empty() {
            rows.extend(prune::prune_target(
                &repo,
                &listed.backups,
                &policy,
                now,
                args.dry_run,
                None,
            )?);
        }
        // The sets of a cluster target are decided by the same rules, among themselves.
        if !sets.sets.is_empty() {
            rows.extend(prune::prune_sets(
                &repo,
                &sets.sets,
                &policy,
                now,
                args.dry_run,
                None,
            )?);
        }
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        crate::out!("{}", prune::render(&rows, args.dry_run));
    }
    if !busy.is_empty() {
        return Err(fail(ExitCode::Locked, busy.join("\n")));
    }
    Ok(ExitCode::Success)
}
