//! Streaming a live server's RDB over the replication protocol, as `redis-cli --rdb` does but
//! without a file: [`SyncStream`] dials, authenticates, asks for an RDB-only transfer and then
//! yields exactly the RDB payload bytes.
//!
//! This module owns the wire side of the fetch (backup notes §1): the handshake, the keepalive
//! newlines before the payload, both payload framings (`$EOF:<mark>` for a diskless transfer,
//! `$<len>` for a disk-based one), the hold-back that keeps the EOF mark from the caller, and
//! the timeouts. It does not judge the RDB itself: pipe the stream through
//! [`crate::rdb::copy_verified`], which rejects a truncated or corrupt payload.
//!
//! Every failure carries its exit code as a [`Failure`]. A refusal before the payload is the
//! error of [`SyncStream::start`]; a transfer that ends early or stalls fails the read with an
//! `io::Error` whose inner error is the [`Failure`] (`ExitCode::SaveFailed`), never with a
//! clean end of stream.

use crate::conn::explain::{self, Transport};
use crate::conn::{Dialer, Stream};
use crate::exit::{ExitCode, Failure, fail};
use crate::target::{Auth, Endpoint};
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Length of the diskless EOF mark (`RDB_EOF_MARK_SIZE`).
const MARK_LEN: usize = 40;
/// Size of every read from the server: large for throughput, fixed for constant memory.
const CHUNK: usize = 256 * 1024;

/// Timeouts of a fetch.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// Longest wait for any byte before the payload starts (handshake replies included). The
    /// master's keepalive newlines, one a second while it prepares the RDB, restart it.
    pub start_timeout: Duration,
    /// Longest wait for the next payload byte once the transfer has started.
    pub stall_timeout: Duration,
}

/// The RDB of a live server, as an [`AsyncRead`] that yields the payload bytes and nothing
/// else: no framing, no EOF mark, nothing the server sends after the RDB.
pub struct SyncStream {
    wire: Wire,
    addr: String,
    framing: Framing,
    /// Payload bytes received so far, those of an EOF mark included.
    received: u64,
    /// The end of the payload is in the buffer: nothing more is read from the server.
    complete: bool,
    stall_timeout: Duration,
    stall: Pin<Box<Sleep>>,
    /// Whether `stall` is armed for the read in progress.
    waiting: bool,
    warnings: Vec<String>,
}

#[derive(Clone, Copy)]
enum Framing {
    /// `$<len>`: disk-based transfer of exactly `total` bytes.
    Len { total: u64 },
    /// `$EOF:<mark>`: diskless transfer, ended by the mark.
    Eof { mark: [u8; MARK_LEN] },
}

impl SyncStream {
    /// Dials `endpoint` and starts the transfer: `AUTH [user] password` when a password is
    /// given, `REPLCONF capa eof` (an error is tolerated: old servers send `$<len>`),
    /// `REPLCONF rdb-only 1` (an error is tolerated with a warning, see [`Self::warnings`]),
    /// then `SYNC`. Returns once the payload header has arrived.
    ///
    /// `REPLCONF listening-port` is never sent: Sentinel would record us as a replica.
    ///
    /// # Errors
    ///
    /// Connection failures as [`Dialer::dial`] reports them; `NOAUTH`/`WRONGPASS` with
    /// `ExitCode::Auth`; `NOPERM` with `ExitCode::Permission` and the ACL rule a backup user
    /// needs; any other refusal of `SYNC` (`NOMASTERLINK`, `LOADING`, a failed fork…), a
    /// connection closed after `SYNC` or a silent server with `ExitCode::SaveFailed`.
    pub async fn start(
        dialer: &Dialer,
        endpoint: &Endpoint,
        auth: &Auth,
        opts: SyncOptions,
    ) -> anyhow::Result<SyncStream> {
        let io = dialer.dial(endpoint).await?;
        let hs = Handshake {
            wire: Wire::new(io),
            addr: endpoint.to_string(),
            user: auth.user.as_deref(),
            transport: dialer.transport(),
            // Replies to AUTH and REPLCONF come at once; only the RDB may take long to start.
            timeout: dialer.timeout,
        };
        Self::handshake(hs, auth, opts).await
    }

    async fn handshake(
        mut hs: Handshake<'_>,
        auth: &Auth,
        opts: SyncOptions,
    ) -> anyhow::Result<SyncStream> {
        if let Some(password) = &auth.password {
            let mut args = vec!["AUTH"];
            args.extend(auth.user.as_deref());
            args.push(password.expose());
            if let Err(refusal) = hs.command(&args).await? {
                return Err(hs.auth_refused(&refusal));
            }
        }
        // The diskless format; a server that does not know it sends `$<len>` instead.
        if let Err(refusal) = hs.command(&["REPLCONF", "capa", "eof"]).await? {
            hs.unless_fatal(&refusal)?;
        }
        let mut warnings = Vec::new();
        // RDB only (Redis 6.2+): the master buffers no replication stream for us and closes
        // the connection after the transfer (7.0.6+).
        if let Err(refusal) = hs.command(&["REPLCONF", "rdb-only", "1"]).await? {
            hs.unless_fatal(&refusal)?;
            warnings.push(format!(
                "{} does not support REPLCONF rdb-only (it answered: {refusal}; Redis before \
                 6.2): the master will buffer the replication stream for us during the \
                 transfer, which grows its memory and may hit `client-output-buffer-limit \
                 replica` and drop the backup",
                hs.addr
            ));
        }
        hs.timeout = opts.start_timeout;
        let framing = hs.sync().await?;
        let mut stream = SyncStream {
            wire: hs.wire,
            addr: hs.addr,
            framing,
            received: 0,
            complete: false,
            stall_timeout: opts.stall_timeout,
            stall: Box::pin(tokio::time::sleep(opts.stall_timeout)),
            waiting: false,
            warnings,
        };
        // Payload bytes that came with the header.
        stream.arrived(stream.wire.unread().len());
        Ok(stream)
    }

    /// Payload length for a disk-based transfer (`$<len>`); `None` for a diskless one.
    pub fn total_len(&self) -> Option<u64> {
        match self.framing {
            Framing::Len { total } => Some(total),
            Framing::Eof { .. } => None,
        }
    }

    /// Whether the server streams the RDB straight from its fork (`$EOF:<mark>` framing)
    /// rather than from a `dump.rdb` it wrote first.
    pub fn diskless(&self) -> bool {
        matches!(self.framing, Framing::Eof { .. })
    }

    /// Things the operator should know about this transfer, one sentence each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Accounts for the last `n` bytes of the buffer, just received, and notices the end of
    /// the payload: bytes beyond it are cut off and never reach the caller.
    fn arrived(&mut self, n: usize) {
        self.received += n as u64;
        match self.framing {
            Framing::Len { total } => {
                if self.received >= total {
                    self.wire.tail -= (self.received - total) as usize;
                    self.received = total;
                    self.complete = true;
                }
            }
            Framing::Eof { mark } => {
                // The window is the held-back tail of earlier reads plus this read, so a mark
                // split across reads is whole here. Redis 7.0.0–7.0.5 keep sending keepalive
                // newlines after the transfer; they may share a read with the mark.
                let window = self.wire.unread();
                let end = window
                    .iter()
                    .rposition(|&b| b != b'\n')
                    .map_or(0, |last| last + 1);
                if end >= MARK_LEN && window[end - MARK_LEN..end] == mark {
                    self.wire.tail = self.wire.head + end - MARK_LEN;
                    self.complete = true;
                }
            }
        }
    }

    /// Bytes the caller may have now. In EOF mode the last [`MARK_LEN`] bytes wait until the
    /// next read shows whether they are the mark.
    fn releasable(&self) -> usize {
        let unread = self.wire.unread().len();
        match self.framing {
            Framing::Eof { .. } if !self.complete => unread.saturating_sub(MARK_LEN),
            _ => unread,
        }
    }

    /// Reads once more from the server, failing on end of stream and on a stall.
    fn poll_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let n = match self.wire.poll_fill(cx) {
            Poll::Ready(Ok(n)) => n,
            // A TLS peer that vanished without close_notify closed the stream all the same.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(self.broken(Some(&e)))),
            Poll::Pending => {
                // Time our own wait only, not the caller's pauses between reads.
                if !self.waiting {
                    self.waiting = true;
                    let deadline = Instant::now() + self.stall_timeout;
                    self.stall.as_mut().reset(deadline);
                }
                ready!(self.stall.as_mut().poll(cx));
                return Poll::Ready(Err(self.incomplete(format!(
                    "no data for {:?} from {} after {} bytes of the RDB: the server or the \
                     network is stuck",
                    self.stall_timeout, self.addr, self.received
                ))));
            }
        };
        self.waiting = false;
        if n == 0 {
            return Poll::Ready(Err(self.broken(None)));
        }
        self.arrived(n);
        Poll::Ready(Ok(()))
    }

    /// The server closed the connection (`cause` None) or it failed mid-transfer.
    fn broken(&self, cause: Option<&io::Error>) -> io::Error {
        let of_total = match self.framing {
            Framing::Len { total } => format!(" of {total}"),
            Framing::Eof { .. } => String::new(),
        };
        let what = match cause {
            None => format!("{} closed the replication stream", self.addr),
            Some(e) => format!("the replication stream from {} failed ({e})", self.addr),
        };
        self.incomplete(format!(
            "{what} after {}{of_total} bytes, before the end of the RDB",
            self.received
        ))
    }

    fn incomplete(&self, what: String) -> io::Error {
        io::Error::other(Failure::new(
            ExitCode::SaveFailed,
            format!("{what}: the backup is incomplete and was discarded"),
        ))
    }
}

impl AsyncRead for SyncStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while out.remaining() > 0 {
            let n = this.releasable().min(out.remaining());
            if n > 0 {
                let head = this.wire.head;
                out.put_slice(&this.wire.buf[head..head + n]);
                this.wire.head += n;
                break;
            }
            if this.complete {
                break;
            }
            ready!(this.poll_more(cx))?;
        }
        Poll::Ready(Ok(()))
    }
}

/// The connection and its one read buffer. The handshake replies are read through it too, so
/// payload bytes that arrive with the header are kept and no read is ever one byte long.
struct Wire {
    io: Box<dyn Stream>,
    buf: Box<[u8]>,
    /// `buf[head..tail]` was received and not consumed yet.
    head: usize,
    tail: usize,
}

impl Wire {
    fn new(io: Box<dyn Stream>) -> Self {
        Self {
            io,
            buf: vec![0; CHUNK].into_boxed_slice(),
            head: 0,
            tail: 0,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.head..self.tail]
    }

    /// Moves the unread bytes (at most a held-back mark's worth during the transfer) to the
    /// front and reads once into the space after them. `Ok(0)` is the end of the stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.head > 0 {
            self.buf.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        let mut free = ReadBuf::new(&mut self.buf[self.tail..]);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut free))?;
        let n = free.filled().len();
        self.tail += n;
        Poll::Ready(Ok(n))
    }
}

/// An error reply, as the server wrote it after the `-`.
struct Refusal(String);

impl Refusal {
    fn code(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-{}", self.0)
    }
}

/// The conversation before the payload.
struct Handshake<'a> {
    wire: Wire,
    addr: String,
    user: Option<&'a str>,
    transport: Transport,
    timeout: Duration,
}

impl Handshake<'_> {
    /// Sends one command and reads its one-line reply. `Ok(Err(_))` is an error reply.
    async fn command(&mut self, args: &[&str]) -> anyhow::Result<Result<(), Refusal>> {
        let mut resp = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            resp.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            resp.extend_from_slice(arg.as_bytes());
            resp.extend_from_slice(b"\r\n");
        }
        let reply = match self.send(&resp).await {
            Ok(()) => self.line().await,
            Err(e) => Err(e),
        };
        let reply = reply.map_err(|e| explain::io_error(&e, &self.addr, self.transport))?;
        match reply.split_first() {
            Some((b'+', _)) => Ok(Ok(())),
            Some((b'-', text)) => Ok(Err(Refusal(String::from_utf8_lossy(text).into_owned()))),
            _ => Err(explain::not_redis(&self.addr, Some(&reply)).into()),
        }
    }

    /// Sends `SYNC` and reads the payload header.
    async fn sync(&mut self) -> anyhow::Result<Framing> {
        // Written raw, as redis-cli does: the reply is no RESP value a client could parse.
        let header = match self.send(b"SYNC\r\n").await {
            Ok(()) => self.line().await,
            Err(e) => Err(e),
        };
        let header = header.map_err(|e| {
            let why = match e.kind() {
                io::ErrorKind::TimedOut => format!(
                    "sent nothing for {:?} after SYNC, not even a keepalive: the server is \
                     blocked (a long fork or script?). Raise the start timeout if it is merely \
                     slow",
                    self.timeout
                ),
                io::ErrorKind::UnexpectedEof => "closed the connection after SYNC, before the \
                     RDB started: see the server's log (fork failure, output buffer limits?)"
                    .to_string(),
                _ => format!("failed after SYNC, before the RDB started ({e})"),
            };
            fail(ExitCode::SaveFailed, format!("{} {why}", self.addr))
        })?;
        if let Some(text) = header.strip_prefix(b"-") {
            let refusal = Refusal(String::from_utf8_lossy(text).into_owned());
            return Err(self.sync_refused(&refusal));
        }
        if let Some(mark) = header.strip_prefix(b"$EOF:") {
            if let Ok(mark) = mark.try_into() {
                return Ok(Framing::Eof { mark });
            }
        } else if let Some(total) = header
            .strip_prefix(b"$")
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| digits.parse().ok())
        {
            return Ok(Framing::Len { total });
        }
        Err(fail(
            ExitCode::SaveFailed,
            format!(
                "{} answered SYNC with \"{}\", which is no RDB payload header",
                self.addr,
                header.escape_ascii()
            ),
        ))
    }

    async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let io = &mut self.wire.io;
        let write = async {
            io.write_all(bytes).await?;
            io.flush().await
        };
        tokio::time::timeout(self.timeout, write)
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
    }

    /// Reads one line (without its `\r\n`), skipping the keepalive newlines a master sends
    /// while it prepares the RDB. Every read, a keepalive too, restarts the timeout.
    async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            let unread = self.wire.unread();
            let keepalives = unread.iter().take_while(|&&b| b == b'\n').count();
            if let Some(len) = unread[keepalives..].iter().position(|&b| b == b'\n') {
                let start = self.wire.head + keepalives;
                let line = &self.wire.buf[start..start + len];
                let line = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
                self.wire.head = start + len + 1;
                return Ok(line);
            }
            if unread.len() == CHUNK {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a reply line longer than 256 KiB",
                ));
            }
            let wire = &mut self.wire;
            match tokio::time::timeout(self.timeout, poll_fn(|cx| wire.poll_fill(cx))).await {
                Err(_) => return Err(io::ErrorKind::TimedOut.into()),
                Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(result) => result?,
            };
        }
    }

    /// Error replies that end the fetch whichever command got them.
    fn fatal(&self, refusal: &Refusal) -> Option<anyhow::Error> {
        let user = self.user.unwrap_or("default");
        match refusal.code() {
            code @ ("NOAUTH" | "WRONGPASS") => {
                let detail = refusal.0[code.len()..].trim();
                let err = redis::make_extension_error(code.into(), Some(detail.into()));
                Some(explain::redis_error(&err, &self.addr, self.user, self.transport).into())
            }
            "NOPERM" => Some(fail(
                ExitCode::Permission,
                format!(
                    "user '{user}' may not stream an RDB from {} ({refusal}). A backup user \
                     needs the replication commands: ACL SETUSER {user} +replconf +sync +psync",
                    self.addr
                ),
            )),
            _ => None,
        }
    }

    fn unless_fatal(&self, refusal: &Refusal) -> anyhow::Result<()> {
        self.fatal(refusal).map_or(Ok(()), Err)
    }

    fn auth_refused(&self, refusal: &Refusal) -> anyhow::Error {
        self.fatal(refusal).unwrap_or_else(|| {
            fail(
                ExitCode::Auth,
                format!("authentication at {} failed: {refusal}", self.addr),
            )
        })
    }

    fn sync_refused(&self, refusal: &Refusal) -> anyhow::Error {
        if let Some(err) = self.fatal(refusal) {
            return err;
        }
        let advice = match refusal.code() {
            "NOMASTERLINK" => {
                "it is a replica whose link to its master is down (or a failover is in \
                 progress), so it has no consistent dataset to send. Back up the master, or \
                 wait until INFO replication on this replica shows master_link_status:up"
            }
            "LOADING" => {
                "it is still loading its dataset into memory. Retry when it is loaded (INFO \
                 persistence shows loading:0)"
            }
            _ => "see the server's log for the cause",
        };
        fail(
            ExitCode::SaveFailed,
            format!(
                "{} refused to send its RDB (SYNC answered {refusal}): {advice}.",
                self.addr
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::code_for;
    use crate::target::Secret;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::task::JoinHandle;

    const MARK: &[u8; MARK_LEN] = b"0123456789abcdef0123456789abcdef01234567";
    /// Replies to both REPLCONFs, keepalives, and the diskless header.
    const DISKLESS: &[u8] =
        b"+OK\r\n+OK\r\n\n\n\n$EOF:0123456789abcdef0123456789abcdef01234567\r\n";

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
            let (stream, _) =
                fake(vec![script.clone()], chunk, false, &Auth::default(), opts()).await;
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
            f.message.contains(
                "closed the replication stream after 220 bytes, before the end of the RDB"
            ),
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
}
