//! The same axum router as `appgen serve` under AWS Lambda, so users on AWS get the HTTP API
//! unchanged. Steps run in-process (workers), with storage as configured.

use appgen::api::AppState;
use appgen::wiring::{RuntimeOptions, from_env};
use appgen_runtime::worker::{WorkerConfig, run_workers};
use std::sync::Arc;

/// Serves the API through the Lambda runtime. The runtime's future is not `Send` (axum's body
/// is not `Sync`), so it is awaited here, on the main task.
pub async fn run() -> anyhow::Result<()> {
    let data = std::env::var("APPGEN_DATA")
        .map(Into::into)
        .unwrap_or_else(|_| std::path::PathBuf::from("/tmp/appgen"));
    let preview_base = std::env::var("APPGEN_PREVIEW_BASE_URL").unwrap_or_default();
    let runtime = from_env(&RuntimeOptions { data, preview_base }).await?;
    let pipeline = runtime.pipeline.clone();
    let _workers = tokio::spawn(run_workers(pipeline.clone(), WorkerConfig::default()));
    let app = router(pipeline);
    lambda_http::run(app)
        .await
        .map_err(|e| anyhow::anyhow!("lambda runtime: {e}"))
}

fn router(pipeline: Arc<appgen_runtime::pipeline::Pipeline>) -> axum::Router {
    appgen::api::router(Arc::new(AppState::from_env(pipeline, false)), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::tower::ServiceExt;

    async fn router_on_temp_storage() -> (tempfile::TempDir, axum::Router, appgen::wiring::Runtime)
    {
        let dir = tempfile::tempdir().expect("tmp");
        let rt = from_env(&RuntimeOptions {
            data: dir.path().join("data"),
            preview_base: "http://p".into(),
        })
        .await
        .expect("runtime");
        (dir, router(rt.pipeline.clone()), rt)
    }

    fn event(name: &str) -> lambda_http::Request {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        lambda_http::request::from_str(&text).expect("an API Gateway v2 event")
    }

    #[tokio::test]
    async fn api_gateway_events_reach_the_same_router() {
        let (_dir, app, _rt) = router_on_temp_storage().await;
        let resp = app
            .clone()
            .oneshot(event("apigw-v2-health.json"))
            .await
            .expect("response");
        assert_eq!(resp.status(), 200);
        // Errors keep their shape: no principal configured → 401 JSON, before any parsing.
        let resp = app
            .oneshot(event("apigw-v2-agent-bad.json"))
            .await
            .expect("response");
        assert_eq!(resp.status(), 401);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["error"]["code"], "unauthorized");
    }
}
