//! `redisops harden apply` against real servers: a deliberately weak server hardened until
//! the audit has nothing at or above medium, idempotence, renamed commands with a restart,
//! a refusal that changes nothing, and a Sentinel group that still fails over afterwards.

use crate::harness::{RedisServer, Run, SentinelGroup, ServerOptions, TlsFixture, redisops};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn password(secrets: &Path, user: &str) -> String {
    std::fs::read_to_string(secrets.join(format!("{user}.password")))
        .unwrap()
        .trim()
        .to_string()
}

/// redis-cli to `port` as `user` (None: no credentials); stdout and stderr together.
fn cli(port: u16, login: Option<(&str, &str)>, args: &[&str]) -> String {
    let mut cmd = Command::new("redis-cli");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()]);
    if let Some((user, pw)) = login {
        cmd.args(["--user", user]).env("REDISCLI_AUTH", pw);
    }
    let out = cmd.args(args).output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .trim()
    .to_string()
}

/// `redisops -p PORT harden apply --secrets-dir SECRETS EXTRA…`
pub fn apply(port: u16, secrets: &Path, extra: &[&str]) -> Run {
    let port = port.to_string();
    let mut args = vec![
        "-p",
        &port,
        "harden",
        "apply",
        "--secrets-dir",
        secrets.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    redisops(args)
}

/// `harden audit --json` of `target` (connection flags) as the admin of the secrets directory.
pub(crate) fn audit_as_admin(target: &[&str], secrets: &Path) -> Run {
    let pw = secrets.join("admin.password");
    let mut args: Vec<&str> = target.to_vec();
    args.extend(["--user", "admin", "--password-file", pw.to_str().unwrap()]);
    args.extend(["harden", "audit", "--json"]);
    redisops(args)
}

/// Every ID at or above medium in an audit made as the admin, and the report.
pub(crate) fn serious_findings(port: u16, secrets: &Path) -> (BTreeSet<String>, serde_json::Value) {
    let report = audit_as_admin(&["-p", &port.to_string()], secrets).json();
    (crate::audit::serious_ids(&report), report)
}

#[test]
fn weak_server_is_hardened_verified_persisted_and_idempotent() {
    let mut server = crate::audit::weak_server(true);
    server.write_keys(50);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    // The plan alone changes nothing; it warns about a client still on the default user.
    let client = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let dry = apply(
        server.port,
        &secrets,
        &["--dry-run", "--bind", "127.0.0.1,-::1", "--restart"],
    )
    .ok();
    assert!(
        dry.stdout.contains("ACL SETUSER default reset"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("masterauth <password of replication>"));
    assert!(
        dry.stdout
            .contains("1 client(s) logged in as the default user"),
        "{}",
        dry.stdout
    );
    drop(client);
    assert!(!secrets.join("admin.password").exists());
    assert!(cli(server.port, None, &["PING"]).contains("PONG"));

    let run = apply(
        server.port,
        &secrets,
        &["--yes", "--bind", "127.0.0.1,-::1", "--restart"],
    );
    let run = run.ok();
    assert!(
        run.stdout.contains("app.password  applications"),
        "{}",
        run.stdout
    );
    let admin = password(&secrets, "admin");
    let app = password(&secrets, "app");
    for secret in [&admin, &app] {
        assert!(!run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()));
    }
    assert_eq!(mode(&secrets), 0o700);
    for user in ["admin", "app", "replication", "backup", "monitoring"] {
        assert_eq!(
            mode(&secrets.join(format!("{user}.password"))),
            0o600,
            "{user}"
        );
    }
    server.login("admin", &admin);

    // The admin's credentials work; the data is intact across apply's restart.
    assert_eq!(server.cli(&["DBSIZE"]), "50");
    // The default user is closed: no command, no FLUSHALL, no CONFIG.
    for cmd in [&["PING"][..], &["FLUSHALL"], &["CONFIG", "GET", "dir"]] {
        assert!(cli(server.port, None, cmd).contains("NOAUTH"), "{cmd:?}");
    }
    assert!(cli(server.port, Some(("default", "")), &["PING"]).contains("WRONGPASS"));
    // The application reads and writes, but may not run dangerous commands.
    let app_login = Some(("app", app.as_str()));
    assert_eq!(cli(server.port, app_login, &["SET", "k", "v"]), "OK");
    assert_eq!(cli(server.port, app_login, &["GET", "k"]), "v");
    for cmd in [&["FLUSHALL"][..], &["CONFIG", "GET", "dir"], &["KEYS", "*"]] {
        assert!(
            cli(server.port, app_login, cmd).contains("NOPERM"),
            "{cmd:?}"
        );
    }
    // The file-only directives took effect with the restart.
    assert_eq!(
        cli(
            server.port,
            Some(("admin", &admin)),
            &["CONFIG", "GET", "enable-debug-command"]
        ),
        "enable-debug-command\nno"
    );
    // The config file holds hashes, not passwords, and is private again.
    let conf = std::fs::read_to_string(&server.conf_file).unwrap();
    assert!(
        !conf.contains(&admin) && conf.contains("user admin on #"),
        "{conf}"
    );
    assert_eq!(mode(&server.conf_file), 0o600);
    let (serious, report) = serious_findings(server.port, &secrets);
    assert!(serious.is_empty(), "{report:#}");

    // Everything survives a restart (the harness' SHUTDOWN does not save: the data is what
    // apply's own restart saved).
    server.restart();
    assert!(cli(server.port, None, &["PING"]).contains("NOAUTH"));
    assert_eq!(cli(server.port, app_login, &["GET", "key:7"]), "value-7");
    let (serious, report) = serious_findings(server.port, &secrets);
    assert!(serious.is_empty(), "{report:#}");

    // A second run logs in as the admin from the secrets directory and changes nothing.
    let again = apply(
        server.port,
        &secrets,
        &["--yes", "--bind", "127.0.0.1,-::1", "--json"],
    )
    .ok();
    assert_eq!(again.json()["changed"], false, "{}", again.stdout);
    assert_eq!(password(&secrets, "admin"), admin);
}

#[test]
fn renamed_commands_work_under_their_new_names_after_the_restart() {
    let mut server = RedisServer::with(ServerOptions {
        unprivileged: true,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let run = apply(
        server.port,
        &secrets,
        &[
            "--rename-commands",
            "FLUSHALL,KEYS=KEYS_LISTED",
            "--restart",
            "--yes",
        ],
    );
    run.ok();
    let admin = password(&secrets, "admin");
    server.login("admin", &admin);
    let renamed = std::fs::read_to_string(secrets.join("renamed-commands")).unwrap();
    let flushall = renamed
        .lines()
        .find_map(|l| l.strip_prefix("FLUSHALL "))
        .unwrap()
        .to_string();
    assert!(flushall.starts_with("FLUSHALL_"), "{renamed}");
    assert_eq!(mode(&secrets.join("renamed-commands")), 0o600);
    let conf = std::fs::read_to_string(&server.conf_file).unwrap();
    assert!(
        conf.contains(&format!("rename-command FLUSHALL {flushall}")),
        "{conf}"
    );
    assert!(conf.contains("rename-command KEYS KEYS_LISTED"), "{conf}");

    let login = Some(("admin", admin.as_str()));
    assert!(cli(server.port, login, &["FLUSHALL"]).contains("unknown command"));
    assert_eq!(cli(server.port, login, &["SET", "a", "1"]), "OK");
    assert_eq!(cli(server.port, login, &["KEYS_LISTED", "*"]), "a");
    assert_eq!(cli(server.port, login, &[&flushall]), "OK");
    assert_eq!(cli(server.port, login, &["DBSIZE"]), "0");
}

#[test]
fn refuses_and_changes_nothing_when_new_credentials_cannot_be_verified() {
    // A server at its client limit: redisops' own connection fits, a fresh one does not.
    let server = RedisServer::with_conf(&["maxclients 1"]);
    let conf_before = std::fs::read_to_string(&server.conf_file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    apply(server.port, &secrets, &["--yes"])
        .fails(30, &["could not verify the new credentials", "rolled back"]);
    assert_eq!(
        server.cli(&["ACL", "LIST"]),
        "user default on nopass ~* &* +@all"
    );
    assert_eq!(
        std::fs::read_to_string(&server.conf_file).unwrap(),
        conf_before
    );
    assert!(!secrets.join("admin.password").exists());
}

#[test]
fn restricted_default_user_keeps_its_password_and_the_file_keeps_its_comments() {
    let mut server = RedisServer::with(ServerOptions {
        unprivileged: true,
        password: Some("an-old-shared-requirepass".into()),
        conf: vec!["# kept: a comment the operator wrote".into()],
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let mut cmd = crate::harness::redisops_cmd();
    cmd.env("REDISCLI_AUTH", "an-old-shared-requirepass").args([
        "-p",
        &server.port.to_string(),
        "harden",
        "apply",
        "--secrets-dir",
        secrets.to_str().unwrap(),
        "--default-user",
        "restrict",
        "--edit-config-file",
        "--yes",
    ]);
    let run = crate::harness::run_cmd(cmd);
    run.ok();
    let old = Some(("default", "an-old-shared-requirepass"));
    assert_eq!(cli(server.port, old, &["SET", "x", "1"]), "OK");
    assert!(cli(server.port, old, &["FLUSHALL"]).contains("NOPERM"));
    let conf = std::fs::read_to_string(&server.conf_file).unwrap();
    assert!(
        conf.contains("# kept: a comment the operator wrote"),
        "{conf}"
    );
    assert!(
        conf.contains("user admin on #") && conf.contains("user default on #"),
        "{conf}"
    );
    assert!(!conf.contains("Generated by CONFIG REWRITE"), "{conf}");
    assert_eq!(mode(&server.conf_file), 0o600);
    let backups: Vec<_> = std::fs::read_dir(server.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".redisops-"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup copy of redis.conf");
    // The file alone brings the same state back.
    server.login("admin", &password(&secrets, "admin"));
    server.restart();
    assert!(cli(server.port, old, &["FLUSHALL"]).contains("NOPERM"));
    assert!(cli(server.port, None, &["PING"]).contains("NOAUTH"));
}

#[test]
fn applies_over_tls_with_a_client_certificate() {
    let fixture = Arc::new(TlsFixture::new());
    let mut server = RedisServer::with(ServerOptions {
        tls: Some(fixture.clone()),
        unprivileged: true,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let mut args = vec!["--target".to_string(), server.url()];
    args.extend(fixture.client_args());
    args.extend(
        [
            "harden",
            "apply",
            "--secrets-dir",
            secrets.to_str().unwrap(),
            "--yes",
        ]
        .map(String::from),
    );
    let run = redisops(&args);
    run.ok();
    // The harness' redis-cli speaks TLS with the fixture: without a login it is refused.
    let out = server.cli_output(&["PING"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("NOAUTH"),
        "{out:?}"
    );
    server.login("admin", &password(&secrets, "admin"));
    assert_eq!(server.cli(&["ACL", "WHOAMI"]), "admin");
    let again = redisops(&args);
    assert!(
        again.stdout.contains("Nothing to change"),
        "{}",
        again.stdout
    );
}

/// `SENTINEL GET-MASTER-ADDR-BY-NAME` from every Sentinel, as the admin.
fn masters_seen(group: &SentinelGroup, admin: &str) -> Vec<String> {
    group
        .sentinels
        .iter()
        .map(|s| {
            cli(
                s.port,
                Some(("admin", admin)),
                &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &group.name],
            )
            .replace('\n', ":")
        })
        .collect()
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn sentinel_group_is_hardened_and_still_fails_over() {
    let group = SentinelGroup::start(2, None);
    group.master.write_keys(20);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let apply = || {
        redisops([
            "--target",
            &group.url(),
            "harden",
            "apply",
            "--secrets-dir",
            secrets.to_str().unwrap(),
            "--yes",
        ])
    };
    let run = apply();
    run.ok();
    let admin = password(&secrets, "admin");
    let login = Some(("admin", admin.as_str()));

    // No node accepts unauthenticated commands.
    let nodes: Vec<u16> = std::iter::once(group.master.port)
        .chain(group.replicas.iter().map(|r| r.port))
        .chain(group.sentinels.iter().map(|s| s.port))
        .collect();
    for port in &nodes {
        assert!(
            cli(*port, None, &["PING"]).contains("NOAUTH"),
            "port {port}"
        );
    }
    // Replication links are up and every Sentinel agrees on the master.
    for r in &group.replicas {
        assert!(cli(r.port, login, &["INFO", "replication"]).contains("master_link_status:up"));
    }
    let master = format!("127.0.0.1:{}", group.master.port);
    assert!(masters_seen(&group, &admin).iter().all(|m| *m == master));

    // The audit finds no way in and nothing that would break a failover.
    let pw = secrets.join("admin.password");
    let pw = pw.to_str().unwrap();
    let audit = redisops([
        "--target",
        &group.url(),
        "--user",
        "admin",
        "--password-file",
        pw,
        "--sentinel-user",
        "admin",
        "--sentinel-password-file",
        pw,
        "harden",
        "audit",
        "--json",
    ]);
    let report = audit.json();
    let ids: Vec<&str> = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["findings"].as_array().unwrap().iter())
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "NET-01", "NET-02", "AUTH-01", "AUTH-03", "ACL-01", "REPL-01", "SENT-01", "SENT-02",
        "SENT-03",
    ] {
        assert!(!ids.contains(&id), "{id} still reported: {report:#}");
    }

    // Applying again changes nothing.
    let again = apply();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("Nothing to change"),
        "{}",
        again.stdout
    );

    // A forced failover still works: the Sentinels may log in and reconfigure the nodes.
    assert_eq!(
        cli(
            group.sentinels[0].port,
            login,
            &["SENTINEL", "FAILOVER", &group.name]
        ),
        "OK"
    );
    wait_until("a new master all Sentinels agree on", || {
        let seen = masters_seen(&group, &admin);
        seen.iter().all(|m| *m == seen[0] && *m != master)
    });
    let new_master = masters_seen(&group, &admin)[0].clone();
    let new_port: u16 = new_master.rsplit(':').next().unwrap().parse().unwrap();
    wait_until("every other node to replicate from the new master", || {
        nodes[..3].iter().filter(|p| **p != new_port).all(|p| {
            let info = cli(*p, login, &["INFO", "replication"]);
            info.contains(&format!("master_port:{new_port}"))
                && info.contains("master_link_status:up")
        })
    });
    assert_eq!(cli(new_port, login, &["DBSIZE"]), "20");
}

#[test]
fn sigint_mid_apply_on_a_sentinel_group_rolls_everything_back() {
    let group = SentinelGroup::start(1, None);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "--target".to_string(),
            group.url(),
            "harden".into(),
            "apply".into(),
            "--secrets-dir".into(),
            secrets.to_str().unwrap().into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    // Signal right after the Sentinels got their new auth: users, masterauth and Sentinel
    // auth are all changed by then.
    let dry = redisops(args(&["--dry-run", "--json"])).json();
    let steps = dry["plan"]["steps"].as_array().unwrap();
    let after = steps
        .iter()
        .rposition(|s| s["action"] == "sentinel_set")
        .expect("the plan gives the Sentinels a user")
        + 1;
    assert!(after < steps.len(), "{dry:#}");
    let nodes: Vec<&crate::harness::RedisServer> = std::iter::once(&group.master)
        .chain(&group.replicas)
        .chain(&group.sentinels)
        .collect();
    let acls = || -> Vec<String> {
        nodes
            .iter()
            .map(|n| cli(n.port, None, &["ACL", "LIST"]))
            .collect()
    };
    let masterauth = || -> Vec<String> {
        group
            .replicas
            .iter()
            .map(|r| cli(r.port, None, &["CONFIG", "GET", "masterauth"]))
            .collect()
    };
    let (acl_before, auth_before) = (acls(), masterauth());
    let sentinel_auth = || -> Vec<bool> {
        group
            .sentinels
            .iter()
            .map(|s| {
                std::fs::read_to_string(s.dir().join("sentinel.conf"))
                    .unwrap()
                    .contains(" auth-")
            })
            .collect()
    };
    assert!(sentinel_auth().iter().all(|a| !a));

    let mut cmd = crate::harness::redisops_cmd();
    cmd.env("REDISOPS_TEST_SIGNAL_AFTER_STEP", after.to_string())
        .args(args(&["--yes"]));
    crate::harness::run_cmd(cmd).fails(130, &["interrupted by a signal", "rolled back"]);

    assert_eq!(acls(), acl_before);
    assert_eq!(masterauth(), auth_before);
    assert!(
        sentinel_auth().iter().all(|a| !a),
        "a Sentinel keeps its new auth"
    );
    // The group works as before: links up, every Sentinel sees the master with quorum.
    for r in &group.replicas {
        wait_until("the replication link", || {
            cli(r.port, None, &["INFO", "replication"]).contains("master_link_status:up")
        });
    }
    for s in &group.sentinels {
        wait_until("CKQUORUM", || {
            cli(s.port, None, &["SENTINEL", "CKQUORUM", &group.name]).starts_with("OK")
        });
    }
    // No new password was kept.
    assert!(!secrets.join("admin.password").exists());
}

#[test]
fn restart_waits_for_a_load_longer_than_30_seconds() {
    // 36 000 keys at 1 ms each: the restarted server loads for about 36 s, answering
    // (INFO: loading:1) every KiB read.
    let server = RedisServer::with(ServerOptions {
        unprivileged: true,
        conf: vec![
            "key-load-delay 1000".into(),
            "loading-process-events-interval-bytes 1024".into(),
        ],
        ..Default::default()
    });
    server.write_keys(36_000);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let run = apply(
        server.port,
        &secrets,
        &[
            "--rename-commands",
            "KEYS=KEYS_LISTED",
            "--restart",
            "--yes",
        ],
    );
    let run = run.ok();
    assert!(run.stderr.contains("loading:"), "{}", run.stderr);
    let admin = password(&secrets, "admin");
    let login = Some(("admin", admin.as_str()));
    assert_eq!(cli(server.port, login, &["DBSIZE"]), "36000");
    assert!(cli(server.port, login, &["INFO", "persistence"]).contains("loading:0"));
}
