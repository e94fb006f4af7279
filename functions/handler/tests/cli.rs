//! `appgen new` and `appgen edit` through the real binary: the whole pipeline headless.

mod support;

use serde_json::Value;
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
    let mut expected: Vec<String> = appgen_core::step::StepName::ALL
        .iter()
        .map(|s| s.queue().to_owned())
        .collect();
    expected.sort();
    assert_eq!(queues, expected, "every step queue has its function");
    assert_eq!(timers.len(), 1, "one timer: the sweeper");
}
