//! The compatibility matrix: the smoke path of every command against every server build the
//! tests are given (`REDISOPS_TEST_SERVERS=DIR[:DIR…]`, the distribution's redis-server
//! always included; `.ci/run` passes ../shared/redis-builds/*). One server per build, one
//! build at a time (2 cores). Prints a version × capability table and fails on any failed
//! cell. A capability a version cannot have is an asserted refusal ("no: …"), never a skip.
//! The README's "Supported servers" table is checked against the rows that ran.

use crate::backup::Repo;
use crate::harness::{
    RedisServer, Run, SentinelGroup, ServerBuild, ServerOptions, TlsFixture, redisops,
    redisops_cmd, run_cmd,
};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What one cell found.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Pass,
    /// Passed; what the table should say about it.
    PassNote(String),
    /// A documented refusal, asserted: the reason.
    Refused(String),
    Fail(String),
}

impl Cell {
    fn short(&self) -> String {
        match self {
            Cell::Pass => "yes".into(),
            Cell::PassNote(note) => format!("yes: {note}"),
            Cell::Refused(why) => format!("no: {why}"),
            Cell::Fail(_) => "FAIL".into(),
        }
    }
}

/// The columns, in table order.
const COLUMNS: &[&str] = &[
    "status",
    "backup bgsave",
    "backup sync",
    "verify --deep",
    "restore",
    "harden audit",
    "harden apply",
    "backup as backup user",
    "ACL selectors",
    "hash-field TTL",
    "Sentinel",
    "tls check",
    "refuses what it cannot load",
];

/// Runs `f` as one cell: a panic is a failure with its message.
fn cell(f: impl FnOnce() -> Cell) -> Cell {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(c) => c,
        Err(e) => Cell::Fail(
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into()),
        ),
    }
}

fn opts(build: &Arc<ServerBuild>) -> ServerOptions {
    ServerOptions {
        build: Some(build.clone()),
        ..Default::default()
    }
}

fn port_args(s: &RedisServer) -> Vec<String> {
    vec!["-p".into(), s.port.to_string()]
}

/// redisops with this build's binaries first on PATH (its check-rdb for --deep).
fn redisops_with(build: &ServerBuild, args: &[String]) -> Run {
    let mut cmd = redisops_cmd();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![build.bin_dir().to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(paths).unwrap())
        .args(args);
    run_cmd(cmd)
}

fn ok(run: Run) -> Run {
    run.ok()
}

/// Varied data, with hash-field TTLs where the version has them.
fn fill(s: &RedisServer, build: &ServerBuild) {
    s.write_keys(100);
    s.cli(&["HSET", "h", "a", "1", "b", "2"]);
    s.cli(&["RPUSH", "l", "x", "y", "z"]);
    s.cli(&["SADD", "s", "m", "n"]);
    s.cli(&["ZADD", "z", "1", "a", "2", "b"]);
    s.cli(&["XADD", "x", "*", "f", "v"]);
    s.cli(&["SET", "ttl", "v", "EX", "3600"]);
    s.cli(&["-n", "3", "SET", "db3", "v"]);
    if hash_field_ttl(build) {
        s.cli(&["HEXPIRE", "h", "3600", "FIELDS", "1", "a"]);
    }
}

fn hash_field_ttl(build: &ServerBuild) -> bool {
    match build.flavor {
        "redis" => build.at_least(7, 4),
        _ => build.at_least(9, 0),
    }
}

fn display_flavor(build: &ServerBuild) -> &'static str {
    match build.flavor {
        "redis" => "Redis",
        _ => "Valkey",
    }
}

/// State the smoke path carries from cell to cell.
struct Smoke {
    build: Arc<ServerBuild>,
    /// The RDB version the distribution's checker reads up to.
    dist_rdb: u32,
    /// The server's own dump, kept for the refusals of the other builds.
    dump: Option<Vec<u8>>,
    server: RedisServer,
    repo: Repo,
    secrets: PathBuf,
    _dir: tempfile::TempDir,
    cells: BTreeMap<&'static str, Cell>,
}

impl Smoke {
    fn run(&mut self, name: &'static str, f: impl FnOnce(&mut Self) -> Cell) {
        let c = cell(AssertUnwindSafe(|| f(self)));
        if let Cell::Fail(msg) = &c {
            eprintln!("matrix: {} / {name}: FAILED: {msg}", self.build.label());
        }
        self.cells.insert(name, c);
    }

    fn passed(&self, name: &str) -> bool {
        self.cells.get(name) == Some(&Cell::Pass)
    }
}

fn status(s: &mut Smoke) -> Cell {
    let json = ok(redisops([
        "-p",
        &s.server.port.to_string(),
        "status",
        "--json",
    ]))
    .json();
    let b = &s.build;
    let version: Vec<String> = b.version.iter().map(u32::to_string).collect();
    assert_eq!(json["server"]["flavor"], b.flavor, "{json:#}");
    assert_eq!(json["server"]["version"], version.join("."), "{json:#}");
    Cell::Pass
}

fn backup(s: &mut Smoke, method: &str) -> Cell {
    let json = ok(s.repo.backup(&port_args(&s.server), &["--method", method])).json();
    assert_eq!(json["backup"]["method"], method, "{json:#}");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 106, "{json:#}");
    assert_eq!(
        json["backup"]["server"]["flavor"], s.build.flavor,
        "{json:#}"
    );
    if method == "bgsave" {
        s.dump = Some(std::fs::read(s.server.dir().join("dump.rdb")).unwrap());
    }
    Cell::Pass
}

fn verify_deep(s: &mut Smoke) -> Cell {
    let args: Vec<String> = [
        "verify",
        "--all",
        "--deep",
        "--json",
        "--repo",
        s.repo.path().to_str().unwrap(),
        "-i",
        s.repo.identity.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    let run = ok(redisops_with(&s.build, &args));
    let checker = format!("{}-check-rdb", s.build.flavor);
    assert!(run.stdout.contains(&checker), "{}", run.stdout);
    // With only an older checker (the distribution's), --deep refuses instead of reporting
    // a bogus "Can't handle RDB format version".
    if s.build.rdb_version() > s.dist_rdb {
        let run = redisops(&args);
        assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("no RDB checker reads"),
            "{}",
            run.stdout
        );
    }
    Cell::Pass
}

fn restore(s: &mut Smoke) -> Cell {
    let digest = s.server.digest();
    s.server.cli(&["FLUSHALL"]);
    s.server.cli(&["SET", "damage", "1"]);
    let mut args = port_args(&s.server);
    args.extend(
        [
            "restore",
            "--latest",
            "--repo",
            s.repo.path().to_str().unwrap(),
            "-i",
            s.repo.identity.to_str().unwrap(),
            "--yes",
        ]
        .map(String::from),
    );
    let run = ok(redisops(&args));
    // The server's own checker read the staged file before anything was stopped.
    let checker = format!(
        "{}-check-rdb ({} ",
        s.build.flavor,
        display_flavor(&s.build)
    );
    assert!(run.stderr.contains(&checker), "{}", run.stderr);
    s.server.wait_serving();
    assert_eq!(s.server.digest(), digest);
    Cell::Pass
}

fn audit(s: &mut Smoke) -> Cell {
    let run = redisops([
        "-p",
        &s.server.port.to_string(),
        "harden",
        "audit",
        "--json",
    ]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let ids = crate::audit::serious_ids(&report);
    assert!(ids.contains("AUTH-01"), "{report:#}");
    // The version floor names the real version (Valkey's own, not its redis_version).
    if ids.contains("VER-01") {
        let v: Vec<String> = s.build.version.iter().map(u32::to_string).collect();
        let named = format!("{} {} is below", display_flavor(&s.build), v.join("."));
        assert!(run.stdout.contains(&named), "{named}: {report:#}");
    }
    Cell::Pass
}

fn apply(s: &mut Smoke) -> Cell {
    let port = s.server.port.to_string();
    let secrets = s.secrets.to_str().unwrap().to_string();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["-p", &port, "harden", "apply", "--secrets-dir", &secrets]
            .map(String::from)
            .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    ok(redisops(args(&["--yes", "--restart"])));
    let admin = std::fs::read_to_string(s.secrets.join("admin.password")).unwrap();
    s.server.login("admin", admin.trim());
    let again = ok(redisops(args(&["--yes", "--json"]))).json();
    assert_eq!(again["changed"], false, "{again:#}");
    // Nothing at or above medium is left that apply can fix: old versions keep VER-*, and
    // before 7.0 DEBUG and MODULE cannot be switched off (CMD-01 says "upgrade").
    let pre7 = !s.build.at_least(7, 0);
    let (serious, report) = crate::harden::serious_findings(s.server.port, &s.secrets);
    let left: Vec<String> = serious
        .into_iter()
        .filter(|id| !id.starts_with("VER-") && id != "HOST-02" && !(pre7 && id == "CMD-01"))
        .collect();
    assert!(left.is_empty(), "{left:?}\n{report:#}");
    Cell::Pass
}

fn backup_as_backup_user(s: &mut Smoke) -> Cell {
    let pw = s.secrets.join("backup.password");
    let mut target = port_args(&s.server);
    target.extend(["--user".into(), "backup".into()]);
    target.extend(["--password-file".into(), pw.display().to_string()]);
    for method in ["bgsave", "sync"] {
        let json = ok(s.repo.backup(&target, &["--method", method])).json();
        assert_eq!(json["backup"]["databases"]["0"]["keys"], 106, "{json:#}");
    }
    Cell::Pass
}

fn selectors(s: &mut Smoke) -> Cell {
    let out = s
        .server
        .cli_output(&["ACL", "SETUSER", "sel", "(~x:* +get)"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if s.build.at_least(7, 0) {
        assert_eq!(text.trim(), "OK");
        s.server.cli(&["ACL", "DELUSER", "sel"]);
        Cell::Pass
    } else {
        assert!(text.contains("ERR"), "{text}");
        Cell::Refused("before 7.0 (apply leaves out clearselectors)".into())
    }
}

fn hash_ttl(s: &mut Smoke) -> Cell {
    if hash_field_ttl(&s.build) {
        // The backups above held a field with a TTL, restored with an equal digest.
        let ttl = s.server.cli(&["HTTL", "h", "FIELDS", "1", "a"]);
        assert!(ttl.parse::<i64>().unwrap() > 0, "{ttl}");
        return Cell::Pass;
    }
    let out = s
        .server
        .cli_output(&["HEXPIRE", "h", "60", "FIELDS", "1", "a"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("unknown command"), "{text}");
    Cell::Refused("Redis 7.4+, Valkey 9+".into())
}

fn sentinel(build: &Arc<ServerBuild>) -> Cell {
    let group = SentinelGroup::start_build(0, None, Some(build.clone()));
    group.master.write_keys(20);
    let target = vec!["--target".to_string(), group.url()];
    let mut args = target.clone();
    args.extend(["status".into(), "--json".into()]);
    let json = ok(redisops(&args)).json();
    assert_eq!(json["sentinel"]["master_name"], "mymaster", "{json:#}");
    let repo = Repo::new();
    let json = ok(repo.backup(&target, &["--from", "master"])).json();
    assert_eq!(json["backup"]["target"]["sentinel_master"], "mymaster");
    assert_eq!(json["backup"]["databases"]["0"]["keys"], 20);
    Cell::Pass
}

fn tls_check(build: &Arc<ServerBuild>) -> Cell {
    let fx = Arc::new(TlsFixture::new());
    let server = RedisServer::with(ServerOptions {
        tls: Some(fx.clone()),
        build: Some(build.clone()),
        ..Default::default()
    });
    let mut args = vec!["--target".to_string(), server.url()];
    args.extend(fx.client_args());
    args.extend(["tls".into(), "check".into(), "--json".into()]);
    let json = ok(redisops(&args)).json();
    assert!(json[0]["days_left"].as_i64().unwrap() > 0, "{json:#}");
    Cell::Pass
}

/// Hand-built from Valkey 9's format description (see src/rdb/testdata/README.md).
const VALKEY080: &[u8] = include_bytes!("../../src/rdb/testdata/valkey080-handmade.rdb");

/// Restores of files this build cannot load (`files`: label, RDB version, Valkey magic,
/// bytes) are refused with exit 22 before anything is touched, each with its reason.
fn refusals(build: &Arc<ServerBuild>, files: &[(String, u32, bool, Vec<u8>)]) -> Cell {
    let server = RedisServer::with(opts(build));
    server.write_keys(10);
    let digest = server.digest();
    let run_id = server.info_field("run_id");
    let repo = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let mut refused = Vec::new();
    for (label, version, valkey_magic, bytes) in files {
        let loads = if *valkey_magic {
            build.flavor == "valkey" && build.rdb_version() >= *version
        } else if build.flavor == "valkey" {
            *version <= 11
        } else {
            build.rdb_version() >= *version
        };
        if loads {
            continue;
        }
        let file = dir.path().join("foreign.rdb");
        std::fs::write(&file, bytes).unwrap();
        let run = crate::checker::restore_file(&server, &repo, &file, &[]);
        assert_eq!(run.code, 22, "{label}: {}\n{}", run.stdout, run.stderr);
        let why = if *valkey_magic && build.flavor == "redis" {
            "Valkey 9's own format"
        } else if build.flavor == "valkey" && (12..80).contains(version) {
            "foreign"
        } else {
            "loads at most RDB"
        };
        assert!(run.stderr.contains(why), "{label}: {}", run.stderr);
        refused.push(label.clone());
    }
    assert_eq!(server.digest(), digest, "the server's data changed");
    assert_eq!(
        server.info_field("run_id"),
        run_id,
        "the server was restarted"
    );
    eprintln!("matrix: {} refused {}", build.label(), refused.join(", "));
    // What it refuses, by rule (the files at hand depend on the builds in the run).
    Cell::PassNote(match build.flavor {
        "valkey" if build.rdb_version() < 80 => "RDB 12+ (foreign), VALKEY080".into(),
        "valkey" => format!("RDB 12-79 (foreign), VALKEY{:03}+", build.rdb_version() + 1),
        _ => format!("RDB {}+, VALKEY080", build.rdb_version() + 1),
    })
}

/// The smoke path of one build.
fn smoke(
    build: &Arc<ServerBuild>,
    dist_rdb: u32,
) -> (BTreeMap<&'static str, Cell>, Option<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let server = RedisServer::with(ServerOptions {
        unprivileged: true,
        ..opts(build)
    });
    fill(&server, build);
    let mut s = Smoke {
        build: build.clone(),
        dist_rdb,
        dump: None,
        server,
        repo: Repo::new(),
        secrets: dir.path().join("secrets"),
        _dir: dir,
        cells: BTreeMap::new(),
    };
    s.run("status", status);
    s.run("backup bgsave", |s| backup(s, "bgsave"));
    s.run("backup sync", |s| backup(s, "sync"));
    s.run("verify --deep", verify_deep);
    s.run("restore", restore);
    s.run("hash-field TTL", hash_ttl);
    s.run("ACL selectors", selectors);
    s.run("harden audit", audit);
    s.run("harden apply", apply);
    if s.passed("harden apply") {
        s.run("backup as backup user", backup_as_backup_user);
    } else {
        s.cells.insert(
            "backup as backup user",
            Cell::Fail("harden apply failed".into()),
        );
    }
    let b = build.clone();
    s.run("Sentinel", move |_| sentinel(&b));
    let b = build.clone();
    s.run("tls check", move |_| tls_check(&b));
    (s.cells, s.dump)
}

/// The table: one row per build, one column per capability.
fn table(rows: &[(String, BTreeMap<&'static str, Cell>)]) -> String {
    let mut out = format!("| server | {} |\n", COLUMNS.join(" | "));
    out += &format!("|---|{}\n", "---|".repeat(COLUMNS.len()));
    for (label, cells) in rows {
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|c| {
                cells
                    .get(c)
                    .map(Cell::short)
                    .unwrap_or_else(|| "FAIL".into())
            })
            .collect();
        out += &format!("| {label} | {} |\n", row.join(" | "));
    }
    out
}

/// The README's "Supported servers" rows, by server label.
fn readme_rows() -> BTreeMap<String, String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Supported servers")
        .nth(1)
        .expect("README has a \"## Supported servers\" section");
    section
        .lines()
        .filter(|l| l.starts_with("| redis ") || l.starts_with("| valkey "))
        .map(|l| {
            (
                l.split('|').nth(1).unwrap().trim().to_string(),
                l.to_string(),
            )
        })
        .collect()
}

#[test]
fn compatibility_matrix() {
    let builds = ServerBuild::all();
    let dist_rdb = builds[0].rdb_version();
    let mut rows = Vec::new();
    let mut files = vec![("VALKEY080".to_string(), 80, true, VALKEY080.to_vec())];
    for build in &builds {
        eprintln!("matrix: {}", build.label());
        let (cells, dump) = smoke(build, dist_rdb);
        if let Some(dump) = dump {
            let version = build.rdb_version();
            // One file per RDB version (no two builds of the same format).
            if !files.iter().any(|f| f.1 == version && !f.2) {
                files.push((format!("RDB {version}"), version, false, dump));
            }
        }
        rows.push((build.label(), cells));
    }
    for (build, (_, cells)) in builds.iter().zip(rows.iter_mut()) {
        cells.insert(
            "refuses what it cannot load",
            cell(|| refusals(build, &files)),
        );
    }
    let table = table(&rows);
    eprintln!("\n{table}");
    let failed: Vec<String> = rows
        .iter()
        .flat_map(|(label, cells)| {
            cells.iter().filter_map(move |(col, c)| match c {
                Cell::Fail(msg) => Some(format!("{label} / {col}: {msg}")),
                _ => None,
            })
        })
        .collect();
    assert!(failed.is_empty(), "{table}\n{}", failed.join("\n\n"));
    let readme = readme_rows();
    for line in table.lines().skip(2) {
        let label = line.split('|').nth(1).unwrap().trim();
        assert_eq!(
            readme.get(label).map(String::as_str),
            Some(line),
            "README \"Supported servers\" row for {label} differs from the matrix:\n{table}"
        );
    }
}
