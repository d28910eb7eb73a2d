//! Buffered tee over the RDB input.
//!
//! Bytes are pulled from the source into one fixed buffer. Bytes the parser has consumed are
//! "committed" lazily, a whole buffer at a time: fed to the CRC digest and written to the
//! destination in one slice each, so the per-byte hot path is an index bump.

use std::io::{self, ErrorKind, Read, Write};

use crc::{CRC_64_REDIS, Crc, Digest, Table};

use super::RdbError;

/// CRC-64/REDIS with slice-by-16 tables: several times faster than the crate's default
/// bytewise table, which matters on a multi-GiB backup stream.
pub(super) static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// Large enough for throughput, small enough to stay constant memory.
const BUF_SIZE: usize = 256 * 1024;

pub(super) struct Source<R, W> {
    src: R,
    dst: W,
    buf: Box<[u8]>,
    /// `buf[..committed]` has been hashed (while hashing) and written to `dst`.
    committed: usize,
    /// Next byte the parser reads.
    pos: usize,
    /// End of the valid data in `buf`.
    end: usize,
    /// RDB offset of `buf[0]`.
    base: u64,
    digest: Digest<'static, u64, Table<16>>,
    /// Off once the EOF opcode is committed: the trailer is written but not hashed.
    hashing: bool,
}

impl<R: Read, W: Write> Source<R, W> {
    pub(super) fn new(src: R, dst: W) -> Self {
        Self {
            src,
            dst,
            buf: vec![0; BUF_SIZE].into_boxed_slice(),
            committed: 0,
            pos: 0,
            end: 0,
            base: 0,
            digest: CRC64.digest(),
            hashing: true,
        }
    }

    /// RDB offset of the next byte to be read.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn truncated(&self) -> RdbError {
        RdbError::Truncated {
            offset: self.base + self.end as u64,
        }
    }

    fn commit(&mut self) -> io::Result<()> {
        let consumed = &self.buf[self.committed..self.pos];
        if !consumed.is_empty() {
            if self.hashing {
                self.digest.update(consumed);
            }
            self.dst.write_all(consumed)?;
            self.committed = self.pos;
        }
        Ok(())
    }

    /// Commits what was consumed, moves the unread rest to the front and reads once more.
    /// Returns the number of bytes read; 0 means end of input.
    fn fill(&mut self) -> Result<usize, RdbError> {
        self.commit()?;
        self.buf.copy_within(self.pos..self.end, 0);
        self.base += self.pos as u64;
        self.end -= self.pos;
        self.pos = 0;
        self.committed = 0;
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // Decompressors report a cut-short archive this way.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Err(self.truncated()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Makes `n <= BUF_SIZE` bytes available at `pos`.
    #[inline]
    pub(super) fn ensure(&mut self, n: usize) -> Result<(), RdbError> {
        if self.end - self.pos >= n {
            Ok(())
        } else {
            self.ensure_across_fills(n)
        }
    }

    #[inline(never)]
    fn ensure_across_fills(&mut self, n: usize) -> Result<(), RdbError> {
        while self.end - self.pos < n {
            if self.fill()? == 0 {
                return Err(self.truncated());
            }
        }
        Ok(())
    }

    /// Up to `n` unread bytes without consuming them; fewer only at end of input.
    pub(super) fn peek(&mut self, n: usize) -> Result<&[u8], RdbError> {
        while self.end - self.pos < n {
            if self.fill()? == 0 {
                break;
            }
        }
        let end = self.end.min(self.pos + n);
        Ok(&self.buf[self.pos..end])
    }

    #[inline]
    pub(super) fn read_u8(&mut self) -> Result<u8, RdbError> {
        self.ensure(1)?;
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    pub(super) fn read_array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        self.ensure(N)?;
        let mut out = [0; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    /// Reads `n` bytes into a new vector; callers bound `n` (at most `BUF_SIZE`).
    pub(super) fn read_vec(&mut self, n: usize) -> Result<Vec<u8>, RdbError> {
        self.ensure(n)?;
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(out)
    }

    /// Consumes `n` bytes without looking at them; memory use does not depend on `n`.
    #[inline]
    pub(super) fn skip(&mut self, n: u64) -> Result<(), RdbError> {
        match usize::try_from(n) {
            Ok(n) if n <= self.end - self.pos => {
                self.pos += n;
                Ok(())
            }
            _ => self.skip_across_fills(n),
        }
    }

    #[inline(never)]
    fn skip_across_fills(&mut self, mut n: u64) -> Result<(), RdbError> {
        loop {
            let avail = (self.end - self.pos) as u64;
            if n <= avail {
                self.pos += n as usize;
                return Ok(());
            }
            n -= avail;
            self.pos = self.end;
            if self.fill()? == 0 {
                return Err(self.truncated());
            }
        }
    }

    /// Commits everything read so far and stops hashing; returns the CRC of all committed bytes.
    pub(super) fn stop_hashing(&mut self) -> io::Result<u64> {
        self.commit()?;
        self.hashing = false;
        Ok(self.digest.clone().finalize())
    }

    /// Reads to the end of the input, committing all but the last `hold` bytes, which stay
    /// unread in [`Self::pending`]. The digest then covers everything before them.
    pub(super) fn drain_holding_back(&mut self, hold: usize) -> Result<(), RdbError> {
        loop {
            if self.end - self.pos > hold {
                self.pos = self.end - hold;
            }
            if self.fill()? == 0 {
                return Ok(());
            }
        }
    }

    /// The unread bytes currently buffered; after [`Self::ensure`]`(n)` at least `n`.
    pub(super) fn pending(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// CRC of everything committed followed by `more`, without changing the digest.
    /// Only meaningful right after [`Self::drain_holding_back`], when all read bytes are committed.
    pub(super) fn crc_with(&self, more: &[u8]) -> u64 {
        let mut digest = self.digest.clone();
        digest.update(more);
        digest.finalize()
    }

    /// Commits the RDB, flushes the destination, then reads the rest of the input without
    /// writing it. Returns how many bytes followed the RDB.
    pub(super) fn finish(mut self) -> Result<u64, RdbError> {
        self.commit()?;
        self.dst.flush()?;
        let mut trailing = (self.end - self.pos) as u64;
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => return Ok(trailing),
                Ok(n) => trailing += n as u64,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}
