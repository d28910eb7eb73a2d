//! One standard gzip stream compressed on several cores, by pigz's method: the input is cut
//! into blocks, each block is raw-deflated independently, primed with the 32 KiB before it as
//! a preset dictionary (so matches reach across the cut as in one zlib stream) and ended with
//! a sync flush (byte-aligned, not final); the last block ends the deflate stream. One gzip
//! header before, one CRC-32 + size trailer after: `gunzip`, `pigz -d` and Python's `gzip`
//! read the result as a single member.

use std::io;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Plaintext per block: large enough that the per-block sync marker (5 bytes) and the lost
/// cross-block hash chains cost well under 1 % of the size, small enough to keep all cores
/// busy on modest RDBs and memory bounded.
pub(super) const BLOCK: usize = 256 * 1024;

/// deflate's window: the most a match can reach back, hence the dictionary size.
const WINDOW: usize = 32 * 1024;

/// One block for a worker; the result goes back on `reply`.
pub(super) struct Job {
    /// The (up to) 32 KiB of plaintext before `data`.
    pub dict: Vec<u8>,
    pub data: Vec<u8>,
    pub last: bool,
    pub reply: SyncSender<io::Result<Vec<u8>>>,
}

/// The 10-byte gzip header: deflate, no name, no mtime (as `gzip -n`), OS Unix.
pub(super) const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

/// The gzip trailer: CRC-32 and size (mod 2^32) of all plaintext.
pub(super) fn trailer(crc: &Crc) -> Vec<u8> {
    let mut out = crc.sum().to_le_bytes().to_vec();
    // The format stores the size modulo 2^32 by definition.
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

/// The dictionary for the block after `data`: its last 32 KiB (all of it when shorter).
pub(super) fn window_of(data: &[u8]) -> Vec<u8> {
    data[data.len().saturating_sub(WINDOW)..].to_vec()
}

/// Compresses jobs from the shared queue until it closes.
pub(super) fn worker(level: u32, jobs: &Mutex<Receiver<Job>>) {
    let mut deflate = Compress::new(Compression::new(level), false);
    loop {
        // The lock is held only while waiting for the next job, never while compressing.
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let result = compress_block(&mut deflate, &job);
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
    use std::io::{Read, Write};
    use std::sync::mpsc::sync_channel;

    fn compress_serially(plain: &[u8], level: u32) -> Vec<u8> {
        let mut deflate = Compress::new(Compression::new(level), false);
        let mut out = HEADER.to_vec();
        let mut dict = Vec::new();
        let mut crc = Crc::new();
        let chunks: Vec<&[u8]> = plain.chunks(BLOCK).collect();
        let count = chunks.len().max(1);
        for i in 0..count {
            let data = chunks.get(i).copied().unwrap_or_default().to_vec();
            crc.update(&data);
            let (reply, _keep) = sync_channel(1);
            let job = Job {
                dict: std::mem::replace(&mut dict, window_of(&data)),
                data,
                last: i + 1 == count,
                reply,
            };
            out.extend(compress_block(&mut deflate, &job).unwrap());
        }
        out.extend(trailer(&crc));
        out
    }

    #[test]
    fn blocks_form_one_gzip_member_within_one_percent_of_zlib() {
        let plain = crate::archive::testutil::sample_rdb(3 * BLOCK + 12345);
        for level in [1, 3, 6, 9] {
            let ours = compress_serially(&plain, level);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&ours[..])
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == plain, "level {level} did not round-trip");
            let mut zlib = flate2::write::GzEncoder::new(Vec::new(), Compression::new(level));
            zlib.write_all(&plain).unwrap();
            let zlib = zlib.finish().unwrap();
            let ratio = ours.len() as f64 / zlib.len() as f64;
            assert!(ratio <= 1.01, "level {level}: {ratio:.4}× zlib's size");
        }
    }

    #[test]
    fn the_dictionary_is_used() {
        // Incompressible noise, then its second half again: with the noise as dictionary the
        // block is one long match 16 KiB back (zlib cannot reach a full 32 KiB back).
        let mut rng = 7u64;
        let noise: Vec<u8> = (0..WINDOW)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng as u8
            })
            .collect();
        let (reply, _keep) = sync_channel(1);
        let mut deflate = Compress::new(Compression::new(3), false);
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
