//! The cluster's topology as data, built from the `CLUSTER NODES` views of the nodes that
//! answered: shards (a master with slots and its replicas), slot coverage, open slots and
//! where views disagree on the slot map. Backup and restore planning consume this; it does no
//! I/O, so every case is unit-tested on captured text.
//!
//! Whose word counts: the slot map most views agree on is the reference (ties go to the
//! earliest view, the seed's); each node's own `myself` line is the authority for its open
//! slots, which only it lists.

use super::nodes::{NodeLine, OpenSlot};
use super::slots::{self, SLOTS, SlotRange};
use serde::Serialize;

/// What one node said about the cluster.
#[derive(Debug, Clone)]
pub struct View {
    /// The answering node's id (its `myself` line).
    pub observer: String,
    pub nodes: Vec<NodeLine>,
}

impl View {
    pub fn new(nodes: Vec<NodeLine>) -> Option<Self> {
        let observer = nodes.iter().find(|n| n.myself())?.id.clone();
        Some(Self { observer, nodes })
    }

    /// Owner id of every slot (masters' slot lists).
    fn owners(&self) -> Vec<Option<&str>> {
        let mut owners = vec![None; SLOTS];
        for n in self.nodes.iter().filter(|n| n.is_master()) {
            for r in &n.slots {
                for s in r.slots() {
                    owners[s] = Some(n.id.as_str());
                }
            }
        }
        owners
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Shard {
    pub slots: Vec<SlotRange>,
    pub master: String,
    pub replicas: Vec<String>,
}

/// Slots on which a node's view differs from the reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The node whose view differs.
    pub node: String,
    pub slots: SlotRange,
    /// The owner in that node's view (None: unassigned).
    pub says: Option<String>,
    /// The owner in the reference view.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeOpenSlot {
    pub node: String,
    #[serde(flatten)]
    pub open: OpenSlot,
}

#[derive(Debug, Clone)]
pub struct Topology {
    /// The reference view's lines, one per known node.
    pub nodes: Vec<NodeLine>,
    /// Which node's view is the reference.
    pub reference: String,
    /// Ordered by first slot.
    pub shards: Vec<Shard>,
    /// Masters that own no slot (no shard), by id.
    pub empty_masters: Vec<String>,
    /// Replicas whose master is not a known master, by id.
    pub orphans: Vec<String>,
    /// Slots no master owns.
    pub gaps: Vec<SlotRange>,
    /// Slots whose owner is flagged `fail` or `fail?` in the reference view.
    pub failing: Vec<SlotRange>,
    pub open_slots: Vec<NodeOpenSlot>,
    pub disagreements: Vec<Disagreement>,
}

impl Topology {
    /// None without any view.
    pub fn build(views: &[View]) -> Option<Self> {
        let owners: Vec<Vec<Option<&str>>> = views.iter().map(View::owners).collect();
        // The map most views share; `max_by_key` keeps the last maximum, so iterate in
        // reverse for the earliest.
        let best = (0..views.len())
            .rev()
            .max_by_key(|&i| owners.iter().filter(|o| **o == owners[i]).count())?;
        let reference = &views[best];
        let map = &owners[best];

        let line = |id: &str| reference.nodes.iter().find(|n| n.id == id);
        let mut shards: Vec<Shard> = reference
            .nodes
            .iter()
            .filter(|n| n.is_master() && !n.slots.is_empty())
            .map(|m| Shard {
                slots: slots::runs(|s| map[s] == Some(m.id.as_str())),
                master: m.id.clone(),
                replicas: reference
                    .nodes
                    .iter()
                    .filter(|r| r.is_replica() && r.master_id.as_deref() == Some(&m.id))
                    .map(|r| r.id.clone())
                    .collect(),
            })
            .collect();
        shards.sort_by_key(|s| s.slots.first().copied());
        let empty_masters = reference
            .nodes
            .iter()
            .filter(|n| n.is_master() && n.slots.is_empty())
            .map(|n| n.id.clone())
            .collect();
        let orphans = reference
            .nodes
            .iter()
            .filter(|r| r.is_replica())
            .filter(|r| {
                r.master_id
                    .as_deref()
                    .and_then(line)
                    .is_none_or(|m| !m.is_master())
            })
            .map(|r| r.id.clone())
            .collect();
        let failing = slots::runs(|s| {
            map[s]
                .and_then(line)
                .is_some_and(|m| m.failed() || m.pfail())
        });
        let open_slots = views
            .iter()
            .flat_map(|v| v.nodes.iter().filter(|n| n.myself()))
            .flat_map(|n| {
                n.open_slots.iter().map(|o| NodeOpenSlot {
                    node: n.id.clone(),
                    open: o.clone(),
                })
            })
            .collect();
        let disagreements = views
            .iter()
            .zip(&owners)
            .filter(|(_, o)| *o != map)
            .flat_map(|(v, o)| {
                slots::runs_by(|s| (o[s] != map[s]).then_some((o[s], map[s])))
                    .into_iter()
                    .map(|(slots, (says, reference))| Disagreement {
                        node: v.observer.clone(),
                        slots,
                        says: says.map(String::from),
                        reference: reference.map(String::from),
                    })
            })
            .collect();
        Some(Self {
            nodes: reference.nodes.clone(),
            reference: reference.observer.clone(),
            shards,
            empty_masters,
            orphans,
            gaps: slots::runs(|s| map[s].is_none()),
            failing,
            open_slots,
            disagreements,
        })
    }

    pub fn node(&self, id: &str) -> Option<&NodeLine> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Every slot has an owner, no owner is failing, nothing migrates, all views agree.
    pub fn healthy(&self) -> bool {
        self.gaps.is_empty()
            && self.failing.is_empty()
            && self.open_slots.is_empty()
            && self.disagreements.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::nodes::{SlotState, parse};
    use super::*;

    const M0: &str = "bd7c44643666bccd35a6bc98ec535f1a0d11d225";
    const M1: &str = "193e276cf5d3db3f458c6ddbc288da84658605cf";
    const M2: &str = "ebb434792ae48bb73f1404fb01b166c9bb405e63";
    const R0: &str = "880ac5c515ec1bf00adb86c01488158bae875d24";

    /// A captured healthy view (master 0's), re-attributed to another observer.
    fn view_from(text: &str, observer: &str) -> View {
        let mut nodes = parse(text).unwrap();
        for n in &mut nodes {
            n.flags.retain(|f| f != "myself");
            if n.id == observer {
                n.flags.insert(0, "myself".into());
            }
        }
        View::new(nodes).unwrap()
    }

    fn healthy(observer: &str) -> View {
        view_from(include_str!("testdata/healthy.nodes"), observer)
    }

    #[test]
    fn shards_of_a_healthy_cluster() {
        let t = Topology::build(&[healthy(M0), healthy(M1), healthy(R0)]).unwrap();
        assert!(t.healthy(), "{t:?}");
        assert_eq!(t.reference, M0);
        let masters: Vec<&str> = t.shards.iter().map(|s| s.master.as_str()).collect();
        assert_eq!(masters, [M0, M1, M2]);
        assert_eq!(t.shards[0].slots, vec![SlotRange::new(0, 5460)]);
        assert_eq!(t.shards[0].replicas, vec![R0.to_string()]);
        assert!(t.empty_masters.is_empty() && t.orphans.is_empty());
    }

    #[test]
    fn failed_master_makes_its_slots_failing() {
        let text = include_str!("testdata/healthy.nodes").replace(
            &format!("{M1} 127.0.0.1:45723@36001 master"),
            &format!("{M1} 127.0.0.1:45723@36001 master,fail"),
        );
        let t = Topology::build(&[view_from(&text, M0)]).unwrap();
        assert_eq!(t.failing, vec![SlotRange::new(5461, 10922)]);
        assert!(t.gaps.is_empty());
        assert!(!t.healthy());
    }

    #[test]
    fn gaps_and_disagreements_name_slot_ranges() {
        // Master 0 dropped 0-99 on its own: it says they are unassigned, the majority says
        // they are still its.
        let text = include_str!("testdata/healthy.nodes").replace("0-5460", "100-5460");
        let t = Topology::build(&[healthy(M1), view_from(&text, M0), healthy(M2)]).unwrap();
        assert_eq!(t.reference, M1);
        assert!(t.gaps.is_empty());
        assert_eq!(
            t.disagreements,
            vec![Disagreement {
                node: M0.into(),
                slots: SlotRange::new(0, 99),
                says: None,
                reference: Some(M0.into()),
            }]
        );
        // Alone, that view has a gap.
        let t = Topology::build(&[view_from(&text, M0)]).unwrap();
        assert_eq!(t.gaps, vec![SlotRange::new(0, 99)]);
        assert_eq!(t.shards[0].slots, vec![SlotRange::new(100, 5460)]);
    }

    #[test]
    fn open_slots_come_from_each_nodes_own_line() {
        let text = include_str!("testdata/healthy.nodes").replace(
            "myself,master - 0 1796219746000 1 connected 0-5460",
            &format!("myself,master - 0 1796219746000 1 connected 0-5460 [100->-{M1}]"),
        );
        let t = Topology::build(&[parse(&text).map(View::new).unwrap().unwrap()]).unwrap();
        assert_eq!(
            t.open_slots,
            vec![NodeOpenSlot {
                node: M0.into(),
                open: OpenSlot {
                    slot: 100,
                    state: SlotState::Migrating,
                    peer: M1.into()
                }
            }]
        );
        assert!(!t.healthy());
    }

    #[test]
    fn replicas_of_unknown_masters_are_orphans() {
        let text = include_str!("testdata/healthy.nodes").replace(
            &format!("slave {M0}"),
            "slave 0000000000000000000000000000000000000000",
        );
        let t = Topology::build(&[view_from(&text, M1)]).unwrap();
        assert_eq!(t.orphans, vec![R0.to_string()]);
        assert!(t.shards[0].replicas.is_empty());
        assert!(Topology::build(&[]).is_none());
    }
}
