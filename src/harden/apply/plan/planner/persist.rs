//! Saving what changed (`ACL SAVE`, `CONFIG REWRITE` or the config-file editor,
//! `SENTINEL FLUSHCONFIG`) and making the files and the data directory private.

use super::Planner;
use crate::harden::apply::plan::{Action, Refusal};
use crate::harden::checks::CheckId;
use crate::harden::facts::{NodeFacts, NodeKind};

const FILE_MODES: &[CheckId] = &[CheckId("PERS-03")];

impl Planner<'_> {
    pub(super) fn refuse_unpersistable(&self, n: &NodeFacts) -> Result<(), Refusal> {
        if n.kind == NodeKind::Server && n.info("config_file").unwrap_or("").is_empty() {
            return Err(Refusal(format!(
                "{} runs without a config file (PERS-01): users and settings made now would \
                 vanish at its next restart, and its clients would keep working only until \
                 then. Restart it with a config file first (redis-server /etc/redis/redis.conf)",
                n.address
            )));
        }
        Ok(())
    }

    /// Saves what changed (always, whatever --only/--skip say: an unsaved change is lost at
    /// the next restart) and makes the files private again.
    pub(super) fn persist(&mut self, n: &NodeFacts, changed: bool) -> Result<(), Refusal> {
        let local = n.host.as_ref();
        if changed {
            if n.kind == NodeKind::Sentinel {
                self.push(n, Action::SentinelFlushConfig, &[]);
            } else {
                let aclfile = n.config("aclfile").is_some_and(|f| !f.is_empty());
                if aclfile {
                    self.push(n, Action::AclSave, &[]);
                }
                if self.opts.edit_config_file {
                    let Some(path) = local.and_then(|h| h.config_file.as_ref()) else {
                        return Err(Refusal(format!(
                            "--edit-config-file edits {}'s config file on this host, but the \
                             node does not run here: run apply on its host, or persist with \
                             CONFIG REWRITE (without --edit-config-file)",
                            n.address
                        )));
                    };
                    let (keys, mut users) = self.runtime_changes(n);
                    // With an aclfile the users live there (ACL SAVE); user lines in
                    // redis.conf as well would stop the next start (PERS-05).
                    if aclfile {
                        users.clear();
                    }
                    self.push(
                        n,
                        Action::PersistToFile {
                            path: path.path.clone(),
                            keys,
                            users,
                            lines: Vec::new(),
                        },
                        &[],
                    );
                } else {
                    self.push(n, Action::ConfigRewrite, &[]);
                }
            }
        }
        // CONFIG REWRITE, ACL SAVE and FLUSHCONFIG write 0644: make the files private again.
        let Some(host) = local else {
            if changed {
                self.plan.left.push(format!(
                    "PERS-03 on {}: the config file was saved by the server with mode 0644 & \
                     ~umask; on its host run chmod 600 on it (and set UMask=0077 in its unit)",
                    n.address
                ));
            }
            return Ok(());
        };
        if self.selected(FILE_MODES) {
            for file in [&host.config_file, &host.acl_file].into_iter().flatten() {
                let loose = file.mode.is_some_and(|m| m & 0o077 != 0);
                if loose || changed {
                    self.push(
                        n,
                        Action::Chmod {
                            path: file.path.clone(),
                            mode: 0o600,
                        },
                        FILE_MODES,
                    );
                }
            }
        }
        Ok(())
    }

    /// HOST-01: Redis creates every dump with 0644 & ~umask, so the lasting fix is a data
    /// directory others cannot enter. Only a directory the server owns is changed (never a
    /// shared one like /tmp).
    pub(super) fn private_data_dir(&mut self, n: &NodeFacts) {
        let Some(host) = &n.host else { return };
        let (Some(dir), Some(process)) = (&host.data_dir, &host.process) else {
            return;
        };
        let Some(mode) = dir.mode else { return };
        let owned = dir.uid == Some(process.uid);
        let sticky = mode & 0o1000 != 0;
        // Also before any dump exists: the next save (or apply's own restart) makes one.
        let open = self.finding(n, CheckId("HOST-01")) || mode & 0o007 != 0;
        if open && self.selected(&[CheckId("HOST-01")]) && owned && !sticky {
            self.push(
                n,
                Action::Chmod {
                    path: dir.path.clone(),
                    mode: mode & 0o750,
                },
                &[CheckId("HOST-01")],
            );
        }
    }

    /// The config keys and users the planned runtime changes on `n` touch.
    fn runtime_changes(&self, n: &NodeFacts) -> (Vec<String>, Vec<String>) {
        let mut keys = Vec::new();
        let mut users = Vec::new();
        for step in self.plan.steps.iter().filter(|s| s.node == n.address) {
            match &step.action {
                Action::ConfigSet { pairs } => keys.extend(pairs.iter().map(|(k, _)| k.clone())),
                Action::SetUser { user, .. } => users.push(user.clone()),
                Action::SetDefault {
                    clear_requirepass, ..
                } => {
                    users.push("default".into());
                    if *clear_requirepass {
                        keys.push("requirepass".into());
                    }
                }
                _ => {}
            }
        }
        (keys, users)
    }
}
