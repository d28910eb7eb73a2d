//! Backup sets of a Redis Cluster: one archive per shard and a set manifest, written last
//! (create-only) as the commit point.
//!
//! ```text
//! <target-id>/sets/<set-id>/set.json                      the set manifest: the commit point
//! <target-id>/sets/<set-id>/s<NN>/<set-id>.rdb.gz.age     shard NN's archive (NN by first slot)
//! <target-id>/sets/<set-id>/s<NN>/<set-id>.manifest.json  its ordinary per-archive manifest
//! ```
//!
//! Shard backups live in folders below the target's, which the per-target listing does not
//! descend into: `list`, `prune`, `copy` and `restore` of single backups never see (or
//! delete) one shard of a set. A set exists only when `set.json` parses and every shard it
//! names is a complete backup; a set folder without `set.json` is what a failed or crashed
//! run left, and [`Repository::clean_stale_sets`] removes it under the target lock.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::RepoError;
use super::layout::{BackupId, TargetId, archive_file_name};
use super::repository::{Backup, ObjectRef, Problem, RepoLock, Repository};
use super::store::join;
use super::write::ArchiveSink;
use crate::archive::Codec;

pub const SET_FORMAT_VERSION: u32 = 1;
const SET_KIND: &str = "redis-cluster-set";
const SETS: &str = "sets";
const SET_FILE: &str = "set.json";
const SLOTS: u32 = 16384;

/// `set.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetManifest {
    pub format_version: u32,
    pub kind: String,
    pub set_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `per-shard`: each shard is consistent in itself, at its own fork time; `paused-cut`:
    /// writes were paused on every master while all shards' forks started ([`Pause`]).
    pub consistency: String,
    /// The cluster's slot coverage was incomplete and `--allow-partial` backed up only the
    /// owned slots: the set is not the whole dataset (`uncovered_slots` had no owner).
    #[serde(default)]
    pub partial: bool,
    /// Inclusive `[start, end]` ranges no shard owned at backup time; empty unless `partial`.
    #[serde(default)]
    pub uncovered_slots: Vec<[u16; 2]>,
    pub target: String,
    /// The seed node that answered discovery.
    pub seed: String,
    pub topology_before: TopologySnapshot,
    pub topology_after: TopologySnapshot,
    pub shards: Vec<ShardEntry>,
    /// With `consistency: paused-cut`: the write pause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    /// Node id → that node's raw `CLUSTER NODES` answer at backup time (before the first
    /// shard): enough to rebuild the topology without `nodes.conf`. It names ids, addresses,
    /// flags, epochs and slots; it carries no credentials.
    #[serde(default)]
    pub cluster_nodes: BTreeMap<String, String>,
}

/// The write pause of a `paused-cut` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub paused_at: DateTime<Utc>,
    pub unpaused_at: DateTime<Utc>,
    /// The `CLIENT PAUSE` timeout: the servers end the pause by themselves after it.
    pub timeout_ms: u64,
    /// Master id → its `master_repl_offset` while paused: the cut. Every shard's RDB
    /// (`repl-offset`) was checked to be at it.
    pub offsets: BTreeMap<String, u64>,
}

/// What the cluster looked like at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologySnapshot {
    pub current_epoch: u64,
    pub cluster_state: String,
    /// SHA-256 of the sorted `id master-id config-epoch slots` lines: equal when no slot,
    /// owner or epoch changed.
    pub slot_map_sha256: String,
}

/// One shard of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub index: usize,
    /// Inclusive `[start, end]` slot ranges the shard owned at backup time.
    pub slots: Vec<[u16; 2]>,
    pub master: NodeRef,
    pub source: SourceNode,
    /// The shard's archive is the backup with this id in folder `s<NN>`.
    pub backup_id: String,
    pub archive: String,
    pub keys: u64,
    pub expires: u64,
    /// `[start, end, keys, expires]`: runs of owned slots with equal per-slot counts.
    pub slot_counts: Vec<[u64; 4]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRef {
    pub id: String,
    pub addr: String,
    pub config_epoch: u64,
    /// The master's `master_repl_offset` just before the fetch.
    pub repl_offset: Option<u64>,
}

/// The node the RDB came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceNode {
    pub id: String,
    pub addr: String,
    /// `master` or `replica`.
    pub role: String,
    pub run_id: Option<String>,
    /// From the RDB's `repl-id` / `repl-offset` aux fields: the fork point in the shard's
    /// replication history.
    pub repl_id: Option<String>,
    pub repl_offset: Option<u64>,
    /// Master offset minus the replica's, read together just before the fetch.
    pub lag_bytes: Option<u64>,
}

impl ShardEntry {
    /// The slot ranges the shard owned at backup time.
    pub fn ranges(&self) -> Vec<crate::cluster::slots::SlotRange> {
        (self.slots.iter())
            .map(|[a, b]| crate::cluster::slots::SlotRange::new(*a, *b))
            .collect()
    }
}

impl SetManifest {
    pub fn to_json(&self) -> Result<Vec<u8>> {
        self.check().context("refusing to write the set manifest")?;
        let mut json = serde_json::to_vec_pretty(self).context("cannot serialise set manifest")?;
        json.push(b'\n');
        Ok(json)
    }

    /// Parses `set.json` and applies [`Self::check`].
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let m: Self = serde_json::from_slice(bytes)?;
        m.check()?;
        Ok(m)
    }

    /// The structural rules every set manifest obeys: known format and kind, a valid id,
    /// shards numbered 0.. in order, each a backup of the set's own id with slot ranges.
    fn check(&self) -> Result<()> {
        if self.format_version != SET_FORMAT_VERSION {
            bail!(
                "set format {} is not known to this redisops (it reads {SET_FORMAT_VERSION})",
                self.format_version
            );
        }
        if self.kind != SET_KIND {
            bail!("kind '{}' is not {SET_KIND}", self.kind);
        }
        BackupId::parse(&self.set_id)?;
        if self.shards.is_empty() {
            bail!("it lists no shards");
        }
        match (self.consistency.as_str(), &self.pause) {
            ("per-shard", None) | ("paused-cut", Some(_)) => {}
            (c, p) => bail!(
                "consistency '{c}' with{} a pause record is not per-shard or paused-cut",
                if p.is_some() { "" } else { "out" }
            ),
        }
        if self.partial == self.uncovered_slots.is_empty() {
            bail!(
                "partial is {} but uncovered_slots lists {} range(s)",
                self.partial,
                self.uncovered_slots.len()
            );
        }
        for (i, s) in self.shards.iter().enumerate() {
            if s.index != i {
                bail!("shard {i} is numbered {}", s.index);
            }
            if s.backup_id != self.set_id {
                bail!(
                    "shard {i} names backup {}, not {}",
                    s.backup_id,
                    self.set_id
                );
            }
            if s.slots.is_empty() || s.slots.iter().any(|[a, b]| a > b || u32::from(*b) >= SLOTS) {
                bail!("shard {i} has no valid slot ranges");
            }
        }
        Ok(())
    }

    /// Whether the shards' slot ranges cover every slot exactly once; `None` when they do.
    pub fn slot_map_problem(&self) -> Option<String> {
        let mut owner: Vec<Option<usize>> = vec![None; SLOTS as usize];
        let mut overlaps = Vec::new();
        for s in &self.shards {
            for [a, b] in &s.slots {
                let range = usize::from(*a)..=usize::from(*b);
                for (o, slot) in owner[range.clone()].iter_mut().zip(range) {
                    if let Some(other) = o.replace(s.index) {
                        overlaps.push(format!("slot {slot} is in shards {other} and {}", s.index));
                    }
                }
            }
        }
        let mut expected = vec![false; SLOTS as usize];
        for [a, b] in &self.uncovered_slots {
            expected[usize::from(*a)..=usize::from(*b).min(SLOTS as usize - 1)].fill(true);
        }
        let missing = owner.iter().filter(|o| o.is_none()).count();
        let as_recorded = owner.iter().zip(&expected).all(|(o, e)| o.is_none() == *e);
        match (overlaps.first(), missing) {
            (Some(first), _) => Some(format!(
                "shard slot ranges overlap ({} slot(s); {first})",
                overlaps.len()
            )),
            (None, 0) => None,
            (None, _) if as_recorded => None,
            (None, n) if self.partial => Some(format!(
                "shard slot ranges leave {n} of {SLOTS} slots uncovered, not the ones the \
                 partial set recorded as uncovered"
            )),
            (None, n) => Some(format!(
                "shard slot ranges leave {n} of {SLOTS} slots uncovered"
            )),
        }
    }

    pub fn total_keys(&self) -> u64 {
        self.shards.iter().map(|s| s.keys).sum()
    }
}

/// A complete set: its manifest parsed and every shard a complete backup.
#[derive(Debug, Clone)]
pub struct BackupSet {
    pub target: TargetId,
    pub id: BackupId,
    pub manifest: SetManifest,
    pub manifest_object: ObjectRef,
    /// In shard order.
    pub shards: Vec<Backup>,
}

/// Sets sorted oldest first, plus the set manifests that cannot count as sets.
#[derive(Debug, Default)]
pub struct SetList {
    pub sets: Vec<BackupSet>,
    pub problems: Vec<Problem>,
}

/// A set being written: shard backups are committed one by one; dropped without
/// [`PendingSet::commit`], it deletes them, so a failed run leaves no partial set.
pub struct PendingSet {
    repo: Repository,
    target: TargetId,
    id: BackupId,
    /// By shard index: shards captured in parallel finish in any order.
    shards: BTreeMap<usize, Backup>,
    committed: bool,
}

fn shard_folder(target: &TargetId, id: &BackupId, index: usize) -> TargetId {
    target.nested(&format!("{SETS}/{id}/s{index:02}"))
}

impl Repository {
    /// Starts set `id` of the target `lock` holds.
    pub fn begin_set(&self, lock: &RepoLock, id: &BackupId) -> Result<PendingSet> {
        let folder = join(lock.target.as_str(), SETS);
        if self
            .store
            .list(&folder)?
            .prefixes
            .iter()
            .any(|p| p == id.as_str())
        {
            bail!("backup set {id} exists already in target {}", lock.target);
        }
        Ok(PendingSet {
            repo: self.clone(),
            target: lock.target.clone(),
            id: id.clone(),
            shards: BTreeMap::new(),
            committed: false,
        })
    }

    /// Deletes a set whole: `set.json` first, so that the set stops existing at once and a
    /// crash after it leaves only shard folders without a commit point (removed by
    /// [`Self::clean_stale_sets`]), then every shard backup and the folders. Call it while
    /// holding the target lock.
    pub fn delete_set(&self, set: &BackupSet) -> Result<()> {
        self.store.delete(&set.manifest_object.key)?;
        for shard in &set.shards {
            self.delete(shard)?;
            self.store.remove_if_empty(shard.target.as_str());
        }
        let folder = join(set.target.as_str(), SETS);
        self.store.remove_if_empty(&join(&folder, set.id.as_str()));
        self.store.remove_if_empty(&folder);
        Ok(())
    }

    /// The target's complete sets, oldest first.
    pub fn list_sets(&self, target: &TargetId) -> Result<SetList> {
        let mut out = SetList::default();
        let folder = join(target.as_str(), SETS);
        for name in self.store.list(&folder)?.prefixes {
            let Ok(id) = BackupId::parse(&name) else {
                continue;
            };
            match self.load_set(target, &id) {
                Ok(Some(set)) => out.sets.push(set),
                Ok(None) => {}
                Err(message) => out.problems.push(Problem {
                    target: target.clone(),
                    id,
                    message,
                }),
            }
        }
        out.sets
            .sort_by(|a, b| (a.manifest.started_at, &a.id).cmp(&(b.manifest.started_at, &b.id)));
        Ok(out)
    }

    /// The sets of every target, oldest first.
    pub fn list_all_sets(&self) -> Result<SetList> {
        let mut out = SetList::default();
        for target in self.targets()? {
            let mut one = self.list_sets(&target)?;
            out.sets.append(&mut one.sets);
            out.problems.append(&mut one.problems);
        }
        out.sets
            .sort_by(|a, b| (a.manifest.started_at, &a.id).cmp(&(b.manifest.started_at, &b.id)));
        Ok(out)
    }

    /// The set whose id is `id_or_prefix` or starts with it; `None` when no set matches.
    pub fn find_set(
        &self,
        target: Option<&TargetId>,
        id_or_prefix: &str,
    ) -> Result<Option<BackupSet>> {
        let listed = match target {
            Some(t) => self.list_sets(t)?,
            None => self.list_all_sets()?,
        };
        let mut matches: Vec<BackupSet> = (listed.sets.into_iter())
            .filter(|s| s.id.as_str().starts_with(id_or_prefix))
            .collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.pop()),
            _ => Err(RepoError::Ambiguous {
                prefix: id_or_prefix.to_owned(),
                candidates: matches
                    .iter()
                    .map(|s| format!("{}/{}", s.target, s.id))
                    .collect(),
            }
            .into()),
        }
    }

    /// How set `id`'s `set.json` in `target` is (or would be) shown.
    pub fn set_manifest_location(&self, target: &TargetId, id: &BackupId) -> String {
        self.store
            .location(&join(target.as_str(), &format!("{SETS}/{id}/{SET_FILE}")))
    }

    /// Removes the set folders of `target` that have no `set.json`: left by a run that failed
    /// or crashed. Call it under the target lock, before a new set starts.
    pub fn clean_stale_sets(&self, target: &TargetId) -> Result<Vec<String>> {
        let folder = join(target.as_str(), SETS);
        let mut removed = Vec::new();
        for name in self.store.list(&folder)?.prefixes {
            let set = join(&folder, &name);
            let listing = self.store.list(&set)?;
            if listing.objects.iter().any(|o| o == SET_FILE) {
                continue;
            }
            for shard in &listing.prefixes {
                let prefix = join(&set, shard);
                removed.extend(self.store.clean_temporaries(&prefix)?);
                for object in self.store.list(&prefix)?.objects {
                    let key = join(&prefix, &object);
                    self.store.delete(&key)?;
                    removed.push(self.store.location(&key));
                }
                self.store.remove_if_empty(&prefix);
            }
            self.store.remove_if_empty(&set);
        }
        self.store.remove_if_empty(&folder);
        removed.sort();
        Ok(removed)
    }

    fn load_set(&self, target: &TargetId, id: &BackupId) -> Result<Option<BackupSet>, String> {
        let key = join(target.as_str(), &format!("{SETS}/{id}/{SET_FILE}"));
        let location = self.store.location(&key);
        let bytes = match self.store.get(&key) {
            Ok(Some(bytes)) => bytes,
            // No commit point: a set still being written, or one that failed.
            Ok(None) => return Ok(None),
            Err(e) => return Err(format!("{e:#}; skipped")),
        };
        let manifest = SetManifest::parse(&bytes)
            .map_err(|e| format!("set manifest {location} is not valid: {e:#}; skipped"))?;
        if manifest.set_id != id.as_str() {
            return Err(format!("{location} names set {}; skipped", manifest.set_id));
        }
        let mut shards = Vec::new();
        for s in &manifest.shards {
            let folder = shard_folder(target, id, s.index);
            let listing = self
                .store
                .list(folder.as_str())
                .map_err(|e| format!("{e:#}"))?;
            let missing = || {
                format!(
                    "set {id}: shard s{:02}'s backup is missing; the set is incomplete, skipped",
                    s.index
                )
            };
            match self.load_backup(&folder, &listing, id.clone()) {
                Ok(Some(b)) if b.manifest.archive.file == s.archive => shards.push(b),
                Ok(Some(_)) => {
                    return Err(format!(
                        "set {id}: shard s{:02}'s archive is not {}; skipped",
                        s.index, s.archive
                    ));
                }
                Ok(None) => return Err(missing()),
                Err(problem) => return Err(format!("set {id}: {problem}")),
            }
        }
        Ok(Some(BackupSet {
            target: target.clone(),
            id: id.clone(),
            manifest,
            manifest_object: ObjectRef { location, key },
            shards,
        }))
    }
}

impl PendingSet {
    pub fn id(&self) -> &BackupId {
        &self.id
    }

    /// Starts shard `index`'s archive; commit it (its own manifest, id = the set's) and hand
    /// the backup to [`Self::add_shard`].
    pub fn begin_shard(&self, index: usize, codec: Codec, encrypted: bool) -> Result<ArchiveSink> {
        self.begin_shard_named(index, archive_file_name(&self.id, codec, encrypted))
    }

    /// Starts shard `index`'s archive under the name `file` (a copy keeps the source's).
    pub(super) fn begin_shard_named(&self, index: usize, file: String) -> Result<ArchiveSink> {
        if self.shards.contains_key(&index) {
            bail!("shard {index} of set {} was written already", self.id);
        }
        let folder = shard_folder(&self.target, &self.id, index);
        self.repo.begin_archive_in(&folder, &self.id, file)
    }

    /// Adds shard `index`'s committed backup.
    pub fn add_shard(&mut self, index: usize, backup: Backup) {
        self.shards.insert(index, backup);
    }

    /// Writes `set.json` (create-only): the set exists from here on.
    pub fn commit(self, manifest: SetManifest) -> Result<BackupSet> {
        let bytes = manifest.to_json()?;
        self.commit_bytes(manifest, &bytes)
    }

    /// [`Self::commit`] with `bytes`, the stored form of `manifest` (a copy stores the
    /// source's bytes unchanged). Every shard 0..n must have been added.
    pub(super) fn commit_bytes(mut self, manifest: SetManifest, bytes: &[u8]) -> Result<BackupSet> {
        let complete = self.shards.keys().copied().eq(0..manifest.shards.len());
        if manifest.set_id != self.id.as_str() || !complete {
            bail!(
                "the set manifest does not describe set {} and its {} shard(s)",
                self.id,
                self.shards.len()
            );
        }
        let key = join(
            self.target.as_str(),
            &format!("{SETS}/{}/{SET_FILE}", self.id),
        );
        self.repo
            .store
            .put_new(&key, bytes)
            .context("writing the set manifest")?;
        self.committed = true;
        Ok(BackupSet {
            target: self.target.clone(),
            id: self.id.clone(),
            manifest,
            manifest_object: ObjectRef {
                location: self.repo.store.location(&key),
                key,
            },
            shards: std::mem::take(&mut self.shards).into_values().collect(),
        })
    }
}

impl Drop for PendingSet {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Without set.json the shards are not a set: remove them now rather than leave them
        // for the next run's clean-up. Best effort; clean_stale_sets finishes a crash's.
        for shard in self.shards.values() {
            let _ = self.repo.delete(shard);
        }
        let _ = self.repo.clean_stale_sets(&self.target);
    }
}

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
