//! Unit tests of the handshake and both framings against a scripted server on an in-memory
//! pipe.

use super::handshake::Handshake;
use super::*;
use crate::conn::explain::Transport;
use crate::exit::code_for;
use crate::target::Auth;
use crate::target::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

const MARK: &[u8; MARK_LEN] = b"0123456789abcdef0123456789abcdef01234567";
/// Replies to both REPLCONFs, keepalives, and the diskless header.
const DISKLESS: &[u8] = b"+OK\r\n+OK\r\n\n\n\n$EOF:0123456789abcdef0123456789abcdef01234567\r\n";

fn opts() -> SyncOptions {
    SyncOptions {
        start_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(5),
    }
}

/// Payload bytes that include newlines and hex digits, as real RDBs do.
fn payload(len: usize) -> Vec<u8> {
    b"REDIS0010"
        .iter()
        .copied()
        .chain((0..).map(|i: u32| b"\n0f\xff\r7a"[i as usize % 7]))
        .take(len)
        .collect()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Runs the handshake against a fake server that writes `pieces` through a pipe holding
/// at most `chunk` bytes, so every read sees at most `chunk` bytes, and pauses between
/// pieces so each starts a new read. Afterwards the server closes, or with `hang` stays
/// silent. The handle yields what the client sent.
async fn fake(
    pieces: Vec<Vec<u8>>,
    chunk: usize,
    hang: bool,
    auth: &Auth,
    opts: SyncOptions,
) -> (anyhow::Result<SyncStream>, JoinHandle<Vec<u8>>) {
    let (client, server) = tokio::io::duplex(chunk);
    let (mut from_client, mut to_client) = tokio::io::split(server);
    let sent = tokio::spawn(async move {
        let mut sent = Vec::new();
        let _ = from_client.read_to_end(&mut sent).await;
        sent
    });
    tokio::spawn(async move {
        for piece in pieces {
            to_client.write_all(&piece).await?;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if hang {
            std::future::pending::<()>().await;
        }
        to_client.shutdown().await
    });
    let hs = Handshake {
        wire: Wire::new(Box::new(client)),
        addr: "fake:1".into(),
        user: auth.user.as_deref(),
        transport: Transport::Plain,
        timeout: opts.start_timeout,
    };
    let stream = SyncStream::handshake(hs, auth, opts).await;
    (stream, sent)
}

async fn read_all(stream: &mut SyncStream) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    Ok(out)
}

async fn fetch(pieces: Vec<Vec<u8>>, chunk: usize) -> io::Result<Vec<u8>> {
    let (stream, _) = fake(pieces, chunk, false, &Auth::default(), opts()).await;
    read_all(&mut stream.unwrap()).await
}

fn failure(err: &io::Error) -> &Failure {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<Failure>())
        .unwrap_or_else(|| panic!("no Failure inside {err:?}"))
}

#[tokio::test]
async fn mark_is_held_back_in_tiny_reads() {
    for chunk in [1, 3, 7] {
        // Every residue of the mark's offset: the mark splits at every position.
        for len in 100..100 + chunk {
            let rdb = payload(len);
            let got = fetch(vec![cat(&[DISKLESS, &rdb, MARK])], chunk).await;
            assert_eq!(got.unwrap(), rdb, "chunk {chunk}, len {len}");
        }
    }
}

#[tokio::test]
async fn mark_split_at_every_position_between_two_reads() {
    let rdb = payload(1000);
    for at in 0..=MARK_LEN {
        let first = cat(&[DISKLESS, &rdb, &MARK[..at]]);
        let got = fetch(vec![first, MARK[at..].to_vec()], 64 * 1024).await;
        assert_eq!(got.unwrap(), rdb, "split at {at}");
    }
}

#[tokio::test]
async fn bytes_after_the_mark_are_not_returned() {
    let rdb = payload(500);
    // Keepalive newlines in the same read as the mark, anything in later reads.
    let pieces = vec![
        cat(&[DISKLESS, &rdb, MARK, b"\n\n"]),
        b"*1\r\n$4\r\nPING\r\n".into(),
    ];
    assert_eq!(fetch(pieces, 64 * 1024).await.unwrap(), rdb);
    let pieces = vec![
        cat(&[DISKLESS, &rdb, &MARK[..10]]),
        cat(&[&MARK[10..], b"\n"]),
    ];
    assert_eq!(fetch(pieces, 3).await.unwrap(), rdb);
}

#[tokio::test]
async fn len_framing_reads_exactly_len_bytes() {
    let rdb = payload(300);
    let script = cat(&[b"+OK\r\n+OK\r\n\n$300\r\n", &rdb, b"trailing"]);
    for chunk in [1, 7, 64 * 1024] {
        let (stream, _) = fake(vec![script.clone()], chunk, false, &Auth::default(), opts()).await;
        let mut stream = stream.unwrap();
        assert_eq!(stream.total_len(), Some(300));
        assert!(!stream.diskless());
        assert_eq!(read_all(&mut stream).await.unwrap(), rdb, "chunk {chunk}");
    }
}

#[tokio::test]
async fn a_stream_closed_early_fails_the_read() {
    let rdb = payload(200);
    let err = fetch(vec![cat(&[DISKLESS, &rdb, &MARK[..20]])], 7)
        .await
        .unwrap_err();
    let f = failure(&err);
    assert_eq!(f.code, ExitCode::SaveFailed);
    assert!(
        f.message
            .contains("closed the replication stream after 220 bytes, before the end of the RDB"),
        "{}",
        f.message
    );
    let err = fetch(vec![cat(&[b"+OK\r\n+OK\r\n$300\r\n", &rdb])], 7)
        .await
        .unwrap_err();
    assert!(
        failure(&err).message.contains("after 200 of 300 bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stall_fails_the_read() {
    let stall = SyncOptions {
        stall_timeout: Duration::from_millis(200),
        ..opts()
    };
    let pieces = vec![cat(&[DISKLESS, &payload(100)])];
    let (stream, _) = fake(pieces, 64 * 1024, true, &Auth::default(), stall).await;
    let err = read_all(&mut stream.unwrap()).await.unwrap_err();
    let f = failure(&err);
    assert_eq!(f.code, ExitCode::SaveFailed);
    assert!(
        f.message
            .contains("no data for 200ms from fake:1 after 100 bytes"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn silence_after_sync_times_out() {
    let quick = SyncOptions {
        start_timeout: Duration::from_millis(200),
        ..opts()
    };
    let (stream, _) = fake(
        vec![b"+OK\r\n+OK\r\n\n".into()],
        64,
        true,
        &Auth::default(),
        quick,
    )
    .await;
    let err = stream.err().unwrap();
    assert_eq!(code_for(&err), ExitCode::SaveFailed);
    assert!(
        err.to_string()
            .contains("sent nothing for 200ms after SYNC"),
        "{err}"
    );
}

#[tokio::test]
async fn handshake_sends_auth_replconf_and_sync_only() {
    let auth = Auth {
        user: Some("backup".into()),
        password: Some(Secret::new("s3cret")),
    };
    let script = cat(&[b"+OK\r\n", DISKLESS, b"REDIS", MARK]);
    let (stream, sent) = fake(vec![script], 64 * 1024, false, &auth, opts()).await;
    let mut stream = stream.unwrap();
    assert!(stream.diskless() && stream.total_len().is_none());
    assert!(stream.warnings().is_empty());
    assert_eq!(read_all(&mut stream).await.unwrap(), b"REDIS");
    drop(stream);
    let sent = sent.await.unwrap();
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        "*3\r\n$4\r\nAUTH\r\n$6\r\nbackup\r\n$6\r\ns3cret\r\n\
         *3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n\
         *3\r\n$8\r\nREPLCONF\r\n$8\r\nrdb-only\r\n$1\r\n1\r\n\
         SYNC\r\n"
    );
}

#[tokio::test]
async fn refused_rdb_only_is_a_warning() {
    let script = cat(&[
        b"-ERR Unrecognized REPLCONF option: capa\r\n",
        b"-ERR Unrecognized REPLCONF option: rdb-only\r\n$5\r\nREDIS",
    ]);
    let (stream, _) = fake(vec![script], 64, false, &Auth::default(), opts()).await;
    let mut stream = stream.unwrap();
    assert_eq!(stream.warnings().len(), 1);
    assert!(stream.warnings()[0].contains("buffer the replication stream for us"));
    assert_eq!(read_all(&mut stream).await.unwrap(), b"REDIS");
}

async fn refusal(script: &[u8], auth: &Auth) -> anyhow::Error {
    let (stream, _) = fake(vec![script.to_vec()], 64, true, auth, opts()).await;
    stream.err().expect("the handshake should fail")
}

#[tokio::test]
async fn error_replies_carry_their_exit_codes() {
    let nobody = Auth::default();
    let cases: [(&[u8], ExitCode, &str); 6] = [
        (
            b"-NOAUTH Authentication required.\r\n",
            ExitCode::Auth,
            "requires authentication",
        ),
        (
            b"+OK\r\n-NOPERM this user has no permissions to run the 'replconf' command\r\n",
            ExitCode::Permission,
            "ACL SETUSER default +replconf +sync +psync",
        ),
        (
            b"+OK\r\n+OK\r\n-NOPERM this user has no permissions to run the 'sync' command\r\n",
            ExitCode::Permission,
            "'sync'",
        ),
        (
            b"+OK\r\n+OK\r\n-NOMASTERLINK Can't SYNC while not connected with my master\r\n",
            ExitCode::SaveFailed,
            "link to its master is down",
        ),
        (
            b"+OK\r\n+OK\r\n\n-LOADING Redis is loading the dataset in memory\r\n",
            ExitCode::SaveFailed,
            "Retry when it is loaded",
        ),
        (
            b"+OK\r\n+OK\r\n-ERR BGSAVE failed, replication can't continue\r\n",
            ExitCode::SaveFailed,
            "SYNC answered -ERR BGSAVE failed",
        ),
    ];
    for (script, code, needle) in cases {
        let err = refusal(script, &nobody).await;
        assert_eq!(code_for(&err), code, "{err}");
        assert!(err.to_string().contains(needle), "{needle:?} not in: {err}");
    }
    let auth = Auth {
        user: Some("backup".into()),
        password: Some(Secret::new("wrong")),
    };
    let err = refusal(b"-WRONGPASS invalid username-password pair\r\n", &auth).await;
    assert_eq!(code_for(&err), ExitCode::Auth);
    assert!(err.to_string().contains("user 'backup'"), "{err}");
}
