//! completions/, man/ and the README's table of hardening checks are committed; they must
//! equal what the current code generates. Regenerate with
//! `REDISOPS_BLESS=1 cargo test --test it generated` (or
//! `cargo run -- generate completions --dir completions && cargo run -- generate man --dir man`,
//! and `cargo run -- harden checks --markdown` for the README table).

use redisops::commands::generate::{environment, render_completions, render_man_pages};
use std::path::Path;

fn check(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let bless = std::env::var_os("REDISOPS_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, content) in &files {
        let path = dir.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            if bless {
                std::fs::write(&path, content).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    let expected: Vec<&String> = files.iter().map(|(n, _)| n).collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !expected.contains(&&name) {
            if bless {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(format!("{name} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} is stale: {stale:?}. Regenerate with: REDISOPS_BLESS=1 cargo test --test it generated",
        dir.display()
    );
}

#[test]
fn completions_are_fresh() {
    check("completions", render_completions());
}

#[test]
fn man_pages_are_fresh() {
    check("man", render_man_pages().unwrap());
}

#[test]
fn completions_work_with_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "this is [not toml").unwrap();
    let run =
        crate::harness::redisops(["--config", bad.to_str().unwrap(), "completions", "bash"]).ok();
    assert!(run.stdout.contains("redisops"));
}

#[test]
fn readme_exit_code_table_matches_the_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for code in redisops::exit::ExitCode::ALL {
        let row = format!("| {} | {} |", code.code(), code.meaning());
        assert!(
            readme.contains(&row),
            "README.md lacks the exit-code row `{row}`"
        );
    }
}

#[test]
fn readme_check_table_matches_the_catalogue() {
    const BEGIN: &str =
        "<!-- harden-checks:begin (generated: redisops harden checks --markdown) -->\n";
    const END: &str = "<!-- harden-checks:end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("README.md lacks the harden-checks:begin marker")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README.md lacks the harden-checks:end marker");
    let table = redisops::harden::checks::markdown_table();
    if readme[start..end] == table {
        return;
    }
    if std::env::var_os("REDISOPS_BLESS").is_some() {
        // Renamed into place: other tests read the README concurrently.
        let tmp = path.with_extension("md.tmp");
        std::fs::write(
            &tmp,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        return;
    }
    panic!(
        "README.md's check table differs from the catalogue. Regenerate with: \
         REDISOPS_BLESS=1 cargo test --test it generated"
    );
}

#[test]
fn main_man_page_has_exit_status_and_environment() {
    let pages = render_man_pages().unwrap();
    let (_, page) = pages.iter().find(|(n, _)| n == "redisops.1").unwrap();
    let page = String::from_utf8_lossy(page);
    let exit = page
        .find(".SH \"EXIT STATUS\"")
        .expect("no EXIT STATUS section");
    let env = page
        .find(".SH ENVIRONMENT")
        .expect("no ENVIRONMENT section");
    assert!(exit < env);
    for code in redisops::exit::ExitCode::ALL {
        assert!(
            page[exit..env].contains(&format!("\\fB{}\\fR\n", code.code())),
            "exit code {} missing",
            code.code()
        );
    }
    let names: Vec<String> = environment().into_iter().map(|(n, _)| n).collect();
    for needed in [
        "REDISOPS_CONFIG",
        "REDISOPS_TARGET",
        "REDISOPS_REPO",
        "REDISOPS_SECRETS_DIR",
        "REDISCLI_AUTH",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} not listed");
    }
    for name in &names {
        let shown = format!("\\fB{}\\fR", name.replace('-', "\\-"));
        assert!(page[env..].contains(&shown), "{name} not in ENVIRONMENT");
    }
}

#[test]
fn readme_documents_every_environment_variable() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (name, _) in environment() {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not document `{name}`"
        );
    }
}
