//! Tests of the RDB verifier: real files written by redis-server 7.0.15 (`testdata/`), hand-built
//! files for what 7.0 cannot write, error paths, stream behaviour, and a fuzz loop.

mod errors;
mod fixtures;
mod handmade;
mod streaming;
mod valkey;
mod visit;

use super::source::CRC64;
use super::{RdbError, RdbSummary, VerifyOptions, copy_verified};

pub(super) const TYPES: &[u8] = include_bytes!("../testdata/types.rdb");
pub(super) const NO_CHECKSUM: &[u8] = include_bytes!("../testdata/nochecksum.rdb");
pub(super) const DISKLESS: &[u8] = include_bytes!("../testdata/diskless-eofmark.rdb");
/// Written by redis-server 7.4.1: hash-field TTLs in both encodings.
pub(super) const HFE: &[u8] = include_bytes!("../testdata/hfe-7.4.rdb");

/// Builds RDB bytes by hand, encoding each item the way Redis writes it.
pub(super) struct Rdb(Vec<u8>);

impl Rdb {
    pub(super) fn new(version: u32) -> Self {
        Self(format!("REDIS{version:04}").into_bytes())
    }

    /// Valkey 9's header, `VALKEY080`.
    pub(super) fn valkey(version: u32) -> Self {
        Self(format!("VALKEY{version:03}").into_bytes())
    }

    pub(super) fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    pub(super) fn byte(self, b: u8) -> Self {
        self.raw(&[b])
    }

    /// A length in its shortest form, like `rdbSaveLen`.
    pub(super) fn length(self, n: u64) -> Self {
        match n {
            0..0x40 => self.byte(n as u8),
            0x40..0x4000 => self.raw(&[0x40 | (n >> 8) as u8, n as u8]),
            0x4000..=0xFFFF_FFFF => self.byte(0x80).raw(&(n as u32).to_be_bytes()),
            _ => self.byte(0x81).raw(&n.to_be_bytes()),
        }
    }

    pub(super) fn string(self, s: impl AsRef<[u8]>) -> Self {
        let s = s.as_ref();
        self.length(s.len() as u64).raw(s)
    }

    pub(super) fn aux(self, key: &str, value: &str) -> Self {
        self.byte(0xFA).string(key).string(value)
    }

    /// A type byte and a key; the value follows.
    pub(super) fn key(self, value_type: u8, key: &str) -> Self {
        self.byte(value_type).string(key)
    }

    pub(super) fn select_db(self, db: u64) -> Self {
        self.byte(0xFE).length(db)
    }

    /// Appends the EOF opcode and the correct CRC-64 trailer.
    pub(super) fn finish(self) -> Vec<u8> {
        let mut bytes = self.byte(0xFF).0;
        let crc = CRC64.checksum(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    }

    /// Appends the EOF opcode and the given trailer (0 = checksum disabled).
    pub(super) fn finish_with_trailer(self, trailer: u64) -> Vec<u8> {
        let mut bytes = self.byte(0xFF).0;
        bytes.extend_from_slice(&trailer.to_le_bytes());
        bytes
    }
}

/// Module type id as `moduleTypeEncodeId` builds it, for hand-built module data.
pub(super) fn module_type_id(name: &str, encver: u64) -> u64 {
    const CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let id = name.bytes().fold(0, |id, c| {
        let pos = CHARSET.iter().position(|&x| x == c).unwrap() as u64;
        id << 6 | pos
    });
    id << 10 | encver
}

pub(super) fn run_with(
    input: &[u8],
    opts: &VerifyOptions,
) -> Result<(RdbSummary, Vec<u8>), RdbError> {
    let mut out = Vec::new();
    let summary = copy_verified(input, &mut out, opts)?;
    Ok((summary, out))
}

pub(super) fn run(input: &[u8]) -> Result<(RdbSummary, Vec<u8>), RdbError> {
    run_with(input, &VerifyOptions::default())
}

/// Deterministic xorshift64 generator for the mutation tests.
pub(super) struct XorShift(pub(super) u64);

impl XorShift {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
