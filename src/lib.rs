//! redisops: an operations CLI for Redis. The binary (`main.rs`) only parses and maps
//! errors to exit codes; everything else lives in this library, one module per concern:
//!
//! - `target`, `config`: what the operator names and how it resolves;
//! - `conn`: dialling TCP/TLS/unix, talking to nodes, asking Sentinels;
//! - `cluster`: Redis Cluster discovery, topology, status, and refusals;
//! - `info`, `status`: reading a server's state;
//! - `backup`, `restore`: the data paths (`backup/` also holds verify, retention and prune,
//!   schedule, metrics); `copy`: backups into another repository;
//! - `analyze`: what is inside an RDB (top keys, prefixes, TTLs), and two compared;
//! - `harden`: the hardening audit (facts, check catalogue, reports);
//! - `tls`: certificates, TLS enablement and rotation on live servers;
//! - `conffile`: editing redis.conf / sentinel.conf in place (comments kept, 0600, backup);
//! - `keepmode`: a config file's mode and owner kept across every rewrite;
//! - `commands`: one file per subcommand, wiring the above together;
//! - `exit`: the documented exit codes; `ui`: messages on stderr; `fsutil`: durable writes.

pub mod analyze;
pub mod archive;
pub mod backup;
pub mod checker;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod conffile;
pub mod config;
pub mod conn;
pub mod copy;
pub mod exit;
pub mod fsutil;
pub mod harden;
pub mod host;
pub mod info;
pub mod keepmode;
pub mod progress;
pub mod rdb;
pub mod repo;
pub mod restore;
pub mod server;
pub mod source;
pub mod status;
pub mod steps;
pub mod target;
pub mod tls;
pub mod ui;

use anyhow::Result;
use cli::{Cli, Command};
use commands::Ctx;
use commands::harden::{HardenArgs, HardenCommand};
use commands::tls::{TlsArgs, TlsCommand};
use exit::ExitCode;

/// Runs a parsed command line. Commands that only write files or print (completions, keys,
/// schedules, the check list, a CA) run before the config file is read, so they work with a
/// broken config or network; the rest get the config and a runtime ([`online`]).
pub fn run(cli: Cli) -> Result<ExitCode> {
    ui::set_quiet(cli.global.quiet);
    let global = &cli.global;
    match &cli.command {
        Command::Completions(args) => commands::generate::run_completions(args),
        Command::Generate(args) => commands::generate::run_generate(args),
        Command::Keygen(args) => commands::keygen::run(args),
        Command::Schedule(args) => commands::schedule::run(args, global.config.as_deref()),
        Command::Status(args) => online(global, async |ctx| commands::status::run(args, ctx).await),
        Command::Backup(args) => online(global, async |ctx| commands::backup::run(args, ctx).await),
        Command::List(args) => online(global, async |ctx| commands::list::run(args, ctx).await),
        Command::Verify(args) => online(global, async |ctx| commands::verify::run(args, ctx).await),
        Command::Analyze(args) => {
            online(global, async |ctx| commands::analyze::run(args, ctx).await)
        }
        Command::Diff(args) => online(global, async |ctx| commands::diff::run(args, ctx).await),
        Command::Copy(args) => online(global, async |ctx| commands::copy::run(args, ctx).await),
        Command::Prune(args) => online(global, async |ctx| commands::prune::run(args, ctx).await),
        Command::Restore(args) => {
            online(global, async |ctx| commands::restore::run(args, ctx).await)
        }
        Command::Harden(HardenArgs { command }) => match command {
            HardenCommand::Checks(args) => commands::harden::list_checks(args),
            HardenCommand::Audit(args) => {
                online(global, async |ctx| commands::harden::audit(args, ctx).await)
            }
            HardenCommand::Apply(args) => {
                online(global, async |ctx| commands::harden::apply(args, ctx).await)
            }
        },
        Command::Tls(TlsArgs { command }) => match command {
            TlsCommand::Init(args) => commands::tls::init(args),
            TlsCommand::Enable(args) => {
                online(global, async |ctx| commands::tls::enable(args, ctx).await)
            }
            TlsCommand::Rotate(args) => {
                online(global, async |ctx| commands::tls::rotate(args, ctx).await)
            }
            TlsCommand::Check(args) => {
                online(global, async |ctx| commands::tls::check(args, ctx).await)
            }
        },
    }
}

/// Loads the config and runs `command` on a two-thread runtime.
fn online(
    global: &cli::GlobalArgs,
    command: impl AsyncFnOnce(&Ctx) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let config = config::Config::load(global.config.as_deref())
        .map_err(|e| exit::fail(ExitCode::Usage, format!("{e:#}")))?;
    let ctx = Ctx {
        config,
        conn: global.conn.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(command(&ctx))
}
