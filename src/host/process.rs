//! What this host tells about a server process, read from `/proc/<pid>` once: its name,
//! owner, title, executable, working directory and systemd unit. A pid from INFO may name a
//! process in another pid namespace (a container) or none at all: callers check
//! [`Process::is_redis`] or [`Process::listens_on`] before trusting it.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Process {
    pub pid: u32,
    /// `Name:` from `/proc/<pid>/status` (the executable's name, at most 15 bytes).
    pub name: String,
    /// The effective uid and gid.
    pub uid: u32,
    pub gid: u32,
    /// The command line as the process shows it; Redis rewrites it to its title
    /// ("redis-server 127.0.0.1:6379").
    pub title: String,
    /// `/proc/<pid>/exe`, symlinks resolved.
    pub exe: Option<PathBuf>,
    pub cwd: Option<PathBuf>,
    /// The systemd unit from its cgroup, when the unit looks like a Redis one.
    pub unit: Option<String>,
}

impl Process {
    /// The process `pid` on this host, if there is one whose status is readable.
    pub fn read(pid: u32) -> Option<Self> {
        if pid == 0 {
            return None;
        }
        let dir = PathBuf::from(format!("/proc/{pid}"));
        let status = std::fs::read_to_string(dir.join("status")).ok()?;
        let value = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
        };
        // "Uid:\treal\teffective\tsaved\tfs": the second number is the effective one.
        let effective = |key: &str| value(key)?.split_whitespace().nth(1)?.parse().ok();
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        Some(Self {
            pid,
            name: value("Name:")?.to_string(),
            uid: effective("Uid:")?,
            gid: effective("Gid:")?,
            title: String::from_utf8_lossy(&cmdline).into_owned(),
            exe: std::fs::read_link(dir.join("exe")).ok(),
            cwd: std::fs::read_link(dir.join("cwd")).ok(),
            unit: std::fs::read_to_string(dir.join("cgroup"))
                .ok()
                .and_then(|c| unit_in_cgroup(&c)),
        })
    }

    /// Whether the title names Redis (redis-server, redis-sentinel, redis-check-*).
    pub fn is_redis(&self) -> bool {
        self.title.contains("redis")
    }

    /// Whether this is a Redis process listening on `port`: the title names the port
    /// ("redis-sentinel *:26379 [sentinel]"), so a remote server whose pid happens to exist
    /// here does not count.
    pub fn listens_on(&self, port: u16) -> bool {
        self.is_redis() && self.title.contains(&format!(":{port}"))
    }

    /// Whether the executable is a Redis or Valkey server or Sentinel.
    pub fn is_server(&self) -> bool {
        [
            "redis-server",
            "redis-sentinel",
            "valkey-server",
            "valkey-sentinel",
        ]
        .contains(&self.name.as_str())
    }

    pub fn owner(&self) -> (u32, u32) {
        (self.uid, self.gid)
    }

    /// The binary to start the server (or Sentinel) again with: INFO's `executable` when it
    /// is a file, else found from the process.
    ///
    /// INFO's `executable` is argv[0] made absolute against the cwd without a PATH lookup
    /// ("redis-server" started in /data reads /data/redis-server). `/proc/<pid>/exe` resolves
    /// symlinks, and on Debian redis-server is a symlink to redis-check-rdb, which picks its
    /// mode by name. So: argv[0]'s name, in the directory of the running binary, else on PATH.
    pub fn executable(&self, info_executable: Option<&str>) -> Option<PathBuf> {
        if let Some(p) = info_executable
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_file())
        {
            return Some(p);
        }
        // The title's first word is the name it was started by.
        let argv0 = self.title.split('\0').next()?;
        let name = PathBuf::from(argv0.split_whitespace().next()?);
        let name = PathBuf::from(name.file_name()?);
        let beside = self.exe.as_ref()?.parent()?.join(&name);
        if beside.is_file() {
            return Some(beside);
        }
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(&name))
            .find(|p| p.is_file())
    }
}

/// The binary a server runs from: INFO's `executable`, else what its process here shows.
pub fn server_executable(info_executable: Option<&str>, pid: u32) -> Option<PathBuf> {
    match Process::read(pid) {
        Some(p) => p.executable(info_executable),
        None => info_executable
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
    }
}

/// Whether `pid` is a live process on this host (a zombie waiting for its parent is not).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself contain ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The pid of a server on this host, if `pid` really is a Redis process here.
pub fn local_pid(pid: u32) -> Option<u32> {
    Process::read(pid).filter(Process::is_redis).map(|_| pid)
}

fn unit_in_cgroup(cgroup: &str) -> Option<String> {
    cgroup
        .lines()
        .filter_map(|l| l.rsplit('/').next())
        .find(|unit| {
            unit.ends_with(".service") && (unit.contains("redis") || unit.contains("sentinel"))
        })
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_redis_unit_but_not_a_session_or_another_service() {
        let unit = "0::/system.slice/redis-sentinel@26379.service\n";
        assert_eq!(
            unit_in_cgroup(unit).as_deref(),
            Some("redis-sentinel@26379.service")
        );
        assert_eq!(
            unit_in_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n"),
            None
        );
        assert_eq!(
            unit_in_cgroup("0::/system.slice/actions.runner.x.service\n"),
            None
        );
    }

    #[test]
    fn reads_this_process_once() {
        let me = Process::read(std::process::id()).unwrap();
        // SAFETY: geteuid/getegid have no preconditions and cannot fail.
        assert_eq!(me.owner(), unsafe { (libc::geteuid(), libc::getegid()) });
        assert!(me.exe.is_some() && me.cwd.is_some());
        assert!(!me.is_server());
        assert!(Process::read(0).is_none());
    }
}
