//! `appgen-builder job` is the pipeline's build step: a run is driven up to its build on the
//! embedded backend, then the job binary takes the build message, builds and checks the app in
//! Chromium, records the report, and enqueues review — through the same `worker::handle` and
//! `Pipeline::run_step` as `appgen serve`.

use appgen_builder::{Builder, BuilderConfig, materialize};
use appgen_core::agui::{Event, Message, RunAgentInput, UserContent, UserMessage};
use appgen_core::step::StepName;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::worker::{WorkerConfig, handle};
use appgen_testkit::FixtureAgent;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn pipeline(data: &Path) -> Pipeline {
    let blobs = Arc::new(DiskBlobStore::open(&data.join("blobs")).expect("blobs"));
    let queue = Arc::new(DiskQueue::open(&data.join("queues")).expect("queues"));
    let files =
        materialize::read_app_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/good"))
            .expect("fixture");
    let builder = Builder::new(BuilderConfig::from_env().expect("config"), blobs.clone());
    Pipeline::new(
        blobs,
        queue,
        Steps::app(
            Arc::new(FixtureAgent::new("Fixture", files)),
            Arc::new(builder),
        ),
        PipelineConfig::new(PreviewUrls::new("http://preview", b"key"), true),
    )
}

fn job(data: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_appgen-builder"))
        .arg("job")
        .env("APPGEN_DATA", data)
        .env("APPGEN_PREVIEW_SECRET", "key")
        .env_remove("AzureWebJobsStorage")
        .env_remove("AzureWebJobsStorage__blobServiceUri")
        .env_remove("AzureWebJobsStorage__accountName")
        .output()
        .expect("run appgen-builder job")
}

#[tokio::test]
async fn the_job_runs_the_build_step_and_hands_over_to_review() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    {
        let p = pipeline(&data);
        p.ensure_queues().await.expect("queues");
        let input = RunAgentInput::new(
            "t",
            "r",
            vec![Message::User(UserMessage {
                id: "u".into(),
                content: UserContent::Text("a list".into()),
                name: None,
            })],
        );
        p.start_run(&input, "alice").await.expect("start");
        // Run every step up to the build (the API host's functions), leaving the build message.
        loop {
            let mut any = false;
            for step in [
                StepName::Clarify,
                StepName::Requirements,
                StepName::Qa,
                StepName::Wireframe,
                StepName::Code,
            ] {
                if let Some(d) = p
                    .queue()
                    .receive(step.queue(), Duration::from_secs(60))
                    .await
                    .expect("receive")
                {
                    handle(&p, &WorkerConfig::default(), step, d).await;
                    any = true;
                }
            }
            if !any {
                break;
            }
        }
        assert_eq!(
            p.queue().len(StepName::Build.queue()).await.expect("len"),
            1
        );
    }

    let out = job(&data);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let p = pipeline(&data);
    assert_eq!(
        p.queue().len(StepName::Build.queue()).await.expect("len"),
        0,
        "the build message is done"
    );
    assert_eq!(
        p.queue().len(StepName::Review.queue()).await.expect("len"),
        1,
        "review is next"
    );
    let snap = p
        .threads()
        .load("t")
        .await
        .expect("load")
        .expect("thread")
        .0;
    let build = snap
        .active
        .and_then(|a| a.build)
        .expect("the build report is in the snapshot");
    assert!(build.ok, "{build:?}");
    assert!(
        build
            .check
            .is_some_and(|c| c.passed && c.screenshot.is_some())
    );
    let (events, _) = p.events().read_from("t", "r", 0).await.expect("events");
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, Event::StepFinished(s) if s.step_name == "build"))
    );
    drop(p);

    let again = job(&data);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no build is waiting"));
}
