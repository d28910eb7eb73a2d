//! A store in a local directory: keys are paths below the root. Objects are written to a
//! `.tmp-*` file, fsynced, renamed into place and the directory fsynced ([`AtomicFile`]); a
//! create-only put links instead of renaming, so it can never replace an object. Locks are
//! `flock`s on `<prefix>/.lock` with the holder described inside ([`TargetLock`]).
//! Directories are created with mode 0700, files with 0600.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use super::super::layout::{FILE_MODE, LOCK_FILE, MARKER_FILE, create_private_dir};
use super::super::lock::TargetLock;
use super::{Listing, RootState};
use crate::fsutil::{AtomicFile, TEMP_PREFIX, fsync_dir};

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

pub type LocalReader = File;

pub struct LocalWriter(AtomicFile);

impl LocalStore {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    pub fn path(&self, key: &str) -> PathBuf {
        if key.is_empty() {
            self.root.clone()
        } else {
            self.root.join(key)
        }
    }

    pub fn list(&self, prefix: &str) -> Result<Listing> {
        let dir = self.path(prefix);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if is_missing(&e) => return Ok(Listing::default()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read directory {}", dir.display()));
            }
        };
        let mut listing = Listing::default();
        for entry in entries {
            let entry =
                entry.with_context(|| format!("cannot read directory {}", dir.display()))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            match entry.file_type() {
                Ok(t) if t.is_dir() => listing.prefixes.push(name),
                Ok(t) if t.is_file() => listing.objects.push(name),
                _ => {}
            }
        }
        listing.objects.sort();
        listing.prefixes.sort();
        Ok(listing)
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn open(&self, key: &str) -> Result<LocalReader> {
        let path = self.path(key);
        File::open(&path).with_context(|| format!("cannot open {}", path.display()))
    }

    pub fn create(&self, key: &str) -> Result<LocalWriter> {
        let path = self.path(key);
        self.create_parent(&path)?;
        let file = AtomicFile::create(&path, FILE_MODE)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(LocalWriter(file))
    }

    pub fn put_new(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key);
        self.create_parent(&path)?;
        let mut file = AtomicFile::create(&path, FILE_MODE)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(bytes)
            .and_then(|()| file.commit_new())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn delete(&self, key: &str) -> Result<()> {
        remove_durably(&self.path(key))
    }

    pub fn lock(&self, prefix: &str, wait: Duration, purpose: &str) -> Result<TargetLock> {
        let dir = self.path(prefix);
        create_private_dir(&dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        Ok(TargetLock::acquire(&dir, wait, purpose)?)
    }

    pub fn clean_temporaries(&self, prefix: &str) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for name in self.list(prefix)?.objects {
            if name.starts_with(TEMP_PREFIX) {
                let path = self.path(prefix).join(&name);
                remove_durably(&path)?;
                removed.push(path.display().to_string());
            }
        }
        Ok(removed)
    }

    pub fn remove_if_empty(&self, prefix: &str) {
        let dir = self.path(prefix);
        let only_lock = fs::read_dir(&dir)
            .is_ok_and(|entries| entries.flatten().all(|e| e.file_name() == LOCK_FILE));
        if only_lock {
            let _ = fs::remove_file(dir.join(LOCK_FILE));
            let _ = fs::remove_dir(&dir);
        }
    }

    pub fn root_state(&self) -> Result<RootState> {
        let root = &self.root;
        if !root.exists() {
            return Ok(RootState::Missing);
        }
        if !root.is_dir() {
            return Ok(RootState::NotADirectory);
        }
        // Everything counts as content except `lost+found` (a fresh filesystem used as the
        // repository) and the marker's temporary file left by an interrupted init.
        let marker_temp = format!("{TEMP_PREFIX}{MARKER_FILE}");
        for name in self
            .list("")?
            .objects
            .iter()
            .chain(&self.list("")?.prefixes)
        {
            if name != "lost+found" && !name.starts_with(&marker_temp) {
                return Ok(RootState::NotEmpty);
            }
        }
        Ok(RootState::Empty)
    }

    pub fn create_root(&self) -> Result<bool> {
        let missing = !self.root.exists();
        create_private_dir(&self.root).with_context(|| {
            format!("cannot create repository directory {}", self.root.display())
        })?;
        Ok(missing)
    }

    fn create_parent(&self, path: &Path) -> Result<()> {
        match path.parent() {
            Some(dir) => create_private_dir(dir)
                .with_context(|| format!("cannot create directory {}", dir.display())),
            None => Ok(()),
        }
    }
}

impl Write for LocalWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl LocalWriter {
    pub fn commit(self) -> io::Result<()> {
        self.0.commit()
    }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
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
    use std::os::unix::fs::PermissionsExt;

    fn store() -> (tempfile::TempDir, LocalStore) {
        let tmp = tempfile::tempdir().unwrap();
        let store = LocalStore::new(&tmp.path().join("repo"));
        (tmp, store)
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writer_commits_at_its_key_or_leaves_nothing() {
        let (_tmp, store) = store();
        let mut w = store.create("db1/a.rdb.gz").unwrap();
        w.write_all(b"partial").unwrap();
        assert_eq!(
            store.list("db1").unwrap().objects.len(),
            1,
            "only the temporary"
        );
        assert!(store.get("db1/a.rdb.gz").unwrap().is_none());
        drop(w);
        assert!(
            store.list("db1").unwrap().objects.is_empty(),
            "abort leaves nothing"
        );

        let mut w = store.create("db1/a.rdb.gz").unwrap();
        w.write_all(b"archive").unwrap();
        w.commit().unwrap();
        assert_eq!(store.get("db1/a.rdb.gz").unwrap().unwrap(), b"archive");
        assert_eq!(mode(&store.path("db1/a.rdb.gz")), 0o600);
        assert_eq!(mode(&store.path("db1")), 0o700);
        let listing = store.list("").unwrap();
        assert_eq!(listing.prefixes, ["db1"]);
        assert!(listing.objects.is_empty());
        assert!(store.list("missing").unwrap().objects.is_empty());
    }

    #[test]
    fn put_new_never_replaces() {
        let (_tmp, store) = store();
        store.put_new("db1/m.json", b"one").unwrap();
        let err = store.put_new("db1/m.json", b"two").unwrap_err();
        let io = err.downcast_ref::<io::Error>().expect("an io error");
        assert_eq!(io.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(store.get("db1/m.json").unwrap().unwrap(), b"one");
        assert_eq!(
            store.list("db1").unwrap().objects,
            ["m.json"],
            "no temporaries"
        );
        store.delete("db1/m.json").unwrap();
        store.delete("db1/m.json").unwrap();
        assert!(store.get("db1/m.json").unwrap().is_none());
    }

    #[test]
    fn temporaries_and_empty_prefixes_are_cleaned() {
        let (_tmp, store) = store();
        let lock = store.lock("db1", Duration::ZERO, "backup").unwrap();
        fs::write(store.path("db1/.tmp-x.rdb.gz.1.0"), b"x").unwrap();
        fs::write(store.path("db1/keep"), b"x").unwrap();
        assert_eq!(
            store.clean_temporaries("db1").unwrap(),
            [store.path("db1/.tmp-x.rdb.gz.1.0").display().to_string()]
        );
        drop(lock);
        store.remove_if_empty("db1");
        assert!(store.path("db1").exists(), "not empty");
        fs::remove_file(store.path("db1/keep")).unwrap();
        store.remove_if_empty("db1");
        assert!(!store.path("db1").exists());
    }

    #[test]
    fn root_states() {
        let (_tmp, store) = store();
        assert_eq!(store.root_state().unwrap(), RootState::Missing);
        assert!(store.create_root().unwrap());
        assert!(!store.create_root().unwrap());
        assert_eq!(store.root_state().unwrap(), RootState::Empty);
        fs::create_dir(store.path("lost+found")).unwrap();
        assert_eq!(store.root_state().unwrap(), RootState::Empty);
        fs::write(store.path("dump.rdb"), b"x").unwrap();
        assert_eq!(store.root_state().unwrap(), RootState::NotEmpty);
        let file = LocalStore::new(&store.path("dump.rdb"));
        assert_eq!(file.root_state().unwrap(), RootState::NotADirectory);
    }
}
