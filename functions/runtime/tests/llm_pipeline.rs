//! The real step runner driving ModelAgent against the scripted server (appgen responder):
//! questions, requirements, wireframe, code that fails to build, fix, a version, then a
//! follow-up edit. Proves the model agent's events make well-formed AG-UI runs.

mod common;

use appgen_core::agui::{Event, RunAgentInput};
use appgen_core::app::{BuildPhase, BuildReport, CheckReport};
use appgen_core::ports::{AppBuilder, BuildError, BuildJob};
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::llm::config::{AuthConfig, Secret};
use appgen_runtime::llm::{ModelAgent, ModelConfig, ProviderConfig, ProviderKind};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_testkit::{BROKEN_LINE, Script, ScriptedServer};
use async_trait::async_trait;
use common::{assert_ends_closed, drain, input, resolve, snapshot, start, step_names, user};
use std::sync::Arc;
use std::time::Duration;

/// Fails exactly when the scripted type error is in App.tsx, like `tsc` would.
struct TscLikeBuilder;

#[async_trait]
impl AppBuilder for TscLikeBuilder {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError> {
        let broken = job
            .files
            .get("src/App.tsx")
            .is_some_and(|f| f.contains(BROKEN_LINE.trim_end()));
        Ok(BuildReport {
            ok: !broken,
            phase: if broken {
                BuildPhase::Build
            } else {
                BuildPhase::Done
            },
            error: broken.then(|| {
                "src/App.tsx(1,7): error TS2322: Type 'string' is not assignable to type 'number'."
                    .to_owned()
            }),
            log: String::new(),
            check: Some(CheckReport {
                passed: !broken,
                ..CheckReport::default()
            }),
            artifact: Some(format!("{}/v{}", job.thread_id, job.version)),
            duration_ms: 1,
        })
    }
}

/// Reads a run's events; every run here must end closed.
async fn events(p: &Pipeline, run: &str) -> Vec<Event> {
    let (ev, _) = p.events().read_from("t", run, 0).await.expect("read");
    let ev: Vec<Event> = ev.into_iter().map(|e| e.event).collect();
    assert_ends_closed(&ev, run);
    ev
}

/// Starts `input`, runs the queues dry and returns the run's events.
async fn run(p: &Pipeline, input: RunAgentInput, what: &str) -> Vec<Event> {
    let run = input.run_id.clone();
    start(p, input, what).await;
    drain(p).await;
    events(p, &run).await
}

#[tokio::test]
async fn a_whole_thread_on_the_model_agent() {
    let server = ScriptedServer::start(Script::appgen_broken_code())
        .await
        .expect("server");
    let provider = ProviderConfig {
        name: "azure-openai".into(),
        kind: ProviderKind::AzureOpenAi,
        base_url: server.base_url(),
        api_version: "2024-10-21".into(),
        auth: AuthConfig::AzureKey(Secret::new("k")),
        fast_model: "mini".into(),
        strong_model: "big".into(),
        structured_output: true,
        max_completion_tokens_field: true,
    };
    let mut cfg = ModelConfig::single(provider);
    cfg.timeout = Duration::from_secs(5);
    let agent = Arc::new(ModelAgent::new(cfg).expect("agent"));

    let dir = tempfile::tempdir().expect("tmp");
    let blobs =
        Arc::new(DiskBlobStore::open_with(&dir.path().join("blobs"), false).expect("blobs"));
    let queue = Arc::new(DiskQueue::open(&dir.path().join("queues")).expect("queue"));
    let p = Pipeline::new(
        blobs,
        queue,
        Steps::app(agent, Arc::new(TscLikeBuilder)),
        PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), true),
    );
    p.ensure_queues().await.expect("queues");

    let ev = run(
        &p,
        input("t", "r1", vec![user("u1", "A todo app")], None),
        "start",
    )
    .await;
    assert_eq!(step_names(&ev), ["clarify"]);

    let resume = resolve(&p, "t", Some(serde_json::json!({"persist": true}))).await;
    let ev = run(
        &p,
        input("t", "r2", vec![user("u1", "A todo app")], Some(resume)),
        "resume",
    )
    .await;
    let s = step_names(&ev);
    assert!(
        s.starts_with(&[
            "requirements".into(),
            "qa".into(),
            "wireframe".into(),
            "code".into()
        ]),
        "{s:?}"
    );
    assert!(
        s.contains(&"fix".to_owned()),
        "the broken code went to fix: {s:?}"
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::ToolCallStart(t) if t.tool_call_name == "write_file")),
        "files streamed as write_file tool calls"
    );
    let snap = snapshot(&p, "t").await;
    assert_eq!(snap.versions.len(), 1, "the fixed app became a version");
    assert!(!snap.usage.is_empty(), "token usage recorded per step");
    assert!(
        snap.usage
            .iter()
            .all(|u| u.usage.provider.as_deref() == Some("azure-openai")
                && u.usage.input_tokens.is_some())
    );

    let ev = run(
        &p,
        input(
            "t",
            "r3",
            vec![user("u1", "A todo app"), user("u2", "rename the heading")],
            None,
        ),
        "follow-up",
    )
    .await;
    assert_eq!(step_names(&ev)[0], "modify");
    let said: String = ev
        .iter()
        .filter_map(|e| match e {
            Event::TextMessageContent(t) => Some(t.delta.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        said.starts_with("Updated the heading."),
        "model narration streams first: {said}"
    );
    assert_eq!(snapshot(&p, "t").await.versions.len(), 2);

    let agents: Vec<String> = server.requests().iter().filter_map(|r| r.agent()).collect();
    assert_eq!(
        agents,
        [
            "clarify",
            "requirements",
            "qa",
            "wireframe",
            "code",
            "fix",
            "modify"
        ]
    );
}
