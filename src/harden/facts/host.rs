//! Host facts for a node that runs on this machine: modes of its config, ACL and data
//! files, the user its process runs as, and its TLS certificate's dates.
//!
//! A node counts as local when it was reached over a unix socket or a loopback address, or
//! when the operator named its config file (`--config-file`). Paths from a remote node are
//! never looked up here: a file at the same path on this host would be a different file.

use super::{CertFacts, FILE_DIRECTIVES, FileFacts, HostFacts, NodeFacts, ProcessFacts};
use crate::conffile::ConfFile;
use crate::target::Endpoint;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub(super) fn gather(
    facts: &NodeFacts,
    endpoint: &Endpoint,
    config_file: Option<&Path>,
) -> Option<HostFacts> {
    let local = endpoint.is_local();
    if config_file.is_none() && !local {
        return None;
    }
    let config_path = config_file.map(Path::to_path_buf).or_else(|| {
        facts
            .info("config_file")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    let dir = facts
        .config("dir")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let in_dir = |name: &str| match &dir {
        Some(d) => d.join(name),
        None => PathBuf::from(name),
    };
    let config_text = config_path
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let mut host = HostFacts {
        config_file: config_path
            .as_ref()
            .map(|p| file_facts(p, Some(config_text.as_deref().map(config_holds_secrets)))),
        acl_file: facts.config("aclfile").filter(|p| !p.is_empty()).map(|p| {
            let path = in_dir(p);
            let text = std::fs::read_to_string(&path).ok();
            file_facts(&path, Some(text.as_deref().map(acl_holds_secrets)))
        }),
        data_dir: dir.as_ref().map(|d| file_facts(d, None)),
        data_files: data_files(facts, &in_dir),
        // A remote node's pid means nothing here, even when its config file was named.
        process: facts.info("process_id").filter(|_| local).and_then(process),
        tls_cert: facts
            .config("tls-cert-file")
            .filter(|p| !p.is_empty())
            .map(|p| certificate(Path::new(p))),
        file_directives: Default::default(),
        config_users: None,
        aclfile_users: None,
    };
    if let Some(conf) = config_text.as_deref().and_then(|t| ConfFile::parse(t).ok()) {
        host.file_directives = directives(&conf);
        host.config_users = conf.includes().is_empty().then(|| users(&conf));
    }
    host.aclfile_users = host
        .acl_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(&f.path).ok())
        .and_then(|t| ConfFile::parse(&t).ok())
        .map(|acl| users(&acl));
    Some(host)
}

/// Mode and owner of a path; `holds_secrets` is `Some(None)` when the caller wanted to know
/// but the content could not be read.
fn file_facts(path: &Path, holds_secrets: Option<Option<bool>>) -> FileFacts {
    match std::fs::metadata(path) {
        Ok(meta) => FileFacts {
            path: path.display().to_string(),
            mode: Some(meta.mode() & 0o7777),
            uid: Some(meta.uid()),
            holds_secrets: holds_secrets.flatten(),
            error: None,
        },
        Err(e) => FileFacts {
            path: path.display().to_string(),
            mode: None,
            uid: None,
            holds_secrets: None,
            error: Some(e.to_string()),
        },
    }
}

/// The RDB file and the AOF (a directory of files since 7.0, one file before) that exist.
fn data_files(facts: &NodeFacts, in_dir: &dyn Fn(&str) -> PathBuf) -> Vec<FileFacts> {
    let mut paths = Vec::new();
    for key in ["dbfilename", "appendfilename"] {
        if let Some(name) = facts.config(key).filter(|n| !n.is_empty()) {
            paths.push(in_dir(name));
        }
    }
    if let Some(aof_dir) = facts.config("appenddirname").filter(|n| !n.is_empty())
        && let Ok(entries) = std::fs::read_dir(in_dir(aof_dir))
    {
        paths.extend(entries.flatten().map(|e| e.path()));
    }
    paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| file_facts(p, None))
        .collect()
}

/// `/proc/<pid>/status` of the server, if that pid here is a Redis (in another pid
/// namespace, such as a container, the number names some other process or none).
fn process(pid: &str) -> Option<ProcessFacts> {
    let p =
        crate::host::Process::read(pid.parse().ok()?).filter(crate::host::Process::is_server)?;
    Some(ProcessFacts {
        pid: p.pid.into(),
        uid: p.uid,
        name: p.name,
    })
}

fn certificate(path: &Path) -> CertFacts {
    let mut facts = CertFacts {
        path: path.display().to_string(),
        subject: None,
        not_after: None,
        error: None,
    };
    let parsed =
        crate::tls::inspect::CertSummary::from_pem_file(path).map(|c| (c.subject, c.not_after));
    match parsed {
        Ok((subject, not_after)) => {
            facts.subject = Some(subject);
            facts.not_after = Some(not_after);
        }
        Err(e) => facts.error = Some(e),
    }
    facts
}

/// Whether a redis.conf or sentinel.conf holds passwords or password hashes.
fn config_holds_secrets(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        let mut words = l.split_whitespace().map(str::to_lowercase);
        match words.next().as_deref() {
            Some(
                "requirepass" | "masterauth" | "tls-key-file-pass" | "tls-client-key-file-pass",
            ) => true,
            Some("user") => acl_holds_secrets(l),
            Some("sentinel") => {
                matches!(words.next().as_deref(), Some("auth-pass" | "sentinel-pass"))
            }
            _ => false,
        }
    })
}

/// Whether ACL rules contain a password (`>clear`) or a hash (`#sha256`).
fn acl_holds_secrets(text: &str) -> bool {
    text.split_whitespace()
        .any(|w| w.starts_with('>') || (w.starts_with('#') && w.len() == 65))
}

/// The last value of each of [`FILE_DIRECTIVES`] in a config file.
/// The [`FILE_DIRECTIVES`] a config file sets (the last occurrence wins, as in Redis).
fn directives(conf: &ConfFile) -> std::collections::BTreeMap<String, String> {
    FILE_DIRECTIVES
        .iter()
        .filter_map(|key| {
            let args = conf.values(key).pop()?;
            Some((key.to_string(), args.join(" ")))
        })
        .collect()
}

/// The names of the `user` lines of a config or ACL file.
fn users(conf: &ConfFile) -> Vec<String> {
    conf.values("user")
        .iter()
        .filter_map(|args| args.first().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_config_files() {
        assert!(config_holds_secrets("port 1\nrequirepass x\n"));
        assert!(config_holds_secrets("sentinel auth-pass mymaster pw\n"));
        assert!(config_holds_secrets("user app on >pw ~* +@all\n"));
        assert!(!config_holds_secrets(
            "# requirepass foobared\nuser default on nopass ~* +@all\n"
        ));
        let hash = format!("#{}", "a".repeat(64));
        assert!(acl_holds_secrets(&format!("user app on {hash} ~*")));
    }

    #[test]
    fn last_directive_wins() {
        let conf = ConfFile::parse(
            "protected-mode yes\n# protected-mode no\nprotected-mode \"no\"\nport 26379\n\
             bind 127.0.0.1 -::1\nuser app on ~* +@all\nuser admin on ~* +@all\n",
        )
        .unwrap();
        let d = directives(&conf);
        assert_eq!(d["protected-mode"], "no");
        assert_eq!(d["port"], "26379");
        assert_eq!(d["bind"], "127.0.0.1 -::1");
        assert!(!d.contains_key("#"));
        assert_eq!(users(&conf), ["app", "admin"]);
    }

    #[test]
    fn unreadable_certificate_says_why() {
        let c = certificate(Path::new("/nonexistent/cert.pem"));
        assert!(c.error.is_some() && c.not_after.is_none());
    }

    #[test]
    fn own_process_is_not_redis() {
        assert!(process(&std::process::id().to_string()).is_none());
    }
}
