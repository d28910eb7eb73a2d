//! `redisops tls init | enable | rotate | check`: wires `crate::tls` to the command line.

use super::Ctx;
use crate::cluster::guard::{Guarded, refuse_cluster_node};
use crate::conn::{self, Want};
use crate::exit::{ExitCode, fail};
use crate::host::SupervisorChoice;
use crate::steps::cancel::on_signal;
use crate::steps::journal::{Journal, Journaling, state_dir};
use crate::target::{AnyTarget, Endpoint, Target, TargetKind, TlsOptions};
use crate::tls::certs::{self, ExistingCa, InitOptions, NodeSpec};
use crate::tls::exec::{self, Verifier};
use crate::tls::group::{exec as group_exec, plan as group_plan};
use crate::tls::plan::{self, EnableOptions, Plan, ServerFiles};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TlsArgs {
    #[command(subcommand)]
    pub command: TlsCommand,
}

#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate
    #[command(disable_help_flag = true)]
    Init(InitArgs),
    /// Turn TLS on for a live server (or a whole Sentinel group) without a data-node
    /// restart, verify it, optionally close the plaintext ports, persist
    #[command(
        disable_help_flag = true,
        long_about = "Turn TLS on for a live server without a restart. The certificate files \
                      must already be on the server's host (redisops cannot send files over \
                      the Redis protocol). Sets tls-cert-file, tls-key-file, tls-ca-cert-file, \
                      tls-port, tls-auth-clients yes and tls-protocols in one atomic CONFIG SET, \
                      opens a fresh TLS connection with the CA and client certificate given by \
                      --verify-* (or the connection's --cacert/--cert/--key), moves replication \
                      to TLS (tls-replication yes; REPLICAOF the master's TLS port with \
                      --master-tls-port), closes the plaintext port with --disable-plaintext, \
                      and persists with CONFIG REWRITE. A failure rolls back the runtime \
                      changes (exit 30).\n\nWith a Sentinel target (redis-sentinel://…#name) \
                      the whole group moves: TLS ports on the replicas, then the master; then \
                      each Sentinel in turn gets the TLS block in its sentinel.conf, monitors \
                      the master's TLS port and is restarted (redisops edits and restarts \
                      Sentinels that run on this host; for others it prints the lines and \
                      changes nothing), checking after each that every Sentinel names the master \
                      and has quorum; then replication moves to TLS, the plaintext ports close \
                      with --disable-plaintext, and each Sentinel forgets the old addresses \
                      (SENTINEL RESET). A failure after the first finished stage exits 31 with \
                      what is done and what to do; running the command again skips finished \
                      steps."
    )]
    Enable(EnableArgs),
    /// Reload new or replaced certificate files without a restart and verify a fresh connection
    #[command(disable_help_flag = true)]
    Rotate(RotateArgs),
    /// Show the certificate each node presents: subject, SANs, issuer, days to expiry
    #[command(disable_help_flag = true)]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory for ca.crt, ca.key, <node>.crt/.key and <client>.crt/.key
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// A node certificate: NAME=host,ip,… with every name and IP clients dial; repeatable
    #[arg(long = "node", value_name = "NAME=HOST,IP,…")]
    pub nodes: Vec<NodeSpec>,

    /// For a single node (named by --name): a DNS name clients dial; repeatable
    #[arg(long = "dns", value_name = "NAME")]
    pub dns: Vec<String>,

    /// For a single node (named by --name): an IP address clients dial; repeatable
    #[arg(long = "ip", value_name = "ADDR")]
    pub ips: Vec<std::net::IpAddr>,

    /// File name of the single node given with --dns/--ip
    #[arg(long, value_name = "NAME", default_value = "redis")]
    pub name: String,

    /// Name (CN and file name) of the client certificate for redisops and operators
    #[arg(long, value_name = "NAME", default_value = "client")]
    pub client_name: String,

    /// Validity of node and client certificates, in days
    #[arg(long, value_name = "DAYS", default_value_t = 825)]
    pub days: u32,

    /// Validity of a new CA, in days
    #[arg(long, value_name = "DAYS", default_value_t = 3650)]
    pub ca_days: u32,

    /// Issue from this existing CA certificate instead of creating a CA (with --issuer-key)
    #[arg(long, value_name = "FILE", requires = "issuer_key")]
    pub issuer_cert: Option<PathBuf>,

    /// The existing CA's key (with --issuer-cert)
    #[arg(long, value_name = "FILE", requires = "issuer_cert")]
    pub issuer_key: Option<PathBuf>,

    /// Replace existing files
    #[arg(long)]
    pub force: bool,
}

/// Certificate paths as the server sees them, on its own host.
#[derive(Debug, Args)]
pub struct ServerFileArgs {
    /// Server certificate (chain) file, a path on the server's host; {host} and {port} expand
    /// to each node's address (e.g. /etc/redis/tls/{host}.crt)
    #[arg(long, value_name = "PATH")]
    pub server_cert: String,

    /// Server key file, a path on the server's host; {host} and {port} expand as for
    /// --server-cert
    #[arg(long, value_name = "PATH")]
    pub server_key: String,
}

impl ServerFileArgs {
    fn files(&self, ca: Option<String>) -> ServerFiles {
        ServerFiles {
            cert: self.server_cert.clone(),
            key: self.server_key.clone(),
            ca,
        }
    }
}

/// Files on this machine for the verification connection.
#[derive(Debug, Args)]
#[command(next_help_heading = "Verification (files on this machine)")]
pub struct VerifyArgs {
    /// CA to verify the server with [default: the connection's --cacert]
    #[arg(long, value_name = "FILE")]
    pub verify_cacert: Option<PathBuf>,

    /// Client certificate to present [default: the connection's --cert]
    #[arg(long, value_name = "FILE", requires = "verify_key")]
    pub verify_cert: Option<PathBuf>,

    /// Client key [default: the connection's --key]
    #[arg(long, value_name = "FILE", requires = "verify_cert")]
    pub verify_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Plan")]
pub struct ApplyArgs {
    /// Print the steps (and their undo) without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Apply without asking
    #[arg(long)]
    pub yes: bool,
}

/// How a Sentinel group's Sentinels are moved.
#[derive(Debug, Args)]
#[command(next_help_heading = "Sentinel group (redis-sentinel:// target)")]
pub struct SentinelArgs {
    /// The TLS port every Sentinel gets
    #[arg(long, value_name = "PORT")]
    pub sentinel_tls_port: Option<u16>,

    /// Each Sentinel's systemd unit ({host}/{port} expand), stopped and started with
    /// systemctl [default: SHUTDOWN and start it detached]
    #[arg(long, value_name = "UNIT", conflicts_with = "sentinel_stop_cmd")]
    pub sentinel_service: Option<String>,

    /// Shell command that stops one Sentinel ({host}/{port} expand)
    #[arg(long, value_name = "CMD", requires = "sentinel_start_cmd")]
    pub sentinel_stop_cmd: Option<String>,

    /// Shell command that starts it again ({host}/{port} expand)
    #[arg(long, value_name = "CMD", requires = "sentinel_stop_cmd")]
    pub sentinel_start_cmd: Option<String>,
}

#[derive(Debug, Args)]
pub struct EnableArgs {
    #[command(flatten)]
    pub files: ServerFileArgs,

    /// CA file that signed the client certificates, a path on the server's host
    #[arg(long, value_name = "PATH")]
    pub server_ca: String,

    /// TLS port to open [default: the current tls-port]; with a Sentinel target, on every
    /// data node
    #[arg(long, value_name = "PORT")]
    pub tls_port: Option<u16>,

    /// TLS port = each node's current port + N (several nodes on one host; 1 gives 6380 and
    /// 26380 on the default ports)
    #[arg(
        long,
        value_name = "N",
        conflicts_with_all = ["tls_port", "sentinel_tls_port"]
    )]
    pub tls_port_offset: Option<u16>,

    /// After verification, close the plaintext port (CONFIG SET port 0)
    #[arg(long)]
    pub disable_plaintext: bool,

    /// On a replica: the master's TLS port; replication moves to TLS
    #[arg(long, value_name = "PORT")]
    pub master_tls_port: Option<u16>,

    #[command(flatten)]
    pub sentinel: SentinelArgs,

    #[command(flatten)]
    pub verify: VerifyArgs,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub files: ServerFileArgs,

    /// New CA file (for a CA rollover use a bundle with the old and new CA)
    #[arg(long, value_name = "PATH")]
    pub server_ca: Option<String>,

    #[command(flatten)]
    pub verify: VerifyArgs,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn init(args: &InitArgs) -> Result<ExitCode> {
    let mut nodes = args.nodes.clone();
    if !args.dns.is_empty() || !args.ips.is_empty() {
        let sans = args.dns.iter().cloned();
        let sans = sans
            .chain(args.ips.iter().map(|ip| ip.to_string()))
            .collect();
        nodes.push(NodeSpec {
            name: args.name.clone(),
            sans,
        });
    }
    if nodes.is_empty() {
        return Err(fail(
            ExitCode::Usage,
            "no node to issue a certificate for: give --node NAME=host,ip,… (repeatable) or \
             --dns/--ip for a single node",
        ));
    }
    let written = certs::init(&InitOptions {
        out: args.out.clone(),
        nodes,
        client_name: args.client_name.clone(),
        days: args.days,
        ca_days: args.ca_days,
        ca: match (&args.issuer_cert, &args.issuer_key) {
            (Some(cert), Some(key)) => Some(ExistingCa {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
        force: args.force,
    })?;
    for w in &written {
        crate::outln!("{:<40} {}", w.path.display(), w.what);
    }
    Ok(ExitCode::Success)
}

pub async fn enable(args: &EnableArgs, ctx: &Ctx) -> Result<ExitCode> {
    let target = ctx.target()?;
    refuse_cluster_node(&target, Guarded::TlsEnable).await?;
    if matches!(target.kind, TargetKind::Sentinel { .. }) {
        return enable_group(args, &target).await;
    }
    let sentinel = &args.sentinel;
    if sentinel.sentinel_tls_port.is_some()
        || sentinel.sentinel_service.is_some()
        || sentinel.sentinel_stop_cmd.is_some()
    {
        return Err(fail(
            ExitCode::Usage,
            "--sentinel-* options are for a Sentinel target (redis-sentinel://…#name)",
        ));
    }
    let files = node_files(&target, args.files.files(Some(args.server_ca.clone())))?;
    change(&target, &args.verify, &args.apply, |facts| {
        let tls_port = match (args.tls_port_offset, facts.port("port")) {
            (Some(n), port) if port != 0 => Some(port.saturating_add(n)),
            _ => args.tls_port,
        };
        plan::enable(
            facts,
            &EnableOptions {
                files,
                tls_port,
                disable_plaintext: args.disable_plaintext,
                master_tls_port: args.master_tls_port,
            },
        )
    })
    .await
}

pub async fn rotate(args: &RotateArgs, ctx: &Ctx) -> Result<ExitCode> {
    let target = ctx.target()?;
    refuse_cluster_node(&target, Guarded::TlsRotate).await?;
    let files = node_files(&target, args.files.files(args.server_ca.clone()))?;
    change(&target, &args.verify, &args.apply, |facts| {
        plan::rotate(facts, &files)
    })
    .await
}

/// `tls enable` with a Sentinel target: the whole group, Sentinels included.
async fn enable_group(args: &EnableArgs, target: &Target) -> Result<ExitCode> {
    if args.master_tls_port.is_some() {
        return Err(fail(
            ExitCode::Usage,
            "--master-tls-port is for one replica; with a Sentinel target redisops finds the \
             master and its TLS port itself",
        ));
    }
    let verify_tls = verification_tls(target, &args.verify)?;
    let ts = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let sentinel = &args.sentinel;
    let supervision = match (
        &sentinel.sentinel_service,
        &sentinel.sentinel_stop_cmd,
        &sentinel.sentinel_start_cmd,
    ) {
        (Some(unit), _, _) => SupervisorChoice::Service { unit: unit.clone() },
        (None, Some(stop), Some(start)) => SupervisorChoice::Commands {
            stop: stop.clone(),
            start: start.clone(),
        },
        _ => SupervisorChoice::Managed { config_file: None },
    };
    let (facts, mut group) = group_exec::gather(target, verify_tls, supervision, &ts).await?;
    let options = group_plan::GroupOptions {
        files: args.files.files(Some(args.server_ca.clone())),
        ports: match args.tls_port_offset {
            Some(n) => group_plan::Ports::Offset(n),
            None => group_plan::Ports::Fixed {
                data: args.tls_port,
                sentinel: sentinel.sentinel_tls_port,
            },
        },
        disable_plaintext: args.disable_plaintext,
    };
    let plan = group_plan::enable(&facts, &options).map_err(|e| fail(ExitCode::Usage, e))?;
    crate::ui::show_plan(&plan.render(), args.apply.dry_run)?;
    if !args.disable_plaintext {
        crate::ui::warn(
            "dual-port phase: Sentinel hands out the one port it monitors. After this run \
             that is the TLS port, so clients that discover the master through Sentinel must \
             speak TLS; plaintext clients must connect to the nodes directly until \
             --disable-plaintext closes those ports",
        );
    }
    if args.apply.dry_run {
        return Ok(ExitCode::Success);
    }
    if !args.apply.yes && !super::confirm("Apply these changes?")? {
        return Err(fail(
            ExitCode::Usage,
            "not applied (answer y, or pass --yes)",
        ));
    }
    let mut journal = Journal::new(&state_dir(), "tls", &target.describe(), &plan.render());
    crate::ui::note(format!("journal: {}", journal.path().display()));
    group.apply(&plan, &on_signal(), &mut journal).await?;
    crate::outln!(
        "Done. The group '{}' uses TLS (master {}). Connect with --target {} and the CA and \
         client certificate.",
        plan.master_name,
        plan.master_tls,
        group.tls_url(&plan)
    );
    Ok(ExitCode::Success)
}

/// The files for a single-node target, `{host}`/`{port}` expanded.
fn node_files(target: &Target, files: ServerFiles) -> Result<ServerFiles> {
    match &target.kind {
        TargetKind::Node(Endpoint::Tcp(hp)) => Ok(files.for_node(hp)),
        _ if files.is_template() => Err(fail(
            ExitCode::Usage,
            "{host}/{port} in the file paths need a TCP target: give the paths in full",
        )),
        _ => Ok(files),
    }
}

/// Shared by enable and rotate on one node: gather, plan, confirm, apply, report.
async fn change(
    target: &Target,
    verify: &VerifyArgs,
    apply: &ApplyArgs,
    make_plan: impl FnOnce(&plan::NodeFacts) -> Result<Plan, String>,
) -> Result<ExitCode> {
    let host = node_host(target)?;
    let verifier_tls = verification_tls(target, verify)?;
    let mut connected = conn::connect(target, Want::Master).await?;
    let node = &mut connected.node;
    let (facts, run_id) = exec::gather(node).await?;
    let plan = make_plan(&facts).map_err(|e| fail(ExitCode::Usage, e))?;
    let text = format!("Plan for {}:\n{}", node.endpoint, plan.render());
    crate::ui::show_plan(&text, apply.dry_run)?;
    if apply.dry_run {
        return Ok(ExitCode::Success);
    }
    if !apply.yes && !super::confirm("Apply these changes?")? {
        return Err(fail(
            ExitCode::Usage,
            "not applied (answer y, or pass --yes)",
        ));
    }
    let verifier = Verifier {
        host,
        tls: verifier_tls,
        auth: target.auth.clone(),
        timeout: target.timeout,
    };
    let mut journal = Journal::new(&state_dir(), "tls", &target.describe(), &plan.render());
    crate::ui::note(format!("journal: {}", journal.path().display()));
    let cancel = on_signal();
    let applied = exec::apply(node, &plan, &verifier, &run_id, Some(&mut journal), &cancel).await?;
    if let Some(cert) = applied.certificate {
        let now = chrono::Utc::now().timestamp();
        crate::outln!(
            "Done. {} now presents '{}' (issuer '{}'), valid until {} ({} days).",
            node.endpoint,
            cert.subject,
            cert.issuer,
            cert.expiry(),
            cert.days_left(now)
        );
    }
    Ok(ExitCode::Success)
}

/// The host the verification connection dials: the target's; a unix-socket target runs on
/// this machine.
fn node_host(target: &Target) -> Result<String> {
    match &target.kind {
        TargetKind::Node(Endpoint::Tcp(hp)) => Ok(hp.host.clone()),
        TargetKind::Node(Endpoint::Unix(_)) => Ok("127.0.0.1".into()),
        TargetKind::Sentinel { .. } => Err(fail(
            ExitCode::Usage,
            "tls rotate works on one node: target each node directly (Sentinels read their \
             certificate files at a restart: replace the files, then restart them one at a \
             time)",
        )),
    }
}

fn verification_tls(target: &Target, v: &VerifyArgs) -> Result<TlsOptions> {
    let base = target.tls.clone().unwrap_or_default();
    let tls = TlsOptions {
        cacert: v.verify_cacert.clone().or(base.cacert),
        cert: v.verify_cert.clone().or(base.cert),
        key: v.verify_key.clone().or(base.key),
        sni: base.sni,
        insecure: false,
    };
    if tls.cacert.is_none() || tls.cert.is_none() {
        return Err(fail(
            ExitCode::Usage,
            "the verification connection needs local copies of the CA and a client \
             certificate: pass --verify-cacert, --verify-cert and --verify-key (or connect \
             over TLS with --cacert/--cert/--key)",
        ));
    }
    Ok(tls)
}

pub async fn check(args: &CheckArgs, ctx: &Ctx) -> Result<ExitCode> {
    let now = chrono::Utc::now().timestamp();
    let nodes = match AnyTarget::resolve(&ctx.conn, &ctx.config)? {
        AnyTarget::Single(target) => crate::tls::check(&target, now).await?,
        AnyTarget::Cluster(target) => crate::cluster::tls_check(&target, now).await?,
    };
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&nodes)?);
    } else {
        for n in &nodes {
            let role = n
                .role
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            crate::outln!("{}{role}", n.address);
            match (&n.certificate, &n.error) {
                (Some(c), _) => {
                    crate::outln!("  subject   {}", c.subject);
                    crate::outln!("  SANs      {}", c.sans.join(", "));
                    crate::outln!("  issuer    {}", c.issuer);
                    crate::outln!(
                        "  expires   {} ({} days)",
                        c.expiry(),
                        n.days_left.unwrap_or_default()
                    );
                }
                (None, Some(e)) => crate::outln!("  error     {e}"),
                (None, None) => {}
            }
        }
    }
    let failed = nodes.iter().any(|n| n.error.is_some());
    Ok(if failed {
        ExitCode::Tls
    } else {
        ExitCode::Success
    })
}
