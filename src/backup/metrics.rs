//! Prometheus textfile-collector metrics for backups (`--metrics-file`), written atomically
//! so node_exporter never reads half a file.
//!
//! A failed run keeps the previous run's success timestamp and sizes, so an alert on
//! "last success too old" keeps working; it only updates the failure gauges. Several targets
//! may share one file: each run rewrites only its own target's series.

use crate::fsutil::write_atomic;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Gauges in output order, with their help text.
const GAUGES: [(&str, &str); 10] = [
    (
        "redisops_backup_last_success_timestamp_seconds",
        "Unix time of the last successful backup.",
    ),
    (
        "redisops_backup_last_failure_timestamp_seconds",
        "Unix time of the last failed backup.",
    ),
    (
        "redisops_backup_last_status",
        "1 if the last backup succeeded, 0 if it failed.",
    ),
    (
        "redisops_backup_last_duration_seconds",
        "Duration of the last successful backup.",
    ),
    (
        "redisops_backup_last_archive_bytes",
        "Archive size of the last successful backup.",
    ),
    (
        "redisops_backup_last_rdb_bytes",
        "RDB size of the last successful backup.",
    ),
    (
        "redisops_backup_last_keys",
        "Keys in the last successful backup.",
    ),
    (
        "redisops_backup_last_exit_code",
        "Exit code of the last backup run.",
    ),
    (
        "redisops_backup_last_shards",
        "Shards in the last successful backup set (cluster targets).",
    ),
    (
        "redisops_backup_last_partial",
        "1 if the last successful backup set is partial (slots without an owner were left \
         out), else 0 (cluster targets).",
    ),
];

/// The facts of one run.
pub enum RunResult {
    Success {
        duration_secs: f64,
        archive_bytes: u64,
        rdb_bytes: u64,
        keys: u64,
        /// For a cluster target's backup set: sizes and keys above are its shards' sums.
        set: Option<SetFacts>,
    },
    Failure {
        exit_code: u8,
    },
}

/// What a set adds to a successful run's metrics.
pub struct SetFacts {
    pub shards: usize,
    pub partial: bool,
}

/// Records `result` in the metrics file at `path` (if any): `success` gives the facts of a
/// successful run. A file that cannot be written is a warning: the backup itself stands.
pub fn record_result<T>(
    path: Option<&Path>,
    target: &str,
    result: &Result<T>,
    success: impl FnOnce(&T) -> RunResult,
) {
    let Some(path) = path else { return };
    let run = match result {
        Ok(t) => success(t),
        Err(e) => RunResult::Failure {
            exit_code: crate::exit::code_for(e).code(),
        },
    };
    if let Err(e) = record(path, target, &run) {
        crate::ui::warn(format!("{e:#}"));
    }
}

/// Updates the metrics file for `target` with the result of one run.
pub fn record(path: &Path, target: &str, result: &RunResult) -> Result<()> {
    let mut series = read_previous(path);
    let label = format!("{{target=\"{}\"}}", escape(target));
    let now = chrono::Utc::now().timestamp() as f64;
    let mut set = |name: &str, v: f64| {
        series.insert((name.to_string(), label.clone()), v);
    };
    match result {
        RunResult::Success {
            duration_secs,
            archive_bytes,
            rdb_bytes,
            keys,
            set: facts,
        } => {
            set(GAUGES[0].0, now);
            set(GAUGES[2].0, 1.0);
            set(GAUGES[3].0, *duration_secs);
            set(GAUGES[4].0, *archive_bytes as f64);
            set(GAUGES[5].0, *rdb_bytes as f64);
            set(GAUGES[6].0, *keys as f64);
            set(GAUGES[7].0, 0.0);
            if let Some(f) = facts {
                set(GAUGES[8].0, f.shards as f64);
                set(GAUGES[9].0, f64::from(u8::from(f.partial)));
            }
        }
        RunResult::Failure { exit_code } => {
            set(GAUGES[1].0, now);
            set(GAUGES[2].0, 0.0);
            set(GAUGES[7].0, f64::from(*exit_code));
        }
    }
    let mut out = String::new();
    for (name, help) in GAUGES {
        let mut lines = series
            .iter()
            .filter(|((n, _), _)| n == name)
            .map(|((n, l), v)| format!("{n}{l} {v}\n"))
            .peekable();
        if lines.peek().is_some() {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
            out.extend(lines);
        }
    }
    write_atomic(path, out.as_bytes(), 0o644)
        .with_context(|| format!("cannot write metrics file {}", path.display()))
}

/// Label values escape `\` and `"` (Prometheus text format).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Every series of the previous file, keyed by (metric name, label set).
fn read_previous(path: &Path) -> BTreeMap<(String, String), f64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let brace = series.find('{')?;
            let (name, labels) = series.split_at(brace);
            Some(((name.to_string(), labels.to_string()), value.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_keeps_last_success() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redisops.prom");
        let ok = RunResult::Success {
            duration_secs: 1.5,
            archive_bytes: 100,
            rdb_bytes: 300,
            keys: 7,
            set: None,
        };
        record(&path, "main", &ok).unwrap();
        record(&path, "main", &RunResult::Failure { exit_code: 21 }).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("redisops_backup_last_status{target=\"main\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("redisops_backup_last_keys{target=\"main\"} 7"),
            "{text}"
        );
        assert!(
            text.contains("redisops_backup_last_exit_code{target=\"main\"} 21"),
            "{text}"
        );
        assert!(text.contains("redisops_backup_last_success_timestamp_seconds{target=\"main\"}"));
        assert!(text.contains("# TYPE redisops_backup_last_rdb_bytes gauge"));

        // Another target in the same file keeps its series; quotes in names are escaped.
        record(&path, "other \"db\"", &ok).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("redisops_backup_last_exit_code{target=\"main\"} 21"),
            "{text}"
        );
        assert!(
            text.contains("redisops_backup_last_keys{target=\"other \\\"db\\\"\"} 7"),
            "{text}"
        );
        assert_eq!(
            text.matches("# TYPE redisops_backup_last_keys gauge")
                .count(),
            1
        );
        assert!(!text.contains("last_shards"), "no set, no shard gauge");

        let set = RunResult::Success {
            duration_secs: 2.0,
            archive_bytes: 10,
            rdb_bytes: 30,
            keys: 9,
            set: Some(SetFacts {
                shards: 3,
                partial: true,
            }),
        };
        record(&path, "shop", &set).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("redisops_backup_last_shards{target=\"shop\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("redisops_backup_last_partial{target=\"shop\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE redisops_backup_last_partial gauge"),
            "{text}"
        );
    }
}
