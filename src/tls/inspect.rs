//! Reading X.509 certificates: subject, issuer, subjectAltNames and validity. One parser for
//! `tls check` (certificates presented in a handshake), `tls enable`/`rotate` reports and the
//! audit's expiry check (TLS-06, certificate files on this host).

use serde::Serialize;
use std::net::IpAddr;
use std::path::Path;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// What an operator needs to know about a certificate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses, as `DNS:name` / `IP:addr`.
    pub sans: Vec<String>,
    /// Unix time of notBefore.
    pub not_before: i64,
    /// Unix time of notAfter.
    pub not_after: i64,
}

impl CertSummary {
    /// Parses one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                    GeneralName::IPAddress(bytes) => sans.push(match ip(bytes) {
                        Some(addr) => format!("IP:{addr}"),
                        None => format!("IP:{}", hex::encode(bytes)),
                    }),
                    other => sans.push(other.to_string()),
                }
            }
        }
        Ok(Self {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            sans,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// Parses the first certificate of a PEM file (a chain file starts with the leaf).
    pub fn from_pem_file(path: &Path) -> Result<Self, String> {
        let pem = std::fs::read(path).map_err(|e| e.to_string())?;
        let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).map_err(|e| e.to_string())?;
        Self::from_der(&pem.contents)
    }

    /// Whole days until notAfter (negative once expired).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(86_400)
    }

    /// notAfter as `2026-11-24 03:00:00 UTC`.
    pub fn expiry(&self) -> String {
        chrono::DateTime::from_timestamp(self.not_after, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| self.not_after.to_string())
    }
}

fn ip(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}
