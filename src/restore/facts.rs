//! Preflight (notes §6.6 P0): what the restore needs to know about the live server before
//! anything changes. `dir`, `dbfilename` and the AOF names are read from the running server
//! (they cannot change at runtime on 7.0+), never guessed.

use crate::conn::Node;
use crate::exit::{ExitCode, fail};
use crate::repo::ServerIdentity;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Facts {
    pub version: String,
    pub role: String,
    pub run_id: String,
    pub pid: u32,
    pub dir: PathBuf,
    pub dbfilename: String,
    pub dump_exists: bool,
    pub appendonly: bool,
    pub appenddirname: String,
    pub appendfilename: String,
    pub aof_dir_exists: bool,
    pub aof_dir_mode: Option<u32>,
    /// The runtime `save` value.
    pub save: String,
    /// `shutdown-on-sigterm`/`-sigint` (7.0+; empty before).
    pub shutdown_on_signal: BTreeMap<String, String>,
    pub databases: u32,
    /// `config_file` from INFO server (empty when started without one).
    pub config_file: Option<PathBuf>,
    pub executable: Option<PathBuf>,
    /// The process' working directory, when readable (`/proc/<pid>/cwd`).
    pub cwd: Option<PathBuf>,
    pub logfile: Option<PathBuf>,
    pub connected_replicas: u64,
    /// Keys in all databases now (`INFO keyspace`).
    pub keys: u64,
    /// Whose backups are this server's (address, run id, replication ids).
    pub identity: ServerIdentity,
}

impl Facts {
    pub async fn gather(node: &mut Node) -> Result<Self> {
        let server = node.info("server").await?;
        let replication = node.info("replication").await?;
        let keys = node
            .info("keyspace")
            .await?
            .keyspace()
            .values()
            .map(|db| db.keys)
            .sum();
        let identity = ServerIdentity::new(&node.endpoint, &server, &replication);
        let role = replication.get("role").unwrap_or("unknown").to_string();
        let mut config = BTreeMap::new();
        // One name per CONFIG GET: several names in one call need 7.0.
        for name in [
            "dir",
            "dbfilename",
            "appendonly",
            "appenddirname",
            "appendfilename",
            "save",
            "databases",
            "logfile",
            "shutdown-on-sigterm",
            "shutdown-on-sigint",
        ] {
            config.extend(node.config_get(name).await?);
        }
        let get = |k: &str| config.get(k).cloned();
        let dir = PathBuf::from(get("dir").context("the server did not report dir")?);
        let dbfilename = get("dbfilename").context("the server did not report dbfilename")?;
        let appenddirname = get("appenddirname").unwrap_or_else(|| "appendonlydir".into());
        let aof_dir = dir.join(&appenddirname);
        let aof_meta = std::fs::metadata(&aof_dir).ok();
        let pid = server.u64("process_id").unwrap_or(0) as u32;
        let non_empty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
        let logfile = get("logfile")
            .filter(|s| !s.is_empty())
            .map(|l| dir_relative(&dir, &l));
        Ok(Self {
            version: server.get("redis_version").unwrap_or("0.0.0").to_string(),
            role,
            run_id: server.get("run_id").unwrap_or_default().to_string(),
            pid,
            dump_exists: dir.join(&dbfilename).exists(),
            appendonly: get("appendonly").as_deref() == Some("yes"),
            appendfilename: get("appendfilename").unwrap_or_else(|| "appendonly.aof".into()),
            aof_dir_exists: aof_meta.is_some(),
            aof_dir_mode: aof_meta.map(|m| m.permissions().mode() & 0o7777),
            appenddirname,
            save: get("save").unwrap_or_default(),
            shutdown_on_signal: ["shutdown-on-sigterm", "shutdown-on-sigint"]
                .into_iter()
                .filter_map(|k| get(k).map(|v| (k.to_string(), v)))
                .collect(),
            databases: get("databases").and_then(|d| d.parse().ok()).unwrap_or(16),
            config_file: non_empty(server.get("config_file")),
            executable: server_executable(server.get("executable"), pid),
            cwd: std::fs::read_link(format!("/proc/{pid}/cwd")).ok(),
            logfile,
            connected_replicas: replication.u64("connected_slaves").unwrap_or(0),
            keys,
            identity,
            dir,
            dbfilename,
        })
    }

    /// Restoring onto a replica is pointless: it would full-sync from its master and drop the
    /// restored data (notes §11.2 #5).
    pub fn refuse_replica(&self) -> Result<()> {
        if self.role != "master" {
            return Err(fail(
                ExitCode::Target,
                format!(
                    "the target is a {}: a restored replica would full-sync from its master and \
                     drop the restored data. Restore the master instead (or make this node a \
                     master with REPLICAOF NO ONE first).",
                    self.role
                ),
            ));
        }
        Ok(())
    }

    /// The AOF seeding (multi-part AOF directory) needs Redis 7.0.
    pub fn refuse_unsupported(&self) -> Result<()> {
        if self.appendonly && self.version_pair().0 < 7 {
            return Err(fail(
                ExitCode::Target,
                format!(
                    "Redis {} with appendonly yes keeps a single AOF file, which redisops does not \
                     seed: restore by hand (README, \"By hand\") or upgrade to 7.0+",
                    self.version
                ),
            ));
        }
        Ok(())
    }

    /// `(major, minor)` of the server version.
    pub fn version_pair(&self) -> (u32, u32) {
        let mut parts = self.version.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }
}

/// The binary to start the server (or Sentinel) again with: INFO's `executable` when it is a
/// file, else found from the process.
pub fn server_executable(info_executable: Option<&str>, pid: u32) -> Option<PathBuf> {
    info_executable
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| executable_of(pid))
}

/// INFO's `executable` is argv[0] made absolute against the cwd without a PATH lookup
/// ("redis-server" started in /data reads /data/redis-server). `/proc/<pid>/exe` resolves
/// symlinks, and on Debian redis-server is a symlink to redis-check-rdb, which picks its mode
/// by name. So: argv[0]'s name, in the directory of the running binary, else on PATH.
fn executable_of(pid: u32) -> Option<PathBuf> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    // The server rewrites its title ("redis-server 127.0.0.1:6379"): the name is the first word.
    let argv0 = cmdline.split(|&b| b == 0).next()?;
    let argv0 = String::from_utf8_lossy(argv0);
    let name = PathBuf::from(argv0.split_whitespace().next()?);
    let name = PathBuf::from(name.file_name()?);
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let beside = exe.parent()?.join(&name);
    if beside.is_file() {
        return Some(beside);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
}

/// Redis resolves a relative `logfile` against its working directory, which is `dir` once
/// the config is loaded.
fn dir_relative(dir: &std::path::Path, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() { p } else { dir.join(p) }
}

/// The newest RDB version a Redis version loads (notes §4.7); `None` for versions older than
/// any redisops supports.
pub fn max_rdb_version((major, minor): (u32, u32)) -> Option<u32> {
    Some(match (major, minor) {
        (0..=2, _) | (3, 0..=1) => return None,
        (3, _) => 7,
        (4, _) => 8,
        (5 | 6, _) => 9,
        (7, 0..=1) => 10,
        (7, 2..=3) => 11,
        (7, _) | (8, 0..=5) => 12,
        (8, 6..=7) => 13,
        _ => 14,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdb_versions_follow_the_notes() {
        assert_eq!(max_rdb_version((7, 0)), Some(10));
        assert_eq!(max_rdb_version((7, 2)), Some(11));
        assert_eq!(max_rdb_version((7, 4)), Some(12));
        assert_eq!(max_rdb_version((8, 4)), Some(12));
        assert_eq!(max_rdb_version((6, 2)), Some(9));
        assert_eq!(max_rdb_version((2, 8)), None);
    }
}
