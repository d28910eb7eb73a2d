//! Facts: what the audit saw, gathered once per node and then only read. The checks are pure
//! functions over these structs, so every check can be tested by building facts by hand, and
//! `harden apply` can plan from the same facts the audit reported on.
//!
//! Secrets never enter the facts in clear: plaintext passwords from `CONFIG GET` are reduced
//! to their length and SHA-256 (the form `ACL LIST` already exposes), and hashes serialize as
//! `"<redacted>"` so `--show-facts` output is safe to paste into a ticket.

pub mod cluster;
pub mod gather;
mod host;
pub(crate) mod probe;

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

pub use cluster::{ClusterFacts, ClusterNodeFacts, gather_cluster};
pub use gather::{GatherOptions, gather};

/// Everything gathered about one target: a single node, or a Sentinel group's master,
/// replicas and Sentinels.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFacts {
    /// The target as the operator named it.
    pub target: String,
    /// Unix time of the gathering; checks compare certificate dates with it, not the clock.
    pub gathered_at: i64,
    /// Users allowed to hold full rights (`--admin-user`).
    pub admin_users: Vec<String>,
    /// Set when the target is a Sentinel group.
    pub group: Option<GroupFacts>,
    /// Set when the target is a Redis Cluster: every node's place in it.
    pub cluster: Option<ClusterFacts>,
    pub nodes: Vec<NodeFacts>,
}

/// What the Sentinels agree on.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFacts {
    pub master_name: String,
    /// `host:port` of the master a majority of Sentinels reports.
    pub master: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Server,
    Sentinel,
}

/// One redis-server or redis-sentinel.
#[derive(Debug, Clone, Serialize)]
pub struct NodeFacts {
    pub address: String,
    pub kind: NodeKind,
    /// `master`, `slave` or `sentinel` (`unknown` when the node could not be reached).
    pub role: String,
    /// Why nothing could be gathered; every other field is then empty.
    pub unreachable: Option<String>,
    /// `INFO all`.
    pub info: BTreeMap<String, String>,
    /// `CONFIG GET *` on servers, `SENTINEL CONFIG GET *` on Sentinels; secrets redacted.
    pub config: Option<BTreeMap<String, String>>,
    /// The plaintext secrets `CONFIG GET` revealed, reduced to what checks need.
    pub secrets: BTreeMap<String, SecretFacts>,
    /// `ACL LIST` + `ACL GETUSER`, with `ACL DRYRUN` results for the dangerous commands.
    pub users: Option<Vec<UserFacts>>,
    /// Commands `COMMAND INFO` does not know: renamed or removed with `rename-command`.
    pub renamed_commands: Option<Vec<String>>,
    /// `MODULE LIST`.
    pub modules: Option<Vec<ModuleFacts>>,
    /// Whether Lua exposes the `package` library (CVE-2022-0543), from a read-only `EVAL`.
    pub lua_package_exposed: Option<bool>,
    /// Failed authentications in `ACL LOG`, by user name tried.
    pub auth_failures: Option<BTreeMap<String, u64>>,
    /// ACL users the Sentinels log in as (`CLIENT LIST`), with failover commands they lack.
    pub sentinel_clients: Option<Vec<SentinelClientFacts>>,
    /// Addresses of ordinary clients logged in as the default user (`CLIENT LIST`, without
    /// replicas, Sentinels and the audit's own connection).
    pub default_clients: Option<Vec<String>>,
    /// Fresh unauthenticated connection attempts to every listener.
    pub listeners: Vec<ListenerFacts>,
    /// Sentinels only: `SENTINEL MASTER <name>`.
    pub monitored_master: Option<BTreeMap<String, String>>,
    /// Sentinels only: whether `deny-scripts-reconfig` is on, from a `SENTINEL SET` probe
    /// that changes nothing either way.
    pub scripts_reconfig_denied: Option<bool>,
    /// Local files and process, when the node runs on this host.
    pub host: Option<HostFacts>,
    /// Facts that could not be gathered, and why.
    pub gaps: Vec<Gap>,
}

impl NodeFacts {
    /// A node with nothing gathered yet.
    pub fn new(address: impl Into<String>, kind: NodeKind) -> Self {
        Self {
            address: address.into(),
            kind,
            role: "unknown".into(),
            unreachable: None,
            info: BTreeMap::new(),
            config: None,
            secrets: BTreeMap::new(),
            users: None,
            renamed_commands: None,
            modules: None,
            lua_package_exposed: None,
            auth_failures: None,
            sentinel_clients: None,
            default_clients: None,
            listeners: Vec::new(),
            monitored_master: None,
            scripts_reconfig_denied: None,
            host: None,
            gaps: Vec::new(),
        }
    }

    pub fn config(&self, key: &str) -> Option<&str> {
        self.config.as_ref()?.get(key).map(String::as_str)
    }

    pub fn info(&self, key: &str) -> Option<&str> {
        self.info.get(key).map(String::as_str)
    }

    pub fn user(&self, name: &str) -> Option<&UserFacts> {
        self.users.as_ref()?.iter().find(|u| u.name == name)
    }

    /// Whether connections without a password get in: the default user is `on nopass`, or
    /// (when the ACL could not be read) an unauthenticated probe was answered.
    pub fn open_without_password(&self) -> bool {
        match self.user("default") {
            Some(default) => default.enabled() && default.nopass(),
            None => self.listeners.iter().any(|l| l.access == Access::Open),
        }
    }

    /// The `redis_version` as numbers (`7.0.15` → `[7, 0, 15]`).
    pub fn version(&self) -> Option<Vec<u32>> {
        self.info("redis_version")?
            .split('.')
            .map(|p| p.parse().ok())
            .collect()
    }
}

/// A password the server holds in clear (`requirepass`, `masterauth`, …).
#[derive(Debug, Clone, Serialize)]
pub struct SecretFacts {
    pub length: usize,
    /// Lower-case hex SHA-256, the form `ACL LIST` shows.
    #[serde(serialize_with = "redacted")]
    pub sha256: String,
}

/// One ACL user.
#[derive(Debug, Clone, Serialize)]
pub struct UserFacts {
    pub name: String,
    /// `on`/`off`, `nopass`, `skip-sanitize-payload`, …
    pub flags: Vec<String>,
    #[serde(serialize_with = "redacted_list")]
    pub password_hashes: Vec<String>,
    /// Command rules, e.g. `+@all` or `-@all +@read`.
    pub commands: String,
    /// Key patterns, e.g. `~*`.
    pub keys: String,
    /// Channel patterns, e.g. `&*` (empty after `resetchannels`).
    pub channels: String,
    /// The [`DANGEROUS_COMMANDS`] that `ACL DRYRUN` allows (None without DRYRUN).
    pub dangerous: Option<Vec<String>>,
}

impl UserFacts {
    pub fn enabled(&self) -> bool {
        self.flags.iter().any(|f| f == "on")
    }

    pub fn nopass(&self) -> bool {
        self.flags.iter().any(|f| f == "nopass")
    }

    /// `+@all` with nothing taken away.
    pub fn all_commands(&self) -> bool {
        let mut rules = self.commands.split_whitespace();
        rules.next() == Some("+@all") && rules.all(|r| !r.starts_with('-'))
    }

    pub fn all_keys(&self) -> bool {
        self.keys
            .split_whitespace()
            .any(|k| k == "~*" || k == "%RW~*")
    }

    pub fn all_channels(&self) -> bool {
        self.channels.split_whitespace().any(|c| c == "&*")
    }

    /// Enabled with every command on every key: an administrator in all but name.
    pub fn all_powerful(&self) -> bool {
        self.enabled() && self.all_commands() && self.all_keys()
    }

    /// Whether `ACL DRYRUN` allowed the dangerous command named `name`.
    pub fn may_run(&self, name: &str) -> bool {
        self.dangerous
            .as_ref()
            .is_some_and(|d| d.iter().any(|c| c == name))
    }
}

/// A command probed with `ACL DRYRUN`: a display name and the full command line. Arguments
/// are harmless placeholders; DRYRUN only checks permissions and executes nothing.
pub struct DryRun {
    pub name: &'static str,
    pub args: &'static [&'static str],
}

/// Commands that wipe data, reconfigure the server, load code or leak data: the ones a user
/// other than an administrator should not be able to run.
#[rustfmt::skip]
pub const DANGEROUS_COMMANDS: &[DryRun] = &[
    DryRun { name: "FLUSHALL", args: &["FLUSHALL"] },
    DryRun { name: "FLUSHDB", args: &["FLUSHDB"] },
    DryRun { name: "CONFIG SET", args: &["CONFIG", "SET", "dir", "/tmp"] },
    DryRun { name: "KEYS", args: &["KEYS", "*"] },
    DryRun { name: "DEBUG", args: &["DEBUG", "SLEEP", "0"] },
    DryRun { name: "MODULE LOAD", args: &["MODULE", "LOAD", "/tmp/x.so"] },
    DryRun { name: "SHUTDOWN", args: &["SHUTDOWN"] },
    DryRun { name: "REPLICAOF", args: &["REPLICAOF", "203.0.113.1", "6379"] },
    DryRun { name: "SLAVEOF", args: &["SLAVEOF", "203.0.113.1", "6379"] },
    DryRun { name: "MIGRATE", args: &["MIGRATE", "203.0.113.1", "6379", "k", "0", "1000"] },
    DryRun { name: "SAVE", args: &["SAVE"] },
    DryRun { name: "ACL SETUSER", args: &["ACL", "SETUSER", "x"] },
    DryRun { name: "RESTORE", args: &["RESTORE", "k", "0", "x"] },
    DryRun { name: "EVAL", args: &["EVAL", "return 1", "0"] },
    DryRun { name: "FUNCTION LOAD", args: &["FUNCTION", "LOAD", "x"] },
    DryRun { name: "SCRIPT FLUSH", args: &["SCRIPT", "FLUSH"] },
];

/// What Sentinel sends to a node during a failover (`sentinelSendSlaveOf` and the
/// monitoring links); one refused command aborts the promotion.
#[rustfmt::skip]
pub const SENTINEL_FAILOVER_COMMANDS: &[DryRun] = &[
    DryRun { name: "PING", args: &["PING"] },
    DryRun { name: "INFO", args: &["INFO"] },
    DryRun { name: "ROLE", args: &["ROLE"] },
    DryRun { name: "MULTI", args: &["MULTI"] },
    DryRun { name: "EXEC", args: &["EXEC"] },
    DryRun { name: "SLAVEOF", args: &["SLAVEOF", "203.0.113.1", "6379"] },
    DryRun { name: "CONFIG REWRITE", args: &["CONFIG", "REWRITE"] },
    DryRun { name: "CLIENT KILL", args: &["CLIENT", "KILL", "TYPE", "normal"] },
    DryRun { name: "CLIENT SETNAME", args: &["CLIENT", "SETNAME", "x"] },
    DryRun { name: "SCRIPT KILL", args: &["SCRIPT", "KILL"] },
    DryRun { name: "PUBLISH", args: &["PUBLISH", "__sentinel__:hello", "x"] },
    DryRun { name: "SUBSCRIBE", args: &["SUBSCRIBE", "__sentinel__:hello"] },
];

/// Commands whose absence from `COMMAND INFO` reveals `rename-command`.
#[rustfmt::skip]
pub const RENAME_PROBES: &[&str] = &[
    "config", "flushall", "flushdb", "keys", "debug", "shutdown", "slaveof", "replicaof",
    "module", "eval", "save", "bgsave", "acl", "script", "migrate",
];

#[derive(Debug, Clone, Serialize)]
pub struct ModuleFacts {
    pub name: String,
    pub version: i64,
    pub path: Option<String>,
}

/// A user a Sentinel logs in as, and which failover commands the node would refuse it.
#[derive(Debug, Clone, Serialize)]
pub struct SentinelClientFacts {
    pub user: String,
    /// None when `ACL DRYRUN` could not be run.
    pub denied: Option<Vec<String>>,
}

/// One listener and what an unauthenticated connection to it got.
#[derive(Debug, Clone, Serialize)]
pub struct ListenerFacts {
    pub address: String,
    pub transport: Transport,
    /// How the probe connected, e.g. "TLS with CA ca.crt and client certificate client.crt".
    pub probed_with: String,
    pub access: Access,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Plaintext,
    Tls,
    Unix,
}

/// The outcome of `INFO server` sent without credentials on a fresh connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result", content = "detail")]
pub enum Access {
    /// Answered: anyone who can connect can read (and probably do) everything.
    Open,
    /// Connected without a password, but INFO was refused (NOPERM).
    Restricted(String),
    /// NOAUTH: a password is required.
    AuthRequired,
    /// DENIED: protected mode refused the connection.
    Denied,
    /// The connection failed (refused, TLS error, timeout).
    Failed(String),
    /// Not attempted, and why.
    NotProbed(String),
}

/// Local facts about a node running on this host.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostFacts {
    pub config_file: Option<FileFacts>,
    pub acl_file: Option<FileFacts>,
    pub data_dir: Option<FileFacts>,
    /// The RDB and AOF files that exist.
    pub data_files: Vec<FileFacts>,
    pub process: Option<ProcessFacts>,
    pub tls_cert: Option<CertFacts>,
    /// Directives read from the config file that the node cannot report over the wire
    /// (a Sentinel has no `CONFIG GET`), or that only take effect at the next start
    /// (`enable-*`): see [`FILE_DIRECTIVES`].
    pub file_directives: BTreeMap<String, String>,
    /// Users defined by `user` lines of the config file (None when it could not be read or
    /// parsed, or pulls in other files with `include`).
    pub config_users: Option<Vec<String>>,
    /// Users in the aclfile (None without one, or when it could not be read).
    pub aclfile_users: Option<Vec<String>>,
}

/// The directives kept from a config file.
pub const FILE_DIRECTIVES: &[&str] = &[
    "protected-mode",
    "bind",
    "port",
    "tls-port",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "masteruser",
    "acl-pubsub-default",
    "tls-auth-clients",
    "replica-read-only",
    "maxmemory-clients",
    "acllog-max-len",
];

#[derive(Debug, Clone, Serialize)]
pub struct FileFacts {
    pub path: String,
    /// Permission bits; None when the file could not be examined.
    #[serde(serialize_with = "octal")]
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    /// Whether it contains passwords or password hashes (config and ACL files).
    pub holds_secrets: Option<bool>,
    pub error: Option<String>,
}

impl FileFacts {
    /// Readable by users other than the owner and group.
    pub fn world_readable(&self) -> bool {
        self.mode.is_some_and(|m| m & 0o004 != 0)
    }

    pub fn world_writable(&self) -> bool {
        self.mode.is_some_and(|m| m & 0o002 != 0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessFacts {
    pub pid: u64,
    pub name: String,
    /// Effective user id.
    pub uid: u32,
}

/// The server certificate named by `tls-cert-file`.
#[derive(Debug, Clone, Serialize)]
pub struct CertFacts {
    pub path: String,
    pub subject: Option<String>,
    /// Unix time of notAfter.
    pub not_after: Option<i64>,
    /// Why the certificate could not be read or parsed.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub fact: String,
    pub reason: String,
}

/// Values from `CONFIG GET` that are plaintext secrets.
pub const SECRET_CONFIGS: &[&str] = &[
    "requirepass",
    "masterauth",
    "tls-key-file-pass",
    "tls-client-key-file-pass",
    "sentinel-pass",
];

fn redacted<S: Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<redacted>")
}

fn redacted_list<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|_| "<redacted>"))
}

fn octal<S: Serializer>(mode: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match mode {
        Some(m) => s.serialize_str(&format!("{m:04o}")),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harden::checks::fixtures::user;

    #[test]
    fn rights_from_rules() {
        assert!(user("a", "on ~* +@all").all_powerful());
        assert!(!user("a", "off ~* +@all").all_powerful());
        assert!(!user("a", "on ~* +@all -flushall").all_powerful());
        assert!(!user("a", "on ~app:* +@all").all_powerful());
        assert!(user("a", "on &* ~x").all_channels());
    }

    #[test]
    fn secrets_do_not_serialize() {
        let u = user("app", "on >hunter2");
        let json = serde_json::to_string(&u).unwrap();
        assert!(!json.contains(&u.password_hashes[0]), "{json}");
        assert!(json.contains("<redacted>"));
        let s = SecretFacts {
            length: 5,
            sha256: "abc123".into(),
        };
        assert!(!serde_json::to_string(&s).unwrap().contains("abc123"));
    }
}
