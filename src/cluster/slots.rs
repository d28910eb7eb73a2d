//! Hash slots: a key's slot ([`key_slot`]), inclusive ranges, and turning per-slot facts back
//! into ranges.

use serde::Serialize;
use std::fmt;

pub const SLOTS: usize = 16384;

/// CRC-16/XMODEM, the cluster's key hash (`keyHashSlot` in the server).
const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// The part of `key` that is hashed: the bytes between the first `{` and the first `}` after
/// it when there is at least one, else the whole key (the cluster spec's hash tags).
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        let rest = &key[open + 1..];
        if let Some(close) = rest.iter().position(|&b| b == b'}')
            && close > 0
        {
            return &rest[..close];
        }
    }
    key
}

/// Whether [`hash_tag`] of a key is decided by its first bytes `prefix` alone, so that the
/// slot of a key longer than what was read can still be computed.
pub fn tag_within(prefix: &[u8]) -> bool {
    let tag = hash_tag(prefix);
    tag.len() < prefix.len()
}

/// The hash slot of `key`.
pub fn key_slot(key: &[u8]) -> u16 {
    CRC16.checksum(hash_tag(key)) & 0x3FFF
}

/// An inclusive range of hash slots; serialised as `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotRange {
    pub start: u16,
    pub end: u16,
}

impl SlotRange {
    pub fn new(start: u16, end: u16) -> Self {
        Self { start, end }
    }

    pub fn count(&self) -> usize {
        usize::from(self.end - self.start) + 1
    }

    pub fn slots(&self) -> std::ops::RangeInclusive<usize> {
        usize::from(self.start)..=usize::from(self.end)
    }

    /// `N` or `N-M`, as CLUSTER NODES writes it. None when not a slot range.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let (start, end) = (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?);
        (start <= end && usize::from(end) < SLOTS).then_some(Self { start, end })
    }
}

impl fmt::Display for SlotRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl Serialize for SlotRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.start, self.end].serialize(s)
    }
}

/// The runs of consecutive slots for which `pred` holds.
pub fn runs(pred: impl Fn(usize) -> bool) -> Vec<SlotRange> {
    runs_by(|slot| pred(slot).then_some(()))
        .into_iter()
        .map(|(r, ())| r)
        .collect()
}

/// The runs of consecutive slots with equal `Some` keys.
pub fn runs_by<K: PartialEq>(key: impl Fn(usize) -> Option<K>) -> Vec<(SlotRange, K)> {
    let mut out: Vec<(SlotRange, K)> = Vec::new();
    for slot in 0..SLOTS {
        let Some(k) = key(slot) else { continue };
        // Slots are < 16384, so they fit u16.
        let s = slot as u16;
        match out.last_mut() {
            Some((r, last)) if *last == k && usize::from(r.end) + 1 == slot => r.end = s,
            _ => out.push((SlotRange::new(s, s), k)),
        }
    }
    out
}

/// `0-5460, 5461` for messages.
pub fn list(ranges: &[SlotRange]) -> String {
    ranges
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_slots_match_the_server() {
        // CRC-16/XMODEM check value, and the vectors CLUSTER KEYSLOT gives on Redis 7.0.
        assert_eq!(CRC16.checksum(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"{user1000}.following"), 3443);
        assert_eq!(key_slot(b"{user1000}.followers"), 3443);
        assert_eq!(
            key_slot(b"foo{}{bar}"),
            8363,
            "an empty tag hashes the whole key"
        );
        assert_eq!(key_slot(b"foo{{bar}}zap"), 4015, "the tag is '{{bar'");
        assert_eq!(key_slot(b"foo{bar}{zap}"), 5061, "the first tag counts");
        assert_eq!(key_slot(b""), 0);
        assert!(tag_within(b"{user1000}.fol"));
        assert!(!tag_within(b"{user1000"));
        assert!(!tag_within(b"plain"));
        assert!(!tag_within(b"foo{}"));
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(SlotRange::parse("0-5460"), Some(SlotRange::new(0, 5460)));
        assert_eq!(SlotRange::parse("93"), Some(SlotRange::new(93, 93)));
        assert_eq!(SlotRange::parse("16384"), None);
        assert_eq!(SlotRange::parse("5-3"), None);
        assert_eq!(SlotRange::parse("[93->-abc]"), None);
        assert_eq!(SlotRange::new(7, 7).to_string(), "7");
        assert_eq!(SlotRange::new(0, 99).count(), 100);
        assert_eq!(
            serde_json::to_string(&SlotRange::new(1, 2)).unwrap(),
            "[1,2]"
        );
    }

    #[test]
    fn runs_join_neighbours_only() {
        let r = runs(|s| s < 10 || (100..=100).contains(&s) || s == SLOTS - 1);
        assert_eq!(
            r,
            vec![
                SlotRange::new(0, 9),
                SlotRange::new(100, 100),
                SlotRange::new(16383, 16383)
            ]
        );
        let by = runs_by(|s| (s < 4).then_some(s / 2));
        assert_eq!(
            by,
            vec![(SlotRange::new(0, 1), 0), (SlotRange::new(2, 3), 1)]
        );
        assert_eq!(list(&r[..2]), "0-9, 100");
    }
}
