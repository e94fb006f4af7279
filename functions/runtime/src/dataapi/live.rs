//! Live updates: an SSE stream of one app space's changes (created / updated / deleted
//! records), read from the space's change log. `id:` is the log offset after the change, so a
//! reconnecting `EventSource` resumes with `Last-Event-ID` and misses nothing; without one the
//! stream starts at the end (only new changes). `EventSource` cannot send headers, so the key
//! may come as `?key=`, and an app with accounts' session token as `?token=`. A private
//! collection's changes go to their owner only (`AppSchema::may_see`), and the stream ends at
//! the first keepalive after its session has (signed out or expired).

use super::{Bearer, DataState, now_ms, open_as};
use crate::appdata::accounts::Accounts;
use crate::appdata::{AppData, DataSpace, LoggedChange, Since};
use crate::http::ApiError;
use appgen_core::appdata::accounts::SessionToken;
use appgen_core::appdata::{AppSchema, Change};
use appgen_core::view::ApiErrorCode;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
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
    bearer: Option<Bearer>,
) -> Result<Response, Response> {
    let query_token = q.get("token").and_then(|t| SessionToken::parse(t));
    let token = Bearer::token(&bearer).or(query_token.as_ref()).cloned();
    let key = q.get("key").map(String::as_str);
    let o = open_as(&st, &thread, &space, key, token.as_ref(), &headers).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.get("after").map(String::as_str));
    let offset = match resume {
        Some(v) => resumable(&st.data, &o.space, v).await?,
        None => st
            .data
            .log_end(&o.space)
            .await
            .map_err(|e| ApiError::from(e).into_response())?,
    };
    let session = token.filter(|_| o.user.is_some());
    let audience = Audience {
        schema: o.schema,
        viewer: o.user.map(|u| u.id),
        session: session.map(|t| (st.accounts.clone(), t)),
    };
    Ok(crate::http::event_stream(Body::from_stream(follow(
        st.data.clone(),
        o.space,
        offset,
        audience,
    ))))
}

/// The position a client resumes from, if the log still has it: else 410 `changes_gone`.
async fn resumable(data: &AppData, space: &DataSpace, id: &str) -> Result<u64, Response> {
    let bad = || ApiError::bad_request("Last-Event-ID is not an id this stream sent");
    let from = id.parse::<u64>().map_err(|_| bad().into_response())?;
    match data.changes_from(space, from).await {
        Ok(Since::Changes(_)) => Ok(from),
        Ok(Since::Gone) => Err(ApiError::new(
            ApiErrorCode::ChangesGone,
            "the changes after that id are no longer kept: reload the records, then follow the stream without an id",
        )
        .into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// Who a stream is for: which changes it may carry.
struct Audience {
    schema: AppSchema,
    viewer: Option<String>,
    /// The session the stream was opened with, in an app with accounts.
    session: Option<(Accounts, SessionToken)>,
}

impl Audience {
    /// False once the stream's session is gone (a read error keeps the stream: it is retried
    /// at the next keepalive).
    async fn still_signed_in(&self, space: &DataSpace) -> bool {
        let Some((accounts, token)) = &self.session else {
            return true;
        };
        !matches!(accounts.session(space, token, now_ms()).await, Ok(None))
    }

    fn may_see(&self, c: &LoggedChange) -> bool {
        let change = &c.change;
        self.schema
            .may_see(&change.collection, change.owner(), self.viewer.as_deref())
    }
}

struct Follower {
    data: AppData,
    space: DataSpace,
    offset: u64,
    last_sent: Instant,
    started: bool,
    audience: Audience,
}

fn follow(
    data: AppData,
    space: DataSpace,
    offset: u64,
    audience: Audience,
) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    let start = Follower {
        data,
        space,
        offset,
        last_sent: Instant::now(),
        started: false,
        audience,
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
                Ok(Since::Gone) => {
                    // Fallen behind what the log keeps: the client reloads, then goes on from
                    // the end (an end that cannot be read is retried at the next poll).
                    if let Ok(end) = f.data.log_end(&f.space).await {
                        f.offset = end;
                        f.last_sent = Instant::now();
                        let reset =
                            format!("id: {end}\nevent: reset\ndata: {{\"reload\":true}}\n\n");
                        return Some((Ok(reset), f));
                    }
                }
                Ok(Since::Changes(changes)) if !changes.is_empty() => {
                    let mut out = String::new();
                    for c in changes {
                        f.offset = c.next;
                        if !f.audience.may_see(&c) {
                            continue;
                        }
                        // The owner of a delete is for the filter above, not for the wire.
                        let change = Change {
                            created_by: None,
                            ..c.change
                        };
                        let data = serde_json::to_string(&change).unwrap_or_else(|_| "{}".into());
                        out.push_str(&format!("id: {}\nevent: change\ndata: {data}\n\n", c.next));
                    }
                    if !out.is_empty() {
                        f.last_sent = Instant::now();
                        return Some((Ok(out), f));
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "app data stream read failed"),
            }
            if f.last_sent.elapsed() >= KEEPALIVE {
                if !f.audience.still_signed_in(&f.space).await {
                    return None;
                }
                f.last_sent = Instant::now();
                return Some((Ok(": keepalive\n\n".to_owned()), f));
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    })
}
