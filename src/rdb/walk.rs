//! Tier-2 structural walk (notes §4.1, §4.2, §4.5, §5): follows every opcode and skips every
//! value by its recipe, telling a [`Visitor`] about each key. Without details it decodes no
//! listpacks, ziplists or LZF; with them, only blob headers and keys.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use super::RdbError;
use super::listpack;
use super::source::Source;
use super::visit::{Counter, KeyInfo, StreamInfo, ValueInfo, ValueType, Visitor};

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

/// What the walk learned besides the keys; `copy_verified` turns it into the public summary.
#[derive(Default)]
pub(super) struct Walk {
    pub(super) aux: BTreeMap<String, String>,
    pub(super) functions: u64,
    /// Raw 64-bit module type ids (name + encoding version); names are derived once at the end.
    pub(super) module_ids: BTreeSet<u64>,
    pub(super) slot_info: bool,
}

/// Buffers reused from key to key by a detailed walk.
#[derive(Default)]
struct Scratch {
    key: Vec<u8>,
    head: Vec<u8>,
    field_expires: Vec<i64>,
}

/// What a detailed walk learned about one value (the field expire times stay in [`Scratch`]).
#[derive(Default)]
struct Details {
    elements: Option<u64>,
    string_encoding: Option<&'static str>,
    field_expires_complete: bool,
    min_field_expire_ms: Option<i64>,
    stream: Option<StreamInfo>,
}

/// Bytes of an encoded blob's head that hold its entry count (ziplist: 10, listpack: 6, intset: 8).
const BLOB_HEAD: usize = 10;
/// Field-TTL listpacks up to this size are decoded for their fields' expire times.
const LISTPACK_DECODE_LIMIT: usize = 64 * 1024;
/// `EB_EXPIRE_TIME_INVALID`: a hash with field TTLs whose fields all lost theirs.
const NO_FIELD_EXPIRE: i64 = 1 << 48;

/// Walks from just after the magic up to and including the EOF opcode, telling `counter`
/// and `visitor` about every key. `valkey`: the file has Valkey's magic, whose types from 22
/// on mean other things ([`valkey_type`]).
pub(super) fn walk<R: Read, W: Write, V: Visitor>(
    s: &mut Source<R, W>,
    counter: &mut Counter,
    visitor: &mut V,
    valkey: bool,
) -> Result<Walk, RdbError> {
    let mut out = Walk::default();
    let mut scratch = Scratch::default();
    // Keys before any SELECTDB belong to db 0, as in Redis.
    let mut db = 0;
    // Expire and LRU/LFU opcodes apply to the next key, whatever opcodes come in between.
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    let mut freq: Option<u8> = None;
    loop {
        let at = s.offset();
        match s.read_u8()? {
            op::EOF => return Ok(out),
            op::SELECTDB => {
                let index = s.read_len()?;
                db = u32::try_from(index).map_err(|_| {
                    RdbError::corrupt(at, format!("database index {index} is out of range"))
                })?;
                counter.select_db(db);
            }
            op::RESIZEDB => {
                let keys = s.read_len()?;
                let expires = s.read_len()?;
                counter.resize_db(db, keys, expires);
                visitor.resize_db(db, keys, expires);
            }
            op::EXPIRETIME => {
                expire = Some(i64::from(i32::from_le_bytes(s.read_array()?)) * 1000);
            }
            // Little-endian since RDB 9; older files are host order, which was little-endian
            // on every platform that matters.
            op::EXPIRETIME_MS => expire = Some(i64::from_le_bytes(s.read_array()?)),
            op::IDLE => idle = Some(s.read_len()?),
            op::FREQ => freq = Some(s.read_u8()?),
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
                let key_len = if V::DETAILS {
                    s.read_string_prefix(V::KEY_BYTES, &mut scratch.key)?
                } else {
                    s.skip_strings(1)?;
                    0
                };
                let details = if valkey && t >= VALKEY_FIRST_OWN_TYPE {
                    valkey_type(s, t, at)?;
                    Details::default()
                } else if V::DETAILS {
                    skip_value::<R, W, true>(s, t, at, &mut out.module_ids, &mut scratch)?
                } else {
                    skip_value::<R, W, false>(s, t, at, &mut out.module_ids, &mut scratch)?
                };
                let info = KeyInfo {
                    db,
                    value_type: ValueType(t),
                    key: &scratch.key,
                    key_len,
                    offset: at,
                    bytes: s.offset() - at,
                    expire_ms: expire.take(),
                    idle_s: idle.take(),
                    lfu_freq: freq.take(),
                    value: ValueInfo {
                        elements: details.elements,
                        string_encoding: details.string_encoding,
                        field_expires: &scratch.field_expires,
                        field_expires_complete: details.field_expires_complete,
                        min_field_expire_ms: details.min_field_expire_ms,
                        stream: details.stream,
                    },
                };
                counter.key(&info);
                visitor.key(&info);
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
        22 => s
            .repeat(|s| {
                s.skip_strings(2)?;
                s.skip(8)
            })
            .map(drop),
        other => Err(RdbError::corrupt(
            at,
            format!("value type {other} is not a Valkey 9.0 (VALKEY080) type"),
        )),
    }
}

/// Skips the value of a key of type `t` (notes §4.5); `at` is the type byte's offset. With
/// `D` (details) it also reads what the encoding gives cheaply.
fn skip_value<R: Read, W: Write, const D: bool>(
    s: &mut Source<R, W>,
    t: u8,
    at: u64,
    module_ids: &mut BTreeSet<u64>,
    scratch: &mut Scratch,
) -> Result<Details, RdbError> {
    let mut d = Details::default();
    if D {
        scratch.field_expires.clear();
    }
    let counted = |n: u64| Details {
        elements: Some(n),
        ..Details::default()
    };
    match t {
        ty::HASH_LISTPACK_EX_PRE_GA | ty::HASH_LISTPACK_EX if D => {
            if t == ty::HASH_LISTPACK_EX {
                d.min_field_expire_ms = min_field_expire(s.read_array()?);
            }
            match s.read_small_string(LISTPACK_DECODE_LIMIT)? {
                Some(lp) => {
                    d.field_expires_complete =
                        listpack::field_expires(&lp, &mut scratch.field_expires);
                    d.elements = listpack::entries(&lp, lp.len() as u64).map(|n| n / 3);
                }
                None => d.field_expires_complete = false,
            }
        }
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
        | ty::HASH_LISTPACK_EX_PRE_GA => match (D, t) {
            (false, _) => s.skip_strings(1)?,
            (true, ty::STRING) => d.string_encoding = Some(s.skip_string_kind()?.1),
            (true, _) => {
                let len = s.read_string_prefix(BLOB_HEAD, &mut scratch.head)?;
                d.elements = blob_elements(t, &scratch.head, len);
            }
        },
        ty::LIST | ty::SET => d = counted(s.repeat(|s| s.skip_strings(1))?),
        ty::HASH => d = counted(s.repeat(|s| s.skip_strings(2))?),
        ty::ZSET => {
            d = counted(s.repeat(|s| {
                s.skip_strings(1)?;
                skip_ascii_double(s)
            })?)
        }
        ty::ZSET_2 => {
            d = counted(s.repeat(|s| {
                s.skip_strings(1)?;
                s.skip(8)
            })?)
        }
        ty::MODULE_PRE_GA => {
            return Err(RdbError::corrupt(
                at,
                "pre-release module value (type 6): no Redis release can load it",
            ));
        }
        ty::MODULE_2 => {
            module_ids.insert(s.read_len()?);
            s.skip_module_values()?;
        }
        ty::LIST_QUICKLIST | ty::LIST_QUICKLIST_2 => {
            // Summed over the nodes; unknown as soon as one node's count is.
            let mut elements = Some(0);
            s.repeat(|s| {
                let mut packed = true;
                if t == ty::LIST_QUICKLIST_2 {
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
                    packed = container == 2;
                }
                let at = s.offset();
                let len = if D {
                    s.read_string_prefix(BLOB_HEAD, &mut scratch.head)?
                } else {
                    s.skip_string()?
                };
                // Redis rejects empty nodes.
                if len == 0 {
                    return Err(RdbError::corrupt(at, "empty quicklist node"));
                }
                if D {
                    let node = match (packed, t) {
                        (false, _) => Some(1),
                        (true, ty::LIST_QUICKLIST) => blob_elements(ty::LIST_ZIPLIST, &scratch.head, len),
                        (true, _) => listpack::entries(&scratch.head, len),
                    };
                    elements = elements.zip(node).map(|(a, b)| a + b);
                }
                Ok(())
            })?;
            if D {
                d.elements = elements;
            }
        }
        ty::STREAM_LISTPACKS | ty::STREAM_LISTPACKS_2 | ty::STREAM_LISTPACKS_3 => {
            let stream = skip_stream(s, t)?;
            if D {
                d.elements = Some(stream.length);
                d.stream = Some(stream);
            }
        }
        ty::HASH_METADATA_PRE_GA | ty::HASH_METADATA => {
            // Type 24 stores field TTLs relative to this minimum (+1, so that 0 means none);
            // the pre-release type 22 stores them absolute.
            let base = if t == ty::HASH_METADATA {
                let min = s.read_array()?;
                if D {
                    d.min_field_expire_ms = min_field_expire(min);
                }
                Some(i64::from_le_bytes(min))
            } else {
                None
            };
            let fields = s.repeat(|s| {
                let ttl = s.read_len()?;
                if D && ttl != 0 {
                    let ttl = ttl as i64;
                    scratch
                        .field_expires
                        .push(base.map_or(ttl, |min| min.saturating_add(ttl.saturating_sub(1))));
                }
                s.skip_strings(2)
            })?;
            if D {
                d.elements = Some(fields);
                d.field_expires_complete = true;
            }
        }
        ty::HASH_LISTPACK_EX => {
            s.skip(8)?;
            s.skip_strings(1)?;
        }
        _ => return Err(RdbError::corrupt(at, format!("unknown value type {t}"))),
    }
    Ok(d)
}

/// The minimum field expire time a type 24/25 value starts with; none when all fields lost theirs.
fn min_field_expire(raw: [u8; 8]) -> Option<i64> {
    Some(i64::from_le_bytes(raw)).filter(|&ms| ms != NO_FIELD_EXPIRE)
}

/// Entries of a single-blob encoding, from its head, when the header agrees with the blob's
/// length (a damaged or hand-made blob gives `None`, not an error: the walk only skips it).
fn blob_elements(t: u8, head: &[u8], len: u64) -> Option<u64> {
    let u16_at = |i: usize| {
        head.get(i..i + 2)
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |i: usize| {
        head.get(i..i + 4)
            .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    match t {
        ty::HASH_ZIPMAP => head.first().filter(|&&n| n < 254).map(|&n| u64::from(n)),
        ty::SET_INTSET => {
            let (width, n) = (u32_at(0)?, u32_at(4)?);
            (matches!(width, 2 | 4 | 8) && 8 + width * n == len).then_some(n)
        }
        ty::LIST_ZIPLIST | ty::ZSET_ZIPLIST | ty::HASH_ZIPLIST => {
            let n = u16_at(8).filter(|&n| u32_at(0) == Some(len) && n != 0xFFFF)?;
            Some(if t == ty::LIST_ZIPLIST { n } else { n / 2 })
        }
        _ => {
            let n = listpack::entries(head, len)?;
            Some(if t == ty::SET_LISTPACK { n } else { n / 2 })
        }
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

/// Streams, types 15, 19 and 21: listpack nodes, metadata, consumer groups with their PELs.
fn skip_stream<R: Read, W: Write>(s: &mut Source<R, W>, t: u8) -> Result<StreamInfo, RdbError> {
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
    let length = s.read_len()?;
    // last_id (2 lengths); v2 adds first_id, max_deleted_entry_id, entries_added.
    s.skip_lens(if v2 { 7 } else { 2 })?;
    let (mut pending, mut consumers) = (0, 0);
    let groups = s.repeat(|group| {
        group.skip_strings(1)?;
        // last-delivered id; v2 adds entries_read.
        group.skip_lens(if v2 { 3 } else { 2 })?;
        // Global PEL: raw id, delivery time, delivery count.
        pending += group.repeat(|nack| {
            nack.skip(STREAM_ID + 8)?;
            nack.skip_lens(1)
        })?;
        consumers += group.repeat(|consumer| {
            consumer.skip_strings(1)?;
            // seen_time; v3 adds active_time.
            consumer.skip(if v3 { 16 } else { 8 })?;
            consumer.repeat(|pel| pel.skip(STREAM_ID)).map(drop)
        })?;
        Ok(())
    })?;
    Ok(StreamInfo {
        length,
        groups,
        consumers,
        pending,
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
