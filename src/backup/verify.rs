//! Verifying backups against their manifests, in tiers (notes §5):
//!
//! 1. archive: size and SHA-256 of the archive file (no key needed);
//! 2. rdb: decrypt and decompress, then the RDB's header, CRC-64, structure, SHA-256 and
//!    per-db key counts against the manifest (needs `--identity`/`--passphrase-file` for
//!    encrypted archives);
//! 3. deep: additionally feed the decrypted RDB to the server's own checker
//!    (`redis-check-rdb` or `valkey-check-rdb`, at least as new as the file: see `checker`),
//!    through a pipe, so no plaintext touches the disk.
//!
//! Everything is one streaming pass over the archive: its bytes are hashed on their way to the
//! decryption, and read once.

use crate::archive::{ArchiveError, Decryption, Format, describe, open_reader, open_reader_as};
use crate::checker::{self, Choice, Feed, Piped, Verdict};
use crate::cluster::slotcheck::SlotCheck;
use crate::cluster::slots::{self, SlotRange};
use crate::exit::{self, ExitCode};
use crate::rdb::{self, Checksum, RdbFormat, VerifyOptions};
use crate::repo::{Backup, BackupSet, ObjectReader, Repository, ShardEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

/// Verifies a backup set: every shard's backup as [`verify`] does (each also against the key
/// count the set recorded for it), then the set itself: its shards' slot ranges cover every
/// slot exactly once. The set's own report is OK only when every shard's is.
pub fn verify_set(
    repo: &Repository,
    set: &BackupSet,
    keys: &Decryption,
    deep: bool,
) -> Vec<Report> {
    let mut reports: Vec<Report> = Vec::new();
    for (entry, shard) in set.manifest.shards.iter().zip(&set.shards) {
        let mut r = verify_backup(repo, shard, keys, deep, Some(entry));
        r.id = format!("{}/s{:02}", set.id, entry.index);
        r.target = set.target.to_string();
        if shard.manifest.total_keys() != entry.keys {
            r.ok = false;
            r.code = ExitCode::VerifyFailed;
            r.problems.push(format!(
                "the set records {} keys for shard {}, its archive's manifest {}",
                entry.keys,
                entry.index,
                shard.manifest.total_keys()
            ));
        }
        reports.push(r);
    }
    let mut problems: Vec<String> = set.manifest.slot_map_problem().into_iter().collect();
    let failed = reports.iter().filter(|r| !r.ok).count();
    if failed > 0 {
        problems.push(format!(
            "{failed} of {} shard(s) failed verification",
            reports.len()
        ));
    }
    let level = reports
        .iter()
        .map(|r| r.level)
        .min()
        .unwrap_or(Level::Archive);
    reports.push(Report {
        id: set.id.to_string(),
        target: set.target.to_string(),
        level,
        ok: problems.is_empty(),
        notes: (set.manifest.slot_map_problem().is_none())
            .then(|| coverage_note(set))
            .into_iter()
            .collect(),
        problems,
        code: ExitCode::VerifyFailed,
    });
    reports
}

/// What a set's slot ranges cover, once they are known to match its manifest.
fn coverage_note(set: &BackupSet) -> String {
    let m = &set.manifest;
    if !m.partial {
        return format!(
            "backup set of {} shards; their slot ranges cover all 16384 slots exactly once",
            set.shards.len()
        );
    }
    let uncovered: Vec<SlotRange> = (m.uncovered_slots.iter())
        .map(|[a, b]| SlotRange::new(*a, *b))
        .collect();
    format!(
        "PARTIAL backup set of {} shards: slots {} had no owner at backup time and are not in \
         it; the others are covered exactly once",
        set.shards.len(),
        slots::list(&uncovered)
    )
}

/// Verifies one backup as deeply as the given keys allow.
pub fn verify(repo: &Repository, backup: &Backup, keys: &Decryption, deep: bool) -> Report {
    verify_backup(repo, backup, keys, deep, None)
}

/// [`verify`], and for a shard of a set (once the RDB is read) every key's hash slot against
/// the shard's slots and the per-slot counts against the set's.
fn verify_backup(
    repo: &Repository,
    backup: &Backup,
    keys: &Decryption,
    deep: bool,
    shard: Option<&ShardEntry>,
) -> Report {
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
    let result = check(repo, backup, keys, level, shard, &mut report);
    conclude(report, result)
}

/// Verifies a dump without a manifest (`.rdb`, `.rdb.gz`, `.rdb.age`, `.rdb.gz.age`, from any
/// tool): the archive layers, the RDB's header, CRC-64 and structure, and its key counts, with
/// notes saying what was and was not checked.
pub fn verify_file(path: &Path, keys: &Decryption, deep: bool) -> Report {
    let mut report = Report {
        id: path.display().to_string(),
        target: "file".into(),
        level: if deep { Level::Deep } else { Level::Rdb },
        ok: true,
        problems: Vec::new(),
        notes: Vec::new(),
        code: ExitCode::Success,
    };
    let result = check_file(path, keys, &mut report);
    conclude(report, result)
}

/// Turns the outcome of the checks into the report's verdict and exit code.
fn conclude(mut report: Report, result: anyhow::Result<()>) -> Report {
    if let Err(e) = result {
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

fn check_file(path: &Path, keys: &Decryption, report: &mut Report) -> anyhow::Result<()> {
    let format = describe(path)?;
    let mut plain = HashingWriter::new(None);
    let reader = open_reader(File::open(path)?, keys)?;
    let summary = rdb::copy_verified(reader, &mut plain, &VerifyOptions::default());
    let plain_sha = plain.finish();
    let summary = summary.map_err(classify)?;
    let layers = match format {
        Format::Rdb => String::new(),
        Format::Gzip => "gzip layer decoded with its CRC-32 checked; ".into(),
        Format::Zstd => "zstd layer decoded (frame checksums checked where present); ".into(),
        Format::Age { .. } => format!("{format} layer decrypted and authenticated; "),
    };
    let checksum = match summary.checksum {
        Checksum::Verified(_) => "CRC-64 verified",
        Checksum::Disabled => "no CRC-64 (saved with rdbchecksum no)",
    };
    if summary.walked {
        let counts: Vec<String> = summary
            .databases
            .iter()
            .map(|(db, s)| format!("db{db}={}", s.keys))
            .collect();
        report.notes.push(format!(
            "checked: {layers}RDB version {} header, {checksum}, every opcode and key walked \
             ({} keys, {} with a TTL: {})",
            summary.rdb_version,
            summary.total_keys(),
            summary.total_expires(),
            counts.join(" ")
        ));
        report.notes.push(
            "not checked: the walk skips values by their lengths without decoding listpacks, \
             ziplists or LZF payloads (--deep runs redis-check-rdb, which does); there is no \
             manifest to compare size, SHA-256 or key counts with"
                .into(),
        );
    } else {
        report.notes.push(format!(
            "RDB version {} is newer than redisops can walk: only the checksum was checked \
             ({layers}{checksum}); its structure and key counts were not",
            summary.rdb_version
        ));
    }
    report.notes.push(format!(
        "RDB: {} bytes, SHA-256 {plain_sha}",
        summary.rdb_bytes
    ));
    if summary.trailing_bytes > 0 {
        report.problems.push(format!(
            "{} bytes follow the RDB's checksum",
            summary.trailing_bytes
        ));
    }
    if report.level == Level::Deep {
        // The checker must be at least as new as the file, whose format only the first pass
        // told: a second pass feeds it (a foreign file is local, so reading it twice is cheap).
        let mut checker = spawn_checker(summary.format())?;
        let mut feed = checker.feed();
        io::copy(&mut open_reader(File::open(path)?, keys)?, &mut feed)
            .map_err(|e| anyhow::Error::from(ArchiveError::from(e)))?;
        drop(feed);
        record_verdict(checker, report)?;
    }
    Ok(())
}

fn check(
    repo: &Repository,
    backup: &Backup,
    keys: &Decryption,
    level: Level,
    shard: Option<&ShardEntry>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let m = &backup.manifest;
    // One read of the archive: its bytes are hashed on their way to the decryption.
    let archive = HashingReader::new(repo.open_archive(backup)?);
    if level == Level::Archive {
        check_archive(archive, m, report)?;
        report.notes.push(
            "archive checked against the manifest; pass --identity (or --passphrase-file) to also \
             decrypt and check the RDB inside"
                .into(),
        );
        return Ok(());
    }

    // Pass 2: decrypt, decompress and walk the RDB (optionally through its checker).
    let format = RdbFormat {
        version: m.rdb_version,
        // Valkey writes its own magic exactly for its own formats, 80 and up.
        valkey_magic: m.rdb_version >= 80,
    };
    let mut checker = (level == Level::Deep)
        .then(|| spawn_checker(format))
        .transpose()?;
    let mut plain = HashingWriter::new(checker.as_mut().map(Piped::feed));
    let mut slot_check = shard.map(|e| SlotCheck::new(&e.ranges()));
    let opts = VerifyOptions::default();
    let summary = open_reader_as(archive.clone(), keys, m.archive.compression)
        .map_err(anyhow::Error::from)
        .and_then(|reader| {
            match slot_check.as_mut() {
                Some(c) => rdb::copy_visited(reader, &mut plain, &opts, c),
                None => rdb::copy_verified(reader, &mut plain, &opts),
            }
            .map_err(classify)
        });
    // The archive's own checks come first, whatever the layers above made of it.
    check_archive(archive, m, report)?;
    let plain_sha = plain.finish();
    let summary = summary?;

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
    if let (Some(c), Some(e)) = (&slot_check, shard) {
        check_slots(c, e, report);
    }
    if summary.checksum == Checksum::Disabled {
        report
            .notes
            .push("the RDB carries no checksum (rdbchecksum no): checked structurally only".into());
    }
    if let Some(checker) = checker {
        record_verdict(checker, report)?;
    }
    Ok(())
}

/// A shard's keys all in its own slots (db 0 only), and the per-slot counts the set recorded.
fn check_slots(c: &SlotCheck, e: &ShardEntry, report: &mut Report) {
    let label = format!("s{:02}", e.index);
    report.problems.extend(c.refusal(&label));
    if c.slot_counts() != e.slot_counts {
        report.problems.push(format!(
            "the per-slot key counts of shard {label} differ from the ones its set recorded"
        ));
    }
    report.notes.extend(c.unchecked_note(&label));
    report.notes.push(format!(
        "every key's hash slot checked against shard {label}'s slots {}",
        slots::list(&e.ranges())
    ));
}

/// Reads the rest of the archive and compares its size and SHA-256 with the manifest.
fn check_archive(
    mut archive: HashingReader,
    m: &crate::repo::Manifest,
    report: &mut Report,
) -> anyhow::Result<()> {
    io::copy(&mut archive, &mut io::sink())?;
    let (size, found) = archive.finish();
    if size != m.archive.size {
        report.problems.push(format!(
            "archive size is {size} bytes, the manifest says {}: the file was truncated or replaced",
            m.archive.size
        ));
    }
    if found != m.archive.sha256 {
        report.problems.push(format!(
            "archive SHA-256 is {found}, the manifest says {}: the archive was modified or swapped",
            m.archive.sha256
        ));
    }
    Ok(())
}

/// The archive's bytes with their count and SHA-256. Clones share one stream, so the
/// decryption can own a clone while the checker drains the rest through another.
#[derive(Clone)]
struct HashingReader(Arc<Mutex<Hashing>>);

struct Hashing {
    source: ObjectReader,
    hasher: Sha256,
    len: u64,
}

impl HashingReader {
    fn new(source: ObjectReader) -> Self {
        Self(Arc::new(Mutex::new(Hashing {
            source,
            hasher: Sha256::new(),
            len: 0,
        })))
    }

    fn finish(self) -> (u64, String) {
        let state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (state.len, hex::encode(state.hasher.clone().finalize()))
    }
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = state.source.read(buf)?;
        state.hasher.update(&buf[..n]);
        state.len += n as u64;
        Ok(n)
    }
}

/// An error from [`rdb::copy_verified`] over an archive reader: a failure of the archive
/// layers underneath (wrong key, damaged gzip or age payload) keeps its own kind.
pub fn classify(e: rdb::RdbError) -> anyhow::Error {
    match e {
        rdb::RdbError::Io(io) => anyhow::Error::from(ArchiveError::from(io)),
        other => anyhow::Error::from(other),
    }
}

/// The chosen checker on `/dev/stdin`, fed through a pipe.
fn spawn_checker(format: RdbFormat) -> anyhow::Result<Piped> {
    let checker = match checker::choose(format, None) {
        Choice::Found(c) => c,
        other => {
            let why = other.shortfall(format).unwrap_or_default();
            return Err(exit::fail(
                ExitCode::Usage,
                format!("--deep: {why}; or verify without --deep"),
            ));
        }
    };
    let shown = checker.to_string();
    checker
        .spawn_piped()
        .map_err(|e| exit::fail(ExitCode::Usage, format!("cannot run {shown}: {e}")))
}

fn record_verdict(piped: Piped, report: &mut Report) -> anyhow::Result<()> {
    let name = piped.checker.to_string();
    match piped.finish()? {
        Verdict::Ok => report.notes.push(format!("{name}: RDB looks OK")),
        Verdict::Rejected(detail) => report
            .problems
            .push(format!("{name} rejected the RDB: {detail}")),
    }
    Ok(())
}

/// Hashes the plaintext and passes it on to redis-check-rdb when deep checking.
struct HashingWriter {
    sink: Option<Feed>,
    hasher: Sha256,
}

impl HashingWriter {
    fn new(sink: Option<Feed>) -> Self {
        Self {
            sink,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        if let Some(sink) = &mut self.sink {
            sink.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
