//! The HTTP API (docs/api.md): thin handlers over the pipeline.

use crate::auth::{AuthConfig, AuthError};
use crate::relay;
use appgen_core::access::{Action, Denied};
use appgen_core::agui::RunAgentInput;
use appgen_core::pipeline::Rejection;
use appgen_core::ports::StoreError;
use appgen_core::snapshot::ThreadSnapshot;
use appgen_core::view::{
    ApiErrorCode, Health, PreviewDataReset, Restored, ThreadDetail, ThreadList, ThreadListItem,
    VersionDetail,
};
use appgen_runtime::pipeline::{Pipeline, StartError};
use appgen_runtime::threads::valid_id;
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Request limits; each answers with a clear error.
#[derive(Debug, Clone)]
pub struct Limits {
    pub body_bytes: usize,
    pub message_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1024 * 1024,
            message_chars: 20_000,
        }
    }
}

pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub auth: AuthConfig,
    pub limits: Limits,
    pub rate: crate::ratelimit::RateLimiter,
    /// Where published apps live (`published.rs`).
    pub apps: appgen_core::publish::AppsOrigin,
    /// The web UI's origin when it is not this one: `/api` allows it by CORS (`cors.rs`).
    pub web_origin: Option<axum::http::HeaderValue>,
}

impl AppState {
    /// Sign-in and rate limits as the environment sets them, the default request limits.
    pub fn from_env(pipeline: Arc<Pipeline>, local: bool) -> AppState {
        AppState {
            pipeline,
            auth: AuthConfig::from_env(local),
            limits: Limits::default(),
            rate: crate::ratelimit::RateLimiter::from_env(),
            apps: crate::published::apps_origin_from_env(),
            web_origin: crate::cors::web_origin_from_env().unwrap_or_else(|e| {
                tracing::error!(error = %e, "no CORS for the web UI");
                None
            }),
        }
    }
}

/// A JSON error of appgen's API. Its shape and status are `appgen_runtime::http::ApiError`'s,
/// shared with the data API of generated apps; this is the handler's own type so that its
/// modules can turn their refusals into it.
#[derive(Debug)]
pub struct ApiError(pub appgen_runtime::http::ApiError);

impl ApiError {
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> ApiError {
        ApiError(appgen_runtime::http::ApiError::new(code, message))
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(ApiErrorCode::BadRequest, message)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ApiErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn code(&self) -> ApiErrorCode {
        self.0.code()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        ApiError(d.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(e.into())
    }
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> Self {
        ApiError(e.into())
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::new(ApiErrorCode::Unauthorized, e.to_string())
    }
}

pub fn router(state: Arc<AppState>, web_dir: Option<PathBuf>) -> Router {
    let body_limit = state.limits.body_bytes;
    let api = Router::new()
        .route("/api/health", get(|| async { Json(Health { ok: true }) }))
        .route("/api/me", get(me))
        .route("/api/agent", post(run_agent))
        .route("/api/threads", get(list_threads))
        .route("/api/threads/{thread}", get(get_thread))
        .route("/api/threads/{thread}/runs/{run}/events", get(run_events))
        .route("/api/threads/{thread}/blobs/{hash}", get(get_blob))
        .route("/api/threads/{thread}/versions/{n}", get(get_version))
        .route("/api/threads/{thread}/versions/{n}/zip", get(get_zip))
        .route(
            "/api/threads/{thread}/versions/{n}/screenshot",
            get(get_screenshot),
        )
        .route(
            "/api/threads/{thread}/versions/{n}/acceptance/{i}/screenshot",
            get(get_acceptance_screenshot),
        )
        .route(
            "/api/threads/{thread}/versions/{n}/restore",
            post(restore_version),
        )
        .route(
            "/api/threads/{thread}/preview/reset",
            post(reset_preview_data),
        )
        .merge(crate::published::api_routes())
        .merge(crate::checks::routes())
        .merge(crate::deploy::routes())
        .merge(crate::members::routes())
        .merge(crate::live::routes())
        .fallback(|| async { ApiError::not_found("route") })
        .layer(DefaultBodyLimit::max(body_limit));
    let api = match state.web_origin.clone() {
        Some(origin) => api.layer(crate::cors::api_layer(origin)),
        None => api,
    }
    .with_state(state);
    match web_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            let spa = tower_http::services::ServeDir::new(&dir)
                .not_found_service(tower_http::services::ServeFile::new(index));
            Router::new()
                .nest("/api", Router::new())
                .merge(api)
                .fallback_service(spa)
        }
        None => api,
    }
}

/// Reads a body up to `limit` bytes. Past the limit it keeps reading (and dropping) up to a
/// hard cap, so the client finishes sending and can read the 413 instead of a reset connection.
async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    use futures::StreamExt;
    let hard_cap = limit.saturating_mul(8);
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("reading the body failed: {e}")))?;
        seen += chunk.len();
        if seen <= limit {
            buf.extend_from_slice(&chunk);
        } else if seen > hard_cap {
            break;
        }
    }
    if seen > limit {
        return Err(ApiError::new(
            ApiErrorCode::BodyTooLarge,
            format!("the request body has more than {limit} bytes"),
        ));
    }
    Ok(Bytes::from(buf))
}

/// Counts one run against the principal's runs-per-minute limit (messages and checks alike);
/// over it, the 429 with `Retry-After` to answer instead.
pub(crate) fn over_run_limit(state: &AppState, principal: &str) -> Option<Response> {
    let wait = state.rate.take(principal).err()?;
    let secs = wait.as_secs() + 1;
    let mut resp = ApiError::new(
        ApiErrorCode::RateLimited,
        format!("too many runs; try again in {secs} s"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    Some(resp)
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not a valid RunAgentInput: {e}"
        ))
    })
}

async fn run_agent(
    State(state): State<Arc<AppState>>,
    Caller(caller): Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = caller.principal.clone();
    let body = read_limited(body, state.limits.body_bytes).await?;
    let input: RunAgentInput = parse_json(&body)?;
    for (name, id) in [("threadId", &input.thread_id), ("runId", &input.run_id)] {
        if !valid_id(id) {
            return Err(ApiError::bad_request(format!(
                "{name} must be 1-100 characters of letters, digits, '-', '_' or '.'"
            )));
        }
    }
    if let Some(long) = input
        .messages
        .iter()
        .filter_map(|m| m.user_text())
        .find(|t| t.chars().count() > state.limits.message_chars)
    {
        return Err(ApiError::new(
            ApiErrorCode::MessageTooLong,
            format!(
                "a message has {} characters; the limit is {}",
                long.chars().count(),
                state.limits.message_chars
            ),
        ));
    }
    if let Some(refused) = over_run_limit(&state, &principal) {
        return Ok(refused);
    }
    // "publish it" publishes instead of starting an edit; while a run is active it waits in the
    // queue like any message.
    let published = match state.pipeline.publish_from_chat(&input, &caller).await {
        Ok(p) => p,
        Err(StartError::Rejected(Rejection::Busy(_))) => false,
        Err(e) => return Err(e.into()),
    };
    if published {
        return Ok(relay::sse(
            state.pipeline.clone(),
            input.thread_id,
            input.run_id,
            0,
        ));
    }
    match state.pipeline.start_run_as(&input, &caller).await {
        Ok(_) => {}
        // One run at a time: a new message waits for the active run (answers do not queue:
        // the first answer wins, the others see it).
        Err(StartError::Rejected(Rejection::Busy(_))) if !answering(&input) => {
            return crate::live::queue_request(&state, &input, &caller).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(relay::sse(
        state.pipeline.clone(),
        input.thread_id,
        input.run_id,
        0,
    ))
}

fn answering(input: &RunAgentInput) -> bool {
    input.resume.as_ref().is_some_and(|r| !r.is_empty())
}

/// The signed-in caller (401 when nobody is).
pub struct Principal(pub String);

/// The signed-in caller with the name other members see.
pub struct Caller(pub appgen_core::live::Person);

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Caller(state.auth.person(&parts.headers)?))
    }
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Principal(state.auth.principal(&parts.headers)?))
    }
}

/// The thread named by the route's `{thread}` segment, if the caller may read it (any role:
/// a viewer reads, follows runs and downloads). A non-member gets "not found", exactly like an
/// unknown thread; actions that need more go through `Pipeline::thread_as` or core's
/// `plan_run` / `restore`: no handler checks roles by hand.
pub struct OwnedThread(pub ThreadSnapshot);

impl FromRequestParts<Arc<AppState>> for OwnedThread {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Principal(principal) = Principal::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("thread"))?;
        let thread = params.get("thread").map(String::as_str).unwrap_or_default();
        if !valid_id(thread) {
            return Err(ApiError::not_found("thread"));
        }
        match state.pipeline.thread_for(thread, &principal).await? {
            Some(snap) => Ok(OwnedThread(snap)),
            None => Err(ApiError::not_found(&format!("thread {thread}"))),
        }
    }
}

/// `GET /api/me`: the caller (none when nobody signed in) and whether API keys are taken here.
async fn me(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<appgen_core::view::Me>, ApiError> {
    let you = match state.auth.person(&headers) {
        Ok(p) => Some(p),
        Err(AuthError::Missing) => None,
        Err(e) => return Err(e.into()),
    };
    let keys = !state.auth.keys.is_empty();
    let local = you
        .as_ref()
        .is_some_and(|p| p.principal == crate::auth::LOCAL);
    Ok(Json(appgen_core::view::Me { you, keys, local }))
}

async fn list_threads(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
) -> Result<Json<ThreadList>, ApiError> {
    let threads = state.pipeline.threads_of(&principal).await?;
    let item = |s: &ThreadSnapshot| Some(ThreadListItem::of(s, s.role_of(&principal)?));
    Ok(Json(ThreadList {
        threads: threads.iter().filter_map(item).collect(),
    }))
}

async fn get_thread(
    State(state): State<Arc<AppState>>,
    Caller(you): Caller,
    OwnedThread(snap): OwnedThread,
) -> Result<Json<ThreadDetail>, ApiError> {
    let p = &state.pipeline;
    let url = |v: &appgen_core::snapshot::Version| p.preview_url(&snap.thread_id, v);
    let app_url = |slug: &str| state.apps.url(slug);
    let queued = p.live().queued(&snap.thread_id).await?;
    let mut detail = ThreadDetail::of(&snap, &url, &app_url, you, queued);
    detail.vercel_deploy = state.pipeline.vercel().configured();
    Ok(Json(detail))
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<u64>,
}

async fn run_events(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    headers: HeaderMap,
    Path((thread, run)): Path<(String, String)>,
    Query(q): Query<AfterQuery>,
) -> Result<Response, ApiError> {
    if snap.run(&run).is_none() {
        return Err(ApiError::not_found(&format!("run {run}")));
    }
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(q.after)
        .unwrap_or(0);
    Ok(relay::sse(state.pipeline.clone(), thread, run, after))
}

async fn get_blob(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    Path((_, hash)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let content = state
        .pipeline
        .file(&snap, &hash)
        .await?
        .ok_or_else(|| ApiError::not_found("blob"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        content,
    )
        .into_response())
}

fn version_of(snap: &ThreadSnapshot, n: u32) -> Result<&appgen_core::snapshot::Version, ApiError> {
    snap.version(n)
        .ok_or_else(|| ApiError::not_found(&format!("version {n}")))
}

async fn get_version(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    Path((thread, n)): Path<(String, u32)>,
) -> Result<Json<VersionDetail>, ApiError> {
    let v = version_of(&snap, n)?;
    let url = state.pipeline.preview_url(&thread, v);
    Ok(Json(VersionDetail::of(v, url)))
}

async fn get_zip(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    Path((_, n)): Path<(String, u32)>,
) -> Result<Response, ApiError> {
    let v = version_of(&snap, n)?;
    let project = crate::export::project(&state.pipeline, &snap, v).await?;
    let bytes = crate::export::zip(&project)
        .map_err(|e| ApiError::new(ApiErrorCode::ZipFailed, e.to_string()))?;
    let name = format!("attachment; filename=\"{}-v{n}.zip\"", slug(&snap.title));
    let mut resp = (StatusCode::OK, bytes).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

pub fn slug(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() { "app".into() } else { s }
}

async fn get_screenshot(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    Path((_, n)): Path<(String, u32)>,
) -> Result<Response, ApiError> {
    let v = version_of(&snap, n)?;
    let key = v
        .check
        .as_ref()
        .and_then(|c| c.screenshot.clone())
        .ok_or_else(|| ApiError::not_found("screenshot"))?;
    png(&state, &key).await
}

/// The screenshot of the `i`-th (1-based) acceptance scenario's failure on version `n`.
async fn get_acceptance_screenshot(
    State(state): State<Arc<AppState>>,
    OwnedThread(snap): OwnedThread,
    Path((_, n, i)): Path<(String, u32, usize)>,
) -> Result<Response, ApiError> {
    let v = version_of(&snap, n)?;
    let key = v
        .check
        .as_ref()
        .and_then(|c| c.acceptance.get(i.checked_sub(1)?))
        .and_then(|r| r.screenshot.clone())
        .ok_or_else(|| ApiError::not_found("screenshot"))?;
    png(&state, &key).await
}

async fn png(state: &AppState, key: &str) -> Result<Response, ApiError> {
    let blob = state
        .pipeline
        .artifact(key)
        .await?
        .ok_or_else(|| ApiError::not_found("screenshot"))?;
    Ok((
        [(header::CONTENT_TYPE, "image/png")],
        Body::from(blob.bytes),
    )
        .into_response())
}

async fn restore_version(
    State(state): State<Arc<AppState>>,
    Caller(caller): Caller,
    Path((thread, n)): Path<(String, u32)>,
) -> Result<Response, ApiError> {
    if !valid_id(&thread) {
        return Err(ApiError::not_found("thread"));
    }
    let version = state.pipeline.restore(&thread, &caller, n).await?;
    Ok((StatusCode::CREATED, Json(Restored { version })).into_response())
}

/// `POST /api/threads/{id}/preview/reset`: empties the app's preview data space, for its
/// editors (an app's key cannot: the data API refuses it).
async fn reset_preview_data(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path(thread): Path<String>,
) -> Result<Json<PreviewDataReset>, ApiError> {
    if !valid_id(&thread) {
        return Err(ApiError::not_found("thread"));
    }
    state
        .pipeline
        .thread_as(&thread, &principal, Action::ResetPreviewData)
        .await??;
    let n = appgen_runtime::dataapi::reset_preview(&state.pipeline, &thread).await?;
    Ok(Json(PreviewDataReset {
        deleted: u32::try_from(n).unwrap_or(u32::MAX),
    }))
}
