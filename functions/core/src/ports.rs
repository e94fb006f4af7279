//! The traits adapters implement. `runtime` holds the adapters (embedded disk, Azure Storage,
//! model providers); `builder` implements [`AppBuilder`]; the offline generator implements
//! [`AppAgent`].

use crate::agui::TokenUsage;
use crate::app::{BuildReport, ChangeSet, FileMap, Question, Requirements};
use crate::scenario::Scenario;
use crate::snapshot::Unreachable;
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

// ---------------------------------------------------------------- storage

/// Blob containers. Azure maps them to containers, the embedded backend to directories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// Snapshots, event logs and content-addressed files, under `threads/{threadId}/…`.
    Threads,
    /// Built apps and screenshots, under `{threadId}/v{n}/…`.
    Artifacts,
}

impl Container {
    pub const ALL: [Container; 2] = [Container::Threads, Container::Artifacts];

    pub fn name(self) -> &'static str {
        match self {
            Container::Threads => "threads",
            Container::Artifacts => "artifacts",
        }
    }
}

/// An opaque version tag of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(pub String);

/// Condition of a blob write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteCondition {
    /// Unconditional overwrite.
    Any,
    /// Only if the blob does not exist (If-None-Match: *).
    CreateOnly,
    /// Only if the blob's current ETag matches (If-Match).
    IfMatch(ETag),
}

#[derive(Debug, Clone)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub etag: ETag,
    pub content_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the blob exists (create-only) or changed (If-Match).
    #[error("conditional write failed: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid key: {0}")]
    InvalidKey(String),
    #[error("storage backend: {0}")]
    Backend(String),
}

/// Keyed blobs with conditional writes and append blobs. One trait for both backends so one
/// contract test suite covers them.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    async fn get(&self, container: Container, key: &str) -> Result<Option<Blob>, StoreError>;

    async fn put(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError>;

    /// A `put` that need only survive a crash of the process, not of the machine: for leases,
    /// which a restart takes over anyway, so the durable write that follows pays the only
    /// flush. Backends whose every write is durable keep this default.
    async fn put_volatile(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        self.put(container, key, bytes, content_type, condition)
            .await
    }

    /// Append to an append blob, creating it when absent. With `expected_len`, the append
    /// happens only if the blob's current length is exactly that (else `Conflict`), so two
    /// writers can never interleave. Returns the new length.
    async fn append(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        expected_len: Option<u64>,
    ) -> Result<u64, StoreError>;

    /// Bytes from `offset` to the end; `None` when the blob does not exist.
    async fn read_from(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Keys under a prefix, sorted.
    async fn list(&self, container: Container, prefix: &str) -> Result<Vec<String>, StoreError>;

    async fn delete(&self, container: Container, key: &str) -> Result<(), StoreError>;

    /// Deletes the blob only if it is still the version `etag` names (If-Match); `Conflict`
    /// when it changed since or is gone. A read-then-delete that must not lose a write made
    /// in between (a fresh heartbeat, a queued message just taken) uses this.
    async fn delete_if_match(
        &self,
        container: Container,
        key: &str,
        etag: &ETag,
    ) -> Result<(), StoreError>;
}

// ---------------------------------------------------------------- queues

/// A received queue message, with what the Functions host would pass in `Metadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub pop_receipt: String,
    pub dequeue_count: u32,
    /// The message text (decoded; adapters handle base64).
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The pop receipt no longer holds (the message became visible and was taken again).
    #[error("message lost its receipt: {0}")]
    Receipt(String),
    #[error("queue backend: {0}")]
    Backend(String),
}

/// Azure Storage's rule for queue names (3–63 of `a-z0-9-`, no leading, trailing or doubled
/// hyphen); every backend enforces it so a name that works locally works in Azure.
pub fn valid_queue_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Storage queues with visibility timeouts: at-least-once delivery.
#[async_trait]
pub trait QueueService: Send + Sync + 'static {
    async fn ensure(&self, queue: &str) -> Result<(), QueueError>;
    async fn send(&self, queue: &str, body: &str, delay: Duration) -> Result<(), QueueError>;
    /// Take one visible message, hiding it for `visibility`. Increments its dequeue count.
    async fn receive(
        &self,
        queue: &str,
        visibility: Duration,
    ) -> Result<Option<Delivery>, QueueError>;
    async fn delete(&self, queue: &str, delivery: &Delivery) -> Result<(), QueueError>;
    /// Make the message visible again after `delay` (a retry). Returns the new pop receipt.
    async fn release(
        &self,
        queue: &str,
        delivery: &Delivery,
        delay: Duration,
    ) -> Result<String, QueueError>;
    /// Approximate number of messages (visible or not).
    async fn len(&self, queue: &str) -> Result<u64, QueueError>;
}

// ---------------------------------------------------------------- agents

/// What an agent emits while it works; the step turns these into AG-UI events as they come.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// Narration for the user (streams as TEXT_MESSAGE_CONTENT).
    Say(String),
    /// A file is being written (streams as TOOL_CALL_START/ARGS/END `write_file`).
    FileStarted {
        path: String,
    },
    FileDelta {
        path: String,
        delta: String,
    },
    FileFinished {
        path: String,
    },
    /// One model call finished with this usage.
    Usage(TokenUsage),
    /// An external (AG-UI) agent starts serving the step: what the agent emits until
    /// `SubagentEnded` is nested under `run_id` (SUBAGENT_STARTED … FINISHED / ERROR).
    SubagentStarted {
        run_id: String,
        /// Who serves the step, e.g. "LangGraph (team-planner)".
        name: String,
    },
    /// The external agent's run ended; `error` says what it did wrong.
    SubagentEnded {
        run_id: String,
        error: Option<String>,
    },
    /// The external agent at `url` could not be reached (refused, timed out): the run records
    /// it (`ActiveRun::unreachable`) so its later steps do not ask it again.
    Unreachable {
        url: String,
    },
}

/// Sink for [`AgentEvent`]s. Synchronous and infallible: the runtime buffers and appends.
/// Agents narrate everything the user should read (including a change set's summary): the
/// runner adds only what it did itself (builds, reviews).
pub trait AgentOutput: Send {
    fn emit(&mut self, event: AgentEvent);
}

/// Everything an agent may read about the thread.
#[derive(Debug, Clone, Default)]
pub struct AgentContext {
    pub thread_id: String,
    /// The app's description (the first user message).
    pub description: String,
    /// Generation options from the UI.
    pub options: Vec<(String, String)>,
    pub answers: Value,
    pub requirements: Option<Requirements>,
    pub wireframe: Option<String>,
    /// Current files of the app.
    pub files: FileMap,
    /// The app's acceptance scenarios so far (the regression suite a follow-up keeps).
    pub scenarios: Vec<Scenario>,
    /// External agents this run could not reach (skipped for the rest of the run).
    pub unreachable: Unreachable,
}

/// Why a build failed, for the fix agent.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub error: String,
    pub log: String,
    pub console_errors: Vec<String>,
    pub round: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The model's output did not parse or validate, even after repair.
    #[error("the model's output was not usable: {0}")]
    InvalidOutput(String),
    #[error("the model provider failed: {0}")]
    Provider(String),
    #[error("the model did not answer in time: {0}")]
    Timeout(String),
    /// The request cannot be done by this agent (e.g. the offline generator does not
    /// understand a change request).
    #[error("{0}")]
    Unsupported(String),
}

/// The agents of the pipeline. The offline generator and model providers implement it.
#[async_trait]
pub trait AppAgent: Send + Sync {
    /// "offline" or the model route, shown to the user.
    fn name(&self) -> String;
    /// The external agent serving `step` instead of this one, if any (docs/agents.md); one
    /// the run found `unreachable` serves nothing more in it.
    async fn external(
        &self,
        _step: crate::step::StepName,
        _unreachable: &Unreachable,
    ) -> Option<crate::view::ExternalAgent> {
        None
    }
    async fn clarify(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError>;
    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError>;
    /// Acceptance scenarios from the requirements (before the code exists, so they do not
    /// copy its mistakes). Validated by the caller: a scenario that cannot run ends the run.
    async fn qa(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Scenario>, AgentError>;
    /// One scenario from a check a person wrote in words ("when I add a task with priority
    /// high it is listed first"), for the app as the context describes it. A sentence the agent
    /// cannot read is `Unsupported` with a message that says how to put it. Validated by the
    /// caller; its name and requirement become the sentence.
    async fn check_in_words(
        &self,
        _ctx: &AgentContext,
        _sentence: &str,
        _out: &mut dyn AgentOutput,
    ) -> Result<Scenario, AgentError> {
        Err(AgentError::Unsupported(
            "this agent does not read checks written in words".into(),
        ))
    }
    /// A self-contained HTML wireframe.
    async fn wireframe(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError>;
    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError>;
    async fn fix(
        &self,
        ctx: &AgentContext,
        failure: &Failure,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError>;
    async fn modify(
        &self,
        ctx: &AgentContext,
        request: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError>;
}

// ---------------------------------------------------------------- builder

/// One build of one app version.
#[derive(Debug, Clone)]
pub struct BuildJob {
    pub thread_id: String,
    /// The version number this build would become; artifacts go under `{thread}/v{n}/`.
    pub version: u32,
    pub files: FileMap,
    /// Acceptance scenarios the check runs after its own checks.
    pub scenarios: Vec<Scenario>,
    /// The throwaway data space the check runs a cloud or sign-in app against, when the
    /// pipeline opened one (docs/appdata.md, "The build check").
    pub data: Option<CheckData>,
    /// The artifact prefix (`{thread}/v{n}`) of an earlier build of exactly these files: the
    /// suite then runs on its published `dist/` as it is instead of building the same files
    /// again (a check run on an existing version).
    pub built: Option<String>,
}

/// Where the build check reaches the data API for its throwaway space: an HTTP server on a
/// Unix socket (the check's sandbox has no network, but sees the socket's directory), and
/// what the app's `<meta name="appgen-data">` names.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckData {
    pub socket: std::path::PathBuf,
    pub app: String,
    pub space: String,
    pub key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The builder itself is broken (not the app): missing template, no Chromium...
    #[error("builder unavailable: {0}")]
    Unavailable(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Builds and checks an app; publishes `dist/` and the screenshot as artifacts.
/// A failing app is `Ok(report)` with `ok: false`; `Err` is for the builder's own faults.
#[async_trait]
pub trait AppBuilder: Send + Sync {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError>;
}
