//! Writing a backup: [`Repository::begin_backup`] gives the archive pipeline a plain
//! [`std::io::Write`] sink; [`ArchiveSink::finish`] puts the archive at its final key and
//! [`PendingBackup::commit`] writes the manifest last, create-only: the commit point. An error
//! or a drop at any step before leaves nothing that looks like a backup.

use std::io::{self, Write};

use anyhow::{Context, Result, bail};

use super::layout::{BackupId, TargetId, archive_file_name, manifest_file_name};
use super::manifest::Manifest;
use super::repository::{Backup, ObjectRef, RepoLock, Repository};
use super::store::{ObjectWriter, Store, join};
use crate::archive::Codec;
use crate::exit::{ExitCode, Failure};

/// The archive of a backup being written.
pub struct ArchiveSink {
    writer: ObjectWriter,
    pending: PendingBackup,
}

/// An archive in place whose manifest is not written yet; dropped uncommitted, it deletes
/// the archive.
pub struct PendingBackup {
    store: Store,
    target: TargetId,
    id: BackupId,
    file: String,
    /// Set once the archive is in place, until the manifest is.
    delete_on_drop: bool,
}

impl Repository {
    /// Starts backup `id` of the target `lock` holds; the codec and `encrypted` decide the
    /// archive's name.
    pub fn begin_backup(
        &self,
        lock: &RepoLock,
        id: &BackupId,
        codec: Codec,
        encrypted: bool,
    ) -> Result<ArchiveSink> {
        self.begin_archive(lock, id, archive_file_name(id, codec, encrypted))
    }

    /// Starts writing archive `file` of backup `id` in the target `lock` holds; refused when
    /// the target already has that archive or that backup's manifest. Also the start of a
    /// copy (`copy.rs`), which keeps the source's file name.
    pub(super) fn begin_archive(
        &self,
        lock: &RepoLock,
        id: &BackupId,
        file: String,
    ) -> Result<ArchiveSink> {
        self.begin_archive_in(&lock.target, id, file)
    }

    /// [`Self::begin_archive`] into `folder`: the target's own, or a set's shard folder in it
    /// (the caller holds the target's lock).
    pub(super) fn begin_archive_in(
        &self,
        folder: &TargetId,
        id: &BackupId,
        file: String,
    ) -> Result<ArchiveSink> {
        // Ids are unique by time and a random suffix; never overwrite (and on failure delete)
        // another backup's archive all the same.
        let listing = self.store.list(folder.as_str())?;
        if listing.objects.contains(&file) || listing.objects.contains(&manifest_file_name(id)) {
            bail!("backup {id} exists already in {folder}");
        }
        let writer = self.store.create(&join(folder.as_str(), &file))?;
        Ok(ArchiveSink {
            writer,
            pending: PendingBackup {
                store: self.store.clone(),
                target: folder.clone(),
                id: id.clone(),
                file,
                delete_on_drop: false,
            },
        })
    }
}

impl Write for ArchiveSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf).map_err(|e| self.explain(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(|e| self.explain(e))
    }
}

impl ArchiveSink {
    /// Commits the archive at its final key; the backup is complete once its manifest is.
    pub fn finish(self) -> Result<PendingBackup> {
        let Self {
            writer,
            mut pending,
        } = self;
        let location = pending.location(&pending.file);
        writer
            .commit()
            .map_err(|e| pending.explain(e))
            .with_context(|| format!("cannot write {location}"))?;
        pending.delete_on_drop = true;
        Ok(pending)
    }

    fn explain(&self, e: io::Error) -> io::Error {
        self.pending.explain(e)
    }
}

impl PendingBackup {
    /// The archive's name, for the manifest's `archive.file`.
    pub fn archive_file(&self) -> &str {
        &self.file
    }

    /// Writes the manifest (create-only) and returns the complete backup.
    pub fn commit(self, manifest: Manifest) -> Result<Backup> {
        let json = manifest.to_json()?;
        self.commit_bytes(manifest, &json)
    }

    /// Writes `bytes`, the stored form of `manifest`, as the manifest (create-only). A copy
    /// stores the source's bytes as they are, so fields this redisops does not know survive.
    pub(super) fn commit_bytes(mut self, manifest: Manifest, bytes: &[u8]) -> Result<Backup> {
        if manifest.id != self.id.as_str() || manifest.archive.file != self.file {
            bail!(
                "manifest of {} does not describe archive {}",
                manifest.id,
                self.file
            );
        }
        let key = join(self.target.as_str(), &manifest_file_name(&self.id));
        self.store
            .put_new(&key, bytes)
            .context("writing the manifest")?;
        self.delete_on_drop = false;
        let archive_key = join(self.target.as_str(), &self.file);
        Ok(Backup {
            target: self.target.clone(),
            id: self.id.clone(),
            manifest,
            archive: ObjectRef {
                location: self.store.location(&archive_key),
                key: archive_key,
            },
            manifest_object: ObjectRef {
                location: self.store.location(&key),
                key,
            },
        })
    }

    /// Write errors say that it was the repository side that failed (full disk, quota, file
    /// size limit), not the server.
    fn explain(&self, e: io::Error) -> io::Error {
        // An error that says already what happened (an S3 request refused) stays as it is.
        if e.get_ref().is_some_and(|inner| inner.is::<Failure>()) {
            return e;
        }
        io::Error::other(Failure::new(
            ExitCode::Error,
            format!(
                "cannot write the archive in {}: {e}; no archive was left behind. Check free \
                 space and quotas in the repository",
                self.store.location(self.target.as_str())
            ),
        ))
    }

    fn location(&self, file: &str) -> String {
        self.store.location(&join(self.target.as_str(), file))
    }
}

impl Drop for PendingBackup {
    fn drop(&mut self) {
        // Without its manifest the archive is not a backup: do not leave it behind.
        if self.delete_on_drop {
            let _ = self.store.delete(&join(self.target.as_str(), &self.file));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::location::RepoLocation;
    use crate::repo::manifest::tests::sample;
    use std::time::Duration;

    const ID: &str = "20261124T030000Z-1a2b3c4d";

    fn files(root: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = walk(root);
        names.sort();
        names
    }

    fn walk(dir: &std::path::Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .flat_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_dir() {
                    walk(&e.path())
                        .into_iter()
                        .map(|n| format!("{name}/{n}"))
                        .collect()
                } else {
                    vec![name]
                }
            })
            .collect()
    }

    #[test]
    fn a_backup_commits_archive_then_manifest_and_a_failed_first_one_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        let repo = Repository::open_for_backup(&RepoLocation::Local(root.clone())).unwrap();
        assert!(!root.exists(), "nothing before the lock");
        let target = TargetId::new("db1");
        let id = BackupId::parse(ID).unwrap();

        // Aborted while writing, and after the archive was in place: nothing stays.
        let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();
        let mut sink = repo.begin_backup(&lock, &id, Codec::Gzip, true).unwrap();
        sink.write_all(b"partial").unwrap();
        drop(sink);
        let mut sink = repo.begin_backup(&lock, &id, Codec::Gzip, true).unwrap();
        sink.write_all(b"archive").unwrap();
        let pending = sink.finish().unwrap();
        assert_eq!(pending.archive_file(), format!("{ID}.rdb.gz.age"));
        drop(pending);
        assert_eq!(files(&root), ["db1/.lock", "redisops-repo.json"]);
        drop(lock);
        assert!(
            !root.exists(),
            "the repository a failed first run created is gone"
        );

        // A complete backup: archive, then manifest; listed; the repository stays.
        let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();
        let mut sink = repo.begin_backup(&lock, &id, Codec::Gzip, true).unwrap();
        sink.write_all(b"archive").unwrap();
        let pending = sink.finish().unwrap();
        let mut wrong = sample(ID);
        wrong.archive.file = format!("{ID}.rdb.gz");
        let manifest = sample(ID);
        let backup = pending.commit(manifest.clone()).unwrap();
        assert_eq!(backup.manifest, manifest);
        assert_eq!(
            backup.archive.location,
            root.join(format!("db1/{ID}.rdb.gz.age"))
                .display()
                .to_string()
        );
        drop(lock);
        assert_eq!(
            files(&root),
            [
                "db1/.lock".to_string(),
                format!("db1/{ID}.manifest.json"),
                format!("db1/{ID}.rdb.gz.age"),
                "redisops-repo.json".to_string(),
            ]
        );
        let listed = repo.list(&target).unwrap();
        assert_eq!(listed.backups.len(), 1);
        let mut read = Vec::new();
        std::io::Read::read_to_end(
            &mut repo.open_archive(&listed.backups[0]).unwrap(),
            &mut read,
        )
        .unwrap();
        assert_eq!(read, b"archive");

        // A manifest that does not describe the archive, or a second commit of the same id,
        // is refused and takes its archive with it.
        let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();
        let other = BackupId::parse("20261124T030001Z-00000000").unwrap();
        let sink = repo
            .begin_backup(&lock, &other, Codec::Gzip, false)
            .unwrap();
        let err = sink.finish().unwrap().commit(wrong).unwrap_err();
        assert!(err.to_string().contains("does not describe"), "{err}");
        let err = repo
            .begin_backup(&lock, &id, Codec::Gzip, true)
            .err()
            .unwrap();
        assert!(err.to_string().contains("exists already"), "{err}");
        assert_eq!(repo.list(&target).unwrap().backups.len(), 1);
        assert_eq!(files(&root).len(), 4, "{:?}", files(&root));
    }
}
