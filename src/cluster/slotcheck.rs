//! The per-key slot check of a shard's RDB: a [`Visitor`] that computes every key's hash slot
//! while the backup streams and counts keys per slot, so an archive holding a key its shard
//! does not own (a migration caught half-way, the wrong node, orphans of an earlier bad
//! restore) is never committed as part of a set.

use super::slots::{self, SLOTS, SlotRange};
use crate::rdb::{KeyInfo, Visitor};
use serde::{Deserialize, Serialize};

/// Keys are read up to this many bytes: enough to hash any realistic key whole, within the
/// walk's 128 KiB bound.
const KEY_BYTES: usize = 64 * 1024;

/// Slot facts of one shard's RDB.
pub struct SlotCheck {
    owned: Vec<bool>,
    keys: Vec<u64>,
    expires: Vec<u64>,
    /// Keys in a slot the shard does not own.
    pub wrong: u64,
    /// The first such key (lossy UTF-8, cut at 100 bytes) and its slot.
    pub first_wrong: Option<(String, u16)>,
    /// Keys in a database other than 0, which a cluster master refuses to load.
    pub other_db: u64,
    /// Keys longer than [`KEY_BYTES`] whose hash tag is not within their first bytes: their
    /// slot cannot be computed from what the walk read.
    pub unchecked: u64,
}

/// Per-slot counts as runs of equal counts: `[start, end, keys, expires]` per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRun(pub u16, pub u16, pub u64, pub u64);

impl SlotCheck {
    pub fn new(owned: &[SlotRange]) -> Self {
        let mut mask = vec![false; SLOTS];
        for r in owned {
            mask[r.slots()].iter_mut().for_each(|b| *b = true);
        }
        Self {
            owned: mask,
            keys: vec![0; SLOTS],
            expires: vec![0; SLOTS],
            wrong: 0,
            first_wrong: None,
            other_db: 0,
            unchecked: 0,
        }
    }

    /// The counts of the owned slots, as runs.
    pub fn runs(&self) -> Vec<SlotRun> {
        slots::runs_by(|s| self.owned[s].then(|| (self.keys[s], self.expires[s])))
            .into_iter()
            .map(|(r, (k, e))| SlotRun(r.start, r.end, k, e))
            .collect()
    }

    /// The runs as a set manifest records them (`slot_counts`: `[start, end, keys, expires]`).
    pub fn slot_counts(&self) -> Vec<[u64; 4]> {
        (self.runs().iter())
            .map(|r| [u64::from(r.0), u64::from(r.1), r.2, r.3])
            .collect()
    }

    /// Why this RDB cannot be the shard's archive, if it cannot.
    pub fn refusal(&self, shard: &str) -> Option<String> {
        if let Some((key, slot)) = &self.first_wrong {
            return Some(format!(
                "the RDB of shard {shard} has {} key(s) in slots the shard does not own, e.g. \
                 '{key}' in slot {slot}: a migration, the wrong node, or keys left by an \
                 earlier restore",
                self.wrong
            ));
        }
        (self.other_db > 0).then(|| {
            format!(
                "the RDB of shard {shard} has {} key(s) outside db 0; a cluster master would \
                 refuse to load it",
                self.other_db
            )
        })
    }
}

impl SlotCheck {
    /// The note when some keys could not be slot-checked.
    pub fn unchecked_note(&self, shard: &str) -> Option<String> {
        (self.unchecked > 0).then(|| {
            format!(
                "shard {shard}: {} key(s) longer than 64 KiB without a hash tag in their first \
                 64 KiB were not slot-checked",
                self.unchecked
            )
        })
    }
}

impl Visitor for SlotCheck {
    const DETAILS: bool = true;
    const KEY_BYTES: usize = KEY_BYTES;

    fn key(&mut self, key: &KeyInfo<'_>) {
        if key.db != 0 {
            self.other_db += 1;
            return;
        }
        if key.key_len as usize > key.key.len() && !slots::tag_within(key.key) {
            self.unchecked += 1;
            return;
        }
        let slot = slots::key_slot(key.key);
        let s = usize::from(slot);
        self.keys[s] += 1;
        if key.expire_ms.is_some() {
            self.expires[s] += 1;
        }
        if !self.owned[s] {
            self.wrong += 1;
            if self.first_wrong.is_none() {
                let shown = &key.key[..key.key.len().min(100)];
                self.first_wrong = Some((String::from_utf8_lossy(shown).into_owned(), slot));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::{ValueInfo, ValueType};

    fn visit(check: &mut SlotCheck, db: u32, key: &[u8], key_len: u64, ttl: bool) {
        check.key(&KeyInfo {
            db,
            value_type: ValueType(0),
            key,
            key_len,
            offset: 0,
            bytes: 0,
            expire_ms: ttl.then_some(1),
            idle_s: None,
            lfu_freq: None,
            value: ValueInfo::default(),
        });
    }

    #[test]
    fn counts_per_slot_and_names_the_first_stray_key() {
        // foo is in slot 12182, {user1000}.* in 3443.
        let mut check = SlotCheck::new(&[SlotRange::new(0, 5460)]);
        visit(&mut check, 0, b"{user1000}.following", 20, true);
        visit(&mut check, 0, b"{user1000}.followers", 20, false);
        assert_eq!(check.refusal("0"), None);
        let runs = check.runs();
        assert_eq!(
            runs,
            vec![
                SlotRun(0, 3442, 0, 0),
                SlotRun(3443, 3443, 2, 1),
                SlotRun(3444, 5460, 0, 0)
            ]
        );
        // A long key whose tag is in the part read is still checked; one without is counted.
        visit(&mut check, 0, b"{user1000}", 1 << 20, false);
        visit(&mut check, 0, b"no tag", 1 << 20, false);
        assert_eq!(check.unchecked, 1);
        visit(&mut check, 0, b"foo", 3, false);
        visit(&mut check, 0, b"foo", 3, false);
        assert_eq!(check.wrong, 2);
        let why = check.refusal("0 (slots 0-5460)").unwrap();
        assert!(
            why.contains("2 key(s) in slots the shard does not own, e.g. 'foo' in slot 12182"),
            "{why}"
        );

        let mut other = SlotCheck::new(&[SlotRange::new(0, 16383)]);
        visit(&mut other, 3, b"foo", 3, false);
        assert!(other.refusal("0").unwrap().contains("outside db 0"));
    }
}
