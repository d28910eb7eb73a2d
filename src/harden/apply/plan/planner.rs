//! The planner: the facts, the findings and the options in, the ordered steps out (see
//! the order in [`super`]).

use super::refusals::refuse;
use super::{Action, DefaultUser, FileLine, Plan, PlanOptions, Refusal, Step, Val};
use crate::harden::apply::roles::{Role, form_key, roles, same_rules};
use crate::harden::checks::{self, CheckId, NodeReport};
use crate::harden::facts::{AuditFacts, NodeFacts, NodeKind};
use crate::server::Server;
use std::collections::{BTreeMap, BTreeSet};

/// The users, their wiring and the default user go together: closing the default user
/// before replicas and Sentinels have users of their own would cut them off, and wiring
/// users that do not exist would too. So these IDs select (or skip) all of it at once.
const ACCESS: &[CheckId] = &[
    CheckId("NET-01"),
    CheckId("AUTH-01"),
    CheckId("AUTH-03"),
    CheckId("AUTH-04"),
    CheckId("SENT-01"),
    CheckId("SENT-02"),
    CheckId("SENT-03"),
    CheckId("REPL-01"),
    CheckId("REPL-02"),
];
const USERS: &[CheckId] = &[
    CheckId("NET-01"),
    CheckId("AUTH-01"),
    CheckId("AUTH-03"),
    CheckId("SENT-01"),
];
const REPLICATION: &[CheckId] = &[CheckId("REPL-01"), CheckId("REPL-02")];
const SENTINEL_AUTH: &[CheckId] = &[CheckId("SENT-02"), CheckId("SENT-03")];
const FILE_MODES: &[CheckId] = &[CheckId("PERS-03")];

/// The user Sentinels log in to each other as (`sentinel-user`).
const PEER: &str = "sentinel-peer";

/// Which findings apply fixes at runtime, and how: (check ID, config key, value).
const RUNTIME_FIXES: &[(CheckId, &str, &str)] = &[
    (CheckId("NET-02"), "protected-mode", "yes"),
    (CheckId("ACL-02"), "acl-pubsub-default", "resetchannels"),
    (CheckId("LOG-01"), "acllog-max-len", "128"),
    (CheckId("DOS-01"), "maxmemory-clients", "5%"),
    (CheckId("REPL-03"), "replica-read-only", "yes"),
];

/// File-only fixes: (check ID, directive, value); they take effect at the next restart.
const FILE_FIXES: &[(CheckId, &str, &str)] = &[
    (CheckId("CMD-01"), "enable-debug-command", "no"),
    (CheckId("CMD-01"), "enable-module-command", "no"),
    (CheckId("CMD-01"), "enable-protected-configs", "no"),
];

/// Whether the server has the directives of Redis 7.0 (`enable-*-command`,
/// `maxmemory-clients`).
fn since_7(n: &NodeFacts) -> bool {
    server_of(n).is_some_and(|k| k.has_7_0_directives())
}

fn server_of(n: &NodeFacts) -> Option<Server> {
    Server::from_fields(|k| n.info(k))
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
    refuse(facts, opts)?;
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
    fixed: BTreeSet<(String, CheckId)>,
}

impl<'a> Planner<'a> {
    /// Whether the users, their wiring and the default user are part of this run.
    fn access(&self) -> bool {
        let named = |list: &[String]| list.iter().any(|id| ACCESS.iter().any(|a| a.0 == id));
        (self.opts.only.is_empty() || named(&self.opts.only)) && !named(&self.opts.skip)
    }

    fn selected(&self, ids: &[CheckId]) -> bool {
        ids.iter().any(|id| {
            (self.opts.only.is_empty() || self.opts.only.iter().any(|o| o == id.0))
                && !self.opts.skip.iter().any(|s| s == id.0)
        })
    }

    fn push(&mut self, node: &NodeFacts, action: Action, fixes: &[CheckId]) {
        // Before 7.0 CONFIG SET takes one parameter: one step each.
        if let Action::ConfigSet { pairs } = &action
            && pairs.len() > 1
            && server_of(node).is_some_and(|k| !k.multi_config_set())
        {
            for pair in pairs.clone() {
                let single = Action::ConfigSet { pairs: vec![pair] };
                self.push(node, single, fixes);
            }
            return;
        }
        for id in fixes {
            self.fixed.insert((node.address.clone(), *id));
        }
        self.plan.steps.push(Step {
            node: node.address.clone(),
            action,
            fixes: fixes.to_vec(),
        });
    }

    fn finding(&self, node: &NodeFacts, id: CheckId) -> bool {
        self.reports
            .iter()
            .find(|r| r.address == node.address)
            .is_some_and(|r| r.findings.iter().any(|f| f.id == id.0))
    }

    fn in_group(&self) -> bool {
        self.facts.group.is_some()
    }

    /// Whether this run wires every replica (a Sentinel group or a whole cluster), so none
    /// is left logging in as the default user.
    fn wires_all(&self) -> bool {
        self.in_group() || self.facts.cluster.is_some()
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
            let all = self.wires_all();
            for n in servers.iter().filter(|n| all || n.role == "master") {
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
        if self.wires_all() || self.default_rules(n).is_none() {
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
            rules.extend(role.rules(server_of(n).is_none_or(|k| k.acl_selectors())));
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
                CheckId("NET-01"),
                CheckId("NET-02"),
                CheckId("AUTH-01"),
                CheckId("AUTH-04"),
                CheckId("SENT-01"),
                CheckId("CMD-02"),
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
                &[CheckId("SENT-01")],
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
            if self.finding(n, *id)
                && self.selected(&[*id])
                && n.config(key) != Some(value)
                && runtime_fix_applies(n, key)
            {
                pairs.push((key.to_string(), Val::Plain(value.to_string())));
                ids.push(*id);
            }
        }
        if let Some(bind) = &self.opts.bind
            && self.selected(&[CheckId("NET-03")])
        {
            let wanted = bind.join(" ");
            if n.config("bind") != Some(wanted.as_str()) {
                self.refuse_lockout(bind)?;
                pairs.push(("bind".into(), Val::Plain(wanted)));
                ids.push(CheckId("NET-03"));
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
        let open = self.finding(n, CheckId("HOST-01")) || mode & 0o007 != 0;
        if open && self.selected(&[CheckId("HOST-01")]) && owned && !sticky {
            self.push(
                n,
                Action::Chmod {
                    path: dir.path.clone(),
                    mode: mode & 0o750,
                },
                &[CheckId("HOST-01")],
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
            let wanted = self.finding(n, *id)
                && self.selected(&[*id])
                && n.config(key) != Some(value)
                && since_7(n);
            if !wanted {
                continue;
            }
            // Written by an earlier run: only the restart is missing.
            if in_file(key) == Some(value) {
                pending = true;
                self.fixed.insert((n.address.clone(), *id));
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
            ids.push(CheckId("ACL-01"));
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
                    self.fixed.insert((n.address.clone(), *id));
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
                let id = CheckId(f.id);
                let fixed = self.fixed.contains(&(report.address.clone(), id));
                let file_only = FILE_FIXES.iter().any(|(fix, ..)| *fix == id);
                let why = if f.severity < checks::Severity::Low
                    || self.only_pending_file_fixes(&report.address, f)
                {
                    continue;
                } else if fixed && file_only && !self.opts.restart {
                    "the config file says so; takes effect at the next restart (--restart)"
                        .to_string()
                } else if fixed {
                    continue;
                } else if !self.selected(&[id]) {
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
