//! gzip compressed on several cores: the input is cut into blocks, each block compressed on
//! any core, the results joined in order. Two methods, by level ([`Method::for_level`]):
//!
//! - [`Method::Members`] (levels 1–3): every block is a gzip member of its own, compressed by
//!   libdeflate at the same level. RFC 1952 (2.2) makes a gzip file a series of members:
//!   `gunzip`, `pigz -d`, Python's `gzip` and our reader decompress them as one stream.
//!   libdeflate takes no preset dictionary, so blocks share no context (about 0.1 % of size
//!   at 512 KiB), and at these levels it needs a quarter to a third less CPU than zlib-rs,
//!   within 1 % of zlib's size (zlib-rs level 1 is some 18 % larger than zlib's).
//! - [`Method::Dictionary`] (levels 4–9): one member by pigz's method, zlib-rs at the same
//!   level: each block raw-deflated primed with the 32 KiB before it as a preset dictionary
//!   (matches reach across the cut as in one zlib stream) and ended with a sync flush
//!   (byte-aligned, not final); the last block ends the deflate stream; one header before,
//!   one CRC-32 + size trailer after. libdeflate would be 1–1.4 % larger than zlib at 4–7.

use std::io;
use std::mem;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use libdeflater::CompressionLvl;

/// Plaintext per block: large enough that what a block loses at its start (no context, or
/// the cut hash chains) and its framing cost well under 1 % of the size, small enough to
/// keep all cores busy on modest RDBs and memory bounded.
pub(super) const BLOCK: usize = 512 * 1024;

/// deflate's window: the most a match can reach back, hence the dictionary size.
const WINDOW: usize = 32 * 1024;

/// How the blocks of one stream are compressed and framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Members,
    Dictionary,
}

impl Method {
    pub fn for_level(level: u32) -> Self {
        if level <= 3 {
            Self::Members
        } else {
            Self::Dictionary
        }
    }
}

/// One block for a worker; the result goes back on `reply`.
pub(super) struct Job {
    /// The (up to) 32 KiB of plaintext before `data` ([`Method::Dictionary`]; else empty).
    pub dict: Vec<u8>,
    pub data: Vec<u8>,
    pub last: bool,
    pub reply: SyncSender<io::Result<Vec<u8>>>,
}

/// The 10-byte gzip header of [`Method::Dictionary`]: deflate, no name, no mtime (as
/// `gzip -n`), OS Unix.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

/// What the caller's thread keeps across the blocks of one stream.
pub(super) enum Framing {
    /// Whether a member was sent yet: an empty stream still needs one.
    Members { sent: bool },
    /// The last 32 KiB of the previous block and the CRC-32 of all plaintext so far.
    Dictionary { dict: Vec<u8>, crc: Crc },
}

impl Framing {
    pub fn new(method: Method) -> Self {
        match method {
            Method::Members => Self::Members { sent: false },
            Method::Dictionary => Self::Dictionary {
                dict: Vec::new(),
                crc: Crc::new(),
            },
        }
    }

    /// Bytes before the first block.
    pub fn header(&self) -> Option<Vec<u8>> {
        matches!(self, Self::Dictionary { .. }).then(|| HEADER.to_vec())
    }

    /// Records the next block `data`; returns its dictionary.
    pub fn block(&mut self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Members { sent } => {
                *sent = true;
                Vec::new()
            }
            Self::Dictionary { dict, crc } => {
                crc.update(data);
                mem::replace(dict, data[data.len().saturating_sub(WINDOW)..].to_vec())
            }
        }
    }

    /// Whether a last block of `pending` bytes must be sent: the one member's end, or the
    /// only member of an empty stream.
    pub fn needs_last(&self, pending: usize) -> bool {
        match self {
            Self::Members { sent } => pending > 0 || !sent,
            Self::Dictionary { .. } => true,
        }
    }

    /// Bytes after the last block: the one member's CRC-32 and size (mod 2^32).
    pub fn trailer(&self) -> Option<Vec<u8>> {
        match self {
            Self::Members { .. } => None,
            Self::Dictionary { crc, .. } => {
                let mut out = crc.sum().to_le_bytes().to_vec();
                // The format stores the size modulo 2^32 by definition.
                out.extend_from_slice(&crc.amount().to_le_bytes());
                Some(out)
            }
        }
    }
}

/// A worker's compressor.
pub(super) enum Deflater {
    /// With the output buffer it reuses (sized for the worst case of a block).
    Members(libdeflater::Compressor, Vec<u8>),
    Dictionary(Box<Compress>),
}

impl Deflater {
    /// `level` within 1..=9, as [`super::ArchiveWriter::new`] checks.
    pub fn new(level: u32) -> io::Result<Self> {
        Ok(match Method::for_level(level) {
            Method::Members => {
                let level = CompressionLvl::new(level as i32)
                    .map_err(|e| io::Error::other(format!("libdeflate level {level}: {e:?}")))?;
                Self::Members(libdeflater::Compressor::new(level), Vec::new())
            }
            Method::Dictionary => {
                Self::Dictionary(Box::new(Compress::new(Compression::new(level), false)))
            }
        })
    }

    fn compress(&mut self, job: &Job) -> io::Result<Vec<u8>> {
        match self {
            Self::Members(libdeflate, out) => {
                let bound = libdeflate.gzip_compress_bound(job.data.len());
                if out.len() < bound {
                    out.resize(bound, 0);
                }
                let len = libdeflate
                    .gzip_compress(&job.data, out)
                    .map_err(|e| io::Error::other(format!("libdeflate: {e:?}")))?;
                // A copy of exactly the member: what waits in the queues holds no slack.
                Ok(out[..len].to_vec())
            }
            Self::Dictionary(deflate) => compress_block(deflate, job),
        }
    }
}

/// Compresses jobs from the shared queue until it closes.
pub(super) fn worker(mut deflater: Deflater, jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, never while compressing.
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let result = deflater.compress(&job);
        // A closed reply means the run was abandoned; the queue closes next.
        let _ = job.reply.send(result);
    }
}

/// Raw deflate of one block, primed with its dictionary, ended by a sync flush (or, for the
/// last block, the end of the deflate stream).
fn compress_block(deflate: &mut Compress, job: &Job) -> io::Result<Vec<u8>> {
    deflate.reset();
    if !job.dict.is_empty() {
        deflate
            .set_dictionary(&job.dict)
            .map_err(io::Error::other)?;
    }
    let flush = if job.last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(job.data.len() + job.data.len() / 16 + 64);
    let mut input = &job.data[..];
    loop {
        let before = deflate.total_in();
        let status = deflate
            .compress_vec(input, &mut out, flush)
            .map_err(io::Error::other)?;
        input = &input[(deflate.total_in() - before) as usize..];
        let room_left = out.len() < out.capacity();
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once all input is in and zlib stopped with room to spare.
            _ if !job.last && input.is_empty() && room_left => return Ok(out),
            _ => out.reserve(64 * 1024),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testutil::{run, tool};
    use std::io::{Read, Write};
    use std::sync::mpsc::sync_channel;

    /// The stream the writer produces (full blocks as they fill, then the rest), compressed
    /// on this thread.
    fn compress_serially(plain: &[u8], level: u32) -> Vec<u8> {
        let mut deflater = Deflater::new(level).unwrap();
        let mut framing = Framing::new(Method::for_level(level));
        let mut out = framing.header().unwrap_or_default();
        let mut block = |framing: &mut Framing, data: &[u8], last| {
            let (reply, _keep) = sync_channel(1);
            let job = Job {
                dict: framing.block(data),
                data: data.to_vec(),
                last,
                reply,
            };
            deflater.compress(&job).unwrap()
        };
        let (full, rest) = plain.split_at(plain.len() / BLOCK * BLOCK);
        for data in full.chunks(BLOCK) {
            out.extend(block(&mut framing, data, false));
        }
        if framing.needs_last(rest.len()) {
            out.extend(block(&mut framing, rest, true));
        }
        out.extend(framing.trailer().unwrap_or_default());
        out
    }

    #[test]
    fn every_level_reads_back_within_one_percent_of_zlib() {
        let dir = tempfile::tempdir().unwrap();
        let plain = crate::archive::testutil::sample_rdb(3 * BLOCK + 12345);
        let path = dir.path().join("plain");
        std::fs::write(&path, &plain).unwrap();
        for level in 1..=9 {
            let ours = compress_serially(&plain, level);
            let mut back = Vec::new();
            flate2::read::MultiGzDecoder::new(&ours[..])
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == plain, "level {level} did not round-trip");
            // zlib's own deflate, single-threaded, at the same level.
            let zlib = run(tool("gzip", "gzip")
                .arg(format!("-{level}"))
                .arg("-nc")
                .arg(&path));
            let ratio = ours.len() as f64 / zlib.len() as f64;
            assert!(ratio <= 1.01, "level {level}: {ratio:.4}× zlib's size");
        }
    }

    #[test]
    fn members_are_one_per_block_and_an_empty_stream_is_one_member() {
        let members = |plain: &[u8]| {
            let mut out = compress_serially(plain, 3);
            let mut count = 0;
            while !out.is_empty() {
                let mut one = flate2::bufread::GzDecoder::new(&out[..]);
                std::io::copy(&mut one, &mut std::io::sink()).unwrap();
                let rest = one.into_inner().len();
                out.drain(..out.len() - rest);
                count += 1;
            }
            count
        };
        assert_eq!(members(&[]), 1);
        assert_eq!(members(&[7; BLOCK]), 1);
        assert_eq!(members(&[7; BLOCK + 1]), 2);
    }

    #[test]
    fn an_empty_dictionary_stream_is_one_valid_member() {
        let out = compress_serially(&[], 6);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&out[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
        let mut zlib = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        zlib.write_all(&[]).unwrap();
        assert!(out.len() <= zlib.finish().unwrap().len() + 8);
    }

    #[test]
    fn the_dictionary_is_used() {
        // Incompressible noise, then its second half again: with the noise as dictionary the
        // block is one long match 16 KiB back (zlib cannot reach a full 32 KiB back).
        let noise = crate::archive::testutil::noise(WINDOW);
        let (reply, _keep) = sync_channel(1);
        let mut deflate = Compress::new(Compression::new(6), false);
        let job = Job {
            data: noise[WINDOW / 2..].to_vec(),
            dict: noise,
            last: true,
            reply,
        };
        let out = compress_block(&mut deflate, &job).unwrap();
        assert!(out.len() < WINDOW / 100, "{} bytes", out.len());
    }
}
