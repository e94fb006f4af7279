//! Working together on one thread over real HTTP (API keys): alice owns it, bob edits, carol
//! views, dave is a stranger. The thread stream (members see it, a stranger gets 404, it
//! resumes from Last-Event-ID), a message sent during a run is queued and runs next as its
//! author, withdrawing, and authorship of messages and versions; a member removed on another
//! instance of the API, or with the removal's event lost, stops following.

mod support;

use appgen_core::ports::{BlobStore, QueueService};
use appgen_core::snapshot::ThreadSnapshot;
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{Pipeline, PipelineConfig, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::threads::ThreadStore;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Server, Spawn, client};

const T: &str = "t-live";

struct Api {
    c: reqwest::Client,
    base: String,
}

impl Api {
    fn req(&self, method: &str, who: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        (self.c)
            .request(method, format!("{}{path}", self.base))
            .header("x-api-key", who)
    }

    async fn call(&self, method: &str, who: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.req(method, who, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Starts a run and returns once it is accepted, without following it.
    async fn start(&self, who: &str, body: Value) -> u16 {
        let r = self.req("POST", who, "/api/agent").json(&body);
        r.send().await.expect("send").status().as_u16()
    }

    /// The thread once no run is active and nothing is queued.
    async fn settled(&self, who: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let (_, v) = self
                .call("GET", who, &format!("/api/threads/{T}"), None)
                .await;
            let queued = v["queued"].as_array().map_or(0, Vec::len);
            if v["state"]["run"].is_null() && queued == 0 && v["state"]["status"] != "idle" {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "the thread did not settle: {v:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn message(run: &str, text: &str) -> Value {
    json!({"threadId": T, "runId": run, "messages": [{"id": format!("{run}-m"), "role": "user", "content": text}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

/// An open thread stream: frames as (id, event JSON) as they arrive.
struct Stream {
    resp: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(api: &Api, who: &str, last_id: Option<u64>) -> Result<Stream, u16> {
        Stream::open_on(api, who, T, last_id).await
    }

    async fn open_on(api: &Api, who: &str, thread: &str, last: Option<u64>) -> Result<Stream, u16> {
        let last_id = last;
        let mut r = api.req("GET", who, &format!("/api/threads/{thread}/events"));
        if let Some(id) = last_id {
            r = r.header("last-event-id", id.to_string());
        }
        let resp = r.send().await.expect("send");
        match resp.status().as_u16() {
            200 => Ok(Stream {
                resp,
                buf: String::new(),
            }),
            other => Err(other),
        }
    }

    /// Frames until one satisfies `done` (that one included).
    async fn until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<(Option<u64>, Value)> {
        let deadline = Instant::now() + Duration::from_secs(100);
        let mut out = Vec::new();
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let id = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("id: "))
                    .and_then(|v| v.parse().ok());
                let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue; // a keepalive
                };
                let event: Value = serde_json::from_str(data).expect("event JSON");
                let stop = done(&event);
                out.push((id, event));
                if stop {
                    return out;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(chunk) = tokio::time::timeout(left, self.resp.chunk()).await else {
                panic!("the stream went quiet; saw {out:#?}");
            };
            let chunk = chunk.expect("read");
            self.buf
                .push_str(&String::from_utf8_lossy(&chunk.expect("the stream ended")));
        }
    }
}

impl Stream {
    /// Every frame until the server closes the stream; panics if it stays open past `within`.
    async fn until_closed(&mut self, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(chunk) = tokio::time::timeout(left, self.resp.chunk()).await else {
                panic!("the stream was still open after {within:?}: {}", self.buf);
            };
            match chunk.expect("read") {
                Some(bytes) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                None => break,
            }
        }
        (self.buf.split("\n\n"))
            .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("data: ")))
            .map(|d| serde_json::from_str(d).expect("event JSON"))
            .collect()
    }
}

/// The presence heartbeats stored for the thread (embedded storage: a file each).
fn heartbeats(data: &std::path::Path) -> usize {
    let dir = (data.join("blobs").join("threads").join(T))
        .join("live")
        .join("presence");
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

fn is(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |e| e["type"] == kind
}

async fn invite(api: &Api, who: &str, role: &str) {
    let path = format!("/api/threads/{T}/invites");
    let (s, inv) = api
        .call("POST", "alice", &path, Some(json!({"role": role})))
        .await;
    assert_eq!(s, 201, "{inv}");
    let token = inv["token"].as_str().expect("token");
    let (s, _) = api
        .call("POST", who, &format!("/api/invites/{token}/accept"), None)
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn members_follow_one_stream_and_a_message_during_a_run_is_queued() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice,bob,carol,dave".into())],
        ports: None,
    });
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    assert_eq!(
        api.start(
            "alice",
            message("r1", "A reading list with a title and an author per book")
        )
        .await,
        200
    );
    let v = api.settled("alice").await;
    let interrupt = v["state"]["interruptId"]
        .as_str()
        .expect("questions")
        .to_owned();
    invite(&api, "bob", "editor").await;
    invite(&api, "carol", "viewer").await;

    // A stranger cannot follow; the viewer can, and sees bob join from the log.
    assert_eq!(Stream::open(&api, "dave", None).await.err(), Some(404));
    let mut carol = Stream::open(&api, "carol", None)
        .await
        .expect("a viewer follows");
    let seen = carol
        .until(|e| e["type"] == "member_joined" && e["data"]["role"] == "viewer")
        .await;
    assert!(
        seen.iter().any(|(_, e)| e["type"] == "run_started"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(_, e)| e["type"] == "member_joined" && e["data"]["role"] == "editor")
    );

    // Alice answers (a run that builds); bob's message meanwhile is queued, not refused.
    let mut answer = message("r2", "");
    answer["messages"] = json!([]);
    answer["resume"] = json!([{"interruptId": interrupt, "status": "cancelled"}]);
    assert_eq!(api.start("alice", answer).await, 200);
    let (s, queued) = api
        .call(
            "POST",
            "bob",
            "/api/agent",
            Some(message("r3", "Add a rating from 1 to 5")),
        )
        .await;
    assert_eq!(s, 202, "{queued}");
    assert_eq!(
        queued["author"]["principal"]
            .as_str()
            .map(|p| p.starts_with("key:")),
        Some(true)
    );
    // A second queued message: a viewer may not queue, alice may not withdraw bob's, bob may.
    let queue = format!("/api/threads/{T}/queue");
    let (s, _) = api
        .call("POST", "carol", &queue, Some(json!({"text": "x"})))
        .await;
    assert_eq!(s, 403);
    let (s, other) = api
        .call(
            "POST",
            "bob",
            &queue,
            Some(json!({"text": "Add a notes field"})),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    let (_, v) = api
        .call("GET", "carol", &format!("/api/threads/{T}"), None)
        .await;
    let ids: Vec<_> = v["queued"]
        .as_array()
        .expect("queued")
        .iter()
        .map(|q| q["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [json!("r3"), other["id"].clone()],
        "in order, for every member: {v:#}"
    );
    let withdraw = format!("{queue}/{}", other["id"].as_str().expect("id"));
    assert_eq!(api.call("DELETE", "alice", &withdraw, None).await.0, 403);
    assert_eq!(api.call("DELETE", "bob", &withdraw, None).await.0, 204);
    assert_eq!(api.call("DELETE", "bob", &withdraw, None).await.0, 404);

    // The queued message runs next, as bob; the viewer's stream tells each step.
    let seen = carol
        .until(|e| e["type"] == "version_made" && e["data"]["number"] == 2)
        .await;
    let kinds: Vec<&str> = seen
        .iter()
        .filter_map(|(_, e)| e["type"].as_str())
        .collect();
    for kind in [
        "questions_answered",
        "queued",
        "withdrawn",
        "version_made",
        "run_ended",
        "message_posted",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let posted = seen
        .iter()
        .find(|(_, e)| e["type"] == "message_posted")
        .map(|(_, e)| e["data"].clone());
    assert_eq!(
        posted.as_ref().map(|p| p["text"].clone()),
        Some(json!("Add a rating from 1 to 5"))
    );
    let v = api.settled("alice").await;
    let bob = &queued["author"]["principal"];
    let authors: Vec<_> = v["state"]["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|x| x["author"]["principal"].clone())
        .collect();
    assert_eq!(authors.len(), 2, "{v:#}");
    assert_ne!(&authors[0], bob, "v1 is alice's");
    assert_eq!(&authors[1], bob, "v2 is bob's");
    assert_eq!(&v["authors"]["q-r3-m"]["principal"], bob);
    assert_eq!(
        v["runs"]
            .as_array()
            .and_then(|r| r.last())
            .map(|r| r["runId"].clone()),
        Some(json!("q-r3"))
    );
    let (_, one) = api
        .call(
            "GET",
            "carol",
            &format!("/api/threads/{T}/versions/2"),
            None,
        )
        .await;
    assert_eq!(&one["author"]["principal"], bob);

    // A restore records who made it; a stream resumed from an id gets only what came after.
    let (s, _) = api
        .call(
            "POST",
            "bob",
            &format!("/api/threads/{T}/versions/1/restore"),
            None,
        )
        .await;
    assert_eq!(s, 201);
    let last = seen.iter().filter_map(|(id, _)| *id).max().expect("ids");
    let mut again = Stream::open(&api, "carol", Some(last))
        .await
        .expect("resume");
    let more = again.until(is("restored")).await;
    let ids: Vec<u64> = more.iter().filter_map(|(id, _)| *id).collect();
    assert!(ids.iter().all(|id| *id > last), "{ids:?} after {last}");
    assert_eq!(ids.first(), Some(&(last + 1)), "nothing skipped");
    let restored = more
        .last()
        .map(|(_, e)| e["data"].clone())
        .expect("restored");
    assert_eq!(
        (&restored["by"]["principal"], &restored["from"]),
        (bob, &json!(1))
    );

    // Presence: both followers are present (heartbeats over the stream), by name.
    let people = again
        .until(|e| {
            e["type"] == "presence"
                && e["data"]["people"]
                    .as_array()
                    .is_some_and(|p| !p.is_empty())
        })
        .await;
    let present = people
        .last()
        .map(|(_, e)| e["data"]["people"].clone())
        .expect("presence");
    assert!(
        present.as_array().is_some_and(|p| p
            .iter()
            .all(|x| x["initials"].as_str().is_some_and(|i| !i.is_empty()))),
        "{present}"
    );

    // The thread list marks what the caller owns.
    let (_, list) = api.call("GET", "bob", "/api/threads", None).await;
    assert_eq!(
        (&list["threads"][0]["owned"], &list["threads"][0]["role"]),
        (&json!(false), &json!("editor"))
    );
    let (_, list) = api.call("GET", "alice", "/api/threads", None).await;
    assert_eq!(list["threads"][0]["owned"], json!(true));
}

/// A member removed while following: their open stream ends with `access_ended` at once (the
/// removal's `member_left` makes it ask the access rule again), nothing logged after the
/// removal reaches them, and their heartbeat goes with them; a member who closes the thread
/// leaves no heartbeat behind either.
#[tokio::test]
async fn a_removed_member_s_open_stream_ends_and_sees_nothing_after() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let server = Server::start(Spawn {
        data: &data,
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice,bob,carol".into())],
        ports: None,
    });
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    // Who am I: the web UI's sign-in asks this; it never lists the keys.
    let (s, me) = api.call("GET", "carol", "/api/me", None).await;
    assert_eq!((s, &me["keys"]), (200, &json!(true)), "{me}");
    assert!(
        me["you"]["principal"]
            .as_str()
            .is_some_and(|p| p.starts_with("key:"))
    );
    let anonymous = api
        .c
        .get(format!("{}/api/me", api.base))
        .send()
        .await
        .expect("me");
    let anonymous: Value = anonymous.json().await.expect("json");
    assert_eq!(
        anonymous,
        json!({"you": null, "keys": true, "local": false})
    );
    assert_eq!(api.call("GET", "nobody", "/api/me", None).await.0, 401);

    let first = message("r1", "A reading list with a title and an author per book");
    assert_eq!(api.start("alice", first).await, 200);
    api.settled("alice").await;
    // Alice follows first: her stream's membership read is made before bob and carol join,
    // and their streams must not be judged on it (they would end at once).
    let mut alices = Stream::open(&api, "alice", None)
        .await
        .expect("alice follows");
    alices.until(is("presence")).await;
    invite(&api, "bob", "editor").await;
    invite(&api, "carol", "viewer").await;
    let (_, bob) = api
        .call("GET", "bob", &format!("/api/threads/{T}"), None)
        .await;
    let bob = bob["you"]["principal"].as_str().expect("bob").to_owned();

    let mut carol = Stream::open(&api, "carol", None)
        .await
        .expect("carol follows");
    let mut bobs = Stream::open(&api, "bob", None).await.expect("bob follows");
    bobs.until(|e| e["type"] == "member_joined" && e["data"]["role"] == "viewer")
        .await;
    carol
        .until(|e| {
            e["type"] == "presence" && e["data"]["people"].as_array().is_some_and(|p| p.len() == 3)
        })
        .await;
    assert_eq!(heartbeats(&data), 3, "alice, bob and carol are here");

    // Alice removes bob, then queues a message (logged after the removal).
    let removed = Instant::now();
    let path = format!("/api/threads/{T}/members/{bob}");
    assert_eq!(api.call("DELETE", "alice", &path, None).await.0, 204);
    let queue = format!("/api/threads/{T}/queue");
    let after = json!({"text": "Only members see this"});
    assert_eq!(api.call("POST", "alice", &queue, Some(after)).await.0, 201);

    let rest = bobs.until_closed(Duration::from_secs(10)).await;
    let took = removed.elapsed();
    eprintln!("bob's stream ended {took:?} after the removal");
    assert!(
        took < Duration::from_secs(5),
        "bob's stream ended after {took:?}"
    );
    assert_eq!(
        rest.last().map(|e| e["type"].clone()),
        Some(json!("access_ended")),
        "{rest:#?}"
    );
    for e in &rest {
        assert!(
            e["type"] != "queued" && e["type"] != "member_left",
            "bob got an event from after his removal: {e}"
        );
    }
    assert_eq!(Stream::open(&api, "bob", None).await.err(), Some(404));
    // Carol, still a member, gets both.
    carol.until(is("member_left")).await;
    carol.until(is("queued")).await;

    // Bob's heartbeat went with his access; carol's and alice's go when they close the thread.
    drop(carol);
    drop(alices);
    let deadline = Instant::now() + Duration::from_secs(20);
    while heartbeats(&data) > 0 {
        assert!(
            Instant::now() < deadline,
            "{} heartbeats stayed",
            heartbeats(&data)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// In local mode with named keys, a request without a key is the local user, and `GET /api/me`
/// says so (the web UI then asks who opens an invite link); with a key, it is that person.
#[tokio::test]
async fn me_tells_the_local_user_from_a_named_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: true,
        env: vec![("APPGEN_API_KEYS", "Bob=bob".into())],
        ports: None,
    });
    let c = client();
    let me = |key: Option<&'static str>| {
        let mut r = c.get(format!("{}/api/me", server.base));
        if let Some(k) = key {
            r = r.header("x-api-key", k);
        }
        async move {
            r.send()
                .await
                .expect("me")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let local = me(None).await;
    assert_eq!(
        (&local["local"], &local["keys"]),
        (&json!(true), &json!(true))
    );
    let bob = me(Some("bob")).await;
    assert_eq!(
        (&bob["local"], &bob["you"]["name"]),
        (&json!(false), &json!("Bob"))
    );
}

/// One instance of the API on `blobs`, in this process: what a second Functions instance on
/// the same storage is (its followers are woken by its own appends only).
async fn instance(blobs: Arc<dyn BlobStore>, queue: Arc<dyn QueueService>) -> Api {
    use appgen::auth::{ApiKey, AuthConfig};
    let preview = PreviewUrls::new("http://127.0.0.1:9", b"secret");
    let config = PipelineConfig::new(preview, false);
    let pipeline = Arc::new(Pipeline::new(blobs, queue, Steps::default(), config));
    let mut state = appgen::api::AppState::from_env(pipeline, false);
    state.auth = AuthConfig {
        keys: ["alice", "bob", "carol", "dave"]
            .map(ApiKey::parse)
            .to_vec(),
        ..AuthConfig::default()
    };
    let app = appgen::api::router(Arc::new(state), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Api { c: client(), base }
}

async fn principal(api: &Api, who: &str) -> String {
    let (_, me) = api.call("GET", who, "/api/me", None).await;
    me["you"]["principal"].as_str().expect("me").to_owned()
}

/// Two instances of the API on one storage; bob and carol follow on the first. Alice removes
/// bob through the second: its `member_left` reaches the first only through storage, and bob's
/// stream ends before anything logged after it. Carol's removal is then committed with its
/// `member_left` lost (a `tell` that failed): the first instance's shared periodic read of the
/// thread ends her stream within `ACCESS_CHECK`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_removed_on_another_instance_stops_following() {
    let dir = tempfile::tempdir().expect("tmp");
    let blobs = DiskBlobStore::open_with(&dir.path().join("blobs"), false).expect("blobs");
    let blobs: Arc<dyn BlobStore> = Arc::new(blobs);
    let queue: Arc<dyn QueueService> =
        Arc::new(DiskQueue::open(&dir.path().join("queues")).expect("queues"));
    let one = instance(blobs.clone(), queue.clone()).await;
    let two = instance(blobs.clone(), queue).await;
    let alice = principal(&one, "alice").await;
    let threads = ThreadStore::new(blobs);
    let snap = ThreadSnapshot::new(T, &alice, 1);
    threads.create(&snap).await.expect("seed");
    threads.index_owner(&snap).await.expect("index");
    invite(&two, "bob", "viewer").await;
    invite(&two, "carol", "viewer").await;
    let (bob, carol_id) = (principal(&one, "bob").await, principal(&one, "carol").await);
    let mut bobs = Stream::open(&one, "bob", None).await.expect("bob follows");
    let mut carol = Stream::open(&one, "carol", None).await.expect("carol");
    let joined = |e: &Value| e["type"] == "member_joined" && e["data"]["principal"] != json!(bob);
    bobs.until(joined).await;
    carol.until(joined).await;

    // Through the other instance: bob removed, then dave joins (logged after the removal).
    let removed = Instant::now();
    let path = format!("/api/threads/{T}/members/{bob}");
    assert_eq!(two.call("DELETE", "alice", &path, None).await.0, 204);
    invite(&two, "dave", "viewer").await;
    let rest = bobs.until_closed(Duration::from_secs(10)).await;
    eprintln!(
        "bob's stream ended {:?} after the removal",
        removed.elapsed()
    );
    assert_eq!(
        rest.last().map(|e| e["type"].clone()),
        Some(json!("access_ended")),
        "{rest:#?}"
    );
    assert!(
        (rest.iter()).all(|e| e["type"] != "member_left" && e["type"] != "member_joined"),
        "bob got an event from after his removal: {rest:#?}"
    );
    carol.until(|e| e["type"] == "member_joined").await;

    // Carol's removal with its event lost: only the periodic read can end her stream.
    let (mut snap, etag) = threads.load(T).await.expect("load").expect("thread");
    appgen_core::access::remove_member(&mut snap, &alice, &carol_id).expect("remove");
    let removed = Instant::now();
    threads.replace(&snap, &etag).await.expect("commit");
    let rest = carol.until_closed(Duration::from_secs(10)).await;
    let took = removed.elapsed();
    eprintln!("carol's stream ended {took:?} after the silent removal");
    let bound = appgen::live::ACCESS_CHECK + Duration::from_millis(1500);
    assert!(took < bound, "carol's stream ended after {took:?}");
    let kinds: Vec<_> = rest.iter().map(|e| e["type"].clone()).collect();
    assert_eq!(kinds.last(), Some(&json!("access_ended")), "{kinds:?}");
    assert!(!kinds.contains(&json!("member_left")), "{kinds:?}");
}

/// The streams of a thread share one reader per instance: over the same 2 s, ten streams of one
/// thread make no more storage reads than one stream of another (counted by the test kit's
/// counting store). Events appended by another writer on the same storage (another process:
/// nothing wakes this instance) reach a stream within the poll period, and a stream resumed
/// from an old id meanwhile gets every later event once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streams_of_a_thread_share_one_reader() {
    use appgen_core::live::{ThreadEvent, Withdrawn};
    use appgen_runtime::live::{POLL, ThreadLive};
    use appgen_testkit::counting::{CountingBlobs, OpKind, OpLog};
    let dir = tempfile::tempdir().expect("tmp");
    let disk = DiskBlobStore::open_with(&dir.path().join("blobs"), false).expect("blobs");
    let log = OpLog::default();
    let blobs: Arc<dyn BlobStore> = Arc::new(CountingBlobs::new(Arc::new(disk), log.clone()));
    let queue: Arc<dyn QueueService> =
        Arc::new(DiskQueue::open(&dir.path().join("queues")).expect("queues"));
    let api = instance(blobs.clone(), queue).await;
    let alice = principal(&api, "alice").await;
    let threads = ThreadStore::new(blobs.clone());
    for t in ["t-one", "t-many"] {
        threads
            .create(&ThreadSnapshot::new(t, &alice, 1))
            .await
            .expect("seed");
    }
    let other = ThreadLive::new(blobs); // the other process's writer
    let event = |i: usize| {
        ThreadEvent::Withdrawn(Withdrawn {
            id: format!("m{i}"),
        })
    };
    other
        .append("t-many", (1..=20).map(event).collect())
        .await
        .expect("log");
    let mut one = Stream::open_on(&api, "alice", "t-one", None)
        .await
        .expect("one");
    one.until(is("presence")).await;
    let mut many = Vec::new();
    for _ in 0..10 {
        let mut s = Stream::open_on(&api, "alice", "t-many", None)
            .await
            .expect("many");
        s.until(|e| e["data"]["id"] == "m20").await;
        many.push(s);
    }
    log.clear();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reads = |thread: &str| {
        let reads = [OpKind::Get, OpKind::ReadFrom, OpKind::List];
        let prefix = format!("threads/{thread}/");
        (log.all().iter())
            .filter(|o| reads.contains(&o.kind) && o.at.starts_with(&prefix))
            .count()
    };
    let (n1, n10) = (reads("t-one"), reads("t-many"));
    eprintln!("storage reads in 2 s: 1 stream {n1}, 10 streams {n10}");
    assert!(n1 >= 3, "the one stream's log was read each poll: {n1}");
    assert!(n10 <= n1 + 3, "10 streams read {n10} times, 1 stream {n1}");

    // Another process appends: the streams here see it within the period.
    let mut resumed = Stream::open_on(&api, "alice", "t-many", Some(7))
        .await
        .expect("resume");
    // Opened (its presence asked for) before the appends: only the periodic read sees them.
    let mut seen = resumed.until(|e| e["data"]["id"] == "m20").await;
    let sent = Instant::now();
    for i in 21..=30 {
        other
            .append("t-many", vec![event(i)])
            .await
            .expect("append");
    }
    let last = |e: &Value| e["data"]["id"] == "m30";
    many[0].until(last).await;
    let took = sent.elapsed();
    eprintln!("another process's append reached a stream in {took:?}");
    assert!(took < POLL + Duration::from_secs(1), "took {took:?}");
    seen.extend(resumed.until(last).await);
    let ids: Vec<u64> = seen.into_iter().filter_map(|(id, _)| id).collect();
    assert_eq!(ids, (8..=30).collect::<Vec<u64>>(), "each once, in order");
}
