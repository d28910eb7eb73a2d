//! Applying keep rules to a target's backups: the pure decision comes from
//! [`crate::backup::retention::apply`]; this module pairs decisions with backups and deletes.
//!
//! Only backups with a complete manifest are ever listed, so only those can be deleted, and
//! the retention rules always keep the newest one. Safety backups (taken by restore) are
//! decided apart, by `keep_safety_within` alone, so they never take a regular backup's slot.

use crate::backup::retention::{self, Decision, Item, KeepPolicy};
use crate::repo::{Backup, BackupId, Repository};
use anyhow::Result;
use chrono::{DateTime, Local, Utc};
use serde::Serialize;

/// One row of the decision table.
#[derive(Debug, Serialize)]
pub struct Row {
    pub target: String,
    #[serde(flatten)]
    pub decision: Decision,
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
    decisions.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    let target = backups
        .first()
        .map(|b| b.target.to_string())
        .unwrap_or_default();
    let mut rows = Vec::with_capacity(decisions.len());
    for mut decision in decisions {
        if !decision.keep && protect.is_some_and(|p| p.as_str() == decision.id) {
            decision.keep = true;
            decision.reasons.push("made by this run".into());
        }
        if !decision.keep && !dry_run {
            let backup = backups
                .iter()
                .find(|b| b.id.as_str() == decision.id)
                .expect("decision for a listed backup");
            repo.delete(backup)?;
        }
        rows.push(Row {
            target: target.clone(),
            decision,
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
        out.push_str(&format!(
            "{:<26} {:<20} {:<20} {:<8} {}\n",
            r.decision.id,
            r.target,
            r.decision.time.format("%Y-%m-%d %H:%M:%S"),
            action,
            r.decision.reasons.join(", ")
        ));
    }
    out
}
