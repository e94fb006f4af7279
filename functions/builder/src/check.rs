//! The browser check: `check/check.mjs` (Playwright driving headless Chromium) run on a
//! built `dist/`, and its JSON report.

use appgen_core::app::{CheckReport, CheckResult};
use appgen_core::check::{Check, SubmitRoundtrip};
use appgen_core::colors::NAMED_COLORS_JSON;
use serde_json::Value;
use std::path::Path;

/// The check script, written next to a `node_modules` link so Node resolves playwright-core.
pub const CHECK_SCRIPT: &str = include_str!("../check/check.mjs");

/// The file beside the script that holds the named-colour table it reads.
pub const COLORS_FILE: &str = "named-colors.json";

/// Exit code of the script when it could not run at all (Chromium did not start).
pub const EXIT_FATAL: i32 = 3;

/// Writes the script and the colour table it reads into `dir`.
pub fn write_script(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("check.mjs"), CHECK_SCRIPT)?;
    std::fs::write(dir.join(COLORS_FILE), NAMED_COLORS_JSON)
}

/// The checks of the pipeline: the page loads cleanly and, when it has a form, submitting it
/// shows what was typed.
pub fn default_checks() -> Vec<Check> {
    vec![
        Check::Loads,
        Check::SubmitRoundtrip(SubmitRoundtrip { optional: true }),
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

/// A report for a check that could not finish (timeout, crash): the app failed it, and each
/// check it asked for is reported as not judged.
pub fn failed_report(checks: &[Check], detail: &str, duration_ms: u64) -> CheckReport {
    CheckReport {
        passed: false,
        checks: checks
            .iter()
            .map(|c| CheckResult {
                kind: c.kind(),
                passed: false,
                detail: format!("not judged: {detail}"),
            })
            .collect(),
        error: Some(detail.to_string()),
        duration_ms,
        ..CheckReport::default()
    }
}

/// One line for the first failing check: `check loads: console error: …`.
pub fn first_failure(report: &CheckReport) -> Option<String> {
    if let Some(e) = &report.error {
        // The whole check (not one kind) failed: timeout, crash.
        return Some(format!("check: {e}"));
    }
    match report.checks.iter().find(|c| !c.passed) {
        Some(c) if c.detail.is_empty() => Some(format!("check {} failed", c.kind)),
        Some(c) => Some(format!("check {}: {}", c.kind, c.detail)),
        None if !report.passed => Some("check failed".into()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgen_core::check::CheckKind;

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
        let mut r = failed_report(&default_checks(), "the check timed out after 30 s", 30_000);
        assert_eq!(
            first_failure(&r).as_deref(),
            Some("check: the check timed out after 30 s")
        );
        assert_eq!(r.checks.len(), 2);
        assert_eq!(r.checks[1].kind, CheckKind::SubmitRoundtrip);
        assert_eq!(
            r.checks[1].detail,
            "not judged: the check timed out after 30 s"
        );
        r.error = None;
        r.checks = vec![
            CheckResult {
                kind: CheckKind::Loads,
                passed: true,
                detail: String::new(),
            },
            CheckResult {
                kind: CheckKind::Persists,
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
        assert_eq!(
            serde_json::to_value(default_checks()).expect("json"),
            serde_json::json!([{"kind": "loads"}, {"kind": "submit_roundtrip", "optional": true}])
        );
    }

    #[test]
    fn the_script_has_one_function_per_check_kind() {
        // The dispatch table's keys, between its markers, are exactly core's kinds.
        let table = CHECK_SCRIPT
            .split_once("const CHECKS = {")
            .and_then(|(_, rest)| rest.split_once("};"))
            .map(|(body, _)| body)
            .expect("check.mjs has `const CHECKS = { … };`");
        let keys: Vec<&str> = table
            .lines()
            .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.trim()))
            .filter(|k| !k.is_empty() && !k.starts_with("//"))
            .collect();
        let kinds: Vec<&str> = CheckKind::ALL.map(CheckKind::as_str).to_vec();
        assert_eq!(keys, kinds);
    }

    #[test]
    fn the_script_reads_the_colour_table_written_beside_it() {
        assert!(CHECK_SCRIPT.contains(&format!("\"./{COLORS_FILE}\"")));
        let dir = tempfile::tempdir().expect("tempdir");
        write_script(dir.path()).expect("write");
        let written = std::fs::read_to_string(dir.path().join(COLORS_FILE)).expect("read");
        assert_eq!(written, NAMED_COLORS_JSON);
    }
}
