//! Where a repository is, as given by `--repo`, `REDISOPS_REPO` or `[repository] path`/`url`:
//! a local directory, or `s3://bucket/prefix` on S3-compatible object storage (with the
//! endpoint, region, CA and key files from the `[repository]` section). Any other URL scheme is
//! refused rather than taken for a directory name.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::store::{LocalStore, S3Store, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoLocation {
    Local(PathBuf),
    S3(Box<S3Location>),
}

/// `s3://bucket/prefix` and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
    pub options: S3Options,
}

/// The `[repository]` section holds the object-storage settings (endpoint, region, CA, key
/// files, part size, concurrency, lease timing); unset ones come from the standard `AWS_*`
/// variables (see the README) or the defaults.
pub type S3Options = crate::config::RepositoryConfig;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error(
        "repository '{given}': {scheme}:// repositories are not supported; give a local \
         directory or s3://bucket/prefix"
    )]
    UnsupportedScheme { given: String, scheme: String },
    #[error("repository '{given}': {why}; the form is s3://bucket/prefix")]
    BadS3Url { given: String, why: &'static str },
}

impl RepoLocation {
    /// Parses what the operator wrote: `s3://…` is object storage, another `scheme://…` an
    /// error, anything else a path.
    pub fn parse(given: &Path, s3: &S3Options) -> Result<Self, LocationError> {
        let text = given.to_string_lossy();
        let Some((scheme, rest)) = text.split_once("://").filter(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }) else {
            return Ok(Self::Local(given.to_path_buf()));
        };
        if scheme != "s3" {
            return Err(LocationError::UnsupportedScheme {
                scheme: scheme.to_owned(),
                given: text.to_string(),
            });
        }
        let bad = |why| LocationError::BadS3Url {
            given: text.to_string(),
            why,
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // Bucket naming rules (3–63 of a-z, 0-9, '.', '-'), so a typo such as a host:port
        // is caught here and not as a confusing request error.
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
        if !bucket_ok {
            return Err(bad(
                "the bucket name must be 3 to 63 characters of a-z, 0-9, '.' and '-'",
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|part| matches!(part, "." | "..") || (part.is_empty() && !prefix.is_empty()))
        {
            return Err(bad("the prefix must not contain empty, '.' or '..' parts"));
        }
        Ok(Self::S3(Box::new(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            options: s3.clone(),
        })))
    }

    /// Whether the two are the same repository, or one lies inside the other (by their
    /// resolved paths: symlinks and `..` do not hide it; in a bucket, by prefix). A copy
    /// between them would copy a repository onto itself, or make one repository's files
    /// another's target folder.
    pub fn overlaps(&self, other: &RepoLocation) -> bool {
        match (self, other) {
            (Self::Local(a), Self::Local(b)) => {
                let (a, b) = (resolved(a), resolved(b));
                a.starts_with(&b) || b.starts_with(&a)
            }
            (Self::S3(a), Self::S3(b)) => {
                let (pa, pb) = (Path::new(&a.prefix), Path::new(&b.prefix));
                a.bucket == b.bucket && (pa.starts_with(pb) || pb.starts_with(pa))
            }
            _ => false,
        }
    }

    pub(super) fn store(&self) -> Result<Store> {
        Ok(match self {
            Self::Local(path) => Store::Local(LocalStore::new(path)),
            Self::S3(location) => Store::S3(S3Store::connect(location)?),
        })
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
            Self::S3(location) => write!(f, "{location}"),
        }
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix.as_str() {
            "" => write!(f, "s3://{}", self.bucket),
            prefix => write!(f, "s3://{}/{prefix}", self.bucket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(given: &str) -> Result<RepoLocation, LocationError> {
        RepoLocation::parse(Path::new(given), &S3Options::default())
    }

    #[test]
    fn paths_are_local_s3_urls_are_object_storage_other_schemes_are_refused() {
        for path in ["/var/backups/redis", "relative/dir", "odd:name", "./s3:/x"] {
            assert_eq!(parse(path), Ok(RepoLocation::Local(PathBuf::from(path))));
        }
        let err = parse("gs://bucket/prefix").unwrap_err();
        assert_eq!(
            err.to_string(),
            "repository 'gs://bucket/prefix': gs:// repositories are not supported; give a \
             local directory or s3://bucket/prefix"
        );
        assert_eq!(parse("/srv/repo").unwrap().to_string(), "/srv/repo");

        for (given, bucket, prefix, shown) in [
            (
                "s3://backups/redis/prod",
                "backups",
                "redis/prod",
                "s3://backups/redis/prod",
            ),
            (
                "s3://backups/redis/",
                "backups",
                "redis",
                "s3://backups/redis",
            ),
            ("s3://backups", "backups", "", "s3://backups"),
            ("s3://my.bucket-1/", "my.bucket-1", "", "s3://my.bucket-1"),
        ] {
            let RepoLocation::S3(s3) = parse(given).unwrap() else {
                panic!("{given} is not S3");
            };
            assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), (bucket, prefix));
            assert_eq!(s3.to_string(), shown);
        }
        let overlap = |a: &str, b: &str| parse(a).unwrap().overlaps(&parse(b).unwrap());
        assert!(overlap("s3://bkt/a", "s3://bkt/a/"));
        assert!(overlap("s3://bkt/a/b", "s3://bkt/a"));
        assert!(overlap("s3://bkt", "s3://bkt/a"));
        assert!(!overlap("s3://bkt/a", "s3://bkt/ab"));
        assert!(!overlap("s3://bkt/a", "s3://other/a"));
        assert!(!overlap("s3://bkt/a", "/tmp/a"));
        for bad in [
            "s3://",
            "s3://Bucket/x",
            "s3://host:9000/b",
            "s3://b/x//y",
            "s3://bb/../x",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(
                matches!(err, LocationError::BadS3Url { .. }),
                "{bad}: {err}"
            );
        }
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
