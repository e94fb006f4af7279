//! The step runner: the imperative shell around `appgen_core::pipeline`.
//!
//! Every step is stateless: load snapshot → claim the step (If-Match) → append events while the
//! agent works → commit the snapshot (If-Match) → enqueue the next step. Delivery is at least
//! once, so a step whose seq is already committed does nothing, a step whose claim is held by a
//! live attempt backs off, and a step that finds spans left open by a dead attempt closes them.

use crate::events::{EventLog, EventWriter};
use crate::now_ms;
use crate::preview::PreviewUrls;
use crate::threads::ThreadStore;
use appgen_core::agui::{
    AssistantMessage, BaseFields, Event, Message, RunAgentInput, RunStarted, TokenUsage,
};
use appgen_core::app::{BuildReport, FileMap};
use appgen_core::edits::apply_changes;
use appgen_core::paths::validate_app;
use appgen_core::run_error::ErrorCode;
use appgen_core::pipeline::{Rejection, ReviewDecision, plan_run, review, terminal_event};
use appgen_core::ports::{
    AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, AppBuilder, BlobStore, BuildError,
    BuildJob, ETag, Failure, QueueError, QueueService, StoreError,
};
use appgen_core::snapshot::{
    Claim, Cursor, PendingInterrupt, RunKind, RunStatus, StepUsage, ThreadSnapshot, Version,
};
use appgen_core::state::{diff, ui_state};
use appgen_core::step::{StepMessage, StepName};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tracing::{info, warn};

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub max_fix_rounds: u32,
    /// How long a claim holds before another attempt may take the step over.
    pub lease: Duration,
    /// One process owns the storage (embedded backend): claims from an earlier boot are dead.
    pub single_process: bool,
    pub preview: PreviewUrls,
    /// Wall time one step may take before the run ends with `step_timeout`.
    pub step_timeout: Duration,
    /// Wall time a whole run may take (checked before each step).
    pub run_timeout: Duration,
    /// Model tokens (input + output) a run may spend.
    pub max_tokens_per_run: u64,
}

impl PipelineConfig {
    /// Defaults for everything but where previews live.
    pub fn new(preview: PreviewUrls, single_process: bool) -> PipelineConfig {
        PipelineConfig {
            max_fix_rounds: appgen_core::pipeline::DEFAULT_MAX_FIX_ROUNDS,
            lease: Duration::from_secs(300),
            single_process,
            preview,
            step_timeout: Duration::from_secs(600),
            run_timeout: Duration::from_secs(3600),
            max_tokens_per_run: 2_000_000,
        }
    }
}

/// What the queue should do with a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Delete it: done, or nothing to do.
    Done,
    /// Leave it for another try after this delay (another attempt holds the step).
    Retry(Duration),
}

/// A fault of the platform (storage, queue), not of the run: the message is retried.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
    #[error("internal: {0}")]
    Internal(String),
}

/// Why a run could not be started (maps to HTTP statuses).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Step(#[from] StepError),
}

/// How a step ends.
enum Next {
    Step {
        step: StepName,
        attempt: u32,
    },
    Finish {
        status: RunStatus,
        message: Option<String>,
        code: Option<ErrorCode>,
    },
}

/// A failure of the run itself (bad model output, unusable app, builder down): the run ends
/// with RUN_ERROR, the message is not retried.
struct RunFailure {
    message: String,
    code: ErrorCode,
}

impl From<AgentError> for RunFailure {
    fn from(e: AgentError) -> Self {
        let code = match e {
            AgentError::InvalidOutput(_) => ErrorCode::InvalidModelOutput,
            AgentError::Provider(_) => ErrorCode::ModelProviderError,
            AgentError::Timeout(_) => ErrorCode::ModelTimeout,
            AgentError::Unsupported(_) => ErrorCode::UnsupportedRequest,
        };
        RunFailure {
            message: e.to_string(),
            code,
        }
    }
}

enum StepFault {
    Run(RunFailure),
    Platform(StepError),
}

impl From<StoreError> for StepFault {
    fn from(e: StoreError) -> Self {
        StepFault::Platform(StepError::Store(e))
    }
}

impl From<AgentError> for StepFault {
    fn from(e: AgentError) -> Self {
        StepFault::Run(e.into())
    }
}

pub struct Pipeline {
    pub threads: ThreadStore,
    pub events: EventLog,
    pub queue: Arc<dyn QueueService>,
    pub agent: Arc<dyn AppAgent>,
    pub builder: Arc<dyn AppBuilder>,
    pub config: PipelineConfig,
    /// This process's identity; claims are `{boot}:{attempt}`.
    boot: String,
    /// One per step queue, poked after every in-process send to it so its worker picks the
    /// message up without polling delay (and the other queues' workers stay asleep).
    wakers: HashMap<StepName, Arc<Notify>>,
}

impl Pipeline {
    /// A pipeline on one blob store (snapshots, files and event logs) and one queue service.
    pub fn new(
        blobs: Arc<dyn BlobStore>,
        queue: Arc<dyn QueueService>,
        agent: Arc<dyn AppAgent>,
        builder: Arc<dyn AppBuilder>,
        config: PipelineConfig,
    ) -> Pipeline {
        Pipeline {
            threads: ThreadStore::new(blobs.clone()),
            events: EventLog::new(blobs),
            queue,
            agent,
            builder,
            config,
            boot: uuid::Uuid::new_v4().simple().to_string(),
            wakers: StepName::ALL
                .into_iter()
                .map(|s| (s, Arc::new(Notify::new())))
                .collect(),
        }
    }

    /// The notifier poked after every in-process send to `step`'s queue.
    pub fn waker(&self, step: StepName) -> Arc<Notify> {
        self.wakers.get(&step).cloned().unwrap_or_default()
    }

    /// Creates every step queue and its poison queue.
    pub async fn ensure_queues(&self) -> Result<(), QueueError> {
        for step in StepName::ALL {
            self.queue.ensure(step.queue()).await?;
            self.queue.ensure(&step.poison_queue()).await?;
        }
        Ok(())
    }

    pub fn preview_url(&self, thread: &str, version: &Version) -> String {
        self.config.preview.url(thread, version.number)
    }

    pub fn state_of(&self, snap: &ThreadSnapshot) -> Value {
        let thread = snap.thread_id.clone();
        ui_state(snap, &|v: &Version| {
            self.config.preview.url(&thread, v.number)
        })
    }

    async fn send(&self, msg: &StepMessage) -> Result<(), QueueError> {
        self.queue
            .send(msg.step.queue(), &msg.to_json(), Duration::ZERO)
            .await?;
        if let Some(w) = self.wakers.get(&msg.step) {
            w.notify_waiters();
        }
        Ok(())
    }

    fn cursor_message(snap: &ThreadSnapshot) -> Option<StepMessage> {
        snap.active.as_ref().map(|a| StepMessage {
            thread_id: snap.thread_id.clone(),
            run_id: a.run_id.clone(),
            step: a.cursor.step,
            seq: a.cursor.seq,
            attempt: a.cursor.attempt,
        })
    }

    // ------------------------------------------------------------ starting runs

    /// Starts a run from an AG-UI request: records it (If-Match / create-only), writes
    /// RUN_STARTED + STATE_SNAPSHOT, enqueues the first step.
    pub async fn start_run(
        &self,
        input: &RunAgentInput,
        principal: &str,
        bench: bool,
    ) -> Result<RunKind, StartError> {
        for _ in 0..8 {
            let loaded = self
                .threads
                .load(&input.thread_id)
                .await
                .map_err(StepError::from)?;
            let etag = loaded.as_ref().map(|(_, e)| e.clone());
            let (mut snap, plan) =
                plan_run(loaded.map(|(s, _)| s), input, principal, now_ms(), bench)?;
            if snap.agent.is_empty() {
                snap.agent = self.agent.name();
            }
            let committed = match &etag {
                None => self.threads.create(&snap).await,
                Some(e) => self.threads.replace(&snap, e).await,
            };
            match committed {
                Ok(_) => {}
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(StepError::from(e).into()),
            }
            crate::failpoint::hit("start", "after_commit");
            let mut writer = self
                .events
                .writer(&input.thread_id, &input.run_id)
                .await
                .map_err(StepError::from)?;
            if writer.is_empty() {
                writer
                    .append(self.prelude(&snap, &input.run_id))
                    .await
                    .map_err(StepError::from)?;
            }
            if let Some(msg) = Self::cursor_message(&snap) {
                self.send(&msg).await.map_err(StepError::from)?;
            }
            info!(thread_id = %input.thread_id, run_id = %input.run_id, kind = ?plan.kind, "run started");
            return Ok(plan.kind);
        }
        Err(StepError::Internal("the thread kept changing; try again".into()).into())
    }

    /// A writer for a run's log and the events that must come first: the prelude when the log
    /// is empty, then whatever an earlier attempt left open. `None` when the run's log has ended.
    async fn resume_log(
        &self,
        snap: &ThreadSnapshot,
        run_id: &str,
    ) -> Result<Option<(EventWriter, Vec<Event>)>, StoreError> {
        let writer = self.events.writer(&snap.thread_id, run_id).await?;
        if writer.is_ended() {
            return Ok(None);
        }
        let mut head = Vec::new();
        if writer.is_empty() {
            head.extend(self.prelude(snap, run_id));
        }
        head.extend(writer.closing_events());
        Ok(Some((writer, head)))
    }

    fn prelude(&self, snap: &ThreadSnapshot, run_id: &str) -> Vec<Event> {
        vec![
            Event::RunStarted(RunStarted {
                thread_id: snap.thread_id.clone(),
                run_id: run_id.to_owned(),
                protocol_version: None,
                parent_run_id: None,
                input: None,
                base: BaseFields::default(),
            }),
            Event::state_snapshot(self.state_of(snap)),
        ]
    }

    /// Re-sends the cursor message of every unfinished run, appends any missing terminal event
    /// and re-indexes every thread under its owner. For the embedded backend at startup: a
    /// crash between commit and enqueue leaves a run without a message, and a power cut may
    /// lose queue messages and owner index entries (neither is flushed). Duplicates are
    /// harmless (seq dedupe).
    pub async fn recover(&self) -> Result<usize, StepError> {
        let mut resumed = 0;
        for thread in self.threads.list_all().await? {
            let Some((snap, _)) = self.threads.load(&thread).await? else {
                continue;
            };
            self.threads.index_owner(&snap).await?;
            if let Some(msg) = Self::cursor_message(&snap) {
                self.send(&msg).await?;
                resumed += 1;
            }
            if let Some(last) = snap.runs.last()
                && last.status != RunStatus::Running
            {
                self.ensure_terminal(&thread, &last.run_id).await?;
            }
        }
        Ok(resumed)
    }

    /// Re-sends the step message of a running run whose step nobody holds, for when the message
    /// may have been lost (a crash between commit and send on shared storage, where no startup
    /// scan runs). A duplicate is harmless: its seq is deduplicated. Returns whether it sent.
    pub async fn nudge(&self, thread: &str, run: &str) -> Result<bool, StepError> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Ok(false);
        };
        let Some(active) = snap.active.as_ref().filter(|a| a.run_id == run) else {
            return Ok(false);
        };
        if active
            .cursor
            .claim
            .as_ref()
            .is_some_and(|c| c.expires_at > now_ms())
        {
            return Ok(false);
        }
        match Self::cursor_message(&snap) {
            Some(msg) => {
                warn!(thread_id = %thread, run_id = %run, step = %msg.step, seq = msg.seq, "run idle with no live claim; re-sending its step");
                self.send(&msg).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Appends the run's terminal event if the snapshot says it ended and the log lacks it.
    /// Safe to call from anywhere, any number of times: the append is conditional on the length
    /// read, so racing callers append it once.
    pub async fn ensure_terminal(&self, thread: &str, run: &str) -> Result<bool, StepError> {
        for _ in 0..5 {
            let Some((snap, _)) = self.threads.load(thread).await? else {
                return Ok(false);
            };
            let Some(end) = terminal_event(&snap, run, &|v: &Version| {
                self.config.preview.url(thread, v.number)
            }) else {
                return Ok(false);
            };
            let Some((mut writer, mut events)) = self.resume_log(&snap, run).await? else {
                return Ok(false);
            };
            events.push(end);
            match writer.append(events).await {
                Ok(_) => return Ok(true),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(false)
    }

    /// Ends a run whose step message was poisoned (failed `maxDequeueCount` times).
    pub async fn fail_run(&self, msg: &StepMessage, reason: &str) -> Result<(), StepError> {
        for _ in 0..5 {
            let Some((mut snap, etag)) = self.threads.load(&msg.thread_id).await? else {
                return Ok(());
            };
            if snap.active.as_ref().map(|a| a.run_id.as_str()) != Some(msg.run_id.as_str()) {
                return Ok(());
            }
            self.finish(
                &mut snap,
                &msg.run_id,
                RunStatus::Failed,
                Some(reason.to_owned()),
                Some(ErrorCode::StepFailed),
            );
            snap.seq = snap.seq.max(msg.seq);
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {
                    self.ensure_terminal(&msg.thread_id, &msg.run_id).await?;
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn finish(
        &self,
        snap: &mut ThreadSnapshot,
        run: &str,
        status: RunStatus,
        message: Option<String>,
        code: Option<ErrorCode>,
    ) {
        let now = now_ms();
        if let Some(r) = snap.run_mut(run) {
            r.status = status;
            r.finished_at = Some(now);
            r.error = message;
            r.error_code = code;
        }
        snap.active = None;
        snap.updated_at = now;
    }

    // ------------------------------------------------------------ running steps

    /// Runs one delivered step message.
    pub async fn run_step(&self, msg: &StepMessage) -> Result<Disposition, StepError> {
        let attempt_id = format!("{}:{}", self.boot, uuid::Uuid::new_v4().simple());
        let now = now_ms();
        let (mut snap, etag) = loop {
            let Some((mut snap, etag)) = self.threads.load(&msg.thread_id).await? else {
                warn!(thread_id = %msg.thread_id, "step for an unknown thread; dropping");
                return Ok(Disposition::Done);
            };
            let Some(active) = snap.active.as_mut().filter(|a| a.run_id == msg.run_id) else {
                return Ok(Disposition::Done); // the run already ended
            };
            let cur = &mut active.cursor;
            if msg.seq < cur.seq {
                // Already done. If this is the step just before the cursor, its successor's
                // message may have been lost in a crash between commit and send: send it again.
                if msg.seq + 1 == cur.seq
                    && cur.claim.is_none()
                    && let Some(next) = Self::cursor_message(&snap)
                {
                    self.send(&next).await?;
                }
                return Ok(Disposition::Done);
            }
            if msg.seq > cur.seq || msg.step != cur.step {
                warn!(thread_id = %msg.thread_id, run_id = %msg.run_id, seq = msg.seq, "step message does not match the cursor; dropping");
                return Ok(Disposition::Done);
            }
            if let Some(claim) = &cur.claim {
                let dead_boot = self.config.single_process && !claim.worker.starts_with(&self.boot);
                if claim.expires_at > now && !dead_boot {
                    let wait = (claim.expires_at - now).clamp(100, 30_000) as u64;
                    return Ok(Disposition::Retry(Duration::from_millis(wait)));
                }
                info!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, "taking over a step from a dead attempt");
            }
            cur.claim = Some(Claim {
                worker: attempt_id.clone(),
                expires_at: now + self.config.lease.as_millis() as i64,
            });
            match self.threads.claim(&snap, &etag).await {
                Ok(etag) => break (snap, etag),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let claimed_etag = etag.clone();
        crate::failpoint::hit(msg.step.as_str(), "after_claim");
        if crate::failpoint::fails(msg.step.as_str()) {
            return self
                .abandon(
                    &snap,
                    &claimed_etag,
                    StepError::Internal("failpoint: injected step failure".into()),
                )
                .await;
        }

        let Some((mut writer, mut head)) = self.resume_log(&snap, &msg.run_id).await? else {
            return Ok(Disposition::Done);
        };
        let before = self.state_of(&snap);
        head.push(Event::step_started(msg.step.as_str()));
        head.push(Event::custom(
            "step",
            json!({"step": msg.step, "agent": msg.step.agent(), "model": self.model_of(msg.step), "attempt": msg.attempt, "seq": msg.seq}),
        ));
        writer.append(head).await?;

        let started = std::time::Instant::now();
        let say_id = format!(
            "{}-{}-{}",
            msg.run_id,
            msg.step,
            &attempt_id[attempt_id.len() - 8..]
        );
        let (tx, rx) = mpsc::unbounded_channel();
        // The pump works beside the agent in this task, appending while the agent awaits its
        // model: no task to spawn and no thread hand-off per event batch.
        let pump = Pump::new(writer, say_id.clone()).run(rx);
        let mut extra = Vec::new();
        let run_age = snap
            .active
            .as_ref()
            .map(|a| now - a.started_at)
            .unwrap_or(0);
        let work = async {
            // Owned here so the pump's channel closes when the agent is done (or timed out).
            let mut out = ChannelOutput { tx };
            if run_age > self.config.run_timeout.as_millis() as i64 {
                return Err(StepFault::Run(RunFailure {
                    message: format!(
                        "the run took longer than {} s, so it was stopped",
                        self.config.run_timeout.as_secs()
                    ),
                    code: ErrorCode::RunTimeout,
                }));
            }
            match tokio::time::timeout(
                self.config.step_timeout,
                self.execute(msg, &mut snap, &mut out, &mut extra),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(StepFault::Run(RunFailure {
                    message: format!(
                        "the {} step took longer than {} s, so the run was stopped",
                        msg.step,
                        self.config.step_timeout.as_secs()
                    ),
                    code: ErrorCode::StepTimeout,
                })),
            }
        };
        let (result, pump) = tokio::join!(work, pump);
        let mut pump = match pump {
            Ok(p) => p,
            Err(e) => return self.abandon(&snap, &claimed_etag, e.into()).await,
        };

        let next = match result {
            Ok(next) => next,
            Err(StepFault::Platform(e)) => return self.abandon(&snap, &claimed_etag, e).await,
            Err(StepFault::Run(f)) => {
                pump.say(&format!("\n{}", f.message));
                Next::Finish {
                    status: RunStatus::Failed,
                    message: Some(f.message),
                    code: Some(f.code),
                }
            }
        };
        if !pump.said.is_empty() {
            snap.messages.push(Message::Assistant(AssistantMessage {
                id: say_id.clone(),
                content: Some(pump.said.clone()),
                name: Some(msg.step.agent().into()),
                tool_calls: None,
            }));
        }
        let mut step_usage = None;
        if !pump.usage.is_empty() {
            let mut total = TokenUsage::default();
            for u in &pump.usage {
                total.provider = u.provider.clone().or(total.provider);
                total.model = u.model.clone().or(total.model);
                let add = |a: &mut Option<u64>, b: Option<u64>| {
                    *a = Some(a.unwrap_or(0) + b.unwrap_or(0))
                };
                add(&mut total.input_tokens, u.input_tokens);
                add(&mut total.output_tokens, u.output_tokens);
                add(&mut total.total_tokens, u.total_tokens);
            }
            step_usage = Some(total.clone());
            snap.usage.push(StepUsage {
                run_id: msg.run_id.clone(),
                step: msg.step,
                calls: pump.usage.len() as u32,
                usage: total,
            });
        }
        snap.seq = msg.seq;
        let spent: u64 = snap
            .run_usage(&msg.run_id)
            .iter()
            .map(|u| u.total_tokens.unwrap_or(0))
            .sum();
        let next = match next {
            Next::Step { .. } if spent > self.config.max_tokens_per_run => {
                let message = format!(
                    "the run used {spent} model tokens, over its budget of {}, so it was stopped",
                    self.config.max_tokens_per_run
                );
                pump.say(&format!("\n{message}"));
                Next::Finish {
                    status: RunStatus::Failed,
                    message: Some(message),
                    code: Some(ErrorCode::TokenBudget),
                }
            }
            other => other,
        };
        let ok = !matches!(
            next,
            Next::Finish {
                status: RunStatus::Failed,
                ..
            }
        );
        let follow = match next {
            Next::Step { step, attempt } => {
                if let Some(active) = snap.active.as_mut() {
                    active.cursor = Cursor {
                        step,
                        seq: msg.seq + 1,
                        attempt,
                        claim: None,
                    };
                }
                Self::cursor_message(&snap)
            }
            Next::Finish {
                status,
                message,
                code,
            } => {
                self.finish(&mut snap, &msg.run_id, status, message, code);
                None
            }
        };
        snap.updated_at = now_ms();
        let after = self.state_of(&snap);
        let mut tail = pump.close();
        tail.extend(extra);
        let delta = diff(&before, &after);
        if !delta.is_empty() {
            tail.push(Event::state_delta(delta));
        }
        let duration_ms = started.elapsed().as_millis() as u64;
        tail.push(Event::custom(
            "step_result",
            json!({"step": msg.step, "ok": ok, "durationMs": duration_ms, "usage": step_usage}),
        ));
        tail.push(Event::step_finished(msg.step.as_str()));
        pump.writer.append(tail).await?;
        crate::failpoint::hit(msg.step.as_str(), "after_events");

        match self.threads.replace(&snap, &claimed_etag).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => {
                warn!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, "lost the claim while working; the other attempt wins");
                return Ok(Disposition::Done);
            }
            Err(e) => return Err(e.into()),
        }
        info!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, seq = msg.seq, duration_ms, "step committed");
        crate::failpoint::hit(msg.step.as_str(), "after_commit");
        match follow {
            Some(next) => self.send(&next).await?,
            None => {
                self.ensure_terminal(&msg.thread_id, &msg.run_id).await?;
            }
        }
        Ok(Disposition::Done)
    }

    /// A platform fault mid-step: give the claim back so the retry need not wait out the lease.
    async fn abandon(
        &self,
        snap: &ThreadSnapshot,
        etag: &ETag,
        e: StepError,
    ) -> Result<Disposition, StepError> {
        let mut released = snap.clone();
        if let Some(a) = released.active.as_mut() {
            a.cursor.claim = None;
        }
        if let Err(err) = self.threads.claim(&released, etag).await {
            warn!(error = %err, "could not release the claim after a failed step");
        }
        Err(e)
    }

    fn model_of(&self, _step: StepName) -> String {
        self.agent.name()
    }

    async fn context(&self, snap: &ThreadSnapshot) -> Result<AgentContext, StoreError> {
        Ok(AgentContext {
            thread_id: snap.thread_id.clone(),
            description: snap.description(),
            options: snap
                .options
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            answers: snap.answers.clone().unwrap_or(Value::Null),
            requirements: snap.requirements.clone(),
            wireframe: snap.wireframe.clone(),
            files: self.threads.read_tree(&snap.thread_id, &snap.files).await?,
        })
    }

    async fn execute(
        &self,
        msg: &StepMessage,
        snap: &mut ThreadSnapshot,
        out: &mut ChannelOutput,
        extra: &mut Vec<Event>,
    ) -> Result<Next, StepFault> {
        let next = |step| {
            Ok(Next::Step {
                step,
                attempt: msg.attempt,
            })
        };
        let ctx = self.context(snap).await?;
        match msg.step {
            StepName::Clarify => {
                let questions = self.agent.clarify(&ctx, out).await?;
                if questions.is_empty() {
                    snap.answers = Some(json!({}));
                    return next(StepName::Requirements);
                }
                snap.questions = questions.clone();
                snap.interrupt = Some(PendingInterrupt {
                    id: format!("{}-questions", msg.run_id),
                    run_id: msg.run_id.clone(),
                    questions,
                });
                Ok(Next::Finish {
                    status: RunStatus::Interrupted,
                    message: None,
                    code: None,
                })
            }
            StepName::Requirements => {
                snap.requirements = Some(self.agent.requirements(&ctx, out).await?);
                next(StepName::Wireframe)
            }
            StepName::Wireframe => {
                snap.wireframe = Some(self.agent.wireframe(&ctx, out).await?);
                next(StepName::Code)
            }
            StepName::Code => {
                let files = self.agent.code(&ctx, out).await?;
                self.store_files(snap, &files).await?;
                next(StepName::Build)
            }
            StepName::Fix | StepName::Modify => {
                let mut new_requirements = None;
                let changes = if msg.step == StepName::Fix {
                    let build = snap.active.as_ref().and_then(|a| a.build.clone());
                    let failure = failure_of(build.as_ref(), msg.attempt);
                    self.agent.fix(&ctx, &failure, out).await?
                } else {
                    let request = snap
                        .active
                        .as_ref()
                        .map(|a| a.request.clone())
                        .unwrap_or_default();
                    match self.agent.modify(&ctx, &request, out).await {
                        Ok(c) => {
                            new_requirements = self.agent.requirements_after(&ctx, &request);
                            c
                        }
                        Err(AgentError::Unsupported(why)) => {
                            out.emit(AgentEvent::Say(why));
                            return Ok(Next::Finish {
                                status: RunStatus::Finished,
                                message: Some("no change made".into()),
                                code: None,
                            });
                        }
                        Err(e) => return Err(e.into()),
                    }
                };
                let files = apply_changes(&ctx.files, &changes.changes).map_err(|e| {
                    StepFault::Run(RunFailure {
                        message: format!("the changes could not be applied: {e}"),
                        code: ErrorCode::EditFailed,
                    })
                })?;
                self.store_files(snap, &files).await?;
                if let Some(r) = new_requirements {
                    snap.requirements = Some(r);
                }
                next(StepName::Build)
            }
            StepName::Build => {
                let version = snap.versions.len() as u32 + 1;
                out.emit(AgentEvent::Say(format!(
                    "Building {} files and checking the app in headless Chromium…",
                    ctx.files.len()
                )));
                let report = self
                    .builder
                    .build(BuildJob {
                        thread_id: snap.thread_id.clone(),
                        version,
                        files: ctx.files,
                    })
                    .await
                    .map_err(|e| match e {
                        BuildError::Store(s) => StepFault::Platform(s.into()),
                        BuildError::Unavailable(why) => StepFault::Run(RunFailure {
                            message: format!("the builder is unavailable: {why}"),
                            code: ErrorCode::BuilderUnavailable,
                        }),
                    })?;
                out.emit(AgentEvent::Say(format!("\n{}", describe_build(&report))));
                if let Some(active) = snap.active.as_mut() {
                    active.build = Some(report);
                }
                next(StepName::Review)
            }
            StepName::Review => self.review(msg, snap, out, extra).await,
            StepName::Bench => Ok(bench_step(msg, snap, out)),
        }
    }

    async fn review(
        &self,
        msg: &StepMessage,
        snap: &mut ThreadSnapshot,
        out: &mut ChannelOutput,
        extra: &mut Vec<Event>,
    ) -> Result<Next, StepFault> {
        let Some(active) = snap.active.clone() else {
            return Err(StepFault::Platform(StepError::Internal(
                "review without an active run".into(),
            )));
        };
        let Some(report) = active.build.clone() else {
            return Err(StepFault::Run(RunFailure {
                message: "there is no build to review".into(),
                code: ErrorCode::Internal,
            }));
        };
        match review(&active, &report, self.config.max_fix_rounds) {
            ReviewDecision::Accept => {
                let number = snap.versions.len() as u32 + 1;
                let version = Version {
                    number,
                    files: snap.files.clone(),
                    request: active.request.clone(),
                    run_id: msg.run_id.clone(),
                    created_at: now_ms(),
                    check: report.check.clone(),
                    artifact: report.artifact.clone(),
                    restored_from: None,
                };
                let url = self.preview_url(&snap.thread_id, &version);
                snap.versions.push(version);
                if let Some(r) = snap.run_mut(&msg.run_id) {
                    r.version = Some(number);
                }
                out.emit(AgentEvent::Say(format!(
                    "Version {number} is built and passed its browser check. Preview: {url}"
                )));
                extra.push(Event::custom(
                    "render_url",
                    json!({"url": url, "version": number}),
                ));
                Ok(Next::Finish {
                    status: RunStatus::Finished,
                    message: None,
                    code: None,
                })
            }
            ReviewDecision::Fix { round } => {
                let error = report.error.clone().unwrap_or_default();
                out.emit(AgentEvent::Say(format!(
                    "The check failed ({error}). Fix attempt {round} of {}.",
                    self.config.max_fix_rounds
                )));
                if let Some(a) = snap.active.as_mut() {
                    a.errors.push(error);
                }
                Ok(Next::Step {
                    step: StepName::Fix,
                    attempt: round,
                })
            }
            ReviewDecision::GiveUp { reason } => {
                let restored = if let Some(last) = snap.versions.last() {
                    snap.files = last.files.clone();
                    format!(
                        " Version {} is unchanged and still the current app.",
                        last.number
                    )
                } else {
                    String::from(" The files are kept so you can ask for a change.")
                };
                out.emit(AgentEvent::Say(format!(
                    "I could not make this work: {reason}.{restored}"
                )));
                Ok(Next::Finish {
                    status: RunStatus::Failed,
                    message: Some(format!("{reason}.{restored}")),
                    code: Some(ErrorCode::BuildFailed),
                })
            }
        }
    }

    async fn store_files(
        &self,
        snap: &mut ThreadSnapshot,
        files: &FileMap,
    ) -> Result<(), StepFault> {
        validate_app(files).map_err(|e| {
            StepFault::Run(RunFailure {
                message: format!("the generated app is not acceptable: {e}"),
                code: ErrorCode::InvalidApp,
            })
        })?;
        snap.files = self.threads.put_files(&snap.thread_id, files).await?;
        Ok(())
    }

    /// Makes a new version from an old one's files (restore never deletes history).
    pub async fn restore(
        &self,
        thread: &str,
        principal: &str,
        number: u32,
    ) -> Result<u32, StartError> {
        for _ in 0..5 {
            let Some((mut snap, etag)) =
                self.threads.load(thread).await.map_err(StepError::from)?
            else {
                return Err(Rejection::NotFound(thread.into()).into());
            };
            if snap.owner != principal {
                return Err(Rejection::NotFound(thread.into()).into());
            }
            if let Some(a) = &snap.active {
                return Err(Rejection::Busy(a.run_id.clone()).into());
            }
            let Some(old) = snap.version(number).cloned() else {
                return Err(Rejection::NotFound(format!("{thread} version {number}")).into());
            };
            let n = snap.versions.len() as u32 + 1;
            snap.files = old.files.clone();
            snap.versions.push(Version {
                number: n,
                request: format!("Restore version {number}"),
                created_at: now_ms(),
                restored_from: Some(number),
                ..old
            });
            snap.updated_at = now_ms();
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => return Ok(n),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(StepError::from(e).into()),
            }
        }
        Err(StepError::Internal("the thread kept changing; try again".into()).into())
    }
}

/// Steps of the reference workload.
pub const BENCH_STEPS: u32 = 6;

/// One step of the reference workload: streams 2,000 characters as 50 deltas and replaces a
/// ~20 KB file map in the snapshot (no model, no build), then the runner commits it durably.
fn bench_step(msg: &StepMessage, snap: &mut ThreadSnapshot, out: &mut ChannelOutput) -> Next {
    let i = msg.attempt;
    for d in 0..50 {
        out.emit(AgentEvent::Say(format!(
            "{:0>39}\n",
            format!("step {i} delta {d}")
        )));
    }
    snap.bench_files = (0..10)
        .map(|f| {
            (
                format!("src/file{f}.ts"),
                format!("// step {i}\n{}", "x".repeat(2_000)),
            )
        })
        .collect();
    if i + 1 < BENCH_STEPS {
        Next::Step {
            step: StepName::Bench,
            attempt: i + 1,
        }
    } else {
        Next::Finish {
            status: RunStatus::Finished,
            message: None,
            code: None,
        }
    }
}

fn failure_of(build: Option<&BuildReport>, round: u32) -> Failure {
    match build {
        Some(b) => Failure {
            error: b.error.clone().unwrap_or_default(),
            log: b.log.clone(),
            console_errors: b
                .check
                .as_ref()
                .map(|c| c.console_errors.clone())
                .unwrap_or_default(),
            round,
        },
        None => Failure {
            round,
            ..Failure::default()
        },
    }
}

fn describe_build(r: &BuildReport) -> String {
    let secs = r.duration_ms as f64 / 1000.0;
    if r.ok {
        let checks = r
            .check
            .as_ref()
            .map(|c| {
                c.checks
                    .iter()
                    .map(|k| format!("{} ✓", k.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        format!("Built and checked in {secs:.1} s: {checks}.")
    } else {
        format!(
            "The {:?} phase failed after {secs:.1} s: {}",
            r.phase,
            r.error.clone().unwrap_or_default()
        )
        .to_lowercase()
    }
}

/// The agent's sink: a channel drained by the [`Pump`].
struct ChannelOutput {
    tx: mpsc::UnboundedSender<AgentEvent>,
}

impl AgentOutput for ChannelOutput {
    fn emit(&mut self, event: AgentEvent) {
        let _ = self.tx.send(event);
    }
}

/// Turns agent events into AG-UI events and appends them in batches while the agent works.
struct Pump {
    writer: EventWriter,
    say_id: String,
    say_open: bool,
    said: String,
    tools: HashMap<String, String>,
    tool_count: usize,
    usage: Vec<TokenUsage>,
    pending: Vec<Event>,
}

impl Pump {
    fn new(writer: EventWriter, say_id: String) -> Pump {
        Pump {
            writer,
            say_id,
            say_open: false,
            said: String::new(),
            tools: HashMap::new(),
            tool_count: 0,
            usage: Vec::new(),
            pending: Vec::new(),
        }
    }

    async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<AgentEvent>,
    ) -> Result<Pump, StoreError> {
        while let Some(first) = rx.recv().await {
            self.convert(first);
            while let Ok(more) = rx.try_recv() {
                self.convert(more);
                if self.pending.len() > 256 {
                    break;
                }
            }
            let batch = std::mem::take(&mut self.pending);
            self.writer.append(batch).await?;
        }
        Ok(self)
    }

    fn say(&mut self, text: &str) {
        if !self.say_open {
            self.pending.push(Event::text_start(&self.say_id));
            self.say_open = true;
        }
        self.said.push_str(text);
        self.pending.push(Event::text_content(&self.say_id, text));
    }

    fn convert(&mut self, e: AgentEvent) {
        match e {
            AgentEvent::Say(text) if !text.is_empty() => self.say(&text),
            AgentEvent::Say(_) => {}
            AgentEvent::FileStarted { path } => {
                self.tool_count += 1;
                let id = format!("{}-f{}", self.say_id, self.tool_count);
                self.pending
                    .push(Event::tool_start(&id, "write_file", None));
                let head = format!(
                    "{{\"path\":{},\"content\":\"",
                    serde_json::to_string(&path).unwrap_or_default()
                );
                self.pending.push(Event::tool_args(&id, &head));
                self.tools.insert(path, id);
            }
            AgentEvent::FileDelta { path, delta } => {
                if let Some(id) = self.tools.get(&path) {
                    let quoted = serde_json::to_string(&delta).unwrap_or_default();
                    let inner = &quoted[1..quoted.len().saturating_sub(1)];
                    if !inner.is_empty() {
                        self.pending.push(Event::tool_args(id, inner));
                    }
                }
            }
            AgentEvent::FileFinished { path } => {
                if let Some(id) = self.tools.remove(&path) {
                    self.pending.push(Event::tool_args(&id, "\"}"));
                    self.pending.push(Event::tool_end(&id));
                }
            }
            AgentEvent::Usage(u) => self.usage.push(u),
        }
    }

    /// Closes what is still open (pending events first).
    fn close(&mut self) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        let mut open: Vec<String> = self.tools.drain().map(|(_, id)| id).collect();
        open.sort();
        for id in open {
            out.push(Event::tool_args(&id, "\"}"));
            out.push(Event::tool_end(&id));
        }
        if self.say_open {
            out.push(Event::text_end(&self.say_id));
            self.say_open = false;
        }
        out
    }
}
