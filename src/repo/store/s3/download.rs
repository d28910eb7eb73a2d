//! Reading an object from S3 as a stream: one GET whose body a task on the S3 runtime reads
//! ahead into a bounded channel while the caller's pipeline (decrypt, decompress, verify)
//! consumes it. object_store resumes a body cut mid-way with a ranged GET pinned to the same
//! ETag, so a changed object is never spliced into the stream.

use std::io;

use anyhow::Result;
use bytes::Bytes;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use tokio::sync::mpsc;

use super::{S3Store, run};

/// Chunks read ahead (reqwest yields up to a few hundred KiB each).
const READ_AHEAD: usize = 64;

pub struct S3Reader {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    feeder: tokio::task::JoinHandle<()>,
}

impl S3Reader {
    pub(super) fn open(store: &S3Store, key: &str) -> Result<Self> {
        let client = store.client();
        let path = store.path(key);
        let result = run(async move { client.get(&path).await })
            .map_err(|e| store.error(&e, "s3:GetObject", key))?;
        let (tx, chunks) = mpsc::channel(READ_AHEAD);
        let (store, key) = (store.clone(), key.to_owned());
        let feeder = super::runtime().spawn(async move {
            let mut body = result.into_stream();
            while let Some(chunk) = body.next().await {
                let chunk =
                    chunk.map_err(|e| io::Error::other(store.failure(&e, "s3:GetObject", &key)));
                let stop = chunk.is_err();
                // The reader was dropped: stop reading.
                if tx.send(chunk).await.is_err() || stop {
                    return;
                }
            }
        });
        Ok(Self {
            chunks,
            current: Bytes::new(),
            feeder,
        })
    }
}

impl io::Read for S3Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match futures::executor::block_on(self.chunks.recv()) {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

impl Drop for S3Reader {
    fn drop(&mut self) {
        self.feeder.abort();
    }
}
