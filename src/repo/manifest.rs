//! The manifest: everything known about one backup, written last as its commit point.
//!
//! Readers ignore fields they do not know, so a newer redisops can add fields without breaking
//! `list` or `restore` in an older one.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::layout::BackupId;
use crate::archive::Codec;

/// The `format_version` this code writes.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub redisops_version: String,
    pub target: TargetInfo,
    pub redis_version: Option<String>,
    /// The server's flavour and real version (Valkey's own, not its `redis_version`);
    /// absent in manifests written before redisops recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    pub rdb_version: u32,
    /// `"bgsave"` or `"sync"`.
    pub method: String,
    /// Why the backup was taken; manifests written before this field read as `manual`.
    #[serde(default)]
    pub kind: BackupKind,
    /// For a safety backup: the restore it was taken before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protects: Option<Protects>,
    pub rdb: RdbInfo,
    pub archive: ArchiveInfo,
    /// Keyed by database number (`"0"`, `"1"`, …).
    pub databases: BTreeMap<String, DbCounts>,
    /// RDB AUX fields such as `ctime`, `used-mem`, `repl-id`.
    pub aux: BTreeMap<String, String>,
}

/// Which server wrote the backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub flavor: crate::server::Flavor,
    pub version: String,
}

/// Why a backup was taken. Safety backups hold the data a restore replaced (often the damaged
/// data), so `--latest` and the keep rules leave them out unless asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    /// By `backup --schedule`.
    Scheduled,
    /// By a `backup` run.
    #[default]
    Manual,
    /// By `restore`, of the data it is about to replace.
    Safety,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
            Self::Safety => "safety",
        }
    }
}

/// The restore a safety backup protects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protects {
    /// What the restore put in place: `backup <id>` or the file's path.
    pub restore_of: String,
    /// The server it was restored onto.
    pub onto: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub role: String,
    pub run_id: Option<String>,
    pub sentinel_master: Option<String>,
}

/// The uncompressed RDB payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdbInfo {
    pub size: u64,
    /// CRC-64/REDIS of the payload as 16 hex digits.
    pub crc64: String,
    /// False when the server wrote the RDB with `rdbchecksum no`.
    pub checksum_verified: bool,
    pub sha256: String,
}

/// The file on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveInfo {
    /// File name relative to the target directory.
    pub file: String,
    pub size: u64,
    pub sha256: String,
    /// `"gzip"` or `"zstd"`; manifests from before zstd have no field and are gzip.
    #[serde(default)]
    pub compression: Codec,
    pub compression_level: u32,
    /// `"age-x25519"`, `"age-scrypt"` or `"none"`.
    pub encryption: String,
    /// Public `age1…` recipients only; never identities.
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbCounts {
    pub keys: u64,
    pub expires: u64,
}

impl Manifest {
    /// The manifest as stored: pretty JSON with a final newline. The id must be a backup id,
    /// which also keeps a path separator out of the manifest's name.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        BackupId::parse(&self.id).context("refusing to write manifest")?;
        let mut json = serde_json::to_vec_pretty(self).context("cannot serialise manifest")?;
        json.push(b'\n');
        Ok(json)
    }

    pub fn parse(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }

    /// Keys across all databases.
    pub fn total_keys(&self) -> u64 {
        self.databases.values().map(|db| db.keys).sum()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A complete manifest for backup `id` whose archive is `<id>.rdb.gz.age`.
    pub(crate) fn sample(id: &str) -> Manifest {
        let created_at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        Manifest {
            format_version: MANIFEST_FORMAT_VERSION,
            id: id.to_owned(),
            created_at,
            finished_at: created_at + chrono::Duration::milliseconds(1500),
            duration_ms: 1500,
            redisops_version: "0.1.0".into(),
            target: TargetInfo {
                name: "db1".into(),
                host: "10.0.0.5".into(),
                port: 6379,
                role: "replica".into(),
                run_id: Some("a".repeat(40)),
                sentinel_master: Some("mymaster".into()),
            },
            redis_version: Some("7.2.4".into()),
            server: None,
            rdb_version: 11,
            method: "sync".into(),
            kind: BackupKind::Manual,
            protects: None,
            rdb: RdbInfo {
                size: 4096,
                crc64: "0123456789abcdef".into(),
                checksum_verified: true,
                sha256: "ab".repeat(32),
            },
            archive: ArchiveInfo {
                file: format!("{id}.rdb.gz.age"),
                size: 1024,
                sha256: "cd".repeat(32),
                compression: Codec::Gzip,
                compression_level: 6,
                encryption: "age-x25519".into(),
                recipients: vec!["age1examplerecipient".into()],
            },
            databases: BTreeMap::from([
                (
                    "0".into(),
                    DbCounts {
                        keys: 10,
                        expires: 2,
                    },
                ),
                (
                    "3".into(),
                    DbCounts {
                        keys: 5,
                        expires: 0,
                    },
                ),
            ]),
            aux: BTreeMap::from([
                ("ctime".into(), "1795575600".into()),
                ("repl-id".into(), "b".repeat(40)),
            ]),
        }
    }

    const ID: &str = "20261124T030000Z-1a2b3c4d";

    #[test]
    fn round_trip_through_json() {
        let manifest = sample(ID);
        let json = manifest.to_json().unwrap();
        assert!(json.ends_with(b"}\n"));
        assert_eq!(Manifest::parse(&json).unwrap(), manifest);
        assert_eq!(manifest.total_keys(), 15);
    }

    #[test]
    fn tolerates_unknown_fields() {
        let mut value = serde_json::to_value(sample(ID)).unwrap();
        value["added_in_v2"] = serde_json::json!({"anything": [1, 2]});
        value["archive"]["chunking"] = serde_json::json!("none");
        let parsed: Manifest = serde_json::from_value(value).unwrap();
        assert_eq!(parsed, sample(ID));
    }

    #[test]
    fn kind_defaults_to_manual_and_safety_names_its_restore() {
        let mut value = serde_json::to_value(sample(ID)).unwrap();
        assert_eq!(value["kind"], "manual");
        assert!(value.get("protects").is_none());
        value.as_object_mut().unwrap().remove("kind");
        let old: Manifest = serde_json::from_value(value).unwrap();
        assert_eq!(old.kind, BackupKind::Manual, "manifests without a kind");

        let mut safety = sample(ID);
        safety.kind = BackupKind::Safety;
        safety.protects = Some(Protects {
            restore_of: "backup 20261123T030000Z-00aa00aa".into(),
            onto: "10.0.0.5:6379".into(),
        });
        let value = serde_json::to_value(&safety).unwrap();
        assert_eq!(value["kind"], "safety");
        assert_eq!(value["protects"]["onto"], "10.0.0.5:6379");
        assert_eq!(serde_json::from_value::<Manifest>(value).unwrap(), safety);
    }

    #[test]
    fn write_refuses_malformed_id() {
        let err = sample("../escape").to_json().unwrap_err();
        assert!(format!("{err:#}").contains("invalid backup id"), "{err:#}");
    }
}
