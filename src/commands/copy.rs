//! `redisops copy`: copy backups and backup sets into another repository (created if needed),
//! skipping those it has already; see `copy.rs` for what is checked and committed.

use super::is_not_found;
use super::{Ctx, RepoArgs};
use crate::copy::{self, Action, Row, Selection};
use crate::exit::{ExitCode, fail};
use crate::repo::Repository;
use crate::steps::cancel::on_signal;
use crate::ui;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Backup or backup set id (or a unique prefix of one); copied whatever its kind
    #[arg(value_name = "ID", required_unless_present_any = ["latest", "all"], conflicts_with_all = ["latest", "all"])]
    pub id: Option<String>,
    /// Copy the newest backup (or backup set) of the target (of each target without --target)
    #[arg(long, conflicts_with = "all")]
    pub latest: bool,
    /// Copy every backup and backup set (of the target, or of the whole repository)
    #[arg(long)]
    pub all: bool,
    /// With --latest or --all: count the safety backups restore takes of the data it replaces
    #[arg(long)]
    pub include_safety: bool,
    /// Source repository directory [default: [repository] path in the config file]
    #[arg(long, env = "REDISOPS_REPO", value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Destination repository directory (created when missing or empty)
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Seconds to wait for another run's lock on a destination target before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_wait: u64,
    /// Print what would be copied and skipped; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON array with one object per backup instead of text
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &CopyArgs, ctx: &Ctx) -> Result<ExitCode> {
    // The source resolves like every other command's --repo.
    let source = RepoArgs {
        repo: args.from.clone(),
    }
    .given(&ctx.config)?
    .ok_or_else(|| {
        fail(
            ExitCode::Usage,
            "no source repository given: pass --from DIR, set REDISOPS_REPO, or set path in \
             the [repository] section of the config file",
        )
    })?;
    let dest = super::repo_location(&args.to, &ctx.config)?;
    copy::refuse_overlap(&source, &dest)?;
    let from = Repository::open(&source)?;
    // Like a backup's: nothing is created before the first copy takes its lock.
    let to = Repository::open_for_backup(&dest)?;
    let selection = match (&args.id, args.latest) {
        (Some(id), _) => Selection::Id(id.clone()),
        (None, true) => Selection::Latest,
        (None, false) => Selection::All,
    };
    let filter = ctx.target_filter()?;
    let request = copy::Request {
        lock_wait: Duration::from_secs(args.lock_wait),
        dry_run: args.dry_run,
        quiet: ui::is_quiet() || args.json,
        cancelled: on_signal(),
    };
    let (include_safety, text) = (args.include_safety, !args.json && !ui::is_quiet());
    let rows = tokio::task::spawn_blocking(move || {
        let on_row = |row: &Row| {
            if text {
                crate::outln!("{}", describe(row));
            }
            Ok(())
        };
        // An id names a single backup or, failing that, a backup set of a cluster target.
        let sets = copy::select_sets(&from, &selection, filter.as_ref())?;
        let selected = match copy::select(&from, &selection, filter.as_ref(), include_safety) {
            Err(e) if is_not_found(&e) && !sets.is_empty() => copy::Selected::default(),
            Ok(_) if matches!(selection, Selection::Id(_)) && !sets.is_empty() => {
                return Err(fail(
                    ExitCode::Usage,
                    "the id names both a backup and a backup set: give more of it",
                ));
            }
            other => other?,
        };
        if selected.safety_left_out > 0 {
            ui::note(format!(
                "left out {} safety backup(s) (taken by restore of the data it replaced); pass \
                 --include-safety to copy them",
                selected.safety_left_out
            ));
        }
        let mut rows = copy::run(&from, &to, selected.backups, &request, on_row)?;
        rows.extend(copy::run_sets(&from, &to, sets, &request, on_row)?);
        anyhow::Ok(rows)
    })
    .await??;
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&rows)?);
    }
    let failed = rows
        .iter()
        .filter(|r| matches!(r.action, Action::Failed(_)))
        .count();
    if failed > 0 {
        ui::error(format!(
            "{failed} of {} backup(s) could not be copied to {dest}; the backups in {source} are \
             intact. Fix the cause and run the copy again: what was copied is skipped",
            rows.len()
        ));
    }
    Ok(copy::exit_code(&rows))
}

/// One line of text output per backup.
pub(super) fn describe(row: &Row) -> String {
    let (target, size) = (&row.target, ui::bytes(row.bytes));
    let id = match row.shards {
        Some(n) => format!("backup set {} ({n} shards)", row.id),
        None => row.id.clone(),
    };
    match &row.action {
        Action::Copied => format!("copied {target} {id} ({size}) to {}", row.archive),
        Action::WouldCopy => format!("would copy {target} {id} ({size}) to {}", row.archive),
        Action::Skipped(why) => format!("skipped {target} {id}: {why}"),
        Action::Failed(why) => format!("FAILED {target} {id}: {why}"),
    }
}
