//! `appgen serve`: API + UI on one port, previews on another, published apps on a third, every
//! step worker in-process.

use crate::api::AppState;
use crate::wiring::{Runtime, RuntimeOptions, from_env};
use anyhow::Context;
use appgen_runtime::dataapi::ClientAddresses;
use appgen_runtime::worker::{WorkerConfig, run_sweeper, run_workers, sweep_every};
use axum::serve::ListenerExt;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args)]
pub struct ServeArgs {
    /// API and UI address (the Functions host's port by default).
    #[arg(long, env = "APPGEN_ADDR", default_value = "127.0.0.1:7071")]
    pub addr: SocketAddr,
    /// Preview origin address: a different port is a different origin.
    #[arg(long, env = "APPGEN_PREVIEW_ADDR", default_value = "127.0.0.1:7072")]
    pub preview_addr: SocketAddr,
    /// Port of the published apps' origin, on the preview address's IP: each app is served at
    /// `http://{slug}.localhost:{port}` (browsers resolve `*.localhost` to loopback).
    #[arg(long, env = "APPGEN_APPS_PORT", default_value_t = crate::published::DEFAULT_APPS_PORT)]
    pub apps_port: u16,
    /// Public base URL of the preview origin, if not http://<preview-addr>.
    #[arg(long, env = "APPGEN_PREVIEW_BASE_URL")]
    pub preview_base_url: Option<String>,
    /// Data directory of the embedded backend.
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
    /// The built web UI to serve at `/` (default: web/dist when it exists).
    #[arg(long, env = "APPGEN_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Single-user local mode: no sign-in; every request is the user `local`.
    #[arg(long)]
    pub local: bool,
}

impl ServeArgs {
    /// Where the pipeline keeps its data and how its previews are addressed.
    pub fn runtime_options(&self) -> RuntimeOptions {
        RuntimeOptions {
            data: self.data.clone().unwrap_or_else(crate::default_data_dir),
            preview_base: self
                .preview_base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.preview_addr)),
        }
    }
}

/// `appgen serve`: the app pipeline (agent and builder as the environment sets them).
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = from_env(&args.runtime_options()).await?;
    host(args, runtime).await
}

/// Serves `runtime`'s pipeline: recovery, the step workers and the sweeper in-process, the API
/// and UI on one port, previews on another, until Ctrl-C.
pub async fn host(args: ServeArgs, runtime: Runtime) -> anyhow::Result<()> {
    let data = args.runtime_options().data;
    let pipeline = runtime.pipeline.clone();
    if runtime.backend == "embedded" {
        let resumed = pipeline.recover().await?;
        if resumed > 0 {
            tracing::info!(resumed, "resumed unfinished runs");
        }
    }
    let workers = tokio::spawn(run_workers(pipeline.clone(), WorkerConfig::default()));
    let sweeper = tokio::spawn(run_sweeper(pipeline.clone(), sweep_every()));

    let web_dir = args.web_dir.clone().or_else(|| {
        let d = PathBuf::from("web/dist");
        d.join("index.html").exists().then_some(d)
    });
    let mut state = AppState::from_env(pipeline.clone(), args.local);
    if std::env::var_os("APPGEN_APPS_DOMAIN").is_none() {
        state.apps = crate::published::local_origin(args.apps_port);
    }
    pipeline.set_apps_origin(state.apps.clone());
    let apps_app = crate::published::apps_router(pipeline.clone(), state.apps.clone());
    let app = crate::api::router(Arc::new(state), web_dir.clone());
    let api = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?
        .tap_io(no_delay);
    let previews = tokio::net::TcpListener::bind(args.preview_addr)
        .await
        .with_context(|| format!("binding {}", args.preview_addr))?
        .tap_io(no_delay);
    let apps_addr = SocketAddr::new(args.preview_addr.ip(), args.apps_port);
    let apps = tokio::net::TcpListener::bind(apps_addr)
        .await
        .with_context(|| format!("binding {apps_addr}"))?
        .tap_io(no_delay);
    tracing::info!(
        addr = %args.addr, preview = %args.preview_addr, apps = %apps_addr, data = %data.display(), backend = runtime.backend,
        agent = %pipeline.steps().maker(), ui = web_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "none (build web/)".into()),
        "appgen is ready"
    );
    eprintln!("appgen is ready: open http://{}/", args.addr);
    // Browsers reach `serve` directly: the socket's peer is the client (the sign-in limits).
    let preview_app = crate::preview::router(pipeline, ClientAddresses::Peer)
        .into_make_service_with_connect_info::<SocketAddr>();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tokio::select! {
        r = axum::serve(api, app) => r?,
        r = axum::serve(previews, preview_app) => r?,
        r = axum::serve(apps, apps_app) => r?,
        _ = shutdown => tracing::info!("shutting down"),
    }
    workers.abort();
    sweeper.abort();
    Ok(())
}

#[derive(Args)]
pub struct HostArgs {
    /// Port to listen on; the Functions host passes FUNCTIONS_CUSTOMHANDLER_PORT.
    #[arg(long, env = "FUNCTIONS_CUSTOMHANDLER_PORT", default_value_t = 7071)]
    pub port: u16,
    /// Public base URL of previews (the Function App's `https://<host>/api`).
    #[arg(
        long,
        env = "APPGEN_PREVIEW_BASE_URL",
        default_value = "http://127.0.0.1:7071/api"
    )]
    pub preview_base_url: String,
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
}

/// `appgen functions-host`: the custom handler under the Azure Functions host. The host owns
/// the queue triggers (it POSTs each message to `/{function}`) and proxies HTTP functions here,
/// so no in-process workers run.
pub async fn functions_host(args: HostArgs) -> anyhow::Result<()> {
    let data = args.data.clone().unwrap_or_else(crate::default_data_dir);
    let runtime = from_env(&RuntimeOptions {
        data,
        preview_base: args.preview_base_url.clone(),
    })
    .await?;
    let pipeline = runtime.pipeline.clone();
    if runtime.backend != "azure" {
        anyhow::bail!(
            "appgen functions-host needs Azure Storage: set AzureWebJobsStorage (a connection string, \
             or AzureWebJobsStorage__blobServiceUri/__queueServiceUri with managed identity); the embedded \
             backend cannot be shared by the host's instances"
        );
    }
    let state = AppState::from_env(pipeline.clone(), false);
    let origin = state.apps.clone();
    let app = crate::api::router(Arc::new(state), None)
        .merge(crate::functions::router(pipeline.clone()))
        .merge(crate::preview::router(
            pipeline.clone(),
            ClientAddresses::ForwardedFor,
        ));
    let app = crate::published::by_host(app, pipeline, origin);
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?
        .tap_io(no_delay);
    tracing::info!(%addr, backend = runtime.backend, "custom handler ready");
    axum::serve(listener, app).await?;
    Ok(())
}

/// SSE sends many small frames: without TCP_NODELAY, Nagle's algorithm holds each one until the
/// client's delayed ACK (about 40 ms on Linux), which shows as relay latency.
fn no_delay(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}
