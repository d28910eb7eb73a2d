//! `redisops restore`: pick the source (repository backup or file), prepare and print the
//! plan, ask, take a safety backup, run it; or `--resume`/`--abort` an interrupted one.

use super::{Ctx, DecryptArgs, EncryptArgs, RepoArgs, SupervisorArgs};
use crate::archive::{self, Encryption};
use crate::backup::{self, Method};
use crate::cluster::guard::{Guarded, refuse_cluster_node};
use crate::conn::Want;
use crate::exit::{ExitCode, fail};
use crate::repo::{
    Backup, BackupKind, Protects, RepoError, Repository, ServerIdentity, TargetId, address,
};
use crate::restore::plan::Step;
use crate::restore::stage::Source;
use crate::restore::{self, Outcome, Prepared, Request};
use crate::steps::cancel::{CancellationToken, on_signal};
use crate::target::{AnyTarget, Target};
use crate::ui;
use anyhow::Result;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Backup id (or a unique prefix) in the repository
    #[arg(value_name = "ID", conflicts_with_all = ["latest", "file"])]
    pub id: Option<String>,

    /// Restore the target's newest backup in the repository (safety backups taken by restore
    /// are skipped); when the target's folder has none, the backups of the same server in
    /// another folder (same address, run id or replication id)
    #[arg(long, conflicts_with = "file")]
    pub latest: bool,

    /// With --latest: count the safety backups restore takes of the data it replaces
    #[arg(long, requires = "latest")]
    pub include_safety: bool,

    /// Restore this file: a plain .rdb, .rdb.gz, .rdb.age or .rdb.gz.age made by any tool
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Cluster target: restore only this shard of the backup set: sNN, its slot ranges
    /// (5461-10922), or its master's node id (at least 8 characters)
    #[arg(long, value_name = "SHARD", conflicts_with = "file")]
    pub shard: Option<String>,

    /// Cluster target: the URL names empty nodes (cluster-enabled yes, no nodes.conf), the
    /// set's masters first in shard order, then any replicas; they are formed into a new
    /// cluster with the set's slot ranges, then restored
    #[arg(long, conflicts_with_all = ["file", "shard", "resume", "abort"])]
    pub into_new_cluster: bool,

    #[command(flatten)]
    pub repo: RepoArgs,

    #[command(flatten)]
    pub keys: DecryptArgs,

    #[command(flatten)]
    pub supervisor: SupervisorArgs,

    /// Without --service/--stop-cmd: the config file redisops starts redis-server with [default: the server's own config_file]
    #[arg(long, value_name = "PATH", help_heading = "Supervisor")]
    pub config_file: Option<PathBuf>,

    /// Verify and stage the archive and print the plan, then stop without changing anything
    #[arg(long, help_heading = "Plan")]
    pub dry_run: bool,

    /// Do not ask for confirmation (needed when there is no terminal)
    #[arg(short = 'y', long, help_heading = "Plan")]
    pub yes: bool,

    /// Skip the backup of the current data into the repository before the restore
    #[arg(long, help_heading = "Plan")]
    pub no_safety_backup: bool,

    /// Restore a backup with no keys, or with under a tenth of the server's keys (--yes alone
    /// does not)
    #[arg(long, help_heading = "Plan")]
    pub allow_empty: bool,

    /// Finish a restore whose redisops was killed (reads its journal)
    #[arg(long, conflicts_with_all = ["id", "latest", "file", "dry_run", "abort"],
          help_heading = "Resume and abort")]
    pub resume: bool,

    /// Roll back a restore whose redisops was killed (reads its journal)
    #[arg(long, conflicts_with_all = ["id", "latest", "file", "dry_run"],
          help_heading = "Resume and abort")]
    pub abort: bool,

    /// With --abort after the restored data was verified: roll back anyway, discarding the
    /// restored data and every write since
    #[arg(long, requires = "abort", help_heading = "Resume and abort")]
    pub discard_restored: bool,

    /// With --resume/--abort while the server is down: the journal, <dir>/.redisops-restore.journal
    #[arg(long, value_name = "FILE", help_heading = "Resume and abort")]
    pub journal: Option<PathBuf>,

    /// Print one JSON object with the result instead of text
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

pub async fn run(args: &RestoreArgs, ctx: &Ctx) -> Result<ExitCode> {
    let target = match AnyTarget::resolve(&ctx.conn, &ctx.config)? {
        AnyTarget::Single(target) => target,
        AnyTarget::Cluster(cluster) => return super::restore_set::run(args, ctx, &cluster).await,
    };
    if args.shard.is_some() || args.into_new_cluster {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "{} is for a cluster target (redis-cluster://…)",
                if args.into_new_cluster {
                    "--into-new-cluster"
                } else {
                    "--shard"
                }
            ),
        ));
    }
    let cancelled = on_signal();
    if args.resume || args.abort {
        let outcome = restore::resume(
            &target,
            args.journal.as_deref(),
            args.abort,
            args.discard_restored,
            cancelled,
        )
        .await?;
        return report(args, None, outcome);
    }
    if args.journal.is_some() {
        return Err(fail(
            ExitCode::Usage,
            "--journal goes with --resume or --abort",
        ));
    }
    refuse_cluster_node(&target, Guarded::Restore).await?;
    let repo_location = args.repo.given(&ctx.config)?;
    let source = match (&args.id, args.latest, &args.file) {
        (None, false, Some(file)) => Source::File(file.clone()),
        (None, false, None) => {
            return Err(fail(
                ExitCode::Usage,
                "name what to restore: a backup ID, --latest, or --file PATH",
            ));
        }
        (id, _, _) => {
            let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
            let backup = match id {
                Some(id) => repo.find(None, id)?,
                None => latest(&repo, &target, args.include_safety).await?,
            };
            Source::Backup(repo, Box::new(backup))
        }
    };
    let source_label = match source.manifest() {
        Some(m) => format!("backup {} ({})", m.id, source.location()),
        None => source.location(),
    };
    if args.config_file.is_some() && args.supervisor.given() {
        return Err(fail(
            ExitCode::Usage,
            "--config-file is for the server redisops starts itself; with --service or \
             --stop-cmd the supervisor starts it with its own",
        ));
    }
    let request = Request {
        source,
        source_label,
        keys: args.keys.resolve()?,
        supervisor: args.supervisor.choice(args.config_file.clone()),
        quiet: ui::is_quiet() || args.json,
        cancelled: cancelled.clone(),
        shard: None,
    };
    let prepared = restore::prepare(&target, &request).await?;
    // The repository the safety backup goes to must exist: only `backup` creates one, so a
    // mistyped --repo is caught here, before anything changes.
    let safety_repo = match repo_location.filter(|_| !args.no_safety_backup) {
        Some(location) => match Repository::open(&location) {
            Ok(repo) => Some(repo),
            Err(e) => {
                prepared.discard()?;
                return Err(e.context(
                    "the safety backup needs the repository (--no-safety-backup skips it)",
                ));
            }
        },
        None => None,
    };
    for note in &prepared.staged.notes {
        ui::note(note);
    }
    let shrinks = shrinks(&prepared);
    let warnings: Vec<String> = warnings(&prepared, &request.source)
        .into_iter()
        .chain(shrinks.iter().cloned())
        .collect();
    if !args.json {
        ui::show_plan(&plan_text(&prepared), args.dry_run)?;
    }
    for w in &warnings {
        ui::warn(w);
    }
    if let Some(refused) = shrink_refusal(args, &shrinks) {
        prepared.discard()?;
        return Err(refused);
    }
    if let Some(w) = args
        .supervisor
        .service
        .as_deref()
        .and_then(crate::host::supervisor::start_timeout_warning)
    {
        ui::warn(w);
    }
    if args.no_safety_backup && !prepared.facts.appendonly {
        ui::note(
            "without the safety backup's BGSAVE, a rollback returns the dump file as last saved: \
             writes since then are not in it",
        );
    }
    if args.dry_run {
        if args.json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&summary(&prepared, "dry_run", &warnings))?
            );
        }
        prepared.discard()?;
        return Ok(ExitCode::Success);
    }
    if let Err(e) = ask(args) {
        prepared.discard()?;
        return Err(e);
    }
    if !args.no_safety_backup
        && let Err(e) = safety_backup(args, ctx, &prepared, safety_repo, &cancelled).await
    {
        prepared.discard()?;
        return Err(e.context(
            "the safety backup failed, so nothing was changed (--no-safety-backup skips it)",
        ));
    }
    let head = summary(&prepared, "running", &warnings);
    let outcome = prepared.execute(cancelled).await?;
    report(args, Some(head), outcome)
}

/// `--latest`: the target's newest backup, or, when its folder has none, the newest backup of
/// the same server in the one other folder that holds its backups.
async fn latest(repo: &Repository, target: &Target, include_safety: bool) -> Result<Backup> {
    let folder = TargetId::new(&target.name);
    let not_found = match repo.latest(&folder, include_safety) {
        Ok(backup) => return Ok(backup),
        Err(e) if matches!(e.downcast_ref(), Some(RepoError::NotFound { .. })) => e,
        Err(e) => return Err(e),
    };
    let mut connected = crate::conn::connect(target, Want::Master).await?;
    let node = &mut connected.node;
    let (server, replication) = (node.info("server").await?, node.info("replication").await?);
    let who = ServerIdentity::new(&node.endpoint, &server, &replication);
    match repo.latest_of_server(&who, &folder, include_safety) {
        Ok((backup, why)) => {
            ui::note(format!(
                "no backup under target {folder}; using folder {} (backups of the same server, \
                 matched by {why})",
                backup.target
            ));
            Ok(backup)
        }
        Err(e) if matches!(e.downcast_ref(), Some(RepoError::NotFound { .. })) => Err(not_found),
        Err(e) => Err(e),
    }
}

/// Warnings for the plan: a backup of another server.
fn warnings(p: &Prepared, source: &Source) -> Vec<String> {
    let Some(m) = source.manifest() else {
        return Vec::new();
    };
    if p.facts.identity.matches(m).is_some() {
        return Vec::new();
    }
    vec![format!(
        "backup of {} ({}) onto {}: a different server",
        address(&m.target.host, m.target.port),
        m.target.name,
        p.endpoint
    )]
}

/// The refusal of a restore that shrinks the dataset, unless --allow-empty (or --dry-run).
pub(super) fn shrink_refusal(args: &RestoreArgs, shrinks: &[String]) -> Option<anyhow::Error> {
    let why = shrinks
        .first()
        .filter(|_| !args.allow_empty && !args.dry_run)?;
    Some(fail(
        ExitCode::Usage,
        format!(
            "refusing to restore: {why}. If that is what you want, run again with \
             --allow-empty (--yes alone is not enough); nothing was changed"
        ),
    ))
}

/// Why restoring would shrink the dataset so much that it needs --allow-empty.
pub(super) fn shrinks(p: &Prepared) -> Vec<String> {
    let (restored, now) = (p.staged.summary.total_keys(), p.facts.keys);
    if restored == 0 {
        vec![format!(
            "the archive holds no keys (the server holds {now}): restoring it empties the server"
        )]
    } else if restored.saturating_mul(10) < now {
        vec![format!(
            "the archive holds {restored} key(s), under a tenth of the server's {now}"
        )]
    } else {
        Vec::new()
    }
}

/// What the restore of one server will do, for the operator to read before it runs.
pub(super) fn plan_text(p: &Prepared) -> String {
    use std::fmt::Write;
    let s = &p.staged.summary;
    let mut text = format!(
        "restore {} onto {} (Redis {}, dir {}, appendonly {})\n",
        p.source_label,
        p.endpoint,
        p.facts.version,
        p.facts.dir.display(),
        if p.facts.appendonly { "yes" } else { "no" }
    );
    let _ = writeln!(
        text,
        "  RDB      version {}, {}, {} key(s) in {} db(s), verified and staged as {}",
        s.rdb_version,
        ui::bytes(s.rdb_bytes),
        s.total_keys(),
        s.databases.len(),
        p.staged.path.display()
    );
    if p.facts.connected_replicas > 0 {
        let _ = writeln!(
            text,
            "  replicas {} connected: they will full-sync the restored data",
            p.facts.connected_replicas
        );
    }
    text.push_str("plan:\n");
    text.push_str(&p.plan.render());
    text
}

/// Unless --yes: asks, and refuses (nothing changed) without a "yes".
pub(super) fn ask(args: &RestoreArgs) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if confirmed()? {
        Ok(())
    } else {
        Err(fail(
            ExitCode::Usage,
            "restore cancelled: nothing was changed",
        ))
    }
}

/// Asks on the terminal; without one there is nobody to ask.
fn confirmed() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(fail(
            ExitCode::Usage,
            "refusing to restore without confirmation: there is no terminal to ask on. Review \
             the plan (--dry-run) and pass --yes.",
        ));
    }
    eprint!("Replace the server's data with this archive? Type 'yes' to go on: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// A backup of the current data into the repository, encrypted to the keys the restore reads
/// with (or the config's [backup] keys). Without a repository or a key it is skipped with a
/// note: the old files are kept as `*.pre-restore-*` in any case.
async fn safety_backup(
    args: &RestoreArgs,
    ctx: &Ctx,
    prepared: &Prepared,
    repo: Option<Repository>,
    cancelled: &CancellationToken,
) -> Result<()> {
    let Some(repo) = repo else {
        ui::note(
            "no repository given: no safety backup (the old files are kept as *.pre-restore-*)",
        );
        return Ok(());
    };
    let encryption = if let Some(file) = &args.keys.passphrase_file {
        Encryption::Passphrase(archive::read_passphrase_file(file)?)
    } else {
        let keys = archive::recipients_of_identity_files(&args.keys.identities)?;
        if keys.is_empty() {
            let none = EncryptArgs {
                recipients: Vec::new(),
                recipients_files: Vec::new(),
                passphrase_file: None,
                no_encrypt: false,
            };
            match none.resolve(&ctx.config) {
                Ok(enc) => enc,
                Err(_) => {
                    ui::note(
                        "no key to encrypt a safety backup with (give -i, or recipients in the \
                         config's [backup]): skipped; the old files are kept as *.pre-restore-*",
                    );
                    return Ok(());
                }
            }
        } else {
            Encryption::Recipients(keys)
        }
    };
    let (compression, level, threads) =
        super::backup::compression(None, None, None, &ctx.config.backup)?;
    let request = backup::Request {
        method: Method::Auto,
        from: Want::Master,
        encryption,
        compression,
        level,
        threads,
        lock_wait: Duration::from_secs(0),
        save_timeout: Duration::from_secs(3600),
        quiet: ui::is_quiet() || args.json,
        cancelled: cancelled.clone(),
        kind: BackupKind::Safety,
        protects: Some(Protects {
            restore_of: prepared.source_label.clone(),
            onto: prepared.endpoint.to_string(),
        }),
    };
    let outcome = backup::run(&prepared.target, &repo, &request).await?;
    ui::note(format!(
        "safety backup {} of the current data ({} keys)",
        outcome.backup.manifest.id,
        outcome.backup.manifest.total_keys()
    ));
    Ok(())
}

/// The JSON result (also the dry run's).
pub(super) fn summary(p: &Prepared, state: &str, warnings: &[String]) -> serde_json::Value {
    let s = &p.staged.summary;
    let plan: Vec<serde_json::Value> = p
        .plan
        .steps
        .iter()
        .map(|step| {
            let (action, undo) = step.describe(&p.plan.supervisor);
            serde_json::json!({"step": step.name(), "action": action, "undo": undo})
        })
        .collect();
    let kept: Vec<String> = p
        .plan
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Swap(swap) => Some(swap),
            _ => None,
        })
        .flat_map(|swap| {
            let mut v = Vec::new();
            if swap.dump_existed {
                v.push(swap.dump_aside.display().to_string());
            }
            if let Some(aof) = swap.aof.as_ref().filter(|a| a.existed) {
                v.push(aof.aside.display().to_string());
            }
            v
        })
        .collect();
    serde_json::json!({
        "target": p.target.name,
        "endpoint": p.endpoint.to_string(),
        "source": p.source_label,
        "redis_version": p.facts.version,
        "appendonly": p.facts.appendonly,
        "rdb": {
            "version": s.rdb_version,
            "bytes": s.rdb_bytes,
            "keys": s.total_keys(),
            "trailing_bytes_dropped": s.trailing_bytes,
        },
        "notes": p.staged.notes,
        "warnings": warnings,
        "plan": plan,
        "kept": kept,
        "state": state,
    })
}

fn report(
    args: &RestoreArgs,
    head: Option<serde_json::Value>,
    outcome: Outcome,
) -> Result<ExitCode> {
    let Outcome { records, journal } = outcome;
    if args.json {
        let mut value = head.unwrap_or_else(|| serde_json::json!({}));
        value["state"] = "done".into();
        value["steps"] = serde_json::to_value(&records)?;
        value["journal"] = journal.display().to_string().into();
        crate::outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        crate::outln!(
            "restore done: the server holds the archive's data (journal: {})",
            journal.display()
        );
    }
    Ok(ExitCode::Success)
}
