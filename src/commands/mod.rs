//! One file per subcommand. Each only wires the domain modules together: parse its
//! arguments, call the library, print the result, return an exit code. Arguments shared by
//! several commands (repository, keys) live here.

pub mod analyze;
pub mod backup;
mod backup_set;
pub mod copy;
pub mod diff;
pub mod generate;
pub mod harden;
pub mod keygen;
pub mod list;
pub mod prune;
pub mod restore;
mod restore_set;
pub mod schedule;
pub mod status;
pub mod tls;
pub mod verify;

use crate::archive::{self, Decryption, Encryption};
use crate::backup::retention::KeepPolicy;
use crate::cli::ConnectionArgs;
use crate::config::Config;
use crate::exit::{ExitCode, fail};
use crate::host::SupervisorChoice;
use crate::repo::{RepoLocation, TargetId};
use crate::target::Target;
use anyhow::{Context, Result};
use clap::Args;
use std::path::Path;
use std::path::PathBuf;

/// What every command gets: the loaded config and the connection flags.
pub struct Ctx {
    pub config: Config,
    pub conn: ConnectionArgs,
}

impl Ctx {
    pub fn target(&self) -> Result<Target> {
        Target::resolve(&self.conn, &self.config)
    }

    /// For repository commands: the target named on the command line, if any (none means
    /// every target in the repository).
    pub fn target_filter(&self) -> Result<Option<TargetId>> {
        let c = &self.conn;
        if c.target.is_none() && c.host.is_none() && c.port.is_none() && c.socket.is_none() {
            return Ok(None);
        }
        // A cluster target names its folder (its sets) like any other target.
        let name = match crate::target::AnyTarget::resolve(&self.conn, &self.config)? {
            crate::target::AnyTarget::Single(t) => t.name,
            crate::target::AnyTarget::Cluster(c) => c.name,
        };
        Ok(Some(TargetId::new(&name)))
    }
}

/// How the server is stopped and started (restore; harden apply --restart).
#[derive(Debug, Args)]
#[command(next_help_heading = "Supervisor")]
pub struct SupervisorArgs {
    /// The systemd unit that runs the server (stopped and started with systemctl)
    #[arg(long, value_name = "UNIT", conflicts_with = "stop_cmd")]
    pub service: Option<String>,

    /// Shell command that stops the server (docker stop, supervisorctl stop, …)
    #[arg(long, value_name = "CMD", requires = "start_cmd")]
    pub stop_cmd: Option<String>,

    /// Shell command that starts the server
    #[arg(long, value_name = "CMD", requires = "stop_cmd")]
    pub start_cmd: Option<String>,
}

impl SupervisorArgs {
    pub fn given(&self) -> bool {
        self.service.is_some() || self.stop_cmd.is_some()
    }

    /// The choice; without --service or --stop-cmd redisops runs the server itself, from
    /// `config_file` (default: the server's own).
    pub fn choice(&self, config_file: Option<PathBuf>) -> SupervisorChoice {
        match (&self.service, &self.stop_cmd, &self.start_cmd) {
            (Some(unit), _, _) => SupervisorChoice::Service { unit: unit.clone() },
            (None, Some(stop), Some(start)) => SupervisorChoice::Commands {
                stop: stop.clone(),
                start: start.clone(),
            },
            _ => SupervisorChoice::Managed { config_file },
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Repository")]
pub struct RepoArgs {
    /// Backup repository: a directory or s3://bucket/prefix [default: [repository] path or
    /// url in the config file]
    #[arg(long, env = "REDISOPS_REPO", value_name = "DIR|URL")]
    pub repo: Option<PathBuf>,
}

impl RepoArgs {
    /// The repository named by --repo, `REDISOPS_REPO` or the config, if any.
    pub fn given(&self, config: &Config) -> Result<Option<RepoLocation>> {
        let configured = config
            .repository
            .location()
            .map_err(|e| fail(ExitCode::Usage, e.to_string()))?;
        self.repo
            .clone()
            .or(configured)
            .map(|path| repo_location(&path, config))
            .transpose()
    }

    pub fn resolve(&self, config: &Config) -> Result<RepoLocation> {
        self.given(config)?.ok_or_else(|| {
            fail(
                ExitCode::Usage,
                "no repository given: pass --repo DIR (or s3://bucket/prefix), set \
                 REDISOPS_REPO, or set path or url in the [repository] section of the config \
                 file",
            )
        })
    }
}

/// The repository `given` names (a directory or `s3://…`, with the `[repository]` S3
/// settings); a malformed one is a usage error.
pub fn repo_location(given: &Path, config: &Config) -> Result<RepoLocation> {
    RepoLocation::parse(given, &config.repository).map_err(|e| fail(ExitCode::Usage, e.to_string()))
}

/// Who can read the backups: age recipients (public keys) or a passphrase.
#[derive(Debug, Args)]
#[command(next_help_heading = "Encryption")]
pub struct EncryptArgs {
    /// Encrypt to this age recipient (public key age1…); repeatable
    #[arg(long = "recipient", value_name = "AGE1…")]
    pub recipients: Vec<String>,

    /// Encrypt to the recipients in FILE (age format: one per line, # comments); repeatable
    #[arg(long = "recipients-file", value_name = "FILE")]
    pub recipients_files: Vec<PathBuf>,

    /// Encrypt with the passphrase in FILE (age scrypt) instead of public keys
    #[arg(long, value_name = "FILE", conflicts_with_all = ["recipients", "recipients_files"])]
    pub passphrase_file: Option<PathBuf>,

    /// Store the archive unencrypted (anyone who can read the repository can read the data)
    #[arg(long, conflicts_with_all = ["recipients", "recipients_files", "passphrase_file"])]
    pub no_encrypt: bool,
}

impl EncryptArgs {
    /// Flags win over the config's [backup] section; nothing at all is refused.
    pub fn resolve(&self, config: &Config) -> Result<Encryption> {
        if self.no_encrypt {
            return Ok(Encryption::None);
        }
        let flags_given = !self.recipients.is_empty()
            || !self.recipients_files.is_empty()
            || self.passphrase_file.is_some();
        let cfg = &config.backup;
        // A file the config names is reported with its key and the config file.
        let (recipients, files, passphrase, origin) = if flags_given {
            (
                &self.recipients,
                self.recipients_files.clone(),
                &self.passphrase_file,
                None,
            )
        } else {
            (
                &cfg.recipients,
                cfg.recipients_file.iter().cloned().collect(),
                &cfg.passphrase_file,
                Some(config),
            )
        };
        let named = |key: &str| origin.map(|c| c.names_key(key, "backup"));
        if let Some(file) = passphrase {
            let read = archive::read_passphrase_file(file);
            return Ok(Encryption::Passphrase(match named("passphrase_file") {
                Some(key) => read.context(key)?,
                None => read?,
            }));
        }
        let mut keys = recipients
            .iter()
            .map(|r| archive::parse_recipient(r))
            .collect::<Result<Vec<_>, _>>()?;
        for file in &files {
            let read = archive::read_recipients_file(file);
            keys.extend(match named("recipients_file") {
                Some(key) => read.context(key)?,
                None => read?,
            });
        }
        if keys.is_empty() {
            return Err(fail(
                ExitCode::Usage,
                "refusing to write an unencrypted backup: give --recipient age1… (redisops keygen \
                 makes a key pair), --recipients-file FILE or --passphrase-file FILE, set them in \
                 the config's [backup] section, or pass --no-encrypt to store the data in the clear",
            ));
        }
        Ok(Encryption::Recipients(keys))
    }
}

/// Keys to read encrypted archives.
#[derive(Debug, Args)]
#[command(next_help_heading = "Decryption")]
pub struct DecryptArgs {
    /// age identity file (private key, as written by redisops keygen or age-keygen); repeatable
    #[arg(short = 'i', long = "identity", value_name = "FILE")]
    pub identities: Vec<PathBuf>,

    /// Passphrase file, for archives encrypted with --passphrase-file
    #[arg(
        long = "passphrase-file",
        value_name = "FILE",
        conflicts_with = "identities"
    )]
    pub passphrase_file: Option<PathBuf>,
}

impl DecryptArgs {
    pub fn resolve(&self) -> Result<Decryption> {
        if let Some(file) = &self.passphrase_file {
            return Ok(Decryption::Passphrase(archive::read_passphrase_file(file)?));
        }
        if self.identities.is_empty() {
            return Ok(Decryption::None);
        }
        Ok(Decryption::from_identity_files(&self.identities)?)
    }

    pub fn given(&self) -> bool {
        !self.identities.is_empty() || self.passphrase_file.is_some()
    }
}

/// Refuses `--keep-*` counts that are all 0 (`--keep-last 0`): they would keep nothing but
/// the newest backup, and must not quietly fall back to the config's rules either.
pub fn refuse_zero_keep(keep: &KeepPolicy) -> Result<()> {
    let regular = KeepPolicy {
        keep_safety_within: None,
        ..keep.clone()
    };
    if regular != KeepPolicy::default() && regular.is_empty() {
        return Err(fail(
            ExitCode::Usage,
            "refusing to prune: the --keep-* counts given are all 0, which would keep nothing \
             but the newest backup. Give a count of at least 1 (e.g. --keep-last 7)",
        ));
    }
    Ok(())
}

/// Asks on the terminal before changing a server; without one there is nobody to ask.
pub fn confirm(question: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(fail(
            ExitCode::Usage,
            "refusing to change the server without confirmation: pass --yes (or --dry-run to \
             see the plan)",
        ));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Whether `e` is a repository's "not found" (no such backup, set or target).
pub(super) fn is_not_found(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<crate::repo::RepoError>(),
        Some(crate::repo::RepoError::NotFound { .. })
    )
}
