//! One-click deploy to Vercel: `POST /api/threads/{thread}/deploy/vercel` records the deploy,
//! enqueues it (`Pipeline::start_deploy`) and answers 202 with its id at once; a queue worker
//! uploads the checked version's built files through Vercel's REST API, its stages stored and
//! told on the thread stream, readable at `GET …/deploy/vercel/{id}`. The rules (which
//! version, who may) are publishing's; the plan and the meaning of Vercel's answers are
//! `appgen_core::vercel`'s, a deploy's stages `appgen_core::deploy`'s; the HTTP client and
//! the server's token are `appgen_runtime::vercel`'s.

use crate::api::{ApiError, AppState, Caller, OwnedThread, Principal};
use appgen_core::deploy::{DeployList, DeployView, valid_id};
use appgen_core::vercel::DeployError;
use appgen_core::view::DeployRequest;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

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

/// Starts a deploy and answers 202 at once with its id and state; a queue worker does the
/// work, its stages on the thread stream and at `GET …/deploy/vercel/{id}`.
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
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if token.is_none() && !state.pipeline.vercel().configured() {
        return Err(DeployError::NoToken.into());
    }
    let view = (state.pipeline)
        .start_deploy(&thread, &caller, built.version, token)
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
