//! Writing archives: plaintext → SHA-256 and byte count → gzip → age (binary, when
//! encrypting) → SHA-256 and byte count → the caller's writer.
//!
//! Every layer is finished explicitly, innermost first, by [`ArchiveWriter::finish`]; nothing
//! relies on `Drop`, which would swallow errors and, for age, leave an undecryptable file.

use std::io::{self, Write};
use std::iter;

use age::stream::StreamWriter;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::Encryption;

/// Default gzip level: with zlib-rs, level 3 runs at about twice level 6's speed for an
/// archive within 10 % of its size.
pub const DEFAULT_LEVEL: u32 = 3;

/// Tuning for [`ArchiveWriter::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// gzip level, 1 (fastest) to 9 (smallest).
    pub level: u32,
    /// scrypt work factor (log2 N) for passphrase encryption. `None` lets age tune it to
    /// about one second on this machine, which is what production archives should use;
    /// tests set a small value.
    pub scrypt_work_factor: Option<u8>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            level: DEFAULT_LEVEL,
            scrypt_work_factor: None,
        }
    }
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
pub struct ArchiveWriter<W: Write> {
    plain: Hashed<GzEncoder<Sealed<Hashed<W>>>>,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive on `out`, writing the age header right away when encrypting.
    ///
    /// Fails with `InvalidInput` for a level outside 1..=9, a work factor outside 1..=63, or
    /// an empty recipient list.
    pub fn new(out: W, encryption: &Encryption, options: WriterOptions) -> io::Result<Self> {
        if !(1..=9).contains(&options.level) {
            return Err(invalid_input(format!(
                "compression level {} is outside 1..=9",
                options.level
            )));
        }
        let out = Hashed::new(out);
        let sealed = match encryptor(encryption, options.scrypt_work_factor)? {
            Some(encryptor) => Sealed::Age(encryptor.wrap_output(out)?),
            None => Sealed::Clear(out),
        };
        let gzip = GzEncoder::new(sealed, Compression::new(options.level));
        Ok(Self {
            plain: Hashed::new(gzip),
        })
    }

    /// Finishes gzip, then age, and returns the writer with the archive's statistics.
    ///
    /// The returned writer has had everything written to it but is not flushed or synced;
    /// that is the caller's (e.g. `AtomicFile::commit`).
    pub fn finish(self) -> io::Result<(W, ArchiveStats)> {
        let (gzip, plain_bytes, plain_sha256) = self.plain.into_parts();
        let (out, archive_bytes, archive_sha256) = gzip.finish()?.finish()?.into_parts();
        Ok((
            out,
            ArchiveStats {
                plain_bytes,
                plain_sha256,
                archive_bytes,
                archive_sha256,
            },
        ))
    }
}

impl<W: Write> Write for ArchiveWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.plain.write(buf)
    }

    /// Forces a gzip sync point and pushes bytes through; age holds back its current partial
    /// 64 KiB chunk until more data or `finish`. Each flush costs compression ratio.
    fn flush(&mut self) -> io::Result<()> {
        self.plain.flush()
    }
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
}

impl<W: Write> Write for Sealed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Age(age) => age.write(buf),
            Self::Clear(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Age(age) => age.flush(),
            Self::Clear(out) => out.flush(),
        }
    }
}

/// Counts and hashes exactly the bytes its inner writer accepted.
struct Hashed<W> {
    inner: W,
    sha256: Sha256,
    bytes: u64,
}

impl<W> Hashed<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            sha256: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the byte count and the hex SHA-256.
    fn into_parts(self) -> (W, u64, String) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::SecretString;

    #[test]
    fn rejects_bad_options() {
        let bad = [
            (Encryption::None, 0, None),
            (Encryption::None, 10, None),
            (Encryption::Recipients(Vec::new()), 3, None),
            (Encryption::Passphrase(SecretString::from("p")), 3, Some(0)),
            (Encryption::Passphrase(SecretString::from("p")), 3, Some(64)),
        ];
        for (encryption, level, scrypt_work_factor) in bad {
            let options = WriterOptions {
                level,
                scrypt_work_factor,
            };
            let err = ArchiveWriter::new(Vec::new(), &encryption, options)
                .err()
                .unwrap_or_else(|| panic!("accepted {encryption:?} {options:?}"));
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn stats_match_independent_computation() {
        let plain = b"REDIS0011 some plaintext that compresses plaintext plaintext".repeat(5000);
        let mut writer =
            ArchiveWriter::new(Vec::new(), &Encryption::None, WriterOptions::default()).unwrap();
        // Many small writes, as a network reader would produce.
        for chunk in plain.chunks(1000) {
            writer.write_all(chunk).unwrap();
        }
        let (archive, stats) = writer.finish().unwrap();
        assert_eq!(stats.plain_bytes, plain.len() as u64);
        assert_eq!(stats.plain_sha256, hex::encode(Sha256::digest(&plain)));
        assert_eq!(stats.archive_bytes, archive.len() as u64);
        assert_eq!(stats.archive_sha256, hex::encode(Sha256::digest(&archive)));
        assert!(archive.len() < plain.len() / 10);
    }
}
