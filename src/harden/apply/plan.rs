//! Planning `harden apply`: a pure function from the audit's facts (and findings) and the
//! operator's options to an ordered list of steps, each on one node and tagged with the
//! check IDs it fixes (for `--only`/`--skip`). Nothing here talks to a server, so every
//! ordering rule is unit-tested and `--dry-run` prints exactly what would run.
//!
//! Order (notes §3, "Safe apply order"): add before taking away, wire the dependants before
//! tightening what they depend on, and check after each step that still matters:
//!
//! 1. write the new passwords to the secrets directory (so no password exists only on a
//!    server);
//! 2. on every node create or update the role users, and prove each with a fresh login;
//!    switch redisops' own connection to the admin user;
//! 3. wire the dependants: `masteruser`/`masterauth` on every server (then re-link the
//!    replicas), `auth-user`/`auth-pass` and `sentinel-user`/`sentinel-pass` on every
//!    Sentinel (then check the Sentinels still agree);
//! 4. tighten: replicas, then the master, then the Sentinels one by one: the default user,
//!    protected mode, bind and the other runtime settings, checking links and the Sentinels'
//!    view after each node;
//! 5. persist (`ACL SAVE`, `CONFIG REWRITE` or the config-file editor, `SENTINEL
//!    FLUSHCONFIG`) and make the files private again (CONFIG REWRITE writes 0644);
//! 6. file-only directives (`enable-*-command`, `rename-command`) and, with `--restart`, a
//!    restart through the node's supervisor;
//! 7. prove that an unauthenticated connection is refused everywhere.

use super::roles::{Role, form_key, roles, same_rules};
use crate::harden::checks::{self, NodeReport};
use crate::harden::facts::{AuditFacts, NodeFacts, NodeKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub admin_user: String,
    pub default_user: DefaultUser,
    pub app_scripting: bool,
    /// `--bind`: the addresses a single server should listen on.
    pub bind: Option<Vec<String>>,
    /// `--rename-commands`: command → new name.
    pub rename: Vec<(String, String)>,
    /// Persist with the config-file editor instead of `CONFIG REWRITE`.
    pub edit_config_file: bool,
    pub restart: bool,
    /// Check IDs to act on (`--only`), empty for all.
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// Whether the connection redisops uses reaches the node on loopback (for `--bind`).
    pub connected_via: String,
    /// How nodes described each role's commands after an earlier run ([`form_key`]).
    pub acl_forms: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultUser {
    /// `ACL SETUSER default reset`: off, no password, no rights.
    Disable,
    /// Keep its passwords (clients using requirepass go on working) but take away the
    /// dangerous, admin and scripting commands.
    Restrict,
    /// Leave it as it is: create and wire the users only, so clients can move to them
    /// before a later run closes the default user.
    Keep,
}

/// A value that may be a secret: shown masked, resolved from the secrets directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Val {
    Plain(String),
    /// The password of this user.
    PasswordOf(String),
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Plain(v) if v.is_empty() || v.contains(' ') => write!(f, "\"{v}\""),
            Val::Plain(v) => f.write_str(v),
            Val::PasswordOf(user) => write!(f, "<password of {user}>"),
        }
    }
}

/// One change or check on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Write the passwords (and command names) generated in this run to the secrets
    /// directory.
    WriteSecrets {
        files: Vec<String>,
    },
    /// `ACL SETUSER user on <rules> #<sha256 of its password>` (the password last, after a
    /// possible `resetpass`).
    SetUser {
        user: String,
        rules: Vec<String>,
    },
    /// A fresh connection logs in as `user` with its password.
    VerifyLogin {
        user: String,
    },
    /// redisops' own connection to the node logs in as `user` from now on.
    UseLogin {
        user: String,
    },
    /// `CONFIG SET k v …`.
    ConfigSet {
        pairs: Vec<(String, Val)>,
    },
    /// `MULTI; CONFIG SET requirepass ""; ACL SETUSER default <rules>; EXEC`: one step, so
    /// the default user is never passwordless in between.
    SetDefault {
        rules: Vec<String>,
        clear_requirepass: bool,
    },
    /// `SENTINEL SET <master> k v …`.
    SentinelSet {
        master: String,
        pairs: Vec<(String, Val)>,
    },
    /// `SENTINEL CONFIG SET k v` for each pair.
    SentinelConfigSet {
        pairs: Vec<(String, Val)>,
    },
    /// On a replica: drop the master link (`CLIENT KILL TYPE master`) and wait until it is
    /// up again, proving the replication credentials.
    Relink,
    /// Every Sentinel agrees on the master, has fresh ping replies from the master, the
    /// replicas and the other Sentinels, and `SENTINEL CKQUORUM` is OK.
    CheckSentinels {
        master: String,
    },
    /// Every server's `CLIENT LIST` shows every Sentinel logged in as `sentinel` (a Sentinel
    /// whose AUTH fails silently falls back to the default user).
    CheckSentinelLogins {
        sentinels: usize,
    },
    AclSave,
    ConfigRewrite,
    SentinelFlushConfig,
    /// Edit the config file on this host (comments and order kept, backup copy, 0600):
    /// `directive args…` lines, keyed by their first `key` words.
    EditConfigFile {
        path: String,
        lines: Vec<FileLine>,
    },
    /// Persist with the config-file editor instead of CONFIG REWRITE: the current values
    /// of `keys` (CONFIG GET) and `users` (ACL LIST, password hashes only) become lines of
    /// the file on this host.
    PersistToFile {
        path: String,
        keys: Vec<String>,
        users: Vec<String>,
        /// File-only directives written in the same edit.
        lines: Vec<FileLine>,
    },
    /// `chmod` a file on this host (owner unchanged).
    Chmod {
        path: String,
        mode: u32,
    },
    /// Restart the server through its supervisor (data saved first).
    Restart,
    /// A fresh connection without credentials is refused (NOAUTH).
    CheckClosed,
}

/// A config file line the editor sets: `name args…`, replacing the line with the same name
/// and first `key` arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileLine {
    pub name: String,
    pub key: usize,
    pub args: Vec<String>,
}

impl fmt::Display for FileLine {
    /// A renamed command's new name is a secret (it is kept in the secrets directory).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name.as_str(), self.args.as_slice()) {
            ("rename-command", [command, _]) => {
                write!(f, "rename-command {command} <new name in renamed-commands>")
            }
            _ => write!(f, "{} {}", self.name, self.args.join(" ")),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs = |pairs: &[(String, Val)]| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Action::WriteSecrets { files } => {
                write!(f, "write to the secrets directory: {}", files.join(", "))
            }
            Action::SetUser { user, rules } => write!(
                f,
                "ACL SETUSER {user} on {} #<sha256 of its password>",
                rules.join(" ")
            ),
            Action::VerifyLogin { user } => {
                write!(f, "verify: a fresh connection logs in as {user}")
            }
            Action::UseLogin { user } => write!(f, "redisops continues as {user}"),
            Action::ConfigSet { pairs: p } => write!(f, "CONFIG SET {}", pairs(p)),
            Action::SetDefault {
                rules,
                clear_requirepass,
            } => {
                if *clear_requirepass {
                    f.write_str("MULTI; CONFIG SET requirepass \"\"; ")?;
                }
                write!(f, "ACL SETUSER default {}", rules.join(" "))?;
                if *clear_requirepass {
                    f.write_str("; EXEC")?;
                }
                Ok(())
            }
            Action::SentinelSet { master, pairs: p } => {
                write!(f, "SENTINEL SET {master} {}", pairs(p))
            }
            Action::SentinelConfigSet { pairs: p } => {
                write!(f, "SENTINEL CONFIG SET {}", pairs(p))
            }
            Action::Relink => f.write_str(
                "CLIENT KILL TYPE master, then wait for master_link_status:up (proves masterauth)",
            ),
            Action::CheckSentinels { master } => write!(
                f,
                "check: every Sentinel agrees on {master}'s address, reaches every node and \
                 Sentinel, CKQUORUM OK"
            ),
            Action::CheckSentinelLogins { sentinels } => write!(
                f,
                "check: every server shows all {sentinels} Sentinels logged in as 'sentinel'"
            ),
            Action::AclSave => f.write_str("ACL SAVE"),
            Action::ConfigRewrite => f.write_str("CONFIG REWRITE"),
            Action::SentinelFlushConfig => f.write_str("SENTINEL FLUSHCONFIG"),
            Action::EditConfigFile { path, lines } => {
                write!(f, "edit {path} (backup copy kept, mode 0600):")?;
                for l in lines {
                    write!(f, "\n      {l}")?;
                }
                Ok(())
            }
            Action::PersistToFile {
                path,
                keys,
                users,
                lines,
            } => {
                write!(
                    f,
                    "write to {path} (backup copy kept, mode 0600): {} and the users {} as \
                     ACL LIST shows them (password hashes only)",
                    keys.join(", "),
                    users.join(", ")
                )?;
                for l in lines {
                    write!(f, "\n      {l}")?;
                }
                Ok(())
            }
            Action::Chmod { path, mode } => write!(f, "chmod {mode:o} {path}"),
            Action::Restart => f.write_str("restart the server (SHUTDOWN SAVE, then start it)"),
            Action::CheckClosed => {
                f.write_str("verify: a connection without credentials is refused")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The node's address, or "local" for the secrets directory.
    pub node: String,
    #[serde(flatten)]
    pub action: Action,
    /// The check IDs this step fixes (empty for checks and bookkeeping).
    pub fixes: Vec<&'static str>,
}

impl Step {
    /// Whether the step changes something (verifications and checks do not).
    pub fn changes(&self) -> bool {
        !matches!(
            self.action,
            Action::VerifyLogin { .. }
                | Action::UseLogin { .. }
                | Action::Relink
                | Action::CheckSentinels { .. }
                | Action::CheckSentinelLogins { .. }
                | Action::CheckClosed
        )
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// What the operator should know before saying yes.
    pub warnings: Vec<String>,
    /// Findings the plan leaves to the operator, with why.
    pub left: Vec<String>,
}

impl Plan {
    /// Whether there is anything to change (a second run plans only checks, or nothing).
    pub fn is_empty(&self) -> bool {
        !self.steps.iter().any(Step::changes)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut node = "";
        for (i, step) in self.steps.iter().enumerate() {
            if step.node != node {
                node = &step.node;
                out.push_str(&format!("{node}:\n"));
            }
            let fixes = if step.fixes.is_empty() {
                String::new()
            } else {
                format!("   [{}]", step.fixes.join(", "))
            };
            out.push_str(&format!("{:>3}. {}{fixes}\n", i + 1, step.action));
        }
        for l in &self.left {
            out.push_str(&format!("left for you: {l}\n"));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// The users, their wiring and the default user go together: closing the default user
/// before replicas and Sentinels have users of their own would cut them off, and wiring
/// users that do not exist would too. So these IDs select (or skip) all of it at once.
const ACCESS: &[&str] = &[
    "NET-01", "AUTH-01", "AUTH-03", "AUTH-04", "SENT-01", "SENT-02", "SENT-03", "REPL-01",
    "REPL-02",
];
const USERS: &[&str] = &["NET-01", "AUTH-01", "AUTH-03", "SENT-01"];
const REPLICATION: &[&str] = &["REPL-01", "REPL-02"];
const SENTINEL_AUTH: &[&str] = &["SENT-02", "SENT-03"];
const FILE_MODES: &[&str] = &["PERS-03"];

/// The user Sentinels log in to each other as (`sentinel-user`).
const PEER: &str = "sentinel-peer";

/// Which findings apply fixes at runtime, and how: (check ID, config key, value).
const RUNTIME_FIXES: &[(&str, &str, &str)] = &[
    ("NET-02", "protected-mode", "yes"),
    ("ACL-02", "acl-pubsub-default", "resetchannels"),
    ("LOG-01", "acllog-max-len", "128"),
    ("DOS-01", "maxmemory-clients", "5%"),
    ("REPL-03", "replica-read-only", "yes"),
];

/// File-only fixes: (check ID, directive, value); they take effect at the next restart.
const FILE_FIXES: &[(&str, &str, &str)] = &[
    ("CMD-01", "enable-debug-command", "no"),
    ("CMD-01", "enable-module-command", "no"),
    ("CMD-01", "enable-protected-configs", "no"),
];

/// Commands redisops (audit, apply, backup, restore), replication or Sentinel run by name.
const NEEDED: &[&str] = &[
    "ACL",
    "AUTH",
    "BGSAVE",
    "CLIENT",
    "COMMAND",
    "CONFIG",
    "EXEC",
    "HELLO",
    "INFO",
    "LASTSAVE",
    "MULTI",
    "PING",
    "PSYNC",
    "REPLCONF",
    "REPLICAOF",
    "ROLE",
    "SELECT",
    "SENTINEL",
    "SHUTDOWN",
    "SLAVEOF",
    "SYNC",
    "TIME",
];

/// A renamed command breaks an AOF that contains it ("Unknown command" at the next load)
/// and replicas that receive it under its new name.
fn refuse_unsafe_renames(facts: &AuditFacts) -> Result<(), Refusal> {
    for n in facts.nodes.iter().filter(|n| n.kind == NodeKind::Server) {
        if n.config("appendonly") == Some("yes") {
            return Err(Refusal(format!(
                "{} uses an AOF: a renamed command in it would stop the next start. Rename \
                 commands only on servers without appendonly, or deny them through ACLs \
                 (apply does by default)",
                n.address
            )));
        }
        if n.role != "master" || n.info("connected_slaves").is_some_and(|r| r != "0") {
            return Err(Refusal(format!(
                "{} replicates: replicas would receive the renamed commands under names they \
                 do not know. Deny the commands through ACLs instead (apply does by default)",
                n.address
            )));
        }
    }
    Ok(())
}

/// Whether the server has the directives of Redis 7.0 (`enable-*-command`,
/// `maxmemory-clients`).
fn since_7(n: &NodeFacts) -> bool {
    n.version().is_some_and(|v| v.first() >= Some(&7))
}

/// Runtime fixes that do something on this server: `maxmemory-clients` needs 7.0 and a
/// percentage of a `maxmemory` that is set.
fn runtime_fix_applies(n: &NodeFacts, key: &str) -> bool {
    match key {
        "maxmemory-clients" => since_7(n) && n.config("maxmemory").is_some_and(|m| m != "0"),
        _ => true,
    }
}

/// Builds the plan. `hashes` maps each role user to the SHA-256 of its password; `new` are
/// the secrets files this run adds.
pub fn plan(
    facts: &AuditFacts,
    opts: &PlanOptions,
    hashes: &BTreeMap<String, String>,
    new: &[String],
) -> Result<Plan, Refusal> {
    if let Some(down) = facts.nodes.iter().find(|n| n.unreachable.is_some()) {
        return Err(Refusal(format!(
            "{} could not be audited ({}): apply changes every node of a group together, so \
             it needs all of them reachable",
            down.address,
            down.unreachable.as_deref().unwrap_or("")
        )));
    }
    let group = facts.group.as_ref();
    if group.is_some() && opts.bind.is_some() {
        return Err(Refusal(
            "--bind names one server's addresses: run it per node (redis://host:port targets), \
             not on a Sentinel group"
                .into(),
        ));
    }
    if group.is_some() && (opts.restart || !opts.rename.is_empty()) {
        return Err(Refusal(
            "--restart and --rename-commands restart servers: on a Sentinel group restart \
             one node at a time with a per-node target (replicas first), so the group keeps \
             a master"
                .into(),
        ));
    }
    if let Some((command, _)) = opts
        .rename
        .iter()
        .find(|(c, _)| NEEDED.iter().any(|n| n.eq_ignore_ascii_case(c)))
    {
        return Err(Refusal(format!(
            "{command} cannot be renamed: redisops, replicas or Sentinels need it under its \
             own name. Apply denies it to everyone but the admin through ACLs already"
        )));
    }
    if !opts.rename.is_empty() {
        refuse_unsafe_renames(facts)?;
    }
    let reports = checks::evaluate(facts);
    let mut p = Planner {
        facts,
        opts,
        hashes,
        reports: &reports,
        plan: Plan::default(),
        roles: roles(&opts.admin_user, opts.app_scripting),
        fixed: BTreeSet::new(),
    };
    p.build(new)?;
    p.leave_the_rest();
    Ok(p.plan)
}

struct Planner<'a> {
    facts: &'a AuditFacts,
    opts: &'a PlanOptions,
    hashes: &'a BTreeMap<String, String>,
    reports: &'a [NodeReport],
    plan: Plan,
    roles: Vec<Role>,
    /// (node, check ID) pairs some step fixes.
    fixed: BTreeSet<(String, &'static str)>,
}

impl<'a> Planner<'a> {
    /// Whether the users, their wiring and the default user are part of this run.
    fn access(&self) -> bool {
        let named = |list: &[String]| list.iter().any(|id| ACCESS.contains(&id.as_str()));
        (self.opts.only.is_empty() || named(&self.opts.only)) && !named(&self.opts.skip)
    }

    fn selected(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| {
            (self.opts.only.is_empty() || self.opts.only.iter().any(|o| o == id))
                && !self.opts.skip.iter().any(|s| s == id)
        })
    }

    fn push(&mut self, node: &NodeFacts, action: Action, fixes: &[&'static str]) {
        for id in fixes {
            self.fixed.insert((node.address.clone(), id));
        }
        self.plan.steps.push(Step {
            node: node.address.clone(),
            action,
            fixes: fixes.to_vec(),
        });
    }

    fn finding(&self, node: &NodeFacts, id: &str) -> bool {
        self.reports
            .iter()
            .find(|r| r.address == node.address)
            .is_some_and(|r| r.findings.iter().any(|f| f.id == id))
    }

    fn in_group(&self) -> bool {
        self.facts.group.is_some()
    }

    /// Servers in tightening order: replicas first, the master last.
    fn servers(&self) -> Vec<&'a NodeFacts> {
        let facts: &'a AuditFacts = self.facts;
        let mut s: Vec<&'a NodeFacts> = facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Server)
            .collect();
        s.sort_by_key(|n| n.role == "master");
        s
    }

    fn sentinels(&self) -> Vec<&'a NodeFacts> {
        let facts: &'a AuditFacts = self.facts;
        facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Sentinel)
            .collect()
    }

    fn build(&mut self, new: &[String]) -> Result<(), Refusal> {
        let servers = self.servers();
        let sentinels = self.sentinels();
        let users = self.access();
        if users {
            self.refuse_foreign_sentinel_users()?;
            for n in servers.iter().chain(&sentinels) {
                self.refuse_unpersistable(n)?;
                self.refuse_stranded_dependants(n)?;
                if n.users.is_none() {
                    return Err(Refusal(format!(
                        "{}: ACL LIST could not be read, so apply cannot tell which users \
                         exist: connect as an administrator (+@all)",
                        n.address
                    )));
                }
            }
        }
        let before = self.plan.steps.len();
        if users {
            for n in servers.iter().chain(&sentinels) {
                self.add_users(n);
            }
        }
        if users {
            // A lone replica's master is not ours to give a replication user: its
            // masterauth stays as it is.
            let in_group = self.in_group();
            for n in servers.iter().filter(|n| in_group || n.role == "master") {
                self.wire_replication(n);
            }
        }
        if users && self.in_group() {
            let before = self.plan.steps.len();
            for s in &sentinels {
                self.wire_sentinel(s);
            }
            if self.plan.steps.len() > before {
                let sentinels = sentinels.len();
                self.push(servers[0], Action::CheckSentinelLogins { sentinels }, &[]);
            }
        }
        for n in &servers {
            self.tighten_server(n)?;
        }
        if users {
            for s in &sentinels {
                let before = self.plan.steps.len();
                self.tighten_default(s)?;
                if self.plan.steps.len() > before {
                    self.check_group(s);
                }
            }
        }
        let changed: BTreeSet<String> = self.plan.steps[before..]
            .iter()
            .filter(|s| s.changes())
            .map(|s| s.node.clone())
            .collect();
        for n in servers.iter().chain(&sentinels) {
            self.persist(n, changed.contains(&n.address))?;
        }
        for n in &servers {
            self.private_data_dir(n);
            self.file_only(n)?;
        }
        if self.plan.steps.iter().any(Step::changes) {
            if users && self.opts.default_user != DefaultUser::Keep {
                for n in servers.iter().chain(&sentinels) {
                    self.push(n, Action::CheckClosed, &[]);
                }
            }
            if !new.is_empty() {
                let write = Step {
                    node: "local".into(),
                    action: Action::WriteSecrets {
                        files: new.to_vec(),
                    },
                    fixes: vec![],
                };
                self.plan.steps.insert(0, write);
            }
        } else {
            // Nothing to change: no verification steps either, so a second run is silent.
            self.plan.steps.clear();
        }
        Ok(())
    }

    fn refuse_unpersistable(&self, n: &NodeFacts) -> Result<(), Refusal> {
        if n.kind == NodeKind::Server && n.info("config_file").unwrap_or("").is_empty() {
            return Err(Refusal(format!(
                "{} runs without a config file (PERS-01): users and settings made now would \
                 vanish at its next restart, and its clients would keep working only until \
                 then. Restart it with a config file first (redis-server /etc/redis/redis.conf)",
                n.address
            )));
        }
        Ok(())
    }

    /// Outside a Sentinel group target, replicas and Sentinels that log in as the default
    /// user are not wired by this run: closing or restricting it would cut them off at their
    /// next reconnect (a restricted default loses PSYNC, SLAVEOF and CONFIG REWRITE).
    fn refuse_stranded_dependants(&self, n: &NodeFacts) -> Result<(), Refusal> {
        if self.in_group() || self.default_rules(n).is_none() {
            return Ok(());
        }
        let replicas = n.info("connected_slaves").unwrap_or("0");
        let sentinels = n
            .sentinel_clients
            .iter()
            .flatten()
            .any(|c| c.user == "default");
        if replicas == "0" && !sentinels {
            return Ok(());
        }
        Err(Refusal(format!(
            "{} has {} that log in as its default user; changing it would cut them off at \
             their next reconnect. Harden the whole group through Sentinel \
             (redis-sentinel://…), or run with --default-user keep first",
            n.address,
            if sentinels {
                "Sentinels (CLIENT LIST)".to_string()
            } else {
                format!("{replicas} replica(s)")
            }
        )))
    }

    /// Sentinels that log in with some other ACL user were set up by someone on purpose, and
    /// the old `auth-pass` cannot be read back to undo a change: leave such groups alone.
    fn refuse_foreign_sentinel_users(&self) -> Result<(), Refusal> {
        if !self.in_group() {
            return Ok(());
        }
        for n in self
            .facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Server)
        {
            if let Some(c) = n
                .sentinel_clients
                .iter()
                .flatten()
                .find(|c| c.user != "default" && c.user != "sentinel")
            {
                return Err(Refusal(format!(
                    "the Sentinels log in to {} as '{}': apply gives them its own user \
                     'sentinel' and cannot restore another user's password afterwards. Skip \
                     the access checks (--skip NET-01) or move them to 'sentinel' by hand",
                    n.address, c.user
                )));
            }
        }
        Ok(())
    }

    fn hash(&self, user: &str) -> String {
        self.hashes.get(user).cloned().unwrap_or_default()
    }

    /// Creates or corrects each role user, then proves every one with a fresh login and
    /// moves redisops' own connection to the admin.
    fn add_users(&mut self, n: &NodeFacts) {
        let sentinel = n.kind == NodeKind::Sentinel;
        let roles: Vec<Role> = self
            .roles
            .iter()
            .filter(|r| r.on(sentinel, self.in_group()))
            .cloned()
            .collect();
        let mut changed = Vec::new();
        for role in &roles {
            let hash = self.hash(&role.user);
            let current = n.user(&role.user);
            let key = form_key(sentinel, n.info("redis_version").unwrap_or(""), &role.user);
            let remembered = self.opts.acl_forms.get(&key);
            let right = current.is_some_and(|u| {
                u.enabled()
                    && !u.nopass()
                    && u.password_hashes.contains(&hash)
                    && same_rules(&u.keys, role.keys)
                    && same_rules(&u.channels, role.channels)
                    && (same_rules(&u.commands, &role.commands)
                        || remembered.is_some_and(|f| same_rules(&u.commands, f)))
            });
            if right {
                continue;
            }
            // A user apply did not make (not one of its passwords) whose rights change: its
            // clients may depend on them.
            if let Some(u) = current.filter(|u| !u.password_hashes.contains(&hash))
                && role.user != self.opts.admin_user
                && !(same_rules(&u.commands, &role.commands) && same_rules(&u.keys, role.keys))
            {
                self.plan.warnings.push(format!(
                    "{}: the existing user '{}' ({} {}) gets the {} role's rights; its \
                     passwords are kept",
                    n.address, u.name, u.commands, u.keys, role.user
                ));
            }
            let mut rules = Vec::new();
            // `nopass` would let anyone in as this user whatever its passwords.
            if current.is_some_and(|u| u.nopass()) {
                rules.push("resetpass".to_string());
            }
            rules.extend(role.rules());
            self.push(
                n,
                Action::SetUser {
                    user: role.user.clone(),
                    rules,
                },
                USERS,
            );
            changed.push(role.user.clone());
        }
        let admin = self.opts.admin_user.clone();
        if !changed.contains(&admin) && self.needs_tightening(n) {
            changed.insert(0, admin.clone());
        }
        for user in &changed {
            self.push(n, Action::VerifyLogin { user: user.clone() }, &[]);
        }
        if changed.contains(&admin) {
            self.push(n, Action::UseLogin { user: admin }, &[]);
        }
    }

    /// Whether the default user will change on this node (so redisops must not rely on it).
    fn needs_tightening(&self, n: &NodeFacts) -> bool {
        self.default_rules(n).is_some()
    }

    /// The `ACL SETUSER default` rules to apply, if it is not yet as wanted.
    fn default_rules(&self, n: &NodeFacts) -> Option<Vec<String>> {
        let default = n.user("default")?;
        let requirepass = n.secrets.contains_key("requirepass");
        match self.opts.default_user {
            DefaultUser::Disable => {
                let done = !default.enabled()
                    && default.password_hashes.is_empty()
                    && !default.nopass()
                    && !requirepass;
                (!done).then(|| vec!["reset".to_string()])
            }
            DefaultUser::Keep => None,
            DefaultUser::Restrict => {
                let app = self.roles.iter().find(|r| r.user == "app")?;
                let done = default.enabled()
                    && !default.nopass()
                    && same_rules(&default.commands, &app.commands)
                    && same_rules(&default.channels, app.channels);
                let mut rules = vec!["on".to_string(), "resetchannels".into(), "-@all".into()];
                rules.extend(app.commands.split_whitespace().map(String::from));
                (!done).then_some(rules)
            }
        }
    }

    fn tighten_default(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
        let Some(rules) = self.default_rules(n) else {
            return Ok(());
        };
        let default = n.user("default");
        if self.opts.default_user == DefaultUser::Restrict && default.is_some_and(|u| u.nopass()) {
            return Err(Refusal(format!(
                "{}: --default-user restrict keeps the default user's passwords, but it has \
                 none (nopass): use --default-user disable and give clients the app user",
                n.address
            )));
        }
        let clear =
            n.secrets.contains_key("requirepass") && self.opts.default_user == DefaultUser::Disable;
        if let Some(clients) = n.default_clients.as_ref().filter(|c| !c.is_empty()) {
            let shown: Vec<&str> = clients.iter().take(5).map(String::as_str).collect();
            self.plan.warnings.push(format!(
                "{} has {} client(s) logged in as the default user ({}{}): they lose access \
                 when it is {}. Move them to the app user first (--default-user keep now, \
                 disable later) unless they are meant to go",
                n.address,
                clients.len(),
                shown.join(", "),
                if clients.len() > shown.len() {
                    ", …"
                } else {
                    ""
                },
                if self.opts.default_user == DefaultUser::Disable {
                    "disabled"
                } else {
                    "restricted (no dangerous, admin or scripting commands)"
                }
            ));
        }
        self.push(
            n,
            Action::SetDefault {
                rules,
                clear_requirepass: clear,
            },
            // Closing the default user also takes the attack chains from anonymous clients
            // (CMD-02) and makes protected mode moot (NET-02).
            &[
                "NET-01", "NET-02", "AUTH-01", "AUTH-04", "SENT-01", "CMD-02",
            ],
        );
        Ok(())
    }

    fn wire_replication(&mut self, n: &NodeFacts) {
        let hash = self.hash("replication");
        let user_ok = n.config("masteruser") == Some("replication");
        let pass_ok = n
            .secrets
            .get("masterauth")
            .is_some_and(|s| s.sha256 == hash);
        if user_ok && pass_ok {
            return;
        }
        self.push(
            n,
            Action::ConfigSet {
                pairs: vec![
                    ("masteruser".into(), Val::Plain("replication".into())),
                    ("masterauth".into(), Val::PasswordOf("replication".into())),
                ],
            },
            REPLICATION,
        );
        if n.role == "slave" {
            self.push(n, Action::Relink, &[]);
        }
    }

    fn wire_sentinel(&mut self, s: &NodeFacts) {
        let Some(group) = &self.facts.group else {
            return;
        };
        let master = group.master_name.clone();
        // Which user this Sentinel logs in to the master as, from the master's CLIENT LIST.
        let logged_in_as_sentinel = self
            .facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Server)
            .all(|n| {
                n.sentinel_clients
                    .as_ref()
                    .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c.user == "sentinel"))
            });
        if !logged_in_as_sentinel {
            self.push(
                s,
                Action::SentinelSet {
                    master: master.clone(),
                    pairs: vec![
                        ("auth-user".into(), Val::Plain("sentinel".into())),
                        ("auth-pass".into(), Val::PasswordOf("sentinel".into())),
                    ],
                },
                SENTINEL_AUTH,
            );
        }
        let peer = PEER.to_string();
        let peers_ok = s.config("sentinel-user") == Some(PEER)
            && s.secrets
                .get("sentinel-pass")
                .is_some_and(|p| p.sha256 == self.hash(PEER));
        if !peers_ok {
            self.push(
                s,
                Action::SentinelConfigSet {
                    pairs: vec![
                        ("sentinel-user".into(), Val::Plain(peer.clone())),
                        ("sentinel-pass".into(), Val::PasswordOf(peer)),
                    ],
                },
                &["SENT-01"],
            );
        }
        if !logged_in_as_sentinel || !peers_ok {
            self.check_group(s);
        }
    }

    fn check_group(&mut self, n: &NodeFacts) {
        if let Some(g) = &self.facts.group {
            let master = g.master_name.clone();
            self.push(n, Action::CheckSentinels { master }, &[]);
        }
    }

    fn tighten_server(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
        let before = self.plan.steps.len();
        if self.access() {
            self.tighten_default(n)?;
        }
        let mut pairs = Vec::new();
        let mut ids = Vec::new();
        for (id, key, value) in RUNTIME_FIXES {
            if self.finding(n, id)
                && self.selected(&[id])
                && n.config(key) != Some(value)
                && runtime_fix_applies(n, key)
            {
                pairs.push((key.to_string(), Val::Plain(value.to_string())));
                ids.push(*id);
            }
        }
        if let Some(bind) = &self.opts.bind
            && self.selected(&["NET-03"])
        {
            let wanted = bind.join(" ");
            if n.config("bind") != Some(wanted.as_str()) {
                self.refuse_lockout(bind)?;
                pairs.push(("bind".into(), Val::Plain(wanted)));
                ids.push("NET-03");
            }
        }
        if !pairs.is_empty() {
            self.push(n, Action::ConfigSet { pairs }, &ids);
        }
        if self.plan.steps.len() > before {
            if n.role == "slave" && self.in_group() {
                self.push(n, Action::Relink, &[]);
            }
            self.check_group(n);
        }
        Ok(())
    }

    /// `--bind` must keep the address redisops is connected through.
    fn refuse_lockout(&self, bind: &[String]) -> Result<(), Refusal> {
        let via = self.opts.connected_via.as_str();
        let loopback = via == "localhost" || via.starts_with("127.") || via == "::1";
        let kept = bind.iter().any(|b| {
            let b = b.trim_start_matches('-');
            b == via
                || b == "*"
                || b == "0.0.0.0"
                || b == "::*"
                || (loopback && (b.starts_with("127.") || b == "::1"))
        });
        if kept || via.starts_with('/') {
            return Ok(());
        }
        Err(Refusal(format!(
            "--bind {} would close the address redisops is connected through ({via}): \
             include it, or run apply over another listed address",
            bind.join(" ")
        )))
    }

    /// Saves what changed (always, whatever --only/--skip say: an unsaved change is lost at
    /// the next restart) and makes the files private again.
    fn persist(&mut self, n: &NodeFacts, changed: bool) -> Result<(), Refusal> {
        let local = n.host.as_ref();
        if changed {
            if n.kind == NodeKind::Sentinel {
                self.push(n, Action::SentinelFlushConfig, &[]);
            } else {
                let aclfile = n.config("aclfile").is_some_and(|f| !f.is_empty());
                if aclfile {
                    self.push(n, Action::AclSave, &[]);
                }
                if self.opts.edit_config_file {
                    let Some(path) = local.and_then(|h| h.config_file.as_ref()) else {
                        return Err(Refusal(format!(
                            "--edit-config-file edits {}'s config file on this host, but the \
                             node does not run here: run apply on its host, or persist with \
                             CONFIG REWRITE (without --edit-config-file)",
                            n.address
                        )));
                    };
                    let (keys, mut users) = self.runtime_changes(n);
                    // With an aclfile the users live there (ACL SAVE); user lines in
                    // redis.conf as well would stop the next start (PERS-05).
                    if aclfile {
                        users.clear();
                    }
                    self.push(
                        n,
                        Action::PersistToFile {
                            path: path.path.clone(),
                            keys,
                            users,
                            lines: Vec::new(),
                        },
                        &[],
                    );
                } else {
                    self.push(n, Action::ConfigRewrite, &[]);
                }
            }
        }
        // CONFIG REWRITE, ACL SAVE and FLUSHCONFIG write 0644: make the files private again.
        let Some(host) = local else {
            if changed {
                self.plan.left.push(format!(
                    "PERS-03 on {}: the config file was saved by the server with mode 0644 & \
                     ~umask; on its host run chmod 600 on it (and set UMask=0077 in its unit)",
                    n.address
                ));
            }
            return Ok(());
        };
        if self.selected(FILE_MODES) {
            for file in [&host.config_file, &host.acl_file].into_iter().flatten() {
                let loose = file.mode.is_some_and(|m| m & 0o077 != 0);
                if loose || changed {
                    self.push(
                        n,
                        Action::Chmod {
                            path: file.path.clone(),
                            mode: 0o600,
                        },
                        FILE_MODES,
                    );
                }
            }
        }
        Ok(())
    }

    /// HOST-01: Redis creates every dump with 0644 & ~umask, so the lasting fix is a data
    /// directory others cannot enter. Only a directory the server owns is changed (never a
    /// shared one like /tmp).
    fn private_data_dir(&mut self, n: &NodeFacts) {
        let Some(host) = &n.host else { return };
        let (Some(dir), Some(process)) = (&host.data_dir, &host.process) else {
            return;
        };
        let Some(mode) = dir.mode else { return };
        let owned = dir.uid == Some(process.uid);
        let sticky = mode & 0o1000 != 0;
        // Also before any dump exists: the next save (or apply's own restart) makes one.
        let open = self.finding(n, "HOST-01") || mode & 0o007 != 0;
        if open && self.selected(&["HOST-01"]) && owned && !sticky {
            self.push(
                n,
                Action::Chmod {
                    path: dir.path.clone(),
                    mode: mode & 0o750,
                },
                &["HOST-01"],
            );
        }
    }

    /// The config keys and users the planned runtime changes on `n` touch.
    fn runtime_changes(&self, n: &NodeFacts) -> (Vec<String>, Vec<String>) {
        let mut keys = Vec::new();
        let mut users = Vec::new();
        for step in self.plan.steps.iter().filter(|s| s.node == n.address) {
            match &step.action {
                Action::ConfigSet { pairs } => keys.extend(pairs.iter().map(|(k, _)| k.clone())),
                Action::SetUser { user, .. } => users.push(user.clone()),
                Action::SetDefault {
                    clear_requirepass, ..
                } => {
                    users.push("default".into());
                    if *clear_requirepass {
                        keys.push("requirepass".into());
                    }
                }
                _ => {}
            }
        }
        (keys, users)
    }

    /// Directives that only a config file (and a restart) can change.
    fn file_only(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
        let mut lines = Vec::new();
        let mut ids = Vec::new();
        let in_file = |key: &str| {
            n.host
                .as_ref()
                .and_then(|h| h.file_directives.get(key))
                .map(String::as_str)
        };
        let mut pending = false;
        for (id, key, value) in FILE_FIXES {
            // Before 7.0 these directives do not exist: the file would stop the next start.
            let wanted = self.finding(n, id)
                && self.selected(&[id])
                && n.config(key) != Some(value)
                && since_7(n);
            if !wanted {
                continue;
            }
            // Written by an earlier run: only the restart is missing.
            if in_file(key) == Some(value) {
                pending = true;
                self.fixed.insert((n.address.clone(), id));
            } else {
                lines.push(FileLine {
                    name: key.to_string(),
                    key: 0,
                    args: vec![value.to_string()],
                });
                ids.push(*id);
            }
        }
        let renamed = n.renamed_commands.clone().unwrap_or_default();
        for (command, new_name) in &self.opts.rename {
            if renamed.iter().any(|r| r.eq_ignore_ascii_case(command)) {
                continue;
            }
            lines.push(FileLine {
                name: "rename-command".into(),
                key: 1,
                args: vec![command.clone(), new_name.clone()],
            });
            ids.push("ACL-01");
        }
        if lines.is_empty() {
            if pending && self.opts.restart {
                self.push(n, Action::Restart, &[]);
            }
            return Ok(());
        }
        let Some(path) = n
            .host
            .as_ref()
            .and_then(|h| h.config_file.as_ref())
            .map(|f| f.path.clone())
        else {
            if !self.opts.rename.is_empty() {
                return Err(Refusal(format!(
                    "--rename-commands edits {}'s config file, which is not on this host: run \
                     apply on the server's host (or with --config-file)",
                    n.address
                )));
            }
            // Left for the operator; reported by leave_the_rest.
            return Ok(());
        };
        ids.dedup();
        // One edit (and one backup copy) when the runtime changes go to the file as well.
        let persisting = self
            .plan
            .steps
            .iter_mut()
            .find_map(|s| match &mut s.action {
                Action::PersistToFile { lines, .. } if s.node == n.address => Some(lines),
                _ => None,
            });
        match persisting {
            Some(persisted) => {
                persisted.extend(lines);
                for id in &ids {
                    self.fixed.insert((n.address.clone(), id));
                }
            }
            None => self.push(n, Action::EditConfigFile { path, lines }, &ids),
        }
        if self.opts.restart {
            self.push(n, Action::Restart, &[]);
        }
        Ok(())
    }

    /// Whether `f` is PERS-04's drift between file and runtime that consists only of the
    /// file-only fixes waiting for their restart: apply's own pending edit, already listed
    /// with its fix, not a finding of its own.
    fn only_pending_file_fixes(&self, address: &str, f: &checks::Reported) -> bool {
        if f.id != "PERS-04" || !f.evidence.starts_with(checks::system::DRIFT) {
            return false;
        }
        let Some(node) = self.facts.nodes.iter().find(|n| n.address == address) else {
            return false;
        };
        let Some(host) = &node.host else {
            return false;
        };
        let norm = checks::system::normalized;
        host.file_directives.iter().all(|(key, file)| {
            let Some(running) = node.config(key) else {
                return true;
            };
            norm(file) == norm(running)
                || FILE_FIXES.iter().any(|(id, fix_key, value)| {
                    fix_key == key
                        && norm(file) == norm(value)
                        && self.fixed.contains(&(address.to_string(), *id))
                })
        })
    }

    /// Every finding at or above low that no step fixes becomes a note for the operator;
    /// so does a file-only fix that waits for a restart.
    fn leave_the_rest(&mut self) {
        for report in self.reports {
            for f in &report.findings {
                let fixed = self.fixed.contains(&(report.address.clone(), f.id));
                let file_only = FILE_FIXES.iter().any(|(id, ..)| *id == f.id);
                let why = if f.severity < checks::Severity::Low
                    || self.only_pending_file_fixes(&report.address, f)
                {
                    continue;
                } else if fixed && file_only && !self.opts.restart {
                    "the config file says so; takes effect at the next restart (--restart)"
                        .to_string()
                } else if fixed {
                    continue;
                } else if !self.selected(&[f.id]) {
                    "not selected".to_string()
                } else {
                    f.remediation.clone()
                };
                self.plan.left.push(format!(
                    "{} {} on {}: {}",
                    f.id, f.title, report.address, why
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harden::checks::fixtures::{self, open_default, put_user, set, user};
    use crate::harden::facts::{FileFacts, HostFacts};

    fn opts() -> PlanOptions {
        PlanOptions {
            admin_user: "admin".into(),
            default_user: DefaultUser::Disable,
            app_scripting: false,
            bind: None,
            rename: vec![],
            edit_config_file: false,
            restart: false,
            only: vec![],
            skip: vec![],
            connected_via: "127.0.0.1".into(),
            acl_forms: BTreeMap::new(),
        }
    }

    fn hashes() -> BTreeMap<String, String> {
        roles("admin", false)
            .into_iter()
            .map(|r| (r.user.clone(), format!("h-{}", r.user)))
            .collect()
    }

    fn weak() -> NodeFacts {
        let mut n = fixtures::server();
        open_default(&mut n);
        put_user(&mut n, user("default", "on nopass ~* &* +@all"));
        n.users.as_mut().unwrap().retain(|u| u.name == "default");
        set(&mut n, "protected-mode", "no");
        set(&mut n, "bind", "* -::*");
        set(&mut n, "enable-debug-command", "yes");
        n.host = Some(HostFacts {
            config_file: Some(FileFacts {
                path: "/etc/redis/redis.conf".into(),
                mode: Some(0o644),
                uid: Some(0),
                holds_secrets: Some(false),
                error: None,
            }),
            acl_file: None,
            data_dir: None,
            data_files: vec![],
            process: None,
            tls_cert: None,
            file_directives: Default::default(),
            config_users: None,
            aclfile_users: None,
        });
        n
    }

    fn actions(p: &Plan) -> Vec<String> {
        p.steps.iter().map(|s| s.action.to_string()).collect()
    }

    #[test]
    fn a_pending_file_fix_is_not_listed_as_drift() {
        // An earlier run wrote enable-debug-command no; the restart is still to come.
        let mut n = weak();
        let host = n.host.as_mut().unwrap();
        host.file_directives
            .insert("enable-debug-command".into(), "no".into());
        let facts = fixtures::audit(vec![n]);
        let reports = checks::evaluate(&facts);
        assert!(
            reports[0].findings.iter().any(|f| f.id == "PERS-04"),
            "the audit sees the drift"
        );
        let p = plan(&facts, &opts(), &hashes(), &["admin.password".into()]).unwrap();
        assert!(
            p.left
                .iter()
                .any(|l| l.starts_with("CMD-01") && l.contains("next restart")),
            "{:?}",
            p.left
        );
        assert!(
            !p.left.iter().any(|l| l.starts_with("PERS-04")),
            "{:?}",
            p.left
        );
    }

    #[test]
    fn weak_server_adds_before_it_takes_away() {
        let facts = fixtures::audit(vec![weak()]);
        let p = plan(&facts, &opts(), &hashes(), &["admin.password".into()]).unwrap();
        let a = actions(&p);
        let pos = |prefix: &str| a.iter().position(|s| s.starts_with(prefix)).unwrap();
        assert!(a[0].starts_with("write to the secrets directory"));
        assert!(pos("ACL SETUSER admin on") < pos("verify: a fresh connection logs in as admin"));
        assert!(
            a.iter()
                .any(|s| s.ends_with("+@all #<sha256 of its password>")),
            "{a:?}"
        );
        assert!(pos("verify: a fresh connection logs in as admin") < pos("redisops continues"));
        assert!(pos("redisops continues") < pos("ACL SETUSER default reset"));
        assert!(pos("ACL SETUSER default reset") < pos("CONFIG REWRITE"));
        assert!(pos("CONFIG REWRITE") < pos("chmod 600"));
        assert!(a.iter().any(|s| s.contains("protected-mode yes")));
        assert!(a.iter().any(|s| s.contains("enable-debug-command no")));
        assert_eq!(
            a.last().unwrap(),
            "verify: a connection without credentials is refused"
        );
        // No restart asked: CMD-01 is fixed in the file and waits for a restart.
        assert!(
            p.left.iter().any(|l| l.starts_with("CMD-01")),
            "{:?}",
            p.left
        );
        // Secrets never appear: only hashes' placeholders and <password of …>.
        assert!(p.render().contains("masterauth <password of replication>"));
        assert!(!p.render().contains("h-admin"));
    }

    #[test]
    fn hardened_server_plans_nothing() {
        let mut n = fixtures::server();
        let h = hashes();
        for role in roles("admin", false)
            .into_iter()
            .filter(|r| r.on(false, false))
        {
            let mut u = user(
                &role.user,
                &format!("on {} {} {}", role.keys, role.channels, role.commands),
            );
            u.channels = u.channels.replace("resetchannels", "").trim().to_string();
            u.password_hashes = vec![h[&role.user].clone()];
            put_user(&mut n, u);
        }
        set(&mut n, "masteruser", "replication");
        n.secrets.insert(
            "masterauth".into(),
            crate::harden::facts::SecretFacts {
                length: 64,
                sha256: h["replication"].clone(),
            },
        );
        let facts = fixtures::audit(vec![n]);
        let p = plan(&facts, &opts(), &h, &[]).unwrap();
        assert!(p.is_empty() && p.steps.is_empty(), "{}", p.render());
    }

    #[test]
    fn only_and_skip_select_by_check_id() {
        let facts = fixtures::audit(vec![weak()]);
        let mut o = opts();
        o.only = vec!["NET-02".into()];
        let p = plan(&facts, &o, &hashes(), &[]).unwrap();
        let a = actions(&p);
        assert!(
            a.iter().any(|s| s == "CONFIG SET protected-mode yes"),
            "{a:?}"
        );
        assert!(!a.iter().any(|s| s.contains("SETUSER")), "{a:?}");
        let mut o = opts();
        o.skip = vec!["DOS-01".into()];
        let p = plan(&facts, &o, &hashes(), &[]).unwrap();
        assert!(!actions(&p).iter().any(|s| s.contains("maxmemory-clients")));
        assert!(
            p.left
                .iter()
                .any(|l| l.starts_with("DOS-01") && l.ends_with("not selected"))
        );
    }

    #[test]
    fn bind_that_would_cut_off_redisops_is_refused() {
        let facts = fixtures::audit(vec![weak()]);
        let mut o = opts();
        o.bind = Some(vec!["10.0.0.5".into()]);
        let err = plan(&facts, &o, &hashes(), &[]).unwrap_err();
        assert!(err.0.contains("would close the address"), "{}", err.0);
        o.bind = Some(vec!["10.0.0.5".into(), "127.0.0.1".into()]);
        let p = plan(&facts, &o, &hashes(), &[]).unwrap();
        assert!(
            actions(&p)
                .iter()
                .any(|s| s.contains("bind \"10.0.0.5 127.0.0.1\""))
        );
    }

    #[test]
    fn no_config_file_is_refused() {
        let mut n = weak();
        n.info.insert("config_file".into(), String::new());
        let err = plan(&fixtures::audit(vec![n]), &opts(), &hashes(), &[]).unwrap_err();
        assert!(err.0.contains("without a config file"));
    }

    #[test]
    fn clients_on_the_default_user_are_a_warning_not_a_refusal() {
        let mut n = weak();
        n.default_clients = Some(vec!["10.0.0.7:5000".into()]);
        let p = plan(&fixtures::audit(vec![n.clone()]), &opts(), &hashes(), &[]).unwrap();
        assert!(
            p.warnings[0].contains("1 client(s) logged in as the default user (10.0.0.7:5000)")
        );
        assert!(p.render().contains("warning: "));
        let mut o = opts();
        o.default_user = DefaultUser::Keep;
        let p = plan(&fixtures::audit(vec![n]), &o, &hashes(), &[]).unwrap();
        assert!(p.warnings.is_empty());
        assert!(!actions(&p).iter().any(|a| a.contains("SETUSER default")));
        assert!(
            !actions(&p)
                .iter()
                .any(|a| a.contains("without credentials"))
        );
    }

    #[test]
    fn taking_over_an_existing_user_is_a_warning() {
        let mut n = weak();
        put_user(
            &mut n,
            user("backup", "on >their-own-long-password ~* +@all"),
        );
        let p = plan(&fixtures::audit(vec![n]), &opts(), &hashes(), &[]).unwrap();
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("the existing user 'backup' (+@all ~*)")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn restrict_needs_a_password_to_keep() {
        let mut o = opts();
        o.default_user = DefaultUser::Restrict;
        let err = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap_err();
        assert!(err.0.contains("nopass"));
    }

    #[test]
    fn rename_commands_edit_the_file_then_restart() {
        let mut o = opts();
        o.rename = vec![("FLUSHALL".into(), "FLUSHALL_x1".into())];
        o.restart = true;
        let p = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap();
        let a = actions(&p);
        let edit = a
            .iter()
            .position(|s| s.contains("rename-command FLUSHALL <new name"));
        let restart = a.iter().position(|s| s.starts_with("restart"));
        let rewrite = a.iter().position(|s| s == "CONFIG REWRITE");
        assert!(rewrite < edit && edit < restart, "{a:?}");
        assert!(
            !p.left.iter().any(|l| l.starts_with("CMD-01")),
            "{:?}",
            p.left
        );
    }

    #[test]
    fn commands_redisops_needs_are_not_renamed() {
        let mut o = opts();
        o.rename = vec![("config".into(), "C1".into())];
        let err = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap_err();
        assert!(err.0.contains("config cannot be renamed"), "{}", err.0);
    }

    #[test]
    fn sentinel_group_is_wired_before_it_is_tightened() {
        let mut master = weak();
        master.host = None;
        let mut replica = weak();
        replica.host = None;
        replica.address = "127.0.0.1:6380".into();
        replica.role = "slave".into();
        let mut s1 = fixtures::sentinel("127.0.0.1:26379");
        put_user(&mut s1, user("default", "on nopass ~* &* +@all"));
        s1.users.as_mut().unwrap().retain(|u| u.name == "default");
        let mut facts = fixtures::audit(vec![master, replica, s1]);
        facts.group = Some(crate::harden::facts::GroupFacts {
            master_name: "main".into(),
            master: "127.0.0.1:6379".into(),
        });
        let p = plan(&facts, &opts(), &hashes(), &[]).unwrap();
        let on = |node: &str, prefix: &str| {
            p.steps
                .iter()
                .position(|s| s.node == node && s.action.to_string().starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} on {node}:\n{}", p.render()))
        };
        let (m, r, s) = ("127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:26379");
        assert!(on(r, "CONFIG SET masteruser") < on(r, "CLIENT KILL TYPE master"));
        assert!(on(s, "SENTINEL SET main auth-user sentinel") < on(r, "ACL SETUSER default"));
        assert!(on(r, "ACL SETUSER default") < on(m, "ACL SETUSER default"));
        assert!(on(m, "ACL SETUSER default") < on(s, "ACL SETUSER default"));
        assert!(on(s, "ACL SETUSER default") < on(s, "SENTINEL FLUSHCONFIG"));
        assert!(on(m, "ACL SETUSER sentinel") < on(s, "SENTINEL SET"));
        // Sentinels get the admin, a discovery user for clients and their peer user.
        let on_sentinel: Vec<String> = p
            .steps
            .iter()
            .filter(|st| st.node == s)
            .filter_map(|st| match &st.action {
                Action::SetUser { user, .. } => Some(user.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(on_sentinel, ["admin", "app", "sentinel-peer"]);
        assert!(
            on(s, "SENTINEL CONFIG SET sentinel-user sentinel-peer") < on(s, "ACL SETUSER default")
        );
        assert!(on(r, "check: every server shows all 1 Sentinels") < on(r, "ACL SETUSER default"));
        let mut o = opts();
        o.restart = true;
        assert!(plan(&facts, &o, &hashes(), &[]).is_err());
    }
}
