//! `redisops backup` end to end against real servers: both methods over TCP, TLS and unix
//! sockets, AOF, a BGSAVE already running, Sentinel replicas, and every failure that must
//! leave no archive behind (failed save, server killed mid-stream, full disk, lock, kill -9).

use crate::harness::{
    RedisServer, Run, SentinelGroup, ServerOptions, TlsFixture, redisops, redisops_cmd, run_cmd,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A repository and an age key pair made with `redisops keygen`.
pub struct Repo {
    pub dir: TempDir,
    pub identity: PathBuf,
    pub recipient: String,
}

impl Repo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let identity = dir.path().join("key.txt");
        let run = redisops(["keygen", "--output", identity.to_str().unwrap()]).ok();
        let recipient = run.stdout.trim().to_string();
        assert!(recipient.starts_with("age1"), "{recipient}");
        Self {
            dir,
            identity,
            recipient,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// `backup` with the repository and recipient, plus `extra` arguments.
    pub fn backup_args(&self, target: &[String], extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = target.to_vec();
        args.extend([
            "backup".into(),
            "--repo".into(),
            self.path().display().to_string(),
        ]);
        args.extend([
            "--recipient".into(),
            self.recipient.clone(),
            "--json".into(),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    pub fn backup(&self, target: &[String], extra: &[&str]) -> Run {
        redisops(self.backup_args(target, extra))
    }

    pub fn list(&self) -> serde_json::Value {
        redisops(["list", "--repo", self.path().to_str().unwrap(), "--json"])
            .ok()
            .json()
    }

    /// Files in the repository's target folders (archives, manifests, temporaries).
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        for target in std::fs::read_dir(self.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if target.path().is_dir() {
                for f in std::fs::read_dir(target.path()).unwrap().flatten() {
                    let name = f.file_name().to_string_lossy().into_owned();
                    if name != ".lock" {
                        out.push(name);
                    }
                }
            }
        }
        out
    }

    /// Waits until a backup has started writing its archive.
    pub fn wait_for_temporary(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.files().iter().any(|f| f.starts_with(".tmp-")) {
            assert!(
                Instant::now() < deadline,
                "the backup never started writing"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Decrypts and decompresses an archive with the real age and gunzip.
    pub fn decrypt_with_age(&self, archive: &Path) -> Vec<u8> {
        let mut age = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&self.identity)
            .arg(archive)
            .stdout(Stdio::piped())
            .spawn()
            .expect("age is required: apt-get install age");
        let out = Command::new("gunzip")
            .arg("-c")
            .stdin(age.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(age.wait().unwrap().success(), "age -d failed");
        assert!(out.status.success(), "gunzip failed");
        out.stdout
    }
}

fn port_args(server: &RedisServer) -> Vec<String> {
    vec!["-p".into(), server.port.to_string()]
}

fn redis_check_rdb_accepts(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restored.rdb");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("redis-check-rdb").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "{text}"
    );
}

#[test]
fn bgsave_archive_is_the_servers_rdb() {
    let server = RedisServer::start();
    server.populate(5000);
    server.cli(&["SET", "ttl-key", "v", "EX", "3600"]);
    let repo = Repo::new();
    let json = repo
        .backup(&port_args(&server), &["--method", "bgsave"])
        .ok()
        .json();
    let m = &json["backup"];
    assert_eq!(m["method"], "bgsave");
    assert_eq!(m["target"]["role"], "master");
    assert_eq!(m["databases"]["0"]["keys"], 5001);
    assert_eq!(m["databases"]["0"]["expires"], 1);
    assert_eq!(m["rdb"]["checksum_verified"], true);
    assert_eq!(m["archive"]["encryption"], "age-x25519");
    assert_eq!(m["archive"]["recipients"][0], repo.recipient.as_str());
    let archive = PathBuf::from(json["archive_path"].as_str().unwrap());
    assert!(archive.to_str().unwrap().ends_with(".rdb.gz.age"));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&archive).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let rdb = repo.decrypt_with_age(&archive);
    let dump = std::fs::read(server.dir().join("dump.rdb")).unwrap();
    assert_eq!(
        rdb, dump,
        "the archive holds exactly the server's dump file"
    );
    redis_check_rdb_accepts(&rdb);

    let listed = repo.list();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], m["id"]);
}

#[test]
fn sync_over_tcp_tls_and_unix() {
    let fx = Arc::new(TlsFixture::new());
    let tls = RedisServer::with(ServerOptions {
        tls: Some(fx.clone()),
        unix_socket: true,
        ..Default::default()
    });
    tls.populate(2000);
    let repo = Repo::new();

    let mut target = vec!["--target".to_string(), tls.url()];
    target.extend(fx.client_args());
    let json = repo.backup(&target, &["--method", "sync"]).ok().json();
    assert_eq!(json["backup"]["method"], "sync");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 2000);
    let rdb = repo.decrypt_with_age(Path::new(json["archive_path"].as_str().unwrap()));
    redis_check_rdb_accepts(&rdb);

    // auto on a local server reads the dump file, over TLS too.
    let json = repo.backup(&target, &[]).ok().json();
    assert_eq!(json["backup"]["method"], "bgsave");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 2000);

    let sock = tls.socket.clone().unwrap();
    let target = vec!["-s".to_string(), sock.display().to_string()];
    let json = repo.backup(&target, &["--method", "sync"]).ok().json();
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 2000);

    let plain = RedisServer::start();
    plain.populate(10);
    let json = repo
        .backup(&port_args(&plain), &["--method", "sync"])
        .ok()
        .json();
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 10);
    // auto on a local server reads the dump file.
    let json = repo.backup(&port_args(&plain), &[]).ok().json();
    assert_eq!(json["backup"]["method"], "bgsave");
}

#[test]
fn aof_on_both_methods() {
    let server = RedisServer::with_conf(&["appendonly yes"]);
    server.populate(300);
    let repo = Repo::new();
    for method in ["bgsave", "sync"] {
        let json = repo
            .backup(&port_args(&server), &["--method", method])
            .ok()
            .json();
        assert_eq!(json["backup"]["databases"]["0"]["keys"], 300, "{method}");
    }
}

#[test]
fn waits_for_a_running_replication_fork() {
    // A slow diskless full sync to a replica holds the only RDB child.
    let master = RedisServer::with_conf(&["rdb-key-save-delay 200"]);
    master.populate(10_000);
    let _replica = RedisServer::with(ServerOptions {
        replica_of: Some((master.port, None)),
        ..Default::default()
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !master
        .cli(&["INFO", "persistence"])
        .contains("rdb_bgsave_in_progress:1")
    {
        assert!(Instant::now() < deadline, "replica sync never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    master.cli(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    let repo = Repo::new();
    let json = repo
        .backup(&port_args(&master), &["--method", "bgsave"])
        .ok()
        .json();
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 10_000);
}

#[test]
fn sentinel_backs_up_from_a_replica() {
    let group = SentinelGroup::start(1, None);
    group.master.write_keys(50);
    let replica = &group.replicas[0];
    let deadline = Instant::now() + Duration::from_secs(20);
    while replica.cli(&["DBSIZE"]) != "50" {
        assert!(Instant::now() < deadline, "replica never caught up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let repo = Repo::new();
    let target = vec!["--target".to_string(), group.url()];
    let json = repo.backup(&target, &["--from", "replica"]).ok().json();
    assert_eq!(json["backup"]["target"]["role"], "slave");
    assert_eq!(json["backup"]["target"]["port"], replica.port);
    assert_eq!(json["backup"]["target"]["sentinel_master"], "mymaster");
    let name = json["backup"]["target"]["name"].as_str().unwrap();
    assert!(name.starts_with("mymaster-127.0.0.1:"), "{name}");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 50);
    let json = repo.backup(&target, &["--from", "master"]).ok().json();
    assert_eq!(json["backup"]["target"]["role"], "master");
}

#[test]
fn failed_bgsave_leaves_nothing() {
    let server = RedisServer::start();
    server.populate(100);
    // A directory where the dump file goes makes the save's final rename fail, even for root.
    std::fs::create_dir(server.dir().join("dump.rdb")).unwrap();
    let repo = Repo::new();
    let run = repo.backup(&port_args(&server), &["--method", "bgsave"]);
    assert_eq!(run.code, 21, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not write its RDB"),
        "{}",
        run.stderr
    );
    assert!(repo.files().is_empty(), "{:?}", repo.files());
    // A failed first run creates no repository either (issue 10 item 6).
    assert!(!repo.path().exists(), "a repository was created");
}

/// A server whose RDB takes seconds to produce: 20 000 keys at 200 µs each.
fn slow_server() -> RedisServer {
    let server = RedisServer::with_conf(&["rdb-key-save-delay 200"]);
    server.populate(20_000);
    server
}

#[test]
fn server_killed_mid_stream_leaves_nothing() {
    let mut server = slow_server();
    let repo = Repo::new();
    let mut cmd = redisops_cmd();
    cmd.args(repo.backup_args(&port_args(&server), &["--method", "sync"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    repo.wait_for_temporary();
    server.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(21), "{stderr}");
    assert!(repo.files().is_empty(), "{:?}", repo.files());
}

#[test]
fn full_disk_leaves_nothing() {
    let server = RedisServer::start();
    server.populate(50_000);
    let repo = Repo::new();
    // How big the archive gets, so that the limits below also hit the very last writes
    // (age's final chunk, written during the commit).
    let json = repo
        .backup(&port_args(&server), &["--method", "sync"])
        .ok()
        .json();
    let size = json["backup"]["archive"]["size"].as_u64().unwrap();
    std::fs::remove_dir_all(repo.path()).unwrap();
    for limit in [64 * 1024, size / 2, size - 2000, size - 100] {
        std::fs::create_dir_all(repo.path()).unwrap();
        let mut cmd = redisops_cmd();
        cmd.args(repo.backup_args(&port_args(&server), &["--method", "sync"]));
        // A file size limit stands in for a full disk: writes fail with EFBIG.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
                Ok(())
            });
        }
        let run = run_cmd(cmd);
        assert_ne!(run.code, 0, "limit {limit}");
        assert!(
            run.stderr.contains("File too large"),
            "limit {limit}: {}",
            run.stderr
        );
        assert!(repo.files().is_empty(), "limit {limit}: {:?}", repo.files());
        // The empty directory stays empty: no marker, no target folder, no lock file.
        let left: Vec<_> = std::fs::read_dir(repo.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "limit {limit}: {left:?}");
        std::fs::remove_dir_all(repo.path()).unwrap();
    }
}

#[test]
fn refuses_unencrypted_without_no_encrypt() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let run = redisops([
        "-p",
        &server.port.to_string(),
        "backup",
        "--repo",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--no-encrypt"), "{}", run.stderr);
    let run = redisops([
        "-p",
        &server.port.to_string(),
        "backup",
        "--repo",
        dir.path().to_str().unwrap(),
        "--no-encrypt",
        "--json",
    ])
    .ok();
    let archive = run.json()["archive_path"].as_str().unwrap().to_string();
    assert!(archive.ends_with(".rdb.gz"));
}

#[test]
fn concurrent_backups_one_wins_one_reports_the_lock() {
    let server = slow_server();
    let repo = Repo::new();
    let mut first = redisops_cmd();
    first
        .args(repo.backup_args(&port_args(&server), &["--method", "sync"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = first.spawn().unwrap();
    repo.wait_for_temporary();
    let second = repo.backup(&port_args(&server), &["--method", "sync"]);
    assert_eq!(second.code, 20, "{}", second.stderr);
    assert!(
        second.stderr.contains("holds the lock"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("pid"), "{}", second.stderr);
    assert!(child.wait().unwrap().success());
    assert_eq!(repo.list().as_array().unwrap().len(), 1);
}

#[test]
fn killed_at_any_point_leaves_nothing_listed() {
    let server = slow_server();
    let repo = Repo::new();
    for delay_ms in [50, 300, 900, 1600] {
        let mut cmd = redisops_cmd();
        cmd.args(repo.backup_args(&port_args(&server), &["--method", "sync"]))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no cleanup code runs
        let _ = child.wait();
        // Killed before its lock, the run has not created the repository (issue 10 item 6).
        let created = repo.path().join("redisops-repo.json").exists();
        assert!(
            !created || repo.list().as_array().unwrap().is_empty(),
            "after {delay_ms} ms"
        );
    }
    // The next run takes over the dead process' lock and cleans its leftovers.
    let run = repo.backup(&port_args(&server), &["--method", "sync"]).ok();
    assert_eq!(repo.list().as_array().unwrap().len(), 1, "{}", run.stderr);
    assert!(
        repo.files().iter().all(|f| !f.starts_with(".tmp-")),
        "{:?}",
        repo.files()
    );
}

#[test]
fn keep_rules_and_metrics() {
    let mut server = RedisServer::start();
    server.populate(10);
    let repo = Repo::new();
    let metrics = repo.dir.path().join("redisops.prom");
    let metrics_arg = metrics.to_str().unwrap();
    for _ in 0..3 {
        repo.backup(
            &port_args(&server),
            &["--keep-last", "2", "--metrics-file", metrics_arg],
        )
        .ok();
    }
    assert_eq!(repo.list().as_array().unwrap().len(), 2);
    let label = format!("{{target=\"{}-{}\"}}", hostname(), server.port);
    let text = std::fs::read_to_string(&metrics).unwrap();
    has_metric(&text, &label, "redisops_backup_last_status", 1);
    has_metric(&text, &label, "redisops_backup_last_keys", 10);
    assert!(text.contains("# TYPE redisops_backup_last_success_timestamp_seconds gauge"));

    // A failed run keeps the last success's values and records the failure.
    let port = port_args(&server);
    server.kill();
    let run = repo.backup(&port, &["--metrics-file", metrics_arg]);
    assert_eq!(run.code, 10, "{}", run.stderr);
    let text = std::fs::read_to_string(&metrics).unwrap();
    has_metric(&text, &label, "redisops_backup_last_status", 0);
    has_metric(&text, &label, "redisops_backup_last_exit_code", 10);
    has_metric(&text, &label, "redisops_backup_last_keys", 10);
    assert!(
        text.contains("redisops_backup_last_failure_timestamp_seconds{"),
        "{text}"
    );
}

fn hostname() -> String {
    redisops::fsutil::hostname()
}

/// The metrics text has `name{target="<host>-<port>"} value` for the test server's target.
fn has_metric(text: &str, label: &str, name: &str, value: u64) {
    let line = format!("{name}{label} {value}\n");
    assert!(text.contains(&line), "no `{line}` in:\n{text}");
}

pub(crate) fn sigterm(child: &std::process::Child) {
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
}

pub(crate) fn wait_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_during_a_run_cleans_up() {
    let server = slow_server();
    let repo = Repo::new();
    let mut cmd = redisops_cmd();
    cmd.args(repo.backup_args(&port_args(&server), &["--method", "sync"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    repo.wait_for_temporary();
    sigterm(&child);
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
    assert!(repo.files().is_empty(), "{:?}", repo.files());
}

#[test]
fn schedule_exits_at_once_on_sigterm_between_runs() {
    let server = RedisServer::start();
    let repo = Repo::new();
    let mut cmd = redisops_cmd();
    cmd.args(repo.backup_args(&port_args(&server), &["--schedule", "0 0 1 1 *"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the scheduler should be waiting"
    );
    sigterm(&child);
    let status = wait_timeout(&mut child, Duration::from_secs(3));
    assert_eq!(status.code(), Some(0));
    let bad = redisops_cmd()
        .args(repo.backup_args(&port_args(&server), &["--schedule", "0 3 * *"]))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("5 fields"));
}

#[test]
fn minimal_streaming_user_and_noperm() {
    let server = RedisServer::start();
    server.populate(100);
    server.cli(&[
        "ACL",
        "SETUSER",
        "backup",
        "on",
        ">bk-pw",
        "-@all",
        "+replconf",
        "+sync",
        "+psync",
    ]);
    server.cli(&["ACL", "SETUSER", "reader", "on", ">rd-pw", "~*", "+@read"]);
    let repo = Repo::new();
    let mut target = port_args(&server);
    target.extend(["--user".into(), "backup".into()]);
    let mut cmd = redisops_cmd();
    cmd.env("REDISCLI_AUTH", "bk-pw")
        .args(repo.backup_args(&target, &[]));
    let json = run_cmd(cmd).ok().json();
    assert_eq!(json["backup"]["method"], "sync");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 100);

    let mut target = port_args(&server);
    target.extend(["--user".into(), "reader".into()]);
    let mut cmd = redisops_cmd();
    cmd.env("REDISCLI_AUTH", "rd-pw")
        .args(repo.backup_args(&target, &["--method", "sync"]));
    let run = run_cmd(cmd);
    assert_eq!(run.code, 12, "{}", run.stderr);
    assert!(
        run.stderr.contains("+replconf +sync +psync"),
        "{}",
        run.stderr
    );
}
