//! `appgen-devtools serve-bench` answers the reference workload over `appgen serve`'s HTTP API:
//! a run goes through the ordinary seven steps and ends with RUN_FINISHED and a version.

use futures::StreamExt;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_appgen-devtools");

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/api/health")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("serve-bench did not start");
}

/// POSTs a run and returns every event of its SSE stream.
async fn run(http: &reqwest::Client, base: &str, thread: &str) -> Vec<Value> {
    let body = json!({"threadId": thread, "runId": format!("{thread}-r"), "messages": [{"id": "m1", "role": "user", "content": "bench"}], "tools": [], "context": [], "state": {}, "forwardedProps": {}});
    let resp = http
        .post(format!("{base}/api/agent"))
        .json(&body)
        .send()
        .await
        .expect("post");
    assert!(resp.status().is_success(), "HTTP {}", resp.status());
    let mut stream = resp.bytes_stream();
    let (mut buf, mut events) = (String::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                events.push(serde_json::from_str(data).expect("event json"));
            }
        }
    }
    events
}

#[tokio::test]
async fn a_reference_run_goes_through_the_ordinary_chain_over_http() {
    let data = tempfile::tempdir().expect("tmp");
    let (api, preview, apps) = (free_port(), free_port(), free_port());
    let _server = Killed(
        Command::new(BIN)
            .args(["serve-bench", "--local"])
            .args(["--addr", &format!("127.0.0.1:{api}")])
            .args(["--preview-addr", &format!("127.0.0.1:{preview}")])
            .args(["--apps-port", &apps.to_string()])
            .arg("--data")
            .arg(data.path())
            .env_remove("AzureWebJobsStorage")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve-bench"),
    );
    let base = format!("http://127.0.0.1:{api}");
    let http = reqwest::Client::new();
    wait_ready(&http, &base).await;

    let events = run(&http, &base, "w1").await;
    let steps: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "STEP_STARTED")
        .filter_map(|e| e["stepName"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "clarify",
            "requirements",
            "qa",
            "wireframe",
            "code",
            "build",
            "review"
        ]
    );
    let deltas = events
        .iter()
        .filter(|e| e["type"] == "TEXT_MESSAGE_CONTENT")
        .filter(|e| e["delta"].as_str().is_some_and(|d| d.len() == 40))
        .count();
    assert_eq!(deltas, 200, "50 deltas of 40 characters in each agent step");
    let last = events.last().expect("events");
    assert_eq!(last["type"], "RUN_FINISHED", "{last}");
    assert!(
        events.iter().any(|e| e["type"] == "CUSTOM"
            && e["name"] == "render_url"
            && e["value"]["version"] == 1),
        "version 1 announced"
    );

    let version: Value = http
        .get(format!("{base}/api/threads/w1/versions/1"))
        .send()
        .await
        .expect("get version")
        .json()
        .await
        .expect("version json");
    assert!(
        version["files"]["src/App.tsx"].is_object(),
        "the ~20 KB file is in version 1: {version}"
    );
}
