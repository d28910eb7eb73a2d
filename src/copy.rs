//! Copying backups from one repository into another (the off-site copy of a 3-2-1 scheme):
//! which backups ([`select`]), whether the destination has them already ([`presence`]), and
//! the run ([`run`]): per target, under the destination target's lock, each missing backup is
//! streamed through [`Repository::begin_copy`], which checks it against its manifest and
//! commits it the way a backup commits. Nothing is ever overwritten: a backup present with the
//! same archive is skipped, one present with a different archive is a failure.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::exit::{self, ExitCode, fail};
use crate::progress::Progress;
use crate::repo::{
    Backup, BackupSet, CopySink, RepoError, RepoLocation, RepoLock, Repository, TargetId,
};
use crate::steps::fault;

/// Which backups of the source to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// One backup by its id or a unique prefix; copied whatever its kind.
    Id(String),
    /// The newest backup of each target.
    Latest,
    /// Every backup.
    All,
}

/// The backups to copy, oldest first, and how many safety backups were left out.
#[derive(Debug, Default)]
pub struct Selected {
    pub backups: Vec<Backup>,
    pub safety_left_out: usize,
}

pub struct Request {
    pub lock_wait: Duration,
    pub dry_run: bool,
    /// No progress output (`--quiet`, `--json`).
    pub quiet: bool,
    pub cancelled: CancellationToken,
}

/// What happened to one backup.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub target: String,
    pub id: String,
    #[serde(flatten)]
    pub action: Action,
    /// The archive's size.
    pub bytes: u64,
    /// The archive in the destination (where it is or would be); for a backup set its
    /// `set.json`.
    pub archive: String,
    /// For a backup set: its shard count (`bytes` is then the sum of its archives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "message", rename_all = "kebab-case")]
pub enum Action {
    Copied,
    /// `--dry-run`: it would be copied.
    WouldCopy,
    Skipped(String),
    Failed(String),
}

/// Whether the destination holds a source backup already.
#[derive(Debug, PartialEq, Eq)]
pub enum Presence {
    Missing,
    /// The same id with the same archive: nothing to do.
    Same,
    /// The same id with another archive: never overwritten.
    Different {
        sha256: String,
    },
}

/// The backups of `from` that `selection` names, in `target` or every target. Safety backups
/// count for [`Selection::Latest`] and [`Selection::All`] only with `include_safety`.
pub fn select(
    from: &Repository,
    selection: &Selection,
    target: Option<&TargetId>,
    include_safety: bool,
) -> Result<Selected> {
    if let Selection::Id(id) = selection {
        return Ok(Selected {
            backups: vec![from.find(target, id)?],
            safety_left_out: 0,
        });
    }
    let targets = match target {
        Some(t) => vec![t.clone()],
        None => from.targets()?,
    };
    let mut selected = Selected::default();
    for t in targets {
        let listed = from.list(&t)?;
        for p in &listed.problems {
            crate::ui::warn(p);
        }
        let picked = pick(
            listed.backups,
            selection == &Selection::Latest,
            include_safety,
        );
        selected.backups.extend(picked.backups);
        selected.safety_left_out += picked.safety_left_out;
    }
    if selected.backups.is_empty() {
        let what = match target {
            Some(t) => format!("backup to copy in target {t} of {}", from.location()),
            None => format!("backup to copy in {}", from.location()),
        };
        let hint = if selected.safety_left_out > 0 {
            " (only safety backups, taken by restore of the data it replaced; pass \
             --include-safety to copy them)"
        } else {
            ""
        };
        return Err(RepoError::NotFound {
            what: format!("{what}{hint}"),
        }
        .into());
    }
    Ok(selected)
}

/// The backup sets of `from` that `selection` names, in `target` or every target: for
/// [`Selection::Id`] the set with that id (or unique prefix), if any; for
/// [`Selection::Latest`] the newest set of each target. Never an error when there is none.
pub fn select_sets(
    from: &Repository,
    selection: &Selection,
    target: Option<&TargetId>,
) -> Result<Vec<BackupSet>> {
    if let Selection::Id(id) = selection {
        return Ok(from.find_set(target, id)?.into_iter().collect());
    }
    let targets = match target {
        Some(t) => vec![t.clone()],
        None => from.targets()?,
    };
    let mut selected = Vec::new();
    for t in targets {
        let mut listed = from.list_sets(&t)?;
        for p in &listed.problems {
            crate::ui::warn(p);
        }
        if selection == &Selection::Latest {
            selected.extend(listed.sets.pop());
        } else {
            selected.append(&mut listed.sets);
        }
    }
    Ok(selected)
}

/// One target's backups (oldest first) narrowed to the newest or kept whole.
fn pick(backups: Vec<Backup>, latest_only: bool, include_safety: bool) -> Selected {
    let total = backups.len();
    let mut kept: Vec<Backup> = backups
        .into_iter()
        .filter(|b| include_safety || !b.is_safety())
        .collect();
    let safety_left_out = total - kept.len();
    if latest_only && kept.len() > 1 {
        kept.drain(..kept.len() - 1);
    }
    Selected {
        backups: kept,
        safety_left_out,
    }
}

/// Whether `backup` is among `present`, the destination's backups of its target.
pub fn presence(present: &[Backup], backup: &Backup) -> Presence {
    match present.iter().find(|b| b.id == backup.id) {
        None => Presence::Missing,
        Some(b) if b.manifest.archive.sha256 == backup.manifest.archive.sha256 => Presence::Same,
        Some(b) => Presence::Different {
            sha256: b.manifest.archive.sha256.clone(),
        },
    }
}

/// Copies `backups` from `from` into `to`, target by target, calling `on_row` as each is done.
/// A backup that fails to copy is a [`Action::Failed`] row and the run goes on; a lock held
/// by another run, or a signal, ends the run with that error.
pub fn run(
    from: &Repository,
    to: &Repository,
    backups: Vec<Backup>,
    req: &Request,
    on_row: impl FnMut(&Row) -> Result<()>,
) -> Result<Vec<Row>> {
    run_units(from, to, backups, req, on_row)
}

/// [`run`] for backup sets: each is copied whole (every shard archive checked against its
/// manifest, `set.json` last, create-only), under the destination target's lock. A set the
/// destination has with the same `set.json` is skipped; one with another is a failure.
pub fn run_sets(
    from: &Repository,
    to: &Repository,
    sets: Vec<BackupSet>,
    req: &Request,
    on_row: impl FnMut(&Row) -> Result<()>,
) -> Result<Vec<Row>> {
    run_units(from, to, sets, req, on_row)
}

/// Copies what a backup run just made (a backup or a set) into `to`, as `--copy-to` does;
/// any failure (a held lock too) is the row's.
pub async fn after_backup<U: Unit + Clone + Send + 'static>(
    from: &Repository,
    to: &Repository,
    unit: U,
    backup: &crate::backup::Request,
) -> Row {
    let req = Request {
        lock_wait: backup.lock_wait,
        dry_run: false,
        quiet: backup.quiet,
        cancelled: backup.cancelled.clone(),
    };
    let (from, to_repo, one) = (from.clone(), to.clone(), unit.clone());
    let copied = tokio::task::spawn_blocking(move || {
        run_units(&from, &to_repo, vec![one], &req, |_| Ok(()))
    })
    .await;
    let failed = |why: String| unit.row(to, Action::Failed(why));
    match copied {
        Ok(Ok(mut rows)) => rows.pop().expect("a row for the one unit"),
        Ok(Err(e)) => failed(format!("{e:#}")),
        Err(e) => failed(e.to_string()),
    }
}

/// What [`run_units`] copies: a backup, or a backup set as one unit.
pub trait Unit: Sized {
    fn target(&self) -> &TargetId;
    /// The destination's units of `target`.
    fn listed(to: &Repository, target: &TargetId) -> Result<Vec<Self>>;
    /// Skipped or failed when `present` has this unit already; `None` when it is missing.
    fn present(&self, present: &[Self], to: &Repository) -> Option<Action>;
    fn copy(
        &self,
        from: &Repository,
        to: &Repository,
        lock: &RepoLock,
        req: &Request,
    ) -> Result<()>;
    fn row(&self, to: &Repository, action: Action) -> Row;
}

impl Unit for Backup {
    fn target(&self) -> &TargetId {
        &self.target
    }

    fn listed(to: &Repository, target: &TargetId) -> Result<Vec<Self>> {
        Ok(to.list(target)?.backups)
    }

    fn present(&self, present: &[Self], to: &Repository) -> Option<Action> {
        match presence(present, self) {
            Presence::Missing => None,
            Presence::Same => Some(already(to)),
            Presence::Different { sha256 } => Some(Action::Failed(format!(
                "{} has backup {} with another archive (SHA-256 {sha256}, the source's is {}); \
                 not overwritten",
                to.location(),
                self.id,
                self.manifest.archive.sha256
            ))),
        }
    }

    fn copy(
        &self,
        from: &Repository,
        to: &Repository,
        lock: &RepoLock,
        req: &Request,
    ) -> Result<()> {
        let sink = to.begin_copy(lock, from, self)?;
        stream(from, self, sink, &format!("copy {}", self.id), req).map(drop)
    }

    fn row(&self, to: &Repository, action: Action) -> Row {
        Row {
            target: self.target.to_string(),
            id: self.id.to_string(),
            action,
            bytes: self.manifest.archive.size,
            archive: to.target_object_location(&self.target, &self.manifest.archive.file),
            shards: None,
        }
    }
}

impl Unit for BackupSet {
    fn target(&self) -> &TargetId {
        &self.target
    }

    fn listed(to: &Repository, target: &TargetId) -> Result<Vec<Self>> {
        Ok(to.list_sets(target)?.sets)
    }

    fn present(&self, present: &[Self], to: &Repository) -> Option<Action> {
        let p = present.iter().find(|p| p.id == self.id)?;
        Some(if p.manifest == self.manifest {
            already(to)
        } else {
            Action::Failed(format!(
                "{} has backup set {} with another set manifest ({}); not overwritten",
                to.location(),
                self.id,
                p.manifest_object.location
            ))
        })
    }

    /// The shards one by one, then `set.json`.
    fn copy(
        &self,
        from: &Repository,
        to: &Repository,
        lock: &RepoLock,
        req: &Request,
    ) -> Result<()> {
        let mut copy = to.begin_set_copy(lock, from, self)?;
        for (index, shard) in self.shards.iter().enumerate() {
            let sink = copy.begin_shard(from, index)?;
            let label = format!("copy {}/s{index:02}", self.id);
            copy.add_shard(index, stream(from, shard, sink, &label, req)?);
        }
        copy.commit().map(drop)
    }

    fn row(&self, to: &Repository, action: Action) -> Row {
        Row {
            target: self.target.to_string(),
            id: self.id.to_string(),
            action,
            bytes: self.shards.iter().map(|b| b.manifest.archive.size).sum(),
            archive: to.set_manifest_location(&self.target, &self.id),
            shards: Some(self.shards.len()),
        }
    }
}

fn already(to: &Repository) -> Action {
    Action::Skipped(format!("already present in {}", to.location()))
}

/// Copies `units` target by target, each target under the destination's lock.
fn run_units<U: Unit>(
    from: &Repository,
    to: &Repository,
    units: Vec<U>,
    req: &Request,
    mut on_row: impl FnMut(&Row) -> Result<()>,
) -> Result<Vec<Row>> {
    let mut by_target: BTreeMap<TargetId, Vec<U>> = BTreeMap::new();
    for u in units {
        by_target.entry(u.target().clone()).or_default().push(u);
    }
    let mut rows = Vec::new();
    for (target, units) in by_target {
        let lock = lock_destination(to, &target, req)?;
        let present = U::listed(to, &target)?;
        for u in &units {
            let action = match (u.present(&present, to), &lock) {
                (Some(action), _) => action,
                (None, None) => Action::WouldCopy,
                (None, Some(lock)) => match u.copy(from, to, lock, req) {
                    Ok(()) => Action::Copied,
                    Err(e) if exit::code_for(&e) == ExitCode::Interrupted => return Err(e),
                    Err(e) => Action::Failed(format!("{e:#}")),
                },
            };
            let row = u.row(to, action);
            on_row(&row)?;
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The destination target's lock, with what crashed runs left there removed; `None` for a
/// dry run, which takes no lock (the lock would create the repository).
fn lock_destination(to: &Repository, target: &TargetId, req: &Request) -> Result<Option<RepoLock>> {
    if req.dry_run {
        return Ok(None);
    }
    let lock = to.lock(target, req.lock_wait, "copy")?;
    if let Some(old) = lock.took_over() {
        crate::ui::warn(format!("took over a lock left by a dead process ({old})"));
    }
    for removed in to
        .clean_stale(target)?
        .into_iter()
        .chain(to.clean_stale_sets(target)?)
    {
        crate::ui::note(format!("removed leftover of an interrupted run: {removed}"));
    }
    Ok(Some(lock))
}

/// The exit code of a finished run: [`ExitCode::CopyFailed`] when any copy failed.
pub fn exit_code(rows: &[Row]) -> ExitCode {
    if rows.iter().any(|r| matches!(r.action, Action::Failed(_))) {
        ExitCode::CopyFailed
    } else {
        ExitCode::Success
    }
}

/// Streams `backup`'s archive bytes from `from` into `sink`, which checks and commits them.
fn stream(
    from: &Repository,
    backup: &Backup,
    mut sink: CopySink,
    label: &str,
    req: &Request,
) -> Result<Backup> {
    let progress = Progress::new(
        label,
        Some(backup.manifest.archive.size),
        req.quiet,
        req.cancelled.clone(),
    );
    let mut reader = progress.reader(from.open_archive(backup)?);
    let mut buf = vec![0; 256 * 1024];
    let mut written = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", backup.archive.location))?;
        if n == 0 {
            break;
        }
        sink.write_all(&buf[..n])?;
        written += n as u64;
        fault::copy_written(written)?;
    }
    let copied = sink.finish()?;
    progress.finish();
    Ok(copied)
}

/// Refuses a copy between a repository and itself (or one inside the other).
pub fn refuse_overlap(from: &RepoLocation, to: &RepoLocation) -> Result<()> {
    if from.overlaps(to) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "refusing to copy {from} onto {to}: it is the same repository (or one lies \
                 inside the other); give another destination"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::{BackupId, BackupKind, ObjectRef, sample_manifest};

    fn backup(target: &str, id: &str, kind: BackupKind, sha: &str) -> Backup {
        let mut manifest = sample_manifest(id);
        manifest.kind = kind;
        manifest.archive.sha256 = sha.into();
        let object = |name: String| ObjectRef {
            key: format!("{target}/{name}"),
            location: format!("/repo/{target}/{name}"),
        };
        Backup {
            target: TargetId::new(target),
            id: BackupId::parse(id).unwrap(),
            archive: object(manifest.archive.file.clone()),
            manifest_object: object(format!("{id}.manifest.json")),
            manifest,
        }
    }

    const OLD: &str = "20261123T030000Z-00aa00aa";
    const MID: &str = "20261124T030000Z-1a2b3c4d";
    const NEW: &str = "20261125T030000Z-1a2b9999";

    fn ids(selected: &Selected) -> Vec<&str> {
        selected.backups.iter().map(|b| b.id.as_str()).collect()
    }

    #[test]
    fn pick_leaves_out_safety_backups_unless_asked() {
        let backups = vec![
            backup("db1", OLD, BackupKind::Manual, "a"),
            backup("db1", MID, BackupKind::Scheduled, "b"),
            backup("db1", NEW, BackupKind::Safety, "c"),
        ];
        let all = pick(backups.clone(), false, false);
        assert_eq!(ids(&all), [OLD, MID]);
        assert_eq!(all.safety_left_out, 1);
        assert_eq!(ids(&pick(backups.clone(), false, true)), [OLD, MID, NEW]);

        let latest = pick(backups.clone(), true, false);
        assert_eq!(
            ids(&latest),
            [MID],
            "the newest that is not a safety backup"
        );
        assert_eq!(latest.safety_left_out, 1);
        assert_eq!(ids(&pick(backups, true, true)), [NEW]);

        let only_safety = pick(
            vec![backup("db1", NEW, BackupKind::Safety, "c")],
            true,
            false,
        );
        assert!(only_safety.backups.is_empty());
        assert_eq!(only_safety.safety_left_out, 1);
        assert!(pick(Vec::new(), true, false).backups.is_empty());
    }

    #[test]
    fn presence_compares_the_archive_of_the_same_id() {
        let source = backup("db1", MID, BackupKind::Manual, "same");
        let present = vec![
            backup("db1", OLD, BackupKind::Manual, "same"),
            backup("db1", NEW, BackupKind::Manual, "other"),
        ];
        assert_eq!(presence(&present, &source), Presence::Missing);
        assert_eq!(presence(&[], &source), Presence::Missing);
        let present = vec![backup("db1", MID, BackupKind::Manual, "same")];
        assert_eq!(presence(&present, &source), Presence::Same);
        let present = vec![backup("db1", MID, BackupKind::Manual, "other")];
        assert_eq!(
            presence(&present, &source),
            Presence::Different {
                sha256: "other".into()
            }
        );
    }

    #[test]
    fn rows_serialise_with_their_action_and_any_failure_fails_the_run() {
        let row = |action| Row {
            target: "db1".into(),
            id: MID.into(),
            action,
            bytes: 10,
            archive: "/dst/db1/x".into(),
            shards: None,
        };
        let json = serde_json::to_value(row(Action::Skipped("already present".into()))).unwrap();
        assert_eq!(json["action"], "skipped");
        assert_eq!(json["message"], "already present");
        assert_eq!(json["bytes"], 10);
        let json = serde_json::to_value(row(Action::WouldCopy)).unwrap();
        assert_eq!(json["action"], "would-copy");
        assert!(json.get("message").is_none());

        let done = [row(Action::Copied), row(Action::Skipped("x".into()))];
        assert_eq!(exit_code(&done), ExitCode::Success);
        let failed = [row(Action::Copied), row(Action::Failed("disk full".into()))];
        assert_eq!(exit_code(&failed), ExitCode::CopyFailed);
    }
}
