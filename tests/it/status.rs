//! `redisops status` against every kind of target: plain, password, ACL user, unix socket,
//! mutual TLS, Sentinel (also with one Sentinel down).

use crate::harness::{
    RedisServer, SentinelGroup, ServerOptions, TlsFixture, redisops, redisops_cmd, run_cmd,
};
use std::sync::Arc;

#[test]
fn plain_server_text_and_json() {
    let server = RedisServer::start();
    server.populate(25);
    let port = server.port.to_string();
    let run = redisops(["-h", "127.0.0.1", "-p", &port, "status"]).ok();
    assert!(run.stdout.contains("Redis 7"), "{}", run.stdout);
    assert!(run.stdout.contains("role master"), "{}", run.stdout);
    assert!(run.stdout.contains("db0: 25 keys"), "{}", run.stdout);

    let json = redisops(["-p", &port, "status", "--json"]).ok().json();
    assert_eq!(json["server"]["role"], "master");
    assert!(json["server"]["version"].as_str().unwrap().starts_with('7'));
    assert_eq!(json["keyspace"][0]["db"], 0);
    assert_eq!(json["keyspace"][0]["keys"], 25);
    assert_eq!(json["persistence"]["save"], "");
    assert_eq!(json["persistence"]["aof_enabled"], false);
    assert_eq!(json["target"]["address"], format!("127.0.0.1:{port}"));
    assert!(json["sentinel"].is_null());
    assert!(json["memory"]["used_memory"].as_u64().unwrap() > 0);
}

#[test]
fn password_from_env_and_file() {
    let server = RedisServer::with(ServerOptions {
        password: Some("s3cret-pw".into()),
        ..Default::default()
    });
    let port = server.port.to_string();
    let mut cmd = redisops_cmd();
    cmd.env("REDISCLI_AUTH", "s3cret-pw")
        .args(["-p", &port, "status"]);
    let run = run_cmd(cmd).ok();
    assert!(!run.stdout.contains("s3cret-pw") && !run.stderr.contains("s3cret-pw"));

    let dir = tempfile::tempdir().unwrap();
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, "s3cret-pw\n").unwrap();
    redisops([
        "-p",
        &port,
        "--password-file",
        pwfile.to_str().unwrap(),
        "status",
    ])
    .ok();
}

#[test]
fn acl_user_and_config_target() {
    let server = RedisServer::start();
    server.cli(&["ACL", "SETUSER", "ops", "on", ">ops-pw", "~*", "+@all"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ops.pw"), "ops-pw\n").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[targets.cache]\nurl = \"redis://127.0.0.1:{}\"\nuser = \"ops\"\npassword_file = \"ops.pw\"\n",
            server.port
        ),
    )
    .unwrap();
    let json = redisops([
        "--config",
        config.to_str().unwrap(),
        "--target",
        "cache",
        "status",
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(json["target"]["name"], "cache");
    assert_eq!(json["server"]["role"], "master");
}

#[test]
fn unix_socket() {
    let server = RedisServer::with(ServerOptions {
        unix_socket: true,
        ..Default::default()
    });
    let sock = server.socket.clone().unwrap();
    let run = redisops(["-s", sock.to_str().unwrap(), "status", "--json"]).ok();
    assert_eq!(run.json()["server"]["role"], "master");
    let url = format!("unix://{}", sock.display());
    redisops(["--target", &url, "status"]).ok();
}

#[test]
fn mutual_tls() {
    let fx = Arc::new(TlsFixture::new());
    let server = RedisServer::with(ServerOptions {
        tls: Some(fx.clone()),
        ..Default::default()
    });
    let mut args = vec!["--target".to_string(), server.url()];
    args.extend(fx.client_args());
    args.extend(["status".into(), "--json".into()]);
    let json = redisops(&args).ok().json();
    assert_eq!(json["target"]["tls"], true);
    assert_eq!(json["server"]["role"], "master");
}

#[test]
fn sentinel_target_with_one_sentinel_down() {
    let mut group = SentinelGroup::start(1, None);
    group.master.populate(7);
    let url = group.url();
    let json = redisops(["--target", &url, "status", "--json"]).ok().json();
    assert_eq!(json["server"]["role"], "master");
    assert_eq!(
        json["target"]["address"],
        format!("127.0.0.1:{}", group.master.port)
    );
    assert_eq!(json["sentinel"]["master_name"], "mymaster");
    assert_eq!(json["sentinel"]["sentinels"].as_array().unwrap().len(), 3);
    assert_eq!(json["sentinel"]["replicas"].as_array().unwrap().len(), 1);
    assert_eq!(json["keyspace"][0]["keys"], 7);

    group.sentinels[1].kill();
    let run = redisops(["--target", &url, "status", "--json"]).ok();
    let json = run.json();
    let answers = json["sentinel"]["sentinels"].as_array().unwrap();
    assert_eq!(
        answers.iter().filter(|a| a["master"].is_string()).count(),
        2
    );
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("did not answer"))
    );
}

#[test]
fn sentinel_over_tls() {
    let fx = Arc::new(TlsFixture::new());
    let group = SentinelGroup::start(1, Some(fx.clone()));
    let mut args = vec!["--target".to_string(), group.url()];
    args.extend(fx.client_args());
    args.extend(["status".into(), "--json".into()]);
    let json = redisops(&args).ok().json();
    assert_eq!(json["server"]["role"], "master");
    assert_eq!(json["target"]["tls"], true);
}
