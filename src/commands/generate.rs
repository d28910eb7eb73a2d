//! `redisops completions SHELL` and the hidden `redisops generate completions|man --dir DIR`,
//! both rendered from the one clap definition, so `completions/` and `man/` cannot drift
//! from the code (a test compares the committed files with these renderings).

use crate::cli::Cli;
use crate::exit::ExitCode;
use anyhow::{Context, Result};
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate
    #[arg(value_enum)]
    pub what: Generated,
    /// Directory to write into
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Generated {
    Completions,
    Man,
}

/// The completion script for one shell, with the literal binary name so the output does not
/// depend on how redisops was invoked.
pub fn render_completion(shell: Shell) -> (String, Vec<u8>) {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "redisops", &mut out);
    let name = clap_complete::Generator::file_name(&shell, "redisops");
    (name, out)
}

/// Every completion script, as (file name, content).
pub fn render_completions() -> Vec<(String, Vec<u8>)> {
    Shell::value_variants()
        .iter()
        .map(|s| render_completion(*s))
        .collect()
}

/// One man page per visible command, as (file name, content): `redisops.1`,
/// `redisops-status.1`, …
pub fn render_man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, out)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        out.push((man.get_filename(), buf));
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(cmd, &mut out)?;
    out.sort();
    Ok(out)
}

pub fn run_completions(args: &CompletionsArgs) -> Result<ExitCode> {
    use std::io::Write;
    let (_, script) = render_completion(args.shell);
    std::io::stdout().write_all(&script)?;
    Ok(ExitCode::Success)
}

pub fn run_generate(args: &GenerateArgs) -> Result<ExitCode> {
    let files = match args.what {
        Generated::Completions => render_completions(),
        Generated::Man => render_man_pages()?,
    };
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (name, content) in files {
        let path = args.dir.join(&name);
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::Success)
}
