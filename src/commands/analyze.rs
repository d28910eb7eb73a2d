//! `redisops analyze`: what is inside a backup, an RDB file or a live server's snapshot
//! (see `analyze/` for the reports). Also the choice of input that `diff` shares.

use super::{Ctx, DecryptArgs, RepoArgs};
use crate::analyze::csv::KeyCsv;
use crate::analyze::input::{Input, Run};
use crate::analyze::{self, Options};
use crate::exit::{ExitCode, fail};
use crate::rdb::{self, VerifyOptions};
use crate::repo::{Repository, TargetId};
use crate::steps::cancel::on_signal;
use crate::ui::StdoutClosed;
use anyhow::Result;
use clap::Args;
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Backup id (or a unique prefix) in the repository
    #[arg(value_name = "ID", conflicts_with_all = ["latest", "file", "live"])]
    pub id: Option<String>,
    /// Analyze the target's newest backup in the repository; safety backups taken by restore are skipped
    #[arg(long, conflicts_with_all = ["file", "live"])]
    pub latest: bool,
    /// With --latest: count the safety backups restore takes of the data it replaces
    #[arg(long, requires = "latest")]
    pub include_safety: bool,
    /// Analyze this file: a plain .rdb, .rdb.gz, .rdb.zst, or any of them in age, made by any tool
    #[arg(long, value_name = "PATH", conflicts_with = "live")]
    pub file: Option<PathBuf>,
    /// Analyze a fresh RDB streamed from the target over the replication protocol (stored nowhere)
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub keys: DecryptArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print the report as JSON (format in the README)
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print every key as a CSV row (db,key,type,encoding,bytes,elements,expire_at) instead of the report
    #[arg(long, conflicts_with = "html")]
    pub csv: bool,
    /// Also write the report as one self-contained HTML page to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// What the reports collect; shared by analyze and diff.
#[derive(Debug, Args)]
#[command(next_help_heading = "Report")]
pub struct ReportArgs {
    /// Length of the top-keys lists
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Characters that end a key prefix
    #[arg(long, value_name = "CHARS", default_value = ":")]
    pub separators: String,
    /// Prefix levels to report
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub depth: u16,
}

impl ReportArgs {
    pub fn options(&self) -> Result<Options> {
        if self.separators.is_empty() {
            return Err(fail(
                ExitCode::Usage,
                "--separators needs at least one character",
            ));
        }
        Ok(Options {
            top: self.top,
            separators: self.separators.as_bytes().to_vec(),
            depth: usize::from(self.depth),
            ..Options::default()
        })
    }
}

pub async fn run(args: &AnalyzeArgs, ctx: &Ctx) -> Result<ExitCode> {
    let input = if args.live {
        Input::Live(Box::new(ctx.target()?))
    } else if let Some(file) = &args.file {
        Input::File(file.clone())
    } else {
        let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
        match &args.id {
            Some(id) => {
                let backup = repo.find(ctx.target_filter()?.as_ref(), id)?;
                Input::Backup(Box::new((repo, backup)))
            }
            None if args.latest => {
                let backup = latest(&repo, ctx, args.include_safety)?;
                Input::Backup(Box::new((repo, backup)))
            }
            None => {
                return Err(fail(
                    ExitCode::Usage,
                    "name what to analyze: a backup ID, --latest, --file PATH or --live",
                ));
            }
        }
    };
    let keys = args.keys.resolve()?;
    let run = Run {
        keys: &keys,
        quiet: crate::ui::is_quiet() || args.json || args.csv,
        cancelled: on_signal(),
    };
    let opts = args.report.options()?;
    if args.csv {
        input
            .read(&run, move |r| {
                let mut csv = KeyCsv::new(BufWriter::new(std::io::stdout()));
                let verify = VerifyOptions::default();
                rdb::copy_visited(r, std::io::sink(), &verify, &mut csv)
                    .map_err(crate::backup::verify::classify)?;
                csv.finish().map_err(|e| match e.kind() {
                    ErrorKind::BrokenPipe => StdoutClosed.into(),
                    _ => anyhow::Error::from(e),
                })
            })
            .await?;
        return Ok(ExitCode::Success);
    }
    let analysis = input.analyze(&run, &opts).await?;
    if let Some(path) = &args.html {
        write_html(path, &analyze::html::render(&analysis))?;
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&analysis)?);
    } else {
        crate::out!("{}", analyze::text::render(&analysis));
        if let Some(path) = &args.html {
            crate::outln!("\nHTML report: {}", path.display());
        }
    }
    Ok(ExitCode::Success)
}

/// The newest backup (safety backups taken by restore only with `include_safety`) of the
/// target named on the command line, or of the repository's only target.
fn latest(repo: &Repository, ctx: &Ctx, include_safety: bool) -> Result<crate::repo::Backup> {
    if let Some(target) = ctx.target_filter()? {
        return repo.latest(&target, include_safety);
    }
    let targets: Vec<TargetId> = repo.targets()?;
    match targets.as_slice() {
        [only] => repo.latest(only, include_safety),
        [] => Err(fail(ExitCode::NotFound, "the repository holds no backups")),
        several => Err(fail(
            ExitCode::Usage,
            format!(
                "the repository holds backups of several targets ({}): name one with --target",
                several
                    .iter()
                    .map(TargetId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Reports name keys, which may be confidential: the page is private to its owner (0600).
pub fn write_html(path: &Path, page: &str) -> Result<()> {
    crate::fsutil::write_atomic(path, page.as_bytes(), 0o600)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
