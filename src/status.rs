//! The one-screen status report: gathered once from INFO (and CONFIG where permitted), shown
//! as text or as a stable JSON object. Field names in the JSON are part of the interface.

use crate::conn::Connected;
use crate::conn::sentinel::{SentinelAnswer, SentinelReplica};
use crate::info::{DbKeys, Info};
use crate::server::{Flavor, Server};
use crate::target::Target;
use crate::ui;
use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Status {
    pub target: TargetStatus,
    pub server: ServerStatus,
    pub persistence: Persistence,
    pub memory: Memory,
    pub keyspace: Vec<DbStatus>,
    pub replication: Replication,
    pub sentinel: Option<SentinelStatus>,
    /// Set when the server is a Redis Cluster node.
    pub cluster: Option<crate::cluster::status::Membership>,
    /// Conditions an operator should look at (failed saves, links down, …).
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TargetStatus {
    pub name: String,
    pub address: String,
    pub tls: bool,
}

#[derive(Debug, Serialize)]
pub struct ServerStatus {
    /// `redis` or `valkey` (None when INFO did not say).
    pub flavor: Option<Flavor>,
    /// The real version (`valkey_version` on Valkey).
    pub version: String,
    /// `redis_version`: on Valkey the Redis release it is compatible with.
    pub redis_version: String,
    pub mode: String,
    pub role: String,
    pub uptime_seconds: u64,
    pub run_id: String,
    pub process_id: Option<u64>,
    pub config_file: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Persistence {
    /// `save` points; None when CONFIG GET is not permitted.
    pub save: Option<String>,
    pub loading: bool,
    pub rdb_changes_since_last_save: u64,
    pub rdb_last_save_time: Option<DateTime<Utc>>,
    pub rdb_last_bgsave_status: String,
    pub rdb_bgsave_in_progress: bool,
    pub aof_enabled: bool,
    pub aof_rewrite_in_progress: bool,
    pub aof_last_bgrewrite_status: String,
    pub aof_last_write_status: String,
}

#[derive(Debug, Serialize)]
pub struct Memory {
    pub used_memory: u64,
    pub used_memory_peak: u64,
    /// 0 means no limit.
    pub maxmemory: u64,
    pub maxmemory_policy: String,
}

#[derive(Debug, Serialize)]
pub struct DbStatus {
    pub db: u32,
    pub keys: u64,
    pub expires: u64,
}

#[derive(Debug, Serialize)]
pub struct Replication {
    pub role: String,
    pub master_repl_offset: u64,
    /// For a replica: its link to the master.
    pub master: Option<MasterLink>,
    /// For a master: its replicas.
    pub replicas: Vec<ReplicaStatus>,
}

#[derive(Debug, Serialize)]
pub struct MasterLink {
    pub address: String,
    pub link_status: String,
    pub last_io_seconds_ago: Option<i64>,
    pub sync_in_progress: bool,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct ReplicaStatus {
    pub address: String,
    pub state: String,
    pub offset: u64,
    pub lag_seconds: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct SentinelStatus {
    pub master_name: String,
    pub master: String,
    pub sentinels: Vec<SentinelAnswer>,
    pub replicas: Vec<SentinelReplica>,
}

impl Status {
    pub async fn gather(target: &Target, connected: &mut Connected) -> Result<Self> {
        let node = &mut connected.node;
        let info = node.info("").await?;
        let mut warnings = Vec::new();
        let save = match node.config_get("save").await {
            Ok(map) => map.get("save").cloned(),
            Err(e) => {
                warnings.push(format!("save points unknown: {e:#}"));
                None
            }
        };
        let status = Self {
            target: TargetStatus {
                name: target.name.clone(),
                address: node.endpoint.to_string(),
                tls: connected.dialer.is_tls(),
            },
            server: server(&info),
            persistence: persistence(&info, save),
            memory: Memory {
                used_memory: info.u64("used_memory").unwrap_or(0),
                used_memory_peak: info.u64("used_memory_peak").unwrap_or(0),
                maxmemory: info.u64("maxmemory").unwrap_or(0),
                maxmemory_policy: info.get("maxmemory_policy").unwrap_or("").to_string(),
            },
            keyspace: info
                .keyspace()
                .into_iter()
                .map(|(db, DbKeys { keys, expires })| DbStatus { db, keys, expires })
                .collect(),
            replication: replication(&info),
            sentinel: connected.sentinel.as_ref().map(|v| SentinelStatus {
                master_name: v.master_name.clone(),
                master: v.master.to_string(),
                sentinels: v.answers.clone(),
                replicas: v.replicas.clone(),
            }),
            cluster: crate::cluster::status::Membership::of(
                &info,
                &node.endpoint,
                connected.dialer.is_tls(),
            ),
            warnings,
        };
        Ok(status.with_warnings())
    }

    fn with_warnings(mut self) -> Self {
        let p = &self.persistence;
        if p.rdb_last_bgsave_status != "ok" {
            self.warnings.push(
                "the last BGSAVE failed: with save points and stop-writes-on-bgsave-error yes, \
                 the server refuses writes (MISCONF) until a save succeeds; see the server log"
                    .into(),
            );
        }
        if p.aof_enabled && p.aof_last_write_status != "ok" {
            self.warnings
                .push("the last AOF write failed: check disk space and the server log".into());
        }
        if p.loading {
            self.warnings
                .push("the server is loading its dataset".into());
        }
        if let Some(m) = &self.replication.master
            && m.link_status != "up"
        {
            self.warnings.push(format!(
                "the link to master {} is {}",
                m.address, m.link_status
            ));
        }
        for r in &self.replication.replicas {
            if r.state != "online" {
                self.warnings
                    .push(format!("replica {} is {}", r.address, r.state));
            }
        }
        if let Some(s) = &self.sentinel {
            for a in &s.sentinels {
                match (&a.master, &a.error) {
                    (Some(m), _) if *m != s.master => self.warnings.push(format!(
                        "Sentinel {} reports master {m}, the others {}",
                        a.address, s.master
                    )),
                    (None, Some(e)) => self
                        .warnings
                        .push(format!("Sentinel {} did not answer: {e}", a.address)),
                    _ => {}
                }
            }
        }
        self
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        let s = &self.server;
        let _ = writeln!(
            o,
            "Target       {} ({}{})",
            self.target.name,
            self.target.address,
            if self.target.tls { ", TLS" } else { "" }
        );
        let _ = writeln!(
            o,
            "Server       {} {}, {} mode, role {}, up {} (pid {}, run_id {})",
            s.flavor.unwrap_or(Flavor::Redis),
            s.version,
            s.mode,
            s.role,
            ui::duration(Duration::from_secs(s.uptime_seconds)),
            s.process_id.map(|p| p.to_string()).unwrap_or("?".into()),
            s.run_id
        );
        if let Some(cf) = &s.config_file {
            let _ = writeln!(o, "Config file  {cf}");
        }
        let p = &self.persistence;
        let save = match p.save.as_deref() {
            Some("") => "no save points".to_string(),
            Some(points) => format!("save {points}"),
            None => "save points unknown".to_string(),
        };
        let last = p
            .rdb_last_save_time
            .map(|t| {
                let ago = (Utc::now() - t).to_std().unwrap_or_default();
                format!(
                    "{} ({} ago)",
                    t.format("%Y-%m-%d %H:%M:%S UTC"),
                    ui::duration(ago)
                )
            })
            .unwrap_or("never".into());
        let _ = writeln!(
            o,
            "RDB          {save}; last save {last}, status {}{}; {} changes since",
            p.rdb_last_bgsave_status,
            if p.rdb_bgsave_in_progress {
                ", BGSAVE running"
            } else {
                ""
            },
            p.rdb_changes_since_last_save
        );
        let _ = writeln!(
            o,
            "AOF          {}",
            if p.aof_enabled {
                format!(
                    "on, last rewrite {}, last write {}{}",
                    p.aof_last_bgrewrite_status,
                    p.aof_last_write_status,
                    if p.aof_rewrite_in_progress {
                        ", rewrite running"
                    } else {
                        ""
                    }
                )
            } else {
                "off".into()
            }
        );
        let m = &self.memory;
        let _ = writeln!(
            o,
            "Memory       used {}, peak {}, maxmemory {} ({})",
            ui::bytes(m.used_memory),
            ui::bytes(m.used_memory_peak),
            if m.maxmemory == 0 {
                "unlimited".into()
            } else {
                ui::bytes(m.maxmemory)
            },
            m.maxmemory_policy
        );
        if self.keyspace.is_empty() {
            let _ = writeln!(o, "Keyspace     empty");
        }
        for (i, db) in self.keyspace.iter().enumerate() {
            let _ = writeln!(
                o,
                "{}db{}: {} keys, {} with TTL",
                if i == 0 {
                    "Keyspace     "
                } else {
                    "             "
                },
                db.db,
                db.keys,
                db.expires
            );
        }
        let r = &self.replication;
        match &r.master {
            Some(ml) => {
                let _ = writeln!(
                    o,
                    "Replication  replica of {}, link {}, last I/O {}s ago{}",
                    ml.address,
                    ml.link_status,
                    ml.last_io_seconds_ago.unwrap_or(-1),
                    if ml.sync_in_progress {
                        ", full sync running"
                    } else {
                        ""
                    }
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "Replication  {}, {} replica(s), offset {}",
                    r.role,
                    r.replicas.len(),
                    r.master_repl_offset
                );
            }
        }
        for rep in &r.replicas {
            let _ = writeln!(
                o,
                "             {} {} offset {} lag {}",
                rep.address,
                rep.state,
                rep.offset,
                rep.lag_seconds
                    .map(|l| format!("{l}s"))
                    .unwrap_or("?".into())
            );
        }
        if let Some(sv) = &self.sentinel {
            let _ = writeln!(
                o,
                "Sentinel     master '{}' at {}",
                sv.master_name, sv.master
            );
            for a in &sv.sentinels {
                let said = match (&a.master, &a.error) {
                    (Some(m), _) => format!("reports {m}"),
                    (None, Some(e)) => format!("no answer: {}", e.lines().next().unwrap_or("")),
                    (None, None) => "no answer".into(),
                };
                let _ = writeln!(o, "             sentinel {} {said}", a.address);
            }
            for rep in &sv.replicas {
                let _ = writeln!(
                    o,
                    "             replica {} flags {} link {} priority {}",
                    rep.address,
                    rep.flags,
                    if rep.link_ok { "ok" } else { "down" },
                    rep.priority.map(|p| p.to_string()).unwrap_or("?".into())
                );
            }
        }
        if let Some(c) = &self.cluster {
            o.push_str(&c.render());
        }
        for w in &self.warnings {
            let _ = writeln!(o, "WARNING      {w}");
        }
        o
    }
}

fn server(info: &Info) -> ServerStatus {
    let kind = Server::from_info(info);
    let redis_version = info.get("redis_version").unwrap_or("?").to_string();
    ServerStatus {
        flavor: kind.map(|k| k.flavor),
        version: kind.map_or(redis_version.clone(), |k| k.version.to_string()),
        redis_version,
        // Valkey 8 renamed the field.
        mode: info
            .get("redis_mode")
            .or_else(|| info.get("server_mode"))
            .unwrap_or("?")
            .to_string(),
        role: info.get("role").unwrap_or("?").to_string(),
        uptime_seconds: info.u64("uptime_in_seconds").unwrap_or(0),
        run_id: info.get("run_id").unwrap_or("").to_string(),
        process_id: info.u64("process_id"),
        config_file: info
            .get("config_file")
            .filter(|c| !c.is_empty())
            .map(String::from),
    }
}

fn persistence(info: &Info, save: Option<String>) -> Persistence {
    let text = |k: &str| info.get(k).unwrap_or("").to_string();
    Persistence {
        save,
        loading: info.flag("loading").unwrap_or(false),
        rdb_changes_since_last_save: info.u64("rdb_changes_since_last_save").unwrap_or(0),
        rdb_last_save_time: info
            .i64("rdb_last_save_time")
            .and_then(|t| DateTime::from_timestamp(t, 0)),
        rdb_last_bgsave_status: text("rdb_last_bgsave_status"),
        rdb_bgsave_in_progress: info.flag("rdb_bgsave_in_progress").unwrap_or(false),
        aof_enabled: info.flag("aof_enabled").unwrap_or(false),
        aof_rewrite_in_progress: info.flag("aof_rewrite_in_progress").unwrap_or(false),
        aof_last_bgrewrite_status: text("aof_last_bgrewrite_status"),
        aof_last_write_status: text("aof_last_write_status"),
    }
}

fn replication(info: &Info) -> Replication {
    let role = info.get("role").unwrap_or("?").to_string();
    let master = (role == "slave").then(|| MasterLink {
        address: format!(
            "{}:{}",
            info.get("master_host").unwrap_or("?"),
            info.get("master_port").unwrap_or("?")
        ),
        link_status: info.get("master_link_status").unwrap_or("?").to_string(),
        last_io_seconds_ago: info.i64("master_last_io_seconds_ago"),
        sync_in_progress: info.flag("master_sync_in_progress").unwrap_or(false),
        offset: info.i64("slave_repl_offset"),
    });
    Replication {
        role,
        master_repl_offset: info.u64("master_repl_offset").unwrap_or(0),
        master,
        replicas: info
            .replicas()
            .into_iter()
            .map(|r| ReplicaStatus {
                address: format!("{}:{}", r.ip, r.port),
                state: r.state,
                offset: r.offset,
                lag_seconds: r.lag,
            })
            .collect(),
    }
}
