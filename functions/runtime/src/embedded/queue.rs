//! A local queue with Azure Storage Queue semantics: visibility timeouts, dequeue counts, pop
//! receipts. Each message is a small JSON file, written atomically but not flushed: messages
//! survive the process crashing, and a power cut may lose the latest ones, which costs nothing
//! because the embedded pipeline re-sends every unfinished run's step message from its durable
//! snapshot when it starts ([`crate::pipeline::Pipeline::recover`]). An in-memory index answers
//! receives; all of it runs on the calling task (microseconds, no thread hand-off).

use super::write_atomic;
use appgen_core::ports::{Delivery, QueueError, QueueService};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
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

#[derive(Debug, Clone)]
pub struct DiskQueue {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    queues: Mutex<HashMap<String, BTreeMap<String, StoredMessage>>>,
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

fn valid_queue_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
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
            if !entry.file_type().map_err(backend)?.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut messages = BTreeMap::new();
            for m in std::fs::read_dir(entry.path()).map_err(backend)? {
                let m = m.map_err(backend)?;
                let file = m.file_name().to_string_lossy().into_owned();
                if !file.ends_with(".json") {
                    continue;
                }
                let bytes = std::fs::read(m.path()).map_err(backend)?;
                match serde_json::from_slice::<StoredMessage>(&bytes) {
                    Ok(mut msg) => {
                        if msg.dequeue_count > 0 && msg.visible_at > now {
                            msg.visible_at = now;
                        }
                        messages.insert(msg.id.clone(), msg);
                    }
                    Err(e) => {
                        tracing::warn!(file = %m.path().display(), error = %e, "skipping unreadable queue message")
                    }
                }
            }
            queues.insert(name, messages);
        }
        Ok(DiskQueue {
            inner: Arc::new(Inner {
                root: dir.to_owned(),
                queues: Mutex::new(queues),
            }),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Inner) -> Result<T, QueueError>) -> Result<T, QueueError> {
        f(&self.inner)
    }
}

impl Inner {
    fn file(&self, queue: &str, id: &str) -> PathBuf {
        self.root.join(queue).join(format!("{id}.json"))
    }

    fn persist(&self, queue: &str, msg: &StoredMessage) -> Result<(), QueueError> {
        let bytes = serde_json::to_vec(msg).map_err(backend)?;
        write_atomic(&self.file(queue, &msg.id), &bytes, false).map_err(backend)
    }
}

#[async_trait]
impl QueueService for DiskQueue {
    async fn ensure(&self, queue: &str) -> Result<(), QueueError> {
        if !valid_queue_name(queue) {
            return Err(QueueError::Backend(format!("invalid queue name {queue:?}")));
        }
        let queue = queue.to_owned();
        self.with(|inner| {
            std::fs::create_dir_all(inner.root.join(&queue)).map_err(backend)?;
            inner
                .queues
                .lock()
                .map_err(backend)?
                .entry(queue)
                .or_default();
            Ok(())
        })
    }

    async fn send(&self, queue: &str, body: &str, delay: Duration) -> Result<(), QueueError> {
        let queue = queue.to_owned();
        let msg = StoredMessage {
            id: uuid::Uuid::now_v7().simple().to_string(),
            body: body.to_owned(),
            dequeue_count: 0,
            visible_at: now_ms() + delay.as_millis() as u64,
            pop_receipt: String::new(),
        };
        self.with(|inner| {
            let mut queues = inner.queues.lock().map_err(backend)?;
            let q = queues
                .get_mut(&queue)
                .ok_or_else(|| QueueError::Backend(format!("queue {queue} does not exist")))?;
            inner.persist(&queue, &msg)?;
            q.insert(msg.id.clone(), msg);
            Ok(())
        })
    }

    async fn receive(
        &self,
        queue: &str,
        visibility: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        let queue = queue.to_owned();
        self.with(|inner| {
            let mut queues = inner.queues.lock().map_err(backend)?;
            let q = queues
                .get_mut(&queue)
                .ok_or_else(|| QueueError::Backend(format!("queue {queue} does not exist")))?;
            let now = now_ms();
            let Some(id) = q
                .values()
                .filter(|m| m.visible_at <= now)
                .min_by_key(|m| (m.visible_at, m.id.clone()))
                .map(|m| m.id.clone())
            else {
                return Ok(None);
            };
            let Some(msg) = q.get_mut(&id) else {
                return Ok(None);
            };
            let mut next = msg.clone();
            next.dequeue_count += 1;
            next.visible_at = now + visibility.as_millis() as u64;
            next.pop_receipt = uuid::Uuid::new_v4().simple().to_string();
            inner.persist(&queue, &next)?;
            *msg = next.clone();
            Ok(Some(Delivery {
                id: next.id,
                pop_receipt: next.pop_receipt,
                dequeue_count: next.dequeue_count,
                body: next.body,
            }))
        })
    }

    async fn delete(&self, queue: &str, delivery: &Delivery) -> Result<(), QueueError> {
        let queue = queue.to_owned();
        let delivery = delivery.clone();
        self.with(|inner| {
            let mut queues = inner.queues.lock().map_err(backend)?;
            let q = queues
                .get_mut(&queue)
                .ok_or_else(|| QueueError::Backend(format!("queue {queue} does not exist")))?;
            match q.get(&delivery.id) {
                Some(m) if m.pop_receipt == delivery.pop_receipt => {}
                _ => return Err(QueueError::Receipt(delivery.id.clone())),
            }
            match std::fs::remove_file(inner.file(&queue, &delivery.id)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(backend(e)),
            }
            q.remove(&delivery.id);
            Ok(())
        })
    }

    async fn release(
        &self,
        queue: &str,
        delivery: &Delivery,
        delay: Duration,
    ) -> Result<String, QueueError> {
        let queue = queue.to_owned();
        let delivery = delivery.clone();
        self.with(|inner| {
            let mut queues = inner.queues.lock().map_err(backend)?;
            let q = queues
                .get_mut(&queue)
                .ok_or_else(|| QueueError::Backend(format!("queue {queue} does not exist")))?;
            let msg = match q.get_mut(&delivery.id) {
                Some(m) if m.pop_receipt == delivery.pop_receipt => m,
                _ => return Err(QueueError::Receipt(delivery.id.clone())),
            };
            let mut next = msg.clone();
            next.visible_at = now_ms() + delay.as_millis() as u64;
            next.pop_receipt = uuid::Uuid::new_v4().simple().to_string();
            inner.persist(&queue, &next)?;
            *msg = next.clone();
            Ok(next.pop_receipt)
        })
    }

    async fn len(&self, queue: &str) -> Result<u64, QueueError> {
        let queues = self.inner.queues.lock().map_err(backend)?;
        Ok(queues.get(queue).map(|q| q.len() as u64).unwrap_or(0))
    }
}
