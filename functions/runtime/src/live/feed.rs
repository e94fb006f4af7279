//! One reader per thread per process: the open streams of a thread share one watcher that reads
//! the log's new tail once per [`POLL`] (at once on an append made in this process) and who is
//! present once per [`PRESENCE_CHECK`] (at once when a follower joins or leaves), and hands
//! both to every stream. 20 members following a thread cost the reads of one.
//!
//! A follower subscribes before it reads the log from its own place on its first look, so the
//! shared reads it then gets start no later than where its own read ended: with the seq of the
//! last event it handed out, nothing is lost or told twice. One that falls more than
//! [`BACKLOG`] reads behind reads from its own place again. The watcher stops once no stream
//! follows its thread (the thread's entry goes under the same lock a new follower takes).

use super::{StoredThreadEvent, ThreadLive, locked};
use appgen_core::live::Person;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{Notify, broadcast, watch};

/// Other processes' appends are not signalled here: the watcher reads the log this often.
pub const POLL: Duration = Duration::from_millis(500);
/// How often the watcher reads who is present (besides when someone joins or leaves).
pub const PRESENCE_CHECK: Duration = Duration::from_secs(3);
/// Shared reads a follower may fall behind before it reads from its own place instead.
const BACKLOG: usize = 64;

/// The threads this process has a watcher for.
pub(super) type Feeds = Arc<Mutex<HashMap<String, Arc<Shared>>>>;

/// One read of the log's tail: the events in bytes `[start, next)`, read by `read_at`.
struct Batch {
    start: u64,
    next: u64,
    read_at: Instant,
    events: Vec<StoredThreadEvent>,
}

/// One read of who is present, started at `started`.
struct PresenceRead {
    started: Instant,
    people: Vec<Person>,
}

pub(super) struct Shared {
    thread: String,
    events: broadcast::Sender<Arc<Batch>>,
    presence: watch::Sender<Option<Arc<PresenceRead>>>,
    /// Read presence now (someone joined or left).
    poke: Notify,
}

/// One follower's place in its thread's shared reads.
pub struct ThreadFeed {
    live: ThreadLive,
    shared: Arc<Shared>,
    rx: broadcast::Receiver<Arc<Batch>>,
    presence: watch::Receiver<Option<Arc<PresenceRead>>>,
    /// The seq of the last event handed out.
    after: u64,
    /// How far into the log this follower has events (its own reads and the shared ones).
    offset: u64,
    /// Whether the next look reads from `offset` itself first (the first look, a lag, a fault).
    own_read: bool,
    /// A shared read `changed` took off the channel, for the next look.
    pending: Option<Result<Arc<Batch>, TryRecvError>>,
}

/// What a look at the feed found: the events after the last handed out, in order, each once,
/// and when their log was read (a read of the thread started after it sees what they tell).
#[derive(Default)]
pub struct Tail {
    pub events: Vec<StoredThreadEvent>,
    pub read_at: Option<Instant>,
}

/// Asks a thread's watcher to read presence now, after a follower left.
pub struct PresencePoke(Arc<Shared>);

impl PresencePoke {
    pub fn poke(&self) {
        self.0.poke.notify_one();
    }
}

impl ThreadLive {
    /// Follows `thread`'s stream after seq `after`, on this process's one watcher of it.
    pub fn follow(&self, thread: &str, after: u64) -> ThreadFeed {
        let mut feeds = locked(&self.feeds);
        let shared = match feeds.get(thread) {
            Some(s) => s.clone(),
            None => {
                let s = Arc::new(Shared {
                    thread: thread.to_owned(),
                    events: broadcast::channel(BACKLOG).0,
                    presence: watch::channel(None).0,
                    poke: Notify::new(),
                });
                feeds.insert(thread.to_owned(), s.clone());
                // From where this process last appended: a read starts at or before the end.
                let start = locked(&self.tails).get(thread).map_or(0, |t| t.0);
                tokio::spawn(watch(self.clone(), s.clone(), start));
                s
            }
        };
        let (rx, presence) = (shared.events.subscribe(), shared.presence.subscribe());
        drop(feeds);
        ThreadFeed {
            live: self.clone(),
            shared,
            rx,
            presence,
            after,
            offset: 0,
            own_read: true,
            pending: None,
        }
    }

    /// Forgets `shared` if no stream follows it any more (then its watcher stops).
    fn unfollowed(&self, shared: &Arc<Shared>) -> bool {
        let mut feeds = locked(&self.feeds);
        if shared.events.receiver_count() > 0 {
            return false;
        }
        if feeds
            .get(&shared.thread)
            .is_some_and(|s| Arc::ptr_eq(s, shared))
        {
            feeds.remove(&shared.thread);
        }
        true
    }
}

/// The watcher of one thread: the log's tail each `POLL` or in-process append, presence each
/// `PRESENCE_CHECK` or poke, until nobody follows.
async fn watch(live: ThreadLive, shared: Arc<Shared>, mut offset: u64) {
    let waker = live.waker(&shared.thread);
    let mut presence_due = Instant::now();
    loop {
        let appended = waker.notified();
        if live.unfollowed(&shared) {
            return;
        }
        offset = read_tail(&live, &shared, offset).await;
        if Instant::now() >= presence_due {
            read_presence(&live, &shared).await;
            presence_due = Instant::now() + PRESENCE_CHECK;
        }
        tokio::select! {
            _ = appended => {}
            _ = shared.poke.notified() => presence_due = Instant::now(),
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn read_tail(live: &ThreadLive, shared: &Shared, offset: u64) -> u64 {
    match live.read_from(&shared.thread, offset).await {
        Ok((events, next)) if next > offset => {
            let read_at = Instant::now();
            let batch = Batch {
                start: offset,
                next,
                read_at,
                events,
            };
            let _ = shared.events.send(Arc::new(batch)); // nobody left: the loop ends
            next
        }
        Ok(_) => offset,
        Err(e) => {
            tracing::warn!(thread_id = %shared.thread, error = %e, "thread stream read failed");
            offset
        }
    }
}

async fn read_presence(live: &ThreadLive, shared: &Shared) {
    let started = Instant::now();
    match live.present(&shared.thread).await {
        Ok(people) => {
            let read = PresenceRead { started, people };
            shared.presence.send_replace(Some(Arc::new(read)));
        }
        Err(e) => tracing::warn!(thread_id = %shared.thread, error = %e, "presence read failed"),
    }
}

impl ThreadFeed {
    /// Waits until a shared read may have something for this follower. Cancel-safe; callers
    /// bound it with their own tick.
    pub async fn changed(&mut self) {
        if self.pending.is_some() {
            // Left by a look a storage fault cut short: the caller's next tick tries again.
            return std::future::pending().await;
        }
        tokio::select! {
            r = self.rx.recv() => self.pending = Some(r.map_err(|e| match e {
                RecvError::Lagged(n) => TryRecvError::Lagged(n),
                RecvError::Closed => TryRecvError::Closed,
            })),
            _ = self.presence.changed() => {}
        }
    }

    /// The events after the last handed out. A storage fault ends the look early, and the next
    /// one reads from where this one stopped.
    pub async fn events(&mut self) -> Tail {
        let mut tail = Tail::default();
        loop {
            if self.own_read && !self.read_own(&mut tail).await {
                return tail;
            }
            let next = self.pending.take().unwrap_or_else(|| self.rx.try_recv());
            match next {
                // A read starting past this follower's place: fill the gap first.
                Ok(batch) if batch.start > self.offset => {
                    self.pending = Some(Ok(batch));
                    self.own_read = true;
                }
                Ok(batch) => self.take(&batch.events, batch.next, batch.read_at, &mut tail),
                Err(TryRecvError::Lagged(_)) => self.own_read = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => return tail,
            }
        }
    }

    /// Reads the log from this follower's place; `false` on a storage fault.
    async fn read_own(&mut self, tail: &mut Tail) -> bool {
        match self.live.read_from(&self.shared.thread, self.offset).await {
            Ok((events, next)) => {
                self.own_read = false;
                self.take(&events, next, Instant::now(), tail);
                true
            }
            Err(e) => {
                tracing::warn!(thread_id = %self.shared.thread, error = %e, "thread stream read failed");
                false
            }
        }
    }

    fn take(&mut self, events: &[StoredThreadEvent], next: u64, at: Instant, tail: &mut Tail) {
        for e in events {
            if e.seq <= self.after {
                continue;
            }
            self.after = e.seq;
            tail.events.push(e.clone());
            tail.read_at = Some(tail.read_at.map_or(at, |t| t.max(at)));
        }
        self.offset = self.offset.max(next);
    }

    /// Who is present, by the latest shared read (`None` before the first).
    pub fn present(&mut self) -> Option<Vec<Person>> {
        let read = self.presence.borrow_and_update();
        read.as_ref().map(|r| r.people.clone())
    }

    /// Asks for presence to be read now and waits, up to `wait`, for a read started at `since`
    /// or later: a follower that just beat sees itself in its first presence frame.
    pub async fn fresh_presence(&mut self, since: Instant, wait: Duration) {
        self.shared.poke.notify_one();
        let fresh = (self.presence).wait_for(|r| r.as_ref().is_some_and(|r| r.started >= since));
        let _ = tokio::time::timeout(wait, fresh).await;
    }

    /// Pokes the watcher later (when this follower has left).
    pub fn presence_poke(&self) -> PresencePoke {
        PresencePoke(self.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::DiskBlobStore;
    use appgen_core::live::{ThreadEvent, Withdrawn};

    fn event(i: usize) -> ThreadEvent {
        ThreadEvent::Withdrawn(Withdrawn {
            id: format!("m{i}"),
        })
    }

    /// A follower resumed from seq 5 that falls far more than `BACKLOG` shared reads behind
    /// (each append read on its own) still gets every later event once, in order, by reading
    /// from its own place; and the watcher stops once it is gone.
    #[tokio::test]
    async fn a_lagging_resumed_follower_gets_every_event_once_in_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Arc::new(DiskBlobStore::open_with(dir.path(), false).expect("blobs"));
        let live = ThreadLive::new(blobs);
        live.append("t", (1..=5).map(event).collect())
            .await
            .expect("append");
        let mut feed = live.follow("t", 3);
        let first: Vec<u64> = feed.events().await.events.iter().map(|e| e.seq).collect();
        assert_eq!(first, [4, 5]);
        let total = 5 + 2 * BACKLOG;
        for i in 6..=total {
            live.append("t", vec![event(i)]).await.expect("append");
            // The watcher reads each append before the next.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(feed.rx.len() > BACKLOG, "it lagged: {}", feed.rx.len());
        let rest: Vec<u64> = feed.events().await.events.iter().map(|e| e.seq).collect();
        assert_eq!(rest, (6..=total as u64).collect::<Vec<_>>());
        assert!(feed.events().await.events.is_empty(), "each once");
        drop(feed);
        tokio::time::sleep(POLL + Duration::from_millis(200)).await;
        assert!(locked(&live.feeds).is_empty(), "the watcher stopped");
    }
}
