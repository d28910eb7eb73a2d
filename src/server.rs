//! Which server a node runs and what that version can do. Valkey reports a frozen
//! `redis_version` (7.2.4 on 8.x, the Redis release it forked from) beside its real
//! `valkey_version` and `server_name:valkey`, so features of the Redis command set are judged
//! by `redis_version` ([`Server::compat`]) and everything that follows the vendor's own
//! releases (advisories, RDB formats, labels) by the real version.

use crate::info::Info;
use crate::rdb::RdbFormat;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Redis,
    Valkey,
}

impl Flavor {
    /// `redis` / `valkey`: the prefix of its executables (`valkey-check-rdb`).
    pub fn binary_prefix(self) -> &'static str {
        match self {
            Flavor::Redis => "redis",
            Flavor::Valkey => "valkey",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::Redis => "Redis",
            Flavor::Valkey => "Valkey",
        })
    }
}

/// `major.minor.patch`; missing parts are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Version(pub [u32; 3]);

impl Version {
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = [0; 3];
        let mut any = false;
        for (slot, part) in parts.iter_mut().zip(text.trim().split('.')) {
            *slot = part.parse().ok()?;
            any = true;
        }
        any.then_some(Self(parts))
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self.0[..2] >= [major, minor][..]
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0[0], self.0[1], self.0[2])
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A server's flavour and versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Server {
    pub flavor: Flavor,
    /// The real version: `valkey_version` on Valkey, `redis_version` on Redis.
    pub version: Version,
    /// `redis_version`: which Redis command set and config directives it has.
    #[serde(skip)]
    pub compat: Version,
}

impl Server {
    /// From `INFO server` fields (any getter: facts keep them as a map).
    pub fn from_fields<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Self> {
        let compat = Version::parse(get("redis_version")?)?;
        let valkey = get("server_name") == Some("valkey") || get("valkey_version").is_some();
        Some(
            match (valkey, get("valkey_version").and_then(Version::parse)) {
                (true, Some(version)) => Self {
                    flavor: Flavor::Valkey,
                    version,
                    compat,
                },
                // Valkey 7.2.x before `valkey_version` existed reported its own version here.
                (true, None) => Self {
                    flavor: Flavor::Valkey,
                    version: compat,
                    compat,
                },
                (false, _) => Self {
                    flavor: Flavor::Redis,
                    version: compat,
                    compat,
                },
            },
        )
    }

    pub fn from_info(info: &Info) -> Option<Self> {
        Self::from_fields(|k| info.get(k))
    }

    /// ACL selectors (`clearselectors`, `(…)` rules): 7.0.
    pub fn acl_selectors(&self) -> bool {
        self.compat.at_least(7, 0)
    }

    /// `ACL DRYRUN`: 7.0.
    pub fn acl_dryrun(&self) -> bool {
        self.compat.at_least(7, 0)
    }

    /// Several parameters in one `CONFIG SET` / `CONFIG GET`: 7.0.
    pub fn multi_config_set(&self) -> bool {
        self.compat.at_least(7, 0)
    }

    /// `enable-debug-command`, `enable-module-command`, `enable-protected-configs`,
    /// `maxmemory-clients`, `shutdown-on-sigterm`/`-sigint`: 7.0.
    pub fn has_7_0_directives(&self) -> bool {
        self.compat.at_least(7, 0)
    }

    /// `CLIENT NO-EVICT`: 7.0.
    pub fn client_no_evict(&self) -> bool {
        self.compat.at_least(7, 0)
    }

    /// The newest RDB format version this server loads by default, None when the version
    /// is newer than this table knows (then only its own checker can tell).
    pub fn max_rdb_version(&self) -> Option<u32> {
        let v = self.version.0;
        Some(match self.flavor {
            // Valkey 7.2–8.x stay on RDB 11 (Redis 7.2's); 9.0 writes 80, 9.2 writes 81.
            Flavor::Valkey => match (v[0], v[1]) {
                (..=8, _) => 11,
                (9, 0..=1) => 80,
                (9, 2) => 81,
                _ => return None,
            },
            Flavor::Redis => match (v[0], v[1]) {
                (..=2, 0..=5) | (0..=1, _) => 4,
                (2, _) => 6,
                (3, _) => 7,
                (4, _) => 8,
                (5..=6, _) => 9,
                (7, 0..=1) => 10,
                (7, 2..=3) => 11,
                (7, _) | (8, 0..=5) => 12,
                (8, 6..=7) => 13,
                _ => return None,
            },
        })
    }
}

/// What [`Server::loads`] says about a file it would not refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loads {
    Yes,
    /// Loaded under a relaxed setting: what the operator should know.
    Relaxed(String),
}

impl Server {
    /// Whether this server loads an RDB of `format` (notes §4.7): Err is the refusal, in words
    /// an operator can act on. `relaxed`: Valkey's `rdb-version-check` is `relaxed`
    /// (None: the server has no such setting). Versions newer than the table knows are let
    /// through: their own checker judges the file.
    pub fn loads(&self, format: RdbFormat, relaxed: Option<bool>) -> Result<Loads, String> {
        let newest = self.max_rdb_version();
        let newer_than = |n: u32| format.version > n;
        match (self.flavor, format.valkey_magic) {
            (Flavor::Redis, true) => Err(format!(
                "the file is {format}, Valkey 9's own format: {self} cannot load it. Restore it \
                 onto Valkey 9 or later"
            )),
            (Flavor::Valkey, false) if (12..80).contains(&format.version) => match relaxed {
                Some(true) => Ok(Loads::Relaxed(format!(
                    "the file is {format} (Redis 7.4 or later), which Valkey calls foreign: \
                     {self} loads it because rdb-version-check is relaxed, and stops at the \
                     first value type it does not know (e.g. Redis' hash-field TTLs)"
                ))),
                Some(false) => Err(format!(
                    "the file is {format} (Redis 7.4 or later), which Valkey calls foreign and \
                     {self} refuses while rdb-version-check is strict. With CONFIG SET \
                     rdb-version-check relaxed it would load it, but stop at the first value \
                     type it does not know (e.g. Redis' hash-field TTLs); or restore onto Redis \
                     7.4 or later"
                )),
                None => Err(format!(
                    "the file is {format} (Redis 7.4 or later), which Valkey calls foreign: \
                     {self} cannot load it (Valkey 8.1 and later can, with rdb-version-check \
                     relaxed). Restore it onto Redis 7.4 or later"
                )),
            },
            _ => match newest {
                Some(n) if newer_than(n) => Err(format!(
                    "the file is {format}, but {self} loads at most RDB {n} (\"Can't handle \
                     RDB format version {}\"): restore it onto a server at least as new as the \
                     one that wrote it",
                    format.version
                )),
                _ => Ok(Loads::Yes),
            },
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.flavor, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rdb(version: u32, valkey_magic: bool) -> RdbFormat {
        RdbFormat {
            version,
            valkey_magic,
        }
    }

    #[test]
    fn cross_flavour_files_are_refused_with_what_to_do() {
        let redis74 = from(&[("redis_version", "7.4.1")]);
        let valkey8 = from(&[("redis_version", "7.2.4"), ("valkey_version", "8.0.1")]);
        let valkey9 = from(&[("redis_version", "7.2.4"), ("valkey_version", "9.0.0")]);
        let e = redis74.loads(rdb(80, true), None).unwrap_err();
        assert!(e.contains("VALKEY080") && e.contains("Valkey 9"), "{e}");
        let e = valkey8.loads(rdb(12, false), None).unwrap_err();
        assert!(e.contains("foreign") && e.contains("8.1"), "{e}");
        let e = valkey9.loads(rdb(12, false), Some(false)).unwrap_err();
        assert!(e.contains("rdb-version-check relaxed"), "{e}");
        assert!(matches!(
            valkey9.loads(rdb(12, false), Some(true)),
            Ok(Loads::Relaxed(_))
        ));
        let e = valkey8.loads(rdb(80, true), None).unwrap_err();
        assert!(e.contains("at most RDB 11"), "{e}");
        assert_eq!(valkey9.loads(rdb(80, true), None), Ok(Loads::Yes));
        assert_eq!(valkey8.loads(rdb(11, false), None), Ok(Loads::Yes));
        let e = from(&[("redis_version", "7.0.15")])
            .loads(rdb(11, false), None)
            .unwrap_err();
        assert!(e.contains("Redis 7.0.15 loads at most RDB 10"), "{e}");
        // Newer than the table knows: the server's own checker decides.
        let future = from(&[("redis_version", "9.2.0")]);
        assert_eq!(future.loads(rdb(14, false), None), Ok(Loads::Yes));
    }

    fn from(pairs: &[(&str, &str)]) -> Server {
        Server::from_fields(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)).unwrap()
    }

    #[test]
    fn valkey_reports_its_real_version_beside_a_frozen_redis_version() {
        let s = from(&[
            ("redis_version", "7.2.4"),
            ("server_name", "valkey"),
            ("valkey_version", "8.0.1"),
        ]);
        assert_eq!(s.flavor, Flavor::Valkey);
        assert_eq!(s.to_string(), "Valkey 8.0.1");
        assert_eq!(s.compat, Version([7, 2, 4]));
        assert!(s.acl_selectors());
        assert_eq!(s.max_rdb_version(), Some(11));
        let nine = from(&[("redis_version", "7.2.4"), ("valkey_version", "9.0.0")]);
        assert_eq!(nine.max_rdb_version(), Some(80));
    }

    #[test]
    fn redis_versions_and_what_they_can_do() {
        let old = from(&[("redis_version", "6.2.16")]);
        assert_eq!(old.flavor, Flavor::Redis);
        assert!(!old.acl_selectors() && !old.multi_config_set() && !old.has_7_0_directives());
        assert_eq!(old.max_rdb_version(), Some(9));
        assert_eq!(
            from(&[("redis_version", "7.0.15")]).max_rdb_version(),
            Some(10)
        );
        assert_eq!(
            from(&[("redis_version", "7.4.1")]).max_rdb_version(),
            Some(12)
        );
        // 8.0 milestones report 7.9.x.
        assert_eq!(
            from(&[("redis_version", "7.9.224")]).max_rdb_version(),
            Some(12)
        );
        assert_eq!(from(&[("redis_version", "9.0.0")]).max_rdb_version(), None);
        assert_eq!(
            from(&[("redis_version", "8.6.0")]).max_rdb_version(),
            Some(13)
        );
        assert_eq!(Version::parse("7"), Some(Version([7, 0, 0])));
        assert_eq!(Version::parse("x"), None);
    }
}
