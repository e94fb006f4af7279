//! The event log of a run: an append blob of JSON lines `{"seq":N,"event":{…}}`.
//!
//! One writer at a time (the step holding the claim); every append is conditional on the
//! length the writer last saw, so a stale writer gets a conflict instead of interleaving.
//! Readers follow by byte offset; in-process appends wake them at once, other processes'
//! appends are seen by polling. Writers resume where this process last left a log (its
//! [`Tail`]), reading only what other processes appended since.

use crate::now_ms;
use appgen_core::agui::Event;
use appgen_core::pipeline::OpenSpans;
use appgen_core::ports::{BlobStore, Container, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub event: Event,
}

#[derive(Clone)]
pub struct EventLog {
    blobs: Arc<dyn BlobStore>,
    /// Notifiers of the runs someone is following. Held weakly: an entry lives as long as a
    /// follower holds it, so runs nobody watches cost nothing and the map does not grow forever.
    wakers: Arc<Mutex<HashMap<String, Weak<Notify>>>>,
    tails: Arc<Mutex<HashMap<String, Tail>>>,
}

/// Where a writer of this process left a run's log. Only a hint: a writer reads what was
/// appended after it, and a stale one (the log changed under it) fails the conditional append.
#[derive(Debug, Clone, Default)]
struct Tail {
    len: u64,
    seq: u64,
    spans: OpenSpans,
}

/// Tails kept at most; past it the map is cleared (writers then read their logs once more).
/// Also the size at which followers' notifiers that nobody holds any more are swept.
const MAX_TAILS: usize = 4096;

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn key(thread: &str, run: &str) -> String {
    format!("{thread}/runs/{run}/events")
}

/// Parses the complete lines of `bytes`; returns the events and how many bytes they used.
fn parse_lines(bytes: &[u8]) -> (Vec<StoredEvent>, usize) {
    let mut out = Vec::new();
    let mut used = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if line.last() != Some(&b'\n') {
            break; // a partial line: another writer is mid-append (Azure) — read it next time
        }
        used += line.len();
        match serde_json::from_slice::<StoredEvent>(&line[..line.len() - 1]) {
            Ok(e) => out.push(e),
            Err(e) => tracing::warn!(error = %e, "skipping unreadable event line"),
        }
    }
    (out, used)
}

impl EventLog {
    pub fn new(blobs: Arc<dyn BlobStore>) -> EventLog {
        EventLog {
            blobs,
            wakers: Arc::new(Mutex::new(HashMap::new())),
            tails: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The notifier of a run, woken on every in-process append while the caller holds it.
    pub fn waker(&self, thread: &str, run: &str) -> Arc<Notify> {
        let mut wakers = locked(&self.wakers);
        let key = key(thread, run);
        if let Some(n) = wakers.get(&key).and_then(Weak::upgrade) {
            return n;
        }
        if wakers.len() >= MAX_TAILS {
            wakers.retain(|_, w| w.strong_count() > 0);
        }
        let n = Arc::new(Notify::new());
        wakers.insert(key, Arc::downgrade(&n));
        n
    }

    fn remember(&self, key: &str, tail: &Tail) {
        let mut tails = locked(&self.tails);
        if tail.spans.is_ended() {
            tails.remove(key);
            return;
        }
        if tails.len() >= MAX_TAILS && !tails.contains_key(key) {
            tails.clear();
        }
        tails.insert(key.to_owned(), tail.clone());
    }

    fn forget(&self, key: &str) {
        locked(&self.tails).remove(key);
    }

    fn wake(&self, key: &str) {
        if let Some(n) = locked(&self.wakers).get(key).and_then(Weak::upgrade) {
            n.notify_waiters();
        }
    }

    /// Events after byte `offset`; returns them and the offset after the last complete line.
    pub async fn read_from(
        &self,
        thread: &str,
        run: &str,
        offset: u64,
    ) -> Result<(Vec<StoredEvent>, u64), StoreError> {
        let bytes = self
            .blobs
            .read_from(Container::Threads, &key(thread, run), offset)
            .await?
            .unwrap_or_default();
        let (events, used) = parse_lines(&bytes);
        Ok((events, offset + used as u64))
    }

    /// Opens the log for writing: what it leaves open (for span recovery) and its length, read
    /// from where this process last left it.
    pub async fn writer(&self, thread: &str, run: &str) -> Result<EventWriter, StoreError> {
        let key = key(thread, run);
        let mut tail = locked(&self.tails).get(&key).cloned().unwrap_or_default();
        let (events, len) = self.read_from(thread, run, tail.len).await?;
        for e in &events {
            tail.spans.observe(&e.event);
            tail.seq = e.seq;
        }
        tail.len = len;
        Ok(EventWriter {
            log: self.clone(),
            key,
            tail,
        })
    }
}

/// The single writer of a run's log during one step.
pub struct EventWriter {
    log: EventLog,
    key: String,
    tail: Tail,
}

impl EventWriter {
    /// Appends events (timestamped now if they carry no timestamp). Returns the last seq.
    pub async fn append(&mut self, events: Vec<Event>) -> Result<u64, StoreError> {
        if events.is_empty() {
            return Ok(self.tail.seq);
        }
        let now = now_ms();
        let mut buf = Vec::new();
        let mut tail = self.tail.clone();
        for e in events {
            tail.seq += 1;
            let e = e.at_if_unstamped(now);
            tail.spans.observe(&e);
            serde_json::to_writer(
                &mut buf,
                &StoredEvent {
                    seq: tail.seq,
                    event: e,
                },
            )
            .map_err(|e| StoreError::Backend(e.to_string()))?;
            buf.push(b'\n');
        }
        match self
            .log
            .blobs
            .append(Container::Threads, &self.key, buf, Some(self.tail.len))
            .await
        {
            Ok(new_len) => tail.len = new_len,
            Err(e) => {
                // The log moved under this writer (or the store failed): the next writer reads
                // it again from the start.
                self.log.forget(&self.key);
                return Err(e);
            }
        }
        self.tail = tail;
        self.log.remember(&self.key, &self.tail);
        self.log.wake(&self.key);
        Ok(self.tail.seq)
    }

    pub fn is_empty(&self) -> bool {
        self.tail.len == 0
    }

    /// The log holds the run's terminal event.
    pub fn is_ended(&self) -> bool {
        self.tail.spans.is_ended()
    }

    /// Events that close what an earlier attempt left open.
    pub fn closing_events(&self) -> Vec<Event> {
        self.tail.spans.closing_events()
    }

    pub fn last_seq(&self) -> u64 {
        self.tail.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::DiskBlobStore;

    /// An unflushed embedded store in `dir`, shared by the logs a test opens on it.
    fn store(dir: &tempfile::TempDir) -> Arc<dyn BlobStore> {
        Arc::new(DiskBlobStore::open_with(dir.path(), false).expect("open"))
    }

    #[tokio::test]
    async fn two_writers_cannot_interleave() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = EventLog::new(store(&dir));
        let mut a = log.writer("t", "r").await.expect("a");
        let mut b = log.writer("t", "r").await.expect("b");
        assert_eq!(
            a.append(vec![Event::step_started("x")]).await.expect("a1"),
            1
        );
        assert!(matches!(
            b.append(vec![Event::step_started("y")]).await,
            Err(StoreError::Conflict(_))
        ));
        let (events, off) = log.read_from("t", "r", 0).await.expect("read");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].seq, 1);
        let (more, _) = log.read_from("t", "r", off).await.expect("read");
        assert!(more.is_empty());
    }

    #[tokio::test]
    async fn an_append_wakes_the_runs_followers_and_unwatched_runs_keep_no_notifier() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = EventLog::new(store(&dir));
        let mut w = log.writer("t", "r").await.expect("w");
        w.append(vec![Event::step_started("a")])
            .await
            .expect("unwatched");
        assert!(locked(&log.wakers).is_empty());
        let follower = log.waker("t", "r");
        let woken = follower.notified();
        w.append(vec![Event::step_finished("a")])
            .await
            .expect("append");
        tokio::time::timeout(std::time::Duration::from_secs(5), woken)
            .await
            .expect("the follower is woken");
        assert!(Arc::ptr_eq(&follower, &log.waker("t", "r")));
    }

    #[tokio::test]
    async fn a_writer_resumes_from_its_tail_and_reads_what_others_appended() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = store(&dir);
        let (here, elsewhere) = (EventLog::new(blobs.clone()), EventLog::new(blobs));
        let mut w = here.writer("t", "r").await.expect("w");
        w.append(vec![Event::step_started("a"), Event::text_start("m")])
            .await
            .expect("append");

        // Another process (its own EventLog) reads the log whole and closes what is open.
        let mut other = elsewhere.writer("t", "r").await.expect("other");
        assert_eq!(
            other.closing_events(),
            vec![Event::text_end("m"), Event::step_finished("a")]
        );
        let mut more = other.closing_events();
        more.push(Event::step_started("b"));
        assert_eq!(other.append(more).await.expect("other append"), 5);

        // This process's next writer starts from its tail and still sees all of that.
        let next = here.writer("t", "r").await.expect("next");
        assert_eq!(next.last_seq(), 5);
        assert_eq!(next.closing_events(), vec![Event::step_finished("b")]);
        assert!(!next.is_ended());
    }

    #[tokio::test]
    async fn a_stale_writer_conflicts_and_the_next_one_rereads() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = store(&dir);
        let (here, elsewhere) = (EventLog::new(blobs.clone()), EventLog::new(blobs));
        let mut stale = here.writer("t", "r").await.expect("stale");
        let mut other = elsewhere.writer("t", "r").await.expect("other");
        other
            .append(vec![Event::step_started("x")])
            .await
            .expect("other");
        assert!(matches!(
            stale.append(vec![Event::step_started("y")]).await,
            Err(StoreError::Conflict(_))
        ));
        let mut fresh = here.writer("t", "r").await.expect("fresh");
        assert_eq!(fresh.closing_events(), vec![Event::step_finished("x")]);
        assert_eq!(
            fresh
                .append(vec![Event::run_error(
                    "stopped",
                    appgen_core::run_error::ErrorCode::Internal
                )])
                .await
                .expect("fresh"),
            2
        );
        assert!(here.writer("t", "r").await.expect("ended").is_ended());
    }

    #[test]
    fn partial_lines_are_left_for_later() {
        let line = br#"{"seq":1,"event":{"type":"STEP_STARTED","stepName":"a"}}"#;
        let mut bytes = line.to_vec();
        bytes.push(b'\n');
        bytes.extend_from_slice(br#"{"seq":2,"ev"#);
        let (events, used) = parse_lines(&bytes);
        assert_eq!(events.len(), 1);
        assert_eq!(used, line.len() + 1);
    }
}
