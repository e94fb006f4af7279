//! The SSE relay: replays a run's event log from a sequence number and follows it live until
//! the run ends. LF-only framing (the official client splits on "\n\n"); `id:` carries the seq
//! so a reconnecting client resumes with Last-Event-ID.

use appgen_runtime::pipeline::Pipeline;
use axum::body::Body;
use axum::response::Response;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEPALIVE: Duration = Duration::from_secs(15);
/// Other processes' appends (Azure) are not signalled in-process: poll for them.
const POLL: Duration = Duration::from_millis(300);
/// While a run is idle this long, check the snapshot for an end the log lacks.
const STALL_CHECK: Duration = Duration::from_secs(5);
/// After this much silence, re-send the run's step message if no attempt holds it (lost on
/// shared storage between a commit and its send).
const NUDGE_AFTER: Duration = Duration::from_secs(60);

pub fn frame(seq: u64, event: &appgen_core::agui::Event) -> String {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    format!("id: {seq}\ndata: {data}\n\n")
}

pub fn sse(pipeline: Arc<Pipeline>, thread: String, run: String, after: u64) -> Response {
    event_stream(Body::from_stream(async_stream(
        pipeline, thread, run, after,
    )))
}

pub use appgen_runtime::http::event_stream;

/// One client following one run's log: where it is, and when it last saw the log grow.
struct Follower {
    pipeline: Arc<Pipeline>,
    thread: String,
    run: String,
    /// Last seq sent.
    after: u64,
    /// Byte offset read up to.
    offset: u64,
    done: bool,
    last_sent: Instant,
    /// Last time the log grew (for the nudge).
    last_event: Instant,
    /// Last stall check.
    last_check: Instant,
}

fn async_stream(
    pipeline: Arc<Pipeline>,
    thread: String,
    run: String,
    after: u64,
) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    let now = Instant::now();
    let start = Follower {
        pipeline,
        thread,
        run,
        after,
        offset: 0,
        done: false,
        last_sent: now,
        last_event: now,
        last_check: now,
    };
    futures::stream::unfold(start, |mut c| async move {
        if c.done {
            return None;
        }
        let waker = c.pipeline.events().waker(&c.thread, &c.run);
        loop {
            let notified = waker.notified();
            match c
                .pipeline
                .events()
                .read_from(&c.thread, &c.run, c.offset)
                .await
            {
                Ok((events, next)) => {
                    if next > c.offset {
                        c.last_event = Instant::now();
                    }
                    c.offset = next;
                    let mut out = String::new();
                    for e in events {
                        if e.seq <= c.after {
                            continue;
                        }
                        c.after = e.seq;
                        out.push_str(&frame(e.seq, &e.event));
                        if e.event.is_terminal() {
                            c.done = true;
                            break;
                        }
                    }
                    if !out.is_empty() {
                        c.last_sent = Instant::now();
                        return Some((Ok(out), c));
                    }
                }
                Err(e) => {
                    tracing::warn!(thread_id = %c.thread, run_id = %c.run, error = %e, "relay read failed");
                }
            }
            if c.last_check.elapsed() > STALL_CHECK {
                c.last_check = Instant::now();
                if let Err(e) = c.pipeline.ensure_terminal(&c.thread, &c.run).await {
                    tracing::warn!(error = %e, "stall check failed");
                }
                if c.last_event.elapsed() > NUDGE_AFTER {
                    c.last_event = Instant::now();
                    if let Err(e) = c.pipeline.nudge(&c.thread, &c.run).await {
                        tracing::warn!(error = %e, "nudge failed");
                    }
                }
                continue;
            }
            if c.last_sent.elapsed() >= KEEPALIVE {
                c.last_sent = Instant::now();
                return Some((Ok(": keepalive\n\n".to_owned()), c));
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    })
}
