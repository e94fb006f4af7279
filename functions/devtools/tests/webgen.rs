//! `appgen-devtools eval --webgen` with a model (the scripted server, real HTTP) and the real
//! builder (Chromium): one instruction with two WebGen-Bench UI test cases; the qa agent reads
//! one into a scenario that passes on the app and one into a scenario that fails, so the
//! benchmark's accuracy is 50 %, in the summary and in report.json.

use appgen_testkit::{RecordedRequest, Reply, Script, ScriptedServer, appgen_responder};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_appgen-devtools");

/// The qa agent's reading of a check in words: the heading case expects what the scripted app
/// shows, the other one a report it does not have; every other request goes to the stock agent.
fn responder() -> impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static {
    let stock = appgen_responder();
    move |req: &RecordedRequest| {
        let asked = req.user_text();
        if req.agent().as_deref() != Some("qa") || !asked.contains("This time write no suite") {
            return stock(req);
        }
        let text = match asked.contains("heading") {
            true => "Scripted app",
            false => "Quarterly report",
        };
        let v = json!({"message": "One.", "scenarios": [{"name": "n", "requirement": "r", "steps": [
            {"do": "expect", "expect": {"kind": "text_visible", "text": text, "within": null}}]}]});
        Reply::text(v.to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_model_the_ui_test_cases_become_scenarios_and_give_the_accuracy() {
    let model = ScriptedServer::start(Script::default().responder(responder()))
        .await
        .expect("scripted server");
    let dir = tempfile::tempdir().expect("tmp");
    let case = |task: &str, expected: &str, category: &str| {
        json!({"task": task, "expected_result": expected,
               "task_category": {"primary_category": category, "subcategories": []}})
    };
    let line = json!({
        "id": "000001",
        "instruction": "A list of items. Set the background color to white and the component color to navy.",
        "Category": {"primary_category": "Data Management", "subcategories": []},
        "application_type": "Blogs",
        "ui_instruct": [
            case("Open the app and read the heading.", "The heading names the app.", "Functional Testing"),
            case("Open the quarterly report.", "The report is shown.", "Data Display Testing"),
        ],
    });
    let file = dir.path().join("webgen.jsonl");
    std::fs::write(&file, format!("{line}\n")).expect("write");
    let out = dir.path().join("out");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let run = Command::new(BIN)
        .args(["eval", "--webgen"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .current_dir(&root)
        .envs(model.settings_compatible())
        .output()
        .expect("run eval");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
    assert!(run.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("WebGen UI accuracy: 1/2 (50.0%) — 0 of 2 cases had no scenario formed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("000001                       ✓✗"),
        "{stdout}"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report"))
            .expect("json");
    let ui = &report["uiTests"];
    assert_eq!(ui["reader"], "model", "{ui:#}");
    assert_eq!(ui["accuracy"], 50.0, "{ui:#}");
    assert_eq!(ui["byApplicationType"][0]["name"], "Blogs", "{ui:#}");
    let cases = &report["results"][0]["uiTests"];
    assert_eq!(cases[0]["verdict"], "yes", "{cases:#}");
    assert_eq!(cases[1]["verdict"], "no", "{cases:#}");
    let evidence = cases[1]["note"].as_str().unwrap_or_default();
    assert!(evidence.contains("Quarterly report"), "{cases:#}");
    // Both were read by the qa agent, each from its own sentence.
    let read = (model.requests().iter())
        .filter(|r| r.agent().as_deref() == Some("qa"))
        .filter(|r| r.messages().iter().any(|(_, t)| t.contains("Expected: ")))
        .count();
    assert_eq!(read, 2);
}
