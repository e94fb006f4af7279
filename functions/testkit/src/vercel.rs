//! A stand-in for Vercel's REST API on loopback, implementing the documented calls a deploy
//! makes — `POST /v2/files` (`x-vercel-digest`: the body's SHA-1, `Content-Length`),
//! `POST /v13/deployments` (`files`: `{file, sha, size}`, `meta`; `400 missing_files` naming
//! the digests it lacks), `GET /v13/deployments/{id}` (`readyState`), `GET /v6/deployments`
//! (`app`, `meta-KEY`, `limit` filters; entries with `uid`, `state`, `meta`, newest first, as
//! the Vercel CLI's `vercel list --meta` reads them) — with their faults: a token
//! it does not know (401), rate limits (429 + `Retry-After`), files it "forgot" since they
//! were uploaded, and deployments that end in ERROR. It keeps what it was sent for assertions.

use appgen_core::vercel::sha1_hex;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Faults to inject; each counter is used up as the fault happens.
#[derive(Debug, Clone, Default)]
pub struct VercelFaults {
    /// This many uploads answer 429 with `Retry-After: 1` before being accepted.
    pub rate_limited_uploads: u32,
    /// This many creates drop the first listed file from the uploads and report it missing.
    pub forget_on_create: u32,
    /// How many reads of a new deployment answer BUILDING before its final state.
    pub building_polls: u32,
    /// A new deployment also answers BUILDING until this long after it was created (a slow
    /// build: longer than a request could wait).
    pub building_for: std::time::Duration,
    /// New deployments end in ERROR (with this message) instead of READY.
    pub fail_with: Option<String>,
}

/// A deployment as the stand-in made it: its files by path, with the bytes that were uploaded.
#[derive(Debug, Clone)]
pub struct StoodDeployment {
    pub id: String,
    pub name: String,
    pub body: Value,
    pub files: BTreeMap<String, Vec<u8>>,
    polls: u32,
    error: Option<String>,
    created: std::time::Instant,
}

/// What the stand-in saw and holds.
#[derive(Debug, Default)]
pub struct VercelRecord {
    pub faults: VercelFaults,
    /// Uploaded contents by digest.
    pub uploads: BTreeMap<String, Vec<u8>>,
    /// Accepted uploads per digest (a re-upload counts again).
    pub upload_count: BTreeMap<String, u32>,
    pub answered_429: u32,
    pub answered_401: u32,
    pub missing_reported: Vec<String>,
    pub deployments: Vec<StoodDeployment>,
}

struct Inner {
    token: String,
    record: Mutex<VercelRecord>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, VercelRecord> {
        self.record.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running stand-in; stops when dropped.
pub struct VercelStandIn {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for VercelStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl VercelStandIn {
    /// Binds 127.0.0.1:0; `token` is the one bearer token it accepts.
    pub async fn start(token: &str) -> std::io::Result<VercelStandIn> {
        let inner = Arc::new(Inner {
            token: token.to_owned(),
            record: Mutex::new(VercelRecord::default()),
        });
        let app = Router::new()
            .route("/v2/files", post(upload))
            .route("/v13/deployments", post(create))
            .route("/v13/deployments/{id}", get(read))
            .route("/v6/deployments", get(list))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "Vercel stand-in stopped");
            }
        });
        Ok(VercelStandIn { addr, inner, task })
    }

    /// The API base URL (`APPGEN_VERCEL_API`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_faults(&self, faults: VercelFaults) {
        self.inner.lock().faults = faults;
    }

    /// What it saw so far.
    pub fn record(&self) -> MutexGuard<'_, VercelRecord> {
        self.inner.lock()
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// The 401 Vercel answers without a valid bearer token.
fn refused(inner: &Inner, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(inner.token.as_str()) {
        return None;
    }
    inner.lock().answered_401 += 1;
    Some(error(
        StatusCode::UNAUTHORIZED,
        "forbidden",
        "Not authorized",
    ))
}

async fn upload(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = refused(&inner, &headers) {
        return r;
    }
    let text = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let Some(digest) = text("x-vercel-digest") else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing_digest",
            "x-vercel-digest is required",
        );
    };
    if text("content-length").and_then(|l| l.parse::<usize>().ok()) != Some(body.len()) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_size",
            "Content-Length does not match",
        );
    }
    if sha1_hex(&body) != digest {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_sha",
            "SHA1 sum does not match",
        );
    }
    let mut rec = inner.lock();
    if rec.faults.rate_limited_uploads > 0 {
        rec.faults.rate_limited_uploads -= 1;
        rec.answered_429 += 1;
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return r;
    }
    *rec.upload_count.entry(digest.clone()).or_default() += 1;
    rec.uploads.insert(digest, body.to_vec());
    (StatusCode::OK, axum::Json(json!({}))).into_response()
}

async fn create(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = refused(&inner, &headers) {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "Invalid JSON");
    };
    let listed: Vec<(String, String, u64)> = req["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let text = |k: &str| f[k].as_str().map(str::to_owned);
            Some((text("file")?, text("sha")?, f["size"].as_u64()?))
        })
        .collect();
    let mut rec = inner.lock();
    if rec.faults.forget_on_create > 0
        && let Some((_, sha, _)) = listed.first()
    {
        rec.faults.forget_on_create -= 1;
        rec.uploads.remove(sha);
    }
    let mut missing: Vec<String> = listed
        .iter()
        .filter(|(_, sha, _)| !rec.uploads.contains_key(sha))
        .map(|(_, sha, _)| sha.clone())
        .collect();
    missing.dedup();
    if !missing.is_empty() {
        rec.missing_reported.extend(missing.iter().cloned());
        let body = json!({"error": {"code": "missing_files", "message": "Missing files", "missing": missing}});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    if let Some((file, _, _)) = listed
        .iter()
        .find(|(_, sha, size)| rec.uploads[sha].len() as u64 != *size)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_size",
            &format!("{file}: wrong size"),
        );
    }
    let files = listed
        .iter()
        .map(|(file, sha, _)| (file.clone(), rec.uploads[sha].clone()))
        .collect();
    let n = rec.deployments.len() + 1;
    let d = StoodDeployment {
        id: format!("dpl_{n}"),
        name: req["name"].as_str().unwrap_or("project").to_owned(),
        body: req,
        files,
        polls: 0,
        error: rec.faults.fail_with.clone(),
        created: std::time::Instant::now(),
    };
    let view = deployment_json(&d, "QUEUED");
    rec.deployments.push(d);
    (StatusCode::OK, axum::Json(view)).into_response()
}

async fn read(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = refused(&inner, &headers) {
        return r;
    }
    let mut rec = inner.lock();
    let (building, slow) = (rec.faults.building_polls, rec.faults.building_for);
    let Some(d) = rec.deployments.iter_mut().find(|d| d.id == id) else {
        return error(StatusCode::NOT_FOUND, "not_found", "Deployment not found");
    };
    d.polls += 1;
    let state = state_of(d, building, slow);
    (StatusCode::OK, axum::Json(deployment_json(d, state))).into_response()
}

/// BUILDING until it has been read `building` times and is `slow` old, then its end.
fn state_of(d: &StoodDeployment, building: u32, slow: std::time::Duration) -> &'static str {
    let built = d.polls > building && d.created.elapsed() >= slow;
    match (&d.error, built) {
        (_, false) => "BUILDING",
        (None, true) => "READY",
        (Some(_), true) => "ERROR",
    }
}

/// The list, filtered as asked; each entry's state as a read would report it (without
/// counting as a poll).
async fn list(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = refused(&inner, &headers) {
        return r;
    }
    let rec = inner.lock();
    let (building, slow) = (rec.faults.building_polls, rec.faults.building_for);
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(20);
    let wanted = |d: &&StoodDeployment| {
        q.get("app").is_none_or(|app| *app == d.name)
            && q.iter().all(|(k, v)| match k.strip_prefix("meta-") {
                Some(key) => d.body["meta"][key].as_str() == Some(v.as_str()),
                None => true,
            })
    };
    let deployments: Vec<Value> = (rec.deployments.iter().rev())
        .filter(wanted)
        .take(limit)
        .map(|d| {
            let state = state_of(d, building, slow);
            json!({
                "uid": d.id,
                "name": d.name,
                "url": host(d),
                "state": state,
                "meta": d.body["meta"],
            })
        })
        .collect();
    let count = deployments.len();
    let body = json!({"deployments": deployments, "pagination": {"count": count}});
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn host(d: &StoodDeployment) -> String {
    format!("{}-{}.vercel.app", d.name, d.id.trim_start_matches("dpl_"))
}

fn deployment_json(d: &StoodDeployment, state: &str) -> Value {
    let mut v = json!({
        "id": d.id,
        "url": host(d),
        "name": d.name,
        "readyState": state,
    });
    if state == "ERROR"
        && let Some(msg) = &d.error
    {
        v["errorMessage"] = json!(msg);
        v["errorCode"] = json!("build_failed");
    }
    v
}
