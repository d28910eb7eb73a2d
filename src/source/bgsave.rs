//! Getting the RDB with BGSAVE and reading the server's own dump file.
//!
//! Detecting that *our* save finished is the hard part (notes §2.4): `rdb_last_bgsave_status`
//! describes the previous save until ours ends, LASTSAVE has one-second resolution and does not
//! move on failure, and a running RDB child may be a diskless replication that produces no
//! file. So: wait for any child, take LASTSAVE and `rdb_saves` as the baseline, `BGSAVE
//! SCHEDULE`, and call it done only when `rdb_saves` grew, LASTSAVE moved past the baseline and
//! the status is ok.

use crate::conn::Node;
use crate::exit::{ExitCode, fail};
use crate::info::Info;
use anyhow::{Context, Result};
use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The server's dump file after our BGSAVE, opened once: a later save renames a new file
/// over the name, but this handle keeps the complete file we asked for.
pub struct SavedRdb {
    pub file: File,
    pub path: PathBuf,
    pub len: u64,
    /// Server time (unix seconds) just before BGSAVE: the RDB's `ctime` must not be older.
    pub requested_at: i64,
    /// The file's modification time (unix seconds).
    pub mtime: i64,
}

/// The server's dump file (`dir`/`dbfilename`) when BGSAVE-and-read can work from this host,
/// else why not. The server's process must be visible here (`/proc/<process_id>` running
/// redis-server, in the same directory when that can be checked), because a same-named file
/// on this host's disk would otherwise be somebody else's data.
pub async fn local_dump(node: &mut Node) -> std::result::Result<PathBuf, String> {
    let not_permitted = |e: anyhow::Error| format!("the server's dump location is unknown ({e:#})");
    let dir = node.config_get("dir").await.map_err(not_permitted)?;
    let name = node.config_get("dbfilename").await.map_err(not_permitted)?;
    let (Some(dir), Some(name)) = (dir.get("dir"), name.get("dbfilename")) else {
        return Err("the server did not report dir/dbfilename".into());
    };
    let dir = PathBuf::from(dir);
    let pid = node
        .info("server")
        .await
        .ok()
        .and_then(|i| i.u64("process_id"))
        .ok_or("the server's process id is unknown (no INFO permission)")?;
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    if crate::host::process::local_pid(pid as u32).is_none() {
        return Err(format!(
            "the server's process ({pid}) does not run on this host"
        ));
    }
    match std::fs::read_link(proc_dir.join("cwd")) {
        Ok(cwd) if cwd != dir => {
            return Err(format!(
                "process {pid} on this host works in {}, not in the server's dir {}",
                cwd.display(),
                dir.display()
            ));
        }
        // Another user's process: the pid could belong to a different server (pids repeat
        // across hosts), so only a local connection counts as proof.
        Err(_) if !node.endpoint.is_local() => {
            return Err(format!(
                "process {pid} exists here but cannot be inspected, and the server was reached \
                 over the network"
            ));
        }
        _ => {}
    }
    let path = dir.join(name);
    let readable = match File::open(&path) {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::read_dir(&dir).is_ok(),
        Err(_) => false,
    };
    if !readable {
        return Err(format!("{} cannot be read by this user", path.display()));
    }
    Ok(path)
}

/// Triggers BGSAVE, waits for our save to finish, and opens the result.
pub async fn bgsave(node: &mut Node, path: PathBuf, timeout: Duration) -> Result<SavedRdb> {
    let deadline = Instant::now() + timeout;
    let before = persistence(node).await?;
    if before.get("rdb_last_bgsave_status") == Some("err") {
        crate::ui::warn(
            "the server's previous BGSAVE failed (rdb_last_bgsave_status:err); with save points \
             and stop-writes-on-bgsave-error it is refusing writes (MISCONF) until a save works",
        );
    }
    let (requested_at, lastsave0, saves0) = loop {
        wait_no_child(node, deadline).await?;
        let (mut now, micros): (i64, i64) = node.query(&redis::cmd("TIME")).await?;
        let lastsave: i64 = node.query(&redis::cmd("LASTSAVE")).await?;
        if lastsave >= now {
            // LASTSAVE has one-second resolution: start in the next server second so that
            // ours is strictly newer.
            let wait = Duration::from_micros((1_000_000 - micros.clamp(0, 999_999)) as u64);
            tokio::time::sleep(wait + Duration::from_millis(20)).await;
            now += 1;
        }
        let saves0 = persistence(node).await?.u64("rdb_saves");
        let reply: redis::RedisResult<String> =
            node.try_query(redis::cmd("BGSAVE").arg("SCHEDULE")).await;
        match reply {
            Ok(_) => break (now, lastsave, saves0),
            Err(e) if e.to_string().contains("already in progress") => continue,
            Err(e) if e.code() == Some("ERR") => {
                return Err(save_failed(node, &format!("BGSAVE was refused: {e}")).await);
            }
            Err(e) => return Err(node.explain(&e).into()),
        }
    };
    // Before 7.0 there is no rdb_saves: a save counts once we saw it run or LASTSAVE moved,
    // so a previous failure (or a save finishing just before ours) is not taken for ours.
    let mut seen_running = false;
    loop {
        let info = persistence(node).await?;
        let running = info.flag("rdb_bgsave_in_progress").unwrap_or(false);
        seen_running |= running;
        let lastsave: i64 = node.query(&redis::cmd("LASTSAVE")).await?;
        let counted = match (info.u64("rdb_saves"), saves0) {
            (Some(now), Some(before)) => now > before,
            _ => seen_running || lastsave > lastsave0,
        };
        let status_ok = info.get("rdb_last_bgsave_status") == Some("ok");
        if !running && counted && lastsave > lastsave0 && status_ok {
            break;
        }
        if !running && counted && !status_ok {
            return Err(save_failed(node, "BGSAVE failed").await);
        }
        if Instant::now() > deadline {
            return Err(fail(
                ExitCode::SaveFailed,
                format!(
                    "BGSAVE did not finish within {}s (it keeps running on the server; \
                     redisops did not stop it). Raise --save-timeout for large datasets.",
                    timeout.as_secs()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let file = File::open(&path).with_context(|| {
        format!(
            "cannot open the dump file {} after BGSAVE; run redisops as a user that may read \
             the server's data directory, or use --method sync",
            path.display()
        )
    })?;
    let meta = file.metadata()?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(SavedRdb {
        file,
        path,
        len: meta.len(),
        requested_at,
        mtime,
    })
}

async fn persistence(node: &mut Node) -> Result<Info> {
    node.info("persistence").await
}

/// Waits while an RDB child runs (maybe a replica's full sync): ours cannot start before.
async fn wait_no_child(node: &mut Node, deadline: Instant) -> Result<()> {
    loop {
        let info = persistence(node).await?;
        if !info.flag("rdb_bgsave_in_progress").unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(fail(
                ExitCode::SaveFailed,
                "another RDB save (a BGSAVE or a replica's full sync) kept running until the \
                 timeout; retry later or raise --save-timeout",
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A failed save: say why as far as INFO tells, and that writes may now be refused.
async fn save_failed(node: &mut Node, what: &str) -> anyhow::Error {
    let misconf = match node.config_get("stop-writes-on-bgsave-error").await {
        Ok(c) => c.get("stop-writes-on-bgsave-error").map(String::as_str) == Some("yes"),
        Err(_) => true,
    };
    let log = node
        .info("server")
        .await
        .ok()
        .and_then(|i| i.get("config_file").map(String::from))
        .filter(|c| !c.is_empty())
        .map(|c| format!(" (see `logfile` in {c})"))
        .unwrap_or_default();
    fail(
        ExitCode::SaveFailed,
        format!(
            "{what} on {}: the server could not write its RDB (fork failure: out of memory or \
             vm.overcommit_memory=0; or the data directory is full or not writable). Check the \
             server log{log}.{} No archive was written.",
            node.endpoint,
            if misconf {
                " Until a save succeeds, a server with save points refuses writes (MISCONF)."
            } else {
                ""
            }
        ),
    )
}
