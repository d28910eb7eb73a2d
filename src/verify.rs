//! Verifying backups against their manifests, in tiers (notes §5):
//!
//! 1. archive: size and SHA-256 of the archive file (no key needed);
//! 2. rdb: decrypt and decompress, then the RDB's header, CRC-64, structure, SHA-256 and
//!    per-db key counts against the manifest (needs `--identity`/`--passphrase-file` for
//!    encrypted archives);
//! 3. deep: additionally feed the decrypted RDB to `redis-check-rdb`, through a pipe, so no
//!    plaintext touches the disk.
//!
//! Everything is one streaming pass over the archive.

use crate::archive::{ArchiveError, Decryption, open_reader_as};
use crate::exit::{self, ExitCode};
use crate::rdb::{self, Checksum, VerifyOptions};
use crate::repo::Backup;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::process::{Child, Command, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Archive,
    Rdb,
    Deep,
}

impl Level {
    /// What was checked, in plain words, for the text report.
    pub fn describe(self) -> &'static str {
        match self {
            Level::Archive => {
                "checked the archive's size and checksum against its manifest; the RDB inside \
                 was not read (give --identity or --passphrase-file to check it too)"
            }
            Level::Rdb => {
                "checked the archive and the RDB inside it (decrypted, decompressed, CRC-64 and \
                 structure)"
            }
            Level::Deep => {
                "checked the archive, the RDB inside it, and the RDB with redis-check-rdb"
            }
        }
    }
}

/// The result for one backup.
#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub target: String,
    pub level: Level,
    pub ok: bool,
    /// What failed, each naming the check.
    pub problems: Vec<String>,
    /// Notes that are not failures (e.g. redis-check-rdb missing).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub code: ExitCode,
}

/// Verifies one backup as deeply as the given keys allow.
pub fn verify(backup: &Backup, keys: &Decryption, deep: bool) -> Report {
    let m = &backup.manifest;
    let unencrypted = m.archive.encryption == "none";
    let level = match (unencrypted || !matches!(keys, Decryption::None), deep) {
        (false, _) => Level::Archive,
        (true, false) => Level::Rdb,
        (true, true) => Level::Deep,
    };
    let mut report = Report {
        id: backup.id.to_string(),
        target: backup.target.to_string(),
        level,
        ok: true,
        problems: Vec::new(),
        notes: Vec::new(),
        code: ExitCode::Success,
    };
    if let Err(e) = check(backup, keys, level, &mut report) {
        let code = exit::code_for(&e);
        report.code = if code == ExitCode::Error {
            ExitCode::VerifyFailed
        } else {
            code
        };
        report.problems.push(format!("{e:#}"));
    }
    if !report.problems.is_empty() {
        report.ok = false;
        if report.code == ExitCode::Success {
            report.code = ExitCode::VerifyFailed;
        }
    }
    report
}

fn check(
    backup: &Backup,
    keys: &Decryption,
    level: Level,
    report: &mut Report,
) -> anyhow::Result<()> {
    let m = &backup.manifest;
    let mut file = File::open(&backup.archive_path)?;
    let size = file.metadata()?.len();
    if size != m.archive.size {
        report.problems.push(format!(
            "archive size is {size} bytes, the manifest says {}: the file was truncated or replaced",
            m.archive.size
        ));
    }
    // Pass 1: the archive bytes against the manifest.
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    let found = hex::encode(hasher.finalize());
    if found != m.archive.sha256 {
        report.problems.push(format!(
            "archive SHA-256 is {found}, the manifest says {}: the archive was modified or swapped",
            m.archive.sha256
        ));
    }
    if level == Level::Archive {
        report.notes.push(
            "archive checked against the manifest; pass --identity (or --passphrase-file) to also \
             decrypt and check the RDB inside"
                .into(),
        );
        return Ok(());
    }

    // Pass 2: decrypt, decompress and walk the RDB (optionally through redis-check-rdb).
    let mut checker = (level == Level::Deep)
        .then(RedisCheckRdb::spawn)
        .transpose()?;
    let mut plain = HashingWriter::new(checker.as_mut().and_then(|c| c.stdin.take()));
    let reader = open_reader_as(
        File::open(&backup.archive_path)?,
        keys,
        m.archive.compression,
    )?;
    let summary = rdb::copy_verified(reader, &mut plain, &VerifyOptions::default());
    let plain_sha = plain.finish();
    let summary = summary.map_err(classify)?;

    let mut mismatch = |what: &str, found: String, expected: String| {
        if found != expected {
            report
                .problems
                .push(format!("{what} is {found}, the manifest says {expected}"));
        }
    };
    mismatch(
        "RDB size",
        summary.rdb_bytes.to_string(),
        m.rdb.size.to_string(),
    );
    mismatch("RDB SHA-256", plain_sha, m.rdb.sha256.clone());
    mismatch(
        "RDB CRC-64",
        format!("{:016x}", summary.crc64),
        m.rdb.crc64.clone(),
    );
    let counts: Vec<(String, u64, u64)> = summary
        .databases
        .iter()
        .map(|(db, s)| (db.to_string(), s.keys, s.expires))
        .collect();
    let expected: Vec<(String, u64, u64)> = m
        .databases
        .iter()
        .map(|(db, c)| (db.clone(), c.keys, c.expires))
        .collect();
    mismatch(
        "key counts per db",
        format!("{counts:?}"),
        format!("{expected:?}"),
    );
    if summary.trailing_bytes > 0 {
        report.problems.push(format!(
            "{} bytes follow the RDB's checksum",
            summary.trailing_bytes
        ));
    }
    if summary.checksum == Checksum::Disabled {
        report
            .notes
            .push("the RDB carries no checksum (rdbchecksum no): checked structurally only".into());
    }
    if let Some(checker) = checker {
        checker.finish(report)?;
    }
    Ok(())
}

/// An error from [`rdb::copy_verified`] over an archive reader: a failure of the archive
/// layers underneath (wrong key, damaged gzip or age payload) keeps its own kind.
pub fn classify(e: rdb::RdbError) -> anyhow::Error {
    match e {
        rdb::RdbError::Io(io) => anyhow::Error::from(ArchiveError::from(io)),
        other => anyhow::Error::from(other),
    }
}

/// `redis-check-rdb /dev/stdin`, fed through a pipe.
struct RedisCheckRdb {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
}

impl RedisCheckRdb {
    fn spawn() -> anyhow::Result<Self> {
        let mut child = Command::new("redis-check-rdb")
            .arg("/dev/stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                exit::fail(
                    ExitCode::Usage,
                    format!(
                        "--deep needs redis-check-rdb ({e}); install it (Debian: apt-get install \
                         redis-tools) or verify without --deep"
                    ),
                )
            })?;
        let stdin = child.stdin.take();
        Ok(Self { child, stdin })
    }

    fn finish(self, report: &mut Report) -> anyhow::Result<()> {
        let out = self.child.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && text.contains("RDB looks OK") {
            report.notes.push("redis-check-rdb: RDB looks OK".into());
        } else {
            let detail: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("ERROR") || l.contains("error") || l.starts_with("--- "))
                .take(5)
                .collect();
            report.problems.push(format!(
                "redis-check-rdb rejected the RDB: {}",
                detail.join(" | ")
            ));
        }
        Ok(())
    }
}

/// Hashes the plaintext and passes it on to redis-check-rdb when deep checking. A checker that
/// stopped reading (it found an error) must not abort the hash: its verdict comes later.
struct HashingWriter<W> {
    sink: Option<W>,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(sink: Option<W>) -> Self {
        Self {
            sink,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        if let Some(sink) = &mut self.sink
            && sink.write_all(buf).is_err()
        {
            self.sink = None;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
