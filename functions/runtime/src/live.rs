//! What members share while a thread is open, on a [`BlobStore`] (so it works on the embedded
//! backend, on Azure and across instances):
//!
//! - the thread's stream: an append log `{threadId}/live/events` of JSON lines
//!   `{seq, at, event}` ([`ThreadEvent`]), appended with a length condition (retried on a
//!   conflict, so concurrent writers never interleave);
//! - queued messages: one blob each, `{threadId}/live/queue/{id}` ([`QueuedMessage`], marked
//!   `taken` when its run is about to start); taking and withdrawing are each one conditional
//!   change on the blob's ETag, so exactly one of them wins;
//! - presence: one heartbeat blob per principal, `{threadId}/live/presence/{hash}`, written
//!   volatile (a lost heartbeat only hides someone until the next one), deleted (If-Match, so
//!   a fresh beat is never lost) when its follower leaves or whoever reads presence finds it
//!   stale.
//!
//! The open streams of a thread in this process read the log and presence through one watcher
//! ([`feed`]).

mod feed;

pub use feed::{POLL, PRESENCE_CHECK, PresencePoke, Tail, ThreadFeed};

use crate::now_ms;
use appgen_core::live::{
    Heartbeat, PRESENCE_TTL_MS, Person, QueuedMessage, ThreadEvent, present, queue_order,
};
use appgen_core::ports::{BlobStore, Container, ETag, StoreError, WriteCondition};
use appgen_core::snapshot::content_hash;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredThreadEvent {
    pub seq: u64,
    pub at: i64,
    pub event: ThreadEvent,
}

#[derive(Clone)]
pub struct ThreadLive {
    blobs: Arc<dyn BlobStore>,
    /// Followers' notifiers, held weakly (as `EventLog` holds runs').
    wakers: Arc<Mutex<HashMap<String, Weak<Notify>>>>,
    /// Where this process last left each log: (length, last seq). Only a hint.
    tails: Arc<Mutex<HashMap<String, (u64, u64)>>>,
    /// The watchers of the threads followed here (`follow`).
    feeds: feed::Feeds,
}

/// Appends that lose a race to another writer are redone this many times.
const APPEND_TRIES: usize = 8;
const MAX_ENTRIES: usize = 4096;

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn log_key(thread: &str) -> String {
    format!("{thread}/live/events")
}

fn queue_prefix(thread: &str) -> String {
    format!("{thread}/live/queue/")
}

fn presence_prefix(thread: &str) -> String {
    format!("{thread}/live/presence/")
}

fn parse_lines(bytes: &[u8]) -> (Vec<StoredThreadEvent>, usize) {
    let mut out = Vec::new();
    let mut used = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.last() != Some(&b'\n') {
            break; // another writer is mid-append: read it next time
        }
        used += line.len();
        match serde_json::from_slice(&line[..line.len() - 1]) {
            Ok(e) => out.push(e),
            Err(e) => tracing::warn!(error = %e, "skipping unreadable thread event"),
        }
    }
    (out, used)
}

impl ThreadLive {
    pub fn new(blobs: Arc<dyn BlobStore>) -> ThreadLive {
        ThreadLive {
            blobs,
            wakers: Arc::new(Mutex::new(HashMap::new())),
            tails: Arc::new(Mutex::new(HashMap::new())),
            feeds: Arc::default(),
        }
    }

    /// The notifier of a thread's stream, woken on every in-process append while held.
    pub fn waker(&self, thread: &str) -> Arc<Notify> {
        let mut wakers = locked(&self.wakers);
        if let Some(n) = wakers.get(thread).and_then(Weak::upgrade) {
            return n;
        }
        if wakers.len() >= MAX_ENTRIES {
            wakers.retain(|_, w| w.strong_count() > 0);
        }
        let n = Arc::new(Notify::new());
        wakers.insert(thread.to_owned(), Arc::downgrade(&n));
        n
    }

    /// Events after byte `offset`, and the offset after the last complete line.
    pub async fn read_from(
        &self,
        thread: &str,
        offset: u64,
    ) -> Result<(Vec<StoredThreadEvent>, u64), StoreError> {
        let bytes = (self.blobs)
            .read_from(Container::Threads, &log_key(thread), offset)
            .await?
            .unwrap_or_default();
        let (events, used) = parse_lines(&bytes);
        Ok((events, offset + used as u64))
    }

    /// Appends events to the thread's stream; returns the last seq.
    pub async fn append(&self, thread: &str, events: Vec<ThreadEvent>) -> Result<u64, StoreError> {
        let key = log_key(thread);
        let (mut len, mut seq) = locked(&self.tails).get(thread).copied().unwrap_or_default();
        for _ in 0..APPEND_TRIES {
            let (seen, next) = self.read_from(thread, len).await?;
            seq = seen.last().map_or(seq, |e| e.seq);
            len = next;
            if events.is_empty() {
                return Ok(seq);
            }
            let at = now_ms();
            let mut buf = Vec::new();
            let mut last = seq;
            for event in &events {
                last += 1;
                let line = StoredThreadEvent {
                    seq: last,
                    at,
                    event: event.clone(),
                };
                serde_json::to_writer(&mut buf, &line)
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                buf.push(b'\n');
            }
            match self
                .blobs
                .append(Container::Threads, &key, buf, Some(len))
                .await
            {
                Ok(new_len) => {
                    let mut tails = locked(&self.tails);
                    if tails.len() >= MAX_ENTRIES {
                        tails.clear();
                    }
                    tails.insert(thread.to_owned(), (new_len, last));
                    drop(tails);
                    if let Some(n) = locked(&self.wakers).get(thread).and_then(Weak::upgrade) {
                        n.notify_waiters();
                    }
                    return Ok(last);
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "{key}: too many concurrent writers"
        )))
    }

    /// Appends, logging instead of failing: the snapshot is the truth, the stream only tells
    /// followers to look (a follower that misses one still sees the next).
    pub async fn tell(&self, thread: &str, events: Vec<ThreadEvent>) {
        if events.is_empty() {
            return;
        }
        if let Err(e) = self.append(thread, events).await {
            tracing::warn!(thread_id = %thread, error = %e, "could not append to the thread stream");
        }
    }

    // ------------------------------------------------------------ queued messages

    /// Queues a message (create-only: an id is queued once).
    pub async fn enqueue(&self, thread: &str, m: &QueuedMessage) -> Result<(), StoreError> {
        let entry = QueueEntry {
            message: m.clone(),
            taken: false,
        };
        let key = queue_key(thread, &m.id);
        let put = self.blobs.put(
            Container::Threads,
            &key,
            to_json(&entry)?,
            JSON,
            WriteCondition::CreateOnly,
        );
        put.await.map(|_| ())
    }

    /// The queued messages (taken ones too, until their run is recorded), in the order they run.
    pub async fn queued(&self, thread: &str) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut out = Vec::new();
        for key in self
            .blobs
            .list(Container::Threads, &queue_prefix(thread))
            .await?
        {
            let Some(blob) = self.blobs.get(Container::Threads, &key).await? else {
                continue; // withdrawn or started since the listing
            };
            match serde_json::from_slice::<QueueEntry>(&blob.bytes) {
                Ok(e) => out.push(e.message),
                Err(e) => tracing::warn!(key, error = %e, "skipping unreadable queued message"),
            }
        }
        queue_order(&mut out);
        Ok(out)
    }

    /// The entry and its version, `None` when it is not in the queue.
    async fn entry(&self, key: &str) -> Result<Option<(QueueEntry, ETag)>, StoreError> {
        let Some(blob) = self.blobs.get(Container::Threads, key).await? else {
            return Ok(None);
        };
        let entry = serde_json::from_slice(&blob.bytes)
            .map_err(|e| StoreError::Backend(format!("{key}: {e}")))?;
        Ok(Some((entry, blob.etag)))
    }

    /// Marks a queued message as taken for its run (If-Match: a withdraw that read it before
    /// now fails). `false` when it is no longer queued (withdrawn).
    pub async fn take(&self, thread: &str, id: &str) -> Result<bool, StoreError> {
        let key = queue_key(thread, id);
        for _ in 0..APPEND_TRIES {
            let Some((mut entry, etag)) = self.entry(&key).await? else {
                return Ok(false);
            };
            if entry.taken {
                return Ok(true); // by an earlier attempt, whose run may not be recorded yet
            }
            entry.taken = true;
            let cond = WriteCondition::IfMatch(etag);
            match (self.blobs)
                .put(Container::Threads, &key, to_json(&entry)?, JSON, cond)
                .await
            {
                Ok(_) => return Ok(true),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "{key}: too many concurrent changes"
        )))
    }

    /// Withdraws `principal`'s queued message: deleted only if it is still the version read
    /// and not taken (If-Match), so a withdraw racing the take either wins or sees it taken.
    pub async fn withdraw(
        &self,
        thread: &str,
        id: &str,
        principal: &str,
    ) -> Result<Withdrawal, StoreError> {
        let key = queue_key(thread, id);
        for _ in 0..APPEND_TRIES {
            let Some((entry, etag)) = self.entry(&key).await? else {
                return Ok(Withdrawal::NotQueued);
            };
            if entry.message.author.principal != principal {
                return Ok(Withdrawal::NotAuthor);
            }
            if entry.taken {
                return Ok(Withdrawal::Started);
            }
            match self
                .blobs
                .delete_if_match(Container::Threads, &key, &etag)
                .await
            {
                Ok(()) => return Ok(Withdrawal::Withdrawn),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "{key}: too many concurrent changes"
        )))
    }

    /// Takes a message off the queue once its run is recorded (or it was dropped).
    pub async fn dequeue(&self, thread: &str, id: &str) -> Result<(), StoreError> {
        match self
            .blobs
            .delete(Container::Threads, &queue_key(thread, id))
            .await
        {
            Ok(()) | Err(StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    // ------------------------------------------------------------ presence

    /// Records that `person` has the thread open now; the beat's version, for [`Self::leave`].
    pub async fn heartbeat(&self, thread: &str, person: &Person) -> Result<ETag, StoreError> {
        let beat = Heartbeat {
            person: person.clone(),
            at: now_ms(),
        };
        let key = presence_key(thread, &person.principal);
        let put = self.blobs.put_volatile(
            Container::Threads,
            &key,
            to_json(&beat)?,
            JSON,
            WriteCondition::Any,
        );
        put.await
    }

    /// `principal` closed the thread: their heartbeat goes, unless another of their windows
    /// beat since `last` (then it is not this follower's to delete).
    pub async fn leave(&self, thread: &str, principal: &str, last: &ETag) {
        let key = presence_key(thread, principal);
        match self
            .blobs
            .delete_if_match(Container::Threads, &key, last)
            .await
        {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => tracing::warn!(key, error = %e, "could not delete a heartbeat"),
        }
    }

    /// Who has the thread open (heartbeats younger than `PRESENCE_TTL_MS`).
    pub async fn present(&self, thread: &str) -> Result<Vec<Person>, StoreError> {
        self.present_at(thread, now_ms()).await
    }

    /// Who has the thread open at `now`; stale heartbeats are deleted on the way (If-Match:
    /// one renewed since it was read stays).
    pub async fn present_at(&self, thread: &str, now: i64) -> Result<Vec<Person>, StoreError> {
        let mut beats = Vec::new();
        for key in self
            .blobs
            .list(Container::Threads, &presence_prefix(thread))
            .await?
        {
            let Some(blob) = self.blobs.get(Container::Threads, &key).await? else {
                continue;
            };
            match serde_json::from_slice::<Heartbeat>(&blob.bytes) {
                Ok(b) if stale(&b, now) => {
                    let gone = self
                        .blobs
                        .delete_if_match(Container::Threads, &key, &blob.etag);
                    if let Err(e) = gone.await
                        && !matches!(e, StoreError::Conflict(_))
                    {
                        tracing::warn!(key, error = %e, "could not delete a stale heartbeat");
                    }
                }
                Ok(b) => beats.push(b),
                Err(e) => tracing::warn!(key, error = %e, "skipping an unreadable heartbeat"),
            }
        }
        Ok(present(&beats, now))
    }
}

/// What withdrawing a queued message came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    Withdrawn,
    /// Not in the queue (withdrawn before, started and recorded, or never queued).
    NotQueued,
    NotAuthor,
    /// Taken for its run: too late to withdraw.
    Started,
}

/// A queued message as stored: `taken` once a starter claimed it for its run.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueueEntry {
    #[serde(flatten)]
    message: QueuedMessage,
    #[serde(default)]
    taken: bool,
}

const JSON: &str = "application/json";

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Backend(e.to_string()))
}

fn queue_key(thread: &str, id: &str) -> String {
    format!("{}{id}", queue_prefix(thread))
}

fn presence_key(thread: &str, principal: &str) -> String {
    let hash = content_hash(principal.as_bytes());
    format!("{}{}", presence_prefix(thread), &hash[..32])
}

/// A heartbeat past the presence window; kept a few seconds beyond it, so a reader whose
/// clock runs a little ahead does not delete a beat others still count.
fn stale(beat: &Heartbeat, now: i64) -> bool {
    now - beat.at > PRESENCE_TTL_MS + 5_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::DiskBlobStore;
    use appgen_core::live::Withdrawn;

    fn withdrawn(id: &str) -> ThreadEvent {
        ThreadEvent::Withdrawn(Withdrawn { id: id.into() })
    }

    #[tokio::test]
    async fn two_processes_append_in_turn_and_followers_read_from_an_offset() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs: Arc<dyn BlobStore> =
            Arc::new(DiskBlobStore::open_with(dir.path(), false).expect("open"));
        let (here, there) = (ThreadLive::new(blobs.clone()), ThreadLive::new(blobs));
        let waker = here.waker("t");
        let woken = waker.notified();
        assert_eq!(here.append("t", vec![withdrawn("a")]).await.expect("a"), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), woken)
            .await
            .expect("the follower is woken");
        // The other process's tail is stale: it reads what was appended, then appends after it.
        assert_eq!(
            there
                .append("t", vec![withdrawn("b"), withdrawn("c")])
                .await
                .expect("b"),
            3
        );
        assert_eq!(here.append("t", vec![withdrawn("d")]).await.expect("d"), 4);
        let (all, off) = here.read_from("t", 0).await.expect("read");
        let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(all[3].event, withdrawn("d"));
        assert!(here.read_from("t", off).await.expect("tail").0.is_empty());
    }
}
