//! Where a repository is, as given by `--repo`, `REDISOPS_REPO` or `[repository] path`.
//! Today that is a local directory; a URL scheme (`s3://…`) names another backend, and one
//! this redisops does not have is refused rather than taken for a directory name.

use std::fmt;
use std::path::{Path, PathBuf};

use super::store::{LocalStore, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoLocation {
    Local(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "repository '{given}': {scheme}:// repositories are not supported by this redisops; give a \
     local directory"
)]
pub struct UnsupportedScheme {
    given: String,
    scheme: String,
}

impl RepoLocation {
    /// Parses what the operator wrote: `scheme://…` is a URL, anything else a path.
    pub fn parse(given: &Path) -> Result<Self, UnsupportedScheme> {
        let text = given.to_string_lossy();
        if let Some((scheme, _)) = text.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return Err(UnsupportedScheme {
                scheme: scheme.to_owned(),
                given: text.to_string(),
            });
        }
        Ok(Self::Local(given.to_path_buf()))
    }

    /// Whether the two are the same repository, or one lies inside the other (by their
    /// resolved paths: symlinks and `..` do not hide it). A copy between them would copy a
    /// repository onto itself, or make one repository's files another's target folder.
    pub fn overlaps(&self, other: &RepoLocation) -> bool {
        match (self, other) {
            (Self::Local(a), Self::Local(b)) => {
                let (a, b) = (resolved(a), resolved(b));
                a.starts_with(&b) || b.starts_with(&a)
            }
        }
    }

    pub(super) fn store(&self) -> Store {
        match self {
            Self::Local(path) => Store::Local(LocalStore::new(path)),
        }
    }
}

/// `path` with its longest existing ancestor canonicalised and the rest appended, so that a
/// directory not created yet resolves too.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, name| p.join(name));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

impl fmt::Display for RepoLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_local_and_urls_need_a_backend() {
        for path in ["/var/backups/redis", "relative/dir", "odd:name", "./s3:/x"] {
            assert_eq!(
                RepoLocation::parse(Path::new(path)),
                Ok(RepoLocation::Local(PathBuf::from(path)))
            );
        }
        let err = RepoLocation::parse(Path::new("s3://bucket/prefix")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "repository 's3://bucket/prefix': s3:// repositories are not supported by this \
             redisops; give a local directory"
        );
        assert_eq!(
            RepoLocation::parse(Path::new("/srv/repo"))
                .unwrap()
                .to_string(),
            "/srv/repo"
        );
    }

    #[test]
    fn overlap_sees_through_links_and_missing_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let local = |p: PathBuf| RepoLocation::Local(p);
        let repo = tmp.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&repo, &link).unwrap();
        let rel = repo.join("../repo/.");
        for same in [
            repo.clone(),
            link.clone(),
            rel,
            repo.join("new/inner"),
            link.join("x"),
        ] {
            assert!(
                local(repo.clone()).overlaps(&local(same.clone())),
                "{same:?}"
            );
            assert!(
                local(same.clone()).overlaps(&local(repo.clone())),
                "{same:?}"
            );
        }
        for other in [tmp.path().join("repo2"), tmp.path().join("other/repo")] {
            assert!(
                !local(repo.clone()).overlaps(&local(other.clone())),
                "{other:?}"
            );
        }
    }
}
