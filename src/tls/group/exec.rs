//! Applying a [`GroupPlan`]: gathering the group's facts, then running the stages in order.
//! A data-node stage is the single-node executor (rolled back on failure); a Sentinel stage
//! stops the Sentinel, writes its file, starts it and checks the group, and on failure puts
//! the old file back and starts it as it was. A failure after an earlier stage finished exits
//! 31 with what is done and what to do: running the same command again skips finished steps.

use super::plan::{
    DataNode, GroupFacts, GroupPlan, SentinelAccess, SentinelNode, SentinelRestart, Stage,
};
use crate::conn::sentinel::{Health, SentinelView};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::host::supervisor::output_path;
use crate::host::{Process, Running, Supervisor, SupervisorChoice, wait_down};
use crate::steps::journal::{Journal, State};
use crate::steps::{CancellationToken, Executor, Kept};
use crate::target::{Auth, Endpoint, HostPort, Target, TargetKind, TlsOptions};
use crate::tls::exec::{self as node_exec, Verifier};
use crate::tls::plan::Plan;
use crate::tls::sentinel_conf;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const STOP_TIMEOUT: Duration = Duration::from_secs(30);
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Sentinels exchange hellos every 2 s and ping every second: agreement and quorum after a
/// restart or a reset take a few seconds, more on a loaded host.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Connections and credentials for one run.
pub struct Group {
    /// Data nodes and not-yet-restarted Sentinels, as the target says.
    dialer: Dialer,
    /// Restarted Sentinels, and the verification connections: the local CA and client cert.
    tls_dialer: Dialer,
    verify_tls: TlsOptions,
    auth: Auth,
    sentinel_auth: Auth,
    timeout: Duration,
    master_name: String,
    /// Every Sentinel's current address; changed when a restart moves it to its TLS port.
    sentinels: Vec<(HostPort, Option<u16>)>,
    /// Each data node's run_id: a verification must reach the same server.
    run_ids: BTreeMap<String, String>,
    /// How the Sentinels whose file is on this host are stopped and started; the managed
    /// mode (`SHUTDOWN`, then `<executable> <config> --sentinel` detached) is for a Sentinel
    /// that runs here outside a service manager.
    supervision: SupervisorChoice,
    ts: String,
    /// A group stage finishes on a signal (a Sentinel is never left stopped): its own waits
    /// get this token, which is never cancelled.
    stage_waits: CancellationToken,
}

/// Reads the group through its Sentinels: master, replicas, each node's TLS settings, and for
/// each Sentinel whether redisops can edit and restart it here.
pub async fn gather(
    target: &Target,
    verify_tls: TlsOptions,
    supervision: SupervisorChoice,
    ts: &str,
) -> Result<(GroupFacts, Group)> {
    let TargetKind::Sentinel {
        sentinels,
        master: name,
        auth: sentinel_auth,
    } = &target.kind
    else {
        unreachable!("gather is only called for Sentinel targets");
    };
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let view = SentinelView::gather(&dialer, sentinels, name, sentinel_auth).await?;
    let down: Vec<String> = view
        .replicas
        .iter()
        .filter(|r| r.flags.contains("down") || r.flags.contains("disconnected"))
        .map(|r| format!("{} ({})", r.address, r.flags))
        .collect();
    if !down.is_empty() {
        return Err(fail(
            ExitCode::Target,
            format!(
                "the Sentinels list replicas that are down: {}. A replica that comes back \
                 later would still use plaintext. Bring them back, or drop stale entries with \
                 SENTINEL RESET {name} on each Sentinel, then run again.",
                down.join(", ")
            ),
        ));
    }
    let mut group = Group {
        tls_dialer: Dialer::new(Some(&verify_tls), target.timeout)?,
        dialer,
        verify_tls,
        auth: target.auth.clone(),
        sentinel_auth: sentinel_auth.clone(),
        timeout: target.timeout,
        master_name: name.clone(),
        sentinels: sentinels.iter().map(|s| (s.clone(), None)).collect(),
        run_ids: BTreeMap::new(),
        supervision,
        ts: ts.to_string(),
        stage_waits: CancellationToken::new(),
    };
    let master = group.data_node(&view.master).await?;
    let mut replicas = Vec::new();
    for r in &view.replicas {
        replicas.push(group.data_node(&r.address).await?);
    }
    let mut sentinel_nodes = Vec::new();
    for s in sentinels {
        sentinel_nodes.push(group.sentinel_node(s).await?);
    }
    let mut first = group.sentinel(0).await?;
    let info: BTreeMap<String, String> = first
        .query(redis::cmd("SENTINEL").arg("MASTER").arg(name))
        .await?;
    let facts = GroupFacts {
        master_name: name.clone(),
        quorum: info.get("quorum").and_then(|q| q.parse().ok()).unwrap_or(0),
        master,
        replicas,
        sentinels: sentinel_nodes,
    };
    Ok((facts, group))
}

impl Group {
    /// Connects as the target says, else over TLS with the verification files: after a
    /// failed run some nodes listen only on TLS while others still speak plaintext.
    async fn connect_either(&self, address: &HostPort, auth: &Auth) -> Result<(Node, bool)> {
        let endpoint = Endpoint::Tcp(address.clone());
        match Node::connect(&self.dialer, &endpoint, auth, 0).await {
            Ok(node) => Ok((node, self.dialer.is_tls())),
            Err(e) if !self.dialer.is_tls() => {
                match Node::connect(&self.tls_dialer, &endpoint, auth, 0).await {
                    Ok(node) => Ok((node, true)),
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn data_node(&mut self, address: &HostPort) -> Result<DataNode> {
        let (mut node, _) = self.connect_either(address, &self.auth).await?;
        let (facts, run_id) = node_exec::gather(&mut node).await?;
        self.run_ids.insert(address.to_string(), run_id);
        Ok(DataNode {
            address: address.clone(),
            facts,
        })
    }

    async fn sentinel_node(&mut self, address: &HostPort) -> Result<SentinelNode> {
        let (mut node, tls) = self.connect_either(address, &self.sentinel_auth).await?;
        if tls && !self.dialer.is_tls() {
            let i = self.sentinel_index(address);
            self.sentinels[i].1 = Some(address.port);
        }
        let server = node.info("server").await?;
        let monitors: Option<(String, u16)> = node
            .query(
                redis::cmd("SENTINEL")
                    .arg("GET-MASTER-ADDR-BY-NAME")
                    .arg(&self.master_name),
            )
            .await?;
        let (host, port) = monitors.unwrap_or_default();
        let config_file = server.get("config_file").unwrap_or("").to_string();
        let pid = server.u64("process_id").unwrap_or(0) as u32;
        // redisops edits the file, so it must be readable here whoever restarts the Sentinel.
        let Ok(text) = std::fs::read_to_string(&config_file) else {
            return Ok(SentinelNode {
                address: address.clone(),
                access: SentinelAccess::Remote { config_file },
                monitors: HostPort { host, port },
                tls,
            });
        };
        let config_file = PathBuf::from(&config_file);
        let dir = config_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let output = output_path(&dir, "tls", &self.ts);
        let here = Process::read(pid).filter(|p| p.listens_on(address.port));
        let choice = self.supervision.for_node(address);
        let supervisor = match (&choice, here) {
            (SupervisorChoice::Managed { .. }, None) => None,
            (SupervisorChoice::Managed { .. }, Some(process)) => {
                if let Some(unit) = &process.unit {
                    return Err(fail(
                        ExitCode::Usage,
                        format!(
                            "Sentinel {address} runs as the systemd unit {unit}: after a \
                             SHUTDOWN systemd may start it again on the old file. Pass \
                             --sentinel-service {unit} (use {{port}} in the name when the units \
                             differ per Sentinel)"
                        ),
                    ));
                }
                let running = Running {
                    config_file: Some(config_file.clone()),
                    executable: process.executable(server.get("executable")),
                    cwd: process.cwd.clone().unwrap_or_else(|| dir.clone()),
                    owner: Some(process.owner()),
                    args: vec!["--sentinel".into()],
                };
                // Without an executable to start it again, redisops leaves it to the operator.
                running
                    .executable
                    .is_some()
                    .then(|| choice.resolve(&running, output))
                    .transpose()?
            }
            _ => Some(choice.resolve(&Running::default(), output)?),
        };
        let access = match supervisor {
            Some(supervisor) => SentinelAccess::Local {
                config_file,
                text,
                supervisor,
            },
            None => SentinelAccess::Remote {
                config_file: config_file.display().to_string(),
            },
        };
        Ok(SentinelNode {
            address: address.clone(),
            access,
            monitors: HostPort { host, port },
            tls,
        })
    }

    /// Connects to the i-th Sentinel where it listens now.
    async fn sentinel(&self, i: usize) -> Result<Node> {
        let (address, tls_port) = &self.sentinels[i];
        let (dialer, hp) = match tls_port {
            Some(port) => (
                &self.tls_dialer,
                HostPort {
                    host: address.host.clone(),
                    port: *port,
                },
            ),
            None => (&self.dialer, address.clone()),
        };
        Node::connect(dialer, &Endpoint::Tcp(hp), &self.sentinel_auth, 0).await
    }

    fn sentinel_index(&self, address: &HostPort) -> usize {
        self.sentinels
            .iter()
            .position(|(a, _)| a == address)
            .expect("planned Sentinels come from the target")
    }

    /// Runs the stages on the step runner, each recorded in `journal`; see the module doc
    /// for what a failure leaves. A signal stops before the next stage.
    pub async fn apply(
        &mut self,
        plan: &GroupPlan,
        cancel: &CancellationToken,
        journal: &mut Journal,
    ) -> Result<()> {
        let mut exec = Stages {
            group: self,
            plan,
            done: Vec::new(),
            warned_names: false,
        };
        crate::steps::run(&mut exec, &plan.stages, Some(journal), cancel).await
    }

    /// The single-node executor on a fresh connection (a Sentinel stage can take minutes,
    /// longer than a server's idle `timeout`).
    async fn node_stage(&self, address: &HostPort, plan: &Plan) -> Result<node_exec::Applied> {
        let run_id = &self.run_ids[&address.to_string()];
        let (mut node, _) = self.connect_either(address, &self.auth).await?;
        let verifier = Verifier {
            host: address.host.clone(),
            tls: self.verify_tls.clone(),
            auth: self.auth.clone(),
            timeout: self.timeout,
        };
        node_exec::apply(&mut node, plan, &verifier, run_id, None, &self.stage_waits).await
    }

    async fn restart_sentinel(
        &mut self,
        plan: &GroupPlan,
        restart: &SentinelRestart,
        all_moved: bool,
    ) -> Result<()> {
        let SentinelRestart {
            address,
            tls_port,
            config_file,
            want,
            supervisor,
        } = restart;
        let i = self.sentinel_index(address);
        // A failover since planning would make the planned monitor port wrong.
        if let Verdict::Wrong(problem) = self.ask(i, plan).await {
            return Err(fail(
                ExitCode::Target,
                format!("{problem} (a failover since planning?): nothing changed on it"),
            ));
        }
        let mut node = self.sentinel(i).await?;
        let old = node.endpoint.clone();
        let pid = node
            .info("server")
            .await?
            .u64("process_id")
            .map(|p| p as u32);
        supervisor.stop(Some(&mut node), false).await?;
        drop(node);
        wait_down(&old, pid, STOP_TIMEOUT, &self.stage_waits).await?;
        // Read and written only now: a running Sentinel rewrites its own file.
        let backup = match sentinel_conf::write(config_file, want) {
            Ok(b) => b,
            Err(e) => return Err(self.put_back(i, None, supervisor, e).await),
        };
        if let Some(backup) = &backup {
            crate::ui::note(format!(
                "wrote {} (previous version: {})",
                config_file.display(),
                backup.display()
            ));
        }
        self.sentinels[i].1 = Some(*tls_port);
        let (result, child) = match supervisor.start().await {
            Ok(mut child) => {
                let up = match self.wait_sentinel(i, supervisor, child.as_mut()).await {
                    Ok(()) => self.settle(plan, all_moved).await,
                    Err(e) => Err(e),
                };
                (up, child)
            }
            Err(e) => (Err(e), None),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = self.stop_new(i, &old, supervisor, child, e).await;
                self.sentinels[i].1 = None;
                let replaced = backup.as_deref().map(|b| (config_file.as_path(), b));
                Err(self.put_back(i, replaced, supervisor, e).await)
            }
        }
    }

    /// Stops a Sentinel started on the new file that did not pass its checks, also when
    /// redisops cannot connect to it (a certificate it does not accept): through its
    /// supervisor, or by killing the process redisops started.
    async fn stop_new(
        &self,
        i: usize,
        old: &Endpoint,
        supervisor: &Supervisor,
        child: Option<std::process::Child>,
        cause: anyhow::Error,
    ) -> anyhow::Error {
        let stopped = async {
            let mut pid = child.as_ref().map(std::process::Child::id);
            match (self.sentinel(i).await, child) {
                (Ok(mut node), _) => {
                    if let Ok(info) = node.info("server").await {
                        pid = info.u64("process_id").map(|p| p as u32).or(pid);
                    }
                    supervisor.stop(Some(&mut node), false).await?;
                }
                (Err(_), Some(mut child)) => {
                    child.kill()?;
                    child.wait()?;
                }
                (Err(e), None) => supervisor.stop(None, false).await.map_err(|_| e)?,
            }
            let tls = Endpoint::Tcp(HostPort {
                host: self.sentinels[i].0.host.clone(),
                port: self.sentinels[i].1.unwrap_or(self.sentinels[i].0.port),
            });
            wait_down(&tls, pid, STOP_TIMEOUT, &self.stage_waits).await?;
            wait_down(old, None, STOP_TIMEOUT, &self.stage_waits).await
        }
        .await;
        match stopped {
            Ok(()) => cause,
            Err(e) => cause.context(format!(
                "the Sentinel with the new config could not be stopped ({e:#}): stop it by hand"
            )),
        }
    }

    /// Puts the old file back (when it was replaced) and starts the Sentinel as it was.
    async fn put_back(
        &self,
        i: usize,
        replaced: Option<(&Path, &Path)>,
        supervisor: &Supervisor,
        cause: anyhow::Error,
    ) -> anyhow::Error {
        let address = &self.sentinels[i].0;
        let restored = async {
            if let Some((file, backup)) = replaced {
                sentinel_conf::restore(file, backup)?;
            }
            let mut child = supervisor.start().await?;
            self.wait_sentinel(i, supervisor, child.as_mut()).await
        }
        .await;
        match restored {
            Ok(()) => cause.context(format!(
                "Sentinel {address} was started again with its previous configuration"
            )),
            Err(e) => cause.context(format!(
                "Sentinel {address} could not be started again with its previous \
                 configuration ({e:#}): start it by hand with `{}`",
                supervisor.describe_start()
            )),
        }
    }

    /// Waits until the Sentinel answers PING where it should listen now.
    async fn wait_sentinel(
        &self,
        i: usize,
        supervisor: &Supervisor,
        mut child: Option<&mut std::process::Child>,
    ) -> Result<()> {
        let supervisor_output = match supervisor {
            Supervisor::Managed { output, .. } => Some(output),
            _ => None,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let last = match self.sentinel(i).await {
                Ok(mut node) => match node.query::<String>(&redis::cmd("PING")).await {
                    Ok(_) => return Ok(()),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            if let Some(status) = child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(last.context(format!(
                    "the Sentinel exited ({status}) right after the start: see its logfile{}",
                    match supervisor_output {
                        Some(out) => format!(" and {}", out.display()),
                        None => String::new(),
                    }
                )));
            }
            if Instant::now() > deadline {
                return Err(last.context(format!(
                    "Sentinel {} did not answer within {}s of its start",
                    self.sentinels[i].0,
                    START_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until every Sentinel names the master and CKQUORUM is OK on every Sentinel
    /// (`all`), or on the larger side while some still use plaintext: a TLS and a plaintext
    /// Sentinel cannot reach each other, so until all are moved only that side sees enough
    /// peers.
    async fn settle(&self, plan: &GroupPlan, all: bool) -> Result<()> {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        loop {
            let mut problems = Vec::new();
            let (mut ok, mut wrong) = (0, 0);
            for i in 0..self.sentinels.len() {
                match self.ask(i, plan).await {
                    Verdict::Good => ok += 1,
                    Verdict::NoQuorum(p) => problems.push(p),
                    Verdict::Wrong(p) => {
                        wrong += 1;
                        problems.push(p);
                    }
                }
            }
            // At least half: with an even number of Sentinels the rolling restart passes
            // through an even split, which only the next restart ends.
            let larger_side = ok * 2 >= self.sentinels.len();
            if problems.is_empty() || (!all && wrong == 0 && larger_side) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the Sentinels did not settle within {}s: {}",
                        SETTLE_TIMEOUT.as_secs(),
                        problems.join("; ")
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// One Sentinel's view of the master and the quorum.
    async fn ask(&self, i: usize, plan: &GroupPlan) -> Verdict {
        let mut node = match self.sentinel(i).await {
            Ok(node) => node,
            Err(e) => return Verdict::Wrong(format!("{}: {e:#}", self.sentinels[i].0)),
        };
        let at = node.endpoint.clone();
        let health = match Health::probe(&mut node, &plan.master_name).await {
            Ok(h) => h,
            Err(e) => return Verdict::Wrong(format!("{at}: {e:#}")),
        };
        if !health.master.as_ref().is_some_and(|hp| plan.is_master(hp)) {
            return Verdict::Wrong(format!(
                "{at} names {} as the master",
                health
                    .master
                    .map(|hp| hp.to_string())
                    .unwrap_or("nothing".into())
            ));
        }
        match health.quorum {
            Ok(()) => Verdict::Good,
            Err(e) => Verdict::NoQuorum(format!("{at}: CKQUORUM {e}")),
        }
    }

    /// `SENTINEL RESET`, then waits until this Sentinel knows every replica (at its TLS
    /// port, with a working link) and every other Sentinel, and the group has quorum.
    async fn reset(&self, plan: &GroupPlan, address: &HostPort) -> Result<()> {
        let i = self.sentinel_index(address);
        let mut node = self.sentinel(i).await?;
        node.query::<i64>(redis::cmd("SENTINEL").arg("RESET").arg(&plan.master_name))
            .await?;
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        loop {
            let master: BTreeMap<String, String> = node
                .query(redis::cmd("SENTINEL").arg("MASTER").arg(&plan.master_name))
                .await?;
            let replicas: Vec<BTreeMap<String, String>> = node
                .query(
                    redis::cmd("SENTINEL")
                        .arg("REPLICAS")
                        .arg(&plan.master_name),
                )
                .await?;
            let healthy = replicas
                .iter()
                .filter(|r| {
                    r.get("flags")
                        .is_some_and(|f| !f.contains("down") && !f.contains("disconnected"))
                        && r.get("master-link-status").map(String::as_str) == Some("ok")
                })
                .count();
            let peers = master
                .get("num-other-sentinels")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            let want_peers = self.sentinels.len() - 1;
            if healthy == plan.replicas && replicas.len() == plan.replicas && peers == want_peers {
                return self.settle(plan, true).await;
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "after SENTINEL RESET, {} sees {healthy} of {} replicas healthy and {peers} \
                         of {want_peers} other Sentinels after {}s",
                        node.endpoint,
                        plan.replicas,
                        SETTLE_TIMEOUT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// `rediss-sentinel://` URL of the group after the change, for the summary.
    pub fn tls_url(&self, plan: &GroupPlan) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|(a, tls)| format!("{}:{}", a.host, tls.unwrap_or(a.port)))
            .collect();
        format!("rediss-sentinel://{}#{}", hosts.join(","), plan.master_name)
    }
}

/// The group's stages as the runner's steps. A stage undoes itself when it fails, so the
/// runner has nothing to undo; what a failure leaves is said by [`incomplete`].
struct Stages<'a> {
    group: &'a mut Group,
    plan: &'a GroupPlan,
    /// The titles of the stages finished.
    done: Vec<String>,
    warned_names: bool,
}

impl Executor for Stages<'_> {
    type Step = Stage;
    type Undo = std::convert::Infallible;

    async fn apply(
        &mut self,
        stage: &Stage,
        _undos: &mut Vec<Self::Undo>,
        _cancel: &CancellationToken,
    ) -> Result<()> {
        let i = self.done.len();
        let sentinels_left = self.plan.stages[i + 1..]
            .iter()
            .any(|s| matches!(s, Stage::Sentinel(_)));
        match stage {
            Stage::Node {
                address, plan: p, ..
            } => {
                let applied = self.group.node_stage(address, p).await?;
                let names_only = applied
                    .certificate
                    .is_some_and(|c| !c.sans.iter().any(|s| s.starts_with("IP:")));
                if names_only && !self.warned_names {
                    self.warned_names = true;
                    crate::ui::warn(HOSTNAMES);
                }
            }
            Stage::Sentinel(restart) => {
                self.group
                    .restart_sentinel(self.plan, restart, !sentinels_left)
                    .await?
            }
            Stage::Reset { address } => self.group.reset(self.plan, address).await?,
        }
        self.done.push(stage.title());
        Ok(())
    }

    async fn undo(&mut self, undo: &Self::Undo) -> Result<()> {
        match *undo {}
    }

    fn describe(&self, stage: &Stage) -> (String, String) {
        (self.plan.master_name.clone(), stage.title())
    }

    fn keep(
        &mut self,
        _: &[Stage],
        i: usize,
        _ran: bool,
        cause: anyhow::Error,
    ) -> Result<Kept, anyhow::Error> {
        let state = if self.done.is_empty() {
            State::RolledBack
        } else {
            State::Incomplete
        };
        Ok(Kept {
            error: incomplete(self.plan, i, &self.done, cause),
            state,
        })
    }

    /// Never used: every stop is kept.
    fn rolled_back_note(&self) -> String {
        String::new()
    }
}

/// What one Sentinel says during [`Group::settle`].
enum Verdict {
    /// Names the master (on either port) and CKQUORUM is OK.
    Good,
    /// Names the master, but does not see enough peers (yet).
    NoQuorum(String),
    /// Unreachable, or names another master.
    Wrong(String),
}

const HOSTNAMES: &str = "the node certificates carry names but no IP address. Sentinel hands \
    out IP addresses: clients that verify the address they dial will fail unless every \
    Sentinel has `SENTINEL resolve-hostnames yes` and `SENTINEL announce-hostnames yes` and \
    every node `replica-announce-ip <its name>`, or the certificates get IP SANs";

/// The error for a failed stage: what failed, what is done, what to do.
fn incomplete(
    plan: &GroupPlan,
    failed: usize,
    done: &[String],
    cause: anyhow::Error,
) -> anyhow::Error {
    if done.is_empty() {
        // Nothing else changed, and the failed stage undid itself: the group is as before.
        return cause;
    }
    let stage = &plan.stages[failed];
    let sentinels_done = plan.stages[..failed]
        .iter()
        .any(|s| matches!(s, Stage::Sentinel(_)));
    let opened = "The data nodes listed have a TLS port next to their plaintext port; \
                  replication and the Sentinels are unchanged, so clients see no difference.";
    let state = match stage {
        Stage::Node { opens: true, .. } => opened.to_string(),
        Stage::Sentinel(_) if !sentinels_done => {
            format!("{opened} The Sentinel it stopped at runs as before (see above).")
        }
        Stage::Sentinel(_) => format!(
            "The Sentinels listed run with TLS and monitor the master's TLS port {}; the one it \
             stopped at runs as before (see above), the others are unchanged. TLS and plaintext \
             Sentinels cannot reach each other: finish soon, because until then only the \
             larger side can authorise a failover.",
            plan.master_tls
        ),
        Stage::Node { .. } => "The Sentinels use TLS and monitor the master's TLS port; the \
             replicas listed replicate over TLS; the node it stopped at is as before (see \
             above)."
            .to_string(),
        Stage::Reset { .. } => format!(
            "The move is complete, but some Sentinels may still list replicas at their old \
             plaintext addresses: run SENTINEL RESET {} on the Sentinels not listed, one at a \
             time.",
            plan.master_name
        ),
    };
    fail(
        ExitCode::Incomplete,
        format!(
            "{cause:#}\n\nThe Sentinel group is partly moved to TLS. Stopped at: {}. Done:\n  {}\n{state}\n\
             Fix the cause and run the same command again: finished steps are skipped. List a \
             Sentinel whose plaintext port is closed by its TLS port; redisops reaches it with \
             the --verify-* files.",
            stage.title(),
            done.join("\n  ")
        ),
    )
}
