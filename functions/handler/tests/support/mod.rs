//! Drives the real `appgen` binary: spawns `appgen serve` on free loopback ports with its own
//! data directory, and runs the official AG-UI client checks against it.

#![allow(dead_code)]

use appgen_core::app::Requirements;
use appgen_core::snapshot::ThreadSnapshot;
use appgen_runtime::embedded::DiskBlobStore;
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::threads::ThreadStore;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_appgen");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub preview: String,
    /// Port of the published apps' origin (`{slug}.localhost:{port}`).
    pub apps_port: u16,
    pub data: PathBuf,
    log: PathBuf,
}

pub struct Spawn<'a> {
    pub data: &'a Path,
    pub local: bool,
    pub env: Vec<(&'a str, String)>,
    pub ports: Option<(u16, u16)>,
}

impl<'a> Spawn<'a> {
    pub fn local(data: &'a Path) -> Spawn<'a> {
        Spawn {
            data,
            local: true,
            env: vec![],
            ports: None,
        }
    }

    pub fn with_env(mut self, key: &'a str, value: impl Into<String>) -> Spawn<'a> {
        self.env.push((key, value.into()));
        self
    }
}

impl Server {
    pub fn start(s: Spawn<'_>) -> Server {
        let (api, preview) = s.ports.unwrap_or_else(|| (free_port(), free_port()));
        let apps_port = free_port();
        let log = s.data.with_extension(format!("{api}.log"));
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(["--addr", &format!("127.0.0.1:{api}")])
            .args(["--preview-addr", &format!("127.0.0.1:{preview}")])
            .args(["--apps-port", &apps_port.to_string()])
            .arg("--data")
            .arg(s.data)
            .env_remove("APPGEN_FAILPOINT")
            .env_remove("APPGEN_AUTH")
            .env_remove("APPGEN_API_KEYS")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(&log)
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
            );
        if s.local {
            cmd.arg("--local");
        }
        for (k, v) in &s.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn appgen serve");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{api}"),
            preview: format!("http://127.0.0.1:{preview}"),
            apps_port,
            data: s.data.to_owned(),
            log,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = ureq_get(&format!("{}/api/health", self.base))
                && r.contains("ok")
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("appgen serve did not become ready; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit on its own (a failpoint); returns whether it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny blocking GET over a raw socket (keeps the readiness probe free of async).
fn ureq_get(url: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other("http only"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Runs the official-client check script; returns its JSON report and whether it passed.
pub fn agui_check(args: &[&str]) -> (Value, bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agui");
    let out = Command::new("node")
        .arg(dir.join("check.mjs"))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("run node (is Node installed and tests/agui/node_modules set up by infra/local/setup.sh?)");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
        panic!(
            "check.mjs printed no JSON: {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.success())
}

/// The official client's whole flow on a new thread: the prompt, the default answers, and the
/// follow-up if given.
pub fn agui_flow(base: &str, thread: &str, prompt: &str, followup: Option<&str>) -> (Value, bool) {
    let mut args = vec![
        "flow", "--base", base, "--thread", thread, "--prompt", prompt,
    ];
    if let Some(f) = followup {
        args.extend(["--followup", f]);
    }
    agui_check(&args)
}

/// The official client replays one run from its log and verifies it.
pub fn agui_replay(base: &str, thread: &str, run: &str) -> (Value, bool) {
    agui_check(&["replay", "--base", base, "--thread", thread, "--run", run])
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

pub async fn post_json(c: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    c.post(url).json(body).send().await.expect("send")
}

pub async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    let r = c.get(url).send().await.expect("send");
    r.json().await.expect("json")
}

/// Polls the thread until no run is active; returns the thread JSON.
pub async fn wait_idle(base: &str, thread: &str, timeout: Duration) -> Value {
    let c = client();
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(r) = c.get(format!("{base}/api/threads/{thread}")).send().await
            && let Ok(v) = r.json::<Value>().await
            && v["state"]["run"].is_null()
            && v["state"]["status"] != "idle"
        {
            return v;
        }
        assert!(Instant::now() < deadline, "thread {thread} did not settle");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes one thread snapshot per `(thread, requirements)` into `data` before a server owns it,
/// so the data API has apps to serve without a build.
pub async fn seed_apps(data: &Path, apps: &[(&str, Requirements)]) {
    let blobs = DiskBlobStore::open(&data.join("blobs")).expect("blobs");
    let threads = ThreadStore::new(Arc::new(blobs));
    for (thread, req) in apps {
        let mut snap = ThreadSnapshot::new(thread, "local", 1);
        snap.requirements = Some(req.clone());
        threads.create(&snap).await.expect("seed");
    }
}

/// `appgen serve --local` on a fresh data dir seeded with apps, signing app keys with `secret`:
/// the common ground of the data API tests (records, accounts, AI calls).
pub struct DataApp {
    pub server: Server,
    pub c: reqwest::Client,
    pub data: PathBuf,
    secret: &'static str,
    _dir: tempfile::TempDir,
}

impl DataApp {
    pub async fn serve(
        secret: &'static str,
        apps: &[(&str, Requirements)],
        env: &[(String, String)],
    ) -> DataApp {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        seed_apps(&data, apps).await;
        let mut spawn = Spawn::local(&data).with_env("APPGEN_PREVIEW_SECRET", secret);
        for (k, v) in env {
            spawn = spawn.with_env(k, v.clone());
        }
        DataApp {
            server: Server::start(spawn),
            c: client(),
            data,
            secret,
            _dir: dir,
        }
    }

    /// The app key that opens `space` of `thread`.
    pub fn key(&self, thread: &str, space: &str) -> String {
        PreviewUrls::new("", self.secret.as_bytes()).data_key(thread, space)
    }

    pub fn url(&self, thread: &str, space: &str, rest: &str) -> String {
        format!("{}/data/{thread}/{space}/{rest}", self.server.preview)
    }

    /// A request to `rest` of `thread`/`space`, with that space's key.
    pub fn at(&self, m: Method, thread: &str, space: &str, rest: &str) -> RequestBuilder {
        self.c
            .request(m, self.url(thread, space, rest))
            .header("x-app-key", self.key(thread, space))
    }
}

/// Sends the request and reads its JSON body, whatever the status.
pub async fn send_json(r: RequestBuilder) -> Value {
    r.send().await.expect("send").json().await.expect("json")
}

/// An error answer as (status, code, message).
pub async fn error_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("JSON error body");
    let text = |k: &str| body["error"][k].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("message"))
}

/// An error answer as (status, code).
pub async fn error_code(resp: reqwest::Response) -> (u16, String) {
    let (status, code, _) = error_of(resp).await;
    (status, code)
}

/// Reads the stream until `want` appears (or 5 s pass); returns what was read.
pub async fn read_until(resp: &mut reqwest::Response, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut text = String::new();
    while !text.contains(want) && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), resp.chunk()).await {
            Ok(Ok(Some(b))) => text.push_str(&String::from_utf8_lossy(&b)),
            Ok(_) => break,
            Err(_) => {}
        }
    }
    text
}
