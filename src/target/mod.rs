//! Targets: what the operator names (flags, URL, config entry) turned into one validated
//! description of where to connect and with which credentials. Every command resolves its
//! target here, so precedence rules and secret handling are the same everywhere.
//!
//! Precedence: flags > environment (`REDISOPS_TARGET`, `REDISCLI_AUTH`) > config file >
//! defaults (127.0.0.1:6379).
//!
//! A Redis Cluster (`redis-cluster://`, or `cluster = true` on a config target) resolves to a
//! [`ClusterTarget`], a type of its own: commands that work on one server ask for a
//! [`Target`] and so refuse a cluster before connecting anywhere.

pub mod url;

use crate::cli::ConnectionArgs;
use crate::config::{Config, TargetConfig};
use crate::exit::{ExitCode, fail};
use crate::ui;
use anyhow::{Context, Result};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
pub use url::{HostPort, TargetUrl, UrlAddr};

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Credentials for one kind of node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Auth {
    pub user: Option<String>,
    pub password: Option<Secret>,
}

/// Where a data node or a Sentinel listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp(HostPort),
    Unix(PathBuf),
}

impl Endpoint {
    /// Reached without a network: a unix socket or a loopback address.
    pub fn is_local(&self) -> bool {
        match self {
            Endpoint::Unix(_) => true,
            Endpoint::Tcp(hp) => hp.is_loopback(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(hp) => hp.fmt(f),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// TLS material, loaded from files when a connection is made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsOptions {
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub sni: Option<String>,
    pub insecure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    Node(Endpoint),
    Sentinel {
        sentinels: Vec<HostPort>,
        master: String,
        auth: Auth,
    },
}

/// A Redis Cluster, named by seed nodes; every node is reached with the same credentials and
/// TLS options.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterTarget {
    pub name: String,
    pub seeds: Vec<HostPort>,
    pub auth: Auth,
    pub tls: Option<TlsOptions>,
    pub timeout: Duration,
}

impl ClusterTarget {
    /// `redis-cluster://h1:p1,h2:p2` (no credentials).
    pub fn url(&self) -> String {
        cluster_url(&self.seeds, self.tls.is_some())
    }
}

/// The cluster URL for seed nodes, as messages suggest it.
pub fn cluster_url(seeds: &[HostPort], tls: bool) -> String {
    let seeds: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
    format!(
        "{}://{}",
        if tls {
            "rediss-cluster"
        } else {
            "redis-cluster"
        },
        seeds.join(",")
    )
}

/// What a target name or URL resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyTarget {
    /// One server or a Sentinel group.
    Single(Target),
    Cluster(ClusterTarget),
}

impl AnyTarget {
    pub fn resolve(args: &ConnectionArgs, config: &Config) -> Result<Self> {
        resolve_any(args, config, env_password())
    }
}

/// A fully resolved target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Config entry name, or a name derived from the address (used as the repository folder).
    pub name: String,
    pub kind: TargetKind,
    pub auth: Auth,
    /// TLS for data nodes and (with `rediss-sentinel://`) Sentinels.
    pub tls: Option<TlsOptions>,
    pub db: i64,
    pub timeout: Duration,
}

impl Target {
    /// Resolves the target from flags, environment and config. A cluster is refused: the
    /// caller works on one server or a Sentinel group.
    pub fn resolve(args: &ConnectionArgs, config: &Config) -> Result<Self> {
        Self::resolve_with_env(args, config, env_password())
    }

    fn resolve_with_env(
        args: &ConnectionArgs,
        config: &Config,
        env_password: Option<String>,
    ) -> Result<Self> {
        match resolve_any(args, config, env_password)? {
            AnyTarget::Single(t) => Ok(t),
            AnyTarget::Cluster(c) => Err(crate::cluster::guard::refuse_cluster_target(&c)),
        }
    }

    /// Short description for messages: `name (address)`.
    pub fn describe(&self) -> String {
        match &self.kind {
            TargetKind::Node(ep) => ep.to_string(),
            TargetKind::Sentinel {
                sentinels, master, ..
            } => format!(
                "Sentinel master '{master}' via {}",
                sentinels
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

fn env_password() -> Option<String> {
    std::env::var("REDISCLI_AUTH")
        .ok()
        .filter(|p| !p.is_empty())
}

fn resolve_any(
    args: &ConnectionArgs,
    config: &Config,
    env_password: Option<String>,
) -> Result<AnyTarget> {
    let (name, url, entry) = pick_source(args, config)?;
    let entry = entry.unwrap_or_default();

    let addr = match (&args.socket, &args.host, args.port) {
        (Some(sock), _, _) => UrlAddr::Unix(sock.clone()),
        (None, host, port) if host.is_some() || port.is_some() => {
            let (h0, p0) = match &url.addr {
                UrlAddr::Tcp(hp) => (hp.host.clone(), hp.port),
                _ => ("127.0.0.1".to_string(), url::DEFAULT_PORT),
            };
            UrlAddr::Tcp(HostPort {
                host: host.clone().unwrap_or(h0),
                port: port.unwrap_or(p0),
            })
        }
        _ => url.addr.clone(),
    };
    let addr = match (entry.cluster, addr) {
        (true, UrlAddr::Tcp(hp)) => UrlAddr::Cluster { seeds: vec![hp] },
        (true, UrlAddr::Unix(_) | UrlAddr::Sentinel { .. }) => {
            return Err(fail(
                ExitCode::Usage,
                "cluster = true needs a redis:// or rediss:// url with a node's host and port \
                 (or a redis-cluster:// url)",
            ));
        }
        (_, addr) => addr,
    };

    if args.pass.is_some() {
        ui::warn(
            "a password given with -a/--pass is visible to every user in the process list; \
             use REDISCLI_AUTH or --password-file instead",
        );
    }
    if url.password.is_some() && args.target.as_deref().is_some_and(|t| t.contains("://")) {
        ui::warn(
            "the --target URL contains a password, which is visible in the process list; \
             use REDISCLI_AUTH or --password-file instead",
        );
    }
    let password = match (&args.pass, &args.password_file) {
        (Some(p), _) => Some(Secret::new(p.clone())),
        (None, Some(file)) => Some(read_secret_file(file)?),
        (None, None) => match (env_password, &url.password, &entry.password_file) {
            (Some(p), _, _) => Some(Secret::new(p)),
            (None, Some(p), _) => Some(Secret::new(p.clone())),
            (None, None, Some(file)) => Some(read_secret_file(file).with_context(|| {
                config.names_key("password_file", &target_section(name.as_deref()))
            })?),
            (None, None, None) => None,
        },
    };
    let auth = Auth {
        user: args
            .user
            .clone()
            .or(url.user.clone())
            .or(entry.user.clone()),
        password,
    };

    let tls_wanted = url.tls
        || args.tls
        || args.cacert.is_some()
        || args.cert.is_some()
        || entry.cacert.is_some()
        || entry.cert.is_some();
    let tls = tls_wanted.then(|| TlsOptions {
        cacert: args.cacert.clone().or(entry.cacert.clone()),
        cert: args.cert.clone().or(entry.cert.clone()),
        key: args.key.clone().or(entry.key.clone()),
        sni: args.sni.clone().or(entry.sni.clone()),
        insecure: args.insecure || entry.insecure,
    });
    if tls.as_ref().is_some_and(|t| t.insecure) {
        ui::warn(
            "--insecure: the server's TLS certificate is NOT verified; anyone on the network \
             path can impersonate the server and read the data",
        );
    }
    if tls.is_some() && matches!(addr, UrlAddr::Unix(_)) {
        return Err(fail(
            ExitCode::Usage,
            "TLS was requested for a unix socket; unix sockets are local and do not use TLS",
        ));
    }

    let timeout = Duration::from_secs(args.timeout.max(1));
    let kind = match addr {
        UrlAddr::Tcp(hp) => TargetKind::Node(Endpoint::Tcp(hp)),
        UrlAddr::Unix(p) => TargetKind::Node(Endpoint::Unix(p)),
        UrlAddr::Sentinel { sentinels, master } => {
            let sentinel_password =
                match (&args.sentinel_password_file, &entry.sentinel_password_file) {
                    (Some(f), _) => Some(read_secret_file(f)?),
                    (None, Some(f)) => Some(read_secret_file(f).with_context(|| {
                        config.names_key("sentinel_password_file", &target_section(name.as_deref()))
                    })?),
                    (None, None) => None,
                };
            TargetKind::Sentinel {
                sentinels,
                master,
                auth: Auth {
                    user: args.sentinel_user.clone().or(entry.sentinel_user.clone()),
                    password: sentinel_password,
                },
            }
        }
        UrlAddr::Cluster { seeds } => {
            return Ok(AnyTarget::Cluster(ClusterTarget {
                name: name.unwrap_or_else(|| cluster_name(&seeds)),
                seeds,
                auth,
                tls,
                timeout,
            }));
        }
    };
    let name = name.unwrap_or_else(|| derived_name(&kind));
    Ok(AnyTarget::Single(Target {
        name,
        kind,
        auth,
        tls,
        db: url.db,
        timeout,
    }))
}

/// Chooses the URL and config entry: `--target` (URL or name), then `-h/-p/-s`, then the
/// config's `default_target`, then the default address.
fn pick_source(
    args: &ConnectionArgs,
    config: &Config,
) -> Result<(Option<String>, TargetUrl, Option<TargetConfig>)> {
    let named = |name: &str| -> Result<(Option<String>, TargetUrl, Option<TargetConfig>)> {
        let entry = config.targets.get(name).ok_or_else(|| {
            fail(
                ExitCode::Usage,
                format!(
                    "unknown target '{name}': it is not a URL and {} defines no such target \
                     (defined: {})",
                    config.describe_source(),
                    config.target_names()
                ),
            )
        })?;
        let url = TargetUrl::parse(&entry.url)
            .with_context(|| format!("target '{name}' in {}", config.describe_source()))?;
        Ok((Some(name.to_string()), url, Some(entry.clone())))
    };
    if let Some(t) = &args.target {
        if t.contains("://") {
            let url = TargetUrl::parse(t).map_err(|e| fail(ExitCode::Usage, format!("{e:#}")))?;
            return Ok((None, url, None));
        }
        return named(t);
    }
    let explicit_addr = args.host.is_some() || args.port.is_some() || args.socket.is_some();
    if !explicit_addr && let Some(name) = &config.default_target {
        return named(name);
    }
    let url = TargetUrl::parse("redis://127.0.0.1:6379")?;
    Ok((None, url, None))
}

/// The repository folder of a target without a config name. It must differ between servers
/// that share a repository, or retention would prune one server's backups for another's:
/// loopback addresses and sockets are qualified with this host's name, Sentinel groups (often
/// all called "mymaster") with their first Sentinel.
fn derived_name(kind: &TargetKind) -> String {
    match kind {
        TargetKind::Node(Endpoint::Tcp(hp)) => {
            let host = if hp.is_loopback() {
                crate::fsutil::hostname()
            } else {
                hp.host.clone()
            };
            format!("{host}-{}", hp.port)
        }
        TargetKind::Node(Endpoint::Unix(p)) => {
            format!("{}-{}", crate::fsutil::hostname(), p.display())
        }
        TargetKind::Sentinel {
            master, sentinels, ..
        } => {
            let first = sentinels
                .iter()
                .map(|s| s.to_string())
                .min()
                .unwrap_or_default();
            format!("{master}-{first}")
        }
    }
}

/// A cluster's repository folder: `cluster-` and the name its lowest seed would have alone.
fn cluster_name(seeds: &[HostPort]) -> String {
    let first = seeds.iter().min_by_key(|s| s.to_string()).cloned();
    let first = first.unwrap_or(HostPort {
        host: "127.0.0.1".into(),
        port: url::DEFAULT_PORT,
    });
    format!(
        "cluster-{}",
        derived_name(&TargetKind::Node(Endpoint::Tcp(first)))
    )
}

/// The config section of a named target, for messages.
fn target_section(name: Option<&str>) -> String {
    format!("targets.{}", name.unwrap_or_default())
}

/// Reads a password or passphrase: the first line of the file, without its line ending.
pub fn read_secret_file(path: &Path) -> Result<Secret> {
    // A missing or unreadable file is bad input (exit 2), not a failed login.
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            ExitCode::Usage,
            format!(
                "cannot read the password file {}: {e}; check the path and that this user may \
                 read it",
                path.display()
            ),
        )
    })?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(fail(
            ExitCode::Usage,
            format!("the password file {} is empty", path.display()),
        ));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ConnectionArgs {
        ConnectionArgs {
            timeout: 5,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_to_localhost() {
        let t = Target::resolve_with_env(&args(), &Config::default(), None).unwrap();
        assert_eq!(
            t.kind,
            TargetKind::Node(Endpoint::Tcp(HostPort {
                host: "127.0.0.1".into(),
                port: 6379
            }))
        );
        assert_eq!(t.name, format!("{}-6379", crate::fsutil::hostname()));
        assert!(t.tls.is_none());
    }

    #[test]
    fn flag_beats_env_beats_url_beats_config() {
        let dir = tempfile::tempdir().unwrap();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, "from-file\n").unwrap();
        let mut config = Config::default();
        config.targets.insert(
            "main".into(),
            TargetConfig {
                url: "redis://cfguser:from-url@db1:7000".into(),
                password_file: Some(pwfile.clone()),
                ..Default::default()
            },
        );
        let mut a = args();
        a.target = Some("main".into());
        let t = Target::resolve_with_env(&a, &config, Some("from-env".into())).unwrap();
        assert_eq!(t.auth.password.as_ref().unwrap().expose(), "from-env");
        assert_eq!(t.auth.user.as_deref(), Some("cfguser"));
        assert_eq!(t.name, "main");
        let t = Target::resolve_with_env(&a, &config, None).unwrap();
        assert_eq!(t.auth.password.as_ref().unwrap().expose(), "from-url");
        a.password_file = Some(pwfile);
        a.user = Some("flaguser".into());
        let t = Target::resolve_with_env(&a, &config, Some("from-env".into())).unwrap();
        assert_eq!(t.auth.password.as_ref().unwrap().expose(), "from-file");
        assert_eq!(t.auth.user.as_deref(), Some("flaguser"));
    }

    #[test]
    fn unknown_name_lists_defined_targets() {
        let mut a = args();
        a.target = Some("nope".into());
        let mut config = Config::default();
        config.targets.insert(
            "main".into(),
            TargetConfig {
                url: "redis://h".into(),
                ..Default::default()
            },
        );
        let err = Target::resolve_with_env(&a, &config, None).unwrap_err();
        assert!(format!("{err:#}").contains("defined: main"));
    }

    #[test]
    fn sentinel_with_tls_and_own_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let spw = dir.path().join("spw");
        std::fs::write(&spw, "sentinel-secret").unwrap();
        let mut a = args();
        a.target = Some("rediss-sentinel://s1,s2:26380#mymaster".into());
        a.cacert = Some("/ca.pem".into());
        a.sentinel_user = Some("sent".into());
        a.sentinel_password_file = Some(spw);
        let t = Target::resolve_with_env(&a, &Config::default(), None).unwrap();
        let TargetKind::Sentinel {
            sentinels,
            master,
            auth,
        } = &t.kind
        else {
            panic!("not sentinel")
        };
        assert_eq!(sentinels.len(), 2);
        assert_eq!(master, "mymaster");
        assert_eq!(auth.password.as_ref().unwrap().expose(), "sentinel-secret");
        assert_eq!(
            t.tls.as_ref().unwrap().cacert.as_deref(),
            Some(Path::new("/ca.pem"))
        );
        assert_eq!(t.name, "mymaster-s1:26379");
    }

    #[test]
    fn cluster_targets_are_their_own_kind() {
        let mut a = args();
        a.target = Some("rediss-cluster://ops@10.0.0.5:7000,10.0.0.6:7000".into());
        a.cacert = Some("/ca.pem".into());
        let AnyTarget::Cluster(c) = resolve_any(&a, &Config::default(), Some("pw".into())).unwrap()
        else {
            panic!("not a cluster")
        };
        assert_eq!(c.seeds.len(), 2);
        assert_eq!(c.auth.user.as_deref(), Some("ops"));
        assert_eq!(c.auth.password.as_ref().unwrap().expose(), "pw");
        assert!(c.tls.is_some());
        assert_eq!(c.name, "cluster-10.0.0.5-7000");
        assert_eq!(c.url(), "rediss-cluster://10.0.0.5:7000,10.0.0.6:7000");
        // Commands for one server refuse it, with the target-mismatch code.
        let err = Target::resolve_with_env(&a, &Config::default(), None).unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::Target);
        assert!(
            format!("{err:#}").contains("names a Redis Cluster"),
            "{err:#}"
        );

        let mut config = Config::default();
        config.targets.insert(
            "shop".into(),
            TargetConfig {
                url: "redis://10.0.0.7:7001".into(),
                cluster: true,
                ..Default::default()
            },
        );
        let mut a = args();
        a.target = Some("shop".into());
        let AnyTarget::Cluster(c) = resolve_any(&a, &config, None).unwrap() else {
            panic!("cluster = true")
        };
        assert_eq!(c.name, "shop");
        assert_eq!(c.url(), "redis-cluster://10.0.0.7:7001");
        config.targets.get_mut("shop").unwrap().url = "unix:///r.sock".into();
        let err = resolve_any(&a, &config, None).unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::Usage);
    }

    #[test]
    fn local_endpoints() {
        let tcp = |h: &str| {
            Endpoint::Tcp(HostPort {
                host: h.into(),
                port: 1,
            })
        };
        assert!(tcp("127.0.0.1").is_local());
        assert!(tcp("::1").is_local());
        assert!(tcp("[::1]").is_local());
        assert!(tcp("localhost").is_local());
        assert!(!tcp("10.0.0.5").is_local());
        assert!(Endpoint::Unix("/tmp/r.sock".into()).is_local());
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
