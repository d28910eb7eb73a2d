//! `schedule` emits lines that run under cron's and systemd's empty environment, from
//! another directory: the config file, the redisops variables and relative paths are carried.

use crate::harness::{RedisServer, redisops, redisops_cmd, run_cmd};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// The command part of the crontab entry (after the 5 schedule fields), checked to be the
/// one entry printed.
fn crontab_command(stdout: &str) -> String {
    let entries: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(entries.len(), 1, "{stdout}");
    entries[0]
        .strip_prefix("0 3 * * * ")
        .unwrap_or_else(|| panic!("not the schedule asked for: {stdout}"))
        .to_string()
}

/// Runs `line` as cron does: `sh -c` in $HOME with nothing but HOME and PATH set.
fn run_like_cron(line: &str, home: &Path) -> std::process::Output {
    Command::new("env")
        .arg("-i")
        .arg(format!("HOME={}", home.display()))
        .arg("PATH=/usr/bin:/bin")
        .args(["sh", "-c", line])
        .current_dir(home)
        .output()
        .unwrap()
}

fn backups_in(repo: &Path, target: &str) -> usize {
    std::fs::read_dir(repo.join(target))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".manifest.json")
            })
            .count()
        })
        .unwrap_or(0)
}

/// A server with data, a working directory whose config.toml names it `cache`, and a
/// separate home directory for the cron run.
fn cache_target() -> (RedisServer, TempDir, TempDir) {
    let server = RedisServer::start();
    server.populate(100);
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("config.toml"),
        format!("[targets.cache]\nurl = \"{}\"\n", server.url()),
    )
    .unwrap();
    (server, work, home)
}

#[test]
fn crontab_line_runs_under_crons_empty_environment() {
    let (_server, work, home) = cache_target();
    // Relative paths everywhere: the config file, the repository flag.
    let mut cmd = redisops_cmd();
    cmd.current_dir(work.path()).args([
        "--config",
        "config.toml",
        "schedule",
        "--cron",
        "0 3 * * *",
        "--",
        "--target",
        "cache",
        "backup",
        "--repo",
        "repo",
        "--no-encrypt",
    ]);
    let out = run_cmd(cmd).ok();
    let line = crontab_command(&out.stdout);
    let config = work.path().join("config.toml");
    assert!(
        line.contains(&format!("--config {}", config.display())),
        "{line}"
    );
    assert!(
        line.contains(&format!("--repo {}", work.path().join("repo").display())),
        "{line}"
    );

    let ran = run_like_cron(&line, home.path());
    assert!(
        ran.status.success(),
        "the crontab line failed under cron's environment: {line}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(backups_in(&work.path().join("repo"), "cache"), 1);
    let repo = work.path().join("repo");
    let list = redisops([
        "--config".as_ref(),
        config.as_os_str(),
        "list".as_ref(),
        "--repo".as_ref(),
        repo.as_os_str(),
        "--json".as_ref(),
    ])
    .ok()
    .json();
    assert_eq!(list[0]["kind"], "scheduled", "{list}");
}

#[test]
fn redisops_variables_are_carried_absolute() {
    let (_server, work, home) = cache_target();
    let schedule = |emit: &str| {
        let mut cmd = redisops_cmd();
        cmd.current_dir(work.path())
            .env("REDISOPS_CONFIG", "config.toml")
            .env("REDISOPS_TARGET", "cache")
            .env("REDISOPS_REPO", "envrepo")
            .args(["schedule", "--cron", "0 3 * * *", "--emit", emit])
            .args(["--", "backup", "--no-encrypt"]);
        run_cmd(cmd).ok().stdout
    };
    let repo = work.path().join("envrepo");
    let line = crontab_command(&schedule("crontab"));
    assert!(
        line.starts_with(&format!("REDISOPS_REPO={} ", repo.display())),
        "{line}"
    );
    assert!(line.contains("REDISOPS_TARGET=cache "), "{line}");
    let ran = run_like_cron(&line, home.path());
    assert!(
        ran.status.success(),
        "{line}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(backups_in(&repo, "cache"), 1);

    let units = schedule("systemd");
    assert!(
        units.contains(&format!(
            "Environment=\"REDISOPS_REPO={}\"\n",
            repo.display()
        )),
        "{units}"
    );
    let exec = units
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap_or_else(|| panic!("no ExecStart: {units}"));
    let config = work.path().join("config.toml");
    assert!(
        exec.contains(&format!("--config {}", config.display())),
        "{exec}"
    );
}

#[test]
fn a_mistyped_command_is_refused_when_scheduling() {
    let mut cmd = redisops_cmd();
    cmd.args([
        "schedule", "--cron", "@daily", "--", "bakup", "--repo", "/r",
    ]);
    let run = run_cmd(cmd);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a valid redisops command line"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_password_in_a_carried_variable_is_refused() {
    let mut cmd = redisops_cmd();
    cmd.env("REDISOPS_TARGET", "redis://ops:s3cret@127.0.0.1:1")
        .args([
            "schedule", "--cron", "@daily", "--", "backup", "--repo", "/r",
        ]);
    let run = run_cmd(cmd);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing to put a password"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}
