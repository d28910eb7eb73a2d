//! Names inside the repository: target ids, backup ids, the file names derived from them, and
//! the permissions every directory and file is created with.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::fs::DirBuilder;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::archive::Codec;
use crate::fsutil::fsync_dir;

/// Marker file at the repository root.
pub(super) const MARKER_FILE: &str = "redisops-repo.json";
/// Advisory lock file in each target directory (and at the root for repository-wide work).
pub(super) const LOCK_FILE: &str = ".lock";
/// Extension of a manifest: `<backup-id>.manifest.json`.
pub(super) const MANIFEST_EXT: &str = "manifest.json";
/// Mode of every directory the repository creates: backups hold the whole dataset.
pub(super) const DIR_MODE: u32 = 0o700;
/// Mode of every file the repository creates.
pub const FILE_MODE: u32 = 0o600;

const TIMESTAMP_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const TIMESTAMP_LEN: usize = "YYYYMMDDTHHMMSSZ".len();
const SUFFIX_LEN: usize = 8;

/// Name of a target's folder: the configured name, or `<host>-<port>`.
///
/// Every character outside `[A-Za-z0-9._-]` becomes `_`, and so does a leading `.`, so that a
/// target can never be `.`/`..`, hide itself, or collide with `.lock` and `.tmp-*` files. An
/// empty name becomes `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetId(String);

impl TargetId {
    pub fn new(name: &str) -> Self {
        let mut id: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if id.is_empty() || id.starts_with('.') {
            id.replace_range(..id.len().min(1), "_");
        }
        Self(id)
    }

    pub fn from_host_port(host: &str, port: u16) -> Self {
        Self::new(&format!("{host}-{port}"))
    }

    /// The id a directory name stands for, if it is one that [`TargetId::new`] could produce.
    pub(super) fn from_dir_name(name: &str) -> Option<Self> {
        let id = Self::new(name);
        (id.0 == name).then_some(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A folder inside this target's (a set's shard): `<target>/<path>`. Never listed as a
    /// target, so only code that knows the set layout reaches what it holds.
    pub(super) fn nested(&self, path: &str) -> Self {
        Self(format!("{}/{path}", self.0))
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `<UTC YYYYMMDDTHHMMSSZ>-<8 lowercase hex>`, e.g. `20261124T030000Z-1a2b3c4d`.
///
/// The fixed-width timestamp comes first, so ordering by the string is ordering by time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BackupId {
    id: String,
    timestamp: DateTime<Utc>,
}

impl BackupId {
    /// A new id for a backup started at `now` (sub-second precision is dropped).
    pub fn generate(now: DateTime<Utc>) -> Self {
        // The suffix keeps two backups of the same second apart and in order: its first three
        // hex digits are the millisecond (backups of one target are serialised by the lock, so
        // they never share one), the rest random. The randomly keyed std hasher is enough and
        // needs neither a rand crate nor fallible I/O.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_i64(now.timestamp_nanos_opt().unwrap_or_default());
        let millis = now.timestamp_subsec_millis().min(999);
        let suffix = (millis << 20) | (hasher.finish() as u32 & 0xf_ffff);
        let id = format!("{}-{suffix:08x}", now.format(TIMESTAMP_FORMAT));
        Self::parse(&id).expect("generated backup ids are well formed")
    }

    pub fn parse(s: &str) -> Result<Self> {
        let well_formed = s.len() == TIMESTAMP_LEN + 1 + SUFFIX_LEN
            && s.is_char_boundary(TIMESTAMP_LEN)
            && s.as_bytes()[TIMESTAMP_LEN] == b'-'
            && s.as_bytes()[TIMESTAMP_LEN + 1..]
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
        let timestamp = well_formed
            .then(|| NaiveDateTime::parse_from_str(&s[..TIMESTAMP_LEN], TIMESTAMP_FORMAT).ok())
            .flatten()
            .map(|t| t.and_utc())
            // Re-formatting rejects the variants chrono's parser tolerates (signs, short fields).
            .filter(|t| t.format(TIMESTAMP_FORMAT).to_string() == s[..TIMESTAMP_LEN]);
        match timestamp {
            Some(timestamp) => Ok(Self {
                id: s.to_owned(),
                timestamp,
            }),
            None => bail!("invalid backup id '{s}' (expected YYYYMMDDTHHMMSSZ-xxxxxxxx)"),
        }
    }

    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for BackupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// `<backup-id>.manifest.json`.
pub fn manifest_file_name(id: &BackupId) -> String {
    format!("{id}.{MANIFEST_EXT}")
}

/// `<backup-id>.rdb.gz.age` (`.rdb.zst.age` for zstd), without `.age` when the backup is not
/// encrypted.
pub fn archive_file_name(id: &BackupId, codec: Codec, encrypted: bool) -> String {
    let age = if encrypted { ".age" } else { "" };
    format!("{id}.rdb.{}{age}", codec.extension())
}

/// Splits `<backup-id>.<ext>` into the id and the extension (`rdb.gz.age`, `manifest.json`, …);
/// `None` for every other name, including `.lock` and `.tmp-*`.
pub(super) fn split_file_name(name: &str) -> Option<(BackupId, &str)> {
    let (id, ext) = name.split_once('.')?;
    let id = BackupId::parse(id).ok()?;
    (!ext.is_empty()).then_some((id, ext))
}

/// Creates `dir` (and missing parents) with [`DIR_MODE`]; an existing directory is fine.
/// The parent is fsynced so that the new entry survives a crash.
pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    match DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir) {
        Ok(()) => match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => fsync_dir(parent),
            _ => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn target_id_sanitises() {
        assert_eq!(TargetId::new("cache-eu_1.prod").as_str(), "cache-eu_1.prod");
        assert_eq!(TargetId::new("db 1/primary").as_str(), "db_1_primary");
        assert_eq!(TargetId::new("ünï").as_str(), "_n_", "one _ per character");
        assert_eq!(TargetId::new("..").as_str(), "_.");
        assert_eq!(TargetId::new(".lock").as_str(), "_lock");
        assert_eq!(TargetId::new("").as_str(), "_");
        assert_eq!(
            TargetId::from_host_port("::1", 6379).to_string(),
            "__1-6379"
        );
        assert_eq!(
            TargetId::from_host_port("redis.example.com", 6380).to_string(),
            "redis.example.com-6380"
        );
    }

    #[test]
    fn target_id_from_dir_name_only_accepts_sanitised_names() {
        assert_eq!(TargetId::from_dir_name("db1"), Some(TargetId::new("db1")));
        assert_eq!(TargetId::from_dir_name(".hidden"), None);
        assert_eq!(TargetId::from_dir_name("with space"), None);
    }

    #[test]
    fn backup_id_generate_and_parse() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap()
            + chrono::Duration::milliseconds(750);
        let id = BackupId::generate(now);
        let s = id.to_string();
        assert!(s.starts_with("20261124T030000Z-"), "{s}");
        assert_eq!(s.len(), 25);
        assert_eq!(
            id.timestamp(),
            Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap()
        );
        assert_eq!(BackupId::parse(&s).unwrap(), id);
        assert_ne!(BackupId::generate(now), id, "same second, different suffix");
        let later = BackupId::generate(now + chrono::Duration::milliseconds(1));
        assert!(
            later > id,
            "same second, later millisecond sorts after: {later} {id}"
        );
    }

    #[test]
    fn backup_id_rejects_malformed() {
        for bad in [
            "",
            "20261124T030000Z",
            "20261124T030000Z-1a2b3c4",
            "20261124T030000Z-1A2B3C4D",
            "20261124T030000Z-1a2b3c4g",
            "20261124T030000Z_1a2b3c4d",
            "20261324T030000Z-1a2b3c4d",
            "+2026124T030000Z-1a2b3c4d",
            "20261124T030000Z-1a2b3c4d.manifest",
            "2026112ä030000Z-1a2b3c4d",
        ] {
            assert!(BackupId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn backup_ids_sort_by_time() {
        let mut ids: Vec<BackupId> = [
            "20261124T030000Z-ffffffff",
            "20251231T235959Z-00000000",
            "20261124T030001Z-00000000",
            "20261124T030000Z-0000000a",
        ]
        .iter()
        .map(|s| BackupId::parse(s).unwrap())
        .collect();
        ids.sort();
        let sorted: Vec<&str> = ids.iter().map(BackupId::as_str).collect();
        assert_eq!(
            sorted,
            [
                "20251231T235959Z-00000000",
                "20261124T030000Z-0000000a",
                "20261124T030000Z-ffffffff",
                "20261124T030001Z-00000000",
            ]
        );
        assert!(ids.windows(2).all(|w| w[0].timestamp() <= w[1].timestamp()));
    }

    #[test]
    fn split_file_names() {
        let id = BackupId::parse("20261124T030000Z-1a2b3c4d").unwrap();
        assert_eq!(
            split_file_name("20261124T030000Z-1a2b3c4d.rdb.gz.age"),
            Some((id.clone(), "rdb.gz.age"))
        );
        assert_eq!(
            split_file_name(&manifest_file_name(&id)),
            Some((id, MANIFEST_EXT))
        );
        for other in [
            ".lock",
            ".tmp-20261124T030000Z-1a2b3c4d.rdb.gz.age.42",
            "20261124T030000Z-1a2b3c4d",
            "20261124T030000Z-1a2b3c4d.",
            "notes.txt",
        ] {
            assert_eq!(split_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn file_names() {
        let id = BackupId::parse("20261124T030000Z-1a2b3c4d").unwrap();
        assert_eq!(
            manifest_file_name(&id),
            "20261124T030000Z-1a2b3c4d.manifest.json"
        );
        assert_eq!(
            archive_file_name(&id, Codec::Gzip, true),
            "20261124T030000Z-1a2b3c4d.rdb.gz.age"
        );
        assert_eq!(
            archive_file_name(&id, Codec::Gzip, false),
            "20261124T030000Z-1a2b3c4d.rdb.gz"
        );
        assert_eq!(
            archive_file_name(&id, Codec::Zstd, true),
            "20261124T030000Z-1a2b3c4d.rdb.zst.age"
        );
    }
}
