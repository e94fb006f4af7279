//! Adapters behind `appgen-core`'s ports and the step runner that drives the pipeline on them.

pub mod ai_usage;
pub mod appdata;
pub mod azure;
pub mod dataapi;
pub mod embedded;
pub mod events;
pub mod failpoint;
pub mod http;
pub mod live;
pub mod llm;
pub mod pipeline;
pub mod preview;
pub mod ratelimit;
pub mod seal;
pub mod storage;
pub mod threads;
pub mod vercel;
pub mod worker;

/// Wall-clock milliseconds since the Unix epoch (AG-UI timestamps, leases).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
