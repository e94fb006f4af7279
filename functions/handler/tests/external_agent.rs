//! End to end: `appgen serve` with its `requirements` step served over AG-UI by the Pydantic AI
//! and LangGraph examples, and its `code` step by the CrewAI one (examples/agents/*, installed
//! by infra/local/setup.sh), each example's model being the scripted OpenAI-compatible server.
//! The official `@ag-ui/client` runs a whole conversation (questions → v1 → follow-up → v2; to
//! v1 for CrewAI) and verifies every stream, SUBAGENT_* included; and Chromium shows who served
//! the step (web/e2e/agents.mjs).

mod support;

use appgen_testkit::{Script, ScriptedServer};
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

/// The step an example serves, and its settings' names.
#[derive(Clone, Copy)]
enum Step {
    Requirements,
    Code,
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
        }
    }
}

/// The scripted model, the example in `examples/agents/<dir>` on it, and `appgen serve` with
/// that example serving `step`, named by the settings as team-planner on `framework` if given
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
        let [url_key, name_key, framework_key] = step.keys();
        let model = ScriptedServer::start(Script::appgen())
            .await
            .expect("scripted model");
        let tmp = tempfile::tempdir().expect("tmp");
        let (port, log) = (free_port(), tmp.path().join("agent.log"));
        let agent = start_example(dir, port, &model.openai_base_url(), &log);
        let data = tmp.path().join("data");
        let mut spawn = Spawn::local(&data)
            .with_env(url_key, format!("http://127.0.0.1:{port}/"))
            .with_env("APPGEN_AGENT_FALLBACK", "none")
            .with_env(
                "APPGEN_WEB_DIR",
                repo().join("web/dist").display().to_string(),
            );
        if let Some(framework) = framework {
            spawn = spawn
                .with_env(name_key, "team-planner")
                .with_env(framework_key, framework);
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

/// A CrewAI flow behind `ag-ui-crewai` (its venv: infra/local/setup.sh step_crewai_example)
/// writes the app as the code step, naming itself through its capabilities, and the official
/// client verifies the conversation to v1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crewai_flow_serves_the_code_step() {
    let served = Served::start("crewai", Step::Code, None).await;
    let base = served.server.base.clone();
    let (report, ok) =
        tokio::task::spawn_blocking(move || agui_flow(&base, "t-crew", "A todo list", None))
            .await
            .expect("check");
    assert!(ok, "AG-UI check failed: {report:#}\n{}", served.logs());
    let run = &report["runs"][1];
    assert_eq!(run["result"]["version"], 1, "{run:#}");
    assert_eq!(
        run["subagents"],
        serde_json::json!(["CrewAI (team-coder)"]),
        "{run:#}"
    );
    let asked: Vec<String> = served
        .model
        .requests()
        .iter()
        .filter_map(|r| r.agent())
        .collect();
    assert_eq!(asked, ["code"], "only the served step reached the model");
}
