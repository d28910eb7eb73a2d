//! Asking a Sentinel group where the master is, and what each Sentinel reports.
//!
//! Every Sentinel is asked (not just the first that answers) so that `status` can show a
//! split view during an incident, and so that a master is only used when the answering
//! Sentinels agree on it.

use super::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::target::{Auth, Endpoint, HostPort};
use anyhow::Result;
use std::collections::BTreeMap;

/// What one Sentinel answered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SentinelAnswer {
    pub address: String,
    /// The master address it reports, if it answered and knows the name.
    pub master: Option<String>,
    pub error: Option<String>,
}

/// A replica as Sentinel reports it (`SENTINEL REPLICAS`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SentinelReplica {
    pub address: HostPort,
    pub flags: String,
    pub link_ok: bool,
    pub priority: Option<i64>,
    pub link_down_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct SentinelView {
    pub master_name: String,
    pub master: HostPort,
    pub answers: Vec<SentinelAnswer>,
    pub replicas: Vec<SentinelReplica>,
}

impl SentinelView {
    pub async fn gather(
        dialer: &Dialer,
        sentinels: &[HostPort],
        name: &str,
        auth: &Auth,
    ) -> Result<Self> {
        let mut answers = Vec::new();
        let mut votes: BTreeMap<String, (HostPort, usize)> = BTreeMap::new();
        let mut known_masters: Vec<String> = Vec::new();
        // Every replica any Sentinel knows: one that only some Sentinels list can still be
        // promoted, so a restore must protect it and a backup may use it.
        let mut replicas: Vec<SentinelReplica> = Vec::new();
        for hp in sentinels {
            let endpoint = Endpoint::Tcp(hp.clone());
            match ask(dialer, &endpoint, name, auth).await {
                Ok(Answer::Master(master, reps)) => {
                    let entry = votes
                        .entry(master.to_string())
                        .or_insert_with(|| (master.clone(), 0));
                    entry.1 += 1;
                    for r in reps {
                        if !replicas.iter().any(|known| known.address == r.address) {
                            replicas.push(r);
                        }
                    }
                    answers.push(SentinelAnswer {
                        address: hp.to_string(),
                        master: Some(master.to_string()),
                        error: None,
                    });
                }
                Ok(Answer::UnknownName(names)) => {
                    known_masters.extend(names);
                    answers.push(SentinelAnswer {
                        address: hp.to_string(),
                        master: None,
                        error: Some(format!("does not monitor a master named '{name}'")),
                    });
                }
                Err(e) => answers.push(SentinelAnswer {
                    address: hp.to_string(),
                    master: None,
                    error: Some(format!("{e:#}")),
                }),
            }
        }
        let answered = answers.iter().filter(|a| a.master.is_some()).count();
        if answered == 0 {
            let reachable = answers.iter().any(|a| {
                a.error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("does not monitor"))
            });
            if reachable {
                known_masters.sort();
                known_masters.dedup();
                return Err(fail(
                    ExitCode::Target,
                    format!(
                        "no Sentinel knows a master named '{name}'. Monitored masters: {}. \
                         Check the name after '#' in the target URL.",
                        if known_masters.is_empty() {
                            "none".to_string()
                        } else {
                            known_masters.join(", ")
                        }
                    ),
                ));
            }
            let details = answers
                .iter()
                .map(|a| format!("  {}: {}", a.address, a.error.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("\n");
            let code = if answers.iter().all(|a| {
                a.error
                    .as_deref()
                    .is_some_and(|e| e.contains("authentication") || e.contains("NOAUTH"))
            }) {
                ExitCode::Auth
            } else {
                ExitCode::Unreachable
            };
            return Err(fail(
                code,
                format!(
                    "no Sentinel answered for master '{name}':\n{details}\nCheck the Sentinel \
                     addresses, that redis-sentinel runs, and --sentinel-user/--sentinel-password-file."
                ),
            ));
        }
        let (master, count) = votes
            .into_values()
            .max_by_key(|(_, n)| *n)
            .expect("at least one answer");
        if count * 2 <= answered {
            return Err(fail(
                ExitCode::Target,
                format!(
                    "the Sentinels disagree about the master of '{name}' (a failover may be in \
                     progress); no address has a majority. Retry shortly."
                ),
            ));
        }
        Ok(Self {
            master_name: name.to_string(),
            master,
            answers,
            replicas,
        })
    }
}

enum Answer {
    Master(HostPort, Vec<SentinelReplica>),
    /// The Sentinel does not know the name; these are the masters it does monitor.
    UnknownName(Vec<String>),
}

/// Asks one Sentinel for the master's address and its replicas.
async fn ask(dialer: &Dialer, endpoint: &Endpoint, name: &str, auth: &Auth) -> Result<Answer> {
    let mut node = Node::connect(dialer, endpoint, auth, 0).await?;
    let Some(master) = master_addr(&mut node, name).await? else {
        let masters: Vec<BTreeMap<String, String>> =
            node.query(redis::cmd("SENTINEL").arg("MASTERS")).await?;
        let names = masters
            .into_iter()
            .filter_map(|m| m.get("name").cloned())
            .collect();
        return Ok(Answer::UnknownName(names));
    };
    let raw: Vec<BTreeMap<String, String>> = node
        .query(redis::cmd("SENTINEL").arg("REPLICAS").arg(name))
        .await?;
    let replicas = raw
        .into_iter()
        .filter_map(|r| {
            Some(SentinelReplica {
                address: HostPort {
                    host: r.get("ip")?.clone(),
                    port: r.get("port")?.parse().ok()?,
                },
                flags: r.get("flags").cloned().unwrap_or_default(),
                link_ok: r.get("master-link-status").map(String::as_str) == Some("ok"),
                priority: r.get("slave-priority").and_then(|p| p.parse().ok()),
                link_down_ms: r.get("master-link-down-time").and_then(|p| p.parse().ok()),
            })
        })
        .collect();
    Ok(Answer::Master(master, replicas))
}

/// The master a Sentinel names for `name` (`GET-MASTER-ADDR-BY-NAME`), if it knows the name.
pub async fn master_addr(node: &mut Node, name: &str) -> Result<Option<HostPort>> {
    let addr: Option<(String, u16)> = node
        .query(
            redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(name),
        )
        .await?;
    Ok(addr.map(|(host, port)| HostPort { host, port }))
}

/// One Sentinel's view of one master, read in one go: the one health probe of harden
/// apply, the TLS move of a group and restore (which needs only [`master_addr`]).
#[derive(Debug, Clone)]
pub struct Health {
    /// The master it names.
    pub master: Option<HostPort>,
    /// `SENTINEL CKQUORUM`: OK, or the error it replied.
    pub quorum: std::result::Result<(), String>,
    /// The master's flags (`s_down`, `o_down`, `disconnected`, …).
    pub flags: String,
    /// Every link it has (the master, the replicas, the other Sentinels): the address and
    /// how many milliseconds ago it last had a good PING reply.
    pub pings: Vec<(String, u128)>,
}

impl Health {
    pub async fn probe(node: &mut Node, name: &str) -> Result<Health> {
        let master = master_addr(node, name).await?;
        let info: BTreeMap<String, String> = node
            .query(redis::cmd("SENTINEL").arg("MASTER").arg(name))
            .await?;
        let quorum = node
            .try_query::<String>(redis::cmd("SENTINEL").arg("CKQUORUM").arg(name))
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        let replicas: Vec<BTreeMap<String, String>> = node
            .query(redis::cmd("SENTINEL").arg("REPLICAS").arg(name))
            .await?;
        let others: Vec<BTreeMap<String, String>> = node
            .query(redis::cmd("SENTINEL").arg("SENTINELS").arg(name))
            .await?;
        let pings = std::iter::once(&info)
            .chain(&replicas)
            .chain(&others)
            .map(|peer| {
                let at = format!(
                    "{}:{}",
                    peer.get("ip").map(String::as_str).unwrap_or("?"),
                    peer.get("port").map(String::as_str).unwrap_or("?")
                );
                let ok = peer
                    .get("last-ok-ping-reply")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(u128::MAX);
                (at, ok)
            })
            .collect();
        Ok(Health {
            master,
            quorum,
            flags: info.get("flags").cloned().unwrap_or_default(),
            pings,
        })
    }

    /// The master's flags when they say it is down or unreachable.
    pub fn bad_flags(&self) -> Option<&str> {
        ["s_down", "o_down", "disconnected"]
            .iter()
            .any(|bad| self.flags.contains(bad))
            .then_some(self.flags.as_str())
    }

    /// A link without a good PING reply in the last `ms` milliseconds: its address and how
    /// long ago the last one was. A Sentinel whose login broke keeps an old one.
    pub fn stale(&self, ms: u128) -> Option<(&str, u128)> {
        self.pings
            .iter()
            .find(|(_, ok)| *ok >= ms)
            .map(|(at, ok)| (at.as_str(), *ok))
    }
}
