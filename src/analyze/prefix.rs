//! The prefix tree: keys and bytes per key prefix (`user:`, `user:42:`), cut at separator
//! characters up to a depth, in bounded memory. When the table grows past twice its limit,
//! the smallest prefixes are dropped; their keys stay counted in their parents, where they show
//! as "other". Counts are exact as long as a file has no more distinct prefixes than the limit.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use super::ttl::TtlBuckets;

/// Prefixes kept after folding the long tail.
pub const DEFAULT_LIMIT: usize = 20_000;

/// Keys and bytes under one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrefixStats {
    pub keys: u64,
    pub bytes: u64,
    pub ttl: TtlBuckets,
}

/// The multiply-rotate hash of rustc (FxHash): prefixes are short and not attacker-chosen
/// in a way that matters offline, and SipHash would cost more than the rest of the walk.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    /// The multiply leaves the low bits depending only on the low input bytes, and the table
    /// picks buckets by the low bits: keys like `p123456:` (differing past their second byte)
    /// would share a handful of buckets. A murmur3 finalizer spreads every bit.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Bytes a prefix may have and still live inside its table slot.
const INLINE: usize = 30;

/// A prefix as a table key: short ones (nearly all) inline, so that comparing a probed slot
/// does not chase a pointer to another cache line; longer ones on the heap.
#[derive(Clone)]
enum Prefix {
    Inline(u8, [u8; INLINE]),
    Heap(Box<[u8]>),
}

impl Prefix {
    fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE {
            let mut inline = [0; INLINE];
            inline[..bytes.len()].copy_from_slice(bytes);
            Self::Inline(bytes.len() as u8, inline)
        } else {
            Self::Heap(bytes.into())
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline(len, bytes) => &bytes[..usize::from(*len)],
            Self::Heap(bytes) => bytes,
        }
    }
}

// Hash and Eq are the byte slice's, so the table can be probed with a `&[u8]` (Borrow).
impl std::hash::Hash for Prefix {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialEq for Prefix {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Prefix {}

impl std::borrow::Borrow<[u8]> for Prefix {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Collects [`PrefixStats`] per prefix while keys stream by.
pub struct PrefixTable {
    separators: Vec<u8>,
    depth: usize,
    limit: usize,
    entries: FxMap<Prefix, PrefixStats>,
    /// Whether the long tail was ever folded (counts of small prefixes are then lower bounds).
    folded: bool,
}

impl PrefixTable {
    pub fn new(separators: &[u8], depth: usize, limit: usize) -> Self {
        Self {
            separators: separators.to_vec(),
            depth,
            limit: limit.max(1),
            entries: FxMap::default(),
            folded: false,
        }
    }

    /// Counts one key under each of its prefixes (up to the depth).
    pub fn add(&mut self, key: &[u8], bytes: u64, ttl_bucket: usize) {
        let mut level = 0;
        for (i, b) in key.iter().enumerate() {
            if level == self.depth {
                break;
            }
            if !self.separators.contains(b) {
                continue;
            }
            level += 1;
            let prefix = &key[..=i];
            let stats = match self.entries.get_mut(prefix) {
                Some(stats) => stats,
                None => self.entries.entry(Prefix::new(prefix)).or_default(),
            };
            stats.keys += 1;
            stats.bytes += bytes;
            stats.ttl.0[ttl_bucket] += 1;
        }
        if self.entries.len() > 2 * self.limit {
            self.fold();
        }
    }

    /// Drops the smallest prefixes down to (at most) the limit. A child never has more bytes
    /// than its parent, and on a tie the deeper (longer) one ranks lower, so dropping every
    /// prefix ranked at or below the cut never keeps a prefix without its parent. Ranking
    /// without copying the keys keeps a fold cheap on files with millions of prefixes.
    fn fold(&mut self) {
        let rank = |bytes: u64, len: usize| (bytes, std::cmp::Reverse(len));
        let mut ranks: Vec<_> = self
            .entries
            .iter()
            .map(|(p, s)| rank(s.bytes, p.as_slice().len()))
            .collect();
        let drop = ranks.len() - self.limit;
        let (_, cut, _) = ranks.select_nth_unstable(drop - 1);
        let cut = *cut;
        self.entries
            .retain(|p, s| rank(s.bytes, p.as_slice().len()) > cut);
        self.folded = true;
    }

    /// The tree: children under their parents, sorted by bytes, largest first.
    pub fn tree(&self) -> PrefixTree {
        let mut nodes: Vec<(&[u8], &PrefixStats)> = self
            .entries
            .iter()
            .map(|(p, s)| (p.as_slice(), s))
            .collect();
        nodes.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut roots = Vec::new();
        build(&nodes, &mut roots);
        sort(&mut roots);
        PrefixTree {
            separators: String::from_utf8_lossy(&self.separators).into_owned(),
            depth: self.depth,
            folded: self.folded,
            roots,
        }
    }
}

/// Builds the nodes of one level from `nodes` (sorted, so a prefix's descendants follow it).
fn build(nodes: &[(&[u8], &PrefixStats)], out: &mut Vec<PrefixNode>) {
    let mut i = 0;
    while i < nodes.len() {
        let (prefix, stats) = nodes[i];
        let end = i
            + 1
            + nodes[i + 1..]
                .iter()
                .take_while(|(p, _)| p.starts_with(prefix))
                .count();
        let mut node = PrefixNode {
            prefix: super::display_key(prefix),
            stats: stats.clone(),
            children: Vec::new(),
        };
        // The fold never keeps a child without its parent, so the first descendant is a child.
        build(&nodes[i + 1..end], &mut node.children);
        out.push(node);
        i = end;
    }
}

fn sort(nodes: &mut [PrefixNode]) {
    nodes.sort_by(|a, b| {
        b.stats
            .bytes
            .cmp(&a.stats.bytes)
            .then_with(|| a.prefix.cmp(&b.prefix))
    });
    for n in nodes {
        sort(&mut n.children);
    }
}

/// The prefix report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrefixTree {
    pub separators: String,
    pub depth: usize,
    /// Whether small prefixes were folded into their parents' "other" to bound memory.
    pub folded: bool,
    pub roots: Vec<PrefixNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrefixNode {
    pub prefix: String,
    #[serde(flatten)]
    pub stats: PrefixStats,
    pub children: Vec<PrefixNode>,
}

impl PrefixNode {
    /// Keys and bytes under this prefix that no listed child holds.
    pub fn other(&self) -> (u64, u64) {
        let keys: u64 = self.children.iter().map(|c| c.stats.keys).sum();
        let bytes: u64 = self.children.iter().map(|c| c.stats.bytes).sum();
        (self.stats.keys - keys, self.stats.bytes - bytes)
    }
}

impl PrefixTree {
    /// Every node with its depth (1 = top level), parents before children.
    pub fn flatten(&self) -> Vec<(usize, &PrefixNode)> {
        fn walk<'a>(nodes: &'a [PrefixNode], depth: usize, out: &mut Vec<(usize, &'a PrefixNode)>) {
            for n in nodes {
                out.push((depth, n));
                walk(&n.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.roots, 1, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_nest_by_separator_and_depth() {
        let mut t = PrefixTable::new(b":|", 2, 100);
        for (key, bytes) in [
            (&b"user:1:name"[..], 10),
            (b"user:1:age", 5),
            (b"user:2", 7),
            (b"cache|x", 3),
            (b"plain", 100),
        ] {
            t.add(key, bytes, 0);
        }
        let tree = t.tree();
        assert!(!tree.folded);
        let names: Vec<(usize, &str, u64, u64)> = tree
            .flatten()
            .iter()
            .map(|(d, n)| (*d, n.prefix.as_str(), n.stats.keys, n.stats.bytes))
            .collect();
        assert_eq!(
            names,
            [
                (1, "user:", 3, 22),
                (2, "user:1:", 2, 15),
                (1, "cache|", 1, 3)
            ]
        );
        assert_eq!(tree.roots[0].other(), (1, 7), "user:2 has no deeper prefix");
    }

    #[test]
    fn long_prefixes_count_like_short_ones() {
        let long = format!("{}:", "x".repeat(100));
        let mut t = PrefixTable::new(b":", 1, 100);
        for key in [format!("{long}a"), format!("{long}b"), "s:1".to_owned()] {
            t.add(key.as_bytes(), 2, 0);
        }
        let tree = t.tree();
        let got: Vec<(String, u64)> = tree
            .roots
            .iter()
            .map(|n| (n.prefix.clone(), n.stats.keys))
            .collect();
        assert_eq!(got, [(long, 2), ("s:".to_owned(), 1)]);
    }

    #[test]
    fn the_long_tail_folds_into_parents() {
        let mut t = PrefixTable::new(b":", 2, 10);
        for i in 0..1000u64 {
            t.add(format!("s:{i}:x").as_bytes(), 1, 0);
        }
        t.add(b"big:1:x", 5000, 0);
        let tree = t.tree();
        assert!(tree.folded);
        assert!(tree.flatten().len() <= 21);
        assert_eq!(tree.roots[0].prefix, "big:");
        let s = tree.roots.iter().find(|n| n.prefix == "s:").unwrap();
        assert_eq!(s.stats.keys, 1000, "parents keep every key");
        assert!(s.other().0 > 900);
    }
}
