//! Helpers shared by the archive tests: sample data, archive files on disk, external tools.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fsutil::AtomicFile;

use super::{
    ArchiveError, ArchiveStats, ArchiveWriter, Codec, Decryption, Encryption, RecipientKey,
    WriterOptions, keygen, open_reader, parse_recipient,
};

/// A command for an external tool, failing the test (never skipping it) when the tool is
/// missing.
pub fn tool(bin: &str, package: &str) -> Command {
    match Command::new(bin).arg("--version").output() {
        Ok(_) => Command::new(bin),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            panic!("{bin} not found; install {package}: apt-get install {package}")
        }
        Err(e) => panic!("cannot run {bin}: {e}"),
    }
}

/// Runs a command to completion, failing the test unless it succeeds; returns stdout.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// RDB-like bytes: the `REDIS` magic, then runs of repetitive key/value text mixed with
/// incompressible random runs, deterministic for a given `len`.
pub fn sample_rdb(len: usize) -> Vec<u8> {
    let mut out = b"REDIS0011".to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ len as u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    while out.len() < len {
        let r = next();
        if r % 3 == 0 {
            out.extend((0..(r >> 8) % 512).map(|_| next() as u8));
        } else {
            out.extend_from_slice(
                format!("user:{}:session{{\"ttl\":{}}}", r % 10_000, r >> 40).as_bytes(),
            );
        }
    }
    out.truncate(len);
    out
}

/// Incompressible bytes, deterministic for a given `len`.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ len as u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Writer options for `codec` at `level` on `threads` threads.
pub fn options(codec: Codec, level: u32, threads: usize) -> WriterOptions {
    WriterOptions {
        codec,
        level,
        threads,
        scrypt_work_factor: None,
    }
}

/// Writes `plain` as an archive at `path` through `AtomicFile`.
pub fn write_archive(
    path: &Path,
    plain: &[u8],
    encryption: &Encryption,
    options: WriterOptions,
) -> ArchiveStats {
    let file = AtomicFile::create(path, 0o600).unwrap();
    let mut writer = ArchiveWriter::new(file, encryption, options).unwrap();
    writer.write_all(plain).unwrap();
    let (file, stats) = writer.finish().unwrap();
    file.commit().unwrap();
    stats
}

/// Reads a whole archive; errors surfacing mid-stream come back as their `ArchiveError`.
pub fn read_archive(path: &Path, decryption: &Decryption) -> Result<Vec<u8>, ArchiveError> {
    read_all(File::open(path)?, decryption)
}

pub fn read_all<R: Read + Send + 'static>(
    src: R,
    decryption: &Decryption,
) -> Result<Vec<u8>, ArchiveError> {
    let mut reader = open_reader(src, decryption)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out)?;
    Ok(out)
}

/// A fresh identity file `name` in `dir` made by our `keygen`, and its recipient.
pub fn new_identity(dir: &Path, name: &str) -> (PathBuf, RecipientKey) {
    let path = dir.join(name);
    let (recipient, _) = keygen(Some(&path)).unwrap();
    (path, parse_recipient(&recipient).unwrap())
}

pub fn identities(paths: &[&Path]) -> Decryption {
    Decryption::from_identity_files(paths).unwrap()
}

/// Options with a cheap scrypt work factor, so passphrase tests run in milliseconds.
pub fn fast_scrypt() -> WriterOptions {
    WriterOptions {
        scrypt_work_factor: Some(10),
        ..WriterOptions::default()
    }
}
