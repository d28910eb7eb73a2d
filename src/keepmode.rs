//! Keeping a config file's mode and owner across a rewrite. `CONFIG REWRITE`, `ACL SAVE`
//! and Sentinel's own rewrites (`SENTINEL SET`, `FLUSHCONFIG`) replace the file with one of
//! mode 0644 owned by the server's user: after `harden apply` made redis.conf 0600, a later
//! `tls enable` would publish the masterauth and ACL hashes inside to every local user. So
//! every rewrite site runs through [`keeping_mode`], and the config-file editor starts from
//! [`Kept::note`].

use crate::conn::Node;
use anyhow::Result;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A file's mode and owner, noted before something rewrites it.
#[derive(Debug, Clone)]
pub struct Kept {
    pub path: PathBuf,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Identity and last change, to tell whether the rewrite touched this very file.
    stamp: (u64, u64, i64, i64),
}

impl Kept {
    /// `None` when the file cannot be examined (it does not exist on this host, say).
    pub fn note(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            path: path.to_path_buf(),
            mode: meta.permissions().mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            stamp: stamp(&meta),
        })
    }

    /// Puts the mode and owner back if the file was replaced or changed since [`Self::note`]
    /// and they differ now. A file the rewrite did not touch (the server runs on another host
    /// and this path is some local file) is left alone.
    pub fn put_back(&self) -> Result<()> {
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return Ok(());
        };
        if stamp(&meta) == self.stamp {
            return Ok(());
        }
        let path = self.path.display();
        if (meta.uid(), meta.gid()) != (self.uid, self.gid) {
            std::os::unix::fs::chown(&self.path, Some(self.uid), Some(self.gid)).map_err(|e| {
                anyhow::anyhow!(
                    "the rewrite left {path} owned by {}:{} and it cannot be given back \
                     ({e}): run `chown {}:{} {path}`",
                    meta.uid(),
                    meta.gid(),
                    self.uid,
                    self.gid
                )
            })?;
        }
        if meta.permissions().mode() & 0o7777 != self.mode {
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(self.mode))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "the rewrite left {path} at mode {:o} and it cannot be set back ({e}): \
                         run `chmod {:o} {path}`",
                        meta.permissions().mode() & 0o777,
                        self.mode
                    )
                })?;
        }
        Ok(())
    }
}

fn stamp(meta: &std::fs::Metadata) -> (u64, u64, i64, i64) {
    (meta.dev(), meta.ino(), meta.mtime(), meta.mtime_nsec())
}

/// Runs `rewrite`, a command that makes `node` write its config file, and puts that file's
/// mode and owner back afterwards. The file is the one the node reports (`config_file` in
/// INFO server). Failing to put them back is a warning with the command that fixes it, not
/// a reason to undo a rewrite that succeeded.
pub async fn keeping_mode<T>(
    node: &mut Node,
    rewrite: impl AsyncFnOnce(&mut Node) -> Result<T>,
) -> Result<T> {
    let file = node
        .info("server")
        .await
        .ok()
        .and_then(|info| info.get("config_file").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty());
    let kept = file.as_deref().and_then(Kept::note);
    let done = rewrite(node).await?;
    if let Some(kept) = kept
        && let Err(e) = kept.put_back()
    {
        crate::ui::warn(format!("{e:#}"));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_replaced_file_gets_its_mode_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let kept = Kept::note(&path).unwrap();
        // What CONFIG REWRITE does: a new file renamed over the old one, mode 0644.
        let tmp = dir.path().join("tmp");
        fs::write(&tmp, "port 2\n").unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
        fs::rename(&tmp, &path).unwrap();
        kept.put_back().unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn an_untouched_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let mut kept = Kept::note(&path).unwrap();
        // Not the file the server rewrote: same stamp, so even another noted mode is not forced.
        kept.mode = 0o640;
        kept.put_back().unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
