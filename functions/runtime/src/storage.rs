//! Opens the storage a process runs on, the way the Functions host picks it: Azure Storage when
//! `AzureWebJobsStorage` (or its identity-based settings) is set, else the embedded backend on
//! a data directory. The API host, `appgen serve`, and the build job all open storage here.

use crate::azure::config::{Backend, ConfigError, select_backend_from_env};
use crate::azure::{AzureBlobStore, AzureQueue};
use crate::embedded::{DataDirLock, DiskBlobStore, DiskQueue};
use crate::pipeline::{Pipeline, PipelineConfig, Steps};
use crate::preview::PreviewUrls;
use appgen_core::ports::{BlobStore, QueueError, QueueService, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Blob and queue services, and what must live as long as they do.
pub struct Storage {
    pub blobs: Arc<dyn BlobStore>,
    pub queue: Arc<dyn QueueService>,
    /// "embedded" or "azure".
    pub kind: &'static str,
    /// One process owns the storage (embedded): claims of an earlier boot are dead.
    pub single_process: bool,
    /// The data directory it was opened with (the embedded store, the local preview key).
    data: PathBuf,
    _lock: Option<DataDirLock>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

impl Storage {
    /// The pipeline on this storage running `steps`, its step queues created, previews under
    /// `preview_base` (keyed as [`preview_urls`] says). `appgen serve`, the Functions host, the
    /// build job and the devtools all wire their pipeline here; they differ only in their steps.
    pub async fn pipeline(&self, preview_base: &str, steps: Steps) -> Result<Pipeline, OpenError> {
        let pipeline = Pipeline::new(
            self.blobs.clone(),
            self.queue.clone(),
            steps,
            PipelineConfig::new(preview_urls(preview_base, &self.data)?, self.single_process),
        );
        pipeline.ensure_queues().await?;
        Ok(pipeline)
    }
}

fn data_dir_error(path: &Path) -> impl FnOnce(std::io::Error) -> OpenError + '_ {
    move |source| OpenError::DataDir {
        path: path.display().to_string(),
        source,
    }
}

/// Opens the storage `AzureWebJobsStorage` names, else the embedded one under `data`.
/// `APPGEN_STORAGE_PREFIX` prefixes Azure container and queue names (tests share an Azurite).
pub async fn open(data: &Path) -> Result<Storage, OpenError> {
    match select_backend_from_env()? {
        Backend::Embedded => {
            let lock = DataDirLock::acquire(data).map_err(data_dir_error(data))?;
            let durable = fsync_enabled(std::env::var("APPGEN_FSYNC").ok().as_deref());
            Ok(Storage {
                blobs: Arc::new(DiskBlobStore::open_with(&data.join("blobs"), durable)?),
                queue: Arc::new(DiskQueue::open(&data.join("queues"))?),
                kind: "embedded",
                single_process: true,
                data: data.to_owned(),
                _lock: Some(lock),
            })
        }
        Backend::Azure(conn) => {
            let prefix = std::env::var("APPGEN_STORAGE_PREFIX").unwrap_or_default();
            let store = AzureBlobStore::with_prefix(&conn, &prefix)?;
            store.ensure_containers().await?;
            Ok(Storage {
                blobs: Arc::new(store),
                queue: Arc::new(AzureQueue::with_prefix(&conn, &prefix)?),
                kind: "azure",
                single_process: false,
                data: data.to_owned(),
                _lock: None,
            })
        }
    }
}

/// `APPGEN_FSYNC=0` (or `false`, `off`) turns fsync off on the embedded backend: writes stay
/// atomic (temp file + rename), so a killed process loses nothing, but a power cut may lose the
/// last commits. On by default.
pub fn fsync_enabled(setting: Option<&str>) -> bool {
    !matches!(setting.map(str::trim), Some("0" | "false" | "off" | "no"))
}

/// Preview URLs: the key from `APPGEN_PREVIEW_SECRET` (every process that renders state must
/// share it: the API host and the build job), else a random key kept in `data` so URLs survive
/// restarts of a single local server.
pub fn preview_urls(base: &str, data: &Path) -> Result<PreviewUrls, OpenError> {
    if let Ok(s) = std::env::var("APPGEN_PREVIEW_SECRET")
        && !s.is_empty()
    {
        return Ok(PreviewUrls::new(base, s.as_bytes()));
    }
    std::fs::create_dir_all(data).map_err(data_dir_error(data))?;
    let path = data.join("preview.key");
    if let Ok(k) = std::fs::read(&path)
        && k.len() >= 32
    {
        return Ok(PreviewUrls::new(base, &k));
    }
    let key: Vec<u8> = (0..4)
        .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
        .collect();
    std::fs::write(&path, &key).map_err(data_dir_error(data))?;
    Ok(PreviewUrls::new(base, &key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsync_is_on_unless_turned_off() {
        assert!(fsync_enabled(None));
        assert!(fsync_enabled(Some("1")));
        assert!(!fsync_enabled(Some("0")));
        assert!(!fsync_enabled(Some(" off")));
    }
}
