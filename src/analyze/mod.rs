//! Offline analysis of an RDB: what is inside a backup, a dump file or a live server's
//! snapshot, in one streaming pass and bounded memory (nothing of the data is stored).
//!
//! - `collect.rs`: the [`crate::rdb::Visitor`] that builds an [`Analysis`];
//! - `top.rs`, `prefix.rs`, `ttl.rs`: the bounded tables it fills;
//! - `input.rs`: where the RDB comes from (repository backup, file, live server);
//! - `text.rs`, `csv.rs`, `html.rs`: the reports; `diff.rs`: two analyses compared.

mod collect;
pub mod csv;
pub mod diff;
pub mod html;
pub mod input;
pub mod prefix;
pub mod text;
pub mod top;
pub mod ttl;

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;

use crate::rdb::{self, RdbSummary, VerifyOptions, Visitor};
pub use collect::Collector;
use prefix::PrefixTree;
use top::KeyRow;
use ttl::TtlBuckets;

/// Version of the JSON document; bumped only on incompatible changes.
pub const JSON_FORMAT: u32 = 1;

/// What to collect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Length of each top list.
    pub top: usize,
    /// Characters that end a prefix.
    pub separators: Vec<u8>,
    /// Prefix levels.
    pub depth: usize,
    /// Prefixes kept in memory (the rest folds into "other").
    pub prefix_limit: usize,
    /// TTLs are measured from this Unix time in ms (the analysis time).
    pub now_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            top: 10,
            separators: b":".to_vec(),
            depth: 2,
            prefix_limit: prefix::DEFAULT_LIMIT,
            now_ms: chrono::Utc::now().timestamp_millis(),
        }
    }
}

/// The whole report; its JSON form is documented in the README and stable.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub format: u32,
    /// What was analyzed.
    pub source: Source,
    pub rdb: RdbFacts,
    /// TTLs are relative to this Unix time in ms.
    pub now_ms: i64,
    pub totals: Totals,
    pub databases: Vec<DbTotals>,
    pub types: Vec<TypeTotals>,
    pub top_by_bytes: Vec<KeyRow>,
    pub top_by_elements: Vec<KeyRow>,
    pub prefixes: PrefixTree,
    pub ttl: TtlBuckets,
    pub hash_field_ttl: FieldTtl,
    /// The first keys (in file order, at most `top`) whose expire time has passed.
    pub expired_keys: Vec<KeyRow>,
}

/// What was analyzed: a file, a repository backup or a live server.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub kind: &'static str,
    /// File path, backup id or server address.
    pub name: String,
    /// The backup's target (repository backups only).
    pub target: Option<String>,
}

/// Facts about the RDB itself.
#[derive(Debug, Clone, Serialize)]
pub struct RdbFacts {
    pub version: u32,
    pub redis_version: Option<String>,
    /// Unix seconds at save start.
    pub ctime: Option<i64>,
    pub used_mem: Option<u64>,
    pub bytes: u64,
    /// `verified` or `disabled` (saved with `rdbchecksum no`).
    pub checksum: &'static str,
    pub functions: u64,
    pub module_types: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub keys: u64,
    /// Serialized bytes of all keys (type byte, key, value).
    pub bytes: u64,
    /// Keys with an expire time.
    pub expires: u64,
    /// Keys whose expire time has passed: dropped when the file is loaded.
    pub expired: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DbTotals {
    pub db: u32,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeTotals {
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub encoding: &'static str,
    pub keys: u64,
    pub bytes: u64,
    /// Sum of the element counts the encodings gave (keys without one are not counted).
    pub elements: u64,
}

/// Hash fields with their own TTL (Redis 7.4+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FieldTtl {
    /// Hashes that have fields with a TTL.
    pub keys: u64,
    /// Fields with a TTL, by time left (`none` stays 0).
    pub fields: TtlBuckets,
    /// Hashes whose field TTLs were too large to decode: only their earliest expiry is counted.
    pub incomplete_keys: u64,
}

/// Analyzes the RDB `src` yields (already decrypted and decompressed), verifying it as a
/// backup would (CRC-64, structure).
///
/// # Errors
///
/// The RDB's own errors ([`rdb::RdbError`]); an RDB newer than the walker, whose keys cannot
/// be analyzed, is refused with a message that says so.
pub fn analyze<R: Read>(src: R, source: Source, opts: &Options) -> anyhow::Result<Analysis> {
    analyze_with(src, source, opts, &mut ())
}

/// [`analyze`], feeding the same walk to `extra` as well.
pub fn analyze_with<R: Read, V: Visitor>(
    src: R,
    source: Source,
    opts: &Options,
    extra: &mut V,
) -> anyhow::Result<Analysis> {
    let mut collector = Collector::new(opts);
    let summary = rdb::copy_visited(
        src,
        std::io::sink(),
        &VerifyOptions {
            now_ms: Some(opts.now_ms),
        },
        &mut (&mut collector, extra),
    )
    .map_err(crate::backup::verify::classify)?;
    if !summary.walked {
        return Err(crate::exit::fail(
            crate::exit::ExitCode::VerifyFailed,
            format!(
                "RDB version {} is newer than redisops can walk: only its checksum was checked, \
                 its keys cannot be analyzed",
                summary.rdb_version
            ),
        ));
    }
    Ok(collector.finish(source, &summary))
}

impl RdbFacts {
    fn new(s: &RdbSummary) -> Self {
        Self {
            version: s.rdb_version,
            redis_version: s.redis_version.clone(),
            ctime: s.ctime,
            used_mem: s.used_mem,
            bytes: s.rdb_bytes,
            checksum: match s.checksum {
                rdb::Checksum::Verified(_) => "verified",
                rdb::Checksum::Disabled => "disabled",
            },
            functions: s.functions,
            module_types: s.module_types.clone(),
        }
    }
}

/// A key for people: as is when it is printable UTF-8, else with `\xNN` escapes.
pub fn display_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if !s.chars().any(char::is_control) => s.to_owned(),
        _ => key.escape_ascii().to_string(),
    }
}

/// Databases in the order of the map.
fn db_list(map: BTreeMap<u32, Totals>) -> Vec<DbTotals> {
    map.into_iter()
        .map(|(db, totals)| DbTotals { db, totals })
        .collect()
}
