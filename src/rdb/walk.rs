//! Tier-2 structural walk (notes §4.1, §4.2, §4.5, §5): follows every opcode and skips every
//! value by its recipe, counting keys per database without decoding listpacks, ziplists or LZF.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use super::source::Source;
use super::{DbStats, RdbError};

/// Opcodes (`src/rdb.h`).
mod op {
    pub const SLOT_INFO: u8 = 0xF4;
    pub const FUNCTION2: u8 = 0xF5;
    pub const FUNCTION_PRE_GA: u8 = 0xF6;
    pub const MODULE_AUX: u8 = 0xF7;
    pub const IDLE: u8 = 0xF8;
    pub const FREQ: u8 = 0xF9;
    pub const AUX: u8 = 0xFA;
    pub const RESIZEDB: u8 = 0xFB;
    pub const EXPIRETIME_MS: u8 = 0xFC;
    pub const EXPIRETIME: u8 = 0xFD;
    pub const SELECTDB: u8 = 0xFE;
    pub const EOF: u8 = 0xFF;
}

/// Value types (`src/rdb.h`, Redis 7.4 / RDB 12).
mod ty {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE_PRE_GA: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
    pub const HASH_METADATA_PRE_GA: u8 = 22;
    pub const HASH_LISTPACK_EX_PRE_GA: u8 = 23;
    pub const HASH_METADATA: u8 = 24;
    pub const HASH_LISTPACK_EX: u8 = 25;
}

/// What the walk learned; `copy_verified` turns it into the public summary.
#[derive(Default)]
pub(super) struct Walk {
    pub(super) aux: BTreeMap<String, String>,
    pub(super) databases: BTreeMap<u32, DbStats>,
    pub(super) functions: u64,
    /// Raw 64-bit module type ids (name + encoding version); names are derived once at the end.
    pub(super) module_ids: BTreeSet<u64>,
    pub(super) slot_info: bool,
}

/// Walks from just after the magic up to and including the EOF opcode. `valkey`: the file
/// has Valkey's magic, whose types from 22 on mean other things ([`valkey_type`]).
pub(super) fn walk<R: Read, W: Write>(
    s: &mut Source<R, W>,
    now_ms: Option<i64>,
    valkey: bool,
) -> Result<Walk, RdbError> {
    let mut out = Walk::default();
    // Keys before any SELECTDB belong to db 0, as in Redis.
    let mut db = 0;
    // An expire opcode applies to the next key, whatever opcodes come in between.
    let mut expire: Option<i64> = None;
    loop {
        let at = s.offset();
        match s.read_u8()? {
            op::EOF => return Ok(out),
            op::SELECTDB => {
                let index = s.read_len()?;
                db = u32::try_from(index).map_err(|_| {
                    RdbError::corrupt(at, format!("database index {index} is out of range"))
                })?;
                out.databases.entry(db).or_default();
            }
            op::RESIZEDB => {
                let keys = s.read_len()?;
                let expires = s.read_len()?;
                let stats = out.databases.entry(db).or_default();
                stats.resize_keys = Some(keys);
                stats.resize_expires = Some(expires);
            }
            op::EXPIRETIME => {
                expire = Some(i64::from(i32::from_le_bytes(s.read_array()?)) * 1000);
            }
            // Little-endian since RDB 9; older files are host order, which was little-endian
            // on every platform that matters.
            op::EXPIRETIME_MS => expire = Some(i64::from_le_bytes(s.read_array()?)),
            op::IDLE => s.skip_lens(1)?,
            op::FREQ => s.skip(1)?,
            op::AUX => {
                let key = s.read_text()?;
                let value = s.read_text()?;
                out.aux.insert(key, value);
            }
            op::MODULE_AUX => {
                out.module_ids.insert(s.read_len()?);
                let when_at = s.offset();
                if s.read_len()? != 2 {
                    return Err(RdbError::corrupt(
                        when_at,
                        "MODULE_AUX 'when' field is not tagged as an unsigned integer",
                    ));
                }
                s.skip_lens(1)?;
                s.skip_module_values()?;
            }
            op::FUNCTION_PRE_GA => {
                return Err(RdbError::corrupt(
                    at,
                    "pre-release function format (Redis 7.0 release candidates) is not supported",
                ));
            }
            op::FUNCTION2 => {
                s.skip_strings(1)?;
                out.functions += 1;
            }
            op::SLOT_INFO => {
                s.skip_lens(3)?;
                out.slot_info = true;
            }
            // Same set as `rdbIsObjectType` in Redis 7.4; checked before the key so an unknown
            // byte is reported as such, not as whatever its "key" happens to look like.
            t @ (0..=7 | 9..=25) => {
                s.skip_strings(1)?;
                if valkey && t >= VALKEY_FIRST_OWN_TYPE {
                    valkey_type(s, t, at)?;
                } else {
                    skip_value(s, t, at, &mut out.module_ids)?;
                }
                let stats = out.databases.entry(db).or_default();
                stats.keys += 1;
                if let Some(when) = expire.take() {
                    stats.expires += 1;
                    if now_ms.is_some_and(|now| when <= now) {
                        stats.expired += 1;
                    }
                }
            }
            other => {
                return Err(RdbError::corrupt(
                    at,
                    format!("unknown opcode or value type {other:#04x}"),
                ));
            }
        }
    }
}

/// From here on Valkey's types (`RDB_FOREIGN_TYPE_MIN` in Valkey 9's rdb.h) are not Redis'.
const VALKEY_FIRST_OWN_TYPE: u8 = 22;

/// Skips a value of Valkey's own types (Valkey 9.0, `VALKEY080`): `RDB_TYPE_HASH_2` (22) is
/// a hash with field TTLs: a length, then per field its name, its value and an 8-byte
/// little-endian expire time in milliseconds (-1: none).
fn valkey_type<R: Read, W: Write>(s: &mut Source<R, W>, t: u8, at: u64) -> Result<(), RdbError> {
    match t {
        22 => s.repeat(|s| {
            s.skip_strings(2)?;
            s.skip(8)
        }),
        other => Err(RdbError::corrupt(
            at,
            format!("value type {other} is not a Valkey 9.0 (VALKEY080) type"),
        )),
    }
}

/// Skips the value of a key of type `t` (notes §4.5); `at` is the type byte's offset.
fn skip_value<R: Read, W: Write>(
    s: &mut Source<R, W>,
    t: u8,
    at: u64,
    module_ids: &mut BTreeSet<u64>,
) -> Result<(), RdbError> {
    match t {
        // One string: plain values and every single-blob encoding.
        ty::STRING
        | ty::HASH_ZIPMAP
        | ty::LIST_ZIPLIST
        | ty::SET_INTSET
        | ty::ZSET_ZIPLIST
        | ty::HASH_ZIPLIST
        | ty::HASH_LISTPACK
        | ty::ZSET_LISTPACK
        | ty::SET_LISTPACK
        | ty::HASH_LISTPACK_EX_PRE_GA => s.skip_strings(1),
        ty::LIST | ty::SET => s.repeat(|s| s.skip_strings(1)),
        ty::HASH => s.repeat(|s| s.skip_strings(2)),
        ty::ZSET => s.repeat(|s| {
            s.skip_strings(1)?;
            skip_ascii_double(s)
        }),
        ty::ZSET_2 => s.repeat(|s| {
            s.skip_strings(1)?;
            s.skip(8)
        }),
        ty::MODULE_PRE_GA => Err(RdbError::corrupt(
            at,
            "pre-release module value (type 6): no Redis release can load it",
        )),
        ty::MODULE_2 => {
            module_ids.insert(s.read_len()?);
            s.skip_module_values()
        }
        ty::LIST_QUICKLIST => s.repeat(skip_quicklist_node),
        ty::LIST_QUICKLIST_2 => s.repeat(|s| {
            let at = s.offset();
            let container = s.read_len()?;
            if !matches!(container, 1 | 2) {
                return Err(RdbError::corrupt(
                    at,
                    format!(
                        "quicklist node container {container} is neither 1 (plain) nor 2 (packed)"
                    ),
                ));
            }
            skip_quicklist_node(s)
        }),
        ty::STREAM_LISTPACKS | ty::STREAM_LISTPACKS_2 | ty::STREAM_LISTPACKS_3 => skip_stream(s, t),
        ty::HASH_METADATA_PRE_GA => s.repeat(skip_field_with_ttl),
        // Both 7.4 hash-field-expiry types start with the 8-byte minimum expire time.
        ty::HASH_METADATA => {
            s.skip(8)?;
            s.repeat(skip_field_with_ttl)
        }
        ty::HASH_LISTPACK_EX => {
            s.skip(8)?;
            s.skip_strings(1)
        }
        _ => Err(RdbError::corrupt(at, format!("unknown value type {t}"))),
    }
}

/// ZSET v1 score: a length byte, then that many ASCII bytes; 253/254/255 stand for
/// NaN/+inf/-inf and have no bytes.
fn skip_ascii_double<R: Read, W: Write>(s: &mut Source<R, W>) -> Result<(), RdbError> {
    match s.read_u8()? {
        len @ 0..=252 => s.skip(u64::from(len)),
        _ => Ok(()),
    }
}

/// A quicklist node is a ziplist/listpack blob; Redis rejects empty ones.
fn skip_quicklist_node<R: Read, W: Write>(s: &mut Source<R, W>) -> Result<(), RdbError> {
    let at = s.offset();
    if s.skip_string()? == 0 {
        return Err(RdbError::corrupt(at, "empty quicklist node"));
    }
    Ok(())
}

/// Hash field with its own TTL (types 22 and 24): TTL length, field, value.
fn skip_field_with_ttl<R: Read, W: Write>(s: &mut Source<R, W>) -> Result<(), RdbError> {
    s.skip_lens(1)?;
    s.skip_strings(2)
}

/// Streams, types 15, 19 and 21: listpack nodes, metadata, consumer groups with their PELs.
fn skip_stream<R: Read, W: Write>(s: &mut Source<R, W>, t: u8) -> Result<(), RdbError> {
    const STREAM_ID: u64 = 16;
    let v2 = t >= ty::STREAM_LISTPACKS_2;
    let v3 = t >= ty::STREAM_LISTPACKS_3;
    s.repeat(|s| {
        let at = s.offset();
        if s.skip_string()? != STREAM_ID {
            return Err(RdbError::corrupt(
                at,
                "stream node key is not a 16-byte stream ID",
            ));
        }
        s.skip_strings(1)
    })?;
    // length, last_id; v2 adds first_id, max_deleted_entry_id, entries_added.
    s.skip_lens(if v2 { 8 } else { 3 })?;
    s.repeat(|group| {
        group.skip_strings(1)?;
        // last-delivered id; v2 adds entries_read.
        group.skip_lens(if v2 { 3 } else { 2 })?;
        // Global PEL: raw id, delivery time, delivery count.
        group.repeat(|nack| {
            nack.skip(STREAM_ID + 8)?;
            nack.skip_lens(1)
        })?;
        group.repeat(|consumer| {
            consumer.skip_strings(1)?;
            // seen_time; v3 adds active_time.
            consumer.skip(if v3 { 16 } else { 8 })?;
            consumer.repeat(|pel| pel.skip(STREAM_ID))
        })
    })
}

/// Module type name from its 64-bit id: 9 characters of 6 bits each above a 10-bit encoding
/// version (`moduleTypeNameByID`).
pub(super) fn module_type_name(id: u64) -> String {
    const CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut name = [0; 9];
    let mut bits = id >> 10;
    for slot in name.iter_mut().rev() {
        *slot = CHARSET[(bits & 63) as usize];
        bits >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}
