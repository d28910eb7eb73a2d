//! Damaged, foreign and unsupported inputs, truncation at every offset, and a fuzz loop.

use super::handmade::every_other_type;
use super::{DISKLESS, HFE, NO_CHECKSUM, Rdb, TYPES, XorShift, run};
use crate::rdb::{Checksum, KeyInfo, RdbError, VerifyOptions, Visitor, copy_visited};

#[test]
fn flipped_byte_in_the_middle_is_caught() {
    let mut rdb = TYPES.to_vec();
    let mid = rdb.len() / 2;
    rdb[mid] ^= 0x01;
    match run(&rdb) {
        Err(RdbError::ChecksumMismatch { expected, actual }) => assert_ne!(expected, actual),
        Err(RdbError::Corrupt { .. }) => {}
        other => panic!("expected a checksum mismatch or corruption, got {other:?}"),
    }
}

#[test]
fn any_flipped_byte_fails() {
    let rdb_part = &DISKLESS[..DISKLESS.len() - 40];
    let every = (0..rdb_part.len()).map(|i| (rdb_part, i));
    let sampled = (0..TYPES.len()).step_by(61).map(|i| (TYPES, i));
    for (file, i) in every.chain(sampled) {
        let mut rdb = file.to_vec();
        rdb[i] ^= 0x20;
        assert!(run(&rdb).is_err(), "flip at {i} went unnoticed");
    }
}

#[test]
fn disabled_checksum_cannot_catch_a_flipped_value_byte() {
    let mut rdb = NO_CHECKSUM.to_vec();
    let at = rdb.len() - 10; // inside the last value, before the EOF opcode
    rdb[at] ^= 0x01;
    assert_eq!(run(&rdb).unwrap().0.checksum, Checksum::Disabled);
}

/// Every prefix of a valid file is reported as truncated where the data ends.
#[test]
fn truncation_at_every_offset() {
    let every_other = every_other_type();
    let small: [&[u8]; 3] = [NO_CHECKSUM, &DISKLESS[..DISKLESS.len() - 40], &every_other];
    let cuts = small
        .iter()
        .flat_map(|&file| (0..file.len()).map(move |cut| (file, cut)))
        .chain((0..TYPES.len()).step_by(37).map(|cut| (TYPES, cut)));
    for (file, cut) in cuts {
        match run(&file[..cut]) {
            Err(RdbError::Truncated { offset }) => assert_eq!(offset, cut as u64),
            other => panic!("cut at {cut}: expected Truncated, got {other:?}"),
        }
    }
}

#[test]
fn trailing_bytes_are_counted_not_copied() {
    for extra in [1, 40, 1_000_000] {
        let mut input = TYPES.to_vec();
        input.resize(TYPES.len() + extra, b'z');
        let (s, out) = run(&input).unwrap();
        assert_eq!(s.trailing_bytes, extra as u64);
        assert_eq!(out, TYPES);
    }
}

#[test]
fn foreign_formats_are_named() {
    let cases: [(&[u8], &str); 1] = [(b"\x04\x22\x4d\x18\x64\x40\xa7", "LZ4 frame")];
    for (input, name) in cases {
        let err = run(input).unwrap_err();
        assert!(matches!(err, RdbError::NotRedis { .. }), "{err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
    for garbage in [
        &b"GIF89a\x01\x00\x01\x00"[..],
        b"REDISabcd",
        b"\x00",
        b"redis0010",
    ] {
        assert!(
            matches!(run(garbage), Err(RdbError::NotRdb { .. })),
            "{garbage:?}"
        );
    }
    let err = run(b"PK\x03\x04 zip").unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an RDB file: it starts with \"PK\\x03\\x04 zip\" instead of \"REDIS\" and a 4-digit \
         version (or \"VALKEY\" and a 3-digit one)"
    );
}

#[test]
fn random_garbage_is_not_an_rdb() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..200 {
        let len = rng.below(300);
        let garbage: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(run(&garbage).is_err());
    }
}

#[test]
fn versions_before_5_are_refused() {
    for v in [0, 1, 4] {
        let rdb = Rdb::new(v).finish();
        assert!(matches!(run(&rdb), Err(RdbError::UnsupportedVersion(x)) if x == v));
    }
}

/// RDB 13 (Redis 8.6) is beyond the walker: the CRC and the EOF opcode are still checked.
#[test]
fn newer_versions_are_checked_by_crc_only() {
    // KEY_META (0xF3) is unknown to the walker but fine here.
    let body = Rdb::new(13)
        .aux("redis-ver", "8.6.0")
        .byte(0xF3)
        .raw(b"\x01\x02 new things");
    let rdb = body.finish();
    let (s, out) = run(&rdb).unwrap();
    assert_eq!(out, rdb);
    assert_eq!((s.rdb_version, s.walked, s.trailing_bytes), (13, false, 0));
    assert_eq!(s.checksum, Checksum::Verified(s.crc64));
    assert!(s.aux.is_empty() && s.databases.is_empty());
    assert_eq!(s.rdb_bytes, rdb.len() as u64);

    // A diskless EOF mark after the trailer is recognised even without a walk.
    let mut marked = rdb.clone();
    marked.extend_from_slice(b"0123456789abcdef0123456789abcdef01234567");
    let (s, out) = run(&marked).unwrap();
    assert_eq!((out, s.trailing_bytes), (rdb.clone(), 40));

    let mut bad = marked.clone();
    bad[20] ^= 1;
    assert!(matches!(run(&bad), Err(RdbError::ChecksumMismatch { .. })));

    let disabled = Rdb::new(80).raw(b"data").finish_with_trailer(0);
    assert_eq!(run(&disabled).unwrap().0.checksum, Checksum::Disabled);

    for cut in 0..rdb.len() {
        let err = run(&rdb[..cut]).unwrap_err();
        assert!(
            matches!(
                err,
                RdbError::Truncated { .. } | RdbError::ChecksumMismatch { .. }
            ),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn error_messages_read_well() {
    let err = RdbError::ChecksumMismatch {
        expected: 0xdead_beef,
        actual: 0x1234,
    };
    assert_eq!(
        err.to_string(),
        "RDB checksum mismatch: the file says 0x00000000deadbeef, the data hashes to \
         0x0000000000001234; the archive is corrupt"
    );
    let err = run(&TYPES[..100]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("RDB truncated: the data ends at byte offset 100")
    );
}

/// Random mutations of valid files never panic, and any success copies exactly the RDB.
#[test]
fn fuzzed_inputs_never_panic() {
    let every_other = every_other_type();
    let seeds: [&[u8]; 5] = [TYPES, NO_CHECKSUM, DISKLESS, HFE, &every_other];
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for _ in 0..2000 {
        let mut input = seeds[rng.below(seeds.len())].to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(input.len());
            match rng.below(4) {
                0 => input[at] ^= 1 << rng.below(8),
                1 => input[at] = rng.next() as u8,
                2 => input.truncate(at.max(1)),
                _ => input.insert(at, rng.next() as u8),
            }
        }
        let plain = run(&input);
        if let Ok((s, out)) = &plain {
            assert_eq!(out, &input[..s.rdb_bytes as usize]);
            assert_eq!(s.rdb_bytes + s.trailing_bytes, input.len() as u64);
        }
        // Details never make the walk accept more, or see something else.
        let mut keys = 0u64;
        let detailed = copy_visited(
            &input[..],
            std::io::sink(),
            &VerifyOptions::default(),
            &mut Detailed(&mut keys),
        );
        if let Ok(d) = detailed {
            assert_eq!(Some(&d), plain.as_ref().ok().map(|(s, _)| s));
            assert_eq!(keys, d.total_keys());
        }
    }
}

/// A visitor that asks for every detail.
struct Detailed<'a>(&'a mut u64);

impl Visitor for Detailed<'_> {
    const DETAILS: bool = true;

    fn key(&mut self, k: &KeyInfo<'_>) {
        assert!(k.key.len() <= crate::rdb::KEY_CAP);
        *self.0 += 1;
    }
}
