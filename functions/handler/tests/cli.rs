//! `appgen new` and `appgen edit` through the real binary: the whole pipeline headless.

mod support;

use serde_json::Value;
use std::process::Command;
use support::BIN;

fn json_line(out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "no JSON line: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn new_then_edit_builds_checked_versions() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let out_dir = dir.path().join("app");
    let out = Command::new(BIN)
        .args([
            "new",
            "--yes",
            "A guest list with name, email and number of guests; show the total number of guests",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("run appgen new");
    let line = json_line(&out);
    assert!(
        out.status.success(),
        "{line:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(line["ok"], true);
    assert_eq!(line["version"], 1);
    assert_eq!(line["checks"]["passed"], true, "{line:#}");
    assert_eq!(line["agent"], "offline");
    assert!(out_dir.join("src/App.tsx").exists());
    assert!(out_dir.join("package.json").exists());
    assert!(out_dir.join("dist/index.html").exists(), "dist/ is written");
    let thread = line["threadId"].as_str().expect("thread").to_owned();

    let out = Command::new(BIN)
        .args([
            "edit",
            "--thread",
            &thread,
            "Change the background to lavender",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("run appgen edit");
    let line = json_line(&out);
    assert!(
        out.status.success(),
        "{line:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(line["version"], 2);
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
