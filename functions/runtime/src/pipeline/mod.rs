//! The step runner: the imperative shell around `appgen_core::pipeline`.
//!
//! Every step is stateless: load snapshot → claim the step (If-Match) → append events while the
//! step's handler works → commit the snapshot (If-Match) → enqueue the next step. Delivery is at
//! least once, so a step whose seq is already committed does nothing, a step whose claim is held
//! by a live attempt backs off, and a step that finds spans left open by a dead attempt closes
//! them. Where the run goes next is decided by one pure function, `core::pipeline::transition`.
//!
//! - [`mod@self`]: the [`Pipeline`] façade (what the HTTP API, the CLI and the hosts may ask).
//! - `start`: starting runs, restoring versions, the log's prelude.
//! - `runner`: one step, as claim → open the log → work → settle → commit and hand off.
//! - `steps`: the step handlers a process registers ([`Steps`]).
//! - `pump`: agent events → AG-UI events, appended while the agent works.
//! - `publish`: publishing a version at its slug, unpublishing, the published files.
//! - `deploy`: deploys to Vercel as queue work (stored stages, taken by one attempt at a time,
//!   resumed where the record says).
//! - `recovery`: re-sending lost step messages, missing terminal events, the sweeper.
//! - `watch`: one membership read per thread for all of its open streams.

mod deploy;
mod publish;
mod pump;
mod queue;
mod recovery;
mod runner;
mod start;
mod steps;
mod watch;

pub use deploy::{deploy_listing_key, deploy_record_key};
pub use publish::{
    BuiltVersion, DEFAULT_APPS_PORT, PublishError, PublishedFile, apps_origin_from_env,
    local_origin,
};
pub use queue::QueueRefusal;
pub use recovery::SweepReport;
pub use steps::{StepHandler, StepWork, Steps};
pub use watch::AccessWatch;

use crate::events::EventLog;
use crate::live::ThreadLive;
use crate::preview::PreviewUrls;
use crate::threads::ThreadStore;
use appgen_core::access::{Action, Denied, MemberError, Role, authorize};
use appgen_core::app::FileMap;
use appgen_core::deploy::DeployMessage;
use appgen_core::pipeline::Rejection;
use appgen_core::ports::{Blob, Container, QueueError, QueueService, StoreError};
use appgen_core::snapshot::{ThreadSnapshot, Version};
use appgen_core::step::{StepMessage, WorkQueue};
use appgen_core::view::UiState;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub max_fix_rounds: u32,
    /// How long a claim holds before another attempt may take the step over; also how long a
    /// run's cursor may stand still before the sweeper re-sends its step.
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
    /// Attempts that may claim one step before the run ends with `step_failed` (an attempt
    /// that crashes never reports back, so claims are what count).
    pub max_claims: u32,
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
            max_claims: appgen_core::retry::MAX_TRIES,
        }
    }
}

/// What the queue should do with a delivered message, before the retry policy weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Done, or nothing to do.
    Done,
    /// Another attempt holds the step; look again after this delay.
    Held(Duration),
}

/// A delivered queue message, read: a step's or a deploy's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    Step(StepMessage),
    Deploy(DeployMessage),
}

impl Work {
    /// Reads a message delivered from `queue`; one that is not of its queue's kind can never
    /// succeed, and is refused.
    pub fn parse(queue: WorkQueue, body: &str) -> Result<Work, String> {
        match queue {
            WorkQueue::Step(step) => {
                let msg = StepMessage::from_json(body).map_err(|e| e.to_string())?;
                if msg.step != step {
                    return Err(format!("a {} message on the {step} queue", msg.step));
                }
                Ok(Work::Step(msg))
            }
            WorkQueue::Deploy => DeployMessage::from_json(body)
                .map(Work::Deploy)
                .map_err(|e| e.to_string()),
        }
    }

    pub fn thread_id(&self) -> &str {
        match self {
            Work::Step(m) => &m.thread_id,
            Work::Deploy(m) => &m.thread_id,
        }
    }

    /// What it is, for logs: `code seq 4`, `deploy d-…`.
    pub fn describe(&self) -> String {
        match self {
            Work::Step(m) => format!("{} seq {}", m.step, m.seq),
            Work::Deploy(m) => format!("deploy {}", m.deploy_id),
        }
    }
}

/// A fault of the platform (storage, queue), not of the run: the message is retried under the
/// retry policy (`appgen_core::retry`). The run's own failures are `RunError`s and end the run.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
    #[error("internal: {0}")]
    Internal(String),
}

/// Why a run could not be started or a version restored (maps to HTTP statuses).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        StartError::Fault(e.into())
    }
}

pub struct Pipeline {
    threads: ThreadStore,
    events: EventLog,
    live: ThreadLive,
    queue: Arc<dyn QueueService>,
    steps: Steps,
    config: PipelineConfig,
    /// This process's identity; claims are `{boot}:{attempt}`.
    boot: String,
    /// One per queue, poked after every in-process send to it so its worker picks the
    /// message up without polling delay (and the other queues' workers stay asleep).
    wakers: HashMap<WorkQueue, Arc<Notify>>,
    /// Where deploys go, and the server's Vercel token (`APPGEN_VERCEL_*`).
    vercel: crate::vercel::VercelSetup,
    /// Where published apps live, for the answer to a "publish it" (from the environment as
    /// the hosts read it; `serve` sets its own port).
    apps: std::sync::RwLock<appgen_core::publish::AppsOrigin>,
    /// The membership reads open thread streams share (`watch.rs`).
    watchers: watch::Watchers,
}

impl Pipeline {
    /// A pipeline on one blob store (snapshots, files and event logs) and one queue service,
    /// running the steps registered in `steps`.
    pub fn new(
        blobs: Arc<dyn appgen_core::ports::BlobStore>,
        queue: Arc<dyn QueueService>,
        steps: Steps,
        config: PipelineConfig,
    ) -> Pipeline {
        Pipeline {
            threads: ThreadStore::new(blobs.clone()),
            events: EventLog::new(blobs.clone()),
            live: ThreadLive::new(blobs),
            queue,
            steps,
            config,
            boot: uuid::Uuid::new_v4().simple().to_string(),
            wakers: WorkQueue::all()
                .map(|q| (q, Arc::new(Notify::new())))
                .collect(),
            apps: std::sync::RwLock::new(apps_origin_from_env()),
            vercel: crate::vercel::VercelSetup::from_env(),
            watchers: watch::Watchers::default(),
        }
    }

    /// The same pipeline deploying with `vercel` instead of what the environment says.
    pub fn with_vercel(mut self, vercel: crate::vercel::VercelSetup) -> Pipeline {
        self.vercel = vercel;
        self
    }

    /// Where deploys go and whether the server has a token of its own.
    pub fn vercel(&self) -> &crate::vercel::VercelSetup {
        &self.vercel
    }

    /// Tells the pipeline where published apps live (the host's apps origin).
    pub fn set_apps_origin(&self, origin: appgen_core::publish::AppsOrigin) {
        *self.apps.write().unwrap_or_else(|p| p.into_inner()) = origin;
    }

    /// The address of the app published at `slug`, as the host serves it.
    pub fn app_url(&self, slug: &str) -> String {
        let apps = self.apps.read().unwrap_or_else(|p| p.into_inner());
        apps.url(slug)
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Snapshots, file blobs and the owner index (tests and tools read them directly).
    pub fn threads(&self) -> &ThreadStore {
        &self.threads
    }

    /// Runs' event logs.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Threads' streams, queued messages and presence.
    pub fn live(&self) -> &ThreadLive {
        &self.live
    }

    pub fn queue(&self) -> &Arc<dyn QueueService> {
        &self.queue
    }

    /// The steps this process runs (its workers poll only their queues).
    pub fn steps(&self) -> &Steps {
        &self.steps
    }

    /// The notifier poked after every in-process send to `queue`.
    pub fn waker(&self, queue: WorkQueue) -> Arc<Notify> {
        self.wakers.get(&queue).cloned().unwrap_or_default()
    }

    /// Creates every queue (the steps' and the deploys') and its poison queue.
    pub async fn ensure_queues(&self) -> Result<(), QueueError> {
        for q in WorkQueue::all() {
            self.queue.ensure(q.name()).await?;
            self.queue.ensure(&q.poison()).await?;
        }
        Ok(())
    }

    /// Runs one delivered message: a step, or a deploy.
    pub async fn run_work(&self, work: &Work) -> Result<Disposition, Fault> {
        match work {
            Work::Step(msg) => self.run_step(msg).await,
            Work::Deploy(msg) => self.run_deploy(msg).await,
        }
    }

    /// Ends what the retry policy gave up on after `tries` (`fault`: the last one's) — the
    /// run with `step_failed`, or the deploy as failed — and returns why, as the user reads it.
    pub async fn give_up(&self, work: &Work, tries: u32, fault: &str) -> Result<String, Fault> {
        match work {
            Work::Step(msg) => {
                let reason = appgen_core::retry::give_up_reason(msg.step.as_str(), tries, fault);
                self.fail_run(msg, &reason).await?;
                Ok(reason)
            }
            Work::Deploy(msg) => {
                let reason = appgen_core::deploy::give_up_reason(tries, fault);
                self.end_deploy(msg, &reason).await?;
                Ok(reason)
            }
        }
    }

    // ------------------------------------------------------------ the façade for handlers

    /// The thread if `principal` may see it. Another principal's thread is `None`, exactly
    /// like a thread that does not exist: the one owner check of the HTTP API.
    pub async fn thread_for(
        &self,
        thread: &str,
        principal: &str,
    ) -> Result<Option<ThreadSnapshot>, StoreError> {
        Ok(self
            .threads
            .load(thread)
            .await?
            .map(|(s, _)| s)
            .filter(|s| s.visible_to(principal)))
    }

    /// The thread if `principal` may do `action` on it (`core::access::authorize` decides);
    /// an unknown thread is refused like one the principal is not a member of.
    pub async fn thread_as(
        &self,
        thread: &str,
        principal: &str,
        action: Action,
    ) -> Result<Result<(ThreadSnapshot, Role), Denied>, StoreError> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Ok(Err(Denied::NotFound));
        };
        Ok(authorize(&snap, principal, action).map(|role| (snap, role)))
    }

    /// Changes a thread's members or invites with `change` (a `core::access` function, which
    /// applies the access rule), committed with If-Match and retried on a conflict. New members
    /// are indexed so their thread list shows the thread.
    pub async fn change_members<T>(
        &self,
        thread: &str,
        mut change: impl FnMut(&mut ThreadSnapshot) -> Result<T, MemberError>,
    ) -> Result<Result<T, MemberError>, Fault> {
        for _ in 0..start::COMMIT_RETRIES {
            let Some((mut snap, etag)) = self.threads.load(thread).await? else {
                return Ok(Err(Denied::NotFound.into()));
            };
            let before = snap.clone();
            let out = match change(&mut snap) {
                Ok(out) => out,
                Err(e) => return Ok(Err(e)),
            };
            if snap == before {
                return Ok(Ok(out));
            }
            // A step commits with If-Match on the snapshot it claimed: a write now would make
            // the run's step lose its commit, so membership waits for the run to end.
            if let Some(a) = &snap.active {
                return Ok(Err(MemberError::Busy(a.run_id.clone())));
            }
            snap.updated_at = crate::now_ms();
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {
                    self.threads.index_owner(&snap).await?;
                    let told = appgen_core::live::member_events(&before, &snap);
                    self.live.tell(thread, told).await;
                    return Ok(Ok(out));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Fault::Internal(
            "the thread kept changing; try again".into(),
        ))
    }

    /// The threads `principal` owns or is a member of, newest first.
    pub async fn threads_of(&self, principal: &str) -> Result<Vec<ThreadSnapshot>, StoreError> {
        let mut out = Vec::new();
        for id in self.threads.list_owned(principal).await? {
            if let Some((s, _)) = self.threads.load(&id).await?
                && s.visible_to(principal)
            {
                out.push(s);
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
        Ok(out)
    }

    /// The files of a version.
    pub async fn version_files(
        &self,
        snap: &ThreadSnapshot,
        version: &Version,
    ) -> Result<FileMap, StoreError> {
        self.threads
            .read_tree(&snap.thread_id, &version.files)
            .await
    }

    /// A file of the thread by its content hash.
    pub async fn file(
        &self,
        snap: &ThreadSnapshot,
        hash: &str,
    ) -> Result<Option<String>, StoreError> {
        self.threads.get_file(&snap.thread_id, hash).await
    }

    /// A build artifact (screenshot, a file of `dist/`) by its key.
    pub async fn artifact(&self, key: &str) -> Result<Option<Blob>, StoreError> {
        self.threads.blobs().get(Container::Artifacts, key).await
    }

    /// The published `dist/` of a version's artifact, as (path inside `dist/`, bytes).
    pub async fn dist_files(&self, artifact: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let prefix = format!("{artifact}/dist/");
        let blobs = self.threads.blobs();
        let mut out = Vec::new();
        for key in blobs.list(Container::Artifacts, &prefix).await? {
            if let Some(blob) = blobs.get(Container::Artifacts, &key).await? {
                out.push((key[prefix.len()..].to_owned(), blob.bytes));
            }
        }
        Ok(out)
    }

    pub fn preview_url(&self, thread: &str, version: &Version) -> String {
        self.config.preview.url(thread, version.number)
    }

    /// A file of a version's published app, for the preview origin. `None` unless `token` is
    /// the one issued for (thread, version), the path stays inside `dist/`, and the file
    /// exists; an unknown path without an extension gets `index.html` (single-page apps).
    pub async fn preview_file(
        &self,
        thread: &str,
        version: u32,
        token: &str,
        path: &str,
    ) -> Result<Option<Blob>, StoreError> {
        let inside = !path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
        if !crate::threads::valid_id(thread)
            || !inside
            || !self.config.preview.verify(thread, version, token)
        {
            return Ok(None);
        }
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Ok(None);
        };
        let Some(artifact) = snap.version(version).and_then(|v| v.artifact.clone()) else {
            return Ok(None);
        };
        let blobs = self.threads.blobs();
        let file = blobs
            .get(Container::Artifacts, &format!("{artifact}/dist/{path}"))
            .await?;
        let page = !path.rsplit('/').next().unwrap_or_default().contains('.');
        match file {
            None if page => {
                let index = format!("{artifact}/dist/index.html");
                blobs.get(Container::Artifacts, &index).await
            }
            found => Ok(found),
        }
    }

    /// The UI state of a thread (STATE_SNAPSHOT).
    pub fn state_of(&self, snap: &ThreadSnapshot) -> UiState {
        UiState::of(snap, &|v: &Version| self.preview_url(&snap.thread_id, v))
    }

    // ------------------------------------------------------------ queue plumbing

    async fn send(&self, msg: &StepMessage) -> Result<(), QueueError> {
        self.send_to(WorkQueue::Step(msg.step), &msg.to_json())
            .await
    }

    async fn send_to(&self, queue: WorkQueue, body: &str) -> Result<(), QueueError> {
        self.queue.send(queue.name(), body, Duration::ZERO).await?;
        if let Some(w) = self.wakers.get(&queue) {
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
            fix_round: a.cursor.fix_round,
        })
    }
}
