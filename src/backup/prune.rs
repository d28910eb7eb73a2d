//! Applying keep rules to a target's backups: the pure decision comes from
//! [`crate::backup::retention::apply`]; this module pairs decisions with backups and deletes.
//!
//! Only backups with a complete manifest (and sets with their `set.json` and every shard) are
//! ever listed, so only those can be deleted, and the retention rules always keep the newest
//! one. Safety backups (taken by restore) are
//! decided apart, by `keep_safety_within` alone, so they never take a regular backup's slot.

use crate::backup::retention::{self, Decision, Item, KeepPolicy};
use crate::repo::{Backup, BackupId, BackupSet, Repository};
use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use serde::Serialize;

/// One row of the decision table.
#[derive(Debug, Serialize)]
pub struct Row {
    pub target: String,
    #[serde(flatten)]
    pub decision: Decision,
    /// For a backup set: its shard count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<usize>,
}

/// Decides for `backups` (one target's) and, unless `dry_run`, deletes what is not kept.
/// `protect` (the backup a run just made) is kept whatever the rules say: with a skewed clock
/// another manifest can look newer. The caller holds the target's lock.
pub fn prune_target(
    repo: &Repository,
    backups: &[Backup],
    policy: &KeepPolicy,
    now: DateTime<Utc>,
    dry_run: bool,
    protect: Option<&BackupId>,
) -> Result<Vec<Row>> {
    let item = |b: &Backup| Item {
        id: b.id.to_string(),
        time: b.manifest.created_at,
    };
    let (safety, regular): (Vec<&Backup>, Vec<&Backup>) =
        backups.iter().partition(|b| b.is_safety());
    let regular: Vec<Item> = regular.into_iter().map(item).collect();
    let safety: Vec<Item> = safety.into_iter().map(item).collect();
    let mut decisions = retention::apply(&regular, now, &Local, policy)?;
    decisions.extend(retention::apply_safety(&safety, now, &Local, policy));
    let target = backups.first().map(|b| b.target.to_string());
    carry_out(decisions, target, protect, dry_run, |id| {
        let backup = backups.iter().find(|b| b.id.as_str() == id);
        repo.delete(backup.expect("decision for a listed backup"))
    })
}

/// [`prune_target`] for the backup sets of a cluster target: each set is one unit of the
/// keep rules (by its start time) and is kept or deleted whole ([`Repository::delete_set`]:
/// `set.json` first, then the shards).
pub fn prune_sets(
    repo: &Repository,
    sets: &[BackupSet],
    policy: &KeepPolicy,
    now: DateTime<Utc>,
    dry_run: bool,
    protect: Option<&BackupId>,
) -> Result<Vec<Row>> {
    let items: Vec<Item> = (sets.iter())
        .map(|s| Item {
            id: s.id.to_string(),
            time: s.manifest.started_at,
        })
        .collect();
    let decisions = retention::apply(&items, now, &Local, policy)?;
    let target = sets.first().map(|s| s.target.to_string());
    let mut rows = carry_out(decisions, target, protect, dry_run, |id| {
        let set = sets.iter().find(|s| s.id.as_str() == id);
        repo.delete_set(set.expect("decision for a listed set"))
    })?;
    for row in &mut rows {
        row.shards = (sets.iter())
            .find(|s| s.id.as_str() == row.decision.id)
            .map(|s| s.shards.len());
    }
    Ok(rows)
}

/// Newest first: keeps `protect`, deletes (unless `dry_run`) what is not kept.
fn carry_out(
    mut decisions: Vec<Decision>,
    target: Option<String>,
    protect: Option<&BackupId>,
    dry_run: bool,
    delete: impl Fn(&str) -> Result<()>,
) -> Result<Vec<Row>> {
    decisions.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    let target = target.unwrap_or_default();
    let mut rows = Vec::with_capacity(decisions.len());
    for mut decision in decisions {
        if !decision.keep && protect.is_some_and(|p| p.as_str() == decision.id) {
            decision.keep = true;
            decision.reasons.push("made by this run".into());
        }
        if !decision.keep && !dry_run {
            delete(&decision.id)?;
        }
        rows.push(Row {
            target: target.clone(),
            decision,
            shards: None,
        });
    }
    Ok(rows)
}

/// The decision table as text.
pub fn render(rows: &[Row], dry_run: bool) -> String {
    let mut out = format!(
        "{:<26} {:<20} {:<20} {:<8} reasons\n",
        "backup", "target", "created (UTC)", "action"
    );
    for r in rows {
        let action = match (r.decision.keep, dry_run) {
            (true, _) => "keep",
            (false, true) => "would delete",
            (false, false) => "deleted",
        };
        let set = match r.shards {
            Some(n) => format!("  [backup set, {n} shards]"),
            None => String::new(),
        };
        out.push_str(&format!(
            "{:<26} {:<20} {:<20} {:<8} {}{set}\n",
            r.decision.id,
            r.target,
            r.decision.time.format("%Y-%m-%d %H:%M:%S"),
            action,
            r.decision.reasons.join(", ")
        ));
    }
    out
}
