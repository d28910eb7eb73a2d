//! The planner: the facts, the findings and the options in, the ordered steps out (see
//! the order in [`super`]). [`Planner::build`] keeps that order; the phases live beside it:
//! `access.rs` (role users, their wiring, the default user), `settings.rs` (runtime
//! settings), `persist.rs` (saving what changed, file modes) and `file_only.rs` (directives
//! only a config file and a restart apply).

mod access;
mod file_only;
mod persist;
mod settings;

use super::refusals::refuse;
use super::{Action, DefaultUser, Plan, PlanOptions, Refusal, Step};
use crate::harden::apply::roles::{Role, roles};
use crate::harden::checks::{self, CheckId, NodeReport};
use crate::harden::facts::{AuditFacts, NodeFacts, NodeKind};
use crate::server::Server;
use file_only::FILE_FIXES;
use std::collections::{BTreeMap, BTreeSet};

/// Whether the server has the directives of Redis 7.0 (`enable-*-command`,
/// `maxmemory-clients`).
fn since_7(n: &NodeFacts) -> bool {
    server_of(n).is_some_and(|k| k.has_7_0_directives())
}

fn server_of(n: &NodeFacts) -> Option<Server> {
    Server::from_fields(|k| n.info(k))
}

/// Builds the plan. `hashes` maps each role user to the SHA-256 of its password; `new` are
/// the secrets files this run adds.
pub fn plan(
    facts: &AuditFacts,
    opts: &PlanOptions,
    hashes: &BTreeMap<String, String>,
    new: &[String],
) -> Result<Plan, Refusal> {
    refuse(facts, opts)?;
    let reports = checks::evaluate(facts);
    let mut p = Planner {
        facts,
        opts,
        hashes,
        reports: &reports,
        plan: Plan::default(),
        roles: roles(&opts.admin_user, opts.app_scripting),
        fixed: BTreeSet::new(),
    };
    p.build(new)?;
    p.leave_the_rest();
    Ok(p.plan)
}

struct Planner<'a> {
    facts: &'a AuditFacts,
    opts: &'a PlanOptions,
    hashes: &'a BTreeMap<String, String>,
    reports: &'a [NodeReport],
    plan: Plan,
    roles: Vec<Role>,
    /// (node, check ID) pairs some step fixes.
    fixed: BTreeSet<(String, CheckId)>,
}

impl<'a> Planner<'a> {
    fn selected(&self, ids: &[CheckId]) -> bool {
        ids.iter().any(|id| {
            (self.opts.only.is_empty() || self.opts.only.iter().any(|o| o == id.0))
                && !self.opts.skip.iter().any(|s| s == id.0)
        })
    }

    fn push(&mut self, node: &NodeFacts, action: Action, fixes: &[CheckId]) {
        // Before 7.0 CONFIG SET takes one parameter: one step each.
        if let Action::ConfigSet { pairs } = &action
            && pairs.len() > 1
            && server_of(node).is_some_and(|k| !k.multi_config_set())
        {
            for pair in pairs.clone() {
                let single = Action::ConfigSet { pairs: vec![pair] };
                self.push(node, single, fixes);
            }
            return;
        }
        for id in fixes {
            self.fixed.insert((node.address.clone(), *id));
        }
        self.plan.steps.push(Step {
            node: node.address.clone(),
            action,
            fixes: fixes.to_vec(),
        });
    }

    fn finding(&self, node: &NodeFacts, id: CheckId) -> bool {
        self.reports
            .iter()
            .find(|r| r.address == node.address)
            .is_some_and(|r| r.findings.iter().any(|f| f.id == id.0))
    }

    fn in_group(&self) -> bool {
        self.facts.group.is_some()
    }

    /// Whether this run wires every replica (a Sentinel group or a whole cluster), so none
    /// is left logging in as the default user.
    fn wires_all(&self) -> bool {
        self.in_group() || self.facts.cluster.is_some()
    }

    /// Servers in tightening order: replicas first, the master last.
    fn servers(&self) -> Vec<&'a NodeFacts> {
        let facts: &'a AuditFacts = self.facts;
        let mut s: Vec<&'a NodeFacts> = facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Server)
            .collect();
        s.sort_by_key(|n| n.role == "master");
        s
    }

    fn sentinels(&self) -> Vec<&'a NodeFacts> {
        let facts: &'a AuditFacts = self.facts;
        facts
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Sentinel)
            .collect()
    }

    fn hash(&self, user: &str) -> String {
        self.hashes.get(user).cloned().unwrap_or_default()
    }

    fn build(&mut self, new: &[String]) -> Result<(), Refusal> {
        let servers = self.servers();
        let sentinels = self.sentinels();
        let users = self.access();
        if users {
            self.refuse_foreign_sentinel_users()?;
            for n in servers.iter().chain(&sentinels) {
                self.refuse_unpersistable(n)?;
                self.refuse_stranded_dependants(n)?;
                if n.users.is_none() {
                    return Err(Refusal(format!(
                        "{}: ACL LIST could not be read, so apply cannot tell which users \
                         exist: connect as an administrator (+@all)",
                        n.address
                    )));
                }
            }
        }
        let before = self.plan.steps.len();
        if users {
            for n in servers.iter().chain(&sentinels) {
                self.add_users(n);
            }
        }
        if users {
            // A lone replica's master is not ours to give a replication user: its
            // masterauth stays as it is.
            let all = self.wires_all();
            for n in servers.iter().filter(|n| all || n.role == "master") {
                self.wire_replication(n);
            }
        }
        if users && self.in_group() {
            let before = self.plan.steps.len();
            for s in &sentinels {
                self.wire_sentinel(s);
            }
            if self.plan.steps.len() > before {
                let sentinels = sentinels.len();
                self.push(servers[0], Action::CheckSentinelLogins { sentinels }, &[]);
            }
        }
        for n in &servers {
            self.tighten_server(n)?;
        }
        if users {
            for s in &sentinels {
                let before = self.plan.steps.len();
                self.tighten_default(s)?;
                if self.plan.steps.len() > before {
                    self.check_group(s);
                }
            }
        }
        let changed: BTreeSet<String> = self.plan.steps[before..]
            .iter()
            .filter(|s| s.changes())
            .map(|s| s.node.clone())
            .collect();
        for n in servers.iter().chain(&sentinels) {
            self.persist(n, changed.contains(&n.address))?;
        }
        for n in &servers {
            self.private_data_dir(n);
            self.file_only(n)?;
        }
        if self.plan.steps.iter().any(Step::changes) {
            if users && self.opts.default_user != DefaultUser::Keep {
                for n in servers.iter().chain(&sentinels) {
                    self.push(n, Action::CheckClosed, &[]);
                }
            }
            if !new.is_empty() {
                let write = Step {
                    node: "local".into(),
                    action: Action::WriteSecrets {
                        files: new.to_vec(),
                    },
                    fixes: vec![],
                };
                self.plan.steps.insert(0, write);
            }
        } else {
            // Nothing to change: no verification steps either, so a second run is silent.
            self.plan.steps.clear();
        }
        Ok(())
    }

    fn check_group(&mut self, n: &NodeFacts) {
        if let Some(g) = &self.facts.group {
            let master = g.master_name.clone();
            self.push(n, Action::CheckSentinels { master }, &[]);
        }
    }

    /// Every finding at or above low that no step fixes becomes a note for the operator;
    /// so does a file-only fix that waits for a restart.
    fn leave_the_rest(&mut self) {
        for report in self.reports {
            for f in &report.findings {
                let id = CheckId(f.id);
                let fixed = self.fixed.contains(&(report.address.clone(), id));
                let file_only = FILE_FIXES.iter().any(|(fix, ..)| *fix == id);
                let why = if f.severity < checks::Severity::Low
                    || self.only_pending_file_fixes(&report.address, f)
                {
                    continue;
                } else if fixed && file_only && !self.opts.restart {
                    "the config file says so; takes effect at the next restart (--restart)"
                        .to_string()
                } else if fixed {
                    continue;
                } else if !self.selected(&[id]) {
                    "not selected".to_string()
                } else {
                    f.remediation.clone()
                };
                self.plan.left.push(format!(
                    "{} {} on {}: {}",
                    f.id, f.title, report.address, why
                ));
            }
        }
    }
}
