//! `redisops tls`: certificates accepted by redis-server, redis-cli and openssl; TLS turned
//! on for a live server without a restart, rolled back when verification fails, persisted
//! across a restart; rotation without a restart, seen by `tls check`.

use crate::backup::Repo;
use crate::harness::{
    RedisServer, SentinelGroup, ServerOptions, TlsFixture, free_port, redisops, require,
};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// `tls init` into a fresh directory: one node for 127.0.0.1/localhost, client "client".
fn init(dir: &Path, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "tls".to_string(),
        "init".into(),
        "--out".into(),
        dir.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    redisops(args)
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn redis_cli_tls(pki: &Path, port: u16, args: &[&str]) -> std::process::Output {
    require("redis-cli");
    Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--tls"])
        .args(["--cacert", &p(pki, "ca.crt")])
        .args([
            "--cert",
            &p(pki, "client.crt"),
            "--key",
            &p(pki, "client.key"),
        ])
        .args(args)
        .output()
        .unwrap()
}

fn client_flags(pki: &Path) -> Vec<String> {
    vec![
        "--cacert".into(),
        p(pki, "ca.crt"),
        "--cert".into(),
        p(pki, "client.crt"),
        "--key".into(),
        p(pki, "client.key"),
    ]
}

/// `--target rediss://127.0.0.1:PORT` with the client certificate of `pki`.
fn tls_target(pki: &Path, tls_port: u16) -> Vec<String> {
    let mut args = vec![
        "--target".to_string(),
        format!("rediss://127.0.0.1:{tls_port}"),
    ];
    args.extend(client_flags(pki));
    args
}

fn verify_flags(pki: &Path) -> Vec<String> {
    vec![
        "--verify-cacert".into(),
        p(pki, "ca.crt"),
        "--verify-cert".into(),
        p(pki, "client.crt"),
        "--verify-key".into(),
        p(pki, "client.key"),
    ]
}

fn enable_args(server: &RedisServer, pki: &Path, node: &str, tls_port: u16) -> Vec<String> {
    let mut args = vec![
        "--target".to_string(),
        server.url(),
        "tls".into(),
        "enable".into(),
        "--server-cert".into(),
        p(pki, &format!("{node}.crt")),
        "--server-key".into(),
        p(pki, &format!("{node}.key")),
        "--server-ca".into(),
        p(pki, "ca.crt"),
        "--tls-port".into(),
        tls_port.to_string(),
        "--yes".into(),
    ];
    args.extend(verify_flags(pki));
    args
}

fn pki_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("redisops-it-pki-")
        .tempdir()
        .unwrap()
}

#[test]
fn init_output_works_with_redis_server_redis_cli_and_openssl() {
    let tmp = pki_dir();
    let pki = tmp.path().join("pki");
    let run = init(&pki, &["--node", "node1=localhost,127.0.0.1"]).ok();
    assert!(!run.stdout.contains("PRIVATE KEY"), "{}", run.stdout);
    for key in ["ca.key", "node1.key", "client.key"] {
        let mode = std::fs::metadata(pki.join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    for leaf in ["node1.crt", "client.crt"] {
        let out = Command::new("openssl")
            .args(["verify", "-CAfile", &p(&pki, "ca.crt"), &p(&pki, leaf)])
            .output()
            .expect("openssl (the CLI) is needed for this test");
        assert!(out.status.success(), "{leaf}: {out:?}");
    }

    let tls_port = free_port();
    let server = RedisServer::with(ServerOptions {
        conf: vec![
            "port 0".into(),
            format!("tls-port {tls_port}"),
            format!("tls-cert-file {}", p(&pki, "node1.crt")),
            format!("tls-key-file {}", p(&pki, "node1.key")),
            format!("tls-ca-cert-file {}", p(&pki, "ca.crt")),
        ],
        ..Default::default()
    });
    let out = redis_cli_tls(&pki, tls_port, &["SET", "k", "v"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "OK", "{out:?}");
    let mut args = tls_target(&pki, tls_port);
    args.push("status".into());
    redisops(&args).ok();
    drop(server);

    let again = init(&pki, &["--node", "node1=127.0.0.1"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("refusing to overwrite"),
        "{}",
        again.stderr
    );
    init(&pki, &["--node", "node1=127.0.0.1", "--force"]).ok();
}

#[test]
fn enable_on_a_live_server_keeps_run_id_and_data_and_persists() {
    let tmp = pki_dir();
    let pki = tmp.path();
    init(pki, &["--dns", "localhost", "--ip", "127.0.0.1"]).ok();
    let mut server = RedisServer::start();
    server.write_keys(100);
    let run_id = server.cli(&["INFO", "server"]);
    let run_id = run_id
        .lines()
        .find_map(|l| l.strip_prefix("run_id:"))
        .unwrap()
        .trim()
        .to_string();
    let tls_port = free_port();

    let mut dry = enable_args(&server, pki, "redis", tls_port);
    dry.push("--dry-run".into());
    let plan = redisops(&dry).ok();
    assert!(
        plan.stdout.contains(&format!("tls-port {tls_port}")),
        "{}",
        plan.stdout
    );
    assert_eq!(server.cli(&["CONFIG", "GET", "tls-port"]), "tls-port\n0");

    let mut args = enable_args(&server, pki, "redis", tls_port);
    args.push("--disable-plaintext".into());
    let run = redisops(&args).ok();
    assert!(run.stdout.contains("days"), "{}", run.stdout);

    let out = redis_cli_tls(pki, tls_port, &["INFO", "server"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&run_id),
        "restarted? {out:?}"
    );
    let out = redis_cli_tls(pki, tls_port, &["DBSIZE"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "100");
    let mut status = tls_target(pki, tls_port);
    status.extend(["status".to_string(), "--json".into()]);
    let json = redisops(&status).ok().json();
    assert_eq!(json["keyspace"][0]["keys"], 100, "{json}");
    // The plaintext port is closed.
    assert!(!server.cli_output(&["PING"]).status.success());

    server.restart();
    let out = redis_cli_tls(pki, tls_port, &["CONFIG", "GET", "port"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "port\n0");
    let out = redis_cli_tls(pki, tls_port, &["CONFIG", "GET", "tls-auth-clients"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "tls-auth-clients\nyes"
    );
}

#[test]
fn failed_verification_rolls_back() {
    let tmp = pki_dir();
    let pki = tmp.path();
    // The node certificate names a host we do not dial: verification of 127.0.0.1 fails.
    init(pki, &["--node", "elsewhere=redis.example.internal"]).ok();
    let server = RedisServer::start();
    let before = server.cli(&["CONFIG", "GET", "tls-*"]);
    let state = tempfile::tempdir().unwrap();
    let mut cmd = crate::harness::redisops_cmd();
    cmd.env("XDG_STATE_HOME", state.path()).args(enable_args(
        &server,
        pki,
        "elsewhere",
        free_port(),
    ));
    let run = crate::harness::run_cmd(cmd);
    assert_eq!(run.code, 13, "{}", run.stderr);
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert_eq!(server.cli(&["CONFIG", "GET", "tls-*"]), before);
    assert_eq!(server.cli(&["PING"]), "PONG");
    // The journal says which step failed and that the run was rolled back.
    let journal = only_journal(state.path());
    assert_eq!(journal["state"], "rolled back", "{journal:#}");
    let last = journal["records"].as_array().unwrap().last().unwrap();
    assert!(
        last["outcome"].as_str().unwrap().starts_with("failed"),
        "{journal:#}"
    );
}

#[test]
fn unreadable_files_are_refused_with_an_explanation() {
    let tmp = pki_dir();
    let pki = tmp.path();
    init(pki, &["--ip", "127.0.0.1"]).ok();
    let server = RedisServer::start();
    let mut args = enable_args(&server, pki, "redis", free_port());
    let pos = args.iter().position(|a| a == "--server-cert").unwrap();
    args[pos + 1] = "/nonexistent/redis.crt".into();
    let run = redisops(&args);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot send"), "{}", run.stderr);
    assert_eq!(server.cli(&["CONFIG", "GET", "tls-port"]), "tls-port\n0");
}

#[test]
fn rotate_swaps_the_certificate_without_restart_and_check_sees_it() {
    let tmp = pki_dir();
    let pki = tmp.path().join("v1");
    init(&pki, &["--ip", "127.0.0.1", "--days", "30"]).ok();
    let server = RedisServer::start();
    let tls_port = free_port();
    redisops(enable_args(&server, &pki, "redis", tls_port)).ok();
    let pid = server.cli(&["INFO", "server"]);

    let mut check = tls_target(&pki, tls_port);
    check.extend(["tls".to_string(), "check".into(), "--json".into()]);
    let before = redisops(&check).ok().json();
    let days = before[0]["days_left"].as_i64().unwrap();
    assert!((28..=30).contains(&days), "{before}");
    assert!(
        before[0]["certificate"]["sans"][0] == "IP:127.0.0.1",
        "{before}"
    );

    // A new leaf from the same CA, with a longer validity, in another directory.
    let v2: PathBuf = tmp.path().join("v2");
    let run = init(
        &v2,
        &[
            "--ip",
            "127.0.0.1",
            "--days",
            "400",
            "--issuer-cert",
            &p(&pki, "ca.crt"),
            "--issuer-key",
            &p(&pki, "ca.key"),
        ],
    )
    .ok();
    assert!(!v2.join("ca.key").exists(), "{}", run.stdout);
    let mut rotate = tls_target(&pki, tls_port);
    rotate.extend([
        "tls".to_string(),
        "rotate".into(),
        "--server-cert".into(),
        p(&v2, "redis.crt"),
        "--server-key".into(),
        p(&v2, "redis.key"),
        "--yes".into(),
    ]);
    let run = redisops(&rotate).ok();
    assert!(
        run.stdout.contains("(400 days)") || run.stdout.contains("(399 days)"),
        "{}",
        run.stdout
    );

    let after = redisops(&check).ok().json();
    let days = after[0]["days_left"].as_i64().unwrap();
    assert!((399..=400).contains(&days), "{after}");
    let pid_line = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("run_id:"))
            .map(String::from)
    };
    assert_eq!(pid_line(&server.cli(&["INFO", "server"])), pid_line(&pid));
}

#[test]
fn sentinel_group_over_tls_check_backup_and_audit() {
    let fx = Arc::new(TlsFixture::new());
    let group = SentinelGroup::start(1, Some(fx.clone()));
    group.wait_discovered();
    group.master.write_keys(50);
    let mut target = vec!["--target".to_string(), group.url()];
    target.extend(fx.client_args());

    let mut check = target.clone();
    check.extend(["tls".to_string(), "check".into(), "--json".into()]);
    let nodes = redisops(&check).ok().json();
    let roles: Vec<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["master", "replica", "sentinel", "sentinel", "sentinel"]
    );
    assert!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["days_left"].as_i64() > Some(0))
    );

    // Backups stream from the replica over TLS, discovered through TLS Sentinels.
    let repo = Repo::new();
    let json = repo.backup(&target, &["--method", "sync"]).ok().json();
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 50, "{json}");
    assert_eq!(json["backup"]["target"]["role"], "slave", "{json}");

    // The audit reaches every node over TLS (findings, not connection failures).
    let mut audit = target.clone();
    audit.extend(["harden".to_string(), "audit".into(), "--json".into()]);
    let run = redisops(&audit);
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    let report = run.json();
    let unreachable: Vec<_> = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["findings"].to_string().contains("AUD-01"))
        .collect();
    assert!(unreachable.is_empty(), "{unreachable:?}");
    assert_eq!(report["nodes"].as_array().unwrap().len(), 5);
}

#[test]
fn replica_moves_its_replication_link_to_tls() {
    let tmp = pki_dir();
    let pki = tmp.path();
    init(pki, &["--ip", "127.0.0.1"]).ok();
    let master = RedisServer::start();
    let replica = RedisServer::with(ServerOptions {
        replica_of: Some((master.port, None)),
        ..Default::default()
    });
    master.write_keys(10);
    let (master_tls, replica_tls) = (free_port(), free_port());
    let run = redisops(enable_args(&master, pki, "redis", master_tls)).ok();
    assert!(run.stdout.contains("tls-replication yes"), "{}", run.stdout);

    let mut args = enable_args(&replica, pki, "redis", replica_tls);
    args.extend(["--master-tls-port".to_string(), master_tls.to_string()]);
    redisops(&args).ok();
    let info = replica.cli(&["INFO", "replication"]);
    assert!(
        info.contains(&format!("master_port:{master_tls}")),
        "{info}"
    );
    assert!(info.contains("master_link_status:up"), "{info}");
    master.write_keys(20);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let out = redis_cli_tls(pki, replica_tls, &["GET", "key:19"]);
        if String::from_utf8_lossy(&out.stdout).trim() == "value-19" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not replicated: {out:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Every port of a plaintext group (data nodes and Sentinels).
fn group_ports(group: &SentinelGroup) -> Vec<u16> {
    let mut ports = vec![group.master.port];
    ports.extend(group.replicas.iter().map(|r| r.port));
    ports.extend(group.sentinels.iter().map(|s| s.port));
    ports
}

/// An offset that puts every TLS port (port + offset) on a free port.
fn free_offset(ports: &[u16]) -> u16 {
    (1..1000u16)
        .find(|n| {
            ports.iter().all(|p| {
                p.checked_add(*n).is_some_and(|tp| {
                    !ports.contains(&tp) && std::net::TcpListener::bind(("127.0.0.1", tp)).is_ok()
                })
            })
        })
        .expect("a free offset")
}

/// `tls enable` for the group: one certificate per node, named by its port (`{port}.crt`,
/// copies of the fixture's 127.0.0.1 certificate).
fn group_enable_args(
    group: &SentinelGroup,
    fx: &TlsFixture,
    certs: &Path,
    offset: u16,
) -> Vec<String> {
    for port in group_ports(group) {
        std::fs::copy(&fx.server_cert, certs.join(format!("{port}.crt"))).unwrap();
        std::fs::copy(&fx.server_key, certs.join(format!("{port}.key"))).unwrap();
    }
    let mut args = vec![
        "--target".to_string(),
        group.url(),
        "tls".into(),
        "enable".into(),
        "--server-cert".into(),
        p(certs, "{port}.crt"),
        "--server-key".into(),
        p(certs, "{port}.key"),
        "--server-ca".into(),
        fx.ca.display().to_string(),
        "--tls-port-offset".into(),
        offset.to_string(),
    ];
    args.extend(verify_flags(fx.ca.parent().unwrap()));
    args
}

/// redis-cli over TLS with the fixture's CA and client certificate (same file names as
/// `tls init`).
fn fx_cli(fx: &TlsFixture, port: u16, args: &[&str]) -> String {
    let out = redis_cli_tls(fx.ca.parent().unwrap(), port, args);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn refuses(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn sentinel_group_dry_run_shows_the_plan_and_changes_nothing() {
    let fx = TlsFixture::new();
    let group = SentinelGroup::start(2, None);
    let certs = pki_dir();
    let offset = free_offset(&group_ports(&group));
    let confs: Vec<String> = group
        .sentinels
        .iter()
        .map(|s| std::fs::read_to_string(&s.conf_file).unwrap())
        .collect();
    let mut args = group_enable_args(&group, &fx, certs.path(), offset);
    args.extend(["--disable-plaintext".to_string(), "--dry-run".into()]);
    let run = redisops(&args).ok();
    let s0 = group.sentinels[0].port;
    for want in [
        format!(
            "Sentinel 127.0.0.1:{s0}: TLS on port {}, restart",
            s0 + offset
        ),
        format!("REPLICAOF 127.0.0.1 {}", group.master.port + offset),
        format!(
            "tls-cert-file {}",
            p(certs.path(), &format!("{}.crt", group.master.port))
        ),
        "SENTINEL RESET mymaster".into(),
        format!(
            "sentinel monitor mymaster 127.0.0.1 {} 2",
            group.master.port + offset
        ),
        "tls-replication yes".into(),
        "CONFIG SET port 0".into(),
    ] {
        assert!(run.stdout.contains(&want), "{want}:\n{}", run.stdout);
    }
    assert_eq!(
        group.master.cli(&["CONFIG", "GET", "tls-port"]),
        "tls-port\n0"
    );
    for (s, before) in group.sentinels.iter().zip(&confs) {
        assert_eq!(&std::fs::read_to_string(&s.conf_file).unwrap(), before);
        assert_eq!(s.cli(&["PING"]), "PONG");
    }
}

#[test]
fn sentinel_group_moves_to_tls_only_and_fails_over() {
    let fx = TlsFixture::new();
    let group = SentinelGroup::start(2, None);
    group.master.write_keys(100);
    group.wait_discovered();
    let digest = group.master.digest();
    let certs = pki_dir();
    let offset = free_offset(&group_ports(&group));
    let mut args = group_enable_args(&group, &fx, certs.path(), offset);
    args.extend(["--disable-plaintext".to_string(), "--yes".into()]);
    let run = redisops(&args);
    assert_eq!(
        run.code,
        0,
        "stdout:\n{}\nstderr:\n{}\nsentinel log:\n{}",
        run.stdout,
        run.stderr,
        group.sentinels[0].log()
    );
    assert!(run.stdout.contains("rediss-sentinel://"), "{}", run.stdout);

    let master_tls = group.master.port + offset;
    for r in &group.replicas {
        let info = fx_cli(&fx, r.port + offset, &["INFO", "replication"]);
        assert!(info.contains("master_link_status:up"), "{info}");
        assert!(
            info.contains(&format!("master_port:{master_tls}")),
            "{info}"
        );
        assert_eq!(fx_cli(&fx, r.port + offset, &["DEBUG", "DIGEST"]), digest);
    }
    assert_eq!(fx_cli(&fx, master_tls, &["DBSIZE"]), "100");
    for s in &group.sentinels {
        let tp = s.port + offset;
        assert_eq!(
            fx_cli(
                &fx,
                tp,
                &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]
            ),
            format!("127.0.0.1\n{master_tls}")
        );
        let ok = fx_cli(&fx, tp, &["SENTINEL", "CKQUORUM", "mymaster"]);
        assert!(ok.starts_with("OK"), "{ok}");
    }
    for port in group_ports(&group) {
        assert!(refuses(port), "plaintext port {port} still open");
    }

    // A failover over TLS: a replica becomes master and every Sentinel says so.
    let s0 = group.sentinels[0].port + offset;
    assert_eq!(fx_cli(&fx, s0, &["SENTINEL", "FAILOVER", "mymaster"]), "OK");
    let replica_ports: Vec<String> = group
        .replicas
        .iter()
        .map(|r| format!("127.0.0.1\n{}", r.port + offset))
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let answers: Vec<String> = group
            .sentinels
            .iter()
            .map(|s| {
                fx_cli(
                    &fx,
                    s.port + offset,
                    &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
                )
            })
            .collect();
        if replica_ports.contains(&answers[0]) && answers.iter().all(|a| *a == answers[0]) {
            let port: u16 = answers[0].lines().nth(1).unwrap().parse().unwrap();
            let role = fx_cli(&fx, port, &["ROLE"]);
            if role.starts_with("master") {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no agreed failover within 60 s: {answers:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// A plaintext group with one replica and the `tls enable --yes` arguments for it.
fn one_replica_group() -> (
    TlsFixture,
    SentinelGroup,
    tempfile::TempDir,
    u16,
    Vec<String>,
) {
    let fx = TlsFixture::new();
    let group = SentinelGroup::start(1, None);
    let certs = pki_dir();
    let offset = free_offset(&group_ports(&group));
    let mut args = group_enable_args(&group, &fx, certs.path(), offset);
    args.push("--yes".into());
    (fx, group, certs, offset, args)
}

/// Runs `tls enable`, which must stop at the first Sentinel (exit 31) and restart it as before.
fn fails_and_puts_the_sentinel_back(args: &[String]) -> crate::harness::Run {
    let run = redisops(args);
    assert_eq!(run.code, 31, "{}", run.stderr);
    assert!(
        run.stderr.contains("previous configuration"),
        "{}",
        run.stderr
    );
    run
}

#[test]
fn sentinel_group_stops_at_a_sentinel_that_cannot_start_and_puts_it_back() {
    let (fx, group, certs, offset, mut args) = one_replica_group();
    let s0 = &group.sentinels[0];
    let conf_before = std::fs::read_to_string(&s0.conf_file).unwrap();
    // The first Sentinel's certificate is missing: it cannot start with the TLS block.
    std::fs::remove_file(certs.path().join(format!("{}.crt", s0.port))).unwrap();
    let run = fails_and_puts_the_sentinel_back(&args);
    assert!(
        run.stderr.contains("run the same command again"),
        "{}",
        run.stderr
    );
    // Back on its plaintext port with its old settings, and the group still agrees.
    assert_eq!(s0.cli(&["PING"]), "PONG");
    let conf = std::fs::read_to_string(&s0.conf_file).unwrap();
    assert!(!conf.contains("tls-port"), "{conf}");
    assert!(
        conf.contains(&format!("port {}", s0.port)),
        "{conf_before}\n{conf}"
    );
    for s in &group.sentinels {
        assert_eq!(
            s.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]),
            format!("127.0.0.1\n{}", group.master.port)
        );
    }
    // The data nodes kept their plaintext ports next to the new TLS ports.
    assert_eq!(group.replicas[0].cli(&["PING"]), "PONG");
    assert_eq!(fx_cli(&fx, group.master.port + offset, &["PING"]), "PONG");

    // Fixed, the same command finishes the job and skips what is done, this time with the
    // operator's stop/start commands. Without --disable-plaintext the plaintext ports stay,
    // and Sentinel hands out the TLS port.
    std::fs::copy(
        &fx.server_cert,
        certs.path().join(format!("{}.crt", s0.port)),
    )
    .unwrap();
    for s in &group.sentinels {
        let link = certs.path().join(format!("{}.conf", s.port));
        std::os::unix::fs::symlink(&s.conf_file, link).unwrap();
    }
    args.extend([
        "--sentinel-stop-cmd".to_string(),
        "redis-cli -p {port} SHUTDOWN".into(),
        "--sentinel-start-cmd".into(),
        format!(
            "redis-sentinel \"$(readlink -f {}/{{port}}.conf)\" --daemonize yes",
            certs.path().display()
        ),
    ]);
    let run = redisops(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("open TLS port"), "{}", run.stdout);
    let stop = format!("stop: sh -c 'redis-cli -p {} SHUTDOWN'", s0.port);
    assert!(run.stdout.contains(&stop), "{}", run.stdout);
    assert!(run.stderr.contains("dual-port phase"), "{}", run.stderr);
    let master_tls = group.master.port + offset;
    for s in &group.sentinels {
        assert_eq!(
            s.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]),
            format!("127.0.0.1\n{master_tls}")
        );
    }
    let info = group.replicas[0].cli(&["INFO", "replication"]);
    assert!(
        info.contains(&format!("master_port:{master_tls}")),
        "{info}"
    );
    assert!(info.contains("master_link_status:up"), "{info}");
}

#[test]
fn single_node_tls_port_offset_and_path_templates() {
    let tmp = pki_dir();
    let pki = tmp.path();
    let server = RedisServer::start();
    // `tls init --node <port>=…` names the files by the node's port, as {port} expects.
    let name = server.port.to_string();
    init(pki, &["--node", &format!("{name}=127.0.0.1")]).ok();
    let offset = free_offset(&[server.port]);
    let mut args = enable_args(&server, pki, "{port}", 0);
    let pos = args.iter().position(|a| a == "--tls-port").unwrap();
    args.splice(
        pos..pos + 2,
        ["--tls-port-offset".to_string(), offset.to_string()],
    );
    redisops(&args).ok();
    let tls_port = server.port + offset;
    assert_eq!(
        String::from_utf8_lossy(&redis_cli_tls(pki, tls_port, &["PING"]).stdout).trim(),
        "PONG"
    );
    assert_eq!(
        server.cli(&["CONFIG", "GET", "tls-cert-file"]),
        format!("tls-cert-file\n{}", p(pki, &format!("{name}.crt")))
    );
}

#[test]
fn sentinel_group_stops_a_sentinel_redisops_cannot_verify_and_puts_it_back() {
    let (_fx, group, certs, offset, args) = one_replica_group();
    // The first Sentinel gets a certificate from another CA: it starts, but redisops (and
    // every client of the group's CA) cannot verify it.
    let other = pki_dir();
    init(other.path(), &["--node", "stranger=127.0.0.1"]).ok();
    let s0 = &group.sentinels[0];
    for ext in ["crt", "key"] {
        std::fs::copy(
            other.path().join(format!("stranger.{ext}")),
            certs.path().join(format!("{}.{ext}", s0.port)),
        )
        .unwrap();
    }
    fails_and_puts_the_sentinel_back(&args);
    // The Sentinel with the new file was stopped: the old one serves on its port again, and
    // nothing listens on the TLS port.
    assert_eq!(s0.cli(&["PING"]), "PONG");
    assert!(refuses(s0.port + offset));
    let conf = std::fs::read_to_string(&s0.conf_file).unwrap();
    assert!(!conf.contains("tls-port"), "{conf}");
}

#[test]
fn sigint_mid_enable_rolls_back_and_exits_130() {
    let tmp = pki_dir();
    let pki = tmp.path();
    init(pki, &["--dns", "localhost", "--ip", "127.0.0.1"]).ok();
    let server = RedisServer::start();
    let before = server.cli(&["CONFIG", "GET", "tls-*"]);
    let tls_port = free_port();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = crate::harness::redisops_cmd();
    // The test-only hook (feature fault-injection) sends SIGINT right after step 1, which
    // opens the TLS port.
    cmd.env("XDG_STATE_HOME", state.path())
        .env("REDISOPS_TEST_SIGNAL_AFTER_STEP", "1")
        .args(enable_args(&server, pki, "redis", tls_port));
    let run = crate::harness::run_cmd(cmd);
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr.contains("interrupted by a signal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert!(refuses(tls_port), "the TLS port is still open");
    assert_eq!(server.cli(&["CONFIG", "GET", "tls-*"]), before);
    assert_eq!(server.cli(&["PING"]), "PONG");
    let journal = only_journal(state.path());
    assert_eq!(journal["state"], "rolled back", "{journal:#}");
}

/// The one journal in `$XDG_STATE_HOME/redisops`.
fn only_journal(state: &Path) -> serde_json::Value {
    let journals: Vec<_> = std::fs::read_dir(state.join("redisops"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    serde_json::from_str(&std::fs::read_to_string(&journals[0]).unwrap()).unwrap()
}
