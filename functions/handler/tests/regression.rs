//! The acceptance scenarios as a regression suite, through the real binary, the scripted model
//! server and real builds: v1 passes its scenarios; a follow-up whose naive change breaks one of
//! them is caught by the whole suite running again, the failure goes to the fix agent with its
//! evidence, and the fixed version is the one accepted as v2.

mod support;

use appgen_testkit::{
    RecordedRequest, Reply, Script, ScriptedServer, appgen_responder, in_schema_order,
};
use serde_json::{Value, json};
use std::process::Command;
use support::BIN;

/// The app: items added through a labelled field, listed in a labelled list. `order` is the
/// expression the list shows.
fn app(order: &str) -> String {
    format!(
        r#"import {{ useState }} from "react";

export default function App() {{
  const [items, setItems] = useState<string[]>([]);
  const [text, setText] = useState("");
  return (
    <main>
      <h1>Shopping list</h1>
      <form
        onSubmit={{(e) => {{
          e.preventDefault();
          if (text.trim()) setItems([...items, text.trim()]);
          setText("");
        }}}}
      >
        <input aria-label="Item" value={{text}} onChange={{(e) => setText(e.target.value)}} />
        <button type="submit">Add</button>
      </form>
      <ul aria-label="Items">
        {{{order}.map((it, i) => (
          <li key={{i}}>{{it}}</li>
        ))}}
      </ul>
    </main>
  );
}}
"#
    )
}

const V1: &str = "items";
/// "Newest first", done naively: only the newest is left.
const NAIVE: &str = "items.slice(-1)";
const FIXED: &str = "[...items].reverse()";

const MAIN_TSX: &str = "import { createRoot } from \"react-dom/client\";\nimport \"./index.css\";\nimport App from \"./App\";\n\ncreateRoot(document.getElementById(\"root\")!).render(<App />);\n";
const INDEX_HTML: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\" /><title>Shopping list</title></head><body><div id=\"root\"></div><script type=\"module\" src=\"/src/main.tsx\"></script></body></html>\n";

fn add(item: &str) -> Vec<Value> {
    vec![
        json!({"do": "fill", "label": "Item", "value": item}),
        json!({"do": "click", "role": "button", "name": "Add"}),
    ]
}

fn scenarios() -> Value {
    let mut two = add("Milk");
    two.extend(add("Eggs"));
    two.push(json!({"do": "expect", "expect": {"kind": "count", "list": "Items", "count": 2}}));
    let mut one = add("Milk");
    one.push(json!({"do": "expect", "expect": {"kind": "text_visible", "text": "Milk", "within": "Items"}}));
    json!([
        {"name": "adding an item lists it", "requirement": "Add items", "steps": one},
        {"name": "every item added stays listed", "requirement": "See all items", "steps": two},
    ])
}

fn write(content: String) -> Value {
    json!([{"kind": "write", "path": "src/App.tsx", "search": "", "replace": "", "content": content}])
}

/// The scripted agents: the stock ones, but this app, these scenarios, a naive modify and a
/// fix that keeps every item.
fn responder(req: &RecordedRequest) -> Reply {
    let v = match req.agent().as_deref() {
        Some("qa") => json!({"message": "Two checks.", "scenarios": scenarios()}),
        Some("code") => json!({"message": "Written.", "files": [
            {"path": "index.html", "content": INDEX_HTML},
            {"path": "src/main.tsx", "content": MAIN_TSX},
            {"path": "src/index.css", "content": "@import \"tailwindcss\";\n"},
            {"path": "src/App.tsx", "content": app(V1)},
        ]}),
        Some("modify") => {
            json!({"message": "The newest item is shown first.", "changes": write(app(NAIVE))})
        }
        Some("fix") => {
            json!({"message": "Every item is listed again, newest first.", "changes": write(app(FIXED))})
        }
        _ => return appgen_responder()(req),
    };
    Reply::text(in_schema_order(&v))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_breaks_an_earlier_scenario_is_fixed_before_it_is_accepted() {
    let server = ScriptedServer::start(Script::default().responder(responder))
        .await
        .expect("scripted server");
    let settings = server.settings_compatible();
    let dir = tempfile::tempdir().expect("tmp");
    let (data, out_dir) = (dir.path().join("data"), dir.path().join("app"));
    let run = |args: Vec<String>| {
        let mut cmd = Command::new(BIN);
        cmd.args(&args)
            .envs(settings.clone())
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&out_dir);
        tokio::task::spawn_blocking(move || {
            let out = cmd.output().expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            serde_json::from_str::<Value>(stdout.lines().last().unwrap_or_default())
                .unwrap_or_else(|_| panic!("no JSON line: {stdout}\n{err}"))
        })
    };
    let passed = |line: &Value| -> Vec<(String, bool)> {
        line["acceptance"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or("").to_owned(),
                    a["passed"] == true,
                )
            })
            .collect()
    };

    let new = ["new", "--yes", "A shopping list"]
        .map(String::from)
        .to_vec();
    let v1 = run(new).await.expect("join");
    assert_eq!(v1["version"], 1, "{v1:#}");
    assert_eq!(passed(&v1).len(), 2, "{v1:#}");
    assert!(
        passed(&v1).iter().all(|p| p.1),
        "v1 passes its suite: {v1:#}"
    );

    let thread = v1["threadId"].as_str().expect("thread").to_owned();
    let edit = ["edit", "--thread", &thread, "Show the newest item first"].map(String::from);
    let v2 = run(edit.to_vec()).await.expect("join");
    assert_eq!(v2["version"], 2, "{v2:#}");
    assert!(
        passed(&v2).iter().all(|p| p.1) && passed(&v2).len() == 2,
        "the accepted v2 passes the whole v1 suite: {v2:#}"
    );
    let agents: Vec<String> = server.requests().iter().filter_map(|r| r.agent()).collect();
    let after_modify: Vec<&str> = agents
        .iter()
        .skip_while(|a| *a != "modify")
        .map(String::as_str)
        .collect();
    assert_eq!(after_modify, ["modify", "fix"], "{agents:?}");
    let fix = server
        .requests()
        .into_iter()
        .find(|r| r.agent().as_deref() == Some("fix"))
        .expect("a fix request");
    let evidence = fix.last_user();
    assert!(
        evidence.contains("every item added stays listed") && evidence.contains("1 item(s)"),
        "the fix agent got the failed scenario's evidence: {evidence}"
    );
    let source = std::fs::read_to_string(out_dir.join("src/App.tsx")).unwrap_or_default();
    assert!(source.contains(FIXED), "the fixed code is what v2 holds");
}
