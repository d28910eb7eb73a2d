//! No command undoes another's hardening: after `harden apply` made redis.conf 0600, the
//! CONFIG REWRITE of `tls enable` and `tls rotate`, and a restore, leave it 0600 with its
//! owner.

use crate::harness::{Run, redisops};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn mode_and_owner(path: &Path) -> (u32, u32, u32) {
    let meta = std::fs::metadata(path).unwrap();
    (meta.permissions().mode() & 0o777, meta.uid(), meta.gid())
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn harden_then_tls_enable_rotate_and_restore_keep_the_config_private() {
    let mut server = crate::audit::weak_server(false);
    server.write_keys(20);
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    let port = server.port.to_string();
    crate::harden::apply(server.port, &secrets, &["--yes"]).ok();
    let conf = server.conf_file.clone();
    let hardened = mode_and_owner(&conf);
    assert_eq!(hardened.0, 0o600, "harden apply makes the config private");
    let admin = std::fs::read_to_string(secrets.join("admin.password")).unwrap();
    server.login("admin", admin.trim());
    let login = [
        "-p".to_string(),
        port.clone(),
        "--user".into(),
        "admin".into(),
        "--password-file".into(),
        p(&secrets, "admin.password"),
    ];
    let run = |args: &[String]| -> Run {
        let all: Vec<String> = login.iter().chain(args).cloned().collect();
        redisops(all)
    };
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let pki = dir.path().join("pki");
    redisops([
        "tls",
        "init",
        "--out",
        pki.to_str().unwrap(),
        "--ip",
        "127.0.0.1",
    ])
    .ok();
    let tls_port = crate::harness::free_port().to_string();
    let verify = [
        "--verify-cacert".to_string(),
        p(&pki, "ca.crt"),
        "--verify-cert".into(),
        p(&pki, "client.crt"),
        "--verify-key".into(),
        p(&pki, "client.key"),
    ];
    let mut enable = owned(&["tls", "enable", "--server-cert"]);
    enable.extend([
        p(&pki, "redis.crt"),
        "--server-key".into(),
        p(&pki, "redis.key"),
    ]);
    enable.extend(["--server-ca".into(), p(&pki, "ca.crt"), "--tls-port".into()]);
    enable.extend([tls_port.clone(), "--yes".into()]);
    enable.extend(verify.iter().cloned());
    let enabled = run(&enable);
    assert_eq!(enabled.code, 0, "{}\n{}", enabled.stdout, enabled.stderr);
    assert!(
        std::fs::read_to_string(&conf).unwrap().contains("tls-port"),
        "tls enable persisted its settings"
    );
    assert_eq!(mode_and_owner(&conf), hardened, "after tls enable");

    let mut rotate = owned(&["tls", "rotate", "--server-cert"]);
    rotate.extend([
        p(&pki, "redis.crt"),
        "--server-key".into(),
        p(&pki, "redis.key"),
    ]);
    rotate.push("--yes".into());
    rotate.extend(verify.iter().cloned());
    let rotated = run(&rotate);
    assert_eq!(rotated.code, 0, "{}\n{}", rotated.stdout, rotated.stderr);
    assert_eq!(mode_and_owner(&conf), hardened, "after tls rotate");

    let repo = dir.path().join("repo");
    let repo_s = repo.display().to_string();
    run(&owned(&["backup", "--no-encrypt", "--repo", &repo_s])).ok();
    let restored = run(&owned(&[
        "restore",
        "--latest",
        "--yes",
        "--no-safety-backup",
        "--repo",
        &repo_s,
    ]));
    assert_eq!(restored.code, 0, "{}\n{}", restored.stdout, restored.stderr);
    assert_eq!(mode_and_owner(&conf), hardened, "after restore");
}
