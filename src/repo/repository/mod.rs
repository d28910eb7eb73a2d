//! Opening and creating a repository, and locking a target's folder (what the lock created
//! is removed again if no backup arrived). The backups in the folders are in `backups.rs`.
//! Everything goes through the [`Store`]; writing a backup is in `write.rs`.

mod backups;
#[cfg(test)]
mod tests;

use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

pub use backups::{Backup, ListResult, ObjectRef, Problem};

use super::RepoError;
use super::layout::{MARKER_FILE, TargetId};
use super::location::RepoLocation;
use super::lock::LockHolder;
use super::store::{RootState, Store, StoreLock};

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
        crate::repo::layout::create_private_dir(&dir)?;
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
