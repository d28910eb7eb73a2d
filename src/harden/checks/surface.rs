//! CMD, VER, IOC, DOS, LOG: the attack surface beyond logins. Debug, module and protected
//! configs; the rogue-server and file-write chains; renamed commands; Lua CVEs; signs of a
//! past compromise (`dir`, `dbfilename`, modules); unbounded client buffers; the ACL log.

use super::exposure::{Reach, reach};
use super::{Category, Check, Finding, Scope, Severity, Subject, list};
use crate::harden::facts::NodeFacts;
use crate::server::{Flavor, Server};

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "CMD-01",
        title: "DEBUG, MODULE or protected configs enabled",
        category: Category::AttackSurface,
        severity: Severity::High,
        graded: Some("medium when only `local`"),
        scope: Scope::Server,
        remediation: "enable-debug-command no, enable-module-command no and \
                      enable-protected-configs no in the config file, then restart (they are \
                      immutable at runtime); before 7.0, upgrade",
        run: cmd01_protections,
    },
    Check {
        id: "CMD-02",
        title: "Rogue-server or file-write attack chain reachable",
        category: Category::AttackSurface,
        severity: Severity::Critical,
        graded: None,
        scope: Scope::Server,
        remediation: "ACL SETUSER <user> -@admin -@dangerous for every non-admin user, and \
                      enable-module-command no / enable-protected-configs no",
        run: cmd02_attack_chain,
    },
    Check {
        id: "CMD-03",
        title: "rename-command used instead of ACLs",
        category: Category::AttackSurface,
        severity: Severity::Info,
        graded: None,
        scope: Scope::Server,
        remediation: "Deny the commands with ACLs (ACL SETUSER <user> -<command>) and drop the \
                      rename-command lines at the next restart; renames break Sentinel and \
                      tooling",
        run: cmd03_renamed,
    },
    Check {
        id: "CMD-04",
        title: "Lua sandbox escape: package library reachable (CVE-2022-0543)",
        category: Category::AttackSurface,
        severity: Severity::Critical,
        graded: None,
        scope: Scope::Server,
        remediation: "Upgrade the distribution package; meanwhile ACL SETUSER <user> \
                      -@scripting for every user",
        run: cmd04_lua_package,
    },
    Check {
        id: "VER-01",
        title: "Redis version below the security floor",
        category: Category::AttackSurface,
        severity: Severity::Critical,
        graded: Some("high when non-admin users can run Lua, low when only admins can"),
        scope: Scope::Server,
        remediation: "Upgrade to 6.2.20, 7.2.11, 7.4.6, 8.0.4, 8.2.2 or later; meanwhile \
                      ACL SETUSER <user> -@scripting for users that do not need Lua",
        run: ver01_version,
    },
    Check {
        id: "IOC-01",
        title: "Suspicious dir or dbfilename (CONFIG SET write attack)",
        category: Category::AttackSurface,
        severity: Severity::Critical,
        graded: None,
        scope: Scope::Server,
        remediation: "Treat as an incident: check authorized_keys, crontabs and web roots \
                      for planted files; restore dir and dbfilename; rotate credentials",
        run: ioc01_write_attack,
    },
    Check {
        id: "IOC-02",
        title: "Unknown module loaded",
        category: Category::AttackSurface,
        severity: Severity::Critical,
        graded: None,
        scope: Scope::Server,
        remediation: "Treat as an incident: identify the module file (rogue-server payloads \
                      such as exp.so), restart without it, rotate credentials",
        run: ioc02_modules,
    },
    Check {
        id: "DOS-01",
        title: "Unbounded client output buffers on a reachable node",
        category: Category::AttackSurface,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET maxmemory-clients 5% (or a normal-class \
                      client-output-buffer-limit)",
        run: dos01_client_buffers,
    },
    Check {
        id: "LOG-01",
        title: "ACL log disabled",
        category: Category::AttackSurface,
        severity: Severity::Low,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET acllog-max-len 128",
        run: log01_acl_log,
    },
];

/// The `enable-*` directives and their value; before 7.0 they do not exist and the
/// commands they guard are always open.
fn protections(node: &NodeFacts) -> Option<Vec<(&'static str, String)>> {
    let pre7 = node.version().is_some_and(|v| v.first() < Some(&7));
    [
        "enable-debug-command",
        "enable-module-command",
        "enable-protected-configs",
    ]
    .into_iter()
    .map(|key| match node.config(key) {
        Some(v) => Some((key, v.to_string())),
        None if pre7 => Some((key, "yes".to_string())),
        None => None,
    })
    .collect()
}

fn cmd01_protections(s: &Subject) -> Vec<Finding> {
    let Some(values) = protections(s.node) else {
        return vec![];
    };
    let relaxed: Vec<String> = values
        .iter()
        .filter(|(_, v)| v != "no")
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if relaxed.is_empty() {
        return vec![];
    }
    let pre7 = s.node.version().is_some_and(|v| v.first() < Some(&7));
    let any_yes = values.iter().any(|(_, v)| v == "yes");
    vec![
        Finding::new(if pre7 {
            format!(
                "Redis {} predates these protections: DEBUG, MODULE and CONFIG SET dir are \
                 open to every user with the rights.",
                s.node.info("redis_version").unwrap_or("?")
            )
        } else {
            format!("{}.", list(&relaxed))
        })
        .at(if any_yes {
            Severity::High
        } else {
            Severity::Medium
        }),
    ]
}

fn cmd02_attack_chain(s: &Subject) -> Vec<Finding> {
    let Some(values) = protections(s.node) else {
        return vec![];
    };
    let on = |key: &str| values.iter().any(|(k, v)| *k == key && v == "yes");
    s.non_admins()
        .filter_map(|u| {
            let mut chains = Vec::new();
            if on("enable-module-command")
                && u.may_run("MODULE LOAD")
                && (u.may_run("REPLICAOF") || u.may_run("SLAVEOF"))
            {
                chains.push("REPLICAOF a rogue master to write a module file, then MODULE LOAD it");
            }
            if on("enable-protected-configs") && u.may_run("CONFIG SET") && u.may_run("SAVE") {
                chains.push("CONFIG SET dir/dbfilename, then SAVE to write files anywhere");
            }
            (!chains.is_empty()).then(|| {
                Finding::new(format!(
                    "user '{}'{} can {}: code execution as the Redis user.",
                    u.name,
                    if u.nopass() { " (no password)" } else { "" },
                    chains.join("; or ")
                ))
            })
        })
        .collect()
}

fn cmd03_renamed(s: &Subject) -> Vec<Finding> {
    match &s.node.renamed_commands {
        Some(renamed) if !renamed.is_empty() => vec![Finding::new(format!(
            "{} renamed or removed with rename-command (COMMAND INFO does not know them).",
            list(renamed)
        ))],
        _ => vec![],
    }
}

fn cmd04_lua_package(s: &Subject) -> Vec<Finding> {
    if s.node.lua_package_exposed != Some(true) {
        return vec![];
    }
    vec![Finding::new(
        "a read-only EVAL saw the Lua 'package' library: scripts can load native code \
         (the Debian/Ubuntu packaging bug CVE-2022-0543).",
    )]
}

/// The first releases with the 2025 Lua fixes (CVE-2025-49844, -46817, -46818, -46819), per
/// maintained line. Lines not listed below the newest are end of life.
const FLOORS: &[[u32; 3]] = &[[6, 2, 20], [7, 2, 11], [7, 4, 6], [8, 0, 4], [8, 2, 2]];

/// Valkey's own releases with the same Lua fixes, by its own numbering (8.1.4,
/// valkey-io/valkey#3473; 8.0.6 and 7.2.11 released with it; 9.0.0 came after them).
const VALKEY_FLOORS: &[[u32; 3]] = &[[7, 2, 11], [8, 0, 6], [8, 1, 4], [9, 0, 0]];

/// The floor a version falls short of, if any.
fn floor_missed(floors: &[[u32; 3]], version: &[u32]) -> Option<[u32; 3]> {
    let v = [
        version.first().copied().unwrap_or(0),
        version.get(1).copied().unwrap_or(0),
        version.get(2).copied().unwrap_or(0),
    ];
    let newest = floors[floors.len() - 1];
    if v[..2] > newest[..2] {
        return None;
    }
    match floors.iter().find(|f| f[..2] == v[..2]) {
        Some(f) => (v < *f).then_some(*f),
        // An unlisted line older than the newest: no fix was released for it.
        None => floors.iter().find(|f| f[..2] > v[..2]).copied(),
    }
}

fn ver01_version(s: &Subject) -> Vec<Finding> {
    // Valkey versions follow their own numbering and advisories.
    let Some(server) = Server::from_fields(|k| s.node.info(k)) else {
        return vec![];
    };
    let floors = match server.flavor {
        Flavor::Redis => FLOORS,
        Flavor::Valkey => VALKEY_FLOORS,
    };
    let Some(floor) = floor_missed(floors, &server.version.0) else {
        return vec![];
    };
    let lua_users: Option<Vec<&str>> = s.node.users.as_ref().map(|_| {
        s.non_admins()
            .filter(|u| u.may_run("EVAL"))
            .map(|u| u.name.as_str())
            .collect()
    });
    let open =
        s.node.open_without_password() && s.node.user("default").is_none_or(|d| d.may_run("EVAL"));
    let (severity, who) = match &lua_users {
        _ if open => (
            Severity::Critical,
            "anyone can run Lua without a password".to_string(),
        ),
        None => (
            Severity::High,
            "who may run Lua could not be read".to_string(),
        ),
        Some(users) if !users.is_empty() => (
            Severity::High,
            format!(
                "Lua is open to users other than the admins: {}",
                list(users)
            ),
        ),
        Some(_) => (Severity::Low, "only admin users may run Lua".to_string()),
    };
    vec![
        Finding::new(format!(
            "{server} is below {} (fixes for the Lua CVEs CVE-2025-49844, -46817, -46818, \
             -46819); {who}. Distribution packages may carry backported fixes: compare with \
             your vendor's advisory.",
            floor.map(|n| n.to_string()).join(".")
        ))
        .at(severity),
    ]
}

fn ioc01_write_attack(s: &Subject) -> Vec<Finding> {
    const DIRS: &[&str] = &[
        "/root",
        "/etc",
        "/var/spool/cron",
        "/var/www",
        "/srv/www",
        "/usr/share/nginx",
        "/var/lib/nginx",
        "/boot",
        "/usr/lib",
        "/lib",
    ];
    const NAMES: &[&str] = &[
        "authorized_keys",
        "root",
        "crontab",
        "id_rsa",
        "passwd",
        "shadow",
    ];
    const EXTENSIONS: &[&str] = &[
        ".so", ".php", ".jsp", ".jspx", ".asp", ".aspx", ".sh", ".py",
    ];
    let mut out = Vec::new();
    if let Some(dir) = s.node.config("dir") {
        let under = |prefix: &&str| dir == *prefix || dir.starts_with(&format!("{prefix}/"));
        if DIRS.iter().any(under) || dir.contains("/.ssh") || dir.contains("/cron") {
            out.push(Finding::new(format!(
                "dir is {dir}: a system, cron, SSH or web directory."
            )));
        }
    }
    if let Some(name) = s.node.config("dbfilename") {
        let lower = name.to_lowercase();
        if NAMES.contains(&lower.as_str()) || EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
            out.push(Finding::new(format!(
                "dbfilename is {name}: the name of a key, cron, executable or script file."
            )));
        }
    }
    out
}

/// Modules published by Redis Ltd. and in Redis Stack / Redis 8.
const KNOWN_MODULES: &[&str] = &[
    "ReJSON",
    "search",
    "ft",
    "timeseries",
    "bf",
    "graph",
    "redisgears_2",
    "rg",
    "ai",
    "vectorset",
    "RedisCompat",
];

fn ioc02_modules(s: &Subject) -> Vec<Finding> {
    s.node
        .modules
        .iter()
        .flatten()
        .filter(|m| !KNOWN_MODULES.contains(&m.name.as_str()))
        .map(|m| {
            Finding::new(format!(
                "module '{}' (version {}{}) is loaded and is not a known Redis module.",
                m.name,
                m.version,
                m.path
                    .as_ref()
                    .map(|p| format!(", from {p}"))
                    .unwrap_or_default()
            ))
        })
        .collect()
}

fn dos01_client_buffers(s: &Subject) -> Vec<Finding> {
    if matches!(reach(s.node), Some(Reach::Local) | None) {
        return vec![];
    }
    let normal_unbounded = s
        .node
        .config("client-output-buffer-limit")
        .and_then(|v| {
            let words: Vec<&str> = v.split_whitespace().collect();
            let i = words.iter().position(|w| *w == "normal")?;
            Some(words.get(i + 1..i + 4)? == ["0", "0", "0"])
        })
        .unwrap_or(false);
    let clients_unbounded = s.node.config("maxmemory-clients").is_none_or(|v| v == "0");
    if !(normal_unbounded && clients_unbounded) {
        return vec![];
    }
    vec![Finding::new(
        "client-output-buffer-limit normal is 0 0 0 and maxmemory-clients is 0: a client \
         reachable over the network can make the server buffer replies without limit \
         (CVE-2025-21605 class).",
    )]
}

fn log01_acl_log(s: &Subject) -> Vec<Finding> {
    if s.node.config("acllog-max-len") != Some("0") {
        return vec![];
    }
    vec![Finding::new(
        "acllog-max-len is 0: denied commands and failed logins leave no trace.",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::harden::facts::ModuleFacts;

    #[test]
    fn version_floors() {
        assert_eq!(floor_missed(FLOORS, &[7, 0, 15]), Some([7, 2, 11]));
        assert_eq!(floor_missed(FLOORS, &[7, 2, 10]), Some([7, 2, 11]));
        assert_eq!(floor_missed(FLOORS, &[7, 2, 11]), None);
        assert_eq!(floor_missed(FLOORS, &[6, 0, 16]), Some([6, 2, 20]));
        assert_eq!(floor_missed(FLOORS, &[8, 2, 2]), None);
        assert_eq!(floor_missed(FLOORS, &[8, 4, 0]), None);
        assert_eq!(floor_missed(VALKEY_FLOORS, &[8, 0, 1]), Some([8, 0, 6]));
        assert_eq!(floor_missed(VALKEY_FLOORS, &[8, 1, 4]), None);
        assert_eq!(floor_missed(VALKEY_FLOORS, &[9, 0, 0]), None);
    }

    #[test]
    fn old_version_graded_by_who_runs_lua() {
        let mut n = server();
        n.info.insert("redis_version".into(), "7.0.15".into());
        let grade = |n: &crate::harden::facts::NodeFacts| {
            let r = crate::harden::checks::evaluate(&audit(vec![n.clone()]));
            r[0].findings
                .iter()
                .find(|f| f.id == "VER-01")
                .map(|f| f.severity)
        };
        assert_eq!(grade(&n), Some(Severity::Low));
        let mut app = user("app", "on >k7#Vq9!mZ2@pL4$x ~app:* -@all +eval");
        app.dangerous = Some(vec!["EVAL".into()]);
        put_user(&mut n, app);
        assert_eq!(grade(&n), Some(Severity::High));
        open_default(&mut n);
        assert_eq!(grade(&n), Some(Severity::Critical));
    }

    #[test]
    fn weak_server_surface() {
        let mut n = server();
        open_default(&mut n);
        set(&mut n, "enable-debug-command", "yes");
        set(&mut n, "enable-module-command", "yes");
        set(&mut n, "bind", "*");
        let found = ids(&audit(vec![n]));
        for id in ["CMD-01", "CMD-02", "DOS-01"] {
            assert!(found.contains(&id), "{id} missing from {found:?}");
        }
    }

    #[test]
    fn local_protections_are_medium() {
        let mut n = server();
        set(&mut n, "enable-debug-command", "local");
        let r = crate::harden::checks::evaluate(&audit(vec![n]));
        assert_eq!(r[0].findings[0].id, "CMD-01");
        assert_eq!(r[0].findings[0].severity, Severity::Medium);
    }

    #[test]
    fn compromise_indicators() {
        let mut n = server();
        set(&mut n, "dir", "/root/.ssh");
        set(&mut n, "dbfilename", "authorized_keys");
        n.modules = Some(vec![
            ModuleFacts {
                name: "system".into(),
                version: 1,
                path: Some("/tmp/exp.so".into()),
            },
            ModuleFacts {
                name: "ReJSON".into(),
                version: 20612,
                path: None,
            },
        ]);
        n.renamed_commands = Some(vec!["CONFIG".into()]);
        set(&mut n, "acllog-max-len", "0");
        let r = crate::harden::checks::evaluate(&audit(vec![n]));
        let found: Vec<&str> = r[0].findings.iter().map(|f| f.id).collect();
        assert_eq!(found, ["IOC-01", "IOC-01", "IOC-02", "LOG-01", "CMD-03"]);
    }
}
