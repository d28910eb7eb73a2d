//! The error type of the RDB verifier: one variant per outcome a caller branches on
//! (verify and restore map them to different exit codes and advice).

/// Why an RDB stream could not be verified. Offsets are byte offsets in the RDB (the magic is offset 0).
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    /// Reading the source or writing the destination failed.
    // The source is printed by the error chain; repeating it here would print it twice.
    #[error("I/O error while copying the RDB")]
    Io(#[from] std::io::Error),

    /// The input starts with neither `REDIS` and a 4-digit version nor `VALKEY` and a 3-digit one.
    #[error(
        "not an RDB file: it starts with {found} instead of \"REDIS\" and a 4-digit version (or \
         \"VALKEY\" and a 3-digit one)"
    )]
    NotRdb { found: String },

    /// A recognisable format that is not a plain RDB (an LZ4 frame).
    #[error("{what}; redisops reads plain RDB files only")]
    NotRedis { what: String },

    /// The RDB format version is too old to verify.
    #[error(
        "RDB format version {0} is not supported: versions before 5 (Redis 2.6) carry no checksum"
    )]
    UnsupportedVersion(u32),

    /// The input ended before the EOF opcode and the 8-byte checksum were complete.
    #[error(
        "RDB truncated: the data ends at byte offset {offset}, before the EOF opcode and checksum; \
         the archive is incomplete"
    )]
    Truncated { offset: u64 },

    /// The structure is invalid at `offset`.
    #[error("RDB corrupt at byte offset {offset}: {what}")]
    Corrupt { offset: u64, what: String },

    /// The CRC-64 trailer does not match the data.
    #[error(
        "RDB checksum mismatch: the file says {expected:#018x}, the data hashes to {actual:#018x}; \
         the archive is corrupt"
    )]
    ChecksumMismatch { expected: u64, actual: u64 },
}

impl RdbError {
    pub(crate) fn corrupt(offset: u64, what: impl Into<String>) -> Self {
        Self::Corrupt {
            offset,
            what: what.into(),
        }
    }
}
