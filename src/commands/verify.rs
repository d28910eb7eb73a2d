//! `redisops verify`: check backups against their manifests (see `backup/verify.rs` for the tiers).

use super::{Ctx, DecryptArgs, RepoArgs};
use crate::backup::verify::{self, Level, Report};
use crate::exit::{ExitCode, fail};
use crate::repo::{Backup, BackupSet, Problem, Repository};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Backup id (or a unique prefix of one)
    #[arg(value_name = "ID", required_unless_present_any = ["latest", "all", "file"], conflicts_with_all = ["latest", "all", "file"])]
    pub id: Option<String>,
    /// Verify the newest backup of the target (of each target without --target); safety
    /// backups taken by restore are skipped
    #[arg(long, conflicts_with = "all")]
    pub latest: bool,
    /// With --latest: count the safety backups restore takes of the data it replaces
    #[arg(long, requires = "latest")]
    pub include_safety: bool,
    /// Verify every backup (of the target, or of the whole repository)
    #[arg(long, conflicts_with = "file")]
    pub all: bool,
    /// Verify a dump from any tool, without a repository: .rdb, .rdb.gz, .rdb.zst, or any of them in age
    #[arg(long, value_name = "PATH", conflicts_with = "latest")]
    pub file: Option<PathBuf>,
    /// Also run redis-check-rdb or valkey-check-rdb (one on PATH at least as new as the file) on the decrypted RDB (streamed through a pipe; needs keys)
    #[arg(long)]
    pub deep: bool,
    /// Print the reports as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub keys: DecryptArgs,
}

pub async fn run(args: &VerifyArgs, ctx: &Ctx) -> Result<ExitCode> {
    if let Some(path) = &args.file {
        let keys = args.keys.resolve()?;
        let (path, deep) = (path.clone(), args.deep);
        let report =
            tokio::task::spawn_blocking(move || verify::verify_file(&path, &keys, deep)).await?;
        return print(args, vec![report]);
    }
    let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
    let filter = ctx.target_filter()?;
    let mut backups: Vec<Backup> = Vec::new();
    let mut sets: Vec<BackupSet> = Vec::new();
    // Manifests that exist but are not usable backups count as failed verifications.
    let mut broken: Vec<Problem> = Vec::new();
    if let Some(id) = &args.id {
        match repo.find(filter.as_ref(), id) {
            Ok(backup) => backups.push(backup),
            // Not a single backup: perhaps a set of a cluster target.
            Err(e) if super::is_not_found(&e) => match repo.find_set(filter.as_ref(), id)? {
                Some(set) => sets.push(set),
                None => return Err(e),
            },
            Err(e) => return Err(e),
        }
    } else {
        let targets = match &filter {
            Some(t) => vec![t.clone()],
            None => repo.targets()?,
        };
        for t in targets {
            let listed_sets = repo.list_sets(&t)?;
            let (mut good_sets, bad_sets) = (listed_sets.sets, listed_sets.problems);
            if args.latest {
                sets.extend(good_sets.pop());
            } else {
                sets.extend(good_sets);
                broken.extend(bad_sets);
            }
            let listed = repo.list(&t)?;
            let (mut good, mut bad) = (listed.backups, listed.problems);
            if args.latest {
                good.retain(|b| args.include_safety || !b.is_safety());
                let newest_good = good.pop();
                let newest_bad = bad.pop();
                match (newest_good, newest_bad) {
                    (Some(g), Some(b)) if b.id > g.id => broken.push(b),
                    (None, Some(b)) => broken.push(b),
                    (Some(g), _) => backups.push(g),
                    (None, None) => {}
                }
            } else {
                backups.extend(good);
                broken.extend(bad);
            }
        }
    }
    if backups.is_empty() && sets.is_empty() && broken.is_empty() {
        return Err(fail(
            ExitCode::NotFound,
            "no backups to verify in the repository",
        ));
    }
    let keys = args.keys.resolve()?;
    if args.deep
        && !args.keys.given()
        && (backups.iter().chain(sets.iter().flat_map(|s| &s.shards)))
            .any(|b| b.manifest.archive.encryption != "none")
    {
        return Err(fail(
            ExitCode::Usage,
            "--deep needs the key to decrypt the archives: pass --identity FILE or --passphrase-file FILE",
        ));
    }
    let mut reports: Vec<Report> = tokio::task::spawn_blocking({
        let deep = args.deep;
        move || {
            let mut reports: Vec<Report> = backups
                .iter()
                .map(|b| verify::verify(&repo, b, &keys, deep))
                .collect();
            for set in &sets {
                reports.extend(verify::verify_set(&repo, set, &keys, deep));
            }
            reports
        }
    })
    .await?;
    reports.extend(broken.into_iter().map(|p| Report {
        id: p.id.to_string(),
        target: p.target.to_string(),
        level: Level::Archive,
        ok: false,
        problems: vec![p.message],
        notes: Vec::new(),
        code: ExitCode::VerifyFailed,
    }));
    print(args, reports)
}

/// Prints the reports; the exit code is the most urgent failure's.
fn print(args: &VerifyArgs, reports: Vec<Report>) -> Result<ExitCode> {
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            crate::outln!(
                "{} {} {}: {}",
                if r.ok { "OK    " } else { "FAILED" },
                r.target,
                r.id,
                r.level.describe()
            );
            for p in &r.problems {
                crate::outln!("       problem: {p}");
            }
            for n in &r.notes {
                crate::outln!("       note: {n}");
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
