//! The store under a repository, shaped like object storage so that other backends (S3) fit
//! behind the same calls: keys are `/`-separated names relative to the repository's root;
//! listing is one level of a prefix; objects are read as streams and written by a streaming
//! writer that either commits atomically at its final key or leaves nothing; a create-only put
//! is the commit point of a backup (its manifest); and each target prefix has a lock.
//!
//! Backends are variants of one enum (no `dyn` traits), so callers and error types stay the
//! same when one is added: [`LocalStore`], a directory, and [`S3Store`], a bucket prefix.

mod local;
mod s3;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

pub use local::LocalStore;
use local::{LocalReader, LocalWriter};
pub use s3::S3Store;
use s3::{Lease, S3Reader, S3Writer};

use super::lock::{LockError, LockHolder, TargetLock};

/// One level of a prefix: the objects directly in it and the prefixes below it, by name.
#[derive(Debug, Default)]
pub struct Listing {
    pub objects: Vec<String>,
    pub prefixes: Vec<String>,
}

/// What is at the root before a repository is created there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootState {
    Missing,
    /// Nothing, or only what a fresh filesystem or an interrupted init leaves.
    Empty,
    NotEmpty,
    NotADirectory,
}

#[derive(Debug, Clone)]
pub enum Store {
    Local(LocalStore),
    S3(S3Store),
}

/// A stream over one object.
pub enum ObjectReader {
    Local(LocalReader),
    S3(S3Reader),
}

/// A new object being written; [`ObjectWriter::commit`] puts it at its key atomically, and
/// dropping it uncommitted leaves nothing.
pub enum ObjectWriter {
    Local(LocalWriter),
    S3(S3Writer),
}

/// A held per-target lock; released when dropped.
#[derive(Debug)]
pub enum StoreLock {
    Local(TargetLock),
    S3(Lease),
}

/// `prefix/name`, or `name` at the root.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

impl Store {
    /// The objects and prefixes directly under `prefix` (`""`: the root); a missing prefix is
    /// empty.
    pub fn list(&self, prefix: &str) -> Result<Listing> {
        match self {
            Self::Local(s) => s.list(prefix),
            Self::S3(s) => s.list(prefix),
        }
    }

    /// A small object's bytes, `None` when it does not exist.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Self::Local(s) => s.get(key),
            Self::S3(s) => s.get(key),
        }
    }

    pub fn open(&self, key: &str) -> Result<ObjectReader> {
        Ok(match self {
            Self::Local(s) => ObjectReader::Local(s.open(key)?),
            Self::S3(s) => ObjectReader::S3(s.open(key)?),
        })
    }

    /// Starts writing the object at `key` (its prefix is created as needed).
    pub fn create(&self, key: &str) -> Result<ObjectWriter> {
        Ok(match self {
            Self::Local(s) => ObjectWriter::Local(s.create(key)?),
            Self::S3(s) => ObjectWriter::S3(s.create(key)?),
        })
    }

    /// Writes the object at `key` only if there is none: an [`io::ErrorKind::AlreadyExists`]
    /// error otherwise. Backups commit with this (their manifest).
    pub fn put_new(&self, key: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Self::Local(s) => s.put_new(key, bytes),
            Self::S3(s) => s.put_new(key, bytes),
        }
    }

    /// Deletes the object at `key`, durably; a missing object is fine.
    pub fn delete(&self, key: &str) -> Result<()> {
        match self {
            Self::Local(s) => s.delete(key),
            Self::S3(s) => s.delete(key),
        }
    }

    /// Takes the lock of `prefix` (created as needed), waiting up to `wait`.
    pub fn lock(&self, prefix: &str, wait: Duration, purpose: &str) -> Result<StoreLock> {
        Ok(match self {
            Self::Local(s) => StoreLock::Local(s.lock(prefix, wait, purpose)?),
            Self::S3(s) => StoreLock::S3(s.lock(prefix, wait, purpose)?),
        })
    }

    /// Removes what interrupted writers left under `prefix` and returns their locations.
    /// Call it holding the prefix's lock, before writing.
    pub fn clean_temporaries(&self, prefix: &str) -> Result<Vec<String>> {
        match self {
            Self::Local(s) => s.clean_temporaries(prefix),
            Self::S3(s) => s.clean_temporaries(prefix),
        }
    }

    /// Removes `prefix` itself (and its lock) when it holds nothing else: undoes what a failed
    /// first run created. Best effort.
    pub fn remove_if_empty(&self, prefix: &str) {
        match self {
            Self::Local(s) => s.remove_if_empty(prefix),
            Self::S3(s) => s.remove_if_empty(prefix),
        }
    }

    pub fn root_state(&self) -> Result<RootState> {
        match self {
            Self::Local(s) => s.root_state(),
            Self::S3(s) => s.root_state(),
        }
    }

    /// Creates the root (a local directory) if needed; true when it did.
    pub fn create_root(&self) -> Result<bool> {
        match self {
            Self::Local(s) => s.create_root(),
            Self::S3(s) => s.create_root(),
        }
    }

    /// How `key` is shown to people and in JSON: a path, or an `s3://` URL.
    pub fn location(&self, key: &str) -> String {
        match self {
            Self::Local(s) => s.path(key).display().to_string(),
            Self::S3(s) => s.location(key),
        }
    }

    /// The local path of `key`, for stores that have one.
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        match self {
            Self::Local(s) => Some(s.path(key)),
            Self::S3(_) => None,
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Local(r) => r.read(buf),
            Self::S3(r) => r.read(buf),
        }
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Local(w) => w.write(buf),
            Self::S3(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Local(w) => w.flush(),
            Self::S3(w) => w.flush(),
        }
    }
}

impl ObjectWriter {
    /// Makes the object visible at its key, completely, or returns an error and leaves nothing.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Self::Local(w) => w.commit(),
            Self::S3(w) => w.commit(),
        }
    }
}

impl StoreLock {
    /// The previous holder, when it died holding the lock.
    pub fn took_over(&self) -> Option<&LockHolder> {
        match self {
            Self::Local(l) => l.took_over(),
            Self::S3(l) => l.took_over(),
        }
    }
}

/// True when `e` says the lock is held by another run.
pub fn is_held(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<LockError>(), Some(LockError::Held { .. }))
}
