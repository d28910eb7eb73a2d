//! `redisops list`: the backups in the repository (only those with a complete manifest), and
//! the backup sets of cluster targets (only those whose set manifest and every shard exist).

use super::{Ctx, RepoArgs};
use crate::exit::ExitCode;
use crate::repo::Repository;
use crate::ui;
use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array of manifests (with their locations) instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub repo: RepoArgs,
}

pub async fn run(args: &ListArgs, ctx: &Ctx) -> Result<ExitCode> {
    let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
    let listed = match ctx.target_filter()? {
        Some(t) => repo.list(&t)?,
        None => repo.list_all()?,
    };
    let sets = match ctx.target_filter()? {
        Some(t) => repo.list_sets(&t)?,
        None => repo.list_all_sets()?,
    };
    for p in listed.problems.iter().chain(&sets.problems) {
        ui::warn(p);
    }
    if args.json {
        let rows: Vec<_> = listed
            .backups
            .iter()
            .map(|b| {
                serde_json::json!({
                    "id": b.id.to_string(),
                    "target": b.target.to_string(),
                    "kind": b.manifest.kind,
                    "archive": b.archive.location,
                    "manifest_location": b.manifest_object.location,
                    "archive_path": repo.local_path(&b.archive),
                    "manifest_path": repo.local_path(&b.manifest_object),
                    "manifest": b.manifest,
                })
            })
            .chain(sets.sets.iter().map(|s| {
                serde_json::json!({
                    "id": s.id.to_string(),
                    "target": s.target.to_string(),
                    "kind": "cluster-set",
                    "shard_count": s.shards.len(),
                    "set_manifest_location": s.manifest_object.location,
                    "set": s.manifest,
                    "shards": s.shards.iter().map(|b| serde_json::json!({
                        "archive": b.archive.location,
                        "manifest_location": b.manifest_object.location,
                        "manifest": b.manifest,
                    })).collect::<Vec<_>>(),
                })
            }))
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::Success);
    }
    let mut protected = Vec::new();
    crate::outln!(
        "{:<26} {:<20} {:<20} {:<9} {:<7} {:<8} {:>10} {:>10} {:>10}  {:<8} encryption",
        "backup",
        "target",
        "created (UTC)",
        "kind",
        "method",
        "role",
        "rdb",
        "archive",
        "keys",
        "codec"
    );
    for b in &listed.backups {
        let m = &b.manifest;
        if let Some(p) = &m.protects {
            protected.push(format!(
                "{} is a safety backup: the data of {} before the restore of {}",
                m.id, p.onto, p.restore_of
            ));
        }
        crate::outln!(
            "{:<26} {:<20} {:<20} {:<9} {:<7} {:<8} {:>10} {:>10} {:>10}  {:<8} {}",
            m.id,
            b.target.to_string(),
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.kind.as_str(),
            m.method,
            m.target.role,
            ui::bytes(m.rdb.size),
            ui::bytes(m.archive.size),
            m.total_keys(),
            format!("{} {}", m.archive.compression, m.archive.compression_level),
            m.archive.encryption
        );
    }
    for line in protected {
        crate::outln!("{line}");
    }
    if !sets.sets.is_empty() {
        crate::outln!(
            "\n{:<26} {:<20} {:<20} {:>6} {:>10} {:>10}  coverage",
            "backup set",
            "target",
            "started (UTC)",
            "shards",
            "archives",
            "keys"
        );
    }
    for s in &sets.sets {
        let bytes: u64 = s.shards.iter().map(|b| b.manifest.archive.size).sum();
        let coverage = if s.manifest.partial {
            let uncovered: Vec<_> = (s.manifest.uncovered_slots.iter())
                .map(|[a, b]| crate::cluster::slots::SlotRange::new(*a, *b))
                .collect();
            format!(
                "PARTIAL (slots {} not in the set)",
                crate::cluster::slots::list(&uncovered)
            )
        } else {
            "complete".to_string()
        };
        crate::outln!(
            "{:<26} {:<20} {:<20} {:>6} {:>10} {:>10}  {coverage}",
            s.id.to_string(),
            s.target.to_string(),
            s.manifest.started_at.format("%Y-%m-%d %H:%M:%S"),
            s.shards.len(),
            ui::bytes(bytes),
            s.manifest.total_keys()
        );
    }
    Ok(ExitCode::Success)
}
