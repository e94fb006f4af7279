//! The done-when of the data service, in real browsers: `appgen new --yes` makes the app,
//! `appgen serve` serves its preview and data API, and fresh Chromium contexts on the preview (a
//! sandboxed, opaque origin) drive it:
//! - the shared shopping list (a cloud app): two contexts see each other's records live (≤ 2 s,
//!   no reload) and after a reload (tests/appdata/two_browsers.mjs);
//! - the private journal (sign-in): A's entry is A's alone, B never sees it, A sees it again
//!   after signing in elsewhere (tests/appdata/signin.mjs); published, at its own origin, the
//!   live space has its own accounts and a session outlives a reload
//!   (tests/appdata/published_signin.mjs).
//!
//! Needs the builder template's node_modules (infra/local/setup.sh) and /usr/bin/chromium, like
//! `cli.rs`.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{BIN, Server, Spawn, free_port};

/// A generated app: its thread, preview URL, config and where its data lives.
struct App {
    dir: tempfile::TempDir,
    thread: String,
    preview_port: u16,
    url: String,
    config: String,
}

fn generate(description: &str) -> App {
    let dir = tempfile::tempdir().expect("tmp");
    let preview_port = free_port();
    let out = Command::new(BIN)
        .args([
            "new",
            "--yes",
            description,
            "--preview-base-url",
            &format!("http://127.0.0.1:{preview_port}"),
        ])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(dir.path().join("app"))
        .output()
        .expect("run appgen new");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(line["ok"], true, "{line:#}");
    let config = std::fs::read_to_string(dir.path().join("app/src/config.ts")).expect("config");
    let url = line["preview"].as_str().expect("preview").to_owned();
    let thread = line["threadId"].as_str().expect("thread").to_owned();
    App {
        dir,
        thread,
        preview_port,
        url,
        config,
    }
}

/// `appgen serve` on the app's data directory, its preview on the port the app was made for.
fn serve(app: &App) -> Server {
    let data = app.dir.path().join("data");
    let mut spawn = Spawn::local(&data);
    spawn.ports = Some((free_port(), app.preview_port));
    Server::start(spawn)
}

/// Runs one of tests/appdata/*.mjs (its first argument the page to open) and answers its
/// JSON report.
fn run(server: &Server, script: &str, args: &[&str]) -> Value {
    let path = format!("{}/tests/appdata/{script}", env!("CARGO_MANIFEST_DIR"));
    let run = Command::new("node")
        .arg(path)
        .args(args)
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{script}: {report}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&run.stderr),
        server.log()
    );
    // The figures (live delays) for `--nocapture`.
    println!("{script}: {}", report.trim());
    serde_json::from_str(report.trim()).expect("report")
}

#[test]
fn a_cloud_app_shows_one_browsers_record_in_another_live() {
    let app = generate(
        "A shared shopping list for our household: item, quantity and who added it; everyone sees changes live.",
    );
    assert!(
        app.config.contains("\"cloudCollection\": \""),
        "a cloud app: {}",
        app.config
    );
    let server = serve(&app);
    let r = run(&server, "two_browsers.mjs", &[&app.url]);
    assert!(r["liveMs"].as_u64().is_some_and(|ms| ms <= 2000), "{r}");
    assert_eq!(r["afterReload"], true);
}

#[test]
fn a_private_app_shows_each_person_only_their_own_entries() {
    let app = generate(
        "A private journal where each person signs in and writes entries only they can see",
    );
    assert!(app.config.contains("\"accounts\": true"), "{}", app.config);
    assert!(
        app.config.contains("\"cloudCollection\": \"entries\""),
        "{}",
        app.config
    );
    // Published before serving (the CLI opens the data directory itself).
    let published = Command::new(BIN)
        .args(["publish", "--thread", &app.thread, "--data"])
        .arg(app.dir.path().join("data"))
        .output()
        .expect("run appgen publish");
    let printed = String::from_utf8_lossy(&published.stdout);
    let slug = printed
        .trim()
        .strip_prefix("http://")
        .and_then(|rest| rest.split(".localhost").next())
        .unwrap_or_else(|| panic!("a published URL: {printed}"))
        .to_owned();
    let server = serve(&app);
    let r = run(&server, "signin.mjs", &[&app.url]);
    assert_eq!(r["otherUserSeesIt"], false, "{r}");
    assert_eq!(r["ownerSeesItAgain"], true, "{r}");
    assert_eq!(r["signedOut"], true, "{r}");
    assert_eq!(r["saysMemoryOnly"], true, "{r}");
    // The server's message, shown in place, the same for a wrong password and an unknown email.
    assert_eq!(r["wrongPassword"], "Email or password is incorrect.", "{r}");
    assert!(r["ownLiveMs"].as_u64().is_some_and(|ms| ms <= 2000), "{r}");

    // Published: its own origin (Chromium resolves *.localhost) and the live space's accounts.
    let url = format!("http://{slug}.localhost:{}/", server.apps_port);
    let p = run(
        &server,
        "published_signin.mjs",
        &[&url, &r["userA"].to_string()],
    );
    assert_eq!(
        p["previewAccountRefused"], "Email or password is incorrect.",
        "accounts belong to one space: {p}"
    );
    assert_eq!(p["saysForgetful"], false, "{p}");
    assert_eq!(p["signedInAfterReload"], true, "{p}");
    assert_eq!(p["freshContextSignedOut"], true, "{p}");
}
