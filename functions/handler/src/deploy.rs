//! One-click deploy to Vercel: `POST /api/threads/{thread}/deploy/vercel` uploads a checked
//! version's built files through Vercel's REST API and answers with the live URL. The rules
//! (which version, who may) are publishing's; the plan and the meaning of Vercel's answers are
//! `appgen_core::vercel`'s; the HTTP client is `appgen_runtime::vercel`.

use crate::api::{ApiError, AppState, OwnedThread, Principal};
use appgen_core::vercel::{DeployError, plan};
use appgen_core::view::{DeployRequest, DeployedView};
use appgen_runtime::vercel::VercelClient;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// Where deploys go and the server's token (`APPGEN_VERCEL_TOKEN`), if it has one.
#[derive(Clone)]
pub struct VercelDeploy {
    pub client: VercelClient,
    token: Option<String>,
}

impl VercelDeploy {
    pub fn from_env() -> VercelDeploy {
        let token = std::env::var("APPGEN_VERCEL_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        VercelDeploy {
            client: VercelClient::from_env(),
            token,
        }
    }

    /// Whether the UI offers the button: the server has a token.
    pub fn configured(&self) -> bool {
        self.token.is_some()
    }
}

impl std::fmt::Debug for VercelDeploy {
    // The token is a secret: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VercelDeploy")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl From<DeployError> for ApiError {
    fn from(e: DeployError) -> Self {
        if e.code() == appgen_core::view::ApiErrorCode::DeployFailed {
            tracing::warn!(error = %e, "deploying to Vercel failed");
        }
        ApiError::new(e.code(), e.to_string())
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/threads/{thread}/deploy/vercel", post(deploy_vercel))
}

async fn deploy_vercel(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    OwnedThread(snap): OwnedThread,
    body: Bytes,
) -> Result<Json<DeployedView>, ApiError> {
    let req: DeployRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DeployRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body must be {{\"version\": n, \"token\": \"…\"}}, parts of it, or empty: {e}"
            ))
        })?
    };
    // Who may and which version first: a viewer is refused whether or not a token is set.
    let built = state
        .pipeline
        .built_for_deploy(&snap.thread_id, &principal, req.version)
        .await?;
    let token = req
        .token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| state.vercel.token.clone())
        .ok_or(DeployError::NoToken)?;
    let deployed = state
        .vercel
        .client
        .deploy(&token, &plan(&built.title, &built.files))
        .await?;
    tracing::info!(thread = %snap.thread_id, version = built.version, url = %deployed.url, "deployed to Vercel");
    Ok(Json(DeployedView {
        url: deployed.url,
        deployment_id: deployed.id,
        version: built.version,
    }))
}
