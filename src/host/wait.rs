//! Stopping a server and waiting until it is gone; starting it and waiting until it accepts
//! connections and has loaded its data. Restore, `harden apply --restart` and the TLS move of
//! a Sentinel group all go through here, so they wait the same way.

use super::process::alive;
use super::supervisor::Supervisor;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::steps::cancel::{self, CancellationToken};
use crate::target::{Auth, Endpoint};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a stop may take (a SHUTDOWN SAVE of a large dataset takes a while).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a started server may take to accept connections (the load itself may take
/// longer: a loading server answers INFO, and that is waited for as long as it loads).
pub const LISTEN_TIMEOUT: Duration = Duration::from_secs(120);
const LOADING_NOTE_EVERY: Duration = Duration::from_secs(5);

/// The intervals between polls: 10 ms at first, growing to 50 ms. The server is down while
/// these loops wait, so every poll that comes late is downtime (a 200 MB dataset loads in
/// about a second); one INFO every 50 ms costs a loading server nothing.
struct Polls(Duration);

impl Polls {
    fn new() -> Self {
        Self(Duration::from_millis(10))
    }

    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (d * 3 / 2).min(Duration::from_millis(50));
        d
    }
}

/// Whether something accepts connections at `endpoint`.
pub fn listening(endpoint: &Endpoint) -> bool {
    match endpoint {
        Endpoint::Tcp(hp) => {
            use std::net::ToSocketAddrs;
            (hp.host.as_str(), hp.port)
                .to_socket_addrs()
                .ok()
                .into_iter()
                .flatten()
                .any(|a| {
                    std::net::TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok()
                })
        }
        Endpoint::Unix(path) => std::os::unix::net::UnixStream::connect(path).is_ok(),
    }
}

/// Waits until the process `pid` (when known on this host) is gone and the port is closed.
pub async fn wait_down(
    endpoint: &Endpoint,
    pid: Option<u32>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut polls = Polls::new();
    loop {
        let up = pid.is_some_and(alive) || listening(endpoint);
        if !up {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(fail(
                ExitCode::Error,
                format!(
                    "the server at {endpoint} is still running {}s after the stop{}",
                    timeout.as_secs(),
                    pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
                ),
            ));
        }
        cancel::sleep(polls.next(), cancel).await?;
    }
}

/// One server that redisops stops and starts through its supervisor.
pub struct Server {
    pub dialer: Dialer,
    pub endpoint: Endpoint,
    pub auth: Auth,
    /// The server's own log file, named when it fails to come up.
    pub logfile: Option<PathBuf>,
    /// The process the managed mode started, so that an early exit is noticed.
    child: Option<Child>,
}

impl Server {
    pub fn new(dialer: Dialer, endpoint: Endpoint, auth: Auth, logfile: Option<PathBuf>) -> Self {
        Self {
            dialer,
            endpoint,
            auth,
            logfile,
            child: None,
        }
    }

    pub async fn connect(&self) -> Result<Node> {
        Node::connect(&self.dialer, &self.endpoint, &self.auth, 0).await
    }

    pub fn listening(&self) -> bool {
        listening(&self.endpoint)
    }

    /// Stops the server through `supervisor` (`save`: SHUTDOWN SAVE in the managed mode) and
    /// waits until its process is gone and the port closed. A server that is down already
    /// is left alone.
    pub async fn stop(
        &mut self,
        supervisor: &Supervisor,
        save: bool,
        cancel: &CancellationToken,
    ) -> Result<()> {
        if !self.listening() {
            return Ok(());
        }
        let mut node = self.connect().await?;
        let pid = node
            .info("server")
            .await?
            .u64("process_id")
            .and_then(|p| super::process::local_pid(p as u32));
        supervisor.stop(Some(&mut node), save).await?;
        drop(node);
        wait_down(&self.endpoint, pid, STOP_TIMEOUT, cancel).await?;
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
        Ok(())
    }

    /// Starts the server through `supervisor` unless something listens already, and waits
    /// until it accepts connections (it may still be loading).
    pub async fn start(&mut self, supervisor: &Supervisor) -> Result<()> {
        if !self.listening() {
            self.child = supervisor.start().await?;
        }
        self.wait_up(supervisor).await
    }

    /// [`Server::start`], then [`Server::wait_loaded`].
    pub async fn start_loaded(
        &mut self,
        supervisor: &Supervisor,
        cancel: &CancellationToken,
    ) -> Result<()> {
        self.start(supervisor).await?;
        self.wait_loaded(supervisor, cancel).await
    }

    /// Waits until the server accepts connections and answers INFO (also while loading).
    /// Not cancellable: a rollback must know whether a starting server is there.
    pub async fn wait_up(&mut self, supervisor: &Supervisor) -> Result<()> {
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        let mut polls = Polls::new();
        loop {
            if self.listening()
                && let Ok(mut node) = self.connect().await
                && node.info("persistence").await.is_ok()
            {
                return Ok(());
            }
            self.check_child(supervisor)?;
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the server at {} did not accept connections within {}s of the start{}",
                        self.endpoint,
                        LISTEN_TIMEOUT.as_secs(),
                        self.output_hint(supervisor)
                    ),
                ));
            }
            tokio::time::sleep(polls.next()).await;
        }
    }

    /// A managed server that exits with an error will never answer: say so at once.
    fn check_child(&mut self, supervisor: &Supervisor) -> Result<()> {
        let Some(child) = self.child.as_mut() else {
            return Ok(());
        };
        match child.try_wait()? {
            // `daemonize yes`: the first process exits 0 once the daemon runs.
            Some(status) if status.success() => {
                self.child = None;
                Ok(())
            }
            Some(status) => {
                self.child = None;
                Err(fail(
                    ExitCode::Error,
                    format!(
                        "redis-server exited with {status}{}",
                        self.output_hint(supervisor)
                    ),
                ))
            }
            None => Ok(()),
        }
    }

    pub fn output_hint(&self, supervisor: &Supervisor) -> String {
        let mut hints = Vec::new();
        if let Some(log) = &self.logfile {
            hints.push(log.display().to_string());
        }
        if let Supervisor::Managed { output, .. } = supervisor {
            hints.push(output.display().to_string());
        }
        if hints.is_empty() {
            String::new()
        } else {
            format!("; see {}", hints.join(" and "))
        }
    }

    /// Waits for `loading:0` as long as the server loads, showing the progress (a bar on a
    /// terminal, a line every few seconds elsewhere); fails if the server goes away.
    pub async fn wait_loaded(
        &mut self,
        supervisor: &Supervisor,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let bar = (std::io::stderr().is_terminal() && !crate::ui::is_quiet()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("loading [{bar:30}] {pos}% {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        let result = self.poll_loaded(supervisor, bar.as_ref(), cancel).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        result
    }

    async fn poll_loaded(
        &mut self,
        supervisor: &Supervisor,
        bar: Option<&ProgressBar>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let mut last_note = Instant::now();
        let mut polls = Polls::new();
        loop {
            let info = match self.connect().await {
                Ok(mut node) => node.info("persistence").await,
                Err(e) => Err(e),
            };
            let info = match info {
                Ok(info) => info,
                Err(e) => {
                    self.check_child(supervisor)?;
                    if self.listening() {
                        return Err(e);
                    }
                    return Err(fail(
                        ExitCode::Error,
                        format!(
                            "the server at {} went away while loading{}",
                            self.endpoint,
                            self.output_hint(supervisor)
                        ),
                    ));
                }
            };
            if info.flag("loading") != Some(true) {
                return Ok(());
            }
            let perc = info.get("loading_loaded_perc").unwrap_or("?");
            let eta = info.get("loading_eta_seconds").unwrap_or("?");
            if let Some(bar) = bar {
                bar.set_position(perc.parse::<f64>().unwrap_or(0.0) as u64);
                bar.set_message(format!("ETA {eta}s"));
            } else if last_note.elapsed() >= LOADING_NOTE_EVERY {
                last_note = Instant::now();
                crate::ui::note(format!("{}: loading: {perc}%, ETA {eta}s", self.endpoint));
            }
            cancel::sleep(polls.next(), cancel).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_start_fast_and_settle_at_50ms() {
        let mut polls = Polls::new();
        let ms: Vec<u128> = (0..7).map(|_| polls.next().as_millis()).collect();
        assert_eq!(ms, [10, 15, 22, 33, 50, 50, 50]);
    }
}
