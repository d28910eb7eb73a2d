//! Behaviour as a stream: huge values in constant memory, arbitrary read sizes, I/O errors.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};

use crc::{Digest, Table};

use super::{CRC64, TYPES, run};
use crate::rdb::{Checksum, RdbError, VerifyOptions, copy_verified};

enum Part {
    Bytes(Vec<u8>),
    Repeat(u8, u64),
    /// The CRC of everything before it, emitted little-endian and not hashed itself.
    Crc,
}

/// Generates an RDB on the fly, so a 50 MB value never exists in memory.
struct Synth {
    parts: VecDeque<Part>,
    digest: Digest<'static, u64, Table<16>>,
}

impl Synth {
    fn new(parts: impl IntoIterator<Item = Part>) -> Self {
        Self {
            parts: parts.into_iter().collect(),
            digest: CRC64.digest(),
        }
    }
}

impl Read for Synth {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = match self.parts.front_mut() {
                None => return Ok(0),
                Some(Part::Crc) => {
                    let crc = self.digest.clone().finalize().to_le_bytes();
                    let n = crc.len().min(out.len());
                    out[..n].copy_from_slice(&crc[..n]);
                    self.parts[0] = Part::Bytes(crc[n..].to_vec());
                    return Ok(n);
                }
                Some(Part::Bytes(bytes)) => {
                    let n = bytes.len().min(out.len());
                    out[..n].copy_from_slice(&bytes[..n]);
                    bytes.drain(..n);
                    n
                }
                Some(Part::Repeat(byte, left)) => {
                    let n = (*left).min(out.len() as u64) as usize;
                    out[..n].fill(*byte);
                    *left -= n as u64;
                    n
                }
            };
            if n == 0 {
                self.parts.pop_front();
                continue;
            }
            self.digest.update(&out[..n]);
            return Ok(n);
        }
    }
}

/// Counts what is written and keeps nothing.
#[derive(Default)]
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn fifty_megabyte_string_in_constant_memory() {
    const SIZE: u64 = 50_000_000;
    let head = b"REDIS0010\xfe\x00\xfb\x01\x00\x00\x03big\x80".to_vec();
    let len = (SIZE as u32).to_be_bytes().to_vec();
    let total = (head.len() + len.len()) as u64 + SIZE + 1 + 8;
    let src = Synth::new([
        Part::Bytes(head),
        Part::Bytes(len),
        Part::Repeat(b'x', SIZE),
        Part::Bytes(vec![0xFF]),
        Part::Crc,
    ]);
    let mut out = Counter::default();
    let s = copy_verified(src, &mut out, &VerifyOptions::default()).unwrap();
    assert_eq!((s.total_keys(), s.rdb_bytes, out.0), (1, total, total));
    assert!(matches!(s.checksum, Checksum::Verified(_)));
}

/// Hands out at most `chunk` bytes per read and interrupts every other call.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
    interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(ErrorKind::Interrupted.into());
        }
        let n = self.chunk.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn read_sizes_do_not_change_the_result() {
    let (expected, _) = run(TYPES).unwrap();
    for chunk in [1, 2, 7, 8, 9, 4096] {
        let src = Trickle {
            data: TYPES,
            chunk,
            interrupt: false,
        };
        let mut out = Vec::new();
        let s = copy_verified(src, &mut out, &VerifyOptions::default()).unwrap();
        assert_eq!((&s, out.as_slice()), (&expected, TYPES), "chunk {chunk}");
    }
}

/// A decompressor that hits the end of a cut-short archive reports UnexpectedEof.
#[test]
fn unexpected_eof_from_the_source_is_truncation() {
    let src = TYPES[..1000].chain(FailingReader(ErrorKind::UnexpectedEof));
    let err = copy_verified(src, io::sink(), &VerifyOptions::default()).unwrap_err();
    assert!(
        matches!(err, RdbError::Truncated { offset: 1000 }),
        "{err:?}"
    );

    let src = TYPES[..1000].chain(FailingReader(ErrorKind::ConnectionReset));
    let err = copy_verified(src, io::sink(), &VerifyOptions::default()).unwrap_err();
    assert!(matches!(&err, RdbError::Io(e) if e.kind() == ErrorKind::ConnectionReset));
}

struct FailingReader(ErrorKind);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.into())
    }
}

#[test]
fn destination_errors_are_io_errors() {
    let mut full = [0u8; 100];
    let err = copy_verified(TYPES, &mut full[..], &VerifyOptions::default()).unwrap_err();
    assert!(
        matches!(&err, RdbError::Io(e) if e.kind() == ErrorKind::WriteZero),
        "{err:?}"
    );
}

#[test]
fn copies_into_a_file() {
    let mut file = tempfile::tempfile().unwrap();
    let s = copy_verified(TYPES, &mut file, &VerifyOptions::default()).unwrap();
    assert_eq!(file.metadata().unwrap().len(), s.rdb_bytes);
}
