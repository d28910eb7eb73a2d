//! The backup repository: every target's backups, behind one API. [`Repository`] owns the
//! layout, ids, manifests, lookup, locking and deletion, and reaches the bytes only through a
//! store shaped like object storage (`store/`: list a prefix, stream an object, a writer that
//! commits atomically or leaves nothing, a create-only put, delete, a per-target lock), so a
//! remote backend is one more variant. [`RepoLocation`] says where the repository is. Nothing
//! outside this module opens, creates, renames or deletes an archive or a manifest: backups are
//! written through [`Repository::begin_backup`] (or copied from another repository through
//! [`Repository::begin_copy`]) and read through [`Repository::open_archive`].
//!
//! The local layout:
//!
//! ```text
//! <repo>/
//!   redisops-repo.json            {"format": 1, "created_at": "..."}  marker; written on init
//!   <target-id>/                  one folder per target (name from config, or "<host>-<port>"; sanitised to [A-Za-z0-9._-], anything else → '_')
//!     .lock                       advisory lock file (flock via std File::lock), content = JSON holder info
//!     <backup-id>.rdb.gz.age      the archive (or .rdb.gz when not encrypted)
//!     <backup-id>.manifest.json   written LAST: the commit point
//!     .tmp-*                      temporaries of a running or crashed backup
//!     sets/<set-id>/              a Redis Cluster backup set: `set.json` and one folder per
//!                                 shard holding an ordinary backup (see `set.rs`)
//! ```
//!
//! A backup id is `<UTC YYYYMMDDTHHMMSSZ>-<8 hex chars random>`, e.g. `20261124T030000Z-1a2b3c4d`,
//! so ids sort by time (to the second; listings order by the manifest's creation time). A leading
//! `.` in a target name also becomes `_`, so no target can hide or clash with `.lock`. Backup and
//! prune take the target's lock. Directories are created with mode 0700, files with 0600.
//!
//! A backup exists only once its manifest parses and names an archive that is present: the
//! archive is committed first and the manifest last (create-only), and deletion removes the manifest
//! first, so a crash at any point leaves at most an orphan archive or `.tmp-*` file, which
//! [`Repository::clean_stale`] removes under the target lock.
//!
//! Functions return [`anyhow::Result`]; the error kinds callers branch on are [`RepoError`]
//! (reach it with `downcast_ref`) and, from locking, [`LockError`].

mod copy;
mod layout;
mod location;
mod lock;
mod manifest;
mod origin;
mod repository;
mod set;
mod set_copy;
mod store;
mod write;

use thiserror::Error;

pub use copy::CopySink;
pub use layout::{BackupId, TargetId};
pub use location::{RepoLocation, S3Location, S3Options};
pub use lock::{LockError, LockHolder};
#[cfg(test)]
pub(crate) use manifest::tests::sample as sample_manifest;
pub use manifest::{
    ArchiveInfo, BackupKind, DbCounts, MANIFEST_FORMAT_VERSION, Manifest, Protects, RdbInfo,
    ServerInfo, TargetInfo,
};
pub use origin::{ServerIdentity, address};
pub use repository::{Backup, ListResult, ObjectRef, Problem, RepoLock, Repository};
pub use set::{
    BackupSet, NodeRef, Pause, PendingSet, SET_FORMAT_VERSION, SetList, SetManifest, ShardEntry,
    SourceNode, TopologySnapshot,
};
pub use set_copy::SetCopy;
pub use store::{ObjectReader, is_held};
pub use write::{ArchiveSink, PendingBackup};

#[derive(Debug, Error)]
pub enum RepoError {
    #[error("{location} is not a redisops repository: {reason}")]
    NotARepository { location: String, reason: String },
    /// `what` completes "no …", e.g. "backup matching '2026' in target db1".
    #[error("no {what}")]
    NotFound { what: String },
    #[error(
        "backup id '{prefix}' is ambiguous; it matches {}; give more of the id",
        .candidates.join(", ")
    )]
    Ambiguous {
        prefix: String,
        candidates: Vec<String>,
    },
    #[error(
        "no backup under this target's name, and backups of {server} are in several folders: {}; \
         restore one of them by its id (redisops restore ID)",
        .folders.join(", ")
    )]
    ManyFolders {
        server: String,
        folders: Vec<String>,
    },
}
