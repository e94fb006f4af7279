//! Blobs as files: `{root}/{container}/{key}`. A put appends a record to the blob's file (see
//! [`super::record`]) and a file that has grown is rewritten with its last record. ETags are
//! content hashes (like S3's), so a write of identical bytes keeps its ETag; conditional writes
//! to a key are serialised by a lock striped by key. Append blobs (event logs) are plain files.
//!
//! I/O runs on the calling task: reads, appends and unflushed writes of small files take tens
//! of microseconds from the page cache, less than handing them to another thread. Only writes
//! that wait for the disk (fsync) go to the blocking pool.

use super::record::{self, etag_of};
use super::write_atomic;
use appgen_core::ports::{Blob, BlobStore, Container, ETag, StoreError, WriteCondition};
use async_trait::async_trait;
use std::io::Write;
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
    /// Bounds the writes waiting for the disk at once, so a burst of commits does not grow the
    /// blocking pool a thread per commit (each costs memory); the filesystem's journal batches
    /// concurrent flushes anyway.
    flushes: tokio::sync::Semaphore,
    /// Files whose directory entry this process has flushed: a durable put may append to these
    /// (one `fdatasync`); any other file is rewritten and its directory flushed first, since an
    /// append cannot make a name durable. Forgotten on restart and past `MAX_NAMED` (each file
    /// then pays one rewrite again).
    named: Mutex<std::collections::HashSet<PathBuf>>,
}

const MAX_NAMED: usize = 8192;

const LOCK_STRIPES: usize = 64;
const CONCURRENT_FLUSHES: usize = 4;

/// A blob file past this size (and past four times the new record) is rewritten, not appended to.
const REWRITE_AT: u64 = 256 * 1024;

impl Inner {
    fn lock(&self, path: &Path) -> Result<std::sync::MutexGuard<'_, ()>, StoreError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        path.hash(&mut h);
        self.locks[h.finish() as usize % self.locks.len()]
            .lock()
            .map_err(backend)
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
        let _guard = self.lock(path)?;
        let current = record::read(path).map_err(backend)?;
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
        // The sidecar changes rarely (a blob keeps its type): skip rewriting it.
        let ct = ct_path(path);
        if read_opt(&ct)?.as_deref() != Some(content_type.as_bytes()) {
            write_atomic(&ct, content_type.as_bytes(), false).map_err(backend)?;
        }
        let etag = etag_of(bytes);
        let rec = record::encode(bytes, &etag);
        let grown = |size: u64| size + rec.len() as u64 > REWRITE_AT.max(4 * rec.len() as u64);
        let appendable = current.is_some_and(|c| c.framed && !grown(c.size));
        // The key's lock is held, so the set can be read and updated around the I/O.
        let is_named = || -> Result<bool, StoreError> {
            Ok(self.named.lock().map_err(backend)?.contains(path))
        };
        if appendable && (!durable || is_named()?) {
            let mut f = std::fs::File::options()
                .append(true)
                .open(path)
                .map_err(backend)?;
            f.write_all(&rec).map_err(backend)?;
            if durable {
                f.sync_data().map_err(backend)?;
            }
        } else {
            write_atomic(path, &rec, durable).map_err(backend)?;
            let mut named = self.named.lock().map_err(backend)?;
            if durable {
                if named.len() >= MAX_NAMED {
                    named.clear();
                }
                named.insert(path.to_owned());
            } else {
                named.remove(path);
            }
        }
        Ok(etag)
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
                flushes: tokio::sync::Semaphore::new(CONCURRENT_FLUSHES),
                named: Mutex::new(std::collections::HashSet::new()),
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

    /// A put; one that must reach the disk waits for its flush on the blocking pool.
    async fn put_with(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
        durable: bool,
    ) -> Result<ETag, StoreError> {
        let path = self.path(container, key)?;
        if !durable {
            return self
                .inner
                .put(&path, key, &bytes, content_type, &condition, false);
        }
        let _flush = self.inner.flushes.acquire().await.map_err(backend)?;
        let inner = self.inner.clone();
        let (key, content_type) = (key.to_owned(), content_type.to_owned());
        tokio::task::spawn_blocking(move || {
            inner.put(&path, &key, &bytes, &content_type, &condition, true)
        })
        .await
        .map_err(backend)?
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
        let content_type = read_opt(&ct_path(&path))?
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| "application/octet-stream".into());
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
        .await
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
            .await
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
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let mut f = std::fs::File::options()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(backend)?;
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
        f.write_all(&bytes).map_err(backend)?;
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
        for p in [ct_path(&path), path.clone()] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rewrites_append_records_and_stay_bounded() {
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
        let value = |i: usize| format!("{i:05}{}", "x".repeat(20_000)).into_bytes();
        let mut sizes = Vec::new();
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
            sizes.push(std::fs::metadata(&file).expect("file").len());
        }
        // Appends grow the file; past the threshold it is rewritten with the last record.
        assert!(sizes.windows(2).any(|w| w[1] > w[0]), "{sizes:?}");
        assert!(sizes.windows(2).any(|w| w[1] < w[0]), "{sizes:?}");
        assert!(sizes.iter().all(|s| *s <= REWRITE_AT + 21_000), "{sizes:?}");
        let blob = store
            .get(Container::Threads, key)
            .await
            .expect("get")
            .expect("blob");
        assert_eq!((blob.bytes, blob.etag), (value(40), etag));
    }

    #[tokio::test]
    async fn a_durable_put_appends_only_to_a_file_whose_name_was_flushed() {
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
        // The first durable put rewrites (new name, flushed); the rest append in place.
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
        let blob = store
            .get(Container::Threads, "t/snapshot.json")
            .await
            .expect("get")
            .expect("blob");
        assert_eq!(blob.bytes, b"{\"old\":1}");
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
    }
}
