//! The server's own RDB checker runs before a restore stops anything: a file whose values
//! are damaged where redisops' walk does not look (it skips values by their length) is
//! refused while the server keeps running, and `--dry-run` names the checker it used.

use crate::backup::Repo;
use crate::harness::{RedisServer, Run, redisops};
use std::path::Path;

/// An RDB 10 with one hash whose listpack is garbage of a plausible length, with a correct
/// CRC-64: the walk accepts it, redis-check-rdb (and the loading server) does not. Built by
/// hand from the format (type 16 = hash listpack, one string blob).
fn damaged_listpack() -> Vec<u8> {
    let mut rdb = b"REDIS0010".to_vec();
    rdb.extend([0xFE, 0x00, 16, 1, b'h', 12]);
    rdb.extend(b"not-listpack");
    rdb.push(0xFF);
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&rdb);
    rdb.extend(crc.to_le_bytes());
    rdb
}

/// `restore --file FILE --yes --no-safety-backup EXTRA…` onto `s`.
pub(crate) fn restore_file(s: &RedisServer, repo: &Repo, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "-p".to_string(),
        s.port.to_string(),
        "restore".into(),
        "--file".into(),
        file.display().to_string(),
        "--repo".into(),
        repo.path().display().to_string(),
        "-i".into(),
        repo.identity.display().to_string(),
        "--yes".into(),
        "--no-safety-backup".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    redisops(args)
}

#[test]
fn a_file_the_server_would_refuse_is_caught_before_the_stop() {
    let s = RedisServer::start();
    s.write_keys(20);
    let digest = s.digest();
    let run_id = s.info_field("run_id");
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();

    let bad = dir.path().join("damaged.rdb");
    std::fs::write(&bad, damaged_listpack()).unwrap();
    let run = restore_file(&s, &repo, &bad, &[]);
    assert_eq!(run.code, 22, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("redis-check-rdb (Redis ") && run.stderr.contains("rejected the RDB"),
        "{}",
        run.stderr
    );
    assert_eq!(s.digest(), digest);
    assert_eq!(s.info_field("run_id"), run_id, "the server was restarted");
    let left: Vec<String> = std::fs::read_dir(s.dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".redisops-restore-"))
        .collect();
    assert!(left.is_empty(), "staged file left behind: {left:?}");

    // A good file: the dry run names the checker that read it.
    s.cli(&["SAVE"]);
    let good = dir.path().join("good.rdb");
    std::fs::copy(s.dir().join("dump.rdb"), &good).unwrap();
    let run = restore_file(&s, &repo, &good, &["--dry-run"]).ok();
    assert!(
        run.stderr.contains("redis-check-rdb (Redis ") && run.stderr.contains("RDB looks OK"),
        "{}",
        run.stderr
    );
    assert_eq!(s.info_field("run_id"), run_id);
}
