//! Presenting an audit: a table grouped by severity for people, a JSON object with a stable
//! shape for scripts, and SARIF 2.1.0 for code-scanning dashboards (rules from the
//! catalogue, one result per finding, located at the node's config file or the node itself,
//! with a fingerprint that is stable across runs).

use super::checks::{self, ClusterReported, NodeReport, Reported, Severity};
use super::facts::AuditFacts;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The findings of one audit, per node (and, for a cluster, of the cluster-wide checks).
pub struct Report<'a> {
    pub facts: &'a AuditFacts,
    pub nodes: Vec<NodeReport>,
    pub cluster: Vec<ClusterReported>,
}

/// How many findings there are at each severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Summary {
    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

impl<'a> Report<'a> {
    pub fn new(facts: &'a AuditFacts) -> Self {
        Self {
            facts,
            nodes: checks::evaluate(facts),
            cluster: checks::evaluate_cluster(facts),
        }
    }

    /// One finding per issue across the nodes of a cluster: the per-node findings of each
    /// check merged (highest severity, the first node's evidence), then the cluster-wide
    /// ones, highest severity first.
    pub fn grouped(&self) -> Vec<ClusterReported> {
        let mut out: Vec<ClusterReported> = Vec::new();
        for (node, f) in self.findings() {
            match out.iter_mut().find(|g| g.finding.id == f.id) {
                Some(g) => {
                    if g.nodes.len() == 1 {
                        g.finding.evidence = format!("on {}: {}", g.nodes[0], g.finding.evidence);
                    }
                    g.finding.severity = g.finding.severity.max(f.severity);
                    g.nodes.push(node.address.clone());
                }
                None => out.push(ClusterReported {
                    finding: f.clone(),
                    nodes: vec![node.address.clone()],
                }),
            }
        }
        out.extend(self.cluster.iter().cloned());
        out.sort_by(|a, b| {
            let key = |g: &ClusterReported| std::cmp::Reverse(g.finding.severity);
            key(a).cmp(&key(b)).then(a.finding.id.cmp(b.finding.id))
        });
        out
    }

    fn findings(&self) -> impl Iterator<Item = (&NodeReport, &Reported)> {
        self.nodes
            .iter()
            .flat_map(|n| n.findings.iter().map(move |f| (n, f)))
    }

    /// Counts per severity: of the findings per node, or of a cluster's grouped findings.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        if self.facts.cluster.is_some() {
            for g in self.grouped() {
                *s.slot(g.finding.severity) += 1;
            }
        } else {
            for (_, f) in self.findings() {
                *s.slot(f.severity) += 1;
            }
        }
        s
    }

    /// Whether any finding is at or above `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        self.findings().any(|(_, f)| f.severity >= threshold)
            || self.cluster.iter().any(|g| g.finding.severity >= threshold)
    }

    /// The documented JSON shape; `facts` only when asked for. A cluster's adds `cluster`
    /// (each node's place, and what is unhealthy now) and `findings` (one per issue, with
    /// the nodes), beside the per-node detail in `nodes`.
    pub fn to_json(&self, show_facts: bool) -> Value {
        let mut out = json!({
            "target": self.facts.target,
            "nodes": self.nodes,
            "summary": self.summary(),
        });
        if let Some(c) = &self.facts.cluster {
            out["cluster"] = json!(c);
            out["findings"] = json!(self.grouped());
        }
        if show_facts {
            out["facts"] = json!(self.facts);
        }
        out
    }

    /// SARIF 2.1.0 with every catalogue check as a rule, so rule indices are stable.
    pub fn to_sarif(&self) -> Value {
        let rules: Vec<Value> = checks::catalogue()
            .map(|c| {
                json!({
                    "id": c.id,
                    "shortDescription": { "text": c.title },
                    "fullDescription": { "text": match c.graded {
                        Some(g) => format!("{} (severity {}; {g})", c.title, c.severity.name()),
                        None => format!("{} (severity {})", c.title, c.severity.name()),
                    }},
                    "help": { "text": c.remediation },
                    "defaultConfiguration": { "level": level(c.severity) },
                    "properties": {
                        "tags": ["security", c.category.name()],
                        "security-severity": security_severity(c.severity),
                    },
                })
            })
            .collect();
        let index = |id: &str| checks::catalogue().position(|c| c.id == id);
        let results: Vec<Value> = self
            .findings()
            .map(|(node, f)| {
                json!({
                    "ruleId": f.id,
                    "ruleIndex": index(f.id),
                    "level": level(f.severity),
                    "message": { "text": format!("{}: {}", f.title, f.evidence) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": self.artifact(node),
                        },
                        "logicalLocations": [{
                            "name": node.address,
                            "kind": "resource",
                        }],
                    }],
                    "partialFingerprints": {
                        "redisopsFinding/v1": fingerprint(f.id, &node.address),
                    },
                    "properties": {
                        "severity": f.severity,
                        "category": f.category,
                        "role": node.role,
                        "remediation": f.remediation,
                    },
                })
            })
            .collect();
        let results: Vec<Value> = results
            .into_iter()
            .chain(self.cluster.iter().map(|g| self.cluster_result(g, &index)))
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "redisops",
                        "version": env!("CARGO_PKG_VERSION"),
                        "semanticVersion": env!("CARGO_PKG_VERSION"),
                        "rules": rules,
                    },
                },
                "originalUriBaseIds": {
                    FILE_ROOT: {
                        "uri": "file:///",
                        "description": { "text": "The root of the audited host's file system" },
                    },
                },
                "results": results,
            }],
        })
    }

    /// A cluster-wide finding: located at its first node (the cluster URL without one),
    /// with a logical location per node; fingerprinted by its nodes.
    fn cluster_result(&self, g: &ClusterReported, index: &dyn Fn(&str) -> Option<usize>) -> Value {
        let f = &g.finding;
        let artifact = match self
            .nodes
            .iter()
            .find(|n| g.nodes.first() == Some(&n.address))
        {
            Some(node) => self.artifact(node),
            None => json!({ "uri": self.facts.target }),
        };
        let logical: Vec<Value> = g
            .nodes
            .iter()
            .map(|a| json!({ "name": a, "kind": "resource" }))
            .collect();
        let mut result = json!({
            "ruleId": f.id,
            "ruleIndex": index(f.id),
            "level": level(f.severity),
            "message": { "text": format!("{}: {}", f.title, f.evidence) },
        });
        result["locations"] = json!([{
            "physicalLocation": { "artifactLocation": artifact },
            "logicalLocations": logical,
        }]);
        result["partialFingerprints"] =
            json!({ "redisopsFinding/v1": fingerprint(f.id, &g.nodes.join(",")) });
        result["properties"] = json!({
            "severity": f.severity,
            "category": f.category,
            "nodes": g.nodes,
            "remediation": f.remediation,
        });
        result
    }

    /// Where a finding on `node` is located: its config file when the audit read it (a path
    /// under [`FILE_ROOT`]), else the node itself as `redis://host:port` (or `unix://path`).
    fn artifact(&self, node: &NodeReport) -> Value {
        let config_file = self
            .facts
            .nodes
            .iter()
            .find(|n| n.address == node.address)
            .and_then(|n| n.host.as_ref())
            .and_then(|h| h.config_file.as_ref())
            .map(|f| f.path.as_str())
            .filter(|p| p.starts_with('/'));
        match config_file {
            Some(path) => json!({
                "uri": uri_escape(path.trim_start_matches('/')),
                "uriBaseId": FILE_ROOT,
            }),
            None if node.address.starts_with('/') => {
                json!({ "uri": format!("unix://{}", uri_escape(&node.address)) })
            }
            None => json!({ "uri": format!("redis://{}", uri_escape(&node.address)) }),
        }
    }

    /// The human report: findings grouped by severity, highest first, then the summary
    /// and the verdict against `fail_on`.
    pub fn render(&self, fail_on: Severity) -> String {
        if self.facts.cluster.is_some() {
            return self.render_cluster(fail_on);
        }
        let mut o = String::new();
        let nodes = self.nodes.len();
        let _ = writeln!(
            o,
            "Hardening audit of {} ({nodes} node{})",
            self.facts.target,
            if nodes == 1 { "" } else { "s" }
        );
        for n in &self.nodes {
            let _ = writeln!(o, "  {} ({})", n.address, n.role);
        }
        for severity in Severity::DESCENDING {
            let group: Vec<_> = self
                .findings()
                .filter(|(_, f)| f.severity == severity)
                .collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(o, "\n{}", severity.name().to_uppercase());
            for (node, f) in group {
                let _ = writeln!(
                    o,
                    "  {:<8} {} ({})  {}",
                    f.id, node.address, node.role, f.title
                );
                let _ = writeln!(o, "           seen: {}", f.evidence);
                let _ = writeln!(o, "           fix:  {}", f.remediation);
            }
        }
        self.verdict(&mut o, fail_on);
        o
    }

    /// A cluster: its nodes with their place, what is unhealthy now, then one finding per
    /// issue with the nodes it is on.
    fn render_cluster(&self, fail_on: Severity) -> String {
        let mut o = String::new();
        let Some(c) = &self.facts.cluster else {
            return o;
        };
        let _ = writeln!(
            o,
            "Hardening audit of the cluster {} ({} nodes)",
            c.url,
            self.nodes.len()
        );
        for n in &c.nodes {
            let place = match (&n.master, n.slots.is_empty()) {
                (Some(m), _) => format!(
                    "replica of {}",
                    c.by_id(m)
                        .map_or(&m[..m.len().min(8)], |m| m.address.as_str())
                ),
                (None, false) => format!("master of slots {}", n.slots),
                (None, true) => "master without slots".into(),
            };
            let _ = writeln!(o, "  {:<22} {place}, bus port {}", n.address, n.bus_port);
        }
        for p in &c.problems {
            let _ = writeln!(o, "WARNING  {p}");
        }
        let grouped = self.grouped();
        let total = self.nodes.len();
        for severity in Severity::DESCENDING {
            let group: Vec<_> = grouped
                .iter()
                .filter(|g| g.finding.severity == severity)
                .collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(o, "\n{}", severity.name().to_uppercase());
            for g in group {
                let f = &g.finding;
                let _ = writeln!(
                    o,
                    "  {:<8} {}  ({} of {total} nodes)",
                    f.id,
                    f.title,
                    g.nodes.len()
                );
                let _ = writeln!(o, "           nodes: {}", g.nodes.join(", "));
                let _ = writeln!(o, "           seen:  {}", f.evidence);
                let _ = writeln!(o, "           fix:   {}", f.remediation);
            }
        }
        self.verdict(&mut o, fail_on);
        o
    }

    fn verdict(&self, o: &mut String, fail_on: Severity) {
        let mut s = self.summary();
        let counts: Vec<String> = Severity::DESCENDING
            .iter()
            .map(|sev| format!("{} {}", s.slot(*sev), sev.name()))
            .collect();
        let _ = writeln!(o, "\nSummary: {}", counts.join(", "));
        let verdict = if self.reaches(fail_on) {
            format!("findings at or above {} (exit 3)", fail_on.name())
        } else {
            format!("nothing at or above {}", fail_on.name())
        };
        let _ = writeln!(o, "Result:  {verdict}");
    }
}

/// The `uriBaseId` of config-file locations.
const FILE_ROOT: &str = "FILESYSTEM_ROOT";

/// Percent-encodes what may not stand in a URI path as is.
fn uri_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The same finding on the same node has the same fingerprint in every run, whatever the
/// evidence says this time, so code scanning tracks it instead of opening a new alert.
fn fingerprint(rule: &str, address: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(format!("{rule}\0{address}"))[..16])
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The CVSS-like score GitHub code scanning reads to rank security results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harden::checks::fixtures::{audit, open_default, server};

    #[test]
    fn a_cluster_report_has_one_finding_per_issue_with_its_nodes() {
        use crate::harden::facts::ClusterFacts;
        let nodes: Vec<_> = (0..3)
            .map(|i| {
                let mut n = server();
                n.address = format!("127.0.0.1:700{i}");
                open_default(&mut n);
                n
            })
            .collect();
        let mut facts = audit(nodes);
        facts.cluster = Some(ClusterFacts {
            url: "redis-cluster://127.0.0.1:7000".into(),
            nodes: vec![],
            problems: vec!["127.0.0.1:7003 did not answer: refused".into()],
        });
        let report = Report::new(&facts);
        let grouped = report.grouped();
        let net01: Vec<_> = grouped
            .iter()
            .filter(|g| g.finding.id == "NET-01")
            .collect();
        assert_eq!(net01.len(), 1);
        assert_eq!(net01[0].nodes.len(), 3);
        assert!(net01[0].finding.evidence.starts_with("on 127.0.0.1:7000: "));
        assert_eq!(
            report.summary().critical,
            1 + grouped
                .iter()
                .filter(|g| g.finding.id != "NET-01" && g.finding.severity == Severity::Critical)
                .count()
        );
        let j = report.to_json(false);
        assert_eq!(j["findings"][0]["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(j["nodes"].as_array().unwrap().len(), 3);
        let text = report.render(Severity::High);
        assert!(text.contains("(3 of 3 nodes)"), "{text}");
        assert!(
            text.contains("WARNING  127.0.0.1:7003 did not answer"),
            "{text}"
        );
    }

    #[test]
    fn shapes() {
        let mut n = server();
        open_default(&mut n);
        let facts = audit(vec![n]);
        let report = Report::new(&facts);
        assert!(report.reaches(Severity::Critical));
        let s = report.summary();
        assert_eq!(s.critical, 1);

        let j = report.to_json(false);
        assert_eq!(j["nodes"][0]["findings"][0]["id"], "NET-01");
        assert!(j.get("facts").is_none());
        assert!(report.to_json(true)["facts"]["nodes"].is_array());

        let sarif = report.to_sarif();
        assert_eq!(sarif["version"], "2.1.0");
        let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let result = &sarif["runs"][0]["results"][0];
        let i = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], result["ruleId"]);
        assert_eq!(result["level"], "error");
        // No config file in the facts: located at the node.
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert!(
            artifact["uri"].as_str().unwrap().starts_with("redis://"),
            "{artifact}"
        );
        assert_eq!(
            fingerprint("NET-01", "10.0.0.1:6379"),
            fingerprint("NET-01", "10.0.0.1:6379")
        );
        assert_ne!(
            fingerprint("NET-01", "10.0.0.1:6379"),
            fingerprint("NET-01", "10.0.0.2:6379")
        );

        let text = report.render(Severity::High);
        assert!(text.contains("CRITICAL\n  NET-01"), "{text}");
        assert!(text.contains("exit 3"));
    }
}
