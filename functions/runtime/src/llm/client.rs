//! Chat completions over HTTP: one streamed call, and the retry / fallback driver around it.
//!
//! Requests are async-openai's typed `CreateChatCompletionRequest`, and URLs come from its
//! `OpenAIConfig` / `AzureConfig`. The HTTP exchange itself is ours (reqwest) because
//! async-openai's errors drop the response headers, so `Retry-After` would be lost, and its
//! strictly typed stream turns a quirky chunk from a compatible server into a hard error.

use super::config::{AZURE_SCOPE, AuthConfig, ModelConfig, ProviderConfig, ProviderKind};
use appgen_core::agui::TokenUsage;
use appgen_core::ports::AgentError;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use azure_core::credentials::TokenCredential;
use futures::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// Which model of a provider a step uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Fast,
    Strong,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    System(String),
    User(String),
    Assistant(String),
}

/// One request, independent of provider.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub route: Route,
    pub messages: Vec<Msg>,
    /// `(name, schema)` for structured output, used where the provider supports it.
    pub schema: Option<(String, Value)>,
    pub max_tokens: Option<u32>,
}

/// What a finished call produced.
#[derive(Debug, Clone)]
pub struct Completion {
    pub text: String,
    pub finish_reason: Option<String>,
    pub usage: TokenUsage,
}

/// Receives streamed text. `rollback` is called when an attempt failed after streaming some of
/// it, before the next attempt starts over.
pub trait DeltaSink: Send {
    /// A call starts: remember the state to roll back to.
    fn checkpoint(&mut self);
    fn delta(&mut self, text: &str);
    fn rollback(&mut self);
    /// A provider failed and the next one takes over.
    fn notice(&mut self, text: &str);
}

/// Why one call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("HTTP {status}: {message}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The stream broke off or was not valid SSE / JSON.
    #[error("bad response: {0}")]
    Protocol(String),
    /// Our side: credentials, request building.
    #[error("{0}")]
    Local(String),
}

impl CallError {
    /// A 400 that blames `response_format` (the provider or model has no structured output).
    fn rejects_response_format(&self) -> bool {
        let CallError::Status {
            status: 400,
            message,
            ..
        } = self
        else {
            return false;
        };
        let message = message.to_ascii_lowercase();
        ["response_format", "json_schema", "schema"]
            .iter()
            .any(|w| message.contains(w))
    }

    /// Worth another attempt at the same provider: rate limits, server errors, broken
    /// connections and streams. A timeout is not: the fallback is the better bet.
    fn is_retryable(&self) -> bool {
        match self {
            CallError::Status { status, .. } => *status == 429 || *status >= 500,
            CallError::Connect(_) | CallError::Protocol(_) => true,
            CallError::Timeout(_) | CallError::Local(_) => false,
        }
    }
}

enum Auth {
    None,
    Bearer(String),
    AzureKey(String),
    Entra {
        credential: Arc<dyn TokenCredential>,
        cached: Mutex<Option<(String, azure_core::time::OffsetDateTime)>>,
    },
}

/// A provider ready to call.
pub struct Provider {
    pub cfg: ProviderConfig,
    auth: Auth,
    /// Turned off after the provider rejects `response_format` once.
    structured: AtomicBool,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.cfg.name)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// `credential` replaces the Entra ID credential chosen from the environment (tests, or a
    /// host that already holds one).
    pub fn new(
        cfg: ProviderConfig,
        credential: Option<Arc<dyn TokenCredential>>,
    ) -> Result<Provider, String> {
        let auth = match (&cfg.auth, credential) {
            (AuthConfig::None, _) => Auth::None,
            (AuthConfig::Bearer(k), _) => Auth::Bearer(k.expose().to_owned()),
            (AuthConfig::AzureKey(k), _) => Auth::AzureKey(k.expose().to_owned()),
            (AuthConfig::Entra { .. }, Some(credential)) => Auth::Entra {
                credential,
                cached: Mutex::new(None),
            },
            (
                AuthConfig::Entra {
                    managed_identity,
                    client_id,
                },
                None,
            ) => {
                let credential: Arc<dyn TokenCredential> = if *managed_identity {
                    let options = azure_identity::ManagedIdentityCredentialOptions {
                        user_assigned_id: client_id
                            .clone()
                            .map(azure_identity::UserAssignedId::ClientId),
                        ..Default::default()
                    };
                    azure_identity::ManagedIdentityCredential::new(Some(options))
                        .map_err(|e| e.to_string())?
                } else {
                    azure_identity::DeveloperToolsCredential::new(None)
                        .map_err(|e| e.to_string())?
                };
                Auth::Entra {
                    credential,
                    cached: Mutex::new(None),
                }
            }
        };
        let structured = AtomicBool::new(cfg.structured_output);
        Ok(Provider {
            cfg,
            auth,
            structured,
        })
    }

    pub fn model(&self, route: Route) -> &str {
        match route {
            Route::Fast => &self.cfg.fast_model,
            Route::Strong => &self.cfg.strong_model,
        }
    }

    fn endpoint(&self, model: &str) -> (String, Vec<(String, String)>) {
        let pairs = |q: Vec<(&str, &str)>| {
            q.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        match self.cfg.kind {
            ProviderKind::AzureOpenAi => {
                let c = AzureConfig::new()
                    .with_api_base(self.cfg.base_url.clone())
                    .with_deployment_id(model)
                    .with_api_version(self.cfg.api_version.clone())
                    .with_api_key("");
                (c.url("/chat/completions"), pairs(c.query()))
            }
            ProviderKind::OpenAiCompatible => {
                let c = OpenAIConfig::new()
                    .with_api_base(self.cfg.base_url.clone())
                    .with_api_key("");
                (c.url("/chat/completions"), pairs(c.query()))
            }
        }
    }

    /// The auth header, refreshing an Entra token five minutes before it expires.
    async fn auth_header(&self) -> Result<Option<(&'static str, String)>, CallError> {
        Ok(match &self.auth {
            Auth::None => None,
            Auth::Bearer(k) => Some(("authorization", format!("Bearer {k}"))),
            Auth::AzureKey(k) => Some(("api-key", k.clone())),
            Auth::Entra { credential, cached } => {
                let mut c = cached.lock().await;
                let now = azure_core::time::OffsetDateTime::now_utc();
                let fresh = c
                    .as_ref()
                    .filter(|(_, exp)| *exp - now > azure_core::time::Duration::minutes(5))
                    .map(|(t, _)| t.clone());
                let token = match fresh {
                    Some(t) => t,
                    None => {
                        let at = credential
                            .get_token(&[AZURE_SCOPE], None)
                            .await
                            .map_err(|e| CallError::Local(format!("Entra ID token: {e}")))?;
                        let t = at.token.secret().to_owned();
                        *c = Some((t.clone(), at.expires_on));
                        t
                    }
                };
                Some(("authorization", format!("Bearer {token}")))
            }
        })
    }

    #[allow(deprecated)] // `max_tokens` is deprecated by OpenAI but is what older servers read.
    fn body(&self, req: &ChatRequest, model: &str) -> CreateChatCompletionRequest {
        let messages = req
            .messages
            .iter()
            .map(|m| -> ChatCompletionRequestMessage {
                match m {
                    Msg::System(s) => ChatCompletionRequestSystemMessage::from(s.as_str()).into(),
                    Msg::User(s) => ChatCompletionRequestUserMessage::from(s.as_str()).into(),
                    Msg::Assistant(s) => {
                        ChatCompletionRequestAssistantMessage::from(s.as_str()).into()
                    }
                }
            })
            .collect();
        let response_format = match (&req.schema, self.structured.load(Ordering::Relaxed)) {
            (Some((name, schema)), true) => Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: name.clone(),
                    schema: schema.clone(),
                    strict: Some(true),
                },
            }),
            _ => None,
        };
        let (max_completion_tokens, max_tokens) = if self.cfg.max_completion_tokens_field {
            (req.max_tokens, None)
        } else {
            (None, req.max_tokens)
        };
        CreateChatCompletionRequest {
            messages,
            model: model.to_owned(),
            stream: Some(true),
            stream_options: Some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            }),
            response_format,
            max_completion_tokens,
            max_tokens,
            ..Default::default()
        }
    }
}

/// The provider chain with its retry policy.
pub struct Chain {
    pub providers: Vec<Provider>,
    pub http: reqwest::Client,
    pub cfg: ModelConfig,
}

impl Chain {
    pub fn new(
        cfg: ModelConfig,
        credential: Option<Arc<dyn TokenCredential>>,
    ) -> Result<Chain, String> {
        let providers = cfg
            .providers
            .iter()
            .cloned()
            .map(|p| Provider::new(p, credential.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Chain {
            providers,
            http,
            cfg,
        })
    }

    /// Runs `req` on the chain: retries per provider, then the next provider.
    pub async fn complete(
        &self,
        agent: impl std::fmt::Display,
        req: &ChatRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<Completion, AgentError> {
        sink.checkpoint();
        let mut failures: Vec<String> = Vec::new();
        let mut last_timeout = false;
        for (pi, p) in self.providers.iter().enumerate() {
            let model = p.model(req.route).to_owned();
            let mut attempt: u32 = 0;
            loop {
                let result = self.call_once(p, &model, req, sink).await;
                match result {
                    Ok(c) => {
                        tracing::info!(
                            %agent,
                            provider = %p.cfg.name,
                            model = %model,
                            attempt,
                            finish_reason = c.finish_reason.as_deref().unwrap_or(""),
                            input_tokens = c.usage.input_tokens.unwrap_or(0),
                            output_tokens = c.usage.output_tokens.unwrap_or(0),
                            "model call finished"
                        );
                        return Ok(c);
                    }
                    Err(e) => {
                        sink.rollback();
                        tracing::warn!(%agent, provider = %p.cfg.name, model = %model, attempt, error = %e, "model call failed");
                        last_timeout = matches!(e, CallError::Timeout(_));
                        // A provider that rejects response_format gets free text instead.
                        if req.schema.is_some()
                            && p.structured.load(Ordering::Relaxed)
                            && e.rejects_response_format()
                        {
                            p.structured.store(false, Ordering::Relaxed);
                            continue;
                        }
                        if e.is_retryable() && attempt < self.cfg.max_retries {
                            let wait = self.backoff(attempt, &e);
                            if let Some(wait) = wait {
                                tracing::info!(%agent, provider = %p.cfg.name, wait_ms = wait.as_millis() as u64, "retrying");
                                tokio::time::sleep(wait).await;
                                attempt += 1;
                                continue;
                            }
                        }
                        failures.push(format!("{} ({}): {e}", p.cfg.name, model));
                        if let Some(next) = self.providers.get(pi + 1) {
                            sink.notice(&format!(
                                "\n({} failed: {e}; trying {})\n",
                                p.cfg.name, next.cfg.name
                            ));
                        }
                        break;
                    }
                }
            }
        }
        let msg = failures.join("; ");
        Err(if last_timeout {
            AgentError::Timeout(msg)
        } else {
            AgentError::Provider(msg)
        })
    }

    /// How long to wait before retry `attempt + 1`; `None` when Retry-After asks for longer
    /// than we are willing to wait (the fallback is better then).
    fn backoff(&self, attempt: u32, e: &CallError) -> Option<Duration> {
        if let CallError::Status {
            retry_after: Some(ra),
            ..
        } = e
        {
            return (*ra <= self.cfg.max_retry_wait).then_some(*ra);
        }
        let exp = self
            .cfg
            .retry_base
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        // Up to 25% jitter so parallel runs do not retry in lockstep.
        let jitter = exp.mul_f64(rand::random::<f64>() * 0.25);
        Some((exp + jitter).min(self.cfg.max_retry_wait))
    }

    async fn call_once(
        &self,
        p: &Provider,
        model: &str,
        req: &ChatRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<Completion, CallError> {
        let resp = self.send(p, model, req).await?;
        let usage = TokenUsage {
            provider: Some(p.cfg.name.clone()),
            model: Some(model.to_owned()),
            ..TokenUsage::default()
        };
        let is_sse = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("event-stream"));
        if is_sse {
            self.read_stream(resp, usage, sink).await
        } else {
            // A server that ignored `stream: true` and answered in one piece.
            self.read_whole(resp, usage, sink).await
        }
    }

    /// Posts the request; a response with a success status, else its status as the error.
    async fn send(
        &self,
        p: &Provider,
        model: &str,
        req: &ChatRequest,
    ) -> Result<reqwest::Response, CallError> {
        let timeout = self.cfg.timeout;
        let (url, query) = p.endpoint(model);
        let body = p.body(req, model);
        let mut rb = self.http.post(&url).query(&query).json(&body);
        if let Some((name, value)) = p.auth_header().await? {
            rb = rb.header(name, value);
        }
        let resp = match tokio::time::timeout(timeout, rb.send()).await {
            Err(_) => return Err(CallError::Timeout(timeout)),
            Ok(Err(e)) if e.is_timeout() => return Err(CallError::Timeout(timeout)),
            Ok(Err(e)) => return Err(CallError::Connect(without_url(&e))),
            Ok(Ok(r)) => r,
        };
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = retry_after(resp.headers());
        let text = tokio::time::timeout(timeout, resp.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.chars().take(300).collect());
        Err(CallError::Status {
            status: status.as_u16(),
            retry_after,
            message,
        })
    }

    /// A whole (non-streamed) chat completion.
    async fn read_whole(
        &self,
        resp: reqwest::Response,
        mut usage: TokenUsage,
        sink: &mut dyn DeltaSink,
    ) -> Result<Completion, CallError> {
        let timeout = self.cfg.timeout;
        let text = match tokio::time::timeout(timeout, resp.text()).await {
            Err(_) => return Err(CallError::Timeout(timeout)),
            Ok(Err(e)) => return Err(CallError::Connect(without_url(&e))),
            Ok(Ok(t)) => t,
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| CallError::Protocol(format!("response is not JSON: {e}")))?;
        let choice = &v["choices"][0];
        let content = choice["message"]["content"]
            .as_str()
            .ok_or_else(|| CallError::Protocol("response has no message content".into()))?;
        sink.delta(content);
        read_usage(&v["usage"], &mut usage);
        Ok(Completion {
            text: content.to_owned(),
            finish_reason: choice["finish_reason"].as_str().map(str::to_owned),
            usage,
        })
    }

    /// A streamed chat completion, each content delta passed to `sink` as it arrives.
    async fn read_stream(
        &self,
        resp: reqwest::Response,
        usage: TokenUsage,
        sink: &mut dyn DeltaSink,
    ) -> Result<Completion, CallError> {
        let timeout = self.cfg.timeout;
        let mut stream = resp.bytes_stream();
        let mut sse = SseParser::default();
        let mut acc = StreamedCompletion {
            text: String::new(),
            finish_reason: None,
            usage,
        };
        let mut done = false;
        while !done {
            let next = match tokio::time::timeout(timeout, stream.next()).await {
                Err(_) => return Err(CallError::Timeout(timeout)),
                Ok(n) => n,
            };
            let bytes = match next {
                None => break,
                Some(Err(e)) => return Err(CallError::Connect(without_url(&e))),
                Some(Ok(b)) => b,
            };
            for data in sse.push(&bytes) {
                if data.trim() == "[DONE]" {
                    done = true;
                    break;
                }
                acc.chunk(&data, sink)?;
            }
        }
        if !done && acc.finish_reason.is_none() {
            return Err(CallError::Protocol(
                "the stream ended before the answer did".into(),
            ));
        }
        Ok(Completion {
            text: acc.text,
            finish_reason: acc.finish_reason,
            usage: acc.usage,
        })
    }
}

/// What the chunks of a stream add up to so far.
struct StreamedCompletion {
    text: String,
    finish_reason: Option<String>,
    usage: TokenUsage,
}

impl StreamedCompletion {
    /// One `data:` payload: content, finish reason, usage, or an error reported mid-stream.
    fn chunk(&mut self, data: &str, sink: &mut dyn DeltaSink) -> Result<(), CallError> {
        let v: Value = serde_json::from_str(data)
            .map_err(|e| CallError::Protocol(format!("stream chunk is not JSON: {e}")))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            let message = err["message"]
                .as_str()
                .unwrap_or("error in stream")
                .to_owned();
            return Err(CallError::Status {
                status: 500,
                retry_after: None,
                message,
            });
        }
        if let Some(choice) = v["choices"].as_array().and_then(|c| c.first()) {
            if let Some(delta) = choice["delta"]["content"].as_str()
                && !delta.is_empty()
            {
                self.text.push_str(delta);
                sink.delta(delta);
            }
            if let Some(fr) = choice["finish_reason"].as_str() {
                self.finish_reason = Some(fr.to_owned());
            }
        }
        read_usage(&v["usage"], &mut self.usage);
        // Groq reports streamed usage under its own key.
        read_usage(&v["x_groq"]["usage"], &mut self.usage);
        Ok(())
    }
}

/// reqwest errors print the URL; ours carry no secrets, but keep logs short.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "");
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn read_usage(u: &Value, out: &mut TokenUsage) {
    if !u.is_object() {
        return;
    }
    out.input_tokens = u["prompt_tokens"].as_u64().or(out.input_tokens);
    out.output_tokens = u["completion_tokens"].as_u64().or(out.output_tokens);
    out.total_tokens = u["total_tokens"].as_u64().or(out.total_tokens);
    out.reasoning_tokens = u["completion_tokens_details"]["reasoning_tokens"]
        .as_u64()
        .or(out.reasoning_tokens);
    out.cached_input_tokens = u["prompt_tokens_details"]["cached_tokens"]
        .as_u64()
        .or(out.cached_input_tokens);
}

/// `Retry-After` in seconds (OpenAI, Azure) or `retry-after-ms` (Azure).
pub fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    get("retry-after")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Server-sent events: collects `data:` lines per event, across arbitrary chunk boundaries.
#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; returns the data of every event completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
            let mut line: Vec<u8> = self.buf.drain(..=nl).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if line.is_empty() {
                if !self.data.is_empty() {
                    out.push(self.data.join("\n"));
                    self.data.clear();
                }
            } else if let Some(rest) = line.strip_prefix("data:") {
                self.data
                    .push(rest.strip_prefix(' ').unwrap_or(rest).to_owned());
            }
            // `event:`, `id:`, `retry:` and `:` comments carry nothing we use.
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_across_chunk_boundaries() {
        let mut p = SseParser::default();
        assert!(p.push(b": keepalive\n\ndata: {\"a\"").is_empty());
        assert_eq!(
            p.push(b":1}\r\n\r\ndata: [DONE]\n\n"),
            vec!["{\"a\":1}", "[DONE]"]
        );
    }
}
