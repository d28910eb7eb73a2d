//! Copying a backup set from another repository: [`Repository::begin_set_copy`] starts the set
//! in the destination (create-only: refused when any folder of that set id is there), each
//! shard archive goes through a [`CopySink`] into its shard folder (checked against the
//! shard's manifest by size and SHA-256, then committed with that manifest's bytes), and
//! [`SetCopy::commit`] stores the source's `set.json` bytes unchanged, last: the commit point,
//! as for a backup. Until then an error or a drop leaves no set (the [`PendingSet`] removes
//! the shards already copied).

use anyhow::{Result, bail};

use super::RepoError;
use super::copy::{CopySink, stored_manifest};
use super::repository::{Backup, RepoLock, Repository};
use super::set::{BackupSet, PendingSet, SetManifest};
use crate::exit::{ExitCode, fail};

/// A copy of one set being written into this repository.
pub struct SetCopy {
    pending: PendingSet,
    source: BackupSet,
    /// The source's `set.json` as stored, so that fields this redisops does not know are
    /// copied too.
    manifest_bytes: Vec<u8>,
}

impl Repository {
    /// Starts copying `source`, a set of repository `from`, into the target `lock` holds (the
    /// source's own target). Refused when the source's `set.json` changed since it was listed.
    pub fn begin_set_copy(
        &self,
        lock: &RepoLock,
        from: &Repository,
        source: &BackupSet,
    ) -> Result<SetCopy> {
        if lock.target != source.target {
            bail!(
                "backup set {} of target {} cannot be copied into target {}",
                source.id,
                source.target,
                lock.target
            );
        }
        let manifest_bytes = from
            .store
            .get(&source.manifest_object.key)?
            .ok_or_else(|| RepoError::NotFound {
                what: format!(
                    "backup set {} in target {} of {} any more (deleted meanwhile?)",
                    source.id,
                    source.target,
                    from.location()
                ),
            })?;
        if SetManifest::parse(&manifest_bytes).ok().as_ref() != Some(&source.manifest) {
            return Err(fail(
                ExitCode::VerifyFailed,
                format!(
                    "{} changed since it was listed; nothing was copied",
                    source.manifest_object.location
                ),
            ));
        }
        Ok(SetCopy {
            pending: self.begin_set(lock, &source.id)?,
            source: source.clone(),
            manifest_bytes,
        })
    }
}

impl SetCopy {
    /// The source set's shard backups, in shard order.
    pub fn shards(&self) -> &[Backup] {
        &self.source.shards
    }

    /// A sink for shard `index`'s archive bytes (read from `from`); hand what its
    /// [`CopySink::finish`] returns to [`Self::add_shard`].
    pub fn begin_shard(&self, from: &Repository, index: usize) -> Result<CopySink> {
        let shard = &self.source.shards[index];
        let manifest_bytes = stored_manifest(from, shard)?;
        let sink = self
            .pending
            .begin_shard_named(index, shard.manifest.archive.file.clone())?;
        Ok(CopySink::new(sink, shard, manifest_bytes))
    }

    pub fn add_shard(&mut self, index: usize, backup: Backup) {
        self.pending.add_shard(index, backup);
    }

    /// Stores the source's `set.json` (create-only): the copied set exists from here on.
    pub fn commit(self) -> Result<BackupSet> {
        self.pending
            .commit_bytes(self.source.manifest.clone(), &self.manifest_bytes)
    }
}
