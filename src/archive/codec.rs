//! The compression codecs an archive can use, and their level ranges.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// How the RDB inside an archive is compressed.
///
/// Manifests written before zstd existed have no codec field: they are gzip, hence the
/// `Default`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// Standard gzip (gunzip, pigz -d, zcat read it), compressed in parallel blocks
    #[default]
    Gzip,
    /// zstd (multi-threaded; `zstd -d` reads it): faster at a smaller size, needs the zstd tool
    Zstd,
}

impl Codec {
    /// The levels `--level` accepts for this codec.
    pub fn levels(self) -> RangeInclusive<u32> {
        match self {
            Self::Gzip => 1..=9,
            // 20..=22 ("ultra") need windows of up to 128 MiB: beyond the memory bound.
            Self::Zstd => 1..=19,
        }
    }

    /// The level used when none is given. gzip 3 (libdeflate) takes about 0.6× level 6's CPU
    /// (zlib-rs) for an archive some 3 % larger; zstd's own default is 3.
    pub fn default_level(self) -> u32 {
        3
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Zstd => "zstd",
        }
    }

    /// The file-name extension of the compressed RDB (before `.age`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Gzip => "gz",
            Self::Zstd => "zst",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
