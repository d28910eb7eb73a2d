//! TTL distribution: how long keys (and hash fields) have left, relative to the analysis time.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Bucket names, in order; `expired` keys are dropped when the file is loaded.
pub const BUCKETS: [&str; 7] = [
    "none", "expired", "lt_1h", "lt_1d", "lt_7d", "lt_30d", "longer",
];
pub const NONE: usize = 0;
pub const EXPIRED: usize = 1;

const HOUR_MS: i64 = 3_600_000;
/// Upper bounds of buckets 2..=5.
const LIMITS_MS: [i64; 4] = [HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS, 30 * 24 * HOUR_MS];

/// The bucket of an expire time seen at `now_ms`.
pub fn bucket(expire_ms: Option<i64>, now_ms: i64) -> usize {
    let Some(at) = expire_ms else { return NONE };
    let left = at.saturating_sub(now_ms);
    if left <= 0 {
        return EXPIRED;
    }
    2 + LIMITS_MS.iter().take_while(|&&limit| left >= limit).count()
}

/// Counts per bucket; serialized as an object keyed by [`BUCKETS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TtlBuckets(pub [u64; 7]);

impl TtlBuckets {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for TtlBuckets {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(BUCKETS.len()))?;
        for (name, n) in BUCKETS.iter().zip(self.0) {
            map.serialize_entry(name, &n)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_time_left() {
        let now = 1_000_000_000_000;
        assert_eq!(bucket(None, now), NONE);
        assert_eq!(bucket(Some(now), now), EXPIRED);
        assert_eq!(bucket(Some(now - 1), now), EXPIRED);
        assert_eq!(bucket(Some(now + 1), now), 2);
        assert_eq!(bucket(Some(now + HOUR_MS), now), 3);
        assert_eq!(bucket(Some(now + 24 * HOUR_MS + 5), now), 4);
        assert_eq!(bucket(Some(now + 8 * 24 * HOUR_MS), now), 5);
        assert_eq!(bucket(Some(now + 31 * 24 * HOUR_MS), now), 6);
        assert_eq!(bucket(Some(i64::MAX), i64::MIN), 6);
    }
}
