//! Wires adapters into a [`Pipeline`]: which storage, which agent, which builder.

use anyhow::Context;
use appgen_core::ports::{AppAgent, AppBuilder, BlobStore, QueueService};
use appgen_runtime::embedded::{DataDirLock, DiskBlobStore, DiskQueue};
use appgen_runtime::events::EventLog;
use appgen_runtime::pipeline::{Pipeline, PipelineConfig};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::threads::ThreadStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A wired pipeline and what must live as long as it.
pub struct Runtime {
    pub pipeline: Arc<Pipeline>,
    pub backend: &'static str,
    _lock: Option<DataDirLock>,
}

pub struct RuntimeOptions {
    pub data: PathBuf,
    pub preview_base: String,
}

/// The preview token key: from `APPGEN_PREVIEW_SECRET`, else a random key kept in the data dir
/// so preview URLs survive restarts.
fn preview_secret(data: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(s) = std::env::var("APPGEN_PREVIEW_SECRET")
        && !s.is_empty()
    {
        return Ok(s.into_bytes());
    }
    let path = data.join("preview.key");
    if let Ok(k) = std::fs::read(&path)
        && k.len() >= 32
    {
        return Ok(k);
    }
    let key: Vec<u8> = (0..4)
        .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
        .collect();
    std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

pub fn agent() -> anyhow::Result<Arc<dyn AppAgent>> {
    Ok(Arc::new(appgen_generator::OfflineAgent::default()))
}

pub fn builder(blobs: Arc<dyn BlobStore>) -> anyhow::Result<Arc<dyn AppBuilder>> {
    let config = appgen_builder::BuilderConfig::from_env()?;
    Ok(Arc::new(appgen_builder::Builder::new(config, blobs)))
}

/// The backend `AzureWebJobsStorage` names (exactly as the Functions host reads it), else the
/// embedded one.
pub async fn from_env(opts: &RuntimeOptions) -> anyhow::Result<Runtime> {
    use appgen_runtime::azure::config::{Backend, select_backend_from_env};
    match select_backend_from_env()? {
        Backend::Embedded => embedded(opts).await,
        Backend::Azure(conn) => azure(&conn, opts).await,
    }
}

/// Azure Storage (Azurite locally, managed identity in the cloud). Many processes share it, so
/// claims are never assumed dead by boot id, only by lease expiry.
pub async fn azure(
    conn: &appgen_runtime::azure::config::StorageConnection,
    opts: &RuntimeOptions,
) -> anyhow::Result<Runtime> {
    use appgen_runtime::azure::{AzureBlobStore, AzureQueue};
    let store = AzureBlobStore::new(conn)?;
    store
        .ensure_containers()
        .await
        .context("creating blob containers")?;
    let blobs: Arc<dyn BlobStore> = Arc::new(store);
    let queue: Arc<dyn QueueService> = Arc::new(AzureQueue::new(conn)?);
    std::fs::create_dir_all(&opts.data).ok();
    let pipeline = Arc::new(Pipeline::new(
        ThreadStore::new(blobs.clone()),
        EventLog::new(blobs.clone()),
        queue,
        agent()?,
        builder(blobs)?,
        PipelineConfig::new(
            PreviewUrls::new(&opts.preview_base, &preview_secret(&opts.data)?),
            false,
        ),
    ));
    pipeline.ensure_queues().await?;
    Ok(Runtime {
        pipeline,
        backend: "azure",
        _lock: None,
    })
}

/// The embedded backend on a data directory (one process at a time).
pub async fn embedded(opts: &RuntimeOptions) -> anyhow::Result<Runtime> {
    let lock = DataDirLock::acquire(&opts.data)
        .with_context(|| format!("opening data directory {}", opts.data.display()))?;
    let blobs: Arc<dyn BlobStore> = Arc::new(DiskBlobStore::open(&opts.data.join("blobs"))?);
    let queue: Arc<dyn QueueService> = Arc::new(DiskQueue::open(&opts.data.join("queues"))?);
    let pipeline = Arc::new(Pipeline::new(
        ThreadStore::new(blobs.clone()),
        EventLog::new(blobs.clone()),
        queue,
        agent()?,
        builder(blobs)?,
        PipelineConfig::new(
            PreviewUrls::new(&opts.preview_base, &preview_secret(&opts.data)?),
            true,
        ),
    ));
    pipeline.ensure_queues().await?;
    Ok(Runtime {
        pipeline,
        backend: "embedded",
        _lock: Some(lock),
    })
}
