//! The sandbox holds against builds that misbehave. The apps run code at build time through
//! Tailwind `@plugin` files (the only door: Vite and TypeScript configs are the template's).
//! Tests here run one at a time: the fork-bomb test counts the sandbox's processes.

mod common;

use appgen_builder::{Builder, BuilderConfig, LocalBuild, SandboxMode, default_checks};
use appgen_core::app::BuildPhase;
use common::{app, config, fill};
use serde_json::Value;
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn build(cfg: BuilderConfig, files: &appgen_core::app::FileMap) -> LocalBuild {
    Builder::without_store(cfg)
        .build_files(files, &default_checks())
        .await
        .expect("build")
}

/// The JSON a probe put in the error it threw (`PROBE {...}`), from the build log.
fn probe(local: &LocalBuild) -> Value {
    let r = &local.report;
    assert_eq!(r.phase, BuildPhase::Build, "{r:#?}");
    let text = format!("{}\n{}", r.error.clone().unwrap_or_default(), r.log);
    let start = text
        .find("PROBE {")
        .unwrap_or_else(|| panic!("no probe output in {text}"))
        + "PROBE ".len();
    let json = &text[start..];
    let end = json.find('\n').unwrap_or(json.len());
    eprintln!("probe saw: {}", &json[..end]);
    serde_json::from_str(json[..end].trim()).unwrap_or_else(|e| panic!("{e}: {}", &json[..end]))
}

#[tokio::test]
async fn build_cannot_reach_the_network() {
    let _one = ONE_AT_A_TIME.lock().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port().to_string();
    let files = fill(app("sandbox-net"), &[("PORT", &port)]);

    let seen = probe(&build(config(), &files).await);
    assert_ne!(seen["host"], "connected", "{seen}");
    assert_ne!(seen["dns"], "resolved", "{seen}");
    assert!(
        listener.accept().is_err(),
        "the sandboxed build reached the host"
    );

    // Control: without a sandbox the same probe does connect, so the probe is sound.
    let mut open = config();
    open.sandbox = SandboxMode::None;
    let seen = probe(&build(open, &files).await);
    assert_eq!(seen["host"], "connected", "{seen}");
}

#[tokio::test]
async fn build_sees_only_its_own_directory_and_the_template() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cfg = config();
    if cfg.sandbox != SandboxMode::Bwrap {
        eprintln!(
            "skipped: file-system isolation needs bwrap (sandbox is {:?})",
            cfg.sandbox
        );
        return;
    }
    let work = tempfile::tempdir().expect("tempdir");
    let other = work.path().join("job-other-run");
    std::fs::create_dir(&other).expect("mkdir");
    let secret = other.join("secret.txt");
    std::fs::write(&secret, "another run's source").expect("write");
    cfg.work_dir = Some(work.path().to_path_buf());
    let files = fill(
        app("sandbox-fs"),
        &[("SECRET", &secret.display().to_string())],
    );

    let seen = probe(&build(cfg, &files).await);
    for key in ["root", "secret", "shadow", "templateWrite"] {
        assert!(
            seen[key].as_str().is_some_and(|s| s.starts_with("ERR")),
            "{key}: {seen}"
        );
    }
    let runs = seen["otherRuns"].as_array().cloned().unwrap_or_default();
    assert!(!runs.iter().any(|r| r == "job-other-run"), "{seen}");
    assert_eq!(seen["appWrite"], "written", "{seen}");
    assert!(
        !config()
            .template_dir
            .join("node_modules/probe.txt")
            .exists()
    );
}

/// Processes running as `want`.
fn processes_of(want: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if uid == Some(want) {
            pids.push(pid);
        }
    }
    pids
}

#[tokio::test]
async fn process_limit_and_timeout_contain_a_fork_bomb() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cfg = config();
    cfg.build_limits.processes = 64;
    cfg.build_timeout = Duration::from_secs(8);

    // First make sure the limit binds; only then is the fork bomb safe to run here.
    let mut probe_cfg = cfg.clone();
    probe_cfg.build_timeout = Duration::from_secs(40);
    let seen = probe(&build(probe_cfg, &app("sandbox-nproc")).await);
    let (ok, failed) = (
        seen["ok"].as_u64().unwrap_or(999),
        seen["failed"].as_u64().unwrap_or(0),
    );
    assert!(
        failed > 0 && ok < 64,
        "the process limit did not bind: {seen}"
    );

    let started = Instant::now();
    let local = build(cfg, &app("sandbox-forkbomb")).await;
    let elapsed = started.elapsed();
    // Usually the timeout ends it; the bomb may also starve Vite of threads first, which
    // fails the build sooner. Either way the build fails, in bounded time.
    let r = &local.report;
    assert_eq!(r.phase, BuildPhase::Build, "{r:#?}");
    assert!(!r.ok && r.error.is_some(), "{r:#?}");
    eprintln!("fork bomb ended as {:?} after {elapsed:?}", r.error);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");

    // Every process of the sandbox is gone and the host still starts processes. (Only this
    // build's uid counts: other builds on the machine use the same uid range.)
    if let Some(uid) = local.sandbox_uid() {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !processes_of(uid).is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            processes_of(uid),
            Vec::<u32>::new(),
            "sandbox processes survived"
        );
    }
    let status = std::process::Command::new("true")
        .status()
        .expect("spawn after the bomb");
    assert!(status.success());
}
