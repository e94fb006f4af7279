//! Acceptance scenarios run by the browser check on real built apps (sandbox, Vite, Chromium):
//! one app that does what the scenarios ask, one that loses its data on reload.

mod common;

use appgen_builder::{Builder, default_checks};
use appgen_core::ports::{BlobStore, BuildJob, Container};
use appgen_core::scenario::{Scenario, Tally, parse_scenarios};
use common::{app, config, store};
use serde_json::json;

fn scenarios() -> Vec<Scenario> {
    let add = |item: &str, qty: &str| {
        json!([
            {"do": "fill", "label": "Item", "value": item},
            {"do": "fill", "label": "Quantity", "value": qty},
            {"do": "click", "role": "button", "name": "Add"},
        ])
    };
    let mut two = add("Milk", "2").as_array().cloned().unwrap_or_default();
    two.extend(add("Eggs", "12").as_array().cloned().unwrap_or_default());
    let mut listed = two.clone();
    listed.extend([
        json!({"do": "expect", "expect": {"kind": "text_visible", "text": "Eggs × 12", "within": "Items"}}),
        json!({"do": "expect", "expect": {"kind": "count", "count": 2}}),
        json!({"do": "expect", "expect": {"kind": "order", "texts": ["Milk", "Eggs"]}}),
        json!({"do": "fill", "label": "Item", "value": "Bread"}),
        json!({"do": "expect", "expect": {"kind": "value", "label": "Item", "value": "Bread"}}),
        json!({"do": "expect", "expect": {"kind": "text_hidden", "text": "Bread", "within": "Items"}}),
        json!({"do": "expect", "expect": {"kind": "color", "target": "accent", "name": "forestgreen"}}),
    ]);
    let mut kept = two;
    kept.extend([
        json!({"do": "reload"}),
        json!({"do": "expect", "expect": {"kind": "text_visible", "text": "Milk × 2"}}),
        json!({"do": "fresh_context"}),
        json!({"do": "expect", "expect": {"kind": "count", "count": 0}}),
    ]);
    let list = json!([
        {"name": "adding items lists them in order", "requirement": "Add items with a quantity", "steps": listed},
        {"name": "items are kept after a reload", "requirement": "Keep the list after a reload", "steps": kept},
        // Runs after two scenarios that added items: each scenario is a new visitor.
        {"name": "a new visitor starts with an empty list", "requirement": "Each visitor has their own list",
         "steps": [{"do": "expect", "expect": {"kind": "count", "count": 0}},
                   {"do": "expect", "expect": {"kind": "text_hidden", "text": "Milk", "within": "Items"}}]},
    ]);
    parse_scenarios(&list.to_string()).expect("valid scenarios")
}

async fn build(fixture: &str, store: &common::Store) -> appgen_core::app::BuildReport {
    let builder = Builder::new(config(), store.blobs.clone());
    let job = BuildJob {
        thread_id: format!("t-{fixture}"),
        version: 1,
        files: app(fixture),
        scenarios: scenarios(),
        data: None,
        built: None,
    };
    builder
        .build_with_checks(job, &default_checks())
        .await
        .expect("build")
}

#[tokio::test]
async fn an_app_that_does_what_was_asked_passes_every_scenario() {
    let store = store();
    let report = build("good", &store).await;
    let check = report.check.expect("check");
    assert!(report.ok, "{check:#?}");
    assert_eq!(
        check.tally(),
        Some(Tally {
            passed: 3,
            total: 3
        }),
        "{:#?}",
        check.acceptance
    );
    assert_eq!(check.verdict(), "checked, 3 of 3 acceptance checks pass");
    assert!(check.acceptance.iter().all(|r| r.screenshot.is_none()));
}

#[tokio::test]
async fn a_failing_scenario_reports_its_step_what_was_expected_and_seen_with_a_screenshot() {
    let store = store();
    let report = build("no-persist", &store).await;
    // The app builds and loads: the failure is the scenario's, not the check's.
    assert!(report.ok, "{report:#?}");
    let check = report.check.expect("check");
    assert_eq!(
        check.tally(),
        Some(Tally {
            passed: 2,
            total: 3
        }),
        "{:#?}",
        check.acceptance
    );
    assert_eq!(check.verdict(), "built, 2 of 3 acceptance checks pass");
    let failed = check
        .acceptance
        .iter()
        .find(|r| !r.passed)
        .expect("one fails");
    assert_eq!(failed.name, "items are kept after a reload");
    assert_eq!(
        failed.failed_step,
        Some(8),
        "the expectation after the reload"
    );
    assert_eq!(
        failed.expected.as_deref(),
        Some("text \"Milk × 2\" visible on the page")
    );
    let seen = failed.seen.as_deref().unwrap_or_default();
    assert!(
        seen.contains("0 item(s)") && !seen.contains("milk"),
        "{seen}"
    );
    let key = failed.screenshot.clone().expect("a failure screenshot");
    assert_eq!(key, "t-no-persist/v1/acceptance-2.png");
    let shot = store
        .blobs
        .get(Container::Artifacts, &key)
        .await
        .expect("get");
    assert!(
        shot.is_some_and(|b| b.bytes.starts_with(b"\x89PNG")),
        "published"
    );
    let evidence = check.acceptance_failures().unwrap_or_default();
    assert!(
        evidence.contains("step 8") && evidence.contains("0 item(s)"),
        "{evidence}"
    );
}
