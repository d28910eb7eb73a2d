//! Opening and creating a repository, and the operations over its target folders: listing,
//! lookup by id or prefix, deletion, and removal of what crashed runs left behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::RepoError;
use super::layout::{
    BackupId, FILE_MODE, LOCK_FILE, MANIFEST_EXT, MARKER_FILE, TargetId, create_private_dir,
    manifest_file_name, split_file_name,
};
use super::lock::{LockHolder, TargetLock};
use super::manifest::{BackupKind, Manifest};
use crate::fsutil::{TEMP_PREFIX, fsync_dir, write_atomic};

/// The repository format this code reads and writes.
const REPO_FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: u32,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Repository {
    root: PathBuf,
    /// Opened by [`Repository::open_for_backup`] where no repository exists yet: the first
    /// [`Repository::lock`] creates it.
    uninitialised: bool,
}

/// The lock on a target folder, from [`Repository::lock`]. What the lock had to create (the
/// repository, the target's folder) is removed again on release while it holds no backup, so
/// a failed first run leaves nothing behind.
#[derive(Debug)]
pub struct RepoLock {
    lock: Option<TargetLock>,
    created: Created,
}

#[derive(Debug, Default)]
struct Created {
    /// The root directory itself (else only the marker inside an empty one).
    root: Option<PathBuf>,
    marker: Option<PathBuf>,
    target_dir: Option<PathBuf>,
}

/// A complete backup: its manifest parsed and its archive present.
#[derive(Debug, Clone)]
pub struct Backup {
    pub target: TargetId,
    pub id: BackupId,
    pub manifest: Manifest,
    pub archive_path: PathBuf,
    pub manifest_path: PathBuf,
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
    /// Opens an existing repository; [`RepoError::NotARepository`] unless `root` holds a marker
    /// of a known format.
    pub fn open(root: &Path) -> Result<Self> {
        let marker_path = root.join(MARKER_FILE);
        let not_a_repository = |reason: String| RepoError::NotARepository {
            path: root.to_path_buf(),
            reason,
        };
        let bytes = match fs::read(&marker_path) {
            Ok(bytes) => bytes,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                let reason = if root.is_dir() {
                    format!(
                        "it has no {MARKER_FILE}; a backup with --repo creates a repository only \
                         in a missing or empty directory"
                    )
                } else if root.exists() {
                    "it is not a directory".to_owned()
                } else {
                    "it does not exist; run a backup with --repo to create it".to_owned()
                };
                return Err(not_a_repository(reason).into());
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", marker_path.display()));
            }
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
            root: root.to_path_buf(),
            uninitialised: false,
        })
    }

    /// Opens the repository at `root` for a backup. Where there is none yet (`root` missing or
    /// empty) nothing is created until the backup takes its lock, so a run that fails before
    /// (unreachable server, bad key) leaves no repository behind.
    ///
    /// A non-empty directory without a marker is refused rather than adopted, so a mistyped
    /// `--repo` cannot scatter backups (and later prunes) into an unrelated directory.
    pub fn open_for_backup(root: &Path) -> Result<Self> {
        if root.join(MARKER_FILE).exists() {
            return Self::open(root);
        }
        if root.exists() && !root.is_dir() {
            return Self::open(root);
        }
        if root.is_dir() && !is_empty_for_init(root)? {
            return Err(not_empty(root));
        }
        Ok(Self {
            root: root.to_path_buf(),
            uninitialised: true,
        })
    }

    /// Opens the repository at `root`, creating it when `root` is missing or empty.
    #[cfg(test)]
    pub fn open_or_init(root: &Path) -> Result<Self> {
        let mut repo = Self::open_for_backup(root)?;
        repo.init()?;
        Ok(repo)
    }

    /// Creates the root (if missing) and the marker; returns what it created.
    fn init(&mut self) -> Result<Created> {
        let root = self.root.clone();
        let mut created = Created::default();
        if !self.uninitialised || root.join(MARKER_FILE).exists() {
            self.uninitialised = false;
            return Ok(created);
        }
        if !root.exists() {
            created.root = Some(root.clone());
        }
        create_private_dir(&root)
            .with_context(|| format!("cannot create repository directory {}", root.display()))?;
        if !is_empty_for_init(&root)? {
            return Err(not_empty(&root));
        }
        let marker = Marker {
            format: REPO_FORMAT,
            created_at: Utc::now().trunc_subsecs(0),
        };
        let marker_path = root.join(MARKER_FILE);
        let mut json = serde_json::to_vec_pretty(&marker)?;
        json.push(b'\n');
        write_atomic(&marker_path, &json, FILE_MODE)
            .with_context(|| format!("cannot write {}", marker_path.display()))?;
        created.marker = Some(marker_path);
        self.uninitialised = false;
        Ok(created)
    }

    /// Takes the target's lock, waiting up to `wait`; `purpose` (e.g. `"backup"`) is shown to
    /// runs that have to wait. Creates the repository (after [`Repository::open_for_backup`])
    /// and the target's folder as needed.
    pub fn lock(&self, target: &TargetId, wait: Duration, purpose: &str) -> Result<RepoLock> {
        let mut created = self.clone().init()?;
        let dir = self.target_dir(target);
        if !dir.exists() {
            created.target_dir = Some(dir.clone());
        }
        let mut lock = RepoLock {
            lock: None,
            created,
        };
        create_private_dir(&dir)
            .with_context(|| format!("cannot create target directory {}", dir.display()))?;
        lock.lock = Some(TargetLock::acquire(&dir, wait, purpose)?);
        Ok(lock)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn target_dir(&self, target: &TargetId) -> PathBuf {
        self.root.join(target.as_str())
    }

    /// Creates the target's folder (mode 0700) if needed and returns it.
    #[cfg(test)]
    pub fn ensure_target_dir(&self, target: &TargetId) -> Result<PathBuf> {
        let dir = self.target_dir(target);
        create_private_dir(&dir)
            .with_context(|| format!("cannot create target directory {}", dir.display()))?;
        Ok(dir)
    }

    /// Targets that have a folder, sorted by name.
    pub fn targets(&self) -> Result<Vec<TargetId>> {
        let mut targets = Vec::new();
        for entry in read_dir(&self.root)? {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            if let Some(target) = entry.file_name().to_str().and_then(TargetId::from_dir_name) {
                targets.push(target);
            }
        }
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

    /// Deletes a backup: the manifest first, so that a crash in between leaves an orphan archive
    /// (removed by [`Repository::clean_stale`]) and never a manifest without its archive.
    /// Call it while holding the target lock.
    pub fn delete(&self, backup: &Backup) -> Result<()> {
        remove_durably(&backup.manifest_path)?;
        remove_durably(&backup.archive_path)
    }

    /// Removes `.tmp-*` files and orphan archives (`<backup-id>.*` without
    /// `<backup-id>.manifest.json`) from the target's folder and returns their paths, sorted.
    ///
    /// Call it while holding the target lock and before starting to write, so that nothing
    /// removed can belong to a running backup.
    pub fn clean_stale(&self, target: &TargetId) -> Result<Vec<PathBuf>> {
        let dir = self.target_dir(target);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut removed = Vec::new();
        for entry in read_dir(&dir)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let stale = name.starts_with(TEMP_PREFIX) || is_orphan_archive(&dir, &name);
            if stale && entry.file_type()?.is_file() {
                remove_durably(&entry.path())?;
                removed.push(entry.path());
            }
        }
        removed.sort();
        Ok(removed)
    }

    fn collect(&self, target: &TargetId, result: &mut ListResult) -> Result<()> {
        let dir = self.target_dir(target);
        if !dir.is_dir() {
            return Ok(());
        }
        for entry in read_dir(&dir)? {
            let name = entry?.file_name();
            let Some((id, MANIFEST_EXT)) = name.to_str().and_then(split_file_name) else {
                continue;
            };
            match load_backup(target, &dir, id.clone()) {
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
}

impl RepoLock {
    /// The previous holder, when it was a process on this host that died holding the lock.
    pub fn took_over(&self) -> Option<&LockHolder> {
        self.lock.as_ref().and_then(TargetLock::took_over)
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        drop(self.lock.take());
        // Best effort, and only while nothing else arrived: a folder holding anything but its
        // lock file, or a root holding anything but the marker, stays.
        if let Some(dir) = &self.created.target_dir
            && holds_at_most(dir, LOCK_FILE)
        {
            let _ = fs::remove_file(dir.join(LOCK_FILE));
            let _ = fs::remove_dir(dir);
        }
        if let Some(marker) = &self.created.marker
            && let Some(root) = marker.parent()
            && holds_at_most(root, MARKER_FILE)
        {
            let _ = fs::remove_file(marker);
            if self.created.root.is_some() {
                let _ = fs::remove_dir(root);
            }
        }
    }
}

/// True when `dir` holds nothing but (maybe) `name`.
fn holds_at_most(dir: &Path, name: &str) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| entries.flatten().all(|e| e.file_name() == name))
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

/// Loads `<dir>/<id>.manifest.json`: `Ok(None)` if it vanished meanwhile (a concurrent delete),
/// `Err(problem)` if it cannot count as a backup.
fn load_backup(target: &TargetId, dir: &Path, id: BackupId) -> Result<Option<Backup>, String> {
    let manifest_path = dir.join(manifest_file_name(&id));
    let skipped = |why: String| format!("{}: {why}; skipped", manifest_path.display());
    let manifest = match Manifest::read(&manifest_path) {
        Ok(manifest) => manifest,
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::NotFound) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(format!("{e:#}; skipped")),
    };
    if manifest.id != id.as_str() {
        return Err(skipped(format!("it names backup {}", manifest.id)));
    }
    let file = &manifest.archive.file;
    // The name must stay inside the target folder: delete() removes whatever it names.
    let own_name = split_file_name(file)
        .is_some_and(|(file_id, ext)| file_id == id && ext != MANIFEST_EXT && !ext.contains('/'));
    if !own_name {
        return Err(skipped(format!(
            "its archive file name '{file}' is not '{id}.<extension>'"
        )));
    }
    let archive_path = dir.join(file);
    if !archive_path.is_file() {
        return Err(skipped(format!("its archive {file} is missing")));
    }
    Ok(Some(Backup {
        target: target.clone(),
        id,
        manifest,
        archive_path,
        manifest_path,
    }))
}

/// `<backup-id>.<ext>` whose manifest does not exist: left by a crash between the archive's
/// rename and the manifest's write, or in the middle of a delete.
fn is_orphan_archive(dir: &Path, name: &str) -> bool {
    split_file_name(name)
        .is_some_and(|(id, ext)| ext != MANIFEST_EXT && !dir.join(manifest_file_name(&id)).exists())
}

fn not_empty(root: &Path) -> anyhow::Error {
    RepoError::NotARepository {
        path: root.to_path_buf(),
        reason: format!(
            "the directory is not empty and has no {MARKER_FILE}; refusing to create a \
             repository in it (use an empty or new directory)"
        ),
    }
    .into()
}

/// Everything counts as content except `lost+found` (a fresh filesystem used as the repository)
/// and the marker's temporary file left by an interrupted init.
fn is_empty_for_init(root: &Path) -> Result<bool> {
    let marker_temp = format!("{TEMP_PREFIX}{MARKER_FILE}");
    for entry in read_dir(root)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if name != "lost+found" && !name.starts_with(&marker_temp) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn read_dir(dir: &Path) -> Result<fs::ReadDir> {
    fs::read_dir(dir).with_context(|| format!("cannot read directory {}", dir.display()))
}

/// Unlinks `path` (already gone is fine) and fsyncs its directory so the unlink is durable
/// before the next step.
fn remove_durably(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fsync_dir(dir).with_context(|| format!("cannot sync directory {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::manifest::tests::sample;
    use std::os::unix::fs::PermissionsExt;
    use tempfile::TempDir;

    const OLD: &str = "20261123T030000Z-00aa00aa";
    const MID: &str = "20261124T030000Z-1a2b3c4d";
    const NEW: &str = "20261124T030000Z-1a2b9999";

    fn new_repo() -> (TempDir, Repository) {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::open_or_init(&tmp.path().join("repo")).unwrap();
        (tmp, repo)
    }

    /// Writes a complete backup (archive, then manifest) the way a backup run does.
    fn add_backup(repo: &Repository, target: &str, id: &str) -> Manifest {
        let dir = repo.ensure_target_dir(&TargetId::new(target)).unwrap();
        let manifest = sample(id);
        write_atomic(&dir.join(&manifest.archive.file), b"archive", FILE_MODE).unwrap();
        manifest.write(&dir).unwrap();
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
        let err = Repository::open(root).unwrap_err();
        match repo_error(&err) {
            RepoError::NotARepository { path, reason } => {
                assert_eq!(path, root);
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
        let repo = Repository::open_or_init(&root).unwrap();
        assert_eq!(repo.root(), root);
        assert_eq!(mode(&root), 0o700);
        let marker_path = root.join(MARKER_FILE);
        assert_eq!(mode(&marker_path), 0o600);
        let marker: serde_json::Value =
            serde_json::from_slice(&fs::read(&marker_path).unwrap()).unwrap();
        assert_eq!(marker["format"], 1);
        assert!(marker["created_at"].as_str().unwrap().ends_with('Z'));

        Repository::open(&root).unwrap();
        Repository::open_or_init(&root).unwrap();
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
        Repository::open_or_init(&empty).unwrap();

        let mount = tmp.path().join("mount");
        fs::create_dir_all(mount.join("lost+found")).unwrap();
        Repository::open_or_init(&mount).unwrap();

        let busy = tmp.path().join("busy");
        fs::create_dir(&busy).unwrap();
        fs::write(busy.join("dump.rdb"), b"x").unwrap();
        let err = Repository::open_or_init(&busy).unwrap_err();
        assert!(matches!(repo_error(&err), RepoError::NotARepository { .. }));
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(!busy.join(MARKER_FILE).exists());

        let broken = tmp.path().join("broken");
        fs::create_dir(&broken).unwrap();
        fs::write(broken.join(MARKER_FILE), b"garbage").unwrap();
        let err = Repository::open_or_init(&broken).unwrap_err();
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
        sample("20261125T010000Z-0badf00d").write(&dir).unwrap();
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
        escaping.write(&dir).unwrap();
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
        assert_eq!(first.archive_path, dir.join(format!("{OLD}.rdb.gz.age")));
        assert_eq!(
            first.manifest_path,
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
        safety.write(&dir).unwrap();

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
        assert!(!backup.manifest_path.exists());
        assert!(!backup.archive_path.exists());
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
        failing.archive_path = repo.target_dir(&db1).join("undeletable");
        fs::create_dir_all(failing.archive_path.join("child")).unwrap();
        assert!(repo.delete(&failing).is_err());

        assert!(!backup.manifest_path.exists(), "manifest goes first");
        assert!(backup.archive_path.exists());
        let listing = repo.list(&db1).unwrap();
        assert!(listing.backups.is_empty() && listing.problems.is_empty());
        assert_eq!(repo.clean_stale(&db1).unwrap(), [backup.archive_path]);
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

        let mut expected = stale.to_vec();
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
