//! The TLS block of a `sentinel.conf`. Sentinel has no `CONFIG SET` (notes §1, §5.5): its
//! `tls-*` settings exist only in its config file and take effect at a restart. [`edit`] is
//! the pure text change; [`write`] puts it in place through [`crate::conffile`] (comments and
//! order kept, a backup copy, durable, the owner kept: Sentinel refuses to start when it
//! cannot rewrite its own file).

use super::plan::PROTOCOLS;
use crate::conffile::{ConfFile, render_directive};
use anyhow::{Context, Result};
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
            ("tls-cert-file", self.cert.clone()),
            ("tls-key-file", self.key.clone()),
            ("tls-ca-cert-file", self.ca.clone()),
            ("tls-auth-clients", "yes".into()),
            // Sentinel→node and Sentinel→Sentinel links over TLS; also makes Sentinel
            // announce its TLS port to its peers.
            ("tls-replication", "yes".into()),
            ("tls-protocols", PROTOCOLS.into()),
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
            .map(|(k, v)| render_directive(k, &[v]))
            .collect();
        lines.push(format!(
            "sentinel monitor {} {master_host} {} {quorum}",
            self.master_name, self.master_port
        ));
        lines
    }

    /// Sets the directives and moves the master's `sentinel monitor` line to `master_port`.
    fn apply(&self, conf: &mut ConfFile) {
        for (key, value) in self.directives() {
            conf.set(key, &[&value]);
        }
        let monitor = conf
            .values("sentinel")
            .into_iter()
            .find(|a| {
                a.len() == 5 && a[0].eq_ignore_ascii_case("monitor") && a[1] == self.master_name
            })
            .map(<[String]>::to_vec);
        if let Some(a) = monitor {
            let port = self.master_port.to_string();
            conf.set_keyed("sentinel", 2, &["monitor", &a[1], &a[2], &port, &a[4]]);
        }
    }
}

/// The file with the TLS directives set (each once, in place of the first existing line, the
/// rest appended) and the master monitored on `master_port`.
pub fn edit(text: &str, want: &SentinelTls) -> Result<String> {
    let mut conf = ConfFile::parse(text)?;
    want.apply(&mut conf);
    Ok(conf.render())
}

/// Edits the file at `path`; returns the backup copy's path (None when nothing changed).
pub fn write(path: &Path, want: &SentinelTls) -> Result<Option<PathBuf>> {
    let loaded = ConfFile::load(path)?;
    let mut conf = loaded.conf.clone();
    want.apply(&mut conf);
    loaded.write(&conf, None)
}

/// Puts the backup made by [`write`] back, copied over the file so it keeps its owner.
pub fn restore(path: &Path, backup: &Path) -> Result<()> {
    std::fs::copy(backup, path).map(drop).with_context(|| {
        format!(
            "cannot copy {} back to {}",
            backup.display(),
            path.display()
        )
    })
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
        let out = edit(text, &want(true)).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[..6],
            [
                "# my sentinel",
                "port 0",
                "tls-port 26380",
                "sentinel monitor main 10.0.0.5 6380 2",
                "sentinel monitor other 10.0.0.9 6379 2",
                "sentinel auth-pass main s3cret",
            ],
            "{out}"
        );
        assert!(
            out.contains("tls-cert-file \"/etc/redis/tls/s 1.crt\"\n"),
            "{out}"
        );
        assert!(out.contains("tls-protocols \"TLSv1.2 TLSv1.3\"\n"), "{out}");
        assert_eq!(out.matches("tls-port").count(), 1, "{out}");
        assert_eq!(
            edit(&out, &want(true)).unwrap(),
            out,
            "a second edit changes nothing"
        );
    }

    #[test]
    fn dual_port_keeps_the_plaintext_port() {
        let out = edit("port 26379\n", &want(false)).unwrap();
        assert!(out.starts_with("port 26379\n"), "{out}");
        assert!(!out.contains("port 0"), "{out}");
    }

    #[test]
    fn write_keeps_a_backup_that_restore_puts_back() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(&conf, "port 26379\n").unwrap();
        let backup = write(&conf, &want(true)).unwrap().unwrap();
        assert!(std::fs::read_to_string(&conf).unwrap().contains("port 0\n"));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "port 26379\n");
        assert_eq!(
            write(&conf, &want(true)).unwrap(),
            None,
            "nothing left to change"
        );
        restore(&conf, &backup).unwrap();
        assert_eq!(std::fs::read_to_string(&conf).unwrap(), "port 26379\n");
    }
}
