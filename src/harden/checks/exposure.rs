//! NET: who can connect. Unauthenticated access, protected mode, the interfaces a node
//! listens on, a plaintext port beside TLS, and unix socket permissions.

use super::{Category, Check, Finding, Scope, Severity, Subject, list};
use crate::harden::facts::{Access, NodeFacts, NodeKind};
use std::net::IpAddr;

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "NET-01",
        title: "Unauthenticated access: the default user has no password",
        category: Category::Network,
        severity: Severity::Critical,
        graded: None,
        scope: Scope::Server,
        remediation: "Create named users first, then give the default user a strong password \
                      or turn it off: ACL SETUSER default resetpass >… (or off); persist with \
                      ACL SAVE or CONFIG REWRITE",
        run: net01_unauthenticated,
    },
    Check {
        id: "NET-02",
        title: "Protected mode off while the default user has no password",
        category: Category::Network,
        severity: Severity::High,
        graded: None,
        scope: Scope::Any,
        remediation: "CONFIG SET protected-mode yes (servers); protected-mode yes in \
                      sentinel.conf and a restart (Sentinels); better, require a password",
        run: net02_protected_mode,
    },
    Check {
        id: "NET-03",
        title: "Listening on every interface or a public address",
        category: Category::Network,
        severity: Severity::High,
        graded: Some("medium with a password; info for a private address"),
        scope: Scope::Any,
        remediation: "Bind only the addresses clients, replicas and Sentinels use: CONFIG SET \
                      bind \"10.0.0.5 127.0.0.1 -::1\"; keep a firewall in front",
        run: net03_bind,
    },
    Check {
        id: "NET-04",
        title: "Plaintext port open beside the TLS port",
        category: Category::Network,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Move clients, replicas and Sentinels to the TLS port, verify a fresh TLS \
                      connection, then CONFIG SET port 0",
        run: net04_plaintext_beside_tls,
    },
    Check {
        id: "NET-05",
        title: "Unix socket open to all local users",
        category: Category::Network,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "unixsocketperm 770 (or 700) in the config file, then restart",
        run: net05_unix_socket,
    },
];

/// How far a node's TCP listeners reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reach {
    /// No TCP port, or loopback addresses only.
    Local,
    /// Specific private (RFC 1918, ULA, link-local) addresses.
    Private(Vec<String>),
    /// A public address.
    Public(Vec<String>),
    /// `*`, `0.0.0.0` or `::`: every interface.
    Everywhere(String),
}

/// The `bind` setting: servers report it (effective value since 7.0); for Sentinels it comes
/// from sentinel.conf when readable.
fn bind(node: &NodeFacts) -> Option<String> {
    node.config("bind")
        .map(str::to_string)
        .or_else(|| node.host.as_ref()?.file_directives.get("bind").cloned())
}

fn tcp_open(node: &NodeFacts) -> bool {
    let open = |v: Option<&str>| v.is_some_and(|p| p != "0" && !p.is_empty());
    open(node.config("port")) || open(node.config("tls-port")) || open(node.info("tcp_port"))
}

/// Where the node's TCP listeners can be reached from, as far as the facts tell.
pub(super) fn reach(node: &NodeFacts) -> Option<Reach> {
    if !tcp_open(node) {
        return Some(Reach::Local);
    }
    let bind = bind(node)?;
    // `-` marks an address as optional; it still listens there when the address exists.
    let addrs: Vec<&str> = bind
        .split_whitespace()
        .map(|a| a.trim_start_matches('-'))
        .collect();
    if addrs.is_empty()
        || addrs
            .iter()
            .any(|a| ["*", "0.0.0.0", "::", "::*"].contains(a))
    {
        return Some(Reach::Everywhere(if bind.is_empty() {
            "(empty)".into()
        } else {
            bind.clone()
        }));
    }
    let mut private = Vec::new();
    let mut public = Vec::new();
    for a in addrs {
        match a.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => {}
            Ok(IpAddr::V4(v4)) if v4.is_private() || v4.is_link_local() => {
                private.push(a.to_string())
            }
            Ok(IpAddr::V6(v6)) if v6.is_unique_local() || v6.is_unicast_link_local() => {
                private.push(a.to_string())
            }
            Err(_) if a == "localhost" => {}
            _ => public.push(a.to_string()),
        }
    }
    Some(if !public.is_empty() {
        Reach::Public(public)
    } else if !private.is_empty() {
        Reach::Private(private)
    } else {
        Reach::Local
    })
}

/// What the unauthenticated probes got, for evidence.
pub(super) fn probe_evidence(node: &NodeFacts) -> String {
    let lines: Vec<String> = node
        .listeners
        .iter()
        .map(|l| {
            let outcome = match &l.access {
                Access::Open => "answered INFO without credentials".to_string(),
                Access::Restricted(why) => {
                    format!("accepted without credentials, INFO refused ({why})")
                }
                Access::AuthRequired => "asked for a password (NOAUTH)".to_string(),
                Access::Denied => "refused by protected mode (DENIED)".to_string(),
                Access::Failed(why) => format!("connection failed: {why}"),
                Access::NotProbed(why) => format!("not probed: {why}"),
            };
            format!("{} ({}): {outcome}", l.address, l.probed_with)
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!(" Unauthenticated probes: {}.", lines.join("; "))
    }
}

fn net01_unauthenticated(s: &Subject) -> Vec<Finding> {
    if !s.node.open_without_password() {
        return vec![];
    }
    let why = match s.node.user("default") {
        Some(d) => format!(
            "The default user is on with nopass ({} {}).",
            d.commands, d.keys
        ),
        None => "ACL users could not be read, but a connection without credentials was \
                 answered."
            .to_string(),
    };
    vec![Finding::new(format!("{why}{}", probe_evidence(s.node)))]
}

fn net02_protected_mode(s: &Subject) -> Vec<Finding> {
    if !s.node.open_without_password() {
        return vec![];
    }
    let (value, source) = match (s.node.kind, s.node.config("protected-mode")) {
        (NodeKind::Server, Some(v)) => (v.to_string(), "CONFIG GET"),
        (NodeKind::Server, None) => return vec![],
        // Sentinel turns protected mode off at start unless its file turns it back on.
        (NodeKind::Sentinel, _) => match s
            .node
            .host
            .as_ref()
            .and_then(|h| h.file_directives.get("protected-mode"))
        {
            Some(v) => (v.clone(), "sentinel.conf"),
            None => (
                "no".to_string(),
                "Sentinel's default; its config file could not be read here",
            ),
        },
    };
    if value != "no" {
        return vec![];
    }
    vec![Finding::new(format!(
        "protected-mode is no ({source}) and the default user has no password: clients from \
         any address are served."
    ))]
}

fn net03_bind(s: &Subject) -> Vec<Finding> {
    let open = s.node.open_without_password();
    let at = if open {
        Severity::High
    } else {
        Severity::Medium
    };
    match reach(s.node) {
        Some(Reach::Everywhere(bind)) => vec![
            Finding::new(format!(
                "bind is '{bind}': the node listens on every interface{}.",
                if open { " and needs no password" } else { "" }
            ))
            .at(at),
        ],
        Some(Reach::Public(addrs)) => vec![
            Finding::new(format!(
                "the node listens on the public address {}.",
                list(&addrs)
            ))
            .at(at),
        ],
        Some(Reach::Private(addrs)) => vec![
            Finding::new(format!(
                "the node listens on {} beyond loopback: make sure only clients, replicas and \
                 Sentinels can reach it.",
                list(&addrs)
            ))
            .at(Severity::Info),
        ],
        Some(Reach::Local) | None => vec![],
    }
}

fn net04_plaintext_beside_tls(s: &Subject) -> Vec<Finding> {
    match (s.node.config("port"), s.node.config("tls-port")) {
        (Some(port), Some(tls)) if port != "0" && !tls.is_empty() && tls != "0" => {
            vec![Finding::new(format!(
                "port {port} (plaintext) is open beside tls-port {tls}."
            ))]
        }
        _ => vec![],
    }
}

fn net05_unix_socket(s: &Subject) -> Vec<Finding> {
    let Some(path) = s.node.config("unixsocket").filter(|p| !p.is_empty()) else {
        return vec![];
    };
    let perm = s
        .node
        .config("unixsocketperm")
        .and_then(|p| u32::from_str_radix(p, 8).ok())
        .unwrap_or(0);
    if perm & 0o007 == 0 {
        return vec![];
    }
    vec![Finding::new(format!(
        "unixsocket {path} has unixsocketperm {perm:o}: every local user may connect."
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn hardened_node_reaches_only_loopback() {
        assert_eq!(reach(&server()), Some(Reach::Local));
        assert!(ids(&audit(vec![server()])).is_empty());
    }

    #[test]
    fn open_default_user() {
        let mut n = server();
        open_default(&mut n);
        set(&mut n, "protected-mode", "no");
        set(&mut n, "bind", "* -::*");
        let found = ids(&audit(vec![n.clone()]));
        for id in ["NET-01", "NET-02", "NET-03"] {
            assert!(found.contains(&id), "{id} missing from {found:?}");
        }
        let r = crate::harden::checks::evaluate(&audit(vec![n]));
        let net03 = r[0].findings.iter().find(|f| f.id == "NET-03").unwrap();
        assert_eq!(net03.severity, Severity::High);
    }

    #[test]
    fn bind_reach() {
        let mut n = server();
        set(&mut n, "bind", "10.0.0.5 127.0.0.1 -::1");
        assert_eq!(reach(&n), Some(Reach::Private(vec!["10.0.0.5".into()])));
        set(&mut n, "bind", "203.0.113.7");
        assert_eq!(reach(&n), Some(Reach::Public(vec!["203.0.113.7".into()])));
        set(&mut n, "bind", "0.0.0.0");
        assert!(matches!(reach(&n), Some(Reach::Everywhere(_))));
        set(&mut n, "port", "0");
        assert_eq!(reach(&n), Some(Reach::Local));
    }

    #[test]
    fn plaintext_beside_tls_and_socket_perms() {
        let mut n = server();
        set(&mut n, "tls-port", "6380");
        set(&mut n, "unixsocket", "/run/redis.sock");
        set(&mut n, "unixsocketperm", "777");
        let found = ids(&audit(vec![n]));
        assert!(
            found.contains(&"NET-04") && found.contains(&"NET-05"),
            "{found:?}"
        );
    }
}
