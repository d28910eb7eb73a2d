//! Streaming RDBs over the replication protocol (`source::sync`) from real servers: both
//! framings, every transport, passwords and ACL users, keepalives, and transfers that break.
//! Every stream is checked with the RDB verifier against the server's own key count.

use crate::harness::{RedisServer, ServerOptions, TlsFixture, free_port};
use redisops::conn::Dialer;
use redisops::exit::{ExitCode, Failure, code_for};
use redisops::rdb::{RdbSummary, VerifyOptions, copy_verified};
use redisops::source::sync::{SyncOptions, SyncStream};
use redisops::target::{Auth, Endpoint, HostPort, Secret, TlsOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

const OPTS: SyncOptions = SyncOptions {
    start_timeout: Duration::from_secs(10),
    stall_timeout: Duration::from_secs(10),
};

fn tcp(port: u16) -> Endpoint {
    Endpoint::Tcp(HostPort {
        host: "127.0.0.1".into(),
        port,
    })
}

fn plain() -> Dialer {
    Dialer::new(None, Duration::from_secs(5)).unwrap()
}

fn password(user: Option<&str>, password: &str) -> Auth {
    Auth {
        user: user.map(str::to_string),
        password: Some(Secret::new(password)),
    }
}

fn server(conf: &[&str]) -> RedisServer {
    RedisServer::with(ServerOptions {
        conf: conf.iter().map(|line| line.to_string()).collect(),
        ..Default::default()
    })
}

/// Streams the whole RDB, failing the test on any error.
async fn fetch(dialer: &Dialer, endpoint: &Endpoint, auth: &Auth) -> (SyncStream, Vec<u8>) {
    let mut stream = SyncStream::start(dialer, endpoint, auth, OPTS)
        .await
        .unwrap_or_else(|e| panic!("SYNC from {endpoint} failed: {e:#}"));
    let mut rdb = Vec::new();
    stream.read_to_end(&mut rdb).await.unwrap();
    (stream, rdb)
}

/// Verifies the streamed bytes are one whole RDB holding the server's keys.
fn verify(rdb: &[u8], server: &RedisServer) -> RdbSummary {
    let summary = copy_verified(rdb, std::io::sink(), &VerifyOptions::default())
        .unwrap_or_else(|e| panic!("the streamed RDB does not verify: {e}"));
    assert_eq!(summary.rdb_bytes, rdb.len() as u64, "bytes after the RDB");
    let dbsize: u64 = server.cli(&["DBSIZE"]).parse().unwrap();
    assert_eq!(summary.total_keys(), dbsize);
    summary
}

async fn refused(endpoint: &Endpoint, auth: &Auth) -> anyhow::Error {
    match SyncStream::start(&plain(), endpoint, auth, OPTS).await {
        Ok(_) => panic!("SYNC from {endpoint} should have been refused"),
        Err(e) => e,
    }
}

fn assert_fails(err: &anyhow::Error, code: ExitCode, needle: &str) {
    assert_eq!(code_for(err), code, "{err:#}");
    assert!(
        format!("{err:#}").contains(needle),
        "{needle:?} not in: {err:#}"
    );
}

#[tokio::test]
async fn diskless_transfer_uses_the_eof_mark_framing() {
    let server = server(&["repl-diskless-sync yes"]);
    server.populate(1000);
    let (stream, rdb) = fetch(&plain(), &tcp(server.port), &Auth::default()).await;
    assert!(stream.diskless());
    assert_eq!(stream.total_len(), None);
    assert!(stream.warnings().is_empty(), "{:?}", stream.warnings());
    assert_eq!(verify(&rdb, &server).total_keys(), 1000);
}

#[tokio::test]
async fn disk_based_transfer_sends_the_servers_dump_rdb() {
    let server = server(&["repl-diskless-sync no"]);
    server.populate(1000);
    let (stream, rdb) = fetch(&plain(), &tcp(server.port), &Auth::default()).await;
    assert!(!stream.diskless());
    assert_eq!(stream.total_len(), Some(rdb.len() as u64));
    // The SYNC's BGSAVE wrote dump.rdb and the server sent exactly that file.
    let dump = std::fs::read(server.dir().join("dump.rdb")).unwrap();
    assert!(rdb == dump, "the stream differs from dump.rdb");
    verify(&rdb, &server);
}

#[tokio::test]
async fn tls_with_a_client_certificate() {
    let fx = Arc::new(TlsFixture::new());
    let server = RedisServer::with(ServerOptions {
        tls: Some(fx.clone()),
        ..Default::default()
    });
    server.populate(1000);
    let tls = TlsOptions {
        cacert: Some(fx.ca.clone()),
        cert: Some(fx.client_cert.clone()),
        key: Some(fx.client_key.clone()),
        ..Default::default()
    };
    let dialer = Dialer::new(Some(&tls), Duration::from_secs(5)).unwrap();
    let (_, rdb) = fetch(&dialer, &tcp(server.tls_port.unwrap()), &Auth::default()).await;
    assert_eq!(verify(&rdb, &server).total_keys(), 1000);
}

#[tokio::test]
async fn unix_socket() {
    let server = RedisServer::with(ServerOptions {
        unix_socket: true,
        ..Default::default()
    });
    server.populate(1000);
    let socket = Endpoint::Unix(server.socket.clone().unwrap());
    let (_, rdb) = fetch(&plain(), &socket, &Auth::default()).await;
    assert_eq!(verify(&rdb, &server).total_keys(), 1000);
}

#[tokio::test]
async fn requirepass() {
    let server = RedisServer::with(ServerOptions {
        password: Some("hunter2".into()),
        ..Default::default()
    });
    server.populate(100);
    let endpoint = tcp(server.port);
    let (_, rdb) = fetch(&plain(), &endpoint, &password(None, "hunter2")).await;
    verify(&rdb, &server);

    let err = refused(&endpoint, &Auth::default()).await;
    assert_fails(&err, ExitCode::Auth, "NOAUTH");
    let err = refused(&endpoint, &password(None, "wrong")).await;
    assert_fails(&err, ExitCode::Auth, "WRONGPASS");
}

#[tokio::test]
async fn acl_user_with_only_the_replication_commands() {
    let server = server(&[]);
    server.populate(100);
    server.cli(&[
        "ACL",
        "SETUSER",
        "backup",
        "on",
        ">secret",
        "-@all",
        "+replconf",
        "+sync",
        "+psync",
    ]);
    let auth = password(Some("backup"), "secret");
    let (_, rdb) = fetch(&plain(), &tcp(server.port), &auth).await;
    verify(&rdb, &server);
}

#[tokio::test]
async fn acl_user_without_them_is_told_the_rule() {
    let server = server(&[]);
    // Refused at the first REPLCONF, and (with REPLCONF allowed) at SYNC.
    server.cli(&["ACL", "SETUSER", "reader", "on", ">secret", "~*", "+@read"]);
    server.cli(&[
        "ACL",
        "SETUSER",
        "half",
        "on",
        ">secret",
        "-@all",
        "+replconf",
    ]);
    for user in ["reader", "half"] {
        let err = refused(&tcp(server.port), &password(Some(user), "secret")).await;
        let rule = format!("ACL SETUSER {user} +replconf +sync +psync");
        assert_fails(&err, ExitCode::Permission, &rule);
        assert_fails(&err, ExitCode::Permission, "NOPERM");
    }
}

#[tokio::test]
async fn keepalives_before_the_payload_restart_the_start_timeout() {
    // The fork waits 3 s; the server sends a newline a second meanwhile.
    let server = server(&["repl-diskless-sync-delay 3"]);
    server.populate(1000);
    let opts = SyncOptions {
        start_timeout: Duration::from_millis(1500),
        ..OPTS
    };
    let began = Instant::now();
    let mut stream = SyncStream::start(&plain(), &tcp(server.port), &Auth::default(), opts)
        .await
        .unwrap();
    assert!(
        began.elapsed() > Duration::from_secs(2),
        "no delay before the payload"
    );
    let mut rdb = Vec::new();
    stream.read_to_end(&mut rdb).await.unwrap();
    assert_eq!(verify(&rdb, &server).total_keys(), 1000);
}

#[tokio::test]
async fn a_silent_server_times_out_before_the_payload() {
    // Accepted by the kernel's backlog, never answered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let opts = SyncOptions {
        start_timeout: Duration::from_millis(300),
        ..OPTS
    };
    let endpoint = tcp(listener.local_addr().unwrap().port());
    let err = SyncStream::start(&plain(), &endpoint, &Auth::default(), opts)
        .await
        .err()
        .unwrap();
    assert_fails(&err, ExitCode::Unreachable, "in time");
}

#[tokio::test]
async fn a_server_killed_mid_stream_fails_the_read() {
    // 100 µs per key: the transfer of 30 000 keys takes about 3 s.
    let mut server = server(&["rdb-key-save-delay 100"]);
    server.populate(30_000);
    let mut stream = SyncStream::start(&plain(), &tcp(server.port), &Auth::default(), OPTS)
        .await
        .unwrap();
    let mut first = vec![0; 64 * 1024];
    let got = stream.read(&mut first).await.unwrap();
    assert!(got > 0);
    server.kill();
    let mut rest = Vec::new();
    let err = stream.read_to_end(&mut rest).await.unwrap_err();
    let failure = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Failure>())
        .unwrap_or_else(|| panic!("no Failure in {err:?}"));
    assert_eq!(failure.code, ExitCode::SaveFailed);
    assert!(
        failure.message.contains("before the end of the RDB"),
        "{}",
        failure.message
    );
}

#[tokio::test]
async fn a_replica_without_its_master_says_so() {
    let replica = RedisServer::with(ServerOptions {
        replica_of: Some((free_port(), None)),
        ..Default::default()
    });
    let err = refused(&tcp(replica.port), &Auth::default()).await;
    assert_fails(&err, ExitCode::SaveFailed, "link to its master is down");
    assert_fails(&err, ExitCode::SaveFailed, "NOMASTERLINK");
}
