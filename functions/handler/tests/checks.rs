//! Checks in words over real HTTP, the offline reader and the real builder (Chromium): a list
//! app that does not keep its data; a check that passes on it, one sent during that run (queued,
//! shown to every member, then run next) that fails on it (it expects the task after a reload),
//! a queued one withdrawn by its author, one that cannot be read (the run finishes with the
//! reader's message, the thread is not in error); who may add and remove one; the failing
//! check's screenshot served to members only; a later chat edit that keeps both checks and runs
//! them on the new version (where the failing one now passes); and removing one. With the
//! scripted model: the qa agent reads the check, and a model edit keeps it.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Server, Spawn, client};

const T: &str = "t-checks";
const PASSES: &str = "when I add a task with priority high it is listed first";
const FAILS: &str = "when I add a task with title Milk it is still there after a reload";

struct Api {
    c: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(&self, method: &str, who: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let r = self.send(method, who, path, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn send(
        &self,
        method: &str,
        who: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.c.request(method, url).header("x-api-key", who);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("send")
    }

    /// Adds a check as `who`: (status, error code or the run id).
    async fn check(&self, who: &str, sentence: &str) -> (u16, String) {
        let (s, v) = self.add(who, sentence).await;
        let said = v["runId"].as_str().or(v["error"]["code"].as_str());
        (s, said.unwrap_or_default().to_owned())
    }

    async fn add(&self, who: &str, sentence: &str) -> (u16, Value) {
        let path = format!("/api/threads/{T}/checks");
        let body = json!({ "sentence": sentence });
        self.call("POST", who, &path, Some(body)).await
    }

    /// Removes the check `name` as `who`: the status.
    async fn remove(&self, who: &str, name: &str) -> u16 {
        let name: String = (name.bytes())
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let path = format!("/api/threads/{T}/checks/{name}");
        self.call("DELETE", who, &path, None).await.0
    }

    async fn thread(&self) -> Value {
        self.call("GET", "alice", &format!("/api/threads/{T}"), None)
            .await
            .1
    }

    /// The thread once no run is active and nothing is queued.
    async fn wait_idle(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let v = self.thread().await;
            let queued = v["queued"].as_array().map_or(0, Vec::len);
            if v["state"]["run"].is_null() && queued == 0 && v["state"]["status"] != "idle" {
                return v;
            }
            assert!(Instant::now() < deadline, "the thread did not settle");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A finished run's events, from its replay.
    async fn events(&self, run: &str) -> Vec<Value> {
        let path = format!("/api/threads/{T}/runs/{run}/events");
        let text = self.send("GET", "alice", &path, None).await.text().await;
        (text.unwrap_or_default().lines())
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    }

    /// The `check_result` a check run ended with.
    async fn check_result(&self, run: &str) -> Value {
        let events = self.events(run).await;
        let found = events
            .iter()
            .find(|e| e["type"] == "CUSTOM" && e["name"] == "check_result");
        found.map(|e| e["value"].clone()).unwrap_or_else(|| {
            panic!("run {run} has no check_result: {events:#?}");
        })
    }
}

fn message(run: &str, text: &str) -> Value {
    json!({"threadId": T, "runId": run, "messages": [{"id": format!("{run}-m"), "role": "user", "content": text}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

/// Alice builds a task list that does not keep its data (v1); bob joins as a viewer.
async fn built_list(api: &Api) {
    let desc = "A task list: each task has a title and a priority (low, medium, high). Add tasks and see them in a list.";
    let (s, _) = api
        .call("POST", "alice", "/api/agent", Some(message("r1", desc)))
        .await;
    assert_eq!(s, 200);
    let v = api.wait_idle().await;
    let interrupt = v["state"]["interruptId"].as_str().expect("questions");
    let mut answers = message("r2", "");
    answers["messages"] = json!([]);
    answers["resume"] =
        json!([{"interruptId": interrupt, "status": "resolved", "payload": {"persist": false}}]);
    let (s, _) = api.call("POST", "alice", "/api/agent", Some(answers)).await;
    assert_eq!(s, 200);
    let v = api.wait_idle().await;
    assert_eq!(versions(&v), 1, "{:#}", v["state"]);
    let (s, inv) = api
        .call(
            "POST",
            "alice",
            &format!("/api/threads/{T}/invites"),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(s, 201, "{inv}");
    let token = inv["token"].as_str().expect("token");
    let accept = format!("/api/invites/{token}/accept");
    assert_eq!(api.call("POST", "bob", &accept, None).await.0, 200);
}

fn versions(v: &Value) -> usize {
    v["state"]["versions"].as_array().map_or(0, Vec::len)
}

/// The result named `name` in version `n`'s acceptance results, with its 1-based index.
fn result_in(v: &Value, n: usize, name: &str) -> (usize, Value) {
    let results = v["state"]["versions"][n - 1]["check"]["acceptance"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let i = results.iter().position(|r| r["name"] == name);
    let i = i.unwrap_or_else(|| panic!("version {n} did not run {name:?}: {results:#?}"));
    (i + 1, results[i].clone())
}

fn suite(v: &Value) -> Vec<String> {
    let names = v["state"]["scenarios"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    names
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_check_in_words_joins_the_suite_and_runs_on_the_current_version() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice,bob,dave".into())],
        ports: None,
    });
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    built_list(&api).await;
    let before = suite(&api.thread().await);

    // Who may: a viewer 403, a stranger 404.
    assert_eq!(api.check("bob", PASSES).await, (403, "forbidden".into()));
    assert_eq!(api.check("dave", PASSES).await, (404, "not_found".into()));
    assert_eq!(api.check("alice", " ").await, (400, "bad_request".into()));
    let (s, run) = api.check("alice", PASSES).await;
    assert_eq!(s, 202, "{run}");

    // During that run a check is queued like a chat message: every member sees it, its author
    // may withdraw it before it starts (nobody else), and a bad one is still refused at once.
    assert_eq!(api.check("alice", "").await, (400, "bad_request".into()));
    let (s, queued) = api.add("alice", FAILS).await;
    assert_eq!(s, 202, "{queued}");
    assert_eq!(queued["queued"]["kind"], "check", "{queued}");
    let failing_run = queued["runId"].as_str().expect("its run").to_owned();
    let (s, other) = api
        .add("alice", "when I add a task with title Eggs it is listed")
        .await;
    assert_eq!(s, 202, "{other}");
    let other = other["queued"]["id"].as_str().expect("queued").to_owned();
    let (_, seen) = api
        .call("GET", "bob", &format!("/api/threads/{T}"), None)
        .await;
    let kinds: Vec<_> = (seen["queued"].as_array().expect("queued").iter())
        .map(|q| (q["text"].clone(), q["kind"].clone()))
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&(json!(FAILS), json!("check"))),
        "{kinds:?}"
    );
    let withdraw = format!("/api/threads/{T}/queue/{other}");
    assert_eq!(api.call("DELETE", "bob", &withdraw, None).await.0, 403);
    assert_eq!(api.call("DELETE", "alice", &withdraw, None).await.0, 204);

    // It passes: added as alice's, run with the suite on version 1, no new version.
    let v = api.wait_idle().await;
    assert_eq!(versions(&v), 1, "a check makes no version");
    assert_eq!(v["state"]["userChecks"][PASSES], v["you"], "alice wrote it");
    let (_, result) = result_in(&v, 1, PASSES);
    assert_eq!(result["passed"], true, "{result:#}");
    let told = api.check_result(&run).await;
    assert_eq!(
        (told["version"].as_u64(), &told["result"]["passed"]),
        (Some(1), &json!(true))
    );
    let all = v["state"]["versions"][0]["check"]["acceptance"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(all, suite(&v).len(), "the whole suite ran on version 1");
    assert_eq!(
        api.check("alice", PASSES).await,
        (400, "bad_request".into()),
        "once"
    );

    // The queued one ran next, as alice's: it fails on this app (nothing is kept after a
    // reload), with the evidence and a screenshot; the withdrawn one never ran.
    let run = failing_run;
    assert_eq!(suite(&v).len(), before.len() + 2, "{:#}", v["runs"]);
    assert_eq!(v["state"]["userChecks"][FAILS], v["you"]);
    let runs: Vec<_> = (v["runs"].as_array().expect("runs").iter())
        .map(|r| r["runId"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(runs.last(), Some(&run.as_str()), "{runs:?}");
    assert!(
        !runs.iter().any(|r| r.contains(&other)),
        "withdrawn: {runs:?}"
    );
    let (i, result) = result_in(&v, 1, FAILS);
    assert_eq!(result["passed"], false, "{result:#}");
    assert!(
        result["seen"].is_string() && result["failedStep"].is_u64(),
        "{result:#}"
    );
    let told = api.check_result(&run).await;
    assert_eq!(told["result"]["passed"], false);
    let said = v["messages"].to_string();
    assert!(said.contains("fails on version 1"), "{said}");
    // Both check runs ran the suite on version 1's published build, not on a rebuild of it.
    assert_eq!(
        said.matches("Checking version 1's build again").count(),
        2,
        "{said}"
    );
    let shot = format!("/api/threads/{T}/versions/1/acceptance/{i}/screenshot");
    for who in ["alice", "bob"] {
        let r = api.send("GET", who, &shot, None).await;
        let kind = r.headers().get("content-type").cloned();
        assert_eq!(
            (r.status().as_u16(), kind),
            (200, Some("image/png".parse().expect("h")))
        );
        let png = r.bytes().await.expect("bytes");
        assert!(png.starts_with(b"\x89PNG"), "{who} gets a PNG");
    }
    assert_eq!(
        api.send("GET", "dave", &shot, None).await.status().as_u16(),
        404
    );
    let (passing, _) = result_in(&v, 1, PASSES);
    let none = format!("/api/threads/{T}/versions/1/acceptance/{passing}/screenshot");
    assert_eq!(
        api.send("GET", "alice", &none, None)
            .await
            .status()
            .as_u16(),
        404
    );

    // A sentence the reader cannot read: the run finishes with its message, nothing added,
    // and the thread is not in error (version 1 is as it was).
    let (s, run) = api.check("alice", "it should be nice").await;
    assert_eq!(s, 202, "{run}");
    let v = api.wait_idle().await;
    assert_eq!(suite(&v).len(), before.len() + 2, "nothing added");
    assert_eq!(v["state"]["status"], "done", "{:#}", v["state"]["lastRun"]);
    assert_eq!(versions(&v), 1);
    let ended = api.events(&run).await;
    let last = ended.last().expect("events");
    assert_eq!(last["type"], "RUN_FINISHED", "{last:#}");
    let why = last["result"]["message"].as_str().unwrap_or_default();
    assert!(why.contains("when I add a task with"), "{why}");
    assert_eq!(v["state"]["lastRun"]["error"].as_str(), Some(why));

    // Only checks people wrote are removed, by editors, between runs.
    assert_eq!(api.remove("bob", FAILS).await, 403);
    assert_eq!(api.remove("alice", &before[0]).await, 400, "{}", before[0]);

    // A later edit keeps both checks and runs them: now the data is kept, so both pass.
    let (s, _) = api
        .call(
            "POST",
            "alice",
            "/api/agent",
            Some(message("r9", "Keep the data after a reload")),
        )
        .await;
    assert_eq!(s, 200);
    let v = api.wait_idle().await;
    assert_eq!(versions(&v), 2, "{:#}", v["runs"]);
    for name in [PASSES, FAILS] {
        assert!(suite(&v).iter().any(|s| s == name), "{name} kept");
        let (_, result) = result_in(&v, 2, name);
        assert_eq!(result["passed"], true, "{name} on v2: {result:#}");
    }
    assert_eq!(v["state"]["userChecks"][FAILS], v["you"]);

    // Alice removes one: it leaves the suite; version 2 keeps the result it had.
    assert_eq!(api.remove("alice", PASSES).await, 204);
    let v = api.thread().await;
    assert!(!suite(&v).iter().any(|s| s == PASSES), "{:?}", suite(&v));
    assert!(v["state"]["userChecks"][PASSES].is_null());
    assert_eq!(result_in(&v, 2, PASSES).1["passed"], true);
    assert_eq!(api.remove("alice", PASSES).await, 400, "once");
}

/// With a model, the `qa` agent reads the sentence: it is asked with the requirements and the
/// sentence, its answer is validated like the suite's (an answer with two scenarios goes back to
/// it to repair), and "cannot read it" is its own message, adding nothing. A model edit keeps
/// the person's check (agents never retire one: `SuiteChange::apply`); they remove it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_model_the_qa_agent_reads_the_check() {
    use appgen_testkit::{RecordedRequest, Reply, Script, ScriptedServer, appgen_responder};
    use std::sync::atomic::{AtomicBool, Ordering};
    let repaired = std::sync::Arc::new(AtomicBool::new(false));
    let once = repaired.clone();
    let stock = appgen_responder();
    let responder = move |req: &RecordedRequest| -> Reply {
        // The whole conversation: a repair request ends with the repair, not the check.
        let asked = req.user_text();
        if req.agent().as_deref() != Some("qa") || !asked.contains("This time write no suite") {
            return stock(req);
        }
        let expect = |text: &str| {
            json!({"name": text, "requirement": "r", "steps": [
                {"do": "expect", "expect": {"kind": "text_visible", "text": text, "within": null}}]})
        };
        let v = if asked.contains("nice") {
            json!({"message": "Say what to do in the app and what to see then.", "scenarios": []})
        } else if !once.swap(true, Ordering::SeqCst) {
            json!({"message": "Two.", "scenarios": [expect("Scripted app"), expect("Add")]})
        } else {
            json!({"message": "One.", "scenarios": [expect("Scripted app")]})
        };
        Reply::text(v.to_string())
    };
    let model = ScriptedServer::start(Script::default().responder(responder))
        .await
        .expect("scripted server");
    let settings = model.settings_compatible();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let mut spawn = Spawn::local(&data);
    for (k, v) in &settings {
        spawn = spawn.with_env(k, v.clone());
    }
    let server = Server::start(spawn);
    let (c, base) = (client(), server.base.clone());
    let post = |path: String, body: Value| {
        let c = c.clone();
        async move {
            let r = c.post(path).json(&body).send().await.expect("send");
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let thread = format!("{base}/api/threads/{T}");
    let msg = message("r1", "A list of items");
    assert_eq!(post(format!("{base}/api/agent"), msg).await.0, 200);
    let asked = support::wait_idle(&base, T, Duration::from_secs(60)).await;
    let mut answers = message("r2", "");
    answers["messages"] = json!([]);
    answers["resume"] =
        json!([{"interruptId": asked["state"]["interruptId"], "status": "cancelled"}]);
    assert_eq!(post(format!("{base}/api/agent"), answers).await.0, 200);
    let v1 = support::wait_idle(&base, T, Duration::from_secs(240)).await;
    assert_eq!(versions(&v1), 1, "{:#}", v1["runs"]);

    let check = |sentence: &str| post(format!("{thread}/checks"), json!({ "sentence": sentence }));
    let heading = "the heading says Scripted app";
    assert_eq!(check(heading).await.0, 202);
    let v = support::wait_idle(&base, T, Duration::from_secs(240)).await;
    let (_, result) = result_in(&v, 1, heading);
    assert_eq!(result["passed"], true, "{result:#}");
    assert!(
        repaired.load(Ordering::SeqCst),
        "the first answer had two scenarios"
    );
    let qa: Vec<String> = (model.requests().iter())
        .filter(|r| r.agent().as_deref() == Some("qa"))
        .map(RecordedRequest::last_user)
        .collect();
    let repair = qa
        .iter()
        .any(|m| m.contains("exactly one scenario for the check, not 2"));
    assert!(repair, "the invalid answer went back to the model: {qa:#?}");
    let prompt = qa
        .iter()
        .find(|m| m.contains(heading))
        .expect("asked with the sentence");
    assert!(
        prompt.contains("Add items"),
        "and the requirements: {prompt}"
    );

    let before = suite(&v).len();
    assert_eq!(check("it should be nice").await.0, 202);
    let v = support::wait_idle(&base, T, Duration::from_secs(60)).await;
    assert_eq!(suite(&v).len(), before, "nothing added");
    let last = &v["state"]["lastRun"];
    assert_eq!(last["status"], "finished", "{last:#}");
    assert_eq!(v["state"]["status"], "done");
    let why = last["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("Say what to do in the app"),
        "the agent's message: {why}"
    );

    // A model edit keeps the check the person wrote and runs it on the new version; only
    // they remove it.
    let edit = message("r3", "Change the heading");
    assert_eq!(post(format!("{base}/api/agent"), edit).await.0, 200);
    let v2 = support::wait_idle(&base, T, Duration::from_secs(240)).await;
    assert_eq!(versions(&v2), 2, "{:#}", v2["runs"]);
    assert!(suite(&v2).iter().any(|s| s == heading), "{:?}", suite(&v2));
    assert_eq!(result_in(&v2, 2, heading).1["passed"], true);
    let encoded = heading.replace(' ', "%20");
    let r = c.delete(format!("{thread}/checks/{encoded}")).send().await;
    assert_eq!(r.expect("delete").status().as_u16(), 204);
    let v = support::wait_idle(&base, T, Duration::from_secs(10)).await;
    assert!(!suite(&v).iter().any(|s| s == heading), "{:?}", suite(&v));
}
