//! Staging (notes §6.5, §11.1 #19): decrypt, decompress and verify the whole archive into a
//! file inside the server's `dir` (same filesystem, so the swap is one rename), fsynced, with
//! the server's owner and the dump's mode, before anything on the server changes.
//!
//! Exactly the RDB is staged, up to and including its checksum: bytes after it (the 40-byte
//! diskless EOF mark `redis-cli --rdb -` leaves in a pipe) would make the file unusable as an
//! AOF base.

use super::facts::Facts;
use crate::archive::{Decryption, open_reader, open_reader_as};
use crate::checker::{self, Choice, Feed, Piped, Verdict};
use crate::cluster::slotcheck::SlotCheck;
use crate::cluster::slots::SlotRange;
use crate::exit::{ExitCode, fail};
use crate::fsutil::AtomicFile;
use crate::progress::Progress;
use crate::rdb::{self, RdbSummary, VerifyOptions};
use crate::repo::{Backup, Manifest, Repository};
use crate::server::Loads;
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Where the RDB comes from.
pub enum Source {
    /// A file made by any tool (`--file`).
    File(PathBuf),
    /// A repository backup, read through the repository.
    Backup(Repository, Box<Backup>),
}

impl Source {
    /// The repository manifest, for a repository backup.
    pub fn manifest(&self) -> Option<&Manifest> {
        match self {
            Self::File(_) => None,
            Self::Backup(_, backup) => Some(&backup.manifest),
        }
    }

    /// The file's path, or the archive's location.
    pub fn location(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Backup(_, backup) => backup.archive.location.clone(),
        }
    }

    /// A stream over the archive and its length.
    fn open(&self) -> Result<(Box<dyn Read + Send>, u64)> {
        Ok(match self {
            Self::File(path) => {
                let file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let len = file.metadata()?.len();
                (Box::new(file), len)
            }
            Self::Backup(repo, backup) => (
                Box::new(repo.open_archive(backup)?),
                backup.manifest.archive.size,
            ),
        })
    }
}

pub struct Staged {
    pub path: PathBuf,
    pub summary: RdbSummary,
    pub uid: u32,
    pub gid: u32,
    pub notes: Vec<String>,
    /// Until a journal names the file, dropping this removes it: an error, a refusal, a
    /// panic or a closed stdout between staging and the run leaves nothing in the server's
    /// `dir` (a SIGKILL there can: the next restore names such leftovers).
    owned: bool,
}

impl Staged {
    /// A journal names the file now: its steps put it in place or remove it.
    pub fn hand_over(&mut self) {
        self.owned = false;
    }

    /// Removes the staged file (dry run, or the operator said no).
    pub fn discard(mut self) -> Result<()> {
        self.owned = false;
        fs::remove_file(&self.path)
            .with_context(|| format!("cannot remove {}", self.path.display()))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.owned {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// How the names of staged files begin.
const STAGED_PREFIX: &str = ".redisops-restore-";

/// The staged file's name inside `dir`.
pub fn staged_path(dir: &Path, ts: &str) -> PathBuf {
    dir.join(format!("{STAGED_PREFIX}{ts}.rdb"))
}

/// Staged files (and unfinished ones) in `dir` that no journal names: what a restore killed
/// between staging and its journal (SIGKILL, power loss) leaves behind. Called only while no
/// restore journal is active there.
pub fn leftovers(dir: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let staged = |name: &str| {
        let name = name
            .strip_prefix(crate::fsutil::TEMP_PREFIX)
            .unwrap_or(name);
        name.starts_with(STAGED_PREFIX) && name.contains(".rdb")
    };
    let mut found: Vec<_> = entries
        .flatten()
        .filter(|e| staged(&e.file_name().to_string_lossy()))
        .filter_map(|e| Some((e.path(), e.metadata().ok()?.len())))
        .collect();
    found.sort();
    found
}

/// Stages `source` for the server described by `facts`; on any error nothing is left behind.
/// For a cluster master, `shard` names its shard and slots: every key's slot must be one of
/// them (a master that loads a key of another slot claims it or marks it importing).
pub fn stage(
    source: &Source,
    keys: &Decryption,
    facts: &Facts,
    ts: &str,
    shard: Option<(&str, &[SlotRange])>,
    progress_opts: (bool, CancellationToken),
) -> Result<Staged> {
    let (quiet, cancelled) = progress_opts;
    let (uid, gid) = owner(facts)?;
    let dump = facts.dir.join(&facts.dbfilename);
    let mode = fs::metadata(&dump)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600);
    let (file, len) = source.open()?;
    check_space(source, len, &facts.dir)?;
    let progress = Progress::new("stage", Some(len), quiet, cancelled);
    // Decryption and decompression run on their own threads, overlapping with the
    // verification and the write below.
    let reader = match source.manifest() {
        Some(m) => open_reader_as(progress.reader(file), keys, m.archive.compression)?,
        None => open_reader(progress.reader(file), keys)?,
    };
    let (reader, mut checker) = own_checker(reader, facts)?;
    let path = staged_path(&facts.dir, ts);
    let mut out = AtomicFile::create(&path, mode)
        .with_context(|| format!("cannot create the staged file {}", path.display()))?;
    let mut tee = Tee {
        file: &mut out,
        checker: checker.as_mut().ok().map(Piped::feed),
    };
    let mut slot_check = shard.map(|(_, slots)| SlotCheck::new(slots));
    let opts = VerifyOptions::default();
    let walked = match slot_check.as_mut() {
        Some(c) => rdb::copy_visited(reader, &mut tee, &opts, c),
        None => rdb::copy_verified(reader, &mut tee, &opts),
    }
    .map_err(crate::backup::verify::classify)
    .with_context(|| format!("{} failed verification", source.location()));
    drop(tee);
    let checked = walked.and_then(|summary| {
        progress.finish();
        let mut notes = check(&summary, facts, source.manifest())?;
        if let (Some(c), Some((label, _))) = (&slot_check, shard) {
            if let Some(why) = c.refusal(label) {
                return Err(fail(
                    ExitCode::RestoreMismatch,
                    format!("{why}; nothing was changed"),
                ));
            }
            notes.extend(c.unchecked_note(label));
        }
        Ok((summary, notes))
    });
    let (summary, mut notes) = match checked {
        Ok(done) => done,
        Err(e) => {
            if let Ok(running) = checker {
                running.kill();
            }
            return Err(e);
        }
    };
    // The verdict before the commit: a file the checker rejects is never put in place (the
    // uncommitted file is removed when `out` drops).
    notes.push(verdict(checker)?);
    out.commit()
        .with_context(|| format!("cannot write {}", path.display()))?;
    let staged = Staged {
        path,
        summary,
        uid,
        gid,
        notes,
        owned: true,
    };
    // A failure from here on removes the committed file (`staged` drops).
    set_owner(&staged.path, uid, gid, mode)?;
    Ok(staged)
}

/// Starts the server's own checker on the RDB's format, read from its header, to check the
/// bytes as they are staged (the walk skips values: a corrupt ziplist or an empty key would
/// only show when the restarted server refuses to load it). Err(note) when there is none.
fn own_checker(
    mut reader: Box<dyn Read + Send>,
    facts: &Facts,
) -> Result<(Box<dyn Read + Send>, Result<Piped, String>)> {
    let mut head = Vec::with_capacity(rdb::HEADER_LEN);
    (&mut reader)
        .take(rdb::HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| crate::backup::verify::classify(rdb::RdbError::Io(e)))?;
    // An unreadable header fails the walk below, with its own message.
    let checker = match rdb::parse_header(&head) {
        Err(_) => Err(String::new()),
        Ok(format) => match checker::choose(format, facts.executable.as_deref()) {
            Choice::Found(c) => {
                let shown = c.to_string();
                Ok(c.spawn_piped()
                    .with_context(|| format!("cannot run {shown}"))?)
            }
            other => Err(format!(
                "{}: only redisops' own walk checked the file",
                other.shortfall(format).unwrap_or_default()
            )),
        },
    };
    Ok((Box::new(io::Cursor::new(head).chain(reader)), checker))
}

/// The checker's verdict as a note for the plan; Err when it rejects the file.
fn verdict(checker: Result<Piped, String>) -> Result<String> {
    let piped = match checker {
        Ok(piped) => piped,
        Err(note) => return Ok(note),
    };
    let name = piped.checker.to_string();
    match piped
        .finish()
        .with_context(|| format!("cannot run {name}"))?
    {
        Verdict::Ok => Ok(format!("{name}: RDB looks OK")),
        Verdict::Rejected(detail) => Err(fail(
            ExitCode::VerifyFailed,
            format!(
                "{name} rejected the RDB, so the server would refuse to load it: {detail}. \
                 Nothing was changed; restore another backup"
            ),
        )),
    }
}

/// The staged file and, beside it, the checker's input.
struct Tee<'a> {
    file: &'a mut AtomicFile,
    checker: Option<Feed>,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all(buf)?;
        if let Some(feed) = &mut self.checker {
            feed.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Refuses an RDB the server cannot load; returns notes for what is fine but worth saying.
fn check(s: &RdbSummary, facts: &Facts, manifest: Option<&Manifest>) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let server = facts
        .server
        .filter(|k| k.compat.at_least(3, 2))
        .ok_or_else(|| {
            fail(
                ExitCode::Target,
                format!("Redis {} is too old for redisops restore", facts.version),
            )
        })?;
    match server.loads(s.format(), facts.rdb_version_relaxed) {
        Ok(Loads::Yes) => {}
        Ok(Loads::Relaxed(note)) => notes.push(note),
        Err(why) => {
            let writer = s
                .aux
                .get("valkey-ver")
                .map(|v| format!(" (written by Valkey {v})"))
                .or_else(|| {
                    s.redis_version
                        .as_ref()
                        .map(|v| format!(" (written by Redis {v})"))
                })
                .unwrap_or_default();
            return Err(fail(ExitCode::VerifyFailed, format!("{why}{writer}")));
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
    let needed = match source {
        Source::Backup(_, backup) => backup.manifest.rdb.size,
        Source::File(path) if crate::archive::describe(path)? == crate::archive::Format::Rdb => {
            file_len
        }
        Source::File(_) => return Ok(()),
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
    if let Some(p) = &facts.process {
        return Ok(p.owner());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_staged_files_finished_or_not() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".redisops-restore-20260101T000000Z.rdb",
            ".tmp-.redisops-restore-20260102T000000Z.rdb.x1",
            ".redisops-restore-20260101T000000Z.journal",
            "dump.rdb",
        ] {
            fs::write(dir.path().join(name), b"abc").unwrap();
        }
        let names: Vec<(String, u64)> = leftovers(dir.path())
            .into_iter()
            .map(|(p, len)| (p.file_name().unwrap().to_string_lossy().into_owned(), len))
            .collect();
        assert_eq!(
            names,
            [
                (".redisops-restore-20260101T000000Z.rdb".to_string(), 3),
                (
                    ".tmp-.redisops-restore-20260102T000000Z.rdb.x1".to_string(),
                    3
                ),
            ]
        );
    }
}
