//! Applying a [`Plan`] to a live node: gather its facts, then run the steps on the step
//! runner ([`crate::steps`]); when a step or the verification fails, or a signal comes, the
//! planned undos of the steps already done run in reverse, so the server is as it was before.

use super::inspect::CertSummary;
use super::plan::{Action, CONFIG_KEYS, NodeFacts, Plan, Step};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::steps::journal::Journaling;
use crate::steps::{CancellationToken, Executor};
use crate::target::{Auth, Endpoint, HostPort, TlsOptions};
use anyhow::{Context, Result};
use std::time::Duration;

/// Reads what a plan needs from the node.
pub async fn gather(node: &mut Node) -> Result<(NodeFacts, String)> {
    let mut config = std::collections::BTreeMap::new();
    // One key per CONFIG GET: Redis 6.2 takes a single pattern.
    for key in CONFIG_KEYS {
        let mut got = node.config_get(key).await?;
        config.insert(key.to_string(), got.remove(key).unwrap_or_default());
    }
    let server = node.info("server").await?;
    let repl = node.info("replication").await?;
    let master = match (
        repl.get("role"),
        repl.get("master_host"),
        repl.i64("master_port"),
    ) {
        (Some("slave"), Some(host), Some(port)) => Some(HostPort {
            host: host.to_string(),
            port: u16::try_from(port).unwrap_or(0),
        }),
        _ => None,
    };
    let facts = NodeFacts {
        config,
        config_file: server.get("config_file").unwrap_or("").to_string(),
        master,
        replicas: repl.i64("connected_slaves").unwrap_or(0).max(0) as u64,
    };
    let run_id = server.get("run_id").unwrap_or("").to_string();
    Ok((facts, run_id))
}

/// How to open the verification connection: files on *this* machine.
pub struct Verifier {
    pub host: String,
    pub tls: TlsOptions,
    pub auth: Auth,
    pub timeout: Duration,
}

impl Verifier {
    /// A fresh TLS connection: handshake with CA and client certificate, AUTH, and the run_id
    /// of the node being changed (so a different server on that port does not count).
    pub async fn verify(&self, tls_port: u16, run_id: &str) -> Result<CertSummary> {
        let dialer = Dialer::new(Some(&self.tls), self.timeout)?;
        let hp = HostPort {
            host: self.host.clone(),
            port: tls_port,
        };
        let mut node = Node::connect(&dialer, &Endpoint::Tcp(hp.clone()), &self.auth, 0).await?;
        let info = node.info("server").await?;
        let seen = info.get("run_id").unwrap_or("");
        if seen != run_id {
            return Err(fail(
                ExitCode::Target,
                format!("{hp} is another server (run_id {seen}, expected {run_id})"),
            ));
        }
        let der = dialer.peer_certificate(&hp).await?;
        CertSummary::from_der(&der).map_err(|e| {
            fail(
                ExitCode::Tls,
                format!("cannot parse the certificate of {hp}: {e}"),
            )
        })
    }
}

/// The result of a successful run.
pub struct Applied {
    /// The certificate the verification connection was shown.
    pub certificate: Option<CertSummary>,
}

/// Runs the plan on the step runner: a failure or a signal undoes the runtime changes made
/// so far. Each step is recorded in `journal` when there is one (a Sentinel group journals
/// its stages instead, and lets a stage finish on a signal: it passes a token never
/// cancelled).
pub async fn apply(
    node: &mut Node,
    plan: &Plan,
    verifier: &Verifier,
    run_id: &str,
    journal: Option<&mut dyn Journaling>,
    cancel: &CancellationToken,
) -> Result<Applied> {
    let mut exec = NodeExec {
        node,
        verifier,
        run_id,
        certificate: None,
    };
    crate::steps::run(&mut exec, &plan.steps, journal, cancel).await?;
    Ok(Applied {
        certificate: exec.certificate,
    })
}

struct NodeExec<'a> {
    node: &'a mut Node,
    verifier: &'a Verifier,
    run_id: &'a str,
    certificate: Option<CertSummary>,
}

impl Executor for NodeExec<'_> {
    type Step = Step;
    type Undo = Action;

    async fn apply(
        &mut self,
        step: &Step,
        undos: &mut Vec<Action>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let shown = run(self.node, &step.action, self.verifier, self.run_id, cancel).await?;
        self.certificate = shown.or(self.certificate.take());
        // Planned ahead: what the step changed is undone by its planned undo.
        undos.extend(step.undo.clone());
        Ok(())
    }

    async fn undo(&mut self, undo: &Action) -> Result<()> {
        let cancel = CancellationToken::new();
        run(self.node, undo, self.verifier, self.run_id, &cancel)
            .await
            .map(drop)
    }

    fn describe(&self, step: &Step) -> (String, String) {
        (self.node.endpoint.to_string(), step.action.to_string())
    }

    fn rolled_back_note(&self) -> String {
        "The runtime changes were rolled back: the server is as before.".into()
    }
}

/// Runs one action; a verification hands back the certificate it was shown.
async fn run(
    node: &mut Node,
    action: &Action,
    verifier: &Verifier,
    run_id: &str,
    cancel: &CancellationToken,
) -> Result<Option<CertSummary>> {
    match action {
        Action::Verify { tls_port } => verifier.verify(*tls_port, run_id).await.map(Some),
        Action::WaitLink => wait_link(node, verifier.timeout * 3, cancel)
            .await
            .map(|()| None),
        Action::Set(pairs) => config_set(node, pairs).await.map(|()| None),
        Action::ReplicaOf(hp) => node
            .query::<()>(redis::cmd("REPLICAOF").arg(&hp.host).arg(hp.port))
            .await
            .context("REPLICAOF")
            .map(|()| None),
        Action::Rewrite => crate::keepmode::keeping_mode(node, async |node| {
            node.query::<()>(redis::cmd("CONFIG").arg("REWRITE")).await
        })
        .await
        .context(
            "CONFIG REWRITE failed (the runtime changes are in effect but not persisted: \
                 make the config file's directory writable by redis-server and run CONFIG \
                 REWRITE)",
        )
        .map(|()| None),
    }
}

/// `CONFIG SET`; a refused certificate file is explained (it must be on the server's host).
async fn config_set(node: &mut Node, pairs: &[(String, String)]) -> Result<()> {
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("SET");
    for (k, v) in pairs {
        cmd.arg(k).arg(v);
    }
    node.try_query::<()>(&cmd).await.map_err(|e| {
        let text = e.to_string();
        if pairs.iter().any(|(k, _)| k.ends_with("-file")) && !e.is_io_error() {
            fail(
                ExitCode::Error,
                format!(
                    "{}: the server could not load the certificate files ({text}). The \
                     paths are read by redis-server on its own host: copy the files \
                     there first (scp, configuration management, a Kubernetes Secret), \
                     readable by the user redis-server runs as; redisops cannot send \
                     files over the Redis protocol",
                    node.endpoint
                ),
            )
        } else {
            node.explain(&e).into()
        }
    })
}

async fn wait_link(node: &mut Node, limit: Duration, cancel: &CancellationToken) -> Result<()> {
    node.wait_link_up(limit, cancel).await?.map_err(|status| {
        fail(
            ExitCode::Error,
            format!(
                "the replication link did not come up over TLS within {}s (master_link_status \
                 {status}): check the master's tls-port and that this node's certificate has \
                 clientAuth and is signed by the master's CA",
                limit.as_secs(),
            ),
        )
    })
}
