//! The backups in a repository's target folders: listing (only complete ones count), lookup
//! by id or prefix, reading an archive, deletion, and removal of what crashed runs left behind.

use anyhow::{Result, bail};

use super::Repository;
use crate::repo::RepoError;
use crate::repo::layout::{BackupId, MANIFEST_EXT, TargetId, manifest_file_name, split_file_name};
use crate::repo::manifest::{BackupKind, Manifest};
use crate::repo::store::{Listing, ObjectReader, join};

/// An object of the repository: its key in the store and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub key: String,
    /// A path for a local repository (later an `s3://` URL).
    pub location: String,
}

/// A complete backup: its manifest parsed and its archive present.
#[derive(Debug, Clone)]
pub struct Backup {
    pub target: TargetId,
    pub id: BackupId,
    pub manifest: Manifest,
    pub archive: ObjectRef,
    pub manifest_object: ObjectRef,
}

/// Backups sorted oldest first, plus one message per manifest that had to be skipped.
#[derive(Debug, Default)]
pub struct ListResult {
    pub backups: Vec<Backup>,
    /// Manifests that cannot count as backups (unparseable, or their archive is missing).
    pub problems: Vec<Problem>,
}

/// A manifest that was found but is not a usable backup.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub target: TargetId,
    pub id: BackupId,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Repository {
    /// Targets that have a folder, sorted by name.
    pub fn targets(&self) -> Result<Vec<TargetId>> {
        let mut targets: Vec<TargetId> = (self.store.list("")?.prefixes.iter())
            .filter_map(|name| TargetId::from_dir_name(name))
            .collect();
        targets.sort();
        Ok(targets)
    }

    /// The target's backups; a target without a folder has none.
    pub fn list(&self, target: &TargetId) -> Result<ListResult> {
        let mut result = ListResult::default();
        self.collect(target, &mut result)?;
        result.sort();
        Ok(result)
    }

    /// The backups of every target, oldest first.
    pub fn list_all(&self) -> Result<ListResult> {
        let mut result = ListResult::default();
        for target in self.targets()? {
            self.collect(&target, &mut result)?;
        }
        result.sort();
        Ok(result)
    }

    /// The backup whose id is `id_or_prefix` or starts with it, in `target` or, when `None`, in
    /// any target. [`RepoError::NotFound`] or [`RepoError::Ambiguous`] otherwise.
    pub fn find(&self, target: Option<&TargetId>, id_or_prefix: &str) -> Result<Backup> {
        if id_or_prefix.is_empty() {
            bail!("backup id must not be empty");
        }
        let listing = match target {
            Some(target) => self.list(target)?,
            None => self.list_all()?,
        };
        let mut matches: Vec<Backup> = listing
            .backups
            .into_iter()
            .filter(|b| b.id.as_str().starts_with(id_or_prefix))
            .collect();
        match matches.len() {
            1 => Ok(matches.remove(0)),
            0 => Err(RepoError::NotFound {
                what: match target {
                    Some(target) => format!("backup matching '{id_or_prefix}' in target {target}"),
                    None => format!("backup matching '{id_or_prefix}' in any target"),
                },
            }
            .into()),
            _ => Err(RepoError::Ambiguous {
                prefix: id_or_prefix.to_owned(),
                candidates: matches
                    .iter()
                    .map(|b| match target {
                        Some(_) => b.id.to_string(),
                        None => format!("{}/{}", b.target, b.id),
                    })
                    .collect(),
            }
            .into()),
        }
    }

    /// The target's newest backup; [`RepoError::NotFound`] when it has none. Safety backups
    /// (the data a restore replaced) count only with `include_safety`.
    pub fn latest(&self, target: &TargetId, include_safety: bool) -> Result<Backup> {
        let backups = self.list(target)?.backups;
        let safety_only = !backups.is_empty();
        match backups
            .into_iter()
            .rev()
            .find(|b| include_safety || !b.is_safety())
        {
            Some(backup) => Ok(backup),
            None => Err(RepoError::NotFound {
                what: if safety_only {
                    format!(
                        "backup in target {target} except safety backups (taken by restore of \
                         the data it replaced); pass --include-safety to use them"
                    )
                } else {
                    format!("backup in target {target}")
                },
            }
            .into()),
        }
    }

    /// A stream over the backup's archive bytes (decrypt them with `archive::open_reader`).
    pub fn open_archive(&self, backup: &Backup) -> Result<ObjectReader> {
        self.store.open(&backup.archive.key)
    }

    /// Deletes a backup: the manifest first, so that a crash in between leaves an orphan archive
    /// (removed by [`Repository::clean_stale`]) and never a manifest without its archive.
    /// Call it while holding the target lock.
    pub fn delete(&self, backup: &Backup) -> Result<()> {
        self.store.delete(&backup.manifest_object.key)?;
        self.store.delete(&backup.archive.key)
    }

    /// Removes temporaries and orphan archives (`<backup-id>.*` without
    /// `<backup-id>.manifest.json`) from the target's folder and returns their locations,
    /// sorted.
    ///
    /// Call it while holding the target lock and before starting to write, so that nothing
    /// removed can belong to a running backup.
    pub fn clean_stale(&self, target: &TargetId) -> Result<Vec<String>> {
        let mut removed = self.store.clean_temporaries(target.as_str())?;
        let listing = self.store.list(target.as_str())?;
        for name in &listing.objects {
            if is_orphan_archive(&listing, name) {
                let key = join(target.as_str(), name);
                self.store.delete(&key)?;
                removed.push(self.store.location(&key));
            }
        }
        removed.sort();
        Ok(removed)
    }

    fn collect(&self, target: &TargetId, result: &mut ListResult) -> Result<()> {
        let listing = self.store.list(target.as_str())?;
        for name in &listing.objects {
            let Some((id, MANIFEST_EXT)) = split_file_name(name) else {
                continue;
            };
            match self.load_backup(target, &listing, id.clone()) {
                Ok(Some(backup)) => result.backups.push(backup),
                Ok(None) => {}
                Err(message) => result.problems.push(Problem {
                    target: target.clone(),
                    id,
                    message,
                }),
            }
        }
        Ok(())
    }

    /// Loads `<target>/<id>.manifest.json`: `Ok(None)` if it vanished meanwhile (a concurrent
    /// delete), `Err(problem)` if it cannot count as a backup. The archive must be in
    /// `listing` (the folder's, taken just before).
    pub(in crate::repo) fn load_backup(
        &self,
        target: &TargetId,
        listing: &Listing,
        id: BackupId,
    ) -> Result<Option<Backup>, String> {
        let object = |name: &str| {
            let key = join(target.as_str(), name);
            ObjectRef {
                location: self.store.location(&key),
                key,
            }
        };
        let manifest_object = object(&manifest_file_name(&id));
        let location = &manifest_object.location;
        let skipped = |why: String| format!("{location}: {why}; skipped");
        let bytes = match self.store.get(&manifest_object.key) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("{e:#}; skipped")),
        };
        let manifest = Manifest::parse(&bytes)
            .map_err(|e| format!("manifest {location} is not valid: {e}; skipped"))?;
        if manifest.id != id.as_str() {
            return Err(skipped(format!("it names backup {}", manifest.id)));
        }
        let file = &manifest.archive.file;
        // The name must stay inside the target folder: delete() removes whatever it names.
        let own_name = split_file_name(file).is_some_and(|(file_id, ext)| {
            file_id == id && ext != MANIFEST_EXT && !ext.contains('/')
        });
        if !own_name {
            return Err(skipped(format!(
                "its archive file name '{file}' is not '{id}.<extension>'"
            )));
        }
        if !listing.objects.contains(file) {
            return Err(skipped(format!("its archive {file} is missing")));
        }
        Ok(Some(Backup {
            target: target.clone(),
            id,
            archive: object(file),
            manifest,
            manifest_object,
        }))
    }
}

impl Backup {
    /// Taken by a restore of the data it replaced.
    pub fn is_safety(&self) -> bool {
        self.manifest.kind == BackupKind::Safety
    }
}

impl ListResult {
    fn sort(&mut self) {
        // Ids have one-second resolution; creation time orders backups made within a second,
        // so that "latest" here and "newest" in retention are the same backup.
        self.backups.sort_by(|a, b| {
            (a.manifest.created_at, &a.id, &a.target).cmp(&(
                b.manifest.created_at,
                &b.id,
                &b.target,
            ))
        });
        self.problems.sort();
    }
}

/// `<backup-id>.<ext>` whose manifest is not in the folder: left by a crash between the
/// archive's commit and the manifest's, or in the middle of a delete.
fn is_orphan_archive(listing: &Listing, name: &str) -> bool {
    split_file_name(name).is_some_and(|(id, ext)| {
        ext != MANIFEST_EXT && !listing.objects.contains(&manifest_file_name(&id))
    })
}
