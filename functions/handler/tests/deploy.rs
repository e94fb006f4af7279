//! Taking an app online from the thread, through the real binary: one-click deploy to Vercel
//! against a local stand-in for Vercel's REST API (`appgen_testkit::vercel`) — the request
//! answers 202 at once while a slow build goes on, the stages reach a viewer on the thread
//! stream, the deployment carries the version's built files byte for byte, survives a 429 and a
//! file Vercel reports missing, a rejected token and a deployment that ends in ERROR end as
//! failed with clear codes, a viewer is refused, and a deploy whose server was killed once
//! Vercel had its deployment goes live after the restart with that one deployment; no real
//! Vercel account is used — and "publish it" in the chat
//! (sent directly or queued behind an edit), which publishes instead of starting an edit run.

mod support;

use appgen_testkit::vercel::{VercelFaults, VercelStandIn};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};
use support::{Server, Spawn, client};

const T: &str = "t-vercel";
const TOKEN: &str = "vercel-test-token";

struct Api {
    c: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(&self, method: &str, who: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .c
            .request(method, format!("{}{path}", self.base))
            .header("x-api-key", who);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn wait_idle(&self, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let (_, v) = self
                .call("GET", "alice", &format!("/api/threads/{T}"), None)
                .await;
            let settled = ["awaiting_answers", "done", "error"].map(Value::from);
            if v["state"]["run"].is_null() && settled.contains(&v["state"]["status"]) {
                assert_eq!(v["state"]["status"], status, "{v:#}");
                return v;
            }
            assert!(Instant::now() < deadline, "not {status}: {v:#}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The thread once its runs satisfy `done`.
    async fn wait_runs(&self, done: impl Fn(&[Value]) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let (_, v) = self
                .call("GET", "alice", &format!("/api/threads/{T}"), None)
                .await;
            if v["runs"].as_array().is_some_and(|r| done(r)) {
                return v;
            }
            assert!(Instant::now() < deadline, "runs never settled: {v:#}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn deploy(&self, who: &str, body: Value) -> (u16, Value) {
        let path = format!("/api/threads/{T}/deploy/vercel");
        self.call("POST", who, &path, Some(body)).await
    }

    /// The version's built files as its zip carries them (`dist/…`).
    async fn dist_of_zip(&self, version: u32) -> BTreeMap<String, Vec<u8>> {
        let url = format!("{}/api/threads/{T}/versions/{version}/zip", self.base);
        let r = self.c.get(url).header("x-api-key", "alice").send().await;
        let bytes = r.expect("zip").bytes().await.expect("zip body");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut out = BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("entry");
            let name = f.name().expect("entry name").into_owned();
            if let Some(path) = name.strip_prefix("dist/").map(str::to_owned) {
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).expect("read");
                out.insert(path, buf);
            }
        }
        out
    }
}

fn message(run: &str, text: &str) -> Value {
    json!({"threadId": T, "runId": run, "messages": [{"id": format!("{run}-m"), "role": "user", "content": text}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

/// Alice makes an app (questions skipped) and invites carol as a viewer.
async fn checked_app(api: &Api) {
    let prompt = "A reading list with a title and an author per book";
    assert_eq!(
        api.call("POST", "alice", "/api/agent", Some(message("r1", prompt)))
            .await
            .0,
        200
    );
    let v = api.wait_idle("awaiting_answers").await;
    let interrupt = v["state"]["interruptId"].as_str().expect("questions");
    let mut resume = message("r2", "");
    resume["messages"] = json!([]);
    resume["resume"] = json!([{"interruptId": interrupt, "status": "cancelled"}]);
    assert_eq!(
        api.call("POST", "alice", "/api/agent", Some(resume))
            .await
            .0,
        200
    );
    let v = api.wait_idle("done").await;
    assert_eq!(v["state"]["versions"][0]["check"]["passed"], true, "{v:#}");
    let invites = format!("/api/threads/{T}/invites");
    let (s, inv) = api
        .call("POST", "alice", &invites, Some(json!({"role": "viewer"})))
        .await;
    assert_eq!(s, 201, "{inv}");
    let token = inv["token"].as_str().expect("token");
    let accept = format!("/api/invites/{token}/accept");
    assert_eq!(api.call("POST", "carol", &accept, None).await.0, 200);
}

fn vercel_server(dir: &std::path::Path, vercel: &VercelStandIn, failpoint: Option<&str>) -> Server {
    let mut env = vec![
        ("APPGEN_API_KEYS", "alice,carol".into()),
        ("APPGEN_VERCEL_API", vercel.base_url()),
        ("APPGEN_VERCEL_TOKEN", TOKEN.into()),
        ("APPGEN_VERCEL_POLL_MS", "50".into()),
        ("APPGEN_SWEEP_SECS", "0".into()),
    ];
    env.extend(failpoint.map(|f| ("APPGEN_FAILPOINT", f.to_owned())));
    Server::start(Spawn {
        data: &dir.join("data"),
        local: false,
        env,
        ports: None,
    })
}

impl Api {
    async fn deploy_state(&self, who: &str, id: &str) -> Value {
        let path = format!("/api/threads/{T}/deploy/vercel/{id}");
        let (s, v) = self.call("GET", who, &path, None).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    /// Reads the deploy until its stage is `stage` (or a final one); returns it.
    async fn deploy_until(&self, id: &str, stage: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.deploy_state("alice", id).await;
            let now = v["state"]["stage"].as_str().unwrap_or_default().to_owned();
            if now == stage || now == "ready" || now == "failed" {
                return v;
            }
            assert!(Instant::now() < deadline, "never {stage}: {v}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A deploy started (202 at once) and followed to its end.
    async fn deploy_to_end(&self, body: Value) -> Value {
        let (s, d) = self.deploy("alice", body).await;
        assert_eq!(s, 202, "{d}");
        self.deploy_until(d["id"].as_str().expect("id"), "ended")
            .await
    }
}

/// The stages of deploy `id` the thread stream told, read until it tells a final one.
async fn streamed_stages(stream: &mut reqwest::Response, id: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut text, mut stages) = (String::new(), Vec::new());
    while Instant::now() < deadline {
        stages = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l.strip_prefix("data:")?.trim()).ok())
            .filter(|e| e["type"] == "deploy" && e["data"]["id"] == id)
            .map(|e| {
                e["data"]["state"]["stage"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        if stages.iter().any(|s| s == "ready" || s == "failed") {
            break;
        }
        if let Ok(Ok(Some(b))) =
            tokio::time::timeout(Duration::from_millis(500), stream.chunk()).await
        {
            text.push_str(&String::from_utf8_lossy(&b));
        }
    }
    stages
}

#[tokio::test]
async fn a_deploy_answers_at_once_and_goes_live_through_its_faults_on_the_stream() {
    let vercel = VercelStandIn::start(TOKEN).await.expect("stand-in");
    let dir = tempfile::tempdir().expect("tmp");
    let server = vercel_server(dir.path(), &vercel, None);
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    checked_app(&api).await;
    let (_, detail) = api
        .call("GET", "carol", &format!("/api/threads/{T}"), None)
        .await;
    assert_eq!(
        detail["vercelDeploy"], true,
        "the UI is told a token is set"
    );

    // A viewer may not deploy; nothing reaches Vercel.
    let (s, e) = api.deploy("carol", json!({})).await;
    assert_eq!((s, &e["error"]["code"]), (403, &json!("forbidden")), "{e}");
    assert!(vercel.record().uploads.is_empty());

    // Rate limited once, one file "forgotten" by create, and a slow build: BUILDING for 4 s,
    // far longer than the answer takes.
    vercel.set_faults(VercelFaults {
        rate_limited_uploads: 1,
        forget_on_create: 1,
        building_polls: 2,
        building_for: Duration::from_secs(4),
        fail_with: None,
    });
    let mut stream = api
        .c
        .get(format!("{}/api/threads/{T}/events", api.base))
        .header("x-api-key", "carol")
        .send()
        .await
        .expect("thread stream");
    let started = Instant::now();
    let (s, d) = api.deploy("alice", json!({})).await;
    let answered = started.elapsed();
    assert_eq!(s, 202, "{d}\n{}", server.log());
    assert!(
        answered < Duration::from_secs(2),
        "answered after {answered:?}"
    );
    assert_eq!(
        (&d["version"], &d["state"]["stage"]),
        (&json!(1), &json!("pending"))
    );
    let id = d["id"].as_str().expect("a deploy id").to_owned();
    let building = api.deploy_until(&id, "building").await;
    assert_eq!(building["state"]["stage"], "building", "{building}");
    assert_eq!(building["state"]["deployment"], "dpl_1");
    let ready = api.deploy_until(&id, "ready").await;
    assert!(started.elapsed() >= Duration::from_secs(4));
    assert_eq!(
        ready["state"]["stage"],
        "ready",
        "{ready}\n{}",
        server.log()
    );
    let url = ready["state"]["url"].as_str().expect("url");
    assert!(
        url.starts_with("https://") && url.ends_with(".vercel.app"),
        "{url}"
    );
    assert_eq!(
        streamed_stages(&mut stream, &id).await,
        ["pending", "uploading", "building", "ready"],
        "a viewer follows the deploy on the thread stream"
    );

    let built = api.dist_of_zip(1).await;
    assert!(built.contains_key("index.html"), "{:?}", built.keys());
    {
        let rec = vercel.record();
        assert_eq!(rec.answered_429, 1, "the 429 was answered");
        assert_eq!(rec.missing_reported.len(), 1);
        let forgotten = &rec.missing_reported[0];
        assert_eq!(
            rec.upload_count[forgotten], 2,
            "the missing file was uploaded again"
        );
        let dep = &rec.deployments[0];
        let mut deployed = dep.files.clone();
        let config = deployed.remove("vercel.json").expect("the SPA config");
        assert_eq!(
            deployed, built,
            "the deployment carries the build's files byte for byte"
        );
        let config: Value = serde_json::from_slice(&config).expect("json");
        assert_eq!(config["rewrites"][0]["destination"], "/index.html");
        assert_eq!(dep.body["projectSettings"]["framework"], Value::Null);
    }
    refusals(&api, &vercel).await;
    let (s, list) = api
        .call(
            "GET",
            "carol",
            &format!("/api/threads/{T}/deploy/vercel"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<&str> = (list["deploys"].as_array().into_iter().flatten())
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(
        (ids.len(), ids.last()),
        (3, Some(&id.as_str())),
        "newest first: {list}"
    );
    let (s, e) = api
        .call(
            "GET",
            "alice",
            &format!("/api/threads/{T}/deploy/vercel/d-nope"),
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");
    drop(server);
    killed_mid_deploy(&vercel, dir.path()).await;
}

/// A token Vercel refuses and a deployment that ends in ERROR end the deploy as failed, with
/// the API's codes; what cannot be deployed is refused at once.
async fn refusals(api: &Api, vercel: &VercelStandIn) {
    vercel.set_faults(VercelFaults::default());
    let d = api.deploy_to_end(json!({"token": "not-it"})).await;
    assert_eq!(d["state"]["stage"], "failed", "{d}");
    assert_eq!(d["state"]["code"], "deploy_token_rejected", "{d}");
    assert!(vercel.record().answered_401 >= 1);

    vercel.set_faults(VercelFaults {
        fail_with: Some("Build step crashed".into()),
        ..VercelFaults::default()
    });
    let d = api.deploy_to_end(json!({"version": 1})).await;
    assert_eq!(d["state"]["code"], "deploy_failed", "{d}");
    let msg = d["state"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("Build step crashed"), "{msg}");

    // Only versions that exist and passed their check; a body that says something else.
    let (s, e) = api.deploy("alice", json!({"version": 9})).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = api.deploy("alice", json!({"versoin": 1})).await;
    assert_eq!(s, 400, "{e}");
}

/// Whether the server's process ends within `within`, waiting without blocking the test's
/// runtime (the stand-in answers on it).
async fn exited(server: &mut Server, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = server.child.try_wait() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The server is killed right after Vercel created the deployment, before the record kept
/// its id (the failpoint after create; the stage still `uploading`). Restarted, the
/// redelivered message finds that deployment by the deploy's id: the deploy goes live with
/// that one deployment, nothing uploaded or created again, and a viewer following the stream
/// sees it end.
async fn killed_mid_deploy(vercel: &VercelStandIn, dir: &std::path::Path) {
    vercel.set_faults(VercelFaults {
        building_for: Duration::from_secs(1),
        ..VercelFaults::default()
    });
    let mut server = vercel_server(dir, vercel, Some("deploy:after_create"));
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    let created_before = vercel.record().deployments.len();
    let (s, d) = api.deploy("alice", json!({})).await;
    assert_eq!(s, 202, "{d}");
    let id = d["id"].as_str().expect("id").to_owned();
    if !exited(&mut server, Duration::from_secs(30)).await {
        let d = api.deploy_state("alice", &id).await;
        panic!(
            "the failpoint did not stop the server: {d}\n{}",
            server.log()
        );
    }
    let uploads = vercel.record().upload_count.clone();
    assert_eq!(vercel.record().deployments.len(), created_before + 1);
    drop(server);

    let server = vercel_server(dir, vercel, None);
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    let mut stream = api
        .c
        .get(format!("{}/api/threads/{T}/events", api.base))
        .header("x-api-key", "carol")
        .send()
        .await
        .expect("thread stream");
    let stages = streamed_stages(&mut stream, &id).await;
    assert_eq!(
        stages.last().map(String::as_str),
        Some("ready"),
        "{stages:?}\n{}",
        server.log()
    );
    let d = api.deploy_state("alice", &id).await;
    let dpl = format!("dpl_{}", created_before + 1);
    assert_eq!(
        (&d["state"]["stage"], &d["state"]["deployment"]),
        (&json!("ready"), &json!(dpl)),
        "{d}"
    );
    let seen = vercel.record();
    assert_eq!(
        seen.deployments.len(),
        created_before + 1,
        "no second deployment"
    );
    assert_eq!(seen.upload_count, uploads, "nothing uploaded again");
}

impl Api {
    /// Sends a chat message and reads its run's event stream to the end.
    async fn say(&self, who: &str, run: &str, text: &str) -> (u16, String) {
        let r = self
            .c
            .post(format!("{}/api/agent", self.base))
            .header("x-api-key", who)
            .json(&message(run, text))
            .send()
            .await
            .expect("send");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }
}

#[tokio::test]
async fn publish_it_in_the_chat_publishes_and_answers_with_the_url_and_races_settle() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice,carol".into())],
        ports: None,
    });
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    checked_app(&api).await;
    let thread = format!("/api/threads/{T}");
    let (_, detail) = api.call("GET", "alice", &thread, None).await;
    assert_eq!(detail["vercelDeploy"], false, "no token on this server");
    let (s, e) = api.deploy("alice", json!({})).await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (422, &json!("deploy_not_configured")),
        "refused at once: {e}"
    );

    // A viewer may not publish by chat either.
    let (s, body) = api.say("carol", "r3", "publish it").await;
    assert_eq!(s, 403, "{body}");

    let (s, events) = api
        .say("alice", "r4", "Looks good, put it online please")
        .await;
    assert_eq!(s, 200, "{events}");
    let port = server.apps_port;
    let url_start = events
        .find("Published v1 at http://")
        .expect("the answer has the URL");
    let url: String = events[url_start + "Published v1 at ".len()..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect();
    assert!(url.ends_with(&format!(".localhost:{port}/")), "{url}");
    assert!(events.contains("RUN_FINISHED"), "{events}");
    let (_, v) = api.call("GET", "alice", &thread, None).await;
    assert_eq!(v["published"]["url"], json!(url), "{v:#}");
    let runs = v["runs"].as_array().expect("runs");
    let last = runs.last().expect("a run");
    assert_eq!(
        (&last["kind"], &last["status"]),
        (&json!("publish"), &json!("finished"))
    );
    assert_eq!(
        v["state"]["versions"].as_array().map(Vec::len),
        Some(1),
        "no edit run"
    );
    let said = v["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("a message");
    assert_eq!(said["role"], "assistant");
    assert!(
        said["content"].as_str().unwrap_or_default().contains(&url),
        "{said}"
    );

    // The URL serves the app (127.0.0.1 with the app's Host: glibc does not resolve it).
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let page = api
        .c
        .get(format!("http://127.0.0.1:{port}/"))
        .header("host", host)
        .send()
        .await
        .expect("apps origin");
    assert_eq!(page.status().as_u16(), 200);

    // A change that mentions publishing is an edit, not a publish; "publish it" sent while
    // it runs is queued, and when it is taken it publishes (the edit's v2), not a new version.
    let edit = api
        .c
        .post(format!("{}/api/agent", api.base))
        .header("x-api-key", "alice")
        .json(&message("r5", "add a publish date field"))
        .send()
        .await
        .expect("send");
    assert_eq!(edit.status().as_u16(), 200);
    drop(edit); // the run goes on without a follower
    let (s, queued) = api.say("alice", "r6", "publish it").await;
    assert_eq!(s, 202, "queued behind the edit: {queued}");
    let v = api
        .wait_runs(|runs| runs.iter().any(|r| r["runId"] == "q-r6"))
        .await;
    let v = api
        .wait_idle(v["state"]["status"].as_str().unwrap_or("done"))
        .await;
    let runs = v["runs"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<(&str, &str)> = runs[runs.len() - 2..]
        .iter()
        .map(|r| {
            (
                r["runId"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(kinds, [("r5", "follow_up"), ("q-r6", "publish")], "{v:#}");
    assert_eq!(runs[runs.len() - 1]["status"], "finished");
    assert_eq!(v["state"]["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["state"]["versions"][1]["check"]["passed"], true, "{v:#}");
    assert_eq!(
        v["published"]["version"], 2,
        "the queued request published v2"
    );
    let said = v["messages"].as_array().and_then(|m| m.last()).cloned();
    let said = said.unwrap_or_default();
    let answer = said["content"].as_str().unwrap_or_default();
    assert_eq!(answer, format!("Published v2 at {url}"), "{said}");

    publish_race(&api, port).await;
}

/// The first `/assets/…` path a page names: which build it is.
fn asset_of(html: &str) -> String {
    let start = html.find("/assets/").unwrap_or(0);
    let end = html[start..].find('"').map_or(html.len(), |e| e + start);
    html[start..end].to_owned()
}

/// Two publishes at once (v1 and v2): whichever wins, the thread and the apps origin agree
/// on what is published.
async fn publish_race(api: &Api, apps_port: u16) {
    let publish = format!("/api/threads/{T}/publish");
    let mut assets = Vec::new();
    for n in [1, 2] {
        let zip = api.dist_of_zip(n).await;
        assets.push(asset_of(&String::from_utf8_lossy(&zip["index.html"])));
    }
    assert_ne!(
        assets[0], assets[1],
        "the two versions are different builds"
    );
    for round in 0..12 {
        let (a, b) = tokio::join!(
            api.call("POST", "alice", &publish, Some(json!({"version": 1}))),
            api.call("POST", "alice", &publish, Some(json!({"version": 2}))),
        );
        assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
        let (_, v) = api
            .call("GET", "alice", &format!("/api/threads/{T}"), None)
            .await;
        let version = v["published"]["version"].as_u64().expect("published") as usize;
        let url = v["published"]["url"].as_str().expect("url");
        let host = url.trim_start_matches("http://").trim_end_matches('/');
        let page = api
            .c
            .get(format!("http://127.0.0.1:{apps_port}/"))
            .header("host", host)
            .send()
            .await
            .expect("apps origin");
        let served = asset_of(&page.text().await.unwrap_or_default());
        assert_eq!(
            served,
            assets[version - 1],
            "round {round}: the thread says v{version}"
        );
    }
}
