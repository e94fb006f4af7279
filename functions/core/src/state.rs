//! The AG-UI state of a thread, as the UI sees it: sent whole (STATE_SNAPSHOT) at run start and
//! as JSON Patch (STATE_DELTA) after each step.

use crate::snapshot::{RunStatus, ThreadSnapshot, Version};
use serde_json::{Value, json};

/// Renders the UI state. `preview_url` turns a version into its URL on the preview origin.
pub fn ui_state(snap: &ThreadSnapshot, preview_url: &dyn Fn(&Version) -> String) -> Value {
    let status = match (&snap.active, &snap.interrupt, snap.runs.last()) {
        (Some(a), _, _) => match a.cursor.step.as_str() {
            "build" | "review" => "building",
            _ => "running",
        },
        (None, Some(_), _) => "awaiting_answers",
        (None, None, Some(r)) if r.status == RunStatus::Failed => "error",
        (None, None, Some(_)) => "done",
        (None, None, None) => "idle",
    };
    let run = snap.active.as_ref().map(|a| {
        json!({
            "runId": a.run_id,
            "kind": a.kind,
            "step": a.cursor.step,
            "fixRound": a.cursor.fix_round,
            "lastBuild": a.build.as_ref().map(|b| json!({"ok": b.ok, "error": b.error, "phase": b.phase})),
        })
    });
    let files: Vec<Value> = snap
        .files
        .iter()
        .map(|(p, f)| json!({"path": p, "hash": f.hash, "size": f.size}))
        .collect();
    let versions: Vec<Value> = snap
        .versions
        .iter()
        .map(|v| {
            json!({
                "number": v.number,
                "request": v.request,
                "runId": v.run_id,
                "createdAt": v.created_at,
                "restoredFrom": v.restored_from,
                "files": v.files.len(),
                "check": v.check.as_ref().map(|c| json!({
                    "passed": c.passed,
                    "checks": c.checks,
                    "consoleErrors": c.console_errors.len(),
                    "screenshot": c.screenshot.is_some(),
                    "verdict": c.verdict(),
                    "acceptance": c.acceptance,
                })),
                "previewUrl": preview_url(v),
            })
        })
        .collect();
    let preview = snap
        .latest_version()
        .map(|v| json!({"version": v.number, "url": preview_url(v)}));
    let last = snap.runs.last().map(|r| {
        json!({"runId": r.run_id, "kind": r.kind, "status": r.status, "error": r.error, "version": r.version})
    });
    json!({
        "threadId": snap.thread_id,
        "title": snap.title,
        "status": status,
        "agent": snap.agent,
        "run": run,
        "lastRun": last,
        "questions": snap.interrupt.as_ref().map(|i| &i.questions),
        "interruptId": snap.interrupt.as_ref().map(|i| &i.id),
        "answers": snap.answers,
        "requirements": snap.requirements,
        "wireframe": snap.wireframe,
        "files": files,
        "versions": versions,
        "preview": preview,
        "usage": snap.usage,
        "scenarios": snap.scenarios,
    })
}

/// RFC 6902 operations that turn `before` into `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<Value> {
    let patch = json_patch::diff(before, after);
    match serde_json::to_value(patch) {
        Ok(Value::Array(ops)) => ops,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_applies_back_to_the_new_state() {
        let snap = ThreadSnapshot::new("t", "o", 1);
        let url = |v: &Version| format!("http://p/{}", v.number);
        let before = ui_state(&snap, &url);
        let mut snap2 = snap.clone();
        snap2.title = "Todo".into();
        snap2.wireframe = Some("<html></html>".into());
        let after = ui_state(&snap2, &url);
        let ops = diff(&before, &after);
        assert!(!ops.is_empty());
        let mut patched = before.clone();
        let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops)).expect("patch");
        json_patch::patch(&mut patched, &patch).expect("apply");
        assert_eq!(patched, after);
        assert!(diff(&after, &after).is_empty());
    }
}
