//! Published apps: the publish / unpublish routes of the API, and the apps origin that serves
//! each published app at `{slug}.{apps domain}` (its own origin: its own storage, no way to
//! read appgen's API, which sends no CORS headers).

use crate::api::{ApiError, AppState, OwnedThread, Principal};
use appgen_core::publish::AppsOrigin;
use appgen_core::view::{ApiErrorCode, PublishRequest, PublishedView};
use appgen_runtime::pipeline::{Pipeline, PublishError, PublishedFile};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;
use tower::ServiceExt;

// Where published apps live is read where the pipeline is made (it answers a queued "publish
// it" with the URL too); the hosts use the same.
pub use appgen_runtime::pipeline::{DEFAULT_APPS_PORT, apps_origin_from_env, local_origin};

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::NotFound(t) => ApiError::not_found(&format!("thread {t}")),
            PublishError::Denied(d) => d.into(),
            PublishError::Refused(r) => ApiError::new(r.code(), r.to_string()),
            PublishError::Fault(appgen_runtime::pipeline::Fault::Store(s)) => s.into(),
            PublishError::Fault(other) => {
                tracing::error!(error = %other, "publishing failed");
                ApiError::new(ApiErrorCode::Unavailable, other.to_string())
            }
        }
    }
}

/// `POST` / `DELETE /api/threads/{thread}/publish`, merged into the API router.
pub fn api_routes() -> Router<Arc<AppState>> {
    Router::new().route(
        "/api/threads/{thread}/publish",
        post(publish).delete(unpublish),
    )
}

async fn publish(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    OwnedThread(snap): OwnedThread,
    body: Bytes,
) -> Result<Json<PublishedView>, ApiError> {
    let req: PublishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PublishRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!("the body must be {{\"version\": n}} or empty: {e}"))
        })?
    };
    let p = state
        .pipeline
        .publish(&snap.thread_id, &principal, req.version)
        .await?;
    Ok(Json(PublishedView::of(&p, state.apps.url(&p.slug))))
}

async fn unpublish(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    OwnedThread(snap): OwnedThread,
) -> Result<StatusCode, ApiError> {
    state
        .pipeline
        .unpublish(&snap.thread_id, &principal)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- the apps origin

/// Published apps are ordinary pages on their own origin (storage works), but still kept to
/// their own files: no framing, no calls elsewhere (appgen's API included) but the data API of
/// their own live space, on the data origin (`connect-src`).
fn csp(data_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' {data_origin}; \
         form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a base URL (the data API's origin, for the CSP).
fn origin_of(base: &str) -> &str {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    }
}

/// The `<meta name="appgen-data">` a published page gets: where its live data space is and the
/// key that opens it (the generated client, `lib/backend.ts`, reads it). Inserted before
/// `</head>`; a page without one gets it first.
fn with_live_data(page: &[u8], data_base: &str, thread: &str, key: &str) -> Vec<u8> {
    let meta = serde_json::json!({"base": data_base, "app": thread, "space": "live", "key": key});
    let attr = meta
        .to_string()
        .replace('&', "&amp;")
        .replace('"', "&quot;");
    let tag = format!("<meta name=\"appgen-data\" content=\"{attr}\">");
    let html = String::from_utf8_lossy(page);
    match html.find("</head>") {
        Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]).into_bytes(),
        None => format!("{tag}{html}").into_bytes(),
    }
}

/// Vite names built assets by content hash: they never change under one name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page names the assets, so it is revalidated on every load: a republish shows at once.
const PAGE: &str = "public, max-age=0, must-revalidate";
/// Other files (favicon, robots.txt) keep their names across versions.
const OTHER: &str = "public, max-age=60";

#[derive(Clone)]
struct Apps {
    pipeline: Arc<Pipeline>,
    origin: AppsOrigin,
}

/// The apps origin: every request is routed by its `Host` (`{slug}.{domain}`).
pub fn apps_router(pipeline: Arc<Pipeline>, origin: AppsOrigin) -> Router {
    Router::new()
        .fallback(serve_app)
        .with_state(Apps { pipeline, origin })
}

/// Sends requests whose host names a published app to the apps origin, the rest to `main`:
/// on Azure one Function App answers both its own host and the wildcard apps domain.
pub fn by_host(main: Router, pipeline: Arc<Pipeline>, origin: AppsOrigin) -> Router {
    let apps = apps_router(pipeline, origin.clone());
    Router::new().fallback(move |req: Request| {
        let (apps, main, origin) = (apps.clone(), main.clone(), origin.clone());
        async move {
            let target = if app_slug(req.headers(), &origin).is_some() {
                apps
            } else {
                main
            };
            target.oneshot(req).await.unwrap_or_else(|e| match e {})
        }
    })
}

/// The app a request's host names: `Host`, or behind a proxy that rewrites it (the Functions
/// host may), the forwarded host.
fn app_slug(headers: &HeaderMap, origin: &AppsOrigin) -> Option<String> {
    ["host", "x-forwarded-host"].iter().find_map(|h| {
        let value = headers.get(*h)?.to_str().ok()?;
        origin.slug_of(value)
    })
}

async fn serve_app(State(apps): State<Apps>, req: Request) -> Response {
    let previews = &apps.pipeline.config().preview;
    let data_base = previews.base().trim_end_matches('/');
    let csp = csp(origin_of(data_base));
    if !matches!(req.method().as_str(), "GET" | "HEAD") {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD", &csp);
    }
    let Some(slug) = app_slug(req.headers(), &apps.origin) else {
        return plain(StatusCode::NOT_FOUND, "no such app", &csp);
    };
    let path = req.uri().path().trim_start_matches('/');
    match apps.pipeline.published_file(&slug, path).await {
        Ok(Some(mut file)) => {
            if file.page {
                let key = previews.data_key(&file.thread, "live");
                file.blob.bytes = with_live_data(&file.blob.bytes, data_base, &file.thread, &key);
            }
            file_response(file, path, &csp)
        }
        Ok(None) => plain(StatusCode::NOT_FOUND, "no such app or file", &csp),
        Err(e) => {
            tracing::error!(error = %e, slug, "serving a published app failed");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage is unavailable",
                &csp,
            )
        }
    }
}

fn file_response(file: PublishedFile, path: &str, csp: &str) -> Response {
    let ct = if file.page {
        "text/html; charset=utf-8".to_owned()
    } else if file.blob.content_type == "application/octet-stream" {
        crate::preview::content_type(path)
    } else {
        file.blob.content_type.clone()
    };
    let cache = if file.page {
        PAGE
    } else if path.starts_with("assets/") {
        IMMUTABLE
    } else {
        OTHER
    };
    let mut resp = Response::new(Body::from(file.blob.bytes));
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ct) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    secure(h, csp);
    resp
}

fn plain(status: StatusCode, message: &'static str, csp: &str) -> Response {
    let mut resp = (status, message).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure(h, csp);
    resp
}

fn secure(h: &mut HeaderMap, csp: &str) {
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_page_names_its_live_data_space_in_its_head() {
        let page = b"<html><head><title>x</title></head><body></body></html>";
        let out =
            String::from_utf8(with_live_data(page, "http://d:1", "t\"1", "k&y")).expect("utf8");
        let meta = r#"<meta name="appgen-data" content="{&quot;app&quot;:&quot;t\&quot;1&quot;,&quot;base&quot;:&quot;http://d:1&quot;,&quot;key&quot;:&quot;k&amp;y&quot;,&quot;space&quot;:&quot;live&quot;}">"#;
        assert_eq!(
            out,
            format!("<html><head><title>x</title>{meta}</head><body></body></html>")
        );
        let bare = String::from_utf8(with_live_data(b"<p>hi</p>", "", "t", "k")).expect("utf8");
        assert!(
            bare.starts_with("<meta name=\"appgen-data\"") && bare.ends_with("<p>hi</p>"),
            "{bare}"
        );
    }

    #[test]
    fn the_data_origin_is_the_scheme_host_and_port_of_its_base() {
        assert_eq!(origin_of("http://127.0.0.1:7072"), "http://127.0.0.1:7072");
        assert_eq!(
            origin_of("https://f.azurewebsites.net/x/y"),
            "https://f.azurewebsites.net"
        );
        assert!(csp("https://d").contains("connect-src 'self' https://d;"));
    }
}
