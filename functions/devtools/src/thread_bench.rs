//! `bench`'s row for working together on a thread: with N members following one thread's
//! stream (`GET /api/threads/{id}/events`), how long a queued message takes to reach each of
//! them (POST sent → `queued` event read), the server's resident memory per follower, and how
//! often the server reads while they only follow (read syscalls per second, `/proc/PID/io`'s
//! `syscr`: on the embedded backend each storage read is a few of them; nothing else reads
//! then), on a spawned `appgen serve`.

use anyhow::{Context, bail};
use appgen_core::live::{ThreadEvent, Withdrawn};
use appgen_core::snapshot::{PendingInterrupt, ThreadSnapshot};
use appgen_runtime::embedded::DiskBlobStore;
use appgen_runtime::live::ThreadLive;
use appgen_runtime::threads::ThreadStore;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const THREAD: &str = "bench-thread";
/// Messages queued, one after another.
const WRITES: usize = 30;
/// How long the followers only follow while the server's reads are counted.
const IDLE: Duration = Duration::from_secs(6);

/// Writes the thread before the server starts: owned by `serve --local`'s principal, with
/// questions pending, so queued messages stay queued (no run starts) and only the stream is
/// measured.
pub async fn seed(data: &Path) -> anyhow::Result<()> {
    let blobs = Arc::new(DiskBlobStore::open(&data.join("blobs"))?);
    let mut snap = ThreadSnapshot::new(THREAD, "local", 1);
    snap.title = "Bench".into();
    snap.interrupt = Some(PendingInterrupt {
        id: "i0".into(),
        run_id: "r0".into(),
        questions: Vec::new(),
    });
    ThreadStore::new(blobs.clone())
        .create(&snap)
        .await
        .context("seeding the bench thread")?;
    // A log to read: each read of it is then a read syscall the row counts.
    let seeded = ThreadEvent::Withdrawn(Withdrawn { id: "seed".into() });
    ThreadLive::new(blobs).append(THREAD, vec![seeded]).await?;
    Ok(())
}

/// What the row reports.
pub struct Measured {
    pub p50: f64,
    pub p95: f64,
    pub deliveries: usize,
    /// Resident memory the followers added, per follower (KB).
    pub kb_per_follower: f64,
    /// Read syscalls per second while the followers only follow.
    pub idle_reads_per_s: f64,
}

/// p50 and p95 (ms) of queue → follower latency with `clients` followers; `rss_kb` reads the
/// server's resident memory.
pub async fn latency(
    base: &str,
    clients: usize,
    rss_kb: impl Fn() -> f64,
    read_syscalls: impl Fn() -> f64,
) -> anyhow::Result<Measured> {
    let http = reqwest::Client::new();
    let before = rss_kb();
    let mut open = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut resp = (http.get(format!("{base}/api/threads/{THREAD}/events")))
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("the thread stream answered {}", resp.status());
        }
        // The first frame (presence) says the stream is following.
        resp.chunk().await?;
        open.push(resp);
    }
    let kb_per_follower = (rss_kb() - before) / clients.max(1) as f64;
    // Before anyone reads the streams again: nothing but following happens.
    let reads = read_syscalls();
    tokio::time::sleep(IDLE).await;
    let idle_reads_per_s = (read_syscalls() - reads) / IDLE.as_secs_f64();
    let mut followers = tokio::task::JoinSet::new();
    for resp in open {
        followers.spawn(crate::appdata_bench::follow(resp, WRITES, "\"text\":\"w"));
    }
    let mut sent = Vec::with_capacity(WRITES);
    for i in 0..WRITES {
        sent.push(Instant::now());
        let r = (http.post(format!("{base}/api/threads/{THREAD}/queue")))
            .json(&json!({"text": format!("w{i}")}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("queuing {i} answered {}", r.status());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut samples = Vec::new();
    while let Some(seen) = followers.join_next().await {
        for (i, at) in seen? {
            if let Some(t) = sent.get(i) {
                samples.push(at.saturating_duration_since(*t).as_secs_f64() * 1000.0);
            }
        }
    }
    let deliveries = samples.len();
    if deliveries < clients * WRITES {
        bail!(
            "only {deliveries} of {} deliveries arrived",
            clients * WRITES
        );
    }
    let (p50, p95) = crate::bench::percentiles(&mut samples);
    Ok(Measured {
        p50,
        p95,
        deliveries,
        kb_per_follower,
        idle_reads_per_s,
    })
}
