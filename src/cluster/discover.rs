//! Discovery: from the first seed that answers, every node the cluster knows, each asked
//! directly over its own plain connection (the usual [`Dialer`], so TLS options are the same
//! for every node) for `INFO`, `CLUSTER INFO` and its own `CLUSTER NODES`. `CLUSTER SHARDS`
//! (7.0+) only adds what `CLUSTER NODES` lacks: the TLS port and hostname of each node.

use super::nodes::{self, NodeLine};
use super::topology::{Topology, View};
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::info::Info;
use crate::target::{Auth, ClusterTarget, Endpoint, HostPort};
use anyhow::{Context, Result};
use redis::Value;
use std::collections::BTreeMap;

/// What one node answered.
#[derive(Debug, Clone)]
pub struct Probe {
    pub info: Info,
    /// `CLUSTER INFO` (same `key:value` format as INFO).
    pub cluster_info: Info,
    pub nodes: Vec<NodeLine>,
    /// `CLUSTER NODES` as the node answered it (a backup set keeps it).
    pub nodes_text: String,
}

/// A node of the cluster as discovery found it.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its line in the reference view (flags as the others see it).
    pub line: NodeLine,
    /// The address it was (or would be) reached at.
    pub endpoint: HostPort,
    pub tls_port: Option<u16>,
    pub hostname: Option<String>,
    /// Views that flag it `fail` or `fail?`.
    pub fail_reports: usize,
    /// Its answers, or why there are none.
    pub probe: std::result::Result<Probe, String>,
}

pub struct Discovery {
    /// The seed that answered first.
    pub seed: HostPort,
    pub members: Vec<Member>,
    pub topology: Topology,
    /// Views collected (the seed's and every node's that answered).
    pub views: usize,
    /// Problems that did not stop discovery (e.g. CLUSTER SHARDS refused).
    pub notes: Vec<String>,
}

#[cfg(test)]
impl Probe {
    /// A node's answers from captured text, for the pure functions' tests.
    pub fn from_text(info: &str, cluster_info: &str, nodes: &str) -> Self {
        Self {
            info: Info::parse(info),
            cluster_info: Info::parse(cluster_info),
            nodes: nodes::parse(nodes).unwrap(),
            nodes_text: nodes.into(),
        }
    }
}

impl Discovery {
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.line.id == id)
    }
}

/// Ports and hostname `CLUSTER SHARDS` reports for a node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ShardsEntry {
    port: Option<u16>,
    tls_port: Option<u16>,
    hostname: Option<String>,
}

pub async fn discover(target: &ClusterTarget) -> Result<Discovery> {
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let (seed, mut seed_node, seed_probe) = first_seed(&dialer, target).await?;
    let mut notes = Vec::new();
    let shards = if version_major(&seed_probe.info) >= 7 {
        match seed_node
            .query::<Value>(redis::cmd("CLUSTER").arg("SHARDS"))
            .await
        {
            Ok(v) => parse_shards(&v),
            Err(e) => {
                notes.push(format!(
                    "CLUSTER SHARDS failed on {seed} ({e:#}): TLS ports and hostnames come \
                     from CLUSTER NODES only"
                ));
                BTreeMap::new()
            }
        }
    } else {
        BTreeMap::new()
    };
    drop(seed_node);

    let seed_view = seed_probe.nodes.clone();
    let mut tasks = tokio::task::JoinSet::new();
    let mut members = Vec::new();
    for (i, line) in seed_view.iter().enumerate() {
        let entry = shards.get(&line.id).cloned().unwrap_or_default();
        let host = entry.hostname.clone().unwrap_or_else(|| line.ip.clone());
        let port = match (dialer.is_tls(), entry.tls_port, entry.port) {
            (true, Some(p), _) | (false, _, Some(p)) => p,
            _ => line.port,
        };
        let endpoint = HostPort { host, port };
        let probe = if line.myself() {
            Ok(seed_probe.clone())
        } else if !line.member() {
            Err(format!(
                "not reachable: {}",
                if line.ip.is_empty() {
                    "its address is unknown (noaddr)"
                } else {
                    "still in handshake"
                }
            ))
        } else {
            let (dialer, auth, ep) = (dialer.clone(), target.auth.clone(), endpoint.clone());
            tasks.spawn(async move { (i, probe_node(&dialer, &ep, &auth).await) });
            Err(String::new())
        };
        members.push(Member {
            line: line.clone(),
            endpoint,
            tls_port: entry.tls_port,
            hostname: entry.hostname.or(line.hostname.clone()),
            fail_reports: 0,
            probe,
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.context("a node probe panicked")?;
        members[i].probe = result.map(|(_, p)| p).map_err(|e| format!("{e:#}"));
    }

    let mut views: Vec<View> = View::new(seed_view).into_iter().collect();
    views.extend(
        members
            .iter()
            .filter(|m| !m.line.myself())
            .filter_map(|m| m.probe.as_ref().ok())
            .filter_map(|p| View::new(p.nodes.clone())),
    );
    let topology =
        Topology::build(&views).context("the seed's CLUSTER NODES has no myself line")?;
    for m in &mut members {
        m.fail_reports = views
            .iter()
            .filter(|v| {
                v.nodes
                    .iter()
                    .any(|n| n.id == m.line.id && (n.failed() || n.pfail()))
            })
            .count();
        if let Some(line) = topology.node(&m.line.id) {
            m.line = line.clone();
        }
    }
    Ok(Discovery {
        seed,
        members,
        topology,
        views: views.len(),
        notes,
    })
}

/// The first seed that answers and is a cluster node.
async fn first_seed(dialer: &Dialer, target: &ClusterTarget) -> Result<(HostPort, Node, Probe)> {
    let mut errors = Vec::new();
    for seed in &target.seeds {
        match probe_node(dialer, seed, &target.auth).await {
            Ok((node, probe)) => {
                if probe.info.flag("cluster_enabled") != Some(true) {
                    return Err(fail(
                        ExitCode::Target,
                        format!(
                            "{seed} is not a cluster node (cluster_enabled:0): for a standalone \
                             server use redis://{seed} (or rediss://)"
                        ),
                    ));
                }
                return Ok((seed.clone(), node, probe));
            }
            Err(e) => errors.push((seed, e)),
        }
    }
    let count = errors.len();
    let (last_seed, last) = errors.pop().context("a cluster target has no seed")?;
    let others: Vec<String> = errors
        .iter()
        .map(|(s, e)| format!("{s}: {}", format!("{e:#}").lines().next().unwrap_or("")))
        .collect();
    Err(if others.is_empty() {
        last
    } else {
        last.context(format!(
            "none of the {count} seeds answered ({}; {last_seed} below)",
            others.join("; ")
        ))
    })
}

async fn probe_node(dialer: &Dialer, hp: &HostPort, auth: &Auth) -> Result<(Node, Probe)> {
    let mut node = Node::connect(dialer, &Endpoint::Tcp(hp.clone()), auth, 0).await?;
    let probe = read_probe(&mut node).await?;
    Ok((node, probe))
}

/// What a node answers about itself and the cluster, over a connection already made.
pub async fn read_probe(node: &mut Node) -> Result<Probe> {
    let info = node.info("").await?;
    let (cluster_info, nodes, nodes_text) = if info.flag("cluster_enabled") == Some(true) {
        let ci: String = node
            .query(redis::cmd("CLUSTER").arg("INFO"))
            .await
            .context("CLUSTER INFO")?;
        let text: String = node
            .query(redis::cmd("CLUSTER").arg("NODES"))
            .await
            .context("CLUSTER NODES")?;
        (
            Info::parse(&ci),
            nodes::parse(&text).context("CLUSTER NODES")?,
            text,
        )
    } else {
        (Info::default(), Vec::new(), String::new())
    };
    Ok(Probe {
        info,
        cluster_info,
        nodes,
        nodes_text,
    })
}

fn version_major(info: &Info) -> u32 {
    info.get("redis_version")
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// `CLUSTER SHARDS`: a list of shards, each a map (RESP3) or flat key/value list (RESP2)
/// with `slots` and `nodes`; each node likewise with `id`, `port`, `tls-port`, `hostname`.
fn parse_shards(v: &Value) -> BTreeMap<String, ShardsEntry> {
    let mut out = BTreeMap::new();
    let Value::Array(shards) = v else {
        return out;
    };
    for shard in shards {
        let Some(Value::Array(nodes)) = field(shard, "nodes") else {
            continue;
        };
        for node in nodes {
            let Some(id) = field(node, "id").and_then(text) else {
                continue;
            };
            let port = |k| {
                field(node, k)
                    .and_then(int)
                    .and_then(|p| u16::try_from(p).ok())
            };
            out.insert(
                id,
                ShardsEntry {
                    port: port("port").filter(|p| *p != 0),
                    tls_port: port("tls-port").filter(|p| *p != 0),
                    hostname: field(node, "hostname")
                        .and_then(text)
                        .filter(|h| !h.is_empty()),
                },
            );
        }
    }
    out
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| text(k).as_deref() == Some(key))
            .map(|(_, v)| v),
        Value::Array(flat) => flat
            .chunks(2)
            .find(|kv| text(&kv[0]).as_deref() == Some(key))
            .and_then(|kv| kv.get(1)),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => text(v)?.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn shards_reply_gives_tls_ports_and_hostnames() {
        // RESP2 shape of a 7.2 node with tls-cluster: flat key/value lists.
        let node = |id: &str, port: i64, tls: i64, host: &str| {
            let mut kv = vec![
                bulk("id"),
                bulk(id),
                bulk("port"),
                Value::Int(port),
                bulk("tls-port"),
                Value::Int(tls),
                bulk("ip"),
                bulk("127.0.0.1"),
            ];
            if !host.is_empty() {
                kv.extend([bulk("hostname"), bulk(host)]);
            }
            Value::Array(kv)
        };
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("slots"),
            Value::Array(vec![Value::Int(0), Value::Int(5460)]),
            bulk("nodes"),
            Value::Array(vec![
                node("a", 7000, 7100, "r1.example"),
                node("b", 0, 7101, ""),
            ]),
        ])]);
        let map = parse_shards(&reply);
        assert_eq!(
            map["a"],
            ShardsEntry {
                port: Some(7000),
                tls_port: Some(7100),
                hostname: Some("r1.example".into())
            }
        );
        assert_eq!(map["b"].port, None);
        assert_eq!(map["b"].tls_port, Some(7101));
        // RESP3 maps are read the same way.
        let map3 = parse_shards(&Value::Array(vec![Value::Map(vec![(
            bulk("nodes"),
            Value::Array(vec![Value::Map(vec![
                (bulk("id"), bulk("c")),
                (bulk("port"), Value::Int(7002)),
            ])]),
        )])]));
        assert_eq!(map3["c"].port, Some(7002));
        assert!(parse_shards(&Value::Nil).is_empty());
    }

    #[test]
    fn versions() {
        assert_eq!(version_major(&Info::parse("redis_version:7.0.15\r\n")), 7);
        assert_eq!(version_major(&Info::parse("redis_version:6.2.16\r\n")), 6);
        assert_eq!(version_major(&Info::default()), 0);
    }
}
