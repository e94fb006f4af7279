//! The done-when of the data service, in real browsers: `appgen new --yes` makes the shared
//! shopping list as a cloud app, `appgen serve` serves its preview and data API, and two fresh
//! Chromium contexts on the preview (a sandboxed, opaque origin) see each other's records live
//! (≤ 2 s, no reload) and after a reload (tests/appdata/two_browsers.mjs). Needs the builder
//! template's node_modules (infra/local/setup.sh) and /usr/bin/chromium, like `cli.rs`.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{BIN, Server, Spawn, free_port};

#[test]
fn a_cloud_app_shows_one_browsers_record_in_another_live() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let preview_port = free_port();
    let out = Command::new(BIN)
        .args([
            "new",
            "--yes",
            "A shared shopping list for our household: item, quantity and who added it; everyone sees changes live.",
            "--preview-base-url",
            &format!("http://127.0.0.1:{preview_port}"),
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("app"))
        .output()
        .expect("run appgen new");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(line["ok"], true, "{line:#}");
    let config = std::fs::read_to_string(dir.path().join("app/src/config.ts")).expect("config");
    assert!(
        config.contains("\"cloudCollection\": \""),
        "a cloud app: {config}"
    );
    let url = line["preview"].as_str().expect("preview").to_owned();

    let mut spawn = Spawn::local(&data);
    spawn.ports = Some((free_port(), preview_port));
    let server = Server::start(spawn);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/appdata/two_browsers.mjs"
    );
    let run = Command::new("node")
        .arg(script)
        .arg(&url)
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{report}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&run.stderr),
        server.log()
    );
    let r: Value = serde_json::from_str(report.trim()).expect("report");
    assert!(r["liveMs"].as_u64().is_some_and(|ms| ms <= 2000), "{r}");
    assert_eq!(r["afterReload"], true);
}
