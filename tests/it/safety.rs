//! Backups an operator can trust at 3 a.m.: safety backups are marked and never taken for the
//! data to restore, an empty backup needs its own confirmation, backups are found by the server
//! they came from, failed or mistyped runs create no repository, and `--keep-within` reads the
//! units people write.

use crate::backup::Repo;
use crate::harness::{RedisServer, Run, free_port, redisops};
use crate::restore::restore;
use std::path::Path;

fn port_args(s: &RedisServer) -> Vec<String> {
    vec!["-p".into(), s.port.to_string()]
}

/// Asserts the exit code and that stderr says each of `phrases`.
fn says(run: &Run, code: i32, phrases: &[&str]) {
    run.fails(code, phrases);
}

fn dbsize(s: &RedisServer) -> u64 {
    s.cli(&["DBSIZE"]).trim().parse().unwrap()
}

fn ids_by_kind(list: &serde_json::Value, kind: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == kind)
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn safety_backups_are_marked_and_never_taken_for_the_latest() {
    let s = RedisServer::start();
    s.write_keys(300);
    let repo = Repo::new();
    let good = repo.backup(&port_args(&s), &[]).ok().json();
    let good_id = good["backup"]["id"].as_str().unwrap().to_owned();
    assert_eq!(good["backup"]["kind"], "manual");

    // The incident: most data gone. The restore saves what is left first.
    s.cli(&["FLUSHALL"]);
    s.write_keys(40);
    let first = restore(&repo, &s, &["--latest", "--json"]).ok();
    assert!(first.json()["source"].as_str().unwrap().contains(&good_id));
    assert_eq!(dbsize(&s), 300);

    let list = repo.list();
    let safety = ids_by_kind(&list, "safety");
    assert_eq!(ids_by_kind(&list, "manual"), [good_id.as_str()]);
    assert_eq!(safety.len(), 1, "{list:#}");
    let marked = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "safety")
        .unwrap();
    let protects = &marked["manifest"]["protects"];
    assert!(
        protects["restore_of"].as_str().unwrap().contains(&good_id),
        "{protects}"
    );
    assert_eq!(protects["onto"], format!("127.0.0.1:{}", s.port));
    let table = redisops(["list", "--repo", repo.path().to_str().unwrap()]).ok();
    assert!(table.stdout.contains("safety"), "{}", table.stdout);
    assert!(
        table.stdout.contains("is a safety backup"),
        "{}",
        table.stdout
    );

    // The next --latest is still the good backup, not the damaged data saved a minute ago.
    s.cli(&["FLUSHALL"]);
    let second = restore(&repo, &s, &["--latest", "--json", "--no-safety-backup"]);
    let second = second.ok();
    assert!(second.json()["source"].as_str().unwrap().contains(&good_id));
    assert_eq!(dbsize(&s), 300);
    let dry = restore(
        &repo,
        &s,
        &["--latest", "--include-safety", "--dry-run", "--json"],
    )
    .ok();
    assert!(dry.json()["source"].as_str().unwrap().contains(&safety[0]));

    let repo_path = repo.path();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--repo", repo_path.to_str().unwrap(), "--json"];
        args.extend(extra);
        redisops(args).ok().json()[0]["id"].clone()
    };
    assert_eq!(verify(&["--latest"]), good_id.as_str());
    assert_eq!(
        verify(&["--latest", "--include-safety"]),
        safety[0].as_str()
    );

    // Retention: the safety backup keeps by its own rule and takes no regular slot.
    let prune = redisops([
        "prune",
        "--repo",
        repo.path().to_str().unwrap(),
        "--keep-last",
        "1",
        "--json",
    ])
    .ok()
    .json();
    let reasons = |id: &str| {
        prune
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {prune:#}"))["reasons"]
            .clone()
    };
    assert_eq!(reasons(&good_id), serde_json::json!(["last"]));
    assert_eq!(reasons(&safety[0]), serde_json::json!(["safety within 7d"]));
    assert_eq!(repo.list().as_array().unwrap().len(), 2);
}

#[test]
fn an_empty_or_much_smaller_backup_needs_allow_empty() {
    let s = RedisServer::start();
    let repo = Repo::new();
    repo.backup(&port_args(&s), &[]).ok();
    s.write_keys(100);
    let digest = s.digest();

    let refused = restore(&repo, &s, &["--latest"]);
    says(
        &refused,
        2,
        &["holds no keys", "--allow-empty", "--yes alone"],
    );
    assert_eq!(s.digest(), digest, "nothing changed");

    // The dry run shows the plan and says what it would need.
    let dry = restore(&repo, &s, &["--latest", "--dry-run", "--json"]).ok();
    let warnings = dry.json()["warnings"].to_string();
    assert!(warnings.contains("holds no keys"), "{warnings}");
    assert_eq!(s.digest(), digest);

    restore(&repo, &s, &["--latest", "--allow-empty"]).ok();
    assert_eq!(dbsize(&s), 0);

    // A tenth of the keys is "much smaller" too.
    s.write_keys(5);
    repo.backup(&port_args(&s), &[]).ok();
    s.write_keys(100);
    says(&restore(&repo, &s, &["--latest"]), 2, &["under a tenth"]);
}

/// A config file naming `name` targets at the ports.
fn config(dir: &Path, targets: &[(&str, u16)]) -> String {
    let path = dir.join("config.toml");
    let text: String = targets
        .iter()
        .map(|(name, port)| format!("[targets.{name}]\nurl = \"redis://127.0.0.1:{port}\"\n\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn backups_are_found_by_the_server_they_came_from() {
    let s = RedisServer::start();
    s.write_keys(50);
    let other = RedisServer::start();
    other.write_keys(50);
    let repo = Repo::new();
    let cfg = config(repo.dir.path(), &[("cache", s.port), ("cache2", s.port)]);
    let named = |name: &str| {
        vec![
            "--config".into(),
            cfg.clone(),
            "--target".into(),
            name.into(),
        ]
    };
    let taken = repo.backup(&named("cache"), &[]).ok().json();
    let id = taken["backup"]["id"].as_str().unwrap().to_owned();

    // `-p PORT` resolves to the folder 127.0.0.1-PORT, which is empty: the backup is found
    // in `cache` by its address.
    let dry = restore(&repo, &s, &["--latest", "--dry-run", "--json"]).ok();
    assert!(dry.json()["source"].as_str().unwrap().contains(&id));
    says(&dry, 0, &["using folder cache", "address 127.0.0.1"]);
    assert_eq!(dry.json()["warnings"], serde_json::json!([]));

    // Two folders hold backups of it: refuse, name both and how to pick.
    repo.backup(&named("cache2"), &[]).ok();
    let run = restore(&repo, &s, &["--latest", "--dry-run"]);
    says(
        &run,
        2,
        &["cache (newest", "cache2 (newest", "redisops restore ID"],
    );

    // Another server has none: not found, as before.
    says(&restore(&repo, &other, &["--latest", "--dry-run"]), 24, &[]);

    // Restoring one server's backup onto another says so in the plan.
    let dry = restore(&repo, &other, &[&id, "--dry-run", "--json"]).ok();
    let warnings = dry.json()["warnings"].to_string();
    let expected = format!(
        "backup of 127.0.0.1:{} (cache) onto 127.0.0.1:{}",
        s.port, other.port
    );
    assert!(warnings.contains(&expected), "{warnings}");
    says(&dry, 0, &[&expected]);
}

#[test]
fn failed_runs_and_mistyped_repositories_create_nothing() {
    let s = RedisServer::start();
    s.write_keys(10);
    let repo = Repo::new();
    let nobody = vec!["-p".to_string(), free_port().to_string()];

    // A backup that cannot connect: no repository, no folder.
    let run = repo.backup(&nobody, &[]);
    assert_eq!(run.code, 10, "{}", run.stderr);
    assert!(!repo.path().exists(), "the repository was created");
    let empty = repo.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let mut args = nobody.clone();
    args.extend(
        [
            "backup",
            "--repo",
            empty.to_str().unwrap(),
            "--recipient",
            &repo.recipient,
        ]
        .map(String::from),
    );
    assert_eq!(redisops(args).code, 10);
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // A bad key fails before the server or the repository is touched.
    let run = repo.backup(&port_args(&s), &["--recipient", "age1notakey"]);
    assert_ne!(run.code, 0);
    assert!(!repo.path().exists());

    // Mistyped --repo: "does not exist", exit 24, and still nothing created.
    let typo = repo.dir.path().join("repo-typo");
    let typo_str = typo.to_str().unwrap();
    let commands: [&[&str]; 4] = [
        &["list", "--repo", typo_str],
        &["verify", "--latest", "--repo", typo_str],
        &["prune", "--keep-last", "1", "--repo", typo_str],
        &["restore", "--latest", "--yes", "--repo", typo_str],
    ];
    for args in commands {
        let mut full = port_args(&s);
        full.extend(args.iter().map(|a| a.to_string()));
        says(&redisops(full), 24, &["does not exist"]);
        assert!(!typo.exists(), "{args:?} created {typo_str}");
    }
    // Restoring a file with a mistyped --repo for the safety backup: refused, server untouched.
    repo.backup(&port_args(&s), &[]).ok();
    let archive = repo.list()[0]["archive_path"].as_str().unwrap().to_owned();
    let digest = s.digest();
    let mut args = port_args(&s);
    args.extend(
        [
            "restore",
            "--file",
            &archive,
            "-i",
            repo.identity.to_str().unwrap(),
            "--yes",
            "--repo",
            typo_str,
        ]
        .map(String::from),
    );
    says(
        &redisops(args),
        24,
        &["does not exist", "--no-safety-backup"],
    );
    assert!(!typo.exists());
    assert_eq!(s.digest(), digest);
}

#[test]
fn keep_within_reads_the_units_people_write() {
    let s = RedisServer::start();
    s.write_keys(10);
    let repo = Repo::new();
    repo.backup(&port_args(&s), &[]).ok();
    let prune = |within: &str| {
        redisops([
            "prune",
            "--repo",
            repo.path().to_str().unwrap(),
            "--dry-run",
            "--keep-within",
            within,
        ])
    };
    for ok in ["30d", "12h", "2w", "6mo", "6months", "1y", "90min"] {
        let run = prune(ok).ok();
        assert!(run.stdout.contains("within"), "{ok}: {}", run.stdout);
    }
    let units = [
        "ambiguous",
        "mo (months)",
        "min (minutes)",
        "d (days)",
        "y (years)",
    ];
    says(&prune("6m"), 2, &units);
}
