//! Applying a hardening [`Plan`]: one connection per node, the steps in order, each recorded
//! in a journal before and after it runs. Before a step changes anything the executor reads
//! what it will replace (the user's ACL rules, the config values, the file) and keeps the
//! undo in memory only, because it may hold passwords. When a step fails before the plan's
//! file-only part, the undos run in reverse and the nodes are as before (exit 30).

use super::plan::{Action, FileLine, Plan, Step, Val};
use super::secrets::Secrets;
use crate::conffile::{ConfFile, masked_diff};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::harden::facts::Access;
use crate::harden::facts::gather::client_fields;
use crate::harden::facts::probe::without_credentials;
use crate::journal::Journal;
use crate::restore::supervisor::{Supervisor, listening, local_pid, wait_down};
use crate::target::{Auth, Endpoint, Secret};
use anyhow::{Context, Result, anyhow};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long links, Sentinels and restarts get to settle.
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

/// The rules of an `ACL LIST` line as `ACL SETUSER` arguments: a selector `(~k +get)` is one
/// argument, whatever spaces it holds.
fn acl_rules(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for word in line.split_whitespace() {
        if depth > 0 {
            let last = out.last_mut().expect("a selector was opened");
            last.push(' ');
            last.push_str(word);
        } else {
            out.push(word.to_string());
        }
        depth += word.matches('(').count();
        depth = depth.saturating_sub(word.matches(')').count());
    }
    out
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

/// What undoes one step.
enum Undo {
    /// The user's `ACL LIST` line before the change, or None when it did not exist.
    User {
        user: String,
        before: Option<String>,
    },
    Config(Vec<(String, String)>),
    /// The default user's rules and requirepass before they were tightened.
    Default {
        before: String,
        requirepass: String,
    },
    SentinelConfig(Vec<(String, String)>),
    SentinelAuth {
        master: String,
        auth_pass: String,
    },
    File {
        path: PathBuf,
        backup: PathBuf,
    },
    Mode {
        path: PathBuf,
        mode: u32,
    },
    Secrets,
}

pub struct Executor<'a> {
    env: &'a Env,
    plan: &'a Plan,
    conns: BTreeMap<String, Node>,
    logins: BTreeMap<String, Auth>,
    undos: Vec<(String, Undo)>,
    /// Saves done (ACL SAVE, CONFIG REWRITE, FLUSHCONFIG): a rollback saves again, so the
    /// files on disk hold the restored state, not the one being undone.
    saved: Vec<(String, Action)>,
    /// How the nodes described the users set in this run ([`super::roles::form_key`]).
    forms: BTreeMap<String, String>,
    pub journal: Journal,
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
            journal: Journal::new(&env.secrets.dir, "harden", &env.target, plan),
        }
    }

    /// Runs every step. On failure before the restart, rolls back and returns the error.
    pub async fn run(&mut self) -> Result<()> {
        self.env.secrets.create_dir()?;
        for (i, step) in self.plan.steps.iter().enumerate() {
            crate::ui::note(format!(
                "[{}/{}] {}: {}",
                i + 1,
                self.plan.steps.len(),
                step.node,
                step.action
            ));
            self.journal.begin(i, &step.node, step.action.to_string());
            match self.apply(step).await {
                Ok(()) => self.journal.outcome(i, "done"),
                Err(e) => {
                    self.journal.outcome(i, format!("failed: {e:#}"));
                    return Err(self.fail(i, step, e).await);
                }
            }
        }
        self.journal.end("done");
        if let Err(e) = self.env.secrets.remember_acl_forms(&self.forms) {
            crate::ui::warn(format!("{e:#}: the next run may set the users again"));
        }
        Ok(())
    }

    /// After a failure: roll back what can be, or (once a server restarted on an edited
    /// file) say what state it is in.
    async fn fail(&mut self, i: usize, step: &Step, cause: anyhow::Error) -> anyhow::Error {
        let restarted = self.plan.steps[..i]
            .iter()
            .any(|s| matches!(s.action, Action::Restart));
        if restarted || matches!(step.action, Action::Restart) {
            self.journal.end("incomplete");
            let state = if restarted {
                "The server was restarted on the new config file; this later step failed and \
                 nothing was rolled back: check it by hand"
            } else {
                "The runtime changes and the config file are in place, but the restart did not \
                 complete: start the server with its supervisor"
            };
            return fail(
                ExitCode::Incomplete,
                format!(
                    "{}: {cause:#}. {state}; the previous config file is kept next to it as \
                     *.redisops-*.bak. Journal: {}",
                    step.node,
                    self.journal.path().display()
                ),
            );
        }
        let failed = self.roll_back().await;
        let code = crate::exit::code_for(&cause);
        if failed.is_empty() {
            self.journal.end("rolled back");
            fail(
                if matches!(code, ExitCode::Error | ExitCode::Auth) {
                    ExitCode::RolledBack
                } else {
                    code
                },
                format!(
                    "{}: {cause:#}. Every change made was rolled back: the nodes are as before \
                     and no new password was kept. Journal: {}",
                    step.node,
                    self.journal.path().display()
                ),
            )
        } else {
            self.journal.end("rollback failed");
            fail(
                ExitCode::Error,
                format!(
                    "{}: {cause:#}. Rolling back also failed; fix these by hand: {}. Journal: {}",
                    step.node,
                    failed.join("; "),
                    self.journal.path().display()
                ),
            )
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

    async fn apply(&mut self, step: &Step) -> Result<()> {
        let node = step.node.as_str();
        match &step.action {
            Action::WriteSecrets { .. } => {
                self.env.secrets.write_new()?;
                self.undos.push((node.into(), Undo::Secrets));
            }
            Action::SetUser { user, rules } => {
                let before = self.acl_line(node, user).await?;
                let hash = format!("#{}", self.env.secrets.hash(user).unwrap_or_default());
                let mut cmd = redis::cmd("ACL");
                cmd.arg("SETUSER").arg(user).arg("on").arg(rules).arg(&hash);
                self.undos.push((
                    node.into(),
                    Undo::User {
                        user: user.clone(),
                        before,
                    },
                ));
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
                self.undos.push((node.into(), Undo::Config(before)));
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
                self.undos.push((
                    node.into(),
                    Undo::Default {
                        before,
                        requirepass,
                    },
                ));
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
                self.undos.push((
                    node.into(),
                    Undo::SentinelAuth {
                        master: master.clone(),
                        auth_pass,
                    },
                ));
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
                    self.undos.push((node.into(), Undo::SentinelConfig(before)));
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
                    Ok(old) => self
                        .undos
                        .push((node.into(), Undo::Mode { path, mode: old })),
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
        }
        Ok(())
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
        self.conn(node)
            .await?
            .wait_link_up(SETTLE)
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
                Some(_) => tokio::time::sleep(POLL).await,
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
        let stale = |s: &str, peer: &BTreeMap<String, String>| {
            let ok: u128 = peer
                .get("last-ok-ping-reply")
                .and_then(|v| v.parse().ok())
                .unwrap_or(u128::MAX);
            (ok >= elapsed).then(|| {
                format!(
                    "{s} has had no PING reply from {}:{} since the change ({} ms ago)",
                    peer.get("ip").map(String::as_str).unwrap_or("?"),
                    peer.get("port").map(String::as_str).unwrap_or("?"),
                    ok
                )
            })
        };
        let mut addresses = Vec::new();
        for s in sentinels {
            let con = match self.conn(s).await {
                Ok(c) => c,
                Err(e) => return Some(format!("{s}: {e:#}")),
            };
            let addr: Result<Vec<String>> = con
                .query(
                    redis::cmd("SENTINEL")
                        .arg("GET-MASTER-ADDR-BY-NAME")
                        .arg(master),
                )
                .await;
            let flags: Result<BTreeMap<String, String>> = con
                .query(redis::cmd("SENTINEL").arg("MASTER").arg(master))
                .await;
            let quorum = con
                .try_query::<String>(redis::cmd("SENTINEL").arg("CKQUORUM").arg(master))
                .await;
            let peers: Result<Vec<BTreeMap<String, String>>> = con
                .query(redis::cmd("SENTINEL").arg("REPLICAS").arg(master))
                .await;
            let others: Result<Vec<BTreeMap<String, String>>> = con
                .query(redis::cmd("SENTINEL").arg("SENTINELS").arg(master))
                .await;
            let (peers, others) = match (peers, others) {
                (Ok(p), Ok(o)) => (p, o),
                (Err(e), _) | (_, Err(e)) => return Some(format!("{s}: {e:#}")),
            };
            match (addr, flags, quorum) {
                (Ok(a), Ok(f), Ok(_)) => {
                    let flags = f.get("flags").cloned().unwrap_or_default();
                    if ["s_down", "o_down", "disconnected"]
                        .iter()
                        .any(|bad| flags.contains(bad))
                    {
                        return Some(format!("{s} flags the master {flags}"));
                    }
                    if let Some(p) = std::iter::once(&f)
                        .chain(&peers)
                        .chain(&others)
                        .find_map(|peer| stale(s, peer))
                    {
                        return Some(p);
                    }
                    addresses.push(a.join(":"));
                }
                (Err(e), _, _) | (_, Err(e), _) => return Some(format!("{s}: {e:#}")),
                (_, _, Err(e)) => return Some(format!("{s}: CKQUORUM: {e}")),
            }
        }
        addresses.dedup();
        (addresses.len() > 1).then(|| format!("they disagree on the master: {addresses:?}"))
    }

    /// Every server shows, in CLIENT LIST, each Sentinel's command connection
    /// (`name=sentinel-<id>-cmd`) logged in as the `sentinel` user.
    async fn check_sentinel_logins(&mut self, sentinels: usize) -> Result<()> {
        let servers: Vec<String> = self
            .env
            .nodes
            .iter()
            .filter(|(_, n)| !n.sentinel)
            .map(|(a, _)| a.clone())
            .collect();
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
                tokio::time::sleep(POLL).await;
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
            self.undos.push((
                node.into(),
                Undo::File {
                    path: loaded.path.clone(),
                    backup,
                },
            ));
        }
        Ok(())
    }

    async fn restart(&mut self, node: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let supervisor = env.supervisor.as_ref().ok_or_else(|| {
            anyhow!("no supervisor for {node}: pass --service, --stop-cmd/--start-cmd")
        })?;
        let con = self.conn(node).await?;
        let pid = con
            .info("server")
            .await?
            .u64("process_id")
            .and_then(|p| local_pid(p as u32));
        // Saved first: a restart must not lose what was written since the last save.
        supervisor.stop(Some(con), true).await?;
        self.conns.remove(node);
        wait_down(&env.endpoint, pid, SETTLE).await?;
        let mut child = supervisor.start().await?;
        let deadline = Instant::now() + SETTLE;
        loop {
            if listening(&env.endpoint)
                && let Ok(con) = self.conn(node).await
                && con
                    .info("persistence")
                    .await
                    .is_ok_and(|i| i.get("loading") == Some("0"))
            {
                return Ok(());
            }
            self.conns.remove(node);
            if let Some(c) = child.as_mut()
                && let Some(status) = c.try_wait()?
                && !status.success()
            {
                anyhow::bail!("redis-server exited with {status} after the restart");
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "{node} did not come back within {}s of the restart",
                    SETTLE.as_secs()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs the undos in reverse; returns what could not be undone.
    async fn roll_back(&mut self) -> Vec<String> {
        let mut failed = Vec::new();
        let undos = std::mem::take(&mut self.undos);
        for (node, undo) in undos.into_iter().rev() {
            // The password files go last, and only when nothing on disk may still need them.
            if matches!(undo, Undo::Secrets) {
                continue;
            }
            if let Err(e) = self.undo(&node, &undo).await {
                failed.push(format!("{node}: {e:#}"));
            }
        }
        let saved = std::mem::take(&mut self.saved);
        for (node, action) in &saved {
            crate::ui::note(format!("rolling back: {node}: {action} again"));
            if let Err(e) = self.save_config(node, action).await {
                failed.push(format!("{node}: {action}: {e:#}"));
            }
        }
        if failed.is_empty() {
            self.env.secrets.remove_new();
        }
        failed
    }

    async fn undo(&mut self, node: &str, undo: &Undo) -> Result<()> {
        match undo {
            Undo::Secrets => Ok(()),
            Undo::User { user, before } => {
                crate::ui::note(format!("rolling back: {node}: user {user}"));
                let con = self.conn(node).await?;
                match before {
                    None => {
                        con.query::<()>(redis::cmd("ACL").arg("DELUSER").arg(user))
                            .await
                    }
                    Some(rules) => {
                        con.query::<()>(
                            redis::cmd("ACL")
                                .arg("SETUSER")
                                .arg(user)
                                .arg("reset")
                                .arg(acl_rules(rules)),
                        )
                        .await
                    }
                }
            }
            Undo::Config(pairs) => {
                crate::ui::note(format!("rolling back: {node}: CONFIG SET"));
                let mut cmd = redis::cmd("CONFIG");
                cmd.arg("SET");
                for (k, v) in pairs {
                    cmd.arg(k).arg(v);
                }
                self.conn(node).await?.query::<()>(&cmd).await
            }
            Undo::Default {
                before,
                requirepass,
            } => {
                crate::ui::note(format!("rolling back: {node}: the default user"));
                let mut set = redis::cmd("ACL");
                set.arg("SETUSER")
                    .arg("default")
                    .arg("reset")
                    .arg(acl_rules(before));
                if self.node_env(node)?.sentinel {
                    return self.conn(node).await?.query::<()>(&set).await;
                }
                // requirepass first: it resets the default user's passwords, which the
                // ACL line then puts back exactly.
                let mut pipe = redis::pipe();
                pipe.atomic();
                pipe.cmd("CONFIG")
                    .arg("SET")
                    .arg("requirepass")
                    .arg(requirepass);
                pipe.add_command(set);
                self.conn(node).await?.query_pipe(&pipe).await
            }
            Undo::SentinelConfig(pairs) => {
                for (k, v) in pairs {
                    self.sentinel_config_set(node, k, v).await?;
                }
                Ok(())
            }
            Undo::SentinelAuth { master, auth_pass } => {
                self.conn(node)
                    .await?
                    .query::<()>(
                        redis::cmd("SENTINEL")
                            .arg("SET")
                            .arg(master)
                            .arg("auth-user")
                            .arg("")
                            .arg("auth-pass")
                            .arg(auth_pass),
                    )
                    .await
            }
            // Copied over the file (not renamed) so it keeps its owner.
            Undo::File { path, backup } => {
                std::fs::copy(backup, path).map(drop).with_context(|| {
                    format!(
                        "cannot copy {} back to {}",
                        backup.display(),
                        path.display()
                    )
                })
            }
            Undo::Mode { path, mode } => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
                    .with_context(|| format!("cannot chmod {}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::acl_rules;

    #[test]
    fn selectors_stay_one_argument() {
        assert_eq!(
            acl_rules("on #ab ~* (~k:* +get +set) (%R~r:* +@read) -@all"),
            [
                "on",
                "#ab",
                "~*",
                "(~k:* +get +set)",
                "(%R~r:* +@read)",
                "-@all"
            ]
        );
    }
}
