//! Builds and checks the fixture apps of tests/apps for real: sandbox, Vite, Chromium.

mod common;

use appgen_builder::{Builder, check::CHECK_SCRIPT, default_checks};
use appgen_core::app::{BuildPhase, CheckReport};
use appgen_core::ports::BlobStore;
use appgen_core::ports::{AppBuilder, BuildJob, Container, WriteCondition};
use common::{app, config, local_builder, store};
use serde_json::{Value, json};

fn every_kind() -> Vec<Value> {
    vec![
        json!({"kind": "builds"}),
        json!({"kind": "loads"}),
        json!({"kind": "text", "all": ["shopping list"], "any": ["item(s)", "items"]}),
        json!({"kind": "field", "any": ["item", "title"]}),
        json!({"kind": "field", "any": ["quantity"]}),
        json!({"kind": "submit_roundtrip"}),
        json!({"kind": "persists"}),
        json!({"kind": "color", "target": "background", "name": "navy"}),
        json!({"kind": "color", "target": "accent", "name": "Forest Green"}),
    ]
}

fn failing(report: &CheckReport) -> Vec<(&str, &str)> {
    report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| (c.kind.as_str(), c.detail.as_str()))
        .collect()
}

#[tokio::test]
async fn good_app_passes_every_check_and_is_published() {
    let store = store();
    let builder = Builder::new(config(), store.blobs.clone());
    // A stale file from an earlier attempt at the same version must not survive.
    store
        .blobs
        .put(
            Container::Artifacts,
            "t1/v3/dist/assets/old.js",
            b"old".to_vec(),
            "text/javascript",
            WriteCondition::Any,
        )
        .await
        .expect("put");
    let job = BuildJob {
        thread_id: "t1".into(),
        version: 3,
        files: app("good"),
    };
    let report = builder
        .build_with_checks(job, &every_kind())
        .await
        .expect("build");
    let check = report.check.clone().expect("check report");
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.phase, BuildPhase::Done);
    assert_eq!(report.error, None);
    assert!(failing(&check).is_empty(), "{:?}", failing(&check));
    assert_eq!(check.checks.len(), every_kind().len());
    assert!(
        check.visible_text > 10 && check.console_errors.is_empty() && check.page_errors.is_empty()
    );
    assert_eq!(report.artifact.as_deref(), Some("t1/v3"));
    assert_eq!(check.screenshot.as_deref(), Some("t1/v3/screenshot.png"));

    let keys = store.keys(Container::Artifacts).await;
    assert!(
        !keys.contains(&"t1/v3/dist/assets/old.js".to_string()),
        "{keys:?}"
    );
    let (html, ct) = store
        .get_blob(Container::Artifacts, "t1/v3/dist/index.html")
        .await
        .expect("index.html");
    assert_eq!(ct, "text/html; charset=utf-8");
    // base './' makes the app work under any preview path.
    assert!(String::from_utf8_lossy(&html).contains("./assets/"));
    let js = keys
        .iter()
        .find(|k| k.starts_with("t1/v3/dist/assets/") && k.ends_with(".js"))
        .expect("js");
    assert_eq!(
        store
            .get_blob(Container::Artifacts, js)
            .await
            .expect("js")
            .1,
        "text/javascript; charset=utf-8"
    );
    let css = keys.iter().find(|k| k.ends_with(".css")).expect("css");
    assert_eq!(
        store
            .get_blob(Container::Artifacts, css)
            .await
            .expect("css")
            .1,
        "text/css; charset=utf-8"
    );
    let (png, ct) = store
        .get_blob(Container::Artifacts, "t1/v3/screenshot.png")
        .await
        .expect("png");
    assert_eq!(ct, "image/png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000);
    let (json, _) = store
        .get_blob(Container::Artifacts, "t1/v3/check.json")
        .await
        .expect("check.json");
    let published: CheckReport = serde_json::from_slice(&json).expect("check.json parses");
    assert_eq!(published, check);
}

#[tokio::test]
async fn pipeline_checks_pass_without_persistence_but_persists_fails() {
    let builder = local_builder();
    let local = builder
        .build_files(
            &app("no-persist"),
            &[
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
            ],
        )
        .await
        .expect("build");
    let r = &local.report;
    assert!(!r.ok);
    assert_eq!(r.phase, BuildPhase::Check);
    assert_eq!(
        r.error.as_deref(),
        Some("check persists: the submitted entry is gone after a reload")
    );
    let dist = local.dist().expect("dist");

    // The default (pipeline) checks do not ask for persistence.
    let report = builder
        .check_dist(&dist, &default_checks())
        .await
        .expect("check");
    assert!(report.passed, "{report:#?}");
    let kinds: Vec<&str> = report.checks.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["loads", "submit_roundtrip"]);

    // Negative text and field checks, and an unknown kind.
    let report = builder
        .check_dist(
            &dist,
            &[
                json!({"kind": "builds"}),
                json!({"kind": "text", "any": ["zebra", "giraffe"]}),
                json!({"kind": "text", "all": ["shopping", "zebra"]}),
                json!({"kind": "field", "any": ["email"]}),
                json!({"kind": "teleport"}),
            ],
        )
        .await
        .expect("check");
    assert!(!report.passed);
    let f = failing(&report);
    assert_eq!(f.len(), 4, "{f:?}");
    assert_eq!(
        f[0],
        (
            "text",
            "visible text contains none of \"zebra\", \"giraffe\""
        )
    );
    assert_eq!(f[1], ("text", "visible text lacks \"zebra\""));
    assert!(
        f[2].1.starts_with("no visible field named \"email\""),
        "{f:?}"
    );
    assert!(f[3].1.contains("unknown check kind"), "{f:?}");
}

#[tokio::test]
async fn form_without_a_form_element_is_filled_and_submitted() {
    let checks = [
        json!({"kind": "field", "any": ["task"]}),
        json!({"kind": "field", "any": ["category"]}),
        json!({"kind": "field", "any": ["due"]}),
        json!({"kind": "field", "any": ["priority"]}),
        json!({"kind": "field", "any": ["notes"]}),
        json!({"kind": "submit_roundtrip"}),
    ];
    let local = local_builder()
        .build_files(&app("no-form-element"), &checks)
        .await
        .expect("build");
    let r = &local.report;
    assert!(r.ok, "{r:#?}");
    let roundtrip = &r.check.as_ref().expect("check").checks[5];
    assert!(
        roundtrip.detail.contains("pressed \"Add task\""),
        "{roundtrip:?}"
    );
}

#[tokio::test]
async fn typescript_error_gives_the_same_line_on_every_build() {
    let builder = local_builder();
    let a = builder
        .build_files(&app("ts-error"), &default_checks())
        .await
        .expect("build");
    let b = builder
        .build_files(&app("ts-error"), &default_checks())
        .await
        .expect("build");
    assert!(!a.report.ok);
    assert_eq!(a.report.phase, BuildPhase::Build);
    assert_eq!(
        a.report.error.as_deref(),
        Some("src/App.tsx(2,25): error TS2304: Cannot find name 'itemz'.")
    );
    assert_eq!(a.report.error, b.report.error);
    assert!(a.report.log.contains("error TS2304"), "{}", a.report.log);
    assert!(
        !a.report.log.contains(&a.job_dir().display().to_string()),
        "log leaks the temp dir"
    );
    assert!(a.report.check.is_none() && a.dist().is_none());
}

async fn check_failure(name: &str, checks: &[Value]) -> (String, CheckReport) {
    let local = local_builder()
        .build_files(&app(name), checks)
        .await
        .expect("build");
    let r = local.report;
    assert!(!r.ok, "{name} should fail: {r:#?}");
    assert_eq!(r.phase, BuildPhase::Check, "{name}: {r:#?}");
    (r.error.expect("error line"), r.check.expect("check report"))
}

#[tokio::test]
async fn console_error_at_load_fails_loads() {
    let (error, check) = check_failure("console-error", &default_checks()).await;
    assert_eq!(
        error,
        "check loads: console error: failed to load settings: quota exceeded"
    );
    assert_eq!(
        check.console_errors,
        ["failed to load settings: quota exceeded"]
    );
}

#[tokio::test]
async fn uncaught_exception_fails_loads() {
    let (error, check) = check_failure("uncaught", &default_checks()).await;
    assert!(
        error.starts_with(
            "check loads: uncaught TypeError: Cannot read properties of undefined (reading 'color')"
        ),
        "{error}"
    );
    assert!(!check.page_errors.is_empty());
}

#[tokio::test]
async fn blank_page_fails_loads() {
    let (error, check) = check_failure("blank", &default_checks()).await;
    assert_eq!(error, "check loads: blank page: no visible text or images");
    assert_eq!(check.visible_text, 0);
}

#[tokio::test]
async fn page_that_never_finishes_loading_fails_fast() {
    let started = std::time::Instant::now();
    let checks = [
        json!({"kind": "loads"}),
        json!({"kind": "submit_roundtrip"}),
    ];
    let (error, check) = check_failure("busy-loop", &checks).await;
    assert!(
        error.starts_with("check loads: page did not load: page.goto: Timeout"),
        "{error}"
    );
    assert!(!check.checks[1].passed);
    // Well inside the 30 s check timeout: the remaining checks do not wait again.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn submit_that_does_not_show_the_entry_fails_the_roundtrip() {
    let builder = local_builder();
    let local = builder
        .build_files(&app("no-token"), &[json!({"kind": "submit_roundtrip"})])
        .await
        .expect("build");
    let error = local.report.error.clone().unwrap_or_default();
    assert_eq!(local.report.phase, BuildPhase::Check);
    assert!(
        error.starts_with("check submit_roundtrip: the typed text did not appear"),
        "{error}"
    );
    assert!(error.contains("pressed \"Save\""), "{error}");

    // The pipeline's smoke test accepts a form that answers ("Saved!") and resets.
    let dist = local.dist().expect("dist");
    let report = builder
        .check_dist(&dist, &default_checks())
        .await
        .expect("check");
    assert!(report.passed, "{report:#?}");
    assert!(
        report.checks[1]
            .detail
            .contains("the form reset and the page changed"),
        "{report:#?}"
    );
}

#[tokio::test]
async fn wrong_background_colour_fails() {
    let checks = [
        json!({"kind": "color", "target": "background", "name": "navy"}),
        json!({"kind": "color", "target": "background", "name": "whitesmoke"}),
    ];
    let (error, check) = check_failure("wrong-background", &checks).await;
    assert!(
        error.starts_with("check color: background is not navy"),
        "{error}"
    );
    assert!(error.contains("#f0f0f0"), "{error}");
    assert!(
        check.checks[1].passed,
        "#f0f0f0 is within ΔE 5 of whitesmoke: {check:#?}"
    );
}

#[tokio::test]
async fn wrong_accent_colour_fails() {
    let checks = [
        json!({"kind": "color", "target": "accent", "name": "forestgreen"}),
        json!({"kind": "color", "target": "accent", "name": "white"}),
        json!({"kind": "color", "target": "background", "name": "navy"}),
    ];
    let (error, check) = check_failure("wrong-accent", &checks).await;
    assert!(
        error.starts_with("check color: no button is forestgreen"),
        "{error}"
    );
    assert!(
        check.checks[1].passed && check.checks[2].passed,
        "{check:#?}"
    );
}

#[tokio::test]
async fn path_traversal_is_rejected_before_anything_is_written() {
    let work = tempfile::tempdir().expect("tempdir");
    let mut cfg = config();
    cfg.work_dir = Some(work.path().to_path_buf());
    let local = Builder::without_store(cfg)
        .build_files(&app("traversal"), &default_checks())
        .await
        .expect("build");
    let r = &local.report;
    assert!(!r.ok);
    assert_eq!(r.phase, BuildPhase::Materialize);
    assert_eq!(
        r.error.as_deref(),
        Some("invalid app: path \"src/../../escaped.txt\" leaves the app directory")
    );
    let written: Vec<_> = walk(work.path());
    assert!(
        written
            .iter()
            .all(|p| !p.ends_with("escaped.txt") && !p.ends_with("main.tsx")),
        "{written:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[tokio::test]
async fn invalid_thread_id_and_missing_store_are_builder_errors() {
    let job = |t: &str| BuildJob {
        thread_id: t.into(),
        version: 1,
        files: app("good"),
    };
    let store = store();
    let with_store = Builder::new(config(), store.blobs.clone());
    assert!(with_store.build(job("../x")).await.is_err());
    assert!(local_builder().build(job("t1")).await.is_err());
}

#[test]
fn named_colour_table_matches_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("check.mjs"), CHECK_SCRIPT).expect("write");
    std::os::unix::fs::symlink(
        config().template_dir.join("node_modules"),
        dir.path().join("node_modules"),
    )
    .expect("symlink");
    let out = std::process::Command::new("node")
        .arg("check.mjs")
        .arg("--colors-selftest")
        .arg(&config().chromium)
        .current_dir(dir.path())
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), r#"{"count":148,"wrong":[]}"#);
}

#[tokio::test]
async fn builder_faults_are_errors_not_failed_apps() {
    // No template node_modules: nothing to build with.
    let mut cfg = config();
    cfg.template_dir = tempfile::tempdir().expect("tempdir").path().to_path_buf();
    let err = Builder::without_store(cfg)
        .build_files(&app("good"), &default_checks())
        .await
        .err()
        .expect("missing template is an error");
    assert!(err.to_string().contains("template"), "{err}");

    // Chromium that does not start.
    let mut cfg = config();
    cfg.chromium = "/nonexistent/chromium".into();
    let dist = tempfile::tempdir().expect("tempdir");
    std::fs::write(dist.path().join("index.html"), "<p>hi</p>").expect("write");
    let err = Builder::without_store(cfg)
        .check_dist(dist.path(), &default_checks())
        .await
        .expect_err("no chromium is an error");
    assert!(err.to_string().contains("chromium did not start"), "{err}");
}
