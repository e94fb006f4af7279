//! `POST /api/threads/{thread}/checks`: a check written in words becomes a scenario of the
//! suite and runs on the current version (a check run, `core::pipeline::plan_check`).

use crate::api::{ApiError, AppState, Caller, over_run_limit};
use appgen_core::view::{CheckRequest, CheckStarted};
use appgen_runtime::threads::valid_id;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// Merged into the API router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/threads/{thread}/checks", post(add_check))
}

/// Starts the check run and answers 202 with its id; who may, and when, is core's
/// `plan_check` (a viewer 403, a non-member 404, a run in progress 409).
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
    let run_id = format!("check-{}", uuid::Uuid::now_v7().simple());
    (state.pipeline)
        .start_check(&thread, &run_id, &request.sentence, &caller)
        .await?;
    let started = CheckStarted {
        thread_id: thread,
        run_id,
    };
    Ok((StatusCode::ACCEPTED, Json(started)).into_response())
}
