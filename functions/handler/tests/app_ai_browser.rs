//! An AI call from a generated app's preview in real Chromium: the sandboxed page (an opaque
//! origin) reaches `_ai/complete` through CORS with its preview URL as the key, the scripted
//! model answers, and the system prompt the model received is the app's, not the page's.
//! Needs the builder template's node_modules (infra/local/setup.sh) and /usr/bin/chromium.

mod support;

use appgen_testkit::{Reply, Script, ScriptedServer};
use serde_json::Value;
use std::process::Command;
use support::{BIN, Server, Spawn, free_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_in_chromium_calls_ai_under_its_apps_system_prompt() {
    let model = ScriptedServer::start(
        Script::default().responder(|_| Reply::text("Cereal, coffee, cookies.").with_usage(20, 6)),
    )
    .await
    .expect("model");
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let preview_port = free_port();
    let (data2, app_dir) = (data.clone(), dir.path().join("app"));
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args([
                "new",
                "--yes",
                "A shared shopping list for our household: item and quantity.",
            ])
            .args([
                "--preview-base-url",
                &format!("http://127.0.0.1:{preview_port}"),
            ])
            .arg("--data")
            .arg(&data2)
            .arg("--out")
            .arg(&app_dir)
            .env("APPGEN_LLM", "offline")
            .output()
            .expect("run appgen new")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(line["ok"], true, "{line:#}");
    let url = line["preview"].as_str().expect("preview").to_owned();

    let settings = model.settings_compatible();
    let mut spawn = Spawn::local(&data);
    for (k, v) in &settings {
        spawn = spawn.with_env(k, v.clone());
    }
    spawn.ports = Some((free_port(), preview_port));
    let server = Server::start(spawn);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/appdata/ai_call.mjs");
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&url)
            .output()
            .expect("run node")
    })
    .await
    .expect("join");
    let report = String::from_utf8_lossy(&run.stdout);
    let r: Value = serde_json::from_str(report.trim()).unwrap_or_else(|_| {
        panic!(
            "{report}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&run.stderr),
            server.log()
        )
    });
    assert_eq!(r["ok"], true, "{r:#}");
    assert_eq!(
        r["answer"]["origin"], "null",
        "the preview is an opaque origin"
    );
    assert_eq!(r["answer"]["status"], 200, "{r:#}");
    assert_eq!(r["answer"]["body"]["text"], "Cereal, coffee, cookies.");
    assert_eq!(r["system"]["status"], 400, "{r:#}");
    let seen = model.requests();
    assert_eq!(seen.len(), 1, "the refused call reached no model");
    let index = std::fs::read_to_string(dir.path().join("app/index.html")).expect("index.html");
    let title = index
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| t.trim().to_owned())
        .expect("the app's title");
    assert!(
        seen[0]
            .system()
            .starts_with(&format!("You are the assistant inside the app \"{title}\""))
            && !seen[0].system().contains("pirate"),
        "the app's own system prompt: {}",
        seen[0].system()
    );
    assert_eq!(seen[0].last_user(), "What goes with milk?");
}
