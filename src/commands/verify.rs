//! `redisops verify`: check backups against their manifests (see `verify.rs` for the tiers).

use super::{Ctx, DecryptArgs, RepoArgs};
use crate::exit::{ExitCode, fail};
use crate::repo::{Backup, Repository};
use crate::verify::{self, Report};
use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Backup id (or a unique prefix of one)
    #[arg(value_name = "ID", required_unless_present_any = ["latest", "all"], conflicts_with_all = ["latest", "all"])]
    pub id: Option<String>,
    /// Verify the newest backup of the target (of each target without --target)
    #[arg(long, conflicts_with = "all")]
    pub latest: bool,
    /// Verify every backup (of the target, or of the whole repository)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub keys: DecryptArgs,
    /// Also run redis-check-rdb on the decrypted RDB (streamed through a pipe; needs keys)
    #[arg(long)]
    pub deep: bool,
    /// Print the reports as JSON
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &VerifyArgs, ctx: &Ctx) -> Result<ExitCode> {
    let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
    let filter = ctx.target_filter()?;
    let backups: Vec<Backup> = if let Some(id) = &args.id {
        vec![repo.find(filter.as_ref(), id)?]
    } else {
        let targets = match &filter {
            Some(t) => vec![t.clone()],
            None => repo.targets()?,
        };
        let mut all = Vec::new();
        for t in targets {
            let mut listed = repo.list(&t)?.backups;
            if args.latest {
                listed = listed.pop().into_iter().collect();
            }
            all.extend(listed);
        }
        all
    };
    if backups.is_empty() {
        return Err(fail(
            ExitCode::NotFound,
            "no backups to verify in the repository",
        ));
    }
    let keys = args.keys.resolve()?;
    let reports: Vec<Report> = tokio::task::spawn_blocking({
        let deep = args.deep;
        move || {
            backups
                .iter()
                .map(|b| verify::verify(b, &keys, deep))
                .collect()
        }
    })
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            println!(
                "{} {} {} ({:?} level)",
                if r.ok { "OK    " } else { "FAILED" },
                r.target,
                r.id,
                r.level
            );
            for p in &r.problems {
                println!("       problem: {p}");
            }
            for n in &r.notes {
                println!("       note: {n}");
            }
        }
    }
    // Corruption outranks a key problem: it is the one that needs attention first.
    let failed: Vec<ExitCode> = reports.iter().filter(|r| !r.ok).map(|r| r.code).collect();
    Ok(if failed.is_empty() {
        ExitCode::Success
    } else if failed.contains(&ExitCode::VerifyFailed) {
        ExitCode::VerifyFailed
    } else {
        failed[0]
    })
}
