//! The archive pipeline: an RDB stream goes through gzip and, optionally, age encryption
//! into an archive file, and comes back out again.
//!
//! - `keys.rs`: [`Encryption`], [`Decryption`], loading recipients, identities and
//!   passphrases from files, and [`keygen`].
//! - `writer.rs`: [`ArchiveWriter`], which produces archives and their [`ArchiveStats`].
//! - `reader.rs`: [`open_reader`] and [`describe`], which read what redisops or the
//!   `age`/`gzip` tools produce and report failures as [`ArchiveError`].

mod keys;
mod reader;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use keys::{
    Decryption, Encryption, IdentityKey, KeyError, RecipientError, RecipientKey, keygen,
    parse_recipient, read_identity_file, read_passphrase_file, read_recipients_file,
    recipients_of_identity_files,
};
pub use reader::{ArchiveError, Format, describe, open_reader};
pub use writer::{ArchiveStats, ArchiveWriter, DEFAULT_LEVEL, WriterOptions};
