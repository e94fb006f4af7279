//! Kill the real process between steps (failpoints), restart it on the same data directory:
//! every run completes, every stream still verifies with the official client, nothing is lost.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::{Server, Spawn, agui_replay, client, get_json, post_json, wait_idle};

fn run_input(thread: &str, run: &str, messages: Value) -> Value {
    json!({"threadId": thread, "runId": run, "messages": messages, "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

/// Runs clarify normally, then answers on a server that aborts at `failpoint`; restarts and
/// checks the answers run completes and both streams verify.
async fn crash_at(failpoint: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let thread = "t-crash";
    let user = json!([{"id": "u1", "role": "user", "content": "A plant watering log with plant name, date and amount in ml"}]);
    let mut server = Server::start(Spawn::local(&data).with_env("APPGEN_FAILPOINT", failpoint));
    let c = client();
    let agent = format!("{}/api/agent", server.base);
    let first = post_json(&c, &agent, &run_input(thread, "r1", user.clone()))
        .await
        .text()
        .await
        .expect("stream");
    let snapshot = get_json(&c, &format!("{}/api/threads/{thread}", server.base)).await;
    let interrupt = first
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find(|e| e["type"] == "RUN_FINISHED")
        .map(|e| e["outcome"]["interrupts"][0]["id"].clone())
        .expect("clarify ends with an interrupt");
    assert!(snapshot["state"]["questions"].is_array());
    let mut answers = run_input(thread, "r2", user);
    answers["resume"] = json!([{"interruptId": interrupt, "status": "resolved", "payload": {}}]);
    // The answers run: the server aborts at the failpoint, breaking this stream.
    let _ = c
        .post(&agent)
        .json(&answers)
        .send()
        .await
        .map(|r| async { r.text().await });
    assert!(
        server.wait_exit(Duration::from_secs(60)),
        "failpoint {failpoint} never hit; log:\n{}",
        server.log()
    );
    drop(server);

    let server = Server::start(Spawn::local(&data));
    let done = wait_idle(&server.base, thread, Duration::from_secs(90)).await;
    assert_eq!(
        done["state"]["status"],
        "done",
        "after {failpoint}: {:#}\nlog:\n{}",
        done["state"],
        server.log()
    );
    assert_eq!(
        done["state"]["versions"].as_array().map(Vec::len),
        Some(1),
        "after {failpoint}"
    );
    let users = done["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "user")
        .count();
    assert_eq!(users, 1, "the user's message is kept exactly once");
    assert!(!done["state"]["answers"].is_null(), "the answers are kept");
    for run in ["r1", "r2"] {
        let (report, ok) = agui_replay(&server.base, thread, run);
        assert!(ok, "after {failpoint}, replay of {run} failed: {report:#}");
    }
}

#[tokio::test]
async fn crash_after_events_before_commit() {
    crash_at("requirements:after_events").await;
}

#[tokio::test]
async fn crash_after_commit_before_enqueue() {
    crash_at("code:after_commit").await;
}

#[tokio::test]
async fn crash_after_claim_in_the_build() {
    crash_at("build:after_claim").await;
}

#[tokio::test]
async fn crash_in_review_before_the_run_ends() {
    crash_at("review:after_events").await;
}

/// The process dies after the run is recorded but before its first event and step message:
/// the restart's recovery sends the step, the step writes the missing RUN_STARTED.
#[tokio::test]
async fn crash_while_starting_the_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut server =
        Server::start(Spawn::local(&data).with_env("APPGEN_FAILPOINT", "start:after_commit"));
    let user =
        json!([{"id": "u1", "role": "user", "content": "A birthday list with name and date"}]);
    let r = client()
        .post(format!("{}/api/agent", server.base))
        .json(&run_input("t-start", "r1", user))
        .send()
        .await;
    assert!(
        r.is_err() || r.is_ok_and(|r| r.status().is_success()),
        "the request dies with the process"
    );
    assert!(
        server.wait_exit(Duration::from_secs(30)),
        "failpoint never hit; log:\n{}",
        server.log()
    );
    drop(server);
    let server = Server::start(Spawn::local(&data));
    let done = wait_idle(&server.base, "t-start", Duration::from_secs(60)).await;
    assert_eq!(
        done["state"]["status"], "awaiting_answers",
        "{:#}",
        done["state"]
    );
    let (report, ok) = agui_replay(&server.base, "t-start", "r1");
    assert!(ok, "replay failed: {report:#}");
}
