//! `analyze` and `diff` against real servers: key-by-key agreement with the live server, a
//! corpus of RDB files in every encoding, the JSON shape, the HTML page's numbers, repository
//! backups (encrypted), and a diff that shows exactly a known change.

use crate::backup::Repo;
use crate::harness::{RedisServer, redisops};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Writes a dataset of every type and encoding redis-server 7.0 has, with prefixes and TTLs,
/// in one server-side script (fast, and the same on every run).
const DATASET: &str = r#"
for i = 1, 200 do redis.call('SET', 'user:' .. i .. ':name', 'name' .. i) end
for i = 1, 50 do redis.call('HSET', 'user:' .. i .. ':profile', 'age', i, 'city', 'x') end
for i = 1, 40 do redis.call('SET', 'session:' .. i, string.rep('s', 200), 'PX', 1800000 * i + 900000) end
for i = 1, 5 do redis.call('SET', 'gone:' .. i, 'v', 'PX', 1) end
-- Incompressible pages (a linear congruential generator), so that their size on disk is
-- their size in memory, as MEMORY USAGE sees it.
local x = 7
local function noise(n)
  local t = {}
  for j = 1, n do x = (x * 1103515245 + 12345) % 2147483648; t[j] = string.char(33 + x % 90) end
  return table.concat(t)
end
for i = 1, 30 do redis.call('SET', 'cache:page:' .. i, noise(3000 + i * 150)) end
local big = {}
for i = 1, 3000 do big[#big + 1] = 'f' .. i; big[#big + 1] = string.rep('v', 20) end
redis.call('HSET', 'cache:big', unpack(big))
local items = {}
for i = 1, 5000 do items[#items + 1] = 'job' .. i end
redis.call('RPUSH', 'queue:jobs', unpack(items))
redis.call('RPUSH', 'queue:small', 'a', 'b', 'c')
for i = 1, 100 do redis.call('SADD', 'ids:small', i) end
for i = 1, 1000 do redis.call('SADD', 'tags:big', 'tag' .. i) end
redis.call('SADD', 'tags:small', 'x', 'y')
for i = 1, 500 do redis.call('ZADD', 'board:top', i, 'player' .. i) end
redis.call('ZADD', 'board:small', 1, 'a', 2, 'b')
for i = 1, 20 do redis.call('XADD', 'events:s', '*', 'n', i) end
redis.call('XGROUP', 'CREATE', 'events:s', 'g', '0')
redis.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 7, 'STREAMS', 'events:s', '>')
redis.call('SET', 12345, 'int key')
redis.call('SELECT', 2)
for i = 1, 10 do redis.call('SET', 'db2:' .. i, i, 'PX', 86400000 * 3) end
return 1
"#;

/// Every key of every db with its type, expire time and element count, from the server.
const FACTS: &str = r#"
local out = {}
for db = 0, 2 do
  redis.call('SELECT', db)
  for _, k in ipairs(redis.call('KEYS', '*')) do
    local t = redis.call('TYPE', k).ok
    local n = -1
    if t == 'list' then n = redis.call('LLEN', k)
    elseif t == 'set' then n = redis.call('SCARD', k)
    elseif t == 'zset' then n = redis.call('ZCARD', k)
    elseif t == 'hash' then n = redis.call('HLEN', k)
    elseif t == 'stream' then n = redis.call('XLEN', k) end
    out[#out + 1] = db .. '|' .. k .. '|' .. t .. '|' .. redis.call('PEXPIRETIME', k) .. '|' .. n
  end
end
return out
"#;

fn dataset() -> RedisServer {
    let server = RedisServer::start();
    assert_eq!(server.cli(&["EVAL", DATASET, "0"]), "1");
    // Let the 1 ms TTLs pass, so that the file holds keys whose time is up.
    std::thread::sleep(std::time::Duration::from_millis(20));
    server
}

fn analyze(args: &[&str]) -> Value {
    let mut all = vec!["analyze"];
    all.extend(args);
    all.push("--json");
    redisops(all).ok().json()
}

/// `db|key` → (type, expire time, elements) from the server (`-1`: none).
fn server_facts(server: &RedisServer) -> BTreeMap<String, (String, i64, i64)> {
    server
        .cli(&["EVAL", FACTS, "0"])
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (
                format!("{}|{}", f[0], f[1]),
                (
                    f[2].to_string(),
                    f[3].parse().unwrap(),
                    f[4].parse().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_key_agrees_with_the_live_server() {
    let server = dataset();
    // Expired keys stay in memory until touched, and SAVE writes them too: the server's own
    // view must be read before anything touches them.
    let facts = server_facts(&server);
    let csv = redisops(["-p", &server.port.to_string(), "analyze", "--live", "--csv"]).ok();
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("db,key,type,encoding,bytes,elements,expire_at")
    );
    let mut seen = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 7, "{line}");
        let expire = match f[6] {
            "" => -1,
            at => chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .timestamp_millis(),
        };
        let elements = match (f[2], f[5]) {
            ("string", "") => -1,
            (_, n) => n.parse().unwrap(),
        };
        seen.insert(
            format!("{}|{}", f[0], f[1]),
            (f[2].to_string(), expire, elements),
        );
    }
    // Keys whose 1 ms TTL passed are in the snapshot or not (expired lazily or actively),
    // and the server's KEYS no longer lists them: they are compared only through counts.
    seen.retain(|k, _| !k.starts_with("0|gone:"));
    let expected: BTreeMap<_, _> = facts
        .into_iter()
        .filter(|(k, _)| !k.starts_with("0|gone:"))
        .collect();
    assert_eq!(seen, expected);

    // The top 10 by serialized size against MEMORY USAGE, where the sizes differ by > 20 %.
    // Hashtable and skiplist encodings hold pointers per element that the RDB does not, so
    // their memory is several times their serialized size: the orders are compared among
    // the compact encodings, whose RDB form is their memory form.
    let port = server.port.to_string();
    let report = redisops(["-p", &port, "analyze", "--live", "--top", "10", "--json"])
        .ok()
        .json();
    let top: Vec<(String, u64)> = report["top_by_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| !matches!(k["encoding"].as_str(), Some("hashtable" | "skiplist")))
        .map(|k| {
            let key = k["key"].as_str().unwrap().to_string();
            let usage: u64 = server
                .cli(&["MEMORY", "USAGE", &key, "SAMPLES", "0"])
                .parse()
                .unwrap();
            (key, usage)
        })
        .collect();
    assert!(top.len() >= 5, "{top:?}");
    for (i, (ka, ma)) in top.iter().enumerate() {
        for (kb, mb) in &top[i + 1..] {
            if *ma as f64 > *mb as f64 * 1.2 || (*mb as f64) > *ma as f64 * 1.2 {
                assert!(ma > mb, "{ka} ({ma}) is listed before {kb} ({mb}): {top:?}");
            }
        }
    }

    // Prefix key counts equal SCAN counts.
    let prefixes: BTreeMap<String, u64> = report["prefixes"]["roots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| std::iter::once(n).chain(n["children"].as_array().unwrap()))
        .map(|n| {
            (
                n["prefix"].as_str().unwrap().to_string(),
                n["keys"].as_u64().unwrap(),
            )
        })
        .collect();
    // As above: keys whose 1 ms TTL passed may be in the snapshot while SCAN skips them.
    for (prefix, keys) in prefixes.iter().filter(|(p, _)| !p.starts_with("gone:")) {
        let scanned = scan_count(
            &server,
            prefix,
            if prefix.starts_with("db2:") { 2 } else { 0 },
        );
        assert_eq!(*keys, scanned, "prefix {prefix}");
    }
    assert_eq!(prefixes["user:"], 250);
    assert_eq!(prefixes["cache:page:"], 30);
}

/// Keys matching `prefix*` in `db`, counted with SCAN.
fn scan_count(server: &RedisServer, prefix: &str, db: u32) -> u64 {
    let pattern = format!("{prefix}*");
    let out = server.cli(&["-n", &db.to_string(), "--scan", "--pattern", &pattern]);
    out.lines().filter(|l| !l.is_empty()).count() as u64
}

#[test]
fn report_shape_flags_ttls_and_html_numbers() {
    let server = dataset();
    server.cli(&["SAVE"]);
    let dump = server.dir().join("dump.rdb");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let r = analyze(&[
        "--file",
        dump.to_str().unwrap(),
        "--top",
        "5",
        "--html",
        page.to_str().unwrap(),
    ]);
    for field in [
        "format",
        "source",
        "rdb",
        "now_ms",
        "totals",
        "databases",
        "types",
        "top_by_bytes",
        "top_by_elements",
        "prefixes",
        "ttl",
        "hash_field_ttl",
        "expired_keys",
    ] {
        assert!(!r[field].is_null(), "missing {field}");
    }
    assert_eq!(r["format"], 1);
    assert_eq!(r["source"]["kind"], "file");
    assert_eq!(r["rdb"]["checksum"], "verified");
    let keys = r["totals"]["keys"].as_u64().unwrap();
    let dbs: u64 = r["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["keys"].as_u64().unwrap())
        .sum();
    let types: u64 = r["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["keys"].as_u64().unwrap())
        .sum();
    let ttl: u64 = [
        "none", "expired", "lt_1h", "lt_1d", "lt_7d", "lt_30d", "longer",
    ]
    .iter()
    .map(|b| r["ttl"][b].as_u64().unwrap())
    .sum();
    assert_eq!((dbs, types, ttl), (keys, keys, keys));
    assert_eq!(r["top_by_bytes"].as_array().unwrap().len(), 5);
    assert_eq!(r["top_by_elements"][0]["key"], "queue:jobs");
    assert_eq!(r["top_by_elements"][0]["elements"], 5000);
    let row = &r["top_by_bytes"][0];
    for field in [
        "db",
        "key",
        "key_truncated",
        "type",
        "encoding",
        "bytes",
        "elements",
        "expire_ms",
        "pending",
        "flags",
    ] {
        assert!(row.get(field).is_some(), "top row lacks {field}: {row}");
    }
    let stream = r["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "stream")
        .unwrap();
    assert_eq!(stream["elements"], 20);
    assert_eq!(r["ttl"]["lt_1h"], 1, "session:1 has 45 minutes");
    assert_eq!(r["ttl"]["lt_7d"], 10, "db 2 keys have 3 days");
    let expired = r["totals"]["expired"].as_u64().unwrap();
    assert_eq!(r["ttl"]["expired"].as_u64().unwrap(), expired);
    assert_eq!(
        r["expired_keys"].as_array().unwrap().len() as u64,
        expired.min(5)
    );

    // The page: self-contained, and its numbers are the JSON's.
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing fetched"
    );
    assert!(html.contains("<svg id=\"treemap\"") && html.contains("<svg id=\"ttl\""));
    assert_eq!(
        attr_after(&html, "data-field=\"keys\"", "data-v"),
        keys.to_string()
    );
    assert_eq!(
        attr_after(&html, "data-field=\"bytes\"", "data-v"),
        r["totals"]["bytes"].to_string()
    );
    for b in [
        "none", "expired", "lt_1h", "lt_1d", "lt_7d", "lt_30d", "longer",
    ] {
        let at = format!("data-bucket=\"{b}\"");
        assert_eq!(
            attr_after(&html, &at, "data-count"),
            r["ttl"][b].to_string(),
            "{b}"
        );
    }
    let table = &html[html.find("id=\"top-bytes\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 5);
    for (row, json) in rows.iter().zip(r["top_by_bytes"].as_array().unwrap()) {
        assert_eq!(attr_after(row, "<td", "data-v"), json["bytes"].to_string());
        assert!(row.contains(json["key"].as_str().unwrap()));
    }
    for root in r["prefixes"]["roots"].as_array().unwrap() {
        let at = format!("data-prefix=\"{}\"", root["prefix"].as_str().unwrap());
        assert_eq!(
            attr_after(&html, &at, "data-bytes"),
            root["bytes"].to_string()
        );
    }
    // The embedded JSON is the report.
    let start = html.find("id=\"analysis\">").unwrap() + "id=\"analysis\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let embedded: Value = serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap();
    assert_eq!(embedded["totals"], r["totals"]);

    // The text report fits a screen and names the big ones.
    let text = redisops(["analyze", "--file", dump.to_str().unwrap()]).ok();
    assert!(text.stdout.contains("cache:big"), "{}", text.stdout);
    assert!(text.stdout.lines().count() < 120);
}

/// The value of attribute `name` in the first tag at or after `anchor`.
fn attr_after(html: &str, anchor: &str, name: &str) -> String {
    let at = html.find(anchor).unwrap_or_else(|| panic!("no {anchor}"));
    let rest = &html[at..];
    let needle = format!("{name}=\"");
    let start = rest.find(&needle).unwrap() + needle.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_string()
}

/// The fixtures plus dumps of every 7.0 encoding (and whatever `DEBUG RELOAD` keeps).
#[test]
fn a_corpus_of_rdb_files_analyzes_without_error() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rdb/testdata");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rdb"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let server = dataset();
    server.cli(&["SAVE"]);
    files.push(server.dir().join("dump.rdb"));
    // The same data with compression off and with every collection in its big encoding.
    for setting in [
        ["rdbcompression", "no"],
        ["hash-max-listpack-entries", "0"],
        ["zset-max-listpack-entries", "0"],
        ["set-max-intset-entries", "0"],
        ["list-max-listpack-size", "1"],
    ] {
        server.cli(&["CONFIG", "SET", setting[0], setting[1]]);
    }
    server.cli(&["DEBUG", "RELOAD"]);
    server.cli(&["SAVE"]);
    let plain = server.dir().join("plain.rdb");
    std::fs::copy(server.dir().join("dump.rdb"), &plain).unwrap();
    files.push(plain);
    for file in &files {
        let r = analyze(&["--file", file.to_str().unwrap()]);
        assert!(
            r["totals"]["keys"].as_u64().unwrap() > 0,
            "{}",
            file.display()
        );
    }
    let hfe = analyze(&["--file", fixtures.join("hfe-7.4.rdb").to_str().unwrap()]);
    assert_eq!(hfe["hash_field_ttl"]["keys"], 2);
    assert_eq!(hfe["hash_field_ttl"]["fields"]["longer"], 6);
}

#[test]
fn encrypted_backups_and_a_diff_of_a_known_change() {
    let server = RedisServer::start();
    server.cli(&["EVAL", "for i = 1, 300 do redis.call('SET', 'keep:' .. i, i) end for i = 1, 20 do redis.call('SET', 'old:' .. i, string.rep('o', 100)) end return 1", "0"]);
    let repo = Repo::new();
    let target = vec!["-p".to_string(), server.port.to_string()];
    let first = repo.backup(&target, &[]).ok().json();
    server.cli(&["EVAL", "for i = 1, 20 do redis.call('DEL', 'old:' .. i) end for i = 1, 50 do redis.call('SET', 'new:' .. i, string.rep('n', 100)) end return 1", "0"]);
    let second = repo.backup(&target, &[]).ok().json();
    let (a, b) = (
        first["backup"]["id"].as_str().unwrap(),
        second["backup"]["id"].as_str().unwrap(),
    );
    let repo_path = repo.path();
    let repo_arg = repo_path.to_str().unwrap();
    let key = repo.identity.to_str().unwrap();

    // Without the key: the archive's own exit code and advice.
    let locked = redisops(["analyze", a, "--repo", repo_arg]);
    assert_eq!(locked.code, 23, "{}", locked.stderr);
    assert!(locked.stderr.contains("--identity"), "{}", locked.stderr);

    let r = analyze(&["--latest", "--repo", repo_arg, "-i", key]);
    assert_eq!(r["source"]["kind"], "backup");
    assert_eq!(r["source"]["name"], b);
    assert_eq!(r["totals"]["keys"], 350);

    let d = redisops(["diff", a, b, "--repo", repo_arg, "-i", key, "--json"])
        .ok()
        .json();
    assert_eq!(d["totals"]["keys"], 30);
    let changed: BTreeMap<String, i64> = d["prefixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["prefix"].as_str().unwrap().to_string(),
                p["keys"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        BTreeMap::from([("new:".into(), 50), ("old:".into(), -20)])
    );
    let top: Vec<(&str, &str)> = d["top_keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["change"] != "same")
        .map(|k| (k["key"].as_str().unwrap(), k["change"].as_str().unwrap()))
        .collect();
    assert!(
        !top.is_empty()
            && top
                .iter()
                .all(|(k, c)| (k.starts_with("new:") && *c == "new")
                    || (k.starts_with("old:") && *c == "vanished")),
        "{top:?}"
    );
    let page = repo.dir.path().join("diff.html");
    let page_arg = page.to_str().unwrap();
    let text = redisops([
        "diff", a, b, "--repo", repo_arg, "-i", key, "--html", page_arg,
    ])
    .ok();
    assert!(
        text.stdout.contains("new:") && text.stdout.contains("old:"),
        "{}",
        text.stdout
    );
    let html = std::fs::read_to_string(&page).unwrap();
    let start = html.find("id=\"diff\">").unwrap() + "id=\"diff\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let embedded: Value = serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap();
    assert_eq!(embedded["prefixes"], d["prefixes"]);
    assert_eq!(attr_after(&html, "<td>new:</td>", "data-v"), "50");
}

/// `verify --file` on a dump from another tool, in all four forms, and what it says it checked.
#[test]
fn verify_file_checks_foreign_dumps_in_every_form() {
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rdb/testdata");
    let rdb = dir.path().join("dump.rdb");
    std::fs::copy(fixtures.join("types.rdb"), &rdb).unwrap();
    let shell = |cmd: String| {
        let ok = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .status()
            .unwrap();
        assert!(ok.success(), "{cmd}");
    };
    let p = |name: &str| dir.path().join(name).display().to_string();
    shell(format!("gzip -c {} > {}", p("dump.rdb"), p("dump.rdb.gz")));
    shell(format!(
        "age -r {} -o {} {}",
        repo.recipient,
        p("dump.rdb.age"),
        p("dump.rdb")
    ));
    shell(format!(
        "age -r {} -o {} {}",
        repo.recipient,
        p("dump.rdb.gz.age"),
        p("dump.rdb.gz")
    ));
    let key = repo.identity.to_str().unwrap();
    for name in ["dump.rdb", "dump.rdb.gz", "dump.rdb.age", "dump.rdb.gz.age"] {
        let r = redisops(["verify", "--file", &p(name), "-i", key, "--json"])
            .ok()
            .json();
        assert_eq!(r[0]["ok"], true, "{name}: {r}");
        let notes = r[0]["notes"].to_string();
        assert!(
            notes.contains("CRC-64 verified") && notes.contains("19 keys"),
            "{name}: {notes}"
        );
        assert!(notes.contains("not checked"), "{notes}");
    }
    let deep = redisops(["verify", "--file", &p("dump.rdb.gz"), "--deep"]).ok();
    assert!(
        deep.stdout.contains("redis-check-rdb (") && deep.stdout.contains("RDB looks OK"),
        "{}",
        deep.stdout
    );

    // Without the key, truncated, or newer than the walker.
    let locked = redisops(["verify", "--file", &p("dump.rdb.age")]);
    assert_eq!(locked.code, 23, "{}", locked.stdout);
    let bytes = std::fs::read(&rdb).unwrap();
    std::fs::write(p("cut.rdb"), &bytes[..bytes.len() / 2]).unwrap();
    let cut = redisops(["verify", "--file", &p("cut.rdb")]);
    assert_eq!(cut.code, 22, "{}", cut.stdout);
    assert!(cut.stdout.contains("truncated"), "{}", cut.stdout);
    let mut newer = bytes[..bytes.len() - 8].to_vec();
    newer[5..9].copy_from_slice(b"0013");
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&newer);
    newer.extend_from_slice(&crc.to_le_bytes());
    std::fs::write(p("newer.rdb"), &newer).unwrap();
    let r = redisops(["verify", "--file", &p("newer.rdb"), "--json"])
        .ok()
        .json();
    assert!(
        r[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("only the checksum was checked"),
        "{r}"
    );
    let refused = redisops(["analyze", "--file", &p("newer.rdb")]);
    assert_eq!(refused.code, 22, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("only its checksum was checked"),
        "{}",
        refused.stderr
    );
}
