//! Choosing the RDB checker a server itself would use: `redis-check-rdb` or
//! `valkey-check-rdb`. Both are the server binary started under another name (the mode is
//! picked from argv[0]), so the target's own executable is its own checker; next come the
//! checkers beside it, then those on PATH. A checker only judges files it can read: it must
//! be at least as new as the file (RDB 12 needs Redis 7.4+, `VALKEY080` Valkey 9+), or it
//! would report a bogus "Can't handle RDB format version". `verify --deep` and `restore`
//! (before anything is stopped) both use [`choose`].

use crate::rdb::RdbFormat;
use crate::server::{Flavor, Loads, Server, Version};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, PoisonError};

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

/// The build an executable belongs to, probed once per process and file: every staging
/// asks (a cluster restore stages each shard), and each probe starts up to four binaries.
/// The key includes the file's identity, so a binary replaced meanwhile (a package upgrade
/// under a long-running schedule) is probed again. A failed probe is not kept: it may have
/// been passing (fork or exec refused for a moment).
fn build_of(path: &Path) -> Option<Server> {
    static PROBED: Mutex<BTreeMap<PathBuf, (FileId, Server)>> = Mutex::new(BTreeMap::new());
    let probed = || PROBED.lock().unwrap_or_else(PoisonError::into_inner);
    let id = FileId::of(path)?;
    if let Some((seen, server)) = probed().get(path)
        && *seen == id
    {
        return Some(*server);
    }
    let server = probe_version(path)?;
    probed().insert(path.to_path_buf(), (id, server));
    Some(server)
}

/// What tells one file at a path from its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
}

impl FileId {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
        })
    }
}

/// `--version` run in server mode: "Redis server v=7.0.15 …", "Valkey server v=8.0.1 …"
/// (Valkey 7.2: "Server v=7.2.7 …").
fn probe_version(path: &Path) -> Option<Server> {
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
    /// Starts the checker on `/dev/stdin`, to be fed through [`Piped::feed`] while the RDB
    /// streams past, so checking costs no pass of its own.
    pub fn spawn_piped(self) -> std::io::Result<Piped> {
        let mut child = Command::new(&self.path)
            .arg0(&self.name)
            .arg("/dev/stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        if let Some(pipe) = &stdin {
            // A 64 KiB pipe makes the stream and the checker wait on each other every few
            // blocks; a larger one lets both run. Best effort: the default still works.
            // SAFETY: fcntl on a pipe descriptor this process owns; no memory is passed.
            unsafe { libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES) };
        }
        Ok(Piped {
            checker: self,
            child,
            stdin,
        })
    }
}

/// The checker's pipe buffer (Linux allows up to 1 MiB without privileges).
const PIPE_BYTES: libc::c_int = 1 << 20;

/// A running checker reading the RDB from a pipe.
pub struct Piped {
    pub checker: Checker,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Piped {
    /// The checker's input. Taken once; dropping it ends the checker's input.
    pub fn feed(&mut self) -> Feed {
        Feed(self.stdin.take())
    }

    /// Waits for the verdict (the feed must be dropped first).
    pub fn finish(mut self) -> std::io::Result<Verdict> {
        self.stdin = None;
        let out = self.child.wait_with_output()?;
        Ok(verdict(
            out.status.success(),
            &String::from_utf8_lossy(&out.stdout),
        ))
    }

    /// Stops a checker whose input will never be complete (the stream failed).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The checker's stdin. A checker that stopped reading (it found an error and exited) must
/// not fail the stream feeding it: its verdict says why, later.
pub struct Feed(Option<ChildStdin>);

impl Write for Feed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(stdin) = &mut self.0
            && stdin.write_all(buf).is_err()
        {
            self.0 = None;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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

    /// A stand-in executable that answers `--version` like a Redis build and counts its runs.
    fn counting_binary(dir: &Path, version: &str) -> (PathBuf, PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let (bin, runs) = (dir.join("redis-check-rdb"), dir.join("runs"));
        let script = format!(
            "#!/bin/sh\necho run >> '{}'\necho 'Redis server v={version} sha=0:0 bits=64'\n",
            runs.display()
        );
        // Written aside and renamed, so no one runs a half-written file.
        let tmp = dir.join("tmp");
        std::fs::write(&tmp, script).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &bin).unwrap();
        (bin, runs)
    }

    fn runs(file: &Path) -> usize {
        std::fs::read_to_string(file).map_or(0, |s| s.lines().count())
    }

    #[test]
    fn a_binary_is_probed_once_until_it_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (bin, counter) = counting_binary(dir.path(), "7.0.15");
        let first = build_of(&bin).unwrap();
        assert_eq!(first.to_string(), "Redis 7.0.15");
        assert_eq!(build_of(&bin), Some(first));
        assert_eq!(runs(&counter), 1, "the second ask is answered from memory");
        // An upgrade puts another file at the same path: asked again.
        counting_binary(dir.path(), "7.4.1");
        assert_eq!(build_of(&bin).unwrap().to_string(), "Redis 7.4.1");
        assert_eq!(runs(&counter), 2);
        assert_eq!(build_of(Path::new("/nonexistent/redis-check-rdb")), None);
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
