//! The per-key slot check's cost, for bench/cluster.sh: walks each RDB given (already
//! decompressed shard RDBs) as a backup does, once with no key visitor and once with the slot
//! check, three times each, and prints the median wall seconds of both on one line:
//! `walk_s walk_plus_slotcheck_s rdb_bytes keys`.
//! Usage: cargo run --release --example slotcheck_cost -- shard0.rdb shard1.rdb …

use redisops::cluster::slotcheck::SlotCheck;
use redisops::cluster::slots::SlotRange;
use redisops::rdb::{VerifyOptions, copy_visited};
use std::io::BufReader;
use std::time::Instant;

fn walk(paths: &[String], check: bool) -> (f64, u64, u64) {
    let started = Instant::now();
    let (mut bytes, mut keys) = (0, 0);
    for p in paths {
        let file = BufReader::with_capacity(1 << 20, std::fs::File::open(p).expect("open RDB"));
        let opts = VerifyOptions { now_ms: None };
        let summary = if check {
            let mut v = SlotCheck::new(&[SlotRange::new(0, 16383)]);
            copy_visited(file, std::io::sink(), &opts, &mut v)
        } else {
            copy_visited(file, std::io::sink(), &opts, &mut ())
        }
        .expect("a valid RDB");
        bytes += summary.rdb_bytes;
        keys += summary.databases.values().map(|d| d.keys).sum::<u64>();
    }
    (started.elapsed().as_secs_f64(), bytes, keys)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    assert!(!paths.is_empty(), "usage: slotcheck_cost RDB…");
    let (mut plain, mut checked) = (Vec::new(), Vec::new());
    let (mut bytes, mut keys) = (0, 0);
    for _ in 0..3 {
        let (t, b, k) = walk(&paths, false);
        plain.push(t);
        checked.push(walk(&paths, true).0);
        (bytes, keys) = (b, k);
    }
    println!("{:.3} {:.3} {bytes} {keys}", median(plain), median(checked));
}
