//! Deploys to Vercel on shared storage, where more than one process may serve a thread (Azure):
//! a deploy is ended as failed only once its heartbeat is older than the bound, and a worker
//! that was only late finds its deploy ended by a reader and stops instead of overwriting it.
//! Against the test kit's stand-in for Vercel's API.

use appgen_core::deploy::{DeployRecord, DeployStage, LOST_AFTER_MS};
use appgen_core::live::{Person, ThreadEvent};
use appgen_core::ports::{BlobStore, Container, WriteCondition};
use appgen_core::snapshot::ThreadSnapshot;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{BuiltVersion, Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::vercel::VercelClient;
use appgen_testkit::vercel::{VercelFaults, VercelStandIn};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "t0ken";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A pipeline that does not own its storage alone (so only the heartbeat bound applies), with
/// alice's thread `t`.
async fn shared(dir: &std::path::Path) -> (Arc<Pipeline>, Arc<dyn BlobStore>) {
    let blobs: Arc<dyn BlobStore> =
        Arc::new(DiskBlobStore::open_with(&dir.join("b"), false).expect("blobs"));
    let queue = Arc::new(DiskQueue::open(&dir.join("q")).expect("queue"));
    let config = PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), false);
    let p = Pipeline::new(blobs.clone(), queue, Steps::default(), config);
    let snap = ThreadSnapshot::new("t", "alice", now());
    p.threads().create(&snap).await.expect("thread");
    (Arc::new(p), blobs)
}

async fn put(blobs: &Arc<dyn BlobStore>, rec: &DeployRecord, cond: WriteCondition) {
    let key = format!("t/deploys/{}", rec.view.id);
    let bytes = serde_json::to_vec(rec).expect("json");
    (blobs.put(Container::Threads, &key, bytes, "application/json", cond))
        .await
        .expect("put");
}

async fn stage(p: &Pipeline, id: &str) -> DeployStage {
    let v = p.deploy_of("t", "alice", id).await.expect("read");
    v.expect("the deploy").state
}

#[tokio::test]
async fn a_silent_worker_elsewhere_is_given_up_only_after_the_bound() {
    let dir = tempfile::tempdir().expect("tmp");
    let (p, blobs) = shared(dir.path()).await;
    let al = Person::new("alice", None);
    let fresh = DeployRecord::new("d-fresh", 1, al.clone(), "another-instance", now());
    let mut silent = DeployRecord::new("d-silent", 1, al, "another-instance", 0);
    silent.advance(DeployStage::Uploading, now() - LOST_AFTER_MS - 1_000);
    put(&blobs, &fresh, WriteCondition::CreateOnly).await;
    put(&blobs, &silent, WriteCondition::CreateOnly).await;

    assert_eq!(
        stage(&p, "d-fresh").await,
        DeployStage::Pending,
        "its worker may be alive"
    );
    let lost = stage(&p, "d-silent").await;
    assert!(matches!(lost, DeployStage::Failed { .. }), "{lost:?}");
    assert!(
        p.deploy_of("t", "bob", "d-silent")
            .await
            .expect("read")
            .is_none(),
        "not bob's thread"
    );
    let (told, _) = p.live().read_from("t", 0).await.expect("stream");
    let ended: Vec<_> = told
        .into_iter()
        .filter_map(|e| match e.event {
            ThreadEvent::Deploy(v) => Some((v.id, v.state.is_final())),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [("d-silent".to_owned(), true)]);
}

#[tokio::test]
async fn a_late_worker_finds_its_deploy_ended_and_leaves_it_ended() {
    let vercel = VercelStandIn::start(TOKEN).await.expect("stand-in");
    vercel.set_faults(VercelFaults {
        building_for: Duration::from_secs(1),
        ..VercelFaults::default()
    });
    let dir = tempfile::tempdir().expect("tmp");
    let (p, blobs) = shared(dir.path()).await;
    let built = BuiltVersion {
        title: "Late".into(),
        version: 1,
        files: vec![("index.html".into(), b"<html></html>".to_vec())],
    };
    let client = VercelClient::new(&vercel.base_url());
    let al = Person::new("alice", None);
    let view = (p.start_deploy("t", &al, built, TOKEN.into(), client))
        .await
        .expect("started");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(stage(&p, &view.id).await, DeployStage::Building { .. }) {
        assert!(Instant::now() < deadline, "never building");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A reader elsewhere ends it (as if its heartbeat had been late).
    let key = format!("t/deploys/{}", view.id);
    let blob = (blobs.get(Container::Threads, &key))
        .await
        .expect("get")
        .expect("record");
    let mut rec: DeployRecord = serde_json::from_slice(&blob.bytes).expect("record");
    assert!(rec.mark_lost(now()));
    put(&blobs, &rec, WriteCondition::IfMatch(blob.etag)).await;

    // Vercel says READY after 1 s and the worker reads it every 2 s: by 4 s it has tried.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(vercel.record().deployments.len(), 1);
    let end = stage(&p, &view.id).await;
    assert!(
        matches!(end, DeployStage::Failed { .. }),
        "the first end stands: {end:?}"
    );
}
