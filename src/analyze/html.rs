//! `--html FILE`: one self-contained page (inline CSS, SVG and a few lines of JS, nothing
//! fetched): a treemap of prefixes by bytes, the TTL histogram and the top-keys tables. Every
//! number on the page carries a `data-*` attribute with its exact value, and the page embeds
//! the JSON report, so tools (and the tests) can read it back.

use std::fmt::Write;

use super::Analysis;
use super::diff::{Change, Diff};
use super::prefix::PrefixNode;
use super::top::KeyRow;
use super::ttl::BUCKETS;
use crate::ui::bytes;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
/// Treemap cells narrower or lower than this get no label.
const LABEL_MIN: f64 = 48.0;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}table{border-collapse:collapse;width:100%}\
th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}td.n,th.n{text-align:right}\
th{cursor:pointer;background:#f4f4f4}.flag{color:#b00;font-size:.9em}svg text{font-size:11px;pointer-events:none}\
.muted{color:#777}code{background:#f4f4f4;padding:0 3px}";

/// Sorts a table by the clicked column (numbers by their data-v attribute).
const SCRIPT: &str = "document.querySelectorAll('table.sortable th').forEach((th,i)=>th.onclick=()=>{\
const tb=th.closest('table').tBodies[0],rows=[...tb.rows],d=th.dataset.dir==='1'?-1:1;th.dataset.dir=d===1?'1':'0';\
rows.sort((a,b)=>{const x=a.cells[i],y=b.cells[i];const p=x.dataset.v,q=y.dataset.v;\
return d*(p!==undefined?(+p)-(+q):x.textContent.localeCompare(y.textContent));});rows.forEach(r=>tb.appendChild(r));});";

pub fn render(a: &Analysis) -> String {
    let mut o = String::new();
    let title = format!("redisops analyze: {} {}", a.source.kind, a.source.name);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(o, "<h1>{}</h1>", esc(&title));
    let t = &a.totals;
    let _ = writeln!(
        o,
        "<p><span data-field=\"keys\" data-v=\"{}\">{}</span> keys, <span data-field=\"bytes\" data-v=\"{}\">{}</span> serialized \
         (RDB version {}, {}, checksum {}); <span data-field=\"expires\" data-v=\"{}\">{}</span> with a TTL, \
         <span data-field=\"expired\" data-v=\"{}\">{}</span> already expired.</p>",
        t.keys,
        t.keys,
        t.bytes,
        bytes(t.bytes),
        a.rdb.version,
        esc(a
            .rdb
            .redis_version
            .as_deref()
            .unwrap_or("unknown Redis version")),
        a.rdb.checksum,
        t.expires,
        t.expires,
        t.expired,
        t.expired
    );

    let _ = writeln!(
        o,
        "<h2>Prefixes by bytes</h2><p class=\"muted\">Separators <code>{}</code>, depth {}{}. Hover for numbers.</p>",
        esc(&a.prefixes.separators),
        a.prefixes.depth,
        if a.prefixes.folded {
            "; small prefixes folded into their parents"
        } else {
            ""
        }
    );
    treemap(&mut o, a);

    let _ = writeln!(o, "<h2>TTL distribution</h2>");
    histogram(&mut o, &a.ttl.0);

    key_table(&mut o, "Top keys by size", "top-bytes", &a.top_by_bytes);
    key_table(
        &mut o,
        "Top keys by elements",
        "top-elements",
        &a.top_by_elements,
    );

    let _ = writeln!(
        o,
        "<h2>Types</h2><table class=\"sortable\" id=\"types\"><thead><tr><th>type</th><th>encoding</th><th class=\"n\">keys</th><th class=\"n\">bytes</th><th class=\"n\">elements</th></tr></thead><tbody>"
    );
    for ty in &a.types {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td></tr>",
            ty.type_name,
            ty.encoding,
            ty.keys,
            ty.keys,
            ty.bytes,
            bytes(ty.bytes),
            ty.elements,
            ty.elements
        );
    }
    let _ = writeln!(o, "</tbody></table>");

    let json = serde_json::to_string(a)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let _ = write!(
        o,
        "<script type=\"application/json\" id=\"analysis\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    o
}

/// A two-level slice-and-dice treemap: top-level prefixes side by side, their children stacked.
fn treemap(o: &mut String, a: &Analysis) {
    let total = a.totals.bytes.max(1) as f64;
    let _ = writeln!(
        o,
        "<svg id=\"treemap\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" role=\"img\" aria-label=\"prefixes by bytes\">"
    );
    let mut x = 0.0;
    for (i, n) in a.prefixes.roots.iter().enumerate() {
        let w = WIDTH * n.stats.bytes as f64 / total;
        let hue = (i * 47) % 360;
        cell(o, n, x, 0.0, w, HEIGHT, hue, 85);
        // Children stacked under the parent's label row.
        let mut y = 16.0;
        let inner = n.stats.bytes.max(1) as f64;
        for c in &n.children {
            let h = (HEIGHT - 16.0) * c.stats.bytes as f64 / inner;
            cell(o, c, x + 2.0, y, w - 4.0, h, hue, 70);
            y += h;
        }
        x += w;
    }
    let rooted: u64 = a.prefixes.roots.iter().map(|n| n.stats.bytes).sum();
    let rest = a.totals.bytes.saturating_sub(rooted);
    if rest > 0 {
        let _ = writeln!(
            o,
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{:.1}\" height=\"{HEIGHT}\" fill=\"#ddd\" stroke=\"#fff\"><title>keys without a separator: {}</title></rect>",
            WIDTH - x,
            bytes(rest)
        );
    }
    let _ = writeln!(o, "</svg>");
}

#[allow(clippy::too_many_arguments)]
fn cell(o: &mut String, n: &PrefixNode, x: f64, y: f64, w: f64, h: f64, hue: usize, light: u8) {
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    let _ = writeln!(
        o,
        "<rect class=\"prefix\" data-prefix=\"{}\" data-keys=\"{}\" data-bytes=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"hsl({hue},55%,{light}%)\" stroke=\"#fff\"><title>{}: {} keys, {}</title></rect>",
        esc(&n.prefix),
        n.stats.keys,
        n.stats.bytes,
        esc(&n.prefix),
        n.stats.keys,
        bytes(n.stats.bytes)
    );
    if w >= LABEL_MIN && h >= 14.0 {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 3.0,
            y + 12.0,
            esc(&n.prefix)
        );
    }
}

fn histogram(o: &mut String, counts: &[u64; 7]) {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (bar, gap, height) = (110.0, 20.0, 160.0);
    let _ = writeln!(
        o,
        "<svg id=\"ttl\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"TTL histogram\">",
        counts.len() as f64 * (bar + gap),
        height + 40.0
    );
    for (i, (name, &n)) in BUCKETS.iter().zip(counts).enumerate() {
        let h = height * n as f64 / max;
        let x = i as f64 * (bar + gap);
        let _ = writeln!(
            o,
            "<rect class=\"bucket\" data-bucket=\"{name}\" data-count=\"{n}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar}\" height=\"{h:.1}\" fill=\"{}\"><title>{name}: {n} keys</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\">{n}</text><text x=\"{:.1}\" y=\"{:.1}\">{name}</text>",
            height - h,
            if *name == "expired" { "#c44" } else { "#48c" },
            x + 4.0,
            (height - h - 4.0).max(12.0),
            x + 4.0,
            height + 16.0
        );
    }
    let _ = writeln!(o, "</svg>");
}

fn key_table(o: &mut String, title: &str, id: &str, rows: &[KeyRow]) {
    let _ = writeln!(
        o,
        "<h2>{title}</h2><table class=\"sortable\" id=\"{id}\"><thead><tr><th class=\"n\">bytes</th><th class=\"n\">elements</th><th>type</th><th>encoding</th><th>db</th><th>key</th><th>expires</th><th>why it hurts</th></tr></thead><tbody>"
    );
    for k in rows {
        let expire = k
            .expire_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
            .unwrap_or_default();
        let flags: Vec<String> = k
            .flags
            .iter()
            .map(|f| {
                format!(
                    "<span class=\"flag\" title=\"{}\">{}</span>",
                    esc(f.why),
                    f.code
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "<tr><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            k.bytes,
            bytes(k.bytes),
            k.elements.unwrap_or(0),
            k.elements
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            k.type_name,
            k.encoding,
            k.db,
            esc(&k.key),
            if k.key_truncated { "…" } else { "" },
            expire,
            flags.join(" ")
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `diff --html` page: totals, databases, prefixes and top keys that changed, and the
/// JSON comparison embedded.
pub fn render_diff(d: &Diff) -> String {
    let mut o = String::new();
    let title = format!("redisops diff: {} → {}", d.a.name, d.b.name);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let change_row = |o: &mut String, label: &str, c: &Change| {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\" data-v=\"{}\">{:+}</td><td class=\"n\">{} → {}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\">{} → {}</td></tr>",
            esc(label),
            c.keys,
            c.keys,
            c.keys_a,
            c.keys_b,
            c.bytes,
            c.bytes,
            bytes(c.bytes_a),
            bytes(c.bytes_b)
        );
    };
    const HEAD: &str = "<thead><tr><th></th><th class=\"n\">Δ keys</th><th class=\"n\">keys</th><th class=\"n\">Δ bytes</th><th class=\"n\">bytes</th></tr></thead><tbody>";
    let _ = writeln!(
        o,
        "<h2>Totals and databases</h2><table class=\"sortable\" id=\"databases\">{HEAD}"
    );
    change_row(&mut o, "all", &d.totals);
    for db in &d.databases {
        change_row(&mut o, &format!("db{}", db.db), &db.change);
    }
    let _ = writeln!(
        o,
        "</tbody></table><h2>Prefixes by absolute growth</h2><table class=\"sortable\" id=\"prefixes\">{HEAD}"
    );
    for p in &d.prefixes {
        change_row(&mut o, &p.prefix, &p.change);
    }
    let _ = writeln!(
        o,
        "</tbody></table><h2>Top keys</h2><table class=\"sortable\" id=\"top-keys\"><thead><tr><th>change</th><th>db</th><th>key</th><th>type</th><th class=\"n\">bytes A</th><th class=\"n\">bytes B</th></tr></thead><tbody>"
    );
    for k in &d.top_keys {
        let size = |b: Option<u64>| match b {
            Some(n) => format!("<td class=\"n\" data-v=\"{n}\">{}</td>", bytes(n)),
            None => "<td class=\"n\">-</td>".into(),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}{}</tr>",
            k.change,
            k.db,
            esc(&k.key),
            k.type_name,
            size(k.bytes_a),
            size(k.bytes_b)
        );
    }
    let json = serde_json::to_string(d)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let _ = write!(
        o,
        "</tbody></table>\n<script type=\"application/json\" id=\"diff\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    o
}
