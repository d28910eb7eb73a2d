//! The users `harden apply` creates, one per role, with the narrowest rights that role needs.
//! Every user gets a generated password (kept in the secrets directory) and rights that
//! `harden audit` accepts: only the administrator holds `+@all`, nobody else can run the
//! commands of ACL-01 (except the Sentinel user's SLAVEOF and CONFIG REWRITE, which failover
//! needs; the audit knows that user from `CLIENT LIST`).

/// Where a role exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// Every redis-server.
    Servers,
    /// redis-server nodes of a Sentinel group.
    GroupServers,
    /// Every Sentinel (and every redis-server).
    Everywhere,
}

/// One role: its user name, its ACL rules (without the password) and why it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub user: String,
    pub keys: &'static str,
    pub channels: &'static str,
    pub commands: String,
    pub nodes: Nodes,
    pub purpose: &'static str,
}

/// The Sentinel's node-side rights (sentinel.md, "Redis access control list authentication"):
/// failover sends MULTI, SLAVEOF, CONFIG REWRITE, CLIENT KILL, EXEC; one missing right aborts
/// the transaction and with it the promotion.
const SENTINEL_COMMANDS: &str = "-@all +multi +slaveof +ping +exec +subscribe +config|rewrite \
                                 +role +publish +info +client|setname +client|kill +script|kill";

/// What `redisops backup` runs: INFO/ROLE/TIME to choose and check the source, CONFIG GET
/// dir/dbfilename and BGSAVE/LASTSAVE for the bgsave method, SYNC/PSYNC/REPLCONF for the
/// replication stream.
const BACKUP_COMMANDS: &str = "-@all +ping +info +role +time +lastsave +bgsave +config|get \
                               +sync +psync +replconf";

/// What exporters and health checks read (no CONFIG GET: it reveals passwords in clear).
const MONITORING_COMMANDS: &str = "-@all +ping +hello +info +client|list +slowlog|get \
                                   +slowlog|len +latency|latest +dbsize +memory|stats";

/// The roles, admin first (it is the login apply switches to before tightening).
pub fn roles(admin: &str, app_scripting: bool) -> Vec<Role> {
    vec![
        Role {
            user: admin.to_string(),
            keys: "~*",
            channels: "&*",
            commands: "+@all".into(),
            nodes: Nodes::Everywhere,
            purpose: "operators and redisops (harden, restore, tls)",
        },
        Role {
            user: "app".into(),
            keys: "~*",
            channels: "resetchannels",
            commands: if app_scripting {
                "+@all -@dangerous".into()
            } else {
                "+@all -@dangerous -@scripting".into()
            },
            nodes: Nodes::Servers,
            purpose: "applications: every data command, no dangerous or admin command",
        },
        Role {
            user: "replication".into(),
            keys: "",
            channels: "resetchannels",
            commands: "-@all +psync +replconf +sync +ping".into(),
            nodes: Nodes::Servers,
            purpose: "replicas logging in to their master (masteruser/masterauth)",
        },
        Role {
            user: "sentinel".into(),
            keys: "",
            channels: "resetchannels &__sentinel__:hello",
            commands: SENTINEL_COMMANDS.into(),
            nodes: Nodes::GroupServers,
            purpose: "Sentinels monitoring and failing over the nodes (auth-user/auth-pass)",
        },
        Role {
            user: "backup".into(),
            keys: "",
            channels: "resetchannels",
            commands: BACKUP_COMMANDS.into(),
            nodes: Nodes::Servers,
            purpose: "redisops backup (both methods)",
        },
        Role {
            user: "monitoring".into(),
            keys: "",
            channels: "resetchannels",
            commands: MONITORING_COMMANDS.into(),
            nodes: Nodes::Servers,
            purpose: "exporters and health checks",
        },
    ]
}

impl Role {
    /// Whether the role exists on a node of this kind.
    pub fn on(&self, sentinel: bool, in_group: bool) -> bool {
        match self.nodes {
            Nodes::Everywhere => true,
            Nodes::Servers => !sentinel,
            Nodes::GroupServers => !sentinel && in_group,
        }
    }

    /// The rules after the password, in `ACL SETUSER` order. Keys, channels and commands are
    /// reset first so that an existing user ends with exactly these rights (its passwords are
    /// kept: an operator's own password for the admin keeps working).
    pub fn rules(&self) -> Vec<String> {
        let mut rules = vec!["resetkeys".to_string()];
        rules.extend(self.keys.split_whitespace().map(String::from));
        if !self.channels.starts_with("resetchannels") {
            rules.push("resetchannels".into());
        }
        rules.extend(self.channels.split_whitespace().map(String::from));
        if !self.commands.starts_with("-@all") {
            rules.push("-@all".into());
        }
        rules.extend(self.commands.split_whitespace().map(String::from));
        rules
    }
}

/// Rule lists compared the way Redis stores them: `ACL GETUSER` lists single commands in its
/// own order, so two lists match when they hold the same tokens.
pub fn same_rules(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> Vec<&str> {
        let mut t: Vec<&str> = s
            .split_whitespace()
            .filter(|t| *t != "resetchannels" && *t != "resetkeys")
            .collect();
        t.sort_unstable();
        t
    }
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_reset_what_they_set() {
        let r = roles("admin", false);
        assert_eq!(
            r[0].rules().join(" "),
            "resetkeys ~* resetchannels &* -@all +@all"
        );
        assert_eq!(
            r[2].rules().join(" "),
            "resetkeys resetchannels -@all +psync +replconf +sync +ping"
        );
        assert!(r[1].commands.contains("-@scripting"));
        assert!(!roles("admin", true)[1].commands.contains("-@scripting"));
    }

    #[test]
    fn rules_compare_like_acl_getuser_reports_them() {
        assert!(same_rules(
            "-@all +psync +replconf +sync +ping",
            "-@all +ping +sync +psync +replconf"
        ));
        assert!(same_rules("resetchannels", ""));
        assert!(!same_rules("+@all -@dangerous", "+@all"));
    }

    #[test]
    fn where_roles_live() {
        let r = roles("admin", false);
        let sentinel = r.iter().find(|r| r.user == "sentinel").unwrap();
        assert!(sentinel.on(false, true) && !sentinel.on(false, false) && !sentinel.on(true, true));
        assert!(r[0].on(true, true));
        assert!(!r[1].on(true, true));
    }
}
