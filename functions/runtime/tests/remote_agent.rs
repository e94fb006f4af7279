//! Steps served by an external AG-UI agent, against a real local HTTP server that scripts each
//! answer: the contract it receives, the answer it gives, and every fault (connection refused,
//! non-2xx, malformed and out-of-order streams, a stream cut before RUN_FINISHED, RUN_ERROR, an
//! answer that fails validation) ending in a retry, then the built-in agent or a clear error.

mod common;

use appgen_core::agui::Event;
use appgen_core::app::{BuildPhase, BuildReport, CheckReport, FileMap, Requirements};
use appgen_core::ports::{
    AgentContext, AgentEvent, AgentOutput, AppAgent, AppBuilder, BuildError, BuildJob,
};
use appgen_core::retry::RetryPolicy;
use appgen_core::snapshot::Unreachable;
use appgen_core::view::AppEvent;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::llm::agents::Agents;
use appgen_runtime::llm::remote::{RemoteAgents, RemoteSettings};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_testkit::FixtureAgent;
use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{assert_ends_closed, drain, input, start, user};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer of the AG-UI server.
#[derive(Clone)]
enum Reply {
    /// 200 with these events as SSE frames.
    Events(Vec<Value>),
    /// 200 with this body as it is.
    Raw(String),
    Status(u16),
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<(HeaderMap, Value)>>,
    /// What `GET /agent/capabilities` answers (404 when `None`), and the headers it was asked with.
    capabilities: Mutex<Option<Value>>,
    asked: Mutex<Vec<HeaderMap>>,
}

async fn capabilities(State(s): State<Arc<Script>>, headers: HeaderMap) -> Response {
    s.asked.lock().expect("lock").push(headers);
    match s.capabilities.lock().expect("lock").clone() {
        Some(c) => axum::Json(c).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve_one(State(s): State<Arc<Script>>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    s.requests.lock().expect("lock").push((headers, body));
    let reply = s.replies.lock().expect("lock").pop_front();
    let sse = |text: String| ([("content-type", "text/event-stream")], text).into_response();
    match reply {
        Some(Reply::Events(events)) => sse(events
            .iter()
            .map(|e| format!("data: {e}\n\n"))
            .collect::<String>()),
        Some(Reply::Raw(text)) => sse(text),
        Some(Reply::Status(code)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "agent is down",
        )
            .into_response(),
        None => (StatusCode::GONE, "script exhausted").into_response(),
    }
}

/// A real HTTP server on loopback answering POSTs with the scripted replies, in order.
async fn agui_server(replies: Vec<Reply>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        replies: Mutex::new(replies.into()),
        ..Script::default()
    });
    let app = axum::Router::new()
        .route("/agent", axum::routing::post(serve_one))
        .route("/agent/capabilities", axum::routing::get(capabilities))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/agent"), script)
}

/// A URL nothing listens on: the port was bound, then released.
async fn refused_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}/agent")
}

/// The built-in agent the remote one falls back to; counts what it was asked.
fn builtin() -> Arc<FixtureAgent> {
    let files = FileMap::from([("src/App.tsx".into(), "builtin".into())]);
    Arc::new(FixtureAgent::new("builtin", files).with_requirements(requirements("Built-in plan")))
}

fn requirements(title: &str) -> Requirements {
    Requirements {
        title: title.into(),
        summary: String::new(),
        features: vec!["add tasks".into()],
        spec: Value::Null,
    }
}

#[derive(Default)]
struct Seen(Vec<AgentEvent>);

impl AgentOutput for Seen {
    fn emit(&mut self, e: AgentEvent) {
        self.0.push(e);
    }
}

impl Seen {
    fn errors(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|e| match e {
                AgentEvent::SubagentEnded { error, .. } => Some(error.clone().unwrap_or_default()),
                _ => None,
            })
            .collect()
    }
}

/// RemoteAgents serving the given steps at `url`, two tries, 1 ms apart.
fn remote(
    builtin: Arc<FixtureAgent>,
    url: &str,
    env: &[(&str, &str)],
    fallback: bool,
) -> RemoteAgents {
    let mut vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (format!("APPGEN_AGENT_{k}"), v.to_string()))
        .collect();
    for (k, v) in env {
        if k.ends_with("_URL") && v.is_empty() {
            vars.insert(format!("APPGEN_AGENT_{k}"), url.to_owned());
        }
    }
    let agents = Agents::load(None).expect("agents");
    let mut settings =
        RemoteSettings::from_lookup(|k| vars.get(k).cloned(), &agents).expect("settings");
    settings.policy = RetryPolicy {
        max_tries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    };
    settings.fallback = fallback;
    RemoteAgents::new(builtin, agents, settings)
}

const START: &str = "RUN_STARTED";

fn ev(kind: &str, fields: Value) -> Value {
    let mut v = fields;
    v["type"] = json!(kind);
    v
}

fn started() -> Value {
    ev(START, json!({"threadId": "x", "runId": "y"}))
}

fn finished() -> Value {
    ev(
        "RUN_FINISHED",
        json!({"threadId": "x", "runId": "y",
        "usage": [{"provider": "team", "inputTokens": 7, "outputTokens": 3}]}),
    )
}

/// A good requirements run: narration, progress, the answer in the final state.
fn good_requirements() -> Reply {
    Reply::Events(vec![
        started(),
        ev(
            "TEXT_MESSAGE_START",
            json!({"messageId": "m", "role": "assistant"}),
        ),
        ev(
            "TEXT_MESSAGE_CONTENT",
            json!({"messageId": "m", "delta": "Planning the app."}),
        ),
        ev("TEXT_MESSAGE_END", json!({"messageId": "m"})),
        ev(
            "STATE_SNAPSHOT",
            json!({"snapshot": {"progress": "drafting"}}),
        ),
        ev(
            "STATE_DELTA",
            json!({"delta": [{"op": "add", "path": "/output", "value":
            {"title": "Team plan", "summary": "s", "features": ["add tasks"]}}]}),
        ),
        finished(),
    ])
}

fn ctx() -> AgentContext {
    AgentContext {
        thread_id: "t".into(),
        description: "A todo app".into(),
        ..AgentContext::default()
    }
}

#[tokio::test]
async fn a_served_step_sends_the_contract_and_uses_the_answer() {
    let (url, script) = agui_server(vec![good_requirements()]).await;
    let builtin = builtin();
    let env = [
        ("REQUIREMENTS_URL", ""),
        ("REQUIREMENTS_TOKEN", "tok-1"),
        ("REQUIREMENTS_NAME", "team-planner"),
    ];
    let agent = remote(builtin.clone(), &url, &env, true);
    let mut seen = Seen::default();
    let got = agent.requirements(&ctx(), &mut seen).await.expect("answer");
    assert_eq!(got.title, "Team plan");
    assert_eq!(builtin.calls(), 0);

    let requests = script.requests.lock().expect("lock");
    let (headers, body) = &requests[0];
    assert_eq!(headers["authorization"], "Bearer tok-1");
    assert_eq!(body["threadId"], "t-requirements");
    assert_eq!(body["state"]["description"], "A todo app");
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["role"], "user");
    let context = body["context"].to_string();
    assert!(
        context.contains("features"),
        "the answer's schema is in context: {context}"
    );
    let instructions = body["context"][2]["value"].as_str().unwrap_or_default();
    assert!(
        instructions.contains("appgen agent: requirements"),
        "{context}"
    );
    assert_eq!(body["tools"], json!([]), "requirements writes no files");

    let run_id = body["runId"].as_str().expect("runId").to_owned();
    assert!(
        matches!(&seen.0[0], AgentEvent::SubagentStarted { run_id: r, name } if *r == run_id && name == "team-planner")
    );
    assert!(
        seen.0
            .contains(&AgentEvent::Say("Planning the app.".into()))
    );
    assert!(seen.0.contains(&AgentEvent::Say("\ndrafting\n".into())));
    assert!(
        seen.0
            .iter()
            .any(|e| matches!(e, AgentEvent::Usage(u) if u.input_tokens == Some(7)))
    );
    assert_eq!(seen.errors(), [""], "one attempt, finished without error");
}

/// AG-UI capabilities (`identity`) name the agent over the settings, asked once.
#[tokio::test]
async fn the_agent_names_itself_through_its_capabilities() {
    let (url, script) = agui_server(vec![good_requirements(), good_requirements()]).await;
    *script.capabilities.lock().expect("lock") = Some(json!({
        "identity": {"name": "crew-1", "type": "crewai", "version": "1.0.0"},
        "transport": {"streaming": true}
    }));
    let env = [
        ("REQUIREMENTS_URL", ""),
        ("REQUIREMENTS_TOKEN", "tok-2"),
        ("REQUIREMENTS_NAME", "team-planner"),
        ("REQUIREMENTS_FRAMEWORK", "LangGraph"),
    ];
    let agent = remote(builtin(), &url, &env, false);
    let step = appgen_core::step::StepName::Requirements;
    let shown = agent
        .external(step, &Unreachable::default())
        .await
        .expect("served");
    assert_eq!(shown.label(), "CrewAI (crew-1)");
    let mut seen = Seen::default();
    agent.requirements(&ctx(), &mut seen).await.expect("answer");
    agent.requirements(&ctx(), &mut seen).await.expect("answer");
    let names: Vec<&str> = seen
        .0
        .iter()
        .filter_map(|e| match e {
            AgentEvent::SubagentStarted { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["CrewAI (crew-1)", "CrewAI (crew-1)"]);
    let asked = script.asked.lock().expect("lock").clone();
    assert_eq!(asked.len(), 1, "asked once, then remembered");
    assert_eq!(asked[0]["authorization"], "Bearer tok-2");
    assert_eq!(
        agent
            .external(appgen_core::step::StepName::Code, &Unreachable::default())
            .await,
        None,
        "a step no agent serves names none"
    );
}

/// An agent that is not up yet is asked again later; meanwhile the settings name it.
#[tokio::test]
async fn an_agent_not_up_yet_is_named_by_its_settings_and_asked_again() {
    let url = refused_url().await;
    let env = [
        ("REQUIREMENTS_URL", ""),
        ("REQUIREMENTS_NAME", "team-planner"),
    ];
    let agent = remote(builtin(), &url, &env, false);
    let step = appgen_core::step::StepName::Requirements;
    let shown = agent
        .external(step, &Unreachable::default())
        .await
        .expect("served");
    assert_eq!(shown.label(), "team-planner");
    // Up now, on the same address, declaring itself.
    let addr = url.trim_start_matches("http://").trim_end_matches("/agent");
    let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
    let app = axum::Router::new().route(
        "/agent/capabilities",
        axum::routing::get(|| async { axum::Json(json!({"identity": {"type": "langgraph"}})) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let shown = agent
        .external(step, &Unreachable::default())
        .await
        .expect("served");
    assert_eq!(shown.label(), "LangGraph (team-planner)");
}

/// Every fault, twice: both tries fail, then the built-in agent does the step.
#[tokio::test]
async fn each_fault_is_retried_then_the_builtin_agent_takes_over() {
    let cut = vec![
        started(),
        ev("TEXT_MESSAGE_START", json!({"messageId": "m"})),
    ];
    let out_of_order = vec![
        started(),
        ev(
            "TEXT_MESSAGE_CONTENT",
            json!({"messageId": "m", "delta": "x"}),
        ),
    ];
    let run_error = vec![
        started(),
        ev("RUN_ERROR", json!({"message": "quota exceeded"})),
    ];
    let invalid = vec![
        started(),
        ev(
            "STATE_SNAPSHOT",
            json!({"snapshot": {"output": {"title": "", "features": []}}}),
        ),
        finished(),
    ];
    let cases: Vec<(Reply, &str)> = vec![
        (Reply::Status(503), "answered HTTP 503: agent is down"),
        (
            Reply::Raw("data: {not json\n\n".into()),
            "sent a malformed event",
        ),
        (
            Reply::Events(out_of_order),
            "out of order: TEXT_MESSAGE_CONTENT for message m",
        ),
        (Reply::Events(cut), "without RUN_FINISHED"),
        (
            Reply::Events(run_error),
            "reported an error: quota exceeded",
        ),
        (Reply::Events(invalid), "not acceptable: `title` is empty"),
    ];
    for (reply, want) in cases {
        let (url, script) = agui_server(vec![reply.clone(), reply]).await;
        let builtin = builtin();
        let agent = remote(builtin.clone(), &url, &[("REQUIREMENTS_URL", "")], true);
        let mut seen = Seen::default();
        let got = agent
            .requirements(&ctx(), &mut seen)
            .await
            .expect("fallback");
        assert_eq!(got.title, "Built-in plan", "{want}");
        assert_eq!(
            script.requests.lock().expect("lock").len(),
            2,
            "{want}: tried twice"
        );
        let errors = seen.errors();
        assert_eq!(errors.len(), 2, "{want}");
        assert!(
            errors.iter().all(|e| e.contains(want)),
            "{errors:?} should say {want}"
        );
        let said = seen
            .0
            .iter()
            .any(|e| matches!(e, AgentEvent::Say(s) if s.contains("built-in agent does the step")));
        assert!(
            said,
            "{want}: the user is told the built-in agent took over"
        );
    }
}

#[tokio::test]
async fn without_fallback_the_step_fails_naming_the_agent_and_its_fault() {
    let builtin = builtin();
    let url = refused_url().await;
    let env = [("CODE_URL", ""), ("CODE_NAME", "team-coder")];
    let agent = remote(builtin.clone(), &url, &env, false);
    let mut seen = Seen::default();
    let err = agent
        .code(&ctx(), &mut seen)
        .await
        .expect_err("no fallback");
    let msg = err.to_string();
    assert!(
        msg.contains("the code agent team-coder could not be reached"),
        "{msg}"
    );
    assert!(msg.contains("tried 2 times"), "{msg}");
    assert!(!msg.contains(&url), "the URL is not in the message: {msg}");
    assert_eq!(builtin.calls(), 0);
}

#[tokio::test]
async fn a_fault_then_a_good_run_is_one_retry_and_tool_calls_become_files() {
    let call = |id: &str, path: &str, content: &str| {
        let args = json!({"path": path, "content": content}).to_string();
        vec![
            ev(
                "TOOL_CALL_START",
                json!({"toolCallId": id, "toolCallName": "write_file"}),
            ),
            ev(
                "TOOL_CALL_ARGS",
                json!({"toolCallId": id, "delta": &args[..5]}),
            ),
            ev(
                "TOOL_CALL_ARGS",
                json!({"toolCallId": id, "delta": &args[5..]}),
            ),
            ev("TOOL_CALL_END", json!({"toolCallId": id})),
        ]
    };
    let escape = [
        vec![started()],
        call("c0", "../outside.txt", "x"),
        vec![finished()],
    ]
    .concat();
    let good = [
        vec![started()],
        call("c1", "src/App.tsx", "export default 1"),
        vec![finished()],
    ]
    .concat();
    let (url, script) = agui_server(vec![Reply::Events(escape), Reply::Events(good)]).await;
    let builtin = builtin();
    let agent = remote(builtin.clone(), &url, &[("CODE_URL", "")], false);
    let mut seen = Seen::default();
    let files = agent.code(&ctx(), &mut seen).await.expect("second try");
    assert_eq!(
        files.get("src/App.tsx").map(String::as_str),
        Some("export default 1")
    );
    assert!(!files.contains_key("../outside.txt"));
    let errors = seen.errors();
    assert!(
        errors[0].contains("not acceptable") && errors[0].contains("outside.txt"),
        "{errors:?}"
    );
    assert_eq!(errors[1], "");
    let body = &script.requests.lock().expect("lock")[0].1;
    assert_eq!(body["tools"][0]["name"], "write_file");
    assert_eq!(builtin.calls(), 0);
}

/// Builds nothing; every build passes.
struct PassingBuilder;

#[async_trait]
impl AppBuilder for PassingBuilder {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError> {
        Ok(BuildReport {
            ok: true,
            phase: BuildPhase::Done,
            error: None,
            log: String::new(),
            check: Some(CheckReport {
                passed: true,
                ..CheckReport::default()
            }),
            artifact: Some(format!("{}/v{}", job.thread_id, job.version)),
            duration_ms: 1,
        })
    }
}

/// Through the step runner: the relayed events sit in the step's span, nested under the
/// sub-agent run, and a failed attempt's SUBAGENT_ERROR precedes the successful one.
#[tokio::test]
async fn the_run_log_nests_the_remote_events_in_subagent_spans() {
    let (url, _script) = agui_server(vec![Reply::Status(500), good_requirements()]).await;
    let builtin = builtin();
    let env = [
        ("REQUIREMENTS_URL", ""),
        ("REQUIREMENTS_NAME", "planner"),
        ("REQUIREMENTS_FRAMEWORK", "LangGraph"),
    ];
    let agent = Arc::new(remote(builtin, &url, &env, true));
    let dir = tempfile::tempdir().expect("tmp");
    let p = pipeline(agent, dir.path()).await;
    let events = run(&p, "r1", vec![user("u1", "A todo app")]).await;
    assert!(
        matches!(events.last(), Some(Event::RunFinished(_))),
        "{:?}",
        events.last()
    );

    let kinds: Vec<String> = events.iter().map(Event::type_name).collect();
    let at = |k: &str| kinds.iter().position(|x| x == k).unwrap_or(usize::MAX);
    let step = kinds.iter().enumerate().position(|(i, k)| {
        k == "STEP_STARTED"
            && matches!(&events[i], Event::StepStarted(s) if s.step_name == "requirements")
    });
    assert!(
        step.is_some_and(|s| s < at("SUBAGENT_STARTED")),
        "inside the step's span"
    );
    assert!(at("SUBAGENT_ERROR") < at("SUBAGENT_FINISHED"), "{kinds:?}");
    let finished_run = events.iter().find_map(|e| match e {
        Event::SubagentFinished(f) => Some(f.subagent_run_id.clone()),
        _ => None,
    });
    let finished_run = finished_run.expect("a finished sub-agent run");
    let nested: Vec<&Event> = events
        .iter()
        .filter(|e| {
            serde_json::to_value(e).is_ok_and(|v| v["subagentRunId"] == json!(finished_run))
        })
        .collect();
    assert!(
        nested
            .iter()
            .any(|e| matches!(e, Event::TextMessageContent(t) if t.delta == "Planning the app.")),
        "the narration is nested under its run"
    );
    let snap = common::snapshot(&p, "t").await;
    assert_eq!(
        snap.requirements.map(|r| r.title).as_deref(),
        Some("Team plan")
    );
    let served = served_by(&events);
    let planner = (
        "requirements".to_owned(),
        Some("LangGraph (planner)".to_owned()),
    );
    assert!(served.contains(&planner), "{served:?}");
    assert!(served.contains(&("code".into(), None)), "{served:?}");
}

/// The chain's steps on `agent` and a builder that passes, on embedded storage under `dir`.
async fn pipeline(agent: Arc<RemoteAgents>, dir: &std::path::Path) -> Pipeline {
    let blobs = Arc::new(DiskBlobStore::open_with(&dir.join("b"), false).expect("blobs"));
    let queue = Arc::new(DiskQueue::open(&dir.join("q")).expect("queue"));
    let config = PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), true);
    let steps = Steps::app(agent, Arc::new(PassingBuilder));
    let p = Pipeline::new(blobs, queue, steps, config);
    p.ensure_queues().await.expect("queues");
    p
}

/// Runs `run` on thread `t` to its end; its log, checked closed.
async fn run(p: &Pipeline, run: &str, messages: Vec<appgen_core::agui::Message>) -> Vec<Event> {
    start(p, input("t", run, messages, None), run).await;
    drain(p).await;
    let (log, _) = p.events().read_from("t", run, 0).await.expect("read");
    let events: Vec<Event> = log.into_iter().map(|e| e.event).collect();
    assert_ends_closed(&events, run);
    events
}

/// Each step of a log and who the `step` event says serves it (`None`: the built-in agent).
fn served_by(events: &[Event]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Custom(c) => match AppEvent::from_custom(c) {
                Some(AppEvent::Step(info)) => {
                    Some((info.step.to_string(), info.external.map(|x| x.label())))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The first run with the agent at `url` serving requirements, code and modify: it is tried
/// in requirements only (the run then leaves it out, saying so once) and the built-in agent
/// does both steps. The pipeline, for a next run.
async fn left_out_after_one_step(
    url: &str,
    env: &[(&str, &str)],
    dir: &std::path::Path,
) -> Pipeline {
    let builtin = builtin();
    let steps = [
        ("REQUIREMENTS_URL", ""),
        ("CODE_URL", ""),
        ("MODIFY_URL", ""),
    ];
    let env: Vec<_> = steps.iter().chain(env).copied().collect();
    let agent = Arc::new(remote(builtin.clone(), url, &env, true));
    let p = pipeline(agent, dir).await;
    let first = run(&p, "r1", vec![user("u1", "A todo app")]).await;
    assert!(matches!(first.last(), Some(Event::RunFinished(_))));
    assert_eq!(tries(&first), 2, "two tries in requirements, none in code");
    assert_eq!(
        builtin.calls(),
        2,
        "the built-in agent did requirements and code"
    );
    let said: String = first
        .iter()
        .filter_map(|e| match e {
            Event::TextMessageContent(t) => Some(t.delta.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(said.matches("could not be reached").count(), 1, "{said}");
    assert!(said.contains("for the rest of this run"), "{said}");
    let served = served_by(&first);
    assert!(served.contains(&("requirements".into(), Some("127.0.0.1".into()))));
    assert!(served.contains(&("code".into(), None)), "{served:?}");
    p
}

/// How many tries of an external agent a run's log shows.
fn tries(events: &[Event]) -> usize {
    let started = |e: &&Event| matches!(e, Event::SubagentStarted(_));
    events.iter().filter(started).count()
}

/// An agent whose port is closed is tried in the first step it serves only: the run keeps
/// that in its snapshot, so its later steps (stateless, maybe elsewhere) go straight to the
/// built-in agent, and the narration says so once. The next run asks the agent again.
#[tokio::test]
async fn an_unreachable_agent_is_left_out_for_the_rest_of_its_run() {
    let url = refused_url().await;
    let dir = tempfile::tempdir().expect("tmp");
    let p = left_out_after_one_step(&url, &[], dir.path()).await;

    let messages = vec![user("u1", "A todo app"), user("u2", "make it 2")];
    let second = run(&p, "r2", messages).await;
    assert_eq!(tries(&second), 2, "a new run asks the agent again");
    let served = served_by(&second);
    assert!(
        served.contains(&("modify".into(), Some("127.0.0.1".into()))),
        "{served:?}"
    );
}

/// A listener on loopback whose accept queue is full, with the connections that fill it: the
/// kernel drops further SYNs, so a connect neither succeeds nor is refused, it hangs.
async fn silent_listener() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind");
    let listener = socket.listen(0).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut held = Vec::new();
    for _ in 0..16 {
        let connect = tokio::net::TcpStream::connect(addr);
        match tokio::time::timeout(Duration::from_millis(100), connect).await {
            Ok(conn) => held.push(conn.expect("the queue takes it or drops it")),
            Err(_) => return (listener, held),
        }
    }
    panic!("the accept queue of {addr} never filled")
}

/// An agent whose address accepts no connection (it hangs, no refusal) is unreachable once
/// the connect timeout passes, and left out for the rest of the run like a refused one.
#[tokio::test]
async fn an_agent_that_never_accepts_is_unreachable_after_the_connect_timeout() {
    let (listener, _held) = silent_listener().await;
    let url = format!("http://{}/agent", listener.local_addr().expect("addr"));
    let dir = tempfile::tempdir().expect("tmp");
    let started = std::time::Instant::now();
    let timeout = [("CONNECT_TIMEOUT_MS", "200")];
    left_out_after_one_step(&url, &timeout, dir.path()).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the connect timeout, not the step's, ended the tries: {:?}",
        started.elapsed()
    );
}

/// docs/agents.md's minimal agent (examples/agents/minimal, standard-library Python) serves
/// the requirements step: the contract as documented is the contract as implemented.
#[tokio::test]
async fn the_documented_minimal_agent_serves_a_step() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/agents/minimal/agent.py"
    );
    let mut child = tokio::process::Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .kill_on_drop(true)
        .spawn()
        .expect("python3");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("http://127.0.0.1:{port}/");
    let builtin = builtin();
    let agent = remote(builtin.clone(), &url, &[("REQUIREMENTS_URL", "")], false);
    let mut seen = Seen::default();
    let got = agent.requirements(&ctx(), &mut seen).await;
    let _ = child.kill().await;
    let got = got.expect("the minimal agent's plan");
    assert_eq!(
        got.title, "A todo app",
        "the title is the description it was sent"
    );
    assert!(
        seen.0
            .contains(&AgentEvent::Say("Planning it my way.".into()))
    );
    assert_eq!(builtin.calls(), 0);
}
