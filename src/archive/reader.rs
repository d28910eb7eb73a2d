//! Reading archives back: sniff the format from the first bytes, stack the decoding layers
//! (age, binary or armored → gzip (multi-member) or zstd → RDB), and report failures as
//! [`ArchiveError`] kinds. Decryption and decompression each run on their own read-ahead
//! thread, so they overlap with each other and with whatever the caller does with the RDB.
//!
//! Errors that surface while the returned reader is being read (a truncated or tampered age
//! payload, a gzip CRC mismatch) are `io::Error`s whose payload is an [`ArchiveError::Corrupt`];
//! `ArchiveError::from(io::Error)` (and so `?`) recovers it. An error from the source reader
//! itself comes back unchanged and converts to [`ArchiveError::Io`].

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};
use std::iter;
use std::path::Path;

use age::armor::ArmoredReader;
use age::{DecryptError, Decryptor};
use flate2::bufread::MultiGzDecoder;

use super::codec::Codec;
use super::stages::read_ahead;

use super::keys::Decryption;

/// Buffer between layers: large reads keep the file, age and zlib loops busy.
const BUF_SIZE: usize = 256 * 1024;

const AGE_MAGIC: &[u8] = b"age-encryption.org/";
const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const RDB_MAGIC: &[u8] = b"REDIS";
/// Bytes read up front to recognise a format: the longest magic.
const SNIFF_LEN: usize = ARMOR_MAGIC.len();

/// Why an archive could not be read; each kind maps to its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive is encrypted to age recipients; pass --identity FILE")]
    NeedsIdentity,
    #[error("the archive is encrypted with a passphrase; pass --passphrase-file FILE")]
    NeedsPassphrase,
    #[error(
        "none of the given identities can decrypt this archive; it was encrypted to other \
         recipients"
    )]
    WrongKey,
    #[error("wrong passphrase for this archive")]
    WrongPassphrase,
    #[error("the archive is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Io(io::Error),
}

/// Recovers the `ArchiveError` carried by an error from [`open_reader`]'s reader; any other
/// error is [`ArchiveError::Io`].
impl From<io::Error> for ArchiveError {
    fn from(e: io::Error) -> Self {
        if e.get_ref().is_some_and(|inner| inner.is::<ArchiveError>()) {
            let inner = e.into_inner().expect("checked above");
            *inner.downcast::<ArchiveError>().expect("checked above")
        } else {
            ArchiveError::Io(e)
        }
    }
}

/// The outer layer of an archive file, as far as it can be known without a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// age-encrypted; whether gzip is inside shows only after decryption.
    Age { armored: bool, passphrase: bool },
    /// gzip-compressed, not encrypted.
    Gzip,
    /// zstd-compressed, not encrypted.
    Zstd,
    /// A plain RDB file.
    Rdb,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Age {
                armored,
                passphrase,
            } => {
                let to = if *passphrase {
                    "a passphrase"
                } else {
                    "recipients"
                };
                let armor = if *armored { ", ASCII-armored" } else { "" };
                write!(f, "age-encrypted to {to}{armor}")
            }
            Self::Gzip => f.write_str("gzip-compressed RDB"),
            Self::Zstd => f.write_str("zstd-compressed RDB"),
            Self::Rdb => f.write_str("plain RDB"),
        }
    }
}

/// Tells which outer layer the file at `path` has, reading only its first bytes (and, for
/// age, its header).
pub fn describe(path: &Path) -> Result<Format, ArchiveError> {
    let (magic, input) = sniff(File::open(path)?)?;
    Ok(match magic {
        Magic::Age { armored } => Format::Age {
            armored,
            passphrase: age_header(input, armored)?.is_scrypt(),
        },
        Magic::Gzip => Format::Gzip,
        Magic::Zstd => Format::Zstd,
        Magic::Rdb => Format::Rdb,
    })
}

/// Returns a reader of the RDB bytes inside `src`, which may be `.rdb.gz.age` or
/// `.rdb.zst.age` (binary or armored), `.rdb.age`, `.rdb.gz` (including concatenated gzip
/// members), `.rdb.zst` or a plain `.rdb`.
///
/// Key problems and damage in the headers are reported here. Damage further in surfaces
/// from the reader as an `io::Error` carrying [`ArchiveError::Corrupt`]; convert it with
/// `ArchiveError::from` (or `?` in a function returning `ArchiveError`). A truncated plain
/// RDB cannot be detected here (its checksum is the restore's job); every other truncation
/// is an error.
pub fn open_reader<R: Read + Send + 'static>(
    src: R,
    decryption: &Decryption,
) -> Result<Box<dyn Read + Send>, ArchiveError> {
    open(src, decryption).map(|(_, reader)| reader)
}

/// [`open_reader`] for an archive whose manifest names its codec: an archive that holds
/// anything else was swapped or damaged, and is reported as corrupt.
pub fn open_reader_as<R: Read + Send + 'static>(
    src: R,
    decryption: &Decryption,
    codec: Codec,
) -> Result<Box<dyn Read + Send>, ArchiveError> {
    let (inner, reader) = open(src, decryption)?;
    let found = match inner {
        Magic::Gzip => "gzip",
        Magic::Zstd => "zstd",
        _ => "an uncompressed RDB",
    };
    if found != codec.name() {
        return Err(ArchiveError::Corrupt(format!(
            "the manifest says the RDB is {codec}-compressed, but the archive holds {found}"
        )));
    }
    Ok(reader)
}

/// The innermost layer found (gzip, zstd or RDB) and the reader of the RDB.
fn open<R: Read + Send + 'static>(
    src: R,
    decryption: &Decryption,
) -> Result<(Magic, Box<dyn Read + Send>), ArchiveError> {
    let (magic, input) = sniff(src)?;
    let (inner, input): (Magic, Box<dyn Read + Send>) = match magic {
        Magic::Age { armored } => {
            let plain = decrypt(age_header(input, armored)?, decryption)?;
            let (inner, plain) = sniff(read_ahead(plain, "age")?)?;
            if let Magic::Age { .. } = inner {
                return Err(ArchiveError::Corrupt(
                    "the decrypted contents are another age file".into(),
                ));
            }
            (inner, Box::new(plain))
        }
        _ => (magic, Box::new(input)),
    };
    let reader: Box<dyn Read + Send> = match inner {
        Magic::Gzip => Box::new(read_ahead(gunzip(input), "gunzip")?),
        Magic::Zstd => Box::new(read_ahead(unzstd(input)?, "unzstd")?),
        _ => input,
    };
    Ok((inner, reader))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Age { armored: bool },
    Gzip,
    Zstd,
    Rdb,
}

type Sniffed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Reads the first bytes of `r`, recognises the format and hands back a reader that still
/// yields every byte.
fn sniff<R: Read>(mut r: R) -> Result<(Magic, Sniffed<R>), ArchiveError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut r).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let magic = identify(&head)?;
    Ok((magic, Cursor::new(head).chain(r)))
}

fn identify(head: &[u8]) -> Result<Magic, ArchiveError> {
    const KNOWN: [(&[u8], Magic); 5] = [
        (AGE_MAGIC, Magic::Age { armored: false }),
        (ARMOR_MAGIC, Magic::Age { armored: true }),
        (GZIP_MAGIC, Magic::Gzip),
        (ZSTD_MAGIC, Magic::Zstd),
        (RDB_MAGIC, Magic::Rdb),
    ];
    if let Some((_, magic)) = KNOWN.iter().find(|(m, _)| head.starts_with(m)) {
        return Ok(*magic);
    }
    Err(ArchiveError::Corrupt(
        if head.is_empty() {
            "the file is empty"
        } else if KNOWN.iter().any(|(m, _)| m.starts_with(head)) {
            "the file ends inside its format signature"
        } else {
            "unrecognised format (not age, gzip, zstd or RDB)"
        }
        .into(),
    ))
}

/// What the age decryptor reads from: the armor decoder or a plain buffer.
type AgeInput = Box<dyn BufRead + Send>;

/// Parses the age header, through the armor decoder when the file is armored.
fn age_header<R: Read + Send + 'static>(
    input: R,
    armored: bool,
) -> Result<Decryptor<AgeInput>, ArchiveError> {
    // Binary input goes straight to a large buffer: `ArmoredReader` would hand it on through
    // its 48-byte line buffer (measured about 20 % slower decryption).
    let buffered: AgeInput = if armored {
        Box::new(ArmoredReader::new(FromBelow(input)))
    } else {
        Box::new(BufReader::with_capacity(BUF_SIZE, FromBelow(input)))
    };
    Decryptor::new_buffered(buffered).map_err(header_error)
}

/// Unwraps the file key with what the caller supplied and returns the payload reader.
fn decrypt(
    decryptor: Decryptor<AgeInput>,
    decryption: &Decryption,
) -> Result<Layer<age::stream::StreamReader<AgeInput>>, ArchiveError> {
    let scrypt = decryptor.is_scrypt();
    let result = match (decryption, scrypt) {
        (Decryption::Identities(ids), false) if !ids.is_empty() => {
            decryptor.decrypt(ids.iter().map(|id| id.as_ref() as &dyn age::Identity))
        }
        (Decryption::Passphrase(passphrase), true) => {
            let identity = age::scrypt::Identity::new(passphrase.clone());
            decryptor.decrypt(iter::once(&identity as &dyn age::Identity))
        }
        (_, true) => return Err(ArchiveError::NeedsPassphrase),
        (_, false) => return Err(ArchiveError::NeedsIdentity),
    };
    match result {
        Ok(payload) => Ok(Layer::new(payload, "age payload")),
        Err(DecryptError::NoMatchingKeys) if !scrypt => Err(ArchiveError::WrongKey),
        // A wrong passphrase and a damaged scrypt stanza look the same to the AEAD.
        Err(DecryptError::DecryptionFailed) if scrypt => Err(ArchiveError::WrongPassphrase),
        Err(e) => Err(header_error(e)),
    }
}

/// Maps a failure to read the header or unwrap the file key (other than key mistakes).
fn header_error(e: DecryptError) -> ArchiveError {
    const LAYER: &str = "age header";
    match e {
        DecryptError::Io(e) => classify(e, LAYER).into(),
        DecryptError::ExcessiveWork { required, target } => ArchiveError::Corrupt(format!(
            "{LAYER}: the passphrase needs scrypt work factor 2^{required}, far above this \
             machine's 2^{target}; refusing to spend that much CPU and memory"
        )),
        e => ArchiveError::Corrupt(format!("{LAYER}: {e}")),
    }
}

fn gunzip<R: Read>(input: R) -> impl Read {
    let buffered = BufReader::with_capacity(BUF_SIZE, FromBelow(input));
    Layer::new(MultiGzDecoder::new(buffered), "gzip")
}

/// zstd, including concatenated frames; a truncated frame and a content checksum mismatch
/// are errors.
fn unzstd<R: Read>(input: R) -> Result<impl Read, ArchiveError> {
    let buffered = BufReader::with_capacity(BUF_SIZE, FromBelow(input));
    let decoder = zstd::stream::read::Decoder::with_buffer(buffered)
        .map_err(|e| ArchiveError::Corrupt(format!("zstd: {e}")))?;
    Ok(Layer::new(decoder, "zstd"))
}

/// Payload that marks an error as coming from beneath a decoding layer.
#[derive(Debug)]
struct Below(io::Error);

impl fmt::Display for Below {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Below {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Input side of a decoding layer: tags every error it passes up as [`Below`], so the
/// layer's [`Layer`] guard can tell them from the decoder's own.
struct FromBelow<R>(R);

impl<R: Read> Read for FromBelow<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), Below(e)))
    }
}

/// Output side of a decoding layer: the decoder's own errors become
/// [`ArchiveError::Corrupt`]; errors from beneath come out as they went in.
struct Layer<R> {
    inner: R,
    name: &'static str,
}

impl<R> Layer<R> {
    fn new(inner: R, name: &'static str) -> Self {
        Self { inner, name }
    }
}

impl<R: Read> Read for Layer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| classify(e, self.name))
    }
}

fn classify(e: io::Error, layer: &str) -> io::Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Below>()) {
        let inner = e.into_inner().expect("checked above");
        return inner.downcast::<Below>().expect("checked above").0;
    }
    if e.kind() == io::ErrorKind::Interrupted {
        return e;
    }
    io::Error::new(e.kind(), ArchiveError::Corrupt(format!("{layer}: {e}")))
}
