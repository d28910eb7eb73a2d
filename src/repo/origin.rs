//! Which server a backup came from. Backups live in the folder of the target name they were
//! taken under (`cache`, `10.0.0.5-6379`), so a restore that names the same server differently,
//! or after it moved to another port, finds them by the manifest instead: the address, the
//! server's run id, or its replication id (shared by a master and its replicas, and kept
//! across restarts that load the same data).

use anyhow::Result;

use super::RepoError;
use super::layout::TargetId;
use super::manifest::Manifest;
use super::repository::{Backup, Repository};
use crate::info::Info;
use crate::target::Endpoint;

/// What identifies a live server in manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    /// As manifests record it: host and port, or the socket path and port 0.
    pub host: String,
    pub port: u16,
    pub run_id: Option<String>,
    /// `master_replid` and `master_replid2`, without the all-zero placeholder.
    pub repl_ids: Vec<String>,
}

/// The replication id a server without a previous history reports as `master_replid2`.
const NO_REPL_ID: &str = "0000000000000000000000000000000000000000";

impl ServerIdentity {
    /// From the server's endpoint and its `INFO server` and `INFO replication` replies.
    pub fn new(endpoint: &Endpoint, server: &Info, replication: &Info) -> Self {
        let (host, port) = match endpoint {
            Endpoint::Tcp(hp) => (hp.host.clone(), hp.port),
            Endpoint::Unix(p) => (p.display().to_string(), 0),
        };
        let known = |v: Option<&str>| {
            v.filter(|v| !v.is_empty() && *v != NO_REPL_ID)
                .map(String::from)
        };
        Self {
            host,
            port,
            run_id: known(server.get("run_id")),
            repl_ids: ["master_replid", "master_replid2"]
                .into_iter()
                .filter_map(|k| known(replication.get(k)))
                .collect(),
        }
    }

    pub fn address(&self) -> String {
        address(&self.host, self.port)
    }

    /// How the backup with manifest `m` is known to come from this server, if it is.
    pub fn matches(&self, m: &Manifest) -> Option<String> {
        if m.target.host == self.host && m.target.port == self.port {
            return Some(format!("address {}", self.address()));
        }
        if m.target.run_id.is_some() && m.target.run_id == self.run_id {
            return Some("run id".into());
        }
        m.aux
            .get("repl-id")
            .filter(|id| self.repl_ids.contains(id))
            .map(|_| "replication id".into())
    }
}

impl Repository {
    /// The newest backup of the server `who` outside the folder `skip` (the one its target
    /// name resolved to, which holds none), with the reason it matched, when exactly one other
    /// folder holds backups of it. Safety backups count only with `include_safety`.
    pub fn latest_of_server(
        &self,
        who: &ServerIdentity,
        skip: &TargetId,
        include_safety: bool,
    ) -> Result<(Backup, String)> {
        // Newest first, so the first match per folder is its newest.
        let mut folders: Vec<(Backup, String)> = Vec::new();
        for backup in self.list_all()?.backups.into_iter().rev() {
            if &backup.target == skip
                || (backup.is_safety() && !include_safety)
                || folders.iter().any(|(b, _)| b.target == backup.target)
            {
                continue;
            }
            if let Some(why) = who.matches(&backup.manifest) {
                folders.push((backup, why));
            }
        }
        match folders.len() {
            0 => Err(RepoError::NotFound {
                what: format!(
                    "backup in target {skip}, and no other folder holds backups of {}",
                    who.address()
                ),
            }
            .into()),
            1 => Ok(folders.remove(0)),
            _ => Err(RepoError::ManyFolders {
                server: who.address(),
                folders: folders
                    .iter()
                    .map(|(b, why)| format!("{} (newest {}, by {why})", b.target, b.id))
                    .collect(),
            }
            .into()),
        }
    }
}

/// `host:port` as the manifests and plans show a server.
pub fn address(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::manifest::tests::sample;
    use crate::target::HostPort;

    fn identity(host: &str, port: u16, run_id: &str, replid: &str) -> ServerIdentity {
        let endpoint = Endpoint::Tcp(HostPort {
            host: host.into(),
            port,
        });
        let server = Info::parse(&format!("# Server\r\nrun_id:{run_id}\r\n"));
        let replication = Info::parse(&format!(
            "# Replication\r\nmaster_replid:{replid}\r\nmaster_replid2:{NO_REPL_ID}\r\n"
        ));
        ServerIdentity::new(&endpoint, &server, &replication)
    }

    #[test]
    fn identity_ignores_the_zero_replication_id() {
        let who = identity("10.0.0.5", 6379, "r1", "x1");
        assert_eq!(who.run_id.as_deref(), Some("r1"));
        assert_eq!(who.repl_ids, ["x1"]);
        assert_eq!(who.address(), "10.0.0.5:6379");
    }

    #[test]
    fn matches_by_address_run_id_or_replication_id() {
        // sample(): 10.0.0.5:6379, run id "a"×40, repl-id "b"×40.
        let m = sample("20261124T030000Z-1a2b3c4d");
        let a40 = "a".repeat(40);
        let b40 = "b".repeat(40);
        let cases = [
            (
                identity("10.0.0.5", 6379, "other", "other"),
                Some("address 10.0.0.5:6379"),
            ),
            (identity("10.0.0.5", 6380, &a40, "other"), Some("run id")),
            (
                identity("10.0.0.9", 6379, "other", &b40),
                Some("replication id"),
            ),
            (identity("10.0.0.9", 6379, "other", "other"), None),
        ];
        for (who, expected) in cases {
            assert_eq!(who.matches(&m).as_deref(), expected, "{who:?}");
        }
    }
}
