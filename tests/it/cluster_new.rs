//! `restore --into-new-cluster`: a backup set into six empty nodes that are not a cluster
//! yet. Checked before anything changes (the nodes must be empty and alone; the count must
//! fit the set); a dry run changes nothing; a signal during the formation resets every node;
//! a kill during it is not resumable and `--abort` resets the nodes; the restore forms the
//! cluster with the set's slot ranges, loads each master (DEBUG DIGEST equal to the source's)
//! and only then attaches the replicas, which full-sync.

use crate::cluster::{backup_set, fill_all_slots};
use crate::harness::{Cluster, RedisServer, redisops, redisops_cmd, run_cmd};

fn alone(node: &RedisServer) -> bool {
    let info = node.cli(&["CLUSTER", "INFO"]);
    info.contains("cluster_known_nodes:1") && info.contains("cluster_slots_assigned:0")
}

#[test]
fn restore_into_new_cluster_forms_it_loads_every_shard_then_attaches_replicas() {
    let source = Cluster::start();
    fill_all_slots(&source);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    let json = backup_set(&source.url(), &repo, &["--from", "replica", "--json"])
        .ok()
        .json();
    let id = json["set"]["set_id"].as_str().unwrap().to_string();
    let digests: Vec<String> = source.masters.iter().map(RedisServer::digest).collect();

    let fresh = Cluster::start_unformed();
    let url = fresh.url_all();
    let restore = |url: &str, extra: &[&str]| {
        let mut args = vec!["--target", url, "restore", "--repo", &repo, &id];
        args.extend_from_slice(extra);
        redisops(args)
    };
    // Empty nodes without the flag: refused, with the way out named.
    restore(&url, &["--yes"]).fails(15, &["--into-new-cluster"]);
    // Four nodes for three shards do not lay out.
    let four = url.rsplitn(3, ',').last().unwrap().to_string();
    restore(&four, &["--into-new-cluster", "--yes"]).fails(2, &["a multiple of 3"]);

    // Dry run: the formation and each shard's plan shown, nothing changed.
    let run = restore(&url, &["--into-new-cluster", "--dry-run"]).ok();
    assert!(run.stdout.contains("form a new cluster"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("replica of 127.0.0.1").count(), 3);
    assert!(fresh.nodes().all(alone));

    // A signal during the formation (after the first master's slots and epochs): every
    // node is reset, nothing restored.
    let faulted = |fault: &str, step: &str| {
        let mut cmd = redisops_cmd();
        cmd.env(fault, step)
            .args(["--target", &url, "restore", "--repo", &repo, &id])
            .args(["--into-new-cluster", "--yes"]);
        run_cmd(cmd)
    };
    faulted("REDISOPS_TEST_SIGNAL_AFTER_STEP", "5").fails(130, &["CLUSTER RESET HARD"]);
    assert!(fresh.nodes().all(alone));

    // Killed during the formation: --resume cannot know what ran; --abort resets.
    assert_eq!(faulted("REDISOPS_TEST_KILL_AFTER_STEP", "11").code, 137);
    assert!(!fresh.nodes().all(alone));
    redisops(["--target", &url, "restore", "--resume"]).fails(31, &["--abort"]);
    redisops(["--target", &url, "restore", "--abort"]).fails(30, &["every node was reset"]);
    assert!(fresh.nodes().all(alone));

    let json = restore(&url, &["--into-new-cluster", "--yes", "--json"])
        .ok()
        .json();
    assert_eq!(json["state"], "done", "{json:#}");
    fresh.wait_healthy();
    let now: Vec<String> = fresh.masters.iter().map(RedisServer::digest).collect();
    assert_eq!(now, digests);
    for (m, r) in fresh.masters.iter().zip(&fresh.replicas) {
        assert_eq!(m.info_field("role"), "master");
        assert_eq!(r.info_field("role"), "slave");
        assert_eq!(r.cli(&["DBSIZE"]), m.cli(&["DBSIZE"]));
    }

    // Not empty any more: a second restore into it as new is refused, nothing changed.
    restore(&url, &["--into-new-cluster", "--yes"]).fails(15, &["not", "it is in a cluster"]);
}
