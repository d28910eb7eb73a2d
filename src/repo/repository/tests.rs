//! Unit tests of opening, creating, listing and cleaning a local repository.

use super::*;
use crate::fsutil::write_atomic;
use crate::repo::layout::{BackupId, FILE_MODE, manifest_file_name};
use crate::repo::lock::TargetLock;
use crate::repo::manifest::tests::sample;
use crate::repo::manifest::{BackupKind, Manifest};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn local(path: &Path) -> RepoLocation {
    RepoLocation::Local(path.to_path_buf())
}

fn path(object: &ObjectRef) -> PathBuf {
    PathBuf::from(&object.location)
}

/// Writes `<dir>/<id>.manifest.json` as a backup's commit does.
fn write_manifest(dir: &Path, manifest: &Manifest) {
    let id = BackupId::parse(&manifest.id).unwrap();
    write_atomic(
        &dir.join(manifest_file_name(&id)),
        &manifest.to_json().unwrap(),
        FILE_MODE,
    )
    .unwrap();
}

const OLD: &str = "20261123T030000Z-00aa00aa";
const MID: &str = "20261124T030000Z-1a2b3c4d";
const NEW: &str = "20261124T030000Z-1a2b9999";

fn new_repo() -> (TempDir, Repository) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repository::open_or_init(&local(&tmp.path().join("repo"))).unwrap();
    (tmp, repo)
}

/// Writes a complete backup (archive, then manifest) the way a backup run does.
fn add_backup(repo: &Repository, target: &str, id: &str) -> Manifest {
    let dir = repo.ensure_target_dir(&TargetId::new(target)).unwrap();
    let manifest = sample(id);
    write_atomic(&dir.join(&manifest.archive.file), b"archive", FILE_MODE).unwrap();
    write_manifest(&dir, &manifest);
    manifest
}

fn ids(listing: &ListResult) -> Vec<String> {
    listing.backups.iter().map(|b| b.id.to_string()).collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn repo_error(err: &anyhow::Error) -> &RepoError {
    err.downcast_ref::<RepoError>()
        .unwrap_or_else(|| panic!("not a RepoError: {err:#}"))
}

fn not_a_repository_reason(root: &Path) -> String {
    let err = Repository::open(&local(root)).unwrap_err();
    match repo_error(&err) {
        RepoError::NotARepository { location, reason } => {
            assert_eq!(location, &root.display().to_string());
            assert!(err.to_string().contains("is not a redisops repository"));
            reason.clone()
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn open_explains_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    assert!(not_a_repository_reason(&missing).contains("run a backup with --repo"));

    let plain = tmp.path().join("plain");
    fs::create_dir(&plain).unwrap();
    assert!(not_a_repository_reason(&plain).contains("has no redisops-repo.json"));

    let file = tmp.path().join("file");
    fs::write(&file, b"x").unwrap();
    assert!(not_a_repository_reason(&file).contains("not a directory"));

    fs::write(plain.join(MARKER_FILE), b"{not json").unwrap();
    assert!(not_a_repository_reason(&plain).contains("is not valid"));

    fs::write(
        plain.join(MARKER_FILE),
        br#"{"format": 2, "created_at": "2030-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert!(not_a_repository_reason(&plain).contains("has format 2"));
}

#[test]
fn init_creates_private_root_and_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("a/b/repo");
    let repo = Repository::open_or_init(&local(&root)).unwrap();
    assert_eq!(repo.root(), root);
    assert_eq!(mode(&root), 0o700);
    let marker_path = root.join(MARKER_FILE);
    assert_eq!(mode(&marker_path), 0o600);
    let marker: serde_json::Value =
        serde_json::from_slice(&fs::read(&marker_path).unwrap()).unwrap();
    assert_eq!(marker["format"], 1);
    assert!(marker["created_at"].as_str().unwrap().ends_with('Z'));

    Repository::open(&local(&root)).unwrap();
    Repository::open_or_init(&local(&root)).unwrap();
    assert_eq!(
        fs::read_dir(&root).unwrap().count(),
        1,
        "no temporaries left"
    );
}

#[test]
fn init_accepts_empty_dirs_and_refuses_others() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    Repository::open_or_init(&local(&empty)).unwrap();

    let mount = tmp.path().join("mount");
    fs::create_dir_all(mount.join("lost+found")).unwrap();
    Repository::open_or_init(&local(&mount)).unwrap();

    let busy = tmp.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("dump.rdb"), b"x").unwrap();
    let err = Repository::open_or_init(&local(&busy)).unwrap_err();
    assert!(matches!(repo_error(&err), RepoError::NotARepository { .. }));
    assert!(err.to_string().contains("not empty"), "{err}");
    assert!(!busy.join(MARKER_FILE).exists());

    let broken = tmp.path().join("broken");
    fs::create_dir(&broken).unwrap();
    fs::write(broken.join(MARKER_FILE), b"garbage").unwrap();
    let err = Repository::open_or_init(&local(&broken)).unwrap_err();
    assert!(matches!(repo_error(&err), RepoError::NotARepository { .. }));
}

#[test]
fn targets_are_sanitised_folders() {
    let (_tmp, repo) = new_repo();
    let dir = repo.ensure_target_dir(&TargetId::new("db1")).unwrap();
    assert_eq!(dir, repo.root().join("db1"));
    assert_eq!(mode(&dir), 0o700);
    repo.ensure_target_dir(&TargetId::from_host_port("10.0.0.5", 6379))
        .unwrap();
    fs::create_dir(repo.root().join(".hidden")).unwrap();
    fs::create_dir(repo.root().join("lost+found")).unwrap();
    fs::write(repo.root().join("stray-file"), b"x").unwrap();
    assert_eq!(
        repo.targets().unwrap(),
        [TargetId::new("10.0.0.5-6379"), TargetId::new("db1")]
    );
}

#[test]
fn list_shows_only_complete_backups() {
    let (_tmp, repo) = new_repo();
    let target = TargetId::new("db1");
    add_backup(&repo, "db1", NEW);
    let old = add_backup(&repo, "db1", OLD);
    let dir = repo.target_dir(&target);

    // Archive without manifest: a crash before the commit point.
    fs::write(dir.join("20261125T000000Z-deadbeef.rdb.gz.age"), b"x").unwrap();
    // Manifest whose archive is gone.
    write_manifest(&dir, &sample("20261125T010000Z-0badf00d"));
    // Corrupt manifest.
    fs::write(
        dir.join("20261125T020000Z-cccccccc.manifest.json"),
        b"{\"id\":",
    )
    .unwrap();
    // Manifest stored under another backup's name.
    let renamed = sample("20261125T030000Z-dddddddd");
    fs::write(
        dir.join("20261125T040000Z-eeeeeeee.manifest.json"),
        serde_json::to_vec(&renamed).unwrap(),
    )
    .unwrap();
    // Manifest pointing outside the target folder.
    let mut escaping = sample("20261125T050000Z-ffffffff");
    escaping.archive.file = "../../etc/passwd".into();
    write_manifest(&dir, &escaping);
    // Temporaries and unrelated files are not backups and not problems.
    fs::write(
        dir.join(".tmp-20261125T060000Z-12345678.manifest.json.7"),
        b"{",
    )
    .unwrap();
    fs::write(dir.join("README"), b"x").unwrap();

    let listing = repo.list(&target).unwrap();
    assert_eq!(ids(&listing), [OLD, NEW]);
    let first = &listing.backups[0];
    assert_eq!(first.target, target);
    assert_eq!(first.manifest, old);
    assert_eq!(path(&first.archive), dir.join(format!("{OLD}.rdb.gz.age")));
    assert_eq!(
        path(&first.manifest_object),
        dir.join(format!("{OLD}.manifest.json"))
    );

    let problems = listing
        .problems
        .iter()
        .map(|p| p.message.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(listing.problems.len(), 4, "{problems}");
    for expected in [
        "20261125T010000Z-0badf00d.manifest.json: its archive 20261125T010000Z-0badf00d.rdb.gz.age is missing; skipped",
        "20261125T020000Z-cccccccc.manifest.json is not valid",
        "20261125T040000Z-eeeeeeee.manifest.json: it names backup 20261125T030000Z-dddddddd; skipped",
        "its archive file name '../../etc/passwd' is not '20261125T050000Z-ffffffff.<extension>'",
    ] {
        assert!(
            problems.contains(expected),
            "missing {expected:?} in\n{problems}"
        );
    }

    let empty = repo.list(&TargetId::new("never-backed-up")).unwrap();
    assert!(empty.backups.is_empty() && empty.problems.is_empty());
}

#[test]
fn list_all_merges_targets_oldest_first() {
    let (_tmp, repo) = new_repo();
    add_backup(&repo, "b", NEW);
    add_backup(&repo, "a", MID);
    add_backup(&repo, "b", OLD);
    let listing = repo.list_all().unwrap();
    let got: Vec<String> = listing
        .backups
        .iter()
        .map(|b| format!("{}/{}", b.target, b.id))
        .collect();
    assert_eq!(
        got,
        [format!("b/{OLD}"), format!("a/{MID}"), format!("b/{NEW}")]
    );
    assert!(listing.problems.is_empty());
}

#[test]
fn find_by_id_prefix_and_latest() {
    let (_tmp, repo) = new_repo();
    let db1 = TargetId::new("db1");
    for id in [OLD, MID, NEW] {
        add_backup(&repo, "db1", id);
    }

    assert_eq!(repo.find(Some(&db1), MID).unwrap().id.as_str(), MID);
    assert_eq!(repo.find(Some(&db1), "20261123").unwrap().id.as_str(), OLD);
    assert_eq!(
        repo.find(None, "20261124T030000Z-1a2b3")
            .unwrap()
            .id
            .as_str(),
        MID
    );
    assert_eq!(repo.latest(&db1, false).unwrap().id.as_str(), NEW);

    let err = repo.find(Some(&db1), "20261124").unwrap_err();
    match repo_error(&err) {
        RepoError::Ambiguous { prefix, candidates } => {
            assert_eq!(prefix, "20261124");
            assert_eq!(candidates, &[MID, NEW]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("backup id '20261124' is ambiguous; it matches {MID}, {NEW}; give more of the id")
    );

    let err = repo.find(Some(&db1), "2025").unwrap_err();
    assert!(matches!(repo_error(&err), RepoError::NotFound { .. }));
    assert_eq!(err.to_string(), "no backup matching '2025' in target db1");
    assert!(repo.find(Some(&db1), "").is_err());

    let err = repo.latest(&TargetId::new("db2"), false).unwrap_err();
    assert_eq!(err.to_string(), "no backup in target db2");
}

#[test]
fn latest_skips_safety_backups_unless_asked() {
    let (_tmp, repo) = new_repo();
    let db1 = TargetId::new("db1");
    add_backup(&repo, "db1", OLD);
    let dir = repo.target_dir(&db1);
    let mut safety = sample(NEW);
    safety.kind = BackupKind::Safety;
    write_atomic(&dir.join(&safety.archive.file), b"archive", FILE_MODE).unwrap();
    write_manifest(&dir, &safety);

    assert_eq!(repo.latest(&db1, false).unwrap().id.as_str(), OLD);
    let newest = repo.latest(&db1, true).unwrap();
    assert_eq!(newest.id.as_str(), NEW);
    assert!(newest.is_safety());

    repo.delete(&repo.find(Some(&db1), OLD).unwrap()).unwrap();
    let err = repo.latest(&db1, false).unwrap_err();
    assert!(matches!(repo_error(&err), RepoError::NotFound { .. }));
    assert!(err.to_string().contains("--include-safety"), "{err}");
}

#[test]
fn find_across_targets_names_the_targets() {
    let (_tmp, repo) = new_repo();
    add_backup(&repo, "db1", MID);
    add_backup(&repo, "db2", NEW);
    let found = repo.find(None, NEW).unwrap();
    assert_eq!(found.target, TargetId::new("db2"));

    let err = repo.find(None, "20261124T030000Z-1a2b").unwrap_err();
    match repo_error(&err) {
        RepoError::Ambiguous { candidates, .. } => {
            assert_eq!(candidates, &[format!("db1/{MID}"), format!("db2/{NEW}")]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = repo.find(None, "1999").unwrap_err();
    assert_eq!(err.to_string(), "no backup matching '1999' in any target");
}

#[test]
fn delete_removes_both_files() {
    let (_tmp, repo) = new_repo();
    let db1 = TargetId::new("db1");
    add_backup(&repo, "db1", OLD);
    add_backup(&repo, "db1", NEW);
    let backup = repo.find(Some(&db1), OLD).unwrap();
    repo.delete(&backup).unwrap();
    assert!(!path(&backup.manifest_object).exists());
    assert!(!path(&backup.archive).exists());
    assert_eq!(ids(&repo.list(&db1).unwrap()), [NEW]);
    // Deleting again (say, after a crash mid-delete) is not an error.
    repo.delete(&backup).unwrap();
}

#[test]
fn delete_interrupted_after_manifest_leaves_only_an_orphan() {
    let (_tmp, repo) = new_repo();
    let db1 = TargetId::new("db1");
    add_backup(&repo, "db1", OLD);
    let backup = repo.latest(&db1, false).unwrap();
    // Make the archive step fail: a non-empty directory cannot be unlinked as a file.
    let mut failing = backup.clone();
    failing.archive.key = "db1/undeletable".into();
    fs::create_dir_all(repo.target_dir(&db1).join("undeletable/child")).unwrap();
    assert!(repo.delete(&failing).is_err());

    assert!(
        !path(&backup.manifest_object).exists(),
        "manifest goes first"
    );
    assert!(path(&backup.archive).exists());
    let listing = repo.list(&db1).unwrap();
    assert!(listing.backups.is_empty() && listing.problems.is_empty());
    assert_eq!(repo.clean_stale(&db1).unwrap(), [backup.archive.location]);
}

#[test]
fn clean_stale_removes_temporaries_and_orphans_only() {
    let (_tmp, repo) = new_repo();
    let db1 = TargetId::new("db1");
    add_backup(&repo, "db1", OLD);
    let dir = repo.target_dir(&db1);
    let lock = TargetLock::acquire(&dir, Duration::ZERO, "backup").unwrap();
    let stale = [
        dir.join(format!(".tmp-{NEW}.rdb.gz.age.4242")),
        dir.join(format!(".tmp-{NEW}.manifest.json.4242")),
        dir.join(format!("{MID}.rdb.gz")),
    ];
    for path in &stale {
        fs::write(path, b"partial").unwrap();
    }
    fs::write(dir.join("notes.txt"), b"keep").unwrap();

    let mut expected: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
    expected.sort();
    assert_eq!(repo.clean_stale(&db1).unwrap(), expected);
    assert!(stale.iter().all(|p| !p.exists()));
    assert!(dir.join("notes.txt").exists());
    assert!(lock.path().exists());
    assert_eq!(ids(&repo.list(&db1).unwrap()), [OLD]);
    assert!(repo.clean_stale(&db1).unwrap().is_empty());
    assert!(repo.clean_stale(&TargetId::new("none")).unwrap().is_empty());
}
