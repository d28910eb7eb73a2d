//! The checks between steps: a fresh login with new credentials, the replication link up
//! again, the Sentinels agreeing and logged in as their user, the cluster healthy, and a
//! connection without credentials refused. Each waits up to [`SETTLE`] and is cancellable.

use super::Executor;
use crate::cluster::discover::read_probe;
use crate::cluster::health;
use crate::conn::Node;
use crate::conn::sentinel::Health;
use crate::exit::{ExitCode, fail};
use crate::harden::facts::Access;
use crate::harden::facts::gather::client_fields;
use crate::harden::facts::probe::without_credentials;
use crate::steps::cancel;
use crate::target::Auth;
use anyhow::Result;
use std::time::{Duration, Instant};

/// How long links and Sentinels get to settle (a restart waits as long as the load goes on).
pub(super) const SETTLE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(200);

impl Executor<'_> {
    pub(super) async fn verify_login(&mut self, node: &str, user: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let auth = Auth {
            user: Some(user.to_string()),
            password: Some(self.password(user)?),
        };
        // The login itself (AUTH user password) is the proof: role users may run nothing
        // else that every one of them shares.
        let verified = Node::connect(&self.env.dialer, &env.endpoint, &auth, 0).await;
        verified.map(drop).map_err(|e| {
            fail(
                ExitCode::RolledBack,
                format!(
                    "could not verify the new credentials of '{user}' with a fresh connection \
                     ({e:#}), so nothing that depends on them was changed"
                ),
            )
        })
    }

    pub(super) async fn relink(&mut self, node: &str) -> Result<()> {
        // Killing no connection (0) is fine: a link that is down must come up anyway.
        self.conn(node)
            .await?
            .query::<i64>(redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("master"))
            .await?;
        tokio::time::sleep(POLL).await;
        let cancel = self.cancel.clone();
        self.conn(node)
            .await?
            .wait_link_up(SETTLE, &cancel)
            .await?
            .map_err(|status| {
                fail(
                    ExitCode::Error,
                    format!(
                        "the replication link of {node} did not come up within {}s after the \
                         change (master_link_status {status}): the master may refuse the \
                         replication user; see the master's ACL LOG",
                        SETTLE.as_secs(),
                    ),
                )
            })
    }

    pub(super) async fn check_sentinels(&mut self, master: &str) -> Result<()> {
        let sentinels: Vec<String> = self
            .env
            .nodes
            .iter()
            .filter(|(_, n)| n.sentinel)
            .map(|(a, _)| a.clone())
            .collect();
        let since = Instant::now();
        let deadline = since + SETTLE;
        loop {
            let problem = self.sentinel_problem(&sentinels, master, since).await;
            match problem {
                None => return Ok(()),
                Some(p) if Instant::now() > deadline => {
                    return Err(fail(
                        ExitCode::Error,
                        format!("the Sentinels are not healthy after the change: {p}"),
                    ));
                }
                Some(_) => cancel::sleep(POLL, &self.cancel).await?,
            }
        }
    }

    /// What is wrong with the Sentinels' view, if anything. Every link must have had a good
    /// PING reply after `since`: a Sentinel whose login broke keeps an old one (and notices
    /// only after down-after-milliseconds).
    async fn sentinel_problem(
        &mut self,
        sentinels: &[String],
        master: &str,
        since: Instant,
    ) -> Option<String> {
        let elapsed = since.elapsed().as_millis();
        let mut addresses = Vec::new();
        for s in sentinels {
            let health = match self.conn(s).await {
                Ok(con) => Health::probe(con, master).await,
                Err(e) => Err(e),
            };
            let health = match health {
                Ok(h) => h,
                Err(e) => return Some(format!("{s}: {e:#}")),
            };
            if let Some(flags) = health.bad_flags() {
                return Some(format!("{s} flags the master {flags}"));
            }
            if let Some((at, ok)) = health.stale(elapsed) {
                return Some(format!(
                    "{s} has had no PING reply from {at} since the change ({ok} ms ago)"
                ));
            }
            if let Err(e) = &health.quorum {
                return Some(format!("{s}: CKQUORUM: {e}"));
            }
            addresses.push(health.master.map(|m| m.to_string()).unwrap_or_default());
        }
        addresses.dedup();
        (addresses.len() > 1).then(|| format!("they disagree on the master: {addresses:?}"))
    }

    /// Every server shows, in CLIENT LIST, each Sentinel's command connection
    /// (`name=sentinel-<id>-cmd`) logged in as the `sentinel` user.
    pub(super) async fn check_sentinel_logins(&mut self, sentinels: usize) -> Result<()> {
        let servers = self.servers();
        let deadline = Instant::now() + SETTLE;
        for server in servers {
            loop {
                let list: String = self
                    .conn(&server)
                    .await?
                    .query(redis::cmd("CLIENT").arg("LIST"))
                    .await?;
                let logged_in = list
                    .lines()
                    .map(client_fields)
                    .filter(|f| {
                        let name = f.get("name").copied().unwrap_or("");
                        name.starts_with("sentinel-")
                            && name.ends_with("-cmd")
                            && f.get("user") == Some(&"sentinel")
                    })
                    .count();
                if logged_in >= sentinels {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(fail(
                        ExitCode::Error,
                        format!(
                            "only {logged_in} of {sentinels} Sentinels log in to {server} as \
                             'sentinel' {}s after auth-user/auth-pass were set: see the \
                             Sentinels' logs and {server}'s ACL LOG",
                            SETTLE.as_secs()
                        ),
                    ));
                }
                cancel::sleep(POLL, &self.cancel).await?;
            }
        }
        Ok(())
    }

    /// Waits until the cluster is healthy ([`crate::cluster::health`]) as every server
    /// answers over redisops' own connections (logged in as each node is now).
    pub(super) async fn check_cluster(&mut self) -> Result<()> {
        let servers = self.servers();
        let deadline = Instant::now() + SETTLE;
        loop {
            let mut problems = Vec::new();
            let mut probes = Vec::new();
            for a in &servers {
                let probe = match self.conn(a).await {
                    Ok(con) => read_probe(con).await,
                    Err(e) => Err(e),
                };
                match probe {
                    Ok(p) => probes.push((a.clone(), p)),
                    Err(e) => {
                        self.conns.remove(a);
                        problems.push(format!("{a} did not answer: {e:#}"));
                    }
                }
            }
            problems.extend(health::problems(
                probes.iter().map(|(a, p)| (a.as_str(), p)),
            ));
            if problems.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(fail(
                    ExitCode::Error,
                    format!(
                        "the cluster is not healthy {}s after the change: {}",
                        SETTLE.as_secs(),
                        problems.join("; ")
                    ),
                ));
            }
            cancel::sleep(POLL, &self.cancel).await?;
        }
    }

    /// The addresses of the plan's servers (not Sentinels).
    fn servers(&self) -> Vec<String> {
        let nodes = self.env.nodes.iter();
        nodes
            .filter(|(_, n)| !n.sentinel)
            .map(|(a, _)| a.clone())
            .collect()
    }

    pub(super) async fn check_closed(&mut self, node: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let seen = without_credentials(&self.env.dialer, &env.endpoint).await;
        match seen {
            Access::AuthRequired | Access::Denied => Ok(()),
            other => Err(fail(
                ExitCode::Error,
                format!(
                    "{node}: a connection without credentials was not refused with NOAUTH \
                     ({other:?})"
                ),
            )),
        }
    }
}
