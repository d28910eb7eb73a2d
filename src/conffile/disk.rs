//! Reading a config file from disk and writing it back safely: refusing a concurrent change,
//! keeping a backup copy, and keeping the owner with a mode no more open than 0600.

use super::ConfFile;
use crate::fsutil::AtomicFile;
use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

impl ConfFile {
    /// Reads and parses a file, remembering what was read so [`Loaded::write`] can detect a
    /// concurrent change. Symlinks are resolved: the write replaces the link's target.
    pub fn load(path: &Path) -> Result<Loaded> {
        let real = fs::canonicalize(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let (text, modified) = read_with_mtime(&real)?;
        let conf = ConfFile::parse(&text)
            .with_context(|| format!("cannot parse the config file {}", real.display()))?;
        Ok(Loaded {
            path: real,
            conf,
            text,
            modified,
        })
    }
}

/// A config file as read from disk, with what is needed to write it back safely.
#[derive(Debug)]
pub struct Loaded {
    /// The file's real path (symlinks resolved).
    pub path: PathBuf,
    /// The file as read; edit a clone and pass it to [`Loaded::write`].
    pub conf: ConfFile,
    text: String,
    modified: SystemTime,
}

impl Loaded {
    /// Writes `new` over the file: refuses if the file changed since it was read, keeps a copy
    /// of the old content as `<name>.redisops-<UTC time>.bak` next to it, then replaces the
    /// file atomically with its original owner and group and mode 0600 or stricter (it holds
    /// passwords).
    ///
    /// `server_uid` is the user redis-server runs as, when known: a 0600 file owned by anyone
    /// else (but root) would stop it from starting, so that is refused too. Without it, the
    /// file's owner is assumed to be that user (true for the distribution packages).
    ///
    /// Returns the backup's path, or `None` when `new` is the text that was read (nothing is
    /// written then).
    pub fn write(&self, new: &ConfFile, server_uid: Option<u32>) -> Result<Option<PathBuf>> {
        let path = &self.path;
        let text = new.render();
        if text == self.text {
            return Ok(None);
        }
        let (current, modified) = read_with_mtime(path)?;
        if current != self.text || modified != self.modified {
            bail!(
                "{} changed on disk since redisops read it (CONFIG REWRITE, Sentinel or \
                 another tool); nothing was written, run the command again to start from the \
                 new content",
                path.display()
            );
        }
        let kept = crate::keepmode::Kept::note(path)
            .with_context(|| format!("cannot stat {}", path.display()))?;
        let (uid, gid) = (kept.uid, kept.gid);
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        check_owner(path, uid, euid, server_uid)?;
        let backup = write_backup(path, self.text.as_bytes(), uid, gid)?;
        // Never more open than before, and never beyond the owner: the file holds passwords.
        let mode = (kept.mode & 0o600) | 0o400;
        let mut file = AtomicFile::create(path, mode).with_context(|| {
            format!("cannot create a temporary file next to {}", path.display())
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.set_owner(uid, gid))
            .and_then(|()| file.commit())
            .with_context(|| {
                format!(
                    "cannot replace {} (the old content is kept in {})",
                    path.display(),
                    backup.display()
                )
            })?;
        Ok(Some(backup))
    }
}

/// Refuses a write that would leave the file owned by someone other than its reader: only
/// root can give the new file back to another owner.
fn check_owner(path: &Path, owner: u32, euid: u32, server_uid: Option<u32>) -> Result<()> {
    if let Some(server) = server_uid.filter(|&s| s != owner && s != 0) {
        bail!(
            "{} is owned by uid {owner} but redis-server runs as uid {server}; with mode 0600 it \
             could no longer read it. Give the file to uid {server} first (chown), then run \
             again",
            path.display()
        );
    }
    if euid != 0 && euid != owner {
        bail!(
            "{} is owned by uid {owner}; redisops runs as uid {euid} and could not give the new \
             file back, so redis-server would lose access to it. Run as root or as uid {owner}",
            path.display()
        );
    }
    Ok(())
}

/// Writes the backup copy (mode 0600, the original owner); never overwrites an older backup.
fn write_backup(path: &Path, bytes: &[u8], uid: u32, gid: u32) -> Result<PathBuf> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let backup = path.with_file_name(format!("{name}.redisops-{stamp}{suffix}.bak"));
        let mut file = AtomicFile::create(&backup, 0o600)
            .with_context(|| format!("cannot create the backup {}", backup.display()))?;
        let written = file
            .write_all(bytes)
            .and_then(|()| file.set_owner(uid, gid))
            .and_then(|()| file.commit_new());
        match written {
            Ok(()) => return Ok(backup),
            // Two writes within one second: take the next suffix.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot write the backup {}; {} was not changed",
                        backup.display(),
                        path.display()
                    )
                });
            }
        }
    }
    unreachable!("the suffix loop returns")
}

fn read_with_mtime(path: &Path) -> Result<(String, SystemTime)> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let modified = fs::metadata(path)
        .and_then(|m| m.modified())
        .with_context(|| format!("cannot stat {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    Ok((text, modified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn backups(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".bak"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn write_keeps_a_backup_and_sets_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "# c\nrequirepass old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let loaded = ConfFile::load(&path).unwrap();
        let mut new = loaded.conf.clone();
        assert!(new.set("requirepass", &["new"]));
        let backup = loaded.write(&new, None).unwrap().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "# c\nrequirepass new\n");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            fs::read_to_string(&backup).unwrap(),
            "# c\nrequirepass old\n"
        );
        assert_eq!(mode(&backup), 0o600);
        let name = backup.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("redis.conf.redisops-") && name.ends_with("Z.bak"),
            "{name}"
        );

        // A second run from the new content has nothing to write.
        let again = ConfFile::load(&path).unwrap();
        let mut same = again.conf.clone();
        assert!(!same.set("requirepass", &["new"]));
        assert_eq!(again.write(&same, None).unwrap(), None);
        // Two writes within a second keep both backups.
        let mut other = again.conf.clone();
        other.set("port", &["1"]);
        let second = again.write(&other, None).unwrap().unwrap();
        assert_ne!(second, backup);
        assert_eq!(backups(dir.path()).len(), 2);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temporary files left"
        );
    }

    #[test]
    fn write_refuses_a_file_changed_since_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        let loaded = ConfFile::load(&path).unwrap();
        fs::write(&path, "port 1\nrequirepass x\n").unwrap();
        let mut new = loaded.conf.clone();
        new.set("port", &["2"]);
        let err = format!("{:#}", loaded.write(&new, None).unwrap_err());
        assert!(err.contains("changed on disk"), "{err}");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "port 1\nrequirepass x\n"
        );
        assert!(backups(dir.path()).is_empty());
    }

    #[test]
    fn write_replaces_a_symlinks_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.conf");
        let link = dir.path().join("redis.conf");
        fs::write(&real, "port 1\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let loaded = ConfFile::load(&link).unwrap();
        let mut new = loaded.conf.clone();
        new.set("port", &["2"]);
        loaded.write(&new, None).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "port 2\n");
    }

    #[test]
    fn write_keeps_the_owner() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return; // only root can hand a file to another owner
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
        let loaded = ConfFile::load(&path).unwrap();
        let mut new = loaded.conf.clone();
        new.set("port", &["2"]);
        let backup = loaded.write(&new, Some(4321)).unwrap().unwrap();
        for p in [&path, &backup] {
            let meta = fs::metadata(p).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (4321, 4322), "{}", p.display());
        }
        // The server running as someone else could not read a 0600 file: refused.
        let loaded = ConfFile::load(&path).unwrap();
        let mut new = loaded.conf.clone();
        new.set("port", &["3"]);
        let err = format!("{:#}", loaded.write(&new, Some(999)).unwrap_err());
        assert!(err.contains("redis-server runs as uid 999"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "port 2\n");
    }

    #[test]
    fn owner_checks() {
        let p = Path::new("/etc/redis/redis.conf");
        assert!(check_owner(p, 100, 0, None).is_ok());
        assert!(check_owner(p, 100, 100, Some(100)).is_ok());
        let err = check_owner(p, 100, 200, None).unwrap_err().to_string();
        assert!(
            err.contains("owned by uid 100") && err.contains("Run as root"),
            "{err}"
        );
        assert!(
            check_owner(p, 100, 0, Some(0)).is_ok(),
            "a root server reads any file"
        );
        let err = check_owner(p, 0, 0, Some(100)).unwrap_err().to_string();
        assert!(err.contains("redis-server runs as uid 100"), "{err}");
    }
}
