//! `appgen-devtools bench`: numbers, measured from outside like any AG-UI client would, on the
//! embedded backend and on Azurite. Prints a table; nothing here asserts a speed.
//!
//! - the reference workload (`serve-bench`: the ordinary seven-step chain on the test kit's
//!   scripted agent and builder, 50 deltas of 40 characters in each agent step, one ~20 KB file
//!   committed durably): spawn → ready, spawn → first run, run latency, time to first SSE byte
//!   and first event, per-step interval, event relay latency (append → client), throughput of
//!   concurrent runs, the server's peak RSS;
//! - generated apps' data service: write → other-client latency with 20 clients on one app's
//!   live stream (`appdata_bench.rs`);
//! - a thread's stream: queued message → 20 members following the thread, and the server's
//!   memory per follower (`thread_bench.rs`);
//! - the step chain in-process (no HTTP): time per step;
//! - prompt → checked preview with the offline generator (a real build and Chromium check);
//! - concurrent runs against the scripted model server with a fixed latency per call.

use anyhow::{Context, bail};
use appgen_core::step::StepName;
use appgen_runtime::worker::{WorkerConfig, handle};
use clap::Args;
use futures::StreamExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchArgs {
    /// Sequential runs of the reference workload per backend.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Runs at once in the throughput test.
    #[arg(long, default_value_t = 20)]
    pub concurrency: usize,
    /// Backends: embedded, azurite (needs Azurite on 127.0.0.1:10000/10001), or both.
    #[arg(long, default_value = "embedded", value_parser = ["embedded", "azurite", "both"])]
    pub backend: String,
    /// Prompt → checked preview runs with the offline generator (0 to skip).
    #[arg(long, default_value_t = 3)]
    pub previews: usize,
    /// Concurrent full runs against the scripted model server (0 to skip).
    #[arg(long, default_value_t = 4)]
    pub model_runs: usize,
    /// Latency of each scripted model call.
    #[arg(long, default_value_t = 1000)]
    pub model_latency_ms: u64,
    /// Clients following one generated app's live data stream in the write → other-client
    /// latency row (0 to skip).
    #[arg(long, default_value_t = 20)]
    pub app_data_clients: usize,
    /// Records in one generated app's collection for the list / get / create latency row
    /// (embedded; 0 to skip).
    #[arg(long, default_value_t = 10_000)]
    pub app_data_records: usize,
    /// Only the generated apps' data service rows.
    #[arg(long)]
    pub only_app_data: bool,
    /// Members following one thread's stream in the queued message → follower latency row
    /// (0 to skip).
    #[arg(long, default_value_t = 20)]
    pub thread_followers: usize,
    /// Only the thread stream's rows.
    #[arg(long)]
    pub only_thread_stream: bool,
    /// Where servers keep their data.
    #[arg(long, default_value = ".appgen/bench")]
    pub dir: PathBuf,
    /// Measure the reference workload on a server already running at this base URL (any server
    /// that answers it with `appgen serve`'s API, as `serve-bench` does) instead of spawning
    /// one; only the HTTP rows, nothing else.
    #[arg(long)]
    pub url: Option<String>,
}

/// p50 and p95 of samples, in the samples' unit.
pub fn percentiles(samples: &mut [f64]) -> (f64, f64) {
    if samples.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| samples[(((samples.len() - 1) as f64) * q).round() as usize];
    (at(0.50), at(0.95))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn now_ms() -> i64 {
    appgen_runtime::now_ms()
}

/// Which server a measurement spawns.
#[derive(Clone, Copy)]
enum Server {
    /// `appgen-devtools serve-bench`: the reference workload.
    Reference,
    /// `appgen serve`: the product, with the agent the environment sets.
    App,
}

impl Server {
    /// The binary and its subcommand. `appgen` is looked for beside this binary (`cargo build
    /// --release -p appgen -p appgen-devtools` puts both in `target/release`).
    fn command(self) -> anyhow::Result<(PathBuf, &'static str)> {
        let me = std::env::current_exe()?;
        match self {
            Server::Reference => Ok((me, "serve-bench")),
            Server::App => {
                let appgen = me.with_file_name("appgen");
                if !appgen.exists() {
                    bail!(
                        "{} not found: build it beside appgen-devtools (cargo build --release -p appgen -p appgen-devtools)",
                        appgen.display()
                    );
                }
                Ok((appgen, "serve"))
            }
        }
    }
}

/// A spawned server (`appgen serve` or `appgen-devtools serve-bench`).
struct Served {
    child: Child,
    base: String,
    /// The preview origin, where generated apps and their data API are served.
    preview: String,
    spawned: Instant,
    ready_ms: f64,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Resident set size of the server now (VmRSS), in KB.
    fn rss_kb(&self) -> f64 {
        self.proc_field("status", "VmRSS:")
    }

    /// Read syscalls the server made so far (`/proc/PID/io`'s `syscr`).
    fn read_syscalls(&self) -> f64 {
        self.proc_field("io", "syscr:")
    }

    /// The number after `key` in the server's `/proc/PID/{file}`; NaN when unreadable.
    fn proc_field(&self, file: &str, key: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id()))
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with(key))?.to_owned();
                line.split_whitespace().nth(1)?.parse::<f64>().ok()
            })
            .unwrap_or(f64::NAN)
    }

    /// Peak resident set size of the server so far (VmHWM), in MB.
    fn peak_rss_mb(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .map(str::to_owned)
            })
            .and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn serve(
    data: &Path,
    server: Server,
    azurite: bool,
    env: &[(String, String)],
) -> anyhow::Result<Served> {
    let (api, preview, apps) = (free_port()?, free_port()?, free_port()?);
    let (exe, subcommand) = server.command()?;
    let mut cmd = Command::new(&exe);
    cmd.args([subcommand, "--local"])
        .args([
            "--addr",
            &format!("127.0.0.1:{api}"),
            "--preview-addr",
            &format!("127.0.0.1:{preview}"),
            "--apps-port",
            &apps.to_string(),
        ])
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .env("APPGEN_RUNS_PER_MINUTE", "100000")
        .env_remove("AzureWebJobsStorage")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if azurite {
        cmd.env("AzureWebJobsStorage", "UseDevelopmentStorage=true")
            .env(
                "APPGEN_STORAGE_PREFIX",
                format!("b{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]),
            );
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let spawned = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("spawning {} {subcommand}", exe.display()))?;
    let base = format!("http://127.0.0.1:{api}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http
            .get(format!("{base}/api/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("{} {subcommand} did not start", exe.display());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(Served {
        child,
        base,
        preview: format!("http://127.0.0.1:{preview}"),
        spawned,
        ready_ms: ms(spawned.elapsed()),
    })
}

/// What one run looked like from the client.
#[derive(Debug, Default)]
struct Observed {
    total_ms: f64,
    first_byte_ms: f64,
    first_event_ms: f64,
    /// Receive time minus append time of every event, ms.
    relay_ms: Vec<f64>,
    /// Intervals between the client's receipt of consecutive STEP_STARTED events, ms (the
    /// events' own timestamps are whole milliseconds, too coarse for a step).
    step_intervals_ms: Vec<f64>,
    last: Value,
}

/// POSTs a run and reads its SSE stream to the end.
async fn run(http: &reqwest::Client, base: &str, body: &Value) -> anyhow::Result<Observed> {
    let started = Instant::now();
    let resp = http
        .post(format!("{base}/api/agent"))
        .json(body)
        .send()
        .await?;
    if !resp.status().is_success() {
        bail!(
            "HTTP {}: {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        );
    }
    let mut out = Observed::default();
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut step_starts = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let received = now_ms();
        if out.first_byte_ms == 0.0 {
            out.first_byte_ms = ms(started.elapsed());
        }
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let event: Value = serde_json::from_str(data)?;
            if out.first_event_ms == 0.0 {
                out.first_event_ms = ms(started.elapsed());
            }
            if let Some(ts) = event["timestamp"].as_i64() {
                out.relay_ms.push((received - ts) as f64);
            }
            if event["type"] == "STEP_STARTED" {
                step_starts.push(ms(started.elapsed()));
            }
            out.last = event;
        }
    }
    out.total_ms = ms(started.elapsed());
    out.step_intervals_ms = step_starts.windows(2).map(|w| w[1] - w[0]).collect();
    Ok(out)
}

/// Handles queued steps until every queue is empty; returns how many ran and the time until the
/// last one was done.
async fn run_queued_steps(
    p: &appgen_runtime::pipeline::Pipeline,
) -> anyhow::Result<(usize, Duration)> {
    let cfg = WorkerConfig::default();
    let started = Instant::now();
    let (mut n, mut took) = (0, Duration::ZERO);
    loop {
        let before = n;
        // In chain order, so one pass usually runs a whole run.
        for step in StepName::ALL {
            while let Some(d) = p
                .queue()
                .receive(step.queue(), Duration::from_secs(60))
                .await?
            {
                handle(p, &cfg, step, d).await;
                n += 1;
                took = started.elapsed();
            }
        }
        if n == before {
            return Ok((n, took));
        }
    }
}

fn bench_input(i: usize) -> Value {
    let id = format!("b{}-{i}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    json!({"threadId": id, "runId": format!("{id}-r"), "messages": [{"id": format!("{id}-m"), "role": "user", "content": "bench"}], "tools": [], "context": [], "state": {}, "forwardedProps": {}})
}

struct Row(String, String);

fn row(rows: &mut Vec<Row>, name: &str, value: String) {
    eprintln!("  {name}: {value}");
    rows.push(Row(name.to_owned(), value));
}

/// The reference workload over HTTP on one backend, on a `serve-bench` spawned for it.
async fn reference(
    args: &BenchArgs,
    azurite: bool,
    env: &[(String, String)],
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let tag = match (azurite, env.is_empty()) {
        (true, _) => "azurite",
        (false, true) => "embedded",
        (false, false) => "embedded, fsync off",
    };
    let server = serve(
        &args
            .dir
            .join(format!("ref-{}", tag.replace([',', ' '], ""))),
        Server::Reference,
        azurite,
        env,
    )
    .await?;
    let http = client()?;
    first_run(&http, &server.base).await?;
    row(
        rows,
        &format!("[{tag}] spawn → ready (cold start)"),
        format!("{:.0} ms", server.ready_ms),
    );
    row(
        rows,
        &format!("[{tag}] spawn → first run finished"),
        format!("{:.0} ms", ms(server.spawned.elapsed())),
    );
    measure(args, &http, &server.base, tag, rows).await?;
    row(
        rows,
        &format!("[{tag}] server peak RSS"),
        format!("{:.1} MB", server.peak_rss_mb()),
    );
    Ok(())
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?)
}

/// One run, which must finish (it also warms the server and the connection pool).
async fn first_run(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let first = run(http, base, &bench_input(0)).await?;
    if first.last["type"] != "RUN_FINISHED" {
        bail!("the bench run did not finish: {}", first.last);
    }
    Ok(())
}

/// Sequential runs (latencies) and concurrent runs (throughput) against `base`.
async fn measure(
    args: &BenchArgs,
    http: &reqwest::Client,
    base: &str,
    tag: &str,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let mut totals = Vec::new();
    let mut ttfb = Vec::new();
    let mut first_event = Vec::new();
    let mut relay = Vec::new();
    let mut steps = Vec::new();
    for i in 0..args.runs {
        let o = run(http, base, &bench_input(i + 1)).await?;
        totals.push(o.total_ms);
        ttfb.push(o.first_byte_ms);
        first_event.push(o.first_event_ms);
        relay.extend(o.relay_ms);
        steps.extend(o.step_intervals_ms);
    }
    let fmt = |v: &mut Vec<f64>| {
        let (p50, p95) = percentiles(v);
        format!("p50 {p50:.2} ms, p95 {p95:.2} ms")
    };
    row(
        rows,
        &format!(
            "[{tag}] run of {} steps ({} runs)",
            appgen_testkit::workload::STEPS,
            args.runs
        ),
        fmt(&mut totals),
    );
    row(
        rows,
        &format!("[{tag}] time to first SSE byte"),
        fmt(&mut ttfb),
    );
    row(
        rows,
        &format!("[{tag}] time to first event"),
        fmt(&mut first_event),
    );
    row(
        rows,
        &format!(
            "[{tag}] per step (STEP_STARTED → next as received, incl. queue hand-off, claim, commit)"
        ),
        fmt(&mut steps),
    );
    row(
        rows,
        &format!("[{tag}] event relay latency (append → client, ms clock)"),
        fmt(&mut relay),
    );

    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..args.concurrency {
        let (http, base) = (http.clone(), base.to_owned());
        set.spawn(async move { run(&http, &base, &bench_input(10_000 + i)).await });
    }
    let mut conc = Vec::new();
    while let Some(r) = set.join_next().await {
        conc.push(r??.total_ms);
    }
    let secs = started.elapsed().as_secs_f64();
    let (p50, p95) = percentiles(&mut conc);
    row(
        rows,
        &format!("[{tag}] {} concurrent runs", args.concurrency),
        format!(
            "{:.1} runs/s, p50 {p50:.0} ms, p95 {p95:.0} ms",
            args.concurrency as f64 / secs
        ),
    );
    Ok(())
}

/// The step chain in-process on the embedded backend (durable writes): time per step of the
/// reference workload, each step delivered from its queue as the workers would.
async fn in_process(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let data = args.dir.join("in-process");
    let storage = appgen_runtime::storage::open(&data).await?;
    let p = storage
        .pipeline("http://127.0.0.1:7072", crate::serve_bench::steps())
        .await?;
    let runs = args.runs.min(100);
    let mut per_step = Vec::new();
    for i in 0..runs {
        let input: appgen_core::agui::RunAgentInput = serde_json::from_value(bench_input(i))?;
        p.start_run(&input, "bench")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (n, took) = run_queued_steps(&p).await?;
        if n > 0 {
            per_step.push(ms(took) / n as f64);
        }
    }
    let (p50, p95) = percentiles(&mut per_step);
    let fsync =
        if appgen_runtime::storage::fsync_enabled(std::env::var("APPGEN_FSYNC").ok().as_deref()) {
            "on"
        } else {
            "off"
        };
    row(
        rows,
        &format!("[embedded] in-process per step ({runs} runs, fsync {fsync})"),
        format!("p50 {p50:.2} ms, p95 {p95:.2} ms"),
    );
    Ok(())
}

/// A whole app run over HTTP: initial run, then answers with the defaults; returns the answers
/// run's observation.
async fn app_run(
    http: &reqwest::Client,
    base: &str,
    prompt: &str,
) -> anyhow::Result<(Observed, f64)> {
    let id = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let started = Instant::now();
    let first = run(http, base, &json!({"threadId": id, "runId": format!("{id}-1"), "messages": [{"id": "m1", "role": "user", "content": prompt}]})).await?;
    let interrupt = first.last["outcome"]["interrupts"][0]["id"].clone();
    if interrupt.is_null() {
        bail!("expected questions, got {}", first.last);
    }
    let second = run(
        http,
        base,
        &json!({"threadId": id, "runId": format!("{id}-2"), "messages": [], "resume": [{"interruptId": interrupt, "status": "resolved", "payload": {}}]}),
    )
    .await?;
    if second.last["type"] != "RUN_FINISHED" {
        bail!("the run did not finish: {}", second.last);
    }
    Ok((second, ms(started.elapsed())))
}

const PROMPTS: &[&str] = &[
    "A plant care log: plant name, watering date and amount in ml; show the total water used",
    "A small library catalogue with title, author, year and a genre filter",
    "A pomodoro task list where I add tasks with an estimate in minutes and mark them done",
    "A guest book where visitors leave their name and a message",
];

async fn previews(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let server = serve(&args.dir.join("preview"), Server::App, false, &[]).await?;
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for i in 0..args.previews {
        let (_, total) = app_run(&http, &server.base, PROMPTS[i % PROMPTS.len()]).await?;
        times.push(total);
    }
    let (p50, p95) = percentiles(&mut times);
    row(
        rows,
        &format!(
            "[embedded] prompt → checked preview, offline generator ({} runs)",
            args.previews
        ),
        format!("p50 {:.1} s, p95 {:.1} s", p50 / 1000.0, p95 / 1000.0),
    );
    Ok(())
}

/// Write → other-client latency of the apps' live data stream, on `appgen serve`.
async fn app_data(args: &BenchArgs, azurite: bool, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let name = if azurite { "azurite" } else { "embedded" };
    let data = args.dir.join(format!("appdata-{name}"));
    let seeded = crate::appdata_bench::seed(&data, azurite).await?;
    let server = serve(&data, Server::App, azurite, &seeded.env).await?;
    let (p50, p95, n) =
        crate::appdata_bench::latency(&server.preview, args.app_data_clients).await?;
    row(
        rows,
        &format!(
            "[{name}] app data: write → {} other clients (live stream, {n} deliveries)",
            args.app_data_clients
        ),
        format!("p50 {p50:.1} ms, p95 {p95:.1} ms"),
    );
    Ok(())
}

/// The data API's list, get and create with many records in the collection, on `appgen serve`.
async fn app_data_crud(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let data = args.dir.join("appdata-crud");
    let seeded = crate::appdata_bench::seed(&data, false).await?;
    // Room for the creates measured: the collection ends at the limit, not past it.
    let creates = crate::appdata_bench::CREATES.min(args.app_data_records);
    crate::appdata_bench::seed_records(&data, args.app_data_records - creates).await?;
    let server = serve(&data, Server::App, false, &seeded.env).await?;
    let n = args.app_data_records;
    let [list, get, create] = crate::appdata_bench::crud(&server.preview).await?;
    for (what, (p50, p95)) in [("list 50", list), ("get", get), ("create", create)] {
        row(
            rows,
            &format!("[embedded] app data: {what} with {n} records"),
            format!("p50 {p50:.1} ms, p95 {p95:.1} ms"),
        );
    }
    Ok(())
}

/// Queued message → members following the thread's stream, on `appgen serve` (embedded).
async fn thread_stream(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let data = args.dir.join("thread-embedded");
    crate::thread_bench::seed(&data).await?;
    let server = serve(&data, Server::App, false, &[]).await?;
    let n = args.thread_followers;
    let (rss, reads) = (|| server.rss_kb(), || server.read_syscalls());
    let m = crate::thread_bench::latency(&server.base, n, rss, reads).await?;
    row(
        rows,
        &format!(
            "[embedded] thread stream: queued message → {n} members ({} deliveries)",
            m.deliveries
        ),
        format!("p50 {:.1} ms, p95 {:.1} ms", m.p50, m.p95),
    );
    row(
        rows,
        "[embedded] thread stream: server memory per follower",
        format!("{:.0} KB", m.kb_per_follower),
    );
    row(
        rows,
        &format!("[embedded] thread stream: server read syscalls/s, {n} members following"),
        format!("{:.1}", m.idle_reads_per_s),
    );
    Ok(())
}

async fn model_runs(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    use appgen_testkit::{Script, ScriptedServer};
    let model = ScriptedServer::start(
        Script::appgen().latency(Duration::from_millis(args.model_latency_ms)),
    )
    .await?;
    let server = serve(
        &args.dir.join("model"),
        Server::App,
        false,
        &model.settings_compatible(),
    )
    .await?;
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..args.model_runs {
        let (http, base) = (http.clone(), server.base.clone());
        set.spawn(async move { app_run(&http, &base, PROMPTS[i % PROMPTS.len()]).await });
    }
    let mut times = Vec::new();
    while let Some(r) = set.join_next().await {
        times.push(r??.1);
    }
    let secs = started.elapsed().as_secs_f64();
    let (p50, p95) = percentiles(&mut times);
    row(
        rows,
        &format!(
            "[embedded] {} concurrent model runs, {} ms per call (with builds)",
            args.model_runs, args.model_latency_ms
        ),
        format!(
            "{:.2} runs/s, p50 {:.1} s, p95 {:.1} s, peak RSS {:.0} MB",
            args.model_runs as f64 / secs,
            p50 / 1000.0,
            p95 / 1000.0,
            server.peak_rss_mb()
        ),
    );
    Ok(())
}

pub async fn bench(args: BenchArgs) -> anyhow::Result<i32> {
    if let Some(url) = &args.url {
        eprintln!("reference workload at {url}:");
        let (http, mut rows) = (client()?, Vec::new());
        first_run(&http, url).await?;
        measure(&args, &http, url, url, &mut rows).await?;
        print_table(&rows);
        return Ok(0);
    }
    // An earlier bench's data moves aside and is deleted only after this one has measured:
    // for about 30 s after a mass delete ext4 allocates inodes slowly (it skips recently freed
    // ones), which would bill the first runs' new threads for the cleanup.
    let stale = args
        .dir
        .with_extension(format!("old-{}", std::process::id()));
    if args.dir.exists() {
        std::fs::rename(&args.dir, &stale)?;
    }
    std::fs::create_dir_all(&args.dir)?;
    let backends: &[bool] = match args.backend.as_str() {
        "embedded" => &[false],
        "azurite" => &[true],
        _ => &[false, true],
    };
    let mut rows = Vec::new();
    if args.only_thread_stream {
        thread_stream(&args, &mut rows).await?;
        print_table(&rows);
        return Ok(0);
    }
    if args.only_app_data {
        app_data_rows(&args, backends, &mut rows).await?;
        print_table(&rows);
        return Ok(0);
    }
    eprintln!("reference workload (serve-bench):");
    for &azurite in backends {
        reference(&args, azurite, &[], &mut rows).await?;
    }
    if backends.contains(&false) {
        // The same on the embedded backend with fsync off (atomic writes only: safe against a
        // killed process, not a power cut), for comparison with checkpointers that do not fsync.
        reference(
            &args,
            false,
            &[("APPGEN_FSYNC".into(), "0".into())],
            &mut rows,
        )
        .await?;
    }
    app_data_rows(&args, backends, &mut rows).await?;
    if args.thread_followers > 0 {
        eprintln!("a thread's stream:");
        thread_stream(&args, &mut rows).await?;
    }
    eprintln!("step chain in-process:");
    in_process(&args, &mut rows).await?;
    if args.previews > 0 {
        eprintln!("prompt → preview:");
        previews(&args, &mut rows).await?;
    }
    if args.model_runs > 0 {
        eprintln!("scripted model server:");
        model_runs(&args, &mut rows).await?;
    }
    let _ = std::fs::remove_dir_all(&stale);
    print_table(&rows);
    Ok(0)
}

async fn app_data_rows(
    args: &BenchArgs,
    backends: &[bool],
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    eprintln!("generated apps' data service:");
    if args.app_data_clients > 0 {
        for &azurite in backends {
            app_data(args, azurite, rows).await?;
        }
    }
    if args.app_data_records > 0 {
        app_data_crud(args, rows).await?;
    }
    Ok(())
}

/// The rows as a Markdown table, and the machine they were measured on.
fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    println!("\n| {:<width$} | value |", "measure");
    println!("|{}|-------|", "-".repeat(width + 2));
    for Row(k, v) in rows {
        println!("| {k:<width$} | {v} |");
    }
    println!(
        "\nmachine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        machine()
    );
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_ranked_samples() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).rev().collect();
        assert_eq!(percentiles(&mut v), (51.0, 95.0));
        assert!(percentiles(&mut []).0.is_nan());
    }
}
