//! Working together on a thread over HTTP: the thread's stream (`GET …/events`, SSE, resumable
//! with Last-Event-ID; following it is also the presence heartbeat; it ends with
//! `access_ended` once the follower is no longer a member), and queued messages
//! (`POST …/queue`, `DELETE …/queue/{id}`). Thin over `Pipeline::live` and the queue.

use crate::api::{ApiError, AppState, Caller, OwnedThread};
use appgen_core::access::Action;
use appgen_core::agui::RunAgentInput;
use appgen_core::live::{AccessEnded, Person, Presence, QueueRequest, ThreadEvent};
use appgen_core::ports::ETag;
use appgen_core::view::ApiErrorCode;
use appgen_runtime::live::ThreadFeed;
use appgen_runtime::pipeline::{AccessWatch, Pipeline, QueueRefusal, StartError};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEPALIVE: Duration = Duration::from_secs(15);
/// How often a follower looks at its own clocks (access check, heartbeat, keepalive) when no
/// shared read woke it: no storage read unless one of them is due.
const TICK: Duration = Duration::from_millis(500);
/// A follower's heartbeat (presence lasts `PRESENCE_TTL_MS` after the last one).
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a new follower waits for a presence read that shows it, for its first frame.
const FIRST_PRESENCE: Duration = Duration::from_secs(2);
/// How old the membership read an open stream is held to may be, besides the fresh read on
/// every role change it reads (the log's `member_left` is told after the commit, best effort:
/// this, plus the log's `POLL`, is the bound). The read is shared by the thread's streams in
/// this process (`Pipeline::watch_access`): one read per thread per period, however many follow it.
pub const ACCESS_CHECK: Duration = Duration::from_secs(3);

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/threads/{thread}/events", get(thread_events))
        .route("/api/threads/{thread}/queue", post(queue))
        .route("/api/threads/{thread}/queue/{id}", delete(withdraw))
}

impl From<QueueRefusal> for ApiError {
    fn from(r: QueueRefusal) -> Self {
        match r {
            QueueRefusal::Denied(d) => d.into(),
            QueueRefusal::Rejected(r) => StartError::Rejected(r).into(),
            QueueRefusal::NotQueued(_) => ApiError::new(ApiErrorCode::NotFound, r.to_string()),
            QueueRefusal::NotAuthor => ApiError::new(ApiErrorCode::Forbidden, r.to_string()),
            QueueRefusal::Started(_) => ApiError::new(ApiErrorCode::Busy, r.to_string()),
            QueueRefusal::Fault(f) => {
                tracing::error!(error = %f, "queue failed");
                ApiError::new(ApiErrorCode::Unavailable, f.to_string())
            }
        }
    }
}

/// `POST /api/agent` while a run is active: the request's last new user message is queued
/// under the request's run id, answered 202 with the queued message.
pub async fn queue_request(
    state: &AppState,
    input: &RunAgentInput,
    by: &Person,
) -> Result<Response, ApiError> {
    let text = (input.messages.iter())
        .filter_map(|m| m.user_text())
        .rfind(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("the request has no user message with text"))?;
    let queued = (state.pipeline)
        .queue_message(&input.thread_id, &input.run_id, text.trim(), by)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(queued)).into_response())
}

async fn queue(
    State(state): State<Arc<AppState>>,
    Caller(by): Caller,
    Path(thread): Path<String>,
    Json(body): Json<QueueRequest>,
) -> Result<Response, ApiError> {
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_request("the message is empty"));
    }
    if text.chars().count() > state.limits.message_chars {
        let limit = state.limits.message_chars;
        let msg = format!("the message is longer than {limit} characters");
        return Err(ApiError::new(ApiErrorCode::MessageTooLong, msg));
    }
    if !appgen_runtime::threads::valid_id(&thread) {
        return Err(ApiError::not_found("thread"));
    }
    let id = format!("m{}", uuid::Uuid::new_v4().simple());
    let queued = state
        .pipeline
        .queue_message(&thread, &id, text, &by)
        .await?;
    Ok((StatusCode::CREATED, Json(queued)).into_response())
}

async fn withdraw(
    State(state): State<Arc<AppState>>,
    Caller(by): Caller,
    OwnedThread(snap): OwnedThread,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    (state.pipeline)
        .withdraw(&snap.thread_id, &id, &by.principal)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<u64>,
}

async fn thread_events(
    State(state): State<Arc<AppState>>,
    Caller(you): Caller,
    OwnedThread(snap): OwnedThread,
    headers: HeaderMap,
    Query(q): Query<AfterQuery>,
) -> Response {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(q.after)
        .unwrap_or(0);
    let follower = Follower {
        pipeline: state.pipeline.clone(),
        access: state.pipeline.watch_access(&snap.thread_id),
        feed: state.pipeline.live().follow(&snap.thread_id, after),
        thread: snap.thread_id,
        you,
        people: None,
        last_sent: Instant::now(),
        last_beat: None,
        ended: false,
        opened: Instant::now(),
    };
    crate::relay::event_stream(Body::from_stream(stream(follower)))
}

/// One member following a thread: where they are in its log (`feed`), and whom they were last
/// told is present.
struct Follower {
    pipeline: Arc<Pipeline>,
    /// The thread's membership read, shared with its other streams here.
    access: AccessWatch,
    /// The thread's log and presence, read once for all its streams here.
    feed: ThreadFeed,
    thread: String,
    you: Person,
    people: Option<Vec<Person>>,
    last_sent: Instant,
    /// When this follower last beat, and the beat's version (deleted when it leaves).
    last_beat: Option<(Instant, ETag)>,
    /// Access ended: the `access_ended` frame was sent, the stream closes.
    ended: bool,
    /// After the stream's own access check: the periodic check never uses an older read.
    opened: Instant,
}

impl Drop for Follower {
    /// The window closed (or access ended): its heartbeat goes now rather than going stale.
    fn drop(&mut self) {
        let Some((_, etag)) = self.last_beat.take() else {
            return;
        };
        let (pipeline, thread) = (self.pipeline.clone(), std::mem::take(&mut self.thread));
        let principal = std::mem::take(&mut self.you.principal);
        let poke = self.feed.presence_poke();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                pipeline.live().leave(&thread, &principal, &etag).await;
                poke.poke(); // the others see them gone now, not at the next periodic read
            });
        }
    }
}

fn due(last: Option<Instant>, every: Duration) -> bool {
    last.is_none_or(|t| t.elapsed() >= every)
}

fn frame(seq: Option<u64>, event: &ThreadEvent) -> String {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    match seq {
        Some(seq) => format!("id: {seq}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

impl Follower {
    /// Whether the one access rule still lets this follower follow, on a read of the thread
    /// made at `since` or later. A storage fault is not a revocation: the stream goes on and
    /// asks again later.
    async fn allowed(&self, since: Instant) -> bool {
        let asked = (self.access)
            .allows(&self.you.principal, Action::Follow, since)
            .await;
        asked.unwrap_or_else(|e| {
            tracing::warn!(thread_id = %self.thread, error = %e, "access check failed");
            true
        })
    }

    /// The last frame of a follower who may no longer follow.
    fn end(&mut self) -> String {
        self.ended = true;
        frame(None, &ThreadEvent::AccessEnded(AccessEnded::not_a_member()))
    }

    /// New log events, as frames (empty when there are none). A role change is checked
    /// before anything after it is sent: a removed member gets nothing logged after it.
    async fn logged(&mut self) -> String {
        let mut out = String::new();
        let tail = self.feed.events().await;
        // The role change was committed before it was logged: a read from then on sees it.
        let read = tail.read_at.unwrap_or_else(Instant::now);
        for e in tail.events {
            if e.event.changes_access() && !self.allowed(read).await {
                out.push_str(&self.end());
                return out;
            }
            out.push_str(&frame(Some(e.seq), &e.event));
        }
        out
    }

    /// Beats for this follower and, when who is present changed, a presence frame (not logged:
    /// it has no id, and a resumed stream gets the current one). Presence is the thread's
    /// shared read; a follower's first beat asks for a new one, so its first frame shows it.
    async fn presence(&mut self) -> String {
        let live = self.pipeline.live();
        if due(self.last_beat.as_ref().map(|(t, _)| *t), HEARTBEAT) {
            let (first, beat) = (self.last_beat.is_none(), Instant::now());
            match live.heartbeat(&self.thread, &self.you).await {
                Ok(etag) => self.last_beat = Some((beat, etag)),
                Err(e) => tracing::warn!(error = %e, "presence heartbeat failed"),
            }
            if first && self.last_beat.is_some() {
                self.feed.fresh_presence(beat, FIRST_PRESENCE).await;
            }
        }
        match self.feed.present() {
            Some(people) if self.people.as_ref() != Some(&people) => {
                self.people = Some(people.clone());
                frame(None, &ThreadEvent::Presence(Presence { people }))
            }
            _ => String::new(),
        }
    }
}

fn stream(start: Follower) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    futures::stream::unfold(start, |mut f| async move {
        if f.ended {
            return None;
        }
        loop {
            let mut out = f.logged().await;
            // Cheap while the thread's shared read is younger than the period; never a read
            // older than this stream's own opening check (a member who just joined is not in
            // a read another stream made before).
            let period = Instant::now().checked_sub(ACCESS_CHECK);
            let since = period.map_or(f.opened, |p| p.max(f.opened));
            if !f.ended && !f.allowed(since).await {
                out.push_str(&f.end());
            }
            if !f.ended {
                out.push_str(&f.presence().await);
            }
            if out.is_empty() && f.last_sent.elapsed() >= KEEPALIVE {
                out.push_str(": keepalive\n\n");
            }
            if !out.is_empty() {
                f.last_sent = Instant::now();
                return Some((Ok(out), f));
            }
            let _ = tokio::time::timeout(TICK, f.feed.changed()).await;
        }
    })
}
