//! `CLUSTER NODES`: one node's view of every node it knows. This is the authority for
//! discovery on every version: it is the only listing with the health flags (`fail?`,
//! `handshake`, `noaddr`, `nofailover`) and with open slots (on the `myself` line).
//!
//! Line format: `<id> <ip:port@cport[,hostname]> <flags> <master-id|-> <ping-sent>
//! <pong-recv> <config-epoch> <link-state> <slot>…`, where a slot is `N`, `N-M`,
//! `[N->-<id>]` (migrating to id) or `[N-<-<id>]` (importing from id).

use super::slots::SlotRange;
use anyhow::{Context, Result, bail};
use serde::Serialize;

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeLine {
    pub id: String,
    /// Empty when the address is unknown (`noaddr`, `:0@0`).
    pub ip: String,
    pub port: u16,
    pub bus_port: u16,
    /// `cluster-announce-hostname` (7.0+), when set.
    pub hostname: Option<String>,
    pub flags: Vec<String>,
    /// For a replica: its master's id.
    pub master_id: Option<String>,
    pub ping_sent: u64,
    pub pong_recv: u64,
    /// For a replica, its master's epoch.
    pub config_epoch: u64,
    /// The bus link from the answering node: `connected` or `disconnected`.
    pub connected: bool,
    pub slots: Vec<SlotRange>,
    /// Only on the `myself` line.
    pub open_slots: Vec<OpenSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenSlot {
    pub slot: u16,
    pub state: SlotState,
    /// The node the slot is migrating to or importing from.
    pub peer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotState {
    Migrating,
    Importing,
}

impl NodeLine {
    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
    pub fn myself(&self) -> bool {
        self.has("myself")
    }
    pub fn is_master(&self) -> bool {
        self.has("master")
    }
    pub fn is_replica(&self) -> bool {
        self.has("slave")
    }
    /// Confirmed failed by a majority of masters.
    pub fn failed(&self) -> bool {
        self.has("fail")
    }
    /// Unreachable in the answering node's own opinion.
    pub fn pfail(&self) -> bool {
        self.has("fail?")
    }
    /// Not (yet) a member, or no address: nothing to connect to.
    pub fn member(&self) -> bool {
        !self.has("handshake") && !self.has("noaddr") && !self.ip.is_empty()
    }
    /// `ip:port` (brackets for IPv6).
    pub fn address(&self) -> String {
        if self.ip.contains(':') {
            format!("[{}]:{}", self.ip, self.port)
        } else {
            format!("{}:{}", self.ip, self.port)
        }
    }
}

/// Parses a whole `CLUSTER NODES` reply.
pub fn parse(text: &str) -> Result<Vec<NodeLine>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| parse_line(l).with_context(|| format!("unexpected CLUSTER NODES line '{l}'")))
        .collect()
}

fn parse_line(line: &str) -> Result<NodeLine> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() < 8 {
        bail!("{} fields, expected at least 8", f.len());
    }
    let (ip, port, bus_port, hostname) = parse_address(f[1])?;
    let number = |i: usize| -> Result<u64> {
        f[i].parse()
            .with_context(|| format!("field {} '{}' is not a number", i + 1, f[i]))
    };
    let mut slots = Vec::new();
    let mut open_slots = Vec::new();
    for s in &f[8..] {
        if let Some(inner) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            open_slots.push(parse_open_slot(inner).with_context(|| format!("open slot '{s}'"))?);
        } else {
            slots.push(SlotRange::parse(s).with_context(|| format!("slot '{s}'"))?);
        }
    }
    Ok(NodeLine {
        id: f[0].to_string(),
        ip,
        port,
        bus_port,
        hostname,
        flags: f[2].split(',').map(String::from).collect(),
        master_id: Some(f[3]).filter(|m| *m != "-").map(String::from),
        ping_sent: number(4)?,
        pong_recv: number(5)?,
        config_epoch: number(6)?,
        connected: f[7] == "connected",
        slots,
        open_slots,
    })
}

/// `ip:port@cport[,hostname[,aux=…]]`; the ip may be IPv6 (`::1:7000@17000`) or empty.
fn parse_address(s: &str) -> Result<(String, u16, u16, Option<String>)> {
    let mut parts = s.split(',');
    let addr = parts.next().unwrap_or("");
    let hostname = parts
        .next()
        .filter(|h| !h.is_empty() && !h.contains('='))
        .map(String::from);
    let (hostport, bus) = addr
        .split_once('@')
        .with_context(|| format!("address '{s}' has no @bus-port"))?;
    let (ip, port) = hostport
        .rsplit_once(':')
        .with_context(|| format!("address '{s}' has no port"))?;
    let port = port.parse().with_context(|| format!("port in '{s}'"))?;
    let bus = bus.parse().with_context(|| format!("bus port in '{s}'"))?;
    Ok((ip.to_string(), port, bus, hostname))
}

/// `93->-<id>` or `93-<-<id>`.
fn parse_open_slot(s: &str) -> Result<OpenSlot> {
    let (slot, state, peer) = if let Some((slot, peer)) = s.split_once("->-") {
        (slot, SlotState::Migrating, peer)
    } else if let Some((slot, peer)) = s.split_once("-<-") {
        (slot, SlotState::Importing, peer)
    } else {
        bail!("neither ->- nor -<-");
    };
    Ok(OpenSlot {
        slot: slot.parse().context("slot number")?,
        state,
        peer: peer.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_view() {
        // Captured from a 3+3 test cluster on Redis 7.0.15 (master 0's view).
        let nodes = parse(include_str!("testdata/healthy.nodes")).unwrap();
        assert_eq!(nodes.len(), 6);
        let me = nodes.iter().find(|n| n.myself()).unwrap();
        assert_eq!(me.id, "bd7c44643666bccd35a6bc98ec535f1a0d11d225");
        assert_eq!(me.address(), "127.0.0.1:39195");
        assert_eq!(me.bus_port, 37271);
        assert!(me.is_master() && me.member() && me.connected);
        assert_eq!(me.slots, vec![SlotRange::new(0, 5460)]);
        assert_eq!(me.config_epoch, 1);
        let replica = &nodes[1];
        assert!(replica.is_replica());
        assert_eq!(replica.master_id.as_deref(), Some(me.id.as_str()));
        assert!(replica.slots.is_empty());
    }

    #[test]
    fn flags_hostnames_and_open_slots() {
        let text = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,redis-4.example slave,fail e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 1609459200000 1609459100000 0 disconnected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002,,tls-port=0,shard-id=ab master,fail? - 1609459200000 0 2 disconnected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f :0@0 master,noaddr - 1609459200000 0 3 disconnected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca ::1:30001@31001 myself,master - 0 0 1 connected 0-91 [93->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f] [94-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1] 92 95-5460
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 slave,nofailover,handshake - 0 0 0 connected
";
        let nodes = parse(text).unwrap();
        assert!(nodes[0].failed() && !nodes[0].pfail());
        assert_eq!(nodes[0].hostname.as_deref(), Some("redis-4.example"));
        assert!(!nodes[0].connected);
        assert!(nodes[1].pfail() && !nodes[1].failed());
        assert_eq!(nodes[1].hostname, None);
        assert!(!nodes[2].member());
        assert_eq!(nodes[2].ip, "");
        let me = &nodes[3];
        assert_eq!(me.ip, "::1");
        assert_eq!(me.address(), "[::1]:30001");
        assert_eq!(
            me.slots,
            vec![
                SlotRange::new(0, 91),
                SlotRange::new(92, 92),
                SlotRange::new(95, 5460)
            ]
        );
        assert_eq!(
            me.open_slots,
            vec![
                OpenSlot {
                    slot: 93,
                    state: SlotState::Migrating,
                    peer: "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f".into()
                },
                OpenSlot {
                    slot: 94,
                    state: SlotState::Importing,
                    peer: "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1".into()
                }
            ]
        );
        assert!(!nodes[4].member());
        assert!(nodes[4].flags.contains(&"nofailover".to_string()));
    }

    #[test]
    fn garbage_is_refused_with_the_line() {
        let err = parse("abc 127.0.0.1:1 master - 0 0 1 connected").unwrap_err();
        assert!(format!("{err:#}").contains("no @bus-port"), "{err:#}");
        let err = parse("abc 127.0.0.1:1@2 master - 0 0 1 connected 1-x").unwrap_err();
        assert!(format!("{err:#}").contains("slot '1-x'"), "{err:#}");
        assert!(parse("too few fields").is_err());
    }
}
