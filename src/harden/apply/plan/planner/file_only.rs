//! Directives only a config file and a restart can change (`enable-*-command`,
//! `rename-command`), and telling their pending restart apart from real drift.

use super::{Planner, since_7};
use crate::harden::apply::plan::{Action, FileLine, Refusal};
use crate::harden::checks::{self, CheckId};
use crate::harden::facts::NodeFacts;

/// File-only fixes: (check ID, directive, value); they take effect at the next restart.
pub(super) const FILE_FIXES: &[(CheckId, &str, &str)] = &[
    (CheckId("CMD-01"), "enable-debug-command", "no"),
    (CheckId("CMD-01"), "enable-module-command", "no"),
    (CheckId("CMD-01"), "enable-protected-configs", "no"),
];

impl Planner<'_> {
    /// Directives that only a config file (and a restart) can change.
    pub(super) fn file_only(&mut self, n: &NodeFacts) -> Result<(), Refusal> {
        let mut lines = Vec::new();
        let mut ids = Vec::new();
        let in_file = |key: &str| {
            n.host
                .as_ref()
                .and_then(|h| h.file_directives.get(key))
                .map(String::as_str)
        };
        let mut pending = false;
        for (id, key, value) in FILE_FIXES {
            // Before 7.0 these directives do not exist: the file would stop the next start.
            let wanted = self.finding(n, *id)
                && self.selected(&[*id])
                && n.config(key) != Some(value)
                && since_7(n);
            if !wanted {
                continue;
            }
            // Written by an earlier run: only the restart is missing.
            if in_file(key) == Some(value) {
                pending = true;
                self.fixed.insert((n.address.clone(), *id));
            } else {
                lines.push(FileLine {
                    name: key.to_string(),
                    key: 0,
                    args: vec![value.to_string()],
                });
                ids.push(*id);
            }
        }
        let renamed = n.renamed_commands.clone().unwrap_or_default();
        for (command, new_name) in &self.opts.rename {
            if renamed.iter().any(|r| r.eq_ignore_ascii_case(command)) {
                continue;
            }
            lines.push(FileLine {
                name: "rename-command".into(),
                key: 1,
                args: vec![command.clone(), new_name.clone()],
            });
            ids.push(CheckId("ACL-01"));
        }
        if lines.is_empty() {
            if pending && self.opts.restart {
                self.push(n, Action::Restart, &[]);
            }
            return Ok(());
        }
        let Some(path) = n
            .host
            .as_ref()
            .and_then(|h| h.config_file.as_ref())
            .map(|f| f.path.clone())
        else {
            if !self.opts.rename.is_empty() {
                return Err(Refusal(format!(
                    "--rename-commands edits {}'s config file, which is not on this host: run \
                     apply on the server's host (or with --config-file)",
                    n.address
                )));
            }
            // Left for the operator; reported by leave_the_rest.
            return Ok(());
        };
        ids.dedup();
        // One edit (and one backup copy) when the runtime changes go to the file as well.
        let persisting = self
            .plan
            .steps
            .iter_mut()
            .find_map(|s| match &mut s.action {
                Action::PersistToFile { lines, .. } if s.node == n.address => Some(lines),
                _ => None,
            });
        match persisting {
            Some(persisted) => {
                persisted.extend(lines);
                for id in &ids {
                    self.fixed.insert((n.address.clone(), *id));
                }
            }
            None => self.push(n, Action::EditConfigFile { path, lines }, &ids),
        }
        if self.opts.restart {
            self.push(n, Action::Restart, &[]);
        }
        Ok(())
    }

    /// Whether `f` is PERS-04's drift between file and runtime that consists only of the
    /// file-only fixes waiting for their restart: apply's own pending edit, already listed
    /// with its fix, not a finding of its own.
    pub(super) fn only_pending_file_fixes(&self, address: &str, f: &checks::Reported) -> bool {
        if f.id != "PERS-04" || !f.evidence.starts_with(checks::system::DRIFT) {
            return false;
        }
        let Some(node) = self.facts.nodes.iter().find(|n| n.address == address) else {
            return false;
        };
        let Some(host) = &node.host else {
            return false;
        };
        let norm = checks::system::normalized;
        host.file_directives.iter().all(|(key, file)| {
            let Some(running) = node.config(key) else {
                return true;
            };
            norm(file) == norm(running)
                || FILE_FIXES.iter().any(|(id, fix_key, value)| {
                    fix_key == key
                        && norm(file) == norm(value)
                        && self.fixed.contains(&(address.to_string(), *id))
                })
        })
    }
}
