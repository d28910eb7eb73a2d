//! The terminal report: what fits a screen. `--json` has everything.

use std::fmt::Write;

use super::Analysis;
use super::top::KeyRow;
use super::ttl::BUCKETS;
use crate::ui::bytes;

/// Prefix rows shown (largest first, parents before children).
const PREFIX_ROWS: usize = 20;

pub fn render(a: &Analysis) -> String {
    let mut o = String::new();
    let r = &a.rdb;
    let version = r
        .redis_version
        .as_deref()
        .map(|v| format!(" (Redis {v})"))
        .unwrap_or_default();
    let saved = r
        .ctime
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| format!(", saved {}", t.format("%Y-%m-%d %H:%M:%SZ")))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{} {}: {}, RDB version {}{version}{saved}, checksum {}",
        a.source.kind,
        a.source.name,
        bytes(r.bytes),
        r.version,
        r.checksum
    );
    let t = &a.totals;
    let _ = writeln!(
        o,
        "{} keys, {} serialized; {} with a TTL, {} already expired (dropped at load)",
        t.keys,
        bytes(t.bytes),
        t.expires,
        t.expired
    );

    let _ = writeln!(
        o,
        "\nDatabases\n  {:>4} {:>12} {:>11} {:>10} {:>9}",
        "db", "keys", "bytes", "expires", "expired"
    );
    for d in &a.databases {
        let t = &d.totals;
        let _ = writeln!(
            o,
            "  {:>4} {:>12} {:>11} {:>10} {:>9}",
            d.db,
            t.keys,
            bytes(t.bytes),
            t.expires,
            t.expired
        );
    }

    let _ = writeln!(
        o,
        "\nTypes\n  {:<8} {:<14} {:>12} {:>11} {:>14}",
        "type", "encoding", "keys", "bytes", "elements"
    );
    for ty in &a.types {
        let _ = writeln!(
            o,
            "  {:<8} {:<14} {:>12} {:>11} {:>14}",
            ty.type_name,
            ty.encoding,
            ty.keys,
            bytes(ty.bytes),
            ty.elements
        );
    }

    key_table(
        &mut o,
        &format!("Top {} keys by size", a.top_by_bytes.len()),
        &a.top_by_bytes,
        a.now_ms,
    );
    key_table(
        &mut o,
        &format!("Top {} keys by elements", a.top_by_elements.len()),
        &a.top_by_elements,
        a.now_ms,
    );

    let p = &a.prefixes;
    let _ = writeln!(
        o,
        "\nPrefixes (separators \"{}\", depth {}{})\n  {:>12} {:>11} {:>6}  prefix",
        p.separators,
        p.depth,
        if p.folded {
            "; small prefixes folded into their parents"
        } else {
            ""
        },
        "keys",
        "bytes",
        "%"
    );
    let nodes = p.flatten();
    for (depth, n) in nodes.iter().take(PREFIX_ROWS) {
        let _ = writeln!(
            o,
            "  {:>12} {:>11} {:>5.1}%  {}{}",
            n.stats.keys,
            bytes(n.stats.bytes),
            percent(n.stats.bytes, t.bytes),
            "  ".repeat(depth - 1),
            n.prefix
        );
    }
    if nodes.len() > PREFIX_ROWS {
        let _ = writeln!(
            o,
            "  … {} more prefixes (see --json or --html)",
            nodes.len() - PREFIX_ROWS
        );
    }
    let rooted: u64 = p.roots.iter().map(|n| n.stats.keys).sum();
    if rooted < t.keys {
        let _ = writeln!(o, "  {:>12} keys without a separator", t.keys - rooted);
    }

    let _ = writeln!(o, "\nTTL (time left)");
    let _ = writeln!(o, "  {}", buckets_line(&a.ttl.0));
    let f = &a.hash_field_ttl;
    if f.keys > 0 {
        let _ = writeln!(
            o,
            "\nHash-field TTLs: {} hashes{}\n  {}",
            f.keys,
            if f.incomplete_keys > 0 {
                format!(
                    " ({} counted by their earliest field only)",
                    f.incomplete_keys
                )
            } else {
                String::new()
            },
            buckets_line(&f.fields.0[1..])
        );
    }
    if !a.expired_keys.is_empty() {
        let _ = writeln!(
            o,
            "\nAlready expired (first {}; dropped when the file is loaded)",
            a.expired_keys.len()
        );
        for k in &a.expired_keys {
            let _ = writeln!(o, "  db{} {}", k.db, k.key);
        }
    }

    let mut why: Vec<(&str, &str)> = a
        .top_by_bytes
        .iter()
        .chain(&a.top_by_elements)
        .flat_map(|k| k.flags.iter().map(|f| (f.code, f.why)))
        .collect();
    why.sort();
    why.dedup();
    if !why.is_empty() {
        let _ = writeln!(o, "\nWhy it hurts");
        for (code, text) in why {
            let _ = writeln!(o, "  {code}: {text}");
        }
    }
    o
}

fn buckets_line(counts: &[u64]) -> String {
    let names = &BUCKETS[BUCKETS.len() - counts.len()..];
    names
        .iter()
        .zip(counts)
        .map(|(n, c)| format!("{n} {c}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn key_table(o: &mut String, title: &str, rows: &[KeyRow], now_ms: i64) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{title}\n  {:>11} {:>10} {:<8} {:<14} {:>10}  key",
        "bytes", "elements", "type", "encoding", "ttl"
    );
    for k in rows {
        let ttl = match k.expire_ms {
            None => "-".to_string(),
            Some(at) if at <= now_ms => "expired".to_string(),
            Some(at) => crate::ui::duration(std::time::Duration::from_millis((at - now_ms) as u64)),
        };
        let flags: Vec<&str> = k.flags.iter().map(|f| f.code).collect();
        let _ = writeln!(
            o,
            "  {:>11} {:>10} {:<8} {:<14} {:>10}  {}{}{}{}",
            bytes(k.bytes),
            k.elements
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            k.type_name,
            k.encoding,
            ttl,
            if k.db == 0 {
                String::new()
            } else {
                format!("db{} ", k.db)
            },
            k.key,
            if k.key_truncated { "…" } else { "" },
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        );
    }
}
