//! Sentinel-managed masters (notes §7): keep Sentinel from failing over while the master is
//! stopped, and put everything back afterwards.
//!
//! Protection, in the notes' order of strength: `replica-priority 0` on every replica (a
//! Sentinel never promotes such a replica, whatever it decides), confirmed through every
//! Sentinel's own view before the master stops; and `down-after-milliseconds` raised on every
//! Sentinel (a setting does not propagate between Sentinels), so that the stop does not even
//! count as down. The originals are journaled and restored at the end, also on rollback and
//! abort. If a failover happens anyway, the restored node is not started: it would be a second
//! master, and Sentinel would then turn it into a replica and wipe the restore.

use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::target::{Auth, Endpoint, HostPort};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// `down-after-milliseconds` while the master is stopped, unless the original is longer.
const RAISED_DOWN_AFTER_MS: u64 = 600_000;
/// Sentinel refreshes a replica's INFO every 10 s; allow a few rounds.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(45);
/// How long replicas get to full-sync the restored data.
const SYNC_TIMEOUT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protection {
    pub master_name: String,
    pub master: HostPort,
    /// Every Sentinel and its original `down-after-milliseconds`.
    pub sentinels: Vec<(HostPort, u64)>,
    /// Every replica and its original `replica-priority`.
    pub replicas: Vec<(HostPort, String)>,
    pub raised_down_after_ms: u64,
}

/// Connections for the Sentinels and the data nodes.
pub struct Links<'a> {
    pub dialer: &'a Dialer,
    pub sentinel_auth: &'a Auth,
    pub data_auth: &'a Auth,
}

impl Links<'_> {
    async fn sentinel(&self, hp: &HostPort) -> Result<Node> {
        Node::connect(
            self.dialer,
            &Endpoint::Tcp(hp.clone()),
            self.sentinel_auth,
            0,
        )
        .await
        .with_context(|| format!("Sentinel {hp}"))
    }

    async fn data(&self, hp: &HostPort) -> Result<Node> {
        Node::connect(self.dialer, &Endpoint::Tcp(hp.clone()), self.data_auth, 0)
            .await
            .with_context(|| format!("replica {hp}"))
    }
}

/// Reads the originals from every Sentinel (the given ones and the peers they know) and every
/// replica; refuses unless all answer and agree on a healthy master.
pub async fn gather(
    links: &Links<'_>,
    given: &[HostPort],
    name: &str,
    master: &HostPort,
    replicas: &[HostPort],
) -> Result<Protection> {
    let mut all: Vec<HostPort> = given.to_vec();
    for hp in given {
        if let Ok(mut node) = links.sentinel(hp).await
            && let Ok(peers) = node
                .query::<Vec<BTreeMap<String, String>>>(
                    redis::cmd("SENTINEL").arg("SENTINELS").arg(name),
                )
                .await
        {
            for p in peers {
                if let (Some(ip), Some(port)) = (p.get("ip"), p.get("port")) {
                    let peer = HostPort {
                        host: ip.clone(),
                        port: port.parse().unwrap_or(0),
                    };
                    if !all.contains(&peer) {
                        all.push(peer);
                    }
                }
            }
        }
    }
    let mut sentinels = Vec::new();
    for hp in &all {
        let mut node = links.sentinel(hp).await.map_err(|e| {
            fail(
                ExitCode::Target,
                format!(
                    "{e:#}: every Sentinel must answer so that none of them can fail over \
                     during the restore"
                ),
            )
        })?;
        let m = sentinel_master(&mut node, name).await?;
        let flags = m.get("flags").cloned().unwrap_or_default();
        if flags != "master" {
            return Err(fail(
                ExitCode::Target,
                format!(
                    "Sentinel {hp} reports the master of '{name}' as '{flags}': wait until it is healthy"
                ),
            ));
        }
        let addr = format!(
            "{}:{}",
            m.get("ip").cloned().unwrap_or_default(),
            m.get("port").cloned().unwrap_or_default()
        );
        if addr != master.to_string() {
            return Err(fail(
                ExitCode::Target,
                format!("Sentinel {hp} reports the master at {addr}, not {master}"),
            ));
        }
        let down_after = m
            .get("down-after-milliseconds")
            .and_then(|v| v.parse().ok())
            .context("SENTINEL MASTER without down-after-milliseconds")?;
        sentinels.push((hp.clone(), down_after));
    }
    let mut originals = Vec::new();
    for hp in replicas {
        let mut node = links.data(hp).await?;
        let value = node.config_get("replica-priority").await?;
        originals.push((
            hp.clone(),
            value
                .get("replica-priority")
                .cloned()
                .unwrap_or_else(|| "100".into()),
        ));
    }
    let longest = sentinels.iter().map(|(_, d)| *d).max().unwrap_or(0);
    Ok(Protection {
        master_name: name.to_string(),
        master: master.clone(),
        sentinels,
        replicas: originals,
        raised_down_after_ms: longest.max(RAISED_DOWN_AFTER_MS),
    })
}

async fn sentinel_master(node: &mut Node, name: &str) -> Result<BTreeMap<String, String>> {
    node.query(redis::cmd("SENTINEL").arg("MASTER").arg(name))
        .await
        .with_context(|| format!("SENTINEL MASTER {name}"))
}

impl Protection {
    /// Sets the protective values and waits until every Sentinel sees them.
    pub async fn protect(&self, links: &Links<'_>) -> Result<()> {
        let priorities: Vec<(HostPort, String)> = self
            .replicas
            .iter()
            .map(|(hp, _)| (hp.clone(), "0".to_string()))
            .collect();
        let down_after: Vec<(HostPort, u64)> = self
            .sentinels
            .iter()
            .map(|(hp, _)| (hp.clone(), self.raised_down_after_ms))
            .collect();
        self.apply(links, &priorities, &down_after).await
    }

    /// Puts the originals back and waits until every Sentinel reports them.
    pub async fn unprotect(&self, links: &Links<'_>) -> Result<()> {
        self.apply(links, &self.replicas, &self.sentinels).await
    }

    async fn apply(
        &self,
        links: &Links<'_>,
        priorities: &[(HostPort, String)],
        down_after: &[(HostPort, u64)],
    ) -> Result<()> {
        let name = &self.master_name;
        for (hp, value) in priorities {
            links
                .data(hp)
                .await?
                .query::<()>(
                    redis::cmd("CONFIG")
                        .arg("SET")
                        .arg("replica-priority")
                        .arg(value),
                )
                .await?;
        }
        for (hp, ms) in down_after {
            let mut sentinel = links.sentinel(hp).await?;
            // SENTINEL SET rewrites sentinel.conf.
            crate::keepmode::keeping_mode(&mut sentinel, async |s| {
                s.query::<()>(
                    redis::cmd("SENTINEL")
                        .arg("SET")
                        .arg(name)
                        .arg("down-after-milliseconds")
                        .arg(ms),
                )
                .await
            })
            .await?;
        }
        let deadline = Instant::now() + CONFIRM_TIMEOUT;
        loop {
            let missing = self.not_yet_seen(links, priorities, down_after).await;
            if missing.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the Sentinels do not report the new settings after {}s: {}",
                        CONFIRM_TIMEOUT.as_secs(),
                        missing.join("; ")
                    ),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What some Sentinel does not report yet, as readable lines.
    async fn not_yet_seen(
        &self,
        links: &Links<'_>,
        priorities: &[(HostPort, String)],
        down_after: &[(HostPort, u64)],
    ) -> Vec<String> {
        let name = &self.master_name;
        let mut missing = Vec::new();
        for (hp, ms) in down_after {
            let mut node = match links.sentinel(hp).await {
                Ok(n) => n,
                Err(e) => {
                    missing.push(format!("{e:#}"));
                    continue;
                }
            };
            match sentinel_master(&mut node, name).await {
                Ok(m) if m.get("down-after-milliseconds") == Some(&ms.to_string()) => {}
                Ok(_) => missing.push(format!("{hp}: down-after-milliseconds not {ms}")),
                Err(e) => missing.push(format!("{hp}: {e:#}")),
            }
            let seen: Result<Vec<BTreeMap<String, String>>> = node
                .query(redis::cmd("SENTINEL").arg("REPLICAS").arg(name))
                .await;
            let seen = seen.unwrap_or_default();
            for (replica, priority) in priorities {
                let shown = seen.iter().find(|r| {
                    r.get("ip") == Some(&replica.host)
                        && r.get("port") == Some(&replica.port.to_string())
                });
                if shown.and_then(|r| r.get("slave-priority")) != Some(priority) {
                    missing.push(format!("{hp} sees {replica} without priority {priority}"));
                }
            }
        }
        missing
    }

    /// Fails (without rollback) when any Sentinel reports another master.
    pub async fn check_no_failover(&self, links: &Links<'_>) -> Result<()> {
        for (hp, _) in &self.sentinels {
            let mut node = links.sentinel(hp).await?;
            let now = crate::conn::sentinel::master_addr(&mut node, &self.master_name)
                .await?
                .map(|m| m.to_string())
                .unwrap_or_default();
            if now != self.master.to_string() {
                return Err(fail(
                    ExitCode::Incomplete,
                    format!(
                        "Sentinel {hp} failed over '{}' to {now} while {} was stopped: the \
                         restored node was NOT started (it would be a second master and then be \
                         wiped). Restore onto the new master {now} instead, then run `redisops \
                         restore --abort` against {} to put its old files back.",
                        self.master_name, self.master, self.master
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Waits until every replica has full-synced (see [`wait_synced`]). Past the verified
    /// data, so a signal does not cut it short.
    pub async fn wait_replicas(&self, links: &Links<'_>, master: &mut Node) -> Result<()> {
        let never = crate::steps::CancellationToken::new();
        wait_synced(
            links,
            master,
            self.replicas.iter().map(|(hp, _)| hp),
            &never,
        )
        .await
    }
}

/// Waits until every one of `replicas` has full-synced from `master`: link up, no sync
/// running, and the same number of keys per db as the master.
pub async fn wait_synced<'h>(
    links: &Links<'_>,
    master: &mut Node,
    replicas: impl IntoIterator<Item = &'h HostPort>,
    cancel: &crate::steps::CancellationToken,
) -> Result<()> {
    let want = master.info("keyspace").await?.keyspace();
    let deadline = Instant::now() + SYNC_TIMEOUT;
    for hp in replicas {
        loop {
            let state = async {
                let mut node = links.data(hp).await?;
                let repl = node.info("replication").await?;
                let keys = node.info("keyspace").await?.keyspace();
                anyhow::Ok(
                    repl.get("master_link_status") == Some("up")
                        && repl.flag("master_sync_in_progress") == Some(false)
                        && keys == want,
                )
            }
            .await;
            if matches!(state, Ok(true)) {
                crate::ui::note(format!("replica {hp} has full-synced the restored data"));
                break;
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "replica {hp} has not synced the restored data after {}s",
                        SYNC_TIMEOUT.as_secs()
                    ),
                ));
            }
            crate::steps::cancel::sleep(POLL, cancel).await?;
        }
    }
    Ok(())
}
