//! `redisops harden audit`, `harden apply` and `harden checks`: arguments, printing and
//! exit codes; the work is in [`crate::harden`].

use super::{Ctx, SupervisorArgs};
use crate::exit::{ExitCode, fail};
use crate::harden::apply::plan::{DefaultUser, PlanOptions};
use crate::harden::apply::{self, Request, exec::Executor, roles};
use crate::harden::checks::{self, Severity};
use crate::harden::facts::{self, GatherOptions};
use crate::harden::report::Report;
use crate::steps::cancel::on_signal;
use crate::target::AnyTarget;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct HardenArgs {
    #[command(subcommand)]
    pub command: HardenCommand,
}

#[derive(Debug, Subcommand)]
pub enum HardenCommand {
    /// Audit the target (with a Sentinel target: the master, every replica and every
    /// Sentinel; with a cluster target: every node) against the check catalogue
    #[command(
        disable_help_flag = true,
        long_about = "Audit the running server against the check catalogue (see `redisops \
                      harden checks`). Facts are gathered once per node: CONFIG GET *, ACL \
                      LIST/GETUSER/DRYRUN/LOG, INFO, COMMAND INFO, MODULE LIST, CLIENT LIST, a \
                      fresh unauthenticated connection to every listener, and, when the node \
                      runs on this host, file modes and the process user. Passwords are never \
                      tried: weak ones are found offline from the ACL's SHA-256 hashes. With a \
                      Sentinel target, the master, every replica and every Sentinel are \
                      audited; with a cluster target (redis-cluster://) every node, plus the \
                      cluster-wide checks (CLU-*), one finding per issue naming its nodes.\n\n\
                      Exit status: 0 when no finding reaches --fail-on, 3 when one \
                      does, and the connection codes (10 unreachable, 11 authentication, 12 \
                      permission, 13 TLS, 14 target) when the audit could not run."
    )]
    Audit(AuditArgs),
    /// Fix what the audit finds: role users with generated passwords, the default user,
    /// protected mode, bind, renamed commands; verified, persisted, idempotent
    #[command(
        disable_help_flag = true,
        long_about = "Plan from the same facts and findings as the audit, print the plan \
                      (secrets masked), and with --yes apply it. Users for each role (admin, \
                      app, replication, backup, monitoring; sentinel and sentinel-peer in a \
                      Sentinel group) get generated passwords in --secrets-dir (files \
                      <user>.password, mode 0600); each new login is verified with a fresh connection before \
                      redisops relies on it, and only then is the default user disabled \
                      (--default-user: disable, restrict or keep). With a Sentinel target \
                      the nodes are changed in a safe order: every user everywhere, then \
                      replicas' masteruser/masterauth and the Sentinels' auth-user/auth-pass \
                      and sentinel-user/sentinel-pass, then the replicas, the master and \
                      the Sentinels one at a time, checking replication links and the \
                      Sentinels' agreement after each. With a cluster target: the users on \
                      every node, then one node at a time (replicas first), the cluster \
                      checked healthy after each; a failure rolls back that node and stops \
                      (exit 31 when earlier nodes are done). Changes are persisted (ACL SAVE, \
                      CONFIG REWRITE or --edit-config-file, SENTINEL FLUSHCONFIG) and the \
                      files made private (0600). A failure before the restart rolls every \
                      change back. A second run finds nothing to change and says so; when \
                      no credentials are given it logs in as the admin from --secrets-dir.\n\n\
                      Exit status: 0 applied (or nothing to do, or --dry-run); 2 refused \
                      (the plan would lock someone out, a node lacks a config file, no --yes \
                      without a terminal); 30 a step failed and everything was rolled back \
                      (e.g. the new credentials could not be verified); 31 the config file \
                      was changed but the restart did not complete; 1 rolling back failed \
                      too (the message lists what to undo); 10-14 connection errors."
    )]
    Apply(ApplyArgs),
    /// List every check: ID, severity, category, title and remediation
    #[command(disable_help_flag = true)]
    Checks(ChecksArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Exit 3 when a finding reaches this severity
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = Severity::High)]
    pub fail_on: Severity,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print JSON (same as --format json)
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// The Redis server's own config file (redis.conf), for the host checks, when INFO's
    /// config_file is not usable here
    #[arg(long, value_name = "PATH")]
    pub config_file: Option<PathBuf>,

    /// Add the gathered facts (secrets redacted) to the JSON output under "facts"
    #[arg(long)]
    pub show_facts: bool,

    /// A user allowed every right (+@all ~*); repeat for several
    #[arg(long = "admin-user", value_name = "USER", default_value = "admin")]
    pub admin_users: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Directory for the generated passwords (<user>.password, mode 0600) and renamed
    /// command names; existing files are reused, so every run and node gets the same ones
    #[arg(long, value_name = "DIR", env = "REDISOPS_SECRETS_DIR")]
    pub secrets_dir: PathBuf,

    /// Fix only these checks (IDs from `harden checks`, comma-separated or repeated)
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Leave these checks alone
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Addresses a single server listens on (CONFIG SET bind); must keep the one redisops
    /// connects through. A leading '-' marks an optional address, as in redis.conf
    #[arg(
        long,
        value_name = "ADDR",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub bind: Vec<String>,

    /// What happens to the default user: disable it (no login at all), or restrict it to
    /// the application's rights while keeping its passwords (clients using requirepass)
    #[arg(long, value_enum, default_value_t = DefaultUser::Disable)]
    pub default_user: DefaultUser,

    /// Let the app user run Lua scripts (EVAL, FUNCTION); denied by default, since few
    /// applications need them and old servers have Lua CVEs
    #[arg(long)]
    pub app_scripting: bool,

    /// Also rename these commands in the config file (rename-command, effective after a
    /// restart): COMMAND or COMMAND=NEW-NAME, comma-separated; new names are random unless
    /// given and are written to <secrets-dir>/renamed-commands
    #[arg(long, value_name = "CMD[=NAME]", value_delimiter = ',')]
    pub rename_commands: Vec<String>,

    /// Persist by editing the config file on this host (comments and order kept, backup
    /// copy, mode 0600) instead of CONFIG REWRITE
    #[arg(long)]
    pub edit_config_file: bool,

    /// Restart the server when the config file gained directives that only a restart
    /// applies (enable-*-command, rename-command); the data is saved first
    #[arg(long)]
    pub restart: bool,

    /// The server's config file, when INFO's config_file is not usable here
    #[arg(long, value_name = "PATH")]
    pub config_file: Option<PathBuf>,

    /// The administrator's user name
    #[arg(long, value_name = "USER", default_value = "admin")]
    pub admin_user: String,

    /// Print the plan and change nothing
    #[arg(long, help_heading = "Plan")]
    pub dry_run: bool,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short = 'y', long, help_heading = "Plan")]
    pub yes: bool,

    /// Print the plan and the outcome as JSON ("changed": false when there was nothing to do)
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// With --restart: how the server is stopped and started (default: redisops runs it)
    #[command(flatten)]
    pub supervisor: SupervisorArgs,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Print the Markdown table used in the README
    #[arg(long)]
    pub markdown: bool,
}

pub async fn audit(args: &AuditArgs, ctx: &Ctx) -> Result<ExitCode> {
    let format = if args.json { Format::Json } else { args.format };
    if args.show_facts && format != Format::Json {
        return Err(fail(
            ExitCode::Usage,
            "--show-facts needs --json (or --format json)",
        ));
    }
    let options = GatherOptions {
        config_file: args.config_file.clone(),
        admin_users: args.admin_users.clone(),
    };
    let facts = match AnyTarget::resolve(&ctx.conn, &ctx.config)? {
        AnyTarget::Single(target) => facts::gather(&target, &options).await?,
        AnyTarget::Cluster(_) if args.config_file.is_some() => {
            return Err(fail(
                ExitCode::Usage,
                "--config-file names one server's file: audit that node on its own \
                 (redis://host:port), or the cluster without it",
            ));
        }
        AnyTarget::Cluster(cluster) => facts::gather_cluster(&cluster, &options).await?,
    };
    let report = Report::new(&facts);
    match format {
        Format::Text => crate::out!("{}", report.render(args.fail_on)),
        Format::Json => crate::outln!(
            "{}",
            serde_json::to_string_pretty(&report.to_json(args.show_facts))?
        ),
        Format::Sarif => crate::outln!("{}", serde_json::to_string_pretty(&report.to_sarif())?),
    }
    Ok(if report.reaches(args.fail_on) {
        ExitCode::Findings
    } else {
        ExitCode::Success
    })
}

pub async fn apply(args: &ApplyArgs, ctx: &Ctx) -> Result<ExitCode> {
    let known: Vec<&str> = checks::catalogue().map(|c| c.id).collect();
    if let Some(bad) = args
        .only
        .iter()
        .chain(&args.skip)
        .find(|id| !known.contains(&id.as_str()))
    {
        return Err(fail(
            ExitCode::Usage,
            format!("unknown check ID {bad}: see `redisops harden checks`"),
        ));
    }
    let target = AnyTarget::resolve(&ctx.conn, &ctx.config)?;
    let connected_via = match &target {
        AnyTarget::Single(t) => match &t.kind {
            crate::target::TargetKind::Node(crate::target::Endpoint::Tcp(hp)) => hp.host.clone(),
            crate::target::TargetKind::Node(crate::target::Endpoint::Unix(p)) => {
                p.display().to_string()
            }
            crate::target::TargetKind::Sentinel { .. } => String::new(),
        },
        // --bind is refused on a cluster.
        AnyTarget::Cluster(_) => String::new(),
    };
    if args.supervisor.given() && !args.restart {
        return Err(fail(
            ExitCode::Usage,
            "--service and --stop-cmd/--start-cmd say how to restart the server: add --restart",
        ));
    }
    let restart = args.restart.then(|| args.supervisor.choice(None));
    let rename = args
        .rename_commands
        .iter()
        .map(|r| match r.split_once('=') {
            Some((c, n)) => (c.to_string(), Some(n.to_string())),
            None => (r.clone(), None),
        })
        .collect();
    let req = Request {
        plan: PlanOptions {
            admin_user: args.admin_user.clone(),
            default_user: args.default_user,
            app_scripting: args.app_scripting,
            bind: (!args.bind.is_empty()).then(|| args.bind.clone()),
            rename: Vec::new(),
            edit_config_file: args.edit_config_file,
            restart: args.restart,
            only: args.only.clone(),
            skip: args.skip.clone(),
            connected_via,
            acl_forms: Default::default(),
        },
        rename,
        secrets_dir: args.secrets_dir.clone(),
        config_file: args.config_file.clone(),
        restart,
    };
    let prepared = apply::prepare(&target, &req).await?;
    let plan = &prepared.plan;
    if plan.is_empty() {
        if args.json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "changed": false, "plan": plan, "left": plan.left,
                }))?
            );
        } else {
            crate::outln!("Nothing to change: the target is already as apply would make it.");
            crate::out!("{}", plan.render());
        }
        return Ok(ExitCode::Success);
    }
    if !args.json {
        crate::ui::show_plan(&plan.render(), args.dry_run)?;
    }
    if args.dry_run {
        if args.json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "changed": false, "dry_run": true, "plan": plan, "left": plan.left,
                }))?
            );
        }
        return Ok(ExitCode::Success);
    }
    if !args.yes && !super::confirm("Apply these changes?")? {
        return Err(fail(ExitCode::Usage, "nothing changed: not confirmed"));
    }
    let mut executor = Executor::new(&prepared.env, plan);
    let mut journal = executor.journal();
    executor.run(&mut journal, &on_signal()).await?;
    if args.json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "changed": true, "plan": plan, "records": journal.records(), "left": plan.left,
                "secrets_dir": args.secrets_dir,
            }))?
        );
    } else {
        crate::outln!(
            "Applied {} steps. Run `redisops harden audit` to see what is left. Passwords, \
             one file per user in {}:",
            plan.steps.len(),
            args.secrets_dir.display()
        );
        let in_group = prepared.facts.group.is_some();
        for role in roles::roles(&args.admin_user, args.app_scripting)
            .iter()
            .filter(|r| r.on(false, in_group) || (in_group && r.on(true, in_group)))
        {
            crate::outln!("  {}.password  {}", role.user, role.purpose);
        }
    }
    Ok(ExitCode::Success)
}

pub fn list_checks(args: &ChecksArgs) -> Result<ExitCode> {
    if args.markdown {
        crate::out!("{}", checks::markdown_table());
        return Ok(ExitCode::Success);
    }
    let mut out = String::new();
    for c in checks::catalogue() {
        let _ = writeln!(
            out,
            "{:<8} {:<8} {:<15} {}\n{:27} fix: {}",
            c.id,
            c.severity.name(),
            c.category.name(),
            c.title,
            "",
            c.remediation
        );
    }
    crate::out!("{out}");
    Ok(ExitCode::Success)
}
