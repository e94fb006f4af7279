//! The check of a cloud app and of a sign-in app runs against a throwaway data space of the
//! real data API (`appgen_runtime::dataapi::check::CheckSpace`, on the embedded store): the
//! apps as the offline generator makes them, their scenarios as its qa step derives them.
//! A mutant whose client never follows the change stream fails the live scenario (and passes
//! the one across a fresh context); one whose client keeps its data in the browser fails the
//! sharing scenario.

mod common;

use appgen_builder::{LocalBuild, default_checks};
use appgen_core::app::{CheckReport, FileMap, Requirements, answers_with_defaults};
use appgen_core::appdata::AppSchema;
use appgen_core::check::Check;
use appgen_core::ports::{BlobStore, CheckData};
use appgen_core::scenario::Scenario;
use appgen_generator::{AppSpec, analysis, compose, qa, questions};
use appgen_runtime::dataapi::check::CheckSpace;
use common::{local_builder, store};
use std::sync::Arc;

const SHOPPING: &str = "A shared shopping list for our household: item, quantity and who added it; everyone sees changes live.";
const JOURNAL: &str =
    "A journal where each person signs in and keeps their own entries: title and text.";

/// The spec the pipeline makes of `prompt`, the questions' defaults applied.
fn spec_of(prompt: &str) -> AppSpec {
    let mut spec = analysis::analyze(prompt, &[]);
    let qs = questions::questions(&spec, prompt);
    questions::apply_answers(&mut spec, &answers_with_defaults(&qs, None), prompt);
    spec
}

fn schema_of(spec: &AppSpec) -> AppSchema {
    let req = Requirements {
        title: String::new(),
        summary: String::new(),
        features: Vec::new(),
        spec: serde_json::to_value(spec).expect("spec as JSON"),
    };
    assert!(AppSchema::uses_data_api(&req), "{spec:?}");
    AppSchema::of(&req)
}

/// Builds `files` and checks them (`checks`, then `scenarios`) against a new check space of
/// the app; the space is erased afterwards. The build stays on disk while the returned value
/// lives.
async fn build_and_check(
    spec: &AppSpec,
    files: &FileMap,
    checks: &[Check],
    scenarios: &[Scenario],
) -> LocalBuild {
    on_a_space(spec, async |data| {
        local_builder()
            .build_files_on(files, checks, scenarios, Some(data))
            .await
            .expect("builder")
    })
    .await
}

/// `run` on a new check space of `spec`'s app, erased afterwards.
async fn on_a_space<T>(spec: &AppSpec, run: impl AsyncFnOnce(&CheckData) -> T) -> T {
    let store = store();
    let blobs: Arc<dyn BlobStore> = store.blobs.clone();
    let thread = "thread-0123456789abcdef0123456789abcdef";
    let space = CheckSpace::open(blobs, thread, schema_of(spec))
        .await
        .expect("a check space");
    let out = run(space.data()).await;
    space.close().await.expect("erased");
    let left = store.keys(appgen_core::ports::Container::Threads).await;
    assert!(left.is_empty(), "the check space is erased: {left:?}");
    out
}

fn report_of(built: &LocalBuild) -> CheckReport {
    let error = built.report.error.clone();
    built
        .report
        .check
        .clone()
        .unwrap_or_else(|| panic!("the app was not built: {error:?}"))
}

/// The default checks and `scenarios` on `files`.
async fn check(spec: &AppSpec, files: &FileMap, scenarios: &[Scenario]) -> CheckReport {
    report_of(&build_and_check(spec, files, &default_checks(), scenarios).await)
}

fn result<'a>(
    report: &'a CheckReport,
    name_part: &str,
) -> &'a appgen_core::scenario::ScenarioResult {
    report
        .acceptance
        .iter()
        .find(|r| r.name.contains(name_part))
        .unwrap_or_else(|| panic!("no scenario {name_part:?}: {:?}", report.acceptance))
}

/// Replaces the built app's `EventSource` with one that never connects.
fn never_follows(dist: &std::path::Path) {
    let mut changed = 0;
    for entry in std::fs::read_dir(dist.join("assets")).expect("assets") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let js = std::fs::read_to_string(&path).expect("js");
        if js.contains("new EventSource(") {
            let dead = "new (class{addEventListener(){}close(){}})(";
            std::fs::write(&path, js.replace("new EventSource(", dead)).expect("write");
            changed += 1;
        }
    }
    assert_eq!(changed, 1, "one bundle opens the stream");
}

/// `files` with `from` replaced by `to` in the app's data client.
fn mutant(files: &FileMap, from: &str, to: &str) -> FileMap {
    let mut files = files.clone();
    let backend = files
        .get_mut("src/lib/backend.ts")
        .expect("the app has the data client");
    assert!(backend.contains(from), "{from:?}");
    *backend = backend.replace(from, to);
    files
}

/// The scenarios whose names contain one of `parts`, one each.
fn only(scenarios: &[Scenario], parts: &[&str]) -> Vec<Scenario> {
    let picked: Vec<Scenario> = scenarios
        .iter()
        .filter(|s| parts.iter().any(|p| s.name.contains(p)))
        .cloned()
        .collect();
    assert_eq!(picked.len(), parts.len(), "{scenarios:?}");
    picked
}

#[tokio::test]
async fn a_cloud_app_shares_its_records_live_and_mutants_without_the_stream_or_server_do_not() {
    let spec = spec_of(SHOPPING);
    let scenarios = qa::scenarios(&spec);
    let files = compose::compose(&spec);
    let built = build_and_check(&spec, &files, &default_checks(), &scenarios).await;
    let report = report_of(&built);
    eprintln!(
        "TIMING build+check {} check {}",
        built.report.duration_ms, report.duration_ms
    );
    assert!(report.data_space, "{report:?}");
    assert!(report.passed, "{report:?}");
    for name in ["shared with everyone", "without a reload"] {
        assert!(result(&report, name).passed, "{:?}", report.acceptance);
    }
    assert!(
        report.acceptance.iter().all(|r| r.passed),
        "{:?}",
        report.acceptance
    );

    // The same build, its change stream never opened (an EventSource that never connects):
    // the list is read once, when the page loads. Checked without building again, on the two
    // sharing scenarios only (the checks and the other scenarios do not depend on it).
    let dist = built.dist().expect("a dist");
    never_follows(&dist);
    let sharing = only(&scenarios, &["shared with everyone", "without a reload"]);
    let report = on_a_space(&spec, async |data| {
        local_builder()
            .check_dist_on(&dist, &[], &sharing, data)
            .await
            .expect("checked")
    })
    .await;
    let shared = result(&report, "shared with everyone");
    assert!(shared.passed, "after a reload it is there: {shared:?}");
    let live = result(&report, "without a reload");
    assert!(
        !live.passed,
        "an app without live updates must fail: {live:?}"
    );
    let expected = live.expected.as_deref().unwrap_or_default();
    assert!(
        expected.contains("within 2000 ms, without a reload"),
        "{live:?}"
    );
    assert!(live.seen.is_some(), "{live:?}");

    // The client finds no backend, so the app keeps its records in this browser.
    let local = mutant(
        &files,
        "const where = locate();",
        "const where = (false as boolean) ? locate() : null;",
    );
    // The scenarios only: the checks do not depend on where the data is.
    let picked = only(&scenarios, &["adding", "shared with everyone"]);
    let report = report_of(&build_and_check(&spec, &local, &[], &picked).await);
    let shared = result(&report, "shared with everyone");
    assert!(
        !shared.passed,
        "a browser-only app must fail sharing: {shared:?}"
    );
    assert!(result(&report, "adding").passed, "{:?}", report.acceptance);
}

#[tokio::test]
async fn a_sign_in_app_keeps_each_persons_records_their_own() {
    let spec = spec_of(JOURNAL);
    assert!(spec.accounts(), "{spec:?}");
    let scenarios = qa::scenarios(&spec);
    let report = check(&spec, &compose::compose(&spec), &scenarios).await;
    assert!(report.data_space, "{report:?}");
    let private = result(&report, "only their own");
    assert!(private.passed, "{private:?}");
    assert!(
        report.acceptance.iter().all(|r| r.passed),
        "{:?}",
        report.acceptance
    );
}
