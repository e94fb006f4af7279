//! Publishing through the real binary: a checked version goes live at `{slug}.localhost:{port}`
//! on the apps origin, a republish switches the same URL to another version, unpublishing
//! answers 404 at once, and neither the apps origin nor the API lets an app read appgen's API.
//! Requests reach 127.0.0.1 with the app's `Host` (glibc does not resolve `*.localhost`).

mod support;

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Server, Spawn, agui_flow, client, get_json};

struct App<'a> {
    server: &'a Server,
    c: reqwest::Client,
}

impl App<'_> {
    async fn publish(&self, thread: &str, body: Value) -> (u16, Value) {
        let r = self
            .c
            .post(format!("{}/api/threads/{thread}/publish", self.server.base))
            .json(&body)
            .send()
            .await
            .expect("publish");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn unpublish(&self, thread: &str) -> u16 {
        let url = format!("{}/api/threads/{thread}/publish", self.server.base);
        let r = self.c.delete(url).send().await.expect("unpublish");
        r.status().as_u16()
    }

    /// GET of a data space's schema with the key a published page carries.
    async fn schema(&self, data: &Value, thread: &str, space: &str) -> u16 {
        let base = data["base"].as_str().expect("base");
        let key = data["key"].as_str().expect("key");
        let r = self
            .c
            .get(format!("{base}/data/{thread}/{space}/_schema"))
            .header("x-app-key", key)
            .send()
            .await
            .expect("data API");
        r.status().as_u16()
    }

    /// GET on the apps origin as the browser would ask for `http://{slug}.localhost:{port}`.
    async fn get(&self, slug: &str, path: &str) -> (u16, HeaderMap, String) {
        let port = self.server.apps_port;
        let r = self
            .c
            .get(format!("http://127.0.0.1:{port}{path}"))
            .header("host", format!("{slug}.localhost:{port}"))
            .send()
            .await
            .expect("apps origin");
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.text().await.unwrap_or_default())
    }
}

/// The published page's `<meta name="appgen-data">`: where its data lives and its key.
fn live_data_of(html: &str) -> Value {
    let start = html
        .find(r#"<meta name="appgen-data" content=""#)
        .expect("the page names its data space");
    let rest = &html[start..];
    let content = &rest[rest.find("content=\"").expect("content") + 9..];
    let content = &content[..content.find('"').expect("quoted")];
    serde_json::from_str(&content.replace("&quot;", "\"").replace("&amp;", "&")).expect("json")
}

fn header<'h>(h: &'h HeaderMap, name: &str) -> &'h str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The first `/assets/…` path a page names.
fn asset_of(html: &str) -> String {
    let start = html.find("/assets/").expect("the page names an asset");
    let end = html[start..].find('"').expect("quoted") + start;
    html[start..end].to_owned()
}

fn slug_of(url: &str, port: u16) -> String {
    let host = url
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix(&format!(".localhost:{port}/")))
        .unwrap_or_else(|| panic!("not an apps URL: {url}"));
    host.to_owned()
}

#[tokio::test]
async fn a_checked_version_is_published_switched_and_taken_down_at_one_url() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn::local(&dir.path().join("data")));
    let prompt = "A reading list: each book has a title, an author and a rating from 1 to 5.";
    let (report, ok) = agui_flow(
        &server.base,
        "t-pub",
        prompt,
        Some("Rename the app to Shelfie"),
    );
    assert!(ok, "{report:#}\n{}", server.log());
    let app = App {
        server: &server,
        c: client(),
    };
    let port = server.apps_port;

    // Version 1, asked for by number.
    let (status, v1) = app.publish("t-pub", json!({"version": 1})).await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["version"], 1);
    let url = v1["url"].as_str().expect("url").to_owned();
    let slug = slug_of(&url, port);
    assert!(slug.contains("read"), "readable from the title: {slug}");
    let thread = get_json(&app.c, &format!("{}/api/threads/t-pub", server.base)).await;
    assert_eq!(thread["published"]["version"], 1);
    assert_eq!(thread["published"]["url"], url.as_str());

    let (status, h, page1) = app.get(&slug, "/").await;
    assert_eq!(status, 200);
    assert!(page1.contains("<div id=\"root\""), "{page1}");
    let csp = header(&h, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("sandbox"),
        "an own origin needs no sandbox: {csp}"
    );
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(header(&h, "referrer-policy"), "no-referrer");
    assert!(header(&h, "cache-control").contains("max-age=0"), "{h:?}");
    assert!(h.get("access-control-allow-origin").is_none());
    let data = live_data_of(&page1);
    assert_eq!(
        (&data["app"], &data["space"]),
        (&json!("t-pub"), &json!("live"))
    );
    assert!(
        csp.contains(data["base"].as_str().expect("base")),
        "the page may call its data origin: {csp} {data}"
    );
    // The key in the page opens this app's live space, and only that.
    assert_eq!(app.schema(&data, "t-pub", "live").await, 200);
    assert_eq!(app.schema(&data, "t-pub", "preview").await, 404);
    let asset1 = asset_of(&page1);
    let (status, h, _) = app.get(&slug, &asset1).await;
    assert_eq!(status, 200, "{asset1}");
    assert!(header(&h, "cache-control").contains("immutable"), "{h:?}");
    let (status, _, spa) = app.get(&slug, "/books/42").await;
    assert_eq!(
        (status, spa.as_str()),
        (200, page1.as_str()),
        "client routes get the page"
    );
    assert_eq!(app.get(&slug, "/assets/nope.js").await.0, 404);
    assert_eq!(app.get("no-such-app", "/").await.0, 404);
    // The page names its own app (its data space); appgen's API is not there: the path is just
    // another client route of the app.
    let (_, _, api) = app.get(&slug, "/api/threads").await;
    assert_eq!(
        api, page1,
        "the apps origin never answers with appgen's API"
    );

    // Default: the latest checked version, at the same URL; the new page names new assets.
    let (status, v2) = app.publish("t-pub", json!({})).await;
    assert_eq!(
        (status, &v2["version"], &v2["url"]),
        (200, &json!(2), &json!(url))
    );
    let (_, _, page2) = app.get(&slug, "/").await;
    assert_ne!(asset_of(&page2), asset1, "version 2 is served");
    assert_eq!(app.get(&slug, &asset_of(&page2)).await.0, 200);

    // Unpublished: 404 at once; the slug stays the thread's for the next publish.
    assert_eq!(app.unpublish("t-pub").await, 204);
    let gone = Instant::now();
    assert_eq!(app.get(&slug, "/").await.0, 404);
    assert!(gone.elapsed() < Duration::from_secs(1));
    let thread = get_json(&app.c, &format!("{}/api/threads/t-pub", server.base)).await;
    assert!(thread["published"].is_null(), "{}", thread["published"]);
    assert_eq!(app.unpublish("t-pub").await, 404);
    let (status, again) = app.publish("t-pub", json!({"version": 1})).await;
    assert_eq!(
        (status, &again["url"]),
        (200, &json!(url)),
        "stable across republishing"
    );

    // Refusals.
    let (status, e) = app.publish("t-pub", json!({"version": 9})).await;
    assert_eq!((status, &e["error"]["code"]), (404, &json!("not_found")));
    let (status, e) = app.publish("t-nope", json!({})).await;
    assert_eq!((status, &e["error"]["code"]), (404, &json!("not_found")));
    let (status, _) = app.publish("t-pub", json!({"version": "x"})).await;
    assert_eq!(status, 400);

    // Another app with the same title gets its own slug and its own origin.
    let (report, ok) = agui_flow(&server.base, "t-pub2", prompt, None);
    assert!(ok, "{report:#}");
    let (status, other) = app.publish("t-pub2", json!({})).await;
    assert_eq!(status, 200, "{other}");
    let other_slug = slug_of(other["url"].as_str().expect("url"), port);
    assert_ne!(other_slug, slug);
    assert!(other_slug.starts_with(&slug), "{other_slug} vs {slug}");
    assert_eq!(app.get(&other_slug, "/").await.0, 200);
}

#[tokio::test]
async fn appgens_api_grants_no_cross_origin_access_to_an_app() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start(Spawn::local(&dir.path().join("data")));
    let c = client();
    let origin = format!("http://todo.localhost:{}", server.apps_port);
    let r = c
        .get(format!("{}/api/threads", server.base))
        .header("origin", &origin)
        .send()
        .await
        .expect("get");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/threads", server.base),
        )
        .header("origin", &origin)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    assert!(pre.headers().get("access-control-allow-methods").is_none());
}
