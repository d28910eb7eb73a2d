//! `list`, `verify` and `prune` on a real repository: verify must catch a flipped byte,
//! truncation, a swapped archive and a wrong key; prune shows its reasons and keeps the newest.

use crate::backup::Repo;
use crate::harness::{RedisServer, redisops};
use std::path::PathBuf;

fn repo_with_backups(n: usize) -> (RedisServer, Repo, Vec<serde_json::Value>) {
    let server = RedisServer::start();
    server.populate(3000);
    let repo = Repo::new();
    let target = vec!["-p".to_string(), server.port.to_string()];
    let outcomes = (0..n)
        .map(|i| {
            server.cli(&["SET", &format!("extra{i}"), "x"]);
            repo.backup(&target, &[]).ok().json()
        })
        .collect();
    (server, repo, outcomes)
}

fn verify(repo: &Repo, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["verify", "--repo"];
    let path = repo.path();
    args.push(path.to_str().unwrap());
    args.extend(extra);
    redisops(args)
}

#[test]
fn verify_levels_and_damage() {
    let (_server, repo, backups) = repo_with_backups(2);
    let key = repo.identity.to_str().unwrap().to_string();
    let ok = verify(&repo, &["--all"]).ok();
    assert!(ok.stdout.contains("OK"), "{}", ok.stdout);
    // Levels in plain words: what was checked, and what was not.
    assert!(
        ok.stdout
            .contains("checked the archive's size and checksum against its manifest"),
        "{}",
        ok.stdout
    );
    assert!(!ok.stdout.contains("level"), "{}", ok.stdout);
    let ok = verify(&repo, &["--latest", "-i", &key, "--deep", "--json"])
        .ok()
        .json();
    assert_eq!(ok[0]["level"], "deep");
    assert_eq!(ok[0]["ok"], true);
    assert!(ok[0]["notes"][0].as_str().unwrap().contains("RDB looks OK"));

    let first = PathBuf::from(backups[0]["archive_path"].as_str().unwrap());
    let second = PathBuf::from(backups[1]["archive_path"].as_str().unwrap());
    let first_id = backups[0]["backup"]["id"].as_str().unwrap().to_string();
    let original = std::fs::read(&first).unwrap();

    // A flipped byte in the middle.
    let mut flipped = original.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    std::fs::write(&first, &flipped).unwrap();
    let run = verify(&repo, &[&first_id, "-i", &key]);
    assert_eq!(run.code, 22, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAILED") && run.stdout.contains("SHA-256"),
        "{}",
        run.stdout
    );

    // Truncated.
    std::fs::write(&first, &original[..original.len() - 100]).unwrap();
    let run = verify(&repo, &[&first_id, "-i", &key]);
    assert_eq!(run.code, 22);
    assert!(run.stdout.contains("truncated"), "{}", run.stdout);

    // Swapped: the other backup's archive under this name.
    std::fs::copy(&second, &first).unwrap();
    let run = verify(&repo, &[&first_id]);
    assert_eq!(run.code, 22);
    assert!(run.stdout.contains("swapped"), "{}", run.stdout);

    // Wrong identity.
    std::fs::write(&first, &original).unwrap();
    let other = Repo::new();
    let run = verify(&repo, &[&first_id, "-i", other.identity.to_str().unwrap()]);
    assert_eq!(run.code, 23, "{}", run.stdout);
    assert!(
        run.stdout.contains("none of the given identities"),
        "{}",
        run.stdout
    );
    verify(&repo, &[&first_id, "-i", &key]).ok();
}

#[test]
fn prune_table_dry_run_and_delete() {
    let (_server, repo, backups) = repo_with_backups(3);
    let path = repo.path();
    let path = path.to_str().unwrap();
    let run = redisops(["prune", "--repo", path]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no keep rule"), "{}", run.stderr);

    let table = redisops(["prune", "--repo", path, "--keep-last", "1", "--dry-run"]).ok();
    assert!(table.stdout.contains("would delete"), "{}", table.stdout);
    assert!(table.stdout.contains("last"), "{}", table.stdout);
    assert_eq!(repo.list().as_array().unwrap().len(), 3);

    let json = redisops(["prune", "--repo", path, "--keep-last", "1", "--json"])
        .ok()
        .json();
    let kept: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["keep"] == true)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, vec![backups[2]["backup"]["id"].as_str().unwrap()]);
    assert_eq!(repo.list().as_array().unwrap().len(), 1);
}

#[test]
fn keygen_schedule_and_list_text() {
    let (_server, repo, _) = repo_with_backups(1);
    let table = redisops(["list", "--repo", repo.path().to_str().unwrap()]).ok();
    assert!(table.stdout.contains("age-x25519"), "{}", table.stdout);
    // A reader that stops early (`| head`) is not an error.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} list --repo {} --json | head -c 1; echo \" rc=${{PIPESTATUS:-$?}}\"",
            env!("CARGO_BIN_EXE_redisops"),
            repo.path().display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let key = redisops(["keygen"]).ok();
    assert!(key.stdout.contains("AGE-SECRET-KEY-1"));
    assert!(key.stderr.contains("Public key: age1"));

    let cron = redisops([
        "schedule",
        "--cron",
        "30 2 * * 1-5",
        "--",
        "--target",
        "main",
        "backup",
    ])
    .ok();
    assert!(cron.stdout.contains("30 2 * * 1-5 "), "{}", cron.stdout);
    assert!(
        cron.stdout.contains("--target main backup --quiet"),
        "{}",
        cron.stdout
    );
    let units = redisops([
        "schedule",
        "--cron",
        "0 3 * * *",
        "--emit",
        "systemd",
        "--",
        "backup",
        "--repo",
        "/var/backups/redis",
    ])
    .ok();
    assert!(
        units.stdout.contains("OnCalendar=*-*-* 03:00:00"),
        "{}",
        units.stdout
    );
    assert!(units.stdout.contains("Type=oneshot"), "{}", units.stdout);
}

#[test]
fn passphrase_recipients_file_and_config_driven_backup() {
    let server = RedisServer::start();
    server.populate(40);
    let dir = tempfile::tempdir().unwrap();
    let port = server.port.to_string();

    // Passphrase (scrypt): verify needs the same passphrase; a wrong one exits 23.
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let repo = dir.path().join("repo");
    let json = redisops([
        "-p",
        &port,
        "backup",
        "--repo",
        repo.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(json["backup"]["archive"]["encryption"], "age-scrypt");
    assert!(
        json["backup"]["archive"]["recipients"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    redisops([
        "verify",
        "--repo",
        repo.to_str().unwrap(),
        "--latest",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ])
    .ok();
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    let run = redisops([
        "verify",
        "--repo",
        repo.to_str().unwrap(),
        "--latest",
        "--passphrase-file",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 23, "{}", run.stdout);

    // Everything from the config file: repository, recipients file, retention.
    let keys = crate::backup::Repo::new();
    let recipients = dir.path().join("recipients.txt");
    std::fs::write(&recipients, format!("# ops key\n{}\n\n", keys.recipient)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_target = \"cache\"\n[targets.cache]\nurl = \"redis://127.0.0.1:{port}\"\n\
             [repository]\npath = \"cfg-repo\"\n[backup]\nrecipients_file = \"recipients.txt\"\n\
             method = \"sync\"\n[retention]\nkeep_last = 1\n"
        ),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    for _ in 0..2 {
        let json = redisops(["--config", cfg, "backup", "--json"]).ok().json();
        assert_eq!(json["backup"]["target"]["name"], "cache");
        assert_eq!(json["backup"]["method"], "sync");
        assert_eq!(
            json["backup"]["archive"]["recipients"][0],
            keys.recipient.as_str()
        );
    }
    let listed = redisops(["--config", cfg, "list", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let pruned = redisops(["--config", cfg, "prune", "--json"]).ok().json();
    assert_eq!(
        pruned
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["keep"] == false)
            .count(),
        1
    );
    // The newest (last listed) is the one kept.
    let id = listed[1]["id"].as_str().unwrap();
    assert!(
        pruned
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["keep"] == true && r["id"] == id)
    );
    let run = redisops([
        "--config",
        cfg,
        "verify",
        id,
        "-i",
        keys.identity.to_str().unwrap(),
    ])
    .ok();
    assert!(run.stdout.contains("OK"), "{}", run.stdout);
}

#[test]
fn verify_reports_broken_manifests_and_rdb_level_mismatches() {
    let (_server, repo, backups) = repo_with_backups(2);
    let key = repo.identity.to_str().unwrap().to_string();

    // The RDB-level checks catch what the archive hash cannot: a manifest whose key counts
    // were changed (the archive itself is intact).
    let manifest = PathBuf::from(backups[0]["manifest_path"].as_str().unwrap());
    let original = std::fs::read_to_string(&manifest).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&original).unwrap();
    m["databases"]["0"]["keys"] = serde_json::json!(1);
    std::fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let id = backups[0]["backup"]["id"].as_str().unwrap();
    verify(&repo, &[id]).ok();
    let run = verify(&repo, &[id, "-i", &key]);
    assert_eq!(run.code, 22, "{}", run.stdout);
    assert!(run.stdout.contains("key counts per db"), "{}", run.stdout);
    std::fs::write(&manifest, original).unwrap();

    // The newest backup's archive is gone: --latest must not fall back to an older one.
    let newest = PathBuf::from(backups[1]["archive_path"].as_str().unwrap());
    std::fs::remove_file(&newest).unwrap();
    let run = verify(&repo, &["--latest"]);
    assert_eq!(run.code, 22, "{}", run.stdout);
    assert!(run.stdout.contains("missing"), "{}", run.stdout);
    let run = verify(&repo, &["--all", "--json"]);
    assert_eq!(run.code, 22, "{}", run.stdout);
    let reports = run.json();
    assert_eq!(reports.as_array().unwrap().len(), 2);
    assert_eq!(
        reports
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["ok"] == true)
            .count(),
        1
    );

    let run = verify(&repo, &["--all", "--deep"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--deep needs the key"),
        "{}",
        run.stderr
    );
}
