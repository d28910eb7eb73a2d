//! Copying a backup from another repository: [`Repository::begin_copy`] gives the caller a
//! plain [`std::io::Write`] sink for the source's archive bytes, under the source's archive
//! name; [`CopySink::finish`] checks them against the source's manifest (size and SHA-256),
//! puts the archive in place and then stores the source's manifest bytes unchanged,
//! create-only: the commit point, as for a backup. Until then an error or a drop leaves
//! nothing listed (the archive sink and [`super::PendingBackup`] clean up after themselves).

use std::io::{self, Write};

use anyhow::{Result, bail};

use super::RepoError;
use super::layout::TargetId;
use super::manifest::Manifest;
use super::repository::{Backup, RepoLock, Repository};
use super::store::join;
use super::write::ArchiveSink;
use crate::archive::Hashed;
use crate::exit::{ExitCode, fail};

/// A copy of one backup being written into this repository.
pub struct CopySink {
    sink: Hashed<ArchiveSink>,
    manifest: Manifest,
    /// The source's manifest as stored: written as it is, so that fields this redisops does
    /// not know (from a newer one) are copied too.
    manifest_bytes: Vec<u8>,
    /// Where the bytes come from, for messages.
    source: String,
}

impl Repository {
    /// Starts copying `source`, a backup of repository `from`, into the target `lock` holds
    /// (the source's own target). Refused when this target already has the backup's archive
    /// or manifest, or when the source's manifest changed since it was listed.
    pub fn begin_copy(
        &self,
        lock: &RepoLock,
        from: &Repository,
        source: &Backup,
    ) -> Result<CopySink> {
        if lock.target != source.target {
            bail!(
                "backup {} of target {} cannot be copied into target {}",
                source.id,
                source.target,
                lock.target
            );
        }
        let manifest_bytes = stored_manifest(from, source)?;
        let sink = self.begin_archive(lock, &source.id, source.manifest.archive.file.clone())?;
        Ok(CopySink::new(sink, source, manifest_bytes))
    }
}

/// The source backup's manifest as stored; refused when it changed since it was listed.
pub(super) fn stored_manifest(from: &Repository, source: &Backup) -> Result<Vec<u8>> {
    let vanished = || RepoError::NotFound {
        what: format!(
            "backup {} in target {} of {} any more (deleted meanwhile?)",
            source.id,
            source.target,
            from.location()
        ),
    };
    let manifest_bytes = from
        .store
        .get(&source.manifest_object.key)?
        .ok_or_else(vanished)?;
    if Manifest::parse(&manifest_bytes).ok().as_ref() != Some(&source.manifest) {
        return Err(fail(
            ExitCode::VerifyFailed,
            format!(
                "{} changed since it was listed; nothing was copied",
                source.manifest_object.location
            ),
        ));
    }
    Ok(manifest_bytes)
}

impl CopySink {
    /// A copy of `source` into `sink`, an archive started under the source's name.
    pub(super) fn new(sink: ArchiveSink, source: &Backup, manifest_bytes: Vec<u8>) -> Self {
        CopySink {
            sink: Hashed::new(sink),
            manifest: source.manifest.clone(),
            manifest_bytes,
            source: source.archive.location.clone(),
        }
    }
}

impl Repository {
    /// How object `name` of the target's folder is (or would be) shown: where a copy puts it.
    pub fn target_object_location(&self, target: &TargetId, name: &str) -> String {
        self.store.location(&join(target.as_str(), name))
    }
}

impl Write for CopySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

impl CopySink {
    /// Checks the bytes written against the manifest, commits the archive, then the manifest;
    /// returns the backup as it now is in this repository.
    pub fn finish(self) -> Result<Backup> {
        let (sink, written, sha256) = self.sink.into_parts();
        let m = &self.manifest.archive;
        // Checked before the archive is put in place: a damaged source leaves nothing here.
        let damaged = |what: String| {
            fail(
                ExitCode::VerifyFailed,
                format!(
                    "{}: {what}; nothing was copied. Run redisops verify on the source",
                    self.source
                ),
            )
        };
        if written != m.size {
            return Err(damaged(format!(
                "read {written} bytes, its manifest says {}: the archive was truncated or replaced",
                m.size
            )));
        }
        if sha256 != m.sha256 {
            return Err(damaged(format!(
                "its SHA-256 is {sha256}, its manifest says {}: the archive was modified or swapped",
                m.sha256
            )));
        }
        let pending = sink.finish()?;
        pending.commit_bytes(self.manifest, &self.manifest_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::Codec;
    use crate::repo::layout::BackupId;
    use crate::repo::location::RepoLocation;
    use crate::repo::manifest::tests::sample;
    use sha2::{Digest, Sha256};
    use std::time::Duration;

    const ID: &str = "20261124T030000Z-1a2b3c4d";

    /// A repository at `<tmp>/<name>` with one backup of target db1 whose archive is `bytes`.
    fn source(tmp: &tempfile::TempDir, bytes: &[u8]) -> (Repository, Backup) {
        let repo = Repository::open_or_init(&RepoLocation::Local(tmp.path().join("src"))).unwrap();
        let target = TargetId::new("db1");
        let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();
        let id = BackupId::parse(ID).unwrap();
        let mut sink = repo.begin_backup(&lock, &id, Codec::Gzip, true).unwrap();
        sink.write_all(bytes).unwrap();
        let mut manifest = sample(ID);
        manifest.archive.size = bytes.len() as u64;
        manifest.archive.sha256 = hex::encode(Sha256::digest(bytes));
        let backup = sink.finish().unwrap().commit(manifest).unwrap();
        (repo, backup)
    }

    fn destination(tmp: &tempfile::TempDir) -> Repository {
        Repository::open_or_init(&RepoLocation::Local(tmp.path().join("dst"))).unwrap()
    }

    fn copy(to: &Repository, from: &Repository, backup: &Backup, bytes: &[u8]) -> Result<Backup> {
        let lock = to.lock(&backup.target, Duration::ZERO, "copy").unwrap();
        let mut sink = to.begin_copy(&lock, from, backup)?;
        sink.write_all(bytes)?;
        sink.finish()
    }

    #[test]
    fn a_copy_keeps_the_manifest_bytes_and_refuses_a_second_one() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, backup) = source(&tmp, b"archive bytes");
        let to = destination(&tmp);
        let copied = copy(&to, &from, &backup, b"archive bytes").unwrap();
        assert_eq!(copied.manifest, backup.manifest);
        assert_eq!(copied.archive.key, backup.archive.key);
        let stored =
            |repo: &Repository, b: &Backup| repo.store.get(&b.manifest_object.key).unwrap();
        assert_eq!(stored(&to, &copied), stored(&from, &backup));
        assert_eq!(to.list(&backup.target).unwrap().backups.len(), 1);

        let err = copy(&to, &from, &backup, b"archive bytes").unwrap_err();
        assert!(err.to_string().contains("exists already"), "{err}");
    }

    #[test]
    fn damaged_or_cut_bytes_leave_nothing_listed() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, backup) = source(&tmp, b"archive bytes");
        let to = destination(&tmp);
        for (bytes, expected) in [
            (&b"archive"[..], "truncated or replaced"),
            (&b"archive BYTES"[..], "modified or swapped"),
        ] {
            let err = copy(&to, &from, &backup, bytes).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
            assert_eq!(crate::exit::code_for(&err), ExitCode::VerifyFailed);
            // The target folder the failed copy created went with its lock.
            let listing = to.store.list(backup.target.as_str()).unwrap();
            assert!(listing.objects.is_empty(), "{:?}", listing.objects);
        }

        // Dropped mid-way (a failed read of the source): nothing either.
        let lock = to.lock(&backup.target, Duration::ZERO, "copy").unwrap();
        let mut sink = to.begin_copy(&lock, &from, &backup).unwrap();
        sink.write_all(b"arch").unwrap();
        drop(sink);
        assert!(to.list(&backup.target).unwrap().backups.is_empty());
        assert_eq!(
            to.clean_stale(&backup.target).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_changed_source_manifest_or_another_target_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, backup) = source(&tmp, b"archive bytes");
        let to = destination(&tmp);
        let mut stale = backup.clone();
        stale.manifest.duration_ms += 1;
        let err = copy(&to, &from, &stale, b"archive bytes").unwrap_err();
        assert!(
            err.to_string().contains("changed since it was listed"),
            "{err}"
        );

        let lock = to
            .lock(&TargetId::new("db2"), Duration::ZERO, "copy")
            .unwrap();
        let err = to.begin_copy(&lock, &from, &backup).err().unwrap();
        assert!(err.to_string().contains("into target db2"), "{err}");
    }
}
