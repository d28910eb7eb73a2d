//! `redisops copy` and `backup --copy-to` end to end: a copy restores to the same data, a
//! second copy skips everything and rewrites nothing, `--dry-run` writes nothing, a copy onto
//! the same repository is refused, a bad `--copy-to` is refused before the server is touched,
//! and a copy that fails or is killed half-way leaves nothing listed in the destination.

use crate::backup::Repo;
use crate::harness::{RedisServer, Run, redisops, redisops_cmd, run_cmd};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn port_args(s: &RedisServer) -> Vec<String> {
    vec!["-p".into(), s.port.to_string()]
}

/// `copy --from <repo> --to <to>` plus `extra`.
fn copy(repo: &Repo, to: &Path, extra: &[&str]) -> Run {
    redisops(copy_args(repo, to, extra))
}

fn copy_args(repo: &Repo, to: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["copy", "--from", repo.path().to_str().unwrap(), "--to"]
        .map(String::from)
        .to_vec();
    args.push(to.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// id → archive SHA-256 of the backups `list` shows in the repository at `path`.
fn listed(path: &Path) -> BTreeMap<String, String> {
    let json = redisops(["list", "--repo", path.to_str().unwrap(), "--json"])
        .ok()
        .json();
    json.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_string(),
                b["manifest"]["archive"]["sha256"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

/// Every file under `dir` with its inode and modification time: a rewrite changes them.
fn stamps(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(stamps(&path));
        } else if !path.ends_with(".lock") {
            let m = std::fs::metadata(&path).unwrap();
            out.insert(path, (m.ino(), m.mtime(), m.mtime_nsec()));
        }
    }
    out
}

/// Names of the files in the destination's target folders (no lock files).
fn files(dir: &Path) -> Vec<String> {
    stamps(dir)
        .keys()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "redisops-repo.json")
        .collect()
}

fn lines(run: &Run, prefix: &str) -> usize {
    run.stdout.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn a_copy_restores_the_same_data_and_a_second_copy_rewrites_nothing() {
    let s = RedisServer::start();
    s.write_keys(300);
    s.cli(&["HSET", "h", "a", "1"]);
    s.cli(&["-n", "2", "SET", "other-db", "v"]);
    let repo = Repo::new();
    repo.backup(&port_args(&s), &[]).ok();
    s.cli(&["SET", "newer", "1"]);
    let digest = s.digest();
    repo.backup(&port_args(&s), &[]).ok();
    let offsite = repo.dir.path().join("offsite");

    let run = copy(&repo, &offsite, &["--all"]).ok();
    assert_eq!(lines(&run, "copied "), 2, "{}", run.stdout);
    assert!(
        run.stdout.contains(offsite.to_str().unwrap()),
        "{}",
        run.stdout
    );
    let source = listed(&repo.path());
    assert_eq!(listed(&offsite), source, "same ids, same archives");

    let before = stamps(&offsite);
    let run = copy(&repo, &offsite, &["--all", "--json"]).ok();
    let rows = run.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    for row in rows.as_array().unwrap() {
        assert_eq!(row["action"], "skipped", "{row}");
        assert!(row["message"].as_str().unwrap().contains("already present"));
    }
    assert_eq!(stamps(&offsite), before, "nothing rewritten");

    // The manifest is the source's, byte for byte.
    let id = source.keys().last().unwrap();
    let manifest = |root: &Path| {
        let target = std::fs::read_dir(root)
            .unwrap()
            .flatten()
            .find(|e| e.path().is_dir())
            .unwrap()
            .path();
        std::fs::read(target.join(format!("{id}.manifest.json"))).unwrap()
    };
    assert_eq!(manifest(&offsite), manifest(&repo.path()));

    s.cli(&["FLUSHALL"]);
    let mut args = port_args(&s);
    args.extend(
        [
            "restore",
            "--repo",
            offsite.to_str().unwrap(),
            "-i",
            repo.identity.to_str().unwrap(),
            "--yes",
            "--latest",
        ]
        .map(String::from),
    );
    redisops(args).ok();
    assert_eq!(s.digest(), digest, "restored from the copy");
}

/// A server with `keys` keys and a new (not yet created) repository.
fn server_and_repo(keys: u64) -> (RedisServer, Repo) {
    let s = RedisServer::start();
    s.populate(keys);
    (s, Repo::new())
}

/// A server with `keys` keys, backed up once into a new repository.
fn backed_up(keys: u64) -> (RedisServer, Repo) {
    let (s, repo) = server_and_repo(keys);
    repo.backup(&port_args(&s), &[]).ok();
    (s, repo)
}

#[test]
fn dry_run_writes_nothing_and_the_same_repository_is_refused() {
    let (s, repo) = backed_up(100);
    let offsite = repo.dir.path().join("offsite");

    let run = copy(&repo, &offsite, &["--latest", "--dry-run"]).ok();
    assert_eq!(lines(&run, "would copy "), 1, "{}", run.stdout);
    assert!(!offsite.exists(), "a dry run creates nothing");
    let run = copy(&repo, &offsite, &["--latest", "--dry-run", "--json"]).ok();
    assert_eq!(run.json()[0]["action"], "would-copy");
    assert!(!offsite.exists());

    let src = repo.path();
    let link = repo.dir.path().join("link");
    std::os::unix::fs::symlink(&src, &link).unwrap();
    for same in [src.clone(), link, src.join("inside")] {
        copy(&repo, &same, &["--all"]).fails(2, &["same repository"]);
    }
    let mut args = port_args(&s);
    args.extend(repo.backup_args(&[], &["--copy-to", src.to_str().unwrap()]));
    redisops(args).fails(2, &["same repository"]);
    assert_eq!(listed(&src).len(), 1);

    // Nothing to copy, or a source that is not there: the usual codes.
    copy(&repo, &offsite, &["20991231"]).fails(24, &["no backup matching"]);
    let missing = repo.dir.path().join("missing");
    redisops([
        "copy",
        "--all",
        "--from",
        missing.to_str().unwrap(),
        "--to",
        offsite.to_str().unwrap(),
    ])
    .fails(24, &["does not exist"]);
    assert!(!offsite.exists());
}

#[test]
fn backup_copy_to_a_bad_destination_never_touches_the_server() {
    let (s, repo) = server_and_repo(100);
    let busy = repo.dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("dump.rdb"), b"not a repository").unwrap();
    let file = repo.dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    for (dest, why) in [(&busy, "not empty"), (&file, "not a directory")] {
        let connections = |s: &RedisServer| -> u64 {
            s.info_field("total_connections_received").parse().unwrap()
        };
        let before = connections(&s);
        let run = repo.backup(&port_args(&s), &["--copy-to", dest.to_str().unwrap()]);
        run.fails(24, &["--copy-to", why, "nothing was backed up"]);
        assert_eq!(
            connections(&s),
            before + 1,
            "only the harness' own INFO connected"
        );
        assert_eq!(s.info_field("rdb_bgsave_in_progress"), "0");
        assert!(!repo.path().exists(), "no source repository either");
    }
}

#[test]
fn backup_copy_to_lists_the_backup_in_both_repositories() {
    let (s, repo) = server_and_repo(1000);
    let offsite = repo.dir.path().join("offsite");
    let json = repo
        .backup(&port_args(&s), &["--copy-to", offsite.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(json["copy"]["action"], "copied", "{json}");
    assert_eq!(json["copy"]["repository"], offsite.to_str().unwrap());
    assert!(Path::new(json["copy"]["archive"].as_str().unwrap()).exists());
    let source = listed(&repo.path());
    assert_eq!(source.len(), 1);
    assert_eq!(listed(&offsite), source);

    // From the config file, relative to it; the text output names the copy.
    let config = repo.dir.path().join("redisops.toml");
    std::fs::write(&config, "[backup]\ncopy_to = \"offsite\"\n").unwrap();
    let mut args = vec!["--config".to_string(), config.display().to_string()];
    args.extend(port_args(&s));
    args.extend(
        [
            "backup",
            "--repo",
            repo.path().to_str().unwrap(),
            "--recipient",
            &repo.recipient,
        ]
        .map(String::from),
    );
    let run = redisops(args).ok();
    assert!(run.stdout.contains("  copied   "), "{}", run.stdout);
    assert_eq!(listed(&offsite), listed(&repo.path()));
    assert_eq!(listed(&offsite).len(), 2);

    // A copy that fails after the backup: exit 32, the backup stays committed.
    let mut cmd = redisops_cmd();
    cmd.args(repo.backup_args(&port_args(&s), &["--copy-to", offsite.to_str().unwrap()]))
        .env("REDISOPS_TEST_FAIL_COPY_AFTER_BYTES", "1");
    let run = run_cmd(cmd);
    run.fails(32, &["is committed in", "injected copy failure"]);
    assert_eq!(run.json()["copy"]["action"], "failed");
    assert_eq!(listed(&repo.path()).len(), 3);
    assert_eq!(listed(&offsite).len(), 2, "no half copy");
}

/// Spawns `copy` stalled after its first bytes and waits until it is writing.
fn stalled_copy(repo: &Repo, to: &Path) -> std::process::Child {
    let mut cmd = redisops_cmd();
    cmd.args(copy_args(repo, to, &["--all"]))
        .env("REDISOPS_TEST_STALL_COPY_AFTER_BYTES", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !to.exists() || !files(to).iter().any(|f| f.starts_with(".tmp-")) {
        assert!(Instant::now() < deadline, "the copy never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn a_killed_or_failed_copy_leaves_nothing_and_the_next_one_finishes() {
    let (s, repo) = backed_up(10);
    s.populate(50_000);
    repo.backup(&port_args(&s), &[]).ok();
    let offsite = repo.dir.path().join("offsite");

    let mut child = stalled_copy(&repo, &offsite);
    // Meanwhile the destination target is locked.
    copy(&repo, &offsite, &["--all"]).fails(20, &["holds the lock"]);
    child.kill().unwrap(); // SIGKILL: no cleanup runs
    child.wait().unwrap();
    assert!(listed(&offsite).is_empty(), "nothing listed after the kill");

    // The small backup copies, the big one fails past its size: exit 32, only one listed.
    let sizes: Vec<u64> = {
        let json = redisops(["list", "--repo", repo.path().to_str().unwrap(), "--json"])
            .ok()
            .json();
        json.as_array()
            .unwrap()
            .iter()
            .map(|b| b["manifest"]["archive"]["size"].as_u64().unwrap())
            .collect()
    };
    assert!(sizes[0] < sizes[1], "{sizes:?}");
    let mut cmd = redisops_cmd();
    cmd.args(copy_args(&repo, &offsite, &["--all"])).env(
        "REDISOPS_TEST_FAIL_COPY_AFTER_BYTES",
        (sizes[0] + 1).to_string(),
    );
    let run = run_cmd(cmd);
    run.fails(32, &["1 of 2 backup(s) could not be copied", "intact"]);
    assert_eq!(lines(&run, "copied "), 1, "{}", run.stdout);
    assert_eq!(lines(&run, "FAILED "), 1, "{}", run.stdout);
    assert_eq!(listed(&offsite).len(), 1);

    let run = copy(&repo, &offsite, &["--all"]).ok();
    assert_eq!(lines(&run, "skipped "), 1, "{}", run.stdout);
    assert_eq!(lines(&run, "copied "), 1, "{}", run.stdout);
    assert_eq!(listed(&offsite), listed(&repo.path()));
    assert!(
        files(&offsite).iter().all(|f| !f.starts_with(".tmp-")),
        "{:?}",
        files(&offsite)
    );
}
