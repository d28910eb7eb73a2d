//! Building the S3 client: endpoint, region and addressing style from `[repository]` or the
//! standard `AWS_*` variables, credentials from key files, the environment, a shared
//! credentials profile, or (through object_store) web identity and the container and instance
//! roles. Secrets are read here and go nowhere but the request signer.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{BackoffConfig, Certificate, ClientOptions, RetryConfig};
use reqwest::header::{HeaderMap, HeaderValue};

use super::super::super::location::S3Location;
use crate::exit::{ExitCode, fail};

/// Where the client sends requests and with which credentials, for messages.
#[derive(Debug, Clone)]
pub(super) struct Endpoint {
    pub url: String,
    pub region: String,
    /// Where the credentials came from (never the secret itself).
    pub credentials: String,
}

struct StaticKeys {
    key_id: String,
    secret: String,
    token: Option<String>,
}

/// The clients for reads and for writes, and where they go. Writes also declare their
/// checksum algorithm (`x-amz-sdk-checksum-algorithm`), which buckets with Object Lock
/// default retention demand of every single-request upload; reads do not carry it.
pub(super) struct Clients {
    pub read: AmazonS3,
    pub write: AmazonS3,
    pub endpoint: Endpoint,
}

pub(super) fn client(location: &S3Location) -> Result<Clients> {
    client_with(location, &|name| {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    })
}

fn client_with(location: &S3Location, env: &dyn Fn(&str) -> Option<String>) -> Result<Clients> {
    let options = &location.options;
    let endpoint_url = options
        .endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"));
    let region = options
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let (keys, source) = credentials(options, env)?;

    // Reads have no overall time limit (a large archive takes long) but must keep moving;
    // retries are few and short, so a dead endpoint fails in seconds, not minutes.
    let mut client_options = ClientOptions::new()
        .with_timeout_disabled()
        .with_connect_timeout(Duration::from_secs(5))
        .with_read_timeout(Duration::from_secs(60))
        .with_allow_http(
            endpoint_url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://")),
        );
    if let Some(ca) = &options.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            fail(
                ExitCode::Usage,
                format!("cannot read the S3 CA file {} (ca_file): {e}", ca.display()),
            )
        })?;
        for cert in Certificate::from_pem_bundle(&pem).map_err(|e| {
            fail(
                ExitCode::Usage,
                format!(
                    "the S3 CA file {} is not PEM certificates: {e}",
                    ca.display()
                ),
            )
        })? {
            client_options = client_options.with_root_certificate(cert);
        }
    }
    // from_env picks up web identity, the container credentials and the other AWS_*
    // settings object_store knows; everything set below wins over it.
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&location.bucket)
        .with_region(&region)
        .with_virtual_hosted_style_request(!options.path_style.unwrap_or(true))
        .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(4),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        });
    if let Some(url) = &endpoint_url {
        builder = builder.with_endpoint(url);
    }
    if let Some(keys) = keys {
        builder = builder
            .with_access_key_id(keys.key_id)
            .with_secret_access_key(keys.secret);
        if let Some(token) = keys.token {
            builder = builder.with_token(token);
        }
    }
    let build = |options: ClientOptions| {
        builder
            .clone()
            .with_client_options(options)
            .build()
            .map_err(|e| fail(ExitCode::Usage, format!("repository {location}: {e}")))
    };
    let mut checksum = HeaderMap::new();
    checksum.insert(
        "x-amz-sdk-checksum-algorithm",
        HeaderValue::from_static("SHA256"),
    );
    let read = build(client_options.clone())?;
    let write = build(client_options.with_default_headers(checksum))?;
    let url = endpoint_url.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    Ok(Clients {
        read,
        write,
        endpoint: Endpoint {
            url,
            region,
            credentials: source,
        },
    })
}

/// The first credential source that is set, in the documented order.
fn credentials(
    options: &super::super::super::location::S3Options,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<StaticKeys>, String)> {
    match (&options.access_key_id_file, &options.secret_access_key_file) {
        (Some(id), Some(secret)) => {
            let keys = StaticKeys {
                key_id: read_key_file(id, "access_key_id_file")?,
                secret: read_key_file(secret, "secret_access_key_file")?,
                token: None,
            };
            return Ok((
                Some(keys),
                format!("key files {} and {}", id.display(), secret.display()),
            ));
        }
        (None, None) => {}
        _ => {
            return Err(fail(
                ExitCode::Usage,
                "set both access_key_id_file and secret_access_key_file in [repository], or \
                 neither",
            ));
        }
    }
    if let (Some(key_id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let source = format!("access key {} from AWS_ACCESS_KEY_ID", redact(&key_id));
        let token = env("AWS_SESSION_TOKEN");
        return Ok((
            Some(StaticKeys {
                key_id,
                secret,
                token,
            }),
            source,
        ));
    }
    let file = env("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".aws/credentials")));
    let profile = env("AWS_PROFILE");
    if let Some(file) = file.filter(|f| profile.is_some() || f.exists()) {
        let name = profile.clone().unwrap_or_else(|| "default".to_owned());
        match read_profile(&file, &name)? {
            Some(keys) => {
                let source = format!(
                    "access key {} of profile {name} in {}",
                    redact(&keys.key_id),
                    file.display()
                );
                return Ok((Some(keys), source));
            }
            None if profile.is_some() => {
                return Err(fail(
                    ExitCode::Auth,
                    format!(
                        "AWS_PROFILE={name}, but {} has no aws_access_key_id and \
                         aws_secret_access_key for it (redisops reads static keys from \
                         profiles; use environment variables or a role for SSO)",
                        file.display()
                    ),
                ));
            }
            None => {}
        }
    }
    let source = if env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        format!(
            "web identity for role {}",
            env("AWS_ROLE_ARN").unwrap_or_default()
        )
    } else if env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        "the container's task role".to_owned()
    } else {
        "the instance role (no AWS_ACCESS_KEY_ID, profile or key files set)".to_owned()
    };
    Ok((None, source))
}

/// The key id's first four characters, enough to tell keys apart in a message.
fn redact(key_id: &str) -> String {
    format!("{}…", key_id.chars().take(4).collect::<String>())
}

fn read_key_file(path: &Path, key: &str) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            ExitCode::Usage,
            format!("cannot read {key} {}: {e}", path.display()),
        )
    })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "{key} {} may be read by other users (mode {:o}); chmod 600 it",
                path.display(),
                meta.permissions().mode() & 0o777
            ),
        ));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {key} {}", path.display()))?;
    let value = text.lines().next().unwrap_or_default().trim().to_owned();
    if value.is_empty() {
        return Err(fail(
            ExitCode::Usage,
            format!("{key} {} is empty", path.display()),
        ));
    }
    Ok(value)
}

/// Static keys of `[profile]` in an AWS shared credentials file (INI).
fn read_profile(file: &Path, profile: &str) -> Result<Option<StaticKeys>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(fail(
                ExitCode::Auth,
                format!(
                    "cannot read the AWS credentials file {}: {e}",
                    file.display()
                ),
            ));
        }
    };
    let mut section = String::new();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().trim_start_matches("profile ").to_owned();
        } else if section == profile
            && let Some((key, value)) = line.split_once('=')
        {
            values.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    Ok(
        match (
            values.remove("aws_access_key_id"),
            values.remove("aws_secret_access_key"),
        ) {
            (Some(key_id), Some(secret)) => Some(StaticKeys {
                key_id,
                secret,
                token: values.remove("aws_session_token"),
            }),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::location::S3Options;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn credentials_come_from_files_then_environment_then_profile_then_roles() {
        let tmp = tempfile::tempdir().unwrap();
        let id = tmp.path().join("id");
        let secret = tmp.path().join("secret");
        std::fs::write(&id, "AKIAFILE\n").unwrap();
        std::fs::write(&secret, "s3cr3t\n").unwrap();
        std::fs::set_permissions(&id, PermissionsExt::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&secret, PermissionsExt::from_mode(0o644)).unwrap();
        let files = S3Options {
            access_key_id_file: Some(id.clone()),
            secret_access_key_file: Some(secret.clone()),
            ..Default::default()
        };
        let env = env_of(&[
            ("AWS_ACCESS_KEY_ID", "AKIAENV"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ]);
        let err = credentials(&files, &env).err().unwrap();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&secret, PermissionsExt::from_mode(0o600)).unwrap();
        let (keys, source) = credentials(&files, &env).unwrap();
        assert_eq!(keys.unwrap().key_id, "AKIAFILE");
        assert!(source.starts_with("key files"), "{source}");

        let (keys, source) = credentials(&S3Options::default(), &env).unwrap();
        assert_eq!(keys.unwrap().secret, "x");
        assert_eq!(source, "access key AKIA… from AWS_ACCESS_KEY_ID");
        assert!(!source.contains("AKIAENV"));

        let creds = tmp.path().join("credentials");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKIADEF\naws_secret_access_key = d\n\n\
             [profile backup]\naws_access_key_id=AKIABAK\naws_secret_access_key=b\n\
             aws_session_token=t\n",
        )
        .unwrap();
        let file = creds.to_str().unwrap();
        let env = env_of(&[
            ("AWS_SHARED_CREDENTIALS_FILE", file),
            ("AWS_PROFILE", "backup"),
        ]);
        let keys = credentials(&S3Options::default(), &env).unwrap().0.unwrap();
        assert_eq!(
            (keys.key_id.as_str(), keys.token.as_deref()),
            ("AKIABAK", Some("t"))
        );
        let env = env_of(&[("AWS_SHARED_CREDENTIALS_FILE", file)]);
        let keys = credentials(&S3Options::default(), &env).unwrap().0.unwrap();
        assert_eq!(keys.key_id, "AKIADEF");
        let env = env_of(&[
            ("AWS_SHARED_CREDENTIALS_FILE", file),
            ("AWS_PROFILE", "nope"),
        ]);
        let err = credentials(&S3Options::default(), &env).err().unwrap();
        assert!(err.to_string().contains("AWS_PROFILE=nope"), "{err}");

        let env = env_of(&[("HOME", "/nonexistent")]);
        let (keys, source) = credentials(&S3Options::default(), &env).unwrap();
        assert!(keys.is_none());
        assert!(source.contains("instance role"), "{source}");
    }
}
