//! Parsing of `INFO` replies: `key:value` lines, the keyspace lines
//! (`db0:keys=1,expires=0,avg_ttl=0`) and replica lines (`slave0:ip=…,port=…,state=online`).

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Info {
    fields: BTreeMap<String, String>,
}

impl Info {
    pub fn parse(text: &str) -> Self {
        let fields = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.trim_end().split_once(':'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self { fields }
    }

    /// Every `key:value` field, for callers that keep the raw reply.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.get(key)?.parse().ok()
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).map(|v| v == "1")
    }

    /// Per-database key counts from the keyspace section.
    pub fn keyspace(&self) -> BTreeMap<u32, DbKeys> {
        self.fields
            .iter()
            .filter_map(|(k, v)| {
                let db = k.strip_prefix("db")?.parse().ok()?;
                let kv = parse_kv(v);
                Some((
                    db,
                    DbKeys {
                        keys: kv.get("keys")?.parse().ok()?,
                        expires: kv.get("expires").and_then(|e| e.parse().ok()).unwrap_or(0),
                    },
                ))
            })
            .collect()
    }

    /// Replicas as a master reports them (`slaveN:` lines).
    pub fn replicas(&self) -> Vec<ReplicaLine> {
        let mut out: Vec<(u32, ReplicaLine)> = self
            .fields
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix("slave")?.parse::<u32>().ok()?;
                let kv = parse_kv(v);
                Some((
                    n,
                    ReplicaLine {
                        ip: kv.get("ip")?.to_string(),
                        port: kv.get("port")?.parse().ok()?,
                        state: kv.get("state").unwrap_or(&"").to_string(),
                        offset: kv.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
                        lag: kv.get("lag").and_then(|l| l.parse().ok()),
                    },
                ))
            })
            .collect();
        out.sort_by_key(|(n, _)| *n);
        out.into_iter().map(|(_, r)| r).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DbKeys {
    pub keys: u64,
    pub expires: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaLine {
    pub ip: String,
    pub port: u16,
    pub state: String,
    pub offset: u64,
    pub lag: Option<u64>,
}

/// Parses `a=1,b=2` (also used for Sentinel and replica descriptions).
pub fn parse_kv(s: &str) -> BTreeMap<&str, &str> {
    s.split(',').filter_map(|p| p.split_once('=')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections() {
        let info = Info::parse(
            "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:42\r\n\r\n# Keyspace\r\n\
             db0:keys=10,expires=2,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n\
             slave1:ip=127.0.0.1,port=7002,state=online,offset=10,lag=1\r\n\
             slave0:ip=127.0.0.1,port=7001,state=wait_bgsave,offset=0,lag=0\r\n",
        );
        assert_eq!(info.get("redis_version"), Some("7.0.15"));
        assert_eq!(info.u64("uptime_in_seconds"), Some(42));
        let ks = info.keyspace();
        assert_eq!(
            ks[&0],
            DbKeys {
                keys: 10,
                expires: 2
            }
        );
        assert_eq!(ks[&3].keys, 1);
        let r = info.replicas();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].port, 7001);
        assert_eq!(r[1].lag, Some(1));
    }
}
