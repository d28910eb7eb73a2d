//! Planning `tls enable` and `tls rotate` for one node: pure functions from what the node
//! reports ([`NodeFacts`]) and the operator's options to an ordered list of [`Step`]s, each
//! with its undo. `--dry-run` prints the plan; `exec` applies it and, when a step or the
//! verification fails, runs the undos of the steps already done in reverse.
//!
//! Order (notes §5.3): the certificate files and the TLS port go in one `CONFIG SET`, which
//! Redis 7 applies atomically (a file the server cannot read fails the whole command, and
//! Redis only loads the files once a TLS port is set); then a fresh TLS connection proves the
//! port works; only then replication moves to TLS and the plaintext port closes; `CONFIG
//! REWRITE` persists last.

use crate::target::HostPort;
use std::collections::BTreeMap;
use std::fmt;

/// The `CONFIG GET` keys a plan reads and may change.
pub const CONFIG_KEYS: [&str; 8] = [
    "port",
    "tls-port",
    "tls-cert-file",
    "tls-key-file",
    "tls-ca-cert-file",
    "tls-auth-clients",
    "tls-replication",
    "tls-protocols",
];

/// TLS 1.0 and 1.1 are broken; Redis' own default when the value is empty.
pub const PROTOCOLS: &str = "TLSv1.2 TLSv1.3";

/// What a node reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    /// The [`CONFIG_KEYS`] values.
    pub config: BTreeMap<String, String>,
    /// `config_file` from `INFO server`; empty when started without one.
    pub config_file: String,
    /// The master this node replicates from, if it is a replica.
    pub master: Option<HostPort>,
    /// `connected_slaves` from `INFO replication`.
    pub replicas: u64,
}

impl NodeFacts {
    fn get(&self, key: &str) -> &str {
        self.config.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn port(&self, key: &str) -> u16 {
        self.get(key).parse().unwrap_or(0)
    }

    /// What the node will report once `plan` ran: for planning the next stage of a group
    /// change before anything is applied.
    pub fn after(&self, plan: &Plan) -> NodeFacts {
        let mut next = self.clone();
        for step in &plan.steps {
            match &step.action {
                Action::Set(pairs) => {
                    for (k, v) in pairs {
                        next.config.insert(k.clone(), v.clone());
                    }
                }
                Action::ReplicaOf(hp) => next.master = Some(hp.clone()),
                Action::WaitLink | Action::Verify { .. } | Action::Rewrite => {}
            }
        }
        next
    }
}

/// One change to a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `CONFIG SET k v [k v …]` (atomic on Redis 7).
    Set(Vec<(String, String)>),
    /// `REPLICAOF host port`.
    ReplicaOf(HostPort),
    /// Wait until `master_link_status:up`.
    WaitLink,
    /// A fresh TLS connection with the CA and client certificate to this port: PING, and the
    /// same run_id as the node being changed.
    Verify { tls_port: u16 },
    /// `CONFIG REWRITE`.
    Rewrite,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Set(pairs) => {
                f.write_str("CONFIG SET")?;
                for (k, v) in pairs {
                    if v.is_empty() || v.contains(' ') {
                        write!(f, " {k} \"{v}\"")?;
                    } else {
                        write!(f, " {k} {v}")?;
                    }
                }
                Ok(())
            }
            Action::ReplicaOf(hp) => write!(f, "REPLICAOF {} {}", hp.host, hp.port),
            Action::WaitLink => f.write_str("wait for master_link_status:up"),
            Action::Verify { tls_port } => write!(
                f,
                "verify: fresh TLS connection to port {tls_port} with the CA and client \
                 certificate, same run_id"
            ),
            Action::Rewrite => f.write_str("CONFIG REWRITE"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    /// What puts the runtime state back; `None` for checks and for persisting.
    pub undo: Option<Action>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Things the operator must know (what the plan does not do, and why).
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether any step changes the node (checks and `CONFIG REWRITE` alone do not).
    pub fn changes(&self) -> bool {
        self.steps.iter().any(|s| s.undo.is_some())
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            out.push_str(&format!("{:>2}. {}\n", i + 1, step.action));
            if let Some(undo) = &step.undo {
                out.push_str(&format!("    undo: {undo}\n"));
            }
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out
    }

    /// A `CONFIG SET` of only the values that differ, undone by the current values.
    fn set(&mut self, facts: &NodeFacts, wanted: &[(&str, String)]) {
        let changed: Vec<(String, String)> = wanted
            .iter()
            .filter(|(k, v)| facts.get(k) != v)
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        if changed.is_empty() {
            return;
        }
        let undo = changed
            .iter()
            .map(|(k, _)| (k.clone(), facts.get(k).to_string()))
            .collect();
        self.steps.push(Step {
            action: Action::Set(changed),
            undo: Some(Action::Set(undo)),
        });
    }

    fn verify(&mut self, tls_port: u16) {
        self.steps.push(Step {
            action: Action::Verify { tls_port },
            undo: None,
        });
    }

    fn persist(&mut self, facts: &NodeFacts) {
        if facts.config_file.is_empty() {
            self.notes.push(
                "the server runs without a config file: the changes are lost at restart. Add \
                 the tls-* lines to the file it will start with."
                    .into(),
            );
        } else {
            self.steps.push(Step {
                action: Action::Rewrite,
                undo: None,
            });
        }
    }
}

/// Where the certificate files are, as paths on the server's host.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerFiles {
    pub cert: String,
    pub key: String,
    pub ca: Option<String>,
}

/// `{host}` and `{port}` in a per-node template (a path, a unit name, a command) replaced by
/// the address redisops reaches the node at.
pub fn expand(template: &str, node: &HostPort) -> String {
    template
        .replace("{host}", &node.host)
        .replace("{port}", &node.port.to_string())
}

impl ServerFiles {
    /// The paths for one node: `{host}` and `{port}` replaced by the address redisops reaches
    /// it at, so that one flag names every node's own certificate in a group.
    pub fn for_node(&self, node: &HostPort) -> ServerFiles {
        ServerFiles {
            cert: expand(&self.cert, node),
            key: expand(&self.key, node),
            ca: self.ca.as_deref().map(|ca| expand(ca, node)),
        }
    }

    pub fn is_template(&self) -> bool {
        [Some(&self.cert), Some(&self.key), self.ca.as_ref()]
            .into_iter()
            .flatten()
            .any(|p| p.contains("{host}") || p.contains("{port}"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnableOptions {
    pub files: ServerFiles,
    /// The TLS port to open; `None` keeps the current one.
    pub tls_port: Option<u16>,
    pub disable_plaintext: bool,
    /// For a replica: its master's TLS port, to move replication to TLS.
    pub master_tls_port: Option<u16>,
}

/// Plans turning TLS on for one node. Errors are usage errors (nothing to do safely).
pub fn enable(facts: &NodeFacts, opts: &EnableOptions) -> Result<Plan, String> {
    let tls_port = match (opts.tls_port, facts.port("tls-port")) {
        (Some(p), _) if p != 0 => p,
        (_, current) if current != 0 => current,
        _ => return Err("the server has no TLS port yet: give --tls-port N".into()),
    };
    let plain_port = facts.port("port");
    if tls_port == plain_port {
        return Err(format!(
            "--tls-port {tls_port} is the plaintext port: use another port for TLS during the \
             migration"
        ));
    }
    let Some(ca) = &opts.files.ca else {
        return Err("give --server-ca: Redis needs a CA to verify client certificates".into());
    };
    let mut plan = Plan::default();
    plan.set(
        facts,
        &[
            ("tls-cert-file", opts.files.cert.clone()),
            ("tls-key-file", opts.files.key.clone()),
            ("tls-ca-cert-file", ca.clone()),
            ("tls-auth-clients", "yes".into()),
            ("tls-protocols", PROTOCOLS.into()),
            ("tls-port", tls_port.to_string()),
        ],
    );
    plan.verify(tls_port);
    match (&facts.master, opts.master_tls_port) {
        (Some(master), Some(mport)) => {
            plan.set(facts, &[("tls-replication", "yes".into())]);
            if master.port != mport {
                plan.steps.push(Step {
                    action: Action::ReplicaOf(HostPort {
                        host: master.host.clone(),
                        port: mport,
                    }),
                    undo: Some(Action::ReplicaOf(master.clone())),
                });
            }
            plan.steps.push(Step {
                action: Action::WaitLink,
                undo: None,
            });
        }
        (Some(master), None) => plan.notes.push(format!(
            "replication from {master} stays in plaintext: once the master has a TLS port, run \
             tls enable on this replica again with --master-tls-port N"
        )),
        // A master with replicas replicates over TLS itself after a failover.
        (None, _) if facts.replicas > 0 => {
            plan.set(facts, &[("tls-replication", "yes".into())]);
        }
        (None, Some(_)) => {
            return Err("--master-tls-port is for replicas, and this node is a master".into());
        }
        (None, None) => {}
    }
    if opts.disable_plaintext && plain_port != 0 {
        plan.set(facts, &[("port", "0".into())]);
    } else if plain_port != 0 {
        plan.notes.push(format!(
            "the plaintext port {plain_port} stays open: move clients to TLS, then run again \
             with --disable-plaintext"
        ));
    }
    plan.persist(facts);
    Ok(plan)
}

/// Plans a certificate rotation: set the files again (the same path reloads the file,
/// Redis 7.0.1+), verify, persist when a path changed.
pub fn rotate(facts: &NodeFacts, files: &ServerFiles) -> Result<Plan, String> {
    let tls_port = facts.port("tls-port");
    if tls_port == 0 {
        return Err("the server has no TLS port: use tls enable first".into());
    }
    let mut pairs = vec![
        ("tls-cert-file".to_string(), files.cert.clone()),
        ("tls-key-file".to_string(), files.key.clone()),
    ];
    if let Some(ca) = &files.ca {
        pairs.push(("tls-ca-cert-file".to_string(), ca.clone()));
    }
    let paths_changed = pairs.iter().any(|(k, v)| facts.get(k) != v);
    let undo = pairs
        .iter()
        .map(|(k, _)| (k.clone(), facts.get(k).to_string()))
        .collect();
    let mut plan = Plan::default();
    plan.steps.push(Step {
        action: Action::Set(pairs),
        undo: Some(Action::Set(undo)),
    });
    plan.verify(tls_port);
    if paths_changed {
        plan.persist(facts);
    } else {
        plan.notes.push(
            "same paths: the files were reloaded; if they were replaced in place, an undo \
             reloads the new files too"
                .into(),
        );
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> NodeFacts {
        let mut config: BTreeMap<String, String> = CONFIG_KEYS
            .iter()
            .map(|k| (k.to_string(), String::new()))
            .collect();
        config.insert("port".into(), "6379".into());
        config.insert("tls-port".into(), "0".into());
        config.insert("tls-auth-clients".into(), "yes".into());
        config.insert("tls-replication".into(), "no".into());
        for (k, v) in pairs {
            config.insert(k.to_string(), v.to_string());
        }
        NodeFacts {
            config,
            config_file: "/etc/redis/redis.conf".into(),
            master: None,
            replicas: 0,
        }
    }

    fn opts() -> EnableOptions {
        EnableOptions {
            files: ServerFiles {
                cert: "/etc/redis/tls/n.crt".into(),
                key: "/etc/redis/tls/n.key".into(),
                ca: Some("/etc/redis/tls/ca.crt".into()),
            },
            tls_port: Some(6380),
            disable_plaintext: false,
            master_tls_port: None,
        }
    }

    fn actions(plan: &Plan) -> Vec<String> {
        plan.steps.iter().map(|s| s.action.to_string()).collect()
    }

    #[test]
    fn standalone_master_files_port_verify_rewrite() {
        let plan = enable(&facts(&[]), &opts()).unwrap();
        assert_eq!(
            actions(&plan),
            [
                "CONFIG SET tls-cert-file /etc/redis/tls/n.crt tls-key-file /etc/redis/tls/n.key \
                 tls-ca-cert-file /etc/redis/tls/ca.crt tls-protocols \"TLSv1.2 TLSv1.3\" \
                 tls-port 6380",
                "verify: fresh TLS connection to port 6380 with the CA and client certificate, \
                 same run_id",
                "CONFIG REWRITE",
            ]
        );
        assert_eq!(
            plan.steps[0].undo.as_ref().unwrap().to_string(),
            "CONFIG SET tls-cert-file \"\" tls-key-file \"\" tls-ca-cert-file \"\" \
             tls-protocols \"\" tls-port 0"
        );
        assert!(plan.notes[0].contains("plaintext port 6379 stays open"));
    }

    #[test]
    fn disable_plaintext_comes_after_verification() {
        let mut o = opts();
        o.disable_plaintext = true;
        let plan = enable(&facts(&[]), &o).unwrap();
        let a = actions(&plan);
        assert!(a[1].starts_with("verify"));
        assert_eq!(a[2], "CONFIG SET port 0");
        assert_eq!(
            plan.steps[2].undo,
            Some(Action::Set(vec![("port".into(), "6379".into())]))
        );
        assert_eq!(a[3], "CONFIG REWRITE");
    }

    #[test]
    fn master_with_replicas_gets_tls_replication() {
        let mut f = facts(&[]);
        f.replicas = 2;
        let a = actions(&enable(&f, &opts()).unwrap());
        assert_eq!(a[2], "CONFIG SET tls-replication yes");
    }

    #[test]
    fn replica_moves_its_link_only_with_the_masters_tls_port() {
        let mut f = facts(&[]);
        f.master = Some(HostPort {
            host: "10.0.0.5".into(),
            port: 6379,
        });
        let plan = enable(&f, &opts()).unwrap();
        assert!(!actions(&plan).iter().any(|a| a.contains("replication")));
        assert!(plan.notes[0].contains("stays in plaintext"));

        let mut o = opts();
        o.master_tls_port = Some(6380);
        let plan = enable(&f, &o).unwrap();
        let a = actions(&plan);
        assert_eq!(a[2], "CONFIG SET tls-replication yes");
        assert_eq!(a[3], "REPLICAOF 10.0.0.5 6380");
        assert_eq!(
            plan.steps[3].undo,
            Some(Action::ReplicaOf(HostPort {
                host: "10.0.0.5".into(),
                port: 6379
            }))
        );
        assert_eq!(a[4], "wait for master_link_status:up");
    }

    #[test]
    fn already_enabled_only_verifies_and_persists() {
        let f = facts(&[
            ("tls-port", "6380"),
            ("tls-cert-file", "/etc/redis/tls/n.crt"),
            ("tls-key-file", "/etc/redis/tls/n.key"),
            ("tls-ca-cert-file", "/etc/redis/tls/ca.crt"),
            ("tls-protocols", PROTOCOLS),
        ]);
        let mut o = opts();
        o.tls_port = None;
        let a = actions(&enable(&f, &o).unwrap());
        assert_eq!(a.len(), 2);
        assert!(a[0].starts_with("verify"));
    }

    #[test]
    fn refusals() {
        let mut o = opts();
        o.tls_port = None;
        assert!(enable(&facts(&[]), &o).unwrap_err().contains("--tls-port"));
        o.tls_port = Some(6379);
        assert!(
            enable(&facts(&[]), &o)
                .unwrap_err()
                .contains("plaintext port")
        );
        let mut o = opts();
        o.master_tls_port = Some(1);
        assert!(enable(&facts(&[]), &o).is_err());
        assert!(rotate(&facts(&[]), &o.files).is_err());
    }

    #[test]
    fn after_applies_sets_and_replicaof() {
        let mut f = facts(&[]);
        f.master = Some(HostPort {
            host: "10.0.0.5".into(),
            port: 6379,
        });
        let mut o = opts();
        o.master_tls_port = Some(6380);
        let plan = enable(&f, &o).unwrap();
        let next = f.after(&plan);
        assert_eq!(next.port("tls-port"), 6380);
        assert_eq!(next.master.as_ref().unwrap().port, 6380);
        assert!(!enable(&next, &o).unwrap().changes());
    }

    #[test]
    fn files_expand_host_and_port() {
        let files = ServerFiles {
            cert: "/tls/{host}-{port}.crt".into(),
            key: "/tls/{host}.key".into(),
            ca: Some("/tls/ca.crt".into()),
        };
        assert!(files.is_template());
        let node = files.for_node(&HostPort {
            host: "10.0.0.5".into(),
            port: 6379,
        });
        assert_eq!(node.cert, "/tls/10.0.0.5-6379.crt");
        assert_eq!(node.key, "/tls/10.0.0.5.key");
        assert!(!node.is_template());
    }

    #[test]
    fn rotate_sets_the_files_even_when_unchanged() {
        let f = facts(&[
            ("tls-port", "6380"),
            ("tls-cert-file", "/etc/redis/tls/n.crt"),
            ("tls-key-file", "/etc/redis/tls/n.key"),
        ]);
        let mut files = opts().files;
        files.ca = None;
        let plan = rotate(&f, &files).unwrap();
        assert_eq!(
            actions(&plan)[0],
            "CONFIG SET tls-cert-file /etc/redis/tls/n.crt tls-key-file /etc/redis/tls/n.key"
        );
        assert_eq!(plan.steps.len(), 2);
        files.cert = "/etc/redis/tls/n2.crt".into();
        assert_eq!(actions(&rotate(&f, &files).unwrap())[2], "CONFIG REWRITE");
    }
}
