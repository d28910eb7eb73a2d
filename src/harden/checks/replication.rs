//! REPL and SENT: the links that keep a group working. Replication credentials on every node
//! (the master becomes a replica after a failover), read-only replicas, an unexpected
//! master, and the Sentinels' own exposure and credentials.

use super::exposure::probe_evidence;
use super::{Category, Check, Finding, Scope, Severity, Subject, list};

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "REPL-01",
        title: "masterauth/masteruser missing although the master requires a password",
        category: Category::Replication,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "On every node, the master included: CONFIG SET masteruser <replication \
                      user> masterauth <password>; CONFIG REWRITE",
        run: repl01_masterauth,
    },
    Check {
        id: "REPL-02",
        title: "Replication logs in as the default or an all-powerful user",
        category: Category::Replication,
        severity: Severity::Low,
        graded: None,
        scope: Scope::Server,
        remediation: "A dedicated user: ACL SETUSER replica on >… -@all +psync +replconf +ping, \
                      then CONFIG SET masteruser replica",
        run: repl02_replication_user,
    },
    Check {
        id: "REPL-03",
        title: "Writable replicas (replica-read-only no)",
        category: Category::Replication,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET replica-read-only yes",
        run: repl03_read_only,
    },
    Check {
        id: "REPL-04",
        title: "Replicating from an unexpected master",
        category: Category::Replication,
        severity: Severity::Critical,
        graded: Some("info for a single replica, whose expected master is unknown"),
        scope: Scope::Server,
        remediation: "If not intended: REPLICAOF <the right master> (or NO ONE) and treat it \
                      as an incident (rogue-master attack)",
        run: repl04_unexpected_master,
    },
    Check {
        id: "SENT-01",
        title: "Sentinel accepts clients without a password",
        category: Category::Sentinel,
        severity: Severity::High,
        graded: None,
        scope: Scope::Sentinel,
        remediation: "On every Sentinel: ACL SETUSER admin on >… allchannels +@all, ACL \
                      SETUSER default off, SENTINEL CONFIG SET sentinel-user admin \
                      sentinel-pass …, SENTINEL FLUSHCONFIG",
        run: sent01_unauthenticated,
    },
    Check {
        id: "SENT-02",
        title: "Sentinel cannot authenticate to the master (auth-pass missing or wrong)",
        category: Category::Sentinel,
        severity: Severity::High,
        graded: None,
        scope: Scope::Sentinel,
        remediation: "SENTINEL SET <master> auth-user <user> auth-pass <password> on every \
                      Sentinel",
        run: sent02_auth_pass,
    },
    Check {
        id: "SENT-03",
        title: "The Sentinels' user may not run the failover commands",
        category: Category::Sentinel,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "ACL SETUSER <sentinel user> resetchannels &__sentinel__:hello +multi \
                      +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info \
                      +client|setname +client|kill +script|kill",
        run: sent03_failover_rights,
    },
    Check {
        id: "SENT-04",
        title: "Sentinel allows reconfiguring scripts (deny-scripts-reconfig no)",
        category: Category::Sentinel,
        severity: Severity::High,
        graded: None,
        scope: Scope::Sentinel,
        remediation: "deny-scripts-reconfig yes in sentinel.conf, then restart the Sentinel",
        run: sent04_scripts_reconfig,
    },
    Check {
        id: "SENT-05",
        title: "CONFIG or SLAVEOF renamed on a Sentinel-managed node",
        category: Category::Sentinel,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "SENTINEL SET <master> rename-command CONFIG <new> (and SLAVEOF) on every \
                      Sentinel, or replace the renames with ACLs",
        run: sent05_renamed_for_sentinel,
    },
];

/// The node whose password this node's replication must know: the master; in a cluster,
/// where any node may become this one's master after a failover, its master or itself or
/// else any node that requires a password.
fn demanding<'a>(s: &'a Subject) -> Option<&'a crate::harden::facts::NodeFacts> {
    let open = |n: &&crate::harden::facts::NodeFacts| n.open_without_password();
    if s.audit.cluster.is_some() {
        return s
            .master()
            .filter(|m| !open(m))
            .or_else(|| s.servers().find(|n| !open(n)));
    }
    let has_replicas = s.node.info("connected_slaves").is_some_and(|n| n != "0");
    if !(s.in_sentinel_group() || s.node.role == "slave" || has_replicas) {
        return None;
    }
    s.master().filter(|m| !open(m))
}

fn repl01_masterauth(s: &Subject) -> Vec<Finding> {
    let Some(master) = demanding(s) else {
        return vec![];
    };
    let when = if s.node.role == "slave" {
        "this replica cannot sync"
    } else {
        "after a failover this node cannot sync from the new master"
    };
    if !s.node.secrets.contains_key("masterauth") {
        let who = if s.audit.cluster.is_some() {
            "the cluster node"
        } else {
            "the master"
        };
        return vec![Finding::new(format!(
            "{who} {} requires a password but masterauth is empty: {when}.",
            master.address
        ))];
    }
    let masteruser_empty = s.node.config("masteruser").is_none_or(str::is_empty);
    if masteruser_empty && master.user("default").is_some_and(|d| !d.enabled()) {
        return vec![Finding::new(format!(
            "masterauth is set but masteruser is empty, and the default user of {} is off: \
             AUTH as default fails, so {when}.",
            master.address
        ))];
    }
    vec![]
}

fn repl02_replication_user(s: &Subject) -> Vec<Finding> {
    let Some(user) = s.node.config("masteruser").filter(|u| !u.is_empty()) else {
        return vec![];
    };
    let powerful = user == "default"
        || s.is_admin(user)
        || s.node.user(user).is_some_and(|u| u.all_powerful());
    if !powerful {
        return vec![];
    }
    vec![Finding::new(format!(
        "masteruser is '{user}', which can do far more than replicate: its password is on \
         every node in clear (CONFIG GET masterauth)."
    ))]
}

fn repl03_read_only(s: &Subject) -> Vec<Finding> {
    if s.node.config("replica-read-only") != Some("no") {
        return vec![];
    }
    if !(s.in_sentinel_group() || s.node.role == "slave") {
        return vec![];
    }
    vec![Finding::new(
        "replica-read-only is no: writes to a replica diverge from the master and vanish at \
         the next sync.",
    )]
}

fn repl04_unexpected_master(s: &Subject) -> Vec<Finding> {
    if s.node.role != "slave" {
        return vec![];
    }
    let (Some(host), Some(port)) = (s.node.info("master_host"), s.node.info("master_port")) else {
        return vec![];
    };
    let actual = format!("{host}:{port}");
    if let Some(expected) = cluster_master(s) {
        let (ip, hostname, ports) = expected;
        let same_host = host == ip || hostname.is_some_and(|h| h == host);
        if same_host && port.parse().is_ok_and(|p: u16| ports.contains(&p)) {
            return vec![];
        }
        return vec![Finding::new(format!(
            "this replica follows {actual}, but the cluster says its master is {ip} (ports {})",
            ports
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))];
    }
    match &s.audit.group {
        Some(g) if g.master != actual => vec![Finding::new(format!(
            "this replica follows {actual}, but the Sentinels report {} as the master of '{}'.",
            g.master, g.master_name
        ))],
        Some(_) => vec![],
        None => vec![
            Finding::new(format!(
                "this node replicates from {actual}; confirm that is intended (a rogue \
                 REPLICAOF replaces the dataset)."
            ))
            .at(Severity::Info),
        ],
    }
}

/// In a cluster: the announced IP, hostname and client ports of this replica's master.
fn cluster_master<'a>(s: &'a Subject) -> Option<(&'a str, Option<&'a str>, &'a [u16])> {
    let c = s.audit.cluster.as_ref()?;
    let master = c.by_id(c.node(&s.node.address)?.master.as_deref()?)?;
    Some((&master.ip, master.hostname.as_deref(), &master.ports))
}

fn sent01_unauthenticated(s: &Subject) -> Vec<Finding> {
    if !s.node.open_without_password() {
        return vec![];
    }
    vec![Finding::new(format!(
        "the Sentinel's default user needs no password: anyone who can connect can read the \
         topology, and SENTINEL SET or FAILOVER it.{}",
        probe_evidence(s.node)
    ))]
}

fn sent02_auth_pass(s: &Subject) -> Vec<Finding> {
    let Some(master) = s.master() else {
        return vec![];
    };
    let Some(view) = &s.node.monitored_master else {
        return vec![];
    };
    if master.open_without_password() {
        return vec![];
    }
    let flags = view.get("flags").map(String::as_str).unwrap_or("");
    let down = ["s_down", "o_down", "disconnected"]
        .iter()
        .any(|f| flags.split(',').any(|x| x == *f));
    let ms = |k: &str| view.get(k).and_then(|v| v.parse::<u64>().ok());
    let silent = matches!(
        (ms("last-ok-ping-reply"), ms("down-after-milliseconds")),
        (Some(last), Some(limit)) if last > limit
    );
    if !(down || silent) {
        return vec![];
    }
    vec![Finding::new(format!(
        "the master {} requires a password and this Sentinel reports it as '{flags}' (last \
         good ping {} ms ago): its auth-pass/auth-user is probably missing or wrong.",
        master.address,
        ms("last-ok-ping-reply").map_or("?".to_string(), |v| v.to_string())
    ))]
}

fn sent03_failover_rights(s: &Subject) -> Vec<Finding> {
    s.node
        .sentinel_clients
        .iter()
        .flatten()
        .filter_map(|c| {
            let denied = c.denied.as_ref().filter(|d| !d.is_empty())?;
            Some(Finding::new(format!(
                "Sentinels log in as '{}', which may not run {}: a failover would abort.",
                c.user,
                list(denied)
            )))
        })
        .collect()
}

fn sent04_scripts_reconfig(s: &Subject) -> Vec<Finding> {
    if s.node.scripts_reconfig_denied != Some(false) {
        return vec![];
    }
    vec![Finding::new(
        "a probe SENTINEL SET … client-reconfig-script with a missing path was checked for the \
         path instead of refused: deny-scripts-reconfig is off, so anyone allowed SENTINEL SET \
         can make the Sentinel run a program.",
    )]
}

fn sent05_renamed_for_sentinel(s: &Subject) -> Vec<Finding> {
    if !s.in_sentinel_group() {
        return vec![];
    }
    let renamed: Vec<&String> = s
        .node
        .renamed_commands
        .iter()
        .flatten()
        .filter(|c| *c == "CONFIG" || *c == "SLAVEOF")
        .collect();
    if renamed.is_empty() {
        return vec![];
    }
    vec![Finding::new(format!(
        "{} renamed on this node; the Sentinels' rename-command mapping cannot be read over \
         the wire, and without it a failover aborts.",
        list(&renamed)
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::harden::facts::{
        AuditFacts, GroupFacts, NodeFacts, SecretFacts, SentinelClientFacts,
    };

    fn group(master: NodeFacts, others: Vec<NodeFacts>) -> AuditFacts {
        let mut a = audit([vec![master], others].concat());
        a.group = Some(GroupFacts {
            master_name: "mymaster".into(),
            master: "127.0.0.1:6379".into(),
        });
        a
    }

    fn replica(port: u16, master: &str) -> NodeFacts {
        let mut r = server();
        r.address = format!("127.0.0.1:{port}");
        r.role = "slave".into();
        let (h, p) = master.split_once(':').unwrap();
        r.info.insert("master_host".into(), h.into());
        r.info.insert("master_port".into(), p.into());
        r
    }

    /// Replication credentials, as every node of a group needs.
    fn with_masterauth(mut n: NodeFacts) -> NodeFacts {
        n.secrets.insert(
            "masterauth".into(),
            SecretFacts {
                length: 32,
                sha256: "x".into(),
            },
        );
        set(&mut n, "masteruser", "replica");
        n
    }

    #[test]
    fn hardened_group_is_clean() {
        let r = with_masterauth(replica(6380, "127.0.0.1:6379"));
        let m = with_masterauth(server());
        assert!(ids(&group(m, vec![r, sentinel("127.0.0.1:26379")])).is_empty());
    }

    #[test]
    fn missing_replication_credentials_and_wrong_master() {
        let r = replica(6380, "203.0.113.9:6379");
        let mut s = sentinel("127.0.0.1:26379");
        s.monitored_master
            .as_mut()
            .unwrap()
            .insert("flags".into(), "master,s_down".into());
        let found = ids(&group(server(), vec![r, s]));
        assert_eq!(found, ["REPL-01", "REPL-04", "SENT-02"]);
    }

    #[test]
    fn sentinel_side() {
        let mut m = with_masterauth(server());
        m.sentinel_clients = Some(vec![SentinelClientFacts {
            user: "sentinel".into(),
            denied: Some(vec!["CONFIG REWRITE".into()]),
        }]);
        m.renamed_commands = Some(vec!["CONFIG".into()]);
        let mut s = sentinel("127.0.0.1:26379");
        s.users = Some(vec![user("default", "on nopass ~* &* +@all")]);
        s.scripts_reconfig_denied = Some(false);
        let found = ids(&group(m, vec![s]));
        assert_eq!(
            found,
            [
                "CMD-03", "NET-02", "SENT-01", "SENT-03", "SENT-04", "SENT-05"
            ]
        );
    }
}
