//! `redisops harden audit` and `redisops harden checks`. The `HardenCommand` enum leaves
//! room for `harden apply`, which will plan from the same facts and check IDs.

use super::Ctx;
use crate::exit::{ExitCode, fail};
use crate::harden::checks::{self, Severity};
use crate::harden::facts::{self, GatherOptions};
use crate::harden::report::Report;
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
    /// Sentinel) against the check catalogue
    #[command(
        disable_help_flag = true,
        long_about = "Audit the running server against the check catalogue (see `redisops \
                      harden checks`). Facts are gathered once per node: CONFIG GET *, ACL \
                      LIST/GETUSER/DRYRUN/LOG, INFO, COMMAND INFO, MODULE LIST, CLIENT LIST, a \
                      fresh unauthenticated connection to every listener, and, when the node \
                      runs on this host, file modes and the process user. Passwords are never \
                      tried: weak ones are found offline from the ACL's SHA-256 hashes. With a \
                      Sentinel target, the master, every replica and every Sentinel are \
                      audited.\n\nExit status: 0 when no finding reaches --fail-on, 3 when one \
                      does, and the connection codes (10 unreachable, 11 authentication, 12 \
                      permission, 13 TLS, 14 target) when the audit could not run."
    )]
    Audit(AuditArgs),
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
    let target = ctx.target()?;
    let options = GatherOptions {
        config_file: args.config_file.clone(),
        admin_users: args.admin_users.clone(),
    };
    let facts = facts::gather(&target, &options).await?;
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
