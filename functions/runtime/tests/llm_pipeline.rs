//! The real step runner driving ModelAgent against the scripted server (appgen responder):
//! questions, requirements, wireframe, code that fails to build, fix, a version, then a
//! follow-up edit. Proves the model agent's events make well-formed AG-UI runs.

use appgen_core::agui::{
    Event, Message, ResumeEntry, ResumeStatus, RunAgentInput, UserContent, UserMessage,
};
use appgen_core::app::{BuildPhase, BuildReport, CheckReport};
use appgen_core::pipeline::OpenSpans;
use appgen_core::ports::{AppBuilder, BuildError, BuildJob};
use appgen_core::step::StepName;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::events::EventLog;
use appgen_runtime::llm::config::{AuthConfig, Secret};
use appgen_runtime::llm::{ModelAgent, ModelConfig, ProviderConfig, ProviderKind};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::threads::ThreadStore;
use appgen_runtime::worker::{WorkerConfig, handle};
use appgen_testkit::{BROKEN_LINE, Script, ScriptedServer};
use async_trait::async_trait;
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

fn user(id: &str, text: &str) -> Message {
    Message::User(UserMessage {
        id: id.into(),
        content: UserContent::Text(text.into()),
        name: None,
    })
}

fn input(run: &str, messages: Vec<Message>, resume: Option<Vec<ResumeEntry>>) -> RunAgentInput {
    RunAgentInput {
        thread_id: "t".into(),
        run_id: run.into(),
        messages,
        protocol_version: None,
        parent_run_id: None,
        state: None,
        tools: vec![],
        context: vec![],
        forwarded_props: None,
        resume,
    }
}

async fn drain(p: &Pipeline) {
    let cfg = WorkerConfig {
        max_dequeue: 5,
        ..WorkerConfig::default()
    };
    for _ in 0..100 {
        let mut any = false;
        for step in StepName::ALL {
            if let Some(d) = p
                .queue
                .receive(step.queue(), Duration::from_secs(60))
                .await
                .expect("receive")
            {
                handle(p, &cfg, step, d).await;
                any = true;
            }
        }
        if !any {
            return;
        }
    }
    panic!("the pipeline did not settle");
}

async fn events(p: &Pipeline, run: &str) -> Vec<Event> {
    let (ev, _) = p.events.read_from("t", run, 0).await.expect("read");
    let ev: Vec<Event> = ev.into_iter().map(|e| e.event).collect();
    assert!(
        ev.last().is_some_and(Event::is_terminal),
        "run {run} ends with a terminal event"
    );
    assert!(
        OpenSpans::of(&ev[..ev.len() - 1])
            .closing_events()
            .is_empty(),
        "run {run} left spans open"
    );
    ev
}

fn steps(ev: &[Event]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            Event::StepStarted(s) => Some(s.step_name.clone()),
            _ => None,
        })
        .collect()
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
        ThreadStore::new(blobs.clone()),
        EventLog::new(blobs),
        queue,
        agent,
        Arc::new(TscLikeBuilder),
        PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), true),
    );
    p.ensure_queues().await.expect("queues");

    p.start_run(
        &input("r1", vec![user("u1", "A todo app")], None),
        "alice",
        false,
    )
    .await
    .expect("start");
    drain(&p).await;
    let ev = events(&p, "r1").await;
    assert_eq!(steps(&ev), ["clarify"]);

    let snap = p.threads.load("t").await.expect("load").expect("thread").0;
    let interrupt = snap.interrupt.expect("questions pending");
    let resume = vec![ResumeEntry {
        interrupt_id: interrupt.id,
        status: ResumeStatus::Resolved,
        payload: Some(serde_json::json!({"persist": true})),
        metadata: None,
    }];
    p.start_run(
        &input("r2", vec![user("u1", "A todo app")], Some(resume)),
        "alice",
        false,
    )
    .await
    .expect("resume");
    drain(&p).await;
    let ev = events(&p, "r2").await;
    let s = steps(&ev);
    assert!(
        s.starts_with(&["requirements".into(), "wireframe".into(), "code".into()]),
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
    let snap = p.threads.load("t").await.expect("load").expect("thread").0;
    assert_eq!(snap.versions.len(), 1, "the fixed app became a version");
    assert!(!snap.usage.is_empty(), "token usage recorded per step");
    assert!(
        snap.usage
            .iter()
            .all(|u| u.usage.provider.as_deref() == Some("azure-openai")
                && u.usage.input_tokens.is_some())
    );

    p.start_run(
        &input(
            "r3",
            vec![user("u1", "A todo app"), user("u2", "rename the heading")],
            None,
        ),
        "alice",
        false,
    )
    .await
    .expect("follow-up");
    drain(&p).await;
    let ev = events(&p, "r3").await;
    assert_eq!(steps(&ev)[0], "modify");
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
    let snap = p.threads.load("t").await.expect("load").expect("thread").0;
    assert_eq!(snap.versions.len(), 2);

    let agents: Vec<String> = server.requests().iter().filter_map(|r| r.agent()).collect();
    assert_eq!(
        agents,
        [
            "clarify",
            "requirements",
            "wireframe",
            "code",
            "fix",
            "modify"
        ]
    );
}
