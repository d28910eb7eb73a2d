//! Choosing the RDB checker a server itself would use: `redis-check-rdb` or
//! `valkey-check-rdb`. Both are the server binary started under another name (the mode is
//! picked from argv[0]), so the target's own executable is its own checker; next come the
//! checkers beside it, then those on PATH. A checker only judges files it can read: it must
//! be at least as new as the file (RDB 12 needs Redis 7.4+, `VALKEY080` Valkey 9+), or it
//! would report a bogus "Can't handle RDB format version". `verify --deep` and `restore`
//! (before anything is stopped) both use [`choose`].

use crate::rdb::RdbFormat;
use crate::server::{Flavor, Loads, Server, Version};
use std::fmt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One checker: an executable, the name it runs under, and the build it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checker {
    pub path: PathBuf,
    /// `redis-check-rdb` or `valkey-check-rdb`: argv[0], which selects the mode.
    pub name: String,
    pub server: Server,
}

impl fmt::Display for Checker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {})",
            self.name,
            self.server,
            self.path.display()
        )
    }
}

/// What [`choose`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Found(Checker),
    /// Checkers exist, but none reads this file's format.
    TooOld(Vec<Checker>),
    /// No checker anywhere.
    Missing,
}

impl Choice {
    /// Why there is no usable checker, for a plan or an error; None when one was found.
    pub fn shortfall(&self, format: RdbFormat) -> Option<String> {
        match self {
            Choice::Found(_) => None,
            Choice::TooOld(found) => Some(format!(
                "no RDB checker reads {format}: found only {} (a checker must be at least as \
                 new as the file; put a newer redis-check-rdb or valkey-check-rdb on PATH)",
                found
                    .iter()
                    .map(Checker::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Choice::Missing => Some(
                "no redis-check-rdb or valkey-check-rdb found beside the server or on PATH \
                 (Debian: apt-get install redis-tools)"
                    .into(),
            ),
        }
    }
}

/// Picks the first checker that reads `format`: the server executable `near` itself (the
/// target's own), the checkers beside it, then those on PATH.
pub fn choose(format: RdbFormat, near: Option<&Path>) -> Choice {
    let mut found: Vec<Checker> = Vec::new();
    for c in candidates(near) {
        if found.iter().any(|f| same_file(&f.path, &c.path)) {
            continue;
        }
        if reads(&c.server, format) {
            return Choice::Found(c);
        }
        found.push(c);
    }
    if found.is_empty() {
        Choice::Missing
    } else {
        Choice::TooOld(found)
    }
}

/// Whether a checker of this build reads a file of this format (its strict defaults).
pub fn reads(server: &Server, format: RdbFormat) -> bool {
    server.loads(format, Some(false)) == Ok(Loads::Yes)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Every checker to consider, in order, with its build's version.
fn candidates(near: Option<&Path>) -> Vec<Checker> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(exe) = near {
        let file = exe.file_name().map(|n| n.to_string_lossy().into_owned());
        // Only a binary named like a Redis or Valkey one is started under another name.
        if file
            .as_deref()
            .is_some_and(|f| f.starts_with("redis-") || f.starts_with("valkey-"))
        {
            paths.push(exe.to_path_buf());
        }
        if let Some(dir) = exe.parent() {
            for flavor in [Flavor::Redis, Flavor::Valkey] {
                paths.push(dir.join(checker_name(flavor)));
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for flavor in [Flavor::Redis, Flavor::Valkey] {
                paths.push(dir.join(checker_name(flavor)));
            }
        }
    }
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .filter_map(|path| {
            let server = build_of(&path)?;
            Some(Checker {
                name: checker_name(server.flavor),
                path,
                server,
            })
        })
        .collect()
}

fn checker_name(flavor: Flavor) -> String {
    format!("{}-check-rdb", flavor.binary_prefix())
}

/// The build an executable belongs to, from `--version` run in server mode: "Redis server
/// v=7.0.15 …", "Valkey server v=8.0.1 …" (Valkey 7.2: "Server v=7.2.7 …").
fn build_of(path: &Path) -> Option<Server> {
    let out = Command::new(path)
        .arg0("redis-server")
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    parse_version_line(&String::from_utf8_lossy(&out.stdout))
}

fn parse_version_line(text: &str) -> Option<Server> {
    let version = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .and_then(Version::parse)?;
    let flavor = if text.starts_with("Redis ") {
        Flavor::Redis
    } else if text.starts_with("Valkey ") || text.starts_with("Server ") {
        Flavor::Valkey
    } else {
        return None;
    };
    Some(Server {
        flavor,
        version,
        // Valkey's checker reads the formats of its own version; the Redis command set it
        // is compatible with does not matter here.
        compat: version,
    })
}

/// A checker's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// The checker rejected the file: its error lines.
    Rejected(String),
}

impl Checker {
    /// Starts the checker on `file` (`/dev/stdin` to feed it through a pipe).
    pub fn spawn(&self, file: &Path, stdin: Stdio) -> std::io::Result<Child> {
        Command::new(&self.path)
            .arg0(&self.name)
            .arg(file)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    }

    /// Runs the checker on a file and waits for its verdict.
    pub fn check_file(&self, file: &Path) -> std::io::Result<Verdict> {
        let out = self.spawn(file, Stdio::null())?.wait_with_output()?;
        Ok(verdict(
            out.status.success(),
            &String::from_utf8_lossy(&out.stdout),
        ))
    }
}

/// Reads a checker's output: "RDB looks OK" or its error lines.
pub fn verdict(success: bool, stdout: &str) -> Verdict {
    if success && stdout.contains("RDB looks OK") {
        return Verdict::Ok;
    }
    let detail: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("error") || l.starts_with("--- "))
        .take(5)
        .collect();
    Verdict::Rejected(detail.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(flavor: Flavor, v: [u32; 3]) -> Server {
        Server {
            flavor,
            version: Version(v),
            compat: Version(v),
        }
    }

    fn format(version: u32, valkey_magic: bool) -> RdbFormat {
        RdbFormat {
            version,
            valkey_magic,
        }
    }

    #[test]
    fn version_lines_of_both_flavours() {
        let r = parse_version_line("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0")
            .unwrap();
        assert_eq!(r.to_string(), "Redis 7.0.15");
        let v = parse_version_line("Valkey server v=8.0.1 sha=00000000:1 malloc=libc").unwrap();
        assert_eq!(v.to_string(), "Valkey 8.0.1");
        let old = parse_version_line("Server v=7.2.7 sha=00000000:0 malloc=libc bits=64").unwrap();
        assert_eq!(old.flavor, Flavor::Valkey);
        assert_eq!(parse_version_line("KeyDB server v=6.3.4"), None);
    }

    #[test]
    fn a_checker_reads_only_formats_its_build_loads() {
        let redis70 = server(Flavor::Redis, [7, 0, 15]);
        let redis74 = server(Flavor::Redis, [7, 4, 1]);
        let valkey8 = server(Flavor::Valkey, [8, 0, 1]);
        let valkey9 = server(Flavor::Valkey, [9, 0, 0]);
        assert!(reads(&redis70, format(10, false)));
        assert!(!reads(&redis70, format(11, false)));
        assert!(reads(&redis74, format(12, false)));
        assert!(reads(&valkey8, format(11, false)));
        assert!(!reads(&valkey8, format(12, false)));
        assert!(!reads(&valkey9, format(12, false)));
        assert!(reads(&valkey9, format(80, true)));
        assert!(!reads(&redis74, format(80, true)));
        assert!(!reads(&valkey8, format(80, true)));
    }

    #[test]
    fn checker_output() {
        assert_eq!(
            verdict(
                true,
                "[offset 0] Checking RDB file\n\\o/ RDB looks OK! \\o/\n"
            ),
            Verdict::Ok
        );
        let bad = "--- RDB ERROR DETECTED ---\n[offset 24] Internal error in RDB reading\n";
        assert!(matches!(verdict(false, bad), Verdict::Rejected(d) if d.contains("ERROR")));
    }
}
