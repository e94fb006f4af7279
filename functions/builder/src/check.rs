//! The browser check: `check/check.mjs` (Playwright driving headless Chromium) run on a
//! built `dist/`, and its JSON report.

use appgen_core::app::{CheckReport, CheckResult};
use serde_json::{Value, json};

/// The check script, written next to a `node_modules` link so Node resolves playwright-core.
pub const CHECK_SCRIPT: &str = include_str!("../check/check.mjs");

/// Exit code of the script when it could not run at all (Chromium did not start).
pub const EXIT_FATAL: i32 = 3;

/// The checks of the pipeline: the page loads cleanly and, when it has a form, submitting it
/// shows what was typed.
pub fn default_checks() -> Vec<Value> {
    vec![
        json!({"kind": "loads"}),
        json!({"kind": "submit_roundtrip", "optional": true}),
    ]
}

/// What the script printed.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptOutcome {
    Report(CheckReport),
    /// The script gave up (its own deadline, or it could not drive Chromium).
    Fatal(String),
}

/// Parses the script's stdout: the last line that is a JSON object.
pub fn parse_output(stdout: &str) -> Result<ScriptOutcome, String> {
    let line = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| "the check printed no report".to_string())?;
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("the check's report is not JSON: {e}"))?;
    if let Some(msg) = value.get("fatal").and_then(Value::as_str) {
        return Ok(ScriptOutcome::Fatal(msg.to_string()));
    }
    serde_json::from_value(value)
        .map(ScriptOutcome::Report)
        .map_err(|e| format!("the check's report has the wrong shape: {e}"))
}

/// A report for a check that could not finish (timeout, crash): the app failed it.
pub fn failed_report(detail: &str, duration_ms: u64) -> CheckReport {
    CheckReport {
        passed: false,
        checks: vec![CheckResult {
            kind: "check".into(),
            passed: false,
            detail: detail.to_string(),
        }],
        duration_ms,
        ..CheckReport::default()
    }
}

/// One line for the first failing check: `check loads: console error: …`.
pub fn first_failure(report: &CheckReport) -> Option<String> {
    let failed = report.checks.iter().find(|c| !c.passed);
    match failed {
        // The whole check (not one kind) failed: timeout, crash.
        Some(c) if c.kind == "check" => Some(format!("check: {}", c.detail)),
        Some(c) if c.detail.is_empty() => Some(format!("check {} failed", c.kind)),
        Some(c) => Some(format!("check {}: {}", c.kind, c.detail)),
        None if !report.passed => Some("check failed".into()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_last_json_line_as_a_report() {
        let out = "some log line\n{\"passed\":false,\"consoleErrors\":[\"boom\"],\"pageErrors\":[],\
                   \"failedRequests\":[],\"visibleText\":12,\"checks\":[{\"kind\":\"loads\",\"passed\":false,\
                   \"detail\":\"console error: boom\"}],\"durationMs\":1500}\n";
        let ScriptOutcome::Report(r) = parse_output(out).expect("parse") else {
            panic!("expected a report");
        };
        assert!(!r.passed);
        assert_eq!(r.console_errors, vec!["boom"]);
        assert_eq!(r.visible_text, 12);
        assert_eq!(r.duration_ms, 1500);
        assert_eq!(
            first_failure(&r).as_deref(),
            Some("check loads: console error: boom")
        );
    }

    #[test]
    fn fatal_and_garbage_outputs() {
        assert_eq!(
            parse_output("{\"fatal\":\"chromium did not start: x\",\"isFatal\":true}\n"),
            Ok(ScriptOutcome::Fatal("chromium did not start: x".into()))
        );
        assert!(parse_output("").is_err());
        assert!(parse_output("{not json").is_err());
        assert!(parse_output("{\"passed\":\"yes\"}").is_err());
    }

    #[test]
    fn first_failure_names_the_check() {
        let mut r = failed_report("the check timed out after 30 s", 30_000);
        assert_eq!(
            first_failure(&r).as_deref(),
            Some("check: the check timed out after 30 s")
        );
        r.checks = vec![
            CheckResult {
                kind: "loads".into(),
                passed: true,
                detail: String::new(),
            },
            CheckResult {
                kind: "persists".into(),
                passed: false,
                detail: String::new(),
            },
        ];
        assert_eq!(first_failure(&r).as_deref(), Some("check persists failed"));
        r.checks[1].passed = true;
        r.passed = true;
        assert_eq!(first_failure(&r), None);
    }

    #[test]
    fn default_checks_are_loads_and_an_optional_roundtrip() {
        let d = default_checks();
        assert_eq!(d[0]["kind"], "loads");
        assert_eq!(d[1]["optional"], true);
    }

    #[test]
    fn the_script_knows_every_eval_check_kind() {
        for kind in [
            "builds",
            "loads",
            "text",
            "field",
            "submit_roundtrip",
            "persists",
            "color",
        ] {
            assert!(
                CHECK_SCRIPT.contains(&format!("case \"{kind}\"")),
                "check.mjs does not handle {kind}"
            );
        }
    }
}
