//! Thread snapshots and content-addressed files on a [`BlobStore`].
//!
//! Layout (container `threads`): `{threadId}/snapshot.json`, `{threadId}/files/{sha256}`,
//! `{threadId}/runs/{runId}/events`, and the thread index `owners/{sha256(principal)}/{threadId}` (owner and members).

use appgen_core::app::FileMap;
use appgen_core::ports::{BlobStore, Container, ETag, StoreError, WriteCondition};
use appgen_core::snapshot::{FileRef, FileTree, ThreadSnapshot, content_hash};
use std::sync::Arc;

#[derive(Clone)]
pub struct ThreadStore {
    blobs: Arc<dyn BlobStore>,
}

/// Thread and run ids become blob keys: keep them to a safe alphabet.
pub fn valid_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !id.starts_with('.')
}

fn snapshot_key(thread: &str) -> Result<String, StoreError> {
    if !valid_id(thread) {
        return Err(StoreError::InvalidKey(thread.to_owned()));
    }
    Ok(format!("{thread}/snapshot.json"))
}

/// Where [`ThreadStore::mark_running`] lists threads with a run that may be going.
const RUNNING: &str = "running/";

fn owner_prefix(owner: &str) -> String {
    format!("owners/{}/", &content_hash(owner.as_bytes())[..32])
}

impl ThreadStore {
    pub fn new(blobs: Arc<dyn BlobStore>) -> ThreadStore {
        ThreadStore { blobs }
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    pub async fn load(&self, thread: &str) -> Result<Option<(ThreadSnapshot, ETag)>, StoreError> {
        let Some(blob) = self
            .blobs
            .get(Container::Threads, &snapshot_key(thread)?)
            .await?
        else {
            return Ok(None);
        };
        let snap = ThreadSnapshot::from_stored(&blob.bytes)
            .map_err(|e| StoreError::Backend(format!("snapshot of {thread}: {e}")))?;
        Ok(Some((snap, blob.etag)))
    }

    /// Creates a new thread's snapshot (create-only) and indexes it under its owner.
    pub async fn create(&self, snap: &ThreadSnapshot) -> Result<ETag, StoreError> {
        let etag = self.write(snap, WriteCondition::CreateOnly).await?;
        self.index_owner(snap).await?;
        Ok(etag)
    }

    /// An empty create-only marker blob (an index entry); one that exists already is fine.
    async fn put_marker(&self, key: &str) -> Result<(), StoreError> {
        let put = self.blobs.put_volatile(
            Container::Threads,
            key,
            Vec::new(),
            "text/plain",
            WriteCondition::CreateOnly,
        );
        match put.await {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Lists a thread under its owner. The entry is derived from the snapshot, so it is written
    /// volatile: the durable snapshot is the one flush of a new thread, and startup recovery
    /// (which calls this for every thread) restores an entry a power cut lost.
    /// Members are listed the same way; a removed member's entry stays and is filtered out
    /// by the access rule when the list is read.
    pub async fn index_owner(&self, snap: &ThreadSnapshot) -> Result<(), StoreError> {
        for principal in snap.principals() {
            let key = format!("{}{}", owner_prefix(principal), snap.thread_id);
            self.put_marker(&key).await?;
        }
        Ok(())
    }

    /// Replaces a snapshot only if it is still at `etag`.
    pub async fn replace(&self, snap: &ThreadSnapshot, etag: &ETag) -> Result<ETag, StoreError> {
        self.write(snap, WriteCondition::IfMatch(etag.clone()))
            .await
    }

    /// Replaces a snapshot only if it is still at `etag`, with a write that need not survive a
    /// power cut: a step's claim, which a restarted process takes over anyway.
    pub async fn claim(&self, snap: &ThreadSnapshot, etag: &ETag) -> Result<ETag, StoreError> {
        self.write_as(snap, WriteCondition::IfMatch(etag.clone()), true)
            .await
    }

    async fn write(&self, snap: &ThreadSnapshot, cond: WriteCondition) -> Result<ETag, StoreError> {
        self.write_as(snap, cond, false).await
    }

    async fn write_as(
        &self,
        snap: &ThreadSnapshot,
        cond: WriteCondition,
        volatile: bool,
    ) -> Result<ETag, StoreError> {
        let bytes = snap
            .to_stored()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let key = snapshot_key(&snap.thread_id)?;
        let json = "application/json";
        if volatile {
            self.blobs
                .put_volatile(Container::Threads, &key, bytes, json, cond)
                .await
        } else {
            self.blobs
                .put(Container::Threads, &key, bytes, json, cond)
                .await
        }
    }

    /// Ids of the threads a principal owns or is a member of (stale entries included).
    pub async fn list_owned(&self, owner: &str) -> Result<Vec<String>, StoreError> {
        let prefix = owner_prefix(owner);
        Ok(self
            .blobs
            .list(Container::Threads, &prefix)
            .await?
            .into_iter()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
            .collect())
    }

    /// Lists a thread as possibly running, for the sweeper. Written before the run is
    /// committed, so no committed run is ever missing from the list; an entry whose run has
    /// ended (or never started) is removed by the sweeper, so steps never pay for it.
    pub async fn mark_running(&self, thread: &str) -> Result<(), StoreError> {
        let key = format!("{RUNNING}{}", snapshot_key(thread).map(|_| thread)?);
        self.put_marker(&key).await
    }

    /// Threads listed by [`ThreadStore::mark_running`] and not yet swept.
    pub async fn list_running(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .blobs
            .list(Container::Threads, RUNNING)
            .await?
            .into_iter()
            .filter_map(|k| k.strip_prefix(RUNNING).map(str::to_owned))
            .collect())
    }

    pub async fn unmark_running(&self, thread: &str) -> Result<(), StoreError> {
        self.blobs
            .delete(Container::Threads, &format!("{RUNNING}{thread}"))
            .await
    }

    /// Ids of every thread (recovery scans on the embedded backend).
    pub async fn list_all(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .blobs
            .list(Container::Threads, "")
            .await?
            .into_iter()
            .filter_map(|k| k.strip_suffix("/snapshot.json").map(str::to_owned))
            .filter(|t| !t.contains('/'))
            .collect())
    }

    /// Stores a file's content under its hash (idempotent).
    pub async fn put_file(&self, thread: &str, content: &str) -> Result<FileRef, StoreError> {
        let hash = content_hash(content.as_bytes());
        let key = format!("{thread}/files/{hash}");
        match self
            .blobs
            .put(
                Container::Threads,
                &key,
                content.as_bytes().to_vec(),
                "text/plain; charset=utf-8",
                WriteCondition::CreateOnly,
            )
            .await
        {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(FileRef {
                hash,
                size: content.len() as u64,
            }),
            Err(e) => Err(e),
        }
    }

    pub async fn put_files(&self, thread: &str, files: &FileMap) -> Result<FileTree, StoreError> {
        let mut tree = FileTree::new();
        for (path, content) in files {
            tree.insert(path.clone(), self.put_file(thread, content).await?);
        }
        Ok(tree)
    }

    pub async fn get_file(&self, thread: &str, hash: &str) -> Result<Option<String>, StoreError> {
        if !hash.chars().all(|c| c.is_ascii_hexdigit()) || hash.len() != 64 {
            return Err(StoreError::InvalidKey(hash.to_owned()));
        }
        let blob = self
            .blobs
            .get(Container::Threads, &format!("{thread}/files/{hash}"))
            .await?;
        // Files are written from `&str`, so the bytes are UTF-8: no copy, lossy only if not.
        Ok(blob.map(|b| {
            String::from_utf8(b.bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }))
    }

    /// The contents of a file tree.
    pub async fn read_tree(&self, thread: &str, tree: &FileTree) -> Result<FileMap, StoreError> {
        let mut out = FileMap::new();
        for (path, f) in tree {
            let content = self
                .get_file(thread, &f.hash)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("{thread}: content of {path}")))?;
            out.insert(path.clone(), content);
        }
        Ok(out)
    }
}
