//! The records of generated apps (docs/appdata.md), stored through the same [`BlobStore`] as
//! everything else: one blob per record under `{thread}/data/{space}/{collection}/{id}`, written
//! create-only or If-Match so two writers never lose an update, and an append-only change log
//! per app and space that the live stream reads from a [`LogPosition`]: segments
//! `{thread}/data/{space}/_log/{n}`, each appended to only at the length its writer last saw
//! and only while shorter than `LOG_SEGMENT_BYTES`, so a full segment never changes again and
//! its followers move on; the writer that starts a segment deletes all but the last
//! `LOG_SEGMENTS_KEPT` (a follower from before them is told to reload: [`Since::Gone`]). The validation and the query are `appgen_core::appdata`'s; this is only storage.
//! The accounts of apps with sign-in live beside the records ([`accounts`], under `_users/`
//! and `_sessions/`, names no collection can have).

use appgen_core::appdata::{
    Change, ChangeKind, LOG_SEGMENTS_KEPT, LogPosition, Record, Space, valid_name, valid_record_id,
};
use appgen_core::ports::{BlobStore, Container, ETag, StoreError, WriteCondition};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

pub mod accounts;

/// Records read at once when a collection is listed.
const LIST_CONCURRENCY: usize = 16;
/// Appends to a space's log tried before giving up on writers that keep winning the race.
const LOG_TRIES: usize = 32;
/// Collections whose records this process keeps to list from (the least recently listed go)…
const CACHED_COLLECTIONS: usize = 8;
/// …and how long before one is read whole again rather than kept up from the change log (a
/// record whose writer died before logging it shows in a list within this).
const CACHE_REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

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

    fn log_prefix(&self) -> String {
        format!("{}_log/", self.prefix())
    }

    fn segment_key(&self, segment: u64) -> String {
        format!("{}{segment:010}", self.log_prefix())
    }

    fn name(&self) -> String {
        format!("{}/{}", self.thread, self.space.name())
    }
}

/// A change read back from the log, with the id ([`LogPosition::id`]) a follower resumes from
/// after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedChange {
    pub next: u64,
    pub change: Change,
}

/// What the log holds after a position.
#[derive(Debug, Clone, PartialEq)]
pub enum Since {
    Changes(Vec<LoggedChange>),
    /// The position is before the oldest segment kept (or is none the log ever had): the
    /// follower must reload the records and follow from the end.
    Gone,
}

/// A collection's records as last read, and the log position they include every change up to.
struct Cached {
    records: HashMap<String, Record>,
    at: u64,
    filled: std::time::Instant,
    used: std::time::Instant,
}

impl Cached {
    /// A logged change of this collection, applied: an older version never replaces a newer.
    fn apply(&mut self, collection: &str, c: LoggedChange) {
        self.at = c.next;
        if c.change.collection != collection {
            return;
        }
        match (c.change.kind, c.change.record) {
            (ChangeKind::Deleted, _) => {
                self.records.remove(&c.change.id);
            }
            (_, Some(r)) => {
                let newer = self
                    .records
                    .get(&r.id)
                    .is_none_or(|old| old.updated_at <= r.updated_at);
                if newer {
                    self.records.insert(r.id.clone(), r);
                }
            }
            (_, None) => {}
        }
    }
}

#[derive(Clone)]
pub struct AppData {
    blobs: Arc<dyn BlobStore>,
    /// Followers of a space's changes, woken by appends in this process (held weakly, so a
    /// space nobody follows costs nothing). Other instances are seen by polling the log.
    followers: Arc<Mutex<HashMap<String, Weak<Notify>>>>,
    /// The end of each space's log as this process last wrote it (a stale one fails its
    /// conditional append and is looked up again).
    tails: Arc<Mutex<HashMap<String, LogPosition>>>,
    /// Recently listed collections, kept up to date from the change log, so a list reads the
    /// log's tail instead of every record.
    cache: Arc<Mutex<HashMap<String, Cached>>>,
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
            tails: Arc::new(Mutex::new(HashMap::new())),
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Every record of a collection (the query is applied by the caller).
    pub async fn list(&self, ds: &DataSpace, collection: &str) -> Result<Vec<Record>, StoreError> {
        self.cached(ds, collection, |m| m.values().cloned().collect())
            .await
    }

    /// How many records a collection holds (for the per-collection limit).
    pub async fn count(&self, ds: &DataSpace, collection: &str) -> Result<usize, StoreError> {
        self.cached(ds, collection, HashMap::len).await
    }

    /// `f` of the collection's records: kept from an earlier read and brought up to date from
    /// the change log, or read whole (first, after [`CACHE_REFRESH`], or when the log no longer
    /// reaches back to it).
    async fn cached<T>(
        &self,
        ds: &DataSpace,
        collection: &str,
        f: impl FnOnce(&HashMap<String, Record>) -> T,
    ) -> Result<T, StoreError> {
        let name = format!("{}/{collection}", ds.name());
        let kept = lock(&self.cache).remove(&name);
        let mut c = match kept {
            Some(c) if c.filled.elapsed() < CACHE_REFRESH => c,
            _ => self.fill(ds, collection).await?,
        };
        let since = match self.changes_from(ds, c.at).await? {
            Since::Changes(changes) => changes,
            Since::Gone => {
                c = self.fill(ds, collection).await?;
                match self.changes_from(ds, c.at).await? {
                    Since::Changes(changes) => changes,
                    Since::Gone => Vec::new(),
                }
            }
        };
        for change in since {
            c.apply(collection, change);
        }
        let out = f(&c.records);
        c.used = std::time::Instant::now();
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHED_COLLECTIONS
            && let Some(oldest) = cache
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(k, _)| k.clone())
        {
            cache.remove(&oldest);
        }
        cache.insert(name, c);
        Ok(out)
    }

    /// Reads a collection whole, from the log position before the reading (the changes after
    /// it are applied on top: applying one the reading already saw changes nothing).
    async fn fill(&self, ds: &DataSpace, collection: &str) -> Result<Cached, StoreError> {
        let at = self.log_end(ds).await?;
        let records = self.read_all(ds, collection).await?;
        let now = std::time::Instant::now();
        Ok(Cached {
            records: records.into_iter().map(|r| (r.id.clone(), r)).collect(),
            at,
            filled: now,
            used: now,
        })
    }

    async fn read_all(&self, ds: &DataSpace, collection: &str) -> Result<Vec<Record>, StoreError> {
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
                continue; // the one-blob change log of before segments
            };
            if !valid_name(collection) {
                continue; // `_log/`, `_users/`, `_sessions/`, `_expiry/`
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
        self.set_tail(ds, None);
        let space = format!("{}/", ds.name());
        lock(&self.cache).retain(|k, _| !k.starts_with(&space));
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
        self.append_line(ds, line).await?;
        if let Some(n) = self.follower(ds, false) {
            n.notify_waiters();
        }
        Ok(())
    }

    /// Appends one line at the log's end: conditional on the length last seen, so lines never
    /// interleave and a full segment is never appended to; a conflict looks the end up again.
    async fn append_line(&self, ds: &DataSpace, line: Vec<u8>) -> Result<(), StoreError> {
        for _ in 0..LOG_TRIES {
            let end = match self.cached_tail(ds) {
                Some(end) => end,
                None => self.tail(ds).await?,
            };
            let at = end.next_segment().unwrap_or(end);
            let key = ds.segment_key(at.segment);
            let appended = self
                .blobs
                .append(Container::Threads, &key, line.clone(), Some(at.offset))
                .await;
            match appended {
                Ok(len) => {
                    self.set_tail(ds, Some(LogPosition { offset: len, ..at }));
                    if at.offset == 0 {
                        self.compact(ds, at.segment).await;
                    }
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => self.set_tail(ds, None),
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "{}: the change log",
            ds.name()
        )))
    }

    fn cached_tail(&self, ds: &DataSpace) -> Option<LogPosition> {
        lock(&self.tails).get(&ds.name()).copied()
    }

    fn set_tail(&self, ds: &DataSpace, end: Option<LogPosition>) {
        let mut tails = lock(&self.tails);
        match end {
            Some(end) => tails.insert(ds.name(), end),
            None => tails.remove(&ds.name()),
        };
    }

    /// The log's segments, oldest first.
    async fn segments(&self, ds: &DataSpace) -> Result<Vec<u64>, StoreError> {
        let prefix = ds.log_prefix();
        let keys = self.blobs.list(Container::Threads, &prefix).await?;
        let mut out: Vec<u64> = keys
            .iter()
            .filter_map(|k| k[prefix.len()..].parse().ok())
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// The end of the log as stored now.
    async fn tail(&self, ds: &DataSpace) -> Result<LogPosition, StoreError> {
        let Some(&segment) = self.segments(ds).await?.last() else {
            return Ok(LogPosition::START);
        };
        let bytes = self
            .blobs
            .read_from(Container::Threads, &ds.segment_key(segment), 0)
            .await?;
        let offset = bytes.map_or(0, |b| b.len() as u64);
        Ok(LogPosition { segment, offset })
    }

    /// Deletes the segments before the last [`LOG_SEGMENTS_KEPT`] (`newest` just started). A
    /// failure leaves them for the next segment's writer.
    async fn compact(&self, ds: &DataSpace, newest: u64) {
        let Some(keep_from) = (newest + 1).checked_sub(LOG_SEGMENTS_KEPT) else {
            return;
        };
        let old = match self.segments(ds).await {
            Ok(s) => s.into_iter().filter(|s| *s < keep_from),
            Err(e) => return tracing::warn!(error = %e, "listing the change log failed"),
        };
        for segment in old {
            let key = ds.segment_key(segment);
            match self.blobs.delete(Container::Threads, &key).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return tracing::warn!(error = %e, "compacting the change log failed"),
            }
        }
    }

    /// Changes logged after the position `from` ([`LogPosition::id`]; complete lines only), or
    /// [`Since::Gone`] when the log no longer has it.
    pub async fn changes_from(&self, ds: &DataSpace, from: u64) -> Result<Since, StoreError> {
        let mut at = LogPosition::of_id(from);
        let mut out = Vec::new();
        let mut moved_on = false;
        loop {
            let key = ds.segment_key(at.segment);
            let Some(bytes) = self
                .blobs
                .read_from(Container::Threads, &key, at.offset)
                .await?
            else {
                if moved_on || self.is_new_log(ds, at).await? {
                    break; // the next segment, not started yet
                }
                return Ok(Since::Gone);
            };
            let end = read_lines(&bytes, at, &mut out);
            // A full segment takes no more appends: what follows is in the next one.
            match end.next_segment() {
                Some(next) if end.offset == at.offset + bytes.len() as u64 => {
                    (at, moved_on) = (next, true);
                }
                _ => break,
            }
        }
        Ok(Since::Changes(out))
    }

    /// Whether `at` is the start of a log that has no segment yet.
    async fn is_new_log(&self, ds: &DataSpace, at: LogPosition) -> Result<bool, StoreError> {
        Ok(at == LogPosition::START && self.segments(ds).await?.is_empty())
    }

    /// The end of the log now: where a follower that wants only new changes starts.
    pub async fn log_end(&self, ds: &DataSpace) -> Result<u64, StoreError> {
        Ok(self.tail(ds).await?.id())
    }

    /// The notifier appends to this space wake (created when `create`).
    pub fn follower(&self, ds: &DataSpace, create: bool) -> Option<Arc<Notify>> {
        let mut map = lock(&self.followers);
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The complete lines of `bytes` (read from `at`) as changes; returns where they end.
fn read_lines(bytes: &[u8], at: LogPosition, out: &mut Vec<LoggedChange>) -> LogPosition {
    let mut end = at;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.last() != Some(&b'\n') {
            break;
        }
        end.offset += line.len() as u64;
        if let Ok(change) = serde_json::from_slice(line) {
            out.push(LoggedChange {
                next: end.id(),
                change,
            });
        }
    }
    end
}
