//! One-click deploy to Vercel: `POST /api/threads/{thread}/deploy/vercel` answers 202 with a
//! deploy id at once; the upload of a checked version's built files through Vercel's REST API
//! goes on after the answer (`Pipeline::start_deploy`), its stages stored and told on the
//! thread stream, readable at `GET …/deploy/vercel/{id}`. The rules (which version, who may)
//! are publishing's; the plan and the meaning of Vercel's answers are `appgen_core::vercel`'s,
//! a deploy's stages `appgen_core::deploy`'s; the HTTP client is `appgen_runtime::vercel`.

use crate::api::{ApiError, AppState, Caller, OwnedThread, Principal};
use appgen_core::deploy::{DeployList, DeployView, valid_id};
use appgen_core::vercel::DeployError;
use appgen_core::view::DeployRequest;
use appgen_runtime::vercel::VercelClient;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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

/// What the request itself refuses (no token); Vercel's own answers end the deploy instead.
impl From<DeployError> for ApiError {
    fn from(e: DeployError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/threads/{thread}/deploy/vercel",
            post(deploy_vercel).get(list_deploys),
        )
        .route("/api/threads/{thread}/deploy/vercel/{id}", get(one_deploy))
}

/// Starts a deploy and answers 202 at once with its id and state; the work goes on after the
/// answer, its stages on the thread stream and at `GET …/deploy/vercel/{id}`.
async fn deploy_vercel(
    State(state): State<Arc<AppState>>,
    Caller(caller): Caller,
    OwnedThread(snap): OwnedThread,
    body: Bytes,
) -> Result<Response, ApiError> {
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
    let thread = snap.thread_id;
    let built = (state.pipeline)
        .built_for_deploy(&thread, &caller.principal, req.version)
        .await?;
    let token = req
        .token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| state.vercel.token.clone())
        .ok_or(DeployError::NoToken)?;
    let client = state.vercel.client.clone();
    let view = (state.pipeline)
        .start_deploy(&thread, &caller, built, token, client)
        .await?;
    let location = format!("/api/threads/{thread}/deploy/vercel/{}", view.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

/// The thread's deploys, newest first (every member may read them, as the stream tells them).
async fn list_deploys(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    OwnedThread(snap): OwnedThread,
) -> Result<Json<DeployList>, ApiError> {
    let deploys = (state.pipeline)
        .deploys_of(&snap.thread_id, &principal)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("thread {}", snap.thread_id)))?;
    Ok(Json(DeployList { deploys }))
}

async fn one_deploy(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    OwnedThread(snap): OwnedThread,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<DeployView>, ApiError> {
    let unknown = || ApiError::not_found(&format!("deploy {id}"));
    if !valid_id(&id) {
        return Err(unknown());
    }
    let view = (state.pipeline)
        .deploy_of(&snap.thread_id, &principal, &id)
        .await?;
    view.map(Json).ok_or_else(unknown)
}
