//! AI calls of generated apps: `POST /data/{thread}/{space}/_ai/complete` with `{prompt}` or
//! `{messages:[{role, content}]}` → `{text, usage}` (docs/appdata.md, "AI").
//!
//! The same key and rate limits as the records API (`open`), then the request's limits, the
//! day's budget, one call on appgen's provider chain under the system prompt the app's
//! requirements fix, and the tokens it used added to the budget. The rules are
//! `appgen_core::appdata::ai`'s; with no model configured every call answers 503
//! `ai_not_configured` — nothing pretends to be a model.

use super::{DataState, cors, now_ms, open};
use crate::ai_usage::AiUsage;
use crate::http::ApiError;
use crate::llm::app_ai::AppAi;
use crate::pipeline::Pipeline;
use appgen_core::appdata::ai::{
    self as rules, AiError, AiMessage, DailyUsage, day_of, parse_request, secs_to_renewal,
    system_prompt,
};
use appgen_core::ports::AgentError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router, middleware};
use serde_json::json;
use std::sync::Arc;

struct AiState {
    data: Arc<DataState>,
    /// Where the app's system prompt is read from (its requirements).
    pipeline: Arc<Pipeline>,
    /// `None`: no model is configured (or its settings are wrong, which the log says).
    ai: Option<AppAi>,
    usage: AiUsage,
    /// Tokens per app, space and UTC day.
    budget: u64,
}

/// The AI route beside the records API, sharing its state (keys, rate limits).
pub(super) fn router(data: Arc<DataState>, pipeline: Arc<Pipeline>) -> Router {
    let (ai, budget) = from_env();
    let limits = data.clone();
    let state = Arc::new(AiState {
        usage: AiUsage::new(pipeline.threads().blobs().clone()),
        data,
        pipeline,
        ai,
        budget,
    });
    Router::new()
        .route("/data/{thread}/{space}/_ai/complete", post(complete))
        .layer(DefaultBodyLimit::max(rules::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(limits, super::per_client))
        .layer(middleware::from_fn(cors))
        .with_state(state)
}

/// The AI route of the build check's space: the key and limits of the others, then the answer
/// of a server with no model (503 `ai_not_configured`), which the app shows in place — the
/// check spends no tokens, and an app's AI call is never a 404 there.
pub(super) fn check_router(data: Arc<DataState>) -> Router {
    Router::new()
        .route("/data/{thread}/{space}/_ai/complete", post(not_configured))
        .layer(middleware::from_fn_with_state(
            data.clone(),
            super::per_client,
        ))
        .layer(middleware::from_fn(cors))
        .with_state(data)
}

async fn not_configured(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match open(&st, &thread, &space, None, &headers).await {
        Ok(_) => refusal(AiError::NotConfigured),
        Err(r) => r,
    }
}

/// The model chain and the budget from the settings. A wrong setting turns AI off with an
/// error in the log rather than stopping the server: the rest of it does not depend on AI.
fn from_env() -> (Option<AppAi>, u64) {
    let ai = AppAi::from_env().unwrap_or_else(|e| {
        tracing::error!(error = %e, "AI for generated apps is off: the model settings are wrong");
        None
    });
    let setting = std::env::var(rules::BUDGET_SETTING).ok();
    match rules::parse_budget(setting.as_deref()) {
        Ok(budget) => (ai, budget),
        Err(e) => {
            tracing::error!(error = %e, "AI for generated apps is off");
            (None, 0)
        }
    }
}

impl From<AiError> for ApiError {
    fn from(e: AiError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

fn refusal(e: AiError) -> Response {
    let retry = match e {
        AiError::BudgetSpent { .. } => Some(secs_to_renewal(now_ms())),
        _ => None,
    };
    let mut resp = ApiError::from(e).into_response();
    if let Some(secs) = retry {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

async fn complete(
    State(st): State<Arc<AiState>>,
    Path((thread, space)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let o = open(&st.data, &thread, &space, None, &headers).await?;
    let Some(ai) = &st.ai else {
        return Err(refusal(AiError::NotConfigured));
    };
    let body = body.map_err(|_| refusal(AiError::BodyTooLarge))?;
    let messages = parse_request(&body).map_err(refusal)?;
    let store = |e| ApiError::from(e).into_response();
    let day = day_of(now_ms());
    let (used, _) = st
        .usage
        .read(&thread, o.space.space, &day)
        .await
        .map_err(store)?;
    let allowance = used.allowance(st.budget).map_err(refusal)?;
    let system = app_system_prompt(&st, &thread).await?;
    let answer = ai
        .complete(
            &system,
            &messages,
            u32::try_from(allowance).unwrap_or(u32::MAX),
        )
        .await
        .map_err(|e| refusal(failure(e)))?;
    let u = &answer.usage;
    let chars = chars_of(&system, &messages) + answer.text.chars().count();
    let tokens = rules::tokens_counted(u.total_tokens, u.input_tokens, u.output_tokens, chars);
    let now = st
        .usage
        .add(&thread, o.space.space, &day, tokens)
        .await
        .map_err(store)?;
    Ok(Json(json!({
        "text": answer.text,
        "usage": {
            "inputTokens": u.input_tokens,
            "outputTokens": u.output_tokens,
            "totalTokens": tokens,
            "budget": budget_of(&now, st.budget),
        },
    }))
    .into_response())
}

fn budget_of(used: &DailyUsage, budget: u64) -> serde_json::Value {
    json!({"used": used.tokens, "limit": budget, "renewsInSeconds": secs_to_renewal(now_ms())})
}

fn chars_of(system: &str, messages: &[AiMessage]) -> usize {
    system.chars().count()
        + messages
            .iter()
            .map(|m| m.content.chars().count())
            .sum::<usize>()
}

/// The system prompt the app's current requirements fix. The snapshot is read again after
/// `open` (which keeps only the schema): one blob read beside a model call.
async fn app_system_prompt(st: &AiState, thread: &str) -> Result<String, Response> {
    match st.pipeline.threads().load(thread).await {
        Ok(Some((snap, _))) => Ok(system_prompt(snap.requirements.as_ref())),
        Ok(None) => Err(ApiError::not_found("app").into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// The chain's failure, after its retries and fallbacks, as the app's caller reads it; the
/// provider's own words stay in the log.
fn failure(e: AgentError) -> AiError {
    tracing::warn!(error = %e, "an app's AI call failed");
    match e {
        AgentError::Timeout(_) => AiError::Timeout,
        _ => AiError::ProviderFailed,
    }
}
