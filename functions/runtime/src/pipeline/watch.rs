//! One access re-check per thread per process: the open streams of a thread share one read of
//! its membership instead of each loading the thread. A follower asks with how old a read may
//! be; the first to find the last read too old reads the thread again (one at a time per
//! thread, so the others take that read), and each applies the one access rule
//! (`core::access::authorize`) to it for its own principal.

use super::Pipeline;
use crate::threads::ThreadStore;
use appgen_core::access::{Action, authorize};
use appgen_core::ports::StoreError;
use appgen_core::snapshot::ThreadSnapshot;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

/// The membership reads of the threads this process has open streams of.
#[derive(Default)]
pub(super) struct Watchers {
    /// Held weakly: a thread nobody follows costs nothing.
    threads: Mutex<HashMap<String, Weak<Shared>>>,
}

/// Entries kept before the ones nobody holds are dropped.
const MAX_ENTRIES: usize = 4096;

#[derive(Default)]
struct Shared {
    last: tokio::sync::Mutex<Option<Read>>,
}

/// A read of the thread: when it started, and what it found (`None`: the thread is gone).
struct Read {
    started: Instant,
    snap: Option<Arc<ThreadSnapshot>>,
}

/// One follower's handle on its thread's shared membership read.
pub struct AccessWatch {
    thread: String,
    threads: ThreadStore,
    shared: Arc<Shared>,
}

impl Pipeline {
    /// The membership read every open stream of `thread` in this process shares.
    pub fn watch_access(&self, thread: &str) -> AccessWatch {
        let mut map = self
            .watchers
            .threads
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let shared = match map.get(thread).and_then(Weak::upgrade) {
            Some(s) => s,
            None => {
                if map.len() >= MAX_ENTRIES {
                    map.retain(|_, w| w.strong_count() > 0);
                }
                let s = Arc::new(Shared::default());
                map.insert(thread.to_owned(), Arc::downgrade(&s));
                s
            }
        };
        AccessWatch {
            thread: thread.to_owned(),
            threads: self.threads.clone(),
            shared,
        }
    }
}

impl AccessWatch {
    /// Whether `principal` may `action` by the access rule, on a read of the thread that
    /// started at `since` or later: one another follower made counts. A thread that is gone
    /// allows nothing; a storage fault is returned (the caller decides, it is no revocation).
    pub async fn allows(
        &self,
        principal: &str,
        action: Action,
        since: Instant,
    ) -> Result<bool, StoreError> {
        let mut last = self.shared.last.lock().await;
        let snap = match last.as_ref().filter(|r| r.started >= since) {
            Some(read) => read.snap.clone(),
            None => {
                let started = Instant::now();
                let loaded = self.threads.load(&self.thread).await?;
                let snap = loaded.map(|(s, _)| Arc::new(s));
                *last = Some(Read {
                    started,
                    snap: snap.clone(),
                });
                snap
            }
        };
        drop(last);
        Ok(snap.is_some_and(|s| authorize(&s, principal, action).is_ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::{DiskBlobStore, DiskQueue};
    use crate::pipeline::{PipelineConfig, Steps};
    use crate::preview::PreviewUrls;
    use appgen_core::access::{Member, Role};

    /// Two followers of a thread share a read: after bob is removed in storage, a follower
    /// asking for a read as old as the first one's is answered from it (no second read), and one
    /// asking for a newer read sees the removal.
    #[tokio::test]
    async fn followers_of_a_thread_share_one_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Arc::new(DiskBlobStore::open_with(&dir.path().join("b"), false).expect("b"));
        let queue = Arc::new(DiskQueue::open(&dir.path().join("q")).expect("q"));
        let config = PipelineConfig::new(PreviewUrls::new("http://p", b"s"), false);
        let pipeline = Pipeline::new(blobs, queue, Steps::default(), config);
        let mut snap = ThreadSnapshot::new("t", "alice", 1);
        snap.members.push(Member {
            principal: "bob".into(),
            role: Role::Viewer,
            added_at: 1,
        });
        let etag = pipeline.threads.create(&snap).await.expect("create");
        let (one, two) = (pipeline.watch_access("t"), pipeline.watch_access("t"));
        let t0 = Instant::now();
        assert!(one.allows("bob", Action::Follow, t0).await.expect("read"));
        snap.members.clear();
        pipeline
            .threads
            .replace(&snap, &etag)
            .await
            .expect("remove");
        assert!(
            two.allows("bob", Action::Follow, t0).await.expect("shared"),
            "answered from the first follower's read"
        );
        let now = Instant::now();
        assert!(!two.allows("bob", Action::Follow, now).await.expect("new"));
        assert!(
            one.allows("alice", Action::Follow, now)
                .await
                .expect("owner")
        );
        assert!(!one.allows("dave", Action::Follow, now).await.expect("x"));
        // Another thread has its own read.
        let other = pipeline.watch_access("gone");
        assert!(!other.allows("alice", Action::Read, t0).await.expect("gone"));
    }
}
