//! The restore plan: pure data computed from the gathered facts, the staged RDB and the
//! operator's options. Every step says what it changes and how it is undone, so the plan can
//! be printed before anything happens, journaled, resumed and rolled back.
//!
//! Order (notes §6.6): disable every way the old process could save over the restored file,
//! stop, swap the files (old ones renamed aside, never deleted), start, wait for the load and
//! prove the data, then put the runtime settings back.

use super::facts::Facts;
use super::sentinel::Protection;
use super::shard::{NO_FAILOVER, ShardGuard};
use crate::host::Supervisor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The value every shutdown signal gets while the restore runs (7.0+): no final save, no
/// waiting for lagging replicas.
pub const NOSAVE_NOW: &str = "nosave now";

/// One state-changing step. Externally tagged in the journal: an internally tagged enum
/// cannot read back the integer-keyed maps inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Sentinel-managed master: `replica-priority 0` on every replica and a long
    /// `down-after-milliseconds` on every Sentinel, confirmed by every Sentinel.
    Protect(Protection),
    /// `CONFIG SET save ""` and the shutdown-on-signal settings, so that no stop path can write
    /// the old dataset over the restored file.
    DisableSaves {
        set: BTreeMap<String, String>,
        originals: BTreeMap<String, String>,
    },
    /// Stop the server through its supervisor; wait for the process to be gone and the port
    /// closed.
    Stop,
    /// Move the old files aside and put the staged RDB (and, with AOF, a seeded AOF directory)
    /// in place.
    Swap(Swap),
    /// Start the server through its supervisor and wait until it answers.
    Start,
    /// Wait for the load to finish and prove the data is the archive's.
    Verify(Expected),
    /// Put the runtime settings changed by `DisableSaves` back.
    RestoreSettings { originals: BTreeMap<String, String> },
    /// Wait until every replica has full-synced the restored data.
    WaitReplicas,
    /// Put the replicas' and Sentinels' settings back and confirm.
    Unprotect(Protection),
    /// Cluster master with appendonly no: BGSAVE, so that a rollback puts back its current
    /// data (a cluster restore takes no safety backup).
    Save,
    /// Cluster master: `cluster-replica-no-failover yes` on every replica of its shard.
    ProtectCluster(ShardGuard),
    /// Cluster master: wait for `cluster_state:ok` on every node, no node flagging the master
    /// failing, and every replica full-synced. Every cluster master's plan has it.
    WaitCluster(ShardGuard),
    /// Put the replicas' `cluster-replica-no-failover` back.
    UnprotectCluster(ShardGuard),
}

/// The file moves of the swap, with what existed before (undo depends on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Swap {
    pub staged: PathBuf,
    pub dump: PathBuf,
    pub dump_existed: bool,
    pub dump_aside: PathBuf,
    pub aof: Option<AofSeed>,
}

/// Plan B1 (notes §6.4): a fresh multi-part AOF directory whose base is the restored RDB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AofSeed {
    pub dir: PathBuf,
    pub existed: bool,
    pub aside: PathBuf,
    /// `<appendfilename>.1.base.rdb`
    pub base: String,
    /// `<appendfilename>.manifest`
    pub manifest: String,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl AofSeed {
    pub fn manifest_text(&self) -> String {
        format!("file {} seq 1 type b\n", self.base)
    }
}

/// What the restored server must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    /// Keys per database in the RDB.
    pub keys: BTreeMap<u32, u64>,
    pub total_keys: u64,
    /// The run id before the restore: the verified server must be a new process.
    pub old_run_id: String,
    /// A load from an AOF base keeps keys that already expired; an RDB load drops them.
    pub from_aof: bool,
    /// Where the restore put the data. The restarted server must use exactly these: a config
    /// file that differs from the running settings (a runtime CONFIG SET appendonly, say)
    /// would make it load other files.
    pub dir: PathBuf,
    pub dbfilename: String,
    pub appenddirname: String,
    /// A cluster master's node id: its own `CLUSTER NODES` line is checked too.
    #[serde(default)]
    pub cluster_node: Option<String>,
}

/// Everything the plan is computed from besides the facts.
pub struct Inputs<'a> {
    pub staged: PathBuf,
    /// Timestamp used in every name the restore creates (`*.pre-restore-<ts>`).
    pub ts: &'a str,
    pub keys: BTreeMap<u32, u64>,
    /// Owner and mode for the seeded AOF directory.
    pub uid: u32,
    pub gid: u32,
    /// For a Sentinel-managed master: the originals to protect and restore.
    pub protection: Option<Protection>,
    /// For a cluster master: its shard, replicas and their originals.
    pub cluster: Option<ShardGuard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub supervisor: Supervisor,
    pub steps: Vec<Step>,
}

/// Builds the plan. Pure: the same facts give the same plan.
pub fn build(facts: &Facts, supervisor: Supervisor, inputs: &Inputs<'_>) -> Plan {
    let mut set = BTreeMap::from([("save".to_string(), String::new())]);
    let mut originals = BTreeMap::from([("save".to_string(), facts.save.clone())]);
    for (name, value) in &facts.shutdown_on_signal {
        set.insert(name.clone(), NOSAVE_NOW.to_string());
        originals.insert(name.clone(), value.clone());
    }
    let aof = facts.appendonly.then(|| {
        let dir = facts.dir.join(&facts.appenddirname);
        AofSeed {
            aside: aside_path(&dir, inputs.ts),
            existed: facts.aof_dir_exists,
            dir,
            base: format!("{}.1.base.rdb", facts.appendfilename),
            manifest: format!("{}.manifest", facts.appendfilename),
            uid: inputs.uid,
            gid: inputs.gid,
            mode: facts.aof_dir_mode.unwrap_or(0o755),
        }
    });
    let dump = facts.dir.join(&facts.dbfilename);
    let save = inputs.cluster.is_some() && !facts.appendonly;
    let swap = Swap {
        staged: inputs.staged.clone(),
        dump_aside: aside_path(&dump, inputs.ts),
        // The save writes the dump if there was none.
        dump_existed: facts.dump_exists || save,
        dump,
        aof,
    };
    let expected = Expected {
        total_keys: inputs.keys.values().sum(),
        keys: inputs.keys.clone(),
        old_run_id: facts.run_id.clone(),
        from_aof: facts.appendonly,
        dir: facts.dir.clone(),
        dbfilename: facts.dbfilename.clone(),
        appenddirname: facts.appenddirname.clone(),
        cluster_node: inputs.cluster.as_ref().map(|g| g.master_id.clone()),
    };
    let mut steps = Vec::new();
    if let Some(p) = &inputs.protection {
        steps.push(Step::Protect(p.clone()));
    }
    if save {
        steps.push(Step::Save);
    }
    // A shard of a new cluster has no replica yet: nothing to protect.
    let protect = inputs.cluster.as_ref().filter(|g| !g.replicas.is_empty());
    if let Some(g) = protect {
        steps.push(Step::ProtectCluster(g.clone()));
    }
    steps.extend([
        Step::DisableSaves {
            set,
            originals: originals.clone(),
        },
        Step::Stop,
        Step::Swap(swap),
        Step::Start,
        Step::Verify(expected),
        Step::RestoreSettings { originals },
    ]);
    if let Some(p) = &inputs.protection {
        steps.extend([Step::WaitReplicas, Step::Unprotect(p.clone())]);
    }
    if let Some(g) = &inputs.cluster {
        steps.push(Step::WaitCluster(g.clone()));
    }
    if let Some(g) = protect {
        steps.push(Step::UnprotectCluster(g.clone()));
    }
    Plan { supervisor, steps }
}

fn aside_path(path: &std::path::Path, ts: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".pre-restore-{ts}"));
    path.with_file_name(name)
}

impl Step {
    /// Short name, as in the journal and the JSON result.
    pub fn name(&self) -> &'static str {
        match self {
            Step::DisableSaves { .. } => "disable_saves",
            Step::Stop => "stop",
            Step::Swap(_) => "swap",
            Step::Start => "start",
            Step::Verify(_) => "verify",
            Step::RestoreSettings { .. } => "restore_settings",
            Step::Protect(_) => "protect",
            Step::WaitReplicas => "wait_replicas",
            Step::Unprotect(_) => "unprotect",
            Step::Save => "save",
            Step::ProtectCluster(_) => "protect_cluster",
            Step::WaitCluster(_) => "wait_cluster",
            Step::UnprotectCluster(_) => "unprotect_cluster",
        }
    }

    /// What the step changes, and how it is undone.
    pub fn describe(&self, supervisor: &Supervisor) -> (String, String) {
        match self {
            Step::DisableSaves { set, originals } => (
                format!("CONFIG SET {}", settings(set)),
                format!("CONFIG SET {}", settings(originals)),
            ),
            Step::Stop => (
                format!("stop the server: {}", supervisor.describe_stop()),
                format!(
                    "start it again on its old files: {}",
                    supervisor.describe_start()
                ),
            ),
            Step::Swap(s) => {
                let mut what = Vec::new();
                let mut undo = Vec::new();
                if let Some(aof) = &s.aof {
                    if aof.existed {
                        what.push(format!(
                            "rename {} to {}",
                            aof.dir.display(),
                            aof.aside.display()
                        ));
                        undo.push(format!("rename {} back", aof.aside.display()));
                    }
                    what.push(format!(
                        "seed {} with the restored RDB as {} (manifest: {})",
                        aof.dir.display(),
                        aof.base,
                        aof.manifest_text().trim_end()
                    ));
                    undo.push(format!("remove the seeded {}", aof.dir.display()));
                }
                if s.dump_existed {
                    what.push(format!(
                        "rename {} to {}",
                        s.dump.display(),
                        s.dump_aside.display()
                    ));
                    undo.push(format!("rename {} back", s.dump_aside.display()));
                } else {
                    undo.push(format!("remove the restored {}", s.dump.display()));
                }
                what.push(format!(
                    "rename {} to {}",
                    s.staged.display(),
                    s.dump.display()
                ));
                (what.join("; "), undo.join("; "))
            }
            Step::Start => (
                format!("start the server: {}", supervisor.describe_start()),
                format!("stop it again: {}", supervisor.describe_stop()),
            ),
            Step::Verify(e) => (
                format!(
                    "wait for the load, then check: a new process (run_id changed), role master, \
                     {} key(s) loaded ({}){}",
                    e.total_keys,
                    if e.from_aof {
                        "from the AOF base"
                    } else {
                        "from the RDB; keys expired at load are counted"
                    },
                    e.cluster_node
                        .as_ref()
                        .map(|id| format!(
                            "; its own CLUSTER NODES line: node id {id}, master, the same \
                             slots, no importing/migrating slot"
                        ))
                        .unwrap_or_default()
                ),
                "nothing to undo (a failed check rolls the restore back)".into(),
            ),
            Step::RestoreSettings { originals } => (
                format!("CONFIG SET {}", settings(originals)),
                "nothing to undo".into(),
            ),
            Step::Protect(p) => (
                format!(
                    "CONFIG SET replica-priority 0 on {}; SENTINEL SET {} down-after-milliseconds \
                     {} on {}; wait until every Sentinel reports both",
                    list(p.replicas.iter().map(|(hp, _)| hp.to_string())),
                    p.master_name,
                    p.raised_down_after_ms,
                    list(p.sentinels.iter().map(|(hp, _)| hp.to_string())),
                ),
                unprotect(p),
            ),
            Step::WaitReplicas => (
                "wait until every replica has full-synced the restored data".into(),
                "nothing to undo".into(),
            ),
            Step::Unprotect(p) => (unprotect(p), "nothing to undo".into()),
            Step::Save => (
                "BGSAVE and wait for it, so that a rollback puts back the current data".into(),
                "nothing to undo".into(),
            ),
            Step::ProtectCluster(g) => (
                format!(
                    "CONFIG SET {NO_FAILOVER} yes on {} (no replica of shard {} is elected \
                     while its master is down or loading)",
                    list(g.replicas.iter().map(|(hp, _)| hp.to_string())),
                    g.label
                ),
                format!(
                    "wait for cluster_state:ok on every node (up to {}s), then {}",
                    g.budget().as_secs(),
                    unprotect_cluster(g)
                ),
            ),
            Step::WaitCluster(_) => (
                "wait for cluster_state:ok on every node with none flagging the master \
                 failing (budget 2 × cluster-node-timeout + 30s), then until every replica \
                 has full-synced the restored data"
                    .into(),
                "nothing to undo".into(),
            ),
            Step::UnprotectCluster(g) => (unprotect_cluster(g), "nothing to undo".into()),
        }
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

fn unprotect(p: &Protection) -> String {
    format!(
        "CONFIG SET replica-priority back ({}); SENTINEL SET {} down-after-milliseconds back ({}); \
         confirm through every Sentinel",
        list(p.replicas.iter().map(|(hp, v)| format!("{hp}: {v}"))),
        p.master_name,
        list(p.sentinels.iter().map(|(hp, ms)| format!("{hp}: {ms}"))),
    )
}

fn unprotect_cluster(g: &ShardGuard) -> String {
    format!(
        "CONFIG SET {NO_FAILOVER} back ({})",
        list(g.replicas.iter().map(|(hp, v)| format!("{hp}: {v}")))
    )
}

fn settings(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} \"{v}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Plan {
    /// A cluster master's shard, from its wait step.
    pub fn shard_guard(&self) -> Option<&ShardGuard> {
        self.steps.iter().find_map(|s| match s {
            Step::WaitCluster(g) => Some(g),
            _ => None,
        })
    }

    /// The staged RDB the swap puts in place.
    pub fn staged(&self) -> Option<&std::path::Path> {
        self.steps.iter().find_map(|s| match s {
            Step::Swap(swap) => Some(swap.staged.as_path()),
            _ => None,
        })
    }

    /// The plan as numbered lines for the operator.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Numbers right-aligned to the widest, so that names and undo lines stay in columns
        // when a plan (a cluster shard's) has ten steps or more.
        let width = self.steps.len().to_string().len();
        for (i, step) in self.steps.iter().enumerate() {
            let (what, undo) = step.describe(&self.supervisor);
            out.push_str(&format!(
                "  {:>width$}. {:<16} {what}\n  {:width$}  {:<16} undo: {undo}\n",
                i + 1,
                step.name(),
                "",
                ""
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn facts(appendonly: bool) -> Facts {
        Facts {
            version: "7.0.15".into(),
            server: None,
            rdb_version_relaxed: None,
            role: "master".into(),
            run_id: "abc".into(),
            pid: 42,
            dir: PathBuf::from("/var/lib/redis"),
            dbfilename: "dump.rdb".into(),
            dump_exists: true,
            appendonly,
            appenddirname: "appendonlydir".into(),
            appendfilename: "appendonly.aof".into(),
            aof_dir_exists: appendonly,
            aof_dir_mode: Some(0o750),
            save: "3600 1".into(),
            shutdown_on_signal: BTreeMap::from([
                ("shutdown-on-sigint".to_string(), "default".to_string()),
                ("shutdown-on-sigterm".to_string(), "default".to_string()),
            ]),
            databases: 16,
            config_file: Some(PathBuf::from("/etc/redis/redis.conf")),
            executable: Some(PathBuf::from("/usr/bin/redis-server")),
            cwd: Some(PathBuf::from("/")),
            process: None,
            logfile: None,
            connected_replicas: 0,
            keys: 0,
            identity: crate::repo::ServerIdentity {
                host: "127.0.0.1".into(),
                port: 6379,
                run_id: Some("abc".into()),
                repl_ids: Vec::new(),
            },
        }
    }

    fn inputs() -> Inputs<'static> {
        Inputs {
            staged: PathBuf::from("/var/lib/redis/.redisops-restore-T.rdb"),
            ts: "T",
            keys: BTreeMap::from([(0, 10), (3, 5)]),
            uid: 100,
            gid: 101,
            protection: None,
            cluster: None,
        }
    }

    fn managed() -> Supervisor {
        Supervisor::Managed {
            executable: PathBuf::from("/usr/bin/redis-server"),
            config_file: PathBuf::from("/etc/redis/redis.conf"),
            cwd: PathBuf::from("/"),
            output: PathBuf::from("/var/lib/redis/.redisops-restore-T.out"),
            args: Vec::new(),
            owner: None,
        }
    }

    fn names(plan: &Plan) -> Vec<&'static str> {
        plan.steps.iter().map(Step::name).collect()
    }

    #[test]
    fn appendonly_no_swaps_only_the_dump() {
        let plan = build(&facts(false), managed(), &inputs());
        assert_eq!(
            names(&plan),
            [
                "disable_saves",
                "stop",
                "swap",
                "start",
                "verify",
                "restore_settings"
            ]
        );
        let Step::Swap(swap) = &plan.steps[2] else {
            panic!()
        };
        assert_eq!(swap.aof, None);
        assert_eq!(swap.dump, Path::new("/var/lib/redis/dump.rdb"));
        assert_eq!(
            swap.dump_aside,
            Path::new("/var/lib/redis/dump.rdb.pre-restore-T")
        );
        let Step::Verify(e) = &plan.steps[4] else {
            panic!()
        };
        assert_eq!(e.total_keys, 15);
        assert!(!e.from_aof);
    }

    #[test]
    fn appendonly_yes_seeds_the_aof_directory() {
        let plan = build(&facts(true), managed(), &inputs());
        let Step::Swap(swap) = &plan.steps[2] else {
            panic!()
        };
        let aof = swap.aof.as_ref().unwrap();
        assert_eq!(aof.dir, Path::new("/var/lib/redis/appendonlydir"));
        assert_eq!(
            aof.aside,
            Path::new("/var/lib/redis/appendonlydir.pre-restore-T")
        );
        assert_eq!(
            aof.manifest_text(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
        );
        assert_eq!(aof.manifest, "appendonly.aof.manifest");
        assert_eq!((aof.uid, aof.gid, aof.mode), (100, 101, 0o750));
        let rendered = plan.render();
        assert!(
            rendered.contains("seed /var/lib/redis/appendonlydir"),
            "{rendered}"
        );
    }

    #[test]
    fn ten_steps_or_more_stay_in_columns() {
        let mut plan = build(&facts(false), managed(), &inputs());
        while plan.steps.len() < 10 {
            plan.steps.push(Step::Start);
        }
        let rendered = plan.render();
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[0].starts_with("   1. "), "{rendered}");
        assert!(lines[18].starts_with("  10. "), "{rendered}");
        let undo_at = |l: &str| l.find("undo:").unwrap();
        assert_eq!(undo_at(lines[1]), undo_at(lines[19]), "{rendered}");
    }

    #[test]
    fn saves_and_signals_are_disabled_then_restored() {
        let plan = build(&facts(false), managed(), &inputs());
        let Step::DisableSaves { set, originals } = &plan.steps[0] else {
            panic!()
        };
        assert_eq!(set["save"], "");
        assert_eq!(set["shutdown-on-sigterm"], NOSAVE_NOW);
        assert_eq!(originals["save"], "3600 1");
        assert_eq!(
            plan.steps[5],
            Step::RestoreSettings {
                originals: originals.clone()
            }
        );
    }

    #[test]
    fn servers_before_7_only_lose_their_save_points() {
        let mut f = facts(false);
        f.shutdown_on_signal.clear();
        let plan = build(&f, managed(), &inputs());
        let Step::DisableSaves { set, .. } = &plan.steps[0] else {
            panic!()
        };
        assert_eq!(set.keys().collect::<Vec<_>>(), ["save"]);
    }

    #[test]
    fn each_supervisor_is_described() {
        let commands = Supervisor::Commands {
            stop: "docker stop -t 600 redis".into(),
            start: "docker start redis".into(),
        };
        let service = Supervisor::Service {
            unit: "redis-server.service".into(),
        };
        for (sup, stop, start) in [
            (
                managed(),
                "SHUTDOWN NOSAVE",
                "/usr/bin/redis-server /etc/redis/redis.conf",
            ),
            (commands, "docker stop -t 600 redis", "docker start redis"),
            (
                service,
                "systemctl stop redis-server.service",
                "systemctl start --no-block redis-server.service",
            ),
        ] {
            let plan = build(&facts(false), sup, &inputs());
            let rendered = plan.render();
            assert!(rendered.contains(stop), "{rendered}");
            assert!(rendered.contains(start), "{rendered}");
        }
    }

    fn protection() -> Protection {
        let hp = |port| crate::target::HostPort {
            host: "10.0.0.1".into(),
            port,
        };
        Protection {
            master_name: "main".into(),
            master: hp(6379),
            sentinels: vec![(hp(26379), 30000), (hp(26380), 30000)],
            replicas: vec![(hp(6380), "100".into())],
            raised_down_after_ms: 600000,
        }
    }

    #[test]
    fn sentinel_masters_are_protected_first_and_unprotected_last() {
        let mut i = inputs();
        i.protection = Some(protection());
        let plan = build(&facts(false), managed(), &i);
        let names = names(&plan);
        assert_eq!(names.first(), Some(&"protect"));
        assert_eq!(&names[names.len() - 2..], ["wait_replicas", "unprotect"]);
        let (what, undo) = plan.steps[0].describe(&plan.supervisor);
        assert!(
            what.contains("replica-priority 0 on 10.0.0.1:6380"),
            "{what}"
        );
        assert!(what.contains("down-after-milliseconds 600000"), "{what}");
        assert!(undo.contains("10.0.0.1:26380: 30000"), "{undo}");
    }

    fn shard_guard() -> ShardGuard {
        let hp = |port| crate::target::HostPort {
            host: "127.0.0.1".into(),
            port,
        };
        ShardGuard {
            label: "s00 (slots 0-5460)".into(),
            master: hp(7000),
            master_id: "a".repeat(40),
            slots: vec![[0, 5460]],
            replicas: vec![(hp(7003), "no".into())],
            nodes: vec![hp(7000), hp(7003)],
            node_timeout_ms: 1000,
        }
    }

    #[test]
    fn a_cluster_master_saves_is_protected_and_waits_for_the_cluster() {
        let mut i = inputs();
        i.cluster = Some(shard_guard());
        let mut f = facts(false);
        f.dump_exists = false;
        let plan = build(&f, managed(), &i);
        assert_eq!(
            names(&plan),
            [
                "save",
                "protect_cluster",
                "disable_saves",
                "stop",
                "swap",
                "start",
                "verify",
                "restore_settings",
                "wait_cluster",
                "unprotect_cluster"
            ]
        );
        let Step::Swap(swap) = &plan.steps[4] else {
            panic!()
        };
        assert!(
            swap.dump_existed,
            "the save writes the dump the swap moves aside"
        );
        let rendered = plan.render();
        assert!(
            rendered.contains("cluster-replica-no-failover yes on 127.0.0.1:7003"),
            "{rendered}"
        );
        assert!(rendered.contains("127.0.0.1:7003: no"), "{rendered}");
        assert!(
            rendered.contains(&format!("node id {}", "a".repeat(40))),
            "{rendered}"
        );
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan);
        // With AOF the AOF is current: no save.
        let plan = build(&facts(true), managed(), &i);
        assert_eq!(plan.steps[0].name(), "protect_cluster");
    }

    #[test]
    fn the_plan_reads_back_from_json() {
        let mut i = inputs();
        i.protection = Some(protection());
        let plan = build(&facts(true), managed(), &i);
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan);
    }

    #[test]
    fn a_missing_dump_is_removed_on_undo_not_renamed() {
        let mut f = facts(false);
        f.dump_exists = false;
        let plan = build(&f, managed(), &inputs());
        let (what, undo) = plan.steps[2].describe(&plan.supervisor);
        assert!(!what.contains("pre-restore"), "{what}");
        assert!(undo.contains("remove the restored"), "{undo}");
    }
}
