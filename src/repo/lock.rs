//! The exclusive lock on a target directory (or on the repository root, for work across
//! targets), so that overlapping runs never fork the same master twice or prune under a backup.
//!
//! The lock itself is an OS advisory lock (`flock` through std [`File::try_lock`]) on `.lock`:
//! the OS drops it when the holder exits, however it exits, so there are no stale locks to expire.
//! The file's content only describes the holder (pid, host, start time, purpose) for the message
//! a waiting run prints. A clean release empties it, so content found by a new holder was left by
//! a run that died; if that pid is gone from this host, the new holder reports the takeover.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::layout::{FILE_MODE, LOCK_FILE};

const POLL_INTERVAL: Duration = Duration::from_millis(150);

/// Who holds (or held) a lock; stored as JSON in the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    pub since: DateTime<Utc>,
    pub purpose: String,
    #[serde(default)]
    pub redisops_version: String,
}

impl LockHolder {
    pub(super) fn current(purpose: &str) -> Self {
        Self {
            pid: std::process::id(),
            host: crate::fsutil::hostname(),
            since: Utc::now().trunc_subsecs(0),
            purpose: purpose.to_owned(),
            redisops_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, pid {} on host {}, since {}",
            self.purpose,
            self.pid,
            self.host,
            self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }
}

#[derive(Debug, Error)]
pub enum LockError {
    /// `holder` is `None` when the lock file did not (yet) describe its holder.
    #[error(
        "another redisops run holds the lock on {dir}{}; wait for it, or pass --lock-wait to wait longer",
        describe(.holder)
    )]
    Held {
        dir: PathBuf,
        holder: Option<LockHolder>,
    },
    #[error("cannot lock {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn describe(holder: &Option<LockHolder>) -> String {
    holder
        .as_ref()
        .map(|h| format!(" ({h})"))
        .unwrap_or_default()
}

/// An acquired lock; released when dropped.
#[derive(Debug)]
pub struct TargetLock {
    file: File,
    #[cfg(test)]
    path: PathBuf,
    took_over: Option<LockHolder>,
}

impl TargetLock {
    /// Locks `<dir>/.lock`, retrying every 150 ms for up to `wait` (zero: a single try).
    ///
    /// `dir` must exist. `purpose` (e.g. `"backup"`, `"prune"`) is shown to runs that have to wait.
    pub fn acquire(dir: &Path, wait: Duration, purpose: &str) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(io_error)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(LockError::Held {
                            dir: dir.to_path_buf(),
                            // Best effort: the holder may be between locking and writing.
                            holder: read_holder(&mut file).ok().flatten(),
                        });
                    }
                    thread::sleep(POLL_INTERVAL.min(deadline - now));
                }
                Err(TryLockError::Error(e)) => return Err(io_error(e)),
            }
        }
        let me = LockHolder::current(purpose);
        let took_over = read_holder(&mut file)
            .map_err(io_error)?
            .filter(|old| old.host == me.host && process_is_gone(old.pid));
        write_holder(&mut file, &me).map_err(io_error)?;
        Ok(Self {
            file,
            #[cfg(test)]
            path,
            took_over,
        })
    }

    /// The previous holder, when it was a process on this host that died holding the lock.
    pub fn took_over(&self) -> Option<&LockHolder> {
        self.took_over.as_ref()
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        // Emptied while still locked, so the next holder can tell a clean release from a crash.
        let _ = self.file.set_len(0);
    }
}

fn read_holder(file: &mut File) -> io::Result<Option<LockHolder>> {
    let mut content = String::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_string(&mut content)?;
    // Unparseable content is as good as none: the OS lock, not the content, decides.
    Ok(serde_json::from_str(&content).ok())
}

/// Rewrites the lock file in place. `fsutil::write_atomic` cannot be used here: renaming a new
/// file over `.lock` would give later runs a different inode to lock than the one we hold.
fn write_holder(file: &mut File, holder: &LockHolder) -> io::Result<()> {
    let mut json = serde_json::to_vec(holder)?;
    json.push(b'\n');
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&json)?;
    file.sync_all()
}

/// True only when `pid` certainly names no process on this host.
pub(super) fn process_is_gone(pid: u32) -> bool {
    // kill() with 0 or a negative pid addresses process groups, so such values prove nothing.
    match libc::pid_t::try_from(pid) {
        Ok(pid) if pid > 0 => {
            // SAFETY: signal 0 delivers nothing; it only checks that the process exists.
            let rc = unsafe { libc::kill(pid, 0) };
            rc != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    fn holder_in(dir: &Path) -> Option<LockHolder> {
        let content = fs::read_to_string(dir.join(LOCK_FILE)).unwrap();
        serde_json::from_str(&content).ok()
    }

    #[test]
    fn second_acquire_is_refused_with_holder_info() {
        let dir = tempfile::tempdir().unwrap();
        let first = TargetLock::acquire(dir.path(), Duration::ZERO, "backup").unwrap();
        assert!(first.took_over().is_none());
        assert_eq!(first.path(), dir.path().join(".lock"));
        let mode = fs::metadata(first.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let started = Instant::now();
        let err = TargetLock::acquire(dir.path(), Duration::from_millis(300), "prune").unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300));
        let LockError::Held {
            dir: held_dir,
            holder,
        } = &err
        else {
            panic!("expected Held, got {err:?}");
        };
        assert_eq!(held_dir, dir.path());
        let holder = holder.as_ref().expect("holder info");
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.host, crate::fsutil::hostname());
        assert_eq!(holder.purpose, "backup");
        assert_eq!(holder.redisops_version, env!("CARGO_PKG_VERSION"));
        let since = holder.since.to_rfc3339_opts(SecondsFormat::Secs, true);
        assert_eq!(
            err.to_string(),
            format!(
                "another redisops run holds the lock on {} (backup, pid {} on host {}, since {since}); \
                 wait for it, or pass --lock-wait to wait longer",
                dir.path().display(),
                std::process::id(),
                crate::fsutil::hostname(),
            )
        );
    }

    #[test]
    fn held_without_holder_info_still_explains() {
        let dir = tempfile::tempdir().unwrap();
        let raw = File::create(dir.path().join(LOCK_FILE)).unwrap();
        raw.lock().unwrap();
        let err = TargetLock::acquire(dir.path(), Duration::ZERO, "backup").unwrap_err();
        assert!(matches!(err, LockError::Held { holder: None, .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "another redisops run holds the lock on {}; wait for it, or pass --lock-wait to wait longer",
                dir.path().display()
            )
        );
    }

    #[test]
    fn waiting_acquire_succeeds_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let first = TargetLock::acquire(dir.path(), Duration::ZERO, "backup").unwrap();
        let releaser = thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let started = Instant::now();
        let second = TargetLock::acquire(dir.path(), Duration::from_secs(10), "prune").unwrap();
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert!(second.took_over().is_none(), "clean release is no takeover");
        assert_eq!(holder_in(dir.path()).unwrap().purpose, "prune");
        releaser.join().unwrap();
        drop(second);
        assert_eq!(fs::read(dir.path().join(LOCK_FILE)).unwrap(), b"");
    }

    #[test]
    fn lock_left_by_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("true").spawn().unwrap();
        let dead_pid = child.id();
        child.wait().unwrap();
        assert!(process_is_gone(dead_pid));
        let dead = LockHolder {
            pid: dead_pid,
            host: crate::fsutil::hostname(),
            since: Utc::now().trunc_subsecs(0),
            purpose: "backup".into(),
            redisops_version: "0.0.1".into(),
        };
        fs::write(
            dir.path().join(LOCK_FILE),
            serde_json::to_vec(&dead).unwrap(),
        )
        .unwrap();

        let lock = TargetLock::acquire(dir.path(), Duration::ZERO, "backup").unwrap();
        assert_eq!(lock.took_over(), Some(&dead));
        assert_eq!(holder_in(dir.path()).unwrap().pid, std::process::id());
    }

    #[test]
    fn lock_left_on_another_host_is_no_takeover() {
        let dir = tempfile::tempdir().unwrap();
        let remote = LockHolder {
            pid: u32::MAX,
            host: format!("not-{}", crate::fsutil::hostname()),
            since: Utc::now().trunc_subsecs(0),
            purpose: "backup".into(),
            redisops_version: String::new(),
        };
        fs::write(
            dir.path().join(LOCK_FILE),
            serde_json::to_vec(&remote).unwrap(),
        )
        .unwrap();
        let lock = TargetLock::acquire(dir.path(), Duration::ZERO, "backup").unwrap();
        assert!(lock.took_over().is_none());
    }

    #[test]
    fn process_liveness() {
        assert!(!process_is_gone(std::process::id()));
        assert!(
            !process_is_gone(0),
            "pid 0 is a process group, not a dead process"
        );
        assert!(!process_is_gone(u32::MAX));
    }

    #[test]
    fn missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            TargetLock::acquire(&dir.path().join("nope"), Duration::ZERO, "backup").unwrap_err();
        assert!(matches!(err, LockError::Io { .. }), "{err:?}");
    }
}
