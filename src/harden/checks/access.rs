//! AUTH and ACL: who can log in, with which passwords, and what each user may do. Rights
//! come from `ACL DRYRUN`, so they reflect categories, selectors and renames exactly as the
//! server applies them.

use super::passwords::{MIN_LENGTH, is_common};
use super::{Category, Check, Finding, Scope, Severity, Subject, list};
use crate::harden::facts::{NodeFacts, UserFacts};
use crate::info::parse_kv;
use std::collections::BTreeMap;

pub(super) const CHECKS: &[Check] = &[
    Check {
        id: "AUTH-01",
        title: "The default user is an all-powerful shared account",
        category: Category::Authentication,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Create named users (admin, application, replication, Sentinel, backup), \
                      move clients to them, then ACL SETUSER default off (or -@all)",
        run: auth01_default_all_powerful,
    },
    Check {
        id: "AUTH-02",
        title: "Weak, common, short or shared passwords",
        category: Category::Authentication,
        severity: Severity::High,
        graded: Some("medium for a short password, low for a shared one"),
        scope: Scope::Any,
        remediation: "Generate passwords (ACL GENPASS, at least 16 characters, one per user) \
                      and rotate: add the new password, update clients, remove the old one",
        run: auth02_weak_passwords,
    },
    Check {
        id: "AUTH-03",
        title: "Users that log in without a password",
        category: Category::Authentication,
        severity: Severity::High,
        graded: None,
        scope: Scope::Any,
        remediation: "ACL SETUSER <user> resetpass >… (or off)",
        run: auth03_nopass_users,
    },
    Check {
        id: "AUTH-04",
        title: "requirepass disagrees with the default user's ACL passwords",
        category: Category::Authentication,
        severity: Severity::Medium,
        graded: None,
        scope: Scope::Server,
        remediation: "Use one mechanism: ACL users (and drop requirepass from the config \
                      file), or requirepass alone; never CONFIG SET requirepass \"\" on its own",
        run: auth04_requirepass_drift,
    },
    Check {
        id: "AUTH-05",
        title: "Failed logins recorded (brute force or misconfigured clients)",
        category: Category::Authentication,
        severity: Severity::Medium,
        graded: Some("info below 100 failures"),
        scope: Scope::Server,
        remediation: "Find the client addresses in ACL LOG; fix or block them (firewall, TLS \
                      client certificates)",
        run: auth05_failed_logins,
    },
    Check {
        id: "ACL-01",
        title: "Non-admin users can run dangerous commands",
        category: Category::Acl,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "ACL SETUSER <user> -@dangerous -@admin (and -@scripting where scripts \
                      are not used), then add back only what the application needs",
        run: acl01_dangerous_commands,
    },
    Check {
        id: "ACL-02",
        title: "Broad pub/sub rights",
        category: Category::Acl,
        severity: Severity::High,
        graded: Some("medium outside a Sentinel group"),
        scope: Scope::Server,
        remediation: "CONFIG SET acl-pubsub-default resetchannels; ACL SETUSER <user> \
                      resetchannels &<needed>; Sentinel's user gets &__sentinel__:hello only",
        run: acl02_pubsub,
    },
    Check {
        id: "ACL-03",
        title: "Unsanitised RESTORE payloads from non-admin users",
        category: Category::Acl,
        severity: Severity::Low,
        graded: None,
        scope: Scope::Server,
        remediation: "CONFIG SET sanitize-dump-payload clients (or yes); remove \
                      skip-sanitize-payload and RESTORE from non-admin users",
        run: acl03_sanitize_payload,
    },
    Check {
        id: "ACL-06",
        title: "Users with every right (+@all ~*) other than the admin",
        category: Category::Acl,
        severity: Severity::High,
        graded: None,
        scope: Scope::Server,
        remediation: "Restrict the user to what it needs (ACL SETUSER <user> -@all +@read \
                      +@write ~app:*), or pass --admin-user <user> if it is an administrator",
        run: acl06_full_rights,
    },
];

fn auth01_default_all_powerful(s: &Subject) -> Vec<Finding> {
    match s.node.user("default") {
        Some(d) if d.all_powerful() => vec![Finding::new(format!(
            "the default user is on with {} {}{}: every client sharing its password is an \
             administrator.",
            d.commands,
            d.keys,
            if d.nopass() { " and no password" } else { "" }
        ))],
        _ => vec![],
    }
}

/// The user a `CONFIG GET` secret logs in as, for the own-name dictionary entry.
fn secret_user(node: &NodeFacts, key: &str) -> String {
    match key {
        "masterauth" => node
            .config("masteruser")
            .filter(|u| !u.is_empty())
            .unwrap_or("default")
            .into(),
        "sentinel-pass" => node
            .config("sentinel-user")
            .filter(|u| !u.is_empty())
            .unwrap_or("default")
            .into(),
        _ => "default".into(),
    }
}

fn auth02_weak_passwords(s: &Subject) -> Vec<Finding> {
    let users: Vec<&UserFacts> = s.node.users.iter().flatten().collect();
    let mut out = Vec::new();
    for u in &users {
        if u.password_hashes.iter().any(|h| is_common(h, &u.name)) {
            out.push(
                Finding::new(format!(
                    "user '{}' has a common password (its SHA-256 from ACL GETUSER matched the \
                     built-in list offline; no login was tried).",
                    u.name
                ))
                .fix(format!(
                    "ACL SETUSER {} >NEW (generated, 16+ characters), update its clients, \
                     then ACL SETUSER {} <OLD",
                    u.name, u.name
                )),
            );
        }
    }
    let mut by_hash: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in &users {
        for h in &u.password_hashes {
            by_hash.entry(h).or_default().push(&u.name);
        }
    }
    for names in by_hash.values_mut().filter(|n| n.len() > 1) {
        names.sort_unstable();
        out.push(
            Finding::new(format!("users {} share a password.", list(names))).at(Severity::Low),
        );
    }
    for key in ["requirepass", "masterauth", "sentinel-pass"] {
        let Some(secret) = s.node.secrets.get(key) else {
            continue;
        };
        let owner = secret_user(s.node, key);
        // requirepass is the default user's password: already judged from its ACL hash.
        let reported_on_user = s
            .node
            .user(&owner)
            .is_some_and(|u| u.password_hashes.contains(&secret.sha256));
        if is_common(&secret.sha256, &owner) {
            if !reported_on_user {
                out.push(Finding::new(format!("{key} is a common password.")));
            }
        } else if secret.length < MIN_LENGTH {
            out.push(
                Finding::new(format!(
                    "{key} is {} characters long; use at least {MIN_LENGTH}.",
                    secret.length
                ))
                .at(Severity::Medium),
            );
        }
    }
    out
}

fn auth03_nopass_users(s: &Subject) -> Vec<Finding> {
    s.node
        .users
        .iter()
        .flatten()
        .filter(|u| u.name != "default" && u.enabled() && u.nopass())
        .map(|u| {
            Finding::new(format!("user '{}' is on with nopass.", u.name))
                .fix(format!("ACL SETUSER {} resetpass >… (or off)", u.name))
        })
        .collect()
}

fn auth04_requirepass_drift(s: &Subject) -> Vec<Finding> {
    let (Some(secret), Some(default)) = (s.node.secrets.get("requirepass"), s.node.user("default"))
    else {
        return vec![];
    };
    let mut out = Vec::new();
    if !default.password_hashes.contains(&secret.sha256) {
        out.push(Finding::new(
            "requirepass (CONFIG GET) is not among the default user's ACL passwords: one was \
             changed without the other, and a restart or CONFIG REWRITE will pick one of them.",
        ));
    }
    if s.node.config("aclfile").is_some_and(|f| !f.is_empty()) {
        out.push(Finding::new(
            "requirepass is set although an aclfile is used: Redis ignores requirepass then.",
        ));
    }
    out
}

fn auth05_failed_logins(s: &Subject) -> Vec<Finding> {
    let Some(failures) = &s.node.auth_failures else {
        return vec![];
    };
    let total: u64 = failures.values().sum();
    if total == 0 {
        return vec![];
    }
    let by_user: Vec<String> = failures
        .iter()
        .map(|(user, n)| format!("'{user}' ({n})"))
        .collect();
    let finding = Finding::new(format!(
        "ACL LOG records {total} failed login(s), by user name tried: {}.",
        list(&by_user)
    ));
    vec![if total >= 100 {
        finding
    } else {
        finding.at(Severity::Info)
    }]
}

/// Whether Lua scripts or functions ran since the server started (`INFO commandstats`):
/// when they did, scripting rights are needed and not reported as dangerous.
fn scripts_used(node: &NodeFacts) -> bool {
    [
        "eval",
        "evalsha",
        "eval_ro",
        "evalsha_ro",
        "fcall",
        "fcall_ro",
    ]
    .iter()
    .filter_map(|c| node.info(&format!("cmdstat_{c}")))
    .any(|stats| parse_kv(stats).get("calls").is_some_and(|n| *n != "0"))
}

const SCRIPTING: &[&str] = &["EVAL", "FUNCTION LOAD", "SCRIPT FLUSH"];

/// What a Sentinel's user must be able to run on the nodes: failover reconfigures them.
const FAILOVER: &[&str] = &["SLAVEOF", "REPLICAOF"];

fn acl01_dangerous_commands(s: &Subject) -> Vec<Finding> {
    let scripts = scripts_used(s.node);
    let sentinel_users: Vec<&str> = s
        .node
        .sentinel_clients
        .iter()
        .flatten()
        .map(|c| c.user.as_str())
        .collect();
    s.non_admins()
        .filter(|u| !u.all_powerful())
        .filter_map(|u| {
            let sentinel = sentinel_users.contains(&u.name.as_str());
            let risky: Vec<&String> = u
                .dangerous
                .iter()
                .flatten()
                .filter(|c| !(scripts && SCRIPTING.contains(&c.as_str())))
                .filter(|c| !(sentinel && FAILOVER.contains(&c.as_str())))
                .collect();
            (!risky.is_empty()).then(|| {
                Finding::new(format!(
                    "user '{}' may run {} (ACL DRYRUN){}.",
                    u.name,
                    list(&risky),
                    if scripts {
                        ""
                    } else {
                        "; no scripts ran since the server started, so scripting is unneeded"
                    }
                ))
                .fix(format!(
                    "ACL SETUSER {} -@dangerous -@admin -@scripting",
                    u.name
                ))
            })
        })
        .collect()
}

fn acl02_pubsub(s: &Subject) -> Vec<Finding> {
    let monitored = s.in_sentinel_group()
        || s.node
            .sentinel_clients
            .as_ref()
            .is_some_and(|c| !c.is_empty());
    let at = if monitored {
        Severity::High
    } else {
        Severity::Medium
    };
    let why = if monitored {
        ": anyone with these rights can publish forged Sentinel hello messages"
    } else {
        ""
    };
    let mut out = Vec::new();
    if s.node.config("acl-pubsub-default") == Some("allchannels") {
        out.push(
            Finding::new(format!(
                "acl-pubsub-default is allchannels: new users get every channel{why}."
            ))
            .at(at),
        );
    }
    for u in s
        .non_admins()
        .filter(|u| !u.all_powerful() && u.all_channels())
    {
        out.push(
            Finding::new(format!("user '{}' has every channel (&*){why}.", u.name))
                .at(at)
                .fix(format!("ACL SETUSER {} resetchannels &<needed>", u.name)),
        );
    }
    out
}

fn acl03_sanitize_payload(s: &Subject) -> Vec<Finding> {
    if s.node.config("sanitize-dump-payload") != Some("no") {
        return vec![];
    }
    let users: Vec<&str> = s
        .non_admins()
        .filter(|u| !u.all_powerful())
        .filter(|u| u.may_run("RESTORE") || u.flags.iter().any(|f| f == "skip-sanitize-payload"))
        .map(|u| u.name.as_str())
        .collect();
    if users.is_empty() {
        return vec![];
    }
    vec![Finding::new(format!(
        "sanitize-dump-payload is no and {} may RESTORE payloads: a crafted payload can \
         crash the server.",
        list(&users)
    ))]
}

fn acl06_full_rights(s: &Subject) -> Vec<Finding> {
    s.non_admins()
        .filter(|u| u.name != "default" && u.all_powerful())
        .map(|u| {
            Finding::new(format!(
                "user '{}' has {} {} but is not an admin user (--admin-user, default 'admin').",
                u.name, u.commands, u.keys
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::harden::facts::gather::sha256_hex;
    use crate::harden::facts::{NodeFacts, SecretFacts};

    #[test]
    fn weak_and_shared_passwords_name_users_only() {
        let mut n = server();
        put_user(&mut n, user("app", "on >password123 ~app:* -@all +@read"));
        put_user(&mut n, user("cache", "on >redis ~cache:* -@all +@read"));
        put_user(&mut n, user("batch", "on >redis ~b:* -@all +@read"));
        let found = auth02_weak_passwords(&Subject {
            node: &n,
            audit: &audit(vec![]),
        });
        let text: Vec<&str> = found.iter().map(|f| f.evidence.as_str()).collect();
        assert_eq!(found.len(), 4, "{text:?}");
        assert!(text.iter().any(|t| t.contains("'app'")));
        assert!(text.iter().any(|t| t.contains("batch and cache share")));
        assert!(
            text.iter()
                .all(|t| !t.contains("password123") && !t.contains(" redis"))
        );
    }

    #[test]
    fn the_sentinels_user_may_reconfigure_replication() {
        let mut n = server();
        let mut u = user("sentinel", "on >a-long-sentinel-password -@all +slaveof");
        u.dangerous = Some(vec!["SLAVEOF".into(), "REPLICAOF".into()]);
        put_user(&mut n, u);
        let run = |n: &NodeFacts| {
            acl01_dangerous_commands(&Subject {
                node: n,
                audit: &audit(vec![]),
            })
        };
        assert_eq!(run(&n).len(), 1);
        n.sentinel_clients = Some(vec![crate::harden::facts::SentinelClientFacts {
            user: "sentinel".into(),
            denied: Some(vec![]),
        }]);
        assert!(run(&n).is_empty());
    }

    #[test]
    fn plaintext_secrets_length_and_drift() {
        let mut n = server();
        n.secrets.insert(
            "masterauth".into(),
            SecretFacts {
                length: 8,
                sha256: sha256_hex("xk29!fq0"),
            },
        );
        n.secrets.insert(
            "requirepass".into(),
            SecretFacts {
                length: 30,
                sha256: sha256_hex("a-long-password-nobody-else-has"),
            },
        );
        let found = ids(&audit(vec![n]));
        assert_eq!(found, ["AUTH-02", "AUTH-04"]);
    }

    #[test]
    fn rights_per_user() {
        let mut n = server();
        let mut flusher = user("app", "on >k7#Vq9!mZ2@pL4$x ~app:* -@all +@read +flushall");
        flusher.dangerous = Some(vec!["FLUSHALL".into()]);
        put_user(&mut n, flusher);
        put_user(&mut n, user("ops", "on >k8#Vq9!mZ2@pL4$x ~* &* +@all"));
        put_user(&mut n, user("legacy", "on nopass ~* -@all +get"));
        let found = ids(&audit(vec![n]));
        assert_eq!(found, ["ACL-01", "ACL-06", "AUTH-03"]);
    }

    #[test]
    fn scripting_is_dangerous_only_when_unused() {
        let mut n = server();
        let mut app = user("app", "on >k7#Vq9!mZ2@pL4$x ~app:* -@all +@read +eval");
        app.dangerous = Some(vec!["EVAL".into()]);
        put_user(&mut n, app);
        assert_eq!(ids(&audit(vec![n.clone()])), ["ACL-01"]);
        n.info.insert(
            "cmdstat_eval".into(),
            "calls=3,usec=10,usec_per_call=3.3".into(),
        );
        assert!(ids(&audit(vec![n])).is_empty());
    }

    #[test]
    fn open_default_is_all_powerful() {
        let mut n = server();
        open_default(&mut n);
        assert!(ids(&audit(vec![n])).contains(&"AUTH-01"));
    }
}
