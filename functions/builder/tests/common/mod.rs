//! Shared by the integration tests: fixture apps, an in-memory blob store, builders.
#![allow(dead_code)] // each test binary uses a different part

use appgen_builder::{Builder, BuilderConfig};
use appgen_core::app::FileMap;
use appgen_core::ports::{Blob, BlobStore, Container, ETag, StoreError, WriteCondition};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub fn apps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps")
}

fn read_tree(dir: &Path, files: &mut FileMap) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read fixture dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("relative")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read_to_string(&path).expect("read fixture"));
            }
        }
    }
}

/// The files of fixture `name`: `good/` with `name/` laid over it, or `name/files.json`.
pub fn app(name: &str) -> FileMap {
    let dir = apps_dir().join(name);
    let json = dir.join("files.json");
    if json.exists() {
        let text = std::fs::read_to_string(json).expect("files.json");
        return serde_json::from_str(&text).expect("files.json is a path -> content object");
    }
    let mut files = FileMap::new();
    read_tree(&apps_dir().join("good"), &mut files);
    if name != "good" {
        read_tree(&dir, &mut files);
    }
    files
}

/// Replaces `__KEY__` placeholders in every file.
pub fn fill(mut files: FileMap, pairs: &[(&str, &str)]) -> FileMap {
    for content in files.values_mut() {
        for (k, v) in pairs {
            *content = content.replace(&format!("__{k}__"), v);
        }
    }
    files
}

/// The environment's configuration (sandbox detected, as in production).
pub fn config() -> BuilderConfig {
    BuilderConfig::from_env().expect("builder config from the environment")
}

pub fn local_builder() -> Builder {
    Builder::without_store(config())
}

/// (container, key) → (bytes, content type).
type Blobs = BTreeMap<(String, String), (Vec<u8>, String)>;

/// Blobs in memory, enough for publishing.
#[derive(Default)]
pub struct MemoryStore {
    pub blobs: Mutex<Blobs>,
}

impl MemoryStore {
    pub fn get_blob(&self, container: Container, key: &str) -> Option<(Vec<u8>, String)> {
        self.blobs
            .lock()
            .expect("lock")
            .get(&(container.name().to_string(), key.to_string()))
            .cloned()
    }

    pub fn keys(&self) -> Vec<String> {
        self.blobs
            .lock()
            .expect("lock")
            .keys()
            .map(|(_, k)| k.clone())
            .collect()
    }
}

#[async_trait]
impl BlobStore for MemoryStore {
    async fn get(&self, container: Container, key: &str) -> Result<Option<Blob>, StoreError> {
        Ok(self
            .get_blob(container, key)
            .map(|(bytes, content_type)| Blob {
                bytes,
                etag: ETag("x".into()),
                content_type,
            }))
    }

    async fn put(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        _condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.blobs.lock().expect("lock").insert(
            (container.name().to_string(), key.to_string()),
            (bytes, content_type.to_string()),
        );
        Ok(ETag("x".into()))
    }

    async fn append(
        &self,
        _container: Container,
        key: &str,
        _bytes: Vec<u8>,
        _expected_len: Option<u64>,
    ) -> Result<u64, StoreError> {
        Err(StoreError::Backend(format!("append not supported: {key}")))
    }

    async fn read_from(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .get_blob(container, key)
            .map(|(b, _)| b.into_iter().skip(offset as usize).collect()))
    }

    async fn list(&self, container: Container, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .blobs
            .lock()
            .expect("lock")
            .keys()
            .filter(|(c, k)| c == container.name() && k.starts_with(prefix))
            .map(|(_, k)| k.clone())
            .collect())
    }

    async fn delete(&self, container: Container, key: &str) -> Result<(), StoreError> {
        self.blobs
            .lock()
            .expect("lock")
            .remove(&(container.name().to_string(), key.to_string()));
        Ok(())
    }
}

pub fn store() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::default())
}
