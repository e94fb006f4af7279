//! The data API of generated apps over real HTTP, against the real binary (`appgen serve`):
//! records with server fields, validation that changes nothing, conditional updates, keys that
//! open one space of one app, CORS for the apps' origins only, limits, and the live stream.

mod support;

use appgen_core::app::Requirements;
use appgen_runtime::preview::PreviewUrls;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{DataApp, error_of, read_until, send_json};

const SECRET: &str = "appdata-test-secret-0123456789abcdef";

fn shopping() -> Requirements {
    Requirements {
        title: "Shopping".into(),
        summary: String::new(),
        features: vec![],
        spec: json!({"kind": "list", "entity": {"singular": "item", "plural": "items", "fields": [
            {"key": "item", "label": "Item", "type": "text", "required": true},
            {"key": "quantity", "label": "Quantity", "type": "number"},
            {"key": "addedBy", "label": "Added by", "type": "text"}
        ]}, "features": {}}),
    }
}

type App = DataApp;

impl App {
    /// Two list apps (`t-shop`, `t-other`) on a fresh server.
    async fn start() -> App {
        DataApp::serve(
            SECRET,
            &[("t-shop", shopping()), ("t-other", shopping())],
            &[],
        )
        .await
    }

    fn req(
        &self,
        method: reqwest::Method,
        thread: &str,
        space: &str,
        rest: &str,
    ) -> reqwest::RequestBuilder {
        self.at(method, thread, space, rest)
            .header("x-client-id", "client-a")
    }

    /// A request to the shopping list's preview space.
    fn shop(&self, method: reqwest::Method, rest: &str) -> reqwest::RequestBuilder {
        self.req(method, "t-shop", "preview", rest)
    }

    async fn create(&self, body: &str) -> reqwest::Response {
        self.shop(reqwest::Method::POST, "items")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("send")
    }

    async fn list(&self, query: &str) -> Value {
        let r = self
            .shop(reqwest::Method::GET, &format!("items{query}"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.expect("json")
    }
}

#[tokio::test]
async fn records_are_validated_stored_and_updated_only_from_their_current_version() {
    let app = App::start().await;
    let r = app
        .create(r#"{"item":"Milk","quantity":2,"addedBy":"Ann"}"#)
        .await;
    assert_eq!(r.status().as_u16(), 201);
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let milk: Value = r.json().await.expect("json");
    assert_eq!(milk["createdBy"], "client-a");
    assert!(milk["id"].as_str().is_some_and(|i| i.len() >= 16));
    assert!(
        milk["createdAt"]
            .as_u64()
            .is_some_and(|t| t > 1_700_000_000_000)
    );
    assert_eq!(
        app.create(r#"{"item":"Eggs","quantity":12}"#)
            .await
            .status()
            .as_u16(),
        201
    );

    for (body, want, names) in [
        ("{not json", (400, "bad_request"), "JSON"),
        (r#"{"quantity":2}"#, (400, "invalid_record"), "\"item\""),
        (
            r#"{"item":"Tea","colour":"red"}"#,
            (400, "invalid_record"),
            "\"colour\"",
        ),
        (
            r#"{"item":"Tea","quantity":"two"}"#,
            (400, "invalid_record"),
            "\"quantity\"",
        ),
        (
            r#"{"item":"Tea","id":"mine"}"#,
            (400, "invalid_record"),
            "\"id\"",
        ),
    ] {
        let (status, code, message) = error_of(app.create(body).await).await;
        assert_eq!((status, code.as_str()), want, "{body}");
        assert!(message.contains(names), "{body}: {message}");
    }
    let big = format!(r#"{{"item":"{}"}}"#, "x".repeat(70_000));
    assert_eq!(error_of(app.create(&big).await).await.1, "record_too_large");
    let huge = format!(r#"{{"item":"{}"}}"#, "x".repeat(2_000_000));
    let refused = app.create(&huge).await;
    // The unread body ends the connection: the answer says so, or the client's next request
    // would go out on a dropped connection.
    assert_eq!(
        refused.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..])
    );
    assert_eq!(error_of(refused).await.0, 413);
    assert_eq!(
        app.list("").await["records"].as_array().map(Vec::len),
        Some(2),
        "nothing changed"
    );

    let found = app.list("?quantity=2").await;
    assert_eq!(found["records"][0]["item"], "Milk");
    assert_eq!(found["records"].as_array().map(Vec::len), Some(1));
    let sorted = app.list("?sort=-quantity&limit=1").await;
    assert_eq!(sorted["records"][0]["item"], "Eggs");
    assert!(sorted["nextCursor"].is_string());
    let (status, code, _) = error_of(
        app.shop(reqwest::Method::GET, "items?colour=red")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));

    let id = milk["id"].as_str().expect("id");
    let patch = |tag: &str, body: &str| {
        app.shop(reqwest::Method::PATCH, &format!("items/{id}"))
            .header("if-match", tag)
            .body(body.to_owned())
            .send()
    };
    let r = patch(&etag, r#"{"quantity":3}"#).await.expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let new_tag = r.headers()["etag"].to_str().expect("etag").to_owned();
    assert_ne!(new_tag, etag);
    let updated: Value = r.json().await.expect("json");
    assert_eq!(
        (updated["quantity"].clone(), updated["item"].clone()),
        (json!(3), json!("Milk"))
    );
    let (status, code, _) = error_of(patch(&etag, r#"{"quantity":9}"#).await.expect("send")).await;
    assert_eq!(
        (status, code.as_str()),
        (412, "precondition_failed"),
        "a stale writer loses"
    );
    let (status, code, _) = error_of(patch(&new_tag, r#"{"item":""}"#).await.expect("send")).await;
    assert_eq!((status, code.as_str()), (400, "invalid_record"));
    let now = send_json(app.shop(reqwest::Method::GET, &format!("items/{id}"))).await;
    assert_eq!(
        now["quantity"], 3,
        "the stale and the bad update changed nothing"
    );

    let r = app
        .shop(reqwest::Method::DELETE, &format!("items/{id}"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let r = app
        .shop(reqwest::Method::GET, &format!("items/{id}"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn a_key_opens_one_space_of_one_app_and_only_the_data_api_allows_other_origins() {
    let app = App::start().await;
    assert_eq!(
        app.create(r#"{"item":"Milk"}"#).await.status().as_u16(),
        201
    );
    let get = |thread: &str, space: &str, key: String| {
        app.c
            .get(app.url(thread, space, "items"))
            .header("x-app-key", key)
            .send()
    };
    // Another app's key, another space's key, an unknown app, no key: all 404.
    for (thread, space, key) in [
        ("t-shop", "preview", app.key("t-other", "preview")),
        ("t-shop", "preview", app.key("t-shop", "live")),
        ("t-nope", "preview", app.key("t-nope", "preview")),
        ("t-shop", "preview", String::new()),
        ("t-shop", "staging", app.key("t-shop", "staging")),
        // The build check's throwaway space is served to that check only, never here.
        ("t-shop", "check", app.key("t-shop", "check")),
    ] {
        let r = get(thread, space, key).await.expect("send");
        assert_eq!(r.status().as_u16(), 404, "{thread}/{space}");
    }
    let other: Value = get("t-other", "preview", app.key("t-other", "preview"))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(other["records"], json!([]), "apps never share records");
    let live: Value = get("t-shop", "live", app.key("t-shop", "live"))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(live["records"], json!([]), "preview never leaks into live");

    // An app's own key resets no space: the preview's is emptied by its editors through
    // appgen's API (below), the live space never.
    for space in ["preview", "live"] {
        let r = app
            .req(reqwest::Method::POST, "t-shop", space, "_reset")
            .send()
            .await
            .expect("send");
        assert_eq!(error_of(r).await.1, "forbidden", "{space}");
    }
    let live_key = app.key("t-shop", "live");
    let r = app
        .c
        .post(app.url("t-shop", "live", "items"))
        .header("x-app-key", &live_key)
        .json(&json!({"item": "Bread"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201);
    let r = app
        .c
        .post(app.url("t-other", "preview", "_reset"))
        .header("x-app-key", app.key("t-shop", "preview"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404, "another app's key resets nothing");

    // A preview's own URL is its key for the preview space.
    let token = PreviewUrls::new("", SECRET.as_bytes()).token("t-shop", 3);
    let r = get("t-shop", "preview", format!("3.{token}"))
        .await
        .expect("send");
    let mine: Value = r.json().await.expect("json");
    assert_eq!(mine["records"][0]["item"], "Milk", "no key reset it");

    // The thread's owner (the local user) empties the preview space: only its records go.
    let reset = format!("{}/api/threads/t-shop/preview/reset", app.server.base);
    let done: Value = send_json(app.c.post(&reset)).await;
    assert_eq!(done, json!({"deleted": 1}));
    assert_eq!(app.list("").await["records"], json!([]));
    let live: Value = get("t-shop", "live", live_key)
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        live["records"][0]["item"], "Bread",
        "the live space keeps its records"
    );

    let pre = app
        .c
        .request(
            reqwest::Method::OPTIONS,
            app.url("t-shop", "preview", "items"),
        )
        .header("origin", "null")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "x-app-key, if-match")
        .send()
        .await
        .expect("preflight");
    assert!(pre.status().is_success());
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .is_ok_and(|m| m.contains("PATCH"))
    );
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .is_ok_and(|m| m.contains("x-app-key"))
    );
    let api = app
        .c
        .get(format!("{}/api/threads", app.server.base))
        .header("origin", "null")
        .send()
        .await
        .expect("api");
    assert!(
        api.headers().get("access-control-allow-origin").is_none(),
        "appgen's API stays closed"
    );
    let api_pre = app
        .c
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/threads", app.server.base),
        )
        .header("origin", "null")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("api preflight");
    assert!(
        api_pre
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

/// A client on its own loopback address (`appgen serve` keys the per-client limit on the
/// socket's peer): 127.0.0.0/8 is all loopback, so each `n` is another client.
fn client_at(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .expect("client")
}

#[tokio::test]
async fn one_client_past_its_rate_gets_429_with_retry_after() {
    let app = App::start().await;
    let mut limited = None;
    // The bucket refills while the loop runs (5 a second), so allow for more than the limit.
    // A new X-Client-Id on every request: the limit is the address's, not the id's.
    for i in 0..2 * appgen_core::appdata::REQUESTS_PER_MINUTE_PER_CLIENT {
        let r = app
            .at(reqwest::Method::GET, "t-shop", "preview", "items?limit=1")
            .header("x-client-id", format!("rotating-{i}"))
            .send()
            .await
            .expect("send");
        if r.status().as_u16() == 429 {
            limited = Some((i, r));
            break;
        }
    }
    let (i, r) = limited.expect("the client was limited, whatever ids it named");
    assert!(
        i >= appgen_core::appdata::REQUESTS_PER_MINUTE_PER_CLIENT - 5,
        "limited after {i}"
    );
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "*",
        "a browser can read it"
    );
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("h")
        .parse()
        .expect("secs");
    assert!((1..=60).contains(&wait));
    let (_, code, message) = error_of(r).await;
    assert_eq!(code, "rate_limited");
    assert!(message.contains("from this address"), "{message}");
    let other = client_at(2)
        .get(app.url("t-shop", "preview", "items"))
        .header("x-app-key", app.key("t-shop", "preview"))
        .header("x-client-id", "client-b")
        .send()
        .await
        .expect("send");
    assert_eq!(
        other.status().as_u16(),
        200,
        "another address still gets in"
    );

    // All clients together: the app's own limit (eight addresses, each under its own).
    let per_app = appgen_core::appdata::REQUESTS_PER_MINUTE_PER_APP as usize;
    let clients: Vec<_> = (10..18).map(client_at).collect();
    let mut app_limited = None;
    for i in 0..2 * per_app {
        let r = clients[i % clients.len()]
            .get(app.url("t-shop", "preview", "items?limit=1"))
            .header("x-app-key", app.key("t-shop", "preview"))
            .send()
            .await
            .expect("send");
        if r.status().as_u16() == 429 {
            app_limited = Some((i, error_of(r).await.2));
            break;
        }
    }
    let (i, message) = app_limited.expect("the app was limited");
    assert!(i + 320 >= per_app, "limited after {i}");
    assert!(message.contains("for this app"), "{message}");
}

#[tokio::test]
async fn changes_stream_live_and_resume_from_the_last_event_id() {
    let app = App::start().await;
    let changes = format!(
        "{}?key={}",
        app.url("t-shop", "preview", "_changes"),
        app.key("t-shop", "preview")
    );
    let mut stream = app.c.get(&changes).send().await.expect("stream");
    assert_eq!(stream.status().as_u16(), 200);
    read_until(&mut stream, "following").await;
    let t0 = Instant::now();
    let milk: Value = app
        .create(r#"{"item":"Milk"}"#)
        .await
        .json()
        .await
        .expect("json");
    let seen = read_until(&mut stream, "\"Milk\"").await;
    assert!(seen.contains("\"kind\":\"created\""), "{seen}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    let first_id: u64 = seen
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .and_then(|v| v.parse().ok())
        .expect("id");
    let id = milk["id"].as_str().expect("id");
    app.shop(reqwest::Method::DELETE, &format!("items/{id}"))
        .send()
        .await
        .expect("delete");
    assert!(read_until(&mut stream, "deleted").await.contains(id));
    drop(stream);

    let mut again = app
        .c
        .get(&changes)
        .header("last-event-id", first_id.to_string())
        .send()
        .await
        .expect("resume");
    let replay = read_until(&mut again, "deleted").await;
    assert!(
        replay.contains("\"kind\":\"deleted\"") && !replay.contains("created"),
        "{replay}"
    );
    // An id from before what the log keeps (here one of the one-blob log's, segment 0):
    // a clear 410 to reload; the storage contract shows the log dropping its old segments.
    let gone = app
        .c
        .get(&changes)
        .header("last-event-id", "120")
        .send()
        .await
        .expect("resume");
    let (status, code, message) = error_of(gone).await;
    assert_eq!((status, code.as_str()), (410, "changes_gone"));
    assert!(message.contains("reload"), "{message}");
}
