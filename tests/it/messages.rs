//! Messages an operator meets on a bad day: each says what happened once, names where the
//! bad input came from, and exits with the documented code.

use crate::harness::{RedisServer, redisops, redisops_cmd, run_cmd};
use std::process::Stdio;

#[test]
fn causes_are_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().unwrap();
    for args in [
        vec!["-p", "1", "backup", "--recipients-file", missing],
        vec!["-p", "1", "backup", "--passphrase-file", missing],
    ] {
        let mut all = args.clone();
        all.extend(["--repo", repo.to_str().unwrap()]);
        let run = redisops(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("No such file or directory").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_missing_file_named_in_the_config_names_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[targets.main]\nurl = \"redis://127.0.0.1:1\"\npassword_file = \"nope.pw\"\n\
         [backup]\nrecipients_file = \"nope.txt\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let run = redisops(["--config", config, "--target", "main", "status"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("password_file of [targets.main] in {config}")),
        "{}",
        run.stderr
    );
    let repo = dir.path().join("repo");
    let run = redisops([
        "--config",
        config,
        "-p",
        "1",
        "backup",
        "--repo",
        repo.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("recipients_file of [backup] in {config}")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_public_key_given_as_identity_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let made = redisops(["keygen", "--output", key.to_str().unwrap()]).ok();
    let public = made
        .stdout
        .lines()
        .chain(made.stderr.lines())
        .find(|l| l.trim().starts_with("age1"))
        .unwrap()
        .trim()
        .to_string();
    let pub_file = dir.path().join("key.pub");
    std::fs::write(&pub_file, format!("{public}\n")).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let run = redisops([
        "restore",
        "--file",
        dir.path().join("x.rdb.age").to_str().unwrap(),
        "-i",
        pub_file.to_str().unwrap(),
        "-p",
        "1",
        "--dry-run",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("holds a public key"), "{}", run.stderr);
}

#[test]
fn resume_without_a_journal_has_nothing_to_resume() {
    let server = RedisServer::start();
    let port = server.port.to_string();
    let run = redisops(["-p", &port, "restore", "--resume", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to resume"), "{}", run.stderr);
}

#[test]
fn completions_into_a_closed_pipe_exit_quietly() {
    // `redisops completions zsh | head -1`, without the shell.
    let mut cmd = redisops_cmd();
    cmd.args(["completions", "zsh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_empty_redisops_config_is_unset() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = redisops_cmd();
    cmd.env("REDISOPS_CONFIG", "").args([
        "list",
        "--repo",
        dir.path().join("none").to_str().unwrap(),
    ]);
    let run = run_cmd(cmd);
    assert!(
        !run.stderr.contains("a value is required"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not a redisops repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn keep_counts_of_zero_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[retention]\nkeep_last = 5\n").unwrap();
    let repo = dir.path().join("repo");
    let run = redisops([
        "--config",
        config.to_str().unwrap(),
        "prune",
        "--keep-last",
        "0",
        "--repo",
        repo.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("all 0"), "{}", run.stderr);
}
