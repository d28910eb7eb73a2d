//! A real Redis Cluster on loopback: 3 masters and 3 replicas, each a [`RedisServer`] with its
//! own free data and bus ports, formed without redis-cli's fixed sleep (ADDSLOTSRANGE,
//! SET-CONFIG-EPOCH, MEET, REPLICATE) and handed over only when every node agrees on the slot
//! map, says `cluster_state:ok`, and every replica's link is up. Killed on drop with its nodes.
//! Needs Redis 7.0+ (ADDSLOTSRANGE, `cluster-port`).

use super::{RedisServer, ServerOptions, TlsFixture};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Node timeout: short enough for failure tests to see `fail` in seconds, long enough that two
/// busy CI cores do not produce false PFAILs.
pub const NODE_TIMEOUT_MS: u64 = 2000;

/// The three masters' slot ranges.
pub const RANGES: [(u16, u16); 3] = [(0, 5460), (5461, 10922), (10923, 16383)];

/// `redis.conf` lines of a cluster node with bus port `bus_port`.
pub fn node_conf(bus_port: u16, tls: bool) -> Vec<String> {
    let mut conf = vec![
        "cluster-enabled yes".to_string(),
        "cluster-config-file nodes.conf".to_string(),
        format!("cluster-node-timeout {NODE_TIMEOUT_MS}"),
        format!("cluster-port {bus_port}"),
    ];
    if tls {
        conf.push("tls-cluster yes".into());
    }
    conf
}

pub struct Cluster {
    /// Master i owns `RANGES[i]`.
    pub masters: Vec<RedisServer>,
    /// Replica i replicates master i.
    pub replicas: Vec<RedisServer>,
    pub tls: Option<Arc<TlsFixture>>,
}

impl Cluster {
    pub fn start() -> Self {
        Self::with(None, &[])
    }

    /// Six empty cluster nodes, not formed: each alone, no slots, epoch 0 (what
    /// `restore --into-new-cluster` starts from). [`Self::wait_healthy`] once formed.
    pub fn start_unformed() -> Self {
        Self::nodes_only(None, &[])
    }

    /// With extra `redis.conf` lines on every node (they win over the defaults above them,
    /// e.g. `cluster-node-timeout 1000`, `key-load-delay 3000`).
    pub fn start_with(conf: &[&str]) -> Self {
        Self::with(None, conf)
    }

    /// With TLS everywhere: clients, replication and the bus (`tls-cluster yes`), no
    /// plaintext port.
    pub fn start_tls(fx: Arc<TlsFixture>) -> Self {
        Self::with(Some(fx), &[])
    }

    fn with(tls: Option<Arc<TlsFixture>>, conf: &[&str]) -> Self {
        let cluster = Self::nodes_only(tls, conf);
        cluster.form();
        cluster
    }

    fn nodes_only(tls: Option<Arc<TlsFixture>>, conf: &[&str]) -> Self {
        let opts = ServerOptions {
            tls: tls.clone(),
            cluster: true,
            conf: conf.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        };
        let mut nodes: Vec<RedisServer> = (0..6).map(|_| RedisServer::with(opts.clone())).collect();
        let replicas = nodes.split_off(3);
        Self {
            masters: nodes,
            replicas,
            tls,
        }
    }

    /// Logs every node's redis-cli in as `user` (after `harden apply` created it).
    pub fn login_all(&mut self, user: &str, password: &str) {
        for n in self.masters.iter_mut().chain(self.replicas.iter_mut()) {
            n.login(user, password);
        }
    }

    pub fn nodes(&self) -> impl Iterator<Item = &RedisServer> {
        self.masters.iter().chain(&self.replicas)
    }

    /// The port clients use: the TLS port with TLS.
    pub fn client_port(node: &RedisServer) -> u16 {
        node.tls_port.unwrap_or(node.port)
    }

    /// `redis-cluster://127.0.0.1:p1,127.0.0.1:p2` (first two masters as seeds), or
    /// `rediss-cluster://…`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss-cluster"
        } else {
            "redis-cluster"
        };
        let seeds: Vec<String> = self.masters[..2]
            .iter()
            .map(|n| format!("127.0.0.1:{}", Self::client_port(n)))
            .collect();
        format!("{scheme}://{}", seeds.join(","))
    }

    /// Every node, masters first then replica i of master i: the URL that lays out a new
    /// cluster like this one.
    pub fn url_all(&self) -> String {
        let seeds: Vec<String> = (self.nodes())
            .map(|n| format!("127.0.0.1:{}", Self::client_port(n)))
            .collect();
        format!("redis-cluster://{}", seeds.join(","))
    }

    pub fn id(node: &RedisServer) -> String {
        node.cli(&["CLUSTER", "MYID"])
    }

    fn form(&self) {
        for (master, (start, end)) in self.masters.iter().zip(RANGES) {
            master.cli(&[
                "CLUSTER",
                "ADDSLOTSRANGE",
                &start.to_string(),
                &end.to_string(),
            ]);
        }
        // Distinct epochs up front, so no epoch-collision round is needed after MEET.
        for (i, node) in self.nodes().enumerate() {
            node.cli(&["CLUSTER", "SET-CONFIG-EPOCH", &(i + 1).to_string()]);
        }
        let first = &self.masters[0];
        let (port, bus) = (
            Self::client_port(first).to_string(),
            first.bus_port.unwrap().to_string(),
        );
        for node in self.nodes().skip(1) {
            node.cli(&["CLUSTER", "MEET", "127.0.0.1", &port, &bus]);
        }
        self.wait("every node to know all 6", |n| {
            n.cli(&["CLUSTER", "INFO"])
                .contains("cluster_known_nodes:6")
        });
        for (replica, master) in self.replicas.iter().zip(&self.masters) {
            replica.cli(&["CLUSTER", "REPLICATE", &Self::id(master)]);
        }
        self.wait_healthy();
    }

    /// Waits until the nodes agree on who owns which slots and who replicates whom, every node
    /// says `cluster_state:ok`, and every replica's master link is up. `cluster_state:ok` alone
    /// comes before replicas have synced.
    pub fn wait_healthy(&self) {
        self.wait("the same slot map and roles on every node", |_| {
            let maps: Vec<Vec<String>> = self.nodes().map(membership).collect();
            maps.windows(2).all(|w| w[0] == w[1])
                && maps[0].iter().filter(|l| l.contains(" slave ")).count() == 3
        });
        self.wait("cluster_state:ok", |n| {
            n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok")
        });
        for replica in &self.replicas {
            self.wait_one(replica, "master_link_status:up", |n| {
                n.cli(&["INFO", "replication"])
                    .contains("master_link_status:up")
            });
        }
    }

    /// Waits until `check` holds on every node.
    pub fn wait(&self, what: &str, check: impl Fn(&RedisServer) -> bool) {
        for node in self.nodes() {
            self.wait_one(node, what, &check);
        }
    }

    pub fn wait_one(&self, node: &RedisServer, what: &str, check: impl Fn(&RedisServer) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !check(node) {
            assert!(
                Instant::now() < deadline,
                "cluster: no {what} after 30 s on node {}; CLUSTER NODES:\n{}\nlog:\n{}",
                Self::client_port(node),
                node.cli(&["CLUSTER", "NODES"]),
                node.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Writes `n` keys per master with hash tags that land in its own slots (`{m0}`, …
    /// chosen by CLUSTER KEYSLOT), so every shard has data.
    pub fn write_keys(&self, n: usize) {
        for master in &self.masters {
            let tag = tag_for(master);
            let mut args = vec!["MSET".to_string()];
            for i in 0..n {
                args.push(format!("{{{tag}}}:key:{i}"));
                args.push(format!("value-{i}"));
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_eq!(master.cli(&args), "OK", "MSET on {}", master.port);
        }
    }
}

/// A hash tag whose slot the master owns.
fn tag_for(master: &RedisServer) -> String {
    let nodes = master.cli(&["CLUSTER", "NODES"]);
    let mine = nodes.lines().find(|l| l.contains("myself")).unwrap();
    let ranges: Vec<(u16, u16)> = mine
        .split(' ')
        .skip(8)
        .filter_map(|r| {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect();
    (0..)
        .map(|i| format!("t{i}"))
        .find(|tag| {
            let slot: u16 = master.cli(&["CLUSTER", "KEYSLOT", tag]).parse().unwrap();
            ranges.iter().any(|(a, b)| (*a..=*b).contains(&slot))
        })
        .unwrap()
}

/// A node's view without what differs by observer (myself flag, ping times, link state):
/// `id role master-id slots…`, sorted.
fn membership(node: &RedisServer) -> Vec<String> {
    let mut lines: Vec<String> = node
        .cli(&["CLUSTER", "NODES"])
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let role = if f[2].contains("master") {
                "master"
            } else {
                "slave"
            };
            format!("{} {role} {} {}", f[0], f[3], f[8..].join(" "))
        })
        .collect();
    lines.sort();
    lines
}
