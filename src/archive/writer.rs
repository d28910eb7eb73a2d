//! Writing archives as a pipeline of stages joined by bounded queues:
//!
//! 1. the caller's thread: plaintext → SHA-256 and byte count → cut into blocks;
//! 2. compression on `threads` cores: gzip blocks ([`super::pargz`]), or zstd's own worker
//!    threads;
//! 3. one writer thread: compressed pieces in order → age (binary, when encrypting) →
//!    SHA-256 and byte count → the caller's writer.
//!
//! Memory is bounded by the queues (a few blocks per compression thread), whatever the size
//! of the input. Every layer is finished explicitly by [`ArchiveWriter::finish`]; an
//! `ArchiveWriter` dropped before that stops every stage without finishing age or gzip, so an
//! abandoned archive is never a valid one (and the caller's temporary file is dropped).

use std::io::{self, Write};
use std::iter;
use std::mem;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::Codec;
use super::keys::Encryption;
use super::pargz::{self, BLOCK, Deflater, Framing, Job, Method};
use super::stages::{Piece, WriteStage, pieces_in_flight, write_stage};

/// Default gzip level (see [`Codec::default_level`]).
pub const DEFAULT_LEVEL: u32 = 3;

/// Tuning for [`ArchiveWriter::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    pub codec: Codec,
    /// Within [`Codec::levels`].
    pub level: u32,
    /// Compression threads, at least 1 ([`default_threads`]: one per core).
    pub threads: usize,
    /// scrypt work factor (log2 N) for passphrase encryption. `None` lets age tune it to
    /// about one second on this machine, which is what production archives should use;
    /// tests set a small value.
    pub scrypt_work_factor: Option<u8>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            codec: Codec::Gzip,
            level: DEFAULT_LEVEL,
            threads: default_threads(),
            scrypt_work_factor: None,
        }
    }
}

/// At most this many compression threads: each holds blocks in flight, and peak memory stays
/// under 64 MiB up to here (measured: 42 MiB gzip, 49 MiB zstd at 32 threads), while the
/// server's fork cannot produce an RDB faster than a few of them compress it.
pub const MAX_THREADS: usize = 32;

/// One compression thread per available core, up to [`MAX_THREADS`].
pub fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

/// Sizes and SHA-256 digests (lowercase hex) of what went in and what came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveStats {
    pub plain_bytes: u64,
    pub plain_sha256: String,
    pub archive_bytes: u64,
    pub archive_sha256: String,
}

/// A [`Write`] that turns plaintext into an archive on `W`; call [`Self::finish`] at the end.
pub struct ArchiveWriter<W: Write + Send + 'static> {
    sha256: Sha256,
    bytes: u64,
    /// `None` once a stage failed or the archive is finished.
    compressor: Option<Compressor>,
    workers: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<WriteStage<W>>>,
}

/// Stage 2's input side, owned by the caller's thread.
enum Compressor {
    Gzip(Blocks),
    Zstd(Box<zstd::stream::write::Encoder<'static, PieceSink>>),
}

impl<W: Write + Send + 'static> ArchiveWriter<W> {
    /// Starts an archive on `out` (the writer thread writes the age header right away when
    /// encrypting).
    ///
    /// Fails with `InvalidInput` for a level outside the codec's range, no threads, a work
    /// factor outside 1..=63, or an empty recipient list.
    pub fn new(out: W, encryption: &Encryption, options: WriterOptions) -> io::Result<Self> {
        let levels = options.codec.levels();
        if !levels.contains(&options.level) {
            return Err(invalid_input(format!(
                "{} level {} is outside {}..={}",
                options.codec,
                options.level,
                levels.start(),
                levels.end()
            )));
        }
        if options.threads == 0 {
            return Err(invalid_input(
                "at least one compression thread is needed".into(),
            ));
        }
        let encryptor = encryptor(encryption, options.scrypt_work_factor)?;
        let (pieces, queue) = sync_channel(pieces_in_flight(options.threads));
        let writer = thread::Builder::new()
            .name("archive-write".into())
            .spawn(move || write_stage(out, encryptor, queue))?;
        let mut this = Self {
            sha256: Sha256::new(),
            bytes: 0,
            compressor: None,
            workers: Vec::new(),
            writer: Some(writer),
        };
        let compressor = match options.codec {
            Codec::Gzip => this.start_gzip(pieces, options).map(Compressor::Gzip),
            Codec::Zstd => zstd_encoder(pieces, options).map(|z| Compressor::Zstd(Box::new(z))),
        };
        match compressor {
            Ok(compressor) => this.compressor = Some(compressor),
            // Writing the age header may already have failed.
            Err(e) => return Err(this.stopped(e)),
        }
        Ok(this)
    }

    fn start_gzip(
        &mut self,
        pieces: SyncSender<Piece>,
        options: WriterOptions,
    ) -> io::Result<Blocks> {
        let (jobs, queue) = sync_channel::<Job>(options.threads);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..options.threads {
            let queue = queue.clone();
            let deflater = Deflater::new(options.level)?;
            self.workers.push(
                thread::Builder::new()
                    .name(format!("gzip-{i}"))
                    .spawn(move || pargz::worker(deflater, &queue))?,
            );
        }
        let framing = Framing::new(Method::for_level(options.level));
        if let Some(header) = framing.header() {
            pieces.send(Piece::Bytes(header)).map_err(|_| stopped())?;
        }
        Ok(Blocks {
            buf: Vec::with_capacity(BLOCK),
            framing,
            jobs,
            pieces,
        })
    }

    /// Finishes compression, then age, and returns the writer with the archive's statistics.
    ///
    /// The returned writer has had everything written to it but is not flushed or synced;
    /// that is the caller's (e.g. `AtomicFile::commit`).
    pub fn finish(mut self) -> io::Result<(W, ArchiveStats)> {
        let finished = match self.compressor.take() {
            Some(Compressor::Gzip(blocks)) => blocks.finish(),
            Some(Compressor::Zstd(zstd)) => zstd.finish().and_then(PieceSink::finish),
            None => Err(stopped()),
        };
        let written = self.join();
        let (out, archive_bytes, archive_sha256) = match (finished, written) {
            (_, Err(e)) | (Err(e), Ok(_)) => return Err(e),
            (Ok(()), Ok(done)) => done.ok_or_else(stopped)?,
        };
        Ok((
            out,
            ArchiveStats {
                plain_bytes: self.bytes,
                plain_sha256: hex::encode(mem::take(&mut self.sha256).finalize()),
                archive_bytes,
                archive_sha256,
            },
        ))
    }

    /// Closes the queues and waits for every stage; the writer thread's result.
    fn join(&mut self) -> WriteStage<W> {
        self.compressor = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the archive writer thread panicked")),
            None => Ok(None),
        }
    }

    /// After a stage stopped: the error that stopped it (a write error from `W`, say), which
    /// tells the caller more than the closed queue `e` it ran into.
    fn stopped(&mut self, e: io::Error) -> io::Error {
        match self.join() {
            Err(cause) => cause,
            Ok(_) => e,
        }
    }
}

impl<W: Write + Send + 'static> Write for ArchiveWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = match &mut self.compressor {
            Some(Compressor::Gzip(blocks)) => blocks.write(buf),
            Some(Compressor::Zstd(zstd)) => zstd.write_all(buf),
            None => Err(stopped()),
        };
        match result {
            Ok(()) => {
                self.sha256.update(buf);
                self.bytes += buf.len() as u64;
                Ok(buf.len())
            }
            Err(e) => Err(self.stopped(e)),
        }
    }

    /// Nothing to do: an archive is usable only once [`ArchiveWriter::finish`]ed, and forcing
    /// a compression boundary here would only cost ratio.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Send + 'static> Drop for ArchiveWriter<W> {
    /// Abandons the archive: every stage stops, `W` is dropped unfinished on the writer thread.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// gzip's input side: cuts the plaintext into blocks and hands each to a worker, queueing its
/// result for the writer in stream order.
struct Blocks {
    buf: Vec<u8>,
    framing: Framing,
    jobs: SyncSender<Job>,
    pieces: SyncSender<Piece>,
}

impl Blocks {
    fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let take = (BLOCK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == BLOCK {
                self.dispatch(false)?;
            }
        }
        Ok(())
    }

    fn dispatch(&mut self, last: bool) -> io::Result<()> {
        let data = mem::replace(
            &mut self.buf,
            Vec::with_capacity(if last { 0 } else { BLOCK }),
        );
        let dict = self.framing.block(&data);
        let (reply, result) = sync_channel(1);
        self.pieces
            .send(Piece::Block(result))
            .map_err(|_| stopped())?;
        self.jobs
            .send(Job {
                dict,
                data,
                last,
                reply,
            })
            .map_err(|_| stopped())
    }

    /// The last block (when needed, possibly empty: it may end the deflate stream or be an
    /// empty stream's only member), then the trailer, if any.
    fn finish(mut self) -> io::Result<()> {
        if self.framing.needs_last(self.buf.len()) {
            self.dispatch(true)?;
        }
        let trailer = self.framing.trailer().map(Piece::Bytes);
        for piece in trailer.into_iter().chain([Piece::End]) {
            self.pieces.send(piece).map_err(|_| stopped())?;
        }
        Ok(())
    }
}

/// zstd's output side: collects compressed bytes into pieces for the writer.
struct PieceSink {
    buf: Vec<u8>,
    pieces: SyncSender<Piece>,
}

impl PieceSink {
    fn finish(mut self) -> io::Result<()> {
        self.send()?;
        self.pieces.send(Piece::End).map_err(|_| stopped())
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        self.pieces.send(Piece::Bytes(piece)).map_err(|_| stopped())
    }
}

impl Write for PieceSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        if self.buf.len() >= BLOCK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// zstd job size: zstd's default (4× the window, up to 32 MiB at level 19) times the worker
/// count would break the memory bound; 2 MiB jobs keep several cores busy at any level.
const ZSTD_JOB_SIZE: u32 = 2 * 1024 * 1024;

fn zstd_encoder(
    pieces: SyncSender<Piece>,
    options: WriterOptions,
) -> io::Result<zstd::stream::write::Encoder<'static, PieceSink>> {
    use zstd::stream::raw::CParameter;
    let sink = PieceSink {
        buf: Vec::with_capacity(BLOCK),
        pieces,
    };
    let mut zstd = zstd::stream::write::Encoder::new(sink, options.level as i32)?;
    zstd.multithread(options.threads as u32)?;
    zstd.set_parameter(CParameter::JobSize(ZSTD_JOB_SIZE))?;
    // A content checksum lets `zstd -d` (and our reader) detect damage on its own.
    zstd.include_checksum(true)?;
    Ok(zstd)
}

fn encryptor(
    encryption: &Encryption,
    work_factor: Option<u8>,
) -> io::Result<Option<age::Encryptor>> {
    let encryptor = match encryption {
        Encryption::None => return Ok(None),
        Encryption::Recipients(keys) => {
            age::Encryptor::with_recipients(keys.iter().map(|k| k as &dyn age::Recipient))
        }
        Encryption::Passphrase(passphrase) => {
            let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
            if let Some(log_n) = work_factor {
                // age panics outside this range.
                if !(1..64).contains(&log_n) {
                    return Err(invalid_input(format!(
                        "scrypt work factor {log_n} is outside 1..=63"
                    )));
                }
                recipient.set_work_factor(log_n);
            }
            age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        }
    };
    encryptor
        .map(Some)
        .map_err(|e| invalid_input(e.to_string()))
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A queue closed because another stage stopped; replaced by that stage's error when known.
fn stopped() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the archive pipeline stopped")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testutil::options;
    use age::secrecy::SecretString;

    #[test]
    fn rejects_bad_options() {
        let passphrase = || Encryption::Passphrase(SecretString::from("p"));
        let bad = [
            (Encryption::None, options(Codec::Gzip, 0, 1)),
            (Encryption::None, options(Codec::Gzip, 10, 1)),
            (Encryption::None, options(Codec::Zstd, 0, 1)),
            (Encryption::None, options(Codec::Zstd, 20, 1)),
            (Encryption::None, options(Codec::Gzip, 3, 0)),
            (
                Encryption::Recipients(Vec::new()),
                options(Codec::Gzip, 3, 1),
            ),
            (
                passphrase(),
                WriterOptions {
                    scrypt_work_factor: Some(0),
                    ..WriterOptions::default()
                },
            ),
            (
                passphrase(),
                WriterOptions {
                    scrypt_work_factor: Some(64),
                    ..WriterOptions::default()
                },
            ),
        ];
        for (encryption, options) in bad {
            let err = ArchiveWriter::new(Vec::new(), &encryption, options)
                .err()
                .unwrap_or_else(|| panic!("accepted {encryption:?} {options:?}"));
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn stats_match_independent_computation() {
        let plain = b"REDIS0011 some plaintext that compresses plaintext plaintext".repeat(50_000);
        for codec in [Codec::Gzip, Codec::Zstd] {
            let mut writer =
                ArchiveWriter::new(Vec::new(), &Encryption::None, options(codec, 3, 2)).unwrap();
            // Many small writes, as a network reader would produce.
            for chunk in plain.chunks(1000) {
                writer.write_all(chunk).unwrap();
            }
            let (archive, stats) = writer.finish().unwrap();
            assert_eq!(stats.plain_bytes, plain.len() as u64);
            assert_eq!(stats.plain_sha256, hex::encode(Sha256::digest(&plain)));
            assert_eq!(stats.archive_bytes, archive.len() as u64);
            assert_eq!(stats.archive_sha256, hex::encode(Sha256::digest(&archive)));
            assert!(archive.len() < plain.len() / 10, "{codec}");
        }
    }

    /// Fails every write after `ok` bytes, like a disk that fills up.
    struct FullDisk {
        ok: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.ok {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.ok -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_output_error_reaches_the_producer_as_itself() {
        let plain = crate::archive::testutil::sample_rdb(4_000_000);
        for codec in [Codec::Gzip, Codec::Zstd] {
            let out = FullDisk { ok: 100_000 };
            let mut writer =
                ArchiveWriter::new(out, &Encryption::None, options(codec, 1, 2)).unwrap();
            let err = plain
                .chunks(64 * 1024)
                .try_for_each(|c| writer.write_all(c))
                .and_then(|()| writer.finish().map(drop))
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::StorageFull, "{codec}: {err}");
        }
    }
}
