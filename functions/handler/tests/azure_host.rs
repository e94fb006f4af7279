//! The whole pipeline on real Storage APIs (Azurite): once under `appgen serve` with
//! `AzureWebJobsStorage=UseDevelopmentStorage=true` (in-process workers on Azurite queues), and
//! once under `appgen functions-host` driven by a stand-in for the Functions host that does what
//! the host does for queue triggers: receive, POST the invocation payload to `/{function}`,
//! delete on 2xx, leave for retry otherwise, move to `<queue>-poison` after maxDequeueCount —
//! for the step queues and the deploys' queue (a deploy to the test kit's Vercel stand-in).
//! Skipped (with a notice) unless APPGEN_AZURITE=1 and Azurite runs.

mod support;

use appgen_core::ports::QueueService;
use appgen_core::step::{StepName, WorkQueue};
use appgen_runtime::azure::AzureQueue;
use appgen_runtime::azure::config::StorageConnection;
use appgen_testkit::vercel::VercelStandIn;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use support::{Server, Spawn, agui_flow, agui_replay, client, free_port};

fn azurite() -> bool {
    if std::env::var("APPGEN_AZURITE").is_err() {
        eprintln!(
            "skipped: set APPGEN_AZURITE=1 with Azurite running (infra/local/azurite.sh start)"
        );
        return false;
    }
    true
}

fn prefix() -> String {
    format!("h{}-", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

#[tokio::test]
async fn serve_runs_the_pipeline_on_azurite() {
    if !azurite() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(
        Spawn::local(&dir.path().join("data"))
            .with_env("AzureWebJobsStorage", "UseDevelopmentStorage=true")
            .with_env("APPGEN_STORAGE_PREFIX", prefix()),
    );
    let (report, ok) = agui_flow(
        &server.base,
        "t-az",
        "A workout log with exercise, sets, reps and date",
        Some("Make the background honeydew"),
    );
    assert!(ok, "{report:#}\nlog:\n{}", server.log());
    assert_eq!(report["state"]["versions"], 2, "{report:#}");
}

struct Host {
    child: Child,
    base: String,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_host(
    dir: &std::path::Path,
    prefix: &str,
    failpoint: Option<&str>,
    vercel_api: &str,
) -> Host {
    let port = free_port();
    let mut cmd = Command::new(support::BIN);
    cmd.arg("functions-host")
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .env("AzureWebJobsStorage", "UseDevelopmentStorage=true")
        .env("APPGEN_STORAGE_PREFIX", prefix)
        .env("APPGEN_AUTH", "local")
        .env("APPGEN_APPS_DOMAIN", "apps.test")
        .env("APPGEN_DATA", dir)
        .env("APPGEN_VERCEL_API", vercel_api)
        .env("APPGEN_VERCEL_POLL_MS", "50")
        .env_remove("APPGEN_VERCEL_TOKEN")
        .env(
            "APPGEN_PREVIEW_BASE_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env_remove("APPGEN_FAILPOINT")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(fp) = failpoint {
        cmd.env("APPGEN_FAILPOINT", fp);
    }
    let child = cmd.spawn().expect("spawn functions-host");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Host { child, base }
}

/// The Functions host's queue triggers, played as a task until stopped.
struct Emulator {
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    fn start(host: &Host, prefix: &str) -> Emulator {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(AtomicU32::new(0));
        let task = emulate_host(
            host.base.clone(),
            prefix.to_owned(),
            stop.clone(),
            failures.clone(),
        );
        Emulator {
            stop,
            failures,
            task,
        }
    }

    /// Stops and returns how many invocations failed.
    async fn stop(self) -> u32 {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.task.await;
        self.failures.load(Ordering::SeqCst)
    }
}

/// Plays the Functions host's queue triggers until `stop`. Counts invocations that failed.
fn emulate_host(
    base: String,
    prefix: String,
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicU32>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let queue = AzureQueue::with_prefix(&StorageConnection::development(), &prefix)
            .expect("queue client");
        let http = client();
        let max_dequeue = appgen_core::retry::MAX_TRIES;
        while !stop.load(Ordering::SeqCst) {
            let mut any = false;
            for work in WorkQueue::all() {
                let function = match work {
                    WorkQueue::Step(step) => step.as_str(),
                    WorkQueue::Deploy => appgen::functions::DEPLOY_FUNCTION,
                };
                let Ok(Some(d)) = queue.receive(work.name(), Duration::from_secs(60)).await else {
                    continue;
                };
                any = true;
                let payload = json!({
                    "Data": {"message": d.body},
                    "Metadata": {"DequeueCount": d.dequeue_count, "Id": d.id, "PopReceipt": d.pop_receipt,
                                 "InsertionTime": "2026-11-25T10:00:00+00:00", "NextVisibleTime": "2026-11-25T10:01:00+00:00",
                                 "sys": {"MethodName": function}}
                });
                let ok = http
                    .post(format!("{base}/{function}"))
                    .json(&payload)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    let _ = queue.delete(work.name(), &d).await;
                } else if d.dequeue_count >= max_dequeue {
                    failures.fetch_add(1, Ordering::SeqCst);
                    let _ = queue.send(&work.poison(), &d.body, Duration::ZERO).await;
                    let _ = queue.delete(work.name(), &d).await;
                } else {
                    failures.fetch_add(1, Ordering::SeqCst);
                    let _ = queue
                        .release(work.name(), &d, Duration::from_millis(200))
                        .await;
                }
            }
            if !any {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    })
}

// The host stand-in runs as a task while the (blocking) client check runs: two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_host_runs_the_pipeline_through_queue_invocations() {
    if !azurite() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let prefix = prefix();
    let vercel = VercelStandIn::start(VERCEL_TOKEN).await.expect("stand-in");
    let host = start_host(dir.path(), &prefix, None, &vercel.base_url());
    assert_eq!(
        reqwest::get(format!("{}/", host.base))
            .await
            .expect("ping")
            .status()
            .as_u16(),
        200,
        "readiness ping"
    );
    let emulator = Emulator::start(&host, &prefix);
    let (report, ok) = agui_flow(
        &host.base,
        "t-host",
        "A simple book club list with book title, author and meeting date",
        Some("Add a field for host"),
    );
    assert!(ok, "{report:#}");
    assert_eq!(
        report["runs"][1]["steps"],
        json!(["requirements", "qa", "wireframe", "code", "build", "review"])
    );
    assert_eq!(report["state"]["versions"], 2, "{report:#}");
    // The preview is served on the handler's own host, under /p/.
    let preview = report["runs"][2]["last"]["result"]["previewUrl"]
        .as_str()
        .expect("preview")
        .to_owned();
    assert!(
        preview.starts_with(&format!("{}/p/", host.base)),
        "{preview}"
    );
    assert_eq!(
        reqwest::get(&preview)
            .await
            .expect("preview")
            .status()
            .as_u16(),
        200
    );

    // Published apps: the same handler answers the wildcard apps domain by host.
    let c = reqwest::Client::new();
    let published: serde_json::Value = c
        .post(format!("{}/api/threads/t-host/publish", host.base))
        .json(&json!({}))
        .send()
        .await
        .expect("publish")
        .json()
        .await
        .expect("json");
    let slug = published["slug"].as_str().expect("slug").to_owned();
    assert_eq!(published["url"], format!("https://{slug}.apps.test/"));
    let app = |path: &'static str| {
        c.get(format!("{}{path}", host.base))
            .header("host", format!("{slug}.apps.test"))
            .send()
    };
    let page = app("/").await.expect("app");
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("<div id=\"root\"")
    );
    let health = app("/api/health").await.expect("app");
    assert!(
        !health.text().await.expect("text").contains("\"ok\""),
        "no API on an app's host"
    );
    let ping = reqwest::get(format!("{}/", host.base)).await.expect("ping");
    assert_eq!(ping.text().await.expect("text"), "appgen custom handler");

    deploy_through_the_deploy_function(&host, &vercel).await;
    assert_eq!(emulator.stop().await, 0, "no invocation failed");
}

const VERCEL_TOKEN: &str = "vercel-host-token";

/// A deploy with the request's token (the host has none): the POST only enqueues it, the
/// `deploy` function invoked from the deploys' queue takes it to READY at the stand-in.
async fn deploy_through_the_deploy_function(host: &Host, vercel: &VercelStandIn) {
    let c = reqwest::Client::new();
    let url = format!("{}/api/threads/t-host/deploy/vercel", host.base);
    let started = c
        .post(&url)
        .json(&json!({"token": VERCEL_TOKEN}))
        .send()
        .await;
    let d: Value = started.expect("deploy").json().await.expect("json");
    let id = d["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let end = loop {
        let v: Value = (c.get(format!("{url}/{id}")).send().await.expect("read"))
            .json()
            .await
            .expect("json");
        if ["ready", "failed"].contains(&v["state"]["stage"].as_str().unwrap_or("")) {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "never ended: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(end["state"]["stage"], "ready", "{end}");
    assert_eq!(vercel.record().deployments.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_failing_max_dequeue_times_is_poisoned_and_the_run_says_why() {
    if !azurite() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let prefix = prefix();
    let host = start_host(
        dir.path(),
        &prefix,
        Some("requirements:error"),
        "http://127.0.0.1:9",
    );
    let emulator = Emulator::start(&host, &prefix);
    let (report, _) = agui_flow(&host.base, "t-poison", "A quote of the day page", None);
    let failures = emulator.stop().await;
    let end = &report["runs"][1]["last"];
    assert_eq!(end["type"], "RUN_ERROR", "{report:#}");
    assert!(
        end["message"]
            .as_str()
            .unwrap_or_default()
            .contains("requirements step failed 5 times"),
        "{end}"
    );
    assert_eq!(failures, 5);
    let queue = AzureQueue::with_prefix(&StorageConnection::development(), &prefix).expect("queue");
    assert_eq!(
        queue
            .len(&StepName::Requirements.poison_queue())
            .await
            .expect("len"),
        1
    );
    assert_eq!(
        queue
            .len(StepName::Requirements.queue())
            .await
            .expect("len"),
        0
    );
    let (replay, ok) = agui_replay(&host.base, "t-poison", "t-poison-r2");
    assert!(ok, "{replay:#}");
    let _: Value = replay;
}
