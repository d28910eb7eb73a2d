//! Applying a hardening [`Plan`] on the step runner ([`crate::steps`]): one connection per
//! node, the steps in order, each recorded in a journal before and after it runs. Before a
//! step changes anything the executor reads what it will replace (the user's ACL rules, the
//! config values, the file) and keeps the undo in memory only, because it may hold passwords.
//! When a step fails, or a signal comes, before a restart, the undos run newest first and
//! the nodes are as before (exit 30, or 130 after a signal).
//!
//! The checks between steps are in `verify.rs`, saving and the config-file editor in
//! `persist.rs`, and what each change replaced (and how to put it back) in `undo.rs`.

use super::plan::{Action, Plan, Step, Val};
use super::secrets::Secrets;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::host::Supervisor;
use crate::steps::cancel::CancellationToken;
use crate::steps::journal::{Journal, Journaling, State};
use crate::steps::{Executor as StepExecutor, Kept};
use crate::target::{Auth, Endpoint, Secret};
use anyhow::{Result, anyhow};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use undo::{Change, Undo};

mod persist;
mod undo;
mod verify;

/// One node the plan touches.
pub struct NodeEnv {
    pub endpoint: Endpoint,
    pub sentinel: bool,
    /// How redisops logs in at the start.
    pub auth: Auth,
    /// The user redis-server runs as, when it runs here (for config-file ownership).
    pub process_uid: Option<u32>,
    /// `redis_version` (how it describes ACL rules depends on it).
    pub version: String,
    /// How to restart it (`--restart`).
    pub supervisor: Option<Supervisor>,
}

pub struct Env {
    pub dialer: Dialer,
    /// The address of a Sentinel group's master (its requirepass is what the Sentinels
    /// logged in with before apply gave them a user).
    pub master: Option<String>,
    pub nodes: BTreeMap<String, NodeEnv>,
    pub secrets: Secrets,
    /// The target as the operator named it (for the journal).
    pub target: String,
}

pub struct Executor<'a> {
    env: &'a Env,
    plan: &'a Plan,
    conns: BTreeMap<String, Node>,
    logins: BTreeMap<String, Auth>,
    /// The undos of the step under way, handed to the runner when it ends.
    undos: Vec<Undo>,
    /// Saves done (ACL SAVE, CONFIG REWRITE, FLUSHCONFIG): a rollback saves again, so the
    /// files on disk hold the restored state, not the one being undone.
    saved: Vec<(String, Action)>,
    /// How the nodes described the users set in this run ([`super::roles::form_key`]).
    forms: BTreeMap<String, String>,
    /// The signal token of the step under way: its waits end early.
    cancel: CancellationToken,
    journal_path: PathBuf,
    /// Parts of a cluster's plan already done: their nodes use the new passwords, so a
    /// later rollback keeps the password files.
    parts_done: usize,
}

impl<'a> Executor<'a> {
    pub fn new(env: &'a Env, plan: &'a Plan) -> Self {
        let logins = env
            .nodes
            .iter()
            .map(|(a, n)| (a.clone(), n.auth.clone()))
            .collect();
        Self {
            env,
            plan,
            conns: BTreeMap::new(),
            logins,
            undos: Vec::new(),
            saved: Vec::new(),
            forms: BTreeMap::new(),
            cancel: CancellationToken::new(),
            journal_path: PathBuf::new(),
            parts_done: 0,
        }
    }

    /// The journal of this run, in the secrets directory.
    pub fn journal(&self) -> Journal {
        Journal::new(&self.env.secrets.dir, "harden", &self.env.target, self.plan)
    }

    /// Runs every step on the step runner; see the module doc for what a failure leaves.
    pub async fn run(&mut self, journal: &mut Journal, cancel: &CancellationToken) -> Result<()> {
        self.env.secrets.create_dir()?;
        self.journal_path = journal.path().to_path_buf();
        let plan = self.plan;
        let ranges = plan.ranges();
        let mut done: Vec<String> = Vec::new();
        for (i, (label, range)) in ranges.iter().enumerate() {
            self.saved.clear();
            let ran =
                crate::steps::run_part(self, &plan.steps, range.clone(), Some(journal), cancel)
                    .await;
            if let Err(e) = ran {
                self.remember_forms();
                if done.is_empty() {
                    return Err(e);
                }
                journal.end(State::Incomplete);
                let code = match crate::exit::code_for(&e) {
                    ExitCode::Interrupted => ExitCode::Interrupted,
                    _ => ExitCode::Incomplete,
                };
                let rest: Vec<&str> = ranges[i + 1..].iter().map(|(l, _)| l.as_str()).collect();
                return Err(fail(
                    code,
                    format!(
                        "{e:#} Done before it, and kept: {}. Not started: {}. Fix the cause \
                         and run harden apply again: it plans only what is left.",
                        done.join(", "),
                        if rest.is_empty() {
                            "nothing".to_string()
                        } else {
                            rest.join(", ")
                        }
                    ),
                ));
            }
            self.parts_done += 1;
            done.push(label.clone());
        }
        self.remember_forms();
        Ok(())
    }

    fn remember_forms(&self) {
        if let Err(e) = self.env.secrets.remember_acl_forms(&self.forms) {
            crate::ui::warn(format!("{e:#}: the next run may set the users again"));
        }
    }

    fn node_env(&self, address: &str) -> Result<&'a NodeEnv> {
        self.env
            .nodes
            .get(address)
            .ok_or_else(|| anyhow!("{address} is not a node of the target"))
    }

    async fn conn(&mut self, address: &str) -> Result<&mut Node> {
        if !self.conns.contains_key(address) {
            let env = self.node_env(address)?;
            let auth = self.logins[address].clone();
            let node = Node::connect(&self.env.dialer, &env.endpoint, &auth, 0).await?;
            self.conns.insert(address.to_string(), node);
        }
        Ok(self.conns.get_mut(address).expect("just connected"))
    }

    fn password(&self, user: &str) -> Result<Secret> {
        self.env
            .secrets
            .password(user)
            .cloned()
            .ok_or_else(|| anyhow!("no password for {user} in the secrets directory"))
    }

    fn resolve(&self, v: &Val) -> Result<String> {
        Ok(match v {
            Val::Plain(s) => s.clone(),
            Val::PasswordOf(user) => self.password(user)?.expose().to_string(),
        })
    }

    /// Records what `what` replaced on `node`, before the change is made.
    fn changed(&mut self, node: &str, what: Change) {
        self.undos.push(Undo {
            node: node.into(),
            what,
        });
    }

    async fn apply_step(&mut self, step: &Step) -> Result<()> {
        let node = step.node.as_str();
        match &step.action {
            // The new password files are removed after a complete rollback.
            Action::WriteSecrets { .. } => self.env.secrets.write_new()?,
            Action::SetUser { user, rules } => {
                let before = self.acl_line(node, user).await?;
                let hash = format!("#{}", self.env.secrets.hash(user).unwrap_or_default());
                let mut cmd = redis::cmd("ACL");
                cmd.arg("SETUSER").arg(user).arg("on").arg(rules).arg(&hash);
                self.changed(
                    node,
                    Change::User {
                        user: user.clone(),
                        before,
                    },
                );
                self.conn(node).await?.query::<()>(&cmd).await?;
                self.remember_form(node, user).await?;
            }
            Action::VerifyLogin { user } => self.verify_login(node, user).await?,
            Action::UseLogin { user } => {
                let auth = Auth {
                    user: Some(user.clone()),
                    password: Some(self.password(user)?),
                };
                self.conns.remove(node);
                self.logins.insert(node.into(), auth);
                self.conn(node).await?;
            }
            Action::ConfigSet { pairs } => {
                let mut before = Vec::new();
                let mut cmd = redis::cmd("CONFIG");
                cmd.arg("SET");
                for (k, v) in pairs {
                    let old = self.conn(node).await?.config_get(k).await?;
                    before.push((k.clone(), old.get(k).cloned().unwrap_or_default()));
                    cmd.arg(k).arg(self.resolve(v)?);
                }
                self.changed(node, Change::Config(before));
                self.conn(node).await?.query::<()>(&cmd).await?;
            }
            Action::SetDefault {
                rules,
                clear_requirepass,
            } => {
                let before = self.acl_line(node, "default").await?.unwrap_or_default();
                // Sentinels have no CONFIG: their requirepass is the default user's password.
                let requirepass = if self.node_env(node)?.sentinel {
                    String::new()
                } else {
                    self.conn(node)
                        .await?
                        .config_get("requirepass")
                        .await?
                        .remove("requirepass")
                        .unwrap_or_default()
                };
                self.changed(
                    node,
                    Change::Default {
                        before,
                        requirepass,
                    },
                );
                let mut set = redis::cmd("ACL");
                set.arg("SETUSER").arg("default").arg(rules);
                let con = self.conn(node).await?;
                if *clear_requirepass {
                    let mut pipe = redis::pipe();
                    pipe.atomic();
                    pipe.cmd("CONFIG").arg("SET").arg("requirepass").arg("");
                    pipe.add_command(set);
                    con.query_pipe(&pipe).await?;
                } else {
                    // Also the Sentinels' way: they have no MULTI.
                    con.query::<()>(&set).await?;
                }
            }
            Action::SentinelSet { master, pairs } => {
                let auth_pass = self.master_requirepass().await?;
                let mut cmd = redis::cmd("SENTINEL");
                cmd.arg("SET").arg(master);
                for (k, v) in pairs {
                    cmd.arg(k).arg(self.resolve(v)?);
                }
                self.changed(
                    node,
                    Change::SentinelAuth {
                        master: master.clone(),
                        auth_pass,
                    },
                );
                self.conn(node).await?.query::<()>(&cmd).await?;
            }
            Action::SentinelConfigSet { pairs } => {
                for (k, v) in pairs {
                    let old: Vec<String> = self
                        .conn(node)
                        .await?
                        .query(redis::cmd("SENTINEL").arg("CONFIG").arg("GET").arg(k))
                        .await?;
                    let before = vec![(k.clone(), old.get(1).cloned().unwrap_or_default())];
                    let value = self.resolve(v)?;
                    self.changed(node, Change::SentinelConfig(before));
                    self.sentinel_config_set(node, k, &value).await?;
                }
            }
            Action::Relink => self.relink(node).await?,
            Action::CheckSentinels { master } => self.check_sentinels(master).await?,
            Action::AclSave | Action::ConfigRewrite | Action::SentinelFlushConfig => {
                self.save_config(node, &step.action).await?;
                self.saved.push((node.into(), step.action.clone()));
            }
            Action::EditConfigFile { path, lines } => {
                self.edit_file(node, Path::new(path), lines)?;
            }
            Action::PersistToFile {
                path,
                keys,
                users,
                lines,
            } => {
                let mut all = self.current_lines(node, keys, users).await?;
                all.extend(lines.iter().cloned());
                self.edit_file(node, Path::new(path), &all)?;
            }
            // A mode that cannot be tightened is reported, not a reason to undo the rest.
            Action::Chmod { path, mode } => {
                let path = PathBuf::from(path);
                let old = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o7777);
                match old.and_then(|old| {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode))
                        .map(|()| old)
                }) {
                    Ok(old) => self.changed(node, Change::Mode { path, mode: old }),
                    Err(e) => crate::ui::warn(format!(
                        "cannot chmod {mode:o} {} ({e}): do it as its owner or root",
                        path.display()
                    )),
                }
            }
            Action::Restart => self.restart(node).await?,
            Action::CheckClosed => self.check_closed(node).await?,
            Action::CheckSentinelLogins { sentinels } => {
                self.check_sentinel_logins(*sentinels).await?
            }
            Action::CheckCluster => self.check_cluster().await?,
        }
        Ok(())
    }

    async fn sentinel_config_set(&mut self, node: &str, key: &str, value: &str) -> Result<()> {
        let mut cmd = redis::cmd("SENTINEL");
        cmd.arg("CONFIG").arg("SET").arg(key).arg(value);
        self.conn(node).await?.query::<()>(&cmd).await
    }

    /// Notes how the node describes `user`'s commands now, for the next run's comparison.
    async fn remember_form(&mut self, node: &str, user: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let (sentinel, version) = (env.sentinel, env.version.clone());
        let con = self.conn(node).await?;
        let described: BTreeMap<String, redis::Value> = con
            .query(redis::cmd("ACL").arg("GETUSER").arg(user))
            .await?;
        if let Some(redis::Value::BulkString(commands)) = described.get("commands") {
            let key = super::roles::form_key(sentinel, &version, user);
            self.forms
                .insert(key, String::from_utf8_lossy(commands).into_owned());
        }
        Ok(())
    }

    /// The user's `ACL LIST` line without the leading `user <name>`, if it exists.
    async fn acl_line(&mut self, node: &str, user: &str) -> Result<Option<String>> {
        let lines: Vec<String> = self
            .conn(node)
            .await?
            .query(redis::cmd("ACL").arg("LIST"))
            .await?;
        let prefix = format!("user {user} ");
        Ok(lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix).map(String::from)))
    }

    /// The master's requirepass: the password Sentinels used before apply gave them a user.
    async fn master_requirepass(&mut self) -> Result<String> {
        let master = self
            .env
            .master
            .clone()
            .ok_or_else(|| anyhow!("no Sentinel group master to read requirepass from"))?;
        Ok(self
            .conn(&master)
            .await?
            .config_get("requirepass")
            .await?
            .remove("requirepass")
            .unwrap_or_default())
    }
}

impl StepExecutor for Executor<'_> {
    type Step = Step;
    type Undo = Undo;

    async fn apply(
        &mut self,
        step: &Step,
        undos: &mut Vec<Undo>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        self.cancel = cancel.clone();
        let result = self.apply_step(step).await;
        undos.append(&mut self.undos);
        result
    }

    async fn undo(&mut self, undo: &Undo) -> Result<()> {
        self.undo_change(undo).await
    }

    fn describe(&self, step: &Step) -> (String, String) {
        (step.node.clone(), step.action.to_string())
    }

    /// Once a server restarted on an edited file, nothing is rolled back: say what state it
    /// is in.
    fn keep(&mut self, steps: &[Step], i: usize, ran: bool, cause: anyhow::Error) -> Result<Kept> {
        let restarted = steps[..i]
            .iter()
            .any(|s| matches!(s.action, Action::Restart));
        let restarting = ran && matches!(steps[i].action, Action::Restart);
        if !restarted && !restarting {
            return Err(cause);
        }
        let state = if restarted {
            "The server was restarted on the new config file; this later step failed and \
             nothing was rolled back: check it by hand"
        } else {
            "The runtime changes and the config file are in place, but the restart did not \
             complete: start the server with its supervisor"
        };
        Ok(Kept {
            error: fail(
                ExitCode::Incomplete,
                format!(
                    "{}: {cause:#}. {state}; the previous config file is kept next to it as \
                     *.redisops-*.bak. Journal: {}",
                    steps[i].node,
                    self.journal_path.display()
                ),
            ),
            state: State::Incomplete,
        })
    }

    /// Saves again what was saved (so the files on disk hold the restored state), and removes
    /// the new password files once nothing on disk may still need them.
    async fn after_rollback(&mut self, failed: &mut Vec<String>) {
        let saved = std::mem::take(&mut self.saved);
        for (node, action) in &saved {
            crate::ui::note(format!("rolling back: {node}: {action} again"));
            if let Err(e) = self.save_config(node, action).await {
                failed.push(format!("{node}: {action}: {e:#}"));
            }
        }
        if failed.is_empty() && self.parts_done == 0 {
            self.env.secrets.remove_new();
        }
    }

    fn rolled_back_note(&self) -> String {
        if self.parts_done > 0 {
            return "This node's changes were rolled back.".into();
        }
        "Every change made was rolled back: the nodes are as before and no new password was \
         kept."
            .into()
    }
}
