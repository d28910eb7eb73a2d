//! `redisops copy`: copy backups into another repository (created if needed), skipping those
//! it has already; see `copy.rs` for what is checked and committed.

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
    /// Backup id (or a unique prefix of one); copied whatever its kind
    #[arg(value_name = "ID", required_unless_present_any = ["latest", "all"], conflicts_with_all = ["latest", "all"])]
    pub id: Option<String>,
    /// Copy the newest backup of the target (of each target without --target)
    #[arg(long, conflicts_with = "all")]
    pub latest: bool,
    /// Copy every backup (of the target, or of the whole repository)
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
    if let Selection::Id(id) = &selection {
        if let Some(set) = from.find_set(filter.as_ref(), id)? {
            return Err(fail(
                ExitCode::Usage,
                format!(
                    "{} is a backup set of cluster target {}: copy of backup sets is not \
                     supported yet; nothing was copied",
                    set.id, set.target
                ),
            ));
        }
    } else {
        super::note_sets_left_out(&from, filter.as_ref(), "copy")?;
    }
    let request = copy::Request {
        lock_wait: Duration::from_secs(args.lock_wait),
        dry_run: args.dry_run,
        quiet: ui::is_quiet() || args.json,
        cancelled: on_signal(),
    };
    let (include_safety, text) = (args.include_safety, !args.json && !ui::is_quiet());
    let rows = tokio::task::spawn_blocking(move || {
        let selected = copy::select(&from, &selection, filter.as_ref(), include_safety)?;
        if selected.safety_left_out > 0 {
            ui::note(format!(
                "left out {} safety backup(s) (taken by restore of the data it replaced); pass \
                 --include-safety to copy them",
                selected.safety_left_out
            ));
        }
        copy::run(&from, &to, selected.backups, &request, |row| {
            if text {
                crate::outln!("{}", describe(row));
            }
            Ok(())
        })
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
    let (target, id, size) = (&row.target, &row.id, ui::bytes(row.bytes));
    match &row.action {
        Action::Copied => format!("copied {target} {id} ({size}) to {}", row.archive),
        Action::WouldCopy => format!("would copy {target} {id} ({size}) to {}", row.archive),
        Action::Skipped(why) => format!("skipped {target} {id}: {why}"),
        Action::Failed(why) => format!("FAILED {target} {id}: {why}"),
    }
}
