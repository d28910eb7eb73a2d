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

    pub(super) fn store(&self) -> Store {
        match self {
            Self::Local(path) => Store::Local(LocalStore::new(path)),
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
}
