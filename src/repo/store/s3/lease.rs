//! The lock on a target prefix in a bucket, across hosts: a lease object `<target>/.lock`
//! holding the holder's description, created only if absent (`If-None-Match: *`), refreshed
//! by a background task with `If-Match` on its ETag, and taken over (with `If-Match` on the
//! stale ETag, so only one taker wins) when it was not refreshed for `lock_stale_after`
//! (default 30 minutes) or its holder was a process on this host that is gone. Staleness is
//! judged by the store's `Last-Modified` against this host's clock; S3 refuses requests from
//! a clock more than 15 minutes off, so the default leaves a margin.
//!
//! A run whose lease was taken over must not commit: the refresher marks it lost, and the
//! store refuses the manifest's put under that prefix.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, UpdateVersion};

use super::super::super::layout::LOCK_FILE;
use super::super::super::lock::{LockError, LockHolder, process_is_gone};
use super::errors::Kind;
use super::{S3Store, run};

const POLL_INTERVAL: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Lease {
    store: S3Store,
    key: String,
    etag: Arc<std::sync::Mutex<Option<String>>>,
    refresher: tokio::task::JoinHandle<()>,
    took_over: Option<LockHolder>,
}

/// The lease as read: holder (if it parses), ETag and age by the store's clock.
struct Current {
    holder: Option<LockHolder>,
    etag: Option<String>,
    age: Duration,
}

impl Lease {
    pub(super) fn acquire(
        store: &S3Store,
        prefix: &str,
        wait: Duration,
        purpose: &str,
    ) -> Result<Self> {
        let key = super::super::join(prefix, LOCK_FILE);
        let me = LockHolder::current(purpose);
        let body = serde_json::to_vec(&me)?;
        let deadline = Instant::now() + wait;
        let mut took_over = None;
        let etag = loop {
            match store.put(&key, &body, PutMode::Create) {
                Ok(put) => break put.e_tag,
                Err((Kind::Exists | Kind::Precondition, _)) => {}
                Err((_, e)) => return Err(e),
            }
            let Some(current) = read(store, &key)? else {
                continue; // released meanwhile
            };
            let dead_here = current
                .holder
                .as_ref()
                .is_some_and(|h| h.host == me.host && process_is_gone(h.pid));
            if dead_here || current.age > store.inner.stale_after {
                let update = PutMode::Update(UpdateVersion {
                    e_tag: current.etag.clone(),
                    version: None,
                });
                match store.put(&key, &body, update) {
                    Ok(put) => {
                        took_over = current.holder;
                        break put.e_tag;
                    }
                    // Another run took it over first, or it was released: look again.
                    Err((Kind::Precondition | Kind::NotFound, _)) => continue,
                    Err((_, e)) => return Err(e),
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(LockError::Held {
                    dir: store.location(prefix).into(),
                    holder: current.holder,
                }
                .into());
            }
            thread::sleep(POLL_INTERVAL.min(deadline - now));
        };
        let etag = Arc::new(std::sync::Mutex::new(etag));
        let lost = store.lease_state(prefix);
        lost.store(false, Ordering::SeqCst);
        let refresher = super::runtime().spawn(refresh(
            store.clone(),
            key.clone(),
            body,
            etag.clone(),
            lost,
        ));
        Ok(Self {
            store: store.clone(),
            key,
            etag,
            refresher,
            took_over,
        })
    }

    pub fn took_over(&self) -> Option<&LockHolder> {
        self.took_over.as_ref()
    }
}

/// Rewrites the lease every sixth of the stale time (at most 5 minutes) while it is ours;
/// marks it lost when another run replaced or removed it.
async fn refresh(
    store: S3Store,
    key: String,
    body: Vec<u8>,
    etag: Arc<std::sync::Mutex<Option<String>>>,
    lost: Arc<AtomicBool>,
) {
    let every =
        (store.inner.stale_after / 6).clamp(Duration::from_secs(1), Duration::from_secs(300));
    loop {
        tokio::time::sleep(every).await;
        let current = etag.lock().expect("lease etag").clone();
        let client = store.writer();
        let path = store.path(&key);
        let options = object_store::PutOptions {
            mode: PutMode::Update(UpdateVersion {
                e_tag: current,
                version: None,
            }),
            ..Default::default()
        };
        match client.put_opts(&path, body.clone().into(), options).await {
            Ok(put) => *etag.lock().expect("lease etag") = put.e_tag,
            Err(e)
                if matches!(
                    super::errors::classify(&e).0,
                    Kind::Precondition | Kind::NotFound
                ) =>
            {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // A transient failure: the next refresh tries again, well before it goes stale.
            Err(_) => {}
        }
    }
}

fn read(store: &S3Store, key: &str) -> Result<Option<Current>> {
    let client = store.client();
    let path = store.path(key);
    let got = run(async move {
        let result = client.get(&path).await?;
        let meta = result.meta.clone();
        Ok::<_, object_store::Error>((meta, result.bytes().await?))
    });
    match got {
        Ok((meta, bytes)) => Ok(Some(Current {
            holder: serde_json::from_slice(&bytes).ok(),
            etag: meta.e_tag,
            age: (Utc::now() - meta.last_modified)
                .to_std()
                .unwrap_or_default(),
        })),
        Err(e) if super::errors::classify(&e).0 == Kind::NotFound => Ok(None),
        Err(e) => Err(store.error(&e, "s3:GetObject", key)),
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.refresher.abort();
        // Delete it only while it is still ours (S3 has no conditional delete in
        // object_store: compare the ETag first; a taker only takes stale leases).
        let ours = self.etag.lock().expect("lease etag").clone();
        if let Ok(Some(current)) = read(&self.store, &self.key)
            && current.etag == ours
        {
            let _ = self.store.delete(&self.key);
        }
    }
}
