//! Undoing harden apply's changes: what each change replaced, captured before it is made
//! (kept in memory only: it may hold passwords), and how it is put back.

use super::Executor;
use anyhow::{Context, Result};
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// What undoes one change on one node.
pub struct Undo {
    pub(super) node: String,
    pub(super) what: Change,
}

impl fmt::Display for Undo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let what = match &self.what {
            Change::User { user, .. } => format!("user {user}"),
            Change::Config(pairs) => format!("CONFIG SET {}", keys(pairs)),
            Change::Default { .. } => "the default user".into(),
            Change::SentinelConfig(pairs) => format!("SENTINEL CONFIG SET {}", keys(pairs)),
            Change::SentinelAuth { master, .. } => format!("SENTINEL SET {master} auth-pass"),
            Change::File { path, .. } => format!("{} back", path.display()),
            Change::Mode { path, mode } => format!("chmod {mode:o} {}", path.display()),
        };
        write!(f, "{}: {what}", self.node)
    }
}

/// What one change replaced.
pub(super) enum Change {
    /// The user's `ACL LIST` line before the change, or None when it did not exist.
    User {
        user: String,
        before: Option<String>,
    },
    Config(Vec<(String, String)>),
    /// The default user's rules and requirepass before they were tightened.
    Default {
        before: String,
        requirepass: String,
    },
    SentinelConfig(Vec<(String, String)>),
    SentinelAuth {
        master: String,
        auth_pass: String,
    },
    File {
        path: PathBuf,
        backup: PathBuf,
    },
    Mode {
        path: PathBuf,
        mode: u32,
    },
}

/// The rules of an `ACL LIST` line as `ACL SETUSER` arguments: a selector `(~k +get)` is one
/// argument, whatever spaces it holds.
fn acl_rules(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for word in line.split_whitespace() {
        if depth > 0 {
            let last = out.last_mut().expect("a selector was opened");
            last.push(' ');
            last.push_str(word);
        } else {
            out.push(word.to_string());
        }
        depth += word.matches('(').count();
        depth = depth.saturating_sub(word.matches(')').count());
    }
    out
}

impl Executor<'_> {
    pub(super) async fn undo_change(&mut self, undo: &Undo) -> Result<()> {
        let node = undo.node.as_str();
        match &undo.what {
            Change::User { user, before } => {
                let con = self.conn(node).await?;
                match before {
                    None => {
                        con.query::<()>(redis::cmd("ACL").arg("DELUSER").arg(user))
                            .await
                    }
                    Some(rules) => {
                        con.query::<()>(
                            redis::cmd("ACL")
                                .arg("SETUSER")
                                .arg(user)
                                .arg("reset")
                                .arg(acl_rules(rules)),
                        )
                        .await
                    }
                }
            }
            Change::Config(pairs) => {
                let mut cmd = redis::cmd("CONFIG");
                cmd.arg("SET");
                for (k, v) in pairs {
                    cmd.arg(k).arg(v);
                }
                self.conn(node).await?.query::<()>(&cmd).await
            }
            Change::Default {
                before,
                requirepass,
            } => {
                let mut set = redis::cmd("ACL");
                set.arg("SETUSER")
                    .arg("default")
                    .arg("reset")
                    .arg(acl_rules(before));
                if self.node_env(node)?.sentinel {
                    return self.conn(node).await?.query::<()>(&set).await;
                }
                // requirepass first: it resets the default user's passwords, which the
                // ACL line then puts back exactly.
                let mut pipe = redis::pipe();
                pipe.atomic();
                pipe.cmd("CONFIG")
                    .arg("SET")
                    .arg("requirepass")
                    .arg(requirepass);
                pipe.add_command(set);
                self.conn(node).await?.query_pipe(&pipe).await
            }
            Change::SentinelConfig(pairs) => {
                for (k, v) in pairs {
                    self.sentinel_config_set(node, k, v).await?;
                }
                Ok(())
            }
            Change::SentinelAuth { master, auth_pass } => {
                self.conn(node)
                    .await?
                    .query::<()>(
                        redis::cmd("SENTINEL")
                            .arg("SET")
                            .arg(master)
                            .arg("auth-user")
                            .arg("")
                            .arg("auth-pass")
                            .arg(auth_pass),
                    )
                    .await
            }
            // Copied over the file (not renamed) so it keeps its owner.
            Change::File { path, backup } => {
                std::fs::copy(backup, path).map(drop).with_context(|| {
                    format!(
                        "cannot copy {} back to {}",
                        backup.display(),
                        path.display()
                    )
                })
            }
            Change::Mode { path, mode } => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
                    .with_context(|| format!("cannot chmod {}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::acl_rules;

    #[test]
    fn selectors_stay_one_argument() {
        assert_eq!(
            acl_rules("on #ab ~* (~k:* +get +set) (%R~r:* +@read) -@all"),
            [
                "on",
                "#ab",
                "~*",
                "(~k:* +get +set)",
                "(%R~r:* +@read)",
                "-@all"
            ]
        );
    }
}
