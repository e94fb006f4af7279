//! The event log of a run: an append blob of JSON lines `{"seq":N,"event":{…}}`.
//!
//! One writer at a time (the step holding the claim); every append is conditional on the
//! length the writer last saw, so a stale writer gets a conflict instead of interleaving.
//! Readers follow by byte offset; in-process appends wake them at once, other processes'
//! appends are seen by polling.

use crate::now_ms;
use appgen_core::agui::Event;
use appgen_core::ports::{BlobStore, Container, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub event: Event,
}

#[derive(Clone)]
pub struct EventLog {
    blobs: Arc<dyn BlobStore>,
    wakers: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
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
        }
    }

    /// The notifier of a run, woken on every in-process append.
    pub fn waker(&self, thread: &str, run: &str) -> Arc<Notify> {
        let mut map = match self.wakers.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(key(thread, run)).or_default().clone()
    }

    fn wake(&self, thread: &str, run: &str) {
        self.waker(thread, run).notify_waiters();
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

    /// Opens the log for writing: reads what is there (for span recovery) and its length.
    pub async fn writer(&self, thread: &str, run: &str) -> Result<EventWriter, StoreError> {
        let (events, len) = self.read_from(thread, run, 0).await?;
        Ok(EventWriter {
            log: self.clone(),
            thread: thread.to_owned(),
            run: run.to_owned(),
            len,
            seq: events.last().map(|e| e.seq).unwrap_or(0),
            existing: events.into_iter().map(|e| e.event).collect(),
        })
    }
}

/// The single writer of a run's log during one step.
pub struct EventWriter {
    log: EventLog,
    thread: String,
    run: String,
    len: u64,
    seq: u64,
    /// Events already in the log when the writer opened it.
    pub existing: Vec<Event>,
}

impl EventWriter {
    /// Appends events (timestamped now if they carry no timestamp). Returns the last seq.
    pub async fn append(&mut self, events: Vec<Event>) -> Result<u64, StoreError> {
        if events.is_empty() {
            return Ok(self.seq);
        }
        let now = now_ms();
        let mut buf = Vec::new();
        let mut seq = self.seq;
        for e in events {
            seq += 1;
            let e = match serde_json::to_value(&e) {
                Ok(v) if v.get("timestamp").is_some() => e,
                _ => e.at(now),
            };
            serde_json::to_writer(&mut buf, &StoredEvent { seq, event: e })
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            buf.push(b'\n');
        }
        let new_len = self
            .log
            .blobs
            .append(
                Container::Threads,
                &key(&self.thread, &self.run),
                buf,
                Some(self.len),
            )
            .await?;
        self.len = new_len;
        self.seq = seq;
        self.log.wake(&self.thread, &self.run);
        Ok(seq)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn last_seq(&self) -> u64 {
        self.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::DiskBlobStore;

    #[tokio::test]
    async fn two_writers_cannot_interleave() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = EventLog::new(Arc::new(
            DiskBlobStore::open_with(dir.path(), false).expect("open"),
        ));
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
