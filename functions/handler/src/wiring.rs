//! Wires adapters into a [`Pipeline`]: which storage, which agent, which builder.

use appgen_core::ports::{AppAgent, AppBuilder, BlobStore};
use appgen_runtime::pipeline::{Pipeline, Steps};
use appgen_runtime::storage::{Storage, open};
use std::path::PathBuf;
use std::sync::Arc;

/// A wired pipeline and the storage it must outlive.
pub struct Runtime {
    pub pipeline: Arc<Pipeline>,
    pub backend: &'static str,
    _storage: Storage,
}

pub struct RuntimeOptions {
    pub data: PathBuf,
    pub preview_base: String,
}

/// A model-backed agent when `APPGEN_LLM` names a provider (its settings are validated here,
/// at start, with a message naming what is missing), else the offline generator; the steps
/// `APPGEN_AGENT_<STEP>_URL` (or front matter `agui:`) gives to external AG-UI agents go to
/// them, with the built-in agent as their fallback.
pub fn agent() -> anyhow::Result<Arc<dyn AppAgent>> {
    let builtin: Arc<dyn AppAgent> = match appgen_runtime::llm::ModelAgent::from_env()? {
        Some(model) => Arc::new(model),
        None => Arc::new(appgen_generator::OfflineAgent),
    };
    Ok(appgen_runtime::llm::remote::RemoteAgents::from_env(
        builtin,
    )?)
}

pub fn builder(blobs: Arc<dyn BlobStore>) -> anyhow::Result<Arc<dyn AppBuilder>> {
    let config = appgen_builder::BuilderConfig::from_env()?;
    Ok(Arc::new(appgen_builder::Builder::new(config, blobs)))
}

/// The pipeline on the storage `AzureWebJobsStorage` names (exactly as the Functions host reads
/// it), else on the embedded backend under `opts.data`.
pub async fn from_env(opts: &RuntimeOptions) -> anyhow::Result<Runtime> {
    with_steps(opts, |storage| {
        Ok(Steps::app(agent()?, builder(storage.blobs.clone())?))
    })
    .await
}

/// The pipeline on the same storage as [`from_env`], running the steps `steps` registers
/// (`appgen-devtools serve-bench` runs the reference workload's).
pub async fn with_steps(
    opts: &RuntimeOptions,
    steps: impl FnOnce(&Storage) -> anyhow::Result<Steps>,
) -> anyhow::Result<Runtime> {
    let storage = open(&opts.data).await?;
    let steps = steps(&storage)?;
    let pipeline = storage.pipeline(&opts.preview_base, steps).await?;
    Ok(Runtime {
        pipeline: Arc::new(pipeline),
        backend: storage.kind,
        _storage: storage,
    })
}
