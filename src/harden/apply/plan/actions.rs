//! What a hardening plan is made of: the operator's options, the actions and the steps.

use crate::harden::checks::CheckId;
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// Every cluster node says `cluster_state:ok`, flags no node `fail`/`fail?`, is not
    /// loading, and every replica's master link is up.
    CheckCluster,
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
            Action::CheckCluster => f.write_str(
                "check: cluster_state:ok on every node, no node flagged fail, every replica's \
                 master link up",
            ),
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
    pub fixes: Vec<CheckId>,
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
                | Action::CheckCluster
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
    /// A cluster's plan runs in parts, one after another, each rolled back on its own:
    /// users on every node, then one node at a time. Empty: the plan is one run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// `steps[previous part's end..end]`, run as one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub label: String,
    pub end: usize,
}

impl Plan {
    /// The parts as step ranges (the whole plan when it has none).
    pub fn ranges(&self) -> Vec<(String, std::ops::Range<usize>)> {
        if self.parts.is_empty() {
            return vec![(String::new(), 0..self.steps.len())];
        }
        let mut start = 0;
        self.parts
            .iter()
            .map(|p| {
                let r = start..p.end;
                start = p.end;
                (p.label.clone(), r)
            })
            .collect()
    }
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
            if let Some((label, _)) = self
                .ranges()
                .iter()
                .find(|(l, r)| r.start == i && !l.is_empty())
            {
                out.push_str(&format!("== {label}\n"));
                node = "";
            }
            if step.node != node {
                node = &step.node;
                out.push_str(&format!("{node}:\n"));
            }
            let fixes = if step.fixes.is_empty() {
                String::new()
            } else {
                let ids: Vec<&str> = step.fixes.iter().map(|c| c.as_str()).collect();
                format!("   [{}]", ids.join(", "))
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
