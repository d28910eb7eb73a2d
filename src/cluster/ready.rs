//! Whether a cluster is in a state for an operation on all its shards: the refusals backup
//! and restore of a set share (exit 15).

use super::discover::Discovery;
use super::nodes::SlotState;
use super::slots;

/// Why the cluster is not in a state for a whole-cluster backup or restore (a master not
/// saying `cluster_state:ok`, slots without owner or with a failing one, a migration, views
/// disagreeing on the slot map); None when it is. With `allow_gaps` (a partial backup),
/// slots without an owner are no refusal, nor is the `cluster_state:fail` they alone cause.
pub fn unready(d: &Discovery, allow_gaps: bool) -> Option<String> {
    let t = &d.topology;
    for m in &d.members {
        let Ok(p) = &m.probe else { continue };
        let ci = &p.cluster_info;
        let state = ci.get("cluster_state").unwrap_or("unknown");
        // Fail only because slots are unassigned: none failing, every assigned slot ok.
        let only_uncovered = allow_gaps
            && !t.gaps.is_empty()
            && ci.u64("cluster_slots_fail") == Some(0)
            && ci.u64("cluster_slots_pfail") == Some(0)
            && ci.u64("cluster_slots_ok") == ci.u64("cluster_slots_assigned");
        if m.line.is_master() && state != "ok" && !only_uncovered {
            return Some(format!(
                "cluster_state is {state} on {} (slots_fail={}, slots_pfail={})",
                m.endpoint,
                p.cluster_info.get("cluster_slots_fail").unwrap_or("?"),
                p.cluster_info.get("cluster_slots_pfail").unwrap_or("?"),
            ));
        }
    }
    if !t.gaps.is_empty() && !allow_gaps {
        return Some(format!(
            "slots {} have no owner: the cluster does not serve them",
            slots::list(&t.gaps)
        ));
    }
    if !t.failing.is_empty() {
        return Some(format!(
            "slots {} belong to a failing master",
            slots::list(&t.failing)
        ));
    }
    if let Some(o) = t.open_slots.first() {
        let (how, dir) = match o.open.state {
            SlotState::Migrating => ("migrating", "to"),
            SlotState::Importing => ("importing", "from"),
        };
        return Some(format!(
            "slot {} is {how} on {} {dir} {}: a migration is in progress",
            o.open.slot, o.node, o.open.peer
        ));
    }
    if let Some(x) = t.disagreements.first() {
        let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| "nobody".into());
        return Some(format!(
            "nodes disagree about the slot map ({} says {} is owned by {}, the reference view \
             says {}); wait for the cluster to converge",
            x.node,
            x.slots,
            owner(&x.says),
            owner(&x.reference)
        ));
    }
    None
}
