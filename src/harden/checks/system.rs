//! PERS, HOST, AUD: whether hardening survives a restart, what the local files and the
//! process reveal (Lynis DBS-1882 checks the config file mode), and whether the audit
//! itself saw everything.

use super::{Category, Check, Finding, Scope, Severity, Subject, list};
use crate::harden::facts::FileFacts;

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "PERS-01",
        title: "No config file: runtime hardening is lost at restart",
        category: Category::Persistence,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Restart the server with a config file (and an aclfile) so CONFIG REWRITE \
                      and ACL SAVE can persist changes",
        run: pers01_no_config_file,
    },
    Check {
        id: "PERS-04",
        title: "Running settings differ from the config file: they change at the next restart",
        category: Category::Persistence,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Persist what should stay (CONFIG REWRITE, ACL SAVE, or harden apply), or \
                      restart to take up what the file says; find out who changed it",
        run: pers04_drift,
    },
    Check {
        id: "PERS-05",
        title: "Users defined in the config file and in an aclfile",
        category: Category::Persistence,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "Keep users in one place: move the config file's user lines into the \
                      aclfile (Redis refuses to start with both)",
        run: pers05_users_twice,
    },
    Check {
        id: "PERS-03",
        title: "Config or ACL file readable or writable by other users",
        category: Category::Persistence,
        severity: Severity::High,
        graded: Some("medium when the file holds no password and is not writable"),
        scope: Scope::Any,
        remediation: "chmod 640 (owner redis, group redis); CONFIG REWRITE and ACL SAVE create \
                      0644 files, so check again after each",
        run: pers03_file_modes,
    },
    Check {
        id: "HOST-01",
        title: "Data files readable by other users",
        category: Category::Host,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "chmod 750 the data directory (owner redis) so dumps and AOF files are \
                      private",
        run: host01_data_files,
    },
    Check {
        id: "HOST-02",
        title: "The server runs as root",
        category: Category::Host,
        severity: Severity::High,
        graded: None,
        scope: Scope::Any,
        remediation: "Run it as a dedicated user (User=redis in the systemd unit, or the \
                      package's default)",
        run: host02_root,
    },
    Check {
        id: "AUD-01",
        title: "Node could not be audited",
        category: Category::Audit,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Any,
        remediation: "Make the node reachable with the same credentials (or pass its own) and \
                      audit again",
        run: aud01_unreachable,
    },
    Check {
        id: "AUD-02",
        title: "Some facts could not be gathered",
        category: Category::Audit,
        severity: Severity::Info,
        graded: None,
        scope: Scope::Any,
        remediation: "Audit with a user that may run CONFIG GET, ACL LIST/GETUSER/DRYRUN/LOG, \
                      COMMAND INFO, MODULE LIST, CLIENT LIST and EVAL (or accept the gaps)",
        run: aud02_gaps,
    },
];

fn pers01_no_config_file(s: &Subject) -> Vec<Finding> {
    if s.node.info("config_file").is_some_and(|f| !f.is_empty()) {
        return vec![];
    }
    vec![Finding::new(
        "INFO reports no config_file: ACLs and settings changed at runtime disappear at the \
         next restart, and neither CONFIG REWRITE nor harden apply can persist them.",
    )]
}

/// How Redis would read a value: case and quoting do not matter.
pub(crate) fn normalized(v: &str) -> String {
    v.split_whitespace()
        .map(|w| w.trim_matches('"').to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How PERS-04's finding about directives begins (apply recognises its own pending fixes).
pub const DRIFT: &str = "the config file and the running server disagree on";

fn pers04_drift(s: &Subject) -> Vec<Finding> {
    let Some(host) = &s.node.host else {
        return vec![];
    };
    let mut out = Vec::new();
    let differ: Vec<String> = host
        .file_directives
        .iter()
        .filter_map(|(key, file)| {
            let running = s.node.config(key)?;
            (normalized(file) != normalized(running))
                .then(|| format!("{key} (file: {file}; running: {running})"))
        })
        .collect();
    if !differ.is_empty() {
        out.push(Finding::new(format!(
            "{DRIFT} {}: a restart switches to the file's values.",
            list(&differ)
        )));
    }
    let aclfile = s.node.config("aclfile").is_some_and(|f| !f.is_empty());
    let (persisted, place) = if aclfile {
        (&host.aclfile_users, "the aclfile")
    } else {
        (&host.config_users, "the config file")
    };
    if let (Some(persisted), Some(running)) = (persisted, &s.node.users) {
        // The default user exists whether a file names it or not.
        let unsaved: Vec<&str> = running
            .iter()
            .map(|u| u.name.as_str())
            .filter(|u| *u != "default" && !persisted.iter().any(|p| p == u))
            .collect();
        if !unsaved.is_empty() {
            out.push(Finding::new(format!(
                "user(s) {} exist only at runtime, not in {place}: they vanish at the next \
                 restart (ACL SETUSER without {}).",
                list(&unsaved),
                if aclfile {
                    "ACL SAVE"
                } else {
                    "CONFIG REWRITE"
                }
            )));
        }
    }
    out
}

fn pers05_users_twice(s: &Subject) -> Vec<Finding> {
    let Some(host) = &s.node.host else {
        return vec![];
    };
    let aclfile = s.node.config("aclfile").unwrap_or("");
    match &host.config_users {
        Some(users) if !aclfile.is_empty() && !users.is_empty() => vec![Finding::new(format!(
            "the config file defines user(s) {} and aclfile {aclfile} is set: Redis refuses \
             to start with both (the next restart fails).",
            list(users)
        ))],
        _ => vec![],
    }
}

fn pers03_file_modes(s: &Subject) -> Vec<Finding> {
    let Some(host) = &s.node.host else {
        return vec![];
    };
    [&host.config_file, &host.acl_file]
        .into_iter()
        .flatten()
        .filter(|f| f.world_readable() || f.world_writable())
        .map(|f| {
            let secrets = f.holds_secrets == Some(true);
            let finding = Finding::new(format!(
                "{} has mode {:04o}: {} by every local user{}.",
                f.path,
                f.mode.unwrap_or(0),
                if f.world_writable() {
                    "writable"
                } else {
                    "readable"
                },
                if secrets {
                    ", and it holds passwords or password hashes"
                } else {
                    ""
                }
            ))
            .fix(format!("chmod 640 {}", f.path));
            if secrets || f.world_writable() {
                finding
            } else {
                finding.at(Severity::Medium)
            }
        })
        .collect()
}

fn host01_data_files(s: &Subject) -> Vec<Finding> {
    let Some(host) = &s.node.host else {
        return vec![];
    };
    let Some(dir) = &host.data_dir else {
        return vec![];
    };
    // Files in a directory others cannot enter are private whatever their own mode.
    let traversable = dir.mode.is_some_and(|m| m & 0o001 != 0);
    let mut exposed: Vec<&FileFacts> = Vec::new();
    if dir.world_writable() {
        exposed.push(dir);
    }
    if traversable {
        exposed.extend(host.data_files.iter().filter(|f| f.world_readable()));
    }
    if exposed.is_empty() {
        return vec![];
    }
    let described: Vec<String> = exposed
        .iter()
        .map(|f| format!("{} ({:04o})", f.path, f.mode.unwrap_or(0)))
        .collect();
    vec![Finding::new(format!(
        "other local users can read or change the dataset: {}.",
        list(&described)
    ))]
}

fn host02_root(s: &Subject) -> Vec<Finding> {
    match s.node.host.as_ref().and_then(|h| h.process.as_ref()) {
        Some(p) if p.uid == 0 => vec![Finding::new(format!(
            "{} (pid {}) runs as root: a command-execution bug or a CONFIG SET write \
             becomes full control of the host.",
            p.name, p.pid
        ))],
        _ => vec![],
    }
}

fn aud01_unreachable(s: &Subject) -> Vec<Finding> {
    match &s.node.unreachable {
        Some(why) => vec![Finding::new(format!("not audited: {why}"))],
        None => vec![],
    }
}

fn aud02_gaps(s: &Subject) -> Vec<Finding> {
    if s.node.gaps.is_empty() {
        return vec![];
    }
    let gaps: Vec<String> = s
        .node
        .gaps
        .iter()
        .map(|g| format!("{} ({})", g.fact, g.reason))
        .collect();
    vec![Finding::new(format!(
        "checks that need these facts were skipped: {}.",
        gaps.join("; ")
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::harden::facts::{Gap, HostFacts, ProcessFacts};

    fn file(path: &str, mode: u32, secrets: bool) -> FileFacts {
        FileFacts {
            path: path.into(),
            mode: Some(mode),
            uid: Some(0),
            holds_secrets: Some(secrets),
            error: None,
        }
    }

    #[test]
    fn drift_between_the_file_and_the_running_server() {
        let mut n = server();
        let mut host = HostFacts {
            config_users: Some(vec!["admin".into()]),
            ..Default::default()
        };
        host.file_directives
            .insert("protected-mode".into(), "\"YES\"".into());
        host.file_directives
            .insert("bind".into(), "127.0.0.1  -::1".into());
        n.host = Some(host.clone());
        let run = |n: &crate::harden::facts::NodeFacts| {
            pers04_drift(&Subject {
                node: n,
                audit: &audit(vec![]),
            })
        };
        assert!(
            run(&n).is_empty(),
            "quoting, case and spacing do not matter"
        );
        host.file_directives
            .insert("protected-mode".into(), "no".into());
        put_user(&mut n, user("app", "on >some-long-app-password ~* +@read"));
        n.host = Some(host);
        let found = run(&n);
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .evidence
                .contains("protected-mode (file: no; running: yes)")
        );
        assert!(
            found[1]
                .evidence
                .contains("user(s) app exist only at runtime")
        );

        set(&mut n, "aclfile", "/etc/redis/users.acl");
        let twice = pers05_users_twice(&Subject {
            node: &n,
            audit: &audit(vec![]),
        });
        assert!(twice[0].evidence.contains("refuses to start"));
    }

    #[test]
    fn file_modes_and_root() {
        let mut n = server();
        n.host = Some(HostFacts {
            config_file: Some(file("/etc/redis/redis.conf", 0o644, false)),
            acl_file: Some(file("/etc/redis/users.acl", 0o644, true)),
            data_dir: Some(file("/var/lib/redis", 0o755, false)),
            data_files: vec![file("/var/lib/redis/dump.rdb", 0o644, false)],
            process: Some(ProcessFacts {
                pid: 1,
                name: "redis-server".into(),
                uid: 0,
            }),
            ..Default::default()
        });
        let r = crate::harden::checks::evaluate(&audit(vec![n.clone()]));
        let got: Vec<(&str, Severity)> = r[0].findings.iter().map(|f| (f.id, f.severity)).collect();
        assert_eq!(
            got,
            [
                ("HOST-02", Severity::High),
                ("PERS-03", Severity::High),
                ("HOST-01", Severity::Medium),
                ("PERS-03", Severity::Medium),
            ]
        );
        let host = n.host.as_mut().unwrap();
        host.data_dir = Some(file("/var/lib/redis", 0o750, false));
        host.config_file = Some(file("/etc/redis/redis.conf", 0o640, false));
        host.acl_file = None;
        host.process.as_mut().unwrap().uid = 110;
        assert!(ids(&audit(vec![n])).is_empty());
    }

    #[test]
    fn audit_gaps_and_unreachable_nodes() {
        let mut n = server();
        n.info.remove("config_file");
        n.gaps.push(Gap {
            fact: "ACL users".into(),
            reason: "NOPERM".into(),
        });
        let mut down = server();
        down.unreachable = Some("connection refused".into());
        down.config = None;
        assert_eq!(ids(&audit(vec![n, down])), ["AUD-01", "AUD-02", "PERS-01"]);
    }
}
