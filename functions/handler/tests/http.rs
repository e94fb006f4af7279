//! The HTTP surface of the real binary: bad input gets a clear 4xx and changes nothing,
//! another principal's thread is 404, the official AG-UI client accepts every stream.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{
    Server, Spawn, agui_flow, agui_replay, client, error_code, get_json, post_json, send_json,
};

fn run_input(thread: &str, run: &str, text: &str) -> Value {
    json!({"threadId": thread, "runId": run, "messages": [{"id": format!("{run}-m"), "role": "user", "content": text}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn::local(&dir.path().join("data")));
    let c = client();
    let agent = format!("{}/api/agent", server.base);

    let r = c
        .post(&agent)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(error_code(r).await, (400, "bad_request".into()));

    let r = post_json(&c, &agent, &json!({"runId": "r", "messages": []})).await;
    assert_eq!(
        error_code(r).await,
        (400, "bad_request".into()),
        "missing threadId"
    );

    let r = post_json(&c, &agent, &json!({"threadId": "t", "messages": []})).await;
    assert_eq!(
        error_code(r).await,
        (400, "bad_request".into()),
        "missing runId"
    );

    let r = post_json(&c, &agent, &run_input("../etc", "r1", "x")).await;
    assert_eq!(
        error_code(r).await,
        (400, "bad_request".into()),
        "unsafe id"
    );

    let big = "x".repeat(2 * 1024 * 1024);
    let r = post_json(&c, &agent, &run_input("t-big", "r1", &big)).await;
    assert_eq!(r.status().as_u16(), 413, "oversized body");

    let long = "word ".repeat(5000);
    let r = post_json(&c, &agent, &run_input("t-long", "r1", &long)).await;
    assert_eq!(error_code(r).await, (413, "message_too_long".into()));

    let mut resume = run_input("t-unknown", "r1", "x");
    resume["resume"] = json!([{"interruptId": "i1", "status": "resolved", "payload": {}}]);
    let r = post_json(&c, &agent, &resume).await;
    assert_eq!(
        error_code(r).await,
        (404, "not_found".into()),
        "resume on an unknown thread"
    );

    let r = post_json(
        &c,
        &agent,
        &json!({"threadId": "t-empty", "runId": "r1", "messages": []}),
    )
    .await;
    assert_eq!(
        error_code(r).await,
        (400, "bad_request".into()),
        "no user message"
    );

    // None of that created a thread.
    let threads = get_json(&c, &format!("{}/api/threads", server.base)).await;
    assert_eq!(threads["threads"], json!([]));

    // A run in progress queues a second message (202, the queued message) and leaves the first
    // run intact.
    let first = post_json(
        &c,
        &agent,
        &run_input("t-busy", "r1", "A guest book with name and message"),
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let r = post_json(&c, &agent, &run_input("t-busy", "r2", "another")).await;
    if r.status().as_u16() == 202 {
        let queued: Value = r.json().await.expect("the queued message");
        assert_eq!(
            (queued["id"].as_str(), queued["text"].as_str()),
            (Some("r2"), Some("another"))
        );
    } else {
        let (status, code) = error_code(r).await;
        // The first run may already have ended with its questions: then r2 must be refused as
        // unanswered, not accepted.
        assert_eq!((status, code.as_str()), (400, "bad_request"));
    }
    let body = first.text().await.expect("stream");
    assert!(
        body.contains("RUN_FINISHED"),
        "the first run still finished: {body}"
    );
    let r = c
        .get(format!("{}/api/threads/nope/runs/r1/events", server.base))
        .send()
        .await
        .expect("send");
    assert_eq!(error_code(r).await, (404, "not_found".into()));
}

#[tokio::test]
async fn another_principals_thread_is_not_found() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice-key,bob-key".into())],
        ports: None,
    });
    let c = client();
    let agent = format!("{}/api/agent", server.base);
    let r = post_json(&c, &agent, &run_input("t-a", "r1", "A note pad")).await;
    assert_eq!(error_code(r).await, (401, "unauthorized".into()), "no key");
    let r = c
        .post(&agent)
        .bearer_auth("alice-key")
        .json(&run_input("t-a", "r1", "A note pad with a title and body"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let _ = r.text().await;
    for path in [
        "/api/threads/t-a",
        "/api/threads/t-a/runs/r1/events",
        "/api/threads/t-a/versions/1",
    ] {
        let r = c
            .get(format!("{}{path}", server.base))
            .header("x-api-key", "bob-key")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 404, "{path} for bob");
        let r = c
            .get(format!("{}{path}", server.base))
            .header("x-api-key", "alice-key")
            .send()
            .await
            .expect("send");
        assert_ne!(r.status().as_u16(), 401, "{path} for alice");
    }
    let r = c
        .post(&agent)
        .bearer_auth("bob-key")
        .json(&run_input("t-a", "r2", "hijack"))
        .send()
        .await
        .expect("send");
    assert_eq!(
        error_code(r).await,
        (404, "not_found".into()),
        "bob cannot run on alice's thread"
    );
    // Publishing is the owner's too; the owner is refused only by the checked-versions rule.
    let publish = format!("{}/api/threads/t-a/publish", server.base);
    for (key, m, want) in [
        ("bob-key", Method::POST, (404, "not_found")),
        ("bob-key", Method::DELETE, (404, "not_found")),
        ("alice-key", Method::POST, (422, "not_checked")),
        ("alice-key", Method::DELETE, (404, "not_published")),
    ] {
        let r = match m {
            Method::POST => c.post(&publish).json(&json!({})),
            _ => c.delete(&publish),
        };
        let r = r.header("x-api-key", key).send().await.expect("send");
        assert_eq!(error_code(r).await, (want.0, want.1.into()), "{m} by {key}");
    }
    let bobs = send_json(
        c.get(format!("{}/api/threads", server.base))
            .bearer_auth("bob-key"),
    )
    .await;
    assert_eq!(bobs["threads"], json!([]));
}

#[tokio::test]
async fn the_official_client_accepts_an_initial_run_and_a_follow_up() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn::local(&dir.path().join("data")));
    let (report, ok) = agui_flow(
        &server.base,
        "t-flow",
        "A reading list: each book has a title, an author and a rating from 1 to 5. Show the average rating.",
        Some("Rename the app to Shelfie"),
    );
    assert!(
        ok,
        "AG-UI client check failed: {report:#}\nserver log:\n{}",
        server.log()
    );
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["last"]["outcome"]["type"], "interrupt");
    assert_eq!(
        runs[0]["last"]["outcome"]["interrupts"][0]["reason"],
        "input_required"
    );
    assert_eq!(
        runs[1]["steps"],
        json!(["requirements", "qa", "wireframe", "code", "build", "review"])
    );
    assert_eq!(runs[1]["last"]["type"], "RUN_FINISHED", "{:#}", runs[1]);
    assert_eq!(runs[1]["last"]["result"]["version"], 1);
    assert_eq!(runs[2]["steps"], json!(["modify", "build", "review"]));
    assert_eq!(runs[2]["last"]["result"]["version"], 2, "{:#}", runs[2]);
    assert_eq!(report["state"]["versions"], 2);

    // Every run replays from the log and verifies again.
    for run in ["t-flow-r1", "t-flow-r2", "t-flow-r3"] {
        let (replay, ok) = agui_replay(&server.base, "t-flow", run);
        assert!(ok, "replay of {run} failed: {replay:#}");
    }

    // The preview origin serves the version; a wrong token is a 404.
    let c = client();
    let url = runs[2]["last"]["result"]["previewUrl"]
        .as_str()
        .expect("preview url")
        .to_owned();
    assert!(url.starts_with(&server.preview), "{url}");
    let page = c.get(&url).send().await.expect("preview");
    assert_eq!(page.status().as_u16(), 200);
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.starts_with("sandbox ") && !csp.contains("allow-same-origin"),
        "previews run in an opaque origin: {csp}"
    );
    assert_eq!(
        page.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*"),
        "assets load from the opaque origin"
    );
    assert!(page.headers().get("set-cookie").is_none());
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("<div id=\"root\"")
    );
    let forged = url.replace("/2/", "/1/");
    assert_eq!(
        c.get(&forged).send().await.expect("send").status().as_u16(),
        404
    );
}

#[tokio::test]
async fn runs_per_minute_are_limited_per_principal() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(
        Spawn::local(&dir.path().join("data")).with_env("APPGEN_RUNS_PER_MINUTE", "2"),
    );
    let c = client();
    let agent = format!("{}/api/agent", server.base);
    for i in 0..2 {
        let r = post_json(
            &c,
            &agent,
            &run_input(&format!("t-rate-{i}"), "r1", "A counter"),
        )
        .await;
        assert_eq!(r.status().as_u16(), 200);
        let _ = r.text().await;
    }
    let r = post_json(&c, &agent, &run_input("t-rate-3", "r1", "A counter")).await;
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert_eq!(error_code(r).await, (429, "rate_limited".into()));
    assert!(
        retry.is_some_and(|s| (1..=31).contains(&s)),
        "Retry-After: {retry:?}"
    );
    let r = c
        .get(format!("{}/api/threads/t-rate-3", server.base))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404, "the refused run created nothing");
}
