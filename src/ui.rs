//! Messages to the operator on stderr: warnings and progress notes.
//!
//! stdout is reserved for command output (tables, JSON), so scripts can parse it while
//! warnings still reach a person or a cron mail.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: suppress notes (warnings are still printed).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// One line on stderr. A closed stderr is ignored: `eprintln!` would panic, and a panic in
/// the middle of a restore or an apply would skip its rollback.
pub fn stderr_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

pub fn warn(message: impl std::fmt::Display) {
    stderr_line(format_args!("redisops: warning: {message}"));
}

/// An error after which the command still finished (a partial result); `main` prints the
/// fatal ones the same way.
pub fn error(message: impl std::fmt::Display) {
    stderr_line(format_args!("redisops: error: {message}"));
}

pub fn note(message: impl std::fmt::Display) {
    if !is_quiet() {
        stderr_line(format_args!("redisops: {message}"));
    }
}

/// Human-readable byte count (binary units, as `ls -h` and Redis' `*_human` fields).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Human-readable duration: `3d 4h`, `5m 2s`, `800ms`.
pub fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        1..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86400, secs % 86400 / 3600),
    }
}

/// A word as a POSIX shell reads it back (also valid in systemd's ExecStart): as is when
/// it has nothing special, else in single quotes, `'` written as `'\''`. For printed plans
/// and emitted command lines, so that nested quoting survives a copy and paste.
pub fn shell_word(word: &str) -> String {
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
    use super::*;
    use std::time::Duration;

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("--repo"), "--repo");
        assert_eq!(shell_word("/var/backups/redis"), "/var/backups/redis");
        assert_eq!(
            shell_word("redis-sentinel://a,b#m"),
            "redis-sentinel://a,b#m"
        );
        assert_eq!(shell_word("0 3 * * *"), "'0 3 * * *'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn formats() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
        assert_eq!(duration(Duration::from_millis(800)), "800ms");
        assert_eq!(duration(Duration::from_secs(62)), "1m 2s");
        assert_eq!(duration(Duration::from_secs(90000)), "1d 1h");
    }
}

/// stdout was closed by the reader (`redisops list | head`): not a failure.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Writes command output to stdout. A closed pipe becomes [`StdoutClosed`], which `main`
/// treats as success; `println!` would panic instead.
pub fn write_out(args: std::fmt::Arguments) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(args) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(e.into()),
    }
}

/// Shows the plan of a command that changes things. A reader gone before the change (the
/// pipe closed) stops it with nothing changed, as SIGPIPE stops any Unix tool at its next
/// write; later output is the report of what was done, and the run never dies half-way. A
/// dry run changes nothing anyway: there a closed stdout is no failure.
pub fn show_plan(text: &str, dry_run: bool) -> anyhow::Result<()> {
    match write_out(format_args!("{text}")) {
        Err(e) if !dry_run && e.is::<StdoutClosed>() => Err(crate::exit::fail(
            crate::exit::ExitCode::Error,
            "stdout was closed before anything changed: nothing was changed",
        )),
        result => result,
    }
}

/// `print!` for command output; returns early from the calling function on a write error.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::ui::write_out(format_args!($($arg)*))?
    };
}

/// `println!` for command output; returns early from the calling function on a write error.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::ui::write_out(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::ui::write_out(format_args!("{}\n", format_args!($($arg)*)))?
    };
}
