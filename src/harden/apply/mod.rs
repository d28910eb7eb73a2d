//! `redisops harden apply`: the audit's facts and findings become a [`plan::Plan`] (pure,
//! printed as a diff with secrets masked), which [`exec::Executor`] applies step by step with
//! a journal, rolling back on failure.
//!
//! - [`roles`]: the users apply creates and their rights;
//! - [`secrets`]: the secrets directory holding their passwords;
//! - [`plan`]: the safe order over master, replicas and Sentinels;
//! - [`exec`]: running the plan, verifying each new login before relying on it.

pub mod exec;
pub mod plan;
pub mod roles;
pub mod secrets;

use crate::conn::Dialer;
use crate::exit::{ExitCode, fail};
use crate::harden::facts::{self, AuditFacts, GatherOptions, NodeKind};
use crate::host::supervisor::output_path;
use crate::host::{Process, Running, Supervisor, SupervisorChoice};
use crate::target::{AnyTarget, Auth, Endpoint, HostPort, Secret, TargetKind};
use anyhow::{Context, Result};
use exec::{Env, NodeEnv};
use plan::{Plan, PlanOptions};
use secrets::Secrets;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Request {
    pub plan: PlanOptions,
    /// `--rename-commands`: commands and, when given, their new names.
    pub rename: Vec<(String, Option<String>)>,
    pub secrets_dir: PathBuf,
    pub config_file: Option<PathBuf>,
    /// `--restart`: how.
    pub restart: Option<SupervisorChoice>,
}

/// Facts gathered and a plan made; nothing has changed yet.
pub struct Prepared {
    pub facts: AuditFacts,
    pub plan: Plan,
    pub env: Env,
}

/// The admin's password file in the secrets directory: a second run logs in with it when
/// the operator gave no credentials (the default user it used the first time is closed now).
pub fn default_auth(auth: &Auth, secrets_dir: &Path, admin: &str) -> Result<Auth> {
    if auth.user.is_some() || auth.password.is_some() {
        return Ok(auth.clone());
    }
    let path = secrets_dir.join(format!("{admin}.password"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Auth {
            user: Some(admin.to_string()),
            password: Some(Secret::new(text.trim_end_matches(['\n', '\r']))),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(auth.clone()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub async fn prepare(target: &AnyTarget, req: &Request) -> Result<Prepared> {
    let admin = req.plan.admin_user.clone();
    let options = GatherOptions {
        config_file: req.config_file.clone(),
        admin_users: vec![admin.clone()],
    };
    let mut sentinel_auth = None;
    // What the executor needs of the target: how to log in, TLS, and a single node's
    // endpoint (the others are reached at the addresses the facts name).
    let (facts, auth, tls, timeout, single, describe) = match target {
        AnyTarget::Single(target) => {
            let mut target = target.clone();
            target.auth = default_auth(&target.auth, &req.secrets_dir, &admin)?;
            if let TargetKind::Sentinel { auth, .. } = &mut target.kind {
                *auth = default_auth(auth, &req.secrets_dir, &admin)?;
                sentinel_auth = Some(auth.clone());
            }
            let facts = facts::gather(&target, &options).await?;
            crate::cluster::guard::refuse_audited(&facts, target.tls.is_some())?;
            let single = match &target.kind {
                TargetKind::Node(e) => Some(e.clone()),
                TargetKind::Sentinel { .. } => None,
            };
            let describe = target.describe();
            (
                facts,
                target.auth,
                target.tls,
                target.timeout,
                single,
                describe,
            )
        }
        AnyTarget::Cluster(cluster) => {
            let mut cluster = cluster.clone();
            cluster.auth = default_auth(&cluster.auth, &req.secrets_dir, &admin)?;
            if req.config_file.is_some() {
                return Err(fail(
                    ExitCode::Usage,
                    "--config-file names one server's file, not a cluster's",
                ));
            }
            let facts = facts::gather_cluster(&cluster, &options).await?;
            let describe = cluster.url();
            (
                facts,
                cluster.auth,
                cluster.tls,
                cluster.timeout,
                None,
                describe,
            )
        }
    };
    let in_group = facts.group.is_some();
    let mut users: Vec<String> = roles::roles(&admin, req.plan.app_scripting)
        .into_iter()
        .filter(|r| r.on(false, in_group) || (in_group && r.on(true, in_group)))
        .map(|r| r.user)
        .collect();
    // One password per user, also for a role that has other rights on Sentinels.
    users.sort();
    users.dedup();
    let mut secrets = Secrets::load(&req.secrets_dir, &users)?;
    let mut options = req.plan.clone();
    options.rename = secrets.rename(&req.rename)?;
    options.acl_forms = secrets.acl_forms();
    let hashes: BTreeMap<String, String> = users
        .iter()
        .filter_map(|u| Some((u.clone(), secrets.hash(u)?)))
        .collect();
    let mut plan = plan::plan(&facts, &options, &hashes, &secrets.new_files())
        .map_err(|r| fail(ExitCode::Usage, r.0))?;
    if facts.cluster.is_some() {
        plan = plan::cluster::by_node(plan, &facts);
    }

    let mut nodes = BTreeMap::new();
    for n in &facts.nodes {
        let sentinel = n.kind == NodeKind::Sentinel;
        let endpoint = match &single {
            Some(e) => e.clone(),
            None => Endpoint::Tcp(host_port(&n.address)?),
        };
        let auth = match (&sentinel_auth, sentinel) {
            (Some(a), true) => a.clone(),
            _ => auth.clone(),
        };
        let process = n.host.as_ref().and_then(|h| h.process.as_ref());
        let supervisor = match &req.restart {
            Some(r) if !sentinel => Some(supervisor_for(r, n, &req.secrets_dir)?),
            _ => None,
        };
        nodes.insert(
            n.address.clone(),
            NodeEnv {
                endpoint,
                sentinel,
                auth,
                process_uid: process.map(|p| p.uid),
                version: n.info("redis_version").unwrap_or("").to_string(),
                supervisor,
            },
        );
    }
    let env = Env {
        dialer: Dialer::new(tls.as_ref(), timeout)?,
        master: facts.group.as_ref().map(|g| g.master.clone()),
        nodes,
        target: describe,
        secrets,
    };
    Ok(Prepared { facts, plan, env })
}

/// `host:port` or `[v6]:port` as the facts name a node.
fn host_port(address: &str) -> Result<HostPort> {
    let (host, port) = address
        .rsplit_once(':')
        .with_context(|| format!("{address} is not host:port"))?;
    Ok(HostPort {
        host: host.trim_matches(['[', ']']).to_string(),
        port: port
            .parse()
            .with_context(|| format!("{address} is not host:port"))?,
    })
}

fn supervisor_for(
    choice: &SupervisorChoice,
    n: &facts::NodeFacts,
    secrets_dir: &Path,
) -> Result<Supervisor> {
    let pid = n
        .host
        .as_ref()
        .and_then(|h| h.process.as_ref())
        .map(|p| p.pid as u32);
    let process = pid.and_then(Process::read);
    let config_file = n.info("config_file").filter(|f| !f.is_empty());
    let running = Running {
        config_file: config_file.map(PathBuf::from),
        executable: process
            .as_ref()
            .and_then(|p| p.executable(n.info("executable"))),
        cwd: process
            .as_ref()
            .and_then(|p| p.cwd.clone())
            .unwrap_or_else(|| PathBuf::from("/")),
        owner: process.as_ref().map(Process::owner),
        args: Vec::new(),
    };
    let ts = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    choice
        .resolve(&running, output_path(secrets_dir, "harden", &ts))
        .map_err(|e| fail(ExitCode::Usage, format!("{}: {e:#}", n.address)))
}
