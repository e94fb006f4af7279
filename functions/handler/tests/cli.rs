//! `appgen new`, `edit`, `publish` and `export` through the real binary: the whole pipeline
//! headless.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::BIN;

/// Runs `appgen <args> --data <data> --out <out>`, asserts it succeeded, returns its JSON line.
fn appgen(args: &[&str], data: &Path, out_dir: &Path) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out_dir)
        .output()
        .expect("run appgen");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| {
            panic!(
                "no JSON line: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(
        out.status.success(),
        "{line:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    line
}

#[test]
fn new_then_edit_builds_checked_versions() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let out_dir = dir.path().join("app");
    let line = appgen(
        &[
            "new",
            "--yes",
            "A guest list with name, email and number of guests; show the total number of guests",
        ],
        &data,
        &out_dir,
    );
    assert_eq!(line["ok"], true);
    assert_eq!(line["version"], 1);
    assert_eq!(line["checks"]["passed"], true, "{line:#}");
    assert_eq!(line["agent"], "offline");
    // No model used, no cost.
    assert_eq!(line["modelCalls"], 0);
    assert_eq!(line["costUsd"], 0.0, "{line:#}");
    let acceptance = line["acceptance"].as_array().cloned().unwrap_or_default();
    assert!(
        acceptance.len() >= 3,
        "scenarios were written and run: {line:#}"
    );
    for a in &acceptance {
        assert!(a["name"].is_string() && a["requirement"].is_string(), "{a}");
        assert_eq!(a["passed"], true, "{a:#}");
    }
    assert!(
        line["checks"]["verdict"]
            .as_str()
            .is_some_and(|v| v.starts_with("checked"))
    );
    assert!(out_dir.join("src/App.tsx").exists());
    assert!(out_dir.join("package.json").exists());
    assert!(out_dir.join("dist/index.html").exists(), "dist/ is written");
    let thread = line["threadId"].as_str().expect("thread").to_owned();

    // A check the offline reader cannot read: exit 1, its message, nothing run (no build).
    let out = Command::new(BIN)
        .args(["check", "add", &thread, "it should be nice", "--data"])
        .arg(&data)
        .output()
        .expect("run appgen check add");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let said: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("no JSON line: {stdout}"));
    assert_eq!(out.status.code(), Some(1), "{said:#}");
    assert_eq!(
        (&said["ok"], &said["version"]),
        (&json!(false), &Value::Null)
    );
    let why = said["message"].as_str().unwrap_or_default();
    assert!(why.contains("when I add"), "the reader's message: {said:#}");

    let line = appgen(
        &[
            "edit",
            "--thread",
            &thread,
            "Change the background to lavender",
        ],
        &data,
        &out_dir,
    );
    assert_eq!(line["version"], 2);
    // The whole suite ran again, with the new colour's scenario added.
    let again = line["acceptance"].as_array().cloned().unwrap_or_default();
    assert_eq!(again.len(), acceptance.len() + 1, "{line:#}");
    assert!(again.iter().all(|a| a["passed"] == true), "{line:#}");
    assert!(
        again
            .iter()
            .any(|a| a["name"] == "the background is lavender"),
        "{line:#}"
    );
    let css: String = ["src/index.css", "src/App.tsx"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(out_dir.join(p)).ok())
        .collect();
    assert!(
        css.to_lowercase().contains("lavender") || css.to_lowercase().contains("#e6e6fa"),
        "the new colour is in the sources"
    );
}

#[test]
fn help_is_there_for_every_command() {
    for cmd in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["new", "--help"],
        vec!["edit", "--help"],
        vec!["check", "add", "--help"],
    ] {
        let out = Command::new(BIN).args(&cmd).output().expect("run");
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{cmd:?}"
        );
    }
}

#[test]
fn package_writes_a_function_app() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("app");
    let run = Command::new(BIN)
        .args(["package", "--out"])
        .arg(&out)
        .output()
        .expect("run appgen package");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let host: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("host.json")).expect("host.json"))
            .expect("json");
    assert_eq!(
        host["customHandler"]["description"]["defaultExecutablePath"],
        "appgen"
    );
    let binary = out.join("appgen");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&binary).expect("binary").permissions(),
    );
    assert!(mode & 0o111 != 0, "the handler binary is executable");
    // One folder per function, each with a function.json whose trigger names a queue, a route
    // or the sweeper's schedule.
    let mut queues = Vec::new();
    let mut timers = Vec::new();
    for entry in std::fs::read_dir(&out).expect("read") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            let f: Value = serde_json::from_str(
                &std::fs::read_to_string(path.join("function.json")).expect("function.json"),
            )
            .expect("json");
            let trigger = &f["bindings"][0];
            match trigger["type"].as_str() {
                Some("queueTrigger") => {
                    queues.push(trigger["queueName"].as_str().unwrap_or_default().to_owned())
                }
                Some("httpTrigger") => assert!(trigger["route"].is_string()),
                Some("timerTrigger") => timers.push(trigger["schedule"].clone()),
                other => panic!("unexpected trigger {other:?} in {}", path.display()),
            }
        }
    }
    queues.sort();
    let mut expected: Vec<String> = appgen_core::step::WorkQueue::all()
        .map(|q| q.name().to_owned())
        .collect();
    expected.sort();
    assert_eq!(
        queues, expected,
        "every step queue and the deploys' has its function"
    );
    // What ships is the app's chain only: nothing of the harness (that is appgen-devtools).
    assert_eq!(
        queues,
        [
            "deploy",
            "step-build",
            "step-clarify",
            "step-code",
            "step-fix",
            "step-modify",
            "step-qa",
            "step-requirements",
            "step-review",
            "step-wireframe"
        ]
    );
    assert_eq!(timers.len(), 1, "one timer: the sweeper");
}

/// `appgen new` against the scripted model server: the JSON line's cost is each model's token
/// counts × the prices given in `APPGEN_PRICES`, and their sum; a model with no price makes the
/// cost unknown (null), not zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_line_carries_cost_from_tokens_and_prices() {
    use appgen_testkit::{Script, ScriptedServer};
    let server = ScriptedServer::start(Script::appgen())
        .await
        .expect("scripted server");
    let settings = server.settings_compatible();
    let dir = tempfile::tempdir().expect("tmp");
    let (data, out_dir) = (dir.path().join("data"), dir.path().join("app"));
    let prices = [("scripted-fast", 0.4, 1.6), ("scripted-strong", 2.0, 8.0)];
    let json = prices
        .iter()
        .map(|(m, i, o)| format!("\"{m}\": {{\"input\": {i}, \"output\": {o}}}"))
        .collect::<Vec<_>>()
        .join(",");
    let run = |args: Vec<String>, priced: bool| {
        let mut cmd = Command::new(BIN);
        cmd.args(&args)
            .envs(settings.clone())
            .env_remove("APPGEN_PRICES");
        if priced {
            cmd.env("APPGEN_PRICES", format!("{{{json}}}"));
        }
        let (data, out_dir) = (data.clone(), out_dir.clone());
        tokio::task::spawn_blocking(move || {
            let out = cmd
                .arg("--data")
                .arg(data)
                .arg("--out")
                .arg(out_dir)
                .output()
                .expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            serde_json::from_str::<Value>(stdout.lines().last().unwrap_or_default())
                .unwrap_or_else(|_| panic!("no JSON line: {stdout}\n{err}"))
        })
    };
    let new = ["new", "--yes", "A guest list with name and email"];
    let line = run(new.map(String::from).to_vec(), true)
        .await
        .expect("join");
    assert_eq!(line["ok"], true, "{line:#}");
    let usage = line["usage"].as_array().expect("usage");
    let mut total = 0.0;
    for u in usage {
        let model = u["model"].as_str().expect("model");
        let (_, i, o) = prices
            .iter()
            .find(|p| p.0 == model)
            .expect("a priced model");
        let tokens = |k: &str| u[k].as_u64().expect("counts") as f64;
        assert!(
            tokens("inputTokens") > 0.0 && tokens("outputTokens") > 0.0,
            "{u}"
        );
        let want = (tokens("inputTokens") * i + tokens("outputTokens") * o) / 1e6;
        let got = u["costUsd"].as_f64().expect("costUsd");
        assert!((got - want).abs() < 1e-9, "{model}: {got} != {want}");
        total += want;
    }
    assert_eq!(usage.len(), 2, "both models were used: {line:#}");
    let got = line["costUsd"].as_f64().expect("total costUsd");
    assert!((got - total).abs() < 1e-9, "{got} != {total}");

    let thread = line["threadId"].as_str().expect("thread").to_owned();
    let edit = vec![
        "edit".into(),
        "--thread".into(),
        thread,
        "Add a phone field".into(),
    ];
    let line = run(edit, false).await.expect("join");
    assert!(
        line["usage"][0]["inputTokens"].as_u64() > Some(0),
        "{line:#}"
    );
    assert!(line["usage"][0].get("costUsd").is_none(), "{line:#}");
    assert!(line["costUsd"].is_null(), "unknown, not zero: {line:#}");
}

#[test]
fn the_product_binary_has_no_harness_commands() {
    for harness in ["bench", "eval", "serve-bench"] {
        let run = Command::new(BIN).arg(harness).output().expect("run appgen");
        assert!(!run.status.success(), "appgen {harness} should not exist");
        assert!(
            String::from_utf8_lossy(&run.stderr).contains("unrecognized subcommand"),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

/// Runs the binary, asserts success, returns stdout.
fn ok(args: &[&str], data: &Path) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("APPGEN_APPS_DOMAIN")
        .env("APPGEN_APPS_PORT", "7999")
        .output()
        .expect("run appgen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn publish_prints_the_url_and_export_writes_a_deployable_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let line = appgen(
        &[
            "new",
            "--yes",
            "A packing list with item name and packed yes or no",
        ],
        &data,
        &dir.path().join("app"),
    );
    let thread = line["threadId"].as_str().expect("thread").to_owned();

    let url = ok(&["publish", "--thread", &thread], &data);
    let url = url.trim();
    assert!(
        url.starts_with("http://") && url.ends_with(".localhost:7999/"),
        "{url}"
    );
    // Asked in words, `edit` publishes too (as the web UI's chat does) and makes no version.
    let said = ok(
        &["edit", "--thread", &thread, "put it online please"],
        &data,
    );
    let said: Value = serde_json::from_str(said.lines().last().unwrap_or_default()).expect("json");
    assert_eq!(said["ok"], true, "{said}");
    assert_eq!(said["published"]["url"], url, "{said}");
    assert_eq!(said["published"]["version"], 1, "{said}");
    assert_eq!(
        ok(&["publish", "--thread", &thread, "--version", "1"], &data).trim(),
        url
    );
    ok(&["publish", "--thread", &thread, "--unpublish"], &data);

    let out = dir.path().join("export");
    let out_s = out.to_string_lossy().into_owned();
    ok(&["export", "--thread", &thread, "--out", &out_s], &data);
    for f in [
        "package.json",
        "package-lock.json",
        "src/App.tsx",
        "dist/index.html",
        "staticwebapp.config.json",
        ".github/workflows/azure-static-web-apps.yml",
        "vercel.json",
        "netlify.toml",
        ".replit",
    ] {
        assert!(out.join(f).exists(), "{f} is exported");
    }
    let readme = std::fs::read_to_string(out.join("README.md")).expect("README");
    assert!(readme.contains("npm ci") && readme.contains("npm run build"));

    // The project builds from the export alone, with the pinned dependencies (from npm's
    // cache, which infra/local/setup.sh filled: no network).
    std::fs::remove_dir_all(out.join("dist")).expect("rm dist");
    for cmd in ["npm ci --offline --no-audit --no-fund", "npm run build"] {
        let run = Command::new("sh")
            .args(["-c", cmd])
            .current_dir(&out)
            .output()
            .expect("run npm");
        assert!(
            run.status.success(),
            "{cmd}: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert!(
        out.join("dist/index.html").exists(),
        "npm run build wrote dist/"
    );
}
