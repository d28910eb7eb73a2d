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
    /// Every Sentinel of a group.
    Sentinels,
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

/// What clients discovering the master through Sentinel run (redis-rs also still calls
/// SENTINEL SLAVES), and the channels they listen to for switch-overs; no PUBLISH, so no
/// forged hello messages.
const DISCOVERY_COMMANDS: &str = "-@all +ping +hello +role +command +client|setname \
                                  +client|getname +client|id +subscribe +psubscribe \
                                  +unsubscribe +punsubscribe +sentinel|get-master-addr-by-name \
                                  +sentinel|master +sentinel|masters +sentinel|replicas \
                                  +sentinel|slaves +sentinel|sentinels +sentinel|myid";

/// What one Sentinel runs on another (sentinel-user): hello messages, the votes of a
/// failover (redis/redis#9772, #13192). Its password exists only on the Sentinels, so the
/// clear copy every sentinel.conf holds opens no data node.
const PEER_COMMANDS: &str = "-@all +ping +publish +client|setname \
                             +sentinel|is-master-down-by-addr +role +info";

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
            user: "app".into(),
            keys: "",
            channels: "&*",
            commands: DISCOVERY_COMMANDS.into(),
            nodes: Nodes::Sentinels,
            purpose: "applications discovering the master through Sentinel",
        },
        Role {
            user: "sentinel-peer".into(),
            keys: "",
            channels: "resetchannels &__sentinel__:hello",
            commands: PEER_COMMANDS.into(),
            nodes: Nodes::Sentinels,
            purpose: "Sentinels talking to each other (sentinel-user/sentinel-pass)",
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
            Nodes::Sentinels => sentinel,
        }
    }

    /// The rules after the password, in `ACL SETUSER` order. Keys, channels and commands are
    /// reset first so that an existing user ends with exactly these rights (its passwords are
    /// kept: an operator's own password for the admin keeps working). `selectors`: whether
    /// the server has ACL selectors (7.0+), which would keep rights beside these.
    pub fn rules(&self, selectors: bool) -> Vec<String> {
        let mut rules = Vec::new();
        if selectors {
            rules.push("clearselectors".to_string());
        }
        rules.push("resetkeys".to_string());
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

/// Redis describes rules in its own words, which depend on its command table: a Sentinel
/// lists `-@all +ping +publish` as `-@all +@fast …`. So apply remembers how each kind of
/// node (server or Sentinel, by version) described a role after setting it; this key names
/// one such description.
pub fn form_key(sentinel: bool, version: &str, user: &str) -> String {
    let kind = if sentinel { "sentinel" } else { "server" };
    format!("{kind}/{version}/{user}")
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
            r[0].rules(true).join(" "),
            "clearselectors resetkeys ~* resetchannels &* -@all +@all"
        );
        let replication = r.iter().find(|r| r.user == "replication").unwrap();
        assert_eq!(
            replication.rules(true).join(" "),
            "clearselectors resetkeys resetchannels -@all +psync +replconf +sync +ping"
        );
        // Redis 6.2 has no selectors to clear.
        assert_eq!(
            replication.rules(false).join(" "),
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
        let on_sentinels: Vec<&str> = r
            .iter()
            .filter(|r| r.on(true, true))
            .map(|r| r.user.as_str())
            .collect();
        assert_eq!(on_sentinels, ["admin", "app", "sentinel-peer"]);
    }
}
