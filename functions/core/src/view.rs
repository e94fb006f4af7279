//! What clients see, as types: the UI state (STATE_SNAPSHOT, diffed into STATE_DELTA), the
//! thread status, appgen's own CUSTOM events, RUN_FINISHED's result, the HTTP API's bodies and
//! its error codes (docs/api.md).
//!
//! These are not the stored snapshot's types (`snapshot.rs`): the snapshot may change its layout
//! (and upgrade old ones) without changing what clients read. `web/src/lib/contract.ts` is
//! generated from these types, and a test fails when it drifts (`contract.rs`).

use crate::access::Role;
use crate::agui::{BaseFields, CustomEvent, Event, Message, TokenUsage};
use crate::app::{BuildPhase, CheckReport, CheckResult, Question, Requirements};
use crate::cost::Spend;
use crate::live::{Person, QueuedMessage};
use crate::run_error::ErrorCode;
use crate::scenario::{Scenario, ScenarioResult};
use crate::snapshot::{RunKind, RunRecord, RunStatus, StepUsage, ThreadSnapshot, Version};
use crate::step::StepName;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a thread is, as the UI shows it.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    /// No run yet.
    Idle,
    /// A run is in a model step.
    Running,
    /// The last run asked questions; the next run answers them.
    AwaitingAnswers,
    /// A run is building or checking the app.
    Building,
    /// The last run finished.
    Done,
    /// The last run ended with RUN_ERROR.
    Error,
}

impl ThreadStatus {
    /// A check run changes no version: once it ended, the status is what the runs before it
    /// left (a check that cannot be read or run does not make the app `error`).
    pub fn of(snap: &ThreadSnapshot) -> ThreadStatus {
        let last = snap.runs.iter().rev().find(|r| r.kind != RunKind::Check);
        match (&snap.active, &snap.interrupt, last) {
            (Some(a), _, _) => match a.cursor.step {
                StepName::Build | StepName::Review => ThreadStatus::Building,
                _ => ThreadStatus::Running,
            },
            (None, Some(_), _) => ThreadStatus::AwaitingAnswers,
            (None, None, Some(r)) if r.status == RunStatus::Failed => ThreadStatus::Error,
            (None, None, Some(_)) => ThreadStatus::Done,
            (None, None, None) => ThreadStatus::Idle,
        }
    }
}

/// The state of a thread as the UI sees it: sent whole (STATE_SNAPSHOT) at run start and as
/// JSON Patch (STATE_DELTA) after each step; also `state` in `GET /api/threads/{id}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiState {
    pub thread_id: String,
    pub title: String,
    pub status: ThreadStatus,
    /// Which agent makes the app ("offline" or a model id).
    pub agent: String,
    pub run: Option<ActiveRunView>,
    pub last_run: Option<LastRunView>,
    /// The questions waiting for answers.
    pub questions: Option<Vec<Question>>,
    /// The interrupt the answers resume.
    pub interrupt_id: Option<String>,
    pub answers: Option<Value>,
    pub requirements: Option<Requirements>,
    /// The wireframe, as an HTML document.
    pub wireframe: Option<String>,
    /// The working tree.
    pub files: Vec<FileEntry>,
    pub versions: Vec<VersionSummary>,
    /// The latest version's preview.
    pub preview: Option<PreviewView>,
    pub usage: Vec<StepUsageView>,
    /// The app's acceptance suite (the qa step's scenarios, kept across follow-ups).
    pub scenarios: Vec<Scenario>,
    /// Who wrote each scenario a person added in words, by scenario name.
    pub user_checks: BTreeMap<String, Person>,
}

/// The run in progress.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRunView {
    pub run_id: String,
    pub kind: RunKind,
    /// The step it does now (or next).
    pub step: StepName,
    /// Fix rounds done in this run (0 before the first fix).
    pub fix_round: u32,
    pub last_build: Option<LastBuild>,
}

/// The last build of the run in progress.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastBuild {
    pub ok: bool,
    pub error: Option<String>,
    pub phase: BuildPhase,
}

/// The thread's last run, in the state.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRunView {
    pub run_id: String,
    pub kind: RunKind,
    pub status: RunStatus,
    pub error: Option<String>,
    pub version: Option<u32>,
}

/// A file of the working tree: its content is at `GET /api/threads/{id}/blobs/{hash}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    pub path: String,
    pub hash: String,
    pub size: u64,
}

/// A file of a version, by path in [`VersionDetail::files`].
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    pub hash: String,
    pub size: u64,
}

/// A version in the state: counts only (the full report is [`VersionDetail`]).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    pub number: u32,
    pub request: String,
    pub run_id: String,
    pub created_at: i64,
    pub restored_from: Option<u32>,
    /// How many files the version has.
    pub files: u32,
    pub check: Option<CheckSummary>,
    pub preview_url: String,
    /// Whose request (or restore) made it; older versions do not say.
    pub author: Option<Person>,
}

/// A browser check in the state: what passed, and counts.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSummary {
    pub passed: bool,
    pub checks: Vec<CheckResult>,
    /// How many console errors the page logged.
    pub console_errors: u32,
    /// Whether a screenshot was taken (`GET …/versions/{n}/screenshot`).
    pub screenshot: bool,
    /// "checked, N of M acceptance checks pass", "built, N of M …" or "checked, no acceptance
    /// tests" (`CheckReport::verdict`).
    pub verdict: String,
    /// Each acceptance scenario's result on this version.
    pub acceptance: Vec<ScenarioResult>,
}

/// The latest version's preview.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    pub version: u32,
    pub url: String,
}

/// Model usage of one step.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepUsageView {
    pub run_id: String,
    pub step: StepName,
    pub calls: u32,
    #[cfg_attr(test, ts(type = "TokenUsage & { costUsd?: number }"))]
    pub usage: TokenUsage,
}

impl UiState {
    /// Renders the state. `preview_url` turns a version into its URL on the preview origin.
    pub fn of(snap: &ThreadSnapshot, preview_url: &dyn Fn(&Version) -> String) -> UiState {
        UiState {
            thread_id: snap.thread_id.clone(),
            title: snap.title.clone(),
            status: ThreadStatus::of(snap),
            agent: snap.agent.clone(),
            run: snap.active.as_ref().map(|a| ActiveRunView {
                run_id: a.run_id.clone(),
                kind: a.kind,
                step: a.cursor.step,
                fix_round: a.cursor.fix_round,
                last_build: a.build.as_ref().map(|b| LastBuild {
                    ok: b.ok,
                    error: b.error.clone(),
                    phase: b.phase,
                }),
            }),
            last_run: snap.runs.last().map(|r| LastRunView {
                run_id: r.run_id.clone(),
                kind: r.kind,
                status: r.status,
                error: r.error.clone(),
                version: r.version,
            }),
            questions: snap.interrupt.as_ref().map(|i| i.questions.clone()),
            interrupt_id: snap.interrupt.as_ref().map(|i| i.id.clone()),
            answers: snap.answers.clone(),
            requirements: snap.requirements.clone(),
            wireframe: snap.wireframe.clone(),
            files: (snap.files.iter())
                .map(|(p, f)| FileEntry {
                    path: p.clone(),
                    hash: f.hash.clone(),
                    size: f.size,
                })
                .collect(),
            versions: (snap.versions.iter())
                .map(|v| VersionSummary::of(v, preview_url(v)))
                .collect(),
            preview: snap.latest_version().map(|v| PreviewView {
                version: v.number,
                url: preview_url(v),
            }),
            usage: snap.usage.iter().map(StepUsageView::of).collect(),
            scenarios: snap.scenarios.clone(),
            user_checks: (snap.user_checks.iter())
                .filter(|(name, _)| snap.scenarios.iter().any(|s| &s.name == *name))
                .map(|(name, by)| (name.clone(), by.clone()))
                .collect(),
        }
    }

    /// The state as JSON, for STATE_SNAPSHOT and for diffing.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl VersionSummary {
    fn of(v: &Version, preview_url: String) -> VersionSummary {
        VersionSummary {
            number: v.number,
            request: v.request.clone(),
            run_id: v.run_id.clone(),
            created_at: v.created_at,
            restored_from: v.restored_from,
            files: v.files.len() as u32,
            check: v.check.as_ref().map(|c| CheckSummary {
                passed: c.passed,
                checks: c.checks.clone(),
                console_errors: c.console_errors.len() as u32,
                screenshot: c.screenshot.is_some(),
                verdict: c.verdict(),
                acceptance: c.acceptance.clone(),
            }),
            preview_url,
            author: v.author.clone(),
        }
    }
}

impl StepUsageView {
    fn of(u: &StepUsage) -> StepUsageView {
        StepUsageView {
            run_id: u.run_id.clone(),
            step: u.step,
            calls: u.calls,
            usage: u.usage.clone(),
        }
    }
}

/// RFC 6902 operations that turn one state into the next (STATE_DELTA).
///
/// Field by field: only the fields that differ (typed `!=`) are turned into JSON and diffed, in
/// the order of their JSON names, so the operations are the ones a diff of the two whole states
/// gives (every field is always present) without rendering a step's unchanged files, versions
/// and usage twice.
pub fn state_delta(before: &UiState, after: &UiState) -> Vec<Value> {
    let mut ops = Vec::new();
    let mut field = |name: &str, changed: bool, a: &dyn Fn() -> Value, b: &dyn Fn() -> Value| {
        if changed {
            diff_field(name, &a(), &b(), &mut ops);
        }
    };
    macro_rules! f {
        ($name:literal, $f:ident) => {
            field(
                $name,
                before.$f != after.$f,
                &|| json_of(&before.$f),
                &|| json_of(&after.$f),
            )
        };
    }
    // Every field, so a new one does not compile until it is listed below.
    let UiState {
        thread_id: _,
        title: _,
        status: _,
        agent: _,
        run: _,
        last_run: _,
        questions: _,
        interrupt_id: _,
        answers: _,
        requirements: _,
        wireframe: _,
        files: _,
        versions: _,
        preview: _,
        usage: _,
        scenarios: _,
        user_checks: _,
    } = before;
    // Sorted by JSON name: the order serde_json's map (and so a whole-state diff) visits them.
    f!("agent", agent);
    f!("answers", answers);
    f!("files", files);
    f!("interruptId", interrupt_id);
    f!("lastRun", last_run);
    f!("preview", preview);
    f!("questions", questions);
    f!("requirements", requirements);
    f!("run", run);
    f!("scenarios", scenarios);
    f!("status", status);
    f!("threadId", thread_id);
    f!("title", title);
    f!("usage", usage);
    f!("userChecks", user_checks);
    f!("versions", versions);
    f!("wireframe", wireframe);
    ops
}

fn json_of<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The diff of one field's values, its paths under `/{name}`.
fn diff_field(name: &str, before: &Value, after: &Value, ops: &mut Vec<Value>) {
    let Ok(Value::Array(field_ops)) = serde_json::to_value(json_patch::diff(before, after)) else {
        return;
    };
    for mut op in field_ops {
        if let Some(Value::String(path)) = op.get_mut("path") {
            *path = format!("/{name}{path}");
        }
        ops.push(op);
    }
}

// ------------------------------------------------------------------ appgen's CUSTOM events

/// appgen's own events, sent as AG-UI `CUSTOM {name, value}`: the name says which payload.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "value", rename_all = "snake_case")]
pub enum AppEvent {
    /// After STEP_STARTED: who does the step.
    Step(StepInfo),
    /// Before STEP_FINISHED: how the step went.
    StepResult(StepResult),
    /// A new version's preview is ready.
    RenderUrl(RenderUrl),
    /// A check run's end: how the check written in words did on the version it ran on.
    CheckResult(CheckOutcome),
}

/// Who does a step.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepInfo {
    pub step: StepName,
    /// The agent's role ("coder", "builder", …).
    pub agent: String,
    /// The model or worker that does it ("offline" for the offline generator).
    pub model: String,
    /// The external AG-UI agent serving the step, if one does (docs/agents.md); `model` is then
    /// the built-in agent it falls back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub external: Option<ExternalAgent>,
    /// The run's fix round (0 before the first fix).
    pub fix_round: u32,
    /// The thread-wide step counter.
    pub seq: u64,
}

/// An external agent serving a step, as the user sees it: "requirements — LangGraph (planner)".
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAgent {
    /// The name its settings give it (`APPGEN_AGENT_<STEP>_NAME`, else the URL's host).
    pub name: String,
    /// The framework it runs on (`APPGEN_AGENT_<STEP>_FRAMEWORK`), e.g. "LangGraph".
    pub framework: Option<String>,
}

impl ExternalAgent {
    /// "LangGraph (team-planner)", or the name alone when the framework is unknown.
    pub fn label(&self) -> String {
        match &self.framework {
            Some(f) => format!("{f} ({})", self.name),
            None => self.name.clone(),
        }
    }
}

/// How a step went.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    pub step: StepName,
    /// False when the run ends with this step's failure.
    pub ok: bool,
    pub duration_ms: u64,
    /// The step's model usage; null when it called no model.
    #[cfg_attr(test, ts(type = "(TokenUsage & { costUsd?: number }) | null"))]
    pub usage: Option<TokenUsage>,
    /// The build's acceptance scenario results (build steps that ran scenarios only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub acceptance: Option<Vec<ScenarioResult>>,
}

/// A new version's preview.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderUrl {
    pub url: String,
    pub version: u32,
}

/// How a check a person wrote in words did (a check run's review).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutcome {
    /// The version the suite ran on.
    pub version: u32,
    /// The new scenario's result (its name is the sentence).
    pub result: ScenarioResult,
    /// The whole suite on that version.
    pub tally: crate::scenario::Tally,
}

impl AppEvent {
    /// The CUSTOM event's `name`.
    pub fn name(&self) -> &'static str {
        match self {
            AppEvent::Step(_) => "step",
            AppEvent::StepResult(_) => "step_result",
            AppEvent::RenderUrl(_) => "render_url",
            AppEvent::CheckResult(_) => "check_result",
        }
    }

    /// The AG-UI event that carries it.
    pub fn into_event(self) -> Event {
        let value = match &self {
            AppEvent::Step(v) => serde_json::to_value(v),
            AppEvent::StepResult(v) => serde_json::to_value(v),
            AppEvent::RenderUrl(v) => serde_json::to_value(v),
            AppEvent::CheckResult(v) => serde_json::to_value(v),
        };
        Event::Custom(CustomEvent {
            name: self.name().to_owned(),
            value: value.unwrap_or(Value::Null),
            base: BaseFields::default(),
        })
    }

    /// Reads one back from a CUSTOM event; `None` for names that are not appgen's.
    pub fn from_custom(e: &CustomEvent) -> Option<AppEvent> {
        let tagged = serde_json::json!({"name": e.name, "value": e.value});
        serde_json::from_value(tagged).ok()
    }
}

// ------------------------------------------------------------------ how a run ends

/// RUN_FINISHED `result` of a run that did not stop for questions.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    /// The version the run made, if any.
    pub version: Option<u32>,
    pub preview_url: Option<String>,
    pub check: Option<CheckVerdict>,
    /// Each acceptance scenario's result on the new version.
    pub acceptance: Option<Vec<ScenarioResult>>,
    /// Why the run made no version (it gave up and kept the last good one).
    pub message: Option<String>,
}

/// What the new version's browser check found.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckVerdict {
    pub passed: bool,
    pub checks: Vec<CheckResult>,
    /// "checked, N of M acceptance checks pass", "built, N of M …" or "checked, no acceptance
    /// tests" (`CheckReport::verdict`).
    pub verdict: String,
}

/// Why a run stopped for the user (RUN_FINISHED `outcome.interrupts[].reason`).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterruptReason {
    /// Clarifying questions: answer them (or accept the defaults) in a resume.
    InputRequired,
}

impl InterruptReason {
    pub fn as_str(self) -> &'static str {
        match self {
            InterruptReason::InputRequired => "input_required",
        }
    }
}

// ------------------------------------------------------------------ the HTTP API's bodies

/// `GET /api/threads`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadList {
    /// Newest first.
    pub threads: Vec<ThreadListItem>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListItem {
    pub thread_id: String,
    pub title: String,
    pub status: ThreadStatus,
    pub updated_at: i64,
    /// How many versions the thread has.
    pub versions: u32,
    /// Model calls, tokens and their cost over all the thread's runs.
    pub spend: Spend,
    /// The caller's role: `owner` for their own threads, else what they were invited as.
    pub role: Role,
    /// The caller owns it (else they are a member).
    pub owned: bool,
}

impl ThreadListItem {
    pub fn of(snap: &ThreadSnapshot, role: Role) -> ThreadListItem {
        ThreadListItem {
            role,
            owned: role == Role::Owner,
            thread_id: snap.thread_id.clone(),
            title: snap.title.clone(),
            status: ThreadStatus::of(snap),
            updated_at: snap.updated_at,
            versions: snap.versions.len() as u32,
            spend: snap.spend(),
        }
    }
}

/// `GET /api/threads/{threadId}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDetail {
    pub state: UiState,
    /// The conversation, as AG-UI messages.
    #[cfg_attr(test, ts(type = "Array<Message>"))]
    pub messages: Vec<Message>,
    pub runs: Vec<RunView>,
    /// What is published, and where (`POST /api/threads/{threadId}/publish`).
    pub published: Option<PublishedView>,
    /// "Deploy to Vercel" is offered: the server has a token (`APPGEN_VERCEL_TOKEN`).
    #[serde(default)]
    pub vercel_deploy: bool,
    /// Who posted each user message, by message id.
    pub authors: BTreeMap<String, Person>,
    /// Messages waiting for the active run to end, in the order they will run.
    pub queued: Vec<QueuedMessage>,
    /// The caller, and their role here (a viewer cannot send).
    pub you: Person,
    pub role: Role,
}

impl ThreadDetail {
    /// The thread as the API shows it; `app_url` makes a published slug's address.
    pub fn of(
        snap: &ThreadSnapshot,
        preview_url: &dyn Fn(&Version) -> String,
        app_url: &dyn Fn(&str) -> String,
        you: Person,
        queued: Vec<QueuedMessage>,
    ) -> ThreadDetail {
        ThreadDetail {
            role: snap.role_of(&you.principal).unwrap_or(Role::Viewer),
            you,
            queued,
            authors: (snap.message_authors.iter())
                .map(|(id, a)| (id.clone(), a.person.clone()))
                .collect(),
            state: UiState::of(snap, preview_url),
            messages: snap.messages.clone(),
            runs: snap.runs.iter().map(RunView::of).collect(),
            published: snap
                .published
                .as_ref()
                .map(|p| PublishedView::of(p, app_url(&p.slug))),
            vercel_deploy: false,
        }
    }
}

/// `POST /api/threads/{threadId}/checks`: a check written in words.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckRequest {
    /// "when I add a task with priority high it is listed first".
    pub sentence: String,
}

/// The 202 answer to a [`CheckRequest`]: the run that reads the check, adds it to the suite and
/// runs the suite on the current version; follow it at `…/runs/{runId}/events`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckStarted {
    pub thread_id: String,
    pub run_id: String,
    /// Set when a run was active: the check waits in the queue (withdrawable by its author)
    /// and `runId` is the run it becomes.
    pub queued: Option<QueuedMessage>,
}

/// A published app: the answer of `POST /api/threads/{threadId}/publish` and
/// `ThreadDetail.published`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedView {
    /// The app's address on its own origin.
    pub url: String,
    pub slug: String,
    pub version: u32,
    pub published_at: i64,
}

impl PublishedView {
    pub fn of(p: &crate::publish::Published, url: String) -> PublishedView {
        PublishedView {
            url,
            slug: p.slug.clone(),
            version: p.version,
            published_at: p.published_at,
        }
    }
}

/// The body of `POST /api/threads/{threadId}/publish`; no version means the latest checked.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishRequest {
    #[serde(default)]
    pub version: Option<u32>,
}

/// The body of `POST /api/threads/{threadId}/deploy/vercel`: the version (default: the latest
/// checked) and a token when the server has none (or another account is meant).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeployRequest {
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub token: Option<String>,
}

/// A run of the thread.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub kind: RunKind,
    pub status: RunStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The user's request that started the run.
    pub request: String,
    /// The version it made.
    pub version: Option<u32>,
    pub error: Option<String>,
    /// RUN_ERROR's `code` when it failed.
    pub error_code: Option<ErrorCode>,
    /// Who started it.
    pub by: Option<Person>,
}

impl RunView {
    fn of(r: &RunRecord) -> RunView {
        RunView {
            run_id: r.run_id.clone(),
            kind: r.kind,
            status: r.status,
            started_at: r.started_at,
            finished_at: r.finished_at,
            request: r.request.clone(),
            version: r.version,
            error: r.error.clone(),
            error_code: r.error_code,
            by: r.by.clone(),
        }
    }
}

/// `GET /api/threads/{threadId}/versions/{n}`: the version with its full check report.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionDetail {
    pub number: u32,
    pub request: String,
    pub run_id: String,
    pub created_at: i64,
    pub restored_from: Option<u32>,
    pub author: Option<Person>,
    /// Path → file (content at `GET /api/threads/{id}/blobs/{hash}`).
    pub files: BTreeMap<String, FileInfo>,
    pub check: Option<CheckReport>,
    pub preview_url: String,
}

impl VersionDetail {
    pub fn of(v: &Version, preview_url: String) -> VersionDetail {
        VersionDetail {
            number: v.number,
            request: v.request.clone(),
            run_id: v.run_id.clone(),
            created_at: v.created_at,
            restored_from: v.restored_from,
            author: v.author.clone(),
            files: (v.files.iter())
                .map(|(p, f)| {
                    let info = FileInfo {
                        hash: f.hash.clone(),
                        size: f.size,
                    };
                    (p.clone(), info)
                })
                .collect(),
            check: v.check.clone(),
            preview_url,
        }
    }
}

/// `POST /api/threads/{threadId}/versions/{n}/restore` (201): the new version's number.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub version: u32,
}

/// `POST /api/threads/{id}/preview/reset`: how many records the preview data space lost.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewDataReset {
    pub deleted: u32,
}

/// `GET /api/health`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub ok: bool,
}

/// `GET /api/me`: who the caller is (`None`: nobody signed in), and whether this server takes
/// API keys, so the web UI offers to sign in with one. The keys never leave the server.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub you: Option<crate::live::Person>,
    pub keys: bool,
    /// `you` is the local single user (`--local`): nobody said who they are.
    pub local: bool,
}

/// Every error answer of the HTTP API: `{"error":{"code","message"}}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    pub error: ApiErrorInfo,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorInfo {
    pub code: ApiErrorCode,
    /// A sentence for people.
    pub message: String,
}

/// The `code` of an HTTP error answer; each has one status ([`ApiErrorCode::http_status`]).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// 400: malformed body, invalid id, a resume that does not fit.
    BadRequest,
    /// 401: no principal.
    Unauthorized,
    /// 403: a member whose role may not do this (a viewer sending, an editor managing members).
    Forbidden,
    /// 404: unknown route, thread (or another principal's), run, version, blob or screenshot.
    NotFound,
    /// 409: a run is still in progress on the thread.
    Busy,
    /// 409: the runId was used before.
    DuplicateRun,
    /// 413: the request body is too large.
    BodyTooLarge,
    /// 413: a message has too many characters.
    MessageTooLong,
    /// 422: a limit of the thread (versions, messages…) is reached.
    Limit,
    /// 429: too many runs; `Retry-After` says when to try again.
    RateLimited,
    /// 422: the version did not pass its browser check (or none has): only checked versions
    /// are published.
    NotChecked,
    /// 404: unpublishing an app that is not published.
    NotPublished,
    /// 500: the version's zip could not be made.
    ZipFailed,
    /// 409: the invite was single use and someone accepted it already.
    InviteUsed,
    /// 410: the invite expired.
    InviteExpired,
    /// 410: the owner revoked the invite.
    InviteRevoked,
    /// 503: storage did not answer; try again.
    StorageUnavailable,
    /// 503: the run could not be started (queue unavailable); try again.
    Unavailable,
    /// 400: an app's record has an unknown field, a field of the wrong type, or lacks a
    /// required one; the message names the field.
    InvalidRecord,
    /// 413: an app's record is larger than 64 KB.
    RecordTooLarge,
    /// 412: the record changed since the ETag in `If-Match`.
    PreconditionFailed,
    /// 410: a change stream resumed from before the oldest change the log keeps: reload.
    ChangesGone,
    /// 401: a generated app's sign-in: unknown email or wrong password (one answer for both).
    BadCredentials,
    /// 400: a generated app's sign-up was refused (never says whether the email is taken).
    SignupRefused,
    /// 401: a generated app with accounts was called without a live session token.
    SignInRequired,
    /// 503: a generated app asked for AI, and this server has no model configured.
    AiNotConfigured,
    /// 429: the app has spent its AI tokens for the day (per app and space); `Retry-After`
    /// says when the budget renews.
    AiBudgetSpent,
    /// 502: the model provider failed, after its retries and fallbacks.
    AiProviderFailed,
    /// 504: the model provider did not answer in time.
    AiTimeout,
    /// 422: deploying to Vercel without a token (none on the server, none in the request).
    DeployNotConfigured,
    /// 422: Vercel refused the token.
    DeployTokenRejected,
    /// 502: Vercel did not deploy the app (its API failed, the deployment ended in ERROR, or
    /// it was not ready in time); the message says which.
    DeployFailed,
}

impl ApiErrorCode {
    pub const ALL: [ApiErrorCode; 32] = [
        ApiErrorCode::BadRequest,
        ApiErrorCode::Unauthorized,
        ApiErrorCode::Forbidden,
        ApiErrorCode::NotFound,
        ApiErrorCode::Busy,
        ApiErrorCode::DuplicateRun,
        ApiErrorCode::BodyTooLarge,
        ApiErrorCode::MessageTooLong,
        ApiErrorCode::Limit,
        ApiErrorCode::RateLimited,
        ApiErrorCode::NotChecked,
        ApiErrorCode::NotPublished,
        ApiErrorCode::ZipFailed,
        ApiErrorCode::InviteUsed,
        ApiErrorCode::InviteExpired,
        ApiErrorCode::InviteRevoked,
        ApiErrorCode::StorageUnavailable,
        ApiErrorCode::Unavailable,
        ApiErrorCode::InvalidRecord,
        ApiErrorCode::RecordTooLarge,
        ApiErrorCode::PreconditionFailed,
        ApiErrorCode::ChangesGone,
        ApiErrorCode::BadCredentials,
        ApiErrorCode::SignupRefused,
        ApiErrorCode::SignInRequired,
        ApiErrorCode::AiNotConfigured,
        ApiErrorCode::AiBudgetSpent,
        ApiErrorCode::AiProviderFailed,
        ApiErrorCode::AiTimeout,
        ApiErrorCode::DeployNotConfigured,
        ApiErrorCode::DeployTokenRejected,
        ApiErrorCode::DeployFailed,
    ];

    /// The HTTP status that carries this code: the one place the pairing is written.
    pub fn http_status(self) -> u16 {
        match self {
            ApiErrorCode::BadRequest
            | ApiErrorCode::InvalidRecord
            | ApiErrorCode::SignupRefused => 400,
            ApiErrorCode::Unauthorized
            | ApiErrorCode::BadCredentials
            | ApiErrorCode::SignInRequired => 401,
            ApiErrorCode::Forbidden => 403,
            ApiErrorCode::NotFound | ApiErrorCode::NotPublished => 404,
            ApiErrorCode::Busy | ApiErrorCode::DuplicateRun | ApiErrorCode::InviteUsed => 409,
            ApiErrorCode::InviteExpired | ApiErrorCode::InviteRevoked => 410,
            ApiErrorCode::PreconditionFailed => 412,
            ApiErrorCode::ChangesGone => 410,
            ApiErrorCode::BodyTooLarge
            | ApiErrorCode::MessageTooLong
            | ApiErrorCode::RecordTooLarge => 413,
            ApiErrorCode::Limit
            | ApiErrorCode::NotChecked
            | ApiErrorCode::DeployNotConfigured
            | ApiErrorCode::DeployTokenRejected => 422,
            ApiErrorCode::RateLimited | ApiErrorCode::AiBudgetSpent => 429,
            ApiErrorCode::ZipFailed => 500,
            ApiErrorCode::AiProviderFailed | ApiErrorCode::DeployFailed => 502,
            ApiErrorCode::StorageUnavailable
            | ApiErrorCode::Unavailable
            | ApiErrorCode::AiNotConfigured => 503,
            ApiErrorCode::AiTimeout => 504,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ActiveRun, Cursor, FileRef, PendingInterrupt};
    use serde_json::json;

    fn url(v: &Version) -> String {
        format!("http://p/{}", v.number)
    }

    #[test]
    fn diff_applies_back_to_the_new_state() {
        let snap = ThreadSnapshot::new("t", "o", 1);
        let before = UiState::of(&snap, &url);
        let mut snap2 = snap.clone();
        snap2.title = "Todo".into();
        snap2.wireframe = Some("<html></html>".into());
        let after = UiState::of(&snap2, &url);
        let ops = state_delta(&before, &after);
        assert!(!ops.is_empty());
        let mut patched = before.to_value();
        let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops)).expect("patch");
        json_patch::patch(&mut patched, &patch).expect("apply");
        assert_eq!(patched, after.to_value());
        assert!(state_delta(&after, &after).is_empty());
    }

    /// The field-by-field delta is the diff of the two whole states, operation for operation.
    #[test]
    fn delta_equals_the_whole_state_diff() {
        let mut snaps = vec![ThreadSnapshot::new("t", "o", 1)];
        let mut s = snaps[0].clone();
        s.title = "Todo".into();
        s.active = Some(active(StepName::Code));
        s.files.insert(
            "src/App.tsx".into(),
            FileRef {
                hash: "a".repeat(64),
                size: 3,
            },
        );
        snaps.push(s.clone());
        s.active = Some(active(StepName::Review));
        s.wireframe = Some("<main></main>".into());
        s.files.clear();
        snaps.push(s.clone());
        s.active = None;
        s.interrupt = Some(PendingInterrupt {
            id: "i".into(),
            run_id: "r".into(),
            questions: Vec::new(),
        });
        s.usage.push(StepUsage {
            run_id: "r".into(),
            step: StepName::Code,
            calls: 2,
            usage: TokenUsage::default(),
        });
        snaps.push(s);
        let states: Vec<UiState> = snaps.iter().map(|s| UiState::of(s, &url)).collect();
        let mut compared = 0;
        for a in &states {
            for b in &states {
                let whole = json_patch::diff(&a.to_value(), &b.to_value());
                let whole = serde_json::to_value(whole).expect("ops");
                assert_eq!(Value::Array(state_delta(a, b)), whole);
                compared += 1;
            }
        }
        assert_eq!(compared, 16);
    }

    fn active(step: StepName) -> ActiveRun {
        ActiveRun {
            run_id: "r".into(),
            kind: RunKind::Answers,
            cursor: Cursor {
                step,
                seq: 3,
                fix_round: 1,
                claim: None,
                claims: 0,
            },
            request: String::new(),
            errors: Vec::new(),
            build: None,
            started_at: 1,
            unreachable: Default::default(),
        }
    }

    #[test]
    fn status_follows_the_active_step_the_interrupt_and_the_last_run() {
        let mut snap = ThreadSnapshot::new("t", "o", 1);
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Idle);
        snap.active = Some(active(StepName::Code));
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Running);
        snap.active = Some(active(StepName::Review));
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Building);
        snap.active = None;
        snap.interrupt = Some(PendingInterrupt {
            id: "i".into(),
            run_id: "r".into(),
            questions: Vec::new(),
        });
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::AwaitingAnswers);
        snap.interrupt = None;
        snap.runs.push(RunRecord {
            run_id: "r".into(),
            kind: RunKind::Answers,
            status: RunStatus::Failed,
            started_at: 1,
            finished_at: Some(2),
            request: String::new(),
            version: None,
            error: Some("x".into()),
            error_code: Some(ErrorCode::BuildFailed),
            by: None,
            checked: None,
        });
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Error);
        snap.runs[0].status = RunStatus::Finished;
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Done);
        // A check run that failed after it leaves the status as it was.
        let mut check = snap.runs[0].clone();
        (check.kind, check.status) = (RunKind::Check, RunStatus::Failed);
        snap.runs.push(check);
        assert_eq!(ThreadStatus::of(&snap), ThreadStatus::Done);
    }

    /// The state's wire shape: absent things are `null`, never missing (the UI patches them).
    #[test]
    fn state_wire_shape() {
        let mut snap = ThreadSnapshot::new("t", "o", 1);
        snap.active = Some(active(StepName::Build));
        snap.files.insert(
            "src/App.tsx".into(),
            FileRef {
                hash: "h".into(),
                size: 3,
            },
        );
        let v = UiState::of(&snap, &url).to_value();
        assert_eq!(v["status"], "building");
        assert_eq!(
            v["run"],
            json!({"runId": "r", "kind": "answers", "step": "build", "fixRound": 1, "lastBuild": null})
        );
        assert_eq!(
            v["files"],
            json!([{"path": "src/App.tsx", "hash": "h", "size": 3}])
        );
        for key in [
            "lastRun",
            "questions",
            "interruptId",
            "answers",
            "requirements",
            "wireframe",
            "preview",
        ] {
            assert_eq!(v[key], Value::Null, "{key}");
        }
    }

    #[test]
    fn app_events_are_custom_events_with_a_name_and_a_value() {
        let e = step_info();
        let Event::Custom(c) = e.clone().into_event() else {
            panic!("not CUSTOM");
        };
        assert_eq!(c.name, "step");
        assert_eq!(
            c.value,
            json!({"step": "code", "agent": "coder", "model": "offline", "fixRound": 2, "seq": 7})
        );
        assert_eq!(AppEvent::from_custom(&c), Some(e));
        let r = AppEvent::RenderUrl(RenderUrl {
            url: "u".into(),
            version: 1,
        });
        let Event::Custom(c) = r.into_event() else {
            panic!("not CUSTOM");
        };
        assert_eq!(c.name, "render_url");
        let foreign = CustomEvent {
            name: "someone_else".into(),
            value: json!({}),
            base: BaseFields::default(),
        };
        assert_eq!(AppEvent::from_custom(&foreign), None);
    }

    fn step_info() -> AppEvent {
        AppEvent::Step(StepInfo {
            step: StepName::Code,
            agent: "coder".into(),
            model: "offline".into(),
            external: None,
            fix_round: 2,
            seq: 7,
        })
    }

    #[test]
    fn a_step_names_the_external_agent_serving_it() {
        let mut e = step_info();
        if let AppEvent::Step(info) = &mut e {
            info.external = Some(ExternalAgent {
                name: "team-planner".into(),
                framework: Some("LangGraph".into()),
            });
        }
        let Event::Custom(c) = e.clone().into_event() else {
            panic!("not CUSTOM");
        };
        let external = &c.value["external"];
        assert_eq!(
            external,
            &json!({"name": "team-planner", "framework": "LangGraph"})
        );
        assert_eq!(AppEvent::from_custom(&c), Some(e));
        let bare = ExternalAgent {
            name: "planner".into(),
            framework: None,
        };
        assert_eq!(bare.label(), "planner");
    }

    #[test]
    fn names_match_their_serialised_form() {
        let events = [
            step_info(),
            AppEvent::StepResult(StepResult {
                step: StepName::Build,
                ok: true,
                duration_ms: 5,
                usage: None,
                acceptance: None,
            }),
            AppEvent::RenderUrl(RenderUrl {
                url: "u".into(),
                version: 1,
            }),
        ];
        for e in events {
            let v = serde_json::to_value(&e).expect("json");
            assert_eq!(v["name"], e.name());
        }
        let reason = serde_json::to_value(InterruptReason::InputRequired).expect("json");
        assert_eq!(reason, InterruptReason::InputRequired.as_str());
    }

    #[test]
    fn every_api_error_code_has_an_error_status() {
        for code in ApiErrorCode::ALL {
            assert!((400..600).contains(&code.http_status()), "{code:?}");
        }
        let body = ApiErrorBody {
            error: ApiErrorInfo {
                code: ApiErrorCode::DuplicateRun,
                message: "m".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(body).expect("json"),
            json!({"error": {"code": "duplicate_run", "message": "m"}})
        );
    }
}

/// `POST /api/threads/{threadId}/invites`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    pub role: Role,
    #[serde(default)]
    pub multi_use: bool,
}

/// The answer to an invite request: the only time the secret token is shown.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteCreated {
    pub id: String,
    /// `/invite/{token}` on this server; the web UI accepts it when opened.
    pub url: String,
    pub token: String,
    pub role: Role,
    pub multi_use: bool,
    pub expires_at: i64,
}

/// An invite as the owner sees it in the members list (never its token).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    pub id: String,
    pub role: Role,
    pub multi_use: bool,
    pub expires_at: i64,
    pub revoked: bool,
    /// How many principals accepted it.
    pub accepted: u32,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub principal: String,
    pub role: Role,
    /// When they joined (the thread's creation for the owner).
    pub added_at: i64,
}

/// `GET /api/threads/{threadId}/members`: the owner first, then members, then the invites.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberList {
    pub members: Vec<MemberView>,
    pub invites: Vec<InviteView>,
}

impl MemberList {
    pub fn of(snap: &ThreadSnapshot) -> MemberList {
        let owner = MemberView {
            principal: snap.owner.clone(),
            role: Role::Owner,
            added_at: snap.created_at,
        };
        let members = snap.members.iter().map(|m| MemberView {
            principal: m.principal.clone(),
            role: m.role,
            added_at: m.added_at,
        });
        let invites = snap.invites.iter().map(|i| InviteView {
            id: i.id.clone(),
            role: i.role,
            multi_use: i.multi_use,
            expires_at: i.expires_at,
            revoked: i.revoked,
            accepted: i.accepted_by.len() as u32,
        });
        MemberList {
            members: std::iter::once(owner).chain(members).collect(),
            invites: invites.collect(),
        }
    }
}

/// `PATCH /api/threads/{threadId}/members/{principal}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleChange {
    pub role: Role,
}

/// `POST /api/invites/{token}/accept`: the thread the caller now belongs to, and as what.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteAccepted {
    pub thread_id: String,
    pub role: Role,
}
