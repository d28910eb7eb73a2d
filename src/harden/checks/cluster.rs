//! CLU: what a Redis Cluster needs across its nodes. Settings that must be identical on
//! every node, ACL users (not propagated: each node has its own), and the cluster bus, which
//! has no authentication of its own. These checks run once over all nodes and name the nodes
//! each finding is about; the per-node checks run on every node as for a single server.

use super::exposure::{Reach, reach};
use super::{Category, Check, Finding, Scope, Severity, Subject, list};
use crate::harden::apply::roles::same_rules;
use crate::harden::facts::{NodeFacts, UserFacts};
use std::net::IpAddr;

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "CLU-01",
        title: "Settings that must be the same on every cluster node differ",
        category: Category::Cluster,
        severity: Severity::High,
        graded: Some("medium for timeouts, coverage and renamed commands"),
        scope: Scope::Cluster,
        remediation: "Set the same value on every node (CONFIG SET …; CONFIG REWRITE), e.g. \
                      with harden apply for masteruser/masterauth; tls-cluster needs the \
                      README's cluster TLS procedure",
        run: clu01_identical_settings,
    },
    Check {
        id: "CLU-02",
        title: "ACL users differ between cluster nodes",
        category: Category::Cluster,
        severity: Severity::High,
        graded: None,
        scope: Scope::Cluster,
        remediation: "ACLs are not propagated: create every user on every node, replicas \
                      included, with the same rules and passwords (harden apply on the cluster \
                      URL does), then ACL SAVE or CONFIG REWRITE on each",
        run: clu02_users,
    },
    Check {
        id: "CLU-03",
        title: "Cluster bus reachable from other hosts without TLS",
        category: Category::Cluster,
        severity: Severity::High,
        graded: Some("low for private addresses"),
        scope: Scope::Cluster,
        remediation: "Bind the nodes to the cluster's private addresses (the bus moves only at \
                      a restart), let only the cluster's own hosts reach the bus ports, and \
                      plan tls-cluster yes (README, Cluster: moving a cluster to TLS)",
        run: clu03_bus_exposure,
    },
    Check {
        id: "CLU-04",
        title: "Clients use TLS but the cluster bus and MIGRATE do not",
        category: Category::Cluster,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Cluster,
        remediation: "tls-cluster yes on every node at once (README, Cluster: moving a cluster \
                      to TLS); until then keep the bus ports on a private network",
        run: clu04_plaintext_bus,
    },
];

/// Settings every node must agree on, and how bad a difference is.
const IDENTICAL: &[(&str, Severity, &str)] = &[
    (
        "tls-cluster",
        Severity::High,
        "bus links between plain and TLS nodes fail",
    ),
    (
        "tls-replication",
        Severity::High,
        "a replica picks the wrong port of a new master",
    ),
    (
        "masteruser",
        Severity::High,
        "after a failover a replica logs in as the wrong user",
    ),
    (
        "masterauth",
        Severity::High,
        "after a failover a replica logs in with the wrong password",
    ),
    (
        "cluster-node-timeout",
        Severity::Medium,
        "nodes detect failures at different times",
    ),
    (
        "cluster-require-full-coverage",
        Severity::Medium,
        "nodes stop serving at different times",
    ),
    (
        "cluster-allow-reads-when-down",
        Severity::Medium,
        "nodes answer reads differently when the cluster is down",
    ),
    (
        "cluster-replica-validity-factor",
        Severity::Medium,
        "replicas decide differently whether they may fail over",
    ),
    (
        "renamed commands",
        Severity::Medium,
        "clients and cluster tooling send the same command names to every node",
    ),
];

/// The nodes grouped by a value, largest group first (ties: the first seen).
fn groups(values: Vec<(&NodeFacts, String)>) -> Vec<(String, Vec<&str>)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for (n, v) in values {
        match out.iter_mut().find(|(x, _)| *x == v) {
            Some((_, nodes)) => nodes.push(&n.address),
            None => out.push((v, vec![&n.address])),
        }
    }
    out.sort_by_key(|(_, nodes)| std::cmp::Reverse(nodes.len()));
    out
}

/// A setting's value on a node as evidence shows it (secrets by which password, not what).
fn setting(n: &NodeFacts, key: &str, passwords: &mut Vec<String>) -> Option<String> {
    match key {
        "masterauth" => Some(match n.secrets.get("masterauth") {
            None => "empty".into(),
            Some(s) => {
                let i = passwords
                    .iter()
                    .position(|p| *p == s.sha256)
                    .unwrap_or_else(|| {
                        passwords.push(s.sha256.clone());
                        passwords.len() - 1
                    });
                format!("password #{}", i + 1)
            }
        }),
        "renamed commands" => n.renamed_commands.as_ref().map(|r| {
            if r.is_empty() {
                "none".into()
            } else {
                r.join(" ")
            }
        }),
        _ => n.config(key).map(|v| {
            if v.is_empty() {
                "\"\"".into()
            } else {
                v.into()
            }
        }),
    }
}

fn clu01_identical_settings(s: &Subject) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key, severity, why) in IDENTICAL {
        let mut passwords = Vec::new();
        let values = s
            .servers()
            .filter_map(|n| Some((n, setting(n, key, &mut passwords)?)))
            .collect();
        let groups = groups(values);
        if groups.len() < 2 {
            continue;
        }
        let said: Vec<String> = groups
            .iter()
            .map(|(v, nodes)| format!("{v} on {}", list(nodes)))
            .collect();
        let odd: Vec<String> = groups[1..]
            .iter()
            .flat_map(|(_, nodes)| nodes.iter().map(|a| a.to_string()))
            .collect();
        out.push(
            Finding::new(format!("{key} differs: {}; {why}.", said.join("; ")))
                .at(*severity)
                .on(odd),
        );
    }
    out
}

/// A user as compared across nodes: on/off, rules, passwords.
fn same_user(a: &UserFacts, b: &UserFacts) -> (bool, bool) {
    let rules = a.enabled() == b.enabled()
        && a.nopass() == b.nopass()
        && same_rules(&a.commands, &b.commands)
        && same_rules(&a.keys, &b.keys)
        && same_rules(&a.channels, &b.channels);
    let mut pa = a.password_hashes.clone();
    let mut pb = b.password_hashes.clone();
    pa.sort();
    pb.sort();
    (rules, pa == pb)
}

fn clu02_users(s: &Subject) -> Vec<Finding> {
    let nodes: Vec<&NodeFacts> = s.servers().filter(|n| n.users.is_some()).collect();
    let mut names: Vec<&str> = nodes
        .iter()
        .flat_map(|n| n.users.iter().flatten().map(|u| u.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let have: Vec<(&NodeFacts, &UserFacts)> = nodes
            .iter()
            .filter_map(|n| Some((*n, n.user(name)?)))
            .collect();
        let missing: Vec<&str> = nodes
            .iter()
            .filter(|n| n.user(name).is_none())
            .map(|n| n.address.as_str())
            .collect();
        // The reference is the form most nodes have.
        let Some(&(_, reference)) = have.iter().max_by_key(|(_, u)| {
            have.iter()
                .filter(|(_, v)| same_user(u, v) == (true, true))
                .count()
        }) else {
            continue;
        };
        let (mut rules, mut passwords) = (Vec::new(), Vec::new());
        for (n, u) in &have {
            let (same_rules, same_passwords) = same_user(reference, u);
            if !same_rules {
                rules.push(n.address.as_str());
            } else if !same_passwords {
                passwords.push(n.address.as_str());
            }
        }
        let mut said = Vec::new();
        if !missing.is_empty() {
            said.push(format!("missing on {}", list(&missing)));
        }
        if !rules.is_empty() {
            said.push(format!(
                "other rules on {} than on the rest ({} {})",
                list(&rules),
                reference.commands,
                reference.keys
            ));
        }
        if !passwords.is_empty() {
            said.push(format!("other passwords on {}", list(&passwords)));
        }
        if said.is_empty() {
            continue;
        }
        let odd = [missing, rules, passwords]
            .concat()
            .into_iter()
            .map(String::from)
            .collect();
        out.push(
            Finding::new(format!(
                "user '{name}' is {}: a client sent to another node by MOVED or a failover is \
                 refused there or gets other rights.",
                said.join("; ")
            ))
            .on(odd),
        );
    }
    out
}

/// Whether the node's bus runs over TLS.
fn tls_bus(n: &NodeFacts) -> bool {
    n.config("tls-cluster") == Some("yes")
}

fn bus_port(s: &Subject, n: &NodeFacts) -> String {
    s.audit
        .cluster
        .as_ref()
        .and_then(|c| c.node(&n.address))
        .map_or("?".into(), |c| c.bus_port.to_string())
}

fn clu03_bus_exposure(s: &Subject) -> Vec<Finding> {
    let (mut wide, mut private) = (Vec::new(), Vec::new());
    let (mut wide_nodes, mut private_nodes) = (Vec::new(), Vec::new());
    for n in s.servers().filter(|n| !tls_bus(n)) {
        let announced = n
            .config("cluster-announce-ip")
            .filter(|ip| !ip.is_empty())
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .filter(|ip| match ip {
                IpAddr::V4(v4) => !(v4.is_private() || v4.is_loopback() || v4.is_link_local()),
                IpAddr::V6(v6) => !(v6.is_loopback() || v6.is_unique_local()),
            });
        let port = bus_port(s, n);
        let at = match (reach(n), announced) {
            (_, Some(ip)) => Some((
                true,
                format!("{} announces the public {ip} (bus port {port})", n.address),
            )),
            (Some(Reach::Everywhere(bind)), _) => Some((
                true,
                format!("{} (bus port {port}, bind {bind})", n.address),
            )),
            (Some(Reach::Public(addrs)), _) => Some((
                true,
                format!("{} (bus port {port} on {})", n.address, list(&addrs)),
            )),
            (Some(Reach::Private(addrs)), _) => Some((
                false,
                format!("{} (bus port {port} on {})", n.address, list(&addrs)),
            )),
            (Some(Reach::Local) | None, None) => None,
        };
        match at {
            Some((true, e)) => {
                wide.push(e);
                wide_nodes.push(n.address.clone());
            }
            Some((false, e)) => {
                private.push(e);
                private_nodes.push(n.address.clone());
            }
            None => {}
        }
    }
    const WHY: &str = "the cluster bus has no authentication (requirepass, ACLs and \
                       protected-mode do not apply to it) and tls-cluster is off, so anyone \
                       who reaches a bus port can MEET the node and take over slots";
    let mut out = Vec::new();
    if !wide.is_empty() {
        out.push(
            Finding::new(format!(
                "the bus listens beyond private networks on {}: {WHY}.",
                list(&wide)
            ))
            .on(wide_nodes),
        );
    }
    if !private.is_empty() {
        out.push(
            Finding::new(format!(
                "the bus listens on private addresses on {}: {WHY}; only the cluster's hosts \
                 should reach it.",
                list(&private)
            ))
            .at(Severity::Low)
            .on(private_nodes),
        );
    }
    out
}

fn clu04_plaintext_bus(s: &Subject) -> Vec<Finding> {
    let nodes: Vec<String> = s
        .servers()
        .filter(|n| {
            n.config("tls-port")
                .is_some_and(|p| !p.is_empty() && p != "0")
        })
        .filter(|n| !tls_bus(n))
        .map(|n| n.address.clone())
        .collect();
    if nodes.is_empty() {
        return vec![];
    }
    vec![Finding::new(format!(
        "{} serve clients over TLS but have tls-cluster no: gossip, failover votes and the keys \
         MIGRATE moves during resharding cross the network in plaintext.",
        list(&nodes)
    ))
    .on(nodes)]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{ClusterReported, evaluate_cluster};
    use crate::harden::facts::{AuditFacts, ClusterFacts, ClusterNodeFacts, NodeFacts};

    /// Three hardened masters of a cluster on loopback.
    fn cluster(nodes: Vec<NodeFacts>) -> AuditFacts {
        let places = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| ClusterNodeFacts {
                address: n.address.clone(),
                id: format!("id{i}"),
                role: "master".into(),
                master: None,
                ip: "127.0.0.1".into(),
                hostname: None,
                ports: vec![7000 + i as u16],
                bus_port: 17000 + i as u16,
                slots: String::new(),
            })
            .collect();
        let mut a = audit(nodes);
        a.cluster = Some(ClusterFacts {
            url: "redis-cluster://127.0.0.1:7000".into(),
            nodes: places,
            problems: vec![],
        });
        a
    }

    fn node(i: u16) -> NodeFacts {
        let mut n = server();
        n.address = format!("127.0.0.1:{}", 7000 + i);
        set(&mut n, "tls-cluster", "no");
        n
    }

    fn found(a: &AuditFacts) -> Vec<ClusterReported> {
        evaluate_cluster(a)
    }

    #[test]
    fn an_identical_hardened_cluster_has_no_cluster_finding() {
        assert!(found(&cluster(vec![node(0), node(1), node(2)])).is_empty());
        // Not a cluster: the cluster checks do not run.
        assert!(evaluate_cluster(&audit(vec![node(0)])).is_empty());
    }

    #[test]
    fn one_node_with_another_setting_is_named() {
        let mut odd = node(2);
        set(&mut odd, "cluster-require-full-coverage", "no");
        let mut nodes = vec![node(0), node(1), odd];
        for n in &mut nodes[..2] {
            set(n, "cluster-require-full-coverage", "yes");
        }
        let f = found(&cluster(nodes));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].finding.id, "CLU-01");
        assert_eq!(f[0].nodes, ["127.0.0.1:7002"]);
        assert_eq!(f[0].finding.severity, super::Severity::Medium);
        assert!(
            f[0].finding
                .evidence
                .contains("yes on 127.0.0.1:7000 and 127.0.0.1:7001; no on 127.0.0.1:7002"),
            "{}",
            f[0].finding.evidence
        );
    }

    #[test]
    fn users_missing_or_different_on_some_nodes() {
        let mut a = node(0);
        let mut b = node(1);
        let c = node(2);
        put_user(&mut a, user("app", "on >pw ~* +@read"));
        put_user(&mut b, user("app", "on >pw ~* +@all"));
        let f = found(&cluster(vec![a, b, c]));
        let clu02: Vec<_> = f.iter().filter(|f| f.finding.id == "CLU-02").collect();
        assert_eq!(clu02.len(), 1, "{f:?}");
        let e = &clu02[0].finding.evidence;
        assert!(
            e.contains("user 'app'") && e.contains("missing on 127.0.0.1:7002"),
            "{e}"
        );
        assert!(e.contains("other rules on"), "{e}");
        assert_eq!(clu02[0].nodes.len(), 2);
    }

    #[test]
    fn the_bus_beyond_loopback_without_tls() {
        let mut nodes = vec![node(0), node(1), node(2)];
        set(&mut nodes[0], "bind", "* -::*");
        set(&mut nodes[1], "bind", "10.0.0.5 127.0.0.1");
        let f = found(&cluster(nodes.clone()));
        let ids: Vec<(&str, super::Severity, Vec<String>)> = f
            .iter()
            .map(|f| (f.finding.id, f.finding.severity, f.nodes.clone()))
            .collect();
        assert_eq!(
            ids,
            [
                (
                    "CLU-03",
                    super::Severity::High,
                    vec!["127.0.0.1:7000".to_string()]
                ),
                (
                    "CLU-03",
                    super::Severity::Low,
                    vec!["127.0.0.1:7001".to_string()]
                ),
            ]
        );
        assert!(f[0].finding.evidence.contains("bus port 17000"), "{f:?}");
        // With tls-cluster the bus needs client certificates: nothing to report about it;
        // but then all nodes must have it.
        for n in &mut nodes {
            set(n, "tls-cluster", "yes");
        }
        assert!(found(&cluster(nodes)).is_empty());
    }

    #[test]
    fn tls_clients_with_a_plaintext_bus() {
        let mut nodes = vec![node(0), node(1)];
        for n in &mut nodes {
            set(n, "tls-port", "7100");
        }
        let f = found(&cluster(nodes));
        assert_eq!(f[0].finding.id, "CLU-04");
        assert_eq!(f[0].nodes.len(), 2);
    }
}
