//! Which live master each shard archive of a set goes to: the master owning the **identical**
//! slot ranges (matched by ranges, not node ids: nodes may have been replaced or failed over
//! since the backup). Any difference is refused before anything is touched, because a master
//! that loads keys of a slot it does not own claims it or marks it importing (notes §5.1).
//! Pure: unit-tested on topologies built from captured `CLUSTER NODES` text.

use crate::cluster::slots::{self, SlotRange};
use crate::cluster::topology::{Shard, Topology};
use crate::exit::{ExitCode, fail};
use crate::repo::{SetManifest, ShardEntry};
use anyhow::Result;

/// Where the README says what to do with another topology.
const LOGICAL: &str = "a file restore needs the same topology. For another shard count or \
    other slot ranges replay the archives logically (RedisShake's rdb_reader into a cluster \
    writer, or load each shard's RDB into a scratch standalone server and run `redis-cli \
    --cluster import`), see the README section \"Cluster\"";

/// One shard archive and the live shard it restores onto.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    pub entry: &'a ShardEntry,
    pub live: &'a Shard,
}

impl Mapped<'_> {
    /// `s01 (slots 5461-10922)`.
    pub fn label(&self) -> String {
        format!(
            "s{:02} (slots {})",
            self.entry.index,
            slots::list(&self.live.slots)
        )
    }
}

fn mismatch(why: String) -> anyhow::Error {
    fail(
        ExitCode::RestoreMismatch,
        format!("{why}: {LOGICAL}. Nothing was changed."),
    )
}

/// Every shard of `set` with the live shard of identical slot ranges, in set order.
pub fn map<'a>(set: &'a SetManifest, live: &'a Topology) -> Result<Vec<Mapped<'a>>> {
    if set.shards.len() != live.shards.len() {
        return Err(mismatch(format!(
            "the live cluster has {} shard(s), backup set {} has {}",
            live.shards.len(),
            set.set_id,
            set.shards.len()
        )));
    }
    set.shards
        .iter()
        .map(|entry| {
            let want = entry.ranges();
            if let Some(shard) = live.shards.iter().find(|s| s.slots == want) {
                return Ok(Mapped { entry, live: shard });
            }
            // Name the live shards that hold some of its slots, for the operator.
            let overlapping: Vec<String> = (live.shards.iter())
                .filter(|s| {
                    s.slots
                        .iter()
                        .any(|r| want.iter().any(|w| r.start <= w.end && w.start <= r.end))
                })
                .map(|s| format!("{} (master {})", slots::list(&s.slots), short(&s.master)))
                .collect();
            Err(mismatch(format!(
                "shard s{:02} of backup set {} holds slots {}, and no live master owns exactly \
                 those (live shards with some of them: {})",
                entry.index,
                set.set_id,
                slots::list(&want),
                if overlapping.is_empty() {
                    "none".to_string()
                } else {
                    overlapping.join(", ")
                }
            )))
        })
        .collect()
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// `--shard`: `sNN`, the shard's slot ranges (`5461-10922`, several joined by commas), or the
/// id (or an id prefix of at least 8 characters) of its live master or of its master at
/// backup time.
pub fn select<'a>(mapped: &[Mapped<'a>], which: &str) -> Result<Mapped<'a>> {
    let which = which.trim();
    let by_index = which
        .strip_prefix('s')
        .and_then(|n| n.parse::<usize>().ok());
    let by_ranges: Option<Vec<SlotRange>> = which
        .split(',')
        .map(|r| SlotRange::parse(r.trim()))
        .collect();
    let found: Vec<&Mapped<'a>> = mapped
        .iter()
        .filter(|m| {
            by_index == Some(m.entry.index)
                || by_ranges.as_ref() == Some(&m.live.slots)
                || (which.len() >= 8
                    && (m.live.master.starts_with(which) || m.entry.master.id.starts_with(which)))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(**one),
        _ => {
            let known: Vec<String> = (mapped.iter())
                .map(|m| format!("{} master {}", m.label(), short(&m.live.master)))
                .collect();
            Err(fail(
                ExitCode::Usage,
                format!(
                    "--shard {which} names {} shard of the set; give sNN, the slot ranges, or \
                     the master's node id (at least 8 characters). The shards: {}",
                    if found.is_empty() {
                        "no"
                    } else {
                        "more than one"
                    },
                    known.join("; ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::nodes::parse;
    use crate::cluster::topology::View;
    use crate::repo::{NodeRef, SourceNode};

    const HEALTHY: &str = include_str!("../../cluster/testdata/healthy.nodes");
    const M1: &str = "193e276cf5d3db3f458c6ddbc288da84658605cf";

    fn topology(text: &str) -> Topology {
        Topology::build(&[View::new(parse(text).unwrap()).unwrap()]).unwrap()
    }

    fn entry(index: usize, slots: Vec<[u16; 2]>, master: &str) -> ShardEntry {
        let node = NodeRef {
            id: master.into(),
            addr: "10.0.0.1:7000".into(),
            config_epoch: 1,
            repl_offset: None,
        };
        ShardEntry {
            index,
            slots,
            master: node,
            source: SourceNode {
                id: master.into(),
                addr: "10.0.0.1:7000".into(),
                role: "master".into(),
                run_id: None,
                repl_id: None,
                repl_offset: None,
                lag_bytes: None,
            },
            backup_id: "20261203T000000Z-abcdef01".into(),
            archive: "a".into(),
            keys: 0,
            expires: 0,
            slot_counts: Vec::new(),
        }
    }

    fn set(shards: Vec<ShardEntry>) -> SetManifest {
        let snap = crate::repo::TopologySnapshot {
            current_epoch: 6,
            cluster_state: "ok".into(),
            slot_map_sha256: String::new(),
        };
        SetManifest {
            format_version: 1,
            kind: "redis-cluster-set".into(),
            set_id: "20261203T000000Z-abcdef01".into(),
            started_at: chrono::Utc::now(),
            finished_at: chrono::Utc::now(),
            consistency: "per-shard".into(),
            target: "t".into(),
            seed: "10.0.0.1:7000".into(),
            topology_before: snap.clone(),
            topology_after: snap,
            shards,
            partial: false,
            uncovered_slots: Vec::new(),
            pause: None,
            cluster_nodes: Default::default(),
        }
    }

    fn three() -> SetManifest {
        // Other node ids than the live ones: matched by ranges.
        set(vec![
            entry(0, vec![[0, 5460]], "x0x0x0x0x0"),
            entry(1, vec![[5461, 10922]], "x1x1x1x1x1"),
            entry(2, vec![[10923, 16383]], "x2x2x2x2x2"),
        ])
    }

    #[test]
    fn shards_map_by_identical_ranges_not_ids() {
        let (s, t) = (three(), topology(HEALTHY));
        let m = map(&s, &t).unwrap();
        assert_eq!(m[1].live.master, M1);
        assert_eq!(m[1].label(), "s01 (slots 5461-10922)");
        assert_eq!(select(&m, "s01").unwrap().live.master, M1);
        assert_eq!(select(&m, "5461-10922").unwrap().live.master, M1);
        assert_eq!(select(&m, &M1[..10]).unwrap().entry.index, 1);
        assert_eq!(select(&m, "x2x2x2x2").unwrap().entry.index, 2);
        let err = select(&m, "s07").unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::Usage);
        assert!(format!("{err:#}").contains("s00 (slots 0-5460)"), "{err:#}");
    }

    #[test]
    fn another_shard_count_or_a_moved_slot_is_refused() {
        let t = topology(HEALTHY);
        let two = set(vec![
            entry(0, vec![[0, 8191]], "a"),
            entry(1, vec![[8192, 16383]], "b"),
        ]);
        let err = map(&two, &t).unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::RestoreMismatch);
        let text = format!("{err:#}");
        assert!(text.contains("has 3 shard(s), backup set"), "{text}");
        assert!(text.contains("redis-cli --cluster import"), "{text}");

        // Slot 5460 moved to master 1 after the backup.
        let moved = HEALTHY
            .replace("connected 0-5460", "connected 0-5459")
            .replace("connected 5461-10922", "connected 5460-10922");
        let t = topology(&moved);
        let s = three();
        let text = format!("{:#}", map(&s, &t).unwrap_err());
        assert!(
            text.contains("shard s00 of backup set 20261203T000000Z-abcdef01 holds slots 0-5460"),
            "{text}"
        );
        assert!(text.contains("0-5459 (master bd7c4464)"), "{text}");
        assert!(text.contains("5460-10922 (master 193e276c)"), "{text}");
        assert!(text.contains("Nothing was changed"), "{text}");
    }
}
