//! `bench`'s row for the data service of generated apps: with N clients following one app's
//! live stream (`/data/{app}/preview/_changes`), how long a record written by another client
//! takes to reach each of them (write sent → change event read), on a spawned `appgen serve`.

use anyhow::{Context, bail};
use appgen_core::app::Requirements;
use appgen_core::ports::BlobStore;
use appgen_core::snapshot::ThreadSnapshot;
use appgen_runtime::azure::{AzureBlobStore, StorageConnection};
use appgen_runtime::embedded::DiskBlobStore;
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::threads::ThreadStore;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "appgen-bench-appdata-secret";
const THREAD: &str = "bench-app";
/// Writes measured, one after another.
const WRITES: usize = 30;
/// Creates measured in the list / get / create row.
pub const CREATES: usize = 20;

/// Where the bench's app lives: the seeded snapshot and the settings the server needs to
/// find it.
pub struct Seeded {
    pub env: Vec<(String, String)>,
}

/// Writes one app's snapshot (a shopping list) before the server starts, on the backend the
/// server will use.
pub async fn seed(data: &Path, azurite: bool) -> anyhow::Result<Seeded> {
    let mut env = vec![("APPGEN_PREVIEW_SECRET".to_owned(), SECRET.to_owned())];
    let blobs: Arc<dyn BlobStore> = if azurite {
        let prefix = format!("bd{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let store = AzureBlobStore::with_prefix(&StorageConnection::development(), &prefix)?;
        store.ensure_containers().await?;
        env.push(("APPGEN_STORAGE_PREFIX".to_owned(), prefix));
        Arc::new(store)
    } else {
        Arc::new(DiskBlobStore::open(&data.join("blobs"))?)
    };
    let mut snap = ThreadSnapshot::new(THREAD, "local", 1);
    snap.requirements = Some(Requirements {
        title: "Bench".into(),
        summary: String::new(),
        features: vec![],
        spec: json!({"entity": {"plural": "items", "fields": [
            {"key": "item", "type": "text", "required": true}
        ]}}),
    });
    ThreadStore::new(blobs)
        .create(&snap)
        .await
        .context("seeding the bench app")?;
    Ok(Seeded { env })
}

/// One follower: reads an SSE stream until it has seen every write, noting when each arrived.
/// A write is told by `marker` followed by its number (`"item":"w7"`), so both the app-data
/// and the thread-stream rows read their streams with this one loop.
pub(crate) async fn follow(
    mut resp: reqwest::Response,
    writes: usize,
    marker: &str,
) -> Vec<(usize, Instant)> {
    let mut seen = Vec::new();
    let mut buf = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < writes && Instant::now() < deadline {
        let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(5), resp.chunk()).await
        else {
            break;
        };
        let at = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if let Some(i) = frame
                .split(marker)
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|n| n.parse().ok())
            {
                seen.push((i, at));
            }
        }
    }
    seen
}

/// p50 and p95 (ms) of write → other-client latency with `clients` followers.
pub async fn latency(preview_base: &str, clients: usize) -> anyhow::Result<(f64, f64, usize)> {
    let key = PreviewUrls::new("", SECRET.as_bytes()).data_key(THREAD, "preview");
    let base = format!("{preview_base}/data/{THREAD}/preview");
    let http = reqwest::Client::new();
    let mut followers = tokio::task::JoinSet::new();
    for c in 0..clients {
        let mut resp = http
            .get(format!("{base}/_changes?key={key}"))
            .header("x-client-id", format!("follower{c}"))
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("stream answered {}", resp.status());
        }
        // The first frame says the stream is following: only then is it counted as connected.
        resp.chunk().await?;
        followers.spawn(follow(resp, WRITES, "\"item\":\"w"));
    }
    let mut sent = Vec::with_capacity(WRITES);
    for i in 0..WRITES {
        sent.push(Instant::now());
        let r = http
            .post(format!("{base}/items"))
            .header("x-app-key", &key)
            .header("x-client-id", "writer")
            .json(&json!({"item": format!("w{i}")}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("write {i} answered {}", r.status());
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
    let n = samples.len();
    if n < clients * WRITES {
        bail!("only {n} of {} deliveries arrived", clients * WRITES);
    }
    let (p50, p95) = crate::bench::percentiles(&mut samples);
    Ok((p50, p95, n))
}

/// Stores `n` records of the bench app's `items` in the embedded store under `data` before the
/// server starts (straight through storage, as the API would: a blob each, logged).
pub async fn seed_records(data: &Path, n: usize) -> anyhow::Result<()> {
    use appgen_core::appdata::{Record, Space};
    use appgen_runtime::appdata::{AppData, DataSpace, new_record_id};
    use futures::StreamExt;
    let blobs = DiskBlobStore::open_with(&data.join("blobs"), false)?;
    let store = AppData::new(Arc::new(blobs));
    let space = DataSpace::new(THREAD, Space::Preview)?;
    let writes = futures::stream::iter(0..n)
        .map(|i| {
            let (store, space) = (&store, &space);
            async move {
                let mut data = serde_json::Map::new();
                data.insert("item".into(), json!(format!("seeded {i}")));
                let record = Record {
                    id: new_record_id(),
                    created_at: i as u64,
                    updated_at: i as u64,
                    created_by: "seed".into(),
                    data,
                };
                store.create(space, "items", &record).await
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    for w in writes {
        w.context("seeding a record")?;
    }
    Ok(())
}

/// p50 and p95 (ms) of the data API's list (a page of 50, newest first), get and create on
/// the bench app, however many records it holds.
pub async fn crud(preview_base: &str) -> anyhow::Result<[(f64, f64); 3]> {
    let key = PreviewUrls::new("", SECRET.as_bytes()).data_key(THREAD, "preview");
    let base = format!("{preview_base}/data/{THREAD}/preview/items");
    let http = reqwest::Client::new();
    let send = |r: reqwest::RequestBuilder| {
        let r = r.header("x-app-key", &key).header("x-client-id", "crud");
        async move {
            let t = Instant::now();
            let resp = r.send().await?;
            if !resp.status().is_success() {
                bail!("answered {}", resp.status());
            }
            let body: serde_json::Value = resp.json().await?;
            Ok::<_, anyhow::Error>((t.elapsed().as_secs_f64() * 1000.0, body))
        }
    };
    let (mut lists, mut gets, mut creates) = (Vec::new(), Vec::new(), Vec::new());
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (ms, page) = send(http.get(format!("{base}?sort=-createdAt&limit=50"))).await?;
        lists.push(ms);
        ids = page["records"].as_array().cloned().unwrap_or_default();
    }
    for i in 0..50 {
        let id = ids.get(i % ids.len().max(1)).and_then(|r| r["id"].as_str());
        let id = id.context("a listed record")?;
        gets.push(send(http.get(format!("{base}/{id}"))).await?.0);
    }
    for i in 0..CREATES {
        let body = json!({"item": format!("new {i}")});
        creates.push(send(http.post(&base).json(&body)).await?.0);
    }
    Ok([&mut lists, &mut gets, &mut creates].map(|s| crate::bench::percentiles(s)))
}
