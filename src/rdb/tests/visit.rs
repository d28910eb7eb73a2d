//! The detailed visitor: keys, element counts and value metadata from real and hand-built files.

use std::collections::BTreeMap;

use super::handmade::every_other_type;
use super::{HFE, Rdb, TYPES};
use crate::rdb::{KeyInfo, StreamInfo, VerifyOptions, Visitor, copy_visited};

/// What a test wants to know about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    db: u32,
    type_name: &'static str,
    encoding: &'static str,
    elements: Option<u64>,
    expire_ms: Option<i64>,
    bytes: u64,
    stream: Option<StreamInfo>,
    field_expires: Vec<i64>,
    idle: Option<u64>,
    freq: Option<u8>,
}

#[derive(Default)]
struct Recorder(BTreeMap<String, Seen>, u64);

impl Visitor for Recorder {
    const DETAILS: bool = true;

    fn key(&mut self, k: &KeyInfo<'_>) {
        assert_eq!(k.key_len, k.key.len() as u64);
        self.1 += k.bytes;
        self.0.insert(
            String::from_utf8(k.key.to_vec()).unwrap(),
            Seen {
                db: k.db,
                type_name: k.value_type.type_name(),
                encoding: k.value.string_encoding.unwrap_or(k.value_type.encoding()),
                elements: k.value.elements,
                expire_ms: k.expire_ms,
                bytes: k.bytes,
                stream: k.value.stream,
                field_expires: k.value.field_expires.to_vec(),
                idle: k.idle_s,
                freq: k.lfu_freq,
            },
        );
    }
}

fn record(rdb: &[u8]) -> Recorder {
    let mut r = Recorder::default();
    let s = copy_visited(rdb, std::io::sink(), &VerifyOptions::default(), &mut r).unwrap();
    assert_eq!(s.total_keys(), r.0.len() as u64);
    r
}

#[test]
fn the_fixture_keys_with_their_types_counts_and_ttls() {
    let r = record(TYPES);
    let k = &r.0;
    let got = |name: &str| {
        let s = &k[name];
        (s.type_name, s.encoding, s.elements)
    };
    assert_eq!(got("str:int"), ("string", "int", None));
    assert_eq!(got("str:short"), ("string", "raw", None));
    assert_eq!(got("str:lzf"), ("string", "lzf", None));
    assert_eq!(got("list:small"), ("list", "quicklist", Some(6)));
    assert_eq!(got("list:big"), ("list", "quicklist", Some(3000)));
    assert_eq!(got("set:intset"), ("set", "intset", Some(4)));
    assert_eq!(got("set:small"), ("set", "hashtable", Some(3)));
    assert_eq!(got("set:big"), ("set", "hashtable", Some(1000)));
    assert_eq!(got("zset:small"), ("zset", "listpack", Some(3)));
    assert_eq!(got("zset:big"), ("zset", "skiplist", Some(300)));
    assert_eq!(got("hash:small"), ("hash", "listpack", Some(2)));
    assert_eq!(got("hash:big"), ("hash", "hashtable", Some(600)));
    assert_eq!(got("stream:s"), ("stream", "stream", Some(5)));
    assert_eq!(
        k["stream:s"].stream,
        Some(StreamInfo {
            length: 5,
            groups: 1,
            consumers: 2,
            pending: 4
        })
    );
    assert_eq!(k["ttl:a"].expire_ms, Some(4_102_444_800_000));
    assert_eq!(k["str:short"].expire_ms, None);
    assert_eq!((k["k3:ttl"].db, k["str:lzf"].db), (3, 0));
    assert!(k["str:lzf"].bytes < 20_000, "LZF-compressed on disk");
    assert!(k["str:random"].bytes > 8192);
    assert!(r.1 < TYPES.len() as u64);
}

#[test]
fn hand_built_types_give_field_ttls_idle_and_freq() {
    let r = record(&every_other_type());
    let k = &r.0;
    // Type 24: TTLs relative to the 1000 ms minimum, +1.
    assert_eq!(k["hmeta"].field_expires, [1_006]);
    assert_eq!(k["hmeta"].elements, Some(2));
    assert_eq!(k["hmeta"].expire_ms, Some(5_000));
    assert_eq!(k["hlpex"].idle, Some(3600));
    assert_eq!(k["last"].freq, Some(5));
    assert_eq!(k["last"].db, 7);
    assert_eq!(k["stream3"].stream.unwrap().pending, 2);
    assert_eq!(k["stream3"].stream.unwrap().consumers, 1);
    // Hand-made blobs are not real listpacks: no count, and no error.
    assert_eq!(k["blob20"].elements, None);
    assert_eq!(k["quicklist"].elements, None);
}

#[test]
fn long_lzf_keys_are_capped_but_their_length_is_kept() {
    // An LZF string: literal 'k', then back references repeating it to 1000 bytes.
    let mut packed = vec![0x00, b'k'];
    let mut made = 1;
    while made < 1000 {
        let len = (1000 - made).min(264);
        packed.extend_from_slice(&[0xE0, (len - 9) as u8, 0x00]);
        made += len;
    }
    let rdb = Rdb::new(10)
        .byte(0)
        .raw(&[0xC3])
        .length(packed.len() as u64)
        .length(1000)
        .raw(&packed)
        .string("v")
        .finish();
    struct Lengths(Vec<(usize, u64)>);
    impl Visitor for Lengths {
        const DETAILS: bool = true;
        fn key(&mut self, k: &KeyInfo<'_>) {
            assert!(k.key.iter().all(|&b| b == b'k'));
            self.0.push((k.key.len(), k.key_len));
        }
    }
    let mut v = Lengths(Vec::new());
    copy_visited(&rdb[..], std::io::sink(), &VerifyOptions::default(), &mut v).unwrap();
    assert_eq!(v.0, [(crate::rdb::KEY_CAP, 1000)]);
}

#[test]
fn redis_7_4_hash_field_ttls_in_both_encodings() {
    let r = record(HFE);
    let k = &r.0;
    const Y2100: i64 = 4_102_444_800_000;
    assert_eq!(k["hfe:small"].encoding, "listpack-ttl");
    assert_eq!(k["hfe:small"].field_expires, [Y2100, Y2100]);
    assert_eq!(k["hfe:small"].elements, Some(3));
    assert_eq!(k["hfe:big"].encoding, "hashtable-ttl");
    let mut big = k["hfe:big"].field_expires.clone();
    big.sort();
    assert_eq!(big, [Y2100, Y2100, Y2100, Y2100 + 100_000]);
    assert_eq!(k["hfe:big"].elements, Some(600));
    assert_eq!(k["set:lp"].elements, Some(3));
    assert_eq!(k["str:x"].expire_ms, Some(Y2100));
}
