//! The archive pipeline: an RDB stream goes through gzip or zstd (on several cores) and,
//! optionally, age encryption into an archive file, and comes back out again.
//!
//! - `codec.rs`: [`Codec`], gzip or zstd, and their levels.
//! - `keys.rs`: [`Encryption`], [`Decryption`], loading recipients, identities and
//!   passphrases from files, and [`keygen`].
//! - `writer.rs`: [`ArchiveWriter`], which produces archives and their [`ArchiveStats`]
//!   through pipelined stages.
//! - `pargz.rs`: gzip in parallel blocks: a series of gzip members (levels 1–3, libdeflate) or
//!   one member by pigz's method (levels 4–9, zlib-rs), read by every gunzip as one stream.
//! - `stages.rs`: the writer thread (age, hashing) and the read-ahead threads of the reader.
//! - `reader.rs`: [`open_reader`] and [`describe`], which read what redisops or the
//!   `age`/`gzip`/`zstd` tools produce and report failures as [`ArchiveError`].

mod codec;
mod keys;
mod pargz;
mod reader;
mod stages;
mod writer;

#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use codec::Codec;
pub use keys::{
    Decryption, Encryption, IdentityKey, KeyError, RecipientError, RecipientKey, keygen,
    parse_recipient, read_identity_file, read_passphrase_file, read_recipients_file,
    recipients_of_identity_files,
};
pub use reader::{ArchiveError, Format, describe, open_reader, open_reader_as};
pub use stages::Hashed;
pub use writer::{
    ArchiveStats, ArchiveWriter, DEFAULT_LEVEL, MAX_THREADS, WriterOptions, default_threads,
};
