//! The scripted server speaks HTTP and SSE the way OpenAI and Azure OpenAI do. A raw HTTP/1.1
//! client keeps this crate free of an HTTP client dependency and shows the exact bytes.

use appgen_testkit::{Reply, Script, ScriptedServer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Resp {
    status: u16,
    head: String,
    body: String,
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some(nl) = raw.find("\r\n") {
        let size = usize::from_str_radix(raw[..nl].trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&raw[nl + 2..nl + 2 + size]);
        raw = &raw[nl + 2 + size + 2..];
    }
    out
}

async fn post(server: &ScriptedServer, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
    let addr = server.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = body.to_string();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).await.expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.expect("read");
    let (head, rest) = raw.split_once("\r\n\r\n").expect("http response");
    let status = head[9..12].parse().expect("status");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Resp {
        status,
        head: head.to_owned(),
        body,
    }
}

fn chat(stream: bool) -> Value {
    json!({
        "model": "gpt-test",
        "stream": stream,
        "stream_options": {"include_usage": true},
        "messages": [
            {"role": "system", "content": "# appgen agent: wireframe\nDraw."},
            {"role": "user", "content": "A todo app"}
        ]
    })
}

fn events(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.strip_prefix("data: ")
                .expect("every event is one data line")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn streams_chunks_exactly_like_openai() {
    let s = ScriptedServer::start(Script::new([Reply::text("Hello, world!")]).chunk_chars(5))
        .await
        .expect("server");
    let r = post(
        &s,
        "/v1/chat/completions",
        &[("Authorization", "Bearer k")],
        &chat(true),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.head
            .to_ascii_lowercase()
            .contains("content-type: text/event-stream")
    );
    let ev = events(&r.body);
    assert_eq!(ev.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = ev[..ev.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("json chunk"))
        .collect();
    let first = &chunks[0];
    assert_eq!(first["object"], "chat.completion.chunk");
    assert_eq!(first["model"], "gpt-test");
    assert!(
        first["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("chatcmpl-"))
    );
    assert!(first["created"].is_u64());
    assert_eq!(first["choices"][0]["delta"]["role"], "assistant");
    assert!(first["choices"][0]["finish_reason"].is_null());
    assert!(first.get("usage").is_some_and(Value::is_null));
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Hello, world!");
    let fin = &chunks[chunks.len() - 2];
    assert_eq!(fin["choices"][0]["finish_reason"], "stop");
    assert_eq!(fin["choices"][0]["delta"], json!({}));
    let usage = &chunks[chunks.len() - 1];
    assert_eq!(usage["choices"], json!([]));
    assert!(
        usage["usage"]["prompt_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(usage["usage"]["completion_tokens"], 4);

    let reqs = s.requests();
    assert_eq!(reqs[0].model, "gpt-test");
    assert_eq!(reqs[0].authorization.as_deref(), Some("Bearer k"));
    assert_eq!(reqs[0].agent().as_deref(), Some("wireframe"));
}

#[tokio::test]
async fn azure_shape_needs_api_version_and_sends_prompt_filter_results_first() {
    let s = ScriptedServer::start(Script::new([Reply::truncated("cut").with_usage(7, 1)]))
        .await
        .expect("server");
    let bad = post(
        &s,
        "/openai/deployments/dep1/chat/completions",
        &[],
        &chat(true),
    )
    .await;
    assert_eq!(bad.status, 400);
    let r = post(
        &s,
        "/openai/deployments/dep1/chat/completions?api-version=2024-10-21",
        &[("api-key", "secret")],
        &chat(true),
    )
    .await;
    assert_eq!(r.status, 200);
    let ev = events(&r.body);
    let first: Value = serde_json::from_str(&ev[0]).expect("json");
    assert_eq!(first["choices"], json!([]));
    assert!(first["prompt_filter_results"].is_array());
    assert!(r.body.contains("\"finish_reason\":\"length\""));
    assert!(r.body.contains("\"prompt_tokens\":7"));
    let req = &s.requests()[0];
    assert_eq!(req.shape, "azure");
    assert_eq!(req.model, "dep1");
    assert_eq!(req.api_version.as_deref(), Some("2024-10-21"));
    assert_eq!(req.api_key.as_deref(), Some("secret"));
}

#[tokio::test]
async fn non_streaming_and_ignored_stream() {
    let s = ScriptedServer::start(
        Script::new([Reply::text("one"), Reply::text("two")]).ignore_stream(),
    )
    .await
    .expect("server");
    for (ask_stream, want) in [(false, "one"), (true, "two")] {
        let r = post(&s, "/v1/chat/completions", &[], &chat(ask_stream)).await;
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_str(&r.body).expect("json body");
        assert_eq!(v["object"], "chat.completion");
        assert_eq!(v["choices"][0]["message"]["content"], want);
        assert_eq!(v["choices"][0]["finish_reason"], "stop");
        assert!(v["usage"]["total_tokens"].as_u64().is_some());
    }
}

#[tokio::test]
async fn faults_rate_limit_error_malformed_and_latency() {
    let s = ScriptedServer::start(
        Script::new([
            Reply::rate_limited(3),
            Reply::server_error(),
            Reply::Malformed,
        ])
        .latency(Duration::from_millis(200)),
    )
    .await
    .expect("server");
    let t = Instant::now();
    let r = post(&s, "/v1/chat/completions", &[], &chat(false)).await;
    assert!(t.elapsed() >= Duration::from_millis(200), "latency applies");
    assert_eq!(r.status, 429);
    assert!(r.head.to_ascii_lowercase().contains("retry-after: 3"));
    let v: Value = serde_json::from_str(&r.body).expect("error body");
    assert_eq!(v["error"]["type"], "rate_limit_exceeded");
    assert_eq!(
        post(&s, "/v1/chat/completions", &[], &chat(false))
            .await
            .status,
        500
    );
    let r = post(&s, "/v1/chat/completions", &[], &chat(false)).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    // The script ran dry: a loud 500, not a silent success.
    let r = post(&s, "/v1/chat/completions", &[], &chat(false)).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("no reply left"));
    assert_eq!(s.remaining(), 0);
}

#[tokio::test]
async fn keys_are_checked_when_required() {
    let s = ScriptedServer::start(Script::appgen().require_key("k1"))
        .await
        .expect("server");
    assert_eq!(
        post(&s, "/v1/chat/completions", &[], &chat(false))
            .await
            .status,
        401
    );
    let r = post(
        &s,
        "/v1/chat/completions",
        &[("Authorization", "Bearer k1")],
        &chat(false),
    )
    .await;
    assert_eq!(r.status, 200);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let content: Value = serde_json::from_str(
        v["choices"][0]["message"]["content"]
            .as_str()
            .expect("content"),
    )
    .expect("the responder answers JSON");
    assert!(content["html"].as_str().is_some_and(|h| h.contains("<h1>")));
}

#[tokio::test]
async fn broken_code_responder_breaks_code_and_fixes_it() {
    let s = ScriptedServer::start(Script::appgen_broken_code())
        .await
        .expect("server");
    let mut body = chat(false);
    body["response_format"] =
        json!({"type": "json_schema", "json_schema": {"name": "appgen_code", "schema": {}}});
    let r = post(&s, "/v1/chat/completions", &[], &body).await;
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    assert!(content.contains("three"), "the type error is in the code");
    body["response_format"]["json_schema"]["name"] = json!("appgen_fix");
    let r = post(&s, "/v1/chat/completions", &[], &body).await;
    assert!(!r.body.contains("three"));
    assert_eq!(s.requests()[1].agent().as_deref(), Some("fix"));
}
