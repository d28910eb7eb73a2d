//! Real Redis for the tests: guards that own `redis-server` / `redis-sentinel` processes on
//! free ports in temporary directories and kill them on drop (the redis-rs test-harness
//! pattern). Never touches port 6379. A missing `redis-server` fails the test with install
//! instructions: a test that silently skips checks nothing. `s3` does the same for a moto
//! S3 server.

pub mod builds;
pub mod cluster;
pub mod s3;
pub mod tls;

pub use builds::ServerBuild;
pub use cluster::Cluster;
pub use s3::{MotoOptions, MotoServer};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
pub use tls::TlsFixture;

pub(crate) const INSTALL: &str = "redis-server is required for the integration tests. Install it with \
     `sudo apt-get install redis-server redis-tools redis-sentinel` (Debian/Ubuntu; the tests \
     start their own servers on free ports, so stop the packaged service if you like), \
     or put redis-server, redis-sentinel and redis-cli on PATH.";

/// Panics with install instructions when a Redis binary is missing.
pub fn require(binary: &str) {
    match Command::new(binary).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => panic!("`{binary}` not found or not working. {INSTALL}"),
    }
}

/// A free TCP port on 127.0.0.1 (never 6379). Racy by nature, so starts retry.
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port != 6379 && port != 26379 {
            return port;
        }
    }
}

/// How to start a server.
#[derive(Clone, Default)]
pub struct ServerOptions {
    pub tls: Option<Arc<TlsFixture>>,
    /// With TLS: also keep a plaintext port open.
    pub plaintext_too: bool,
    pub unix_socket: bool,
    pub password: Option<String>,
    /// The ACL user the harness' own redis-cli calls log in as (with `password`).
    pub user: Option<String>,
    /// Extra `redis.conf` lines.
    pub conf: Vec<String>,
    /// `replicaof` this server.
    pub replica_of: Option<(u16, Option<String>)>,
    /// When the tests run as root, run the server as `nobody` (as a hardened host would).
    pub unprivileged: bool,
    /// A cluster node (`cluster-enabled yes`) with its own free bus port.
    pub cluster: bool,
    /// The build to run (None: the distribution's `redis-server` on PATH).
    pub build: Option<Arc<ServerBuild>>,
}

/// A running redis-server, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    dir: TempDir,
    /// Plaintext port (0 when TLS-only).
    pub port: u16,
    pub tls_port: Option<u16>,
    /// The cluster bus port of a cluster node.
    pub bus_port: Option<u16>,
    pub socket: Option<PathBuf>,
    pub log_file: PathBuf,
    /// The redis.conf (or sentinel.conf) the process was started with.
    pub conf_file: PathBuf,
    pub opts: ServerOptions,
}

impl RedisServer {
    pub fn start() -> Self {
        Self::with(ServerOptions::default())
    }

    /// A default server with these extra lines in its config file.
    pub fn with_conf(lines: &[&str]) -> Self {
        Self::with(ServerOptions {
            conf: lines.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        })
    }

    pub fn with(opts: ServerOptions) -> Self {
        if opts.build.is_none() {
            require("redis-server");
        }
        let mut last_log = String::new();
        for _ in 0..5 {
            match Self::try_start(opts.clone()) {
                Ok(s) => return s,
                Err(log) if log.contains("Address already in use") => last_log = log,
                Err(log) => panic!("redis-server failed to start:\n{log}"),
            }
        }
        panic!("redis-server could not find a free port:\n{last_log}");
    }

    fn try_start(opts: ServerOptions) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("redisops-it-redis-")
            .tempdir()
            .unwrap();
        let conf_file = dir.path().join("redis.conf");
        let log_file = dir.path().join("redis.log");
        let mut conf = vec![
            "bind 127.0.0.1".to_string(),
            "save \"\"".to_string(),
            format!("dir {}", dir.path().display()),
            format!("logfile {}", log_file.display()),
            "daemonize no".to_string(),
            "repl-diskless-sync-delay 0".to_string(),
            // A restore restarts the server as a new process: the pidfile lets drop kill it.
            format!("pidfile {}", dir.path().join("redis.pid").display()),
        ];
        // DEBUG is always allowed before 7.0, which has no such directive.
        if opts.build.as_ref().is_none_or(|b| b.at_least(7, 0)) {
            conf.push("enable-debug-command local".into());
        }
        let tls_port = opts.tls.as_ref().map(|_| free_port());
        let port = if opts.tls.is_some() && !opts.plaintext_too {
            0
        } else {
            free_port()
        };
        conf.push(format!("port {port}"));
        if let (Some(fx), Some(tp)) = (&opts.tls, tls_port) {
            conf.extend(tls_conf(fx, tp));
        }
        // Picked here, not by the caller, so that a retry after a port clash picks anew.
        let bus_port = opts.cluster.then(free_port);
        if let Some(bp) = bus_port {
            conf.extend(cluster::node_conf(bp, opts.tls.is_some()));
        }
        let socket = opts.unix_socket.then(|| dir.path().join("redis.sock"));
        if let Some(s) = &socket {
            conf.push(format!("unixsocket {}", s.display()));
            conf.push("unixsocketperm 700".into());
        }
        if let Some(pw) = &opts.password {
            conf.push(format!("requirepass {pw}"));
            conf.push(format!("masterauth {pw}"));
        }
        if let Some((mport, auth)) = &opts.replica_of {
            conf.push(format!("replicaof 127.0.0.1 {mport}"));
            if let Some(pw) = auth {
                conf.push(format!("masterauth {pw}"));
            }
        }
        conf.extend(opts.conf.iter().cloned());
        std::fs::write(&conf_file, conf.join("\n") + "\n").unwrap();
        let child = spawn_server(&conf_file, dir.path(), &opts);
        let mut server = Self {
            child: Some(child),
            dir,
            port,
            tls_port,
            bus_port,
            socket,
            log_file,
            conf_file,
            opts,
        };
        server.wait_log("Ready to accept connections")?;
        Ok(server)
    }

    /// Waits until the log contains `needle`; Err(log) if the process exits first.
    fn wait_log(&mut self, needle: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = std::fs::read_to_string(&self.log_file).unwrap_or_default();
            if log.contains(needle) {
                return Ok(());
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return Err(format!("exited with {status}; log:\n{log}"));
            }
            if Instant::now() > deadline {
                return Err(format!("not ready after 20 s; log:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's `dir`: its `dump.rdb` and log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The `redis.conf` the server was started with (a restore starts it again from it).
    pub fn conf_file(&self) -> PathBuf {
        self.dir.path().join("redis.conf")
    }

    /// `DEBUG DIGEST` of the whole dataset.
    pub fn digest(&self) -> String {
        self.cli(&["DEBUG", "DIGEST"])
    }

    /// A field of `INFO`.
    pub fn info_field(&self, field: &str) -> String {
        let info = self.cli(&["INFO", "everything"]);
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Whether the port accepts connections.
    pub fn listening(&self) -> bool {
        std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
    }

    /// Stops the server (plain SHUTDOWN: it saves only with save points, and fsyncs an AOF;
    /// a server no longer reachable on its plaintext port is killed) and starts it again from
    /// its config file as rewritten since, whoever started it last; waits until it serves.
    /// `port`/`tls_port` are the caller's to update when the config changed them.
    pub fn restart(&mut self) {
        if self.port != 0 {
            let _ = self.cli_output(&["SHUTDOWN"]);
            let deadline = Instant::now() + Duration::from_secs(20);
            while self.listening() {
                assert!(Instant::now() < deadline, "the server did not stop");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.kill();
        std::fs::write(&self.log_file, "").unwrap();
        self.child = Some(spawn_server(&self.conf_file, self.dir.path(), &self.opts));
        // Logged after the dataset is loaded, so the server then serves commands.
        self.wait_log("Ready to accept connections")
            .unwrap_or_else(|log| panic!("redis-server failed to restart:\n{log}"));
    }

    /// Waits until PING answers PONG (not LOADING).
    pub fn wait_serving(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.cli_output(&["PING"]);
            if String::from_utf8_lossy(&out.stdout).trim() == "PONG" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server does not serve; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `redis://` or `rediss://` URL for this server (no credentials).
    pub fn url(&self) -> String {
        match self.tls_port {
            Some(tp) => format!("rediss://127.0.0.1:{tp}"),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// Runs redis-cli against this server and returns trimmed stdout; panics on failure.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self.cli_output(args);
        assert!(
            out.status.success(),
            "redis-cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn cli_output(&self, args: &[&str]) -> Output {
        let mut cmd = match &self.opts.build {
            Some(build) => Command::new(&build.cli),
            None => {
                require("redis-cli");
                Command::new("redis-cli")
            }
        };
        match (&self.opts.tls, self.tls_port) {
            (Some(fx), Some(tp)) => {
                cmd.args(["-h", "127.0.0.1", "-p", &tp.to_string(), "--tls"])
                    .arg("--cacert")
                    .arg(&fx.ca)
                    .arg("--cert")
                    .arg(&fx.client_cert)
                    .arg("--key")
                    .arg(&fx.client_key);
            }
            _ => {
                cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
            }
        }
        if let Some(pw) = &self.opts.password {
            cmd.env("REDISCLI_AUTH", pw);
        }
        if let Some(user) = &self.opts.user {
            cmd.args(["--user", user]);
        }
        cmd.args(args).output().expect("run redis-cli")
    }

    /// From now on the harness' own redis-cli calls (restart, digest, …) log in as `user`.
    pub fn login(&mut self, user: &str, password: &str) {
        self.opts.user = Some(user.into());
        self.opts.password = Some(password.into());
    }

    /// Fills db 0 with `n` string keys through DEBUG POPULATE.
    pub fn populate(&self, n: u64) {
        self.cli(&["DEBUG", "POPULATE", &n.to_string(), "key", "32"]);
    }

    /// Writes `n` keys with real commands (unlike DEBUG POPULATE, these replicate).
    pub fn write_keys(&self, n: usize) {
        let mut args = vec!["MSET".to_string()];
        for i in 0..n {
            args.push(format!("key:{i}"));
            args.push(format!("value-{i}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.cli(&args);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Kills the process now (SIGKILL), as a crash would; also a server that something else
    /// (a restore) started from this config, found through its pidfile.
    pub fn kill(&mut self) {
        kill_child(&mut self.child);
        let pidfile = self.dir.path().join("redis.pid");
        if let Some(pid) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_file(pidfile);
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// SIGKILLs and reaps a guard's child, if it still has one.
pub(crate) fn kill_child(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Starts the server on a config file (as `nobody` when asked and running as root).
fn spawn_server(conf_file: &Path, dir: &Path, opts: &ServerOptions) -> Child {
    let mut command = match &opts.build {
        Some(build) => Command::new(&build.server),
        None => Command::new("redis-server"),
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    if opts.unprivileged && unsafe { libc::geteuid() } == 0 {
        use std::os::unix::process::CommandExt;
        const NOBODY: u32 = 65534;
        for path in [dir, conf_file] {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        command.uid(NOBODY).gid(NOBODY);
    }
    command
        .arg(conf_file)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-server: {e}. {INSTALL}"))
}

fn tls_conf(fx: &TlsFixture, tls_port: u16) -> Vec<String> {
    vec![
        format!("tls-port {tls_port}"),
        format!("tls-cert-file {}", fx.server_cert.display()),
        format!("tls-key-file {}", fx.server_key.display()),
        format!("tls-ca-cert-file {}", fx.ca.display()),
        "tls-auth-clients yes".into(),
        "tls-replication yes".into(),
    ]
}

/// A master, its replicas and three Sentinels watching them, all killed on drop.
pub struct SentinelGroup {
    pub master: RedisServer,
    pub replicas: Vec<RedisServer>,
    pub sentinels: Vec<RedisServer>,
    pub name: String,
}

impl SentinelGroup {
    pub fn start(replicas: usize, tls: Option<Arc<TlsFixture>>) -> Self {
        require("redis-sentinel");
        Self::start_build(replicas, tls, None)
    }

    /// A group of one build (None: the distribution's).
    pub fn start_build(
        replicas: usize,
        tls: Option<Arc<TlsFixture>>,
        build: Option<Arc<ServerBuild>>,
    ) -> Self {
        let base = ServerOptions {
            tls: tls.clone(),
            build,
            ..Default::default()
        };
        let master = RedisServer::with(base.clone());
        let mport = master.tls_port.unwrap_or(master.port);
        let replicas: Vec<RedisServer> = (0..replicas)
            .map(|_| {
                RedisServer::with(ServerOptions {
                    replica_of: Some((mport, None)),
                    ..base.clone()
                })
            })
            .collect();
        let name = "mymaster".to_string();
        let sentinels = (0..3)
            .map(|_| start_sentinel(&name, mport, &base))
            .collect();
        let group = Self {
            master,
            replicas,
            sentinels,
            name,
        };
        group.wait_discovered();
        group
    }

    /// `redis-sentinel://…#mymaster` (or `rediss-sentinel://`).
    pub fn url(&self) -> String {
        let scheme = if self.master.tls_port.is_some() {
            "rediss-sentinel"
        } else {
            "redis-sentinel"
        };
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.tls_port.unwrap_or(s.port)))
            .collect();
        format!("{scheme}://{}#{}", hosts.join(","), self.name)
    }

    /// Waits until every replica is in sync and every Sentinel sees all replicas and peers.
    pub fn wait_discovered(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let want_replicas = self.replicas.len().to_string();
        loop {
            let synced = self.replicas.iter().all(|r| {
                r.cli(&["INFO", "replication"])
                    .contains("master_link_status:up")
            });
            let seen = self.sentinels.iter().all(|s| {
                let m = s.cli(&["SENTINEL", "MASTER", &self.name]);
                let lines: Vec<&str> = m.lines().collect();
                let field = |k: &str| {
                    lines
                        .iter()
                        .position(|l| *l == k)
                        .and_then(|i| lines.get(i + 1))
                        .copied()
                        .unwrap_or("")
                };
                field("num-slaves") == want_replicas && field("num-other-sentinels") == "2"
            });
            if synced && seen {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Sentinel group not ready after 60 s; sentinel log:\n{}",
                self.sentinels[0].log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn start_sentinel(name: &str, master_port: u16, base: &ServerOptions) -> RedisServer {
    let tls = base.tls.clone();
    let dir = tempfile::Builder::new()
        .prefix("redisops-it-sentinel-")
        .tempdir()
        .unwrap();
    let conf_file = dir.path().join("sentinel.conf");
    let log_file = dir.path().join("sentinel.log");
    let tls_port = tls.as_ref().map(|_| free_port());
    let port = if tls.is_some() { 0 } else { free_port() };
    let mut conf = vec![
        format!("port {port}"),
        "bind 127.0.0.1".into(),
        format!("dir {}", dir.path().display()),
        format!("logfile {}", log_file.display()),
        // A Sentinel restarted by redisops is not our child: drop finds it by its pidfile.
        format!("pidfile {}", dir.path().join("redis.pid").display()),
        format!("sentinel monitor {name} 127.0.0.1 {master_port} 2"),
        format!("sentinel down-after-milliseconds {name} 2000"),
        format!("sentinel failover-timeout {name} 10000"),
    ];
    if let (Some(fx), Some(tp)) = (&tls, tls_port) {
        conf.extend(tls_conf(fx, tp));
    }
    std::fs::write(&conf_file, conf.join("\n") + "\n").unwrap();
    let binary = match &base.build {
        Some(build) => build.sentinel(),
        None => PathBuf::from("redis-sentinel"),
    };
    let child = Command::new(binary)
        .arg(&conf_file)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-sentinel: {e}. {INSTALL}"));
    let mut s = RedisServer {
        child: Some(child),
        dir,
        port,
        tls_port,
        bus_port: None,
        socket: None,
        log_file,
        conf_file,
        opts: ServerOptions {
            tls,
            build: base.build.clone(),
            ..Default::default()
        },
    };
    s.wait_log("+monitor master")
        .unwrap_or_else(|log| panic!("redis-sentinel failed to start:\n{log}"));
    s
}

/// The result of running the redisops binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "redisops failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that redisops exited with `code` and said each of `needles` on stderr.
    pub fn fails(&self, code: i32, needles: &[&str]) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "{needle:?} not in:\n{}",
                self.stderr
            );
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

thread_local! {
    /// This test's XDG config and state directories: libtest runs each test on its own
    /// thread, so each test gets its own, removed when it ends. Fixed paths under /tmp would
    /// mix the journals of concurrent tests and outlive the run.
    static XDG: TempDir = tempfile::Builder::new()
        .prefix("redisops-it-xdg-")
        .tempdir()
        .unwrap();
}

/// The (config, state) XDG directories the redisops runs of this test use.
pub fn xdg_dirs() -> (PathBuf, PathBuf) {
    XDG.with(|dir| {
        let (config, state) = (dir.path().join("config"), dir.path().join("state"));
        std::fs::create_dir_all(&config).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        (config, state)
    })
}

/// The redisops binary with an environment that cannot leak the developer's settings.
pub fn redisops_cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redisops"));
    // Journals of tls runs go to the state directory, not to /var/lib/redisops.
    let (config, state) = xdg_dirs();
    cmd.env_remove("REDISCLI_AUTH")
        .env_remove("REDISOPS_CONFIG")
        .env_remove("REDISOPS_TARGET")
        .env_remove("REDISOPS_REPO")
        .env_remove("REDISOPS_SECRETS_DIR")
        .env("XDG_CONFIG_HOME", config)
        .env("XDG_STATE_HOME", state)
        .stdin(Stdio::null());
    cmd
}

pub fn run_cmd(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run redisops");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs redisops with arguments.
pub fn redisops<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = redisops_cmd();
    cmd.args(args);
    run_cmd(cmd)
}
