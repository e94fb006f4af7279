//! A scripted OpenAI-compatible server on loopback: real HTTP, real SSE, injectable faults.
//!
//! It serves `POST /v1/chat/completions` (OpenAI shape, `Authorization: Bearer`) and
//! `POST /openai/deployments/{deployment}/chat/completions?api-version=…` (Azure shape,
//! `api-key` header or an Entra bearer token), streaming and not. Replies come from a queue
//! ([`Reply`]); when the queue is empty a [`Responder`] answers (see [`appgen_responder`] for one
//! that plays every appgen agent), else the server answers 500 so a test notices it ran dry.
//! Every request is recorded for assertions.

pub mod counting;
mod fixture;
mod responder;
pub mod vercel;
pub mod workload;

pub use fixture::FixtureAgent;
pub use responder::{
    BROKEN_LINE, appgen_responder, appgen_responder_broken_code, detect_agent, in_schema_order,
};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Token counts reported for a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// One scripted answer (or fault).
#[derive(Debug, Clone)]
pub enum Reply {
    /// A normal completion. `usage: None` estimates tokens from the text (4 chars a token).
    Content {
        content: String,
        finish_reason: String,
        usage: Option<Usage>,
    },
    /// An HTTP error with an OpenAI-style error body, optionally with `Retry-After` (seconds).
    Error {
        status: u16,
        retry_after: Option<u64>,
        message: String,
    },
    /// Accept the request and say nothing for this long (then answer 504).
    Hang(Duration),
    /// Stream `prefix`, then stall for this long mid-stream (then close without finishing).
    StallAfter { prefix: String, stall: Duration },
    /// 200 with a body (or SSE chunk) that is not JSON.
    Malformed,
}

impl Reply {
    pub fn text(content: impl Into<String>) -> Reply {
        Reply::Content {
            content: content.into(),
            finish_reason: "stop".into(),
            usage: None,
        }
    }

    /// Output cut by the token limit: `finish_reason = "length"`.
    pub fn truncated(content: impl Into<String>) -> Reply {
        Reply::Content {
            content: content.into(),
            finish_reason: "length".into(),
            usage: None,
        }
    }

    /// A JSON value as the content (structured output).
    pub fn json(value: &Value) -> Reply {
        Reply::text(value.to_string())
    }

    pub fn with_usage(self, prompt_tokens: u64, completion_tokens: u64) -> Reply {
        match self {
            Reply::Content {
                content,
                finish_reason,
                ..
            } => Reply::Content {
                content,
                finish_reason,
                usage: Some(Usage {
                    prompt_tokens,
                    completion_tokens,
                }),
            },
            other => other,
        }
    }

    pub fn rate_limited(retry_after_secs: u64) -> Reply {
        Reply::Error {
            status: 429,
            retry_after: Some(retry_after_secs),
            message: "Rate limit reached (scripted)".into(),
        }
    }

    pub fn server_error() -> Reply {
        Reply::Error {
            status: 500,
            retry_after: None,
            message: "The server had an error while processing your request (scripted)".into(),
        }
    }

    pub fn status(status: u16, message: impl Into<String>) -> Reply {
        Reply::Error {
            status,
            retry_after: None,
            message: message.into(),
        }
    }

    pub fn hang(d: Duration) -> Reply {
        Reply::Hang(d)
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `openai` or `azure`.
    pub shape: &'static str,
    /// The `model` field, or the deployment for the Azure shape.
    pub model: String,
    pub deployment: Option<String>,
    pub api_version: Option<String>,
    /// Value of the `api-key` header, if any.
    pub api_key: Option<String>,
    /// Value of the `Authorization` header, if any.
    pub authorization: Option<String>,
    pub body: Value,
    pub received_at: Instant,
}

impl RecordedRequest {
    pub fn stream(&self) -> bool {
        self.body["stream"].as_bool().unwrap_or(false)
    }

    pub fn include_usage(&self) -> bool {
        self.body["stream_options"]["include_usage"]
            .as_bool()
            .unwrap_or(false)
    }

    pub fn messages(&self) -> Vec<(String, String)> {
        self.body["messages"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| {
                        (
                            m["role"].as_str().unwrap_or_default().to_owned(),
                            message_text(&m["content"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn system(&self) -> String {
        self.messages()
            .into_iter()
            .find(|(r, _)| r == "system" || r == "developer")
            .map(|(_, c)| c)
            .unwrap_or_default()
    }

    /// The last user message.
    pub fn last_user(&self) -> String {
        self.messages()
            .into_iter()
            .rev()
            .find(|(r, _)| r == "user")
            .map(|(_, c)| c)
            .unwrap_or_default()
    }

    pub fn response_format(&self) -> Option<&Value> {
        self.body.get("response_format")
    }

    /// The user messages' text, one after another (what the whole conversation asked).
    pub fn user_text(&self) -> String {
        (self.messages().into_iter())
            .filter(|(role, _)| role == "user")
            .map(|(_, text)| text)
            .collect()
    }

    /// The appgen agent this request is for (see [`detect_agent`]).
    pub fn agent(&self) -> Option<String> {
        detect_agent(self)
    }
}

fn message_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// Answers when the scripted queue is empty.
pub type Responder = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// What the server does.
#[derive(Clone)]
pub struct Script {
    pub replies: VecDeque<Reply>,
    /// Delay before each response starts (models are slow; `appgen-devtools bench` uses 1 s).
    pub latency: Duration,
    /// Delay between streamed chunks.
    pub chunk_delay: Duration,
    /// Characters of content per streamed chunk.
    pub chunk_chars: usize,
    pub responder: Option<Responder>,
    /// When set, requests must carry this key (`api-key` or `Bearer`), else 401.
    pub api_key: Option<String>,
    /// Answer in one JSON body even when `stream: true` was asked (some servers do).
    pub ignore_stream: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            replies: VecDeque::new(),
            latency: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            chunk_chars: 16,
            responder: None,
            api_key: None,
            ignore_stream: false,
        }
    }
}

impl Script {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Script {
        Script {
            replies: replies.into_iter().collect(),
            ..Script::default()
        }
    }

    /// A server that plays every appgen agent (see [`appgen_responder`]).
    pub fn appgen() -> Script {
        Script {
            responder: Some(appgen_responder()),
            ..Script::default()
        }
    }

    /// Plays every appgen agent, writing code that fails to build first (see
    /// [`appgen_responder_broken_code`]).
    pub fn appgen_broken_code() -> Script {
        Script {
            responder: Some(appgen_responder_broken_code()),
            ..Script::default()
        }
    }

    pub fn latency(mut self, d: Duration) -> Script {
        self.latency = d;
        self
    }

    pub fn chunk_delay(mut self, d: Duration) -> Script {
        self.chunk_delay = d;
        self
    }

    pub fn chunk_chars(mut self, n: usize) -> Script {
        self.chunk_chars = n.max(1);
        self
    }

    pub fn responder(
        mut self,
        r: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Script {
        self.responder = Some(Arc::new(r));
        self
    }

    pub fn ignore_stream(mut self) -> Script {
        self.ignore_stream = true;
        self
    }

    pub fn require_key(mut self, key: impl Into<String>) -> Script {
        self.api_key = Some(key.into());
        self
    }
}

struct Inner {
    script: Mutex<Script>,
    requests: Mutex<Vec<RecordedRequest>>,
    ids: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the server for the others.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running server; stops when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Binds 127.0.0.1:0 and serves `script` until dropped.
    pub async fn start(script: Script) -> std::io::Result<ScriptedServer> {
        let inner = Arc::new(Inner {
            script: Mutex::new(script),
            requests: Mutex::new(Vec::new()),
            ids: AtomicU64::new(1),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(openai_route))
            .route("/chat/completions", post(openai_route))
            .route(
                "/openai/deployments/{deployment}/chat/completions",
                post(azure_route),
            )
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "scripted server stopped");
            }
        });
        Ok(ScriptedServer { addr, inner, task })
    }

    /// `http://127.0.0.1:{port}`: the Azure endpoint; the OpenAI base URL is this + `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The OpenAI-shaped base URL (`…/v1`).
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// App settings pointing appgen at this server as an OpenAI-compatible endpoint
    /// (`appgen-devtools bench`, end-to-end tests).
    pub fn settings_compatible(&self) -> Vec<(String, String)> {
        [
            ("APPGEN_LLM", "compatible".to_owned()),
            ("OPENAI_BASE_URL", self.openai_base_url()),
            ("OPENAI_API_KEY", "scripted".to_owned()),
            ("APPGEN_MODEL_FAST", "scripted-fast".to_owned()),
            ("APPGEN_MODEL_STRONG", "scripted-strong".to_owned()),
            ("APPGEN_LLM_STRUCTURED", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// App settings pointing appgen at this server as an Azure OpenAI resource.
    pub fn settings_azure(&self) -> Vec<(String, String)> {
        [
            ("APPGEN_LLM", "azure-openai".to_owned()),
            ("AZURE_OPENAI_ENDPOINT", self.base_url()),
            ("AZURE_OPENAI_API_KEY", "scripted".to_owned()),
            ("APPGEN_MODEL_FAST", "scripted-fast".to_owned()),
            ("APPGEN_MODEL_STRONG", "scripted-strong".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    pub fn push(&self, reply: Reply) {
        lock(&self.inner.script).replies.push_back(reply);
    }

    pub fn set_latency(&self, d: Duration) {
        lock(&self.inner.script).latency = d;
    }

    /// Requests received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.requests).clone()
    }

    /// Scripted replies not yet used.
    pub fn remaining(&self) -> usize {
        lock(&self.inner.script).replies.len()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn openai_route(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    handle(inner, "openai", None, None, headers, body).await
}

async fn azure_route(
    State(inner): State<Arc<Inner>>,
    Path(deployment): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let version = q.get("api-version").cloned();
    if version.is_none() {
        return error_response(400, None, "api-version query parameter is required");
    }
    handle(inner, "azure", Some(deployment), version, headers, body).await
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn handle(
    inner: Arc<Inner>,
    shape: &'static str,
    deployment: Option<String>,
    api_version: Option<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error_response(400, None, "request body is not JSON");
    };
    let model = deployment
        .clone()
        .or_else(|| body["model"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let req = RecordedRequest {
        shape,
        model: model.clone(),
        deployment,
        api_version,
        api_key: header_str(&headers, "api-key"),
        authorization: header_str(&headers, "authorization"),
        body,
        received_at: Instant::now(),
    };
    lock(&inner.requests).push(req.clone());

    let (reply, latency, chunk_delay, chunk_chars, key, ignore_stream) = {
        let mut s = lock(&inner.script);
        let reply = match s.replies.pop_front() {
            Some(r) => r,
            None => match &s.responder {
                Some(r) => r(&req),
                None => Reply::status(500, "scripted server: no reply left in the script"),
            },
        };
        (
            reply,
            s.latency,
            s.chunk_delay,
            s.chunk_chars,
            s.api_key.clone(),
            s.ignore_stream,
        )
    };
    if let Some(key) = key {
        let bearer = format!("Bearer {key}");
        let ok = req.api_key.as_deref() == Some(key.as_str())
            || req.authorization.as_deref() == Some(bearer.as_str());
        if !ok {
            return error_response(401, None, "Incorrect API key provided (scripted)");
        }
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let id = format!(
        "chatcmpl-scripted{}",
        inner.ids.fetch_add(1, Ordering::Relaxed)
    );
    let prompt_chars: usize = req.messages().iter().map(|(_, c)| c.len()).sum();
    let stream = req.stream() && !ignore_stream;
    let include_usage = req.include_usage();
    let sh = ReplyShape {
        id,
        model,
        azure: shape == "azure",
        chunk_chars,
        chunk_delay,
        prompt_tokens: (prompt_chars as u64).div_ceil(4),
    };
    match reply {
        Reply::Error {
            status,
            retry_after,
            message,
        } => error_response(status, retry_after, &message),
        Reply::Hang(d) => {
            tokio::time::sleep(d).await;
            error_response(504, None, "scripted hang is over")
        }
        Reply::Malformed => {
            if stream {
                sse_response(vec![
                    Piece::Data(sh.chunk(json!({"role": "assistant", "content": ""}), None)),
                    Piece::Raw("data: {\"id\": \"broken\", \"choices\": [\n\n".into()),
                    Piece::Raw("data: [DONE]\n\n".into()),
                ])
            } else {
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    "{\"id\": \"chatcmpl-broken\", \"choices\": [",
                )
                    .into_response()
            }
        }
        Reply::StallAfter { prefix, stall } => {
            let mut pieces = vec![Piece::Data(
                sh.chunk(json!({"role": "assistant", "content": ""}), None),
            )];
            for part in split_chars(&prefix, sh.chunk_chars) {
                pieces.push(Piece::Data(sh.chunk(json!({"content": part}), None)));
            }
            pieces.push(Piece::Sleep(stall));
            sse_response(pieces)
        }
        Reply::Content {
            content,
            finish_reason,
            usage,
        } => {
            let usage = usage.unwrap_or(Usage {
                prompt_tokens: sh.prompt_tokens,
                completion_tokens: (content.len() as u64).div_ceil(4),
            });
            if stream {
                sse_response(sh.stream_pieces(&content, &finish_reason, include_usage, usage))
            } else {
                let body = json!({
                    "id": sh.id,
                    "object": "chat.completion",
                    "created": now_secs(),
                    "model": sh.model,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
                        "logprobs": null,
                        "finish_reason": finish_reason,
                    }],
                    "usage": usage_json(usage),
                    "system_fingerprint": "fp_scripted",
                });
                (StatusCode::OK, axum::Json(body)).into_response()
            }
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn usage_json(u: Usage) -> Value {
    json!({
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.prompt_tokens + u.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    })
}

struct ReplyShape {
    id: String,
    model: String,
    azure: bool,
    chunk_chars: usize,
    chunk_delay: Duration,
    prompt_tokens: u64,
}

impl ReplyShape {
    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> String {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": now_secs(),
            "model": self.model,
            "system_fingerprint": "fp_scripted",
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
        })
        .to_string()
    }

    fn stream_pieces(
        &self,
        content: &str,
        finish_reason: &str,
        include_usage: bool,
        usage: Usage,
    ) -> Vec<Piece> {
        let mut pieces = Vec::new();
        if self.azure {
            // Azure sends the prompt filter results first, in a chunk with no choices.
            pieces.push(Piece::Data(
                json!({
                    "choices": [], "created": 0, "id": "", "model": "", "object": "",
                    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
                })
                .to_string(),
            ));
        }
        let with_usage = |s: String| -> String {
            if include_usage {
                // OpenAI puts `"usage": null` on every chunk when usage is requested.
                match serde_json::from_str::<Value>(&s) {
                    Ok(Value::Object(mut m)) => {
                        m.insert("usage".into(), Value::Null);
                        Value::Object(m).to_string()
                    }
                    _ => s,
                }
            } else {
                s
            }
        };
        pieces.push(Piece::Data(with_usage(self.chunk(
            json!({"role": "assistant", "content": "", "refusal": null}),
            None,
        ))));
        for part in split_chars(content, self.chunk_chars) {
            if !self.chunk_delay.is_zero() {
                pieces.push(Piece::Sleep(self.chunk_delay));
            }
            pieces.push(Piece::Data(with_usage(
                self.chunk(json!({"content": part}), None),
            )));
        }
        pieces.push(Piece::Data(with_usage(
            self.chunk(json!({}), Some(finish_reason)),
        )));
        if include_usage {
            pieces.push(Piece::Data(
                json!({
                    "id": self.id,
                    "object": "chat.completion.chunk",
                    "created": now_secs(),
                    "model": self.model,
                    "system_fingerprint": "fp_scripted",
                    "choices": [],
                    "usage": usage_json(usage),
                })
                .to_string(),
            ));
        }
        pieces.push(Piece::Raw("data: [DONE]\n\n".into()));
        pieces
    }
}

fn split_chars(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

enum Piece {
    Data(String),
    Raw(String),
    Sleep(Duration),
}

fn sse_response(pieces: Vec<Piece>) -> Response {
    let (tx, rx) = mpsc::channel::<String>(16);
    tokio::spawn(async move {
        for p in pieces {
            let text = match p {
                Piece::Data(d) => format!("data: {d}\n\n"),
                Piece::Raw(r) => r,
                Piece::Sleep(d) => {
                    tokio::time::sleep(d).await;
                    continue;
                }
            };
            if tx.send(text).await.is_err() {
                return;
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|t| (Ok::<_, Infallible>(t), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn error_response(status: u16, retry_after: Option<u64>, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = match status {
        429 => "rate_limit_exceeded",
        401 => "invalid_api_key",
        s if s >= 500 => "server_error",
        _ => "invalid_request_error",
    };
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": null}});
    let mut resp = (code, axum::Json(body)).into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = secs.to_string().parse()
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
