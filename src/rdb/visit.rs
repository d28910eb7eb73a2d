//! What the walk tells a caller about each key: the [`Visitor`] trait, the per-key
//! [`KeyInfo`], and [`Counter`], the visitor that counts keys per database (the one every
//! walk runs, so backup and verify keep their speed).
//!
//! The walk is generic over the visitor (no dynamic dispatch per key). A visitor whose
//! [`Visitor::DETAILS`] is false gets only the database, type, offsets and expire time, and
//! the walk skips values exactly as before; one that asks for details also gets the decoded
//! key (capped at [`KEY_CAP`] bytes) and what the encoding gives cheaply (element counts from
//! headers and counts, hash-field expire times, stream metadata).

use std::collections::BTreeMap;

use super::DbStats;

/// Longest key prefix a detailed visitor receives; [`KeyInfo::key_len`] has the full length.
pub const KEY_CAP: usize = 512;

/// Receives every key of an RDB, in file order.
pub trait Visitor {
    /// Whether this visitor needs key bytes and value details; false keeps the walk lean.
    const DETAILS: bool;

    /// How many bytes of each key a detailed visitor receives, at most 128 KiB (the walk's
    /// buffer bounds an LZF key's compressed prefix).
    const KEY_BYTES: usize = KEY_CAP;

    fn key(&mut self, key: &KeyInfo<'_>);

    /// A RESIZEDB opcode: the sizes the saving server announced for `db`.
    fn resize_db(&mut self, _db: u32, _keys: u64, _expires: u64) {}
}

/// One key and its value, as far as the walk decoded it.
#[derive(Debug, Clone, Copy)]
pub struct KeyInfo<'a> {
    pub db: u32,
    pub value_type: ValueType,
    /// The decoded key (integers in decimal, LZF decompressed), at most
    /// [`Visitor::KEY_BYTES`] bytes;
    /// empty unless the visitor asked for details.
    pub key: &'a [u8],
    /// Decoded length of the whole key (0 without details).
    pub key_len: u64,
    /// RDB offset of the type byte.
    pub offset: u64,
    /// Serialized size in the RDB: type byte, key and value (expire and LRU/LFU opcodes not
    /// included).
    pub bytes: u64,
    /// Unix milliseconds.
    pub expire_ms: Option<i64>,
    /// Seconds since last access (files saved under an LRU maxmemory policy).
    pub idle_s: Option<u64>,
    /// LFU counter (files saved under an LFU maxmemory policy).
    pub lfu_freq: Option<u8>,
    pub value: ValueInfo<'a>,
}

/// What the value's encoding gave cheaply; all empty without details.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValueInfo<'a> {
    /// Members, fields, list items or stream entries; `None` for strings, modules, and
    /// encodings whose header does not say (a listpack of 65535+ entries, a damaged blob).
    pub elements: Option<u64>,
    /// How a string is stored: `int`, `lzf` or `raw`; other types' encoding comes from the
    /// type byte.
    pub string_encoding: Option<&'static str>,
    /// Expire times (Unix ms) of the hash fields that have one (Redis 7.4+ types 22–25).
    pub field_expires: &'a [i64],
    /// Whether [`Self::field_expires`] is complete: false for a field-TTL listpack too large
    /// to decode, where only [`Self::min_field_expire_ms`] is known.
    pub field_expires_complete: bool,
    /// The earliest field expire time the file records (types 24 and 25).
    pub min_field_expire_ms: Option<i64>,
    pub stream: Option<StreamInfo>,
}

/// Stream metadata (types 15, 19, 21).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamInfo {
    pub length: u64,
    pub groups: u64,
    pub consumers: u64,
    /// Entries delivered and not acknowledged, over all groups.
    pub pending: u64,
}

/// The RDB type byte, with its Redis type and encoding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueType(pub u8);

impl ValueType {
    /// The Redis type, as `TYPE` names it.
    pub fn type_name(self) -> &'static str {
        match self.0 {
            0 => "string",
            1 | 10 | 14 | 18 => "list",
            2 | 11 | 20 => "set",
            3 | 5 | 12 | 17 => "zset",
            4 | 9 | 13 | 16 | 22..=25 => "hash",
            15 | 19 | 21 => "stream",
            6 | 7 => "module",
            _ => "unknown",
        }
    }

    /// The encoding as stored in the RDB (what the server loads it as, unless its limits differ).
    pub fn encoding(self) -> &'static str {
        match self.0 {
            0 => "string",
            1 => "linkedlist",
            2 | 4 => "hashtable",
            3 | 5 => "skiplist",
            6 | 7 => "module",
            9 => "zipmap",
            10 | 12 | 13 => "ziplist",
            11 => "intset",
            14 | 18 => "quicklist",
            15 | 19 | 21 => "stream",
            16 | 17 | 20 => "listpack",
            22 | 24 => "hashtable-ttl",
            23 | 25 => "listpack-ttl",
            _ => "unknown",
        }
    }
}

/// The default visitor: keys, expires and already-expired keys per database.
#[derive(Debug, Default)]
pub struct Counter {
    /// Keys whose expire time is at or before this Unix time in milliseconds count as expired.
    pub now_ms: Option<i64>,
    pub databases: BTreeMap<u32, DbStats>,
}

impl Visitor for Counter {
    const DETAILS: bool = false;

    #[inline]
    fn key(&mut self, key: &KeyInfo<'_>) {
        let stats = self.databases.entry(key.db).or_default();
        stats.keys += 1;
        if let Some(when) = key.expire_ms {
            stats.expires += 1;
            if self.now_ms.is_some_and(|now| when <= now) {
                stats.expired += 1;
            }
        }
    }

    fn resize_db(&mut self, db: u32, keys: u64, expires: u64) {
        let stats = self.databases.entry(db).or_default();
        stats.resize_keys = Some(keys);
        stats.resize_expires = Some(expires);
    }
}

/// A database that SELECTDB names but that holds no keys still shows in the counts.
impl Counter {
    pub(super) fn select_db(&mut self, db: u32) {
        self.databases.entry(db).or_default();
    }
}

/// No extra visitor: the walk only counts.
impl Visitor for () {
    const DETAILS: bool = false;

    #[inline]
    fn key(&mut self, _key: &KeyInfo<'_>) {}
}

/// Two visitors fed the same walk.
impl<A: Visitor, B: Visitor> Visitor for (A, B) {
    const DETAILS: bool = A::DETAILS || B::DETAILS;
    const KEY_BYTES: usize = if A::KEY_BYTES > B::KEY_BYTES {
        A::KEY_BYTES
    } else {
        B::KEY_BYTES
    };

    #[inline]
    fn key(&mut self, key: &KeyInfo<'_>) {
        self.0.key(key);
        self.1.key(key);
    }

    fn resize_db(&mut self, db: u32, keys: u64, expires: u64) {
        self.0.resize_db(db, keys, expires);
        self.1.resize_db(db, keys, expires);
    }
}

impl<V: Visitor> Visitor for &mut V {
    const DETAILS: bool = V::DETAILS;
    const KEY_BYTES: usize = V::KEY_BYTES;

    #[inline]
    fn key(&mut self, key: &KeyInfo<'_>) {
        (**self).key(key);
    }

    fn resize_db(&mut self, db: u32, keys: u64, expires: u64) {
        (**self).resize_db(db, keys, expires);
    }
}
