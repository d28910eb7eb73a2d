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
    let addr: Option<(String, u16)> = node
        .query(
            redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(name),
        )
        .await?;
    let Some((host, port)) = addr else {
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
    Ok(Answer::Master(HostPort { host, port }, replicas))
}
