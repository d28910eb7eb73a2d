//! `redisops backup` of a Redis Cluster target: one backup set (see `backup/set.rs`). What
//! works on single backups but not yet on sets (retention, copy, schedule, metrics) is refused
//! when asked for, so no flag is silently ignored.

use super::Ctx;
use super::backup::{BackupArgs, request};
use crate::backup::set::{self, SetOutcome};
use crate::cluster::slots;
use crate::exit::{ExitCode, fail};
use crate::repo::Repository;
use crate::steps::cancel::on_signal;
use crate::target::ClusterTarget;
use crate::ui;
use anyhow::Result;

pub async fn run(args: &BackupArgs, ctx: &Ctx, target: &ClusterTarget) -> Result<ExitCode> {
    let unsupported = [
        (!args.keep.is_empty(), "--keep-* (prune of sets)"),
        (args.schedule.is_some(), "--schedule"),
        (args.copy_to.is_some(), "--copy-to (copy of sets)"),
        (args.metrics_file.is_some(), "--metrics-file"),
    ];
    if let Some((_, what)) = unsupported.iter().find(|(given, _)| *given) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "{what} is not supported for a cluster target yet; a cluster backup writes one \
                 backup set (see the README section \"Cluster\")"
            ),
        ));
    }
    let cfg = &ctx.config.backup;
    if cfg.copy_to.is_some() || cfg.metrics_file.is_some() {
        ui::warn(
            "[backup] copy_to and metrics_file apply to single backups only: a cluster backup \
             set is not copied and writes no metrics file",
        );
    }
    let location = args.repo.resolve(&ctx.config)?;
    let repo = Repository::open_for_backup(&location)?;
    let req = request(args, ctx, on_signal())?;
    let outcome = set::run(target, &repo, &req).await?;
    report(args, &outcome)?;
    Ok(ExitCode::Success)
}

fn report(args: &BackupArgs, outcome: &SetOutcome) -> Result<()> {
    let set = &outcome.set;
    for w in &outcome.warnings {
        ui::warn(w);
    }
    if args.json {
        let value = serde_json::json!({
            "set": set.manifest,
            "set_manifest_location": set.manifest_object.location,
            "archives": set.shards.iter().map(|b| &b.archive.location).collect::<Vec<_>>(),
            "warnings": outcome.warnings,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if ui::is_quiet() {
        return Ok(());
    }
    let m = &set.manifest;
    crate::outln!(
        "backup set {} of {} ({} shards, {} keys, slot-checked)",
        m.set_id,
        m.target,
        m.shards.len(),
        m.total_keys()
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
    Ok(())
}
