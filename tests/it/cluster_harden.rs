//! `harden audit` and `harden apply` of a whole Redis Cluster: a weak cluster's findings,
//! one per issue with the nodes it is on; a node whose settings differ from the others; apply
//! one node at a time (users on every node, replication credentials, the default user
//! closed) with the cluster healthy and every replica linked afterwards; a second apply that
//! changes nothing.

use crate::harness::{Cluster, redisops};
use serde_json::Value;

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
