//! Bring your own agents: [`RemoteAgents`] serves the steps that settings give to external
//! AG-UI agents (LangGraph, CrewAI, Pydantic AI … behind their AG-UI adapters) and leaves the
//! others to the built-in agent. docs/agents.md is the contract.
//!
//! A served step POSTs a `RunAgentInput` (its own thread and run ids; the messages the
//! built-in agent would send; the step's inputs as `state`; the tools it may call; the answer's
//! JSON Schema in `context`) and relays the event stream into the run, nested in
//! SUBAGENT_STARTED … SUBAGENT_FINISHED / SUBAGENT_ERROR. The answer goes through the same
//! `Answer::accept` and core validation as a model's. A fault is tried again (the policy's
//! tries, `core::retry::backoff` between them), then the built-in agent takes over or the step
//! fails naming the agent and what it did wrong. Nothing is stored before the answer is valid.

mod identity;
mod settings;
mod stream;

pub use settings::{RemoteAgent, RemoteSettings, Token};
pub use stream::RemoteFault;

use super::agents::{AgentName, Agents};
use super::answers::{
    Answer, ChangesAnswer, ClarifyAnswer, CodeAnswer, QaAnswer, RequirementsAnswer, WireframeAnswer,
};
use super::client::Msg;
use super::config::ConfigError;
use super::prompts;
use super::template::Vars;
use appgen_core::agui::{
    Context, Message, RunAgentInput, TextMessage, Tool, UserContent, UserMessage,
};
use appgen_core::app::{ChangeSet, FileMap, Question, Requirements};
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use appgen_core::retry::backoff;
use appgen_core::scenario::Scenario;
use appgen_core::snapshot::Unreachable;
use appgen_core::step::StepName;
use appgen_core::view::ExternalAgent;
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use stream::Collected;
use tokio::sync::OnceCell;

/// The `AppAgent` that sends configured steps to external agents and the rest to `builtin`.
pub struct RemoteAgents {
    builtin: Arc<dyn AppAgent>,
    agents: Agents,
    settings: RemoteSettings,
    http: reqwest::Client,
    /// What each agent declared of itself (`identity`), once it answered the question.
    declared: BTreeMap<AgentName, OnceCell<identity::Declared>>,
}

impl RemoteAgents {
    /// `builtin` alone when no step is configured; settings errors name the setting.
    pub fn from_env(builtin: Arc<dyn AppAgent>) -> Result<Arc<dyn AppAgent>, ConfigError> {
        let dir = super::config::agents_dir(&|k: &str| std::env::var(k).ok())?;
        let agents = Agents::load(dir.as_deref())?;
        let settings = RemoteSettings::from_env(&agents)?;
        if settings.agents.is_empty() {
            return Ok(builtin);
        }
        Ok(Arc::new(RemoteAgents::new(builtin, agents, settings)))
    }

    pub fn new(builtin: Arc<dyn AppAgent>, agents: Agents, settings: RemoteSettings) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .build()
            .unwrap_or_default();
        let declared = settings
            .agents
            .keys()
            .map(|s| (*s, OnceCell::new()))
            .collect();
        RemoteAgents {
            builtin,
            agents,
            settings,
            http,
            declared,
        }
    }

    /// Who serves `step`: what its agent declares of itself (asked once it is reachable),
    /// the settings for the rest.
    async fn identity(&self, step: AgentName) -> Option<ExternalAgent> {
        let agent = self.settings.agents.get(&step)?;
        let cell = self.declared.get(&step)?;
        match cell
            .get_or_try_init(|| identity::ask(&self.http, agent))
            .await
        {
            Ok(declared) => Some(declared.over(agent.external())),
            Err(e) => {
                tracing::debug!(%step, agent = %agent.name, error = %e, "could not ask the agent who it is");
                Some(agent.external())
            }
        }
    }

    /// The step served remotely: `None` when no agent serves it or the built-in agent takes
    /// over after the last try.
    /// `check` holds the accepted answer to what the step needs (files that make an app,
    /// edits that apply); what it refuses is a fault of the agent, tried again like any other.
    async fn serve<A: Answer, T>(
        &self,
        step: AgentName,
        (vars, state): (Vars, Value),
        ctx: &AgentContext,
        check: impl Fn(A::Accepted) -> Result<T, String> + Send + Sync,
        out: &mut dyn AgentOutput,
    ) -> Option<Result<T, AgentError>> {
        let thread_id = ctx.thread_id.as_str();
        let agent = self.settings.agents.get(&step)?;
        if self.skipped(agent, &ctx.unreachable) {
            return None; // said when the run found it unreachable
        }
        let input = match self.input(step, &vars, state, thread_id) {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let name = self
            .identity(step)
            .await
            .map(|a| a.label())
            .unwrap_or_default();
        let policy = &self.settings.policy;
        let mut last = None;
        for attempt in 1..=policy.max_tries {
            let run_id = format!("{}-{step}-{}", thread_id, uuid::Uuid::new_v4().simple());
            let input = RunAgentInput {
                run_id: run_id.clone(),
                ..input.clone()
            };
            out.emit(AgentEvent::SubagentStarted {
                run_id: run_id.clone(),
                name: name.clone(),
            });
            let answer = stream::run(&self.http, agent, &input, out)
                .await
                .and_then(|c| {
                    answer::<A>(&c)
                        .and_then(&check)
                        .map_err(RemoteFault::Invalid)
                });
            let error = answer.as_ref().err().map(|e| e.to_string());
            out.emit(AgentEvent::SubagentEnded { run_id, error });
            match answer {
                Ok(a) => return Some(Ok(a)),
                Err(fault) => {
                    tracing::warn!(%step, agent = %agent.name, attempt, %fault, "external agent failed");
                    last = Some(fault);
                }
            }
            if attempt < policy.max_tries {
                tokio::time::sleep(backoff(attempt, policy)).await;
            }
        }
        self.give_up(step, agent, last, out)
    }

    /// Whether the run found `agent` unreachable and the built-in agent takes its steps over.
    fn skipped(&self, agent: &RemoteAgent, unreachable: &Unreachable) -> bool {
        self.settings.fallback && unreachable.contains(&agent.address())
    }

    /// After the last try: the built-in agent does the step (`None`) or the step fails. An
    /// agent that could not be reached is left out for the rest of the run, which says so once.
    fn give_up<T>(
        &self,
        step: AgentName,
        agent: &RemoteAgent,
        last: Option<RemoteFault>,
        out: &mut dyn AgentOutput,
    ) -> Option<Result<T, AgentError>> {
        let unreachable = matches!(last, Some(RemoteFault::Unreachable(_)));
        let why = format!(
            "the {step} agent {} {} (tried {} times)",
            agent.name,
            last.map(|f| f.to_string()).unwrap_or_default(),
            self.settings.policy.max_tries
        );
        if unreachable {
            out.emit(AgentEvent::Unreachable {
                url: agent.address(),
            });
        }
        if !self.settings.fallback {
            return Some(Err(AgentError::Provider(why)));
        }
        let rest = match unreachable {
            true => format!(
                ", and the other steps {} serves for the rest of this run",
                agent.name
            ),
            false => String::new(),
        };
        out.emit(AgentEvent::Say(format!(
            "\n{why}; the built-in agent does the step{rest}.\n"
        )));
        None
    }

    /// What the step sends: the built-in agent's messages, the inputs, tools and schema.
    fn input(
        &self,
        step: AgentName,
        vars: &Vars,
        state: Value,
        thread_id: &str,
    ) -> Result<RunAgentInput, AgentError> {
        let spec = self.agents.get(step);
        let opening = prompts::opening(spec, vars)?;
        // Some adapters (ag-ui-langgraph) drop system messages; context carries them too.
        let instructions = opening.iter().find_map(|m| match m {
            Msg::System(text) => Some(text.clone()),
            _ => None,
        });
        let messages = opening
            .into_iter()
            .enumerate()
            .map(|(i, m)| message(i, m))
            .collect();
        let mut input = RunAgentInput::new(&format!("{thread_id}-{step}"), "", messages);
        input.protocol_version = Some("1.0".into());
        input.state = Some(state);
        input.tools = tools(step);
        input.context = vec![
            Context {
                description: "appgen step".into(),
                value: step.to_string(),
            },
            Context {
                description: "JSON Schema of the answer (state.output)".into(),
                value: serde_json::to_string(&spec.schema).unwrap_or_default(),
            },
        ];
        input.context.extend(instructions.map(|value| Context {
            description: "instructions (the system message)".into(),
            value,
        }));
        Ok(input)
    }
}

fn message(i: usize, m: Msg) -> Message {
    let id = format!("m{i}");
    match m {
        Msg::System(content) => Message::System(TextMessage {
            id,
            content,
            name: None,
        }),
        Msg::User(text) | Msg::Assistant(text) => Message::User(UserMessage {
            id,
            content: UserContent::Text(text),
            name: None,
        }),
    }
}

/// The frontend tools a step offers: files for the steps that write them, questions for clarify.
fn tools(step: AgentName) -> Vec<Tool> {
    let tool = |name: &str, description: &str, parameters: Value| Tool {
        name: name.into(),
        description: description.into(),
        parameters: Some(parameters),
        metadata: None,
    };
    let path =
        json!({"type": "string", "description": "relative to the app root, e.g. src/App.tsx"});
    let write = tool(
        "write_file",
        "Create or overwrite one whole file of the app.",
        json!({"type": "object", "required": ["path", "content"],
               "properties": {"path": path, "content": {"type": "string"}}}),
    );
    let edit = tool(
        "edit_file",
        "Replace `search` (which must occur exactly once) with `replace` in one file.",
        json!({"type": "object", "required": ["path", "search", "replace"],
               "properties": {"path": path, "search": {"type": "string"}, "replace": {"type": "string"}}}),
    );
    match step {
        AgentName::Code => vec![write],
        AgentName::Fix | AgentName::Modify => vec![write, edit],
        AgentName::Clarify => vec![tool(
            "ask_user",
            "Ask the user one question before the app is planned (one call per question).",
            json!({"type": "object", "required": ["id", "prompt", "kind"],
                   "properties": {"id": {"type": "string"}, "prompt": {"type": "string"},
                   "kind": {"type": "string", "enum": ["text", "single_choice", "multiple_choice", "boolean"]},
                   "options": {"type": "array", "items": {"type": "string"}}, "default": {}}}),
        )],
        _ => vec![],
    }
}

/// The answer as JSON (the output, else one made of the tool calls, else the JSON its text
/// holds, read as a model's reply is), parsed and accepted exactly as a model's answer is.
fn answer<A: Answer>(c: &Collected) -> Result<A::Accepted, String> {
    let json = match c.output() {
        Some(output) => output,
        None if !c.calls.is_empty() => from_calls(c),
        None => super::parse::extract_json(&c.text)
            .map_err(|e| format!("no output in its state, no tool calls, and its text: {e}"))?,
    };
    let parsed: A = serde_json::from_value(json).map_err(|e| format!("{e}"))?;
    parsed.accept()
}

/// An answer made of tool calls: files for code, changes for fix/modify, questions for clarify.
fn from_calls(c: &Collected) -> Value {
    let mut files = Vec::new();
    let mut changes = Vec::new();
    let mut questions = Vec::new();
    for call in &c.calls {
        let a = &call.args;
        match call.name.as_str() {
            "write_file" => {
                files.push(json!({"path": a["path"], "content": a["content"]}));
                changes.push(json!({"kind": "write", "path": a["path"], "content": a["content"]}));
            }
            "edit_file" => changes.push(json!({"kind": "edit", "path": a["path"],
                "search": a["search"], "replace": a["replace"]})),
            "ask_user" => questions.push(a.clone()),
            _ => {}
        }
    }
    json!({"files": files, "changes": changes, "questions": questions})
}

/// The step's inputs as the remote agent's `state`.
fn state(ctx: &AgentContext, extra: Value) -> Value {
    let mut s = json!({
        "description": ctx.description,
        "options": ctx.options.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "answers": ctx.answers,
        "requirements": ctx.requirements,
        "wireframe": ctx.wireframe,
        "files": ctx.files,
        "scenarios": ctx.scenarios,
    });
    if let (Some(s), Value::Object(extra)) = (s.as_object_mut(), extra) {
        s.extend(extra);
    }
    s
}

/// The accepted answer as it is: nothing more to check.
fn as_is<T>(t: T) -> Result<T, String> {
    Ok(t)
}

#[async_trait]
impl AppAgent for RemoteAgents {
    fn name(&self) -> String {
        self.builtin.name()
    }

    async fn external(&self, step: StepName, unreachable: &Unreachable) -> Option<ExternalAgent> {
        let step = AgentName::of_step(step)?;
        let agent = self.settings.agents.get(&step)?;
        if self.skipped(agent, unreachable) {
            return None;
        }
        self.identity(step).await
    }

    /// External agents serve the chain's steps; a check in words is read by the built-in one.
    async fn check_in_words(
        &self,
        ctx: &AgentContext,
        sentence: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<appgen_core::scenario::Scenario, AgentError> {
        self.builtin.check_in_words(ctx, sentence, out).await
    }

    async fn clarify(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        let input = (prompts::context(ctx), state(ctx, Value::Null));
        let step = AgentName::Clarify;
        match self
            .serve::<ClarifyAnswer, _>(step, input, ctx, as_is, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.clarify(ctx, out).await,
        }
    }

    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        let input = (prompts::context(ctx), state(ctx, Value::Null));
        let step = AgentName::Requirements;
        match self
            .serve::<RequirementsAnswer, _>(step, input, ctx, as_is, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.requirements(ctx, out).await,
        }
    }

    async fn qa(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Scenario>, AgentError> {
        let input = (prompts::context(ctx), state(ctx, Value::Null));
        match self
            .serve::<QaAnswer, _>(AgentName::Qa, input, ctx, as_is, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.qa(ctx, out).await,
        }
    }

    async fn wireframe(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        let input = (prompts::context(ctx), state(ctx, Value::Null));
        let step = AgentName::Wireframe;
        match self
            .serve::<WireframeAnswer, _>(step, input, ctx, as_is, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.wireframe(ctx, out).await,
        }
    }

    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        let input = (prompts::context(ctx), state(ctx, Value::Null));
        let check = |files| {
            let merged = super::model_agent::merge_code(ctx, files);
            merged.map(|(map, _)| map).map_err(|e| e.to_string())
        };
        match self
            .serve::<CodeAnswer, _>(AgentName::Code, input, ctx, check, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.code(ctx, out).await,
        }
    }

    async fn fix(
        &self,
        ctx: &AgentContext,
        failure: &Failure,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let extra = json!({"failure": {"error": failure.error, "log": failure.log,
            "consoleErrors": failure.console_errors, "round": failure.round}});
        let input = (prompts::fix(ctx, failure), state(ctx, extra));
        let check = |answer| change_set(ctx, answer);
        match self
            .serve::<ChangesAnswer, _>(AgentName::Fix, input, ctx, check, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.fix(ctx, failure, out).await,
        }
    }

    async fn modify(
        &self,
        ctx: &AgentContext,
        request: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let input = (
            prompts::modify(ctx, request),
            state(ctx, json!({"request": request})),
        );
        let check = |answer| change_set(ctx, answer);
        match self
            .serve::<ChangesAnswer, _>(AgentName::Modify, input, ctx, check, out)
            .await
        {
            Some(done) => done,
            None => self.builtin.modify(ctx, request, out).await,
        }
    }
}

/// Accepted changes that apply to the current files together, or the step fails.
fn change_set(
    ctx: &AgentContext,
    (summary, changes): (String, Vec<appgen_core::app::FileChange>),
) -> Result<ChangeSet, String> {
    appgen_core::edits::apply_changes(&ctx.files, &changes)
        .map_err(|e| format!("the changes do not apply: {e}"))?;
    Ok(ChangeSet {
        summary,
        changes,
        requirements: None,
        suite: Default::default(),
    })
}
