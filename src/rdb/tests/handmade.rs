//! Hand-built files for encodings redis-server 7.0 does not write (RDB 11/12 types, old types,
//! module data, wide lengths), and for structural errors.

use std::collections::BTreeMap;

use super::{Rdb, module_type_id, run, run_with};
use crate::rdb::{Checksum, DbStats, RdbError, VerifyOptions};

/// A stream value; `v2`/`v3` add the fields of types 19 and 21.
fn stream(rdb: Rdb, v2: bool, v3: bool) -> Rdb {
    let mut rdb = rdb
        .length(1)
        .string([7; 16])
        .string(b"listpack bytes")
        .length(5)
        .length(1_700_000_000_000)
        .length(5);
    if v2 {
        rdb = rdb
            .length(1_700_000_000_000)
            .length(1)
            .length(0)
            .length(0)
            .length(5);
    }
    rdb = rdb
        .length(1)
        .string("grp")
        .length(1_700_000_000_000)
        .length(3);
    if v2 {
        rdb = rdb.length(3);
    }
    rdb = rdb.length(2);
    for (id, count) in [(1, 1), (2, 300)] {
        rdb = rdb.raw(&[id; 16]).raw(&[0; 8]).length(count);
    }
    rdb = rdb.length(1).string("alice").raw(&[0; 8]);
    if v3 {
        rdb = rdb.raw(&[0; 8]);
    }
    rdb.length(2).raw(&[1; 16]).raw(&[2; 16])
}

/// A module value's annotated opcode stream with every opcode.
fn module_values(rdb: Rdb) -> Rdb {
    rdb.length(2)
        .length(70_000)
        .length(1)
        .length(3)
        .length(3)
        .raw(&1.5f32.to_le_bytes())
        .length(4)
        .raw(&2.5f64.to_le_bytes())
        .length(5)
        .string("payload")
        .length(0)
}

/// One key of every type redis-server 7.0 cannot write, plus the opcodes around them.
pub(super) fn every_other_type() -> Vec<u8> {
    let json = module_type_id("ReJSON-RL", 3);
    let graph = module_type_id("graphdata", 1);
    let mut rdb = Rdb::new(12)
        .aux("redis-ver", "7.4.1")
        .byte(0xFA)
        .string("ctime")
        .raw(&[0xC2])
        .raw(&1_700_000_000i32.to_le_bytes())
        .byte(0xFA)
        .string("used-mem")
        .raw(&[0xC1])
        .raw(&(-2i16).to_le_bytes())
        .byte(0xFA)
        .string("aof-base")
        .raw(&[0xC0, 0]);
    rdb = module_values(rdb.byte(0xF7).length(graph).length(2).length(1));
    rdb = rdb.byte(0xF5).string("#!lua name=lib\n...").select_db(0);
    rdb = rdb.byte(0xFB).length(15).length(2);
    rdb = rdb.byte(0xF4).length(1234).length(15).length(2);
    // Old linked list with a 64-bit and a 32-bit big-endian length.
    rdb = rdb.key(1, "list").raw(&[0x81, 0, 0, 0, 0, 0, 0, 0, 2]);
    rdb = rdb.raw(&[0x80, 0, 0, 0, 3]).raw(b"abc").string("d");
    // ZSET v1 scores: ASCII, NaN, +inf, -inf.
    rdb = rdb.key(3, "zset1").length(4);
    for (member, score) in [
        ("a", &b"\x031.5"[..]),
        ("b", b"\xfd"),
        ("c", b"\xfe"),
        ("d", b"\xff"),
    ] {
        rdb = rdb.string(member).raw(score);
    }
    rdb = module_values(rdb.key(7, "json").length(json));
    for blob_type in [9, 10, 12, 13, 20, 23] {
        rdb = rdb
            .key(blob_type, &format!("blob{blob_type}"))
            .string("encoded blob");
    }
    rdb = rdb
        .key(14, "quicklist")
        .length(2)
        .string("zl1")
        .string("zl2");
    rdb = stream(rdb.key(15, "stream1"), false, false);
    rdb = stream(rdb.key(21, "stream3"), true, true);
    rdb = rdb
        .key(22, "hmeta-pre-ga")
        .length(1)
        .length(0)
        .string("f")
        .string("v");
    rdb = rdb.byte(0xFC).raw(&5_000i64.to_le_bytes());
    rdb = rdb.key(24, "hmeta").raw(&1_000i64.to_le_bytes()).length(2);
    rdb = rdb
        .length(0)
        .string("f1")
        .string("v1")
        .length(7)
        .string("f2")
        .string("v2");
    rdb = rdb
        .byte(0xF8)
        .length(3600)
        .key(25, "hlpex")
        .raw(&1_000i64.to_le_bytes());
    rdb = rdb.string("listpack");
    rdb = rdb.select_db(7).byte(0xF9).byte(5);
    // Expire in seconds (the pre-Redis-2.6 opcode).
    rdb = rdb.byte(0xFD).raw(&2_000i32.to_le_bytes());
    rdb.key(0, "last").string("value").finish()
}

#[test]
fn every_other_type_walks_with_exact_counts() {
    let rdb = every_other_type();
    let (s, out) = run_with(
        &rdb,
        &VerifyOptions {
            now_ms: Some(1_999_999),
        },
    )
    .unwrap();
    assert_eq!(out, rdb);
    assert_eq!(s.rdb_version, 12);
    assert_eq!(s.checksum, Checksum::Verified(s.crc64));
    assert_eq!(s.redis_version.as_deref(), Some("7.4.1"));
    assert_eq!(s.ctime, Some(1_700_000_000));
    assert_eq!(s.used_mem, None, "negative values are not a size");
    assert_eq!(s.aux["used-mem"], "-2");
    assert_eq!(s.aux["aof-base"], "0");
    assert_eq!(s.functions, 1);
    assert!(s.slot_info && s.walked);
    assert_eq!(s.module_types, ["ReJSON-RL", "graphdata"]);
    let db0 = DbStats {
        keys: 15,
        expires: 1,
        expired: 1,
        resize_keys: Some(15),
        resize_expires: Some(2),
    };
    let db7 = DbStats {
        keys: 1,
        expires: 1,
        expired: 0,
        ..DbStats::default()
    };
    assert_eq!(s.databases, BTreeMap::from([(0, db0), (7, db7)]));
}

/// Builds a v12 file with key `k` of `value_type`, then a plain string key: if the value was
/// skipped by the wrong number of bytes, the second key cannot parse.
fn single(value_type: u8, value: impl FnOnce(Rdb) -> Rdb) -> Vec<u8> {
    value(Rdb::new(12).key(value_type, "k"))
        .key(0, "after")
        .string("x")
        .finish()
}

fn keys_in(rdb: &[u8]) -> u64 {
    run(rdb).unwrap().0.total_keys()
}

#[test]
fn stream_versions_and_fields() {
    assert_eq!(keys_in(&single(15, |r| stream(r, false, false))), 2);
    assert_eq!(keys_in(&single(19, |r| stream(r, true, false))), 2);
    assert_eq!(keys_in(&single(21, |r| stream(r, true, true))), 2);
    // A v1 layout under a v3 type byte leaves the walker misaligned.
    assert!(run(&single(21, |r| stream(r, false, false))).is_err());
}

#[test]
fn zset_v1_special_scores_have_no_bytes() {
    let rdb = single(3, |r| {
        r.length(3)
            .string("a")
            .byte(253)
            .string("b")
            .byte(254)
            .string("c")
            .byte(255)
    });
    assert_eq!(keys_in(&rdb), 2);
    let ascii = single(3, |r| r.length(1).string("a").byte(4).raw(b"-2.5"));
    assert_eq!(keys_in(&ascii), 2);
}

#[test]
fn integer_encoded_strings_in_keys_and_values() {
    let rdb = Rdb::new(12)
        .byte(0)
        .raw(&[0xC0, 0x85])
        .raw(&[0xC1, 0x34, 0x12])
        .key(2, "set")
        .length(2)
        .raw(&[0xC2, 1, 2, 3, 4])
        .raw(&[0xC0, 7])
        .finish();
    assert_eq!(keys_in(&rdb), 2);
}

#[test]
fn lzf_values_are_skipped_without_decompressing() {
    // Compressed length 5, decoded length 1_000_000: only the 5 stored bytes are consumed,
    // and their content is not examined.
    let rdb = single(0, |r| {
        r.byte(0xC3).length(5).length(1_000_000).raw(&[0xAA; 5])
    });
    assert_eq!(keys_in(&rdb), 2);
}

#[test]
fn module_type_names_decode_from_ids() {
    for name in ["ReJSON-RL", "MBbloom--", "ft-index0", "_-09azAZ_"] {
        let rdb = single(7, |r| module_values(r.length(module_type_id(name, 1023))));
        assert_eq!(run(&rdb).unwrap().0.module_types, [name]);
    }
}

fn corrupt_at(rdb: &[u8]) -> (u64, String) {
    match run(rdb) {
        Err(RdbError::Corrupt { offset, what }) => (offset, what),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Offset of the first key's type byte in a file built by `single`; its value starts at 12.
const KEY_AT: u64 = 9;

#[test]
fn structural_errors_name_the_offset_and_the_problem() {
    let (at, what) = corrupt_at(&single(6, |r| r.length(0)));
    assert_eq!(at, KEY_AT);
    assert!(what.contains("pre-release module"), "{what}");

    for bad_type in [8, 26, 0xF3] {
        let (at, what) = corrupt_at(&Rdb::new(12).key(bad_type, "k").finish());
        assert_eq!(at, KEY_AT);
        assert!(what.contains("unknown opcode or value type"), "{what}");
    }

    let (at, what) = corrupt_at(&Rdb::new(10).byte(0xF6).string("x").finish());
    assert_eq!(at, KEY_AT);
    assert!(what.contains("pre-release function"), "{what}");

    let cases: [(Vec<u8>, u64, &str); 9] = [
        (
            single(0, |r| r.raw(&[0x82, 0, 0])),
            12,
            "invalid length encoding",
        ),
        (single(0, |r| r.byte(0xC4)), 12, "unknown string encoding"),
        (single(1, |r| r.byte(0xC0)), 12, "expected a length"),
        (
            single(7, |r| r.length(1).length(6)),
            13,
            "unknown module value opcode",
        ),
        (
            single(18, |r| r.length(1).length(3).string("lp")),
            13,
            "neither 1 (plain) nor 2",
        ),
        (
            single(18, |r| r.length(1).length(2).string("")),
            14,
            "empty quicklist node",
        ),
        (
            single(15, |r| r.length(1).string([0; 15])),
            13,
            "16-byte stream ID",
        ),
        (
            Rdb::new(12).select_db(1 << 40).finish(),
            KEY_AT,
            "database index",
        ),
        (
            Rdb::new(12)
                .byte(0xF7)
                .length(1)
                .length(1)
                .length(1)
                .length(0)
                .finish(),
            11,
            "unsigned integer",
        ),
    ];
    for (rdb, offset, what) in cases {
        let (at, message) = corrupt_at(&rdb);
        assert_eq!((at, message.contains(what)), (offset, true), "{message}");
    }
}

#[test]
fn empty_dataset_has_no_databases() {
    let rdb = Rdb::new(10).aux("redis-ver", "7.0.15").finish();
    let (s, out) = run(&rdb).unwrap();
    assert_eq!(out, rdb);
    assert!(s.databases.is_empty());
    assert_eq!((s.total_keys(), s.max_db()), (0, None));
}
