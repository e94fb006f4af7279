//! The step chain on the embedded backend, driven through the real queue: full runs, duplicate
//! deliveries, dead attempts, fix rounds, the stuck detector, poison and restart recovery.
//! The agent and builder here are scripted stand-ins: these tests are about the runner, not
//! about generators or builds (those have their own suites).

mod common;

use appgen_core::agui::{Event, Message, ResumeEntry, ResumeStatus};
use appgen_core::app::{
    BuildPhase, BuildReport, ChangeSet, CheckReport, FileChange, FileMap, Question, QuestionKind,
    Requirements,
};
use appgen_core::pipeline::StepOutcome;
use appgen_core::ports::{
    AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, AppBuilder, BuildError, BuildJob,
    Failure,
};
use appgen_core::ports::{BlobStore, Container, QueueService};
use appgen_core::retry::{MAX_TRIES, RetryPolicy};
use appgen_core::snapshot::{Claim, RunStatus};
use appgen_core::step::{StepMessage, StepName};
use appgen_core::view::{AppEvent, RunResult, UiState};
use appgen_runtime::azure::config::StorageConnection;
use appgen_runtime::azure::{AzureBlobStore, AzureQueue};
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use appgen_runtime::pipeline::{Fault, Pipeline, PipelineConfig, StepHandler, StepWork, Steps};
use appgen_runtime::preview::PreviewUrls;
use appgen_runtime::worker::{WorkerConfig, handle};
use async_trait::async_trait;
use common::{assert_ends_closed, drain, input, resolve, snapshot, start, step_names, user};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct ScriptedAgent;

#[async_trait]
impl AppAgent for ScriptedAgent {
    fn name(&self) -> String {
        "scripted".into()
    }
    async fn clarify(
        &self,
        _: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        out.emit(AgentEvent::Say("One question.".into()));
        Ok(vec![Question {
            id: "persist".into(),
            prompt: "Keep data?".into(),
            kind: QuestionKind::YesNo,
            options: vec![],
            default: json!(true),
            help: None,
        }])
    }
    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        if ctx.description.contains("expensive") {
            out.emit(AgentEvent::Usage(appgen_core::agui::TokenUsage {
                input_tokens: Some(900),
                output_tokens: Some(200),
                total_tokens: Some(1100),
                ..Default::default()
            }));
        }
        if ctx.description.contains("slow") {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        Ok(Requirements {
            title: "T".into(),
            summary: ctx.description.clone(),
            features: vec![],
            spec: ctx.answers.clone(),
        })
    }
    async fn qa(
        &self,
        _: &AgentContext,
        _: &mut dyn AgentOutput,
    ) -> Result<Vec<appgen_core::scenario::Scenario>, AgentError> {
        Ok(Vec::new())
    }
    async fn wireframe(
        &self,
        _: &AgentContext,
        _: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        Ok("<html><body>wire</body></html>".into())
    }
    async fn code(
        &self,
        _: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        out.emit(AgentEvent::FileStarted {
            path: "src/App.tsx".into(),
        });
        out.emit(AgentEvent::FileDelta {
            path: "src/App.tsx".into(),
            delta: "export const v = \"1\";\n".into(),
        });
        out.emit(AgentEvent::FileFinished {
            path: "src/App.tsx".into(),
        });
        Ok(FileMap::from([(
            "src/App.tsx".to_owned(),
            "export const v = \"1\";\n".to_owned(),
        )]))
    }
    async fn fix(
        &self,
        ctx: &AgentContext,
        f: &Failure,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let cur = ctx.files.get("src/App.tsx").cloned().unwrap_or_default();
        Ok(ChangeSet {
            summary: format!("fix round {}", f.round),
            changes: vec![FileChange::Write {
                path: "src/App.tsx".into(),
                content: format!("{cur}// fix {}\n", f.round),
            }],
            requirements: None,
            suite: Default::default(),
        })
    }
    async fn modify(
        &self,
        _: &AgentContext,
        request: &str,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        if request.contains("impossible") {
            return Err(AgentError::Unsupported("I cannot do that.".into()));
        }
        Ok(ChangeSet {
            summary: "edited".into(),
            changes: vec![FileChange::Edit {
                path: "src/App.tsx".into(),
                search: "\"1\"".into(),
                replace: "\"2\"".into(),
            }],
            requirements: None,
            suite: Default::default(),
        })
    }
}

/// Fails the first `fail` builds with `error`, then passes.
struct ScriptedBuilder {
    fail: AtomicU32,
    error: Mutex<String>,
    builds: AtomicU32,
}

impl ScriptedBuilder {
    fn new(fail: u32, error: &str) -> Arc<ScriptedBuilder> {
        Arc::new(ScriptedBuilder {
            fail: AtomicU32::new(fail),
            error: Mutex::new(error.into()),
            builds: AtomicU32::new(0),
        })
    }
}

#[async_trait]
impl AppBuilder for ScriptedBuilder {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError> {
        self.builds.fetch_add(1, Ordering::SeqCst);
        let failing = self.fail.load(Ordering::SeqCst) > 0;
        if failing {
            self.fail.fetch_sub(1, Ordering::SeqCst);
        }
        let error = self.error.lock().map(|e| e.clone()).unwrap_or_default();
        Ok(BuildReport {
            ok: !failing,
            phase: if failing {
                BuildPhase::Build
            } else {
                BuildPhase::Done
            },
            error: failing.then_some(error),
            log: String::new(),
            check: Some(CheckReport {
                passed: !failing,
                ..CheckReport::default()
            }),
            artifact: Some(format!("{}/v{}", job.thread_id, job.version)),
            duration_ms: 5,
        })
    }
}

/// Where a test's pipeline keeps its state: a temp dir, or Azurite under a unique prefix.
#[derive(Clone)]
enum Backend {
    Embedded(Arc<tempfile::TempDir>),
    Azurite(String),
}

impl Backend {
    fn embedded() -> Backend {
        Backend::Embedded(Arc::new(tempfile::tempdir().expect("tmp")))
    }

    /// `None` (and a notice) when no Azurite was started for this test run.
    fn azurite() -> Option<Backend> {
        if std::env::var("APPGEN_AZURITE").is_err() {
            eprintln!(
                "skipped: set APPGEN_AZURITE=1 with Azurite running (infra/local/azurite.sh start)"
            );
            return None;
        }
        Some(Backend::Azurite(format!(
            "p{}-",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )))
    }

    async fn pipeline(&self, builder: Arc<dyn AppBuilder>) -> Arc<Pipeline> {
        self.pipeline_with(Steps::app(Arc::new(ScriptedAgent), builder))
            .await
    }

    async fn pipeline_with(&self, steps: Steps) -> Arc<Pipeline> {
        let (blobs, queue, single): (Arc<dyn BlobStore>, Arc<dyn QueueService>, bool) = match self {
            Backend::Embedded(dir) => (
                Arc::new(
                    DiskBlobStore::open_with(&dir.path().join("blobs"), false).expect("blobs"),
                ),
                Arc::new(DiskQueue::open(&dir.path().join("queues")).expect("queue")),
                true,
            ),
            Backend::Azurite(prefix) => {
                let conn = StorageConnection::development();
                let store = AzureBlobStore::with_prefix(&conn, prefix).expect("blobs");
                store.ensure_containers().await.expect("containers");
                (
                    Arc::new(store),
                    Arc::new(AzureQueue::with_prefix(&conn, prefix).expect("queue")),
                    false,
                )
            }
        };
        let p = Arc::new(Pipeline::new(
            blobs,
            queue,
            steps,
            PipelineConfig {
                lease: Duration::from_secs(60),
                ..PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), single)
            },
        ));
        p.ensure_queues().await.expect("queues");
        p
    }
}

/// Runs a test body on the embedded backend and, when Azurite is up, on Azurite.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::embedded()).await; })*
        }
        mod azurite {
            $(#[tokio::test] async fn $name() { if let Some(b) = super::Backend::azurite() { super::$name(b).await; } })*
        }
    };
}

on_both_backends!(
    initial_run_interrupts_then_builds_a_version,
    follow_up_edits_and_makes_version_two_and_unsupported_requests_answer_honestly,
    duplicate_deliveries_write_no_duplicate_events,
    an_expired_claim_is_taken_over_and_its_spans_closed,
    a_live_claim_makes_a_duplicate_back_off,
    racing_workers_commit_once,
    failed_builds_are_fixed_and_a_repeated_error_stops_the_loop,
    a_build_fixed_in_one_round_becomes_a_version,
    a_step_faulting_on_every_try_is_given_up_on_the_last_one,
    a_step_claimed_by_too_many_dead_attempts_ends_the_run,
    the_sweeper_resends_a_lost_step_with_nobody_watching,
    the_sweeper_appends_a_missing_terminal_event,
    rejected_requests_change_nothing,
    a_lost_step_message_is_sent_again_by_a_nudge,
    the_reference_workload_runs_through_the_ordinary_chain,
    a_queued_message_taken_for_its_run_can_no_longer_be_withdrawn,
);

async fn events(p: &Pipeline, thread: &str, run: &str) -> Vec<(u64, Event)> {
    let (ev, _) = p.events().read_from(thread, run, 0).await.expect("read");
    ev.into_iter().map(|e| (e.seq, e.event)).collect()
}

/// The AG-UI verifier's rules that matter here: RUN_STARTED first, one terminal event last,
/// seqs 1..n, every span opened before use and closed before the end, no step started twice.
fn assert_well_formed(log: &[(u64, Event)]) {
    assert!(
        matches!(log.first(), Some((1, Event::RunStarted(_)))),
        "first event: {:?}",
        log.first()
    );
    for (i, (seq, _)) in log.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1, "seqs must be 1..n");
    }
    let events: Vec<Event> = log.iter().map(|(_, e)| e.clone()).collect();
    let terminal: Vec<_> = events.iter().filter(|e| e.is_terminal()).collect();
    assert_eq!(terminal.len(), 1, "exactly one terminal event");
    assert_ends_closed(&events, "under test");
    let mut open_steps = std::collections::HashSet::new();
    let mut open_texts = std::collections::HashSet::new();
    for e in &events {
        match e {
            Event::StepStarted(s) => assert!(
                open_steps.insert(s.step_name.clone()),
                "step {} started twice",
                s.step_name
            ),
            Event::StepFinished(s) => assert!(
                open_steps.remove(&s.step_name),
                "step {} finished but not started",
                s.step_name
            ),
            Event::TextMessageStart(m) => assert!(open_texts.insert(m.message_id.clone())),
            Event::TextMessageContent(m) => assert!(
                open_texts.contains(&m.message_id),
                "content outside its message"
            ),
            Event::TextMessageEnd(m) => assert!(open_texts.remove(&m.message_id)),
            _ => {}
        }
    }
}

fn steps_of(log: &[(u64, Event)]) -> Vec<String> {
    step_names(log.iter().map(|(_, e)| e))
}

/// Runs the queues dry and returns the run's log, which must be well formed.
async fn settled(p: &Pipeline, thread: &str, run: &str) -> Vec<(u64, Event)> {
    drain(p).await;
    let log = events(p, thread, run).await;
    assert_well_formed(&log);
    log
}

/// Starts thread `t` run `r1` for alice.
async fn start_first_run(p: &Pipeline) {
    start(p, input("t", "r1", vec![user("u1", "x")], None), "start").await;
}

/// The first step message of thread `t` run `r1`, as `start_first_run` sends it.
fn clarify_message() -> StepMessage {
    StepMessage {
        thread_id: "t".into(),
        run_id: "r1".into(),
        step: StepName::Clarify,
        seq: 1,
        fix_round: 0,
    }
}

/// Receives the clarify queue's next message, which must be there.
async fn take_clarify(p: &Pipeline) -> appgen_core::ports::Delivery {
    p.queue()
        .receive(StepName::Clarify.queue(), Duration::from_secs(60))
        .await
        .expect("receive")
        .expect("message")
}

/// A second worker on `shared`'s storage with `cfg`, as another process would be.
fn worker_on(shared: &Pipeline, cfg: PipelineConfig) -> Pipeline {
    Pipeline::new(
        shared.threads().blobs().clone(),
        shared.queue().clone(),
        Steps::app(Arc::new(ScriptedAgent), ScriptedBuilder::new(0, "")),
        cfg,
    )
}

async fn answer(p: &Pipeline, thread: &str, run: &str) {
    let resume = resolve(p, thread, Some(json!({"persist": false}))).await;
    start(
        p,
        input(thread, run, vec![user("u1", "A todo app")], Some(resume)),
        "resume",
    )
    .await;
}

async fn initial_run_interrupts_then_builds_a_version(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start(
        &p,
        input("t1", "r1", vec![user("u1", "A todo app")], None),
        "start",
    )
    .await;
    let log = settled(&p, "t1", "r1").await;
    match &log.last().expect("end").1 {
        Event::RunFinished(f) => match &f.outcome {
            Some(appgen_core::agui::Outcome::Interrupt { interrupts }) => {
                assert_eq!(interrupts[0].reason, "input_required");
                assert_eq!(
                    interrupts[0].response_schema.as_ref().expect("schema")["properties"]["persist"]
                        ["type"],
                    "boolean"
                );
            }
            other => panic!("expected an interrupt, got {other:?}"),
        },
        other => panic!("expected RUN_FINISHED, got {other:?}"),
    }

    answer(&p, "t1", "r2").await;
    let log = settled(&p, "t1", "r2").await;
    assert_eq!(
        steps_of(&log),
        ["requirements", "qa", "wireframe", "code", "build", "review"]
    );
    let rendered = log.iter().find_map(|(_, e)| match e {
        Event::Custom(c) => match AppEvent::from_custom(c) {
            Some(AppEvent::RenderUrl(r)) => Some(r),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(rendered.map(|r| r.version), Some(1));
    // What the browser reads is what contract.ts says: appgen's CUSTOM events, the state, the
    // result.
    for (_, e) in &log {
        match e {
            Event::Custom(c) => assert!(AppEvent::from_custom(c).is_some(), "{c:?}"),
            Event::StateSnapshot(s) => {
                serde_json::from_value::<UiState>(s.snapshot.clone()).expect("a UiState");
            }
            Event::RunFinished(f) => {
                let result = f.result.clone().expect("a result");
                let result: RunResult = serde_json::from_value(result).expect("a RunResult");
                assert_eq!(result.version, Some(1));
                assert!(result.check.expect("checked").passed);
            }
            _ => {}
        }
    }
    assert!(
        log.iter()
            .any(|(_, e)| matches!(e, Event::ToolCallStart(t) if t.tool_call_name == "write_file"))
    );
    let snap = snapshot(&p, "t1").await;
    assert_eq!(snap.versions.len(), 1);
    assert_eq!(snap.answers, Some(json!({"persist": false})));
    assert!(snap.active.is_none());
    assert!(
        snap.messages
            .iter()
            .any(|m| matches!(m, Message::Assistant(_))),
        "narration is kept as messages"
    );
}

async fn follow_up_edits_and_makes_version_two_and_unsupported_requests_answer_honestly(
    b: Backend,
) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start(
        &p,
        input("t", "r1", vec![user("u1", "A todo app")], None),
        "start",
    )
    .await;
    drain(&p).await;
    answer(&p, "t", "r2").await;
    drain(&p).await;
    start(
        &p,
        input(
            "t",
            "r3",
            vec![user("u1", "A todo app"), user("u2", "make it 2")],
            None,
        ),
        "follow-up",
    )
    .await;
    let log = settled(&p, "t", "r3").await;
    assert_eq!(steps_of(&log), ["modify", "build", "review"]);
    let snap = snapshot(&p, "t").await;
    assert_eq!(snap.versions.len(), 2);
    let files = p
        .threads()
        .read_tree("t", &snap.versions[1].files)
        .await
        .expect("files");
    assert!(files["src/App.tsx"].contains("\"2\""));

    start(
        &p,
        input("t", "r4", vec![user("u3", "something impossible")], None),
        "follow-up",
    )
    .await;
    settled(&p, "t", "r4").await;
    let snap = snapshot(&p, "t").await;
    assert_eq!(
        snap.versions.len(),
        2,
        "no version for a request the agent could not do"
    );
    assert_eq!(
        snap.runs.last().map(|r| r.status),
        Some(RunStatus::Finished)
    );
}

async fn duplicate_deliveries_write_no_duplicate_events(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await;
    // Deliver the first message three more times before anything runs.
    let msg = clarify_message();
    for _ in 0..3 {
        p.queue()
            .send(StepName::Clarify.queue(), &msg.to_json(), Duration::ZERO)
            .await
            .expect("send");
    }
    drain(&p).await;
    answer(&p, "t", "r2").await;
    // Duplicate every message of the answers run as it is produced, concurrently.
    for _ in 0..20 {
        let mut batch = Vec::new();
        for step in StepName::ALL {
            while let Some(d) = p
                .queue()
                .receive(step.queue(), Duration::from_secs(60))
                .await
                .expect("receive")
            {
                batch.push((step, d.clone()));
                batch.push((step, d));
            }
        }
        if batch.is_empty() {
            break;
        }
        let cfg = WorkerConfig::default();
        let runs = batch.into_iter().map(|(step, d)| {
            let p = p.clone();
            let cfg = cfg.clone();
            async move { handle(&p, &cfg, step, d).await }
        });
        futures::future::join_all(runs).await;
        drain(&p).await;
    }
    for run in ["r1", "r2"] {
        let log = events(&p, "t", run).await;
        assert_well_formed(&log);
        let steps = steps_of(&log);
        let mut unique = steps.clone();
        unique.dedup();
        assert_eq!(steps, unique, "a step ran twice in {run}");
    }
    assert_eq!(snapshot(&p, "t").await.versions.len(), 1);
}

/// Simulates a worker that claimed `clarify`, wrote half its events and died.
async fn leave_a_dead_attempt(p: &Pipeline, claim: Claim) {
    start_first_run(p).await;
    let (mut snap, etag) = p.threads().load("t").await.expect("load").expect("thread");
    if let Some(a) = snap.active.as_mut() {
        a.cursor.claim = Some(claim);
    }
    p.threads().replace(&snap, &etag).await.expect("claim");
    let mut w = p.events().writer("t", "r1").await.expect("writer");
    w.append(vec![
        Event::step_started("clarify"),
        Event::text_start("m-dead"),
        Event::text_content("m-dead", "half"),
    ])
    .await
    .expect("append");
}

async fn assert_taken_over(p: &Pipeline) {
    let log = settled(p, "t", "r1").await;
    assert_eq!(
        steps_of(&log),
        ["clarify", "clarify"],
        "the dead attempt's step is closed, then redone"
    );
    let snap = snapshot(p, "t").await;
    assert!(snap.interrupt.is_some());
}

async fn an_expired_claim_is_taken_over_and_its_spans_closed(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    leave_a_dead_attempt(
        &p,
        Claim {
            worker: "other-host:1".into(),
            expires_at: appgen_runtime::now_ms() - 1,
        },
    )
    .await;
    assert_taken_over(&p).await;
}

/// Embedded only: one process owns the data, so a claim from an earlier boot is dead even before
/// its lease ends, and a restart resumes at once.
#[tokio::test]
async fn a_claim_from_an_earlier_boot_is_taken_over_after_restart() {
    let b = Backend::embedded();
    {
        let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
        leave_a_dead_attempt(
            &p,
            Claim {
                worker: "dead-boot:1".into(),
                expires_at: i64::MAX,
            },
        )
        .await;
    }
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    assert!(p.recover().await.expect("recover") >= 1);
    assert_taken_over(&p).await;
}

/// Starts thread `t` run `r1` for alice and drops its clarify message, as a crash between
/// commit and enqueue (or a power cut, on the embedded backend) would.
async fn start_and_lose_the_first_step_message(p: &Pipeline) {
    start_first_run(p).await;
    let lost = take_clarify(p).await;
    p.queue()
        .delete(StepName::Clarify.queue(), &lost)
        .await
        .expect("delete");
}

/// Embedded only: queue messages and owner index entries are not flushed, so a power cut may
/// lose them; recovery at start re-derives both from the durable snapshots.
#[tokio::test]
async fn recovery_restores_lost_step_messages_and_owner_entries() {
    let b = Backend::embedded();
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_and_lose_the_first_step_message(&p).await;
    // A power cut could also take the owner's index entry.
    let owned = p.threads().list_owned("alice").await.expect("owned");
    assert_eq!(owned, vec!["t".to_owned()]);
    let index: Vec<String> = p
        .threads()
        .blobs()
        .list(Container::Threads, "owners/")
        .await
        .expect("list");
    for key in &index {
        p.threads()
            .blobs()
            .delete(Container::Threads, key)
            .await
            .expect("delete");
    }
    assert!(
        p.threads()
            .list_owned("alice")
            .await
            .expect("owned")
            .is_empty()
    );

    assert_eq!(p.recover().await.expect("recover"), 1);
    assert_eq!(p.threads().list_owned("alice").await.expect("owned"), owned);
    let log = settled(&p, "t", "r1").await;
    assert!(log.last().is_some_and(|(_, e)| e.is_terminal()));
}

/// Two workers (two processes on shared storage) get the same step at once: exactly one commits,
/// the other backs off, and the step's events appear once.
async fn racing_workers_commit_once(b: Backend) {
    // Two workers on the same storage, as two processes would be (neither may assume the
    // other's claims dead).
    let shared = b.pipeline(ScriptedBuilder::new(0, "")).await;
    let worker = || {
        let mut cfg = shared.config().clone();
        cfg.single_process = false;
        worker_on(&shared, cfg)
    };
    let (p1, p2) = (worker(), worker());
    start_first_run(&p1).await;
    let msg = clarify_message();
    let (a, b2) = tokio::join!(p1.run_step(&msg), p2.run_step(&msg));
    let outcomes = [a.expect("p1"), b2.expect("p2")];
    let log = events(&p1, "t", "r1").await;
    assert_well_formed(&log);
    assert_eq!(steps_of(&log), ["clarify"], "outcomes: {outcomes:?}");
    let snap = snapshot(&p1, "t").await;
    assert_eq!(snap.seq, 1);
    assert!(snap.interrupt.is_some());
}

async fn a_live_claim_makes_a_duplicate_back_off(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await;
    let (mut snap, etag) = p.threads().load("t").await.expect("load").expect("thread");
    let boot_of_this_process = "live"; // not this pipeline's boot, but single_process=false below
    if let Some(a) = snap.active.as_mut() {
        a.cursor.claim = Some(Claim {
            worker: format!("{boot_of_this_process}:x"),
            expires_at: appgen_runtime::now_ms() + 60_000,
        });
    }
    p.threads().replace(&snap, &etag).await.expect("claim");
    let mut cfg = p.config().clone();
    cfg.single_process = false;
    let p2 = worker_on(&p, cfg);
    let msg = clarify_message();
    match p2.run_step(&msg).await.expect("run") {
        appgen_runtime::pipeline::Disposition::Held(d) => assert!(
            d >= Duration::from_secs(29),
            "retry after the claim, capped at 30 s: {d:?}"
        ),
        other => panic!("expected a retry, got {other:?}"),
    }
    assert_eq!(
        events(&p, "t", "r1").await.len(),
        2,
        "nothing appended by the backed-off duplicate"
    );
}

/// The steps of an answers run whose first build fails once and is fixed (or given up on).
const ONE_FIX_ROUND: [&str; 9] = [
    "requirements",
    "qa",
    "wireframe",
    "code",
    "build",
    "review",
    "fix",
    "build",
    "review",
];

/// Runs thread `t` through its questions (`r1`) and answers (`r2`); returns `r2`'s log, which
/// must be well formed.
async fn through_answers(p: &Pipeline) -> Vec<(u64, Event)> {
    start_first_run(p).await;
    drain(p).await;
    answer(p, "t", "r2").await;
    settled(p, "t", "r2").await
}

async fn failed_builds_are_fixed_and_a_repeated_error_stops_the_loop(b: Backend) {
    let builder = ScriptedBuilder::new(2, "src/App.tsx(1,1): error TS1: boom");
    let p = b.pipeline(builder.clone()).await;
    let log = through_answers(&p).await;
    // First build fails, fix, same error again → the stuck detector stops.
    assert_eq!(steps_of(&log), ONE_FIX_ROUND);
    match &log.last().expect("end").1 {
        Event::RunError(e) => {
            assert_eq!(e.code.as_deref(), Some("build_failed"));
            assert!(e.message.contains("boom"), "{}", e.message);
        }
        other => panic!("expected RUN_ERROR, got {other:?}"),
    }
    assert!(snapshot(&p, "t").await.versions.is_empty());
}

async fn a_build_fixed_in_one_round_becomes_a_version(b: Backend) {
    let builder = ScriptedBuilder::new(1, "boom once");
    let p = b.pipeline(builder.clone()).await;
    let log = through_answers(&p).await;
    assert_eq!(steps_of(&log), ONE_FIX_ROUND);
    assert!(matches!(log.last().expect("end").1, Event::RunFinished(_)));
    assert_eq!(builder.builds.load(Ordering::SeqCst), 2);
    let snap = snapshot(&p, "t").await;
    let files = p
        .threads()
        .read_tree("t", &snap.versions[0].files)
        .await
        .expect("files");
    assert!(files["src/App.tsx"].contains("// fix 1"));
}

/// A clarify step whose every try meets a platform fault.
struct FaultyClarify;

#[async_trait]
impl StepHandler for FaultyClarify {
    fn worker_name(&self) -> String {
        "faulty".into()
    }
    async fn run(&self, _: StepWork<'_>) -> Result<StepOutcome, Fault> {
        Err(Fault::Internal("storage went away".into()))
    }
}

/// The retry policy with no waiting between tries, so a test can take every try at once.
fn eager_worker() -> WorkerConfig {
    WorkerConfig {
        retry: RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        },
        ..WorkerConfig::default()
    }
}

async fn a_step_faulting_on_every_try_is_given_up_on_the_last_one(b: Backend) {
    let steps = Steps::app(Arc::new(ScriptedAgent), ScriptedBuilder::new(0, ""))
        .with(StepName::Clarify, Arc::new(FaultyClarify));
    let p = b.pipeline_with(steps).await;
    start_first_run(&p).await;
    let cfg = eager_worker();
    for tries in 1..MAX_TRIES {
        let d = take_clarify(&p).await;
        assert_eq!(d.dequeue_count, tries);
        handle(&p, &cfg, StepName::Clarify, d).await;
        assert!(
            snapshot(&p, "t").await.active.is_some(),
            "try {tries}: retried"
        );
    }
    let last = take_clarify(&p).await;
    assert_eq!(last.dequeue_count, MAX_TRIES);
    handle(&p, &cfg, StepName::Clarify, last).await;
    let queue = p.queue();
    assert_eq!(
        queue
            .len(&StepName::Clarify.poison_queue())
            .await
            .expect("len"),
        1
    );
    assert_eq!(queue.len(StepName::Clarify.queue()).await.expect("len"), 0);
    let log = events(&p, "t", "r1").await;
    assert_well_formed(&log);
    let Some((_, Event::RunError(end))) = log.last() else {
        panic!("the run must end with RUN_ERROR: {log:?}");
    };
    assert_eq!(end.code.as_deref(), Some("step_failed"));
    assert!(
        end.message.contains("clarify step failed 5 times"),
        "{}",
        end.message
    );
    assert!(end.message.contains("storage went away"), "{}", end.message);
}

/// Attempts that claim a step and die (a crash never reports back to the queue) are counted in
/// the snapshot: past the limit the run ends instead of crashing for ever.
async fn a_step_claimed_by_too_many_dead_attempts_ends_the_run(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await;
    let (mut snap, etag) = p.threads().load("t").await.expect("load").expect("thread");
    let cursor = &mut snap.active.as_mut().expect("active").cursor;
    cursor.claims = MAX_TRIES;
    cursor.claim = Some(Claim {
        worker: "dead:attempt".into(),
        expires_at: 0,
    });
    p.threads()
        .replace(&snap, &etag)
        .await
        .expect("dead claims");
    let outcome = p.run_step(&clarify_message()).await.expect("step");
    assert_eq!(outcome, appgen_runtime::pipeline::Disposition::Done);
    let log = events(&p, "t", "r1").await;
    assert_well_formed(&log);
    let Some((_, Event::RunError(end))) = log.last() else {
        panic!("the run must end with RUN_ERROR: {log:?}");
    };
    assert_eq!(end.code.as_deref(), Some("step_failed"));
    assert!(end.message.contains("started 5 times"), "{}", end.message);
}

/// The sweeper, with nobody connected: a lost step message is sent again and the run goes on.
async fn the_sweeper_resends_a_lost_step_with_nobody_watching(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_and_lose_the_first_step_message(&p).await;
    assert_eq!(drain(&p).await, 0, "nothing to run: the message is lost");
    let patient = p.sweep(Duration::from_secs(3600)).await.expect("sweep");
    assert_eq!(
        patient.resent, 0,
        "a run idle for less than the lease is left alone"
    );
    let report = p.sweep(Duration::ZERO).await.expect("sweep");
    assert_eq!(report.resent, 1, "{report:?}");
    settled(&p, "t", "r1").await;
    assert!(snapshot(&p, "t").await.interrupt.is_some(), "clarify ran");
    let after = p.sweep(Duration::ZERO).await.expect("sweep");
    assert_eq!(after.resent, 0, "{after:?}");
    assert_eq!(
        p.threads().list_running().await.expect("running"),
        Vec::<String>::new()
    );
}

/// The sweeper appends the terminal event of a run that ended in its snapshot but whose log
/// lacks it (a crash between the commit and the append), with nobody connected.
async fn the_sweeper_appends_a_missing_terminal_event(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await;
    let (mut snap, etag) = p.threads().load("t").await.expect("load").expect("thread");
    let run = snap.run_mut("r1").expect("run");
    run.status = RunStatus::Failed;
    run.error = Some("ended while nobody appended".into());
    snap.active = None;
    p.threads().replace(&snap, &etag).await.expect("end");
    let report = p.sweep(Duration::ZERO).await.expect("sweep");
    assert_eq!(report.terminals, 1, "{report:?}");
    let log = events(&p, "t", "r1").await;
    assert!(
        matches!(log.last(), Some((_, Event::RunError(_)))),
        "{log:?}"
    );
    assert_eq!(p.sweep(Duration::ZERO).await.expect("sweep").terminals, 0);
}

async fn rejected_requests_change_nothing(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await;
    let before = snapshot(&p, "t").await;
    assert!(
        p.start_run(&input("t", "r2", vec![user("u2", "y")], None), "alice",)
            .await
            .is_err(),
        "busy"
    );
    assert!(
        p.start_run(&input("t", "r3", vec![user("u3", "y")], None), "mallory",)
            .await
            .is_err(),
        "not yours"
    );
    // A membership change would cost the running step its If-Match commit: it waits.
    let invite = |snap: &mut appgen_core::snapshot::ThreadSnapshot| {
        let new = appgen_core::access::NewInvite {
            id: "i1".into(),
            token_hash: "h".into(),
            role: appgen_core::access::Role::Viewer,
            multi_use: false,
            now: 1,
        };
        appgen_core::access::create_invite(snap, "alice", new)
    };
    assert!(matches!(
        p.change_members("t", invite).await.expect("no fault"),
        Err(appgen_core::access::MemberError::Busy(_))
    ));
    assert!(
        p.start_run(
            &input(
                "nope",
                "r1",
                vec![],
                Some(vec![ResumeEntry {
                    interrupt_id: "i".into(),
                    status: ResumeStatus::Resolved,
                    payload: None,
                    metadata: None
                }])
            ),
            "alice",
        )
        .await
        .is_err(),
        "resume on an unknown thread"
    );
    assert!(p.threads().load("nope").await.expect("load").is_none());
    assert_eq!(snapshot(&p, "t").await, before);
}

/// The test kit's reference workload (what `appgen-devtools bench` measures) is the ordinary
/// chain on a scripted agent and builder: seven steps, 50 deltas of 40 characters in each agent
/// step but qa, one ~20 KB file stored, and version 1 at the end.
async fn the_reference_workload_runs_through_the_ordinary_chain(b: Backend) {
    use appgen_testkit::workload;
    let p = b
        .pipeline_with(Steps::app(
            Arc::new(workload::ScriptedAgent),
            Arc::new(workload::ScriptedBuilder),
        ))
        .await;
    start(
        &p,
        input("w", "r1", vec![user("u1", "bench")], None),
        "start",
    )
    .await;
    let log = settled(&p, "w", "r1").await;
    assert_eq!(
        steps_of(&log),
        [
            "clarify",
            "requirements",
            "qa",
            "wireframe",
            "code",
            "build",
            "review"
        ],
    );
    assert_eq!(workload::STEPS, 7);
    assert!(matches!(log.last(), Some((_, Event::RunFinished(_)))));
    let deltas = log
        .iter()
        .filter(|(_, e)| {
            matches!(e, Event::TextMessageContent(c) if c.delta.chars().count() == workload::DELTA_CHARS)
        })
        .count();
    assert_eq!(deltas, 4 * workload::DELTAS, "50 deltas in each agent step");
    let snap = snapshot(&p, "w").await;
    assert_eq!(snap.versions.len(), 1);
    let files = p
        .threads()
        .read_tree("w", &snap.files)
        .await
        .expect("files");
    assert_eq!(files.len(), 1, "one file");
    assert_eq!(files[workload::FILE_PATH].len(), workload::FILE_BYTES);
}

/// Runs `description` to its answers run with a tweaked config; returns the answers run's end.
async fn answers_run_end(description: &str, tweak: impl Fn(&mut PipelineConfig)) -> Event {
    let b = Backend::embedded();
    let base = b.pipeline(ScriptedBuilder::new(0, "")).await;
    let mut cfg = base.config().clone();
    tweak(&mut cfg);
    start(
        &base,
        input("t", "r1", vec![user("u1", description)], None),
        "start",
    )
    .await;
    drain(&base).await;
    let p = worker_on(&base, cfg);
    let resume = resolve(&p, "t", None).await;
    start(&p, input("t", "r2", vec![], Some(resume)), "resume").await;
    let log = settled(&p, "t", "r2").await;
    log.last().expect("end").1.clone()
}

fn error_code(e: &Event) -> Option<String> {
    if let Event::RunError(r) = e {
        r.code.clone()
    } else {
        None
    }
}

#[tokio::test]
async fn a_step_over_its_wall_time_ends_the_run() {
    let end = answers_run_end("slow app", |c| c.step_timeout = Duration::from_millis(200)).await;
    assert_eq!(error_code(&end).as_deref(), Some("step_timeout"), "{end:?}");
}

#[tokio::test]
async fn a_run_over_its_wall_time_ends() {
    let end = answers_run_end("app", |c| c.run_timeout = Duration::ZERO).await;
    assert_eq!(error_code(&end).as_deref(), Some("run_timeout"), "{end:?}");
}

#[tokio::test]
async fn a_run_over_its_token_budget_ends_and_reports_usage() {
    let end = answers_run_end("expensive app", |c| c.max_tokens_per_run = 1000).await;
    assert_eq!(error_code(&end).as_deref(), Some("token_budget"), "{end:?}");
    match end {
        Event::RunError(r) => assert_eq!(
            r.usage.and_then(|u| u.first().and_then(|u| u.total_tokens)),
            Some(1100)
        ),
        other => panic!("{other:?}"),
    }
    let within = answers_run_end("expensive app", |c| c.max_tokens_per_run = 5000).await;
    assert!(matches!(within, Event::RunFinished(_)), "{within:?}");
}

/// A step message lost between a commit and its send (shared storage has no startup scan):
/// `nudge` re-sends it when no live attempt holds the step, and only then.
async fn a_lost_step_message_is_sent_again_by_a_nudge(b: Backend) {
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_and_lose_the_first_step_message(&p).await;
    assert!(
        p.nudge("t", "r1").await.expect("nudge"),
        "the run's step is re-sent"
    );
    settled(&p, "t", "r1").await;
    assert!(snapshot(&p, "t").await.interrupt.is_some());
    assert!(
        !p.nudge("t", "r1").await.expect("nudge"),
        "a finished run is left alone"
    );
}

/// The take and the withdraw are each one conditional change of the queued message: once a
/// starter has taken it (its run not yet recorded), its author's withdraw is "started" (409),
/// not a 204 that the run would contradict.
async fn a_queued_message_taken_for_its_run_can_no_longer_be_withdrawn(b: Backend) {
    use appgen_core::live::Person;
    use appgen_runtime::pipeline::QueueRefusal;
    let p = b.pipeline(ScriptedBuilder::new(0, "")).await;
    start_first_run(&p).await; // r1 stays active: nothing drains it
    let alice = Person::new("alice", None);
    for (id, text) in [("m1", "Add a field"), ("m2", "Add colour")] {
        p.queue_message("t", id, text, &alice)
            .await
            .expect("queued");
    }
    // Whoever noticed r1's end took m1 for its run, and has not recorded the run yet.
    assert!(p.live().take("t", "m1").await.expect("take"));
    let late = p.withdraw("t", "m1", "alice").await;
    assert!(matches!(late, Err(QueueRefusal::Started(_))), "{late:?}");
    p.withdraw("t", "m2", "alice")
        .await
        .expect("m2 was still queued");
    let again = p.withdraw("t", "m2", "alice").await;
    assert!(
        matches!(again, Err(QueueRefusal::NotQueued(_))),
        "{again:?}"
    );
    let left: Vec<String> = (p.live().queued("t").await.expect("queued"))
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, ["m1"], "the taken one waits for its run");
}

/// The storage operations one run of the reference workload makes, started as `POST /api/agent`
/// starts it (is it "publish it"? no: then the run) and stepped by the workers, held to a
/// budget: a change that adds a read, listing or durable write to every run or step fails here,
/// not only as a slower `appgen-devtools bench`. Per step: the snapshot read, the claim
/// (volatile), the log resumed, the step's appends, the commit (durable), the hand-off.
#[tokio::test]
async fn a_reference_run_stays_within_its_storage_budget() {
    use appgen_testkit::counting::{CountingBlobs, CountingQueue, OpKind, OpLog};
    use appgen_testkit::workload;
    let dir = tempfile::tempdir().expect("tmp");
    let log = OpLog::default();
    let disk = DiskBlobStore::open_with(&dir.path().join("blobs"), false).expect("blobs");
    let queue = DiskQueue::open(&dir.path().join("queues")).expect("queue");
    let p = Pipeline::new(
        Arc::new(CountingBlobs::new(Arc::new(disk), log.clone())),
        Arc::new(CountingQueue::new(Arc::new(queue), log.clone())),
        Steps::app(
            Arc::new(workload::ScriptedAgent),
            Arc::new(workload::ScriptedBuilder),
        ),
        PipelineConfig::new(PreviewUrls::new("http://preview", b"k"), true),
    );
    p.ensure_queues().await.expect("queues");
    log.clear();
    let by = appgen_core::live::Person::new("alice", None);
    let run = input("w", "r1", vec![user("u1", "bench")], None);
    assert!(!p.publish_from_chat(&run, &by).await.expect("classify"));
    p.start_run_as(&run, &by).await.expect("start");
    assert_eq!(drain(&p).await, workload::STEPS);
    let steps = workload::STEPS;
    // Start: a thread that does not exist yet is read once; the run's end reads nothing again.
    // Build and review read the code step's file.
    let budget = [
        (OpKind::Get, steps + 3),
        // The new snapshot, each step's commit, the code step's file.
        (OpKind::Put, 1 + steps + 1),
        // The running mark, the owner's index entry, each step's claim.
        (OpKind::PutVolatile, 2 + steps),
        // The prelude, each step's head, output and tail (qa says nothing), the terminal; the
        // thread's stream: the run started, the run ended.
        (OpKind::Append, 1 + 3 * steps - 1 + 1 + 2),
        // The run's log opened at the start and resumed by each step; the thread's stream twice.
        (OpKind::ReadFrom, 1 + steps + 2),
        // The queued messages once the run has ended.
        (OpKind::List, 1),
        (OpKind::Delete, 0),
        (OpKind::QueueSend, steps),
        (OpKind::QueueDelete, steps),
    ];
    let ops: Vec<String> = log
        .all()
        .iter()
        .map(|o| format!("{:?} {}", o.kind, o.at))
        .collect();
    for (kind, most) in budget {
        let n = log.count(kind);
        assert!(
            n <= most,
            "{n} {kind:?} over a budget of {most}:\n{}",
            ops.join("\n")
        );
    }
    assert_eq!(
        snapshot(&p, "w").await.versions.len(),
        1,
        "the run finished"
    );
}
