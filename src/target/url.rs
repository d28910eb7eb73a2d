//! Target URLs: `redis://`, `rediss://`, `unix://`, the Lettuce-style Sentinel forms
//! `redis-sentinel://[user[:pass]@]h1[:p1][,h2[:p2]…][/db]#master` and `rediss-sentinel://…`,
//! and Redis Cluster seeds `redis-cluster://[user[:pass]@]h1[:p1][,h2[:p2]…]` /
//! `rediss-cluster://…`.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

pub const DEFAULT_PORT: u16 = 6379;
pub const DEFAULT_SENTINEL_PORT: u16 = 26379;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

impl HostPort {
    /// A loopback address (`localhost`, 127.0.0.0/8, ::1): the server runs on this host.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlAddr {
    Tcp(HostPort),
    Unix(PathBuf),
    Sentinel {
        sentinels: Vec<HostPort>,
        master: String,
    },
    /// Any of these nodes tells the whole cluster's topology.
    Cluster {
        seeds: Vec<HostPort>,
    },
}

/// A parsed target URL. Credentials in a URL are kept apart so callers can decide precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    pub addr: UrlAddr,
    pub tls: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub db: i64,
}

impl TargetUrl {
    pub fn parse(url: &str) -> Result<Self> {
        let (scheme, rest) = url
            .split_once("://")
            .with_context(|| format!("'{url}' is not a URL (expected redis://host:port)"))?;
        let (tls, sentinel, cluster) = match scheme {
            "redis" => (false, false, false),
            "rediss" => (true, false, false),
            "redis-sentinel" => (false, true, false),
            "rediss-sentinel" => (true, true, false),
            "redis-cluster" => (false, false, true),
            "rediss-cluster" => (true, false, true),
            "unix" | "redis+unix" => return Self::parse_unix(rest),
            other => bail!(
                "unsupported URL scheme '{other}://' (use redis://, rediss://, unix://, \
                 redis-sentinel://, rediss-sentinel://, redis-cluster:// or rediss-cluster://)"
            ),
        };
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, rest),
        };
        let (hosts, path) = match rest.split_once('/') {
            Some((h, p)) => (h, p),
            None => (rest, ""),
        };
        let (user, password) = parse_userinfo(userinfo)?;
        let db = parse_db(path)?;
        let default_port = if sentinel {
            DEFAULT_SENTINEL_PORT
        } else {
            DEFAULT_PORT
        };
        let addr = if sentinel {
            let master = fragment
                .filter(|m| !m.is_empty())
                .with_context(|| {
                    format!(
                        "Sentinel URL '{}' needs the master name after '#'",
                        redact(url)
                    )
                })?
                .to_string();
            let sentinels = hosts
                .split(',')
                .map(|h| parse_host_port(h, default_port))
                .collect::<Result<Vec<_>>>()?;
            UrlAddr::Sentinel { sentinels, master }
        } else if cluster {
            if fragment.is_some_and(|f| !f.is_empty()) {
                bail!("'#' is only meaningful in Sentinel URLs (redis-sentinel://…#master)");
            }
            if db != 0 {
                bail!("a Redis Cluster has only database 0: drop the /{db} from the URL");
            }
            let seeds = hosts
                .split(',')
                .map(|h| parse_host_port(h, default_port))
                .collect::<Result<Vec<_>>>()?;
            UrlAddr::Cluster { seeds }
        } else {
            if fragment.is_some_and(|f| !f.is_empty()) {
                bail!("'#' is only meaningful in Sentinel URLs (redis-sentinel://…#master)");
            }
            if hosts.contains(',') {
                bail!(
                    "several hosts are only allowed in Sentinel and Cluster URLs \
                     (redis-sentinel://, redis-cluster://)"
                );
            }
            UrlAddr::Tcp(parse_host_port(hosts, default_port)?)
        };
        Ok(Self {
            addr,
            tls,
            user,
            password,
            db,
        })
    }

    fn parse_unix(rest: &str) -> Result<Self> {
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        if !path.starts_with('/') {
            bail!("unix socket URLs need an absolute path: unix:///path/to/redis.sock");
        }
        let mut db = 0;
        if let Some(q) = query {
            for pair in q.split('&') {
                match pair.split_once('=') {
                    Some(("db", v)) => db = parse_db(v)?,
                    _ => bail!("unsupported unix URL parameter '{pair}' (only db=N)"),
                }
            }
        }
        Ok(Self {
            addr: UrlAddr::Unix(PathBuf::from(percent_decode(path)?)),
            tls: false,
            user: None,
            password: None,
            db,
        })
    }
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, tail)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn parse_userinfo(userinfo: Option<&str>) -> Result<(Option<String>, Option<String>)> {
    let Some(info) = userinfo else {
        return Ok((None, None));
    };
    let (user, pass) = match info.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (info, None),
    };
    let user = Some(percent_decode(user)?).filter(|u| !u.is_empty());
    let pass = pass.map(percent_decode).transpose()?;
    Ok((user, pass))
}

fn parse_db(path: &str) -> Result<i64> {
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Ok(0);
    }
    path.parse::<i64>()
        .ok()
        .filter(|d| *d >= 0)
        .with_context(|| format!("database '{path}' in the URL is not a number"))
}

fn parse_host_port(s: &str, default_port: u16) -> Result<HostPort> {
    if s.is_empty() {
        bail!("missing host in URL");
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest
            .split_once(']')
            .with_context(|| format!("unclosed '[' in host '{s}'"))?;
        let port = tail.strip_prefix(':');
        (h, port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .with_context(|| format!("port '{p}' in '{s}' is not a valid port"))?,
        None => default_port,
    };
    Ok(HostPort {
        host: percent_decode(host)?,
        port,
    })
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .with_context(|| format!("bad percent-encoding in '{}'", redact(s)))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("percent-decoded URL part is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(h: &str, p: u16) -> HostPort {
        HostPort {
            host: h.into(),
            port: p,
        }
    }

    #[test]
    fn plain_and_tls() {
        let u = TargetUrl::parse("redis://localhost").unwrap();
        assert_eq!(u.addr, UrlAddr::Tcp(hp("localhost", 6379)));
        assert!(!u.tls);
        let u = TargetUrl::parse("rediss://app:s%40cret@10.0.0.1:6380/2").unwrap();
        assert_eq!(u.addr, UrlAddr::Tcp(hp("10.0.0.1", 6380)));
        assert!(u.tls);
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.as_deref(), Some("s@cret"));
        assert_eq!(u.db, 2);
        let u = TargetUrl::parse("redis://:pw@[::1]:7000").unwrap();
        assert_eq!(u.addr, UrlAddr::Tcp(hp("::1", 7000)));
        assert_eq!(u.user, None);
        assert_eq!(u.password.as_deref(), Some("pw"));
    }

    #[test]
    fn unix() {
        let u = TargetUrl::parse("unix:///run/redis/redis.sock?db=3").unwrap();
        assert_eq!(u.addr, UrlAddr::Unix("/run/redis/redis.sock".into()));
        assert_eq!(u.db, 3);
        assert!(TargetUrl::parse("unix://relative.sock").is_err());
    }

    #[test]
    fn sentinel() {
        let u = TargetUrl::parse("redis-sentinel://s1,s2:26380,[::1]/1#mymaster").unwrap();
        assert_eq!(
            u.addr,
            UrlAddr::Sentinel {
                sentinels: vec![hp("s1", 26379), hp("s2", 26380), hp("::1", 26379)],
                master: "mymaster".into()
            }
        );
        assert_eq!(u.db, 1);
        assert!(TargetUrl::parse("rediss-sentinel://u:p@s1#m").unwrap().tls);
        assert!(TargetUrl::parse("redis-sentinel://s1").is_err());
    }

    #[test]
    fn cluster() {
        let u = TargetUrl::parse("redis-cluster://ops:pw@h1:7000,h2,[::1]:7002").unwrap();
        assert_eq!(
            u.addr,
            UrlAddr::Cluster {
                seeds: vec![hp("h1", 7000), hp("h2", 6379), hp("::1", 7002)]
            }
        );
        assert!(!u.tls);
        assert_eq!(u.user.as_deref(), Some("ops"));
        assert_eq!(u.password.as_deref(), Some("pw"));
        assert!(TargetUrl::parse("rediss-cluster://h1:7000").unwrap().tls);
        let err = TargetUrl::parse("redis-cluster://h1/2").unwrap_err();
        assert!(err.to_string().contains("only database 0"), "{err}");
        assert!(TargetUrl::parse("redis-cluster://h1#m").is_err());
        assert!(TargetUrl::parse("redis-cluster://").is_err());
    }

    #[test]
    fn errors() {
        for bad in [
            "localhost",
            "http://x",
            "redis://h:99999",
            "redis://h:0",
            "redis://a,b",
            "redis://h/x",
            "redis://h#m",
        ] {
            assert!(TargetUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("redis://u:secret@h:1"), "redis://u:***@h:1");
        assert_eq!(redact("redis://h:1"), "redis://h:1");
    }
}
