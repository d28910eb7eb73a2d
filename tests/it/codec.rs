//! Compression codecs end to end: a zstd backup read by `age -d | zstd -d`, list, verify and
//! restore; gzip at one and several threads read by `age -d | gunzip`; manifests without a
//! codec (older redisops) read as gzip; a manifest naming the wrong codec caught by verify; a
//! gzip archive of several members read by gunzip, and cut between two, caught by verify.

use crate::backup::Repo;
use crate::harness::{RedisServer, redisops};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn port_args(s: &RedisServer) -> Vec<String> {
    vec!["-p".into(), s.port.to_string()]
}

/// `age -d` with the repository's key, piped into `tool -dc`.
fn decrypt_and(repo: &Repo, archive: &Path, tool: &str) -> Vec<u8> {
    let mut age = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&repo.identity)
        .arg(archive)
        .stdout(Stdio::piped())
        .spawn()
        .expect("age is required: apt-get install age");
    let out = Command::new(tool)
        .arg("-dc")
        .stdin(age.stdout.take().unwrap())
        .output()
        .unwrap_or_else(|e| panic!("{tool} is required (apt-get install {tool}): {e}"));
    assert!(age.wait().unwrap().success(), "age -d failed");
    assert!(out.status.success(), "{tool} -dc failed");
    out.stdout
}

fn verify(repo: &Repo, id: &str) -> crate::harness::Run {
    let path = repo.path();
    let key = repo.identity.to_str().unwrap();
    redisops(["verify", "--repo", path.to_str().unwrap(), id, "-i", key])
}

fn manifest_path(archive: &Path) -> PathBuf {
    let name = archive.file_name().unwrap().to_str().unwrap();
    let id = name.split('.').next().unwrap();
    archive.with_file_name(format!("{id}.manifest.json"))
}

fn edit_manifest(archive: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = manifest_path(archive);
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn zstd_backups_are_read_by_zstd_list_verify_and_restore() {
    let server = RedisServer::start();
    server.populate(20_000);
    let digest = server.digest();
    let repo = Repo::new();
    let json = repo
        .backup(
            &port_args(&server),
            &["--compression", "zstd", "--level", "7", "--threads", "2"],
        )
        .ok()
        .json();
    let m = &json["backup"];
    assert_eq!(m["archive"]["compression"], "zstd");
    assert_eq!(m["archive"]["compression_level"], 7);
    let archive = PathBuf::from(json["archive_path"].as_str().unwrap());
    assert!(archive.to_str().unwrap().ends_with(".rdb.zst.age"));
    let rdb = decrypt_and(&repo, &archive, "zstd");
    assert!(rdb.starts_with(b"REDIS"));
    assert_eq!(rdb.len() as u64, m["rdb"]["size"].as_u64().unwrap());

    assert_eq!(repo.list()[0]["manifest"]["archive"]["compression"], "zstd");
    let text = redisops(["list", "--repo", repo.path().to_str().unwrap()]).ok();
    assert!(text.stdout.contains("zstd 7"), "{}", text.stdout);
    let id = m["id"].as_str().unwrap();
    let ok = verify(&repo, id).ok();
    assert!(ok.stdout.contains("OK"), "{}", ok.stdout);

    server.cli(&["FLUSHALL"]);
    crate::restore::restore(&repo, &server, &["--latest"]).ok();
    assert_eq!(server.digest(), digest);
}

#[test]
fn gzip_at_one_and_several_threads_is_read_by_gunzip() {
    let server = RedisServer::start();
    server.populate(20_000);
    let repo = Repo::new();
    for threads in ["1", "3"] {
        let json = repo
            .backup(&port_args(&server), &["--threads", threads, "--level", "1"])
            .ok()
            .json();
        assert_eq!(json["backup"]["archive"]["compression"], "gzip");
        let archive = PathBuf::from(json["archive_path"].as_str().unwrap());
        assert!(archive.to_str().unwrap().ends_with(".rdb.gz.age"));
        let rdb = decrypt_and(&repo, &archive, "gunzip");
        assert_eq!(
            rdb.len() as u64,
            json["backup"]["rdb"]["size"].as_u64().unwrap()
        );
    }
}

#[test]
fn manifest_codec_old_manifests_are_gzip_and_a_wrong_codec_is_caught() {
    let server = RedisServer::start();
    server.populate(2_000);
    let repo = Repo::new();
    let json = repo.backup(&port_args(&server), &[]).ok().json();
    let id = json["backup"]["id"].as_str().unwrap();
    let archive = PathBuf::from(json["archive_path"].as_str().unwrap());

    // As written by redisops before the codec field.
    edit_manifest(&archive, |m| {
        m["archive"].as_object_mut().unwrap().remove("compression");
    });
    assert_eq!(repo.list()[0]["manifest"]["archive"]["compression"], "gzip");
    verify(&repo, id).ok();

    edit_manifest(&archive, |m| m["archive"]["compression"] = "zstd".into());
    let run = verify(&repo, id);
    assert_eq!(run.code, 22, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("manifest says the RDB is zstd-compressed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_level_outside_the_codecs_range_is_a_usage_error() {
    let server = RedisServer::start();
    let repo = Repo::new();
    let run = repo.backup(&port_args(&server), &["--level", "12"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("outside gzip's 1..=9"),
        "{}",
        run.stderr
    );
    assert!(repo.files().is_empty(), "{:?}", repo.files());
}

#[test]
fn gzip_members_are_read_by_gunzip_and_a_cut_between_two_is_caught_by_verify() {
    let server = RedisServer::start();
    // An RDB of several 512 KiB blocks: at level 3 a gzip member each.
    server.populate(60_000);
    let repo = Repo::new();
    let path = repo.path();
    let path = path.to_str().unwrap();
    let port = server.port.to_string();
    let json = redisops([
        "-p",
        &port,
        "backup",
        "--repo",
        path,
        "--no-encrypt",
        "--json",
        "--level",
        "3",
    ])
    .ok()
    .json();
    let id = json["backup"]["id"].as_str().unwrap();
    let archive = PathBuf::from(json["archive_path"].as_str().unwrap());
    let rdb_size = json["backup"]["rdb"]["size"].as_u64().unwrap();
    let gunzip = |file: &Path| Command::new("gunzip").arg("-c").arg(file).output().unwrap();
    let whole = gunzip(&archive);
    assert!(whole.status.success());
    assert_eq!(whole.stdout.len() as u64, rdb_size);

    // zlib stops at the end of the first member: what follows is the rest of the members.
    let script = "import sys, zlib\n\
                  data = open(sys.argv[1], 'rb').read()\n\
                  d = zlib.decompressobj(31)\n\
                  d.decompress(data)\n\
                  assert d.eof and d.unused_data, 'one member only'\n\
                  print(len(data) - len(d.unused_data))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&archive)
        .output()
        .expect("python3 is required");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let bytes = std::fs::read(&archive).unwrap();
    std::fs::write(&archive, &bytes[..first]).unwrap();
    // A valid, shorter gzip file: gunzip cannot tell; verify can.
    let cut = gunzip(&archive);
    assert!(cut.status.success());
    assert!((cut.stdout.len() as u64) < rdb_size);
    let run = redisops(["verify", "--repo", path, id]);
    assert_eq!(run.code, 22, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("truncated"), "{}", run.stdout);
}
