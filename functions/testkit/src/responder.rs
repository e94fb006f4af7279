//! A responder that plays every appgen agent, so whole pipelines (and `appgen-devtools bench`) can run
//! against the scripted server. Its answers follow the output schemas in
//! `functions/runtime/agents/*.schema.json`.

use crate::{RecordedRequest, Reply, Responder};
use serde_json::{Value, json};
use std::sync::Arc;

/// The appgen agent a request is for: the `response_format.json_schema.name` when structured
/// output is used, else the `appgen agent: NAME` marker the prompt templates carry.
pub fn detect_agent(req: &RecordedRequest) -> Option<String> {
    if let Some(name) = req
        .response_format()
        .and_then(|f| f["json_schema"]["name"].as_str())
    {
        return Some(name.trim_start_matches("appgen_").to_owned());
    }
    let system = req.system();
    let at = system.find("appgen agent:")?;
    let rest = system[at + "appgen agent:".len()..].trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!name.is_empty()).then_some(name)
}

const APP_TSX: &str = r#"import { useState } from "react";

export default function App() {
  const [items, setItems] = useState<string[]>([]);
  const [text, setText] = useState("");
  return (
    <main className="mx-auto max-w-xl p-6">
      <h1 className="text-2xl font-bold">Scripted app</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) setItems([...items, text.trim()]);
          setText("");
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="New item" />
        <button type="submit">Add</button>
      </form>
      <ul>
        {items.map((it, i) => (
          <li key={i}>{it}</li>
        ))}
      </ul>
    </main>
  );
}
"#;

const MAIN_TSX: &str = r#"import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import App from "./App";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
"#;

const INDEX_HTML: &str = r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Scripted app</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
"#;

/// Answers each appgen agent with a small valid output.
pub fn appgen_responder() -> Responder {
    Arc::new(|req: &RecordedRequest| answer(req, false))
}

/// Like [`appgen_responder`], but the code agent writes an `App.tsx` that does not type-check
/// (`tsc` fails) and the fix agent replaces it with the working one: drives the fix loop.
pub fn appgen_responder_broken_code() -> Responder {
    Arc::new(|req: &RecordedRequest| answer(req, true))
}

/// A type error `tsc --noEmit` reports: a string assigned to a number.
pub const BROKEN_LINE: &str = "const count: number = \"three\";\n";

fn answer(req: &RecordedRequest, broken: bool) -> Reply {
    {
        let agent = detect_agent(req).unwrap_or_default();
        let app = if broken {
            format!("{BROKEN_LINE}{APP_TSX}")
        } else {
            APP_TSX.to_owned()
        };
        let v = match agent.as_str() {
            "clarify" => json!({
                "message": "One question before I start.",
                "questions": [{
                    "id": "persist", "prompt": "Keep the data after a reload?", "kind": "yes_no",
                    "options": [], "default": true, "help": ""
                }]
            }),
            "requirements" => json!({
                "message": "Here is the plan.",
                "title": "Scripted app",
                "summary": "A list you can add items to.",
                "features": ["Add items", "See all items"],
                "spec": {
                    "entities": [{"name": "Item", "fields": [{"name": "text", "type": "string"}]}],
                    "pages": [{"name": "Home", "purpose": "List and add items"}],
                    "style": "clean, light"
                }
            }),
            "qa" => json!({
                "message": "One check: the app opens on its list.",
                "scenarios": [{
                    "name": "the app opens on its list",
                    "requirement": "See all items",
                    "steps": [{"do": "expect", "expect": {"kind": "text_visible", "text": "Scripted app"}}]
                }]
            }),
            "wireframe" => json!({
                "message": "A single page with a form and a list.",
                "html": "<!doctype html><html><body><h1>Scripted app</h1><form><input><button>Add</button></form><ul><li>Item</li></ul></body></html>"
            }),
            "code" => json!({
                "message": "The app is written.",
                "files": [
                    {"path": "index.html", "content": INDEX_HTML},
                    {"path": "src/main.tsx", "content": MAIN_TSX},
                    {"path": "src/index.css", "content": "@import \"tailwindcss\";\n"},
                    {"path": "src/App.tsx", "content": app},
                ]
            }),
            "fix" => json!({
                "message": "Removed the ill-typed constant.",
                "changes": [{
                    "kind": "write", "path": "src/App.tsx", "search": "", "replace": "",
                    "content": APP_TSX
                }]
            }),
            "modify" => json!({
                "message": "Updated the heading.",
                "changes": [{
                    "kind": "write", "path": "src/App.tsx", "search": "", "replace": "",
                    "content": APP_TSX.replace("Scripted app", "Scripted app (changed)")
                }]
            }),
            "rewrite" => json!({
                "message": "Rewrote the file.",
                "content": APP_TSX
            }),
            _ => return Reply::status(400, format!("scripted responder: unknown agent {agent:?}")),
        };
        Reply::text(in_schema_order(&v))
    }
}

/// JSON text with keys in the order the schemas list them (as a model writes them), so
/// narration comes first and each file's path before its content; serde_json would sort them.
pub fn in_schema_order(v: &Value) -> String {
    const ORDER: &[&str] = &[
        "message",
        "questions",
        "title",
        "summary",
        "features",
        "spec",
        "html",
        "files",
        "changes",
        "id",
        "prompt",
        "kind",
        "options",
        "default",
        "help",
        "name",
        "fields",
        "type",
        "purpose",
        "entities",
        "pages",
        "style",
        "path",
        "search",
        "replace",
        "content",
    ];
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), in_schema_order(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(in_schema_order).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}
