//! Streaming RDB reader and verifier.
//!
//! This module owns everything redisops knows about the bytes of a Redis RDB file: the header,
//! the CRC-64/REDIS trailer and the structural walk that counts keys per database. Its one entry
//! point, [`copy_verified`], copies an RDB from a reader to a writer while verifying it
//! (verification tiers 1 and 2 of the backup notes, §5), in constant memory: values are skipped
//! by their encoding, never buffered or decompressed. Backup uses it to archive a stream, verify
//! to check an archive, restore to stage exactly the RDB bytes (nothing after the checksum).
//!
//! RDB versions 5 to 12 (Redis 2.6 to 8.4) and Valkey 9.0's `VALKEY080` are walked. Newer
//! versions are checked by CRC only, and older ones, which have no checksum, are refused.

mod encoding;
mod error;
mod listpack;
mod source;
mod visit;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::str::FromStr;

use serde::Serialize;

pub use error::RdbError;
use source::Source;
pub use visit::{Counter, KEY_CAP, KeyInfo, StreamInfo, ValueInfo, ValueType, Visitor};

/// Oldest RDB version with a CRC-64 trailer.
const MIN_VERSION: u32 = 5;
/// Newest RDB version the walker knows (Redis 7.4 to 8.4).
const MAX_WALKED_VERSION: u32 = 12;
/// Length of the magic and version, `REDIS0012` or `VALKEY080`.
pub const HEADER_LEN: usize = 9;
/// The one Valkey-magic version the walker knows (Valkey 9.0: `RDB_TYPE_HASH_2`).
const VALKEY_WALKED_VERSION: u32 = 80;
/// The EOF opcode that precedes the trailer.
const EOF_OPCODE: u8 = 0xFF;
/// Length of the checksum trailer.
const TRAILER_LEN: usize = 8;
/// `redis-cli --rdb -` into a pipe leaves the 40-hex-digit diskless EOF mark after the RDB.
const EOF_MARK_LEN: usize = 40;
const LZ4_FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4D, 0x18];

/// Options for [`copy_verified`].
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Count keys whose expire time is at or before this Unix time in milliseconds as expired.
    pub now_ms: Option<i64>,
}

/// Key counts of one database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DbStats {
    /// Keys counted by the walk.
    pub keys: u64,
    /// Keys with an expire time.
    pub expires: u64,
    /// Keys whose expire time is at or before [`VerifyOptions::now_ms`].
    pub expired: u64,
    /// Key count the RESIZEDB opcode announced (exact for files Redis wrote).
    pub resize_keys: Option<u64>,
    /// Expire count the RESIZEDB opcode announced.
    pub resize_expires: Option<u64>,
}

/// The outcome of the CRC-64 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Checksum {
    /// The trailer matched this CRC.
    Verified(u64),
    /// The trailer is zero: the file was saved with `rdbchecksum no`, nothing to compare.
    Disabled,
}

/// An RDB's header: its format version, and whether it carries Valkey's magic (`VALKEY080`,
/// Valkey 9+) rather than `REDIS0011`. Valkey numbers its own formats from 80 up, so that they
/// never collide with Redis' 12 and later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RdbFormat {
    pub version: u32,
    pub valkey_magic: bool,
}

impl RdbFormat {
    fn walked(self) -> bool {
        if self.valkey_magic {
            self.version == VALKEY_WALKED_VERSION
        } else {
            self.version <= MAX_WALKED_VERSION
        }
    }
}

impl std::fmt::Display for RdbFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.valkey_magic {
            write!(f, "RDB {} (VALKEY{:03})", self.version, self.version)
        } else {
            write!(f, "RDB {} (REDIS{:04})", self.version, self.version)
        }
    }
}

/// What [`copy_verified`] found. A file checked by CRC only (`walked == false`) has an empty
/// `aux`, `databases` and `module_types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RdbSummary {
    pub rdb_version: u32,
    /// `VALKEY` magic (Valkey 9+) instead of `REDIS`.
    pub valkey_magic: bool,
    /// AUX fields; integer-encoded values in decimal.
    pub aux: BTreeMap<String, String>,
    /// AUX `redis-ver`.
    pub redis_version: Option<String>,
    /// AUX `ctime`: Unix seconds at save start.
    pub ctime: Option<i64>,
    /// AUX `used-mem`: bytes in use at save time.
    pub used_mem: Option<u64>,
    pub checksum: Checksum,
    /// CRC-64/REDIS of the magic through the EOF opcode, as computed.
    pub crc64: u64,
    /// Length of the RDB, magic through trailer; this is what was written to the destination.
    pub rdb_bytes: u64,
    pub databases: BTreeMap<u32, DbStats>,
    /// FUNCTION2 entries (function libraries).
    pub functions: u64,
    /// Module type names seen in module keys and module AUX data, sorted.
    pub module_types: Vec<String>,
    /// Whether a `SLOT_INFO` opcode was seen (Redis 7.4+ in cluster mode).
    pub slot_info: bool,
    /// Whether the structure was walked; false for RDB versions newer than the walker knows.
    pub walked: bool,
    /// Bytes that followed the checksum trailer in the input; not written to the destination.
    pub trailing_bytes: u64,
}

impl RdbSummary {
    pub fn format(&self) -> RdbFormat {
        RdbFormat {
            version: self.rdb_version,
            valkey_magic: self.valkey_magic,
        }
    }

    pub fn total_keys(&self) -> u64 {
        self.databases.values().map(|db| db.keys).sum()
    }

    pub fn total_expires(&self) -> u64 {
        self.databases.values().map(|db| db.expires).sum()
    }

    /// Highest database index present; must be below the target's `databases` setting.
    pub fn max_db(&self) -> Option<u32> {
        self.databases.keys().next_back().copied()
    }
}

/// Copies the RDB in `src` to `dst` while verifying it, in constant memory.
///
/// Every byte from the magic through the 8-byte checksum trailer is written to `dst` once, in
/// order, and nothing else: bytes after the trailer are read, counted in
/// [`RdbSummary::trailing_bytes`] and dropped. `dst` is flushed on success; on error it holds
/// an unspecified prefix of the RDB and must be discarded.
///
/// For RDB versions newer than 12 the end of the RDB is the end of the input, except that a
/// trailing 40-hex-digit diskless EOF mark is recognised and left out.
///
/// # Errors
///
/// [`RdbError::NotRdb`] or [`RdbError::NotRedis`] for foreign input,
/// [`RdbError::UnsupportedVersion`] before RDB 5, [`RdbError::Truncated`] when the input ends
/// early, [`RdbError::Corrupt`] when the walk finds an impossible structure,
/// [`RdbError::ChecksumMismatch`] when the trailer disagrees, [`RdbError::Io`] when reading
/// or writing fails.
pub fn copy_verified<R: Read, W: Write>(
    src: R,
    dst: W,
    opts: &VerifyOptions,
) -> Result<RdbSummary, RdbError> {
    copy_visited(src, dst, opts, &mut ())
}

/// [`copy_verified`], also telling `visitor` about every key as the walk passes it. A file
/// checked by CRC only (newer than the walker) visits no keys. On error the visitor has seen
/// an unspecified prefix of the keys.
pub fn copy_visited<R: Read, W: Write, V: Visitor>(
    src: R,
    dst: W,
    opts: &VerifyOptions,
    visitor: &mut V,
) -> Result<RdbSummary, RdbError> {
    let mut s = Source::new(src, dst);
    let format = read_header(&mut s)?;
    let walked = format.walked();
    let mut counter = Counter {
        now_ms: opts.now_ms,
        ..Counter::default()
    };
    let walk = if walked {
        walk::walk(&mut s, &mut counter, visitor, format.valkey_magic)?
    } else {
        find_crc_only_end(&mut s)?;
        walk::Walk::default()
    };
    let crc64 = s.stop_hashing()?;
    let checksum = judge(u64::from_le_bytes(s.read_array()?), crc64)?;
    let rdb_bytes = s.offset();
    let trailing_bytes = s.finish()?;

    let module_types: BTreeSet<String> = walk
        .module_ids
        .iter()
        .map(|&id| walk::module_type_name(id))
        .collect();
    Ok(RdbSummary {
        rdb_version: format.version,
        valkey_magic: format.valkey_magic,
        redis_version: walk.aux.get("redis-ver").cloned(),
        ctime: aux_number(&walk.aux, "ctime"),
        used_mem: aux_number(&walk.aux, "used-mem"),
        checksum,
        crc64,
        rdb_bytes,
        functions: walk.functions,
        module_types: module_types.into_iter().collect(),
        slot_info: walk.slot_info,
        walked,
        trailing_bytes,
        aux: walk.aux,
        databases: counter.databases,
    })
}

fn aux_number<T: FromStr>(aux: &BTreeMap<String, String>, key: &str) -> Option<T> {
    aux.get(key).and_then(|v| v.parse().ok())
}

/// Reads `REDIS` and the 4-digit version, or `VALKEY` and the 3-digit one; recognises other
/// formats to refuse them clearly.
fn read_header<R: Read, W: Write>(s: &mut Source<R, W>) -> Result<RdbFormat, RdbError> {
    let format = parse_header(s.peek(HEADER_LEN)?)?;
    s.skip(HEADER_LEN as u64)?;
    Ok(format)
}

/// The format named by an RDB's first [`HEADER_LEN`] bytes (fewer: the input is truncated).
pub fn parse_header(head: &[u8]) -> Result<RdbFormat, RdbError> {
    if head.starts_with(&LZ4_FRAME_MAGIC) {
        return Err(RdbError::NotRedis {
            what: "this is an LZ4 frame (Valkey `rdbcompression lz4`?), not a plain RDB".into(),
        });
    }
    let valkey_magic = head.starts_with(b"VALKEY");
    let pattern: &[u8; HEADER_LEN] = if valkey_magic {
        b"VALKEY000"
    } else {
        b"REDIS0000"
    };
    // '0' in the pattern stands for any digit.
    let fits = head.iter().zip(pattern).all(|(&b, &p)| {
        if p == b'0' {
            b.is_ascii_digit()
        } else {
            b == p
        }
    });
    if !fits {
        return Err(RdbError::NotRdb {
            found: format!("\"{}\"", head.escape_ascii()),
        });
    }
    if head.len() < HEADER_LEN {
        return Err(RdbError::Truncated {
            offset: head.len() as u64,
        });
    }
    let digits = if valkey_magic { 6 } else { 5 };
    let version = head[digits..]
        .iter()
        .fold(0, |v, &d| v * 10 + u32::from(d - b'0'));
    if version < MIN_VERSION {
        return Err(RdbError::UnsupportedVersion(version));
    }
    // Valkey writes its magic only for its own formats, 80 and up (rdbUseValkeyMagic).
    if valkey_magic && version < VALKEY_WALKED_VERSION {
        return Err(RdbError::NotRedis {
            what: format!(
                "\"{}\" is no Valkey format: Valkey writes the VALKEY magic only for RDB 80 and up",
                head.escape_ascii()
            ),
        });
    }
    Ok(RdbFormat {
        version,
        valkey_magic,
    })
}

/// CRC-only mode (tier 1): reads to the end of the input and consumes everything up to the
/// trailer, leaving the reader positioned on it. Accepts the last bytes of the input as
/// `0xFF` + trailer or, failing that, as `0xFF` + trailer + diskless EOF mark.
fn find_crc_only_end<R: Read, W: Write>(s: &mut Source<R, W>) -> Result<(), RdbError> {
    let end_len = 1 + TRAILER_LEN;
    s.drain_holding_back(end_len + EOF_MARK_LEN)?;
    let tail = s.pending();
    let check_end = |rdb_end: usize| -> Result<(), RdbError> {
        let cut_at = s.offset() + rdb_end as u64;
        if rdb_end < end_len || tail[rdb_end - end_len] != EOF_OPCODE {
            // Without a walk, a missing EOF opcode most likely means the stream was cut short.
            return Err(RdbError::Truncated { offset: cut_at });
        }
        let (body, trailer) = tail[..rdb_end].split_at(rdb_end - TRAILER_LEN);
        let mut stored = [0; TRAILER_LEN];
        stored.copy_from_slice(trailer);
        judge(u64::from_le_bytes(stored), s.crc_with(body)).map(drop)
    };
    let whole = tail.len();
    let has_mark = whole >= end_len + EOF_MARK_LEN
        && tail[whole - EOF_MARK_LEN..]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let rdb_end = match check_end(whole) {
        Ok(()) => whole,
        Err(whole_err) if has_mark => match check_end(whole - EOF_MARK_LEN) {
            Ok(()) => whole - EOF_MARK_LEN,
            // The mark explains the missing EOF opcode; report what is wrong before it.
            Err(marked_err) if matches!(whole_err, RdbError::Truncated { .. }) => {
                return Err(marked_err);
            }
            Err(_) => return Err(whole_err),
        },
        Err(whole_err) => return Err(whole_err),
    };
    s.skip((rdb_end - TRAILER_LEN) as u64)
}

/// Compares the stored trailer with the computed CRC; a zero trailer means checksums were off.
fn judge(stored: u64, computed: u64) -> Result<Checksum, RdbError> {
    match stored {
        0 => Ok(Checksum::Disabled),
        s if s == computed => Ok(Checksum::Verified(s)),
        s => Err(RdbError::ChecksumMismatch {
            expected: s,
            actual: computed,
        }),
    }
}
