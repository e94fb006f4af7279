//! Deploys to Vercel as queue work, on shared storage where more than one process may work a
//! thread (Azure), through the real embedded queue and the in-process worker's `handle_work`,
//! against the test kit's stand-in for Vercel's API: a duplicate delivery does nothing twice,
//! a redelivery resumes at the recorded stage without a second deployment, a silent worker is
//! taken over only after the heartbeat bound, and a deploy whose attempts keep dying, or that
//! the retry policy gives up, ends failed saying why.

use appgen_core::deploy::{DeployMessage, DeployRecord, DeployStage, LOST_AFTER_MS};
use appgen_core::live::{Person, ThreadEvent};
use appgen_core::ports::{BlobStore, Container, WriteCondition};
use appgen_core::retry::MAX_TRIES;
use appgen_core::snapshot::{ThreadSnapshot, Version};
use appgen_core::step::WorkQueue;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{
    Pipeline, PipelineConfig, Steps, Work, deploy_listing_key, deploy_record_key,
};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::vercel::{VercelClient, VercelSetup};
use appgen_runtime::worker::{WorkerConfig, handle_work};
use appgen_testkit::vercel::{VercelFaults, VercelStandIn};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "t0ken";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A pipeline that does not own its storage alone (so only the heartbeat bound applies), with
/// no token of its own, deploying to `vercel`; alice's thread `t` with a built version 1.
async fn shared(
    dir: &std::path::Path,
    vercel: &VercelStandIn,
) -> (Arc<Pipeline>, Arc<dyn BlobStore>) {
    let blobs: Arc<dyn BlobStore> =
        Arc::new(DiskBlobStore::open_with(&dir.join("b"), false).expect("blobs"));
    let queue = Arc::new(DiskQueue::open(&dir.join("q")).expect("queue"));
    let config = PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), false);
    let client = VercelClient::new(&vercel.base_url()).with_poll(Duration::from_millis(30));
    let p = Pipeline::new(blobs.clone(), queue, Steps::default(), config)
        .with_vercel(VercelSetup::new(client, None));
    p.ensure_queues().await.expect("queues");
    let mut snap = ThreadSnapshot::new("t", "alice", now());
    snap.title = "Shelf".into();
    snap.versions.push(Version {
        number: 1,
        files: Default::default(),
        request: "a shelf".into(),
        run_id: "r1".into(),
        created_at: now(),
        check: None,
        artifact: Some("t/a1".into()),
        restored_from: None,
        author: None,
    });
    p.threads().create(&snap).await.expect("thread");
    for (path, body) in [
        ("index.html", "<html>shelf</html>"),
        ("assets/a.js", "go()"),
    ] {
        let key = format!("t/a1/dist/{path}");
        (blobs.put(
            Container::Artifacts,
            &key,
            body.into(),
            "text/plain",
            WriteCondition::Any,
        ))
        .await
        .expect("dist");
    }
    (Arc::new(p), blobs)
}

/// Stores a record as another process left it, listed for the sweeper.
async fn put(blobs: &Arc<dyn BlobStore>, rec: &DeployRecord) {
    let key = deploy_record_key("t", &rec.view.id);
    let bytes = serde_json::to_vec(rec).expect("json");
    let create = WriteCondition::CreateOnly;
    (blobs.put(Container::Threads, &key, bytes, "application/json", create))
        .await
        .expect("put");
    let listed = deploy_listing_key("t", &rec.view.id);
    (blobs.put(
        Container::Threads,
        &listed,
        Vec::new(),
        "text/plain",
        WriteCondition::Any,
    ))
    .await
    .expect("listed");
}

async fn stored(blobs: &Arc<dyn BlobStore>, id: &str) -> (String, DeployRecord) {
    let blob = (blobs.get(Container::Threads, &deploy_record_key("t", id)))
        .await
        .expect("get")
        .expect("record");
    let text = String::from_utf8_lossy(&blob.bytes).into_owned();
    (text, serde_json::from_slice(&blob.bytes).expect("record"))
}

/// Delivers the next message of the deploy queue to the worker, as `serve` does.
async fn deliver(p: &Pipeline) -> bool {
    let q = p.queue().receive("deploy", Duration::from_secs(60)).await;
    let Some(d) = q.expect("receive") else {
        return false;
    };
    handle_work(p, &WorkerConfig::default(), WorkQueue::Deploy, d).await;
    true
}

/// The stages the thread stream told for deploy `id`.
async fn told(p: &Pipeline, id: &str) -> Vec<String> {
    let (events, _) = p.live().read_from("t", 0).await.expect("stream");
    (events.into_iter())
        .filter_map(|e| match e.event {
            ThreadEvent::Deploy(v) if v.id == id => Some(v.state),
            _ => None,
        })
        .map(|s| {
            serde_json::to_value(s).expect("json")["stage"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_duplicate_delivery_does_nothing_twice_and_a_redelivery_resumes_at_its_stage() {
    let vercel = VercelStandIn::start(TOKEN).await.expect("stand-in");
    vercel.set_faults(VercelFaults {
        building_polls: 2,
        ..VercelFaults::default()
    });
    let dir = tempfile::tempdir().expect("tmp");
    let (p, blobs) = shared(dir.path(), &vercel).await;
    let al = Person::new("alice", None);
    let view = p
        .start_deploy("t", &al, 1, Some(TOKEN))
        .await
        .expect("started");
    let (text, rec) = stored(&blobs, &view.id).await;
    assert!(
        !text.contains(TOKEN) && rec.sealed_token.is_some(),
        "only sealed: {text}"
    );

    // The message twice at once (a redelivery while the first attempt works): one works, the
    // other finds it held; once it is ready, a third delivery finds it ended.
    let body = DeployMessage {
        thread_id: "t".into(),
        deploy_id: view.id.clone(),
    }
    .to_json();
    p.queue()
        .send("deploy", &body, Duration::ZERO)
        .await
        .expect("duplicate");
    let (a, b) = tokio::join!(deliver(&p), deliver(&p));
    assert!(a && b, "two deliveries");
    let (_, rec) = stored(&blobs, &view.id).await;
    assert!(
        matches!(rec.view.state, DeployStage::Ready { .. }),
        "{rec:?}"
    );
    assert_eq!(
        (rec.attempts, rec.sealed_token.as_deref()),
        (1, None),
        "one attempt; token dropped"
    );
    p.queue()
        .send("deploy", &body, Duration::ZERO)
        .await
        .expect("late duplicate");
    assert!(deliver(&p).await);
    {
        let seen = vercel.record();
        assert_eq!(seen.deployments.len(), 1, "one deployment");
        assert!(
            seen.upload_count.values().all(|n| *n == 1),
            "{:?}",
            seen.upload_count
        );
    }
    assert_eq!(
        told(&p, &view.id).await,
        ["pending", "uploading", "building", "ready"]
    );

    // A deploy whose attempt died after Vercel had its deployment (the id is recorded): the
    // redelivery waits for that deployment, creates none.
    let mut dead = DeployRecord::new("d-resumed", 1, al, None, 0); // the server's token…
    dead.taken_by("gone:1", 0);
    dead.advance(
        DeployStage::Building {
            deployment: "dpl_1".into(),
        },
        now() - LOST_AFTER_MS - 1,
    );
    put(&blobs, &dead).await;
    assert_eq!(
        p.sweep_deploys(false).await.expect("sweep"),
        (0, 1),
        "re-sent, not ended"
    );
    assert!(deliver(&p).await);
    let (_, rec) = stored(&blobs, "d-resumed").await;
    // …which this server does not have: the stage is resumed, and it ends saying so.
    assert!(
        matches!(&rec.view.state, DeployStage::Failed { message, .. } if message.contains("no Vercel token")),
        "{rec:?}"
    );
    let sealed =
        appgen_runtime::seal::Sealer::new(PreviewUrls::new("", b"k").derived_key("vercel-token"));
    dead.view.id = "d-resumed-2".into();
    dead.sealed_token = Some(sealed.seal(TOKEN));
    put(&blobs, &dead).await;
    assert_eq!(p.sweep_deploys(false).await.expect("sweep"), (0, 1));
    assert!(deliver(&p).await);
    let (_, rec) = stored(&blobs, "d-resumed-2").await;
    assert!(
        matches!(&rec.view.state, DeployStage::Ready { deployment, .. } if deployment == "dpl_1"),
        "{rec:?}"
    );
    assert_eq!(vercel.record().deployments.len(), 1, "no second deployment");
}

/// An attempt that died after Vercel created the deployment but before its id was recorded
/// (the stage still `uploading`): the next attempt finds that deployment by the deploy's id
/// in its meta, uploads nothing and creates none.
#[tokio::test]
async fn a_deployment_made_by_an_attempt_that_died_unrecorded_is_found_not_made_again() {
    let vercel = VercelStandIn::start(TOKEN).await.expect("stand-in");
    let dir = tempfile::tempdir().expect("tmp");
    let (p, blobs) = shared(dir.path(), &vercel).await;
    let files = [
        ("index.html", "<html>shelf</html>"),
        ("assets/a.js", "go()"),
    ]
    .map(|(f, b)| (f.to_owned(), b.as_bytes().to_vec()));
    let plan = appgen_core::vercel::plan("Shelf", &files);
    let client = VercelClient::new(&vercel.base_url());
    client.upload_all(TOKEN, &plan).await.expect("upload");
    // Another deploy of the same app, and the one that died.
    client.create(TOKEN, &plan, "d-other").await.expect("other");
    let made = client.create(TOKEN, &plan, "d-died").await.expect("create");
    let uploads = vercel.record().upload_count.clone();

    let sealed =
        appgen_runtime::seal::Sealer::new(PreviewUrls::new("", b"k").derived_key("vercel-token"));
    let mut dead = DeployRecord::new("d-died", 1, Person::new("alice", None), None, 0);
    dead.sealed_token = Some(sealed.seal(TOKEN));
    dead.taken_by("gone:1", 0);
    dead.advance(DeployStage::Uploading, now() - LOST_AFTER_MS - 1);
    put(&blobs, &dead).await;
    assert_eq!(p.sweep_deploys(false).await.expect("sweep"), (0, 1));
    assert!(deliver(&p).await);
    let (_, rec) = stored(&blobs, "d-died").await;
    assert!(
        matches!(&rec.view.state, DeployStage::Ready { deployment, .. } if *deployment == made.id),
        "{rec:?}"
    );
    let seen = vercel.record();
    assert_eq!(seen.deployments.len(), 2, "no third deployment");
    assert_eq!(seen.upload_count, uploads, "nothing uploaded again");
}

#[tokio::test]
async fn a_silent_worker_is_taken_over_after_the_bound_and_dying_attempts_end_failed() {
    let vercel = VercelStandIn::start(TOKEN).await.expect("stand-in");
    let dir = tempfile::tempdir().expect("tmp");
    let (p, blobs) = shared(dir.path(), &vercel).await;
    let al = Person::new("alice", None);
    let mut fresh = DeployRecord::new("d-fresh", 1, al.clone(), None, now());
    fresh.taken_by("another-instance:1", now());
    let mut dying = DeployRecord::new("d-dying", 1, al.clone(), None, 0);
    for n in 0..MAX_TRIES {
        dying.taken_by(&format!("crashed-{n}:1"), 0);
    }
    dying.advance(DeployStage::Uploading, now() - LOST_AFTER_MS - 1_000);
    put(&blobs, &fresh).await;
    put(&blobs, &dying).await;
    assert_eq!(
        p.sweep_deploys(false).await.expect("sweep"),
        (0, 1),
        "only the silent one"
    );
    assert!(deliver(&p).await);
    assert!(!deliver(&p).await, "nothing else queued");
    let (_, rec) = stored(&blobs, "d-dying").await;
    match &rec.view.state {
        DeployStage::Failed { message, .. } => {
            assert!(
                message.contains("tried 5 times") && message.contains("deploy again"),
                "{message}"
            )
        }
        other => panic!("expected failed, got {other:?}"),
    }
    assert!(vercel.record().uploads.is_empty(), "nothing was deployed");
    assert_eq!(
        stored(&blobs, "d-fresh").await.1.view.state,
        DeployStage::Pending,
        "its worker may be alive"
    );
    assert!(
        p.deploy_of("t", "bob", "d-fresh")
            .await
            .expect("read")
            .is_none(),
        "not bob's"
    );

    // The retry policy's last try ends the deploy the same way, saying what failed.
    let msg = DeployMessage {
        thread_id: "t".into(),
        deploy_id: "d-fresh".into(),
    };
    let reason = p
        .give_up(&Work::Deploy(msg), MAX_TRIES, "storage: unavailable")
        .await
        .expect("given up");
    let (_, rec) = stored(&blobs, "d-fresh").await;
    assert!(reason.contains("storage: unavailable"), "{reason}");
    assert_eq!(
        rec.view.state,
        DeployStage::Failed {
            code: appgen_core::view::ApiErrorCode::DeployFailed,
            message: reason
        }
    );
    assert_eq!(told(&p, "d-fresh").await, ["failed"]);
    assert_eq!(
        p.sweep_deploys(false).await.expect("sweep"),
        (0, 0),
        "both unlisted as they ended"
    );
}
