//! `redisops schedule`: print a crontab line or a systemd service + timer pair that runs a
//! redisops command line on a classic 5-field schedule.

use crate::backup::schedule::CronExpr;
use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::exit::{ExitCode, fail};
use crate::ui::shell_word;
use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, ValueEnum};
use std::path::Path;

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// When to run, as a 5-field crontab expression ("0 3 * * *") or @daily, @hourly, …
    #[arg(long, value_name = "EXPR")]
    pub cron: String,
    /// What to print
    #[arg(long, value_enum, default_value_t = Emit::Crontab)]
    pub emit: Emit,
    /// Unit name for systemd (NAME.service and NAME.timer)
    #[arg(long, value_name = "NAME", default_value = "redisops-backup")]
    pub name: String,
    /// The redisops arguments to run, after `--` (e.g. -- --target main backup --repo /var/backups/redis)
    #[arg(last = true, required = true, value_name = "ARGS")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Emit {
    /// A line for crontab -e or /etc/cron.d
    Crontab,
    /// A systemd service and timer pair
    Systemd,
}

pub fn run(args: &ScheduleArgs, config: Option<&Path>) -> Result<ExitCode> {
    let expr = CronExpr::parse(&args.cron).map_err(|e| fail(ExitCode::Usage, e.to_string()))?;
    refuse_secrets(&args.command)?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let command = absolute_paths(&args.command, &cwd)?;
    let parsed = check_parses(&command)?;
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(String::from))
        .unwrap_or_else(|| "redisops".to_string());
    let mut words = vec![exe];
    // Cron and systemd start with an empty environment in another directory: the config file
    // this shell would use must be named, absolute.
    let names_config = command
        .iter()
        .any(|w| w == "--config" || w.starts_with("--config="));
    if !names_config && let Some(file) = Config::locate(config) {
        words.push("--config".into());
        words.push(absolute(&file, &cwd)?);
    }
    words.extend(command);
    if !words.iter().any(|w| w == "--quiet" || w == "-q") {
        // Cron mails whatever is printed: only warnings and errors should reach it.
        words.push("--quiet".into());
    }
    // The manifest and `list` tell scheduled backups from ones an operator ran by hand.
    if matches!(&parsed.command, Command::Backup(b) if !b.scheduled) {
        words.push("--scheduled".into());
    }
    let environment = carried_environment(&cwd)?;
    // The carried variables land in the same readable files as the command line.
    refuse_secrets(
        &environment
            .iter()
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>(),
    )?;
    let line = words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ");
    match args.emit {
        Emit::Crontab => {
            let assignments: String = environment
                .iter()
                .map(|(k, v)| format!("{k}={} ", shell_word(v)))
                .collect();
            crate::out!("{}", expr.crontab_line(&format!("{assignments}{line}")))
        }
        Emit::Systemd => {
            // systemd expands $VAR even inside quotes; $$ is a literal dollar.
            let units = expr.systemd_units(
                &args.name,
                &format!("redisops scheduled run ({})", args.name),
                &line.replace('$', "$$"),
                &environment,
            );
            crate::outln!("# /etc/systemd/system/{}.service", args.name);
            crate::out!("{}", units.service);
            crate::outln!();
            crate::outln!("# /etc/systemd/system/{}.timer", args.name);
            crate::out!("{}", units.timer);
            crate::outln!();
            crate::outln!(
                "# then: systemctl daemon-reload && systemctl enable --now {}.timer",
                args.name
            );
        }
    }
    Ok(ExitCode::Success)
}

/// `path` made absolute against `cwd` (`.` components dropped), as text for the line.
fn absolute(path: &Path, cwd: &Path) -> Result<String> {
    let joined = std::path::absolute(cwd.join(path))
        .with_context(|| format!("cannot make {} absolute", path.display()))?;
    joined.to_str().map(String::from).ok_or_else(|| {
        fail(
            ExitCode::Usage,
            format!(
                "{} is not valid UTF-8: rename it to schedule it",
                joined.display()
            ),
        )
    })
}

/// Every option of the command line, from the root down through each subcommand.
fn all_arguments(cmd: &clap::Command) -> Vec<clap::Arg> {
    let mut out: Vec<clap::Arg> = cmd.get_arguments().cloned().collect();
    for sub in cmd.get_subcommands() {
        out.extend(all_arguments(sub));
    }
    out
}

fn takes_path(arg: &clap::Arg) -> bool {
    use clap::ValueHint as H;
    arg.get_action().takes_values()
        && matches!(
            arg.get_value_hint(),
            H::AnyPath | H::FilePath | H::DirPath | H::ExecutablePath
        )
}

/// The words with every path option's value made absolute: cron starts the command in
/// `$HOME` and systemd in `/`, so `--repo backups` would name another directory there.
fn absolute_paths(words: &[String], cwd: &Path) -> Result<Vec<String>> {
    let root = crate::cli::Cli::command();
    let mut chain = vec![&root];
    let mut out = words.to_vec();
    let mut i = 0;
    while i < out.len() {
        let word = out[i].clone();
        let (found, inline) = if let Some(long) = word.strip_prefix("--") {
            if long.is_empty() {
                break;
            }
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let arg = chain
                .iter()
                .rev()
                .find_map(|c| c.get_arguments().find(|a| a.get_long() == Some(name)));
            (arg, value)
        } else if let Some(short) = word.strip_prefix('-').and_then(|w| w.chars().next()) {
            let arg = chain
                .iter()
                .rev()
                .find_map(|c| c.get_arguments().find(|a| a.get_short() == Some(short)));
            let rest = &word[1 + short.len_utf8()..];
            (arg, (!rest.is_empty()).then(|| rest.to_string()))
        } else {
            if let Some(sub) = chain.last().and_then(|c| c.find_subcommand(&word)) {
                chain.push(sub);
            }
            i += 1;
            continue;
        };
        let Some(arg) = found.filter(|a| a.get_action().takes_values()) else {
            i += 1;
            continue;
        };
        let path = takes_path(arg);
        match inline {
            Some(value) if path => {
                let prefix = &word[..word.len() - value.len()];
                out[i] = format!("{prefix}{}", absolute(Path::new(&value), cwd)?);
            }
            Some(_) => {}
            None => {
                if path && let Some(value) = out.get(i + 1).cloned() {
                    out[i + 1] = absolute(Path::new(&value), cwd)?;
                }
                i += 1;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A mistyped command is refused now, not discovered in tomorrow's cron mail.
fn check_parses(words: &[String]) -> Result<Cli> {
    let argv = std::iter::once("redisops").chain(words.iter().map(String::as_str));
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(cli),
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            Err(fail(
                ExitCode::Usage,
                format!(
                    "the command after -- is not a valid redisops command line: {}",
                    first.trim_start_matches("error: ")
                ),
            ))
        }
    }
}

/// The redisops variables of this shell (absolute where they name a path), for the emitted
/// line: cron and systemd would not have them. `REDISOPS_CONFIG` becomes `--config`.
fn carried_environment(cwd: &Path) -> Result<Vec<(String, String)>> {
    let mut seen = std::collections::BTreeMap::new();
    for arg in all_arguments(&crate::cli::Cli::command()) {
        let Some(name) = arg.get_env().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.starts_with("REDISOPS_") || name == "REDISOPS_CONFIG" {
            continue;
        }
        let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value = if takes_path(&arg) {
            absolute(Path::new(&value), cwd)?
        } else {
            value.to_string_lossy().into_owned()
        };
        seen.insert(name.to_string(), value);
    }
    Ok(seen.into_iter().collect())
}

/// Crontabs and unit files are readable by others and end up in logs: a password in the
/// command line would leak. Point to the ways that keep it out.
fn refuse_secrets(words: &[String]) -> Result<()> {
    let secret_flag = words.iter().any(|w| {
        w == "-a"
            || w == "--pass"
            || w.starts_with("--pass=")
            || (w.starts_with("-a") && w.len() > 2)
    });
    let secret_url = words.iter().any(|w| {
        w.split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    });
    if secret_flag || secret_url {
        return Err(fail(
            ExitCode::Usage,
            "refusing to put a password into a crontab or unit file (they are readable by other \
             users and show up in logs): use --password-file FILE, REDISCLI_AUTH in the unit's \
             environment file, or password_file in the config file",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_refused() {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert!(super::refuse_secrets(&words(&["-a", "pw", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--pass=pw", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--target", "redis://:pw@h", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--target", "redis://user@h", "backup"])).is_ok());
        assert!(super::refuse_secrets(&words(&["--password-file", "/etc/p", "backup"])).is_ok());
    }
}
