//! CORS for appgen's own API (`/api`): the web UI's origin (`APPGEN_WEB_ORIGIN`, the Static Web
//! App in Azure) and nothing else, without credentials. It lives here rather than in the
//! Function App's platform CORS because the platform answers every preflight itself, before
//! the app sees it, and would refuse the generated apps' origins on `/data` (which allows any
//! origin, `appdata.rs`). Unset (`appgen serve`: UI and API share an origin), `/api` sends no
//! CORS headers at all.

use axum::http::{HeaderName, HeaderValue, Method, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub const SETTING: &str = "APPGEN_WEB_ORIGIN";

/// The web origin from the settings; a value that is not an origin is refused at start.
pub fn web_origin_from_env() -> anyhow::Result<Option<HeaderValue>> {
    web_origin(std::env::var(SETTING).ok().as_deref())
}

/// `https://host[:port]` (scheme and host, no path), trailing `/` dropped; empty is unset.
pub fn web_origin(value: Option<&str>) -> anyhow::Result<Option<HeaderValue>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let v = v.trim_end_matches('/');
    let uri: axum::http::Uri = v
        .parse()
        .map_err(|e| anyhow::anyhow!("{SETTING}={v:?}: {e}"))?;
    let web = matches!(uri.scheme_str(), Some("http" | "https"));
    let bare = matches!(
        uri.path_and_query().map(|p| p.as_str()),
        None | Some("" | "/")
    );
    if !web || uri.host().is_none() || !bare {
        anyhow::bail!("{SETTING}={v:?}: expected an origin such as https://app.example.com");
    }
    Ok(Some(HeaderValue::from_str(v)?))
}

/// The `/api` layer for `origin`.
pub fn api_layer(origin: HeaderValue) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list([origin]))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::RETRY_AFTER, header::ETAG])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_origin_is_accepted() {
        assert_eq!(web_origin(None).expect("unset"), None);
        assert_eq!(web_origin(Some(" ")).expect("empty"), None);
        let o = web_origin(Some("https://web.example.com/")).expect("origin");
        assert_eq!(o, Some(HeaderValue::from_static("https://web.example.com")));
        for bad in [
            "web.example.com",
            "ftp://x.example",
            "https://x.example/app",
        ] {
            assert!(web_origin(Some(bad)).is_err(), "{bad}");
        }
    }
}
