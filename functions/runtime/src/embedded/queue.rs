//! A local queue with Azure Storage Queue semantics: visibility timeouts, dequeue counts, pop
//! receipts.
//!
//! Each queue is a journal, `{queue}.log`: one JSON line per change (a message's new state, or
//! its deletion), replayed into an in-memory index on open and rewritten compactly when it grows.
//! Appending to one file creates no inodes, which matters: a file per message made the
//! filesystem's inode allocator the most expensive part of a step.
//!
//! Lines are written but not flushed: messages survive the process crashing, and a power cut
//! may lose the latest ones, which costs nothing because the embedded pipeline re-sends every
//! unfinished run's step message from its durable snapshot when it starts
//! ([`crate::pipeline::Pipeline::recover`]). Everything runs on the calling task.

use super::write_atomic;
use appgen_core::ports::{Delivery, QueueError, QueueService, valid_queue_name};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredMessage {
    id: String,
    body: String,
    dequeue_count: u32,
    visible_at: u64,
    pop_receipt: String,
}

/// One journal line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Change {
    /// The message's whole new state (sent, received, released).
    Put(StoredMessage),
    Delete {
        id: String,
    },
}

/// A journal longer than this is rewritten with only the live messages.
const COMPACT_AT: u64 = 1 << 20;

#[derive(Debug, Clone)]
pub struct DiskQueue {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    queues: Mutex<HashMap<String, Queue>>,
}

#[derive(Debug)]
struct Queue {
    messages: BTreeMap<String, StoredMessage>,
    journal: File,
    journal_len: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn backend(e: impl std::fmt::Display) -> QueueError {
    QueueError::Backend(e.to_string())
}

fn journal_path(root: &Path, queue: &str) -> PathBuf {
    root.join(format!("{queue}.log"))
}

/// Replays a journal; a line that does not parse (a torn last line) is skipped.
fn replay(bytes: &[u8], messages: &mut BTreeMap<String, StoredMessage>) {
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Change>(line) {
            Ok(Change::Put(m)) => {
                messages.insert(m.id.clone(), m);
            }
            Ok(Change::Delete { id }) => {
                messages.remove(&id);
            }
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable queue journal line"),
        }
    }
}

impl Queue {
    /// Writes the live messages as a fresh journal (atomically) and appends to it from now on.
    fn rewrite(
        path: &Path,
        messages: BTreeMap<String, StoredMessage>,
    ) -> Result<Queue, QueueError> {
        let mut bytes = Vec::new();
        for m in messages.values() {
            serde_json::to_writer(&mut bytes, &Change::Put(m.clone())).map_err(backend)?;
            bytes.push(b'\n');
        }
        write_atomic(path, &bytes, false).map_err(backend)?;
        let journal = File::options().append(true).open(path).map_err(backend)?;
        Ok(Queue {
            messages,
            journal,
            journal_len: bytes.len() as u64,
        })
    }

    fn record(&mut self, path: &Path, change: &Change) -> Result<(), QueueError> {
        let mut line = serde_json::to_vec(change).map_err(backend)?;
        line.push(b'\n');
        self.journal.write_all(&line).map_err(backend)?;
        self.journal_len += line.len() as u64;
        if self.journal_len > COMPACT_AT {
            *self = Queue::rewrite(path, std::mem::take(&mut self.messages))?;
        }
        Ok(())
    }

    fn put(&mut self, path: &Path, msg: StoredMessage) -> Result<(), QueueError> {
        let change = Change::Put(msg);
        self.record(path, &change)?;
        if let Change::Put(msg) = change {
            self.messages.insert(msg.id.clone(), msg);
        }
        Ok(())
    }
}

impl DiskQueue {
    /// Opens the queues under `dir`. Deliveries that a previous process held (invisible, already
    /// dequeued) become visible at once: one process owns the directory, so nobody else holds
    /// them, and waiting out their timeout would only delay recovery.
    pub fn open(dir: &Path) -> Result<DiskQueue, QueueError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let now = now_ms();
        let mut queues = HashMap::new();
        for entry in std::fs::read_dir(dir).map_err(backend)? {
            let entry = entry.map_err(backend)?;
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(name) = file.strip_suffix(".log").filter(|n| valid_queue_name(n)) else {
                continue;
            };
            let mut messages = BTreeMap::new();
            replay(
                &std::fs::read(entry.path()).map_err(backend)?,
                &mut messages,
            );
            for m in messages.values_mut() {
                if m.dequeue_count > 0 && m.visible_at > now {
                    m.visible_at = now;
                }
            }
            queues.insert(name.to_owned(), Queue::rewrite(&entry.path(), messages)?);
        }
        Ok(DiskQueue {
            inner: Arc::new(Inner {
                root: dir.to_owned(),
                queues: Mutex::new(queues),
            }),
        })
    }

    /// Runs `f` on a queue that exists.
    fn on<T>(
        &self,
        queue: &str,
        f: impl FnOnce(&mut Queue, &Path) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let mut queues = self.inner.queues.lock().map_err(backend)?;
        let q = queues
            .get_mut(queue)
            .ok_or_else(|| QueueError::Backend(format!("queue {queue} does not exist")))?;
        f(q, &journal_path(&self.inner.root, queue))
    }
}

#[async_trait]
impl QueueService for DiskQueue {
    async fn ensure(&self, queue: &str) -> Result<(), QueueError> {
        if !valid_queue_name(queue) {
            return Err(QueueError::Backend(format!("invalid queue name {queue:?}")));
        }
        let mut queues = self.inner.queues.lock().map_err(backend)?;
        if !queues.contains_key(queue) {
            let q = Queue::rewrite(&journal_path(&self.inner.root, queue), BTreeMap::new())?;
            queues.insert(queue.to_owned(), q);
        }
        Ok(())
    }

    async fn send(&self, queue: &str, body: &str, delay: Duration) -> Result<(), QueueError> {
        let msg = StoredMessage {
            id: uuid::Uuid::now_v7().simple().to_string(),
            body: body.to_owned(),
            dequeue_count: 0,
            visible_at: now_ms() + delay.as_millis() as u64,
            pop_receipt: String::new(),
        };
        self.on(queue, |q, path| q.put(path, msg))
    }

    async fn receive(
        &self,
        queue: &str,
        visibility: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        self.on(queue, |q, path| {
            let now = now_ms();
            let Some(msg) = q
                .messages
                .values()
                .filter(|m| m.visible_at <= now)
                .min_by(|a, b| (a.visible_at, &a.id).cmp(&(b.visible_at, &b.id)))
            else {
                return Ok(None);
            };
            let mut next = msg.clone();
            next.dequeue_count += 1;
            next.visible_at = now + visibility.as_millis() as u64;
            next.pop_receipt = uuid::Uuid::new_v4().simple().to_string();
            let delivery = Delivery {
                id: next.id.clone(),
                pop_receipt: next.pop_receipt.clone(),
                dequeue_count: next.dequeue_count,
                body: next.body.clone(),
            };
            q.put(path, next)?;
            Ok(Some(delivery))
        })
    }

    async fn delete(&self, queue: &str, delivery: &Delivery) -> Result<(), QueueError> {
        self.on(queue, |q, path| {
            match q.messages.get(&delivery.id) {
                Some(m) if m.pop_receipt == delivery.pop_receipt => {}
                _ => return Err(QueueError::Receipt(delivery.id.clone())),
            }
            q.record(
                path,
                &Change::Delete {
                    id: delivery.id.clone(),
                },
            )?;
            q.messages.remove(&delivery.id);
            Ok(())
        })
    }

    async fn release(
        &self,
        queue: &str,
        delivery: &Delivery,
        delay: Duration,
    ) -> Result<String, QueueError> {
        self.on(queue, |q, path| {
            let mut next = match q.messages.get(&delivery.id) {
                Some(m) if m.pop_receipt == delivery.pop_receipt => m.clone(),
                _ => return Err(QueueError::Receipt(delivery.id.clone())),
            };
            next.visible_at = now_ms() + delay.as_millis() as u64;
            next.pop_receipt = uuid::Uuid::new_v4().simple().to_string();
            let receipt = next.pop_receipt.clone();
            q.put(path, next)?;
            Ok(receipt)
        })
    }

    async fn len(&self, queue: &str) -> Result<u64, QueueError> {
        let queues = self.inner.queues.lock().map_err(backend)?;
        Ok(queues
            .get(queue)
            .map(|q| q.messages.len() as u64)
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_journal_replays_across_reopens_and_compacts() {
        let dir = tempfile::tempdir().expect("tmp");
        let q = DiskQueue::open(dir.path()).expect("open");
        q.ensure("work").await.expect("ensure");
        for i in 0..3 {
            q.send("work", &format!("m{i}"), Duration::ZERO)
                .await
                .expect("send");
        }
        let first = q
            .receive("work", Duration::from_secs(60))
            .await
            .expect("receive")
            .expect("a message");
        q.delete("work", &first).await.expect("delete");
        let held = q
            .receive("work", Duration::from_secs(60))
            .await
            .expect("receive")
            .expect("a message");
        drop(q);

        let q = DiskQueue::open(dir.path()).expect("reopen");
        assert_eq!(q.len("work").await.expect("len"), 2);
        // Reopening rewrote the journal to the live messages only.
        let journal = std::fs::read_to_string(dir.path().join("work.log")).expect("journal");
        assert_eq!(journal.lines().count(), 2, "{journal}");
        // The held delivery is visible again at once (its holder is gone), with its count.
        let mut got = Vec::new();
        for _ in 0..2 {
            let d = q
                .receive("work", Duration::from_secs(60))
                .await
                .expect("receive")
                .expect("a message");
            got.push((d.body, d.dequeue_count));
        }
        got.sort();
        assert_eq!(got, vec![("m1".to_owned(), 2), ("m2".to_owned(), 1)]);
        assert_eq!(held.body, "m1");

        // Churn past the threshold keeps the journal bounded.
        let body = "x".repeat(4096);
        for _ in 0..400 {
            q.send("work", &body, Duration::ZERO).await.expect("send");
            let d = loop {
                let d = q
                    .receive("work", Duration::from_secs(60))
                    .await
                    .expect("receive")
                    .expect("a message");
                if d.body == body {
                    break d;
                }
                q.release("work", &d, Duration::from_secs(600))
                    .await
                    .expect("release");
            };
            q.delete("work", &d).await.expect("delete");
        }
        let len = std::fs::metadata(dir.path().join("work.log"))
            .expect("journal")
            .len();
        assert!(len <= COMPACT_AT + 8192, "journal is {len} bytes");
        assert_eq!(q.len("work").await.expect("len"), 2);
    }

    #[test]
    fn a_torn_last_line_is_skipped() {
        let mut messages = BTreeMap::new();
        replay(
            br#"{"op":"put","id":"a","body":"x","dequeue_count":0,"visible_at":0,"pop_receipt":""}
{"op":"put","id":"b","bo"#,
            &mut messages,
        );
        assert_eq!(messages.keys().collect::<Vec<_>>(), vec!["a"]);
    }
}
