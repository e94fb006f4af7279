//! Builds and checks the fixture apps of tests/apps for real: sandbox, Vite, Chromium.

mod common;

use appgen_builder::{Builder, check, default_checks};
use appgen_core::app::{BuildPhase, CheckReport};
use appgen_core::check::{Check, CheckKind};
use appgen_core::ports::BlobStore;
use appgen_core::ports::{AppBuilder, BuildJob, Container, WriteCondition};
use common::{app, config, local_builder, store};
use serde_json::{Value, json};

/// Checks as the eval files write them.
fn checks(list: Value) -> Vec<Check> {
    Check::list_from_json(list).expect("valid checks")
}

fn every_kind() -> Vec<Check> {
    checks(json!([
        {"kind": "builds"},
        {"kind": "loads"},
        {"kind": "text", "all": ["shopping list"], "any": ["item(s)", "items"]},
        {"kind": "field", "any": ["item", "title"]},
        {"kind": "field", "any": ["quantity"]},
        {"kind": "submit_roundtrip"},
        {"kind": "persists"},
        {"kind": "color", "target": "background", "name": "navy"},
        {"kind": "color", "target": "accent", "name": "Forest Green"},
    ]))
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
        scenarios: Vec::new(),
        data: None,
        built: None,
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
    checked_again_as_published(&builder, &store).await;
}

/// A check run on t1/v3: the suite runs on the published `dist/` (files that could not even be
/// materialised prove nothing is built), which stays untouched; the report is rewritten. With
/// nothing published under `built`, the builder builds the files instead.
async fn checked_again_as_published(builder: &Builder, store: &common::Store) {
    let etag = |key: &'static str| async move {
        let blob = store
            .blobs
            .get(Container::Artifacts, key)
            .await
            .expect("get");
        blob.map(|b| b.etag)
    };
    let (index, report) = ("t1/v3/dist/index.html", "t1/v3/check.json");
    let (index_before, report_before) = (etag(index).await, etag(report).await);
    let again = |built: &str| BuildJob {
        thread_id: "t1".into(),
        version: 3,
        files: app("traversal"),
        scenarios: Vec::new(),
        data: None,
        built: Some(built.into()),
    };
    let r = builder
        .build_with_checks(again("t1/v3"), &every_kind())
        .await
        .expect("check again");
    assert!(r.ok && r.phase == BuildPhase::Done, "{r:#?}");
    assert!(r.log.contains("not rebuilt"), "{}", r.log);
    assert_eq!(r.artifact.as_deref(), Some("t1/v3"));
    assert_eq!(
        etag(index).await,
        index_before,
        "the published dist is left as it is"
    );
    assert_ne!(
        etag(report).await,
        report_before,
        "the report is the new one"
    );
    let r = builder
        .build_with_checks(again("t1/v9"), &every_kind())
        .await
        .expect("build instead");
    assert_eq!(r.phase, BuildPhase::Materialize, "{r:#?}");
}

#[tokio::test]
async fn pipeline_checks_pass_without_persistence_but_persists_fails() {
    let builder = local_builder();
    let local = builder
        .build_files(
            &app("no-persist"),
            &checks(json!([{"kind": "submit_roundtrip"},
                {"kind": "persists"},
            ])),
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
    let kinds: Vec<CheckKind> = report.checks.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CheckKind::Loads, CheckKind::SubmitRoundtrip]);

    // Negative text and field checks.
    let report = builder
        .check_dist(
            &dist,
            &checks(json!([
                {"kind": "builds"},
                {"kind": "text", "any": ["zebra", "giraffe"]},
                {"kind": "text", "all": ["shopping", "zebra"]},
                {"kind": "field", "any": ["email"]},
            ])),
        )
        .await
        .expect("check");
    assert!(!report.passed);
    let f = failing(&report);
    assert_eq!(f.len(), 3, "{f:?}");
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
}

#[tokio::test]
async fn form_without_a_form_element_is_filled_and_submitted() {
    let checks = checks(json!([{"kind": "field", "any": ["task"]},
        {"kind": "field", "any": ["category"]},
        {"kind": "field", "any": ["due"]},
        {"kind": "field", "any": ["priority"]},
        {"kind": "field", "any": ["notes"]},
        {"kind": "submit_roundtrip"},
    ]));
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

async fn check_failure(name: &str, checks: &[Check]) -> (String, CheckReport) {
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
    let checks = checks(json!([{"kind": "loads"},
        {"kind": "submit_roundtrip"},
    ]));
    let (error, check) = check_failure("busy-loop", &checks).await;
    assert!(
        error.starts_with("check loads: page did not load: page.goto: Timeout"),
        "{error}"
    );
    // The remaining checks fail on the load error itself rather than each waiting for the
    // page again (a wall-clock bound here flaked on a loaded machine).
    assert!(!check.checks[1].passed);
    assert!(
        check.checks[1].detail.starts_with("page did not load: "),
        "{:?}",
        check.checks[1]
    );
}

#[tokio::test]
async fn submit_that_does_not_show_the_entry_fails_the_roundtrip() {
    let builder = local_builder();
    let local = builder
        .build_files(
            &app("no-token"),
            &checks(json!([{"kind": "submit_roundtrip"}])),
        )
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
    let checks = checks(
        json!([{"kind": "color", "target": "background", "name": "navy"},
            {"kind": "color", "target": "background", "name": "whitesmoke"},
        ]),
    );
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
    let checks = checks(
        json!([{"kind": "color", "target": "accent", "name": "forestgreen"},
            {"kind": "color", "target": "accent", "name": "white"},
            {"kind": "color", "target": "background", "name": "navy"},
        ]),
    );
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
        scenarios: Vec::new(),
        data: None,
        built: None,
    };
    let store = store();
    let with_store = Builder::new(config(), store.blobs.clone());
    assert!(with_store.build(job("../x")).await.is_err());
    assert!(local_builder().build(job("t1")).await.is_err());
}

#[test]
fn named_colour_table_matches_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    check::write_script(dir.path()).expect("write");
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

/// A page of buttons: three change it (text, a class, aria-pressed), one does nothing, and a
/// clock changes the page by itself; the submit, disabled and hidden buttons are not clicked.
const BUTTONS_PAGE: &str = r#"<!doctype html><html><body>
<p id="clock">0</p>
<p id="count">clicked 0 times</p>
<div id="panel" class="closed">panel</div>
<button id="inc">Count</button>
<button onclick="document.getElementById('panel').classList.toggle('open')">Toggle</button>
<button aria-pressed="false" onclick="this.setAttribute('aria-pressed', String(this.getAttribute('aria-pressed') !== 'true'))">Bold</button>
<button>Nothing</button>
<button disabled onclick="document.body.append('disabled ran')">Disabled</button>
<button style="display:none" onclick="document.body.append('hidden ran')">Hidden</button>
<form onsubmit="event.preventDefault(); document.body.append('submitted')"><input name="q"><button>Save</button></form>
<script>
let n = 0, t = 0;
document.getElementById('inc').onclick = () => { n++; document.getElementById('count').textContent = `clicked ${n} times`; };
setInterval(() => { document.getElementById('clock').textContent = String(++t); }, 40);
</script>
</body></html>"#;

async fn check_page(html: &str, list: Value) -> CheckReport {
    let dist = tempfile::tempdir().expect("tempdir");
    std::fs::write(dist.path().join("index.html"), html).expect("write");
    local_builder()
        .check_dist(dist.path(), &checks(list))
        .await
        .expect("check")
}

#[tokio::test]
async fn clicks_counts_the_buttons_that_change_the_page() {
    let report = check_page(
        BUTTONS_PAGE,
        json!([{"kind": "clicks", "min": 3}, {"kind": "clicks", "min": 4}]),
    )
    .await;
    let [three, four] = &report.checks[..] else {
        panic!("two results: {report:#?}");
    };
    assert_eq!(three.kind, CheckKind::Clicks);
    assert!(three.passed, "{report:#?}");
    assert_eq!(three.detail, "3 of 4 button(s) changed the page, 3 needed");
    assert!(!four.passed, "{report:#?}");
    assert_eq!(
        four.detail,
        "3 of 4 button(s) changed the page, 4 needed; no change after \"Nothing\""
    );
    assert!(report.page_errors.is_empty(), "{report:#?}");
}

#[tokio::test]
async fn clicks_fails_without_buttons_or_when_a_click_throws() {
    let report = check_page("<p>No buttons here</p>", json!([{"kind": "clicks"}])).await;
    assert_eq!(
        failing(&report),
        [(
            "clicks",
            "0 clickable button(s) besides submit buttons, 2 needed to change the page"
        )]
    );
    let throws = r#"<p id="n">0</p>
        <button onclick="document.getElementById('n').textContent = '1'">One</button>
        <button onclick="null.boom()">Two</button>
        <button onclick="document.getElementById('n').textContent = '3'">Three</button>"#;
    let report = check_page(throws, json!([{"kind": "clicks", "min": 1}])).await;
    let f = failing(&report);
    assert_eq!(f.len(), 1, "{report:#?}");
    assert!(
        f[0].1
            .starts_with("clicking \"Two\" caused an error: TypeError"),
        "{f:?}"
    );
}
