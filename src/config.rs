//! The TOML configuration file: named targets and defaults for the repository.
//!
//! Looked up as `--config FILE`, else `$REDISOPS_CONFIG`, else
//! `$XDG_CONFIG_HOME/redisops/config.toml` (default `~/.config`), else
//! `/etc/redisops/config.toml`. A file named explicitly must exist; the implicit ones are
//! optional. Unknown keys are errors that name the key and the file, because a misspelt
//! `password_file` silently ignored is how a backup ends up running unauthenticated.
//! Relative paths inside the file are relative to the file's directory.

use crate::archive::Codec;
use crate::backup::Method;
use crate::backup::retention::KeepPolicy;
use crate::conn::Want;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Target used when neither `--target` nor `-h/-p/-s` is given.
    pub default_target: Option<String>,
    #[serde(default)]
    pub targets: BTreeMap<String, TargetConfig>,
    #[serde(default)]
    pub repository: RepositoryConfig,
    #[serde(default)]
    pub backup: BackupConfig,
    /// Default keep rules for `prune` and `backup` when no --keep-* flag is given.
    #[serde(default)]
    pub retention: KeepPolicy,
    /// Where the file was read from (not a key in the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub url: String,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub sni: Option<String>,
    #[serde(default)]
    pub insecure: bool,
    pub sentinel_user: Option<String>,
    pub sentinel_password_file: Option<PathBuf>,
    /// The url names one node of a Redis Cluster: the target is the whole cluster.
    #[serde(default)]
    pub cluster: bool,
}

/// Also the settings an `s3://` repository location carries (`repo::S3Options`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryConfig {
    /// A local directory.
    pub path: Option<PathBuf>,
    /// `s3://bucket/prefix` (or a local directory); the alternative to `path`.
    pub url: Option<String>,
    /// Object storage: the S3 endpoint (`https://minio.internal:9000`); default AWS.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Path-style requests (the default; what MinIO and Ceph expect); false: virtual-hosted.
    pub path_style: Option<bool>,
    /// Extra CA certificates (PEM) for the endpoint's TLS.
    pub ca_file: Option<PathBuf>,
    /// Files holding the access key id and the secret key (mode 0600).
    pub access_key_id_file: Option<PathBuf>,
    pub secret_access_key_file: Option<PathBuf>,
    /// Multipart part size in MiB (default 8, at least 5).
    pub part_size_mib: Option<u64>,
    /// Parts uploaded at once (default 4).
    pub concurrency: Option<usize>,
    /// Seconds after which a lease not refreshed is stale (default 1800).
    pub lock_stale_after: Option<u64>,
}

impl RepositoryConfig {
    /// The repository the section names (`path` or `url`), if any.
    pub fn location(&self) -> Result<Option<PathBuf>> {
        match (&self.path, &self.url) {
            (Some(_), Some(_)) => {
                anyhow::bail!("the [repository] section sets both path and url; keep one")
            }
            (Some(path), None) => Ok(Some(path.clone())),
            (None, Some(url)) => Ok(Some(PathBuf::from(url))),
            (None, None) => Ok(None),
        }
    }
}

/// Defaults for `backup`; flags win.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// age recipients (public keys, `age1…`).
    #[serde(default)]
    pub recipients: Vec<String>,
    pub recipients_file: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
    pub compression: Option<Codec>,
    pub compression_level: Option<u32>,
    /// Compression threads; the default is one per core.
    pub threads: Option<usize>,
    pub method: Option<Method>,
    pub from: Option<Want>,
    pub metrics_file: Option<PathBuf>,
    /// A second repository every backup is copied into (`--copy-to`).
    pub copy_to: Option<PathBuf>,
}

impl Config {
    /// Loads the configuration following the lookup order above.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        match Self::locate(explicit) {
            Some(path) => Self::read(&path),
            None => Ok(Self::default()),
        }
    }

    /// The file [`Self::load`] reads, if any: the explicit one (which must exist), else the
    /// first implicit location that exists.
    pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
        explicit
            .map(Path::to_path_buf)
            .or_else(|| {
                std::env::var_os("REDISOPS_CONFIG")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| implicit_locations().into_iter().find(|c| c.exists()))
    }

    fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
            .with_context(|| format!("invalid config file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for target in config.targets.values_mut() {
            for p in [
                &mut target.password_file,
                &mut target.cacert,
                &mut target.cert,
                &mut target.key,
                &mut target.sentinel_password_file,
            ]
            .into_iter()
            .flatten()
            {
                *p = base.join(&*p);
            }
        }
        let r = &mut config.repository;
        let b = &mut config.backup;
        // Repository locations may be URLs (`s3://…`), which stay as written.
        if let Some(url) = &mut r.url
            && !url.contains("://")
        {
            *url = base.join(&*url).display().to_string();
        }
        if let Some(copy_to) = &mut b.copy_to
            && !copy_to.to_string_lossy().contains("://")
        {
            *copy_to = base.join(&*copy_to);
        }
        for p in [
            &mut r.path,
            &mut r.ca_file,
            &mut r.access_key_id_file,
            &mut r.secret_access_key_file,
            &mut b.recipients_file,
            &mut b.passphrase_file,
            &mut b.metrics_file,
        ]
        .into_iter()
        .flatten()
        {
            *p = base.join(&*p);
        }
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Names of the configured targets, for error messages.
    pub fn target_names(&self) -> String {
        if self.targets.is_empty() {
            "none".to_string()
        } else {
            self.targets.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    }

    /// Names where a file path came from, for errors about that file: "password_file of
    /// [targets.main] in /etc/redisops/config.toml".
    pub fn names_key(&self, key: &str, section: &str) -> String {
        format!("{key} of [{section}] in {}", self.describe_source())
    }

    pub fn describe_source(&self) -> String {
        match &self.source {
            Some(p) => p.display().to_string(),
            None => "no config file".to_string(),
        }
    }
}

fn implicit_locations() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = xdg {
        out.push(dir.join("redisops/config.toml"));
    }
    out.push(PathBuf::from("/etc/redisops/config.toml"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets_and_resolves_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "default_target = \"main\"\n[targets.main]\nurl = \"redis://h:1\"\npassword_file = \"pw\"\n\
             [repository]\npath = \"/var/backups/redis\"\n[backup]\ncopy_to = \"offsite\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path)).unwrap();
        assert_eq!(c.default_target.as_deref(), Some("main"));
        assert_eq!(
            c.targets["main"].password_file.as_deref(),
            Some(dir.path().join("pw").as_path())
        );
        assert_eq!(
            c.repository.path.as_deref(),
            Some(Path::new("/var/backups/redis"))
        );
        assert_eq!(
            c.backup.copy_to.as_deref(),
            Some(dir.path().join("offsite").as_path())
        );
    }

    #[test]
    fn repository_url_and_s3_keys_resolve_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write(
            "[repository]\nurl = \"s3://b/p\"\nendpoint = \"http://127.0.0.1:9000\"\n\
             ca_file = \"ca.pem\"\naccess_key_id_file = \"id\"\nsecret_access_key_file = \"s\"\n\
             part_size_mib = 16\nconcurrency = 8\nlock_stale_after = 60\n",
        );
        let r = Config::load(Some(&path)).unwrap().repository;
        assert_eq!(r.location().unwrap(), Some(PathBuf::from("s3://b/p")));
        let s3 = &r;
        assert_eq!(s3.ca_file, Some(dir.path().join("ca.pem")));
        assert_eq!(s3.secret_access_key_file, Some(dir.path().join("s")));
        assert_eq!(
            (s3.part_size_mib, s3.concurrency, s3.lock_stale_after),
            (Some(16), Some(8), Some(60))
        );
        write("[repository]\nurl = \"backups\"\n");
        let r = Config::load(Some(&path)).unwrap().repository;
        assert_eq!(r.location().unwrap(), Some(dir.path().join("backups")));
        write("[repository]\nurl = \"s3://b/p\"\npath = \"/x\"\n");
        let err = Config::load(Some(&path))
            .unwrap()
            .repository
            .location()
            .unwrap_err();
        assert!(err.to_string().contains("both path and url"), "{err}");
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[targets.a]\nurl = \"redis://h\"\npasword_file = \"x\"\n",
        )
        .unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(err.contains("pasword_file"), "{err}");
        assert!(err.contains("c.toml"), "{err}");
    }
}
