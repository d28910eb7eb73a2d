//! The check catalogue: a static list of checks (the ripgrep `FLAGS` pattern), each with a
//! stable ID from the hardening notes (NET-01, AUTH-02, …), a title, a category, the highest
//! severity it reports, a remediation, and a pure function from facts to findings. Reports,
//! SARIF rules, the README table and `harden apply`'s `--only/--skip` all read this list, so
//! an ID means the same thing everywhere.

mod access;
mod cluster;
mod exposure;
mod passwords;
mod replication;
mod surface;
pub(crate) mod system;
mod tls;

use super::facts::{AuditFacts, NodeFacts, NodeKind, UserFacts};
use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Low < … < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Highest first, the order reports use.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Network,
    Authentication,
    Acl,
    AttackSurface,
    Tls,
    Replication,
    Sentinel,
    Persistence,
    Host,
    Cluster,
    Audit,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Network => "network",
            Category::Authentication => "authentication",
            Category::Acl => "acl",
            Category::AttackSurface => "attack-surface",
            Category::Tls => "tls",
            Category::Replication => "replication",
            Category::Sentinel => "sentinel",
            Category::Persistence => "persistence",
            Category::Host => "host",
            Category::Cluster => "cluster",
            Category::Audit => "audit",
        }
    }
}

/// Which nodes a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Server,
    Sentinel,
    Any,
    /// Every node of a cluster at once: runs once per cluster audit, and each finding names
    /// the nodes it is about ([`Finding::on`]).
    Cluster,
}

/// A check's ID as the planner names it (`CheckId("NET-01")`): a test proves that every
/// one it names is in the [`catalogue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CheckId(pub &'static str);

impl CheckId {
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Whether the catalogue has a check with this ID.
    pub fn known(self) -> bool {
        catalogue().any(|c| c.id == self.0)
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One entry of the catalogue.
pub struct Check {
    /// Stable identifier; never reused for a different check.
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// The highest severity the check reports.
    pub severity: Severity,
    /// When findings are reported below `severity`, and at which level.
    pub graded: Option<&'static str>,
    pub scope: Scope,
    /// The fix in general terms: what `harden apply` does, or the manual step.
    pub remediation: &'static str,
    pub run: fn(&Subject) -> Vec<Finding>,
}

/// The catalogue, in report order.
pub fn catalogue() -> impl Iterator<Item = &'static Check> {
    [
        exposure::CHECKS,
        access::CHECKS,
        surface::CHECKS,
        tls::CHECKS,
        replication::CHECKS,
        cluster::CHECKS,
        system::CHECKS,
    ]
    .into_iter()
    .flatten()
}

/// What a check looks at: one node, with the rest of the audit for cross-node checks.
pub struct Subject<'a> {
    pub node: &'a NodeFacts,
    pub audit: &'a AuditFacts,
}

impl Subject<'_> {
    pub fn is_admin(&self, user: &str) -> bool {
        self.audit.admin_users.iter().any(|a| a == user)
    }

    /// Enabled users other than the administrators.
    pub fn non_admins(&self) -> impl Iterator<Item = &UserFacts> {
        self.node
            .users
            .iter()
            .flatten()
            .filter(|u| u.enabled() && !self.is_admin(&u.name))
    }

    pub fn in_sentinel_group(&self) -> bool {
        self.audit.group.is_some()
    }

    /// The reachable servers of the audit, for checks across nodes.
    pub fn servers(&self) -> impl Iterator<Item = &NodeFacts> {
        self.audit
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Server && n.unreachable.is_none())
    }

    /// The master of the audited group (the Sentinels' choice); in a cluster, a replica's
    /// master as the cluster knows it; or, for a node that is a master, the node itself.
    pub fn master(&self) -> Option<&NodeFacts> {
        let reachable = |address: &str| {
            self.audit
                .nodes
                .iter()
                .find(|n| n.address == address && n.unreachable.is_none())
        };
        match (&self.audit.group, &self.audit.cluster) {
            (Some(g), _) => reachable(&g.master),
            (None, Some(c)) if self.node.role == "slave" => {
                let id = c.node(&self.node.address)?.master.as_deref()?;
                reachable(&c.by_id(id)?.address)
            }
            _ => (self.node.role == "master").then_some(self.node),
        }
    }
}

/// What a check saw. Severity and remediation default to the check's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Option<Severity>,
    pub evidence: String,
    pub remediation: Option<String>,
    /// A cluster check's nodes (addresses); empty for a per-node check's own node.
    pub nodes: Vec<String>,
}

impl Finding {
    pub fn new(evidence: impl Into<String>) -> Self {
        Self {
            severity: None,
            evidence: evidence.into(),
            remediation: None,
            nodes: Vec::new(),
        }
    }

    /// The nodes a cluster finding is about.
    pub fn on(mut self, nodes: Vec<String>) -> Self {
        self.nodes = nodes;
        self
    }

    pub fn at(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    pub fn fix(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }
}

/// A finding as reported: the check's identity plus what was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Reported {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub evidence: String,
    pub remediation: String,
}

/// The findings on one node.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    pub address: String,
    pub role: String,
    pub findings: Vec<Reported>,
}

/// A finding of a cluster-wide check, with the nodes it is about.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReported {
    #[serde(flatten)]
    pub finding: Reported,
    pub nodes: Vec<String>,
}

fn report(c: &'static Check, f: Finding) -> (Reported, Vec<String>) {
    let reported = Reported {
        id: c.id,
        title: c.title,
        severity: f.severity.unwrap_or(c.severity),
        category: c.category,
        evidence: f.evidence,
        remediation: f.remediation.unwrap_or_else(|| c.remediation.into()),
    };
    (reported, f.nodes)
}

/// Runs the catalogue over every node. An unreachable node only gets the audit checks;
/// cluster-wide checks are not run here ([`evaluate_cluster`]).
pub fn evaluate(audit: &AuditFacts) -> Vec<NodeReport> {
    audit
        .nodes
        .iter()
        .map(|node| {
            let subject = Subject { node, audit };
            let mut findings: Vec<Reported> = catalogue()
                .filter(|c| match c.scope {
                    Scope::Any => true,
                    Scope::Server => node.kind == NodeKind::Server,
                    Scope::Sentinel => node.kind == NodeKind::Sentinel,
                    Scope::Cluster => false,
                })
                .filter(|c| node.unreachable.is_none() || c.category == Category::Audit)
                .flat_map(|c| (c.run)(&subject).into_iter().map(move |f| report(c, f).0))
                .collect();
            findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(b.id)));
            NodeReport {
                address: node.address.clone(),
                role: node.role.clone(),
                findings,
            }
        })
        .collect()
}

/// Runs the cluster-wide checks once over a cluster audit (none without a cluster).
pub fn evaluate_cluster(audit: &AuditFacts) -> Vec<ClusterReported> {
    let Some(node) = audit.nodes.first().filter(|_| audit.cluster.is_some()) else {
        return Vec::new();
    };
    let subject = Subject { node, audit };
    let mut out: Vec<ClusterReported> = catalogue()
        .filter(|c| c.scope == Scope::Cluster)
        .flat_map(|c| {
            (c.run)(&subject).into_iter().map(move |f| {
                let (finding, nodes) = report(c, f);
                ClusterReported { finding, nodes }
            })
        })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.finding.severity));
    out
}

/// The catalogue as a Markdown table (the README's check list).
pub fn markdown_table() -> String {
    // Escaped so `<user>` is not read as HTML, `__sentinel__` or `~*` as emphasis.
    let cell = |s: &str| {
        s.replace('|', "\\|")
            .replace('<', "&lt;")
            .replace('_', "\\_")
            .replace('*', "\\*")
    };
    let mut out =
        String::from("| ID | Severity | Category | Check | Remediation |\n|---|---|---|---|---|\n");
    for c in catalogue() {
        let severity = match c.graded {
            Some(g) => format!("{} ({g})", c.severity.name()),
            None => c.severity.name().to_string(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.id,
            cell(&severity),
            c.category.name(),
            cell(c.title),
            cell(c.remediation)
        ));
    }
    out
}

/// Joins names for evidence: `a, b and c`.
fn list(items: &[impl AsRef<str>]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = catalogue().map(|c| c.id).collect();
        for id in &ids {
            let (prefix, number) = id.split_once('-').expect("PREFIX-NN");
            assert!(prefix.chars().all(|c| c.is_ascii_uppercase()), "{id}");
            assert!(number.len() == 2 && number.parse::<u8>().is_ok(), "{id}");
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate check IDs");
    }

    #[test]
    fn every_check_is_documented() {
        for c in catalogue() {
            assert!(!c.title.is_empty() && !c.remediation.is_empty(), "{}", c.id);
            assert!(
                c.severity > Severity::Info || c.graded.is_none(),
                "{}",
                c.id
            );
        }
        assert!(markdown_table().lines().count() > 30);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list(&["a", "b", "c"]), "a, b and c");
    }
}
