//! TLS: encryption on listeners that leave the host, protocol versions, client
//! authentication, the CA that client certificates are checked against, replication links,
//! and the server certificate's expiry.

use super::exposure::{Reach, reach};
use super::{Category, Check, Finding, Scope, Severity, Subject};
use crate::harden::facts::NodeFacts;

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "TLS-01",
        title: "No TLS on a listener reachable from other hosts",
        category: Category::Tls,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Put certificates on the host, CONFIG SET tls-cert-file … tls-key-file … \
                      tls-ca-cert-file … tls-port <port>, move clients, then close the \
                      plaintext port (redisops tls)",
        run: tls01_no_tls,
    },
    Check {
        id: "TLS-02",
        title: "Legacy TLS protocol versions allowed",
        category: Category::Tls,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET tls-protocols \"TLSv1.2 TLSv1.3\"",
        run: tls02_protocols,
    },
    Check {
        id: "TLS-03",
        title: "TLS clients are not authenticated (tls-auth-clients no)",
        category: Category::Tls,
        severity: Severity::Low,
        graded: None,
        scope: Scope::Server,
        remediation: "Issue client certificates, CONFIG SET tls-auth-clients optional, then yes",
        run: tls03_auth_clients,
    },
    Check {
        id: "TLS-04",
        title: "Client certificates checked against public CAs",
        category: Category::Tls,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET tls-ca-cert-file <private-ca.pem> tls-ca-cert-dir \"\"",
        run: tls04_public_ca,
    },
    Check {
        id: "TLS-05",
        title: "Replication in plaintext while the master offers TLS",
        category: Category::Tls,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "On the replica: CONFIG SET tls-replication yes, then REPLICAOF <master> \
                      <tls-port>",
        run: tls05_replication,
    },
    Check {
        id: "TLS-06",
        title: "Server certificate expired or expiring within 30 days",
        category: Category::Tls,
        severity: Severity::High,
        graded: Some("info when the certificate could not be read here"),
        scope: Scope::Server,
        remediation: "Reissue the certificate, replace the file, then CONFIG SET tls-cert-file \
                      <same path> tls-key-file <same path> to reload it",
        run: tls06_expiry,
    },
];

fn tls_port(node: &NodeFacts) -> Option<&str> {
    node.config("tls-port")
        .filter(|p| !p.is_empty() && *p != "0")
}

fn tls01_no_tls(s: &Subject) -> Vec<Finding> {
    if tls_port(s.node).is_some() {
        return vec![];
    }
    let whom = match reach(s.node) {
        Some(Reach::Everywhere(bind)) => format!("every interface (bind '{bind}')"),
        Some(Reach::Public(a)) | Some(Reach::Private(a)) => a.join(", "),
        Some(Reach::Local) | None => return vec![],
    };
    vec![Finding::new(format!(
        "tls-port is 0: passwords and data cross the network in clear on {whom}."
    ))]
}

fn tls02_protocols(s: &Subject) -> Vec<Finding> {
    if tls_port(s.node).is_none() {
        return vec![];
    }
    let protocols = s.node.config("tls-protocols").unwrap_or("");
    let legacy: Vec<&str> = protocols
        .split_whitespace()
        .filter(|p| ["TLSv1", "TLSv1.1"].contains(p))
        .collect();
    if legacy.is_empty() {
        return vec![];
    }
    vec![Finding::new(format!(
        "tls-protocols is '{protocols}', which allows {}.",
        legacy.join(" and ")
    ))]
}

fn tls03_auth_clients(s: &Subject) -> Vec<Finding> {
    if tls_port(s.node).is_none() || s.node.config("tls-auth-clients") != Some("no") {
        return vec![];
    }
    vec![Finding::new(
        "tls-auth-clients is no: any TLS client is accepted and client certificates are \
         ignored.",
    )]
}

fn tls04_public_ca(s: &Subject) -> Vec<Finding> {
    const SYSTEM_STORES: &[&str] = &[
        "/etc/ssl/certs",
        "/etc/pki/tls/certs",
        "/etc/pki/ca-trust",
        "/usr/share/ca-certificates",
        "/usr/local/share/certs",
        "/etc/ssl",
    ];
    let Some(dir) = s.node.config("tls-ca-cert-dir") else {
        return vec![];
    };
    if tls_port(s.node).is_none()
        || s.node.config("tls-auth-clients") == Some("no")
        || !SYSTEM_STORES.iter().any(|store| {
            dir.trim_end_matches('/') == *store || dir.starts_with(&format!("{store}/"))
        })
    {
        return vec![];
    }
    vec![Finding::new(format!(
        "tls-ca-cert-dir is {dir}, the system store: any publicly issued client certificate \
         passes mutual TLS."
    ))]
}

fn tls05_replication(s: &Subject) -> Vec<Finding> {
    if s.node.role != "slave" || s.node.config("tls-replication") != Some("no") {
        return vec![];
    }
    let Some(master) = s.master().filter(|m| m.address != s.node.address) else {
        return vec![];
    };
    let Some(master_tls) = tls_port(master) else {
        return vec![];
    };
    vec![Finding::new(format!(
        "tls-replication is no, so this replica syncs from {} in clear although the master \
         offers TLS on port {master_tls}.",
        master.address
    ))]
}

fn tls06_expiry(s: &Subject) -> Vec<Finding> {
    const WARN_DAYS: i64 = 30;
    if tls_port(s.node).is_none() {
        return vec![];
    }
    let cert = s.node.host.as_ref().and_then(|h| h.tls_cert.as_ref());
    let Some(cert) = cert else {
        return vec![
            Finding::new(
                "the certificate's expiry was not checked: the node does not run on this host \
                 (or tls-cert-file is unknown). Run the audit on the node's host.",
            )
            .at(Severity::Info),
        ];
    };
    let Some(not_after) = cert.not_after else {
        return vec![
            Finding::new(format!(
                "the certificate {} could not be read here, so its expiry was not checked: {}.",
                cert.path,
                cert.error.as_deref().unwrap_or("unknown error")
            ))
            .at(Severity::Info),
        ];
    };
    let days = (not_after - s.audit.gathered_at).div_euclid(86_400);
    let when = chrono::DateTime::from_timestamp(not_after, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| not_after.to_string());
    if days < 0 {
        vec![Finding::new(format!(
            "the certificate {} expired on {when}.",
            cert.path
        ))]
    } else if days < WARN_DAYS {
        vec![Finding::new(format!(
            "the certificate {} expires on {when}, in {days} day(s).",
            cert.path
        ))]
    } else {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::harden::facts::{CertFacts, HostFacts};

    fn with_tls() -> NodeFacts {
        let mut n = server();
        set(&mut n, "tls-port", "6380");
        set(&mut n, "port", "0");
        n
    }

    fn cert(not_after: Option<i64>) -> HostFacts {
        HostFacts {
            tls_cert: Some(CertFacts {
                path: "/etc/redis/tls/node.crt".into(),
                subject: Some("CN=node".into()),
                not_after,
                error: not_after.is_none().then(|| "Permission denied".into()),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn tls_settings() {
        let mut n = with_tls();
        n.host = Some(cert(Some(NOW + 400 * 86_400)));
        assert!(ids(&audit(vec![n.clone()])).is_empty());
        set(&mut n, "tls-protocols", "TLSv1.1 TLSv1.2");
        set(&mut n, "tls-auth-clients", "no");
        assert_eq!(ids(&audit(vec![n.clone()])), ["TLS-02", "TLS-03"]);
        set(&mut n, "tls-auth-clients", "yes");
        set(&mut n, "tls-ca-cert-dir", "/etc/ssl/certs");
        assert_eq!(ids(&audit(vec![n])), ["TLS-02", "TLS-04"]);
    }

    #[test]
    fn expiry() {
        let mut n = with_tls();
        n.host = Some(cert(Some(NOW + 3 * 86_400)));
        let r = crate::harden::checks::evaluate(&audit(vec![n.clone()]));
        assert!(r[0].findings[0].evidence.contains("in 3 day(s)"));
        n.host = Some(cert(Some(NOW - 1)));
        let r = crate::harden::checks::evaluate(&audit(vec![n.clone()]));
        assert!(r[0].findings[0].evidence.contains("expired"));
        assert_eq!(r[0].findings[0].severity, Severity::High);
        n.host = Some(cert(None));
        let r = crate::harden::checks::evaluate(&audit(vec![n]));
        assert_eq!(r[0].findings[0].severity, Severity::Info);
        assert!(r[0].findings[0].evidence.contains("Permission denied"));
    }

    #[test]
    fn plaintext_on_the_network() {
        let mut n = server();
        set(&mut n, "bind", "10.0.0.5 127.0.0.1");
        assert!(ids(&audit(vec![n])).contains(&"TLS-01"));
    }
}
