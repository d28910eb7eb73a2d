//! Valkey 9 files (`VALKEY080`). No Valkey 9 build is at hand, so these are built by hand
//! from its format description, not written by a server: Valkey 9.0's `src/rdb.h`
//! (`RDB_VERSION` 80, the `VALKEY` magic for versions above `RDB_FOREIGN_VERSION_MAX` 79,
//! `RDB_TYPE_HASH_2` = 22 "hash with field-level expiration") and `rdbLoadObject` in its
//! `src/rdb.c` (per field: name, value, then the expire time as `rdbLoadMillisecondTime`, 8
//! bytes little-endian, -1 for none).

use super::{Rdb, run};
use crate::rdb::{RdbError, RdbFormat};

/// A Valkey 9.0 dump: a string, a hash with one field TTL, and a key with an expire time.
fn valkey9_dump() -> Vec<u8> {
    Rdb::valkey(80)
        .aux("valkey-ver", "9.0.0")
        .aux("redis-bits", "64")
        .select_db(0)
        .byte(0xFB)
        .length(3)
        .length(1)
        .key(0, "greeting")
        .string("hello")
        .key(22, "session")
        .length(2)
        .string("user")
        .string("alice")
        .raw(&1_900_000_000_000i64.to_le_bytes())
        .string("role")
        .string("admin")
        .raw(&(-1i64).to_le_bytes())
        .byte(0xFC)
        .raw(&1_900_000_000_000i64.to_le_bytes())
        .key(0, "temp")
        .string("x")
        .finish()
}

/// The same bytes as a file, for the integration tests (restore refusals): checked here, so
/// the file cannot drift from the description above.
#[test]
fn the_fixture_file_is_this_dump() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/rdb/testdata/valkey080-handmade.rdb"
    );
    if std::env::var_os("REDISOPS_BLESS").is_some() {
        std::fs::write(path, valkey9_dump()).unwrap();
    }
    assert_eq!(std::fs::read(path).unwrap(), valkey9_dump());
}

#[test]
fn valkey9_files_are_walked() {
    let (s, out) = run(&valkey9_dump()).unwrap();
    assert_eq!(out, valkey9_dump());
    assert_eq!(
        s.format(),
        RdbFormat {
            version: 80,
            valkey_magic: true
        }
    );
    assert_eq!(s.format().to_string(), "RDB 80 (VALKEY080)");
    assert!(s.walked);
    assert_eq!(s.databases[&0].keys, 3);
    assert_eq!(s.databases[&0].expires, 1);
    assert_eq!(s.aux["valkey-ver"], "9.0.0");
}

#[test]
fn redis_meanings_of_types_22_to_25_do_not_apply() {
    // Type 24 is Redis 7.4's hash with metadata; Valkey 9.0 has no such type.
    let rdb = Rdb::valkey(80).key(24, "h").length(0).finish();
    let err = run(&rdb).unwrap_err();
    assert!(
        matches!(&err, RdbError::Corrupt { what, .. } if what.contains("not a Valkey 9.0")),
        "{err}"
    );
    // Type 22 in a Redis file is Redis' pre-release hash with metadata, not HASH_2.
    let (s, _) = run(&Rdb::new(12).key(0, "k").string("v").finish()).unwrap();
    assert!(!s.valkey_magic);
}

#[test]
fn newer_valkey_formats_are_checked_by_crc_only() {
    let rdb = Rdb::valkey(81).key(23, "p").string("paths").finish();
    let (s, out) = run(&rdb).unwrap();
    assert_eq!(out, rdb);
    assert!(!s.walked && s.valkey_magic);
    assert_eq!(s.rdb_version, 81);
}

#[test]
fn valkey_magic_below_80_is_refused() {
    let rdb = Rdb::valkey(11).finish();
    let err = run(&rdb).unwrap_err();
    assert!(matches!(err, RdbError::NotRedis { .. }), "{err:?}");
    assert!(err.to_string().contains("VALKEY011"), "{err}");
}
