//! The biggest keys: the top N by serialized size and by element count, each with the reasons
//! it can hurt a production server.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use crate::rdb::KeyInfo;

/// Serialized bytes above which deleting, expiring or moving the key blocks the server.
pub const BIG_BYTES: u64 = 10_000_000;
/// Elements above which O(n) commands and deletion block the server.
pub const MANY_ELEMENTS: u64 = 100_000;
/// Pending (unacknowledged) stream entries that mean consumers do not XACK.
pub const BIG_PEL: u64 = 10_000;
/// List length that means a queue whose consumers fall behind.
pub const QUEUE_ELEMENTS: u64 = 1_000_000;

/// One key of a top list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRow {
    pub db: u32,
    /// The key, escaped where it is not printable UTF-8.
    pub key: String,
    /// Whether the key is longer than the part shown.
    pub key_truncated: bool,
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub encoding: &'static str,
    pub bytes: u64,
    pub elements: Option<u64>,
    pub expire_ms: Option<i64>,
    /// Stream: entries delivered and not acknowledged.
    pub pending: Option<u64>,
    pub flags: Vec<Flag>,
    /// RDB offset of the key, which orders ties.
    #[serde(skip)]
    pub offset: u64,
    /// The key's bytes as the walk gave them (capped), to find it in another file.
    #[serde(skip)]
    pub raw_key: Box<[u8]>,
    #[serde(skip)]
    pub key_len: u64,
}

/// Why a key hurts: a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub code: &'static str,
    pub why: &'static str,
}

impl KeyRow {
    pub fn new(k: &KeyInfo<'_>, encoding: &'static str) -> Self {
        let type_name = k.value_type.type_name();
        let elements = k.value.elements;
        let pending = k.value.stream.map(|s| s.pending);
        let mut flags = Vec::new();
        if k.bytes > BIG_BYTES {
            flags.push(Flag {
                code: "big-value",
                why: "over 10 MB serialized: DEL, expiry, MIGRATE or a replica's full sync of \
                      this key stalls the server (UNLINK frees it in the background)",
            });
        }
        if elements.is_some_and(|n| n > MANY_ELEMENTS) {
            flags.push(Flag {
                code: "many-elements",
                why: "over 100k elements: DEL or expiry is O(n) on the main thread, and \
                      full reads (HGETALL, SMEMBERS, LRANGE 0 -1) block",
            });
        }
        if pending.is_some_and(|n| n > BIG_PEL) {
            flags.push(Flag {
                code: "huge-pel",
                why: "over 10k pending entries: consumers do not XACK; the PEL grows memory \
                      and slows XPENDING/XCLAIM",
            });
        }
        if type_name == "list" && elements.is_some_and(|n| n > QUEUE_ELEMENTS) {
            flags.push(Flag {
                code: "queue-backlog",
                why: "a list of millions used as a queue: its consumers are behind",
            });
        }
        Self {
            db: k.db,
            key: super::display_key(k.key),
            key_truncated: k.key_len > k.key.len() as u64,
            type_name,
            encoding,
            bytes: k.bytes,
            elements,
            expire_ms: k.expire_ms,
            pending,
            flags,
            offset: k.offset,
            raw_key: k.key.into(),
            key_len: k.key_len,
        }
    }
}

/// A bounded min-heap of the N largest by a metric; ties keep the earlier key.
pub struct Top {
    n: usize,
    heap: BinaryHeap<Reverse<(u64, Reverse<u64>, Entry)>>,
}

/// Heap payload; only the metric and offset order it.
struct Entry(KeyRow);

impl PartialEq for Entry {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl Top {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    /// Whether a key with this metric would enter the list (cheap: decides before a row is built).
    #[inline]
    pub fn admits(&self, metric: u64) -> bool {
        self.n > 0
            && (self.heap.len() < self.n
                || self
                    .heap
                    .peek()
                    .is_some_and(|Reverse((min, _, _))| metric > *min))
    }

    pub fn push(&mut self, metric: u64, row: KeyRow) {
        self.heap
            .push(Reverse((metric, Reverse(row.offset), Entry(row))));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// Largest first.
    pub fn into_rows(self) -> Vec<KeyRow> {
        let mut v: Vec<_> = self.heap.into_iter().map(|Reverse(t)| t).collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        v.into_iter().map(|(_, _, Entry(row))| row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(offset: u64) -> KeyRow {
        KeyRow {
            db: 0,
            key: format!("k{offset}"),
            key_truncated: false,
            type_name: "string",
            encoding: "raw",
            bytes: 0,
            elements: None,
            expire_ms: None,
            pending: None,
            flags: Vec::new(),
            offset,
            raw_key: Box::default(),
            key_len: 0,
        }
    }

    #[test]
    fn keeps_the_largest_and_the_earliest_on_ties() {
        let mut top = Top::new(3);
        for (offset, metric) in [(1, 5), (2, 9), (3, 5), (4, 1), (5, 9), (6, 7)] {
            if top.admits(metric) {
                top.push(metric, row(offset));
            }
        }
        let keys: Vec<u64> = top.into_rows().iter().map(|r| r.offset).collect();
        assert_eq!(keys, [2, 5, 6]);
    }
}
