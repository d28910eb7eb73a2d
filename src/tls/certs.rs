//! `tls init`: a private PKI that works with Redis and with strict clients (rustls).
//!
//! - CA: ECDSA P-256, `basicConstraints CA:TRUE, pathlen 0`, keyCertSign + cRLSign.
//! - Node certificates: a subjectAltName for every name and IP clients dial (rustls never
//!   falls back to the CN), and both serverAuth and clientAuth, because Redis presents its
//!   `tls-cert-file` as a *client* certificate on replication and Sentinel links.
//! - A client certificate (clientAuth) for redisops and operators, since Redis requires one
//!   by default (`tls-auth-clients yes`).
//!
//! Files are named so that the README and `tls enable` can refer to them: `ca.crt`,
//! `ca.key`, `<node>.crt`, `<node>.key`, `client.crt`, `client.key`. Keys are mode 0600.

use crate::exit::{ExitCode, fail};
use crate::fsutil;
use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use time::{Duration, OffsetDateTime};

/// A node to issue a certificate for: `NAME=host,ip,…`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    pub name: String,
    pub sans: Vec<String>,
}

impl FromStr for NodeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, sans) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}' is not NAME=host,ip,…"))?;
        let sans: Vec<String> = sans
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect();
        check_file_name(name)?;
        if sans.is_empty() {
            return Err(format!(
                "node '{name}' has no host names or IPs: give every name and address clients dial"
            ));
        }
        Ok(Self {
            name: name.to_string(),
            sans,
        })
    }
}

/// Node and client names become file names.
fn check_file_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name != "ca"
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' cannot be used as a certificate name: use letters, digits, '-', '_' or '.' \
             (and not 'ca')"
        ))
    }
}

/// Issue leaves from an existing CA instead of creating one (to rotate leaves).
pub struct ExistingCa {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub struct InitOptions {
    pub out: PathBuf,
    pub nodes: Vec<NodeSpec>,
    pub client_name: String,
    pub days: u32,
    pub ca_days: u32,
    pub ca: Option<ExistingCa>,
    pub force: bool,
}

/// One file written, for the report.
pub struct Written {
    pub path: PathBuf,
    pub what: String,
}

/// Creates the CA (or loads the given one) and issues every certificate.
pub fn init(opts: &InitOptions) -> Result<Vec<Written>> {
    check_file_name(&opts.client_name).map_err(|e| fail(ExitCode::Usage, e))?;
    if opts.nodes.iter().any(|n| n.name == opts.client_name) {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "the client certificate and a node are both named '{}': rename one",
                opts.client_name
            ),
        ));
    }
    let mut planned: Vec<(PathBuf, String, Vec<u8>, u32)> = Vec::new();
    let now = OffsetDateTime::now_utc();
    let file = |name: &str| opts.out.join(name);

    let issuer = match &opts.ca {
        Some(existing) => {
            let key_pem = std::fs::read_to_string(&existing.key)
                .with_context(|| format!("reading the CA key {}", existing.key.display()))?;
            let cert_pem = std::fs::read_to_string(&existing.cert).with_context(|| {
                format!("reading the CA certificate {}", existing.cert.display())
            })?;
            let key = KeyPair::from_pem(&key_pem).map_err(|e| {
                fail(
                    ExitCode::Usage,
                    format!("{} is not a usable key: {e}", existing.key.display()),
                )
            })?;
            let issuer = Issuer::from_ca_cert_pem(&cert_pem, key).map_err(|e| {
                fail(
                    ExitCode::Usage,
                    format!(
                        "{} is not a usable CA certificate: {e}",
                        existing.cert.display()
                    ),
                )
            })?;
            if existing.cert != file("ca.crt") {
                planned.push((
                    file("ca.crt"),
                    "CA certificate (copy)".into(),
                    cert_pem.into(),
                    0o644,
                ));
            }
            issuer
        }
        None => {
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            params
                .distinguished_name
                .push(DnType::CommonName, "redisops CA");
            params
                .distinguished_name
                .push(DnType::OrganizationName, "redisops");
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            validity(&mut params, now, opts.ca_days);
            let key = KeyPair::generate()?;
            let cert = params.self_signed(&key)?;
            planned.push((
                file("ca.crt"),
                "CA certificate".into(),
                cert.pem().into(),
                0o644,
            ));
            planned.push((
                file("ca.key"),
                "CA key (keep offline)".into(),
                key.serialize_pem().into(),
                0o600,
            ));
            Issuer::new(params, key)
        }
    };

    let node_ekus = [
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    for node in &opts.nodes {
        let (cert, key) = leaf(&node.name, &node.sans, &node_ekus, now, opts.days, &issuer)?;
        planned.push((
            file(&format!("{}.crt", node.name)),
            format!("node certificate ({})", node.sans.join(", ")),
            cert.into(),
            0o644,
        ));
        planned.push((
            file(&format!("{}.key", node.name)),
            "node key".into(),
            key.into(),
            0o600,
        ));
    }
    let (cert, key) = leaf(
        &opts.client_name,
        &[],
        &[ExtendedKeyUsagePurpose::ClientAuth],
        now,
        opts.days,
        &issuer,
    )?;
    planned.push((
        file(&format!("{}.crt", opts.client_name)),
        "client certificate".into(),
        cert.into(),
        0o644,
    ));
    planned.push((
        file(&format!("{}.key", opts.client_name)),
        "client key".into(),
        key.into(),
        0o600,
    ));

    let existing: Vec<String> = planned
        .iter()
        .filter(|(p, ..)| p.exists())
        .map(|(p, ..)| p.display().to_string())
        .collect();
    if !existing.is_empty() && !opts.force {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "refusing to overwrite {}: choose another --out directory, or pass --force to \
                 replace them (servers using the old files keep working until they reload)",
                existing.join(", ")
            ),
        ));
    }
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("creating {}", opts.out.display()))?;
    let mut written = Vec::new();
    for (path, what, bytes, mode) in planned {
        write(&path, &bytes, mode)?;
        written.push(Written { path, what });
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    fsutil::write_atomic(path, bytes, mode).with_context(|| format!("writing {}", path.display()))
}

/// A backdated start absorbs clock skew between hosts.
fn validity(params: &mut CertificateParams, now: OffsetDateTime, days: u32) {
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(i64::from(days));
}

/// Issues one leaf: (certificate PEM, key PEM).
fn leaf(
    name: &str,
    sans: &[String],
    ekus: &[ExtendedKeyUsagePurpose],
    now: OffsetDateTime,
    days: u32,
    issuer: &Issuer<'_, KeyPair>,
) -> Result<(String, String)> {
    let mut params = CertificateParams::new(sans.to_vec())
        .map_err(|e| fail(ExitCode::Usage, format!("bad host name for '{name}': {e}")))?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = ekus.to_vec();
    params.use_authority_key_identifier_extension = true;
    validity(&mut params, now, days);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_spec_parses_names_and_ips() {
        let n: NodeSpec = "redis-1=redis-1.internal, 10.0.0.5,127.0.0.1"
            .parse()
            .unwrap();
        assert_eq!(n.name, "redis-1");
        assert_eq!(n.sans, ["redis-1.internal", "10.0.0.5", "127.0.0.1"]);
        assert!("redis-1".parse::<NodeSpec>().is_err());
        assert!("redis-1=".parse::<NodeSpec>().is_err());
        assert!("../x=a".parse::<NodeSpec>().is_err());
        assert!("ca=a".parse::<NodeSpec>().is_err());
    }
}
