//! Two analyses compared ("what changed since last night"): per database and per prefix the
//! change in keys and bytes, sorted by absolute growth, and the top keys of either side with
//! their size on the other (`None`: the key is not there).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde::Serialize;

use super::top::KeyRow;
use super::{Analysis, Source, Totals};
use crate::rdb::{KeyInfo, Visitor};
use crate::ui::bytes;

/// A key as the walk gives it: db, capped bytes, full length.
type KeyId = (u32, Box<[u8]>, u64);

/// Finds given keys during a walk and records their serialized size.
#[derive(Default)]
pub struct Lookup {
    wanted: HashMap<KeyId, Option<u64>>,
}

impl Lookup {
    /// Looks for `rows` (a top list of the other file).
    pub fn new<'a>(rows: impl IntoIterator<Item = &'a KeyRow>) -> Self {
        Self {
            wanted: rows
                .into_iter()
                .map(|r| ((r.db, r.raw_key.clone(), r.key_len), None))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// The size found for `row`: `Some(None)` when it was looked for and is absent.
    fn found(&self, row: &KeyRow) -> Option<Option<u64>> {
        self.wanted
            .get(&(row.db, row.raw_key.clone(), row.key_len))
            .copied()
    }
}

impl Visitor for Lookup {
    const DETAILS: bool = true;

    fn key(&mut self, k: &KeyInfo<'_>) {
        if self.wanted.is_empty() {
            return;
        }
        // Keys longer than the cap compare by their first bytes and their length.
        if let Some(slot) = self.wanted.get_mut(&(k.db, k.key.into(), k.key_len)) {
            *slot = Some(k.bytes);
        }
    }
}

/// A count before and after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    pub keys_a: u64,
    pub keys_b: u64,
    pub keys: i64,
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub bytes: i64,
}

impl Change {
    fn new((keys_a, bytes_a): (u64, u64), (keys_b, bytes_b): (u64, u64)) -> Self {
        Self {
            keys_a,
            keys_b,
            keys: keys_b as i64 - keys_a as i64,
            bytes_a,
            bytes_b,
            bytes: bytes_b as i64 - bytes_a as i64,
        }
    }

    fn of(a: &Totals, b: &Totals) -> Self {
        Self::new((a.keys, a.bytes), (b.keys, b.bytes))
    }

    fn is_zero(&self) -> bool {
        self.keys == 0 && self.bytes == 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub format: u32,
    pub a: Source,
    pub b: Source,
    pub totals: Change,
    pub databases: Vec<DbChange>,
    /// Prefixes whose keys or bytes changed, largest absolute byte change first.
    pub prefixes: Vec<PrefixChange>,
    /// The top keys by size of either side, largest absolute byte change first.
    pub top_keys: Vec<KeyChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DbChange {
    pub db: u32,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrefixChange {
    pub prefix: String,
    pub depth: usize,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyChange {
    pub db: u32,
    pub key: String,
    #[serde(rename = "type")]
    pub type_name: &'static str,
    /// `new`, `vanished`, `grown`, `shrunk` or `same`.
    pub change: &'static str,
    pub bytes_a: Option<u64>,
    pub bytes_b: Option<u64>,
}

/// Compares `a` and `b`. `in_b` found `a`'s top keys in B, `in_a` found `b`'s in A.
pub fn compare(a: &Analysis, b: &Analysis, in_a: &Lookup, in_b: &Lookup) -> Diff {
    let mut dbs: BTreeMap<u32, (Totals, Totals)> = BTreeMap::new();
    for d in &a.databases {
        dbs.entry(d.db).or_default().0 = d.totals;
    }
    for d in &b.databases {
        dbs.entry(d.db).or_default().1 = d.totals;
    }
    let databases = dbs
        .into_iter()
        .map(|(db, (ta, tb))| DbChange {
            db,
            change: Change::of(&ta, &tb),
        })
        .filter(|d| !d.change.is_zero())
        .collect();

    // Prefix → (depth, (keys, bytes) in A, in B).
    type Sides = (usize, (u64, u64), (u64, u64));
    let mut prefixes: BTreeMap<&str, Sides> = BTreeMap::new();
    for (depth, n) in a.prefixes.flatten() {
        let e = prefixes.entry(&n.prefix).or_default();
        e.0 = depth;
        e.1 = (n.stats.keys, n.stats.bytes);
    }
    for (depth, n) in b.prefixes.flatten() {
        let e = prefixes.entry(&n.prefix).or_default();
        e.0 = depth;
        e.2 = (n.stats.keys, n.stats.bytes);
    }
    let mut prefixes: Vec<PrefixChange> = prefixes
        .into_iter()
        .map(|(prefix, (depth, pa, pb))| PrefixChange {
            prefix: prefix.to_owned(),
            depth,
            change: Change::new(pa, pb),
        })
        .filter(|p| !p.change.is_zero())
        .collect();
    prefixes.sort_by(|x, y| {
        y.change
            .bytes
            .unsigned_abs()
            .cmp(&x.change.bytes.unsigned_abs())
            .then(
                y.change
                    .keys
                    .unsigned_abs()
                    .cmp(&x.change.keys.unsigned_abs()),
            )
            .then(x.prefix.cmp(&y.prefix))
    });

    let mut keys: BTreeMap<(u32, String), KeyChange> = BTreeMap::new();
    for row in &a.top_by_bytes {
        let bytes_b = in_b.found(row).flatten();
        keys.insert(
            (row.db, row.key.clone()),
            key_change(row, Some(row.bytes), bytes_b),
        );
    }
    for row in &b.top_by_bytes {
        let bytes_a = match keys.get(&(row.db, row.key.clone())) {
            Some(k) => k.bytes_a,
            None => in_a.found(row).flatten(),
        };
        keys.insert(
            (row.db, row.key.clone()),
            key_change(row, bytes_a, Some(row.bytes)),
        );
    }
    let mut top_keys: Vec<KeyChange> = keys.into_values().collect();
    let delta = |k: &KeyChange| {
        (k.bytes_b.unwrap_or(0) as i64 - k.bytes_a.unwrap_or(0) as i64).unsigned_abs()
    };
    top_keys.sort_by(|x, y| delta(y).cmp(&delta(x)).then(x.key.cmp(&y.key)));

    Diff {
        format: super::JSON_FORMAT,
        a: a.source.clone(),
        b: b.source.clone(),
        totals: Change::of(&a.totals, &b.totals),
        databases,
        prefixes,
        top_keys,
    }
}

fn key_change(row: &KeyRow, bytes_a: Option<u64>, bytes_b: Option<u64>) -> KeyChange {
    KeyChange {
        db: row.db,
        key: row.key.clone(),
        type_name: row.type_name,
        change: match (bytes_a, bytes_b) {
            (None, _) => "new",
            (_, None) => "vanished",
            (Some(x), Some(y)) if y > x => "grown",
            (Some(x), Some(y)) if y < x => "shrunk",
            _ => "same",
        },
        bytes_a,
        bytes_b,
    }
}

fn signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", bytes(n.unsigned_abs()))
    } else {
        format!("+{}", bytes(n as u64))
    }
}

/// Prefix rows shown in the terminal.
const PREFIX_ROWS: usize = 20;

pub fn render(d: &Diff) -> String {
    let mut o = String::new();
    let t = &d.totals;
    let _ = writeln!(
        o,
        "A: {} {}\nB: {} {}\nkeys {} → {} ({:+}), bytes {} → {} ({})",
        d.a.kind,
        d.a.name,
        d.b.kind,
        d.b.name,
        t.keys_a,
        t.keys_b,
        t.keys,
        bytes(t.bytes_a),
        bytes(t.bytes_b),
        signed(t.bytes)
    );
    if !d.databases.is_empty() {
        let _ = writeln!(
            o,
            "\nDatabases that changed\n  {:>4} {:>10} {:>12}",
            "db", "keys", "bytes"
        );
        for db in &d.databases {
            let _ = writeln!(
                o,
                "  {:>4} {:>+10} {:>12}",
                db.db,
                db.change.keys,
                signed(db.change.bytes)
            );
        }
    }
    if d.prefixes.is_empty() {
        let _ = writeln!(o, "\nNo prefix changed.");
    } else {
        let _ = writeln!(
            o,
            "\nPrefixes by absolute growth\n  {:>12} {:>10}  prefix (keys A → B)",
            "bytes", "keys"
        );
        for p in d.prefixes.iter().take(PREFIX_ROWS) {
            let c = &p.change;
            let _ = writeln!(
                o,
                "  {:>12} {:>+10}  {} ({} → {})",
                signed(c.bytes),
                c.keys,
                p.prefix,
                c.keys_a,
                c.keys_b
            );
        }
        if d.prefixes.len() > PREFIX_ROWS {
            let _ = writeln!(
                o,
                "  … {} more (see --json)",
                d.prefixes.len() - PREFIX_ROWS
            );
        }
    }
    let changed: Vec<&KeyChange> = d.top_keys.iter().filter(|k| k.change != "same").collect();
    if !changed.is_empty() {
        let _ = writeln!(
            o,
            "\nTop keys that changed\n  {:<9} {:>11} {:>11}  key",
            "change", "A", "B"
        );
        for k in changed {
            let size = |b: Option<u64>| b.map(bytes).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                o,
                "  {:<9} {:>11} {:>11}  {}{}",
                k.change,
                size(k.bytes_a),
                size(k.bytes_b),
                if k.db == 0 {
                    String::new()
                } else {
                    format!("db{} ", k.db)
                },
                k.key
            );
        }
    }
    o
}
