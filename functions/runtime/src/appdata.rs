//! The records of generated apps (docs/appdata.md), stored through the same [`BlobStore`] as
//! everything else: one blob per record under `{thread}/data/{space}/{collection}/{id}`, written
//! create-only or If-Match so two writers never lose an update, and an append-only change log
//! per app and space (`{thread}/data/{space}/changes`) that the live stream reads from a byte
//! offset. The validation and the query are `appgen_core::appdata`'s; this is only storage.
//! The accounts of apps with sign-in live beside the records ([`accounts`], under `_users/`
//! and `_sessions/`, names no collection can have).

use appgen_core::appdata::{Change, ChangeKind, Record, Space, valid_name, valid_record_id};
use appgen_core::ports::{BlobStore, Container, ETag, StoreError, WriteCondition};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

pub mod accounts;

/// Records read at once when a collection is listed.
const LIST_CONCURRENCY: usize = 16;

/// One app's data space: the thread it belongs to and which space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataSpace {
    pub thread: String,
    pub space: Space,
}

impl DataSpace {
    pub fn new(thread: &str, space: Space) -> Result<DataSpace, StoreError> {
        if !crate::threads::valid_id(thread) {
            return Err(StoreError::InvalidKey(thread.to_owned()));
        }
        Ok(DataSpace {
            thread: thread.to_owned(),
            space,
        })
    }

    fn prefix(&self) -> String {
        format!("{}/data/{}/", self.thread, self.space.name())
    }

    fn collection_prefix(&self, collection: &str) -> Result<String, StoreError> {
        if !valid_name(collection) {
            return Err(StoreError::InvalidKey(collection.to_owned()));
        }
        Ok(format!("{}{collection}/", self.prefix()))
    }

    fn record_key(&self, collection: &str, id: &str) -> Result<String, StoreError> {
        if !valid_record_id(id) {
            return Err(StoreError::InvalidKey(id.to_owned()));
        }
        Ok(format!("{}{id}", self.collection_prefix(collection)?))
    }

    fn log_key(&self) -> String {
        format!("{}changes", self.prefix())
    }

    fn name(&self) -> String {
        format!("{}/{}", self.thread, self.space.name())
    }
}

/// A change read back from the log, with the offset a follower resumes from after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedChange {
    pub next: u64,
    pub change: Change,
}

#[derive(Clone)]
pub struct AppData {
    blobs: Arc<dyn BlobStore>,
    /// Followers of a space's changes, woken by appends in this process (held weakly, so a
    /// space nobody follows costs nothing). Other instances are seen by polling the log.
    followers: Arc<Mutex<HashMap<String, Weak<Notify>>>>,
}

fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Backend(format!("corrupt record: {e}")))
}

fn encode(record: &Record) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(record).map_err(|e| StoreError::Backend(e.to_string()))
}

/// A new record id: time-ordered, so blob listings come out roughly in creation order.
pub fn new_record_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

impl AppData {
    pub fn new(blobs: Arc<dyn BlobStore>) -> AppData {
        AppData {
            blobs,
            followers: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Every record of a collection (the query is applied by the caller).
    pub async fn list(&self, ds: &DataSpace, collection: &str) -> Result<Vec<Record>, StoreError> {
        let keys = self
            .blobs
            .list(Container::Threads, &ds.collection_prefix(collection)?)
            .await?;
        let reads = futures::stream::iter(keys)
            .map(|k| async move { self.blobs.get(Container::Threads, &k).await })
            .buffered(LIST_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut out = Vec::with_capacity(reads.len());
        for blob in reads {
            // A record deleted between the listing and the read is simply gone.
            if let Some(b) = blob? {
                out.push(decode(&b.bytes)?);
            }
        }
        Ok(out)
    }

    /// How many records a collection holds (for the per-collection limit).
    pub async fn count(&self, ds: &DataSpace, collection: &str) -> Result<usize, StoreError> {
        Ok(self
            .blobs
            .list(Container::Threads, &ds.collection_prefix(collection)?)
            .await?
            .len())
    }

    pub async fn get(
        &self,
        ds: &DataSpace,
        collection: &str,
        id: &str,
    ) -> Result<Option<(Record, ETag)>, StoreError> {
        let key = ds.record_key(collection, id)?;
        match self.blobs.get(Container::Threads, &key).await? {
            Some(b) => Ok(Some((decode(&b.bytes)?, b.etag))),
            None => Ok(None),
        }
    }

    /// Stores a new record (create-only: an id is never reused) and logs it.
    pub async fn create(
        &self,
        ds: &DataSpace,
        collection: &str,
        record: &Record,
    ) -> Result<ETag, StoreError> {
        let key = ds.record_key(collection, &record.id)?;
        let etag = self.put(&key, record, WriteCondition::CreateOnly).await?;
        self.log(ds, ChangeKind::Created, collection, record)
            .await?;
        Ok(etag)
    }

    /// Replaces a record only if it is still at `etag` (else `Conflict`), and logs it.
    pub async fn replace(
        &self,
        ds: &DataSpace,
        collection: &str,
        record: &Record,
        etag: &ETag,
    ) -> Result<ETag, StoreError> {
        let key = ds.record_key(collection, &record.id)?;
        let etag = self
            .put(&key, record, WriteCondition::IfMatch(etag.clone()))
            .await?;
        self.log(ds, ChangeKind::Updated, collection, record)
            .await?;
        Ok(etag)
    }

    pub async fn delete(
        &self,
        ds: &DataSpace,
        collection: &str,
        record: &Record,
    ) -> Result<(), StoreError> {
        let key = ds.record_key(collection, &record.id)?;
        self.blobs.delete(Container::Threads, &key).await?;
        self.log(ds, ChangeKind::Deleted, collection, record).await
    }

    /// Deletes every record of the space (the preview space's reset). The change log stays,
    /// so followers' offsets stay valid; each removal is logged as a delete. Accounts and
    /// sessions stay: a reset empties the data, it does not sign anyone out.
    pub async fn reset(&self, ds: &DataSpace) -> Result<usize, StoreError> {
        let prefix = ds.prefix();
        let keys = self.blobs.list(Container::Threads, &prefix).await?;
        let mut n = 0;
        for key in &keys {
            let Some((collection, _)) = key[prefix.len()..].split_once('/') else {
                continue; // the change log
            };
            if !valid_name(collection) {
                continue; // `_users/`, `_sessions/`
            }
            let Some(blob) = self.blobs.get(Container::Threads, key).await? else {
                continue;
            };
            let record = decode(&blob.bytes)?;
            self.delete(ds, collection, &record).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Deletes everything of the space: records, the change log, accounts and sessions (the
    /// build check's throwaway space, before and after a check and between its scenarios).
    /// Returns how many blobs went.
    pub async fn erase(&self, ds: &DataSpace) -> Result<usize, StoreError> {
        let keys = self.blobs.list(Container::Threads, &ds.prefix()).await?;
        for key in &keys {
            match self.blobs.delete(Container::Threads, key).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(keys.len())
    }

    async fn put(
        &self,
        key: &str,
        record: &Record,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        let bytes = encode(record)?;
        self.blobs
            .put(
                Container::Threads,
                key,
                bytes,
                "application/json",
                condition,
            )
            .await
    }

    async fn log(
        &self,
        ds: &DataSpace,
        kind: ChangeKind,
        collection: &str,
        record: &Record,
    ) -> Result<(), StoreError> {
        let change = Change {
            kind,
            collection: collection.to_owned(),
            id: record.id.clone(),
            record: (kind != ChangeKind::Deleted).then(|| record.clone()),
            created_by: (kind == ChangeKind::Deleted).then(|| record.created_by.clone()),
        };
        let mut line =
            serde_json::to_vec(&change).map_err(|e| StoreError::Backend(e.to_string()))?;
        line.push(b'\n');
        // One append per line: both backends append a block whole, so lines never interleave.
        self.blobs
            .append(Container::Threads, &ds.log_key(), line, None)
            .await?;
        if let Some(n) = self.follower(ds, false) {
            n.notify_waiters();
        }
        Ok(())
    }

    /// Changes logged after byte `offset` (complete lines only).
    pub async fn changes_from(
        &self,
        ds: &DataSpace,
        offset: u64,
    ) -> Result<Vec<LoggedChange>, StoreError> {
        let Some(bytes) = self
            .blobs
            .read_from(Container::Threads, &ds.log_key(), offset)
            .await?
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut at = offset;
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            if line.last() != Some(&b'\n') {
                break;
            }
            at += line.len() as u64;
            if let Ok(change) = serde_json::from_slice(line) {
                out.push(LoggedChange { next: at, change });
            }
        }
        Ok(out)
    }

    /// The end of the log now: where a follower that wants only new changes starts.
    pub async fn log_end(&self, ds: &DataSpace) -> Result<u64, StoreError> {
        Ok(self.changes_from(ds, 0).await?.last().map_or(0, |c| c.next))
    }

    /// The notifier appends to this space wake (created when `create`).
    pub fn follower(&self, ds: &DataSpace, create: bool) -> Option<Arc<Notify>> {
        let mut map = match self.followers.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let name = ds.name();
        if let Some(n) = map.get(&name).and_then(Weak::upgrade) {
            return Some(n);
        }
        if !create {
            return None;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let n = Arc::new(Notify::new());
        map.insert(name, Arc::downgrade(&n));
        Some(n)
    }
}
