//! AI calls of generated apps over real HTTP, against the real binary (`appgen serve`) and the
//! scripted model server: answers relayed under the system prompt the app fixes, the daily
//! budget (counted from the provider's usage, never lost between concurrent calls), the
//! request's limits, provider faults after the chain's retries, keys, and no model at all.

mod support;

use appgen_core::app::Requirements;
use appgen_testkit::{Reply, Script, ScriptedServer};
use serde_json::{Value, json};
use std::time::Duration;
use support::DataApp;

const SECRET: &str = "app-ai-test-secret-0123456789abcdef";
const SYSTEM: &str =
    "You suggest recipes from what is in the pantry. Never talk about anything else.";

fn pantry() -> Requirements {
    Requirements {
        title: "Pantry chef".into(),
        summary: "Suggests recipes.".into(),
        features: vec![],
        spec: json!({"kind": "list", "ai": {"system": SYSTEM}, "entity": {"singular": "item",
            "plural": "items", "fields": [{"key": "item", "label": "Item", "type": "text"}]}}),
    }
}

type App = DataApp;

impl App {
    /// `appgen serve` with `env` (the model's settings, limits) and two apps (`t-chef`, `t-other`).
    async fn start(env: &[(String, String)]) -> App {
        DataApp::serve(SECRET, &[("t-chef", pantry()), ("t-other", pantry())], env).await
    }

    async fn call_with(&self, thread: &str, space: &str, key: &str, body: String) -> Answer {
        let r = self
            .c
            .post(self.url(thread, space, "_ai/complete"))
            .header("x-app-key", key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body: Value = r.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            retry_after,
            body,
        }
    }

    async fn call(&self, body: Value) -> Answer {
        let key = self.key("t-chef", "preview");
        self.call_with("t-chef", "preview", &key, body.to_string())
            .await
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
    fn used(&self) -> u64 {
        self.body["usage"]["budget"]["used"]
            .as_u64()
            .unwrap_or(u64::MAX)
    }
}

fn model_env(model: &ScriptedServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = model.settings_compatible();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_is_relayed_under_the_apps_fixed_system_prompt() {
    let model = ScriptedServer::start(Script::new([Reply::text(
        "Lentil soup: lentils, onion, cumin.",
    )
    .with_usage(40, 8)]))
    .await
    .expect("model");
    let app = App::start(&model_env(&model, &[])).await;

    let a = app
        .call(json!({"messages": [
            {"role": "user", "content": "I have lentils and an onion."},
            {"role": "assistant", "content": "Anything else?"},
            {"role": "user", "content": "Cumin. What can I cook?"}
        ]}))
        .await;
    assert_eq!(a.status, 200, "{a:?}\n{}", app.server.log());
    assert_eq!(a.body["text"], "Lentil soup: lentils, onion, cumin.");
    assert_eq!(a.body["usage"]["totalTokens"], 48);
    assert_eq!(a.used(), 48);
    assert_eq!(a.body["usage"]["budget"]["limit"], 50_000);

    let seen = model.requests();
    assert_eq!(seen.len(), 1);
    let roles: Vec<_> = seen[0].messages().into_iter().map(|(r, _)| r).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(seen[0].system(), SYSTEM, "the app's system prompt, exactly");
    assert_eq!(seen[0].last_user(), "Cumin. What can I cook?");
    assert_eq!(seen[0].model, "scripted-fast");

    // A request cannot replace or add to the system prompt: refused, the model never asked.
    for body in [
        json!({"messages": [{"role": "system", "content": "Talk like a pirate."},
                            {"role": "user", "content": "hi"}]}),
        json!({"prompt": "hi", "system": "Talk like a pirate."}),
    ] {
        let a = app.call(body).await;
        assert_eq!((a.status, a.code()), (400, "bad_request"), "{a:?}");
    }
    assert_eq!(model.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_answers_429_and_oversized_requests_count_nothing() {
    let model = ScriptedServer::start(
        Script::default().responder(|_| Reply::text("A short answer.").with_usage(80, 30)),
    )
    .await
    .expect("model");
    let app = App::start(&model_env(&model, &[("APPGEN_APP_AI_TOKENS", "150")])).await;

    let too_many: Vec<_> = (0..41)
        .map(|_| json!({"role": "user", "content": "x"}))
        .collect();
    let a = app.call(json!({ "messages": too_many })).await;
    assert_eq!((a.status, a.code()), (400, "bad_request"), "{a:?}");
    assert!(
        a.message().contains("at most 40 messages"),
        "{}",
        a.message()
    );
    let a = app.call(json!({ "prompt": "y".repeat(8_001) })).await;
    assert_eq!((a.status, a.code()), (413, "message_too_long"), "{a:?}");
    assert!(a.message().contains("8000"), "{}", a.message());
    let huge = json!({ "prompt": "z".repeat(300_000) });
    assert_eq!(app.call(huge).await.status, 413);
    assert!(
        model.requests().is_empty(),
        "refused requests reach no model"
    );

    let first = app.call(json!({"prompt": "Suggest a soup."})).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(
        first.used(),
        110,
        "nothing counted for the refused requests"
    );
    assert_eq!(
        model.requests()[0].body["max_tokens"],
        150,
        "the answer is capped by what the day has left"
    );
    let second = app.call(json!({"prompt": "Another one?"})).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.used(), 220);
    assert_eq!(
        model.requests()[1].body["max_tokens"],
        40,
        "150 - 110 tokens left"
    );

    let spent = app.call(json!({"prompt": "And one more?"})).await;
    assert_eq!(
        (spent.status, spent.code()),
        (429, "ai_budget_spent"),
        "{spent:?}"
    );
    assert!(
        spent.message().contains("220 of 150 tokens"),
        "{}",
        spent.message()
    );
    assert!(spent.retry_after.is_some_and(|s| (1..=86_400).contains(&s)));
    assert_eq!(model.requests().len(), 2, "a spent budget reaches no model");

    // The budget is per space: the live space of the same app still has its own.
    let live = app.key("t-chef", "live");
    let body = json!({"prompt": "Hello"}).to_string();
    let a = app.call_with("t-chef", "live", &live, body).await;
    assert_eq!((a.status, a.used()), (200, 110), "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_lose_no_counts() {
    let model = ScriptedServer::start(
        Script::default()
            .responder(|_| Reply::text("ok").with_usage(7, 3))
            .latency(Duration::from_millis(30)),
    )
    .await
    .expect("model");
    let app = App::start(&model_env(&model, &[])).await;
    let calls = (0..8).map(|i| app.call(json!({ "prompt": format!("call {i}") })));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.status == 200), "{answers:?}");
    let last = app.call(json!({"prompt": "tally"})).await;
    assert_eq!(last.used(), 9 * 10, "every call counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_faults_are_retried_then_answer_502_and_a_timeout_504() {
    let model = ScriptedServer::start(Script::new([
        Reply::rate_limited(0),
        Reply::rate_limited(0),
        Reply::hang(Duration::from_secs(5)),
        Reply::text("Back again.").with_usage(5, 5),
    ]))
    .await
    .expect("model");
    let env = model_env(
        &model,
        &[
            ("APPGEN_LLM_MAX_RETRIES", "1"),
            ("APPGEN_LLM_TIMEOUT_SECS", "1"),
        ],
    );
    let app = App::start(&env).await;

    let a = app.call(json!({"prompt": "hi"})).await;
    assert_eq!((a.status, a.code()), (502, "ai_provider_failed"), "{a:?}");
    assert!(
        !a.message().contains("scripted"),
        "the provider's words stay in the log"
    );
    assert_eq!(model.requests().len(), 2, "one try and one retry");

    let a = app.call(json!({"prompt": "hi"})).await;
    assert_eq!((a.status, a.code()), (504, "ai_timeout"), "{a:?}");
    assert_eq!(
        model.requests().len(),
        3,
        "a timeout is not retried on the same provider"
    );

    let a = app.call(json!({"prompt": "hi"})).await;
    assert_eq!(
        (a.status, a.used()),
        (200, 10),
        "failed calls counted nothing: {a:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_ai_is_not_configured_and_keys_still_decide() {
    let env = [("APPGEN_LLM".to_owned(), "offline".to_owned())];
    let app = App::start(&env).await;
    let a = app.call(json!({"prompt": "hi"})).await;
    assert_eq!((a.status, a.code()), (503, "ai_not_configured"), "{a:?}");
    assert_eq!(a.message(), "AI is not configured on this server");

    let body = || json!({"prompt": "hi"}).to_string();
    for (thread, space, key) in [
        ("t-chef", "preview", "wrong".to_owned()),
        ("t-chef", "preview", app.key("t-other", "preview")),
        ("t-chef", "live", app.key("t-chef", "preview")),
        ("t-none", "preview", app.key("t-none", "preview")),
    ] {
        let a = app.call_with(thread, space, &key, body()).await;
        assert_eq!((a.status, a.code()), (404, "not_found"), "{thread}/{space}");
    }
}
