//! The access phase: the role users on every node, the dependants wired to them
//! (replication, Sentinel), and the default user closed or restricted last.

use super::{Planner, server_of};
use crate::harden::apply::plan::{Action, DefaultUser, Refusal, Val};
use crate::harden::apply::roles::{Role, form_key, same_rules};
use crate::harden::checks::CheckId;
use crate::harden::facts::{NodeFacts, NodeKind};

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

/// The user Sentinels log in to each other as (`sentinel-user`).
const PEER: &str = "sentinel-peer";

impl Planner<'_> {
    /// Whether the users, their wiring and the default user are part of this run.
    pub(super) fn access(&self) -> bool {
        let named = |list: &[String]| list.iter().any(|id| ACCESS.iter().any(|a| a.0 == id));
        (self.opts.only.is_empty() || named(&self.opts.only)) && !named(&self.opts.skip)
    }

    /// Outside a Sentinel group target, replicas and Sentinels that log in as the default
    /// user are not wired by this run: closing or restricting it would cut them off at their
    /// next reconnect (a restricted default loses PSYNC, SLAVEOF and CONFIG REWRITE).
    pub(super) fn refuse_stranded_dependants(&self, n: &NodeFacts) -> Result<(), Refusal> {
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
    pub(super) fn refuse_foreign_sentinel_users(&self) -> Result<(), Refusal> {
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

    /// Creates or corrects each role user, then proves every one with a fresh login and
    /// moves redisops' own connection to the admin.
    pub(super) fn add_users(&mut self, n: &NodeFacts) {
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

    pub(super) fn tighten_default(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
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

    pub(super) fn wire_replication(&mut self, n: &NodeFacts) {
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

    pub(super) fn wire_sentinel(&mut self, s: &NodeFacts) {
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
}
