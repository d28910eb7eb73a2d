//! Server builds the tests can run against: the distribution's `redis-server` on PATH, and
//! every folder named in `REDISOPS_TEST_SERVERS=DIR[:DIR…]` (one with `redis-server` +
//! `redis-cli` or `valkey-server` + `valkey-cli`). Sentinel and check-rdb modes are chosen by
//! the name a server binary is started under, so each build gets a private folder of
//! symlinks (`*-sentinel`, `*-check-rdb`) to its own server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tempfile::TempDir;

/// One server build.
pub struct ServerBuild {
    /// `redis` or `valkey`.
    pub flavor: &'static str,
    /// The real version (`valkey_version` for Valkey), e.g. `[8, 0, 1]`.
    pub version: Vec<u32>,
    pub server: PathBuf,
    pub cli: PathBuf,
    /// Whether this is the distribution's build on PATH.
    pub distribution: bool,
    /// Symlinks `<flavor>-server`, `<flavor>-sentinel`, `<flavor>-check-rdb` to the binary.
    bin: TempDir,
}

impl ServerBuild {
    /// The distribution's build: `redis-server` and `redis-cli` on PATH.
    pub fn distribution() -> Arc<Self> {
        super::require("redis-server");
        let server = which("redis-server").expect("redis-server on PATH");
        let cli = which("redis-cli").unwrap_or_else(|| {
            panic!("`redis-cli` not found. {}", super::INSTALL);
        });
        Arc::new(Self::new(server, cli, true))
    }

    /// A build in `dir`; panics with what is missing.
    pub fn in_dir(dir: &Path) -> Arc<Self> {
        for flavor in ["redis", "valkey"] {
            let server = dir.join(format!("{flavor}-server"));
            let cli = dir.join(format!("{flavor}-cli"));
            if server.is_file() && cli.is_file() {
                return Arc::new(Self::new(server, cli, false));
            }
        }
        panic!(
            "REDISOPS_TEST_SERVERS: {} holds neither redis-server + redis-cli nor \
             valkey-server + valkey-cli",
            dir.display()
        );
    }

    fn new(server: PathBuf, cli: PathBuf, distribution: bool) -> Self {
        let out = Command::new(&server)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", server.display()));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        // "Redis server v=7.0.15 …", "Valkey server v=8.0.1 …"; Valkey 7.2 says "Server v=…".
        let flavor = if text.starts_with("Redis") {
            "redis"
        } else {
            "valkey"
        };
        let version = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .unwrap_or_else(|| panic!("{}: no version in {text:?}", server.display()))
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect();
        // No "redis" in a Valkey build's paths: its process title must be found as Valkey's.
        let bin = tempfile::Builder::new()
            .prefix(&format!("it-{flavor}-build-"))
            .tempdir()
            .unwrap();
        // Servers run as nobody when the tests run as root.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        for mode in ["server", "sentinel", "check-rdb"] {
            std::os::unix::fs::symlink(&server, bin.path().join(format!("{flavor}-{mode}")))
                .unwrap();
        }
        Self {
            flavor,
            version,
            // Started through the symlink, so the process title names it.
            server: bin.path().join(format!("{flavor}-server")),
            cli,
            distribution,
            bin,
        }
    }

    /// Every build to test: the distribution's first, then `REDISOPS_TEST_SERVERS`.
    pub fn all() -> Vec<Arc<Self>> {
        let mut builds = vec![Self::distribution()];
        if let Ok(dirs) = std::env::var("REDISOPS_TEST_SERVERS") {
            for dir in dirs.split(':').filter(|d| !d.is_empty()) {
                builds.push(Self::in_dir(Path::new(dir)));
            }
        }
        builds
    }

    /// `redis 7.0.15`, `valkey 8.0.1`.
    pub fn label(&self) -> String {
        let v: Vec<String> = self.version.iter().map(u32::to_string).collect();
        format!("{} {}", self.flavor, v.join("."))
    }

    /// Whether the version is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version[..2] >= [major, minor][..]
    }

    /// The Sentinel binary (a symlink named `<flavor>-sentinel`).
    pub fn sentinel(&self) -> PathBuf {
        if self.distribution
            && let Some(s) = which("redis-sentinel")
        {
            return s;
        }
        self.bin.path().join(format!("{}-sentinel", self.flavor))
    }

    /// A folder with this build's `<flavor>-server`, `-sentinel` and `-check-rdb`, to put
    /// first on PATH.
    pub fn bin_dir(&self) -> &Path {
        self.bin.path()
    }

    /// The RDB format version this build writes.
    pub fn rdb_version(&self) -> u32 {
        match (self.flavor, self.version[0], self.version[1]) {
            ("valkey", major, _) if major >= 9 => 80,
            ("valkey", ..) => 11,
            (_, 6, _) => 9,
            (_, 7, 0) => 10,
            (_, 7, 2) => 11,
            _ => 12,
        }
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}
