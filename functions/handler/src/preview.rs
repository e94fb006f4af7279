//! The preview origin: serves each version's built `dist/` on its own host:port, away from
//! the UI's origin, behind an unguessable token. No cookies, strict headers.

use crate::api::ApiError;
use appgen_core::view::ApiErrorCode;

use appgen_runtime::dataapi::ClientAddresses;
use appgen_runtime::pipeline::Pipeline;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::sync::Arc;

/// Keeps generated code to its own resources, and in an opaque origin even when a preview is
/// opened in its own tab (`sandbox` without `allow-same-origin`): in Azure the preview host is
/// also the API's host. Generated apps treat storage as optional for this reason.
const CSP: &str = "sandbox allow-scripts allow-forms allow-modals allow-popups; default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'";

/// The previews and the data API; `addresses`: where the data API reads a caller's address.
pub fn router(pipeline: Arc<Pipeline>, addresses: ClientAddresses) -> Router {
    Router::new()
        .route(
            "/p/{thread}/{n}/{token}",
            get(|Path((t, n, k)): Path<(String, u32, String)>| async move {
                Redirect::permanent(&format!("/p/{t}/{n}/{k}/"))
            }),
        )
        .route("/p/{thread}/{n}/{token}/", get(index))
        .route("/p/{thread}/{n}/{token}/{*path}", get(file))
        .with_state(pipeline.clone())
        .merge(appgen_runtime::dataapi::router(pipeline, addresses))
}

async fn index(
    State(p): State<Arc<Pipeline>>,
    Path((thread, n, token)): Path<(String, u32, String)>,
) -> Response {
    serve(&p, &thread, n, &token, "index.html")
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn file(
    State(p): State<Arc<Pipeline>>,
    Path((thread, n, token, path)): Path<(String, u32, String, String)>,
) -> Response {
    serve(&p, &thread, n, &token, &path)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn serve(
    p: &Pipeline,
    thread: &str,
    n: u32,
    token: &str,
    path: &str,
) -> Result<Response, ApiError> {
    let nf = || ApiError::new(ApiErrorCode::NotFound, "no such preview");
    let blob = p
        .preview_file(thread, n, token, path)
        .await?
        .ok_or_else(nf)?;
    let mut resp = Response::new(Body::from(blob.bytes));
    let h = resp.headers_mut();
    let ct = if blob.content_type == "application/octet-stream" {
        content_type(path)
    } else {
        blob.content_type.clone()
    };
    if let Ok(v) = HeaderValue::from_str(&ct) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    // A sandboxed document has an opaque origin ("null"): Vite's module scripts and stylesheets
    // are CORS requests from it, so the assets must allow any origin. They are public behind
    // the token anyway, and carry no credentials.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(resp)
}

pub fn content_type(path: &str) -> String {
    let ext = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
    .into()
}
