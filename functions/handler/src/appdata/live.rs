//! Live updates: an SSE stream of one app space's changes (created / updated / deleted
//! records), read from the space's change log. `id:` is the log offset after the change, so a
//! reconnecting `EventSource` resumes with `Last-Event-ID` and misses nothing; without one the
//! stream starts at the end (only new changes). `EventSource` cannot send headers, so the key
//! may come as `?key=`.

use super::{DataState, open};
use crate::api::ApiError;
use appgen_runtime::appdata::{AppData, DataSpace};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEPALIVE: Duration = Duration::from_secs(15);
/// Other instances' writes (Azure) wake nobody here: poll the log for them.
const POLL: Duration = Duration::from_millis(500);

pub(super) async fn changes(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let o = open(
        &st,
        &thread,
        &space,
        q.get("key").map(String::as_str),
        &headers,
    )
    .await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.get("after").map(String::as_str));
    let offset = match resume {
        Some(v) => v.parse::<u64>().map_err(|_| {
            ApiError::bad_request("Last-Event-ID is not an id this stream sent").into_response()
        })?,
        None => st
            .data
            .log_end(&o.space)
            .await
            .map_err(|e| ApiError::from(e).into_response())?,
    };
    let mut resp = Response::new(Body::from_stream(follow(st.data.clone(), o.space, offset)));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-transform"),
    );
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp.into_response())
}

struct Follower {
    data: AppData,
    space: DataSpace,
    offset: u64,
    last_sent: Instant,
    started: bool,
}

fn follow(
    data: AppData,
    space: DataSpace,
    offset: u64,
) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    let start = Follower {
        data,
        space,
        offset,
        last_sent: Instant::now(),
        started: false,
    };
    futures::stream::unfold(start, |mut f| async move {
        if !f.started {
            // A first frame at once, so the client knows it is connected (`retry:` too).
            f.started = true;
            return Some((
                Ok(format!("retry: 1000\n: following from {}\n\n", f.offset)),
                f,
            ));
        }
        let waker = f.data.follower(&f.space, true)?;
        loop {
            let notified = waker.notified();
            match f.data.changes_from(&f.space, f.offset).await {
                Ok(changes) if !changes.is_empty() => {
                    let mut out = String::new();
                    for c in changes {
                        f.offset = c.next;
                        let data = serde_json::to_string(&c.change).unwrap_or_else(|_| "{}".into());
                        out.push_str(&format!("id: {}\nevent: change\ndata: {data}\n\n", c.next));
                    }
                    f.last_sent = Instant::now();
                    return Some((Ok(out), f));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "app data stream read failed"),
            }
            if f.last_sent.elapsed() >= KEEPALIVE {
                f.last_sent = Instant::now();
                return Some((Ok(": keepalive\n\n".to_owned()), f));
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    })
}
