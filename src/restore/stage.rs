//! Staging (notes §6.5, §11.1 #19): decrypt, decompress and verify the whole archive into a
//! file inside the server's `dir` (same filesystem, so the swap is one rename), fsynced, with
//! the server's owner and the dump's mode, before anything on the server changes.
//!
//! Exactly the RDB is staged, up to and including its checksum: bytes after it (the 40-byte
//! diskless EOF mark `redis-cli --rdb -` leaves in a pipe) would make the file unusable as an
//! AOF base.

use super::facts::{Facts, max_rdb_version};
use crate::archive::{Decryption, open_reader, open_reader_as};
use crate::exit::{ExitCode, fail};
use crate::fsutil::AtomicFile;
use crate::progress::Progress;
use crate::rdb::{self, RdbSummary, VerifyOptions};
use crate::repo::Manifest;
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Where the RDB comes from.
pub struct Source {
    pub path: PathBuf,
    /// The repository manifest, for a repository backup.
    pub manifest: Option<Manifest>,
}

pub struct Staged {
    pub path: PathBuf,
    pub summary: RdbSummary,
    pub uid: u32,
    pub gid: u32,
    pub notes: Vec<String>,
}

/// The staged file's name inside `dir`.
pub fn staged_path(dir: &Path, ts: &str) -> PathBuf {
    dir.join(format!(".redisops-restore-{ts}.rdb"))
}

/// Stages `source` for the server described by `facts`; on any error nothing is left behind.
pub fn stage(
    source: &Source,
    keys: &Decryption,
    facts: &Facts,
    ts: &str,
    quiet: bool,
    cancelled: Arc<AtomicBool>,
) -> Result<Staged> {
    let (uid, gid) = owner(facts)?;
    let dump = facts.dir.join(&facts.dbfilename);
    let mode = fs::metadata(&dump)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600);
    let file = File::open(&source.path)
        .with_context(|| format!("cannot open {}", source.path.display()))?;
    let len = file.metadata()?.len();
    check_space(source, len, &facts.dir)?;
    let progress = Progress::new("stage", Some(len), quiet, cancelled);
    // Decryption and decompression run on their own threads, overlapping with the
    // verification and the write below.
    let reader = match &source.manifest {
        Some(m) => open_reader_as(progress.reader(file), keys, m.archive.compression)?,
        None => open_reader(progress.reader(file), keys)?,
    };
    let path = staged_path(&facts.dir, ts);
    let mut out = AtomicFile::create(&path, mode)
        .with_context(|| format!("cannot create the staged file {}", path.display()))?;
    let summary = rdb::copy_verified(reader, &mut out, &VerifyOptions::default())
        .map_err(crate::verify::classify)
        .with_context(|| format!("{} failed verification", source.path.display()))?;
    progress.finish();
    let notes = check(&summary, facts, source.manifest.as_ref())?;
    out.commit()
        .with_context(|| format!("cannot write {}", path.display()))?;
    let staged = Staged {
        path,
        summary,
        uid,
        gid,
        notes,
    };
    // From here on a failure must remove the committed file.
    if let Err(e) = set_owner(&staged.path, uid, gid, mode) {
        let _ = fs::remove_file(&staged.path);
        return Err(e);
    }
    Ok(staged)
}

/// Refuses an RDB the server cannot load; returns notes for what is fine but worth saying.
fn check(s: &RdbSummary, facts: &Facts, manifest: Option<&Manifest>) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    match max_rdb_version(facts.version_pair()) {
        Some(max) if s.rdb_version > max => {
            return Err(fail(
                ExitCode::VerifyFailed,
                format!(
                    "the RDB is version {}, but Redis {} loads at most version {max} (\"Can't \
                     handle RDB format version {}\"): restore it onto a server at least as new as \
                     the one that wrote it{}",
                    s.rdb_version,
                    facts.version,
                    s.rdb_version,
                    s.redis_version
                        .as_ref()
                        .map(|v| format!(" (Redis {v})"))
                        .unwrap_or_default()
                ),
            ));
        }
        Some(_) => {}
        None => {
            return Err(fail(
                ExitCode::Target,
                format!("Redis {} is too old for redisops restore", facts.version),
            ));
        }
    }
    if let Some(db) = s.max_db()
        && db >= facts.databases
    {
        return Err(fail(
            ExitCode::VerifyFailed,
            format!(
                "the RDB has keys in db {db}, but the server has `databases {}`: raise \
                 `databases` in its config first",
                facts.databases
            ),
        ));
    }
    if let Some(m) = manifest {
        let mut problems = Vec::new();
        if s.rdb_bytes != m.rdb.size {
            problems.push(format!("size {} (manifest {})", s.rdb_bytes, m.rdb.size));
        }
        let crc = format!("{:016x}", s.crc64);
        if crc != m.rdb.crc64 {
            problems.push(format!("CRC-64 {crc} (manifest {})", m.rdb.crc64));
        }
        let keys: Vec<(String, u64)> = s
            .databases
            .iter()
            .map(|(db, d)| (db.to_string(), d.keys))
            .collect();
        let expected: Vec<(String, u64)> = m
            .databases
            .iter()
            .map(|(db, c)| (db.clone(), c.keys))
            .collect();
        if keys != expected {
            problems.push(format!("keys per db {keys:?} (manifest {expected:?})"));
        }
        if !problems.is_empty() {
            return Err(fail(
                ExitCode::VerifyFailed,
                format!(
                    "the archive does not match its manifest: {}",
                    problems.join(", ")
                ),
            ));
        }
    }
    if s.trailing_bytes > 0 {
        notes.push(format!(
            "{} byte(s) after the RDB's checksum (e.g. the diskless EOF mark of `redis-cli --rdb \
             -`) were left out of the staged file",
            s.trailing_bytes
        ));
    }
    if !s.module_types.is_empty() {
        notes.push(format!(
            "the RDB holds module data ({}): the server must load the same modules",
            s.module_types.join(", ")
        ));
    }
    Ok(notes)
}

/// Refuses early when `dir` cannot hold the staged RDB (the old dump stays, renamed). The
/// size is known from a manifest or for a plain RDB; a compressed foreign file is checked by
/// the write itself.
fn check_space(source: &Source, file_len: u64, dir: &Path) -> Result<()> {
    let needed = match &source.manifest {
        Some(m) => m.rdb.size,
        None if crate::archive::describe(&source.path)? == crate::archive::Format::Rdb => file_len,
        None => return Ok(()),
    };
    let c_dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: c_dir is a valid NUL-terminated path and st is written by statvfs on success.
    if unsafe { libc::statvfs(c_dir.as_ptr(), st.as_mut_ptr()) } != 0 {
        return Ok(());
    }
    // SAFETY: statvfs returned 0, so it filled st.
    let st = unsafe { st.assume_init() };
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    if free < needed {
        return Err(fail(
            ExitCode::Error,
            format!(
                "{} has {} free, the restored RDB needs {}: free space first (the old dump is \
                 kept next to it)",
                dir.display(),
                crate::ui::bytes(free),
                crate::ui::bytes(needed)
            ),
        ));
    }
    Ok(())
}

/// The user the server runs as (its process), else the owner of its dump file or `dir`.
fn owner(facts: &Facts) -> Result<(u32, u32)> {
    if let Ok(status) = fs::read_to_string(format!("/proc/{}/status", facts.pid)) {
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u32>().ok())
        };
        if let (Some(uid), Some(gid)) = (field("Uid:"), field("Gid:")) {
            return Ok((uid, gid));
        }
    }
    let dump = facts.dir.join(&facts.dbfilename);
    let meta = fs::metadata(&dump)
        .or_else(|_| fs::metadata(&facts.dir))
        .with_context(|| format!("cannot read the server's dir {}", facts.dir.display()))?;
    Ok((meta.uid(), meta.gid()))
}

fn set_owner(path: &Path, uid: u32, gid: u32, mode: u32) -> Result<()> {
    let meta = fs::metadata(path)?;
    if (meta.uid(), meta.gid()) != (uid, gid) {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(|e| {
            fail(
                ExitCode::Error,
                format!(
                    "cannot give {} to the server's user (uid {uid}, gid {gid}): {e}. Run the \
                     restore as root or as the user Redis runs as.",
                    path.display()
                ),
            )
        })?;
    }
    // The umask applied at creation; the dump's mode is what the server expects.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(())
}
