//! A cluster's plan in parts: the planner orders a cluster like a Sentinel group (users on
//! every node first, replicas before masters), and this splits its steps into parts that run
//! one after another, each rolled back on its own, each ending with a cluster health check:
//!
//! 1. the users on every node (additive: nobody loses access), so that every node can
//!    verify the replication user against its master before it relies on it;
//! 2. one node at a time, replicas first: its `masteruser`/`masterauth` (and re-link), the
//!    default user and runtime settings, persistence, the closed-door check.
//!
//! Once a node's part is done it stays done: a later failure rolls back that node only.

use super::{Action, Part, Plan, Step};
use crate::harden::facts::AuditFacts;

/// Whether a step belongs to the first part (users and the logins that prove them).
fn users_step(s: &Step) -> bool {
    matches!(
        s.action,
        Action::WriteSecrets { .. }
            | Action::SetUser { .. }
            | Action::VerifyLogin { .. }
            | Action::UseLogin { .. }
    )
}

fn check(node: &str) -> Step {
    Step {
        node: node.into(),
        action: Action::CheckCluster,
        fixes: vec![],
    }
}

/// Splits a cluster's plan into parts (see the module doc). A plan that changes nothing is
/// returned as is.
pub fn by_node(plan: Plan, facts: &AuditFacts) -> Plan {
    if plan.is_empty() {
        return plan;
    }
    let Plan {
        steps,
        warnings,
        left,
        ..
    } = plan;
    let first = steps.iter().take_while(|s| users_step(s)).count();
    let (users, rest) = steps.split_at(first);
    let mut out: Vec<Step> = Vec::new();
    let mut parts = Vec::new();
    let mut close = |out: &mut Vec<Step>, mine: Vec<Step>, node: &str, label: String| {
        if mine.is_empty() {
            return;
        }
        let changes = mine.iter().any(Step::changes);
        out.extend(mine);
        if changes {
            out.push(check(node));
        }
        parts.push(Part {
            label,
            end: out.len(),
        });
    };
    close(
        &mut out,
        users.to_vec(),
        "cluster",
        "users on every node".into(),
    );
    let mut order: Vec<&str> = Vec::new();
    for s in rest {
        if !order.contains(&s.node.as_str()) {
            order.push(&s.node);
        }
    }
    for node in order {
        let role = facts
            .cluster
            .as_ref()
            .and_then(|c| c.node(node))
            .map_or("node", |n| n.role.as_str());
        let mine = rest.iter().filter(|s| s.node == node).cloned().collect();
        close(&mut out, mine, node, format!("{role} {node}"));
    }
    Plan {
        steps: out,
        warnings,
        left,
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harden::apply::plan::Val;
    use crate::harden::checks::fixtures::audit;

    fn step(node: &str, action: Action) -> Step {
        Step {
            node: node.into(),
            action,
            fixes: vec![],
        }
    }

    #[test]
    fn users_first_then_one_node_at_a_time_each_checked() {
        let set = |u: &str| Action::SetUser {
            user: u.into(),
            rules: vec![],
        };
        let config = Action::ConfigSet {
            pairs: vec![("masteruser".into(), Val::Plain("replication".into()))],
        };
        let plan = Plan {
            steps: vec![
                step("local", Action::WriteSecrets { files: vec![] }),
                step("r", set("admin")),
                step("m", set("admin")),
                step("r", config.clone()),
                step("r", Action::Relink),
                step("m", config),
                step("r", Action::ConfigRewrite),
                step("m", Action::ConfigRewrite),
                step("r", Action::CheckClosed),
            ],
            ..Default::default()
        };
        let p = by_node(plan, &audit(vec![]));
        let shape: Vec<String> = p
            .steps
            .iter()
            .map(|s| {
                format!("{} {}", s.node, s.action)
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(p.parts.len(), 3);
        assert_eq!(p.parts[0].label, "users on every node");
        assert_eq!(p.parts[1].label, "node r");
        let ranges: Vec<_> = p.ranges().into_iter().map(|(_, r)| r).collect();
        assert_eq!(ranges, [0..4, 4..9, 9..12], "{shape:?}");
        assert!(matches!(p.steps[3].action, Action::CheckCluster));
        assert!(matches!(p.steps[8].action, Action::CheckCluster));
        assert_eq!(p.steps[8].node, "r");
        assert!(p.steps[4..9].iter().all(|s| s.node == "r"));
        assert!(p.render().contains("== node m\n"), "{}", p.render());
        // Nothing to change: nothing to split either.
        assert!(by_node(Plan::default(), &audit(vec![])).parts.is_empty());
    }
}
