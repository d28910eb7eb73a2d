//! A store in an S3 bucket under a prefix (any S3-compatible service: AWS, MinIO, Ceph RGW,
//! R2, Garage). The same contract as the local directory: an object appears at its key only
//! when complete (multipart upload, completed last), the manifest's create-only put
//! (`If-None-Match: *`) is the commit point, delete of a missing key succeeds, and each target
//! prefix has a lock (a lease object, `lease.rs`). An upload in progress is recorded in a
//! `.tmp-*.upload` marker before its first part, so the next run under the lock can abort
//! what a crashed one left ([`S3Store::clean_temporaries`]).
//!
//! object_store is async; the repository API is synchronous (the archive pipeline runs on a
//! blocking thread). Requests run on a small runtime of their own and the calling thread
//! waits for them ([`run`]), which is legal from any thread, inside a runtime or not.

mod connect;
mod download;
mod errors;
mod lease;
mod upload;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Result;
use object_store::aws::AmazonS3;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

pub use download::S3Reader;
pub use lease::Lease;
pub use upload::S3Writer;

use super::super::location::S3Location;
use super::{Listing, RootState};
use crate::exit::Failure;
use crate::fsutil::TEMP_PREFIX;
use errors::Kind;

/// Default multipart part size, and how many parts are uploaded at once: 4 × 8 MiB in flight
/// plus one filling keeps a backup under ~64 MiB of buffers.
const DEFAULT_PART_MIB: u64 = 8;
const DEFAULT_CONCURRENCY: usize = 4;
/// restic's value: a lease not refreshed for 30 minutes belongs to a dead run.
const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(30 * 60);
/// Names the marker of an upload in progress: `.tmp-<archive name>.upload`.
const UPLOAD_SUFFIX: &str = ".upload";

#[derive(Clone)]
pub struct S3Store {
    inner: Arc<Inner>,
}

struct Inner {
    client: Arc<AmazonS3>,
    writer: Arc<AmazonS3>,
    location: S3Location,
    endpoint: connect::Endpoint,
    part_size: usize,
    concurrency: usize,
    stale_after: Duration,
    /// Per target prefix: set when this process's lease on it was taken over.
    leases: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3Store({})", self.inner.location)
    }
}

/// The record of an upload in progress, so a later run can abort it.
#[derive(Debug, Serialize, Deserialize)]
struct UploadMarker {
    key: String,
    upload_id: String,
    host: String,
    pid: u32,
    started: chrono::DateTime<chrono::Utc>,
}

/// The runtime S3 requests run on; never dropped (dropping a runtime inside another one
/// panics).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("redisops-s3")
            .enable_all()
            .build()
            .expect("cannot start the S3 request runtime")
    })
}

/// Runs `future` on the S3 runtime and waits for it on this thread.
fn run<T: Send + 'static>(future: impl Future<Output = T> + Send + 'static) -> T {
    match futures::executor::block_on(runtime().spawn(future)) {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

impl S3Store {
    pub fn connect(location: &S3Location) -> Result<Self> {
        crate::conn::tls::install_crypto_provider();
        let connect::Clients {
            read,
            write,
            endpoint,
        } = connect::client(location)?;
        let options = &location.options;
        Ok(Self {
            inner: Arc::new(Inner {
                client: Arc::new(read),
                writer: Arc::new(write),
                location: location.clone(),
                endpoint,
                part_size: (options
                    .part_size_mib
                    .unwrap_or(DEFAULT_PART_MIB)
                    .clamp(5, 4096)
                    * 1024
                    * 1024) as usize,
                concurrency: options
                    .concurrency
                    .unwrap_or(DEFAULT_CONCURRENCY)
                    .clamp(1, 64),
                stale_after: options
                    .lock_stale_after
                    .map(Duration::from_secs)
                    .unwrap_or(DEFAULT_STALE_AFTER),
                leases: Mutex::default(),
            }),
        })
    }

    /// The key in the bucket of a repository key.
    fn path(&self, key: &str) -> ObjectPath {
        ObjectPath::from(super::join(&self.inner.location.prefix, key))
    }

    fn client(&self) -> Arc<AmazonS3> {
        self.inner.client.clone()
    }

    /// The client for uploads (see [`connect::Clients`]).
    fn writer(&self) -> Arc<AmazonS3> {
        self.inner.writer.clone()
    }

    /// The error as the operator needs it (exit code, what to do); `action` says what was
    /// being done, e.g. "s3:GetObject".
    fn failure(&self, e: &object_store::Error, action: &str, key: &str) -> Failure {
        let cx = errors::Context {
            endpoint: &self.inner.endpoint.url,
            bucket: &self.inner.location.bucket,
            region: &self.inner.endpoint.region,
            credentials: &self.inner.endpoint.credentials,
        };
        errors::explain(e, &format!("{action} on {}", self.location(key)), &cx)
    }

    fn error(&self, e: &object_store::Error, action: &str, key: &str) -> anyhow::Error {
        self.failure(e, action, key).into()
    }

    pub fn location(&self, key: &str) -> String {
        match key {
            "" => self.inner.location.to_string(),
            key => format!("{}/{key}", self.inner.location),
        }
    }

    pub fn list(&self, prefix: &str) -> Result<Listing> {
        let client = self.client();
        let path = self.path(prefix);
        let root = path.as_ref().is_empty();
        let listed = run(async move { client.list_with_delimiter((!root).then_some(&path)).await })
            .map_err(|e| self.error(&e, "s3:ListBucket", prefix))?;
        let name = |p: &ObjectPath| p.filename().map(str::to_owned);
        let mut listing = Listing {
            objects: listed
                .objects
                .iter()
                .filter_map(|m| name(&m.location))
                .collect(),
            prefixes: listed.common_prefixes.iter().filter_map(name).collect(),
        };
        listing.objects.sort();
        listing.prefixes.sort();
        Ok(listing)
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let client = self.client();
        let path = self.path(key);
        let got = run(async move {
            let result = client.get(&path).await?;
            result.bytes().await
        });
        match got {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(e) if errors::classify(&e).0 == Kind::NotFound => Ok(None),
            Err(e) => Err(self.error(&e, "s3:GetObject", key)),
        }
    }

    pub fn open(&self, key: &str) -> Result<S3Reader> {
        S3Reader::open(self, key)
    }

    pub fn create(&self, key: &str) -> Result<S3Writer> {
        S3Writer::start(self, key)
    }

    /// The flag the lease on `prefix` sets when it is lost.
    fn lease_state(&self, prefix: &str) -> Arc<AtomicBool> {
        let mut leases = self.inner.leases.lock().expect("lease table");
        leases.entry(prefix.to_owned()).or_default().clone()
    }

    pub fn put_new(&self, key: &str, bytes: &[u8]) -> Result<()> {
        // Never commit without the lock: a run whose lease another run took over (it looked
        // dead) stops here, before its manifest.
        let prefix = key.rsplit_once('/').map_or("", |(prefix, _)| prefix);
        let lost = (self.inner.leases.lock().expect("lease table").get(prefix))
            .is_some_and(|lost| lost.load(Ordering::SeqCst));
        if lost {
            return Err(Failure::new(
                crate::exit::ExitCode::Locked,
                format!(
                    "the lock on {} was taken over by another run while this one was writing;                      nothing was committed",
                    self.location(prefix)
                ),
            )
            .into());
        }
        self.put(key, bytes, PutMode::Create)
            .map(drop)
            .map_err(|(kind, e)| match kind {
                Kind::Exists | Kind::Precondition => anyhow::Error::from(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} exists already", self.location(key)),
                )),
                _ => e,
            })
    }

    /// A put with `mode`; the error's kind for callers that branch on a lost condition.
    fn put(
        &self,
        key: &str,
        bytes: &[u8],
        mode: PutMode,
    ) -> Result<object_store::PutResult, (Kind, anyhow::Error)> {
        let client = self.writer();
        let path = self.path(key);
        let payload = PutPayload::from(bytes.to_vec());
        run(async move {
            let options = PutOptions {
                mode,
                ..Default::default()
            };
            client.put_opts(&path, payload, options).await
        })
        .map_err(|e| (errors::classify(&e).0, self.error(&e, "s3:PutObject", key)))
    }

    pub fn delete(&self, key: &str) -> Result<()> {
        let client = self.client();
        let path = self.path(key);
        match run(async move { client.delete(&path).await }) {
            Ok(()) => Ok(()),
            Err(e) if errors::classify(&e).0 == Kind::NotFound => Ok(()),
            Err(e) => Err(self.error(&e, "s3:DeleteObject", key)),
        }
    }

    pub fn lock(&self, prefix: &str, wait: Duration, purpose: &str) -> Result<Lease> {
        Lease::acquire(self, prefix, wait, purpose)
    }

    /// Aborts the uploads whose markers are under `prefix` and removes the markers (and any
    /// part of an archive a crashed run completed is an orphan the repository removes).
    pub fn clean_temporaries(&self, prefix: &str) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for name in self.list(prefix)?.objects {
            if !name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let key = super::join(prefix, &name);
            if let Some(marker) = name
                .ends_with(UPLOAD_SUFFIX)
                .then(|| self.get(&key))
                .transpose()?
                .flatten()
                .and_then(|bytes| serde_json::from_slice::<UploadMarker>(&bytes).ok())
            {
                upload::abort(self, &marker.key, &marker.upload_id)?;
                removed.push(format!(
                    "{} (multipart upload {} started {} by pid {} on {}, aborted)",
                    self.location(&marker.key),
                    marker.upload_id,
                    marker
                        .started
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    marker.pid,
                    marker.host
                ));
            } else {
                removed.push(self.location(&key));
            }
            self.delete(&key)?;
        }
        Ok(removed)
    }

    /// Prefixes exist only through their objects: nothing to remove once the lease is gone.
    pub fn remove_if_empty(&self, _prefix: &str) {}

    /// A bucket prefix is never missing, only empty; a missing bucket is an error (exit 24).
    pub fn root_state(&self) -> Result<RootState> {
        let listing = self.list("")?;
        Ok(
            if listing.objects.is_empty() && listing.prefixes.is_empty() {
                RootState::Empty
            } else {
                RootState::NotEmpty
            },
        )
    }

    /// Nothing to create: the bucket must exist (redisops never creates buckets).
    pub fn create_root(&self) -> Result<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::location::S3Options;

    #[test]
    fn keys_live_under_the_prefix() {
        let store = |prefix: &str| {
            S3Store::connect(&S3Location {
                bucket: "b".into(),
                prefix: prefix.into(),
                options: S3Options {
                    endpoint: Some("http://127.0.0.1:1".into()),
                    ..Default::default()
                },
            })
            .unwrap()
        };
        let s = store("redis/prod");
        assert_eq!(
            s.path("db1/x.manifest.json").as_ref(),
            "redis/prod/db1/x.manifest.json"
        );
        assert_eq!(s.path("").as_ref(), "redis/prod");
        assert_eq!(s.location("db1"), "s3://b/redis/prod/db1");
        assert_eq!(s.location(""), "s3://b/redis/prod");
        assert_eq!(store("").path("db1/.lock").as_ref(), "db1/.lock");
    }
}
