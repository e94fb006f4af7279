//! The SSE relay: replays a run's event log from a sequence number and follows it live until
//! the run ends. LF-only framing (the official client splits on "\n\n"); `id:` carries the seq
//! so a reconnecting client resumes with Last-Event-ID.

use appgen_runtime::pipeline::Pipeline;
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEEPALIVE: Duration = Duration::from_secs(15);
/// Other processes' appends (Azure) are not signalled in-process: poll for them.
const POLL: Duration = Duration::from_millis(300);
/// While a run is idle this long, check the snapshot for an end the log lacks.
const STALL_CHECK: Duration = Duration::from_secs(5);

pub fn frame(seq: u64, event: &appgen_core::agui::Event) -> String {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    format!("id: {seq}\ndata: {data}\n\n")
}

pub fn sse(pipeline: Arc<Pipeline>, thread: String, run: String, after: u64) -> Response {
    let stream = async_stream(pipeline, thread, run, after);
    let mut resp = Response::new(Body::from_stream(stream));
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
    resp
}

fn async_stream(
    pipeline: Arc<Pipeline>,
    thread: String,
    run: String,
    after: u64,
) -> impl futures::Stream<Item = Result<String, std::io::Error>> {
    futures::stream::unfold(
        (
            pipeline,
            thread,
            run,
            after,
            0u64,
            false,
            Instant::now(),
            Instant::now(),
        ),
        |(pipeline, thread, run, mut after, mut offset, done, mut last_sent, mut last_event)| async move {
            if done {
                return None;
            }
            let waker = pipeline.events.waker(&thread, &run);
            loop {
                let notified = waker.notified();
                match pipeline.events.read_from(&thread, &run, offset).await {
                    Ok((events, next)) => {
                        offset = next;
                        let mut out = String::new();
                        let mut ended = false;
                        for e in events {
                            if e.seq <= after {
                                continue;
                            }
                            after = e.seq;
                            ended |= e.event.is_terminal();
                            out.push_str(&frame(e.seq, &e.event));
                            if ended {
                                break;
                            }
                        }
                        if !out.is_empty() {
                            let now = Instant::now();
                            return Some((
                                Ok(out),
                                (pipeline, thread, run, after, offset, ended, now, now),
                            ));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(thread_id = %thread, run_id = %run, error = %e, "relay read failed");
                    }
                }
                if last_event.elapsed() > STALL_CHECK {
                    last_event = Instant::now();
                    if let Err(e) = pipeline.ensure_terminal(&thread, &run).await {
                        tracing::warn!(error = %e, "stall check failed");
                    }
                    continue;
                }
                if last_sent.elapsed() >= KEEPALIVE {
                    last_sent = Instant::now();
                    return Some((
                        Ok(": keepalive\n\n".to_owned()),
                        (
                            pipeline, thread, run, after, offset, false, last_sent, last_event,
                        ),
                    ));
                }
                let _ = tokio::time::timeout(POLL, notified).await;
            }
        },
    )
}
