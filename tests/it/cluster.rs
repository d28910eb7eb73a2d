//! Redis Cluster: `status` of a cluster (healthy, a master down, open slots and a split slot
//! map, TLS), the refusals of commands that would treat a cluster node as a standalone
//! server (exit 14, nothing changed), and backup sets (`backup`, `list`, `verify`, `copy`,
//! `prune` of sets, `--parallel`, `--allow-partial`, the metrics file; refusals with exit 15;
//! a node killed mid-backup leaves no set).

use crate::harness::{Cluster, RedisServer, Run, TlsFixture, free_port, redisops};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn status_json(url: &str, extra: &[String]) -> Value {
    let mut args = vec!["--target".to_string(), url.to_string()];
    args.extend_from_slice(extra);
    args.extend(["status".into(), "--json".into()]);
    redisops(args).ok().json()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn status_of_a_healthy_cluster() {
    let cluster = Cluster::start();
    cluster.write_keys(10);
    // The first seed is dead: discovery moves on to the next.
    let url = format!(
        "redis-cluster://127.0.0.1:{},127.0.0.1:{}",
        free_port(),
        cluster.masters[1].port
    );
    let json = status_json(&url, &[]);
    assert_eq!(json["cluster_state"], "ok", "{json:#}");
    assert_eq!(
        json["target"]["seed"],
        format!("127.0.0.1:{}", cluster.masters[1].port)
    );
    assert_eq!(json["target"]["views"], 6);
    assert_eq!(json["slots"]["assigned"], 16384);
    assert_eq!(json["slots"]["gaps"], serde_json::json!([]));
    assert_eq!(json["current_epoch"], 6);
    let shards = json["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 3);
    for (i, (shard, (start, end))) in shards
        .iter()
        .zip(crate::harness::cluster::RANGES)
        .enumerate()
    {
        assert_eq!(shard["slots"], serde_json::json!([[start, end]]));
        assert_eq!(shard["master"]["id"], Cluster::id(&cluster.masters[i]));
        assert_eq!(shard["master"]["keys"], 10);
        assert_eq!(shard["master"]["cluster_state"], "ok");
        let replicas = shard["replicas"].as_array().unwrap();
        assert_eq!(replicas.len(), 1);
        assert_eq!(replicas[0]["id"], Cluster::id(&cluster.replicas[i]));
        assert_eq!(replicas[0]["role"], "replica");
        assert_eq!(replicas[0]["master_link_status"], "up");
        assert!(replicas[0]["lag_bytes"].is_u64());
    }
    assert!(json["open_slots"].as_array().unwrap().is_empty());
    assert!(json["disagreements"].as_array().unwrap().is_empty());
    assert!(json["warnings"].as_array().unwrap().is_empty(), "{json:#}");

    let text = redisops(["--target", &cluster.url(), "status"]).ok().stdout;
    assert!(text.contains("State        ok"), "{text}");
    assert!(text.contains("slots 0-5460 (5461 slots)"), "{text}");

    // One node as a standalone target says what it is and how to see the whole cluster.
    let port = cluster.replicas[0].port.to_string();
    let single = redisops(["-p", &port, "status", "--json"]).ok().json();
    assert_eq!(
        single["cluster"]["url"],
        format!("redis-cluster://127.0.0.1:{port}")
    );
    let text = redisops(["-p", &port, "status"]).ok().stdout;
    assert!(text.contains("node of a Redis Cluster"), "{text}");

    // A standalone server named as a cluster is refused.
    let plain = RedisServer::start();
    let run = redisops([
        "--target",
        &format!("redis-cluster://127.0.0.1:{}", plain.port),
        "status",
    ]);
    assert_eq!(run.code, 14, "{}", run.stderr);
    assert!(run.stderr.contains("not a cluster node"), "{}", run.stderr);
}

#[test]
fn status_with_a_master_down() {
    let mut cluster = Cluster::start();
    // Keep its replica from taking over, so the slots stay with the failed master.
    cluster.replicas[1].cli(&["CONFIG", "SET", "cluster-replica-no-failover", "yes"]);
    let dead = Cluster::id(&cluster.masters[1]);
    let dead_port = cluster.masters[1].port;
    cluster.masters[1].kill();
    let watcher = &cluster.masters[0];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !watcher
        .cli(&["CLUSTER", "NODES"])
        .lines()
        .any(|l| l.starts_with(&dead) && l.contains("master,fail "))
    {
        assert!(Instant::now() < deadline, "master never flagged fail");
        std::thread::sleep(Duration::from_millis(100));
    }
    let json = status_json(&cluster.url(), &[]);
    assert_eq!(json["cluster_state"], "fail", "{json:#}");
    assert_eq!(json["slots"]["assigned"], 16384);
    assert_eq!(json["slots"]["failing"], serde_json::json!([[5461, 10922]]));
    let master = &json["shards"][1]["master"];
    assert_eq!(master["id"], dead);
    assert_eq!(master["reachable"], false);
    assert!(
        ids(&master["flags"]).contains(&"fail".to_string()),
        "{master:#}"
    );
    assert!(master["fail_reports"].as_u64().unwrap() >= 1);
    let replica = &json["shards"][1]["replicas"][0];
    assert!(ids(&replica["flags"]).contains(&"nofailover".to_string()));
    assert_ne!(replica["master_link_status"], "up");
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains(&format!("master 127.0.0.1:{dead_port} did not answer")),
        "{warnings}"
    );
    assert!(
        warnings.contains("5461-10922 belong to a failing master"),
        "{warnings}"
    );
}

#[test]
fn status_shows_open_slots_and_a_split_slot_map() {
    let cluster = Cluster::start();
    let (m0, m1) = (&cluster.masters[0], &cluster.masters[1]);
    let (id0, id1) = (Cluster::id(m0), Cluster::id(m1));
    m1.cli(&["CLUSTER", "SETSLOT", "5000", "IMPORTING", &id0]);
    m0.cli(&["CLUSTER", "SETSLOT", "5000", "MIGRATING", &id1]);
    // Master 0 alone forgets slots 0-99; everyone else still says they are its.
    m0.cli(&["CLUSTER", "DELSLOTSRANGE", "0", "99"]);
    cluster.wait_one(m0, "cluster_state:fail", |n| {
        n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:fail")
    });
    let json = status_json(&cluster.url(), &[]);
    let open = json["open_slots"].as_array().unwrap();
    assert_eq!(open.len(), 2, "{json:#}");
    let migrating = open.iter().find(|o| o["state"] == "migrating").unwrap();
    assert_eq!(migrating["slot"], 5000);
    assert_eq!(migrating["node"], id0);
    assert_eq!(migrating["peer"], id1);
    assert_eq!(migrating["peer_address"], format!("127.0.0.1:{}", m1.port));
    let importing = open.iter().find(|o| o["state"] == "importing").unwrap();
    assert_eq!(importing["node"], id1);

    assert_eq!(
        json["disagreements"],
        serde_json::json!([{
            "node": id0,
            "address": format!("127.0.0.1:{}", m0.port),
            "slots": [0, 99],
            "says": null,
            "reference": id0,
        }])
    );
    // The majority's map is the reference: no gap there, but master 0 says fail.
    assert_eq!(json["slots"]["gaps"], serde_json::json!([]));
    assert_eq!(json["cluster_state"], "fail");
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("nodes disagree on the slot map"),
        "{warnings}"
    );
    assert!(warnings.contains("slot 5000 is migrating"), "{warnings}");
}

#[test]
fn status_of_a_tls_cluster() {
    let fx = Arc::new(TlsFixture::new());
    let cluster = Cluster::start_tls(fx.clone());
    cluster.write_keys(3);
    let json = status_json(&cluster.url(), &fx.client_args());
    assert_eq!(json["cluster_state"], "ok", "{json:#}");
    assert_eq!(json["target"]["tls"], true);
    assert_eq!(json["target"]["views"], 6);
    for (shard, master) in json["shards"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&cluster.masters)
    {
        assert_eq!(shard["master"]["keys"], 3);
        assert_eq!(shard["master"]["tls_port"], master.tls_port.unwrap());
        assert_eq!(shard["replicas"][0]["master_link_status"], "up");
    }

    // tls check: every node's certificate, labelled with its role and shard.
    let mut args = vec!["--target".to_string(), cluster.url()];
    args.extend(fx.client_args());
    args.extend(["tls".into(), "check".into(), "--json".into()]);
    let certs = redisops(args).ok().json();
    let certs = certs.as_array().unwrap();
    assert_eq!(certs.len(), 6, "{certs:#?}");
    assert!(
        certs
            .iter()
            .all(|c| c["error"].is_null() && c["days_left"].is_i64())
    );
    let roles: Vec<&str> = certs.iter().map(|c| c["role"].as_str().unwrap()).collect();
    assert!(roles.contains(&"master of slots 0-5460"), "{roles:?}");
    assert_eq!(
        roles
            .iter()
            .filter(|r| r.starts_with("replica of slots"))
            .count(),
        3
    );
}

/// Every master's digest and the settings a changing command would touch.
fn fingerprint(cluster: &Cluster) -> Vec<String> {
    cluster
        .nodes()
        .flat_map(|n| {
            [
                n.digest(),
                n.cli(&["CONFIG", "GET", "tls-port"]),
                n.cli(&["ACL", "LIST"]),
                n.cli(&["CLUSTER", "MYID"]),
                n.info_field("role"),
            ]
        })
        .collect()
}

fn assert_refused(run: Run, what: &str, needle: &str) {
    assert_eq!(run.code, 14, "{what}: {}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(needle), "{what}: {}", run.stderr);
    assert!(
        run.stderr.contains("Nothing was changed"),
        "{what}: {}",
        run.stderr
    );
}

#[test]
fn commands_for_one_server_refuse_a_cluster_and_its_nodes() {
    let cluster = Cluster::start();
    cluster.write_keys(5);
    let before = fingerprint(&cluster);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let secrets = tmp.path().join("secrets");
    let archive = tmp.path().join("some.rdb.gz");
    std::fs::write(&archive, b"not read").unwrap();
    let s = |p: &std::path::Path| p.display().to_string();
    let commands: Vec<(&str, Vec<String>)> = vec![
        (
            "backup",
            vec![
                "backup".into(),
                "--repo".into(),
                s(&repo),
                "--no-encrypt".into(),
            ],
        ),
        (
            "restore",
            vec![
                "restore".into(),
                "--file".into(),
                s(&archive),
                "--yes".into(),
            ],
        ),
        (
            "harden apply",
            vec![
                "harden".into(),
                "apply".into(),
                "--secrets-dir".into(),
                s(&secrets),
                "--yes".into(),
            ],
        ),
        (
            "tls enable",
            vec![
                "tls".into(),
                "enable".into(),
                "--server-cert".into(),
                s(&tmp.path().join("n.crt")),
                "--server-key".into(),
                s(&tmp.path().join("n.key")),
                "--server-ca".into(),
                s(&tmp.path().join("ca.crt")),
                "--tls-port".into(),
                free_port().to_string(),
                "--yes".into(),
            ],
        ),
        (
            "tls rotate",
            vec![
                "tls".into(),
                "rotate".into(),
                "--server-cert".into(),
                s(&tmp.path().join("n.crt")),
                "--server-key".into(),
                s(&tmp.path().join("n.key")),
                "--yes".into(),
            ],
        ),
    ];
    let node = format!("redis://127.0.0.1:{}", cluster.masters[0].port);
    for (what, args) in &commands {
        let on = |target: &str| {
            let mut a = vec!["--target".to_string(), target.to_string()];
            a.extend(args.iter().cloned());
            redisops(a)
        };
        // backup of the cluster URL is a backup set (see below), harden apply hardens every
        // node (cluster_harden.rs); of one node they are refused.
        if *what != "backup" && *what != "harden apply" {
            assert_refused(on(&cluster.url()), what, "names a Redis Cluster");
        }
        assert_refused(
            on(&node),
            what,
            &format!("{what} of a cluster node is not supported"),
        );
    }
    assert!(!repo.exists(), "backup created its repository");
    assert!(!secrets.exists(), "harden apply wrote secrets");
    assert_eq!(fingerprint(&cluster), before);
}

/// Keys in every slot range: plain, integer-encoded, long (LZF-compressed in the RDB), with
/// hash tags, some with a TTL; each written to the master owning its slot. Returns the
/// keys written per master.
pub fn fill_all_slots(cluster: &Cluster) -> [usize; 3] {
    use redisops::cluster::slots::key_slot;
    let mut keys: Vec<String> = (0..1500).map(|i| format!("key:{i}")).collect();
    keys.extend((0..300).map(|i| (100_000 + i).to_string()));
    keys.extend((0..300).map(|i| format!("{}-{i}", "long".repeat(10))));
    keys.extend(["{user1000}.following".into(), "{user1000}.followers".into()]);
    let mut per_master: [Vec<String>; 3] = Default::default();
    for k in keys {
        let slot = key_slot(k.as_bytes());
        let i = crate::harness::cluster::RANGES
            .iter()
            .position(|(a, b)| (*a..=*b).contains(&slot))
            .unwrap();
        per_master[i].push(k);
    }
    let mut counts = [0; 3];
    for (i, keys) in per_master.iter().enumerate() {
        // One slot per command: a multi-key MSET across slots is refused (CROSSSLOT).
        let url = format!("redis://127.0.0.1:{}", cluster.masters[i].port);
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        let mut pipe = redis::pipe();
        for k in keys {
            pipe.cmd("SET").arg(k).arg(format!("value of {k}")).ignore();
        }
        pipe.cmd("EXPIRE").arg(&keys[0]).arg(3600).ignore();
        pipe.query::<()>(&mut con).unwrap();
        counts[i] = keys.len();
    }
    for (i, replica) in cluster.replicas.iter().enumerate() {
        let want = counts[i].to_string();
        cluster.wait_one(replica, "replica caught up", |n| n.cli(&["DBSIZE"]) == want);
    }
    counts
}

pub fn backup_set(url: &str, repo: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--target", url, "backup", "--repo", repo, "--no-encrypt"];
    args.extend_from_slice(extra);
    redisops(args)
}

#[test]
fn backup_of_a_cluster_is_one_slot_checked_set_listed_and_verified() {
    let cluster = Cluster::start();
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();

    // A migration in progress: refused, nothing created.
    let to = Cluster::id(&cluster.masters[1]);
    cluster.masters[0].cli(&["CLUSTER", "SETSLOT", "100", "MIGRATING", &to]);
    let run = backup_set(&cluster.url(), &repo, &[]);
    run.fails(
        15,
        &[
            "slot 100 is migrating",
            "a migration is in progress",
            "Nothing was backed up",
        ],
    );
    assert!(
        !std::path::Path::new(&repo).exists(),
        "a refused backup created its repository"
    );
    cluster.masters[0].cli(&["CLUSTER", "SETSLOT", "100", "STABLE"]);

    let counts = fill_all_slots(&cluster);
    let metrics = tmp.path().join("set.prom").display().to_string();
    let json = backup_set(
        &cluster.url(),
        &repo,
        &["--from", "replica", "--json", "--metrics-file", &metrics],
    )
    .ok()
    .json();
    let set = &json["set"];
    let id = set["set_id"].as_str().unwrap().to_string();
    assert_eq!(set["kind"], "redis-cluster-set");
    let shards = set["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 3);
    let mut tagged = 0;
    for (i, (shard, (start, end))) in shards
        .iter()
        .zip(crate::harness::cluster::RANGES)
        .enumerate()
    {
        assert_eq!(shard["index"], i);
        assert_eq!(shard["slots"], serde_json::json!([[start, end]]));
        assert_eq!(shard["master"]["id"], Cluster::id(&cluster.masters[i]));
        assert_eq!(shard["source"]["role"], "replica", "{shard:#}");
        assert_eq!(shard["source"]["id"], Cluster::id(&cluster.replicas[i]));
        assert!(shard["source"]["repl_offset"].is_u64(), "{shard:#}");
        assert_eq!(shard["keys"], counts[i]);
        assert_eq!(shard["expires"], 1);
        let runs = shard["slot_counts"].as_array().unwrap();
        let sum: u64 = runs
            .iter()
            .map(|r| (r[1].as_u64().unwrap() - r[0].as_u64().unwrap() + 1) * r[2].as_u64().unwrap())
            .sum();
        assert_eq!(sum, counts[i] as u64, "per-slot counts add up");
        assert_eq!(runs.first().unwrap()[0], start);
        assert_eq!(runs.last().unwrap()[1], end);
        tagged += runs
            .iter()
            .filter(|r| r[0].as_u64() <= Some(3443) && Some(3443) <= r[1].as_u64())
            .map(|r| r[2].as_u64().unwrap())
            .sum::<u64>();
    }
    assert_eq!(tagged, 2, "both {{user1000}} keys are in slot 3443");
    assert_eq!(set["topology_before"], set["topology_after"]);

    // list: one row per set, with its shards in JSON; no single backups appear.
    let listed = redisops(["list", "--repo", &repo, "--json"]).ok().json();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed:#}");
    assert_eq!(rows[0]["kind"], "cluster-set");
    assert_eq!(rows[0]["shard_count"], 3);
    assert_eq!(rows[0]["shards"].as_array().unwrap().len(), 3);
    let folder = tmp
        .path()
        .join("repo")
        .join(rows[0]["target"].as_str().unwrap());
    let text = redisops(["--target", &cluster.url(), "list", "--repo", &repo])
        .ok()
        .stdout;
    let row = text.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(row.contains("  3 "), "{text}");

    // verify: every shard archive, and the slot map.
    let out = redisops(["verify", &id, "--repo", &repo]).ok().stdout;
    assert_eq!(out.matches("OK    ").count(), 4, "{out}");
    assert!(out.contains("cover all 16384 slots exactly once"), "{out}");
    assert_eq!(
        out.matches("every key's hash slot checked").count(),
        3,
        "{out}"
    );
    redisops(["verify", "--all", "--repo", &repo]).ok();

    // The raw CLUSTER NODES of every node, without secrets; the metrics of the run.
    let nodes = set["cluster_nodes"].as_object().unwrap();
    assert_eq!(nodes.len(), 6, "{nodes:?}");
    for node in cluster.nodes() {
        let text = nodes[&Cluster::id(node)].as_str().unwrap();
        assert!(text.lines().any(|l| l.contains("myself")), "{text}");
        assert_eq!(text.lines().count(), 6, "{text}");
    }
    let metrics = std::fs::read_to_string(tmp.path().join("set.prom")).unwrap();
    let name = set["target"].as_str().unwrap();
    for (gauge, value) in [
        ("last_status", "1".to_string()),
        ("last_shards", "3".to_string()),
        ("last_partial", "0".to_string()),
        ("last_keys", counts.iter().sum::<usize>().to_string()),
    ] {
        let line = format!("redisops_backup_{gauge}{{target=\"{name}\"}} {value}\n");
        assert!(metrics.contains(&line), "{line} not in\n{metrics}");
    }
    assert!(metrics.contains("# TYPE redisops_backup_last_shards gauge"));

    // copy of a set: whole, verified in the destination, then skipped.
    let other = tmp.path().join("other").display().to_string();
    let out = redisops(["copy", &id, "--from", &repo, "--to", &other])
        .ok()
        .stdout;
    assert!(out.contains("copied") && out.contains("3 shards"), "{out}");
    let out = redisops(["verify", &id, "--repo", &other]).ok().stdout;
    assert_eq!(out.matches("OK    ").count(), 4, "{out}");
    let out = redisops(["copy", "--all", "--from", &repo, "--to", &other])
        .ok()
        .stdout;
    assert!(
        out.contains("skipped") && out.contains("already present"),
        "{out}"
    );

    // --parallel 3 (all nodes are on 127.0.0.1: --forks-per-host 3 lets them run together)
    // gives the same set; --copy-to copies it too.
    let json = backup_set(
        &cluster.url(),
        &repo,
        &[
            "--from",
            "replica",
            "--parallel",
            "3",
            "--forks-per-host",
            "3",
            "--copy-to",
            &other,
            "--json",
        ],
    )
    .ok()
    .json();
    let second = &json["set"];
    let id2 = second["set_id"].as_str().unwrap().to_string();
    assert_eq!(json["copy"]["action"], "copied", "{json:#}");
    for (a, b) in shards.iter().zip(second["shards"].as_array().unwrap()) {
        for field in ["index", "slots", "keys", "expires", "slot_counts"] {
            assert_eq!(a[field], b[field], "{field}");
        }
    }
    for r in [&repo, &other] {
        let out = redisops(["verify", &id2, "--repo", r]).ok().stdout;
        assert_eq!(out.matches("OK    ").count(), 4, "{out}");
    }

    // prune: two sets, keep-last 1 keeps the newer one whole and deletes the older whole.
    let prune = |extra: &[&str]| {
        let mut args = vec!["prune", "--keep-last", "1", "--repo", &repo];
        args.extend_from_slice(extra);
        redisops(args).ok().stdout
    };
    let out = prune(&["--dry-run"]);
    let older = out.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(
        older.contains("would delete") && older.contains("[backup set, 3 shards]"),
        "{out}"
    );
    assert!(folder.join(format!("sets/{id}/set.json")).exists());
    let out = prune(&[]);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&id) && l.contains("deleted")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with(&id2) && l.contains("keep")),
        "{out}"
    );
    assert!(
        !folder.join(format!("sets/{id}")).exists(),
        "the older set is gone whole"
    );
    assert!(folder.join(format!("sets/{id2}/s02")).is_dir());

    // backup --keep-last 1 prunes the target's sets under its lock. --consistent-cut: every
    // master paused while the forks start; each shard's RDB is at its master's cut offset,
    // and the masters take writes again afterwards.
    let json = backup_set(
        &cluster.url(),
        &repo,
        &[
            "--keep-last",
            "1",
            "--consistent-cut",
            "--from",
            "replica",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(json["pruned"], serde_json::json!([id2]));
    let id = json["set"]["set_id"].as_str().unwrap().to_string();
    let cut = &json["set"];
    assert_eq!(cut["consistency"], "paused-cut");
    let offsets = cut["pause"]["offsets"].as_object().unwrap();
    assert_eq!(offsets.len(), 3);
    for shard in cut["shards"].as_array().unwrap() {
        let master = shard["master"]["id"].as_str().unwrap();
        assert_eq!(shard["source"]["repl_offset"], offsets[master], "{shard:#}");
    }
    let t = Instant::now();
    cluster.write_keys(1);
    assert!(t.elapsed() < Duration::from_secs(2), "writes are unpaused");
    backup_set(
        &cluster.url(),
        &repo,
        &["--consistent-cut", "--parallel", "2"],
    )
    .fails(2, &["--parallel does not apply"]);
    let listed = redisops(["list", "--repo", &repo, "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id);

    // A shard archive missing: the set does not exist any more.
    let shard = folder.join(format!("sets/{id}/s01/{id}.rdb.gz"));
    std::fs::remove_file(&shard).unwrap();
    let run = redisops(["list", "--repo", &repo, "--json"]).ok();
    assert!(run.json().as_array().unwrap().is_empty());
    assert!(
        run.stderr.contains("incomplete") || run.stderr.contains("missing"),
        "{}",
        run.stderr
    );
    redisops(["verify", &id, "--repo", &repo]).fails(24, &[]);

    // A key outside its shard's slots (DEBUG POPULATE ignores slots): no set is committed.
    cluster.masters[0].cli(&["DEBUG", "POPULATE", "50", "stray"]);
    let run = backup_set(&cluster.url(), &repo, &["--from", "master"]);
    run.fails(
        22,
        &["in slots the shard does not own", "no set was committed"],
    );
    let sets = folder.join("sets");
    let left: Vec<_> = std::fs::read_dir(&sets)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(left.len(), 1, "only the damaged old set's folder: {left:?}");
}

#[test]
fn backup_of_a_failed_cluster_is_refused_and_commits_nothing() {
    let mut cluster = Cluster::start();
    cluster.write_keys(10);
    cluster.replicas[1].cli(&["CONFIG", "SET", "cluster-replica-no-failover", "yes"]);
    let dead = Cluster::id(&cluster.masters[1]);
    cluster.masters[1].kill();
    cluster.replicas[1].kill();
    let watcher = &cluster.masters[0];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !watcher
        .cli(&["CLUSTER", "INFO"])
        .contains("cluster_state:fail")
        || !watcher
            .cli(&["CLUSTER", "NODES"])
            .lines()
            .any(|l| l.starts_with(&dead) && l.contains("master,fail "))
    {
        assert!(Instant::now() < deadline, "cluster never failed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    for from in ["prefer-replica", "master"] {
        let run = backup_set(&cluster.url(), &repo, &["--from", from]);
        run.fails(15, &["cluster_state is fail", "Nothing was backed up"]);
    }
    assert!(!std::path::Path::new(&repo).exists());
}

#[test]
fn partial_sets_and_a_node_killed_mid_backup() {
    let mut cluster = Cluster::start();
    // Keys first (a cluster with unowned slots refuses writes: CLUSTERDOWN); master 2's keys
    // share one hash tag, so one slot: the 384 slots that lose their owner avoid it.
    cluster.write_keys(20);
    let key = cluster.masters[2].cli(&["RANDOMKEY"]);
    let tagged: u16 = cluster.masters[2]
        .cli(&["CLUSTER", "KEYSLOT", &key])
        .parse()
        .unwrap();
    let (lo, hi) = if tagged < 16000 {
        (16000u16, 16383u16)
    } else {
        (10923, 11306)
    };
    let kept = if lo == 16000 {
        [10923, 15999]
    } else {
        [11307, 16383]
    };
    let (lo_s, hi_s) = (lo.to_string(), hi.to_string());
    let range = format!("{lo}-{hi}");
    // Slots lo-hi lose their owner in every node's view. The owner's shard first; a node
    // that got them back from gossip in between is told again.
    let owner_first: Vec<_> = [&cluster.masters[2], &cluster.replicas[2]]
        .into_iter()
        .chain(cluster.masters[..2].iter())
        .chain(cluster.replicas[..2].iter())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !owner_first.iter().all(|n| {
        n.cli(&["CLUSTER", "INFO"])
            .contains("cluster_slots_assigned:16000")
    }) {
        assert!(Instant::now() < deadline, "slots {range} never unassigned");
        for node in &owner_first {
            node.cli_output(&["CLUSTER", "DELSLOTSRANGE", &lo_s, &hi_s]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster.wait("cluster_state:fail (uncovered slots)", |n| {
        n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:fail")
    });
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    backup_set(&cluster.url(), &repo, &["--from", "master"]).fails(
        15,
        &[
            &format!("slots {range} have no owner"),
            "--allow-partial",
            "Nothing was backed up",
        ],
    );
    assert!(!std::path::Path::new(&repo).exists());

    let run = backup_set(
        &cluster.url(),
        &repo,
        &["--from", "master", "--allow-partial", "--json"],
    );
    let json = run.ok().json();
    let set = &json["set"];
    let id = set["set_id"].as_str().unwrap().to_string();
    assert_eq!(set["partial"], true);
    assert_eq!(set["uncovered_slots"], serde_json::json!([[lo, hi]]));
    assert_eq!(set["shards"][2]["slots"], serde_json::json!([kept]));
    assert_eq!(set["shards"].as_array().unwrap().len(), 3);
    let text = redisops(["list", "--repo", &repo]).ok().stdout;
    let row = text.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(
        row.contains(&format!("PARTIAL (slots {range} not in the set)")),
        "{text}"
    );
    let out = redisops(["verify", &id, "--repo", &repo]).ok().stdout;
    assert!(out.contains("PARTIAL backup set of 3 shards"), "{out}");

    // The next shard's node killed while shard 0's RDB streams (100 ms per key; killing the
    // streaming master would not cut the stream, its fork child goes on): no set, no leftovers.
    cluster.masters[0].cli(&["CONFIG", "SET", "rdb-key-save-delay", "100000"]);
    let mut cmd = crate::harness::redisops_cmd();
    cmd.args([
        "--target",
        &cluster.url(),
        "backup",
        "--repo",
        &repo,
        "--no-encrypt",
    ])
    .args(["--from", "master", "--allow-partial", "--method", "sync"])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Shard 0 streams for 2 s once redisops says so: then shard 1's master dies.
    let streaming = format!(
        "streaming the RDB from 127.0.0.1:{}",
        cluster.masters[0].port
    );
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let mut said = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        said.push(line.clone());
        if line.contains(&streaming) {
            break;
        }
    }
    assert!(
        said.last().is_some_and(|l| l.contains(&streaming)),
        "{said:?}"
    );
    cluster.masters[1].kill();
    said.extend(lines.map(|l| l.unwrap()));
    let out = child.wait_with_output().unwrap();
    let stderr = said.join("\n");
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("no set was committed") && stderr.contains("shard 1"),
        "{stderr}"
    );
    let listed = redisops(["list", "--repo", &repo, "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "only the partial set");
    let sets = tmp
        .path()
        .join("repo")
        .join(listed[0]["target"].as_str().unwrap())
        .join("sets");
    let left: Vec<_> = std::fs::read_dir(&sets).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "the failed set left nothing: {left:?}");
}

#[test]
fn scheduled_backup_of_a_cluster_makes_a_set_per_run_and_stops_on_sigterm() {
    use crate::backup::{sigterm, wait_timeout};
    let cluster = Cluster::start();
    cluster.write_keys(10);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    let url = cluster.url();
    let base = ["--target", &url, "backup", "--repo", &repo, "--no-encrypt"];
    // A bad schedule is refused before the cluster is asked anything.
    let mut bad = base.to_vec();
    bad.extend(["--schedule", "0 3 * *"]);
    redisops(bad).fails(2, &["5 fields"]);

    let mut cmd = crate::harness::redisops_cmd();
    cmd.args(base)
        .args(["--schedule", "* * * * *"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // The repository exists once the first run has created it.
    let sets = || {
        let run = redisops(["list", "--repo", &repo, "--json"]);
        match run.code {
            0 => run.json().as_array().unwrap().clone(),
            _ => Vec::new(),
        }
    };
    // The next minute boundary: at most 60 s away, plus the backup itself.
    let deadline = Instant::now() + Duration::from_secs(90);
    while sets().is_empty() {
        assert!(Instant::now() < deadline, "no scheduled set after 90 s");
        assert!(child.try_wait().unwrap().is_none(), "the scheduler exited");
        std::thread::sleep(Duration::from_millis(500));
    }
    sigterm(&child);
    let status = wait_timeout(&mut child, Duration::from_secs(30));
    assert!(matches!(status.code(), Some(0) | Some(130)), "{status:?}");
    let rows = sets();
    assert!(!rows.is_empty());
    assert_eq!(rows[0]["kind"], "cluster-set");
    assert_eq!(rows[0]["shard_count"], 3);
}
