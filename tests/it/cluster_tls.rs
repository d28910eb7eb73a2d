//! A TLS cluster (clients, replication and the bus on TLS, no plaintext port): a backup set,
//! a restore of it onto the same cluster (every master's DEBUG DIGEST back, no failover), and
//! `harden apply` of every node, then a second apply that changes nothing: the TLS options
//! reach every node each command talks to.

use crate::harness::{Cluster, RedisServer, Run, TlsFixture, redisops};
use std::sync::Arc;

fn run(cluster: &Cluster, fx: &TlsFixture, args: &[&str]) -> Run {
    let mut all = vec!["--target".to_string(), cluster.url()];
    all.extend(fx.client_args());
    all.extend(args.iter().map(|a| a.to_string()));
    redisops(all)
}

fn digests(cluster: &Cluster) -> Vec<String> {
    cluster.masters.iter().map(RedisServer::digest).collect()
}

#[test]
fn a_tls_cluster_is_backed_up_restored_and_hardened() {
    let fx = Arc::new(TlsFixture::new());
    let mut cluster = Cluster::start_tls(fx.clone());
    cluster.write_keys(50);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo").display().to_string();
    let json = run(
        &cluster,
        &fx,
        &["backup", "--repo", &repo, "--no-encrypt", "--json"],
    )
    .ok()
    .json();
    assert_eq!(
        json["set"]["shards"].as_array().unwrap().len(),
        3,
        "{json:#}"
    );
    let before = digests(&cluster);

    for m in &cluster.masters {
        m.cli(&["FLUSHALL"]);
    }
    let restored = run(
        &cluster,
        &fx,
        &["restore", "--repo", &repo, "--latest", "--yes", "--json"],
    )
    .ok()
    .json();
    assert_eq!(restored["state"], "done", "{restored:#}");
    cluster.wait_healthy();
    assert_eq!(digests(&cluster), before);
    for m in &cluster.masters {
        assert_eq!(m.info_field("role"), "master");
    }

    let secrets = tmp.path().join("secrets");
    let secrets_arg = secrets.display().to_string();
    let apply = ["harden", "apply", "--secrets-dir", &secrets_arg, "--yes"];
    let out = run(&cluster, &fx, &apply).ok();
    assert!(out.stdout.contains("Applied"), "{}", out.stdout);
    let admin = std::fs::read_to_string(secrets.join("admin.password")).unwrap();
    cluster.login_all("admin", admin.trim());
    cluster.wait_healthy();
    assert_eq!(digests(&cluster), before);
    let mut again = apply.to_vec();
    again.push("--json");
    let out = run(&cluster, &fx, &again).ok();
    assert_eq!(out.json()["changed"], false, "{}", out.stdout);
}
