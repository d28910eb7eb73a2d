//! `redisops restore` end to end against real servers: the restored dataset's `DEBUG DIGEST`
//! equals the backed-up one after the restore and after one more restart (appendonly no and
//! yes); bad archives are refused before the server is touched; a failing start rolls back;
//! every supervisor mode; redisops killed mid-restore, then `--resume` or `--abort`.

use crate::backup::Repo;
use crate::harness::{RedisServer, Run, ServerOptions, redisops, redisops_cmd, run_cmd};
use std::path::{Path, PathBuf};
use std::process::Command;

fn server(conf: &[&str]) -> RedisServer {
    RedisServer::with(ServerOptions {
        conf: conf.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

/// Varied data: strings, a hash, a list, a set, a key with a TTL, and a second database.
fn fill(s: &RedisServer, tag: &str) {
    s.write_keys(200);
    s.cli(&["HSET", &format!("h:{tag}"), "a", "1", "b", "2"]);
    s.cli(&["RPUSH", &format!("l:{tag}"), "x", "y", "z"]);
    s.cli(&["SADD", &format!("s:{tag}"), "m", "n"]);
    s.cli(&["SET", &format!("ttl:{tag}"), "v", "EX", "3600"]);
    s.cli(&["-n", "3", "SET", &format!("db3:{tag}"), "v"]);
}

/// Backs up `s` into `repo` and returns the digest of what was backed up.
fn backed_up(repo: &Repo, s: &RedisServer) -> String {
    let digest = s.digest();
    repo.backup(&port_args(s), &[]).ok();
    digest
}

/// A server with data, backed up into a new repository, then damaged; with the backed-up
/// dataset's digest.
fn backed_up_then_damaged(conf: &[&str], tag: &str) -> (RedisServer, Repo, String) {
    let s = server(conf);
    fill(&s, tag);
    let repo = Repo::new();
    let digest = backed_up(&repo, &s);
    damage(&s);
    (s, repo, digest)
}

/// Replaces the data with something else, as an incident would.
fn damage(s: &RedisServer) {
    s.cli(&["FLUSHALL"]);
    s.cli(&["SET", "damage", "1"]);
}

fn port_args(s: &RedisServer) -> Vec<String> {
    vec!["-p".into(), s.port.to_string()]
}

pub fn restore_args(repo: &Repo, s: &RedisServer, extra: &[&str]) -> Vec<String> {
    let mut args = port_args(s);
    args.extend(
        [
            "restore",
            "--repo",
            repo.path().to_str().unwrap(),
            "-i",
            repo.identity.to_str().unwrap(),
            "--yes",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

pub fn restore(repo: &Repo, s: &RedisServer, extra: &[&str]) -> Run {
    redisops(restore_args(repo, s, extra))
}

/// What must not change when a restore is refused.
struct Untouched {
    digest: String,
    run_id: String,
    files: Vec<String>,
}

impl Untouched {
    fn of(s: &RedisServer) -> Self {
        Self {
            digest: s.digest(),
            run_id: s.info_field("run_id"),
            files: files(s.dir()),
        }
    }

    fn check(&self, s: &RedisServer) {
        assert_eq!(s.digest(), self.digest);
        assert_eq!(
            s.info_field("run_id"),
            self.run_id,
            "the server was restarted"
        );
        assert_eq!(files(s.dir()), self.files, "files in dir changed");
    }
}

/// The names in `dir` but the server's log.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "redis.log")
        .collect();
    v.sort();
    v
}

fn with_prefix(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect()
}

fn journal_records(dir: &Path) -> Vec<serde_json::Value> {
    with_prefix(dir, ".redisops-restore-")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "journal"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

#[test]
fn appendonly_no_restores_the_backed_up_dataset() {
    let (mut s, repo, digest) = backed_up_then_damaged(&[], "a");
    let before = s.info_field("run_id");

    let run = restore(&repo, &s, &["--latest", "--json"]).ok();
    let json = run.json();
    assert_eq!(json["state"], "done");
    assert_eq!(json["rdb"]["keys"], 205);
    let steps: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "disable_saves",
            "stop",
            "swap",
            "start",
            "verify",
            "restore_settings"
        ]
    );
    assert!(run.stderr.contains("safety backup"), "{}", run.stderr);
    assert_eq!(repo.list().as_array().unwrap().len(), 2, "safety backup");

    assert_ne!(s.info_field("run_id"), before);
    assert_eq!(s.digest(), digest);
    assert_eq!(s.cli(&["CONFIG", "GET", "save"]), "save");
    assert_eq!(with_prefix(s.dir(), "dump.rdb.pre-restore-").len(), 1);
    assert!(!s.dir().join(".redisops-restore.journal").exists());
    assert_eq!(journal_records(s.dir())[0]["state"], "done");

    s.restart();
    assert_eq!(s.digest(), digest, "after one more restart");
}

#[test]
fn appendonly_yes_seeds_the_aof_and_keeps_the_data() {
    let (mut s, repo, digest) = backed_up_then_damaged(&["appendonly yes"], "b");
    let base_created = s.log().matches("Creating AOF base file").count();

    restore(&repo, &s, &["--latest"]).ok();
    assert_eq!(s.digest(), digest);
    assert_eq!(s.info_field("aof_enabled"), "1");
    let aof = s.dir().join("appendonlydir");
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.starts_with("file appendonly.aof.1.base.rdb seq 1 type b\n"),
        "{manifest}"
    );
    assert_eq!(with_prefix(s.dir(), "appendonlydir.pre-restore-").len(), 1);
    assert_eq!(
        s.log().matches("Creating AOF base file").count(),
        base_created,
        "the restarted server loaded the seeded AOF instead of creating an empty one"
    );

    s.restart();
    assert_eq!(
        s.digest(),
        digest,
        "after one more restart (loaded from the AOF)"
    );
    s.cli(&["SET", "after", "1"]);
    s.restart();
    assert_eq!(
        s.cli(&["GET", "after"]),
        "1",
        "writes after the restore persist"
    );
}

/// An RDB of `s` as a plain file (SAVE, then a copy of its dump).
fn plain_rdb(s: &RedisServer, to: &Path) -> Vec<u8> {
    s.cli(&["SAVE"]);
    let bytes = std::fs::read(s.dir().join("dump.rdb")).unwrap();
    std::fs::write(to, &bytes).unwrap();
    bytes
}

#[test]
fn bad_archives_are_refused_before_the_server_is_touched() {
    let (s, repo, _) = backed_up_then_damaged(&[], "c");
    let untouched = Untouched::of(&s);
    let archive = archives(&repo).pop().unwrap();
    let bytes = std::fs::read(&archive).unwrap();
    let work = tempfile::tempdir().unwrap();

    let mut corrupt = bytes.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0x55;
    let corrupt_path = work.path().join("corrupt.rdb.gz.age");
    std::fs::write(&corrupt_path, &corrupt).unwrap();
    let truncated_path = work.path().join("truncated.rdb.gz.age");
    std::fs::write(&truncated_path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let other = Repo::new();

    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        (
            "corrupt",
            restore_args(&repo, &s, &["--file", corrupt_path.to_str().unwrap()]),
            22,
        ),
        (
            "truncated",
            restore_args(&repo, &s, &["--file", truncated_path.to_str().unwrap()]),
            22,
        ),
        (
            "wrong key",
            restore_args(&other, &s, &["--file", archive.to_str().unwrap()]),
            23,
        ),
    ];
    for (what, args, code) in cases {
        let run = redisops(args);
        assert_eq!(run.code, code, "{what}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{what}: {}", run.stdout);
        untouched.check(&s);
    }

    // Too new: a valid RDB whose version says 11 (Redis 7.2), with its checksum fixed up.
    let rdb_path = work.path().join("plain.rdb");
    let mut rdb = plain_rdb(&s, &rdb_path);
    let untouched = Untouched::of(&s);
    let (major, minor) = redis_version(&s);
    let newer = match (major, minor) {
        (7, 0 | 1) => "0011",
        _ => "0099",
    };
    rdb[5..9].copy_from_slice(newer.as_bytes());
    let len = rdb.len();
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&rdb[..len - 8]);
    rdb[len - 8..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&rdb_path, &rdb).unwrap();
    let run = redisops(restore_args(
        &repo,
        &s,
        &["--file", rdb_path.to_str().unwrap()],
    ));
    assert_eq!(run.code, 22, "{}", run.stderr);
    assert!(run.stderr.contains("loads at most RDB"), "{}", run.stderr);
    untouched.check(&s);
}

fn archives(repo: &Repo) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for target in std::fs::read_dir(repo.path()).unwrap().flatten() {
        if target.path().is_dir() {
            found.extend(
                with_prefix(&target.path(), "2")
                    .into_iter()
                    .filter(|p| p.to_string_lossy().ends_with(".age")),
            );
        }
    }
    found.sort();
    found
}

fn redis_version(s: &RedisServer) -> (u32, u32) {
    let v = s.info_field("redis_version");
    let mut parts = v.split('.').map(|p| p.parse().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

/// A start command that fails the first time (the restored start) and works after (the
/// rollback's start).
fn flaky_start(s: &RedisServer, flag: &Path) -> String {
    format!(
        "if [ -e {flag} ]; then redis-server {conf} --daemonize yes; else touch {flag}; \
         echo 'start failed' >&2; exit 1; fi",
        flag = flag.display(),
        conf = s.conf_file().display()
    )
}

/// `restore --latest` with `--stop-cmd` (redis-cli SHUTDOWN NOSAVE) and `--start-cmd start`.
fn restore_with_commands(repo: &Repo, s: &RedisServer, start: &str) -> Run {
    let stop = format!("redis-cli -p {} SHUTDOWN NOSAVE || true", s.port);
    restore(
        repo,
        s,
        &["--latest", "--stop-cmd", &stop, "--start-cmd", start],
    )
}

#[test]
fn a_failed_start_rolls_back_to_the_old_data() {
    let (s, repo, _) = backed_up_then_damaged(&[], "d");
    s.cli(&["CONFIG", "SET", "save", "900 1"]);
    let original = s.digest();
    let work = tempfile::tempdir().unwrap();
    let start = flaky_start(&s, &work.path().join("flag"));

    let run = restore_with_commands(&repo, &s, &start);
    assert_eq!(run.code, 30, "{}", run.stderr);
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert!(run.stderr.contains("start failed"), "{}", run.stderr);
    s.wait_serving();
    assert_eq!(s.digest(), original, "the server is back on its own data");
    assert_eq!(s.cli(&["CONFIG", "GET", "save"]), "save\n900 1");
    assert!(with_prefix(s.dir(), "dump.rdb.pre-restore-").is_empty());
    assert!(
        with_prefix(s.dir(), ".redisops-restore-")
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".rdb"))
    );
    assert!(!s.dir().join(".redisops-restore.journal").exists());
    assert_eq!(journal_records(s.dir())[0]["state"], "rolled_back");
}

#[test]
fn custom_stop_and_start_commands() {
    let (s, repo, digest) = backed_up_then_damaged(&["appendonly yes"], "e");
    let start = format!("redis-server {} --daemonize yes", s.conf_file().display());
    restore_with_commands(&repo, &s, &start).ok();
    assert_eq!(s.digest(), digest);
}

#[test]
fn dry_run_changes_nothing_and_no_terminal_refuses() {
    let (s, repo, _) = backed_up_then_damaged(&[], "f");
    let untouched = Untouched::of(&s);

    let run = restore(&repo, &s, &["--latest", "--dry-run"]).ok();
    assert!(run.stdout.contains("plan:"), "{}", run.stdout);
    assert!(run.stdout.contains("SHUTDOWN NOSAVE"), "{}", run.stdout);
    untouched.check(&s);

    let mut cmd = redisops_cmd();
    let args: Vec<String> = restore_args(&repo, &s, &["--latest"])
        .into_iter()
        .filter(|a| a != "--yes")
        .collect();
    cmd.args(args);
    let run = run_cmd(cmd);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    untouched.check(&s);
}

#[test]
fn replicas_are_refused() {
    let master = server(&[]);
    let replica = RedisServer::with(ServerOptions {
        replica_of: Some((master.port, None)),
        ..Default::default()
    });
    let repo = Repo::new();
    master.write_keys(10);
    backed_up(&repo, &master);
    let id = repo.list()[0]["id"].as_str().unwrap().to_string();
    let run = restore(&repo, &replica, &[&id, "--no-safety-backup"]);
    assert_eq!(run.code, 14, "{}", run.stderr);
    assert!(run.stderr.contains("replica"), "{}", run.stderr);
}

/// A backed-up, then damaged server whose restore was killed (test hook) right after journaling
/// step `step`; returns the server, the backed-up digest and the damaged digest.
fn killed_after(conf: &[&str], tag: &str, step: usize) -> (RedisServer, String, String) {
    let (s, repo, digest) = backed_up_then_damaged(conf, tag);
    let damaged = s.digest();
    let mut cmd = redisops_cmd();
    cmd.args(restore_args(&repo, &s, &["--latest"]))
        .env("REDISOPS_TEST_KILL_AFTER_STEP", step.to_string());
    let run = run_cmd(cmd);
    assert_eq!(run.code, 137, "{}", run.stderr);
    (s, digest, damaged)
}

#[test]
fn killed_mid_restore_then_resume_or_abort() {
    for (kill_after, finish) in [
        (3, "--resume"),
        (2, "--abort"),
        (4, "--abort"),
        (1, "--resume"),
    ] {
        let (s, digest, damaged) = killed_after(&["appendonly yes"], "g", kill_after);
        assert!(s.dir().join(".redisops-restore.journal").exists());

        // The server may be down: point at the journal.
        let journal = s.dir().join(".redisops-restore.journal");
        let mut args = port_args(&s);
        args.extend(["restore", finish, "--journal", journal.to_str().unwrap()].map(String::from));
        let run = redisops(args);
        if finish == "--resume" {
            assert_eq!(run.code, 0, "after step {kill_after}: {}", run.stderr);
            assert_eq!(s.digest(), digest, "after step {kill_after}");
            assert_eq!(journal_records(s.dir())[0]["state"], "done");
        } else {
            assert_eq!(run.code, 30, "after step {kill_after}: {}", run.stderr);
            s.wait_serving();
            assert_eq!(s.digest(), damaged, "after step {kill_after}");
            assert_eq!(journal_records(s.dir())[0]["state"], "rolled_back");
            assert!(with_prefix(s.dir(), "appendonlydir.pre-restore-").is_empty());
        }
        assert!(!journal.exists());
        assert_eq!(s.cli(&["CONFIG", "GET", "save"]), "save");
    }
}

#[test]
fn abort_after_verification_is_refused_unless_discarding() {
    // Killed right after the verification: the restored data is live.
    let (s, digest, damaged) = killed_after(&[], "v", 5);
    assert_eq!(s.digest(), digest);

    let mut args = port_args(&s);
    args.extend(["restore", "--abort"].map(String::from));
    let run = redisops(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--discard-restored"), "{}", run.stderr);
    assert_eq!(s.digest(), digest, "a refused abort changes nothing");

    args.push("--discard-restored".into());
    let run = redisops(&args);
    assert_eq!(run.code, 30, "{}", run.stderr);
    s.wait_serving();
    assert_eq!(s.digest(), damaged);
}

#[test]
fn redis_cli_rdb_pipe_file_with_eof_mark_restores_into_aof() {
    let mut s = server(&["appendonly yes"]);
    fill(&s, "h");
    let digest = s.digest();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("piped.rdb");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "redis-cli -p {} --rdb - 2>/dev/null | cat > {}",
            s.port,
            file.display()
        ))
        .status()
        .unwrap();
    assert!(out.success());
    let piped = std::fs::read(&file).unwrap();
    damage(&s);

    let mut args = port_args(&s);
    args.extend(
        [
            "restore",
            "--file",
            file.to_str().unwrap(),
            "--yes",
            "--no-safety-backup",
            "--json",
        ]
        .map(String::from),
    );
    let json = redisops(args).ok().json();
    let dropped = json["rdb"]["trailing_bytes_dropped"].as_u64().unwrap();
    assert_eq!(
        dropped, 40,
        "redis-cli --rdb - into a pipe leaves the EOF mark"
    );
    assert_eq!(
        piped.len() as u64 - dropped,
        json["rdb"]["bytes"].as_u64().unwrap()
    );
    assert_eq!(s.digest(), digest);
    let base = s.dir().join("appendonlydir/appendonly.aof.1.base.rdb");
    let base_len = std::fs::metadata(&base).unwrap().len() as usize;
    assert_eq!(base_len as u64, json["rdb"]["bytes"].as_u64().unwrap());
    s.restart();
    assert_eq!(s.digest(), digest, "the AOF base loads after a restart");
}

/// A stand-in `systemctl` for one unit whose service loop restarts redis-server whenever it
/// exits (as `Restart=always` does) until `systemctl stop`. Stopped on drop.
struct StandInService {
    bin: tempfile::TempDir,
    state: tempfile::TempDir,
    conf: PathBuf,
    pidfile: PathBuf,
}

const STAND_IN_SYSTEMCTL: &str = r#"#!/bin/sh
# usage: systemctl start [--no-block] UNIT | stop UNIT
cmd=$1; shift
[ "$1" = "--no-block" ] && shift
case "$cmd" in
start)
  rm -f "$STANDIN_STATE/stopped"
  if [ -e "$STANDIN_STATE/loop.pid" ] && kill -0 "$(cat "$STANDIN_STATE/loop.pid")" 2>/dev/null; then
    exit 0
  fi
  setsid sh -c 'while [ ! -e "$0/stopped" ]; do redis-server "$1" --daemonize no; sleep 0.2; done' \
    "$STANDIN_STATE" "$STANDIN_CONF" </dev/null >/dev/null 2>&1 &
  echo $! > "$STANDIN_STATE/loop.pid"
  ;;
stop)
  touch "$STANDIN_STATE/stopped"
  pid=$(cat "$STANDIN_PIDFILE" 2>/dev/null)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  while kill -0 "$(cat "$STANDIN_STATE/loop.pid")" 2>/dev/null; do sleep 0.05; done
  ;;
*) echo "stand-in systemctl: unsupported: $cmd" >&2; exit 1 ;;
esac
"#;

impl StandInService {
    /// Takes over `s`: kills the process the harness started and runs the server from the
    /// same config under the stand-in.
    fn take_over(s: &mut RedisServer) -> Self {
        let bin = tempfile::tempdir().unwrap();
        let script = bin.path().join("systemctl");
        std::fs::write(&script, STAND_IN_SYSTEMCTL).unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let service = Self {
            bin,
            state: tempfile::tempdir().unwrap(),
            conf: s.conf_file(),
            pidfile: s.dir().join("redis.pid"),
        };
        s.kill();
        assert!(
            service
                .systemctl(&["start", "--no-block", "redis-test"])
                .success()
        );
        s.wait_serving();
        service
    }

    fn env(&self, cmd: &mut Command) {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("STANDIN_STATE", self.state.path())
            .env("STANDIN_CONF", &self.conf)
            .env("STANDIN_PIDFILE", &self.pidfile);
    }

    fn systemctl(&self, args: &[&str]) -> std::process::ExitStatus {
        let mut cmd = Command::new(self.bin.path().join("systemctl"));
        cmd.args(args);
        self.env(&mut cmd);
        cmd.status().unwrap()
    }
}

impl Drop for StandInService {
    fn drop(&mut self) {
        self.systemctl(&["stop", "redis-test"]);
    }
}

#[test]
fn service_mode_wins_over_a_restart_always_supervisor() {
    let mut s = server(&[]);
    let service = StandInService::take_over(&mut s);
    // The stand-in really restarts a server that stops on its own.
    let first = s.info_field("run_id");
    let _ = s.cli_output(&["SHUTDOWN", "NOSAVE"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.wait_serving();
    assert_ne!(s.info_field("run_id"), first, "Restart=always stand-in");

    fill(&s, "i");
    let repo = Repo::new();
    let digest = backed_up(&repo, &s);
    damage(&s);
    let mut cmd = redisops_cmd();
    cmd.args(restore_args(
        &repo,
        &s,
        &["--latest", "--service", "redis-test"],
    ));
    service.env(&mut cmd);
    let run = run_cmd(cmd).ok();
    assert!(
        run.stderr.contains("systemctl stop redis-test"),
        "{}",
        run.stderr
    );
    s.wait_serving();
    assert_eq!(s.digest(), digest);
    drop(service);
    assert!(!s.listening(), "the service is stopped on drop");
}

#[test]
fn sentinel_master_restores_without_failover_and_settings_come_back() {
    let g = crate::harness::SentinelGroup::start(2, None);
    fill(&g.master, "j");
    let repo = Repo::new();
    let target = vec!["--target".to_string(), g.url()];
    let digest = g.master.digest();
    repo.backup(&target, &["--from", "master"]).ok();
    damage(&g.master);

    let mut args = target.clone();
    args.extend(
        [
            "restore",
            "--latest",
            "--repo",
            repo.path().to_str().unwrap(),
            "-i",
            repo.identity.to_str().unwrap(),
            "--yes",
            "--json",
        ]
        .map(String::from),
    );
    let run = redisops(args).ok();
    let steps: Vec<String> = run.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(steps.first().map(String::as_str), Some("protect"));
    assert_eq!(steps.last().map(String::as_str), Some("unprotect"));

    assert_eq!(g.master.digest(), digest);
    for r in &g.replicas {
        assert_eq!(
            r.digest(),
            digest,
            "replica {} has the restored data",
            r.port
        );
        assert_eq!(
            r.cli(&["CONFIG", "GET", "replica-priority"]),
            "replica-priority\n100"
        );
    }
    for s in &g.sentinels {
        let addr = s.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &g.name]);
        assert_eq!(addr, format!("127.0.0.1\n{}", g.master.port), "no failover");
        let master = s.cli(&["SENTINEL", "MASTER", &g.name]);
        assert!(
            master.contains("down-after-milliseconds\n2000\n"),
            "down-after-milliseconds is back: {master}"
        );
        assert!(!s.log().contains("+switch-master"), "{}", s.log());
        assert!(!s.log().contains("+odown"), "{}", s.log());
    }
}

#[test]
fn sentinel_rollback_restores_the_protection_settings() {
    let g = crate::harness::SentinelGroup::start(1, None);
    fill(&g.master, "k");
    let original = g.master.digest();
    let work = tempfile::tempdir().unwrap();
    let start = flaky_start(&g.master, &work.path().join("flag"));
    let stop = format!("redis-cli -p {} SHUTDOWN NOSAVE || true", g.master.port);
    g.master.cli(&["SAVE"]);
    let mut args = vec!["--target".to_string(), g.url()];
    let rdb = work.path().join("other.rdb");
    std::fs::copy(g.master.dir().join("dump.rdb"), &rdb).unwrap();
    args.extend(
        [
            "restore",
            "--file",
            rdb.to_str().unwrap(),
            "--yes",
            "--no-safety-backup",
            "--stop-cmd",
            &stop,
            "--start-cmd",
            &start,
        ]
        .map(String::from),
    );
    let run = redisops(args);
    assert_eq!(run.code, 30, "{}", run.stderr);
    assert!(run.stderr.contains("undo protect"), "{}", run.stderr);
    g.master.wait_serving();
    assert_eq!(g.master.digest(), original);
    assert_eq!(
        g.replicas[0].cli(&["CONFIG", "GET", "replica-priority"]),
        "replica-priority\n100"
    );
    for s in &g.sentinels {
        let master = s.cli(&["SENTINEL", "MASTER", &g.name]);
        assert!(
            master.contains("down-after-milliseconds\n2000\n"),
            "{master}"
        );
        assert!(!s.log().contains("+switch-master"), "{}", s.log());
    }
}

#[test]
fn sigint_during_the_restore_rolls_back() {
    let (s, repo, _) = backed_up_then_damaged(&[], "l");
    let original = s.digest();
    let journal = s.dir().join(".redisops-restore.journal");
    // A slow start leaves time to interrupt while the restore is under way.
    let start = format!(
        "sleep 2; redis-server {} --daemonize yes",
        s.conf_file().display()
    );
    // With the safety backup (its BGSAVE), the rollback returns exactly the damaged data.
    let mut args = restore_args(&repo, &s, &["--latest"]);
    let stop = format!("redis-cli -p {} SHUTDOWN NOSAVE || true", s.port);
    args.extend(["--stop-cmd".into(), stop, "--start-cmd".into(), start]);
    let mut cmd = redisops_cmd();
    cmd.args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("\"in_progress\": 3")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the start never began"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by a signal"), "{stderr}");
    s.wait_serving();
    assert_eq!(s.digest(), original);
    assert_eq!(journal_records(s.dir())[0]["state"], "rolled_back");
}

#[test]
fn a_config_file_that_differs_from_the_running_settings_is_caught() {
    // The config file says appendonly yes, the running server was switched to no: a restart
    // would load the old AOF (dataset "a", same key count) instead of the restored RDB ("b").
    let s = server(&["appendonly yes"]);
    fill(&s, "a");
    s.cli(&["CONFIG", "SET", "appendonly", "no"]);
    s.cli(&["FLUSHALL"]);
    fill(&s, "b");
    let repo = Repo::new();
    backed_up(&repo, &s);
    damage(&s);
    let run = restore(&repo, &s, &["--latest"]);
    assert_eq!(run.code, 30, "{}", run.stderr);
    assert!(run.stderr.contains("config file differs"), "{}", run.stderr);
}
