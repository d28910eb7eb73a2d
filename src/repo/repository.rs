//! Opening and creating a repository, and the operations over its target folders: listing,
//! lookup by id or prefix, locking, deletion, and removal of what crashed runs left behind.
//! Everything goes through the [`Store`]; writing a backup is in `write.rs`.

use std::time::Duration;

use anyhow::{Result, bail};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::RepoError;
use super::layout::{
    BackupId, MANIFEST_EXT, MARKER_FILE, TargetId, manifest_file_name, split_file_name,
};
use super::location::RepoLocation;
use super::lock::LockHolder;
use super::manifest::{BackupKind, Manifest};
use super::store::{Listing, ObjectReader, RootState, Store, StoreLock, join};

/// The repository format this code reads and writes.
const REPO_FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: u32,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Repository {
    location: RepoLocation,
    pub(super) store: Store,
    /// Opened by [`Repository::open_for_backup`] where no repository exists yet: the first
    /// [`Repository::lock`] creates it.
    uninitialised: bool,
}

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

/// The lock on a target, from [`Repository::lock`]. What the lock had to create (the
/// repository, the target's folder) is removed again on release while it holds no backup, so
/// a failed first run leaves nothing behind.
#[derive(Debug)]
pub struct RepoLock {
    lock: Option<StoreLock>,
    pub(super) target: TargetId,
    store: Store,
    created: Created,
}

#[derive(Debug, Default)]
struct Created {
    /// The root itself (else only the marker in an empty one).
    root: bool,
    marker: bool,
    target: bool,
}

impl Repository {
    /// Opens an existing repository; [`RepoError::NotARepository`] unless it holds a marker
    /// of a known format.
    pub fn open(location: &RepoLocation) -> Result<Self> {
        let store = location.store()?;
        let not_a_repository = |reason: String| RepoError::NotARepository {
            location: location.to_string(),
            reason,
        };
        let Some(bytes) = store.get(MARKER_FILE)? else {
            let reason = match store.root_state()? {
                RootState::Missing => {
                    "it does not exist; run a backup with --repo to create it".to_owned()
                }
                RootState::NotADirectory => "it is not a directory".to_owned(),
                RootState::Empty | RootState::NotEmpty => format!(
                    "it has no {MARKER_FILE}; a backup with --repo creates a repository only \
                     in a missing or empty directory"
                ),
            };
            return Err(not_a_repository(reason).into());
        };
        let marker: Marker = serde_json::from_slice(&bytes)
            .map_err(|e| not_a_repository(format!("its {MARKER_FILE} is not valid: {e}")))?;
        if marker.format != REPO_FORMAT {
            return Err(not_a_repository(format!(
                "its {MARKER_FILE} has format {}, and this redisops reads format {REPO_FORMAT} \
                 (a newer redisops may read it)",
                marker.format
            ))
            .into());
        }
        Ok(Self {
            location: location.clone(),
            store,
            uninitialised: false,
        })
    }

    /// Opens the repository for a backup. Where there is none yet (missing or empty) nothing
    /// is created until the backup takes its lock, so a run that fails before (unreachable
    /// server, bad key) leaves no repository behind.
    ///
    /// A non-empty directory without a marker is refused rather than adopted, so a mistyped
    /// `--repo` cannot scatter backups (and later prunes) into an unrelated directory.
    pub fn open_for_backup(location: &RepoLocation) -> Result<Self> {
        let store = location.store()?;
        if store.get(MARKER_FILE)?.is_some() {
            return Self::open(location);
        }
        match store.root_state()? {
            RootState::Missing | RootState::Empty => Ok(Self {
                location: location.clone(),
                store,
                uninitialised: true,
            }),
            RootState::NotEmpty => Err(not_empty(location)),
            RootState::NotADirectory => Self::open(location),
        }
    }

    /// Opens the repository at `location`, creating it when it is missing or empty.
    #[cfg(test)]
    pub fn open_or_init(location: &RepoLocation) -> Result<Self> {
        let mut repo = Self::open_for_backup(location)?;
        repo.init()?;
        repo.uninitialised = false;
        Ok(repo)
    }

    /// Creates the root (if missing) and the marker; returns what it created.
    fn init(&self) -> Result<Created> {
        let mut created = Created::default();
        if !self.uninitialised || self.store.get(MARKER_FILE)?.is_some() {
            return Ok(created);
        }
        created.root = self.store.create_root()?;
        if self.store.root_state()? != RootState::Empty {
            return Err(not_empty(&self.location));
        }
        let marker = Marker {
            format: REPO_FORMAT,
            created_at: Utc::now().trunc_subsecs(0),
        };
        let mut json = serde_json::to_vec_pretty(&marker)?;
        json.push(b'\n');
        self.store.put_new(MARKER_FILE, &json)?;
        created.marker = true;
        Ok(created)
    }

    pub fn location(&self) -> &RepoLocation {
        &self.location
    }

    /// The object's path, in a local repository (JSON `archive_path`, `manifest_path`).
    pub fn local_path(&self, object: &ObjectRef) -> Option<std::path::PathBuf> {
        self.store.local_path(&object.key)
    }

    /// How the target's folder is shown.
    pub fn target_location(&self, target: &TargetId) -> String {
        self.store.location(target.as_str())
    }

    /// Takes the target's lock, waiting up to `wait`; `purpose` (e.g. `"backup"`) is shown to
    /// runs that have to wait. Creates the repository (after [`Repository::open_for_backup`])
    /// and the target's folder as needed.
    pub fn lock(&self, target: &TargetId, wait: Duration, purpose: &str) -> Result<RepoLock> {
        let mut created = self.init()?;
        created.target = !self
            .store
            .list("")?
            .prefixes
            .iter()
            .any(|p| p == target.as_str());
        let mut lock = RepoLock {
            lock: None,
            target: target.clone(),
            store: self.store.clone(),
            created,
        };
        lock.lock = Some(self.store.lock(target.as_str(), wait, purpose)?);
        Ok(lock)
    }

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
    pub(super) fn load_backup(
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

impl RepoLock {
    /// The previous holder, when it was a process on this host that died holding the lock.
    pub fn took_over(&self) -> Option<&LockHolder> {
        self.lock.as_ref().and_then(StoreLock::took_over)
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        drop(self.lock.take());
        // Best effort, and only while nothing else arrived: a folder holding anything but its
        // lock, or a root holding anything but the marker, stays.
        if self.created.target {
            self.store.remove_if_empty(self.target.as_str());
        }
        let only_marker = self.store.list("").is_ok_and(|l| {
            l.prefixes.is_empty() && l.objects.iter().all(|name| name == MARKER_FILE)
        });
        if self.created.marker && only_marker {
            let _ = self.store.delete(MARKER_FILE);
            if self.created.root {
                self.store.remove_if_empty("");
            }
        }
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

#[cfg(test)]
impl Repository {
    pub fn root(&self) -> std::path::PathBuf {
        match &self.location {
            RepoLocation::Local(path) => path.clone(),
            RepoLocation::S3(_) => unreachable!("the unit tests use local repositories"),
        }
    }

    pub fn target_dir(&self, target: &TargetId) -> std::path::PathBuf {
        self.root().join(target.as_str())
    }

    pub fn ensure_target_dir(&self, target: &TargetId) -> Result<std::path::PathBuf> {
        let dir = self.target_dir(target);
        super::layout::create_private_dir(&dir)?;
        Ok(dir)
    }
}

fn not_empty(location: &RepoLocation) -> anyhow::Error {
    RepoError::NotARepository {
        location: location.to_string(),
        reason: format!(
            "the directory is not empty and has no {MARKER_FILE}; refusing to create a \
             repository in it (use an empty or new directory)"
        ),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::write_atomic;
    use crate::repo::layout::FILE_MODE;
    use crate::repo::lock::TargetLock;
    use crate::repo::manifest::tests::sample;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};
    use tempfile::TempDir;

    fn local(path: &Path) -> RepoLocation {
        RepoLocation::Local(path.to_path_buf())
    }

    fn path(object: &ObjectRef) -> PathBuf {
        PathBuf::from(&object.location)
    }

    /// Writes `<dir>/<id>.manifest.json` as a backup's commit does.
    fn write_manifest(dir: &Path, manifest: &Manifest) {
        let id = BackupId::parse(&manifest.id).unwrap();
        write_atomic(
            &dir.join(manifest_file_name(&id)),
            &manifest.to_json().unwrap(),
            FILE_MODE,
        )
        .unwrap();
    }

    const OLD: &str = "20261123T030000Z-00aa00aa";
    const MID: &str = "20261124T030000Z-1a2b3c4d";
    const NEW: &str = "20261124T030000Z-1a2b9999";

    fn new_repo() -> (TempDir, Repository) {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::open_or_init(&local(&tmp.path().join("repo"))).unwrap();
        (tmp, repo)
    }

    /// Writes a complete backup (archive, then manifest) the way a backup run does.
    fn add_backup(repo: &Repository, target: &str, id: &str) -> Manifest {
        let dir = repo.ensure_target_dir(&TargetId::new(target)).unwrap();
        let manifest = sample(id);
        write_atomic(&dir.join(&manifest.archive.file), b"archive", FILE_MODE).unwrap();
        write_manifest(&dir, &manifest);
        manifest
    }

    fn ids(listing: &ListResult) -> Vec<String> {
        listing.backups.iter().map(|b| b.id.to_string()).collect()
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn repo_error(err: &anyhow::Error) -> &RepoError {
        err.downcast_ref::<RepoError>()
            .unwrap_or_else(|| panic!("not a RepoError: {err:#}"))
    }

    fn not_a_repository_reason(root: &Path) -> String {
        let err = Repository::open(&local(root)).unwrap_err();
        match repo_error(&err) {
            RepoError::NotARepository { location, reason } => {
                assert_eq!(location, &root.display().to_string());
                assert!(err.to_string().contains("is not a redisops repository"));
                reason.clone()
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn open_explains_what_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("missing");
        assert!(not_a_repository_reason(&missing).contains("run a backup with --repo"));

        let plain = tmp.path().join("plain");
        fs::create_dir(&plain).unwrap();
        assert!(not_a_repository_reason(&plain).contains("has no redisops-repo.json"));

        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(not_a_repository_reason(&file).contains("not a directory"));

        fs::write(plain.join(MARKER_FILE), b"{not json").unwrap();
        assert!(not_a_repository_reason(&plain).contains("is not valid"));

        fs::write(
            plain.join(MARKER_FILE),
            br#"{"format": 2, "created_at": "2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(not_a_repository_reason(&plain).contains("has format 2"));
    }

    #[test]
    fn init_creates_private_root_and_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("a/b/repo");
        let repo = Repository::open_or_init(&local(&root)).unwrap();
        assert_eq!(repo.root(), root);
        assert_eq!(mode(&root), 0o700);
        let marker_path = root.join(MARKER_FILE);
        assert_eq!(mode(&marker_path), 0o600);
        let marker: serde_json::Value =
            serde_json::from_slice(&fs::read(&marker_path).unwrap()).unwrap();
        assert_eq!(marker["format"], 1);
        assert!(marker["created_at"].as_str().unwrap().ends_with('Z'));

        Repository::open(&local(&root)).unwrap();
        Repository::open_or_init(&local(&root)).unwrap();
        assert_eq!(
            fs::read_dir(&root).unwrap().count(),
            1,
            "no temporaries left"
        );
    }

    #[test]
    fn init_accepts_empty_dirs_and_refuses_others() {
        let tmp = tempfile::tempdir().unwrap();
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        Repository::open_or_init(&local(&empty)).unwrap();

        let mount = tmp.path().join("mount");
        fs::create_dir_all(mount.join("lost+found")).unwrap();
        Repository::open_or_init(&local(&mount)).unwrap();

        let busy = tmp.path().join("busy");
        fs::create_dir(&busy).unwrap();
        fs::write(busy.join("dump.rdb"), b"x").unwrap();
        let err = Repository::open_or_init(&local(&busy)).unwrap_err();
        assert!(matches!(repo_error(&err), RepoError::NotARepository { .. }));
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(!busy.join(MARKER_FILE).exists());

        let broken = tmp.path().join("broken");
        fs::create_dir(&broken).unwrap();
        fs::write(broken.join(MARKER_FILE), b"garbage").unwrap();
        let err = Repository::open_or_init(&local(&broken)).unwrap_err();
        assert!(matches!(repo_error(&err), RepoError::NotARepository { .. }));
    }

    #[test]
    fn targets_are_sanitised_folders() {
        let (_tmp, repo) = new_repo();
        let dir = repo.ensure_target_dir(&TargetId::new("db1")).unwrap();
        assert_eq!(dir, repo.root().join("db1"));
        assert_eq!(mode(&dir), 0o700);
        repo.ensure_target_dir(&TargetId::from_host_port("10.0.0.5", 6379))
            .unwrap();
        fs::create_dir(repo.root().join(".hidden")).unwrap();
        fs::create_dir(repo.root().join("lost+found")).unwrap();
        fs::write(repo.root().join("stray-file"), b"x").unwrap();
        assert_eq!(
            repo.targets().unwrap(),
            [TargetId::new("10.0.0.5-6379"), TargetId::new("db1")]
        );
    }

    #[test]
    fn list_shows_only_complete_backups() {
        let (_tmp, repo) = new_repo();
        let target = TargetId::new("db1");
        add_backup(&repo, "db1", NEW);
        let old = add_backup(&repo, "db1", OLD);
        let dir = repo.target_dir(&target);

        // Archive without manifest: a crash before the commit point.
        fs::write(dir.join("20261125T000000Z-deadbeef.rdb.gz.age"), b"x").unwrap();
        // Manifest whose archive is gone.
        write_manifest(&dir, &sample("20261125T010000Z-0badf00d"));
        // Corrupt manifest.
        fs::write(
            dir.join("20261125T020000Z-cccccccc.manifest.json"),
            b"{\"id\":",
        )
        .unwrap();
        // Manifest stored under another backup's name.
        let renamed = sample("20261125T030000Z-dddddddd");
        fs::write(
            dir.join("20261125T040000Z-eeeeeeee.manifest.json"),
            serde_json::to_vec(&renamed).unwrap(),
        )
        .unwrap();
        // Manifest pointing outside the target folder.
        let mut escaping = sample("20261125T050000Z-ffffffff");
        escaping.archive.file = "../../etc/passwd".into();
        write_manifest(&dir, &escaping);
        // Temporaries and unrelated files are not backups and not problems.
        fs::write(
            dir.join(".tmp-20261125T060000Z-12345678.manifest.json.7"),
            b"{",
        )
        .unwrap();
        fs::write(dir.join("README"), b"x").unwrap();

        let listing = repo.list(&target).unwrap();
        assert_eq!(ids(&listing), [OLD, NEW]);
        let first = &listing.backups[0];
        assert_eq!(first.target, target);
        assert_eq!(first.manifest, old);
        assert_eq!(path(&first.archive), dir.join(format!("{OLD}.rdb.gz.age")));
        assert_eq!(
            path(&first.manifest_object),
            dir.join(format!("{OLD}.manifest.json"))
        );

        let problems = listing
            .problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(listing.problems.len(), 4, "{problems}");
        for expected in [
            "20261125T010000Z-0badf00d.manifest.json: its archive 20261125T010000Z-0badf00d.rdb.gz.age is missing; skipped",
            "20261125T020000Z-cccccccc.manifest.json is not valid",
            "20261125T040000Z-eeeeeeee.manifest.json: it names backup 20261125T030000Z-dddddddd; skipped",
            "its archive file name '../../etc/passwd' is not '20261125T050000Z-ffffffff.<extension>'",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected:?} in\n{problems}"
            );
        }

        let empty = repo.list(&TargetId::new("never-backed-up")).unwrap();
        assert!(empty.backups.is_empty() && empty.problems.is_empty());
    }

    #[test]
    fn list_all_merges_targets_oldest_first() {
        let (_tmp, repo) = new_repo();
        add_backup(&repo, "b", NEW);
        add_backup(&repo, "a", MID);
        add_backup(&repo, "b", OLD);
        let listing = repo.list_all().unwrap();
        let got: Vec<String> = listing
            .backups
            .iter()
            .map(|b| format!("{}/{}", b.target, b.id))
            .collect();
        assert_eq!(
            got,
            [format!("b/{OLD}"), format!("a/{MID}"), format!("b/{NEW}")]
        );
        assert!(listing.problems.is_empty());
    }

    #[test]
    fn find_by_id_prefix_and_latest() {
        let (_tmp, repo) = new_repo();
        let db1 = TargetId::new("db1");
        for id in [OLD, MID, NEW] {
            add_backup(&repo, "db1", id);
        }

        assert_eq!(repo.find(Some(&db1), MID).unwrap().id.as_str(), MID);
        assert_eq!(repo.find(Some(&db1), "20261123").unwrap().id.as_str(), OLD);
        assert_eq!(
            repo.find(None, "20261124T030000Z-1a2b3")
                .unwrap()
                .id
                .as_str(),
            MID
        );
        assert_eq!(repo.latest(&db1, false).unwrap().id.as_str(), NEW);

        let err = repo.find(Some(&db1), "20261124").unwrap_err();
        match repo_error(&err) {
            RepoError::Ambiguous { prefix, candidates } => {
                assert_eq!(prefix, "20261124");
                assert_eq!(candidates, &[MID, NEW]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "backup id '20261124' is ambiguous; it matches {MID}, {NEW}; give more of the id"
            )
        );

        let err = repo.find(Some(&db1), "2025").unwrap_err();
        assert!(matches!(repo_error(&err), RepoError::NotFound { .. }));
        assert_eq!(err.to_string(), "no backup matching '2025' in target db1");
        assert!(repo.find(Some(&db1), "").is_err());

        let err = repo.latest(&TargetId::new("db2"), false).unwrap_err();
        assert_eq!(err.to_string(), "no backup in target db2");
    }

    #[test]
    fn latest_skips_safety_backups_unless_asked() {
        let (_tmp, repo) = new_repo();
        let db1 = TargetId::new("db1");
        add_backup(&repo, "db1", OLD);
        let dir = repo.target_dir(&db1);
        let mut safety = sample(NEW);
        safety.kind = BackupKind::Safety;
        write_atomic(&dir.join(&safety.archive.file), b"archive", FILE_MODE).unwrap();
        write_manifest(&dir, &safety);

        assert_eq!(repo.latest(&db1, false).unwrap().id.as_str(), OLD);
        let newest = repo.latest(&db1, true).unwrap();
        assert_eq!(newest.id.as_str(), NEW);
        assert!(newest.is_safety());

        repo.delete(&repo.find(Some(&db1), OLD).unwrap()).unwrap();
        let err = repo.latest(&db1, false).unwrap_err();
        assert!(matches!(repo_error(&err), RepoError::NotFound { .. }));
        assert!(err.to_string().contains("--include-safety"), "{err}");
    }

    #[test]
    fn find_across_targets_names_the_targets() {
        let (_tmp, repo) = new_repo();
        add_backup(&repo, "db1", MID);
        add_backup(&repo, "db2", NEW);
        let found = repo.find(None, NEW).unwrap();
        assert_eq!(found.target, TargetId::new("db2"));

        let err = repo.find(None, "20261124T030000Z-1a2b").unwrap_err();
        match repo_error(&err) {
            RepoError::Ambiguous { candidates, .. } => {
                assert_eq!(candidates, &[format!("db1/{MID}"), format!("db2/{NEW}")]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let err = repo.find(None, "1999").unwrap_err();
        assert_eq!(err.to_string(), "no backup matching '1999' in any target");
    }

    #[test]
    fn delete_removes_both_files() {
        let (_tmp, repo) = new_repo();
        let db1 = TargetId::new("db1");
        add_backup(&repo, "db1", OLD);
        add_backup(&repo, "db1", NEW);
        let backup = repo.find(Some(&db1), OLD).unwrap();
        repo.delete(&backup).unwrap();
        assert!(!path(&backup.manifest_object).exists());
        assert!(!path(&backup.archive).exists());
        assert_eq!(ids(&repo.list(&db1).unwrap()), [NEW]);
        // Deleting again (say, after a crash mid-delete) is not an error.
        repo.delete(&backup).unwrap();
    }

    #[test]
    fn delete_interrupted_after_manifest_leaves_only_an_orphan() {
        let (_tmp, repo) = new_repo();
        let db1 = TargetId::new("db1");
        add_backup(&repo, "db1", OLD);
        let backup = repo.latest(&db1, false).unwrap();
        // Make the archive step fail: a non-empty directory cannot be unlinked as a file.
        let mut failing = backup.clone();
        failing.archive.key = "db1/undeletable".into();
        fs::create_dir_all(repo.target_dir(&db1).join("undeletable/child")).unwrap();
        assert!(repo.delete(&failing).is_err());

        assert!(
            !path(&backup.manifest_object).exists(),
            "manifest goes first"
        );
        assert!(path(&backup.archive).exists());
        let listing = repo.list(&db1).unwrap();
        assert!(listing.backups.is_empty() && listing.problems.is_empty());
        assert_eq!(repo.clean_stale(&db1).unwrap(), [backup.archive.location]);
    }

    #[test]
    fn clean_stale_removes_temporaries_and_orphans_only() {
        let (_tmp, repo) = new_repo();
        let db1 = TargetId::new("db1");
        add_backup(&repo, "db1", OLD);
        let dir = repo.target_dir(&db1);
        let lock = TargetLock::acquire(&dir, Duration::ZERO, "backup").unwrap();
        let stale = [
            dir.join(format!(".tmp-{NEW}.rdb.gz.age.4242")),
            dir.join(format!(".tmp-{NEW}.manifest.json.4242")),
            dir.join(format!("{MID}.rdb.gz")),
        ];
        for path in &stale {
            fs::write(path, b"partial").unwrap();
        }
        fs::write(dir.join("notes.txt"), b"keep").unwrap();

        let mut expected: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        expected.sort();
        assert_eq!(repo.clean_stale(&db1).unwrap(), expected);
        assert!(stale.iter().all(|p| !p.exists()));
        assert!(dir.join("notes.txt").exists());
        assert!(lock.path().exists());
        assert_eq!(ids(&repo.list(&db1).unwrap()), [OLD]);
        assert!(repo.clean_stale(&db1).unwrap().is_empty());
        assert!(repo.clean_stale(&TargetId::new("none")).unwrap().is_empty());
    }
}
