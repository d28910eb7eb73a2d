//! Output details an operator relies on: times that mean what they say, progress that says
//! what is happening, a reader that goes away stopping nothing half-way, and tests that leave
//! nothing behind in fixed places.

use crate::backup::Repo;
use crate::harness::{RedisServer, redisops, redisops_cmd, run_cmd, xdg_dirs};
use chrono::{DateTime, Utc};
use std::process::Stdio;
use std::time::Duration;

fn backup_args<'a>(port: &'a str, repo: &'a str) -> Vec<&'a str> {
    vec![
        "-p",
        port,
        "backup",
        "--no-encrypt",
        "--json",
        "--repo",
        repo,
    ]
}

#[test]
fn a_backup_that_waited_for_the_lock_is_dated_when_it_starts() {
    let server = RedisServer::start();
    server.populate(100);
    let port = server.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let repo_s = repo.to_str().unwrap();
    let first = redisops(backup_args(&port, repo_s)).ok().json();
    // Another run holds the target's lock for two seconds.
    let location = redisops::repo::RepoLocation::parse(&repo, &Default::default()).unwrap();
    let target = redisops::repo::TargetId::new(first["backup"]["target"]["name"].as_str().unwrap());
    let lock = redisops::repo::Repository::open(&location)
        .unwrap()
        .lock(&target, Duration::ZERO, "test")
        .unwrap();
    let mut cmd = redisops_cmd();
    cmd.args(backup_args(&port, repo_s))
        .args(["--lock-wait", "30"]);
    let waiting = std::thread::spawn(move || run_cmd(cmd));
    std::thread::sleep(Duration::from_secs(2));
    let released = Utc::now();
    drop(lock);
    let second = waiting.join().unwrap().ok().json();
    let created: DateTime<Utc> = second["backup"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        created >= released - chrono::TimeDelta::milliseconds(500),
        "created_at {created} is from before the lock was released at {released}"
    );
}

#[test]
fn a_sync_backup_says_it_waits_for_the_transfer() {
    let server = RedisServer::start();
    server.populate(100);
    let port = server.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let run = redisops([
        "-p",
        &port,
        "backup",
        "--no-encrypt",
        "--method",
        "sync",
        "--repo",
        repo.to_str().unwrap(),
    ])
    .ok();
    assert!(
        run.stderr
            .contains("waiting for the server to start the transfer (repl-diskless-sync-delay)"),
        "{}",
        run.stderr
    );
}

#[test]
fn each_test_gets_its_own_xdg_directories() {
    let fixed = std::env::temp_dir();
    let (config, state) = xdg_dirs();
    for dir in [&config, &state] {
        assert!(
            !dir.starts_with(fixed.join("redisops-it-state"))
                && !dir.starts_with(fixed.join("redisops-it-empty-xdg")),
            "{}",
            dir.display()
        );
    }
    // Another test (thread) gets other directories, removed when it ends.
    let (other, _) = std::thread::spawn(xdg_dirs).join().unwrap();
    assert_ne!(other, config);
    assert!(!other.exists(), "{} outlived its test", other.display());
    // And redisops runs use them.
    let cmd = redisops_cmd();
    let env: Vec<_> = cmd.get_envs().collect();
    assert!(env.iter().any(
        |(k, v)| *k == "XDG_STATE_HOME" && v.is_some_and(|v| std::path::Path::new(v) == state)
    ));
}

/// Runs redisops with its stdout (and, with `stderr_too`, its stderr) closed by the reader
/// before it writes anything; the exit code and what reached stderr.
fn closed_output(args: Vec<String>, stderr_too: bool) -> (Option<i32>, String) {
    let mut cmd = redisops_cmd();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    if stderr_too {
        drop(child.stderr.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn staged_files(s: &RedisServer, except: &str) -> Vec<String> {
    (crate::restore::files(s.dir()).into_iter())
        .filter(|n| n.contains(".redisops-restore-") && n != except)
        .collect()
}

/// `restore --yes … | ts` with `ts` missing: the plan cannot be shown, so the restore stops
/// before the server is touched and removes the RDB it staged (a panic used to leave 200 MB
/// there), also when stderr is gone too (`2>&1 | ts`). A staged file that a killed restore
/// left behind is named by the next restore.
#[test]
fn a_restore_whose_stdout_is_closed_changes_nothing_and_leaves_nothing() {
    let s = RedisServer::start();
    s.populate(100);
    let repo = Repo::new();
    repo.backup(&["-p".into(), s.port.to_string()], &[]).ok();
    let run_id = s.info_field("run_id");
    let leftover = ".redisops-restore-20260101T000000Z.rdb";
    std::fs::write(s.dir().join(leftover), b"REDIS0011").unwrap();
    let args = || crate::restore::restore_args(&repo, &s, &["--latest"]);

    let (code, stderr) = closed_output(args(), false);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("stdout was closed before anything changed"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{leftover} (9 B) is left over")),
        "{stderr}"
    );
    assert_eq!(s.info_field("run_id"), run_id, "the server was restarted");
    assert_eq!(staged_files(&s, leftover), Vec::<String>::new());

    let (code, _) = closed_output(args(), true);
    assert_eq!(code, Some(1), "a panic is 101");
    assert_eq!(s.info_field("run_id"), run_id, "the server was restarted");
    assert_eq!(staged_files(&s, leftover), Vec::<String>::new());
}

/// The same for `harden apply --yes`: no user created, no password file written.
#[test]
fn an_apply_whose_stdout_is_closed_changes_nothing() {
    let server = crate::audit::weak_server(true);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let acl = server.cli(&["ACL", "LIST"]);
    let args = [
        "-p",
        &server.port.to_string(),
        "harden",
        "apply",
        "--yes",
        "--restart",
    ]
    .into_iter()
    .map(String::from)
    .chain(["--secrets-dir".into(), secrets.display().to_string()])
    .collect();
    let (code, stderr) = closed_output(args, false);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("stdout was closed before anything changed"),
        "{stderr}"
    );
    assert_eq!(server.cli(&["ACL", "LIST"]), acl);
    assert!(!secrets.join("admin.password").exists());
}
