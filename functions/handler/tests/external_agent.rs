//! End to end: `appgen serve` with its `requirements` step served over AG-UI by the Pydantic AI
//! and LangGraph examples, and its `code` and `modify` steps by the CrewAI one (examples/agents/*, installed
//! by infra/local/setup.sh), each example's model being the scripted OpenAI-compatible server.
//! The official `@ag-ui/client` runs a whole conversation (questions → v1 → follow-up → v2)
//! and verifies every stream, SUBAGENT_* included; and Chromium shows who served
//! the step (web/e2e/agents.mjs).

mod support;

use appgen_testkit::{
    Reply, Script, ScriptedServer, appgen_responder, detect_agent, in_schema_order,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Server, Spawn, agui_flow, client, free_port, get_json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An example agent under uvicorn from the examples' venv; killed on drop.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The example in `examples/agents/<dir>` started on `port`, its stderr in `log`; it listens
/// once its imports are done ([`wait_listening`]).
fn start_example(dir: &str, port: u16, model_url: &str, log: &Path) -> Example {
    // CrewAI has a venv of its own: ag-ui-crewai needs an older FastAPI (docs/agents.md).
    let (venv, step) = match dir {
        "crewai" => (".venv-crewai", "step_crewai_example"),
        _ => (".venv-agents", "step_agent_examples"),
    };
    let venv = repo().join("infra/local").join(venv);
    // setup.sh stamps a venv once all of it is installed.
    assert!(
        venv.join(".installed").exists(),
        "{} is missing or half installed: run infra/local/setup.sh {step}",
        venv.display()
    );
    let python = venv.join("bin/python");
    let child = Command::new(python)
        .args(["-m", "uvicorn", "agent:app", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string()])
        .current_dir(repo().join("examples/agents").join(dir))
        .env("OPENAI_BASE_URL", model_url)
        .env("OPENAI_API_KEY", "scripted")
        .env("CREWAI_DISABLE_TELEMETRY", "true")
        .env("OTEL_SDK_DISABLED", "true")
        // LiteLLM (CrewAI's) fetches its model price list from GitHub at import, 3 tries;
        // the copy it ships is enough.
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(log)
                .map(Stdio::from)
                .unwrap_or(Stdio::null()),
        )
        .spawn()
        .expect("start the example agent");
    Example(child)
}

/// Waits until the agent at `port` listens (its imports done); its log if it never does.
fn wait_listening(port: u16, log: &Path) {
    // CrewAI's imports alone take seconds, minutes on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(180);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the example agent did not listen; log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A step an example serves, and its settings' names.
#[derive(Clone, Copy)]
enum Step {
    Requirements,
    Code,
    Modify,
}

impl Step {
    fn keys(self) -> [&'static str; 3] {
        match self {
            Step::Requirements => [
                "APPGEN_AGENT_REQUIREMENTS_URL",
                "APPGEN_AGENT_REQUIREMENTS_NAME",
                "APPGEN_AGENT_REQUIREMENTS_FRAMEWORK",
            ],
            Step::Code => [
                "APPGEN_AGENT_CODE_URL",
                "APPGEN_AGENT_CODE_NAME",
                "APPGEN_AGENT_CODE_FRAMEWORK",
            ],
            Step::Modify => [
                "APPGEN_AGENT_MODIFY_URL",
                "APPGEN_AGENT_MODIFY_NAME",
                "APPGEN_AGENT_MODIFY_FRAMEWORK",
            ],
        }
    }
}

/// The scripted model, the example in `examples/agents/<dir>` on it, and `appgen serve` with
/// that example serving `step` (or `steps`), named by the settings as team-planner on `framework` if given
/// (else by itself); each stops on drop.
struct Served {
    server: Server,
    model: ScriptedServer,
    log: PathBuf,
    _agent: Example,
    _tmp: tempfile::TempDir,
}

impl Served {
    async fn start(dir: &str, step: Step, framework: Option<&str>) -> Served {
        Served::with_model(dir, &[step], framework, Script::appgen()).await
    }

    /// Like [`Served::start`], the example serving `steps`, the model playing `script`.
    async fn with_model(
        dir: &str,
        steps: &[Step],
        framework: Option<&str>,
        script: Script,
    ) -> Served {
        let model = ScriptedServer::start(script).await.expect("scripted model");
        let tmp = tempfile::tempdir().expect("tmp");
        let (port, log) = (free_port(), tmp.path().join("agent.log"));
        let agent = start_example(dir, port, &model.openai_base_url(), &log);
        let data = tmp.path().join("data");
        let mut spawn = Spawn::local(&data)
            .with_env("APPGEN_AGENT_FALLBACK", "none")
            .with_env(
                "APPGEN_WEB_DIR",
                repo().join("web/dist").display().to_string(),
            );
        for [url_key, name_key, framework_key] in steps.iter().map(|s| s.keys()) {
            spawn = spawn.with_env(url_key, format!("http://127.0.0.1:{port}/"));
            if let Some(framework) = framework {
                spawn = spawn
                    .with_env(name_key, "team-planner")
                    .with_env(framework_key, framework);
            }
        }
        // appgen starts while the agent imports its framework.
        let server = Server::start(spawn);
        wait_listening(port, &log);
        Served {
            server,
            model,
            log,
            _agent: agent,
            _tmp: tmp,
        }
    }

    /// The server's and the agent's logs, for a failure's message.
    fn logs(&self) -> String {
        let agent = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("server:\n{}\nagent:\n{agent}", self.server.log())
    }
}

/// The official client's whole conversation through `appgen serve` with the example in
/// `examples/agents/<dir>` serving the requirements step (settings as in [`Served::start`]),
/// its runs nested under `shown`.
async fn requirements_served_by(dir: &str, framework: Option<&str>, shown: &str) {
    let served = Served::start(dir, Step::Requirements, framework).await;
    let base = served.server.base.clone();
    let (report, ok) = tokio::task::spawn_blocking(move || {
        agui_flow(
            &base,
            "t-ext",
            "A todo list",
            Some("Rename the app to Shelfie"),
        )
    })
    .await
    .expect("check");
    assert!(ok, "AG-UI check failed: {report:#}\n{}", served.logs());
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3, "{report:#}");
    let subagents = runs[1]["subagents"].as_array().expect("subagents");
    assert!(
        !subagents.is_empty() && subagents.iter().all(|n| n == shown),
        "{:#}",
        runs[1]
    );
    assert_eq!(
        runs[1]["counts"]["SUBAGENT_ERROR"],
        serde_json::Value::Null,
        "{:#}",
        runs[1]
    );
    assert_eq!(runs[1]["result"]["version"], 1, "{:#}", runs[1]);
    assert_eq!(runs[2]["result"]["version"], 2, "{:#}", runs[2]);

    let base = &served.server.base;
    let thread = get_json(&client(), &format!("{base}/api/threads/t-ext")).await;
    assert!(
        thread.to_string().contains("Scripted app"),
        "the requirements are the external agent's (its model's answer): {thread:#}"
    );
    let asked: Vec<String> = served
        .model
        .requests()
        .iter()
        .filter_map(|r| r.agent())
        .collect();
    assert_eq!(
        asked,
        ["requirements"],
        "only the served step reached the model"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pydantic_ai_agent_serves_the_requirements_step() {
    // No name in the settings: the example declares itself at GET /capabilities (its
    // adapter has no such route; the example adds one).
    let shown = "Pydantic AI (team-planner)";
    requirements_served_by("pydantic-ai", None, shown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_langgraph_graph_serves_the_requirements_step() {
    // No name in the settings: the example says who it is at GET /capabilities.
    let shown = "LangGraph (team-planner)";
    requirements_served_by("langgraph", None, shown).await;
}

/// In Chromium (web/e2e/agents.mjs): a user's run names the Pydantic AI agent on the step it
/// served, nests its run under the step and attributes its narration to it. Needs web/dist
/// (`npm run build` in web/, as infra/local/test.sh does before cargo test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_shows_which_agent_served_the_step() {
    let web = repo().join("web");
    assert!(
        web.join("dist/index.html").exists(),
        "web/dist is missing: run `npm run build` in web/"
    );
    let served = Served::start("pydantic-ai", Step::Requirements, Some("Pydantic AI")).await;
    let base = served.server.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["e2e/agents.mjs", "--base", &base])
            .args(["--agent", "Pydantic AI (team-planner)"])
            .current_dir(web)
            .output()
    })
    .await
    .expect("join")
    .expect("run node (web/node_modules from infra/local/setup.sh)");
    assert!(
        out.status.success(),
        "{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        served.logs()
    );
}

/// What the CrewAI test's model writes as `src/App.tsx`: the todo list the built-in `qa` step's
/// scenarios for "A todo list" ask of (a "Task" field, "Add task", a "Tasks" list kept after a
/// reload, ticking one off and filtering by All / Active / Done), so v1 ships it as written;
/// its [`CREW_MARKER`] tells it from the built-in agent's files.
const CREW_APP: &str = r#"import { useEffect, useState } from "react";

type Task = { text: string; done: boolean };
type Show = "All" | "Active" | "Done";

function load(): Task[] {
  try {
    return JSON.parse(localStorage.getItem("tasks") ?? "[]") as Task[];
  } catch {
    return [];
  }
}

export default function App() {
  const [tasks, setTasks] = useState<Task[]>(load);
  const [text, setText] = useState("");
  const [show, setShow] = useState<Show>("All");
  useEffect(() => localStorage.setItem("tasks", JSON.stringify(tasks)), [tasks]);
  const shown = tasks.filter((t) => show === "All" || t.done === (show === "Done"));
  const toggle = (i: number) =>
    setTasks(tasks.map((t, j) => (j === i ? { ...t, done: !t.done } : t)));
  return (
    <main className="mx-auto max-w-xl p-6">
      <h1 className="text-2xl font-bold">TITLE</h1>
      <p>MARKER</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) setTasks([...tasks, { text: text.trim(), done: false }]);
          setText("");
        }}
      >
        <input aria-label="Task" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Add task</button>
      </form>
      <div>
        {(["All", "Active", "Done"] as Show[]).map((s) => (
          <button key={s} type="button" aria-pressed={show === s} onClick={() => setShow(s)}>
            {s}
          </button>
        ))}
      </div>
      <ul aria-label="Tasks">
        {shown.map((t) => {
          const i = tasks.indexOf(t);
          return (
            <li key={i}>
              <input
                type="checkbox"
                aria-label={`Mark ${t.text} done`}
                checked={t.done}
                onChange={() => toggle(i)}
              />
              {t.text}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
"#;

/// Said by the app CrewAI's model writes, and by no built-in file.
const CREW_MARKER: &str = "Written by the CrewAI flow";

/// The scripted model for the CrewAI test: the appgen responder, whose `code` answer's
/// `src/App.tsx` is [`CREW_APP`], and whose `modify` answer renames it to Shelfie (the
/// follow-up's request).
fn crew_model() -> Script {
    let base = appgen_responder();
    Script::appgen().responder(move |req| {
        let reply = base(req);
        match (detect_agent(req).as_deref(), reply) {
            (Some("code"), Reply::Content { content, .. }) => {
                let app = CREW_APP
                    .replace("TITLE", "Todo List")
                    .replace("MARKER", CREW_MARKER);
                Reply::text(with_app(&content, "files", &app))
            }
            (Some("modify"), Reply::Content { content, .. }) => {
                let app = CREW_APP
                    .replace("TITLE", "Shelfie")
                    .replace("MARKER", CREW_MARKER);
                Reply::text(with_app(&content, "changes", &app))
            }
            (_, reply) => reply,
        }
    })
}

/// The responder's answer `content` with the `src/App.tsx` entry of its `list` (files or
/// changes) holding `app`.
fn with_app(content: &str, list: &str, app: &str) -> String {
    let mut answer: Value = serde_json::from_str(content).expect("the responder's JSON");
    for entry in answer[list].as_array_mut().into_iter().flatten() {
        if entry["path"] == "src/App.tsx" {
            entry["content"] = Value::from(app);
        }
    }
    in_schema_order(&answer)
}

/// The text of `path` in version `n` of `thread`, from the API (the version's file list, then
/// the blob).
async fn version_file(base: &str, thread: &str, n: u32, path: &str) -> String {
    let c = client();
    let version = get_json(&c, &format!("{base}/api/threads/{thread}/versions/{n}")).await;
    let hash = version["files"][path]["hash"]
        .as_str()
        .unwrap_or_else(|| panic!("version {n} has no {path}: {version:#}"));
    let r = c
        .get(format!("{base}/api/threads/{thread}/blobs/{hash}"))
        .send()
        .await
        .expect("blob");
    r.text().await.expect("blob text")
}

/// A CrewAI flow behind `ag-ui-crewai` (its venv: infra/local/setup.sh step_crewai_example)
/// writes the app as the code step and changes it as the modify step, naming itself through
/// its capabilities, and the official client verifies the whole conversation (questions → v1
/// → follow-up → v2); each version is CrewAI's files, checked with no fix round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crewai_flow_serves_the_code_and_modify_steps() {
    let steps = [Step::Code, Step::Modify];
    let served = Served::with_model("crewai", &steps, None, crew_model()).await;
    let base = served.server.base.clone();
    let (report, ok) = tokio::task::spawn_blocking(move || {
        agui_flow(
            &base,
            "t-crew",
            "A todo list",
            Some("Rename the app to Shelfie"),
        )
    })
    .await
    .expect("check");
    assert!(ok, "AG-UI check failed: {report:#}\n{}", served.logs());
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 3, "{report:#}");
    for (n, (run, step, title)) in [
        (&runs[1], "code", "Todo List"),
        (&runs[2], "modify", "Shelfie"),
    ]
    .into_iter()
    .enumerate()
    {
        let version = n as u32 + 1;
        assert_eq!(run["result"]["version"], version, "{run:#}");
        assert_eq!(
            run["subagents"],
            serde_json::json!(["CrewAI (team-coder)"]),
            "{run:#}"
        );
        // The version is CrewAI's files as it wrote them: its check passed with no fix round.
        let ran = run["steps"].as_array().expect("steps");
        assert!(ran.iter().any(|s| s == step), "no {step} step: {run:#}");
        assert!(!ran.iter().any(|s| s == "fix"), "a fix round ran: {run:#}");
        let app = version_file(&served.server.base, "t-crew", version, "src/App.tsx").await;
        assert!(
            app.contains(CREW_MARKER) && app.contains(title),
            "v{version} is not CrewAI's: {app}"
        );
    }
    let asked: Vec<String> = served
        .model
        .requests()
        .iter()
        .filter_map(|r| r.agent())
        .collect();
    assert_eq!(
        asked,
        ["code", "modify"],
        "only the served steps reached the model"
    );
}
