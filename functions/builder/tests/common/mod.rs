//! Shared by the integration tests: fixture apps, a blob store, builders.
#![allow(dead_code)] // each test binary uses a different part

use appgen_builder::materialize::read_app_dir;
use appgen_builder::{Builder, BuilderConfig};
use appgen_core::app::FileMap;
use appgen_core::ports::{BlobStore, Container};
use appgen_runtime::embedded::DiskBlobStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn apps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps")
}

/// The files of fixture `name`: `good/` with `name/` laid over it, or `name/files.json`.
pub fn app(name: &str) -> FileMap {
    let dir = apps_dir().join(name);
    let json = dir.join("files.json");
    if json.exists() {
        let text = std::fs::read_to_string(json).expect("files.json");
        return serde_json::from_str(&text).expect("files.json is a path -> content object");
    }
    let read = |d: &Path| read_app_dir(d).expect("read fixture");
    let mut files = read(&apps_dir().join("good"));
    if name != "good" {
        files.extend(read(&dir));
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

/// The embedded backend's real blob store, in a directory that lives as long as it does.
pub struct Store {
    pub blobs: Arc<DiskBlobStore>,
    _dir: tempfile::TempDir,
}

impl Store {
    /// Every key in a container.
    pub async fn keys(&self, container: Container) -> Vec<String> {
        self.blobs.list(container, "").await.expect("list")
    }

    /// A blob's bytes and content type.
    pub async fn get_blob(&self, container: Container, key: &str) -> Option<(Vec<u8>, String)> {
        self.blobs
            .get(container, key)
            .await
            .expect("get")
            .map(|b| (b.bytes, b.content_type))
    }
}

/// Unflushed, like the tests of the runtime: durability is not what these tests check.
pub fn store() -> Store {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = DiskBlobStore::open_with(dir.path(), false).expect("blob store");
    Store {
        blobs: Arc::new(blobs),
        _dir: dir,
    }
}
