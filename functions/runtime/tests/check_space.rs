//! The build step gives the check of a cloud or sign-in app a throwaway data space, and only
//! those: the builder reaches the data API's own routes for the app's `check` space over the
//! Unix socket it is handed (real HTTP), with the app's schema and limits; nothing of the space
//! is left after the step, the public spaces never see it, and the version's message says
//! what the check did not see only when it ran without the space.

mod common;

use appgen_core::agui::Event;
use appgen_core::app::{BuildPhase, BuildReport, CheckReport, FileMap, Requirements};
use appgen_core::ports::{AppBuilder, BlobStore, BuildError, BuildJob, CheckData, Container};
use appgen_runtime::azure::{AzureBlobStore, StorageConnection};
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_testkit::FixtureAgent;
use async_trait::async_trait;
use common::{drain, input, start, user};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request over the check's socket: (status, body).
async fn call(data: &CheckData, method: &str, path: &str, key: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::UnixStream::connect(&data.socket)
        .await
        .expect("connect to the check's socket");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: check\r\nx-app-key: {key}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// What the builder saw of its data space, through the socket.
#[derive(Debug, Default, Clone)]
struct Seen {
    data: Option<CheckData>,
    schema: Value,
    created: u16,
    listed: usize,
    wrong_key: u16,
    wrong_field: u16,
}

/// Uses the data space as the check's app would, then reports a check that ran on it (as
/// check.mjs does when it was given one), or with `.1` false one that could not.
struct SpaceBuilder(Mutex<Option<Seen>>, bool);

#[async_trait]
impl AppBuilder for SpaceBuilder {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError> {
        let mut seen = Seen::default();
        if let Some(d) = &job.data {
            let base = format!("/data/{}/{}", d.app, d.space);
            let (_, schema) = call(d, "GET", &format!("{base}/_schema"), &d.key, "").await;
            seen.schema = serde_json::from_str(&schema).unwrap_or(Value::Null);
            let items = format!("{base}/shopping-items");
            seen.created = call(d, "POST", &items, &d.key, r#"{"item":"Milk"}"#)
                .await
                .0;
            let (_, list) = call(d, "GET", &items, &d.key, "").await;
            let list: Value = serde_json::from_str(&list).unwrap_or(Value::Null);
            seen.listed = list["records"].as_array().map_or(0, Vec::len);
            seen.wrong_key = call(d, "GET", &items, "nope", "").await.0;
            seen.wrong_field = call(d, "POST", &items, &d.key, r#"{"colour":"red"}"#)
                .await
                .0;
            seen.data = Some(d.clone());
        }
        *self.0.lock().expect("lock") = Some(seen);
        let check = CheckReport {
            passed: true,
            data_space: job.data.is_some() && self.1,
            ..CheckReport::default()
        };
        Ok(BuildReport {
            ok: true,
            phase: BuildPhase::Done,
            error: None,
            log: String::new(),
            check: Some(check),
            artifact: Some(format!("{}/v{}", job.thread_id, job.version)),
            duration_ms: 1,
        })
    }
}

fn requirements(data: &str) -> Requirements {
    let entity = json!({"singular": "Shopping item", "plural": "Shopping items",
        "fields": [{"key": "item", "label": "Item", "type": "text", "required": true}]});
    Requirements {
        title: "Shopping".into(),
        summary: String::new(),
        features: vec!["add items".into()],
        spec: json!({"entity": entity, "data": data}),
    }
}

/// Runs one app through the chain; answers what the builder saw, the review's message and
/// the blobs of the app's data spaces afterwards.
async fn run(data: &str) -> (Seen, String, Vec<String>) {
    run_with(data, true).await
}

async fn run_with(data: &str, on_space: bool) -> (Seen, String, Vec<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let blobs = Arc::new(DiskBlobStore::open_with(&dir.path().join("b"), false).expect("blobs"));
    run_on(data, on_space, blobs).await
}

async fn run_on(
    data: &str,
    on_space: bool,
    blobs: Arc<dyn BlobStore>,
) -> (Seen, String, Vec<String>) {
    let files = FileMap::from([("src/App.tsx".into(), "app".into())]);
    let agent = FixtureAgent::new("fixture", files).with_requirements(requirements(data));
    let builder = Arc::new(SpaceBuilder(Mutex::new(None), on_space));
    let dir = tempfile::tempdir().expect("tmp");
    let queue = Arc::new(DiskQueue::open(&dir.path().join("q")).expect("queue"));
    let config = PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), true);
    let steps = Steps::app(Arc::new(agent), builder.clone());
    let p = Pipeline::new(blobs.clone(), queue, steps, config);
    p.ensure_queues().await.expect("queues");
    start(
        &p,
        input("t", "r1", vec![user("u1", "A shopping list")], None),
        "start",
    )
    .await;
    drain(&p).await;
    let (log, _) = p.events().read_from("t", "r1", 0).await.expect("read");
    let said: String = log
        .into_iter()
        .filter_map(|e| match e.event {
            Event::TextMessageContent(t) => Some(t.delta),
            _ => None,
        })
        .collect();
    let left = blobs
        .list(Container::Threads, "t/data/")
        .await
        .expect("list");
    let seen = builder
        .0
        .lock()
        .expect("lock")
        .clone()
        .expect("the build ran");
    (seen, said, left)
}

#[tokio::test]
async fn a_cloud_app_is_checked_on_a_data_space_of_its_own() {
    let (seen, said, left) = run("cloud").await;
    let data = seen.data.clone().expect("a data space for the check");
    assert_eq!((data.app.as_str(), data.space.as_str()), ("t", "check"));
    assert_eq!(
        seen.schema["collections"][0]["name"], "shopping-items",
        "{seen:?}"
    );
    assert_eq!((seen.created, seen.listed), (201, 1), "{seen:?}");
    assert_eq!(seen.wrong_key, 404, "another key opens nothing");
    assert_eq!(seen.wrong_field, 400, "the schema is enforced");
    assert!(
        left.is_empty(),
        "the space is erased after the check: {left:?}"
    );
    assert!(!data.socket.exists(), "the socket is gone");
    assert!(said.contains("Version 1 is built"), "{said}");
    assert!(!said.contains("was not checked"), "{said}");
    assert!(
        said.contains("in headless Chromium on a throwaway data space"),
        "{said}"
    );
}

#[tokio::test]
async fn a_sign_in_app_gets_one_and_a_device_app_none() {
    let (seen, said, _) = run("private").await;
    assert_eq!(seen.schema["accounts"], true, "{seen:?}");
    // Records need a session in an app with accounts.
    assert_eq!(seen.created, 401, "{seen:?}");
    assert!(!said.contains("was not checked"), "{said}");

    let (seen, said, _) = run("device").await;
    assert!(seen.data.is_none(), "{seen:?}");
    assert!(said.contains("Version 1 is built"), "{said}");
    assert!(!said.contains("data space"), "{said}");
}

#[tokio::test]
async fn a_check_that_could_not_use_the_space_says_what_it_did_not_see() {
    let (_, said, _) = run_with("cloud", false).await;
    assert!(
        said.contains("data shared between people was not checked"),
        "{said}"
    );
    let (_, said, _) = run_with("private", false).await;
    assert!(
        said.contains("sign-in and each person's own data was not checked"),
        "{said}"
    );
}

/// The same on Azure's blob API (Azurite; `APPGEN_AZURITE=1`, `APPGEN_AZURITE_CONNECTION` as
/// for the contract suite), the storage of the build job in Azure.
#[tokio::test]
async fn on_azurite_the_check_space_is_served_and_erased_the_same() {
    if std::env::var("APPGEN_AZURITE").is_err() {
        eprintln!("SKIPPED: APPGEN_AZURITE is not set (infra/local/azurite.sh start)");
        return;
    }
    let conn = match std::env::var("APPGEN_AZURITE_CONNECTION") {
        Ok(cs) if !cs.trim().is_empty() => {
            StorageConnection::parse_connection_string("APPGEN_AZURITE_CONNECTION", &cs)
                .expect("connection string")
        }
        _ => StorageConnection::development(),
    };
    let prefix = format!("cs{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let store = AzureBlobStore::with_prefix(&conn, &prefix).expect("azure blob store");
    store
        .ensure_containers()
        .await
        .expect("containers (is Azurite running?)");
    let (seen, said, left) = run_on("cloud", true, Arc::new(store.clone())).await;
    store.delete_containers().await.expect("delete containers");
    assert_eq!((seen.created, seen.listed), (201, 1), "{seen:?}");
    assert!(left.is_empty(), "erased: {left:?}");
    assert!(!said.contains("was not checked"), "{said}");
}
