//! A [`BlobStore`] and a [`QueueService`] that pass every call through to real ones and record
//! it, so a test can hold a run to a budget of storage operations (each is a round trip on
//! Azure and often a flush on the embedded backend) instead of to a timing.

use appgen_core::ports::{
    Blob, BlobStore, Container, Delivery, ETag, QueueError, QueueService, StoreError,
    WriteCondition,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What kind of storage operation a call was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// A blob read whole (`get`).
    Get,
    /// A durable write (`put`): a flush on the embedded backend.
    Put,
    /// A write that need not survive a power cut (`put_volatile`).
    PutVolatile,
    Append,
    /// A read of an append blob from an offset (`read_from`).
    ReadFrom,
    List,
    Delete,
    QueueSend,
    QueueReceive,
    QueueDelete,
    /// Any other queue call (`ensure`, `release`, `len`).
    QueueOther,
}

/// One recorded call: its kind and where (blob key, or queue name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    pub at: String,
}

/// The calls recorded so far, shared by the blob and queue wrappers.
#[derive(Clone, Default)]
pub struct OpLog(Arc<Mutex<Vec<Op>>>);

impl OpLog {
    fn record(&self, kind: OpKind, at: String) {
        self.ops().push(Op { kind, at });
    }

    fn ops(&self) -> std::sync::MutexGuard<'_, Vec<Op>> {
        // A panicking test thread must not hide the others' counts.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets what was recorded (e.g. the setup before the part a test measures).
    pub fn clear(&self) {
        self.ops().clear();
    }

    /// Every call so far, in order.
    pub fn all(&self) -> Vec<Op> {
        self.ops().clone()
    }

    /// How many calls of each kind so far.
    pub fn counts(&self) -> BTreeMap<OpKind, usize> {
        let mut counts = BTreeMap::new();
        for op in self.ops().iter() {
            *counts.entry(op.kind).or_insert(0) += 1;
        }
        counts
    }

    /// How many calls of `kind` so far.
    pub fn count(&self, kind: OpKind) -> usize {
        self.ops().iter().filter(|o| o.kind == kind).count()
    }
}

/// Records every blob call, then makes it on `inner`.
pub struct CountingBlobs {
    inner: Arc<dyn BlobStore>,
    log: OpLog,
}

impl CountingBlobs {
    pub fn new(inner: Arc<dyn BlobStore>, log: OpLog) -> CountingBlobs {
        CountingBlobs { inner, log }
    }

    fn record(&self, kind: OpKind, container: Container, key: &str) {
        self.log.record(kind, format!("{}/{key}", container.name()));
    }
}

#[async_trait]
impl BlobStore for CountingBlobs {
    async fn get(&self, container: Container, key: &str) -> Result<Option<Blob>, StoreError> {
        self.record(OpKind::Get, container, key);
        self.inner.get(container, key).await
    }

    async fn put(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.record(OpKind::Put, container, key);
        (self.inner)
            .put(container, key, bytes, content_type, condition)
            .await
    }

    async fn put_volatile(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.record(OpKind::PutVolatile, container, key);
        (self.inner)
            .put_volatile(container, key, bytes, content_type, condition)
            .await
    }

    async fn append(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        expected_len: Option<u64>,
    ) -> Result<u64, StoreError> {
        self.record(OpKind::Append, container, key);
        self.inner.append(container, key, bytes, expected_len).await
    }

    async fn read_from(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.record(OpKind::ReadFrom, container, key);
        self.inner.read_from(container, key, offset).await
    }

    async fn list(&self, container: Container, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.record(OpKind::List, container, prefix);
        self.inner.list(container, prefix).await
    }

    async fn delete(&self, container: Container, key: &str) -> Result<(), StoreError> {
        self.record(OpKind::Delete, container, key);
        self.inner.delete(container, key).await
    }

    async fn delete_if_match(
        &self,
        container: Container,
        key: &str,
        etag: &ETag,
    ) -> Result<(), StoreError> {
        self.record(OpKind::Delete, container, key);
        self.inner.delete_if_match(container, key, etag).await
    }
}

/// Records every queue call, then makes it on `inner`.
pub struct CountingQueue {
    inner: Arc<dyn QueueService>,
    log: OpLog,
}

impl CountingQueue {
    pub fn new(inner: Arc<dyn QueueService>, log: OpLog) -> CountingQueue {
        CountingQueue { inner, log }
    }
}

#[async_trait]
impl QueueService for CountingQueue {
    async fn ensure(&self, queue: &str) -> Result<(), QueueError> {
        self.log.record(OpKind::QueueOther, queue.to_owned());
        self.inner.ensure(queue).await
    }

    async fn send(&self, queue: &str, body: &str, delay: Duration) -> Result<(), QueueError> {
        self.log.record(OpKind::QueueSend, queue.to_owned());
        self.inner.send(queue, body, delay).await
    }

    async fn receive(
        &self,
        queue: &str,
        visibility: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        self.log.record(OpKind::QueueReceive, queue.to_owned());
        self.inner.receive(queue, visibility).await
    }

    async fn delete(&self, queue: &str, delivery: &Delivery) -> Result<(), QueueError> {
        self.log.record(OpKind::QueueDelete, queue.to_owned());
        self.inner.delete(queue, delivery).await
    }

    async fn release(
        &self,
        queue: &str,
        delivery: &Delivery,
        delay: Duration,
    ) -> Result<String, QueueError> {
        self.log.record(OpKind::QueueOther, queue.to_owned());
        self.inner.release(queue, delivery, delay).await
    }

    async fn len(&self, queue: &str) -> Result<u64, QueueError> {
        self.log.record(OpKind::QueueOther, queue.to_owned());
        self.inner.len(queue).await
    }
}
