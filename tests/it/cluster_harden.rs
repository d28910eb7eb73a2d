//! `harden audit` and `harden apply` of a whole Redis Cluster: a weak cluster's findings,
//! one per issue with the nodes it is on; a node whose settings differ from the others; apply
//! one node at a time (users on every node, replication credentials, the default user
//! closed) with the cluster healthy and every replica linked afterwards; a second apply that
//! changes nothing.

use crate::harness::{Cluster, Run, redisops};
use serde_json::Value;
use std::path::Path;

/// The grouped finding with this ID (and, for checks that report several, this severity).
fn finding<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .collect()
}

fn nodes(f: &Value) -> Vec<String> {
    f["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn address(node: &crate::harness::RedisServer) -> String {
    format!("127.0.0.1:{}", Cluster::client_port(node))
}

#[test]
fn audit_of_a_weak_cluster_names_each_finding_once_with_its_nodes() {
    let cluster = Cluster::start_with(&["bind * -::*", "protected-mode no"]);
    // One node configured unlike the others.
    let odd = &cluster.replicas[1];
    odd.cli(&["CONFIG", "SET", "cluster-require-full-coverage", "no"]);
    let run = redisops(["--target", &cluster.url(), "harden", "audit", "--json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["nodes"].as_array().unwrap().len(), 6, "{report:#}");
    assert_eq!(report["cluster"]["nodes"].as_array().unwrap().len(), 6);
    let all: Vec<String> = {
        let mut a: Vec<String> = cluster.nodes().map(address).collect();
        a.sort();
        a
    };
    for id in ["NET-01", "NET-02", "NET-03"] {
        let f = finding(&report, id);
        assert_eq!(
            f.len(),
            1,
            "{id}: one finding, not one per node: {report:#}"
        );
        let mut on = nodes(f[0]);
        on.sort();
        assert_eq!(on, all, "{id}");
    }
    // The bus has no authentication and listens everywhere without tls-cluster.
    let bus = finding(&report, "CLU-03");
    assert_eq!(bus.len(), 1, "{report:#}");
    assert_eq!(bus[0]["severity"], "high");
    assert_eq!(nodes(bus[0]).len(), 6);
    let bus_port = cluster.masters[0].bus_port.unwrap().to_string();
    assert!(
        bus[0]["evidence"].as_str().unwrap().contains(&bus_port),
        "{}",
        bus[0]["evidence"]
    );
    // The odd node, and only it, for the setting that must be identical.
    let differs = finding(&report, "CLU-01");
    assert_eq!(differs.len(), 1, "{report:#}");
    assert_eq!(nodes(differs[0]), [address(odd)]);
    assert!(
        differs[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("cluster-require-full-coverage differs"),
        "{}",
        differs[0]["evidence"]
    );
    // Per-node detail is there as well; the summary counts issues, not nodes.
    assert!(report["nodes"][0]["findings"].as_array().unwrap().len() > 3);
    assert_eq!(
        report["summary"]["critical"],
        finding(&report, "NET-01").len() + {
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] == "critical" && f["id"] != "NET-01")
                .count()
        }
    );

    let text = redisops(["--target", &cluster.url(), "harden", "audit"]);
    assert_eq!(text.code, 3);
    assert!(
        text.stdout.contains("NET-01") && text.stdout.contains("(6 of 6 nodes)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("bus port {bus_port}")),
        "{}",
        text.stdout
    );
}

fn apply(cluster: &Cluster, secrets: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "--target",
        &cluster.url(),
        "harden",
        "apply",
        "--secrets-dir",
        secrets.to_str().unwrap(),
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| s.to_string()));
    redisops(args)
}

#[test]
fn apply_hardens_every_node_one_at_a_time_and_a_second_apply_changes_nothing() {
    let mut cluster = Cluster::start_with(&["protected-mode no"]);
    cluster.write_keys(20);
    let tmp = tempfile::tempdir().unwrap();
    let secrets = tmp.path().join("secrets");

    let dry = apply(&cluster, &secrets, &["--dry-run"]).ok();
    assert!(
        dry.stdout.contains("== users on every node"),
        "{}",
        dry.stdout
    );
    for node in cluster.nodes() {
        let part = format!(
            "== {} {}",
            if cluster.replicas.iter().any(|r| r.port == node.port) {
                "replica"
            } else {
                "master"
            },
            address(node)
        );
        assert!(dry.stdout.contains(&part), "{part}: {}", dry.stdout);
    }
    assert!(dry.stdout.contains("check: cluster_state:ok on every node"));
    // Replicas come before masters.
    let first_master = dry.stdout.find("== master").unwrap();
    assert!(
        dry.stdout.rfind("== replica").unwrap() < first_master,
        "{}",
        dry.stdout
    );
    assert!(
        !secrets.join("admin.password").exists(),
        "the dry run wrote secrets"
    );

    let run = apply(&cluster, &secrets, &["--yes"]).ok();
    assert!(run.stdout.contains("Applied"), "{}", run.stdout);
    let admin = std::fs::read_to_string(secrets.join("admin.password")).unwrap();
    cluster.login_all("admin", admin.trim());
    // The same users everywhere; no node answers without a password.
    let acl: Vec<Vec<String>> = cluster
        .nodes()
        .map(|n| {
            let mut users: Vec<String> =
                n.cli(&["ACL", "USERS"]).lines().map(String::from).collect();
            users.sort();
            users
        })
        .collect();
    assert!(acl.windows(2).all(|w| w[0] == w[1]), "{acl:?}");
    assert!(acl[0].contains(&"replication".to_string()));
    for n in cluster.nodes() {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &n.port.to_string(), "PING"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("NOAUTH"), "{}: {text}", n.port);
        assert_eq!(
            n.cli(&["CONFIG", "GET", "masteruser"]).lines().nth(1),
            Some("replication")
        );
    }
    // Still one healthy cluster, replicas linked with the new replication user, data intact.
    cluster.wait_healthy();
    for r in &cluster.replicas {
        assert_eq!(r.info_field("master_link_status"), "up");
    }
    let keys: u64 = cluster
        .masters
        .iter()
        .map(|m| m.cli(&["DBSIZE"]).parse::<u64>().unwrap())
        .sum();
    assert_eq!(keys, 60);

    // The audit, as the admin from the secrets directory, has nothing serious left.
    let audit = crate::harden::audit_as_admin(&["--target", &cluster.url()], &secrets);
    let report = audit.json();
    let serious: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ["medium", "high", "critical"].contains(&f["severity"].as_str().unwrap()))
        .collect();
    // What apply leaves: DEBUG enabled by the harness (written to the config file, which
    // takes effect at a restart, one node at a time by hand: CMD-01, PERS-04), TLS, and, as
    // root, the process user.
    let left: Vec<&str> = serious.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(
        left.iter()
            .all(|id| ["CMD-01", "PERS-04", "TLS-01", "HOST-02", "VER-01"].contains(id)),
        "{report:#}"
    );

    // A second run changes nothing (it logs in as the admin from the secrets directory).
    let again = apply(&cluster, &secrets, &["--yes", "--json"]).ok();
    assert_eq!(again.json()["changed"], false, "{}", again.stdout);
}

#[test]
fn apply_of_a_cluster_with_a_node_down_is_refused_before_any_change() {
    let mut cluster = Cluster::start();
    cluster.replicas[2].kill();
    let tmp = tempfile::tempdir().unwrap();
    let secrets = tmp.path().join("secrets");
    let run = apply(&cluster, &secrets, &["--yes"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("could not be audited"),
        "{}",
        run.stderr
    );
    assert!(!secrets.exists());
    assert!(cluster.masters[0].cli(&["ACL", "USERS"]) == "default");
    let run = apply(&cluster, &secrets, &["--yes", "--bind", "127.0.0.1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
