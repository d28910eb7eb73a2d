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
//!
//! The handshake up to the payload header is in `handshake.rs`; this file reads the payload.

mod handshake;
#[cfg(test)]
mod tests;

use crate::conn::Stream;
use crate::exit::{ExitCode, Failure};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
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
