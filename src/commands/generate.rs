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
        let root = cmd.get_name() == "redisops";
        let man = clap_mangen::Man::new(cmd);
        let mut buf = Vec::new();
        if root {
            render_main_page(&man, &mut buf)?;
        } else {
            man.render(&mut buf)?;
        }
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

/// redisops(1): clap's sections, with EXIT STATUS and ENVIRONMENT in place of the exit-code
/// table `--help` shows after the options.
fn render_main_page(man: &clap_mangen::Man, w: &mut Vec<u8>) -> Result<()> {
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for code in ExitCode::ALL {
        roff.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            code.code(),
            roff_text(code.meaning())
        ));
    }
    roff.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in environment() {
        roff.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(&name),
            roff_text(&meaning)
        ));
    }
    w.extend_from_slice(roff.as_bytes());
    man.render_version_section(w)?;
    Ok(())
}

/// One line of roff text: backslashes and hyphens escaped, no request at the line start.
fn roff_text(text: &str) -> String {
    let escaped = text
        .replace('\n', " ")
        .replace('\\', "\\e")
        .replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// Every environment variable redisops reads, with what it does: those of the options (from
/// the clap definition, so none is missed) and the few read directly.
pub fn environment() -> Vec<(String, String)> {
    fn walk(cmd: &clap::Command, out: &mut std::collections::BTreeMap<String, String>) {
        for arg in cmd.get_arguments() {
            if let Some(name) = arg.get_env().and_then(|n| n.to_str()) {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                let option = arg.get_long().unwrap_or_default();
                out.entry(name.to_string())
                    .or_insert_with(|| format!("--{option}: {help}"));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut vars = std::collections::BTreeMap::new();
    walk(&Cli::command(), &mut vars);
    for (name, meaning) in [
        (
            "REDISCLI_AUTH",
            "The password to log in with (as for redis-cli), when no --pass or --password-file \
             is given; kept out of the process list",
        ),
        (
            "AWS_ACCESS_KEY_ID",
            "S3 repositories: the access key (with AWS_SECRET_ACCESS_KEY and optionally \
             AWS_SESSION_TOKEN), unless [repository] access_key_id_file and \
             secret_access_key_file are set",
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            "S3 repositories: the secret key that goes with AWS_ACCESS_KEY_ID",
        ),
        (
            "AWS_SESSION_TOKEN",
            "S3 repositories: the session token of temporary credentials",
        ),
        (
            "AWS_PROFILE",
            "S3 repositories: the profile whose static keys are read from the shared \
             credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials)",
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "S3 repositories: the shared credentials file (default ~/.aws/credentials)",
        ),
        (
            "AWS_REGION",
            "S3 repositories: the region when [repository] region is not set (then \
             AWS_DEFAULT_REGION; default us-east-1)",
        ),
        (
            "AWS_DEFAULT_REGION",
            "S3 repositories: the region when neither [repository] region nor AWS_REGION is set",
        ),
        (
            "AWS_ENDPOINT_URL_S3",
            "S3 repositories: the endpoint when [repository] endpoint is not set (then \
             AWS_ENDPOINT_URL; default AWS)",
        ),
        (
            "AWS_ENDPOINT_URL",
            "S3 repositories: the endpoint when neither [repository] endpoint nor \
             AWS_ENDPOINT_URL_S3 is set",
        ),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "S3 repositories: web identity (with AWS_ROLE_ARN), e.g. an EKS service account; \
             the container and instance roles are used when no other credentials are set",
        ),
        (
            "AWS_ROLE_ARN",
            "S3 repositories: the role assumed with AWS_WEB_IDENTITY_TOKEN_FILE",
        ),
        (
            "XDG_CONFIG_HOME",
            "Where the default config file is looked up: $XDG_CONFIG_HOME/redisops/config.toml \
             (default ~/.config), then /etc/redisops/config.toml",
        ),
        (
            "XDG_STATE_HOME",
            "Where tls journals are kept: $XDG_STATE_HOME/redisops (default \
             ~/.local/state/redisops, /var/lib/redisops for root)",
        ),
    ] {
        vars.insert(name.to_string(), meaning.to_string());
    }
    vars.into_iter().collect()
}

pub fn run_completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let (_, script) = render_completion(args.shell);
    // Through `out!`: `completions zsh | head` closing the pipe is not an error.
    crate::out!("{}", String::from_utf8_lossy(&script));
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
