//! S3 repositories end to end against a real S3 server (moto, started per test): backup →
//! list → verify → restore with equal `DEBUG DIGEST` for both methods, a run killed
//! mid-upload leaves no backup and the next run aborts its upload, errors an operator can
//! act on (missing bucket, dead endpoint, wrong credentials, missing permission, untrusted
//! TLS), and the lease that keeps two hosts from writing one target at once.

use crate::backup::Repo;
use crate::harness::s3::{BucketOptions, Credentials, MotoOptions, MotoServer};
use crate::harness::{RedisServer, Run, TlsFixture, free_port, redisops_cmd, run_cmd};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BUCKET: &str = "redisops-backups";
const URL: &str = "s3://redisops-backups/redis/prod";
const PREFIX: &str = "redis/prod/";

/// A moto server with the bucket, the age key, and how redisops reaches them.
struct S3 {
    moto: MotoServer,
    keys: Repo,
    creds: Credentials,
}

impl S3 {
    fn start() -> Self {
        Self::with(MotoOptions::default())
    }

    fn with(opts: MotoOptions) -> Self {
        let moto = MotoServer::with(opts);
        moto.create_bucket(BUCKET);
        Self {
            moto,
            keys: Repo::new(),
            creds: Credentials::default_keys(),
        }
    }

    /// redisops with the endpoint and keys in the standard variables, nothing from the
    /// user's own AWS set-up.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = redisops_cmd();
        for var in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL_S3",
            "AWS_DEFAULT_REGION",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_ACCESS_KEY_ID", &self.creds.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.creds.secret_access_key)
            .env("AWS_ENDPOINT_URL", self.moto.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        run_cmd(self.cmd(args))
    }

    /// `backup` of `s` into [`URL`], encrypted to the test key, plus `extra` arguments.
    fn backup_cmd(&self, s: &RedisServer, extra: &[&str]) -> Command {
        let port = s.port.to_string();
        let mut args = vec![
            "-p",
            &port,
            "backup",
            "--repo",
            URL,
            "--recipient",
            &self.keys.recipient,
        ];
        args.extend(extra);
        self.cmd(&args)
    }

    fn backup(&self, s: &RedisServer, extra: &[&str]) -> Run {
        run_cmd(self.backup_cmd(s, extra))
    }

    fn restore(&self, s: &RedisServer, which: &[&str]) -> Run {
        let port = s.port.to_string();
        let conf = s.conf_file();
        let identity = self.keys.identity.to_str().unwrap().to_owned();
        let mut args = vec![
            "-p",
            &port,
            "restore",
            "--repo",
            URL,
            "-i",
            &identity,
            "--yes",
            "--config-file",
            conf.to_str().unwrap(),
        ];
        args.extend(which);
        self.run(&args)
    }

    fn listed(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["list", "--repo", URL, "--json"]).ok();
        let json = run.json();
        json.as_array()
            .cloned()
            .unwrap_or_else(|| panic!("list --json: {json}"))
    }

    /// Starts a backup `cmd` whose upload pauses for 4 s after its first part, and returns
    /// once the upload exists.
    fn spawn_stalled(&self, mut cmd: Command) -> std::process::Child {
        cmd.env("REDISOPS_TEST_STALL_AFTER_PARTS", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.uploads().is_empty() {
            assert!(Instant::now() < deadline, "the upload never started");
            std::thread::sleep(Duration::from_millis(100));
        }
        child
    }

    fn uploads(&self) -> Vec<(String, String)> {
        self.moto.list_uploads(BUCKET, PREFIX)
    }
}

/// `mib` MiB of incompressible values (so the archive needs several 5 MiB parts) and a few
/// ordinary keys in two databases.
fn fill(s: &RedisServer, mib: usize) {
    let script = "math.randomseed(tonumber(ARGV[2])) \
        for k = 1, tonumber(ARGV[1]) do local t = {} \
        for i = 1, 65536 do t[i] = string.char(math.random(0, 255)) end \
        redis.call('SET', 'blob:' .. k, table.concat(t)) end return 1";
    s.cli(&["EVAL", script, "0", &(mib * 16).to_string(), "7"]);
    s.write_keys(100);
    s.cli(&["HSET", "h", "a", "1"]);
    s.cli(&["-n", "2", "SET", "other-db", "v"]);
}

/// `dir/config.toml` with a `[repository]` section naming [`URL`] plus `lines`.
fn repository_config(dir: &Path, lines: &str) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[repository]\nurl = \"{URL}\"\n{lines}")).unwrap();
    config
}

fn debug_server() -> RedisServer {
    RedisServer::with_conf(&["enable-debug-command yes"])
}

#[test]
fn backup_list_verify_restore_through_s3_for_both_methods() {
    let s3 = S3::start();
    let s = debug_server();
    fill(&s, 12);
    let digest = s.digest();
    let bgsave = s3.backup(&s, &["--json"]).ok().json();
    assert!(
        bgsave["archive"].as_str().unwrap().starts_with(URL),
        "{bgsave}"
    );
    let sync = s3.backup(&s, &["--method", "sync", "--json"]).ok().json();
    assert_eq!(s3.listed().len(), 2);
    assert!(
        s3.uploads().is_empty(),
        "no upload is left open: {:?}",
        s3.uploads()
    );
    let keys = s3.moto.list_keys(BUCKET, PREFIX);
    assert!(keys.iter().all(|k| !k.contains(".tmp-")), "{keys:?}");

    let identity = s3.keys.identity.to_str().unwrap();
    let verified = s3
        .run(&["verify", "--repo", URL, "--all", "--deep", "-i", identity])
        .ok();
    assert_eq!(
        verified.stdout.matches("OK ").count(),
        2,
        "{}",
        verified.stdout
    );

    for backup in [&bgsave, &sync] {
        s.cli(&["FLUSHALL"]);
        s.cli(&["SET", "damage", "1"]);
        let id = backup["backup"]["id"].as_str().unwrap();
        s3.restore(&s, &[id]).ok();
        assert_eq!(s.digest(), digest, "restored {id}");
    }
}

#[test]
fn a_run_killed_mid_upload_leaves_no_backup_and_the_next_run_aborts_its_upload() {
    let s3 = S3::start();
    let s = RedisServer::start();
    fill(&s, 12);
    let mut cmd = s3.backup_cmd(&s, &[]);
    cmd.env("REDISOPS_TEST_KILL_AFTER_PARTS", "1");
    let killed = run_cmd(cmd);
    assert_eq!(killed.code, 137, "{}", killed.stderr);
    assert!(s3.listed().is_empty());
    assert_eq!(
        s3.uploads().len(),
        1,
        "the interrupted upload is still open"
    );

    let next = s3.backup(&s, &[]).ok();
    assert!(
        next.stderr
            .contains("removed leftover of an interrupted run")
            && next.stderr.contains("aborted"),
        "{}",
        next.stderr
    );
    assert!(s3.uploads().is_empty(), "{:?}", s3.uploads());
    assert_eq!(s3.listed().len(), 1);
}

#[test]
fn missing_bucket_dead_endpoint_and_bad_credentials_have_their_own_exit_codes() {
    let mut s3 = S3::start();
    let s = RedisServer::start();
    s.write_keys(10);
    let port = s.port.to_string();

    s3.run(&["list", "--repo", "s3://no-such-bucket/x"]).fails(
        24,
        &[
            "bucket no-such-bucket does not exist",
            "never creates buckets",
        ],
    );
    let before = s.info_field("rdb_last_bgsave_time_sec");
    s3.run(&[
        "-p",
        &port,
        "backup",
        "--repo",
        "s3://no-such-bucket/x",
        "--no-encrypt",
    ])
    .fails(24, &["no-such-bucket"]);
    assert_eq!(
        s.info_field("rdb_last_bgsave_time_sec"),
        before,
        "the server was not touched"
    );

    let mut dead = s3.cmd(&["list", "--repo", URL]);
    dead.env(
        "AWS_ENDPOINT_URL",
        format!("http://127.0.0.1:{}", free_port()),
    );
    let started = Instant::now();
    run_cmd(dead).fails(10, &["cannot reach the S3 endpoint"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    // Once armed, moto checks keys, signatures and policies.
    s3.backup(&s, &[]).ok();
    let reader = s3
        .moto
        .create_user("reader", &["s3:GetObject", "s3:ListBucket"]);
    s3.moto.arm_auth();
    s3.creds = Credentials {
        access_key_id: "AKIAUNKNOWN000000000".into(),
        secret_access_key: "x".into(),
    };
    s3.run(&["list", "--repo", URL])
        .fails(11, &["InvalidAccessKeyId", "AWS_ACCESS_KEY_ID"]);
    s3.creds = Credentials {
        secret_access_key: "wrong".into(),
        ..reader.clone()
    };
    s3.run(&["list", "--repo", URL])
        .fails(11, &["SignatureDoesNotMatch"]);
    s3.creds = reader;
    assert_eq!(s3.listed().len(), 1, "the reader may list");
    let before = s.info_field("rdb_last_bgsave_time_sec");
    s3.backup(&s, &[]).fails(
        12,
        &[
            "AccessDenied",
            "s3:PutObject on s3://redisops-backups/redis/prod/",
        ],
    );
    assert_eq!(
        s.info_field("rdb_last_bgsave_time_sec"),
        before,
        "the server was not touched"
    );
    assert_eq!(s3.listed().len(), 1);
}

#[test]
fn on_an_object_lock_bucket_prune_hides_backups_and_the_versions_stay() {
    let s3 = S3::start();
    s3.moto.create_bucket_with(
        "locked-backups",
        BucketOptions {
            versioning: true,
            object_lock_governance_days: Some(7),
        },
    );
    let url = "s3://locked-backups/redis";
    let s = RedisServer::start();
    s.write_keys(10);
    let port = s.port.to_string();
    for _ in 0..2 {
        s3.run(&["-p", &port, "backup", "--repo", url, "--no-encrypt"])
            .ok();
    }
    let pruned = s3
        .run(&["prune", "--repo", url, "--keep-last", "1", "--json"])
        .ok()
        .json();
    let kept_rows: Vec<bool> = (pruned.as_array().unwrap().iter())
        .map(|row| row["keep"].as_bool().unwrap())
        .collect();
    assert_eq!(kept_rows, [true, false], "{pruned}");
    let listed = s3.run(&["list", "--repo", url, "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let versions = s3.moto.list_versions("locked-backups", "redis/");
    let markers = versions.iter().filter(|v| v.delete_marker).count();
    let kept = versions
        .iter()
        .filter(|v| !v.delete_marker && v.key.ends_with(".manifest.json"))
        .count();
    assert_eq!((markers >= 2, kept), (true, 2), "{versions:?}");
}

/// A lease written by a run on another host.
fn foreign_lease(s3: &S3, target: &str) {
    let holder = serde_json::json!({
        "pid": 4242, "host": "backup-host-b", "since": "2026-12-03T03:00:00Z",
        "purpose": "backup", "redisops_version": "0.1.0"
    });
    s3.moto.put_object(
        BUCKET,
        &format!("{PREFIX}{target}/.lock"),
        holder.to_string().as_bytes(),
    );
}

#[test]
fn a_lease_held_by_another_host_stops_a_backup_until_it_goes_stale() {
    let s3 = S3::start();
    let s = RedisServer::start();
    s.write_keys(10);
    let target = format!("vm-{}", s.port);
    s3.backup(&s, &[]).ok();
    foreign_lease(&s3, &target);
    s3.backup(&s, &[]).fails(20, &["backup-host-b", "pid 4242"]);
    assert_eq!(s3.listed().len(), 1);

    // With a short stale time, the lease nobody refreshes is taken over.
    let dir = tempfile::tempdir().unwrap();
    let config = repository_config(dir.path(), "lock_stale_after = 1\n");
    std::thread::sleep(Duration::from_millis(2100));
    let port = s.port.to_string();
    let taken = s3
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "-p",
            &port,
            "backup",
            "--recipient",
            &s3.keys.recipient,
        ])
        .ok();
    assert!(
        taken.stderr.contains("took over") && taken.stderr.contains("backup-host-b"),
        "{}",
        taken.stderr
    );
    assert_eq!(s3.listed().len(), 2);
    assert!(
        !s3.moto
            .list_keys(BUCKET, PREFIX)
            .iter()
            .any(|k| k.ends_with(".lock")),
        "the lease is released"
    );
}

#[test]
fn a_run_whose_lease_was_taken_over_commits_nothing() {
    let s3 = S3::start();
    let s = RedisServer::start();
    fill(&s, 12);
    let target = format!("vm-{}", s.port);
    let dir = tempfile::tempdir().unwrap();
    // Stale after 6 s: the holder refreshes its lease every second.
    let config = repository_config(dir.path(), "lock_stale_after = 6\n");
    let port = s.port.to_string();
    let cmd = s3.cmd(&[
        "--config",
        config.to_str().unwrap(),
        "-p",
        &port,
        "backup",
        "--recipient",
        &s3.keys.recipient,
    ]);
    let child = s3.spawn_stalled(cmd);
    // While the upload stalls, another host replaces the lease (as a takeover would).
    std::thread::sleep(Duration::from_millis(1500));
    foreign_lease(&s3, &target);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(20), "{stderr}");
    assert!(
        stderr.contains("taken over") && stderr.contains("nothing was committed"),
        "{stderr}"
    );
    assert!(s3.listed().is_empty());
    assert!(
        s3.uploads().is_empty(),
        "the upload was aborted: {:?}",
        s3.uploads()
    );
    let lease = s3
        .moto
        .get_object(BUCKET, &format!("{PREFIX}{target}/.lock"));
    assert!(
        String::from_utf8_lossy(&lease.unwrap()).contains("backup-host-b"),
        "the new holder's lease stays"
    );
}

#[test]
fn https_endpoints_need_their_ca_and_key_files_must_be_private() {
    let tls = Arc::new(TlsFixture::new());
    let s3 = S3::with(MotoOptions {
        tls: Some(tls.clone()),
        ..Default::default()
    });
    s3.run(&["list", "--repo", URL]).fails(13, &["ca_file"]);

    let dir = tempfile::tempdir().unwrap();
    let (id, secret) = (dir.path().join("key-id"), dir.path().join("secret"));
    std::fs::write(&id, &s3.creds.access_key_id).unwrap();
    std::fs::write(&secret, &s3.creds.secret_access_key).unwrap();
    let config = repository_config(
        dir.path(),
        &format!(
            "endpoint = \"{}\"\nca_file = \"{}\"\naccess_key_id_file = \"key-id\"\n\
             secret_access_key_file = \"secret\"\n",
            s3.moto.endpoint(),
            tls.ca.display()
        ),
    );
    // Keys from the files only, the endpoint and CA from the config.
    let with_config = |args: &[&str]| {
        let mut cmd = s3.cmd(&["--config", config.to_str().unwrap()]);
        cmd.args(args)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_ENDPOINT_URL");
        run_cmd(cmd)
    };
    with_config(&["list"]).fails(2, &["chmod 600"]);
    for f in [&id, &secret] {
        chmod_600(f);
    }
    let s = RedisServer::start();
    s.write_keys(10);
    let run = with_config(&["-p", &s.port.to_string(), "backup", "--no-encrypt"]).ok();
    assert!(!run.stderr.contains(&s3.creds.secret_access_key));
    let listed = with_config(&["list", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

fn chmod_600(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn prune_reports_a_delete_the_store_refused() {
    let mut s3 = S3::start();
    let s = RedisServer::start();
    s.write_keys(10);
    s3.backup(&s, &[]).ok();
    s3.backup(&s, &[]).ok();
    let writer = s3.moto.create_user(
        "writer",
        &[
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
        ],
    );
    s3.moto.arm_auth();
    s3.creds = writer;
    assert_eq!(s3.listed().len(), 2);
    s3.run(&["prune", "--repo", URL, "--keep-last", "1"])
        .fails(12, &["s3:DeleteObject", "AccessDenied"]);
    assert_eq!(s3.listed().len(), 2, "nothing half-deleted");
}

#[test]
fn copy_local_to_s3_and_back_keeps_every_byte() {
    let s3 = S3::start();
    let s = debug_server();
    fill(&s, 6);
    let digest = s.digest();
    let local = Repo::new();
    let local_path = local.path().display().to_string();
    let port = s.port.to_string();
    // backup --copy-to sends it off-host right after the backup.
    let backup = s3
        .run(&[
            "-p",
            &port,
            "backup",
            "--repo",
            &local_path,
            "--recipient",
            &s3.keys.recipient,
            "--copy-to",
            URL,
            "--json",
        ])
        .ok()
        .json();
    let sha = backup["backup"]["archive"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let remote = s3.listed();
    assert_eq!(remote.len(), 1);
    assert_eq!(remote[0]["manifest"]["archive"]["sha256"], sha);

    // A restore drill: S3 back to a new local repository, then restore from it.
    let drill = tempfile::tempdir().unwrap();
    let drill_path = drill.path().join("repo").display().to_string();
    s3.run(&["copy", "--from", URL, "--to", &drill_path, "--all"])
        .ok();
    let again = s3
        .run(&["copy", "--from", URL, "--to", &drill_path, "--all"])
        .ok();
    assert!(again.stdout.contains("skipped"), "{}", again.stdout);
    let copied = s3
        .run(&["list", "--repo", &drill_path, "--json"])
        .ok()
        .json();
    assert_eq!(copied[0]["manifest"]["archive"]["sha256"], sha);
    s.cli(&["FLUSHALL"]);
    let conf = s.conf_file();
    s3.run(&[
        "-p",
        &port,
        "restore",
        "--repo",
        &drill_path,
        "-i",
        s3.keys.identity.to_str().unwrap(),
        "--yes",
        "--config-file",
        conf.to_str().unwrap(),
        "--latest",
    ])
    .ok();
    assert_eq!(s.digest(), digest);
}

#[test]
fn the_s3_server_dying_mid_upload_fails_the_backup_with_unreachable() {
    let mut s3 = S3::start();
    let s = RedisServer::start();
    fill(&s, 12);
    let cmd = s3.backup_cmd(&s, &[]);
    let child = s3.spawn_stalled(cmd);
    s3.moto.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    assert!(stderr.contains("cannot reach the S3 endpoint"), "{stderr}");
}
