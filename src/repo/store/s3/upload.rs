//! Streaming an object into S3 by multipart upload with bounded memory: one part fills while
//! up to `concurrency` parts are in flight, and a write blocks while that many are (the
//! back-pressure that keeps a fast RDB stream from buffering without limit). The upload id is
//! recorded in a marker before the first part, so a run killed mid-upload leaves something the
//! next run can abort. Committing completes the upload and checks the stored size; dropping
//! the writer uncommitted aborts the upload and removes the marker.

use std::collections::VecDeque;
use std::io;

use anyhow::{Context, Result};
use chrono::{SubsecRound, Utc};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutMode, PutPayload};
use tokio::task::JoinHandle;

use super::{S3Store, TEMP_PREFIX, UPLOAD_SUFFIX, UploadMarker, errors, run};

/// Parts grow (×2 every 1,000 parts, to 128 MiB) so that S3's 10,000-part limit holds
/// archives of about 1 TiB at the default size instead of 80 GB.
const PARTS_PER_STEP: usize = 1000;
const MAX_GROWN_PART: usize = 128 * 1024 * 1024;
const MAX_PARTS: usize = 10_000;

pub struct S3Writer {
    store: S3Store,
    key: String,
    path: ObjectPath,
    upload_id: String,
    marker_key: String,
    buf: Vec<u8>,
    in_flight: VecDeque<JoinHandle<object_store::Result<PartId>>>,
    parts: Vec<PartId>,
    written: u64,
    /// Set after a failed part: the upload cannot be completed any more.
    failed: bool,
    /// The upload was completed: the object is at its key (and must go if not committed).
    completed: bool,
    committed: bool,
}

/// The size of part `index` (0-based) when parts start at `first`.
fn part_size(first: usize, index: usize) -> usize {
    let doublings = (index / PARTS_PER_STEP).min(16) as u32;
    first
        .saturating_mul(1 << doublings)
        .min(MAX_GROWN_PART.max(first))
}

impl S3Writer {
    pub(super) fn start(store: &S3Store, key: &str) -> Result<Self> {
        let path = store.path(key);
        let client = store.writer();
        let upload_id = run({
            let path = path.clone();
            async move { client.create_multipart(&path).await }
        })
        .map_err(|e| store.error(&e, "s3:CreateMultipartUpload", key))?;
        let name = key.rsplit('/').next().unwrap_or(key);
        let marker_key = match key.rsplit_once('/') {
            Some((prefix, _)) => format!("{prefix}/{TEMP_PREFIX}{name}{UPLOAD_SUFFIX}"),
            None => format!("{TEMP_PREFIX}{name}{UPLOAD_SUFFIX}"),
        };
        let writer = Self {
            store: store.clone(),
            key: key.to_owned(),
            path,
            upload_id: upload_id.clone(),
            marker_key: marker_key.clone(),
            buf: Vec::with_capacity(store.inner.part_size),
            in_flight: VecDeque::new(),
            parts: Vec::new(),
            written: 0,
            failed: false,
            completed: false,
            committed: false,
        };
        let marker = UploadMarker {
            key: key.to_owned(),
            upload_id,
            host: crate::fsutil::hostname(),
            pid: std::process::id(),
            started: Utc::now().trunc_subsecs(0),
        };
        // Dropping `writer` on failure aborts the upload just created.
        store
            .put(
                &marker_key,
                &serde_json::to_vec(&marker)?,
                PutMode::Overwrite,
            )
            .map_err(|(_, e)| e)
            .context("recording the upload before its first part")?;
        Ok(writer)
    }

    fn failure(&mut self, e: &object_store::Error, action: &str) -> io::Error {
        self.failed = true;
        io::Error::other(self.store.failure(e, action, &self.key))
    }

    /// Sends the filled buffer as the next part, waiting first while `concurrency` are in
    /// flight.
    fn send_part(&mut self) -> io::Result<()> {
        let index = self.parts.len() + self.in_flight.len();
        if index >= MAX_PARTS {
            self.failed = true;
            return Err(io::Error::other(format!(
                "the archive has outgrown S3's limit of {MAX_PARTS} parts; raise part_size_mib \
                 in the [repository] section"
            )));
        }
        while self.in_flight.len() >= self.store.inner.concurrency {
            self.wait_oldest()?;
        }
        let next = part_size(self.store.inner.part_size, index + 1);
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(next));
        let client = self.store.writer();
        let (path, id) = (self.path.clone(), self.upload_id.clone());
        self.in_flight.push_back(super::runtime().spawn(async move {
            client
                .put_part(&path, &id, index, PutPayload::from(data))
                .await
        }));
        Ok(())
    }

    fn wait_oldest(&mut self) -> io::Result<()> {
        let Some(handle) = self.in_flight.pop_front() else {
            return Ok(());
        };
        match futures::executor::block_on(handle) {
            Ok(Ok(part)) => {
                self.parts.push(part);
                crate::steps::fault::after_part(self.parts.len());
                Ok(())
            }
            Ok(Err(e)) => Err(self.failure(&e, "s3:UploadPart")),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Completes the upload (the object appears at its key), checks its size, and removes
    /// the marker.
    pub fn commit(mut self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("an earlier part of the upload failed"));
        }
        // S3 needs at least one part; an empty last part is allowed.
        if !self.buf.is_empty() || self.parts.len() + self.in_flight.len() == 0 {
            self.send_part()?;
        }
        while !self.in_flight.is_empty() {
            self.wait_oldest()?;
        }
        let client = self.store.writer();
        let (path, id, parts) = (
            self.path.clone(),
            self.upload_id.clone(),
            self.parts.clone(),
        );
        let done = run({
            let client = client.clone();
            async move { client.complete_multipart(&path, &id, parts).await }
        });
        done.map_err(|e| self.failure(&e, "s3:CompleteMultipartUpload"))?;
        self.completed = true;
        let path = self.path.clone();
        let meta = run(async move { client.head(&path).await })
            .map_err(|e| self.failure(&e, "s3:HeadObject"))?;
        if meta.size != self.written {
            self.failed = true;
            return Err(io::Error::other(format!(
                "{} holds {} bytes after the upload, not the {} sent",
                self.store.location(&self.key),
                meta.size,
                self.written
            )));
        }
        self.committed = true;
        // A marker left behind only makes the next run abort an upload that is gone.
        let _ = self.store.delete(&self.marker_key);
        Ok(())
    }
}

impl io::Write for S3Writer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("an earlier part of the upload failed"));
        }
        let target = part_size(
            self.store.inner.part_size,
            self.parts.len() + self.in_flight.len(),
        );
        let n = data.len().min(target - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.written += n as u64;
        if self.buf.len() == target {
            self.send_part()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        for handle in self.in_flight.drain(..) {
            handle.abort();
        }
        // Best effort: what fails here the next run's clean-up (or the bucket's
        // AbortIncompleteMultipartUpload rule) removes.
        if self.completed {
            let _ = self.store.delete(&self.key);
        } else {
            let _ = abort(&self.store, &self.key, &self.upload_id);
        }
        let _ = self.store.delete(&self.marker_key);
    }
}

/// Aborts upload `upload_id` of `key`; one that is gone already is fine.
pub(super) fn abort(store: &S3Store, key: &str, upload_id: &str) -> Result<()> {
    let client = store.client();
    let (path, id) = (store.path(key), upload_id.to_owned());
    match run(async move { client.abort_multipart(&path, &id).await }) {
        Ok(()) => Ok(()),
        Err(e) if errors::classify(&e).0 == errors::Kind::NotFound => Ok(()),
        Err(e) => Err(store.error(&e, "s3:AbortMultipartUpload", key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_grow_so_ten_thousand_hold_about_a_terabyte() {
        const MIB: usize = 1024 * 1024;
        assert_eq!(part_size(8 * MIB, 0), 8 * MIB);
        assert_eq!(part_size(8 * MIB, 999), 8 * MIB);
        assert_eq!(part_size(8 * MIB, 1000), 16 * MIB);
        assert_eq!(part_size(8 * MIB, 4000), 128 * MIB);
        assert_eq!(part_size(8 * MIB, 9999), 128 * MIB);
        assert_eq!(
            part_size(256 * MIB, 5000),
            256 * MIB,
            "a larger first size is kept"
        );
        let total: usize = (0..MAX_PARTS).map(|i| part_size(8 * MIB, i)).sum();
        assert!(total > 850 * 1024 * MIB, "{} GiB", total / 1024 / MIB);
    }
}
