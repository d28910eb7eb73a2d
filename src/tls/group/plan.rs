//! Planning `tls enable` for a Sentinel group: pure, from what the nodes and Sentinels
//! report ([`GroupFacts`]) to ordered [`Stage`]s that `--dry-run` prints.
//!
//! Order, and why (notes §5.5):
//! 1. Every replica, then the master: the single-node steps without moving anything (TLS
//!    port, verification, `tls-replication yes` on the master). Nothing depends on it yet.
//! 2. The Sentinels, one at a time: the TLS block in `sentinel.conf` and the master monitored
//!    on its TLS port, then a restart. Sentinel re-points a replica that replicates from any
//!    other port than the one it monitors (`+fix-slave-config`), so replication can only move
//!    to TLS once every Sentinel monitors the TLS port; and a Sentinel with
//!    `tls-replication yes` opens only TLS links, so it must monitor a TLS port.
//! 3. Every replica: `tls-replication yes`, `REPLICAOF <master> <tls-port>`, link up, then
//!    `port 0` with `--disable-plaintext`. Replicas now announce their TLS port.
//! 4. The master: `port 0` with `--disable-plaintext`.
//! 5. Every Sentinel, one at a time: `SENTINEL RESET`, so that it forgets the replicas at their
//!    old plaintext ports and rediscovers them (and its peers) at the TLS ports.

use crate::host::Supervisor;
use crate::target::HostPort;
use crate::tls::plan::{self, EnableOptions, NodeFacts, Plan, ServerFiles};
use crate::tls::sentinel_conf::{self, SentinelTls};
use std::fmt::Write as _;
use std::path::PathBuf;

/// A data node as the Sentinels list it, and what it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct DataNode {
    pub address: HostPort,
    pub facts: NodeFacts,
}

/// How a Sentinel's file can be changed and the Sentinel restarted.
#[derive(Debug, Clone, PartialEq)]
pub enum SentinelAccess {
    /// Its config file is on this host and it runs here: redisops edits and restarts it.
    Local {
        config_file: PathBuf,
        /// The file's current text.
        text: String,
        supervisor: Supervisor,
    },
    /// Elsewhere (or without a config file redisops can read): the operator does it.
    Remote {
        /// `config_file` from its `INFO server`, as a path on its host.
        config_file: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SentinelNode {
    /// Where redisops reaches it now.
    pub address: HostPort,
    pub access: SentinelAccess,
    /// The master address this Sentinel monitors.
    pub monitors: HostPort,
    /// Reached over TLS (a `rediss-sentinel://` target, or already moved by an earlier run).
    pub tls: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupFacts {
    pub master_name: String,
    pub quorum: u32,
    pub master: DataNode,
    pub replicas: Vec<DataNode>,
    pub sentinels: Vec<SentinelNode>,
}

/// Which TLS port each node gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ports {
    /// The same port on every data node / every Sentinel (one host each); `None` keeps a
    /// node's current TLS port.
    Fixed {
        data: Option<u16>,
        sentinel: Option<u16>,
    },
    /// Each node's current port plus this (several nodes on one host).
    Offset(u16),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupOptions {
    /// Paths on the nodes' hosts; `{host}`/`{port}` expand per node.
    pub files: ServerFiles,
    pub ports: Ports,
    pub disable_plaintext: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// The single-node steps on one data node.
    Node {
        title: String,
        address: HostPort,
        plan: Plan,
        /// Only opens the TLS port (stage 1): nothing moves yet.
        opens: bool,
    },
    /// A new `sentinel.conf` and a restart.
    Sentinel(SentinelRestart),
    /// `SENTINEL RESET <master>` and rediscovery.
    Reset { address: HostPort },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SentinelRestart {
    pub address: HostPort,
    pub tls_port: u16,
    pub config_file: PathBuf,
    /// Applied to the file as it is once the Sentinel is stopped (it rewrites its file on
    /// state changes, so the text read at planning time may be stale by then).
    pub want: SentinelTls,
    pub supervisor: Supervisor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupPlan {
    pub master_name: String,
    /// The master's plaintext and TLS addresses: a Sentinel reporting either agrees.
    pub master: HostPort,
    pub master_tls: HostPort,
    pub replicas: usize,
    pub sentinels: usize,
    pub quorum: u32,
    pub stages: Vec<Stage>,
    pub notes: Vec<String>,
}

impl GroupPlan {
    /// Whether a Sentinel's answer names the master (on either port).
    pub fn is_master(&self, hp: &HostPort) -> bool {
        *hp == self.master || *hp == self.master_tls
    }

    pub fn render(&self) -> String {
        let mut out = format!(
            "Sentinel group '{}': master {}, {} replica(s), {} Sentinel(s), quorum {}\n",
            self.master_name, self.master, self.replicas, self.sentinels, self.quorum
        );
        for (i, stage) in self.stages.iter().enumerate() {
            let _ = writeln!(out, "{:>2}. {}", i + 1, stage.title());
            let body = match stage {
                Stage::Node { plan, .. } => plan.render(),
                Stage::Sentinel(SentinelRestart {
                    config_file,
                    supervisor,
                    tls_port,
                    want,
                    ..
                }) => format!(
                    "stop: {}\nset in {} (a backup copy is kept):\n{}start: {}\ncheck: back \
                     over TLS on port {tls_port}; every Sentinel names the master; CKQUORUM OK \
                     on the larger side\n",
                    supervisor.describe_stop(),
                    config_file.display(),
                    want.manual_lines(&self.master_tls.host, self.quorum)
                        .iter()
                        .map(|l| format!("    {l}\n"))
                        .collect::<String>(),
                    supervisor.describe_start()
                ),
                Stage::Reset { .. } => format!(
                    "SENTINEL RESET {}\ncheck: it sees {} replica(s) and {} other Sentinel(s); \
                     CKQUORUM OK\n",
                    self.master_name,
                    self.replicas,
                    self.sentinels.saturating_sub(1)
                ),
            };
            for line in body.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}

impl Stage {
    pub fn title(&self) -> String {
        match self {
            Stage::Node { title, .. } => title.clone(),
            Stage::Sentinel(SentinelRestart {
                address, tls_port, ..
            }) => format!("Sentinel {address}: TLS on port {tls_port}, restart"),
            Stage::Reset { address } => format!("Sentinel {address}: forget the old addresses"),
        }
    }
}

/// Plans the whole group. Errors are usage errors: nothing was changed.
pub fn enable(facts: &GroupFacts, opts: &GroupOptions) -> Result<GroupPlan, String> {
    let node_opts = |node: &DataNode, master_tls_port, disable_plaintext| EnableOptions {
        files: opts.files.for_node(&node.address),
        tls_port: match opts.ports {
            Ports::Fixed { data, .. } => data,
            Ports::Offset(n) => match node.facts.port("port") {
                0 => None,
                p => Some(p.checked_add(n).unwrap_or(0)),
            },
        },
        disable_plaintext,
        master_tls_port,
    };
    let plan_node = |node: &DataNode, facts: &NodeFacts, master_tls_port, disable| {
        plan::enable(facts, &node_opts(node, master_tls_port, disable))
            .map_err(|e| format!("{}: {e}", node.address))
    };

    // 1. TLS ports, replicas first.
    let mut stages = Vec::new();
    let mut replica_facts = Vec::new();
    let opening = |role: &str, node: &DataNode, after: &NodeFacts| {
        format!(
            "{role} {}: open TLS port {}",
            node.address,
            after.port("tls-port")
        )
    };
    for r in &facts.replicas {
        let p = plan_node(r, &r.facts, None, false)?;
        let after = r.facts.after(&p);
        push_node(&mut stages, opening("replica", r, &after), r, p, true);
        replica_facts.push(after);
    }
    let p = plan_node(&facts.master, &facts.master.facts, None, false)?;
    let master_after = facts.master.facts.after(&p);
    push_node(
        &mut stages,
        opening("master", &facts.master, &master_after),
        &facts.master,
        p,
        true,
    );
    let master_tls = HostPort {
        host: facts.master.address.host.clone(),
        port: master_after.port("tls-port"),
    };

    // 2. Sentinels.
    let mut manual = Vec::new();
    for s in &facts.sentinels {
        let tls_port = sentinel_tls_port(s, opts.ports)?;
        let files = opts.files.for_node(&s.address);
        let want = SentinelTls {
            tls_port,
            cert: files.cert,
            key: files.key,
            ca: files.ca.unwrap_or_default(),
            disable_plaintext: opts.disable_plaintext,
            master_name: facts.master_name.clone(),
            master_port: master_tls.port,
        };
        match &s.access {
            SentinelAccess::Local {
                config_file,
                text,
                supervisor,
            } => {
                // A file redisops cannot parse fails at the write, with its line number.
                if sentinel_conf::edit(text, &want).ok().as_ref() != Some(text) {
                    stages.push(Stage::Sentinel(SentinelRestart {
                        address: s.address.clone(),
                        tls_port,
                        config_file: config_file.clone(),
                        want,
                        supervisor: supervisor.clone(),
                    }));
                }
            }
            // Done by hand already: reached over TLS and monitoring the TLS port.
            SentinelAccess::Remote { .. } if s.tls && s.monitors == master_tls => {}
            SentinelAccess::Remote { config_file } => manual.push(format!(
                "Sentinel {} ({}):\n{}",
                s.address,
                if config_file.is_empty() {
                    "no config file"
                } else {
                    config_file
                },
                want.manual_lines(&master_tls.host, facts.quorum)
                    .iter()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    }
    if !manual.is_empty() {
        return Err(format!(
            "redisops changes only Sentinels whose config file it can read on this host (and, \
             without --sentinel-service or --sentinel-stop-cmd/--sentinel-start-cmd, that run \
             here). Nothing was changed. Either run redisops on the Sentinels' host, or move \
             the group by hand (README, \"Moving production to TLS\"): first open the TLS \
             ports (tls enable on each node), then stop each Sentinel in turn, add these lines \
             to its sentinel.conf (replacing its `sentinel monitor` line), start it, and check \
             SENTINEL CKQUORUM {} before the next:\n{}",
            facts.master_name,
            manual.join("\n")
        ));
    }

    // 3. Replication over TLS, then the replicas' plaintext ports.
    let closing = if opts.disable_plaintext {
        ", close the plaintext port"
    } else {
        ""
    };
    let mut moved = false;
    for (r, after) in facts.replicas.iter().zip(&replica_facts) {
        let p = plan_node(r, after, Some(master_tls.port), opts.disable_plaintext)?;
        moved |= p.changes();
        let title = format!("replica {}: replicate over TLS{closing}", r.address);
        push_node(&mut stages, title, r, p, false);
    }
    // 4. The master's plaintext port.
    let p = plan_node(&facts.master, &master_after, None, opts.disable_plaintext)?;
    let title = format!("master {}: close the plaintext port", facts.master.address);
    push_node(&mut stages, title, &facts.master, p, false);

    // 5. Forget the replicas' old addresses.
    if moved {
        for s in &facts.sentinels {
            stages.push(Stage::Reset {
                address: s.address.clone(),
            });
        }
    }

    let mut notes = vec![format!(
        "the Sentinels will monitor and hand out the master's TLS port {master_tls}: clients \
         that discover the master through Sentinel must use TLS from then on"
    )];
    if !opts.disable_plaintext {
        notes.push(
            "the plaintext ports stay open for clients that connect directly; close them with \
             the same command and --disable-plaintext once clients use TLS"
                .into(),
        );
    }
    Ok(GroupPlan {
        master_name: facts.master_name.clone(),
        master: facts.master.address.clone(),
        master_tls,
        replicas: facts.replicas.len(),
        sentinels: facts.sentinels.len(),
        quorum: facts.quorum,
        stages,
        notes,
    })
}

/// Adds a data-node stage when it changes something (a re-run skips what is done).
fn push_node(stages: &mut Vec<Stage>, title: String, node: &DataNode, mut plan: Plan, opens: bool) {
    if plan.changes() {
        // The group plan says what happens next; the single-node hints do not apply.
        plan.notes.clear();
        stages.push(Stage::Node {
            title,
            address: node.address.clone(),
            plan,
            opens,
        });
    }
}

fn sentinel_tls_port(s: &SentinelNode, ports: Ports) -> Result<u16, String> {
    match ports {
        Ports::Fixed {
            sentinel: Some(p), ..
        } => Ok(p),
        _ if s.tls => Ok(s.address.port),
        Ports::Offset(n) => s
            .address
            .port
            .checked_add(n)
            .ok_or_else(|| format!("{}: port + --tls-port-offset is above 65535", s.address)),
        Ports::Fixed { sentinel: None, .. } => Err(
            "give the Sentinels' TLS port: --sentinel-tls-port N (or --tls-port-offset N)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn hp(port: u16) -> HostPort {
        HostPort {
            host: "127.0.0.1".into(),
            port,
        }
    }

    fn node(port: u16, master: Option<u16>) -> DataNode {
        let mut config: BTreeMap<String, String> = plan::CONFIG_KEYS
            .iter()
            .map(|k| (k.to_string(), String::new()))
            .collect();
        config.insert("port".into(), port.to_string());
        config.insert("tls-port".into(), "0".into());
        config.insert("tls-auth-clients".into(), "yes".into());
        config.insert("tls-replication".into(), "no".into());
        DataNode {
            address: hp(port),
            facts: NodeFacts {
                config,
                config_file: "/etc/redis.conf".into(),
                master: master.map(hp),
                replicas: if master.is_none() { 2 } else { 0 },
            },
        }
    }

    fn sentinel(port: u16) -> SentinelNode {
        SentinelNode {
            address: hp(port),
            access: SentinelAccess::Local {
                config_file: PathBuf::from(format!("/s{port}/sentinel.conf")),
                text: format!("port {port}\nsentinel monitor m 127.0.0.1 6379 2\n"),
                supervisor: Supervisor::Managed {
                    executable: "/usr/bin/redis-sentinel".into(),
                    config_file: format!("/s{port}/sentinel.conf").into(),
                    cwd: "/".into(),
                    output: "/tmp/out".into(),
                    args: vec!["--sentinel".into()],
                    owner: None,
                },
            },
            monitors: hp(6379),
            tls: false,
        }
    }

    fn group() -> GroupFacts {
        GroupFacts {
            master_name: "m".into(),
            quorum: 2,
            master: node(6379, None),
            replicas: vec![node(6479, Some(6379)), node(6579, Some(6379))],
            sentinels: vec![sentinel(26379), sentinel(26479)],
        }
    }

    fn opts() -> GroupOptions {
        GroupOptions {
            files: ServerFiles {
                cert: "/tls/{port}.crt".into(),
                key: "/tls/{port}.key".into(),
                ca: Some("/tls/ca.crt".into()),
            },
            ports: Ports::Offset(1),
            disable_plaintext: true,
        }
    }

    fn titles(plan: &GroupPlan) -> Vec<String> {
        plan.stages.iter().map(Stage::title).collect()
    }

    #[test]
    fn replicas_master_sentinels_replication_plaintext_reset() {
        let plan = enable(&group(), &opts()).unwrap();
        assert_eq!(
            titles(&plan),
            [
                "replica 127.0.0.1:6479: open TLS port 6480",
                "replica 127.0.0.1:6579: open TLS port 6580",
                "master 127.0.0.1:6379: open TLS port 6380",
                "Sentinel 127.0.0.1:26379: TLS on port 26380, restart",
                "Sentinel 127.0.0.1:26479: TLS on port 26480, restart",
                "replica 127.0.0.1:6479: replicate over TLS, close the plaintext port",
                "replica 127.0.0.1:6579: replicate over TLS, close the plaintext port",
                "master 127.0.0.1:6379: close the plaintext port",
                "Sentinel 127.0.0.1:26379: forget the old addresses",
                "Sentinel 127.0.0.1:26479: forget the old addresses",
            ]
        );
        assert_eq!(plan.master_tls, hp(6380));
        let rendered = plan.render();
        assert!(
            rendered.contains("tls-cert-file /tls/6479.crt"),
            "{rendered}"
        );
        assert!(rendered.contains("REPLICAOF 127.0.0.1 6380"), "{rendered}");
        let Stage::Sentinel(SentinelRestart { want, .. }) = &plan.stages[3] else {
            panic!()
        };
        let text =
            sentinel_conf::edit("port 26379\nsentinel monitor m 127.0.0.1 6379 2\n", want).unwrap();
        assert!(
            text.contains("sentinel monitor m 127.0.0.1 6380 2"),
            "{text}"
        );
        assert!(text.contains("tls-cert-file /tls/26379.crt"), "{text}");
        assert!(text.starts_with("port 0\n"), "{text}");
        let Stage::Node { plan: last, .. } = &plan.stages[7] else {
            panic!()
        };
        assert_eq!(last.steps[1].action.to_string(), "CONFIG SET port 0");
    }

    #[test]
    fn without_disable_plaintext_ports_stay_and_the_master_has_nothing_more() {
        let mut o = opts();
        o.disable_plaintext = false;
        let plan = enable(&group(), &o).unwrap();
        assert_eq!(plan.stages.len(), 9, "{}", plan.render());
        assert!(!plan.render().contains("CONFIG SET port 0"));
        let Stage::Sentinel(SentinelRestart { want, .. }) = &plan.stages[3] else {
            panic!()
        };
        assert!(!want.disable_plaintext);
    }

    #[test]
    fn remote_sentinels_get_instructions_and_nothing_is_planned() {
        let mut g = group();
        g.sentinels[1].access = SentinelAccess::Remote {
            config_file: "/etc/redis/sentinel.conf".into(),
        };
        let e = enable(&g, &opts()).unwrap_err();
        assert!(e.contains("Nothing was changed"), "{e}");
        assert!(e.contains("sentinel monitor m 127.0.0.1 6380 2"), "{e}");
        assert!(e.contains("tls-replication yes"), "{e}");
    }

    #[test]
    fn fixed_ports_need_the_sentinel_port() {
        let mut o = opts();
        o.ports = Ports::Fixed {
            data: Some(7000),
            sentinel: None,
        };
        assert!(
            enable(&group(), &o)
                .unwrap_err()
                .contains("--sentinel-tls-port")
        );
    }
}
