//! Every connection failure gives a message that says what to do, and its documented exit
//! code (see src/exit.rs).

use crate::harness::{
    RedisServer, Run, SentinelGroup, ServerOptions, TlsFixture, free_port, redisops,
};
use std::sync::Arc;

fn expect(run: Run, code: i32, needle: &str) {
    run.fails(code, &[needle]);
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout on error: {}",
        run.stdout
    );
}

#[test]
fn connection_refused() {
    let port = free_port().to_string();
    expect(redisops(["-p", &port, "status"]), 10, "connection refused");
}

#[test]
fn timeout_when_nothing_answers() {
    // A socket that accepts but never replies: the classic hung server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    expect(
        redisops(["-p", &port, "--timeout", "1", "status"]),
        10,
        "in time",
    );
}

#[test]
fn noauth_and_wrongpass() {
    let server = RedisServer::with(ServerOptions {
        password: Some("right".into()),
        ..Default::default()
    });
    let port = server.port.to_string();
    expect(redisops(["-p", &port, "status"]), 11, "NOAUTH");
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "wrong").unwrap();
    expect(
        redisops([
            "-p",
            &port,
            "--password-file",
            pw.to_str().unwrap(),
            "status",
        ]),
        11,
        "WRONGPASS",
    );
    // A missing file is bad input, not a failed login.
    let missing = dir.path().join("missing");
    expect(
        redisops([
            "-p",
            &port,
            "--password-file",
            missing.to_str().unwrap(),
            "status",
        ]),
        2,
        "cannot read the password file",
    );
}

#[test]
fn noperm_names_the_acl_rule() {
    let server = RedisServer::start();
    server.cli(&[
        "ACL", "SETUSER", "limited", "on", ">pw", "~*", "-@all", "+ping",
    ]);
    let port = server.port.to_string();
    let run = {
        let mut cmd = crate::harness::redisops_cmd();
        cmd.env("REDISCLI_AUTH", "pw")
            .args(["-p", &port, "--user", "limited", "status"]);
        crate::harness::run_cmd(cmd)
    };
    expect(run, 12, "ACL SETUSER limited +info");
}

#[test]
fn tls_failures() {
    let fx = Arc::new(TlsFixture::new());
    let server = RedisServer::with(ServerOptions {
        tls: Some(fx.clone()),
        plaintext_too: true,
        ..Default::default()
    });
    let tls_url = server.url();
    let ca = fx.ca.to_str().unwrap();
    let cert = fx.client_cert.to_str().unwrap();
    let key = fx.client_key.to_str().unwrap();

    // Untrusted CA.
    let other = fx.other_ca.to_str().unwrap();
    expect(
        redisops([
            "--target", &tls_url, "--cacert", other, "--cert", cert, "--key", key, "status",
        ]),
        13,
        "not signed by a CA we trust",
    );
    // Name not in the certificate.
    expect(
        redisops([
            "--target",
            &tls_url,
            "--cacert",
            ca,
            "--cert",
            cert,
            "--key",
            key,
            "--sni",
            "db.example",
            "status",
        ]),
        13,
        "does not name the host",
    );
    // No client certificate while the server requires one.
    expect(
        redisops(["--target", &tls_url, "--cacert", ca, "status"]),
        13,
        "client certificate",
    );
    // TLS to the plaintext port.
    let plain_tls = format!("rediss://127.0.0.1:{}", server.port);
    expect(
        redisops([
            "--target",
            &plain_tls,
            "--cacert",
            ca,
            "--cert",
            cert,
            "--key",
            key,
            "--timeout",
            "1",
            "status",
        ]),
        13,
        "does not speak TLS",
    );
    // --insecure skips verification (and warns).
    let run = redisops([
        "--target",
        &tls_url,
        "--insecure",
        "--cert",
        cert,
        "--key",
        key,
        "status",
    ])
    .ok();
    assert!(run.stderr.contains("NOT verified"), "{}", run.stderr);
}

#[test]
fn sentinel_errors() {
    let group = SentinelGroup::start(0, None);
    let hosts: Vec<String> = group
        .sentinels
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    let wrong = format!("redis-sentinel://{}#nosuchmaster", hosts.join(","));
    expect(
        redisops(["--target", &wrong, "status"]),
        14,
        "no Sentinel knows a master named 'nosuchmaster'",
    );
    let dead = format!(
        "redis-sentinel://127.0.0.1:{},127.0.0.1:{}#mymaster",
        free_port(),
        free_port()
    );
    expect(
        redisops(["--target", &dead, "status"]),
        10,
        "no Sentinel answered",
    );
}

#[test]
fn usage_errors() {
    expect(
        redisops(["--target", "nosuchname", "status"]),
        2,
        "unknown target 'nosuchname'",
    );
    expect(
        redisops(["--target", "ftp://x", "status"]),
        2,
        "unsupported URL scheme",
    );
}

/// A port with a web server on it: it answers anything with an HTTP 400 and closes, as
/// nginx does to a Redis client. Stops when dropped.
struct HttpServer {
    port: u16,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl HttpServer {
    fn start() -> Self {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\
                      Connection: close\r\n\r\n",
                );
            }
        });
        Self { port, stop }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

#[test]
fn a_port_without_redis_is_named_so_by_every_command() {
    let http = HttpServer::start();
    let port = http.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let secrets = dir.path().join("secrets");
    // An RDB to restore, from a real server.
    let real = RedisServer::start();
    real.populate(10);
    real.cli(&["SAVE"]);
    let rdb = real.dir().join("dump.rdb");
    let fx = TlsFixture::new();
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (ca, cert, key) = (path(&fx.ca), path(&fx.client_cert), path(&fx.client_key));
    let commands: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["backup", "--no-encrypt", "--repo", repo.to_str().unwrap()],
        vec!["harden", "audit"],
        vec![
            "harden",
            "apply",
            "--dry-run",
            "--secrets-dir",
            secrets.to_str().unwrap(),
        ],
        vec![
            "tls",
            "enable",
            "--server-cert",
            "/etc/redis/tls/redis.crt",
            "--server-key",
            "/etc/redis/tls/redis.key",
            "--server-ca",
            "/etc/redis/tls/ca.crt",
            "--tls-port",
            "6380",
            "--verify-cacert",
            &ca,
            "--verify-cert",
            &cert,
            "--verify-key",
            &key,
            "--dry-run",
        ],
        vec!["restore", "--file", rdb.to_str().unwrap(), "--dry-run"],
    ];
    for args in commands {
        let run = redisops(["-p", &port].into_iter().chain(args.iter().copied()));
        assert_eq!(run.code, 10, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("does not speak the Redis protocol"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(
            run.stderr.matches("Redis protocol").count(),
            1,
            "{args:?}: said once: {}",
            run.stderr
        );
    }
}
