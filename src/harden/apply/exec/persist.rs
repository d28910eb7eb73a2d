//! Making changes last: the server's own save (`ACL SAVE`, `CONFIG REWRITE`, `SENTINEL
//! FLUSHCONFIG`), the config-file editor with its backup copy, and the restart that makes
//! file-only directives take effect.

use super::Executor;
use super::undo::Change;
use crate::conffile::{ConfFile, masked_diff};
use crate::harden::apply::plan::{Action, FileLine};
use crate::host::{Server, Supervisor};
use crate::steps::cancel::CancellationToken;
use anyhow::{Context, Result, anyhow};
use std::path::Path;

/// The persisting command of a step, and what to do when it fails.
fn persist_command(action: &Action) -> ([&'static str; 2], &'static str) {
    match action {
        Action::AclSave => (
            ["ACL", "SAVE"],
            "ACL SAVE failed: the directory of the aclfile must be writable by redis-server",
        ),
        Action::SentinelFlushConfig => (
            ["SENTINEL", "FLUSHCONFIG"],
            "SENTINEL FLUSHCONFIG failed (SENT-07): the Sentinel's config file and its \
             directory must be writable by redis-sentinel",
        ),
        _ => (
            ["CONFIG", "REWRITE"],
            "CONFIG REWRITE failed (PERS-02): redis-server writes a temporary file next to its \
             config file, so that directory must be writable by it; or run apply on the \
             server's host with --edit-config-file",
        ),
    }
}

impl Executor<'_> {
    pub(super) async fn save_config(&mut self, node: &str, action: &Action) -> Result<()> {
        let (command, why) = persist_command(action);
        let mut cmd = redis::cmd(command[0]);
        cmd.arg(command[1]);
        let con = self.conn(node).await?;
        crate::keepmode::keeping_mode(con, async |con| con.query::<()>(&cmd).await)
            .await
            .context(why)
    }

    /// The lines that persist the current runtime values of `keys` and `users`.
    pub(super) async fn current_lines(
        &mut self,
        node: &str,
        keys: &[String],
        users: &[String],
    ) -> Result<Vec<FileLine>> {
        let mut lines = Vec::new();
        for k in keys {
            let value = self
                .conn(node)
                .await?
                .config_get(k)
                .await?
                .remove(k)
                .unwrap_or_default();
            let args = if k == "bind" || k == "save" {
                value.split_whitespace().map(String::from).collect()
            } else {
                vec![value]
            };
            lines.push(FileLine {
                name: k.clone(),
                key: 0,
                args,
            });
        }
        for user in users {
            let rules = self.acl_line(node, user).await?.unwrap_or_default();
            let mut args = vec![user.clone()];
            args.extend(rules.split_whitespace().map(String::from));
            lines.push(FileLine {
                name: "user".into(),
                key: 1,
                args,
            });
        }
        Ok(lines)
    }

    pub(super) fn edit_file(&mut self, node: &str, path: &Path, lines: &[FileLine]) -> Result<()> {
        let loaded = ConfFile::load(path)?;
        let mut conf = loaded.conf.clone();
        for l in lines {
            let args: Vec<&str> = l.args.iter().map(String::as_str).collect();
            if l.key == 0 {
                conf.set(&l.name, &args);
            } else {
                conf.set_keyed(&l.name, l.key, &args);
            }
        }
        if !loaded.conf.includes().is_empty() {
            crate::ui::warn(format!(
                "{} includes {}: a directive there may override what apply wrote",
                path.display(),
                loaded.conf.includes().join(", ")
            ));
        }
        let diff = masked_diff(&loaded.conf, &conf);
        if !diff.is_empty() {
            crate::ui::note(format!("{}:\n{}", path.display(), diff.trim_end()));
        }
        let uid = self.node_env(node)?.process_uid;
        if let Some(backup) = loaded.write(&conf, uid)? {
            crate::ui::note(format!(
                "previous {} kept as {}",
                path.display(),
                backup.display()
            ));
            self.changed(
                node,
                Change::File {
                    path: loaded.path.clone(),
                    backup,
                },
            );
        }
        Ok(())
    }

    /// Stops the node with a saving SHUTDOWN (through its supervisor), starts it and waits
    /// as long as it loads, as restore does.
    pub(super) async fn restart(&mut self, node: &str) -> Result<()> {
        let env = self.node_env(node)?;
        let supervisor: &Supervisor = env.supervisor.as_ref().ok_or_else(|| {
            anyhow!("no supervisor for {node}: pass --service, --stop-cmd/--start-cmd")
        })?;
        self.conns.remove(node);
        let mut server = Server::new(
            self.env.dialer.clone(),
            env.endpoint.clone(),
            self.logins[node].clone(),
            None,
        );
        // Saved first: a restart must not lose what was written since the last save. The
        // stop is not cancelled: a server half-way down must come back.
        server
            .stop(supervisor, true, &CancellationToken::new())
            .await?;
        server.start_loaded(supervisor, &self.cancel).await
    }
}
