//! Hand-built facts for the checks' unit tests: a hardened server that produces no finding
//! at all, and small edits that each break one rule.

use crate::harden::facts::gather::sha256_hex;
use crate::harden::facts::{
    Access, AuditFacts, DANGEROUS_COMMANDS, ListenerFacts, NodeFacts, NodeKind, Transport,
    UserFacts,
};

pub const NOW: i64 = 1_800_000_000;

pub fn audit(nodes: Vec<NodeFacts>) -> AuditFacts {
    AuditFacts {
        target: "test".into(),
        gathered_at: NOW,
        admin_users: vec!["admin".into()],
        group: None,
        cluster: None,
        nodes,
    }
}

/// Every check ID reported on any node, sorted.
pub fn ids(audit: &AuditFacts) -> Vec<&'static str> {
    let mut ids: Vec<&str> = super::evaluate(audit)
        .into_iter()
        .flat_map(|n| n.findings.into_iter().map(|f| f.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A user from ACL-style rules: flags, `~keys`, `&channels`, `+/-commands`, `>password`.
pub fn user(name: &str, rules: &str) -> UserFacts {
    let mut u = UserFacts {
        name: name.into(),
        flags: Vec::new(),
        password_hashes: Vec::new(),
        commands: String::new(),
        keys: String::new(),
        channels: String::new(),
        dangerous: Some(Vec::new()),
    };
    let push = |field: &mut String, r: &str| {
        if !field.is_empty() {
            field.push(' ');
        }
        field.push_str(r);
    };
    for r in rules.split_whitespace() {
        match r.as_bytes()[0] {
            b'+' | b'-' => push(&mut u.commands, r),
            b'~' | b'%' => push(&mut u.keys, r),
            b'&' => push(&mut u.channels, r),
            b'>' => u.password_hashes.push(sha256_hex(&r[1..])),
            _ => u.flags.push(r.into()),
        }
    }
    if u.all_commands() {
        u.dangerous = Some(DANGEROUS_COMMANDS.iter().map(|c| c.name.into()).collect());
    }
    u
}

/// A hardened 7.2.11 master on loopback: default user off, one admin, nothing to report.
pub fn server() -> NodeFacts {
    let mut n = NodeFacts::new("127.0.0.1:6379", NodeKind::Server);
    n.role = "master".into();
    for (k, v) in [
        ("redis_version", "7.2.11"),
        ("role", "master"),
        ("config_file", "/etc/redis/redis.conf"),
        ("connected_slaves", "0"),
    ] {
        n.info.insert(k.into(), v.into());
    }
    n.config = Some(
        [
            ("bind", "127.0.0.1 -::1"),
            ("port", "6379"),
            ("tls-port", "0"),
            ("protected-mode", "yes"),
            ("unixsocket", ""),
            ("unixsocketperm", "0"),
            ("enable-debug-command", "no"),
            ("enable-module-command", "no"),
            ("enable-protected-configs", "no"),
            ("acl-pubsub-default", "resetchannels"),
            ("sanitize-dump-payload", "no"),
            ("dir", "/var/lib/redis"),
            ("dbfilename", "dump.rdb"),
            ("replica-read-only", "yes"),
            (
                "client-output-buffer-limit",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
            ),
            ("maxmemory-clients", "0"),
            ("acllog-max-len", "128"),
            ("aclfile", ""),
            ("tls-auth-clients", "yes"),
            ("tls-protocols", ""),
            ("tls-ca-cert-dir", ""),
            ("tls-replication", "no"),
            ("masteruser", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    );
    n.users = Some(vec![
        user("default", "off -@all resetchannels"),
        user("admin", "on >a-long-and-random-admin-password ~* &* +@all"),
    ]);
    n.renamed_commands = Some(vec![]);
    n.modules = Some(vec![]);
    n.lua_package_exposed = Some(false);
    n.auth_failures = Some(Default::default());
    n.sentinel_clients = Some(vec![]);
    n.listeners = vec![ListenerFacts {
        address: "127.0.0.1:6379".into(),
        transport: Transport::Plaintext,
        probed_with: "plaintext TCP, no credentials".into(),
        access: Access::AuthRequired,
    }];
    n
}

/// A hardened Sentinel: password required, protected mode on in its file.
pub fn sentinel(address: &str) -> NodeFacts {
    let mut n = NodeFacts::new(address, NodeKind::Sentinel);
    n.role = "sentinel".into();
    n.info.insert("redis_mode".into(), "sentinel".into());
    n.info.insert("tcp_port".into(), "26379".into());
    n.users = Some(vec![
        user("default", "off -@all"),
        user("admin", "on >another-long-random-password ~* &* +@all"),
    ]);
    n.scripts_reconfig_denied = Some(true);
    n.monitored_master = Some(
        [
            ("flags", "master"),
            ("last-ok-ping-reply", "500"),
            ("down-after-milliseconds", "5000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    );
    n
}

pub fn set(node: &mut NodeFacts, key: &str, value: &str) {
    node.config
        .get_or_insert_with(Default::default)
        .insert(key.into(), value.into());
}

/// Replaces (or adds) a user.
pub fn put_user(node: &mut NodeFacts, u: UserFacts) {
    let users = node.users.get_or_insert_with(Vec::new);
    users.retain(|x| x.name != u.name);
    users.push(u);
}

/// The out-of-the-box default user: on, no password, everything.
pub fn open_default(node: &mut NodeFacts) {
    put_user(node, user("default", "on nopass ~* &* +@all"));
    for l in &mut node.listeners {
        l.access = Access::Open;
    }
}
