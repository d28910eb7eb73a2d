//! The TLS block of a `sentinel.conf`. Sentinel has no `CONFIG SET` (notes §1, §5.5): its
//! `tls-*` settings exist only in its config file and take effect at a restart. [`edit`] is
//! the pure text change (comments, order and unrelated lines kept); [`write`] puts it in place
//! durably, keeping the file's mode and owner (Sentinel refuses to start when it cannot
//! rewrite its own file) and a backup copy.

use super::plan::PROTOCOLS;
use anyhow::{Context, Result};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What one Sentinel's file must say.
#[derive(Debug, Clone, PartialEq)]
pub struct SentinelTls {
    pub tls_port: u16,
    pub cert: String,
    pub key: String,
    pub ca: String,
    /// `port 0`: TLS-only.
    pub disable_plaintext: bool,
    /// The monitored master's name and the port to monitor it on (its TLS port): with
    /// `tls-replication yes` every link Sentinel opens is TLS, so it must monitor a TLS port.
    pub master_name: String,
    pub master_port: u16,
}

impl SentinelTls {
    /// The directives, in the order they are appended when missing.
    pub fn directives(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("tls-port", self.tls_port.to_string()),
            ("tls-cert-file", quote(&self.cert)),
            ("tls-key-file", quote(&self.key)),
            ("tls-ca-cert-file", quote(&self.ca)),
            ("tls-auth-clients", "yes".into()),
            // Sentinel→node and Sentinel→Sentinel links over TLS; also makes Sentinel
            // announce its TLS port to its peers.
            ("tls-replication", "yes".into()),
            ("tls-protocols", quote(PROTOCOLS)),
        ];
        if self.disable_plaintext {
            out.push(("port", "0".into()));
        }
        out
    }

    /// The lines to add or change, as shown to an operator who edits the file by hand.
    pub fn manual_lines(&self, master_host: &str, quorum: u32) -> Vec<String> {
        let mut lines: Vec<String> = self
            .directives()
            .into_iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        lines.push(format!(
            "sentinel monitor {} {master_host} {} {quorum}",
            self.master_name, self.master_port
        ));
        lines
    }
}

fn quote(value: &str) -> String {
    if value.contains([' ', '"', '\'']) || value.is_empty() {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// The file with the TLS directives set (each once, in place of the first existing line, the
/// rest appended) and the master monitored on `master_port`.
pub fn edit(text: &str, want: &SentinelTls) -> String {
    let directives = want.directives();
    let mut seen: Vec<&str> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = words.first().map(|w| w.to_ascii_lowercase());
        if let Some((key, value)) = first
            .as_deref()
            .and_then(|f| directives.iter().find(|(k, _)| *k == f))
        {
            if !seen.contains(key) {
                seen.push(key);
                out.push(format!("{key} {value}"));
            }
            continue;
        }
        let monitor = first.as_deref() == Some("sentinel")
            && words.len() == 6
            && words[1].eq_ignore_ascii_case("monitor")
            && words[2] == want.master_name;
        if monitor {
            out.push(format!(
                "sentinel monitor {} {} {} {}",
                words[2], words[3], want.master_port, words[5]
            ));
        } else {
            out.push(line.to_string());
        }
    }
    for (key, value) in &directives {
        if !seen.contains(key) {
            out.push(format!("{key} {value}"));
        }
    }
    out.join("\n") + "\n"
}

/// Replaces `path` with `text`: a backup copy first (`<file>.redisops-<ts>.bak`, same mode),
/// then temp + fsync + rename + fsync of the directory, with the original mode and owner.
/// Returns the backup's path.
pub fn write(path: &Path, text: &str, ts: &str) -> Result<PathBuf> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o7777;
    let old = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let backup = PathBuf::from(format!("{}.redisops-{ts}.bak", path.display()));
    crate::fsutil::write_atomic(&backup, &old, mode)
        .with_context(|| format!("cannot write the backup {}", backup.display()))?;
    put(path, text.as_bytes(), mode, &meta)?;
    Ok(backup)
}

/// Puts the backup made by [`write`] back in place.
pub fn restore(path: &Path, backup: &Path) -> Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let old = std::fs::read(backup).with_context(|| format!("cannot read {}", backup.display()))?;
    put(path, &old, meta.permissions().mode() & 0o7777, &meta)
}

fn put(path: &Path, bytes: &[u8], mode: u32, meta: &std::fs::Metadata) -> Result<()> {
    crate::fsutil::write_atomic(path, bytes, mode)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The new inode belongs to us; Sentinel (often user redis) must be able to rewrite it.
    if std::os::unix::fs::chown(path, Some(meta.uid()), Some(meta.gid())).is_err() {
        let now = std::fs::metadata(path)?;
        if (now.uid(), now.gid()) != (meta.uid(), meta.gid()) {
            anyhow::bail!(
                "cannot give {} back to uid {} gid {}: run redisops as root or as the \
                 Sentinel's user",
                path.display(),
                meta.uid(),
                meta.gid()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(disable_plaintext: bool) -> SentinelTls {
        SentinelTls {
            tls_port: 26380,
            cert: "/etc/redis/tls/s 1.crt".into(),
            key: "/etc/redis/tls/s1.key".into(),
            ca: "/etc/redis/tls/ca.crt".into(),
            disable_plaintext,
            master_name: "main".into(),
            master_port: 6380,
        }
    }

    #[test]
    fn keeps_comments_and_order_replaces_in_place_appends_the_rest() {
        let text = "# my sentinel\nport 26379\nTLS-PORT 1\nsentinel monitor main 10.0.0.5 6379 2\n\
                    sentinel monitor other 10.0.0.9 6379 2\nsentinel auth-pass main s3cret\n\
                    tls-port 2\n";
        let out = edit(text, &want(true));
        assert_eq!(
            out,
            "# my sentinel\nport 0\ntls-port 26380\nsentinel monitor main 10.0.0.5 6380 2\n\
             sentinel monitor other 10.0.0.9 6379 2\nsentinel auth-pass main s3cret\n\
             tls-cert-file \"/etc/redis/tls/s 1.crt\"\ntls-key-file /etc/redis/tls/s1.key\n\
             tls-ca-cert-file /etc/redis/tls/ca.crt\ntls-auth-clients yes\n\
             tls-replication yes\ntls-protocols \"TLSv1.2 TLSv1.3\"\n"
        );
        assert_eq!(
            edit(&out, &want(true)),
            out,
            "a second edit changes nothing"
        );
    }

    #[test]
    fn dual_port_keeps_the_plaintext_port() {
        let out = edit("port 26379\n", &want(false));
        assert!(out.starts_with("port 26379\n"), "{out}");
        assert!(!out.contains("port 0"), "{out}");
    }

    #[test]
    fn write_keeps_mode_and_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(&conf, "port 26379\n").unwrap();
        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
        let backup = write(&conf, "port 0\n", "20260101T000000Z").unwrap();
        assert_eq!(std::fs::read_to_string(&conf).unwrap(), "port 0\n");
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "port 26379\n");
        let mode = std::fs::metadata(&conf).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        restore(&conf, &backup).unwrap();
        assert_eq!(std::fs::read_to_string(&conf).unwrap(), "port 26379\n");
    }
}
