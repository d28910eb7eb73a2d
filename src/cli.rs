//! The command-line definition. One clap tree feeds parsing, `--help`, the man pages in
//! `man/` and the completions in `completions/`.
//!
//! Connection flags follow redis-cli (`-h`, `-p`, `-s`, `--user`, `-a`, `--tls`, `--cacert`,
//! `--cert`, `--key`, `--sni`, `--insecure`) so operators' habits carry over. That is why
//! `-h` means host and help is only `--help`.

use crate::commands;
use crate::exit::ExitCode;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "redisops",
    version,
    about = "Operations CLI for Redis: status, verified encrypted backups, hardening audit, TLS",
    long_about = "Operations CLI for Redis operators: server status, verified and encrypted \
                  backups with retention, a hardening audit, and moving live servers to TLS, \
                  over TCP, TLS, unix sockets and Sentinel.",
    disable_help_flag = true,
    after_long_help = ExitCode::table(),
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show server, persistence, memory, keyspace and replication state in one screen
    #[command(disable_help_flag = true)]
    Status(commands::status::StatusArgs),
    /// Back up: get the RDB, verify it, compress and encrypt it into the repository
    #[command(disable_help_flag = true)]
    Backup(Box<commands::backup::BackupArgs>),
    /// List the backups in the repository
    #[command(disable_help_flag = true)]
    List(commands::list::ListArgs),
    /// Verify backups against their manifests (and, with keys, the RDB inside)
    #[command(disable_help_flag = true)]
    Verify(commands::verify::VerifyArgs),
    /// What is inside a backup, RDB file or live server: totals, top keys, prefixes, TTLs
    #[command(disable_help_flag = true)]
    Analyze(Box<commands::analyze::AnalyzeArgs>),
    /// What changed between two backups or RDB files, per database, prefix and top key
    #[command(disable_help_flag = true)]
    Diff(Box<commands::diff::DiffArgs>),
    /// Copy backups into another repository (off-site, 3-2-1), skipping those it has
    #[command(disable_help_flag = true)]
    Copy(Box<commands::copy::CopyArgs>),
    /// Restore a backup: verify and stage it, stop the server, swap the files, start, prove, roll back on failure
    #[command(disable_help_flag = true)]
    Restore(Box<commands::restore::RestoreArgs>),
    /// Delete old backups by keep rules, with a reason for every kept one
    #[command(disable_help_flag = true)]
    Prune(commands::prune::PruneArgs),
    /// Generate an age key pair for encrypting backups
    #[command(disable_help_flag = true)]
    Keygen(commands::keygen::KeygenArgs),
    /// Print a crontab line or systemd timer for a redisops command
    #[command(disable_help_flag = true)]
    Schedule(commands::schedule::ScheduleArgs),
    /// Audit a server and its Sentinels against a catalogue of hardening checks, and fix
    /// what it finds
    #[command(disable_help_flag = true)]
    Harden(commands::harden::HardenArgs),
    /// Certificates and moving a live server to TLS: init, enable, rotate, check
    #[command(disable_help_flag = true)]
    Tls(commands::tls::TlsArgs),
    /// Print a shell completion script to stdout
    #[command(disable_help_flag = true)]
    Completions(commands::generate::CompletionsArgs),
    /// Write completions/ and man/ (used by packagers and the repository's own files)
    #[command(hide = true, disable_help_flag = true)]
    Generate(commands::generate::GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print help (see more with '--help')
    #[arg(long, global = true, action = clap::ArgAction::Help)]
    pub help: Option<bool>,

    /// Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]
    #[arg(long, global = true, env = "REDISOPS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only print warnings and errors (for cron)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// How to reach Redis. Precedence: flags, then environment, then the config file, then
/// defaults (127.0.0.1:6379).
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file
    #[arg(long, global = true, env = "REDISOPS_TARGET", value_name = "URL|NAME",
          conflicts_with_all = ["host", "port", "socket"])]
    pub target: Option<String>,

    /// Server hostname or IP
    #[arg(short = 'h', long, global = true, value_name = "HOST")]
    pub host: Option<String>,

    /// Server port
    #[arg(short = 'p', long, global = true, value_name = "PORT")]
    pub port: Option<u16>,

    /// Server unix socket (overrides host and port)
    #[arg(short = 's', long, global = true, value_name = "PATH", conflicts_with_all = ["host", "port"])]
    pub socket: Option<PathBuf>,

    /// ACL user name
    #[arg(long, global = true, value_name = "USER")]
    pub user: Option<String>,

    /// Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file
    #[arg(
        short = 'a',
        long = "pass",
        global = true,
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub pass: Option<String>,

    /// Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]
    #[arg(long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Use TLS (like rediss://)
    #[arg(long, global = true)]
    pub tls: bool,

    /// CA certificate (PEM) to verify the server with, instead of the system store
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS
    #[arg(long, global = true, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Client private key (PEM) for mutual TLS
    #[arg(long, global = true, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Server name to send (SNI) and verify, when it differs from the host
    #[arg(long, global = true, value_name = "NAME")]
    pub sni: Option<String>,

    /// Skip TLS certificate verification (dangerous: anyone on the path can read your data)
    #[arg(long, global = true)]
    pub insecure: bool,

    /// ACL user for the Sentinels, when they have their own credentials
    #[arg(long, global = true, value_name = "USER")]
    pub sentinel_user: Option<String>,

    /// Read the Sentinels' password from FILE
    #[arg(long, global = true, value_name = "FILE")]
    pub sentinel_password_file: Option<PathBuf>,

    /// Seconds to wait for a connection or a reply
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The heading `--help` shows an option under (None: the plain "Options").
    fn heading(path: &[&str], long: &str) -> Option<String> {
        let mut cmd = Cli::command();
        cmd.build();
        let mut cmd = &cmd;
        for name in path {
            cmd = cmd.find_subcommand(name).unwrap();
        }
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .unwrap_or_else(|| panic!("{path:?} has no --{long}"));
        arg.get_help_heading().map(String::from)
    }

    #[test]
    fn options_sit_under_their_own_headings() {
        for (path, long, expected) in [
            (&["restore"][..], "latest", None),
            (&["restore"], "repo", Some("Repository")),
            (&["restore"], "identity", Some("Decryption")),
            (&["restore"], "service", Some("Supervisor")),
            (&["restore"], "stop-cmd", Some("Supervisor")),
            (&["restore"], "config-file", Some("Supervisor")),
            (&["restore"], "dry-run", Some("Plan")),
            (&["restore"], "yes", Some("Plan")),
            (&["restore"], "no-safety-backup", Some("Plan")),
            (&["restore"], "allow-empty", Some("Plan")),
            (&["restore"], "resume", Some("Resume and abort")),
            (&["restore"], "journal", Some("Resume and abort")),
            (&["restore"], "json", Some("Output")),
            (&["backup"], "method", None),
            (&["backup"], "recipient", Some("Encryption")),
            (&["backup"], "lock-wait", Some("Locking")),
            (
                &["backup"],
                "keep-last",
                Some("Retention (prune after the backup)"),
            ),
            (
                &["backup"],
                "keep-within",
                Some("Retention (prune after the backup)"),
            ),
            (&["backup"], "schedule", Some("Schedule")),
            (&["backup"], "json", Some("Output")),
            (&["backup"], "metrics-file", Some("Output")),
            (&["backup"], "copy-to", Some("Copy")),
            (&["copy"], "to", None),
            (&["verify"], "deep", None),
            (&["list"], "json", None),
            (&["prune"], "dry-run", None),
            (&["prune"], "keep-daily", Some("Keep rules")),
            (&["harden", "apply"], "dry-run", Some("Plan")),
            (&["harden", "apply"], "service", Some("Supervisor")),
            (&["tls", "enable"], "dry-run", Some("Plan")),
            (
                &["tls", "enable"],
                "verify-cacert",
                Some("Verification (files on this machine)"),
            ),
            (&["tls", "rotate"], "yes", Some("Plan")),
            (&["status"], "port", Some("Connection")),
        ] {
            assert_eq!(
                heading(path, long).as_deref(),
                expected,
                "{path:?} --{long}"
            );
        }
    }
}
