//! Sharing a thread over real HTTP with four principals (API keys): alice owns it, bob is an
//! editor, carol a viewer, dave a stranger. Every endpoint × role: a member lacking the role
//! gets 403, a non-member 404.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Server, Spawn, client};

struct Api {
    c: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(&self, method: &str, who: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.c.request(method, url).header("x-api-key", who);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("send");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Status and error code (empty for a success).
    async fn status(
        &self,
        method: &str,
        who: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, String) {
        let (s, v) = self.call(method, who, path, body).await;
        (
            s,
            v["error"]["code"].as_str().unwrap_or_default().to_owned(),
        )
    }

    async fn wait_idle(&self, who: &str, thread: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (_, v) = self
                .call("GET", who, &format!("/api/threads/{thread}"), None)
                .await;
            if v["state"]["run"].is_null() && v["state"]["status"] != "idle" {
                return v;
            }
            assert!(Instant::now() < deadline, "thread {thread} did not settle");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn message(thread: &str, run: &str, text: &str) -> Value {
    json!({"threadId": thread, "runId": run, "messages": [{"id": format!("{run}-m"), "role": "user", "content": text}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

const T: &str = "t-shared";

/// Alice starts a thread (it stops at the clarify questions) and invites bob and carol.
async fn shared_thread(api: &Api) {
    let (s, _) = api
        .status(
            "POST",
            "alice",
            "/api/agent",
            Some(message(
                T,
                "r1",
                "A reading list with a title and an author per book",
            )),
        )
        .await;
    assert_eq!(s, 200);
    let v = api.wait_idle("alice", T).await;
    assert_eq!(v["state"]["status"], "awaiting_answers", "{v:#}");
    for (who, role) in [("bob", "editor"), ("carol", "viewer")] {
        let (s, inv) = api
            .call(
                "POST",
                "alice",
                &format!("/api/threads/{T}/invites"),
                Some(json!({"role": role})),
            )
            .await;
        assert_eq!(s, 201, "{inv}");
        let token = inv["token"].as_str().expect("token");
        assert_eq!(inv["url"], format!("/invite/{token}"));
        let (s, acc) = api
            .call("POST", who, &format!("/api/invites/{token}/accept"), None)
            .await;
        assert_eq!(
            (s, &acc["threadId"], &acc["role"]),
            (200, &json!(T), &json!(role))
        );
        // Single use: nobody else gets in with it.
        let again = api
            .status(
                "POST",
                "dave",
                &format!("/api/invites/{token}/accept"),
                None,
            )
            .await;
        assert_eq!(again, (409, "invite_used".into()));
    }
}

#[tokio::test]
async fn every_endpoint_applies_the_role_rule() {
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
    shared_thread(&api).await;

    // Reading, following and downloading: every member; a stranger is told nothing.
    let reads = [
        format!("/api/threads/{T}"),
        format!("/api/threads/{T}/runs/r1/events"),
    ];
    for path in &reads {
        for who in ["alice", "bob", "carol"] {
            assert_eq!(
                api.status("GET", who, path, None).await.0,
                200,
                "{who} {path}"
            );
        }
        assert_eq!(
            api.status("GET", "dave", path, None).await,
            (404, "not_found".into()),
            "{path}"
        );
    }

    // The thread list shows shared threads with the caller's role.
    for (who, role) in [
        ("alice", json!("owner")),
        ("bob", json!("editor")),
        ("carol", json!("viewer")),
    ] {
        let (_, list) = api.call("GET", who, "/api/threads", None).await;
        assert_eq!(list["threads"][0]["threadId"], T, "{who}");
        assert_eq!(list["threads"][0]["role"], role, "{who}");
    }
    let (_, list) = api.call("GET", "dave", "/api/threads", None).await;
    assert_eq!(list["threads"], json!([]));

    // Answering the questions: an editor may, a viewer may not, a stranger cannot see them.
    let v = api.wait_idle("alice", T).await;
    let interrupt = v["state"]["interruptId"]
        .as_str()
        .expect("questions pending");
    let mut resume = message(T, "r2", "");
    resume["messages"] = json!([]);
    resume["resume"] = json!([{"interruptId": interrupt, "status": "cancelled"}]);
    let answer = |who: &'static str, run: &str| {
        let mut r = resume.clone();
        r["runId"] = json!(run);
        let api = &api;
        async move { api.status("POST", who, "/api/agent", Some(r)).await }
    };
    assert_eq!(answer("carol", "r2c").await, (403, "forbidden".into()));
    assert_eq!(answer("dave", "r2d").await, (404, "not_found".into()));
    assert_eq!(answer("bob", "r2").await.0, 200, "the editor answers");
    let v = api.wait_idle("bob", T).await;
    assert_eq!(
        v["state"]["versions"].as_array().map(Vec::len),
        Some(1),
        "{v:#}"
    );
    let zip = format!("/api/threads/{T}/versions/1/zip");
    assert_eq!(
        api.status("GET", "carol", &zip, None).await.0,
        200,
        "a viewer downloads"
    );
    assert_eq!(
        api.status("GET", "dave", &zip, None).await,
        (404, "not_found".into())
    );

    // Sending a message and restoring: editor yes, viewer 403, stranger 404.
    let send = |who: &'static str, run: &'static str| {
        let api = &api;
        async move {
            api.status(
                "POST",
                who,
                "/api/agent",
                Some(message(T, run, "Add a rating")),
            )
            .await
        }
    };
    assert_eq!(send("carol", "r3c").await, (403, "forbidden".into()));
    assert_eq!(send("dave", "r3d").await, (404, "not_found".into()));
    let restore = format!("/api/threads/{T}/versions/1/restore");
    assert_eq!(
        api.status("POST", "carol", &restore, None).await,
        (403, "forbidden".into())
    );
    assert_eq!(
        api.status("POST", "dave", &restore, None).await,
        (404, "not_found".into())
    );
    assert_eq!(api.status("POST", "bob", &restore, None).await.0, 201);
    // Emptying the preview data: the same rule (an app's key never can, tests/appdata.rs).
    let reset = format!("/api/threads/{T}/preview/reset");
    assert_eq!(
        api.status("POST", "carol", &reset, None).await,
        (403, "forbidden".into())
    );
    assert_eq!(
        api.status("POST", "dave", &reset, None).await,
        (404, "not_found".into())
    );
    let (status, done) = api.call("POST", "bob", &reset, None).await;
    assert_eq!((status, done), (200, json!({"deleted": 0})));
    assert_eq!(send("bob", "r3").await.0, 200, "the editor sends");
    api.wait_idle("alice", T).await;

    // Publishing and unpublishing: editor yes, viewer 403, stranger 404.
    let publish = format!("/api/threads/{T}/publish");
    for method in ["POST", "DELETE"] {
        assert_eq!(
            api.status(method, "carol", &publish, Some(json!({}))).await,
            (403, "forbidden".into()),
            "{method} by a viewer"
        );
        assert_eq!(
            api.status(method, "dave", &publish, Some(json!({}))).await,
            (404, "not_found".into()),
            "{method} by a stranger"
        );
    }
    let (status, published) = api.call("POST", "bob", &publish, Some(json!({}))).await;
    assert_eq!(status, 200, "the editor publishes: {published}");
    assert_eq!(api.status("DELETE", "bob", &publish, None).await.0, 204);

    // Managing members: the owner only.
    let members = format!("/api/threads/{T}/members");
    let invites = format!("/api/threads/{T}/invites");
    for (who, want) in [
        ("bob", (403, "forbidden")),
        ("carol", (403, "forbidden")),
        ("dave", (404, "not_found")),
    ] {
        let want = (want.0, want.1.to_owned());
        assert_eq!(
            api.status("GET", who, &members, None).await,
            want,
            "{who} lists"
        );
        let inv = Some(json!({"role": "viewer"}));
        assert_eq!(
            api.status("POST", who, &invites, inv).await,
            want,
            "{who} invites"
        );
        let patch = Some(json!({"role": "editor"}));
        assert_eq!(
            api.status("PATCH", who, &format!("{members}/x"), patch)
                .await,
            want,
            "{who} changes"
        );
        assert_eq!(
            api.status("DELETE", who, &format!("{members}/x"), None)
                .await,
            want,
            "{who} removes"
        );
        assert_eq!(
            api.status("DELETE", who, &format!("{invites}/x"), None)
                .await,
            want,
            "{who} revokes"
        );
    }
    let (s, list) = api.call("GET", "alice", &members, None).await;
    assert_eq!(s, 200);
    let roles: Vec<&str> = list["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["owner", "editor", "viewer"]);
    let carol = list["members"][2]["principal"]
        .as_str()
        .expect("principal")
        .to_owned();
    assert_eq!(list["invites"].as_array().map(Vec::len), Some(2));

    // The owner makes carol an editor, then removes her: she is a stranger again.
    let patch = Some(json!({"role": "editor"}));
    assert_eq!(
        api.status("PATCH", "alice", &format!("{members}/{carol}"), patch)
            .await
            .0,
        204
    );
    let (_, list) = api.call("GET", "carol", "/api/threads", None).await;
    assert_eq!(list["threads"][0]["role"], "editor");
    assert_eq!(
        api.status("DELETE", "alice", &format!("{members}/{carol}"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        api.status("GET", "carol", &format!("/api/threads/{T}"), None)
            .await,
        (404, "not_found".into())
    );
    let (_, list) = api.call("GET", "carol", "/api/threads", None).await;
    assert_eq!(list["threads"], json!([]));
}

#[tokio::test]
async fn invites_expire_by_revocation_and_bad_tokens_say_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn {
        data: &dir.path().join("data"),
        local: false,
        env: vec![("APPGEN_API_KEYS", "alice,bob,carol".into())],
        ports: None,
    });
    let api = Api {
        c: client(),
        base: server.base.clone(),
    };
    let (s, _) = api
        .status(
            "POST",
            "alice",
            "/api/agent",
            Some(message("t-inv", "r1", "A to-do list")),
        )
        .await;
    assert_eq!(s, 200);
    api.wait_idle("alice", "t-inv").await;
    let invites = "/api/threads/t-inv/invites";

    let (_, multi) = api
        .call(
            "POST",
            "alice",
            invites,
            Some(json!({"role": "viewer", "multiUse": true})),
        )
        .await;
    let token = multi["token"].as_str().expect("token").to_owned();
    for who in ["bob", "carol"] {
        let (s, v) = api
            .call("POST", who, &format!("/api/invites/{token}/accept"), None)
            .await;
        assert_eq!(
            (s, &v["role"]),
            (200, &json!("viewer")),
            "multi use admits {who}"
        );
    }
    let id = multi["id"].as_str().expect("id");
    assert_eq!(
        api.status("DELETE", "alice", &format!("{invites}/{id}"), None)
            .await
            .0,
        204
    );
    let gone = api
        .status("POST", "bob", &format!("/api/invites/{token}/accept"), None)
        .await;
    assert_eq!(
        gone,
        (410, "invite_revoked".into()),
        "a revoked link says so, member or not"
    );
    let (_, fresh) = api
        .call("POST", "alice", invites, Some(json!({"role": "editor"})))
        .await;
    let fresh_token = fresh["token"].as_str().expect("token").to_owned();
    let fresh_id = fresh["id"].as_str().expect("id");
    api.status("DELETE", "alice", &format!("{invites}/{fresh_id}"), None)
        .await;
    let revoked = api
        .status(
            "POST",
            "carol",
            &format!("/api/invites/{fresh_token}/accept"),
            None,
        )
        .await;
    assert_eq!(revoked, (410, "invite_revoked".into()));

    let bad = api
        .status("POST", "bob", "/api/invites/nonsense/accept", None)
        .await;
    assert_eq!(bad, (404, "not_found".into()));
    let forged = format!("t-inv.{}", "0".repeat(64));
    assert_eq!(
        api.status(
            "POST",
            "bob",
            &format!("/api/invites/{forged}/accept"),
            None
        )
        .await,
        (404, "not_found".into())
    );
    let owner_role = api
        .status("POST", "alice", invites, Some(json!({"role": "owner"})))
        .await;
    assert_eq!(owner_role, (400, "bad_request".into()));
    let unauth = api
        .c
        .post(format!("{}/api/invites/{token}/accept", api.base))
        .send()
        .await
        .expect("send");
    assert_eq!(unauth.status().as_u16(), 401);
}
