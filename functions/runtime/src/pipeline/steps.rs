//! Step handlers: what does each step's work. A process registers the handlers of the steps it
//! runs ([`Steps`]): `appgen serve` and the Functions host register all of them, the build job
//! only the build step. A handler changes the snapshot and says what its work came to
//! ([`StepOutcome`]); where the run goes next is `core::pipeline::transition`'s decision.

use super::Fault;
use crate::dataapi::check::CheckSpace;
use crate::now_ms;
use crate::preview::PreviewUrls;
use crate::threads::ThreadStore;
use appgen_core::agui::Event;
use appgen_core::app::{BuildReport, FileMap};
use appgen_core::appdata::AppSchema;
use appgen_core::edits::apply_changes;
use appgen_core::paths::validate_app;
use appgen_core::pipeline::{ReviewDecision, StepOutcome, review};
use appgen_core::ports::{
    AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, AppBuilder, BuildError, BuildJob,
    Failure,
};
use appgen_core::run_error::{ErrorCode, RunError};
use appgen_core::scenario::Scenario;
use appgen_core::snapshot::{PendingInterrupt, RunKind, ThreadSnapshot, Unreachable, Version};
use appgen_core::step::{StepMessage, StepName};
use appgen_core::view::{AppEvent, CheckOutcome, ExternalAgent, RenderUrl};
use async_trait::async_trait;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Everything a handler may read and change while its step runs.
pub struct StepWork<'a> {
    pub msg: &'a StepMessage,
    pub snap: &'a mut ThreadSnapshot,
    /// What the agent sees: description, answers, requirements, wireframe, current files.
    pub ctx: AgentContext,
    /// Streamed to the user as the step works.
    pub out: &'a mut dyn AgentOutput,
    /// Events appended after the step's streamed output (e.g. the preview URL).
    pub extra: &'a mut Vec<Event>,
    pub threads: &'a ThreadStore,
    pub preview: &'a PreviewUrls,
    pub max_fix_rounds: u32,
}

/// One step's work. A platform fault (`Err`) is retried; a failure of the run is
/// `Ok(StepOutcome::Failed)` and ends it.
#[async_trait]
pub trait StepHandler: Send + Sync {
    /// Who does the step, as the UI shows it (a model id, "offline", "builder").
    fn worker_name(&self) -> String;
    /// The external agent serving `step`, if one does and the run has not found it unreachable.
    async fn external(&self, _step: StepName, _unreachable: &Unreachable) -> Option<ExternalAgent> {
        None
    }
    async fn run(&self, work: StepWork<'_>) -> Result<StepOutcome, Fault>;
}

/// The handlers a process runs, one per step.
#[derive(Clone, Default)]
pub struct Steps {
    handlers: HashMap<StepName, Arc<dyn StepHandler>>,
    maker: String,
}

impl Steps {
    /// Every step of the app chain: the agent's steps, review, and the build.
    pub fn app(agent: Arc<dyn AppAgent>, builder: Arc<dyn AppBuilder>) -> Steps {
        Steps::default().with_agent(agent).with_builder(builder)
    }

    /// The agent's steps (clarify, requirements, qa, wireframe, code, fix, modify) and review.
    pub fn with_agent(mut self, agent: Arc<dyn AppAgent>) -> Steps {
        self.maker = agent.name();
        let steps = Arc::new(AgentSteps { agent });
        for step in AgentSteps::STEPS {
            self.handlers.insert(step, steps.clone());
        }
        self.with(StepName::Review, Arc::new(ReviewStep))
    }

    /// The build step on `builder`.
    pub fn with_builder(self, builder: Arc<dyn AppBuilder>) -> Steps {
        self.with(StepName::Build, Arc::new(BuildStep { builder }))
    }

    /// Registers (or replaces) the handler of one step.
    pub fn with(mut self, step: StepName, handler: Arc<dyn StepHandler>) -> Steps {
        self.handlers.insert(step, handler);
        self
    }

    pub fn handler(&self, step: StepName) -> Option<&Arc<dyn StepHandler>> {
        self.handlers.get(&step)
    }

    /// The registered steps, in chain order.
    pub fn names(&self) -> Vec<StepName> {
        StepName::ALL
            .into_iter()
            .filter(|s| self.handlers.contains_key(s))
            .collect()
    }

    /// Who makes the apps (recorded on new threads): the agent's name.
    pub fn maker(&self) -> String {
        self.maker.clone()
    }
}

/// The steps an [`AppAgent`] does.
struct AgentSteps {
    agent: Arc<dyn AppAgent>,
}

impl AgentSteps {
    const STEPS: [StepName; 7] = [
        StepName::Clarify,
        StepName::Requirements,
        StepName::Qa,
        StepName::Wireframe,
        StepName::Code,
        StepName::Fix,
        StepName::Modify,
    ];

    async fn clarify(&self, w: StepWork<'_>) -> Result<StepOutcome, AgentError> {
        let questions = self.agent.clarify(&w.ctx, w.out).await?;
        if questions.is_empty() {
            w.snap.answers = Some(json!({}));
            return Ok(StepOutcome::Done);
        }
        w.snap.questions = questions.clone();
        w.snap.interrupt = Some(PendingInterrupt {
            id: format!("{}-questions", w.msg.run_id),
            run_id: w.msg.run_id.clone(),
            questions,
        });
        Ok(StepOutcome::AskedQuestions)
    }

    /// Acceptance scenarios from the requirements; a set that cannot run as written ends the
    /// run (it is never skipped).
    async fn qa(&self, w: StepWork<'_>) -> Result<StepOutcome, AgentError> {
        let scenarios = self.agent.qa(&w.ctx, w.out).await?;
        let json = serde_json::to_string(&scenarios).unwrap_or_default();
        if let Err(e) = appgen_core::scenario::parse_scenarios(&json) {
            let why = format!("the acceptance scenarios cannot run as written: {e}");
            return Err(AgentError::InvalidOutput(why));
        }
        w.snap.scenarios = scenarios;
        Ok(StepOutcome::Done)
    }

    /// A check run's qa: the sentence read into one scenario, added to the suite as written by
    /// the person who asked. A sentence that cannot be read finishes the run with the reader's
    /// message and adds nothing (no error: the app and its version are as they were).
    async fn check(&self, w: StepWork<'_>) -> Result<StepOutcome, AgentError> {
        let sentence = (w.snap.active.as_ref()).map_or(String::new(), |a| a.request.clone());
        let unreadable = |out: &mut dyn AgentOutput, note: String| {
            out.emit(AgentEvent::Say(note.clone()));
            StepOutcome::NoChange { note }
        };
        let read = match self.agent.check_in_words(&w.ctx, &sentence, w.out).await {
            Err(AgentError::Unsupported(why)) => return Ok(unreadable(w.out, why)),
            other => other?,
        };
        // The name is the sentence: the person finds their check by what they wrote.
        let scenario = Scenario {
            name: sentence.clone(),
            requirement: sentence.clone(),
            steps: read.steps,
        };
        let mut suite = w.snap.scenarios.clone();
        suite.push(scenario);
        let json = serde_json::to_string(&suite).unwrap_or_default();
        if let Err(e) = appgen_core::scenario::parse_scenarios(&json) {
            let why = format!("the check cannot run as read: {e}");
            return Ok(unreadable(w.out, why));
        }
        let steps = suite.last().map_or(0, |s| s.steps.len());
        w.snap.scenarios = suite;
        if let Some(by) = w.snap.run(&w.msg.run_id).and_then(|r| r.by.clone()) {
            w.snap.user_checks.insert(sentence.clone(), by);
        }
        let version = w.snap.latest_version().map_or(0, |v| v.number);
        w.out.emit(AgentEvent::Say(format!(
            "I added your check “{sentence}” ({steps} steps) to the suite; now running all {} checks on version {version}. ",
            w.snap.scenarios.len()
        )));
        Ok(StepOutcome::Done)
    }

    /// Fix and modify: changes to the current files, applied atomically.
    async fn change(&self, w: StepWork<'_>) -> Result<StepOutcome, Fault> {
        let changes = if w.msg.step == StepName::Fix {
            let build = w.snap.active.as_ref().and_then(|a| a.build.clone());
            let failure = failure_of(build.as_ref(), w.msg.fix_round);
            self.agent.fix(&w.ctx, &failure, w.out).await
        } else {
            let request = w.snap.active.as_ref().map(|a| a.request.clone());
            match self
                .agent
                .modify(&w.ctx, &request.unwrap_or_default(), w.out)
                .await
            {
                Err(AgentError::Unsupported(why)) => {
                    w.out.emit(AgentEvent::Say(why));
                    let note = "no change made".into();
                    return Ok(StepOutcome::NoChange { note });
                }
                other => other,
            }
        };
        let changes = match changes {
            Ok(c) => c,
            Err(e) => return Ok(StepOutcome::Failed(run_error(e))),
        };
        let files = match apply_changes(&w.ctx.files, &changes.changes) {
            Ok(f) => f,
            Err(e) => {
                let why = format!("the changes could not be applied: {e}");
                return Ok(StepOutcome::Failed(RunError::new(
                    ErrorCode::EditFailed,
                    why,
                )));
            }
        };
        if let Err(failed) = store_files(w.threads, w.snap, &files).await? {
            return Ok(StepOutcome::Failed(failed));
        }
        if let Some(r) = changes.requirements {
            w.snap.requirements = Some(r);
        }
        let people = &w.snap.user_checks;
        let suite = (changes.suite).apply(&w.snap.scenarios, &|n| people.contains_key(n));
        let json = serde_json::to_string(&suite).unwrap_or_default();
        if let Err(e) = appgen_core::scenario::parse_scenarios(&json) {
            let why = format!("the change's acceptance scenarios cannot run as written: {e}");
            return Ok(StepOutcome::Failed(RunError::new(
                ErrorCode::InvalidModelOutput,
                why,
            )));
        }
        w.snap.scenarios = suite;
        Ok(StepOutcome::Done)
    }
}

#[async_trait]
impl StepHandler for AgentSteps {
    fn worker_name(&self) -> String {
        self.agent.name()
    }

    async fn external(&self, step: StepName, unreachable: &Unreachable) -> Option<ExternalAgent> {
        self.agent.external(step, unreachable).await
    }

    async fn run(&self, w: StepWork<'_>) -> Result<StepOutcome, Fault> {
        let agent = &self.agent;
        let done = match w.msg.step {
            StepName::Clarify => self.clarify(w).await,
            StepName::Qa if is_check(w.snap) => self.check(w).await,
            StepName::Qa => self.qa(w).await,
            StepName::Requirements => agent.requirements(&w.ctx, w.out).await.map(|r| {
                w.snap.requirements = Some(r);
                StepOutcome::Done
            }),
            StepName::Wireframe => agent.wireframe(&w.ctx, w.out).await.map(|r| {
                w.snap.wireframe = Some(r);
                StepOutcome::Done
            }),
            StepName::Code => match agent.code(&w.ctx, w.out).await {
                Ok(files) => return store_files(w.threads, w.snap, &files).await.map(done_or),
                Err(e) => Err(e),
            },
            StepName::Fix | StepName::Modify => return self.change(w).await,
            other => {
                return Err(Fault::Internal(format!("{other} is not an agent step")));
            }
        };
        Ok(done.unwrap_or_else(|e| StepOutcome::Failed(run_error(e))))
    }
}

/// The build step: build and check the working tree in the builder.
struct BuildStep {
    builder: Arc<dyn AppBuilder>,
}

#[async_trait]
impl StepHandler for BuildStep {
    fn worker_name(&self) -> String {
        "builder".into()
    }

    async fn run(&self, w: StepWork<'_>) -> Result<StepOutcome, Fault> {
        // A check run runs the suite on the current version: its artifacts stay under that
        // version's number, and its published build is checked again when the files are the
        // version's own.
        let (version, built) = match (is_check(w.snap), w.snap.latest_version()) {
            (true, Some(v)) => {
                let same = v.files == w.snap.files;
                (v.number, v.artifact.clone().filter(|_| same))
            }
            _ => (w.snap.versions.len() as u32 + 1, None),
        };
        let space = check_space(w.threads, w.snap).await;
        let on = if space.is_some() {
            " on a throwaway data space"
        } else {
            ""
        };
        let doing = match &built {
            Some(_) => format!("Checking version {version}'s build again"),
            None => format!("Building {} files and checking the app", w.ctx.files.len()),
        };
        w.out.emit(AgentEvent::Say(format!(
            "{doing} in headless Chromium{on}…"
        )));
        let job = BuildJob {
            thread_id: w.snap.thread_id.clone(),
            version,
            files: w.ctx.files,
            scenarios: w.snap.scenarios.clone(),
            data: space.as_ref().map(|s| s.data().clone()),
            built,
        };
        let built = self.builder.build(job).await;
        if let Some(space) = space
            && let Err(e) = space.close().await
        {
            // Erased again before the next check of this app; nothing reads it meanwhile.
            tracing::warn!(error = %e, "could not erase the check's data space");
        }
        let report = match built {
            Ok(r) => r,
            Err(BuildError::Store(s)) => return Err(s.into()),
            Err(BuildError::Unavailable(why)) => {
                let why = format!("the builder is unavailable: {why}");
                let failed = RunError::new(ErrorCode::BuilderUnavailable, why);
                return Ok(StepOutcome::Failed(failed));
            }
        };
        w.out
            .emit(AgentEvent::Say(format!("\n{}", describe_build(&report))));
        if let Some(active) = w.snap.active.as_mut() {
            active.build = Some(report);
        }
        Ok(StepOutcome::Done)
    }
}

/// A throwaway data space for the check of a cloud or sign-in app, so its client runs
/// against the real data API as in preview. `None` for apps whose data stays on the device,
/// and when it cannot be opened: the check then runs the app with its data in the browser and
/// the version's message says what that left unchecked.
async fn check_space(threads: &ThreadStore, snap: &ThreadSnapshot) -> Option<CheckSpace> {
    CheckSpace::for_app(threads.blobs().clone(), snap)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "the check runs without a data space"))
        .ok()
        .flatten()
}

/// Review: accept the build as a new version, send it to fix, or give up (core's `review`).
struct ReviewStep;

#[async_trait]
impl StepHandler for ReviewStep {
    fn worker_name(&self) -> String {
        "reviewer".into()
    }

    async fn run(&self, w: StepWork<'_>) -> Result<StepOutcome, Fault> {
        let Some(active) = w.snap.active.clone() else {
            return Err(Fault::Internal("review without an active run".into()));
        };
        let Some(report) = active.build.clone() else {
            let missing = RunError::new(ErrorCode::Internal, "there is no build to review");
            return Ok(StepOutcome::Failed(missing));
        };
        if active.kind == RunKind::Check {
            return Ok(record_check(w, &active.request, report));
        }
        let decision = review(&active, &report, w.max_fix_rounds);
        let decision = match decision {
            ReviewDecision::Accept => accept(w, &report),
            ReviewDecision::Fix { round } => {
                let error = fix_evidence(&report);
                w.out.emit(AgentEvent::Say(format!(
                    "The check failed ({error}). Fix attempt {round} of {}.",
                    w.max_fix_rounds
                )));
                if let Some(a) = w.snap.active.as_mut() {
                    a.errors.push(error);
                }
                ReviewDecision::Fix { round }
            }
            ReviewDecision::GiveUp { reason } => give_up(w, reason),
        };
        Ok(StepOutcome::Reviewed(decision))
    }
}

/// A check run's end: the suite's results become the current version's, and the person is
/// told whether their check passes, with the evidence when it does not. No new version.
fn record_check(w: StepWork<'_>, sentence: &str, report: BuildReport) -> StepOutcome {
    let failed = |why: String| StepOutcome::Failed(RunError::new(ErrorCode::BuildFailed, why));
    let Some(number) = w.snap.latest_version().map(|v| v.number) else {
        return failed("there is no version to check".into());
    };
    let (Some(check), true) = (report.check.clone(), report.ok) else {
        let why = report.error.unwrap_or_else(|| "it did not build".into());
        return failed(format!(
            "version {number} could not be checked again: {why}"
        ));
    };
    let Some(result) = check
        .acceptance
        .iter()
        .find(|r| r.name == sentence)
        .cloned()
    else {
        return failed(format!("the check “{sentence}” did not run"));
    };
    let tally = appgen_core::scenario::Tally::of(&check.acceptance);
    let verdict = check.verdict();
    if let Some(v) = w.snap.versions.iter_mut().find(|v| v.number == number) {
        v.check = Some(check);
    }
    if let Some(r) = w.snap.run_mut(&w.msg.run_id) {
        r.checked = Some(number);
    }
    let said = if result.passed {
        format!("Your check “{sentence}” passes on version {number} ({verdict}).")
    } else {
        format!(
            "Your check “{sentence}” fails on version {number}: {}. It stays in the suite, so the next change is held to it ({verdict}).",
            result.evidence()
        )
    };
    w.out.emit(AgentEvent::Say(said));
    let outcome = CheckOutcome {
        version: number,
        result,
        tally,
    };
    w.extra.push(AppEvent::CheckResult(outcome).into_event());
    StepOutcome::Reviewed(ReviewDecision::Accept)
}

fn is_check(snap: &ThreadSnapshot) -> bool {
    snap.active
        .as_ref()
        .is_some_and(|a| a.kind == RunKind::Check)
}

/// Makes the build the next version and announces its preview.
fn accept(w: StepWork<'_>, report: &BuildReport) -> ReviewDecision {
    let number = w.snap.versions.len() as u32 + 1;
    let version = Version {
        number,
        files: w.snap.files.clone(),
        request: w
            .snap
            .active
            .as_ref()
            .map(|a| a.request.clone())
            .unwrap_or_default(),
        run_id: w.msg.run_id.clone(),
        created_at: now_ms(),
        check: report.check.clone(),
        artifact: report.artifact.clone(),
        restored_from: None,
        // The version is the work of whoever asked for the run.
        author: w.snap.run(&w.msg.run_id).and_then(|r| r.by.clone()),
    };
    let url = w.preview.url(&w.snap.thread_id, number);
    w.snap.versions.push(version);
    if let Some(r) = w.snap.run_mut(&w.msg.run_id) {
        r.version = Some(number);
    }
    let verdict = match report.check.as_ref() {
        Some(c) if c.tally().is_some_and(|t| !t.all_pass()) => {
            let failing = c.acceptance_failures().unwrap_or_default();
            format!("is {}; still failing:\n{failing}\n", c.verdict())
        }
        Some(c) => format!("is built and passed its browser check ({})", c.verdict()),
        None => "is built".into(),
    };
    // Say what "checked" did not cover, so the message claims no more than the check saw.
    let unseen = w
        .snap
        .requirements
        .as_ref()
        .zip(report.check.as_ref())
        .and_then(|(req, check)| AppSchema::unchecked_by_the_build(req, check.data_space))
        .map(|what| format!(" The build check ran it with its data in the browser: {what} was not checked for this version."))
        .unwrap_or_default();
    w.out.emit(AgentEvent::Say(format!(
        "Version {number} {verdict}.{unseen} Preview: {url}"
    )));
    let render = RenderUrl {
        url,
        version: number,
    };
    w.extra.push(AppEvent::RenderUrl(render).into_event());
    ReviewDecision::Accept
}

/// Puts the last good version's files back (if there is one) and says what is still broken.
fn give_up(w: StepWork<'_>, reason: String) -> ReviewDecision {
    let restored = match w.snap.versions.last() {
        Some(last) => {
            w.snap.files = last.files.clone();
            format!(
                " Version {} is unchanged and still the current app.",
                last.number
            )
        }
        None => String::from(" The files are kept so you can ask for a change."),
    };
    w.out.emit(AgentEvent::Say(format!(
        "I could not make this work: {reason}.{restored}"
    )));
    ReviewDecision::GiveUp {
        reason: format!("{reason}.{restored}"),
    }
}

/// Validates a generated app and stores its files as the working tree. `Ok(Err)` when the app
/// is not acceptable (a failure of the run, not of the platform).
async fn store_files(
    threads: &ThreadStore,
    snap: &mut ThreadSnapshot,
    files: &FileMap,
) -> Result<Result<(), RunError>, Fault> {
    if let Err(e) = validate_app(files) {
        let why = format!("the generated app is not acceptable: {e}");
        return Ok(Err(RunError::new(ErrorCode::InvalidApp, why)));
    }
    snap.files = threads.put_files(&snap.thread_id, files).await?;
    Ok(Ok(()))
}

fn done_or(stored: Result<(), RunError>) -> StepOutcome {
    match stored {
        Ok(()) => StepOutcome::Done,
        Err(e) => StepOutcome::Failed(e),
    }
}

/// The run error an agent's failure ends the run with.
fn run_error(e: AgentError) -> RunError {
    let code = match e {
        AgentError::InvalidOutput(_) => ErrorCode::InvalidModelOutput,
        AgentError::Provider(_) => ErrorCode::ModelProviderError,
        AgentError::Timeout(_) => ErrorCode::ModelTimeout,
        AgentError::Unsupported(_) => ErrorCode::UnsupportedRequest,
    };
    RunError::new(code, e.to_string())
}

/// What the fix agent is told failed: the build or check error, else the failed acceptance
/// scenarios with their evidence (step, expected, seen). Also the stuck detector's key.
fn fix_evidence(b: &BuildReport) -> String {
    let acceptance = b.check.as_ref().and_then(|c| c.acceptance_failures());
    match (&b.error, acceptance) {
        (Some(e), _) => e.clone(),
        (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

fn failure_of(build: Option<&BuildReport>, round: u32) -> Failure {
    match build {
        Some(b) => Failure {
            error: fix_evidence(b),
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
        let verdict = r.check.as_ref().map(|c| c.verdict()).unwrap_or_default();
        format!("Built in {secs:.1} s ({verdict}): {checks}.")
    } else {
        format!(
            "The {:?} phase failed after {secs:.1} s: {}",
            r.phase,
            r.error.clone().unwrap_or_default()
        )
        .to_lowercase()
    }
}
