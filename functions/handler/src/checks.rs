//! Checks written in words: `POST /api/threads/{thread}/checks` makes a sentence a scenario of
//! the suite, run on the current version (a check run, `core::pipeline::plan_check`), or queued
//! behind the active run like a chat message; `DELETE …/checks/{name}` removes one a person
//! wrote (agents never do).

use crate::api::{ApiError, AppState, Caller, over_run_limit};
use appgen_core::pipeline::Rejection;
use appgen_core::view::{CheckRequest, CheckStarted};
use appgen_runtime::pipeline::StartError;
use appgen_runtime::threads::valid_id;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use std::sync::Arc;

/// Merged into the API router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/threads/{thread}/checks", post(add_check))
        .route("/api/threads/{thread}/checks/{name}", delete(remove_check))
}

/// Starts the check run and answers 202 with its id, or, while a run is active, queues the
/// check and answers 202 with the queued entry too; who may, and what, is core's
/// `check_request` (a viewer 403, a non-member 404, a bad sentence 400).
async fn add_check(
    State(state): State<Arc<AppState>>,
    Caller(caller): Caller,
    Path(thread): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if !valid_id(&thread) {
        return Err(ApiError::not_found("thread"));
    }
    let request: CheckRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!("the body is not {{\"sentence\": \"…\"}}: {e}"))
    })?;
    if let Some(refused) = over_run_limit(&state, &caller.principal) {
        return Ok(refused);
    }
    let id = format!("check-{}", uuid::Uuid::now_v7().simple());
    let pipeline = &state.pipeline;
    let started = pipeline.start_check(&thread, &id, &request.sentence, &caller);
    let (run_id, queued) = match started.await {
        Ok(_) => (id, None),
        Err(StartError::Rejected(Rejection::Busy(_))) => {
            let queued = pipeline.queue_check(&thread, &id, &request.sentence, &caller);
            let queued = queued.await?;
            (queued.run_id(), Some(queued))
        }
        Err(e) => return Err(e.into()),
    };
    let started = CheckStarted {
        thread_id: thread,
        run_id,
        queued,
    };
    Ok((StatusCode::ACCEPTED, Json(started)).into_response())
}

/// Removes a check a person wrote (editors; 400 for a scenario nobody wrote, 409 during a run).
async fn remove_check(
    State(state): State<Arc<AppState>>,
    Caller(caller): Caller,
    Path((thread, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if !valid_id(&thread) {
        return Err(ApiError::not_found("thread"));
    }
    (state.pipeline)
        .remove_check(&thread, &name, &caller)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
