//! CORS on appgen's own API is the handler's, not the platform's (docs/appdata.md): with
//! `APPGEN_WEB_ORIGIN` set, `/api` allows that origin and no other, while `/data` still allows
//! any origin (the generated apps').

mod support;

use support::{Server, Spawn, client};

const WEB: &str = "https://web.example.com";

async fn preflight(url: &str, origin: &str, method: &str) -> reqwest::Response {
    client()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight")
}

fn allowed(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn the_api_allows_the_web_origin_only_and_data_allows_any() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let server =
        Server::start(Spawn::local(&data).with_env("APPGEN_WEB_ORIGIN", format!("{WEB}/")));
    let agent = format!("{}/api/agent", server.base);

    let ok = preflight(&agent, WEB, "POST").await;
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(allowed(&ok).as_deref(), Some(WEB));
    assert!(
        ok.headers()
            .get("access-control-allow-credentials")
            .is_none(),
        "no credentials"
    );
    let get = client()
        .get(format!("{}/api/health", server.base))
        .header("origin", WEB)
        .send()
        .await
        .expect("get");
    assert_eq!(allowed(&get).as_deref(), Some(WEB));

    for other in ["https://evil.example.com", "null", "http://web.example.com"] {
        let r = preflight(&agent, other, "POST").await;
        assert_eq!(allowed(&r), None, "{other} must not be allowed on /api");
    }

    let data_url = format!("{}/data/t-any/preview/items", server.preview);
    let r = preflight(&data_url, "https://someones-app.example", "POST").await;
    assert_eq!(allowed(&r).as_deref(), Some("*"));
}
