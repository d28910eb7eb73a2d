use super::*;
use crate::repo::location::RepoLocation;
use crate::repo::manifest::tests::sample;
use std::io::Write;
use std::time::Duration;

const ID: &str = "20261124T030000Z-1a2b3c4d";
const RANGES: [[u16; 2]; 3] = [[0, 5460], [5461, 10922], [10923, 16383]];

fn shard(index: usize, slots: Vec<[u16; 2]>) -> ShardEntry {
    let node = |id: &str| NodeRef {
        id: id.into(),
        addr: "127.0.0.1:7000".into(),
        config_epoch: 1,
        repl_offset: Some(10),
    };
    ShardEntry {
        index,
        slots,
        master: node("m"),
        source: SourceNode {
            id: "r".into(),
            addr: "127.0.0.1:7003".into(),
            role: "replica".into(),
            run_id: None,
            repl_id: None,
            repl_offset: Some(10),
            lag_bytes: Some(0),
        },
        backup_id: ID.into(),
        archive: format!("{ID}.rdb.gz"),
        keys: 2,
        expires: 0,
        slot_counts: vec![],
    }
}

fn manifest(shards: Vec<ShardEntry>) -> SetManifest {
    let snap = TopologySnapshot {
        current_epoch: 6,
        cluster_state: "ok".into(),
        slot_map_sha256: "ab".into(),
    };
    SetManifest {
        format_version: SET_FORMAT_VERSION,
        kind: SET_KIND.into(),
        set_id: ID.into(),
        started_at: Utc::now(),
        finished_at: Utc::now(),
        consistency: "per-shard".into(),
        target: "c".into(),
        seed: "127.0.0.1:7000".into(),
        topology_before: snap.clone(),
        topology_after: snap,
        shards,
        partial: false,
        uncovered_slots: vec![],
        pause: None,
        cluster_nodes: BTreeMap::from([(
            "m".into(),
            "m 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n".into(),
        )]),
    }
}

fn three() -> SetManifest {
    manifest((0..3).map(|i| shard(i, vec![RANGES[i]])).collect())
}

#[test]
fn set_manifest_round_trips_and_its_rules_hold() {
    let m = three();
    assert_eq!(SetManifest::parse(&m.to_json().unwrap()).unwrap(), m);
    assert_eq!(m.slot_map_problem(), None);
    assert_eq!(m.total_keys(), 6);

    let broken = |f: &dyn Fn(&mut SetManifest), needle: &str| {
        let mut m = three();
        f(&mut m);
        let bytes = serde_json::to_vec(&m).unwrap();
        let err = format!("{:#}", SetManifest::parse(&bytes).unwrap_err());
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(m.to_json().is_err(), "{needle}: written anyway");
    };
    broken(&|m| m.format_version = 2, "set format 2");
    broken(&|m| m.kind = "other".into(), "kind 'other'");
    broken(&|m| m.set_id = "nope".into(), "nope");
    broken(&|m| m.shards.clear(), "no shards");
    broken(&|m| m.shards[1].index = 2, "shard 1 is numbered 2");
    broken(&|m| m.shards[2].backup_id = "x".into(), "names backup x");
    broken(
        &|m| m.shards[0].slots = vec![[5, 3]],
        "no valid slot ranges",
    );
    broken(
        &|m| m.shards[0].slots = vec![[0, 16384]],
        "no valid slot ranges",
    );
    assert!(SetManifest::parse(b"{").is_err());

    let mut gap = three();
    gap.shards[1].slots = vec![[5461, 10000]];
    assert_eq!(
        gap.slot_map_problem().unwrap(),
        "shard slot ranges leave 922 of 16384 slots uncovered"
    );
    let mut overlap = three();
    overlap.shards[1].slots = vec![[5460, 10922]];
    assert_eq!(
        overlap.slot_map_problem().unwrap(),
        "shard slot ranges overlap (1 slot(s); slot 5460 is in shards 0 and 1)"
    );
}

fn write_shard(set: &mut PendingSet, index: usize) {
    let mut sink = set.begin_shard(index, Codec::Gzip, false).unwrap();
    sink.write_all(b"archive").unwrap();
    let pending = sink.finish().unwrap();
    let mut m = sample(ID);
    m.archive.file = pending.archive_file().to_owned();
    set.add_shard(index, pending.commit(m).unwrap());
}

#[test]
fn a_set_exists_once_set_json_is_written_and_only_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let repo = Repository::open_for_backup(&RepoLocation::Local(root.clone())).unwrap();
    let target = TargetId::new("c");
    let id = BackupId::parse(ID).unwrap();
    let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();

    // A run that fails after two shards leaves nothing.
    let mut set = repo.begin_set(&lock, &id).unwrap();
    write_shard(&mut set, 2);
    write_shard(&mut set, 0);
    assert!(
        set.begin_shard(2, Codec::Gzip, false).is_err(),
        "a shard written twice"
    );
    assert!(
        repo.list_sets(&target).unwrap().sets.is_empty(),
        "no set.json yet"
    );
    drop(set);
    assert!(
        !root.join("c/sets").exists(),
        "the failed set's shards are gone"
    );

    let mut set = repo.begin_set(&lock, &id).unwrap();
    // Shards finish in any order (--parallel); the set needs every one of them.
    for i in [1, 2, 0] {
        write_shard(&mut set, i);
    }
    let committed = set.commit(three()).unwrap();
    assert!(root.join(format!("c/sets/{ID}/set.json")).is_file());
    assert!(root.join(format!("c/sets/{ID}/s02/{ID}.rdb.gz")).is_file());
    assert!(repo.begin_set(&lock, &id).is_err(), "ids are never reused");
    // Shards are not backups of the target: list, prune and copy do not see them.
    assert!(repo.list(&target).unwrap().backups.is_empty());
    let listed = repo.list_all_sets().unwrap();
    assert_eq!(listed.sets.len(), 1);
    assert_eq!(listed.sets[0].shards.len(), 3);
    assert_eq!(listed.sets[0].manifest, committed.manifest);
    assert_eq!(repo.find_set(None, "2026").unwrap().unwrap().id, id);
    assert!(repo.find_set(Some(&target), "2027").unwrap().is_none());
    assert!(
        repo.clean_stale_sets(&target).unwrap().is_empty(),
        "a committed set stays"
    );

    // A shard archive missing: the set does not exist, and says why.
    std::fs::remove_file(root.join(format!("c/sets/{ID}/s01/{ID}.rdb.gz"))).unwrap();
    let listed = repo.list_sets(&target).unwrap();
    assert!(listed.sets.is_empty());
    assert!(
        listed.problems[0].message.contains("archive"),
        "{:?}",
        listed.problems
    );
}

#[test]
fn partial_sets_record_their_uncovered_slots_and_sets_are_deleted_whole() {
    let mut m = three();
    m.shards.pop();
    assert!(m.slot_map_problem().unwrap().contains("5461 of 16384"));
    m.partial = true;
    m.uncovered_slots = vec![[10923, 16383]];
    assert_eq!(SetManifest::parse(&m.to_json().unwrap()).unwrap(), m);
    assert_eq!(m.slot_map_problem(), None, "uncovered as recorded");
    m.uncovered_slots = vec![[10923, 16000]];
    assert!(m.slot_map_problem().unwrap().contains("not the ones"));
    m.uncovered_slots.clear();
    assert!(m.to_json().is_err(), "partial without uncovered slots");
    let mut m = three();
    m.consistency = "fuzzy".into();
    assert!(m.to_json().is_err());

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let repo = Repository::open_for_backup(&RepoLocation::Local(root.clone())).unwrap();
    let target = TargetId::new("c");
    let lock = repo.lock(&target, Duration::ZERO, "backup").unwrap();
    let mut set = repo
        .begin_set(&lock, &BackupId::parse(ID).unwrap())
        .unwrap();
    for i in 0..2 {
        write_shard(&mut set, i);
    }
    assert!(set.commit(three()).is_err(), "shard 2 is missing");
    let mut set = repo
        .begin_set(&lock, &BackupId::parse(ID).unwrap())
        .unwrap();
    for i in 0..3 {
        write_shard(&mut set, i);
    }
    let committed = set.commit(three()).unwrap();
    repo.delete_set(&committed).unwrap();
    assert!(repo.list_sets(&target).unwrap().sets.is_empty());
    assert!(!root.join("c/sets").exists(), "no folder left");
}
