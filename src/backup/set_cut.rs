//! `--consistent-cut`: one instant for every shard. `CLIENT PAUSE <timeout> WRITE` on every
//! master (each must answer OK), each master's `master_repl_offset` read while paused (the
//! cut), every shard's RDB started together (a replica source first waits until it has
//! replicated up to its master's cut offset), and `CLIENT UNPAUSE` on every master as soon as
//! every shard's fork has started, or at once when one fails, in every outcome. The servers end
//! the pause by themselves after the timeout if redisops dies: that is the bound on blocked
//! writes. Each shard's RDB must then carry its master's cut offset as `repl-offset`, so the
//! cut is checked, not assumed.

use crate::cluster::discover::Member;
use crate::conn::{Dialer, Node};
use crate::exit::{ExitCode, fail};
use crate::repo::Pause;
use crate::target::{ClusterTarget, Endpoint};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Writes are paused on every master.
pub(super) struct Paused {
    masters: Vec<Node>,
    paused_at: DateTime<Utc>,
    since: Instant,
    timeout: Duration,
    /// Master id → `master_repl_offset` while paused.
    pub offsets: BTreeMap<String, u64>,
}

/// Pauses writes on `masters`; on any failure the ones already paused are unpaused.
pub(super) async fn pause(
    target: &ClusterTarget,
    masters: &[&Member],
    timeout: Duration,
) -> Result<Paused> {
    let dialer = Dialer::new(target.tls.as_ref(), target.timeout)?;
    let mut paused = Paused {
        masters: Vec::new(),
        paused_at: Utc::now(),
        since: Instant::now(),
        timeout,
        offsets: BTreeMap::new(),
    };
    for m in masters {
        if let Err(e) = pause_one(&dialer, target, m, &mut paused).await {
            paused.unpause().await.ok();
            return Err(fail(
                ExitCode::ClusterRefused,
                format!(
                    "--consistent-cut: cannot pause writes on master {}: {e:#}; every master was \
                     unpaused and nothing was backed up",
                    m.endpoint
                ),
            ));
        }
    }
    Ok(paused)
}

async fn pause_one(
    dialer: &Dialer,
    target: &ClusterTarget,
    m: &Member,
    paused: &mut Paused,
) -> Result<()> {
    let endpoint = Endpoint::Tcp(m.endpoint.clone());
    let mut node = Node::connect(dialer, &endpoint, &target.auth, 0).await?;
    let ms = paused.timeout.as_millis() as u64;
    let _: () = node
        .query(redis::cmd("CLIENT").arg("PAUSE").arg(ms).arg("WRITE"))
        .await
        .context("CLIENT PAUSE … WRITE (Redis 6.2+, needs +client|pause)")?;
    paused.masters.push(node);
    let node = paused.masters.last_mut().expect("just pushed");
    let offset = node
        .info("replication")
        .await?
        .u64("master_repl_offset")
        .context("INFO replication has no master_repl_offset")?;
    paused.offsets.insert(m.line.id.clone(), offset);
    Ok(())
}

impl Paused {
    /// When the servers end the pause by themselves.
    pub fn deadline(&self) -> Instant {
        self.since + self.timeout
    }

    /// `CLIENT UNPAUSE` on every paused master (each tried even when another fails).
    pub async fn unpause(mut self) -> Result<Pause> {
        let mut failed = Vec::new();
        for node in &mut self.masters {
            let done: Result<()> = node.query(redis::cmd("CLIENT").arg("UNPAUSE")).await;
            if let Err(e) = done {
                failed.push(format!(
                    "{}: {e:#} (its pause ends by itself within {} ms)",
                    node.endpoint,
                    self.timeout.as_millis()
                ));
            }
        }
        if !failed.is_empty() {
            anyhow::bail!("CLIENT UNPAUSE failed on {}", failed.join("; "));
        }
        Ok(Pause {
            paused_at: self.paused_at,
            unpaused_at: Utc::now(),
            timeout_ms: self.timeout.as_millis() as u64,
            offsets: self.offsets,
        })
    }
}

/// Waits until the replica `node` has replicated up to `offset`, until `deadline`.
pub(super) async fn wait_caught_up(node: &mut Node, offset: u64, deadline: Instant) -> Result<()> {
    loop {
        let info = node.info("replication").await?;
        let at = info.u64("slave_repl_offset").unwrap_or(0);
        if at >= offset {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(fail(
                ExitCode::ClusterRefused,
                format!(
                    "--consistent-cut: replica {} reached offset {at}, not its master's cut \
                     offset {offset}, within the pause; no set was committed",
                    node.endpoint
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether a shard's RDB is at its master's cut offset; `Err` names the shard when it is not.
pub(super) fn check_at_cut(
    label: &str,
    rdb_offset: Option<u64>,
    cut: u64,
) -> Result<Option<String>> {
    match rdb_offset {
        Some(at) if at == cut => Ok(None),
        Some(at) => Err(fail(
            ExitCode::ClusterRefused,
            format!(
                "--consistent-cut: the RDB of shard {label} is at replication offset {at}, not \
                 at the cut ({cut}); no set was committed"
            ),
        )),
        None => Ok(Some(format!(
            "shard {label}: its RDB carries no repl-offset, so its place at the cut could not \
             be checked"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rdb_off_the_cut_is_refused() {
        assert!(check_at_cut("0", Some(7), 7).unwrap().is_none());
        let err = check_at_cut("1", Some(9), 7).unwrap_err();
        assert_eq!(crate::exit::code_for(&err), ExitCode::ClusterRefused);
        assert!(format!("{err}").contains("offset 9, not at the cut (7)"));
        assert!(
            check_at_cut("2", None, 7)
                .unwrap()
                .unwrap()
                .contains("could not")
        );
    }
}
