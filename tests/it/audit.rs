//! `redisops harden audit` against real servers: a deliberately weak one, a hardened one,
//! weak ACL passwords and rights, TLS listeners, a Sentinel group, and a target that cannot
//! be reached. Report shapes (JSON, SARIF) are checked field by field.

use crate::harness::{RedisServer, SentinelGroup, ServerOptions, TlsFixture, free_port, redisops};
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether the server is older than every release with the 2025 Lua fixes, so VER-01 applies.
fn below_lua_floor(server: &RedisServer) -> bool {
    let info = server.cli(&["INFO", "server"]);
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap()
        .trim()
        .to_string();
    version.starts_with("7.0.") || version.starts_with("6.")
}

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// IDs of the findings at or above medium on every node.
pub(crate) fn serious_ids(report: &Value) -> BTreeSet<String> {
    report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["findings"].as_array().unwrap().iter())
        .filter(|f| ["medium", "high", "critical"].contains(&f["severity"].as_str().unwrap()))
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// The IDs of every finding on one node of a report.
fn node_ids(node: &Value) -> Vec<&str> {
    node["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

/// Evidence of every finding with this ID.
fn evidence<'a>(report: &'a Value, id: &str) -> Vec<&'a str> {
    report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["findings"].as_array().unwrap().iter())
        .filter(|f| f["id"] == id)
        .map(|f| f["evidence"].as_str().unwrap())
        .collect()
}

/// No password, protected mode off, every interface, DEBUG and MODULE on, a world-readable
/// config file. `unprivileged`: run as nobody, so HOST-02 is not among the findings.
pub(crate) fn weak_server(unprivileged: bool) -> RedisServer {
    let server = RedisServer::with(ServerOptions {
        unprivileged,
        conf: vec![
            "bind * -::*".into(),
            "protected-mode no".into(),
            "enable-debug-command yes".into(),
            "enable-module-command yes".into(),
        ],
        ..Default::default()
    });
    chmod(&server.conf_file, 0o644);
    server
}

#[test]
fn weak_server_gets_every_expected_finding() {
    let server = weak_server(false);
    let port = server.port.to_string();
    let run = redisops(["-p", &port, "harden", "audit", "--json"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let report = run.json();
    let mut expected: BTreeSet<String> = [
        "AUTH-01", "CMD-01", "CMD-02", "DOS-01", "NET-01", "NET-02", "NET-03", "PERS-03", "TLS-01",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    if running_as_root() {
        expected.insert("HOST-02".into());
    }
    if below_lua_floor(&server) {
        expected.insert("VER-01".into());
    }
    assert_eq!(serious_ids(&report), expected, "{report:#}");
    assert!(
        evidence(&report, "NET-01")[0].contains("answered INFO without credentials"),
        "{report:#}"
    );
    assert!(evidence(&report, "PERS-03")[0].contains("0644"));

    let text = redisops(["-p", &port, "harden", "audit", "--fail-on", "high"]);
    assert_eq!(text.code, 3);
    assert!(text.stdout.contains("CRITICAL\n  "), "{}", text.stdout);
    assert!(text.stdout.contains("(exit 3)"));
}

#[test]
fn hardened_server_has_nothing_at_or_above_medium() {
    const ADMIN_PW: &str = "Xq7-admin-2f9c1d6e8b4a7f3e";
    const APP_PW: &str = "Zk4-app-9e1b7c3d5f2a8e6b";
    let server = RedisServer::with(ServerOptions {
        unprivileged: true,
        unix_socket: true,
        conf: vec![
            "bind 127.0.0.1 -::1".into(),
            "protected-mode yes".into(),
            "enable-debug-command no".into(),
            "enable-module-command no".into(),
            "user default off".into(),
            format!("user admin on >{ADMIN_PW} ~* &* +@all"),
            format!(
                "user app on >{APP_PW} ~app:* resetchannels -@all +@read +@write +@connection \
                 -@dangerous -@scripting"
            ),
        ],
        ..Default::default()
    });
    chmod(&server.conf_file, 0o600);
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("admin.pw");
    std::fs::write(&pw, ADMIN_PW).unwrap();
    let port = server.port.to_string();
    let auth = [
        "-p",
        &port,
        "--user",
        "admin",
        "--password-file",
        pw.to_str().unwrap(),
    ];
    let run = redisops(
        auth.iter()
            .copied()
            .chain(["harden", "audit", "--json", "--show-facts"]),
    );
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let report = run.json();
    // Both listeners, TCP and the unix socket, were tried without credentials.
    let listeners = report["facts"]["nodes"][0]["listeners"].as_array().unwrap();
    let transports: Vec<&str> = listeners
        .iter()
        .map(|l| l["transport"].as_str().unwrap())
        .collect();
    assert_eq!(transports, ["plaintext", "unix"]);
    assert!(
        listeners
            .iter()
            .all(|l| l["access"]["result"] == "auth-required"),
        "{listeners:?}"
    );
    assert!(serious_ids(&report).is_empty(), "{report:#}");
    assert_eq!(report["nodes"][0]["role"], "master");
    for secret in [ADMIN_PW, APP_PW] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
    let strict = redisops(
        auth.iter()
            .copied()
            .chain(["harden", "audit", "--fail-on", "medium"]),
    );
    assert_eq!(strict.code, 0, "{}", strict.stdout);
}

#[test]
fn json_and_sarif_shapes() {
    let server = RedisServer::start();
    let port = server.port.to_string();
    let address = format!("127.0.0.1:{port}");

    let run = redisops(["-p", &port, "harden", "audit", "--format", "json"]);
    assert_eq!(run.code, 3);
    let report = run.json();
    assert!(report["target"].is_string());
    assert!(report.get("facts").is_none());
    let node = &report["nodes"][0];
    assert_eq!(node["address"], address);
    assert_eq!(node["role"], "master");
    let findings = node["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for key in [
            "id",
            "title",
            "severity",
            "category",
            "evidence",
            "remediation",
        ] {
            assert!(
                f[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} in {f}"
            );
        }
        assert!(
            ["info", "low", "medium", "high", "critical"]
                .contains(&f["severity"].as_str().unwrap())
        );
    }
    let summary = &report["summary"];
    let counted: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, findings.len());

    let facts = redisops(["-p", &port, "harden", "audit", "--json", "--show-facts"]).json();
    assert_eq!(facts["facts"]["nodes"][0]["address"], address);
    assert!(facts["facts"]["nodes"][0]["listeners"][0]["access"]["result"] == "open");

    let sarif = redisops(["-p", &port, "harden", "audit", "--format", "sarif"]);
    assert_eq!(sarif.code, 3);
    let sarif = sarif.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "redisops");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for check in redisops::harden::checks::catalogue() {
        assert!(rule_ids.contains(&check.id), "rule {} missing", check.id);
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert_eq!(r["locations"][0]["logicalLocations"][0]["name"], address);
    }

    let bad = redisops(["-p", &port, "harden", "audit", "--show-facts"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn weak_passwords_and_excess_rights_from_the_acl() {
    let server = RedisServer::start();
    let strong = "Qm8-ops-5c2e9a7b1d4f6e3a";
    server.cli(&[
        "ACL",
        "SETUSER",
        "app",
        "on",
        ">password123",
        "~app:*",
        "-@all",
        "+@read",
    ]);
    server.cli(&[
        "ACL", "SETUSER", "cache", "on", ">redis", "~cache:*", "-@all", "+get",
    ]);
    server.cli(&[
        "ACL",
        "SETUSER",
        "ops",
        "on",
        &format!(">{strong}"),
        "~*",
        "&*",
        "+@all",
    ]);
    server.cli(&[
        "ACL",
        "SETUSER",
        "cleaner",
        "on",
        ">Tn3-cleaner-8d1f5b2c7e9a4b6d",
        "~tmp:*",
        "-@all",
        "+get",
        "+flushall",
    ]);
    let port = server.port.to_string();
    let run = redisops(["-p", &port, "harden", "audit", "--json"]);
    assert_eq!(run.code, 3);
    let report = run.json();
    let weak = evidence(&report, "AUTH-02");
    assert!(weak.iter().any(|e| e.contains("'app'")), "{weak:?}");
    assert!(weak.iter().any(|e| e.contains("'cache'")), "{weak:?}");
    let full = evidence(&report, "ACL-06");
    assert_eq!(full.len(), 1, "{full:?}");
    assert!(full[0].contains("'ops'"));
    let dangerous = evidence(&report, "ACL-01");
    assert!(
        dangerous
            .iter()
            .any(|e| e.contains("'cleaner'") && e.contains("FLUSHALL")),
        "{dangerous:?}"
    );
    for secret in ["password123", strong] {
        assert!(!run.stdout.contains(secret), "{secret} printed");
    }
    let facts = redisops(["-p", &port, "harden", "audit", "--json", "--show-facts"]);
    assert!(!facts.stdout.contains("password123") && !facts.stdout.contains(strong));
}

#[test]
fn tls_listeners_are_probed_with_the_operators_certificate() {
    let fixture = Arc::new(TlsFixture::new());
    let server = RedisServer::with(ServerOptions {
        tls: Some(fixture.clone()),
        plaintext_too: true,
        conf: vec!["tls-auth-clients no".into()],
        ..Default::default()
    });
    let url = server.url();
    let mut args = vec!["--target".to_string(), url];
    args.extend(fixture.client_args());
    args.extend(["harden", "audit", "--json", "--show-facts"].map(String::from));
    let run = redisops(&args);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    let ids = serious_ids(&report);
    assert!(ids.contains("NET-04"), "{ids:?}");
    assert!(!ids.contains("TLS-06"), "{ids:?}");
    let all = node_ids(&report["nodes"][0]);
    assert!(all.contains(&"TLS-03"), "{all:?}");
    let listeners = report["facts"]["nodes"][0]["listeners"].as_array().unwrap();
    let tls = listeners.iter().find(|l| l["transport"] == "tls").unwrap();
    assert_eq!(tls["access"]["result"], "open", "{tls}");
    let probed = tls["probed_with"].as_str().unwrap();
    assert!(probed.contains(fixture.ca.to_str().unwrap()), "{probed}");
    assert!(
        probed.contains(fixture.client_cert.to_str().unwrap()),
        "{probed}"
    );
    let cert = &report["facts"]["nodes"][0]["host"]["tls_cert"];
    assert!(
        cert["not_after"].as_i64().unwrap() > chrono::Utc::now().timestamp(),
        "{cert}"
    );
}

#[test]
fn sentinel_group_is_audited_node_by_node() {
    let group = SentinelGroup::start(1, None);
    let run = redisops(["--target", &group.url(), "harden", "audit", "--json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report = run.json();
    let nodes = report["nodes"].as_array().unwrap();
    let roles: Vec<&str> = nodes.iter().map(|n| n["role"].as_str().unwrap()).collect();
    assert_eq!(
        roles,
        ["master", "slave", "sentinel", "sentinel", "sentinel"]
    );
    assert_eq!(
        nodes[0]["address"],
        format!("127.0.0.1:{}", group.master.port)
    );
    assert_eq!(
        nodes[1]["address"],
        format!("127.0.0.1:{}", group.replicas[0].port)
    );
    for sentinel in &nodes[2..] {
        let ids = node_ids(sentinel);
        assert!(ids.contains(&"SENT-01"), "{ids:?}");
        assert!(ids.contains(&"NET-02"), "{ids:?}");
    }
    let addresses: BTreeSet<&str> = nodes[2..]
        .iter()
        .map(|n| n["address"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<String> = group
        .sentinels
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    assert_eq!(addresses, expected.iter().map(String::as_str).collect());
    let master_ids = node_ids(&nodes[0]);
    assert!(master_ids.contains(&"NET-01"), "{master_ids:?}");
}

#[test]
fn unreachable_target_is_not_a_finding() {
    let port = free_port().to_string();
    let run = redisops(["-p", &port, "harden", "audit"]);
    assert_eq!(run.code, 10, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn runtime_changes_that_a_restart_would_lose_are_reported() {
    let server = RedisServer::start();
    server.cli(&[
        "ACL",
        "SETUSER",
        "ops",
        "on",
        ">a-long-random-ops-password",
        "+@read",
    ]);
    server.cli(&["CONFIG", "SET", "bind", "127.0.0.1 -::1"]);
    let run = redisops(["-p", &server.port.to_string(), "harden", "audit", "--json"]);
    let report = run.json();
    let drift = evidence(&report, "PERS-04").join(" | ");
    assert!(
        drift.contains("bind (file: 127.0.0.1; running: 127.0.0.1 -::1)"),
        "{drift}"
    );
    assert!(
        drift.contains("user(s) ops exist only at runtime"),
        "{drift}"
    );
}

/// What GitHub code scanning reads, validated against the SARIF 2.1.0 schema (vendored from
/// the OASIS sarif-spec repository, sarif-2.1/schema/sarif-schema-2.1.0.json).
#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let server = RedisServer::start();
    let port = server.port.to_string();
    let audit = || {
        let run = redisops(["-p", &port, "harden", "audit", "--format", "sarif"]);
        assert_eq!(run.code, 3, "{}", run.stderr);
        run.json()
    };
    let sarif = audit();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}");

    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        assert!(rule["help"]["text"].is_string(), "{rule}");
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score), "{rule}");
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    // The server runs here from a config file: findings are located in it.
    let conf = server.conf_file();
    let relative = conf.to_str().unwrap().trim_start_matches('/');
    for r in results {
        let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], relative, "{r}");
        assert_eq!(artifact["uriBaseId"], "FILESYSTEM_ROOT", "{r}");
        assert!(
            r["partialFingerprints"]["redisopsFinding/v1"].is_string(),
            "{r}"
        );
    }
    assert_eq!(
        run["originalUriBaseIds"]["FILESYSTEM_ROOT"]["uri"], "file:///",
        "{run}"
    );
    // Stable: the same findings have the same fingerprints in the next run.
    let fingerprints = |sarif: &serde_json::Value| -> Vec<String> {
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].to_string())
            .collect()
    };
    assert_eq!(fingerprints(&sarif), fingerprints(&audit()));
}
