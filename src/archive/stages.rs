//! The threads and queues around compression: the writer stage at the end of
//! [`super::ArchiveWriter`] (age, hashing, output) and the read-ahead stages of
//! [`super::open_reader`] (decryption and decompression each on their own thread, so that
//! they overlap with the caller's verification and writing).

use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use age::stream::StreamWriter;
use sha2::{Digest, Sha256};

/// What the writer stage receives, in stream order.
pub(super) enum Piece {
    /// Compressed bytes ready to be written.
    Bytes(Vec<u8>),
    /// A gzip block still being compressed on a worker.
    Block(Receiver<io::Result<Vec<u8>>>),
    /// The compressed stream is complete: finish age. A queue that closes without it means
    /// the run was abandoned.
    End,
}

/// Pieces queued for the writer: enough to keep every compression thread busy while the
/// writer waits on the oldest block, and the bound on memory (each piece ≤ one block).
pub(super) fn pieces_in_flight(threads: usize) -> usize {
    2 * threads + 2
}

/// The writer stage's result: the output with the archive's size and hex SHA-256, or `None`
/// when the run was abandoned (the output is dropped unfinished).
pub(super) type WriteStage<W> = io::Result<Option<(W, u64, String)>>;

/// Writes pieces in order through age (when encrypting) into `out`, hashing what `out`
/// accepted.
pub(super) fn write_stage<W: Write>(
    out: W,
    encryptor: Option<age::Encryptor>,
    pieces: Receiver<Piece>,
) -> WriteStage<W> {
    let out = Hashed::new(out);
    let mut sealed = match encryptor {
        Some(encryptor) => Sealed::Age(encryptor.wrap_output(out)?),
        None => Sealed::Clear(out),
    };
    loop {
        let bytes = match pieces.recv() {
            Ok(Piece::Bytes(bytes)) => bytes,
            Ok(Piece::Block(block)) => block
                .recv()
                .map_err(|_| io::Error::other("a compression thread stopped"))??,
            Ok(Piece::End) => break,
            Err(_) => return Ok(None),
        };
        sealed.write_all(&bytes)?;
    }
    Ok(Some(sealed.finish()?.into_parts()))
}

/// The age layer, present only when encrypting.
enum Sealed<W: Write> {
    Age(StreamWriter<W>),
    Clear(W),
}

impl<W: Write> Sealed<W> {
    fn finish(self) -> io::Result<W> {
        match self {
            Self::Age(age) => age.finish(),
            Self::Clear(out) => Ok(out),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Age(age) => age.write_all(buf),
            Self::Clear(out) => out.write_all(buf),
        }
    }
}

/// Counts and hashes exactly the bytes its inner writer accepted (the archive's bytes as
/// written, here and in a copy between repositories).
pub struct Hashed<W> {
    inner: W,
    sha256: Sha256,
    bytes: u64,
}

impl<W> Hashed<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            sha256: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the byte count and the hex SHA-256.
    pub fn into_parts(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.sha256.finalize()))
    }
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha256.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Bytes per read-ahead chunk, and chunks queued per stage: 1 MiB per stage.
const CHUNK: usize = 256 * 1024;
const CHUNKS_AHEAD: usize = 4;

/// A chunk, the end of the stream (`Ok(None)`), or the error the source returned.
type Chunk = io::Result<Option<Vec<u8>>>;

/// Runs `src` on its own thread, reading ahead into a bounded queue. Errors come through
/// unchanged (their kind and payload intact); a thread that stops without reporting the end
/// is an error, never a silent end of stream. Dropping the reader stops the thread.
pub(super) fn read_ahead<R: Read + Send + 'static>(src: R, name: &str) -> io::Result<ReadAhead> {
    let (chunks, queue) = sync_channel(CHUNKS_AHEAD);
    thread::Builder::new()
        .name(format!("read-{name}"))
        .spawn(move || fill(src, &chunks))?;
    Ok(ReadAhead {
        queue,
        current: Vec::new(),
        pos: 0,
        ended: false,
    })
}

fn fill<R: Read>(mut src: R, chunks: &SyncSender<Chunk>) {
    loop {
        let mut buf = vec![0; CHUNK];
        let mut len = 0;
        // Fill whole chunks: decoders hand out small pieces, the queue is counted in chunks.
        let last = loop {
            match src.read(&mut buf[len..]) {
                Ok(0) => break true,
                Ok(n) => {
                    len += n;
                    if len == CHUNK {
                        break false;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = chunks.send(Err(e));
                    return;
                }
            }
        };
        buf.truncate(len);
        if len > 0 && chunks.send(Ok(Some(buf))).is_err() {
            return;
        }
        if last {
            let _ = chunks.send(Ok(None));
            return;
        }
    }
}

pub(super) struct ReadAhead {
    queue: Receiver<Chunk>,
    current: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.queue.recv() {
                Ok(Ok(Some(chunk))) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Ok(None)) => self.ended = true,
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(io::Error::other("a read-ahead thread stopped")),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
