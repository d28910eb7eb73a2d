//! Progress of long byte streams, chosen by environment (rustic's rule): an indicatif bar
//! with bytes, rate and ETA when stderr is a terminal; a log line every few seconds when it is
//! not (cron mail, journald); nothing with `--quiet` or `--json`.
//!
//! [`Progress`] also carries the cancellation token that SIGINT/SIGTERM cancel: the reader checks
//! it on every read, so a pipeline stops within one buffer and cleans up after itself.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const LOG_EVERY: Duration = Duration::from_secs(5);

/// Shared progress state for one stream.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    label: String,
    total: Option<u64>,
    done: AtomicU64,
    bar: Option<ProgressBar>,
    log: bool,
    started: Instant,
    last_log: Mutex<Instant>,
    cancelled: CancellationToken,
}

impl Progress {
    /// `quiet` hides all output; otherwise a bar on a terminal, periodic lines elsewhere.
    pub fn new(label: &str, total: Option<u64>, quiet: bool, cancelled: CancellationToken) -> Self {
        let terminal = io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = match total {
                Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = if total.is_some() {
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}"
            } else {
                "{prefix} {spinner} {bytes} {binary_bytes_per_sec} {elapsed}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            inner: Arc::new(Inner {
                label: label.to_string(),
                total,
                done: AtomicU64::new(0),
                bar,
                log: !quiet && !terminal,
                started: Instant::now(),
                last_log: Mutex::new(Instant::now()),
                cancelled,
            }),
        }
    }

    pub fn inc(&self, n: u64) {
        let done = self.inner.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.inner.bar {
            bar.set_position(done);
        } else if self.inner.log {
            let mut last = self.inner.last_log.lock().expect("progress lock");
            if last.elapsed() >= LOG_EVERY {
                *last = Instant::now();
                crate::ui::stderr_line(format_args!("redisops: {}", self.line(done)));
            }
        }
    }

    fn line(&self, done: u64) -> String {
        let secs = self.inner.started.elapsed().as_secs_f64().max(0.001);
        let rate = crate::ui::bytes((done as f64 / secs) as u64);
        match self.inner.total {
            Some(t) if t > 0 => format!(
                "{}: {} of {} ({:.0}%), {rate}/s",
                self.inner.label,
                crate::ui::bytes(done),
                crate::ui::bytes(t),
                done as f64 * 100.0 / t as f64
            ),
            _ => format!("{}: {}, {rate}/s", self.inner.label, crate::ui::bytes(done)),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.inner.bar {
            bar.finish_and_clear();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.is_cancelled()
    }

    /// Wraps a reader so that reads count and a cancellation fails the next read.
    pub fn reader<R: Read>(&self, inner: R) -> ProgressReader<R> {
        ProgressReader {
            inner,
            progress: self.clone(),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub struct ProgressReader<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.progress.is_cancelled() {
            // Not ErrorKind::Interrupted: read_exact and io::copy retry that kind forever.
            return Err(io::Error::other(crate::exit::Failure::new(
                crate::exit::ExitCode::Interrupted,
                "interrupted by a signal; the unfinished archive was removed",
            )));
        }
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
