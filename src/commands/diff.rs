//! `redisops diff A B`: what changed between two backups or RDB files.

use super::analyze::{ReportArgs, write_html};
use super::{Ctx, DecryptArgs, RepoArgs};
use crate::analyze::diff::{self, Lookup};
use crate::analyze::input::{Input, Run};
use crate::analyze::{self, html};
use crate::exit::ExitCode;
use crate::rdb::{self, VerifyOptions};
use crate::repo::Repository;
use crate::steps::cancel::on_signal;
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older side: a backup id (or unique prefix) in the repository, or an RDB file
    #[arg(value_name = "A")]
    pub a: String,
    /// The newer side, the same way
    #[arg(value_name = "B")]
    pub b: String,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub keys: DecryptArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print the comparison as JSON (format in the README)
    #[arg(long)]
    pub json: bool,
    /// Also write the comparison as one self-contained HTML page to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

pub async fn run(args: &DiffArgs, ctx: &Ctx) -> Result<ExitCode> {
    let mut repo = None;
    let a = input(&args.a, &mut repo, args, ctx)?;
    let b = input(&args.b, &mut repo, args, ctx)?;
    let keys = args.keys.resolve()?;
    let run = Run {
        keys: &keys,
        quiet: crate::ui::is_quiet() || args.json,
        cancelled: on_signal(),
    };
    let opts = args.report.options()?;

    // Three passes: A; B, finding A's top keys in it; A again for B's top keys, if A's own
    // top list did not already hold them.
    let first = a.analyze(&run, &opts).await?;
    let in_b = Lookup::new(&first.top_by_bytes);
    let (second, in_b) = {
        let (source, opts) = (b.source(), opts.clone());
        b.read(&run, move |r| {
            let mut in_b = in_b;
            let analysis = analyze::analyze_with(r, source, &opts, &mut in_b)?;
            Ok((analysis, in_b))
        })
        .await?
    };
    let in_a = Lookup::new(second.top_by_bytes.iter().filter(|row| {
        !first
            .top_by_bytes
            .iter()
            .any(|f| f.db == row.db && f.raw_key == row.raw_key)
    }));
    let in_a = if in_a.is_empty() {
        in_a
    } else {
        a.read(&run, move |r| {
            let mut in_a = in_a;
            rdb::copy_visited(r, std::io::sink(), &VerifyOptions::default(), &mut in_a)
                .map_err(crate::backup::verify::classify)?;
            Ok(in_a)
        })
        .await?
    };
    let diff = diff::compare(&first, &second, &in_a, &in_b);
    if let Some(path) = &args.html {
        write_html(path, &html::render_diff(&diff))?;
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&diff)?);
    } else {
        crate::out!("{}", diff::render(&diff));
        if let Some(path) = &args.html {
            crate::outln!("\nHTML report: {}", path.display());
        }
    }
    Ok(ExitCode::Success)
}

/// A file when one exists at `spec`, else a backup in the repository.
fn input(spec: &str, repo: &mut Option<Repository>, args: &DiffArgs, ctx: &Ctx) -> Result<Input> {
    if Path::new(spec).is_file() {
        return Ok(Input::File(spec.into()));
    }
    if repo.is_none() {
        *repo = Some(Repository::open(&args.repo.resolve(&ctx.config)?)?);
    }
    let repo = repo.as_ref().expect("opened above");
    let backup = repo.find(ctx.target_filter()?.as_ref(), spec)?;
    Ok(Input::Backup(Box::new((repo.clone(), backup))))
}
