//! How the server is stopped and started (notes §6.3). Stopping goes through whatever
//! supervises the server: a bare SHUTDOWN under `Restart=always` or a container restart policy
//! brings the old process back on the old files, and it later overwrites the restored one.
//!
//! - `Managed`: redisops runs the server itself: `SHUTDOWN NOSAVE`, then the server's own
//!   executable with its config file, detached in a new session.
//! - `Commands`: operator-given shell commands (docker, supervisord, …).
//! - `Service`: a systemd unit: `systemctl stop`, then `systemctl start --no-block` and polling,
//!   because a unit with `Type=notify` only reports started once the load finished.
//!
//! Whatever the supervisor, the stop is complete only when the old process is gone and the
//! port refuses connections.

use crate::conn::Node;
use crate::exit::{ExitCode, fail};
use crate::target::HostPort;
use crate::ui::shell_word;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How the operator said the server is supervised (`--service`, `--stop-cmd/--start-cmd`,
/// or nothing: redisops runs it). For a group, `{host}` and `{port}` in a unit name or a
/// command expand per node ([`SupervisorChoice::for_node`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SupervisorChoice {
    /// redisops stops and starts it; the config file defaults to the server's `config_file`.
    Managed {
        config_file: Option<PathBuf>,
    },
    Commands {
        stop: String,
        start: String,
    },
    Service {
        unit: String,
    },
}

/// What the managed mode needs to know about the running server.
#[derive(Debug, Default)]
pub struct Running {
    /// INFO's `config_file` (None when started without one).
    pub config_file: Option<PathBuf>,
    pub executable: Option<PathBuf>,
    pub cwd: PathBuf,
    /// The uid and gid it runs as, when it runs on this host.
    pub owner: Option<(u32, u32)>,
    /// After the config file (`--sentinel` for a Sentinel).
    pub args: Vec<String>,
}

impl SupervisorChoice {
    /// The choice for one node of a group: `{host}`/`{port}` replaced by its address.
    pub fn for_node(&self, node: &HostPort) -> SupervisorChoice {
        let expand = |t: &str| {
            t.replace("{host}", &node.host)
                .replace("{port}", &node.port.to_string())
        };
        match self {
            SupervisorChoice::Managed { config_file } => SupervisorChoice::Managed {
                config_file: config_file.clone(),
            },
            SupervisorChoice::Commands { stop, start } => SupervisorChoice::Commands {
                stop: expand(stop),
                start: expand(start),
            },
            SupervisorChoice::Service { unit } => SupervisorChoice::Service { unit: expand(unit) },
        }
    }

    /// The supervisor for this server; the managed mode needs its config file and executable.
    /// `output` receives a managed server's stdout and stderr.
    pub fn resolve(&self, p: &Running, output: PathBuf) -> Result<Supervisor> {
        Ok(match self {
            SupervisorChoice::Commands { stop, start } => Supervisor::Commands {
                stop: stop.clone(),
                start: start.clone(),
            },
            SupervisorChoice::Service { unit } => Supervisor::Service { unit: unit.clone() },
            SupervisorChoice::Managed { config_file } => {
                let config_file = config_file
                    .clone()
                    .or_else(|| p.config_file.clone())
                    .ok_or_else(|| {
                        fail(
                            ExitCode::Usage,
                            "the server was started without a config file, so redisops cannot \
                             start it again: pass --config-file PATH (a config holding its \
                             settings), or name its supervisor with --service UNIT or \
                             --stop-cmd/--start-cmd",
                        )
                    })?;
                let executable = p.executable.clone().ok_or_else(|| {
                    fail(
                        ExitCode::Usage,
                        "redisops cannot tell the server's executable (Redis before 7.0, or \
                         not running on this host): name its supervisor with --service UNIT \
                         or --stop-cmd/--start-cmd",
                    )
                })?;
                Supervisor::Managed {
                    executable,
                    config_file,
                    cwd: p.cwd.clone(),
                    output,
                    args: p.args.clone(),
                    owner: p.owner,
                }
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Supervisor {
    Managed {
        executable: PathBuf,
        config_file: PathBuf,
        cwd: PathBuf,
        /// Where the started server's stdout and stderr go.
        output: PathBuf,
        /// After the config file: `--sentinel` for a Sentinel, whatever the executable's name.
        #[serde(default)]
        args: Vec<String>,
        /// The uid and gid the server ran as: it is started as them again, never as the
        /// (root) user redisops may run as.
        #[serde(default)]
        owner: Option<(u32, u32)>,
    },
    Commands {
        stop: String,
        start: String,
    },
    Service {
        unit: String,
    },
}

impl Supervisor {
    pub fn describe_stop(&self) -> String {
        match self {
            Supervisor::Managed { .. } => "SHUTDOWN NOSAVE".into(),
            Supervisor::Commands { stop, .. } => format!("sh -c {}", shell_word(stop)),
            Supervisor::Service { unit } => format!("systemctl stop {unit}"),
        }
    }

    pub fn describe_start(&self) -> String {
        match self {
            Supervisor::Managed {
                executable,
                config_file,
                args,
                ..
            } => format!(
                "{} {}{}",
                shell_word(&executable.to_string_lossy()),
                shell_word(&config_file.to_string_lossy()),
                args.iter()
                    .map(|a| format!(" {}", shell_word(a)))
                    .collect::<String>()
            ),
            Supervisor::Commands { start, .. } => format!("sh -c {}", shell_word(start)),
            Supervisor::Service { unit } => format!("systemctl start --no-block {unit}"),
        }
    }

    /// Asks the supervisor to stop the server (`node` is the connection to it, which the
    /// managed mode needs). The caller waits for the process and port with [`super::wait_down`].
    /// `save`: the managed mode's SHUTDOWN saves first (a restart that keeps the data)
    /// instead of NOSAVE (a restore, whose files are about to be replaced).
    pub async fn stop(&self, node: Option<&mut Node>, save: bool) -> Result<()> {
        match self {
            Supervisor::Managed { .. } => {
                let Some(node) = node else {
                    return Err(fail(
                        ExitCode::Error,
                        "cannot send SHUTDOWN: no connection to the server",
                    ));
                };
                // The server closes the connection instead of replying: that is success.
                let how = if save { "SAVE" } else { "NOSAVE" };
                match node.try_query::<()>(redis::cmd("SHUTDOWN").arg(how)).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.is_io_error() || e.is_connection_dropped() => Ok(()),
                    Err(e) if e.is_unrecoverable_error() => Ok(()),
                    Err(e) => Err(node.explain(&e).into()),
                }
            }
            Supervisor::Commands { stop, .. } => run_shell(stop, "stop command").await,
            Supervisor::Service { unit } => run("systemctl", &["stop", unit], "stop").await,
        }
    }

    /// Starts the server. For the managed mode the child is returned so that an early exit
    /// is noticed.
    pub async fn start(&self) -> Result<Option<Child>> {
        match self {
            Supervisor::Managed {
                executable,
                config_file,
                cwd,
                output,
                args,
                owner,
            } => {
                let out = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(output)
                    .with_context(|| format!("cannot open {}", output.display()))?;
                let mut cmd = Command::new(executable);
                cmd.arg(config_file)
                    .args(args)
                    .current_dir(cwd)
                    .stdin(Stdio::null())
                    .stdout(out.try_clone()?)
                    .stderr(out);
                // SAFETY: geteuid has no preconditions and cannot fail.
                if let Some((uid, gid)) = owner
                    && unsafe { libc::geteuid() } == 0
                {
                    cmd.uid(*uid).gid(*gid);
                }
                // SAFETY: setsid is async-signal-safe; it detaches the server from our
                // session so that it outlives redisops and our terminal's signals.
                unsafe {
                    cmd.pre_exec(|| {
                        libc::setsid();
                        Ok(())
                    });
                }
                let child = cmd
                    .spawn()
                    .with_context(|| format!("cannot run {}", executable.display()))?;
                Ok(Some(child))
            }
            Supervisor::Commands { start, .. } => {
                run_shell(start, "start command").await?;
                Ok(None)
            }
            Supervisor::Service { unit } => {
                run("systemctl", &["start", "--no-block", unit], "start").await?;
                Ok(None)
            }
        }
    }
}

async fn run_shell(script: &str, what: &str) -> Result<()> {
    run("sh", &["-c", script], what).await
}

/// Runs a program to completion; a non-zero exit is an error carrying its stderr.
async fn run(program: &str, args: &[&str], what: &str) -> Result<()> {
    let described = format!("{program} {}", args.join(" "));
    let output = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("cannot run the {what} `{described}`"))?;
    if !output.status.success() {
        return Err(fail(
            ExitCode::Error,
            format!(
                "the {what} `{described}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ));
    }
    Ok(())
}

/// systemd kills a `Type=notify` unit that has not reported ready within `TimeoutStartSec`,
/// and Redis reports ready only after loading: a warning when the unit's limit is finite.
/// Silent when systemctl cannot tell.
pub fn start_timeout_warning(unit: &str) -> Option<String> {
    let out = Command::new("systemctl")
        .args(["show", "-p", "TimeoutStartUSec", "--value", unit])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !value.is_empty() && value != "infinity").then(|| {
        format!(
            "{unit} has TimeoutStartSec {value}: systemd kills a server still loading after that. \
             For a large dataset run `systemctl edit --runtime {unit}` with \
             [Service] TimeoutStartSec=infinity first."
        )
    })
}

/// The file the managed mode sends the server's output to (`what`: restore, tls).
pub fn output_path(dir: &Path, what: &str, ts: &str) -> PathBuf {
    dir.join(format!(".redisops-{what}-{ts}.out"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_quote_nested_shell_commands() {
        let s = Supervisor::Commands {
            stop: "docker exec cache sh -c 'redis-cli shutdown'".into(),
            start: "docker start cache".into(),
        };
        assert_eq!(
            s.describe_stop(),
            r"sh -c 'docker exec cache sh -c '\''redis-cli shutdown'\'''"
        );
        assert_eq!(s.describe_start(), "sh -c 'docker start cache'");
    }
}
