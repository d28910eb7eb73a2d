//! `redisops schedule`: print a crontab line or a systemd service + timer pair that runs a
//! redisops command line on a classic 5-field schedule.

use crate::exit::{ExitCode, fail};
use crate::schedule::CronExpr;
use anyhow::Result;
use clap::{Args, ValueEnum};

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

pub fn run(args: &ScheduleArgs) -> Result<ExitCode> {
    let expr = CronExpr::parse(&args.cron).map_err(|e| fail(ExitCode::Usage, e.to_string()))?;
    refuse_secrets(&args.command)?;
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(String::from))
        .unwrap_or_else(|| "redisops".to_string());
    let mut words = vec![exe];
    words.extend(args.command.iter().cloned());
    if !words.iter().any(|w| w == "--quiet" || w == "-q") {
        // Cron mails whatever is printed: only warnings and errors should reach it.
        words.push("--quiet".into());
    }
    let line = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
    match args.emit {
        Emit::Crontab => crate::out!("{}", expr.crontab_line(&line)),
        Emit::Systemd => {
            // systemd expands $VAR even inside quotes; $$ is a literal dollar.
            let units = expr.systemd_units(
                &args.name,
                &format!("redisops scheduled run ({})", args.name),
                &line.replace('$', "$$"),
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

/// Shell-style quoting (also valid for systemd's ExecStart) for words that need it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+#".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn secrets_are_refused() {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert!(super::refuse_secrets(&words(&["-a", "pw", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--pass=pw", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--target", "redis://:pw@h", "backup"])).is_err());
        assert!(super::refuse_secrets(&words(&["--target", "redis://user@h", "backup"])).is_ok());
        assert!(super::refuse_secrets(&words(&["--password-file", "/etc/p", "backup"])).is_ok());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("--repo"), "--repo");
        assert_eq!(quote("/var/backups/redis"), "/var/backups/redis");
        assert_eq!(quote("redis-sentinel://a,b#m"), "redis-sentinel://a,b#m");
        assert_eq!(quote("0 3 * * *"), "'0 3 * * *'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
