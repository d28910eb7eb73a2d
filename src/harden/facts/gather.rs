//! Gathering facts over the wire: one connection per node, every query once. A query the
//! audit user may not run becomes a [`Gap`] (reported by the audit as incomplete), never a
//! failure; only failing to reach or authenticate to the target itself stops the audit.

use super::{
    AuditFacts, DANGEROUS_COMMANDS, DryRun, Gap, GroupFacts, ModuleFacts, NodeFacts, NodeKind,
    RENAME_PROBES, SECRET_CONFIGS, SENTINEL_FAILOVER_COMMANDS, SecretFacts, SentinelClientFacts,
    UserFacts, host, probe,
};
use crate::conn::sentinel::SentinelView;
use crate::conn::{Dialer, Node};
use crate::info::{Info, parse_kv};
use crate::server::Server;
use crate::target::{Auth, Endpoint, HostPort, Target, TargetKind};
use anyhow::Result;
use redis::{FromRedisValue, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the operator added to the target.
#[derive(Debug, Clone, Default)]
pub struct GatherOptions {
    /// The config file of the target node (`--config-file`), when INFO's path is not usable.
    pub config_file: Option<PathBuf>,
    /// Users allowed full rights.
    pub admin_users: Vec<String>,
}

/// Gathers facts about the target: the node itself, or a Sentinel group's master, every
/// replica and every Sentinel. Fails only when the target (the node, or the group's master
/// and Sentinels) cannot be reached or authenticated to; other nodes that fail are recorded
/// as unreachable.
pub async fn gather(target: &Target, options: &GatherOptions) -> Result<AuditFacts> {
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let mut nodes = Vec::new();
    let group = match &target.kind {
        TargetKind::Node(endpoint) => {
            let env = NodeEnv {
                target,
                auth: &target.auth,
                master_name: None,
                config_file: options.config_file.clone(),
            };
            nodes.push(env.gather(&dialer, endpoint).await?.0);
            None
        }
        TargetKind::Sentinel {
            sentinels,
            master,
            auth,
        } => {
            let view = SentinelView::gather(&dialer, sentinels, master, auth).await?;
            let data = NodeEnv {
                target,
                auth: &target.auth,
                master_name: Some(master),
                config_file: options.config_file.clone(),
            };
            let master_endpoint = Endpoint::Tcp(view.master.clone());
            nodes.push(data.gather(&dialer, &master_endpoint).await?.0);
            let replicas = NodeEnv {
                config_file: None,
                ..data
            };
            for replica in &view.replicas {
                let endpoint = Endpoint::Tcp(replica.address.clone());
                nodes.push(replicas.gather_or_unreachable(&dialer, &endpoint).await);
            }
            let sentinel = NodeEnv { auth, ..replicas };
            // Sentinels the operator did not list but the listed ones know are audited too.
            let mut queue: Vec<HostPort> = sentinels.clone();
            let mut seen: Vec<HostPort> = Vec::new();
            while let Some(hp) = queue.pop() {
                if seen.contains(&hp) {
                    continue;
                }
                seen.push(hp.clone());
                let endpoint = Endpoint::Tcp(hp);
                match sentinel.gather(&dialer, &endpoint).await {
                    Ok((facts, peers)) => {
                        nodes.push(facts);
                        queue.extend(peers);
                    }
                    Err(e) => nodes.push(unreachable(&endpoint, NodeKind::Sentinel, &e)),
                }
            }
            Some(GroupFacts {
                master_name: master.clone(),
                master: view.master.to_string(),
            })
        }
    };
    // The target (or master) first, then replicas, then Sentinels, each in address order.
    nodes[1..].sort_by_key(|n| (n.kind == NodeKind::Sentinel, n.address.clone()));
    Ok(AuditFacts {
        target: target.describe(),
        gathered_at: chrono::Utc::now().timestamp(),
        admin_users: options.admin_users.clone(),
        group,
        cluster: None,
        nodes,
    })
}

/// The `key=value` fields of one `CLIENT LIST` line.
pub(crate) fn client_fields(line: &str) -> BTreeMap<&str, &str> {
    line.split_whitespace()
        .filter_map(|f| f.split_once('='))
        .collect()
}

/// Ordinary clients logged in as the default user: not replicas or masters (flags S/M), not
/// Sentinels, not the connection running this very CLIENT LIST.
fn default_clients(list: &str) -> Vec<String> {
    list.lines()
        .map(client_fields)
        .filter(|f| f.get("user") == Some(&"default"))
        .filter(|f| !f.get("flags").is_some_and(|fl| fl.contains(['S', 'M'])))
        .filter(|f| !f.get("name").is_some_and(|n| n.starts_with("sentinel-")))
        .filter(|f| f.get("cmd") != Some(&"client|list"))
        .filter_map(|f| f.get("addr").map(|a| a.to_string()))
        .collect()
}

pub(super) fn unreachable(endpoint: &Endpoint, kind: NodeKind, e: &anyhow::Error) -> NodeFacts {
    let mut facts = NodeFacts::new(endpoint.to_string(), kind);
    facts.unreachable = Some(format!("{e:#}"));
    facts
}

/// What gathering one node needs besides its address.
pub(super) struct NodeEnv<'a> {
    pub(super) target: &'a Target,
    pub(super) auth: &'a Auth,
    /// The Sentinel master name, when auditing a group.
    pub(super) master_name: Option<&'a str>,
    pub(super) config_file: Option<PathBuf>,
}

impl NodeEnv<'_> {
    pub(super) async fn gather_or_unreachable(
        &self,
        dialer: &Dialer,
        endpoint: &Endpoint,
    ) -> NodeFacts {
        match self.gather(dialer, endpoint).await {
            Ok((facts, _)) => facts,
            Err(e) => unreachable(endpoint, NodeKind::Server, &e),
        }
    }

    /// Connects and gathers one node. Returns the other Sentinels a Sentinel knows.
    async fn gather(
        &self,
        dialer: &Dialer,
        endpoint: &Endpoint,
    ) -> Result<(NodeFacts, Vec<HostPort>)> {
        // Every audit query is server-wide: no database is selected (Sentinels have none).
        let mut node = Node::connect(dialer, endpoint, self.auth, 0).await?;
        let info = node.info("all").await?;
        let sentinel = info.get("redis_mode") == Some("sentinel");
        let kind = if sentinel {
            NodeKind::Sentinel
        } else {
            NodeKind::Server
        };
        let mut facts = NodeFacts::new(endpoint.to_string(), kind);
        facts.role = if sentinel {
            "sentinel".into()
        } else {
            info.get("role").unwrap_or("unknown").into()
        };
        facts.info = info.fields().clone();
        let mut ask = Asker {
            node: &mut node,
            gaps: Vec::new(),
        };
        let mut peers = Vec::new();
        if sentinel {
            let master = self
                .master_name
                .map(str::to_string)
                .or_else(|| first_monitored(&info));
            let (config, secrets) = split_secrets(
                ask.get(
                    "Sentinel configuration",
                    sentinel_cmd(&["CONFIG", "GET", "*"]),
                )
                .await,
            );
            facts.config = config;
            facts.secrets = secrets;
            facts.users = ask.users(false).await;
            if let Some(master) = &master {
                facts.monitored_master = ask
                    .get("monitored master", sentinel_cmd(&["MASTER", master]))
                    .await;
                facts.scripts_reconfig_denied = ask.scripts_reconfig_denied(master).await;
                peers = ask.sentinel_peers(master).await;
            }
        } else {
            let (config, secrets) = split_secrets(
                ask.get("configuration", redis_cmd(&["CONFIG", "GET", "*"]))
                    .await,
            );
            facts.config = config;
            facts.secrets = secrets;
            let server = Server::from_fields(|k| facts.info(k));
            let dry_run = server.is_none_or(|k| k.acl_dryrun());
            facts.users = ask.users(dry_run).await;
            if let Some(k) = server.filter(|_| !dry_run) {
                ask.gap(
                    "dangerous commands per user (ACL DRYRUN)",
                    &format!("ACL DRYRUN needs Redis 7.0; {k} cannot say which users may run them"),
                );
            }
            facts.renamed_commands = ask.renamed_commands().await;
            facts.modules = ask.modules().await;
            // CVE-2022-0543 was a Debian/Ubuntu packaging bug of the 5.x and 6.0 packages;
            // newer servers are not probed, so the audit runs no script on them.
            if facts.version().is_some_and(|v| v.first() < Some(&7)) {
                facts.lua_package_exposed = ask.lua_package().await;
            }
            facts.auth_failures = ask.auth_failures().await;
            if let Some(list) = ask
                .get(
                    "connected clients (CLIENT LIST)",
                    redis_cmd(&["CLIENT", "LIST"]),
                )
                .await
            {
                let list: String = list;
                facts.default_clients = Some(default_clients(&list));
                facts.sentinel_clients = Some(ask.sentinel_clients(&list).await);
            }
        }
        facts.gaps = ask.gaps;
        facts.listeners = probe::listeners(
            endpoint,
            facts.config.as_ref(),
            self.target.tls.as_ref(),
            dialer.timeout,
        )
        .await;
        facts.host = host::gather(&facts, endpoint, self.config_file.as_deref());
        Ok((facts, peers))
    }
}

/// The first master a Sentinel monitors (`master0:name=…` in INFO), for a Sentinel audited
/// directly rather than through a group target.
fn first_monitored(info: &Info) -> Option<String> {
    parse_kv(info.get("master0")?)
        .get("name")
        .map(|n| n.to_string())
}

fn redis_cmd(args: &[&str]) -> redis::Cmd {
    let mut cmd = redis::cmd(args[0]);
    cmd.arg(&args[1..]);
    cmd
}

fn sentinel_cmd(args: &[&str]) -> redis::Cmd {
    let mut cmd = redis::cmd("SENTINEL");
    cmd.arg(args);
    cmd
}

/// Moves plaintext secrets out of a config map: the map keeps `<redacted>`, the secret
/// keeps its length and hash.
fn split_secrets(
    config: Option<BTreeMap<String, String>>,
) -> (
    Option<BTreeMap<String, String>>,
    BTreeMap<String, SecretFacts>,
) {
    let mut secrets = BTreeMap::new();
    let Some(mut config) = config else {
        return (None, secrets);
    };
    for key in SECRET_CONFIGS {
        if let Some(value) = config.get_mut(*key)
            && !value.is_empty()
        {
            secrets.insert(
                key.to_string(),
                SecretFacts {
                    length: value.chars().count(),
                    sha256: sha256_hex(value),
                },
            );
            *value = "<redacted>".into();
        }
    }
    (Some(config), secrets)
}

/// Lower-case hex SHA-256: how Redis stores ACL passwords.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Runs the queries of one node, turning refusals into gaps.
struct Asker<'a> {
    node: &'a mut Node,
    gaps: Vec<Gap>,
}

impl Asker<'_> {
    async fn get<T: FromRedisValue>(&mut self, fact: &str, cmd: redis::Cmd) -> Option<T> {
        match self.node.try_query(&cmd).await {
            Ok(v) => Some(v),
            Err(e) => {
                self.gap(fact, &e);
                None
            }
        }
    }

    fn gap(&mut self, fact: &str, reason: &dyn std::fmt::Display) {
        self.gaps.push(Gap {
            fact: fact.into(),
            reason: reason.to_string(),
        });
    }

    /// `ACL LIST` for the names, `ACL GETUSER` for each, and (on servers) `ACL DRYRUN` of the
    /// dangerous commands for every enabled user.
    async fn users(&mut self, dry_run: bool) -> Option<Vec<UserFacts>> {
        let lines: Vec<String> = self.get("ACL users", redis_cmd(&["ACL", "LIST"])).await?;
        let mut users = Vec::new();
        for name in lines.iter().filter_map(|l| l.split_whitespace().nth(1)) {
            let reply: BTreeMap<String, Value> = self
                .get("ACL users", redis_cmd(&["ACL", "GETUSER", name]))
                .await?;
            users.push(user_facts(name, &reply));
        }
        if dry_run {
            for user in users.iter_mut().filter(|u| u.enabled()) {
                match self.dry_run(&user.name, DANGEROUS_COMMANDS).await {
                    Ok(allowed) => user.dangerous = Some(allowed),
                    Err(e) => {
                        self.gap("dangerous commands per user (ACL DRYRUN)", &e);
                        break;
                    }
                }
            }
        }
        Some(users)
    }

    /// The names of `commands` that `ACL DRYRUN` allows `user`. A command renamed away
    /// ("Command 'x' not found") counts as not allowed.
    async fn dry_run(
        &mut self,
        user: &str,
        commands: &[DryRun],
    ) -> redis::RedisResult<Vec<String>> {
        let mut allowed = Vec::new();
        for probe in commands {
            let mut cmd = redis_cmd(&["ACL", "DRYRUN", user]);
            cmd.arg(probe.args);
            match self.node.try_query::<Value>(&cmd).await {
                Ok(Value::Okay) => allowed.push(probe.name.to_string()),
                Ok(Value::SimpleString(s)) if s == "OK" => allowed.push(probe.name.to_string()),
                Ok(_) => {}
                Err(e) if e.detail().is_some_and(|d| d.contains("not found")) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(allowed)
    }

    async fn renamed_commands(&mut self) -> Option<Vec<String>> {
        let mut cmd = redis_cmd(&["COMMAND", "INFO"]);
        cmd.arg(RENAME_PROBES);
        let reply: Vec<Value> = self.get("renamed commands (COMMAND INFO)", cmd).await?;
        Some(
            RENAME_PROBES
                .iter()
                .zip(&reply)
                .filter(|(_, v)| matches!(v, Value::Nil))
                .map(|(name, _)| name.to_uppercase())
                .collect(),
        )
    }

    async fn modules(&mut self) -> Option<Vec<ModuleFacts>> {
        let reply: Vec<BTreeMap<String, Value>> = self
            .get(
                "loaded modules (MODULE LIST)",
                redis_cmd(&["MODULE", "LIST"]),
            )
            .await?;
        Some(
            reply
                .iter()
                .map(|m| ModuleFacts {
                    name: field(m, "name").unwrap_or_default(),
                    version: m
                        .get("ver")
                        .and_then(|v| i64::from_redis_value_ref(v).ok())
                        .unwrap_or(0),
                    path: field(m, "path").filter(|p| !p.is_empty()),
                })
                .collect(),
        )
    }

    /// Debian's CVE-2022-0543: the `package` library reachable from Lua. `rawget` reads the
    /// global without tripping Redis 7's undeclared-global guard; the script is read-only.
    async fn lua_package(&mut self) -> Option<bool> {
        let kind: String = self
            .get(
                "Lua sandbox probe (EVAL)",
                redis_cmd(&["EVAL", "return type(rawget(_G, 'package'))", "0"]),
            )
            .await?;
        Some(kind == "table")
    }

    /// Failed logins recorded in `ACL LOG`, summed per user name tried.
    async fn auth_failures(&mut self) -> Option<BTreeMap<String, u64>> {
        let entries: Vec<BTreeMap<String, Value>> = self
            .get("failed logins (ACL LOG)", redis_cmd(&["ACL", "LOG", "128"]))
            .await?;
        let mut out = BTreeMap::new();
        for e in entries
            .iter()
            .filter(|e| field(e, "reason").as_deref() == Some("auth"))
        {
            let count = e
                .get("count")
                .and_then(|v| u64::from_redis_value_ref(v).ok())
                .unwrap_or(1);
            *out.entry(field(e, "username").unwrap_or_default())
                .or_insert(0) += count;
        }
        Some(out)
    }

    /// The users Sentinels are logged in as (`name=sentinel-<id>-cmd` in CLIENT LIST) and the
    /// failover commands the node would refuse them.
    async fn sentinel_clients(&mut self, list: &str) -> Vec<SentinelClientFacts> {
        let mut users: Vec<String> = list
            .lines()
            .filter_map(|line| {
                let fields = client_fields(line);
                let name = fields.get("name")?;
                (name.starts_with("sentinel-") && name.ends_with("-cmd"))
                    .then(|| fields.get("user").map(|u| u.to_string()))?
            })
            .collect();
        users.sort();
        users.dedup();
        let mut out = Vec::new();
        for user in users {
            let denied = match self.dry_run(&user, SENTINEL_FAILOVER_COMMANDS).await {
                Ok(allowed) => Some(
                    SENTINEL_FAILOVER_COMMANDS
                        .iter()
                        .map(|c| c.name.to_string())
                        .filter(|c| !allowed.contains(c))
                        .collect(),
                ),
                Err(e) => {
                    self.gap("Sentinel user's failover rights (ACL DRYRUN)", &e);
                    None
                }
            };
            out.push(SentinelClientFacts { user, denied });
        }
        out
    }

    /// Sentinel's `deny-scripts-reconfig` is not readable; setting a script path that does
    /// not exist tells it apart without changing anything: with the protection on the
    /// command is refused before the path is looked at, without it the path check fails.
    async fn scripts_reconfig_denied(&mut self, master: &str) -> Option<bool> {
        let cmd = sentinel_cmd(&[
            "SET",
            master,
            "client-reconfig-script",
            "/nonexistent/redisops-audit-probe",
        ]);
        match self.node.try_query::<Value>(&cmd).await {
            Err(e) if e.to_string().contains("denied") => Some(true),
            Err(e) if e.to_string().contains("non existing") => Some(false),
            Err(e) => {
                self.gap("deny-scripts-reconfig (SENTINEL SET probe)", &e);
                None
            }
            Ok(_) => Some(false),
        }
    }

    /// The other Sentinels this one knows, so the audit covers them even when unlisted.
    async fn sentinel_peers(&mut self, master: &str) -> Vec<HostPort> {
        let peers: Vec<BTreeMap<String, String>> = self
            .get("other Sentinels", sentinel_cmd(&["SENTINELS", master]))
            .await
            .unwrap_or_default();
        peers
            .iter()
            .filter_map(|p| {
                Some(HostPort {
                    host: p.get("ip")?.clone(),
                    port: p.get("port")?.parse().ok()?,
                })
            })
            .collect()
    }
}

fn field(map: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(|v| String::from_redis_value_ref(v).ok())
}

/// Key or channel patterns in the 7.0 form (`~a ~b`, `&c`): before 7.0 `ACL GETUSER` lists
/// them as an array of bare patterns.
fn patterns(map: &BTreeMap<String, Value>, key: &str, sigil: &str) -> String {
    match map.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| String::from_redis_value_ref(v).ok())
            .map(|p| format!("{sigil}{p}"))
            .collect::<Vec<_>>()
            .join(" "),
        _ => field(map, key).unwrap_or_default(),
    }
}

/// An `ACL GETUSER` reply as [`UserFacts`].
fn user_facts(name: &str, reply: &BTreeMap<String, Value>) -> UserFacts {
    let list = |key: &str| -> Vec<String> {
        reply
            .get(key)
            .and_then(|v| Vec::<String>::from_redis_value_ref(v).ok())
            .unwrap_or_default()
    };
    UserFacts {
        name: name.into(),
        flags: list("flags"),
        password_hashes: list("passwords"),
        commands: field(reply, "commands").unwrap_or_default(),
        keys: patterns(reply, "keys", "~"),
        channels: patterns(reply, "channels", "&"),
        dangerous: None,
    }
}

#[cfg(test)]
mod client_tests {
    use super::default_clients;

    #[test]
    fn ordinary_default_clients_only() {
        let list = "id=3 addr=10.0.0.7:5000 name= flags=N user=default cmd=get\n\
                    id=4 addr=10.0.0.8:6000 name= flags=S user=default cmd=replconf\n\
                    id=5 addr=10.0.0.9:7000 name=sentinel-ab12cd34-cmd flags=N user=default cmd=ping\n\
                    id=6 addr=127.0.0.1:8000 name= flags=N user=default cmd=client|list\n\
                    id=7 addr=10.0.0.5:9000 name= flags=N user=app cmd=set\n";
        assert_eq!(default_clients(list), ["10.0.0.7:5000"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn getuser_reply_becomes_user_facts() {
        let reply: BTreeMap<String, Value> = [
            ("flags", Value::Array(vec![bulk("on")])),
            ("passwords", Value::Array(vec![bulk("ef92")])),
            ("commands", bulk("-@all +@read +flushall")),
            ("keys", bulk("~app:*")),
            ("channels", bulk("")),
            ("selectors", Value::Array(vec![])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let u = user_facts("app", &reply);
        assert!(u.enabled() && !u.nopass() && !u.all_powerful());
        assert_eq!(u.password_hashes, ["ef92"]);
        assert_eq!(u.keys, "~app:*");
    }

    #[test]
    fn redis_6_getuser_lists_bare_patterns() {
        let reply: BTreeMap<String, Value> = [
            ("keys", Value::Array(vec![bulk("app:*"), bulk("x")])),
            ("channels", Value::Array(vec![])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let u = user_facts("app", &reply);
        assert_eq!(u.keys, "~app:* ~x");
        assert_eq!(u.channels, "");
    }

    #[test]
    fn secrets_leave_the_config() {
        let config: BTreeMap<String, String> = [("requirepass", "hunter2"), ("masterauth", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (config, secrets) = split_secrets(Some(config));
        let config = config.unwrap();
        assert_eq!(config["requirepass"], "<redacted>");
        assert_eq!(config["masterauth"], "");
        assert_eq!(secrets["requirepass"].length, 7);
        assert_eq!(secrets["requirepass"].sha256, sha256_hex("hunter2"));
        assert!(!secrets.contains_key("masterauth"));
    }

    #[test]
    fn sentinel_master_from_info() {
        let info = Info::parse("master0:name=mymaster,status=ok,address=127.0.0.1:7000\r\n");
        assert_eq!(first_monitored(&info).as_deref(), Some("mymaster"));
    }
}
