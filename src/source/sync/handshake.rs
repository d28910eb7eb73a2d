//! The conversation before the payload: `AUTH`, the `REPLCONF`s, `SYNC` and its payload
//! header, and what each error reply means for the operator (and the exit code).

use super::{CHUNK, Framing, SyncOptions, SyncStream, Wire};
use crate::conn::Dialer;
use crate::conn::explain::{self, Transport};
use crate::exit::{ExitCode, fail};
use crate::target::{Auth, Endpoint};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

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

    pub(super) async fn handshake(
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
pub(super) struct Handshake<'a> {
    pub(super) wire: Wire,
    pub(super) addr: String,
    pub(super) user: Option<&'a str>,
    pub(super) transport: Transport,
    pub(super) timeout: Duration,
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
