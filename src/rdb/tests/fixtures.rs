//! Files written by redis-server 7.0.15; how they were made and the expected counts are in
//! `testdata/README.md` (cross-checked with redis-check-rdb and `INFO keyspace`).

use std::collections::BTreeMap;

use super::{DISKLESS, NO_CHECKSUM, Rdb, TYPES, run, run_with};
use crate::rdb::{Checksum, DbStats, VerifyOptions};

/// 2100-01-01T00:00:00Z, the expire time the fixtures use.
const Y2100_MS: i64 = 4_102_444_800_000;

fn trailer(rdb: &[u8]) -> u64 {
    let mut t = [0; 8];
    t.copy_from_slice(&rdb[rdb.len() - 8..]);
    u64::from_le_bytes(t)
}

fn db(keys: u64, expires: u64, expired: u64) -> DbStats {
    DbStats {
        keys,
        expires,
        expired,
        resize_keys: Some(keys),
        resize_expires: Some(expires),
    }
}

#[test]
fn crc64_redis_check_vector() {
    const CHECK: u64 = 0xe9c6_d914_c4b8_d9ca;
    assert_eq!(
        crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(b"123456789"),
        CHECK
    );
    assert_eq!(super::CRC64.checksum(b"123456789"), CHECK);
}

#[test]
fn all_types_fixture_counts_match_redis() {
    let (s, out) = run(TYPES).unwrap();
    assert_eq!(out, TYPES, "the copy is byte-identical");
    assert_eq!(s.rdb_version, 10);
    assert_eq!(s.redis_version.as_deref(), Some("7.0.15"));
    assert_eq!(s.aux["redis-bits"], "64");
    assert_eq!(s.aux["aof-base"], "0");
    assert_eq!(s.ctime, Some(1_795_480_222));
    assert_eq!(s.used_mem, Some(1_420_896));
    assert_eq!(s.crc64, trailer(TYPES));
    assert_eq!(s.checksum, Checksum::Verified(s.crc64));
    assert_eq!(s.rdb_bytes, TYPES.len() as u64);
    assert_eq!(
        s.databases,
        BTreeMap::from([(0, db(16, 3, 0)), (3, db(3, 2, 0))])
    );
    assert_eq!(
        (s.total_keys(), s.total_expires(), s.max_db()),
        (19, 5, Some(3))
    );
    assert_eq!(s.functions, 1);
    assert!(s.module_types.is_empty());
    assert!(s.walked && !s.slot_info);
    assert_eq!(s.trailing_bytes, 0);
}

#[test]
fn expired_keys_are_counted_against_now() {
    let expired = |now_ms| {
        let (s, _) = run_with(TYPES, &VerifyOptions { now_ms }).unwrap();
        (s.databases[&0].expired, s.databases[&3].expired)
    };
    assert_eq!(expired(None), (0, 0));
    // db 0: `list:small` expires in 2029, `ttl:a` at Y2100_MS, `ttl:b` one ms later;
    // db 3: both TTLs are Y2100_MS.
    assert_eq!(expired(Some(Y2100_MS - 1)), (1, 0));
    assert_eq!(
        expired(Some(Y2100_MS)),
        (2, 2),
        "an expire equal to now counts"
    );
    assert_eq!(expired(Some(i64::MAX)), (3, 2));
}

#[test]
fn checksum_disabled_is_reported_not_failed() {
    let (s, out) = run(NO_CHECKSUM).unwrap();
    assert_eq!(out, NO_CHECKSUM);
    assert_eq!(s.checksum, Checksum::Disabled);
    assert_ne!(s.crc64, 0, "the CRC is still computed");
    assert_eq!(s.databases, BTreeMap::from([(0, db(4, 1, 0))]));
}

#[test]
fn diskless_eof_mark_is_counted_and_not_copied() {
    let (s, out) = run(DISKLESS).unwrap();
    let rdb = &DISKLESS[..DISKLESS.len() - 40];
    assert_eq!(out, rdb);
    assert_eq!(s.trailing_bytes, 40);
    assert_eq!(s.rdb_bytes, rdb.len() as u64);
    assert_eq!(s.checksum, Checksum::Verified(trailer(rdb)));
    assert_eq!(s.aux["repl-id"].len(), 40);
    assert_eq!(s.aux["repl-offset"], "0");
    assert_eq!(s.databases, BTreeMap::from([(0, db(2, 0, 0))]));
}

/// The AUX reader decompresses LZF; feed it the LZF value Redis wrote for `str:lzf`.
#[test]
fn aux_lzf_value_written_by_redis_is_decompressed() {
    let key = b"\x07str:lzf";
    let at = TYPES.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    assert_eq!(TYPES[at], 0xC3, "str:lzf is stored LZF-compressed");
    // Redis wrote the compressed length in 14 bits and the decoded one (20000) in 32 bits.
    let compressed = usize::from(TYPES[at + 1] & 0x3F) << 8 | usize::from(TYPES[at + 2]);
    assert_eq!(TYPES[at + 3..at + 8], [0x80, 0, 0, 0x4E, 0x20]);
    let value = &TYPES[at..at + 8 + compressed];

    let rdb = Rdb::new(10).byte(0xFA).string("big").raw(value).finish();
    let (s, _) = run(&rdb).unwrap();
    assert_eq!(s.aux["big"], "abcdefgh".repeat(2500));
}
