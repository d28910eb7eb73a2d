//! `restore` of a cluster backup set onto the same cluster: every master gets its shard's data
//! back (DEBUG DIGEST equal to the backed-up one) with no failover even when the load takes
//! longer than the node timeout; `--shard` touches one shard only; `--dry-run` nothing; a set
//! whose slot ranges differ from the live ones is refused before anything stops (exit 16); a
//! set whose archive holds keys of another shard's slots is refused while staging (exit 16); a
//! signal mid-shard rolls that shard back and takes the failover protection off again; a
//! kill mid-shard is rolled back by `--abort` and finished by `--resume`.

use crate::cluster::{backup_set, fill_all_slots};
use crate::harness::{Cluster, RedisServer, Run, redisops, redisops_cmd, run_cmd};

const NO_FAILOVER: &str = "cluster-replica-no-failover";

fn restore(cluster: &Cluster, repo: &str, extra: &[&str]) -> Run {
    let url = cluster.url();
    let mut args = vec!["--target", &url, "restore", "--repo", repo];
    args.extend_from_slice(extra);
    redisops(args)
}

/// Backs up the cluster as a set (from the replicas) and returns its id.
fn backed_up(cluster: &Cluster, repo: &str) -> String {
    let json = backup_set(&cluster.url(), repo, &["--from", "replica", "--json"])
        .ok()
        .json();
    json["set"]["set_id"].as_str().unwrap().to_string()
}

fn digests(cluster: &Cluster) -> Vec<String> {
    cluster.masters.iter().map(RedisServer::digest).collect()
}

fn run_ids(cluster: &Cluster) -> Vec<String> {
    cluster
        .masters
        .iter()
        .map(|m| m.info_field("run_id"))
        .collect()
}

/// Who replicates whom, as each replica's own line says: `id slave master-id`.
fn roles(cluster: &Cluster) -> Vec<String> {
    cluster
        .nodes()
        .map(|n| {
            let nodes = n.cli(&["CLUSTER", "NODES"]);
            let me = nodes.lines().find(|l| l.contains("myself")).unwrap();
            let f: Vec<&str> = me.split(' ').collect();
            format!("{} {} {}", f[0], f[2].replace("myself,", ""), f[3])
        })
        .collect()
}

fn no_failover(node: &RedisServer) -> String {
    node.cli(&["CONFIG", "GET", NO_FAILOVER])
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn staged_files(node: &RedisServer) -> Vec<String> {
    std::fs::read_dir(node.dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".redisops-restore-") && n.ends_with(".rdb"))
        .collect()
}

fn flush_masters(cluster: &Cluster) {
    for m in &cluster.masters {
        m.cli(&["FLUSHALL"]);
    }
}

/// Every node ok, the same roles as before, replicas unprotected and holding their master's
/// keys.
fn assert_settled(cluster: &Cluster, roles_before: &[String]) {
    cluster.wait_healthy();
    assert_eq!(roles(cluster), roles_before, "a failover happened");
    for (m, r) in cluster.masters.iter().zip(&cluster.replicas) {
        assert_eq!(no_failover(r), "no");
        let want = m.cli(&["DBSIZE"]);
        cluster.wait_one(r, "the replica has the master's keys", |n| {
            n.cli(&["DBSIZE"]) == want
        });
    }
}

#[test]
fn restore_of_a_set_brings_every_shard_back_without_a_failover() {
    // A load (about 2 s per shard) longer than the node timeout: without the protection a
    // replica would be elected while its master loads.
    let cluster = Cluster::start_with(&[
        "cluster-node-timeout 1000",
        "key-load-delay 3000",
        "loading-process-events-interval-bytes 1024",
    ]);
    for r in &cluster.replicas {
        r.cli(&["CONFIG", "SET", "key-load-delay", "0"]);
    }
    let counts = fill_all_slots(&cluster);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    let id = backed_up(&cluster, &repo);
    let before = digests(&cluster);
    let roles_before = roles(&cluster);

    // Dry run: every shard's plan, nothing changed, nothing left staged.
    flush_masters(&cluster);
    let ids = run_ids(&cluster);
    let run = restore(&cluster, &repo, &[&id, "--dry-run"]).ok();
    assert_eq!(
        run.stdout.matches(". protect_cluster").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("wait_cluster"), "{}", run.stdout);
    assert_eq!(run_ids(&cluster), ids);
    assert!(cluster.masters.iter().all(|m| staged_files(m).is_empty()));

    let json = restore(&cluster, &repo, &["--latest", "--yes", "--json"])
        .ok()
        .json();
    assert_eq!(json["state"], "done", "{json:#}");
    assert_eq!(json["restored"].as_array().unwrap().len(), 3);
    assert_eq!(digests(&cluster), before);
    for (m, n) in cluster.masters.iter().zip(counts) {
        assert_eq!(m.info_field("role"), "master");
        assert_eq!(m.info_field("rdb_last_load_keys_loaded"), n.to_string());
    }
    assert_settled(&cluster, &roles_before);

    // One shard only: the others are not restarted.
    cluster.masters[1].cli(&["FLUSHALL"]);
    let ids = run_ids(&cluster);
    restore(&cluster, &repo, &[&id, "--shard", "5461-10922", "--yes"]).ok();
    let now = run_ids(&cluster);
    assert_eq!((&now[0], &now[2]), (&ids[0], &ids[2]));
    assert_ne!(now[1], ids[1]);
    assert_eq!(digests(&cluster), before);
    assert_settled(&cluster, &roles_before);
}

/// Rewrites set `id`'s `set.json` with the slot ranges of shards 0 and 1 swapped, as a
/// tampered or corrupted manifest would have them; returns the original text.
fn forge_swapped_ranges(repo: &str, id: &str) -> (std::path::PathBuf, Vec<u8>) {
    let path = find_file(std::path::Path::new(repo), id, "set.json").expect("set.json");
    let original = std::fs::read(&path).unwrap();
    let mut m: serde_json::Value = serde_json::from_slice(&original).unwrap();
    let shards = m["shards"].as_array_mut().unwrap();
    let (a, b) = (shards[0]["slots"].clone(), shards[1]["slots"].clone());
    shards[0]["slots"] = b;
    shards[1]["slots"] = a;
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    (path, original)
}

/// `name` inside a folder named `folder`, anywhere under `root`.
fn find_file(root: &std::path::Path, folder: &str, name: &str) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(root).ok()?.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if e.file_name() == folder && p.join(name).is_file() {
            return Some(p.join(name));
        }
        if let Some(found) = find_file(&p, folder, name) {
            return Some(found);
        }
    }
    None
}

/// Moves empty slot `slot` from master `from` to master `to`, and waits until all agree.
fn move_slot(cluster: &Cluster, slot: u16, from: usize, to: usize) {
    let id = Cluster::id(&cluster.masters[to]);
    let slot = slot.to_string();
    // The new owner first: it bumps its epoch, so the old owner's view loses.
    cluster.masters[to].cli(&["CLUSTER", "SETSLOT", &slot, "NODE", &id]);
    cluster.masters[from].cli(&["CLUSTER", "SETSLOT", &slot, "NODE", &id]);
    cluster.wait_healthy();
}

/// A slot of master 0 that holds no key.
fn empty_slot(cluster: &Cluster) -> u16 {
    (0..=5460u16)
        .rev()
        .find(|s| cluster.masters[0].cli(&["CLUSTER", "COUNTKEYSINSLOT", &s.to_string()]) == "0")
        .unwrap()
}

#[test]
fn restore_of_a_set_refuses_a_mismatch_rolls_back_and_resumes() {
    let cluster = Cluster::start();
    fill_all_slots(&cluster);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    let id = backed_up(&cluster, &repo);
    let backed = digests(&cluster);
    let roles_before = roles(&cluster);

    // The slot map changed since the backup: refused before anything stops.
    let slot = empty_slot(&cluster);
    move_slot(&cluster, slot, 0, 1);
    let ids = run_ids(&cluster);
    let run = restore(&cluster, &repo, &[&id, "--yes"]);
    run.fails(
        16,
        &[
            "no live master owns exactly those",
            "redis-cli --cluster import",
            "Nothing was changed",
        ],
    );
    assert_eq!(run_ids(&cluster), ids);
    assert!(cluster.masters.iter().all(|m| staged_files(m).is_empty()));
    move_slot(&cluster, slot, 1, 0);

    // A set whose manifest says shard 0 holds shard 1's slots (and the reverse): the ranges
    // match the live masters, but every key of each archive is in the other's slots. The
    // per-key slot check while staging refuses it before anything stops.
    let (manifest, original) = forge_swapped_ranges(&repo, &id);
    let run = restore(&cluster, &repo, &[&id, "--yes"]);
    run.fails(
        16,
        &["in slots the shard does not own", "nothing was changed"],
    );
    assert_eq!(run_ids(&cluster), ids);
    assert!(cluster.masters.iter().all(|m| staged_files(m).is_empty()));
    std::fs::write(manifest, original).unwrap();

    // A signal after the first shard's restarted master is up: that shard is rolled back
    // (its current data, saved before the stop, comes back), the others never start, and
    // the replica may fail over again.
    let marker = "{user1000}.marker";
    cluster.masters[0].cli(&["SET", marker, "written after the backup"]);
    let current = digests(&cluster);
    let ids = run_ids(&cluster);
    let url = cluster.url();
    let mut cmd = redisops_cmd();
    cmd.env("REDISOPS_TEST_SIGNAL_AFTER_STEP", "6")
        .args(["--target", &url, "restore", "--repo", &repo, &id, "--yes"]);
    let run = run_cmd(cmd);
    run.fails(130, &["rolled back", "no shard was restored"]);
    assert_eq!(digests(&cluster), current);
    assert_eq!(
        cluster.masters[0].cli(&["GET", marker]),
        "written after the backup"
    );
    let now = run_ids(&cluster);
    assert_eq!(&now[1..], &ids[1..], "later shards were touched");
    assert!(cluster.masters.iter().all(|m| staged_files(m).is_empty()));
    assert_settled(&cluster, &roles_before);

    // Killed right after the first shard's swap (its master down): --abort puts its old data
    // back and drops the others; killed again, --resume finishes it and restores the other
    // two.
    flush_masters(&cluster);
    let flushed = digests(&cluster);
    let killed = || {
        let mut cmd = redisops_cmd();
        cmd.env("REDISOPS_TEST_KILL_AFTER_STEP", "5")
            .args(["--target", &url, "restore", "--repo", &repo, &id, "--yes"]);
        assert_eq!(run_cmd(cmd).code, 137);
        assert!(!cluster.masters[0].listening());
        assert_eq!(no_failover(&cluster.replicas[0]), "yes");
    };
    killed();
    redisops(["--target", &url, "restore", "--abort"]).fails(
        30,
        &["aborted", "s01 (slots 5461-10922) not started", "old data"],
    );
    assert_eq!(digests(&cluster), flushed);
    assert!(cluster.masters.iter().all(|m| staged_files(m).is_empty()));
    assert_settled(&cluster, &roles_before);
    killed();
    restore(&cluster, &repo, &[&id, "--yes"]).fails(31, &["did not finish", "--resume"]);
    redisops(["--target", &url, "restore", "--resume"]).ok();
    assert_eq!(digests(&cluster), backed);
    assert_settled(&cluster, &roles_before);
    redisops(["--target", &url, "restore", "--resume"]).fails(2, &["nothing to resume"]);
}
