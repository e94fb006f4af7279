//! ModelAgent end to end against the scripted OpenAI-compatible server over real HTTP, for
//! OpenAI-shaped and Azure-OpenAI-shaped endpoints.

use appgen_core::app::{FileChange, FileMap, QuestionKind};
use appgen_core::edits::apply_changes;
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use appgen_runtime::llm::config::{AuthConfig, Secret};
use appgen_runtime::llm::{ModelAgent, ModelConfig, ProviderConfig, ProviderKind};
use appgen_testkit::{Reply, Script, ScriptedServer};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Default)]
struct Collect(Vec<AgentEvent>);

impl AgentOutput for Collect {
    fn emit(&mut self, event: AgentEvent) {
        self.0.push(event);
    }
}

impl Collect {
    fn said(&self) -> String {
        self.0
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Say(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }

    fn usage(&self) -> Vec<appgen_core::agui::TokenUsage> {
        self.0
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Usage(u) => Some(u.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every FileStarted has exactly one FileFinished after it, deltas only in between.
    fn assert_files_balanced(&self) {
        let mut open: Vec<String> = Vec::new();
        for e in &self.0 {
            match e {
                AgentEvent::FileStarted { path } => {
                    assert!(!open.contains(path), "{path} started twice");
                    open.push(path.clone());
                }
                AgentEvent::FileDelta { path, .. } => {
                    assert!(open.contains(path), "delta for {path} outside start/finish")
                }
                AgentEvent::FileFinished { path } => {
                    assert!(open.contains(path), "{path} finished but not open");
                    open.retain(|p| p != path);
                }
                _ => {}
            }
        }
        assert!(open.is_empty(), "files left open: {open:?}");
    }

    /// Streamed content per path (last write wins).
    fn streamed_files(&self) -> FileMap {
        let mut out = FileMap::new();
        for e in &self.0 {
            match e {
                AgentEvent::FileStarted { path } => {
                    out.insert(path.clone(), String::new());
                }
                AgentEvent::FileDelta { path, delta } => {
                    out.entry(path.clone()).or_default().push_str(delta)
                }
                _ => {}
            }
        }
        out
    }
}

fn openai(server: &ScriptedServer, name: &str) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind: ProviderKind::OpenAiCompatible,
        base_url: server.openai_base_url(),
        api_version: String::new(),
        auth: AuthConfig::Bearer(Secret::new("sk-test")),
        fast_model: "fast-model".into(),
        strong_model: "strong-model".into(),
        structured_output: true,
        max_completion_tokens_field: true,
    }
}

fn azure(server: &ScriptedServer) -> ProviderConfig {
    ProviderConfig {
        name: "azure-openai".into(),
        kind: ProviderKind::AzureOpenAi,
        base_url: server.base_url(),
        api_version: "2024-10-21".into(),
        auth: AuthConfig::AzureKey(Secret::new("az-key")),
        fast_model: "fast-deployment".into(),
        strong_model: "strong-deployment".into(),
        structured_output: true,
        max_completion_tokens_field: true,
    }
}

fn config(providers: Vec<ProviderConfig>) -> ModelConfig {
    let mut c = ModelConfig::single(providers[0].clone());
    c.providers = providers;
    c.timeout = Duration::from_secs(5);
    c.max_retries = 2;
    c.retry_base = Duration::from_millis(10);
    c.max_retry_wait = Duration::from_secs(5);
    c
}

fn agent(providers: Vec<ProviderConfig>) -> ModelAgent {
    ModelAgent::new(config(providers)).expect("agent")
}

async fn server(replies: Vec<Reply>) -> ScriptedServer {
    ScriptedServer::start(Script::new(replies).chunk_chars(7))
        .await
        .expect("server")
}

fn ctx() -> AgentContext {
    AgentContext {
        thread_id: "t1".into(),
        description: "A todo list with due dates".into(),
        ..AgentContext::default()
    }
}

/// `ctx()` with an app already written, for the agents that change one.
fn app_ctx() -> AgentContext {
    AgentContext {
        files: app_files(),
        ..ctx()
    }
}

fn app_files() -> FileMap {
    FileMap::from([
        (
            "src/App.tsx".to_owned(),
            "export default function App() {\n  return <h1>Todo</h1>;\n}\n".to_owned(),
        ),
        ("package-lock.json".to_owned(), "{}".to_owned()),
    ])
}

fn clarify_answer() -> Value {
    json!({
        "message": "A todo list with due dates, got it.",
        "questions": [
            {"id": "persist", "prompt": "Keep tasks after reload?", "kind": "yes_no", "options": [], "default": "yes", "help": ""},
            {"id": "fields", "prompt": "Which fields?", "kind": "multiple_choice", "options": ["title", "due"], "default": ["title"], "help": "Pick any"}
        ]
    })
}

fn code_answer() -> Value {
    json!({
        "message": "Built it.",
        "files": [
            {"path": "index.html", "content": "<!doctype html>\n<div id=\"root\"></div>\n"},
            {"path": "src/App.tsx", "content": "export default function App() {\n  return <h1>\"Todo\" ✓</h1>;\n}\n"},
            {"path": "vite.config.ts", "content": "evil"}
        ]
    })
}

fn change(kind: &str, path: &str, search: &str, replace: &str, content: &str) -> Value {
    json!({"kind": kind, "path": path, "search": search, "replace": replace, "content": content})
}

#[tokio::test]
async fn clarify_openai_shape_streams_narration_and_records_usage() {
    let s = server(vec![Reply::json(&clarify_answer()).with_usage(120, 45)]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let mut out = Collect::default();
    let q = a.clarify(&ctx(), &mut out).await.expect("clarify");
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].kind, QuestionKind::YesNo);
    assert_eq!(q[0].default, json!(true), "ill-typed default coerced");
    assert_eq!(q[1].help.as_deref(), Some("Pick any"));
    assert_eq!(out.said(), "A todo list with due dates, got it.");
    let says = out
        .0
        .iter()
        .filter(|e| matches!(e, AgentEvent::Say(_)))
        .count();
    assert!(says > 1, "narration arrives as several deltas, got {says}");
    let usage = out.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].provider.as_deref(), Some("openai"));
    assert_eq!(usage[0].model.as_deref(), Some("fast-model"));
    assert_eq!(usage[0].input_tokens, Some(120));
    assert_eq!(usage[0].output_tokens, Some(45));
    assert_eq!(usage[0].total_tokens, Some(165));

    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.shape, "openai");
    assert_eq!(r.model, "fast-model");
    assert_eq!(r.authorization.as_deref(), Some("Bearer sk-test"));
    assert!(r.stream() && r.include_usage());
    let rf = r.response_format().expect("structured output requested");
    assert_eq!(rf["type"], "json_schema");
    assert_eq!(rf["json_schema"]["name"], "appgen_clarify");
    assert_eq!(rf["json_schema"]["strict"], true);
    assert!(r.system().contains("appgen agent: clarify"));
    assert!(
        r.system().contains("JSON Schema of your answer") && r.system().contains("single_choice"),
        "the schema is in the prompt for providers without structured output"
    );
    assert!(r.last_user().contains("A todo list with due dates"));
    assert_eq!(r.body["max_completion_tokens"], 2000);
}

#[tokio::test]
async fn every_agent_on_the_azure_shape() {
    let requirements = json!({
        "message": "Plan ready.", "title": "Todo", "summary": "Tasks with due dates",
        "features": ["Add a task"], "spec": {"entities": [], "pages": [], "style": "calm"}
    });
    let wireframe = json!({"message": "One page.", "html": "<!doctype html><h1>Todo</h1>"});
    let s = server(vec![
        Reply::json(&clarify_answer()),
        Reply::json(&requirements),
        Reply::json(&wireframe),
        Reply::json(&code_answer()),
    ])
    .await;
    let a = agent(vec![azure(&s)]);
    let mut out = Collect::default();
    let c = ctx();
    a.clarify(&c, &mut out).await.expect("clarify");
    let r = a.requirements(&c, &mut out).await.expect("requirements");
    assert_eq!(r.title, "Todo");
    assert_eq!(r.spec["style"], "calm");
    let w = a.wireframe(&c, &mut out).await.expect("wireframe");
    assert!(w.contains("<h1>Todo</h1>"));
    let files = a.code(&c, &mut out).await.expect("code");
    assert_eq!(
        files["src/App.tsx"],
        "export default function App() {\n  return <h1>\"Todo\" ✓</h1>;\n}\n"
    );
    assert!(
        !files.contains_key("vite.config.ts"),
        "protected file dropped"
    );

    let reqs = s.requests();
    assert_eq!(reqs.len(), 4);
    for r in &reqs {
        assert_eq!(r.shape, "azure");
        assert_eq!(r.api_version.as_deref(), Some("2024-10-21"));
        assert_eq!(r.api_key.as_deref(), Some("az-key"));
    }
    let deployments: Vec<_> = reqs.iter().map(|r| r.model.as_str()).collect();
    assert_eq!(
        deployments,
        [
            "fast-deployment",
            "fast-deployment",
            "fast-deployment",
            "strong-deployment"
        ]
    );
    assert_eq!(out.usage().len(), 4);
    assert!(out.usage().iter().all(|u| u.input_tokens.is_some()));
}

#[tokio::test]
async fn code_streams_files_in_order_as_they_arrive() {
    // serde_json sorts keys; a model writes them in schema order: message, then path, content.
    let v = code_answer();
    let files: Vec<String> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| format!("{{\"path\":{},\"content\":{}}}", f["path"], f["content"]))
        .collect();
    let text = format!(
        "{{\"message\":{},\"files\":[{}]}}",
        v["message"],
        files.join(",")
    );
    let s = server(vec![Reply::text(text)]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let mut out = Collect::default();
    let files = a.code(&ctx(), &mut out).await.expect("code");
    out.assert_files_balanced();
    let streamed = out.streamed_files();
    assert_eq!(streamed["src/App.tsx"], files["src/App.tsx"]);
    assert_eq!(streamed["index.html"], files["index.html"]);
    // Events come in answer order: message, then index.html, then App.tsx.
    let order: Vec<String> = out
        .0
        .iter()
        .filter_map(|e| match e {
            AgentEvent::FileStarted { path } => Some(path.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["index.html", "src/App.tsx", "vite.config.ts"]);
    let first_file = out
        .0
        .iter()
        .position(|e| matches!(e, AgentEvent::FileStarted { .. }))
        .expect("a file");
    let last_say = out
        .0
        .iter()
        .rposition(|e| matches!(e, AgentEvent::Say(s) if s.contains("Built") || s.contains("it.")))
        .expect("narration");
    assert!(last_say < first_file, "narration streamed before the files");
    let deltas = out
        .0
        .iter()
        .filter(|e| matches!(e, AgentEvent::FileDelta { path, .. } if path == "src/App.tsx"))
        .count();
    assert!(deltas > 3, "file content streams in pieces");
    assert_eq!(s.requests()[0].model, "strong-model");
    // The clients the prompt documents come with the app, not from the model.
    let system = s.requests()[0].system();
    assert!(system.contains("collection<") && system.contains("ai.complete("));
    assert!(files["src/lib/backend.ts"].contains("export function collection"));
    assert!(files["src/lib/ai.ts"].contains("export const ai"));
    assert!(
        !order.iter().any(|p| p.starts_with("src/lib/")),
        "not streamed"
    );
}

#[tokio::test]
async fn rate_limit_is_retried_after_retry_after() {
    let s = server(vec![Reply::rate_limited(1), Reply::json(&clarify_answer())]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let mut out = Collect::default();
    a.clarify(&ctx(), &mut out)
        .await
        .expect("clarify after 429");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    let waited = reqs[1].received_at - reqs[0].received_at;
    assert!(
        waited >= Duration::from_millis(990),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
}

#[tokio::test]
async fn retry_after_longer_than_we_wait_moves_to_the_fallback() {
    let primary = server(vec![Reply::rate_limited(600)]).await;
    let backup = server(vec![Reply::json(&clarify_answer())]).await;
    let a = agent(vec![openai(&primary, "openai"), openai(&backup, "groq")]);
    let mut out = Collect::default();
    let started = std::time::Instant::now();
    a.clarify(&ctx(), &mut out).await.expect("clarify");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(out.usage()[0].provider.as_deref(), Some("groq"));
}

#[tokio::test]
async fn server_errors_fall_back_to_the_next_provider() {
    let primary = ScriptedServer::start(Script::default().responder(|_| Reply::server_error()))
        .await
        .expect("server");
    let backup = server(vec![Reply::json(&clarify_answer())]).await;
    let a = agent(vec![azure(&primary), openai(&backup, "groq")]);
    let mut out = Collect::default();
    let q = a.clarify(&ctx(), &mut out).await.expect("fallback answers");
    assert_eq!(q.len(), 2);
    assert_eq!(
        primary.requests().len(),
        3,
        "1 try + 2 retries on the primary"
    );
    assert_eq!(backup.requests().len(), 1);
    let usage = out.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].provider.as_deref(), Some("groq"));
    assert!(
        out.said().contains("trying groq"),
        "the user is told: {}",
        out.said()
    );
}

#[tokio::test]
async fn every_provider_failing_is_a_provider_error_naming_them() {
    let s = ScriptedServer::start(Script::default().responder(|_| Reply::server_error()))
        .await
        .expect("server");
    let a = agent(vec![openai(&s, "openai")]);
    let err = a
        .clarify(&ctx(), &mut Collect::default())
        .await
        .expect_err("fails");
    match err {
        AgentError::Provider(m) => assert!(m.contains("openai") && m.contains("500"), "{m}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_hang_times_out_and_falls_back_or_fails_clearly() {
    let hung = server(vec![Reply::hang(Duration::from_secs(30))]).await;
    let backup = server(vec![Reply::json(&clarify_answer())]).await;
    let mut cfg = config(vec![openai(&hung, "openai"), openai(&backup, "ollama")]);
    cfg.timeout = Duration::from_millis(300);
    let a = ModelAgent::new(cfg).expect("agent");
    let started = std::time::Instant::now();
    let mut out = Collect::default();
    a.clarify(&ctx(), &mut out)
        .await
        .expect("fallback after timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(out.usage()[0].provider.as_deref(), Some("ollama"));

    let hung = server(vec![Reply::hang(Duration::from_secs(30))]).await;
    let mut cfg = config(vec![openai(&hung, "openai")]);
    cfg.timeout = Duration::from_millis(300);
    let a = ModelAgent::new(cfg).expect("agent");
    let err = a
        .clarify(&ctx(), &mut Collect::default())
        .await
        .expect_err("times out");
    assert!(matches!(err, AgentError::Timeout(_)), "{err:?}");
}

#[tokio::test]
async fn a_stall_mid_file_closes_the_file_and_the_fallback_starts_over() {
    let answer = code_answer().to_string();
    let stalled = server(vec![Reply::StallAfter {
        prefix: answer[..answer.len() / 2].to_owned(),
        stall: Duration::from_secs(30),
    }])
    .await;
    let backup = server(vec![Reply::json(&code_answer())]).await;
    let mut cfg = config(vec![openai(&stalled, "openai"), openai(&backup, "vllm")]);
    cfg.timeout = Duration::from_millis(300);
    let a = ModelAgent::new(cfg).expect("agent");
    let mut out = Collect::default();
    let files = a.code(&ctx(), &mut out).await.expect("code");
    out.assert_files_balanced();
    assert_eq!(out.streamed_files()["src/App.tsx"], files["src/App.tsx"]);
}

#[tokio::test]
async fn malformed_stream_is_retried() {
    let s = server(vec![Reply::Malformed, Reply::json(&clarify_answer())]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let q = a
        .clarify(&ctx(), &mut Collect::default())
        .await
        .expect("retried");
    assert_eq!(q.len(), 2);
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn invalid_output_gets_one_repair_prompt() {
    let s = server(vec![
        Reply::text(
            "Sure! Here are my questions: {\"message\": \"hi\", \"questions\": [{\"id\": 1",
        ),
        Reply::text(format!(
            "Sorry about that.\n```json\n{}\n```\nAnything else?",
            clarify_answer()
        )),
    ])
    .await;
    let a = agent(vec![openai(&s, "openai")]);
    let q = a
        .clarify(&ctx(), &mut Collect::default())
        .await
        .expect("repaired");
    assert_eq!(q.len(), 2);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[1].last_user().contains("could not be used"),
        "{}",
        reqs[1].last_user()
    );
    let roles: Vec<String> = reqs[1].messages().into_iter().map(|(r, _)| r).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
}

#[tokio::test]
async fn repair_failing_is_invalid_output() {
    let s = server(vec![
        Reply::text("not json at all"),
        Reply::json(
            &json!({"message": "x", "questions": [{"id": "", "prompt": "", "kind": "text"}]}),
        ),
    ])
    .await;
    let a = agent(vec![openai(&s, "openai")]);
    let err = a
        .clarify(&ctx(), &mut Collect::default())
        .await
        .expect_err("invalid");
    match err {
        AgentError::InvalidOutput(m) => assert!(m.contains("after one repair"), "{m}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn truncated_output_is_continued_and_stitched() {
    let full = code_answer().to_string();
    let cut = full.find("return").expect("cut point");
    let s = server(vec![
        Reply::truncated(&full[..cut]),
        Reply::text(&full[cut..]),
    ])
    .await;
    let a = agent(vec![azure(&s)]);
    let mut out = Collect::default();
    let files = a.code(&ctx(), &mut out).await.expect("stitched");
    assert_eq!(
        files["src/App.tsx"],
        "export default function App() {\n  return <h1>\"Todo\" ✓</h1>;\n}\n"
    );
    out.assert_files_balanced();
    assert_eq!(out.streamed_files()["src/App.tsx"], files["src/App.tsx"]);
    assert_eq!(out.usage().len(), 2, "usage of both calls");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[1].response_format().is_none(),
        "a continuation is free text"
    );
    let msgs = reqs[1].messages();
    assert_eq!(msgs[2], ("assistant".to_owned(), full[..cut].to_owned()));
    assert!(msgs[3].1.contains("Continue exactly where you stopped"));
}

#[tokio::test]
async fn endless_truncation_writes_no_half_file() {
    let full = code_answer().to_string();
    let s = ScriptedServer::start(
        Script::default().responder(move |_| Reply::truncated(&full[..full.len() / 3])),
    )
    .await
    .expect("server");
    let mut cfg = config(vec![openai(&s, "openai")]);
    cfg.max_continuations = 2;
    let a = ModelAgent::new(cfg).expect("agent");
    let mut out = Collect::default();
    let err = a.code(&ctx(), &mut out).await.expect_err("gives up");
    assert!(
        matches!(&err, AgentError::InvalidOutput(m) if m.contains("cut off")),
        "{err:?}"
    );
    assert_eq!(s.requests().len(), 3);
    out.assert_files_balanced();
}

#[tokio::test]
async fn modify_edits_apply_and_protected_files_are_refused() {
    let answer = json!({
        "message": "Renamed the heading.",
        "changes": [
            change("edit", "src/App.tsx", "<h1>Todo</h1>", "<h1>Tasks</h1>", ""),
            change("write", "package-lock.json", "", "", "{\"hacked\": true}"),
            change("write", "src/Note.tsx", "", "", "export const Note = () => null;\n"),
        ]
    });
    let s = server(vec![Reply::json(&answer)]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let c = app_ctx();
    let mut out = Collect::default();
    let cs = a
        .modify(&c, "call it Tasks", &mut out)
        .await
        .expect("modify");
    assert_eq!(cs.summary, "Renamed the heading.");
    assert_eq!(cs.changes.len(), 2);
    assert!(cs.changes.iter().all(|c| c.path() != "package-lock.json"));
    let applied = apply_changes(&c.files, &cs.changes).expect("applies");
    assert!(applied["src/App.tsx"].contains("<h1>Tasks</h1>"));
    assert!(
        out.said().contains("package-lock.json is protected"),
        "{}",
        out.said()
    );
    out.assert_files_balanced();
    assert!(out.streamed_files().contains_key("src/Note.tsx"));
    let r = &s.requests()[0];
    assert_eq!(r.model, "strong-model");
    assert!(r.last_user().contains("call it Tasks"));
    assert!(r.last_user().contains("### src/App.tsx"));
    assert!(!r.last_user().contains("### package-lock.json"));
}

#[tokio::test]
async fn only_protected_changes_is_an_error() {
    let answer =
        json!({"message": "x", "changes": [change("write", "vite.config.ts", "", "", "x")]});
    let s = server(vec![Reply::json(&answer)]).await;
    let a = agent(vec![openai(&s, "openai")]);
    let c = app_ctx();
    let err = a
        .modify(&c, "change the build", &mut Collect::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, AgentError::InvalidOutput(m) if m.contains("protected")),
        "{err:?}"
    );
}

#[tokio::test]
async fn unmatched_edit_gets_a_repair_round_then_a_full_rewrite() {
    let bad = json!({"message": "Done.", "changes": [
        change("edit", "src/App.tsx", "<h1>Todos</h1>", "<h1>Tasks</h1>", ""),
        change("write", "src/Note.tsx", "", "", "export const Note = () => null;\n"),
    ]});
    let still_bad = json!({"message": "Fixed.", "changes": [
        change("edit", "src/App.tsx", "return <h1>Todo </h1>", "return <h1>Tasks</h1>", ""),
    ]});
    let rewritten = "export default function App() {\n  return <h1>Tasks</h1>;\n}\n";
    let rewrite = json!({"message": "Rewrote App.tsx.", "content": rewritten});
    let s = server(vec![
        Reply::json(&bad),
        Reply::json(&still_bad),
        Reply::json(&rewrite),
    ])
    .await;
    let a = agent(vec![openai(&s, "openai")]);
    let c = app_ctx();
    let mut out = Collect::default();
    let cs = a
        .modify(&c, "call it Tasks", &mut out)
        .await
        .expect("modify");
    assert_eq!(
        cs.changes,
        vec![
            FileChange::Write {
                path: "src/Note.tsx".into(),
                content: "export const Note = () => null;\n".into()
            },
            FileChange::Write {
                path: "src/App.tsx".into(),
                content: rewritten.into()
            },
        ]
    );
    let reqs = s.requests();
    assert_eq!(reqs.len(), 3);
    let repair = reqs[1].last_user();
    assert!(
        repair.contains("src/App.tsx: the search text was not found"),
        "{repair}"
    );
    assert!(repair.contains("Current content of src/App.tsx"));
    assert_eq!(
        reqs[1].messages().len(),
        4,
        "the repair continues the conversation"
    );
    assert!(reqs[2].system().contains("appgen agent: rewrite"));
    assert!(
        reqs[2].last_user().contains("<h1>Todos</h1>"),
        "intended edits shown"
    );
    out.assert_files_balanced();
    assert_eq!(out.streamed_files()["src/App.tsx"], rewritten);
}

#[tokio::test]
async fn fix_sees_the_failure_and_repairs_in_one_round() {
    let bad = json!({"message": "Fixing.", "changes": [
        change("edit", "src/App.tsx", "<h1>Todo</h1>;\n}\n\n", "x", ""),
    ]});
    let good = json!({"message": "Fixed the typo.", "changes": [
        change("edit", "src/App.tsx", "<h1>Todo</h1>", "<h1>Todo list</h1>", ""),
    ]});
    let s = server(vec![Reply::json(&bad), Reply::json(&good)]).await;
    let a = agent(vec![azure(&s)]);
    let c = app_ctx();
    let failure = Failure {
        error: "src/App.tsx(2,10): error TS2304: Cannot find name 'Todoo'.".into(),
        log: "vite build\n".repeat(10),
        console_errors: vec!["Uncaught ReferenceError".into()],
        round: 1,
    };
    let cs = a
        .fix(&c, &failure, &mut Collect::default())
        .await
        .expect("fix");
    assert_eq!(cs.summary, "Fixing.");
    let applied = apply_changes(&c.files, &cs.changes).expect("applies");
    assert!(applied["src/App.tsx"].contains("Todo list"));
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].model, "strong-deployment");
    assert!(reqs[0].last_user().contains("Cannot find name 'Todoo'"));
    assert!(reqs[0].last_user().contains("Uncaught ReferenceError"));
}

#[tokio::test]
async fn without_structured_output_fenced_answers_are_read() {
    let s = server(vec![Reply::text(format!(
        "Here you go:\n\n```json\n{}\n```\n",
        clarify_answer()
    ))])
    .await;
    let mut p = openai(&s, "llamacpp");
    p.structured_output = false;
    p.max_completion_tokens_field = false;
    let mut cfg = config(vec![p]);
    cfg.max_output_tokens = Some(1500);
    let a = ModelAgent::new(cfg).expect("agent");
    let mut out = Collect::default();
    let q = a.clarify(&ctx(), &mut out).await.expect("clarify");
    assert_eq!(q.len(), 2);
    assert_eq!(out.said(), "A todo list with due dates, got it.");
    let r = &s.requests()[0];
    assert!(r.response_format().is_none());
    assert_eq!(r.body["max_tokens"], 1500, "capped");
    assert!(r.body.get("max_completion_tokens").is_none());
}

#[tokio::test]
async fn a_provider_rejecting_response_format_gets_free_text() {
    let s = server(vec![
        Reply::status(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."),
        Reply::json(&clarify_answer()),
    ])
    .await;
    let a = agent(vec![openai(&s, "groq")]);
    a.clarify(&ctx(), &mut Collect::default())
        .await
        .expect("clarify");
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[0].response_format().is_some());
    assert!(reqs[1].response_format().is_none());
}

#[tokio::test]
async fn the_appgen_responder_plays_a_whole_run_with_latency() {
    let s = ScriptedServer::start(Script::appgen().latency(Duration::from_millis(50)))
        .await
        .expect("server");
    let a = agent(vec![azure(&s)]);
    let mut out = Collect::default();
    let mut c = ctx();
    let q = a.clarify(&c, &mut out).await.expect("clarify");
    assert_eq!(q[0].id, "persist");
    c.requirements = Some(a.requirements(&c, &mut out).await.expect("requirements"));
    c.wireframe = Some(a.wireframe(&c, &mut out).await.expect("wireframe"));
    c.files = a.code(&c, &mut out).await.expect("code");
    assert!(c.files.contains_key("src/main.tsx"));
    let cs = a.modify(&c, "rename", &mut out).await.expect("modify");
    let next = apply_changes(&c.files, &cs.changes).expect("applies");
    assert!(next["src/App.tsx"].contains("(changed)"));
    out.assert_files_balanced();
    assert_eq!(out.usage().len(), 5);
}

#[tokio::test]
async fn a_server_ignoring_stream_true_is_read_whole() {
    let s = ScriptedServer::start(
        Script::new([Reply::json(&clarify_answer()).with_usage(10, 5)]).ignore_stream(),
    )
    .await
    .expect("server");
    let a = agent(vec![openai(&s, "vllm")]);
    let mut out = Collect::default();
    let q = a.clarify(&ctx(), &mut out).await.expect("clarify");
    assert_eq!(q.len(), 2);
    assert_eq!(out.said(), "A todo list with due dates, got it.");
    assert_eq!(out.usage()[0].output_tokens, Some(5));
    assert_eq!(a.name(), "vllm (fast-model, strong-model)");
}

/// Hands out numbered tokens, each valid for an hour, and counts the calls.
#[derive(Debug, Default)]
struct FakeCredential {
    calls: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        assert_eq!(scopes, ["https://cognitiveservices.azure.com/.default"]);
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(azure_core::credentials::AccessToken::new(
            format!("entra-token-{n}"),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn azure_without_a_key_sends_a_cached_entra_token() {
    let s = server(vec![
        Reply::json(&clarify_answer()),
        Reply::json(&clarify_answer()),
    ])
    .await;
    let mut p = azure(&s);
    p.auth = AuthConfig::Entra {
        managed_identity: true,
        client_id: None,
    };
    let cred = std::sync::Arc::new(FakeCredential::default());
    let a = ModelAgent::with_credential(config(vec![p]), Some(cred.clone())).expect("agent");
    for _ in 0..2 {
        a.clarify(&ctx(), &mut Collect::default())
            .await
            .expect("clarify");
    }
    let reqs = s.requests();
    for r in &reqs {
        assert_eq!(r.authorization.as_deref(), Some("Bearer entra-token-0"));
        assert!(r.api_key.is_none());
    }
    assert_eq!(
        cred.calls.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the token is reused until it nears expiry"
    );
}

#[tokio::test]
async fn a_continuation_opening_a_code_fence_is_still_stitched() {
    let full = code_answer().to_string();
    let cut = full.find("return").expect("cut point");
    let s = server(vec![
        Reply::truncated(format!("```json\n{}", &full[..cut])),
        Reply::text(format!("```json\n{}\n```", &full[cut..])),
    ])
    .await;
    let a = agent(vec![openai(&s, "openai")]);
    let mut out = Collect::default();
    let files = a.code(&ctx(), &mut out).await.expect("stitched");
    assert_eq!(
        files["src/App.tsx"],
        "export default function App() {\n  return <h1>\"Todo\" ✓</h1>;\n}\n"
    );
    assert_eq!(out.streamed_files()["src/App.tsx"], files["src/App.tsx"]);
    out.assert_files_balanced();
    assert_eq!(s.requests().len(), 2, "no repair needed");
}

#[tokio::test]
async fn settings_from_the_scripted_server_configure_both_shapes() {
    use appgen_runtime::llm::LlmConfig;
    let s = ScriptedServer::start(Script::appgen())
        .await
        .expect("server");
    for settings in [s.settings_azure(), s.settings_compatible()] {
        let m: std::collections::HashMap<String, String> = settings.into_iter().collect();
        let LlmConfig::Models(cfg) = LlmConfig::from_lookup(|k| m.get(k).cloned()).expect("valid")
        else {
            panic!("models expected")
        };
        let a = ModelAgent::new(cfg).expect("agent");
        let q = a
            .clarify(&ctx(), &mut Collect::default())
            .await
            .expect("clarify");
        assert_eq!(q[0].id, "persist");
    }
    let reqs = s.requests();
    assert_eq!(reqs[0].shape, "azure");
    assert_eq!(reqs[1].shape, "openai");
    assert_eq!(reqs[1].model, "scripted-fast");
}
