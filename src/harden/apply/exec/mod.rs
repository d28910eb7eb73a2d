//! Applying a hardening [`Plan`] on the step runner ([`crate::steps`]): one connection per
//! node, the steps in order, each recorded in a journal before and after it runs. Before a
//! step changes anything the executor reads what it will replace (the user's ACL rules, the
//! config values, the file) and keeps the undo in memory only, because it may hold passwords.
//! When a step fails, or a signal comes, before a restart, the undos run newest first and
//! the nodes are as before (exit 30, or 130 after a signal).

use super::plan::{Action, FileLine, Plan, Step, Val};
use super::secrets::Secrets;
use crate::cluster::discover::read_probe;
use crate::cluster::health;
use crate::conffile::{ConfFile, masked_diff};
use crate::conn::sentinel::Health;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::harden::facts::Access;
use crate::harden::facts::gather::client_fields;
use crate::harden::facts::probe::without_credentials;
use crate::host::{Server, Supervisor};
use crate::steps::cancel::{self, CancellationToken};
use crate::steps::journal::{Journal, Journaling, State};
use crate::steps::{Executor as StepExecutor, Kept};
use crate::target::{Auth, Endpoint, Secret};
use anyhow::{Context, Result, anyhow};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use undo::{Change, Undo};

mod undo;

/// How long links and Sentinels get to settle (a restart waits as long as the load goes on).
const SETTLE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(200);

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

/// The persisting command of a step, and what to do when it fails.
fn persist_command(action: &Action) -> ([&'static str; 2], &'static str) {
    match action {
        Action::AclSave => (
            ["ACL", "SAVE"],
            "ACL SAVE failed: the directory of the aclfile must be writable by redis-server",
        ),
        Action::SentinelFlushConfig => (
            ["SENTINEL", "FLUSHCONFIG"],
            "SENTINEL FLUSHCONFIG failed (SENT-07): the Sentinel's config file and its \
             directory must be writable by redis-sentinel",
        ),
        _ => (
            ["CONFIG", "REWRITE"],
            "CONFIG REWRITE failed (PERS-02): redis-server writes a temporary file next to its \
             config file, so that directory must be writable by it; or run apply on the \
             server's host with --edit-config-file",
        ),
    }
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

    /// The addresses of the plan's servers (not Sentinels).
    fn servers(&self) -> Vec<String> {
        let nodes = self.env.nodes.iter();
        nodes
            .filter(|(_, n)| !n.sentinel)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Waits until the cluster is healthy ([`crate::cluster::health`]) as every server
    /// answers over redisops' own connections (logged in as each node is now).
    async fn check_cluster(&mut self) -> Result<()> {
        let servers = self.servers();
        let deadline = Instant::now() + SETTLE;
        loop {
            let mut problems = Vec::new();
            let mut probes = Vec::new();
            for a in &servers {
                let probe = match self.conn(a).await {
                    Ok(con) => read_probe(con).await,
                    Err(e) => Err(e),
                };
                match probe {
                    Ok(p) => probes.push((a.clone(), p)),
                    Err(e) => {
                        self.conns.remove(a);
                        problems.push(format!("{a} did not answer: {e:#}"));
                    }
                }
            }
            problems.extend(health::problems(
                probes.iter().map(|(a, p)| (a.as_str(), p)),
            ));
            if problems.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the cluster is not healthy {}s after the change: {}",
                        SETTLE.as_secs(),
                        problems.join("; ")
                    ),
                ));
            }
            cancel::sleep(POLL, &self.cancel).await?;
        }
    }

    async fn sentinel_config_set(&mut self, node: &str, key: &str, value: &str) -> Result<()> {
        let mut cmd = redis::cmd("SENTINEL");
        cmd.arg("CONFIG").arg("SET").arg(key).arg(value);
        self.conn(node).await?.query::<()>(&cmd).await
    }

    async fn save_config(&mut self, node: &str, action: &Action) -> Result<()> {
        let (command, why) = persist_command(action);
        let mut cmd = redis::cmd(command[0]);
        cmd.arg(command[1]);
        let con = self.conn(node).await?;
        crate::keepmode::keeping_mode(con, async |con| con.query::<()>(&cmd).await)
            .await
            .context(why)
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

    async fn verify_login(&mut self, node: &str, user: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let auth = Auth {
            user: Some(user.to_string()),
            password: Some(self.password(user)?),
        };
        // The login itself (AUTH user password) is the proof: role users may run nothing
        // else that every one of them shares.
        let verified = Node::connect(&self.env.dialer, &env.endpoint, &auth, 0).await;
        verified.map(drop).map_err(|e| {
            fail(
                ExitCode::RolledBack,
                format!(
                    "could not verify the new credentials of '{user}' with a fresh connection \
                     ({e:#}), so nothing that depends on them was changed"
                ),
            )
        })
    }

    async fn relink(&mut self, node: &str) -> Result<()> {
        // Killing no connection (0) is fine: a link that is down must come up anyway.
        self.conn(node)
            .await?
            .query::<i64>(redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("master"))
            .await?;
        tokio::time::sleep(POLL).await;
        let cancel = self.cancel.clone();
        self.conn(node)
            .await?
            .wait_link_up(SETTLE, &cancel)
            .await?
            .map_err(|status| {
                fail(
                    ExitCode::Error,
                    format!(
                        "the replication link of {node} did not come up within {}s after the \
                         change (master_link_status {status}): the master may refuse the \
                         replication user; see the master's ACL LOG",
                        SETTLE.as_secs(),
                    ),
                )
            })
    }

    async fn check_sentinels(&mut self, master: &str) -> Result<()> {
        let sentinels: Vec<String> = self
            .env
            .nodes
            .iter()
            .filter(|(_, n)| n.sentinel)
            .map(|(a, _)| a.clone())
            .collect();
        let since = Instant::now();
        let deadline = since + SETTLE;
        loop {
            let problem = self.sentinel_problem(&sentinels, master, since).await;
            match problem {
                None => return Ok(()),
                Some(p) if Instant::now() > deadline => {
                    return Err(fail(
                        ExitCode::Error,
                        format!("the Sentinels are not healthy after the change: {p}"),
                    ));
                }
                Some(_) => cancel::sleep(POLL, &self.cancel).await?,
            }
        }
    }

    /// What is wrong with the Sentinels' view, if anything. Every link must have had a good
    /// PING reply after `since`: a Sentinel whose login broke keeps an old one (and notices
    /// only after down-after-milliseconds).
    async fn sentinel_problem(
        &mut self,
        sentinels: &[String],
        master: &str,
        since: Instant,
    ) -> Option<String> {
        let elapsed = since.elapsed().as_millis();
        let mut addresses = Vec::new();
        for s in sentinels {
            let health = match self.conn(s).await {
                Ok(con) => Health::probe(con, master).await,
                Err(e) => Err(e),
            };
            let health = match health {
                Ok(h) => h,
                Err(e) => return Some(format!("{s}: {e:#}")),
            };
            if let Some(flags) = health.bad_flags() {
                return Some(format!("{s} flags the master {flags}"));
            }
            if let Some((at, ok)) = health.stale(elapsed) {
                return Some(format!(
                    "{s} has had no PING reply from {at} since the change ({ok} ms ago)"
                ));
            }
            if let Err(e) = &health.quorum {
                return Some(format!("{s}: CKQUORUM: {e}"));
            }
            addresses.push(health.master.map(|m| m.to_string()).unwrap_or_default());
        }
        addresses.dedup();
        (addresses.len() > 1).then(|| format!("they disagree on the master: {addresses:?}"))
    }

    /// Every server shows, in CLIENT LIST, each Sentinel's command connection
    /// (`name=sentinel-<id>-cmd`) logged in as the `sentinel` user.
    async fn check_sentinel_logins(&mut self, sentinels: usize) -> Result<()> {
        let servers = self.servers();
        let deadline = Instant::now() + SETTLE;
        for server in servers {
            loop {
                let list: String = self
                    .conn(&server)
                    .await?
                    .query(redis::cmd("CLIENT").arg("LIST"))
                    .await?;
                let logged_in = list
                    .lines()
                    .map(client_fields)
                    .filter(|f| {
                        let name = f.get("name").copied().unwrap_or("");
                        name.starts_with("sentinel-")
                            && name.ends_with("-cmd")
                            && f.get("user") == Some(&"sentinel")
                    })
                    .count();
                if logged_in >= sentinels {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(fail(
                        ExitCode::Error,
                        format!(
                            "only {logged_in} of {sentinels} Sentinels log in to {server} as \
                             'sentinel' {}s after auth-user/auth-pass were set: see the \
                             Sentinels' logs and {server}'s ACL LOG",
                            SETTLE.as_secs()
                        ),
                    ));
                }
                cancel::sleep(POLL, &self.cancel).await?;
            }
        }
        Ok(())
    }

    async fn check_closed(&mut self, node: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let seen = without_credentials(&self.env.dialer, &env.endpoint).await;
        match seen {
            Access::AuthRequired | Access::Denied => Ok(()),
            other => Err(fail(
                ExitCode::Error,
                format!(
                    "{node}: a connection without credentials was not refused with NOAUTH \
                     ({other:?})"
                ),
            )),
        }
    }

    /// The lines that persist the current runtime values of `keys` and `users`.
    async fn current_lines(
        &mut self,
        node: &str,
        keys: &[String],
        users: &[String],
    ) -> Result<Vec<FileLine>> {
        let mut lines = Vec::new();
        for k in keys {
            let value = self
                .conn(node)
                .await?
                .config_get(k)
                .await?
                .remove(k)
                .unwrap_or_default();
            let args = if k == "bind" || k == "save" {
                value.split_whitespace().map(String::from).collect()
            } else {
                vec![value]
            };
            lines.push(FileLine {
                name: k.clone(),
                key: 0,
                args,
            });
        }
        for user in users {
            let rules = self.acl_line(node, user).await?.unwrap_or_default();
            let mut args = vec![user.clone()];
            args.extend(rules.split_whitespace().map(String::from));
            lines.push(FileLine {
                name: "user".into(),
                key: 1,
                args,
            });
        }
        Ok(lines)
    }

    fn edit_file(&mut self, node: &str, path: &Path, lines: &[FileLine]) -> Result<()> {
        let loaded = ConfFile::load(path)?;
        let mut conf = loaded.conf.clone();
        for l in lines {
            let args: Vec<&str> = l.args.iter().map(String::as_str).collect();
            if l.key == 0 {
                conf.set(&l.name, &args);
            } else {
                conf.set_keyed(&l.name, l.key, &args);
            }
        }
        if !loaded.conf.includes().is_empty() {
            crate::ui::warn(format!(
                "{} includes {}: a directive there may override what apply wrote",
                path.display(),
                loaded.conf.includes().join(", ")
            ));
        }
        let diff = masked_diff(&loaded.conf, &conf);
        if !diff.is_empty() {
            crate::ui::note(format!("{}:\n{}", path.display(), diff.trim_end()));
        }
        let uid = self.node_env(node)?.process_uid;
        if let Some(backup) = loaded.write(&conf, uid)? {
            crate::ui::note(format!(
                "previous {} kept as {}",
                path.display(),
                backup.display()
            ));
            self.changed(
                node,
                Change::File {
                    path: loaded.path.clone(),
                    backup,
                },
            );
        }
        Ok(())
    }

    /// Stops the node with a saving SHUTDOWN (through its supervisor), starts it and waits
    /// as long as it loads, as restore does.
    async fn restart(&mut self, node: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let supervisor: &Supervisor = env.supervisor.as_ref().ok_or_else(|| {
            anyhow!("no supervisor for {node}: pass --service, --stop-cmd/--start-cmd")
        })?;
        self.conns.remove(node);
        let mut server = Server::new(
            self.env.dialer.clone(),
            env.endpoint.clone(),
            self.logins[node].clone(),
            None,
        );
        // Saved first: a restart must not lose what was written since the last save. The
        // stop is not cancelled: a server half-way down must come back.
        server
            .stop(supervisor, true, &CancellationToken::new())
            .await?;
        server.start_loaded(supervisor, &self.cancel).await
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
