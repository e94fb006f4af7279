//! Blobs as files: `{root}/{container}/{key}`. A put writes a record into the blob's file (a
//! slab, see [`super::record`]) next to the current one, so a durable put is one `fdatasync`
//! that changes no metadata. An ETag names a version (the record's sequence number, CRC and
//! length), so every put makes a new one, as Azure's do; conditional writes to a key are
//! serialised by a lock striped by key. Append blobs (event logs) are plain files.
//!
//! All I/O, flushes included, runs on the calling task. Reads and unflushed writes take tens of
//! microseconds from the page cache; a flush of a slab takes about 0.1 ms here. Handing either to
//! another thread costs about as much again on the step's path (measured: ~0.07 ms per
//! `spawn_blocking` round trip), and every extra thread costs memory (its stack and malloc
//! arena: `block_in_place` grew the server by 3–4 MB under load). The price is that a disk
//! slower than that stalls the runtime's worker for the flush; the embedded backend is for one
//! machine with a local disk.

use super::record::{self, DATA_START, Header, MAX_CONTENT_TYPE, SLOT};
use super::write_atomic;
use appgen_core::ports::{Blob, BlobStore, Container, ETag, StoreError, WriteCondition};
use async_trait::async_trait;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const CONTENT_TYPE_SUFFIX: &str = ".__ct";

#[derive(Debug, Clone)]
pub struct DiskBlobStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    durable: bool,
    /// Serialise check-then-write sections (conditional puts, appends) per key, so one key's
    /// flush does not hold up writes to others.
    locks: Vec<Mutex<()>>,
    /// Files whose directory entry this process has flushed: a durable put may write into these
    /// in place (one `fdatasync`); any other file is rewritten and its directory flushed first,
    /// since a write in place cannot make a name durable. Forgotten on restart and past
    /// `MAX_NAMED` (each file then pays one rewrite again).
    named: Mutex<std::collections::HashSet<PathBuf>>,
    /// Append blobs (event logs) open for appending: a run's log gets a few appends per step,
    /// and opening it each time (directory check, path walk, open, close) cost more than the
    /// write. A put or delete of the key drops its handle; past `MAX_APPENDING` all are closed.
    appending: Mutex<std::collections::HashMap<PathBuf, Arc<File>>>,
}

const MAX_NAMED: usize = 8192;
const MAX_APPENDING: usize = 128;

const LOCK_STRIPES: usize = 64;

impl Inner {
    fn lock(&self, path: &Path) -> Result<std::sync::MutexGuard<'_, ()>, StoreError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        path.hash(&mut h);
        self.locks[h.finish() as usize % self.locks.len()]
            .lock()
            .map_err(backend)
    }

    /// The open handle of an append blob, opening (creating) it if needed. The key's lock is held.
    fn append_handle(&self, path: &Path) -> Result<Arc<File>, StoreError> {
        if let Some(f) = self.appending.lock().map_err(backend)?.get(path) {
            return Ok(f.clone());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let f = Arc::new(
            File::options()
                .create(true)
                .append(true)
                .read(true)
                .open(path)
                .map_err(backend)?,
        );
        let mut open = self.appending.lock().map_err(backend)?;
        if open.len() >= MAX_APPENDING {
            open.clear();
        }
        open.insert(path.to_owned(), f.clone());
        Ok(f)
    }

    /// Forgets an append handle: the key is being replaced or deleted. The key's lock is held.
    fn close_append(&self, path: &Path) -> Result<(), StoreError> {
        self.appending.lock().map_err(backend)?.remove(path);
        Ok(())
    }

    fn is_named(&self, path: &Path) -> Result<bool, StoreError> {
        Ok(self.named.lock().map_err(backend)?.contains(path))
    }

    fn put(
        &self,
        path: &Path,
        key: &str,
        bytes: &[u8],
        content_type: &str,
        condition: &WriteCondition,
        durable: bool,
    ) -> Result<ETag, StoreError> {
        if content_type.len() > MAX_CONTENT_TYPE {
            return Err(StoreError::Backend(format!(
                "content type of {key} is longer than {MAX_CONTENT_TYPE} bytes"
            )));
        }
        let _guard = self.lock(path)?;
        self.close_append(path)?;
        let file = match File::options().read(true).write(true).open(path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(backend(e)),
        };
        let current = file
            .as_ref()
            .map(record::read_file)
            .transpose()
            .map_err(backend)?;
        match (condition, &current) {
            (WriteCondition::Any, _) | (WriteCondition::CreateOnly, None) => {}
            (WriteCondition::CreateOnly, Some(_)) => {
                return Err(StoreError::Conflict(format!("{key} already exists")));
            }
            (WriteCondition::IfMatch(expected), Some(c)) if &c.etag == expected => {}
            (WriteCondition::IfMatch(_), Some(_)) => {
                return Err(StoreError::Conflict(format!("{key} changed")));
            }
            (WriteCondition::IfMatch(_), None) => {
                return Err(StoreError::Conflict(format!("{key} does not exist")));
            }
        }
        let len = bytes.len() as u64;
        let slab = current.as_ref().and_then(|c| c.slab);
        // The key's lock is held, so the named set can be read and updated around the I/O.
        match (&file, slab) {
            (Some(f), Some(pos)) if !durable || self.is_named(path)? => {
                let at = match pos.free_at(len) {
                    Some(at) => at,
                    None => {
                        zero_fill(f, pos.capacity, pos.grown(len)).map_err(backend)?;
                        pos.offset + pos.len
                    }
                };
                let header = Header::new(pos.seq + 1, at, bytes, content_type);
                let slot = header
                    .encode()
                    .ok_or_else(|| backend("header does not fit"))?;
                f.write_all_at(bytes, at).map_err(backend)?;
                f.write_all_at(&slot, (1 - pos.slot) as u64 * SLOT as u64)
                    .map_err(backend)?;
                if durable {
                    f.sync_data().map_err(backend)?;
                }
                Ok(header.etag())
            }
            _ => {
                let seq = slab.map_or_else(record::first_seq, |p| p.seq + 1);
                let header = Header::new(seq, DATA_START, bytes, content_type);
                let file = record::new_slab(bytes, &header)
                    .ok_or_else(|| backend("header does not fit"))?;
                write_atomic(path, &file, durable).map_err(backend)?;
                let mut named = self.named.lock().map_err(backend)?;
                if durable {
                    if named.len() >= MAX_NAMED {
                        named.clear();
                    }
                    named.insert(path.to_owned());
                } else {
                    named.remove(path);
                }
                // A slab carries its content type: an older format's sidecar is now stale.
                if current.is_some_and(|c| c.content_type.is_none()) {
                    remove_if_present(&ct_path(path))?;
                }
                Ok(header.etag())
            }
        }
    }
}

/// Grows a slab from `from` to `to` bytes with written zeros, so later records land in
/// allocated blocks (an `fdatasync` of them commits no metadata).
fn zero_fill(f: &File, from: u64, to: u64) -> std::io::Result<()> {
    const CHUNK: u64 = 64 * 1024;
    let zeros = vec![0u8; CHUNK.min(to.saturating_sub(from)) as usize];
    let mut at = from;
    while at < to {
        let n = CHUNK.min(to - at) as usize;
        f.write_all_at(&zeros[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(backend(e)),
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl DiskBlobStore {
    /// Opens (creating) a store under `dir`, fsyncing every write.
    pub fn open(dir: &Path) -> Result<DiskBlobStore, StoreError> {
        Self::open_with(dir, true)
    }

    /// `durable: false` skips fsync (tests and benchmarks that say so).
    pub fn open_with(dir: &Path, durable: bool) -> Result<DiskBlobStore, StoreError> {
        for c in Container::ALL {
            std::fs::create_dir_all(dir.join(c.name())).map_err(backend)?;
        }
        Ok(DiskBlobStore {
            inner: Arc::new(Inner {
                root: dir.to_owned(),
                durable,
                locks: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
                named: Mutex::new(std::collections::HashSet::new()),
                appending: Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    fn path(&self, container: Container, key: &str) -> Result<PathBuf, StoreError> {
        let bad = key.is_empty()
            || key.starts_with('/')
            || key.contains('\\')
            || key.contains('\0')
            || key.ends_with(CONTENT_TYPE_SUFFIX)
            || key
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == ".." || s.starts_with(".tmp-"));
        if bad {
            return Err(StoreError::InvalidKey(key.to_owned()));
        }
        Ok(self.inner.root.join(container.name()).join(key))
    }

    /// A put; a durable one returns once its flush has.
    fn put_with(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
        durable: bool,
    ) -> Result<ETag, StoreError> {
        let path = self.path(container, key)?;
        self.inner
            .put(&path, key, &bytes, content_type, &condition, durable)
    }
}

fn read_opt(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(backend(e)),
    }
}

fn ct_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(CONTENT_TYPE_SUFFIX);
    PathBuf::from(s)
}

#[async_trait]
impl BlobStore for DiskBlobStore {
    async fn get(&self, container: Container, key: &str) -> Result<Option<Blob>, StoreError> {
        let path = self.path(container, key)?;
        let Some(current) = record::read(&path).map_err(backend)? else {
            return Ok(None);
        };
        let content_type = match current.content_type {
            Some(ct) => ct,
            None => read_opt(&ct_path(&path))?
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| "application/octet-stream".into()),
        };
        Ok(Some(Blob {
            etag: current.etag,
            bytes: current.bytes,
            content_type,
        }))
    }

    async fn put(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.put_with(
            container,
            key,
            bytes,
            content_type,
            condition,
            self.inner.durable,
        )
    }

    async fn put_volatile(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.put_with(container, key, bytes, content_type, condition, false)
    }

    async fn append(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        expected_len: Option<u64>,
    ) -> Result<u64, StoreError> {
        let path = self.path(container, key)?;
        let _guard = self.inner.lock(&path)?;
        let f = self.inner.append_handle(&path)?;
        let len = f.metadata().map_err(backend)?.len();
        if let Some(expected) = expected_len
            && expected != len
        {
            return Err(StoreError::Conflict(format!(
                "{key} has {len} bytes, expected {expected}"
            )));
        }
        // Appended events survive a process crash (the page cache does); they are not
        // fsynced one by one: the snapshot commit that follows a step is the durable point,
        // and a run's missing tail is re-derived from it (terminal events, re-run steps).
        (&*f).write_all(&bytes).map_err(backend)?;
        Ok(len + bytes.len() as u64)
    }

    async fn read_from(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        record::read_from(&self.path(container, key)?, offset).map_err(backend)
    }

    async fn list(&self, container: Container, prefix: &str) -> Result<Vec<String>, StoreError> {
        let base = self.inner.root.join(container.name());
        // Walk only the directory the prefix names, not the whole container.
        let dir_part = prefix.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let start = if dir_part.is_empty() {
            base.clone()
        } else {
            base.join(dir_part)
        };
        let mut out = Vec::new();
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(backend(e)),
            };
            for entry in entries {
                let entry = entry.map_err(backend)?;
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(".tmp-") || name.ends_with(CONTENT_TYPE_SUFFIX) {
                    continue;
                }
                if entry.file_type().map_err(backend)?.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&base) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) {
                        out.push(key);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    async fn delete(&self, container: Container, key: &str) -> Result<(), StoreError> {
        let path = self.path(container, key)?;
        let _guard = self.inner.lock(&path)?;
        self.inner.close_append(&path)?;
        remove_if_present(&ct_path(&path))?;
        remove_if_present(&path)
    }

    async fn delete_if_match(
        &self,
        container: Container,
        key: &str,
        etag: &ETag,
    ) -> Result<(), StoreError> {
        let path = self.path(container, key)?;
        // Under the key's lock, as conditional puts are: nobody writes between check and delete.
        let _guard = self.inner.lock(&path)?;
        match record::read(&path).map_err(backend)? {
            Some(current) if &current.etag == etag => {}
            Some(_) => return Err(StoreError::Conflict(format!("{key} changed"))),
            None => return Err(StoreError::Conflict(format!("{key} does not exist"))),
        }
        self.inner.close_append(&path)?;
        remove_if_present(&ct_path(&path))?;
        remove_if_present(&path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn puts_reuse_the_free_space_and_the_file_stays_bounded() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let key = "t/snapshot.json";
        let file = dir.path().join("threads").join(key);
        let mut etag = store
            .put(
                Container::Threads,
                key,
                b"v0".to_vec(),
                "application/json",
                WriteCondition::CreateOnly,
            )
            .await
            .expect("create");
        let value = |i: usize| format!("{i:05}{}", "x".repeat(20_000 + 10 * i)).into_bytes();
        let mut files = Vec::new();
        for i in 1..=40 {
            let cond = WriteCondition::IfMatch(etag.clone());
            etag = if i % 2 == 0 {
                store
                    .put(Container::Threads, key, value(i), "application/json", cond)
                    .await
            } else {
                store
                    .put_volatile(Container::Threads, key, value(i), "application/json", cond)
                    .await
            }
            .expect("replace");
            let meta = std::fs::metadata(&file).expect("file");
            files.push((meta.ino(), meta.len()));
        }
        // The first put grows the file once; every later one fits in its free space, in place.
        assert!(files.windows(2).all(|w| w[0] == w[1]), "{files:?}");
        assert!(
            files[0].1 <= record::blocks(DATA_START + 4 * 20_500),
            "{files:?}"
        );
        let blob = store
            .get(Container::Threads, key)
            .await
            .expect("get")
            .expect("blob");
        assert_eq!((blob.bytes, blob.etag), (value(40), etag));
        assert_eq!(blob.content_type, "application/json");
        assert!(!ct_path(&file).exists(), "a slab needs no sidecar");
    }

    #[tokio::test]
    async fn appends_after_a_delete_or_a_put_go_to_the_new_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let e = Container::Threads;
        assert_eq!(
            store
                .append(e, "t/r", b"ab".to_vec(), Some(0))
                .await
                .expect("append"),
            2
        );
        store.delete(e, "t/r").await.expect("delete");
        // A handle kept open across the delete would append to the unlinked file.
        assert_eq!(
            store
                .append(e, "t/r", b"c".to_vec(), Some(0))
                .await
                .expect("append"),
            1
        );
        assert_eq!(
            store.read_from(e, "t/r", 0).await.expect("read"),
            Some(b"c".to_vec())
        );
        store
            .put(e, "t/r", b"put".to_vec(), "text/plain", WriteCondition::Any)
            .await
            .expect("put");
        store
            .append(e, "t/r", b"!".to_vec(), None)
            .await
            .expect("append");
        let on_disk = std::fs::read(dir.path().join("threads/t/r")).expect("file");
        assert!(
            on_disk.ends_with(b"!"),
            "the append reached the file the put wrote"
        );
        // More logs than handles kept open: each still appends to its own file.
        for i in 0..MAX_APPENDING + 5 {
            let key = format!("many/{i}");
            store
                .append(e, &key, b"x".to_vec(), Some(0))
                .await
                .expect("append");
            store
                .append(e, &key, b"y".to_vec(), Some(1))
                .await
                .expect("append");
            assert_eq!(
                store.read_from(e, &key, 0).await.expect("read"),
                Some(b"xy".to_vec())
            );
        }
    }

    #[tokio::test]
    async fn every_put_makes_a_new_etag_even_of_the_same_bytes() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let t = Container::Threads;
        let put = |cond| store.put(t, "k", b"same".to_vec(), "text/plain", cond);
        let first = put(WriteCondition::CreateOnly).await.expect("create");
        let second = put(WriteCondition::IfMatch(first.clone()))
            .await
            .expect("put");
        assert_ne!(first, second);
        let stale = put(WriteCondition::IfMatch(first.clone())).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        // Deleted and created again: the old life's ETags do not come back.
        store.delete(t, "k").await.expect("delete");
        let reborn = put(WriteCondition::CreateOnly).await.expect("create");
        assert!(reborn != first && reborn != second);
        let blob = store.get(t, "k").await.expect("get").expect("blob");
        assert_eq!(blob.etag, reborn);
    }

    #[tokio::test]
    async fn an_overlong_content_type_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let long = "x".repeat(MAX_CONTENT_TYPE + 1);
        let err = store
            .put(
                Container::Threads,
                "a",
                b"1".to_vec(),
                &long,
                WriteCondition::Any,
            )
            .await
            .expect_err("too long");
        assert!(err.to_string().contains("content type"), "{err}");
        assert!(
            store
                .get(Container::Threads, "a")
                .await
                .expect("get")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_durable_put_writes_in_place_only_to_a_file_whose_name_was_flushed() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let file = dir.path().join("threads/k");
        let ino = || std::fs::metadata(&file).expect("file").ino();
        let t = Container::Threads;
        let mut etag = store
            .put_volatile(
                t,
                "k",
                b"a".to_vec(),
                "text/plain",
                WriteCondition::CreateOnly,
            )
            .await
            .expect("volatile create");
        let created = ino();
        let mut inodes = Vec::new();
        for (i, durable) in [true, true, false, true].into_iter().enumerate() {
            let bytes = format!("v{i}").into_bytes();
            let cond = WriteCondition::IfMatch(etag.clone());
            etag = if durable {
                store.put(t, "k", bytes, "text/plain", cond).await
            } else {
                store.put_volatile(t, "k", bytes, "text/plain", cond).await
            }
            .expect("put");
            inodes.push(ino());
        }
        // The first durable put rewrites (new name, flushed); the rest write in place.
        assert_ne!(inodes[0], created);
        assert!(inodes.iter().all(|i| *i == inodes[0]), "{inodes:?}");
        let blob = store.get(t, "k").await.expect("get").expect("blob");
        assert_eq!(blob.bytes, b"v3");
    }

    #[tokio::test]
    async fn plain_files_from_older_data_directories_read_and_replace() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = DiskBlobStore::open(dir.path()).expect("open");
        let file = dir.path().join("threads/t/snapshot.json");
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, b"{\"old\":1}").expect("write");
        std::fs::write(ct_path(&file), b"text/x-old").expect("write");
        let blob = store
            .get(Container::Threads, "t/snapshot.json")
            .await
            .expect("get")
            .expect("blob");
        assert_eq!(blob.bytes, b"{\"old\":1}");
        assert_eq!(blob.content_type, "text/x-old");
        store
            .put(
                Container::Threads,
                "t/snapshot.json",
                b"{\"new\":2}".to_vec(),
                "application/json",
                WriteCondition::IfMatch(blob.etag),
            )
            .await
            .expect("replace");
        let blob = store
            .get(Container::Threads, "t/snapshot.json")
            .await
            .expect("get")
            .expect("blob");
        assert_eq!(blob.bytes, b"{\"new\":2}");
        assert_eq!(blob.content_type, "application/json");
        assert!(!ct_path(&file).exists(), "the stale sidecar is gone");
    }
}
