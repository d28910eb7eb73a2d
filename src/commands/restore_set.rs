//! `redisops restore` of a Redis Cluster target: a backup set onto the same topology (see
//! `restore/set`). Prints every shard's plan, asks once, then restores shard by shard; or
//! `--resume`/`--abort` an interrupted one. Flags that mean nothing for a set are refused, so
//! no flag is silently ignored.

use super::Ctx;
use super::restore::{RestoreArgs, ask, plan_text, shrink_refusal, shrinks, summary};
use crate::exit::{ExitCode, fail};
use crate::repo::{BackupSet, Repository, TargetId};
use crate::restore::set::{self, SetOutcome, SetRequest};
use crate::steps::cancel::on_signal;
use crate::target::ClusterTarget;
use crate::ui;
use anyhow::Result;

pub async fn run(args: &RestoreArgs, ctx: &Ctx, target: &ClusterTarget) -> Result<ExitCode> {
    if args.file.is_some() {
        return Err(fail(
            ExitCode::Target,
            format!(
                "{} names a Redis Cluster, and --file restores one server: a cluster is \
                 restored from a backup set (SET-ID or --latest; see the README section \
                 \"Cluster\"). Nothing was changed.",
                target.url()
            ),
        ));
    }
    let unsupported = [
        (
            args.journal.is_some(),
            "--journal (a cluster restore finds its journals itself)",
        ),
        (
            args.include_safety,
            "--include-safety (there are no safety backup sets)",
        ),
        (
            args.no_safety_backup,
            "--no-safety-backup (a cluster restore takes no safety backup: each master saves \
             its current data before it stops, and its old files are kept as *.pre-restore-*)",
        ),
        (
            args.config_file.is_some() && args.shard.is_none(),
            "--config-file without --shard (each node has a config file of its own)",
        ),
    ];
    if let Some((_, what)) = unsupported.iter().find(|(given, _)| *given) {
        return Err(fail(
            ExitCode::Usage,
            format!("{what} does not apply to the restore of a cluster"),
        ));
    }
    let cancelled = on_signal();
    if args.resume || args.abort {
        let outcome = set::resume(target, args.abort, args.discard_restored, cancelled).await?;
        return report(args, None, &outcome);
    }
    let repo = Repository::open(&args.repo.resolve(&ctx.config)?)?;
    let backup_set = find(&repo, target, args)?;
    let keys = || args.keys.resolve();
    let request = SetRequest {
        repo: &repo,
        set: &backup_set,
        shard: args.shard.as_deref(),
        keys: &keys,
        supervisor: args.supervisor.choice(args.config_file.clone()),
        quiet: ui::is_quiet() || args.json,
        cancelled: cancelled.clone(),
        into_new: args.into_new_cluster,
    };
    let prepared = set::prepare(target, &request).await?;
    for note in prepared
        .shards
        .iter()
        .flat_map(|p| &p.staged.notes)
        .chain(&prepared.notes)
    {
        ui::note(note);
    }
    let shrinking: Vec<String> = (prepared.shards.iter())
        .flat_map(|p| {
            shrinks(p)
                .into_iter()
                .map(|w| format!("{}: {w}", p.endpoint))
        })
        .collect();
    if !args.json {
        let mut text = format!(
            "restore backup set {} onto {}: {} shard(s), one at a time\n",
            backup_set.id,
            target.url(),
            prepared.shards.len()
        );
        if let Some(f) = &prepared.formation {
            text.push_str("first, form a new cluster from its empty nodes:\n");
            for line in f.describe() {
                text.push_str(&format!("  {line}\n"));
            }
        }
        for p in &prepared.shards {
            text.push_str(&plan_text(p));
        }
        ui::show_plan(&text, args.dry_run)?;
    }
    for w in &shrinking {
        ui::warn(w);
    }
    if let Some(refused) = shrink_refusal(args, &shrinking) {
        prepared.discard()?;
        return Err(refused);
    }
    let head = |state: &str| {
        serde_json::json!({
            "target": target.name,
            "url": target.url(),
            "set": backup_set.id.to_string(),
            "shards": prepared.shards.iter().map(|p| summary(p, state, &shrinking)).collect::<Vec<_>>(),
            "notes": prepared.notes,
            "new_cluster": prepared.formation.as_ref().map(|f| f.describe()),
            "state": state,
        })
    };
    if args.dry_run {
        if args.json {
            crate::outln!("{}", serde_json::to_string_pretty(&head("dry_run"))?);
        }
        prepared.discard()?;
        return Ok(ExitCode::Success);
    }
    if let Err(e) = ask(args) {
        prepared.discard()?;
        return Err(e);
    }
    let head = head("running");
    let outcome = prepared.execute(cancelled).await?;
    report(args, Some(head), &outcome)
}

/// The set named by id (or prefix, in any target's folder: a set of another cluster is
/// matched against this one by slot ranges), or `--latest`: the target's newest.
fn find(repo: &Repository, target: &ClusterTarget, args: &RestoreArgs) -> Result<BackupSet> {
    let folder = TargetId::new(&target.name);
    let found = match (&args.id, args.latest) {
        (Some(id), _) => repo.find_set(None, id)?,
        (None, true) => repo.list_sets(&folder)?.sets.pop(),
        (None, false) => {
            return Err(fail(
                ExitCode::Usage,
                "name the backup set to restore: a SET-ID or --latest",
            ));
        }
    };
    found.ok_or_else(|| {
        fail(
            ExitCode::NotFound,
            match &args.id {
                Some(id) => format!("no complete backup set {id} in the repository"),
                None => format!("no complete backup set of target {folder} in the repository"),
            },
        )
    })
}

fn report(
    args: &RestoreArgs,
    head: Option<serde_json::Value>,
    outcome: &SetOutcome,
) -> Result<ExitCode> {
    if args.json {
        let mut value = head.unwrap_or_else(|| serde_json::json!({}));
        value["state"] = "done".into();
        value["restored"] = outcome
            .shards
            .iter()
            .map(|(label, o)| {
                serde_json::json!({
                    "shard": label,
                    "steps": o.records,
                    "journal": o.journal.display().to_string(),
                })
            })
            .collect::<Vec<_>>()
            .into();
        value["set_journal"] = outcome.journal.display().to_string().into();
        crate::outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let labels: Vec<&str> = outcome.shards.iter().map(|(l, _)| l.as_str()).collect();
        crate::outln!(
            "restore done: {} hold the backup set's data, every node says cluster_state:ok \
             (journal: {})",
            labels.join(", "),
            outcome.journal.display()
        );
    }
    Ok(ExitCode::Success)
}
