//! The pipeline's decisions, as pure functions: which run a request starts, where a step
//! leads, when to stop fixing, which spans a dead attempt left open.

use crate::access::{Action, Denied, authorize};
use crate::agui::{Event, Message, ResumeStatus, RunAgentInput};
use crate::app::BuildReport;
use crate::run_error::{ErrorCode, RunError};
use crate::snapshot::{ActiveRun, Cursor, RunKind, RunRecord, RunStatus, ThreadSnapshot};
use crate::step::StepName;
use std::collections::BTreeSet;

/// Fix rounds after the first build, by default (DESIGN §2).
pub const DEFAULT_MAX_FIX_ROUNDS: u32 = 3;

/// Why a run request is refused. Each maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// 404: unknown thread, or one the principal is not a member of.
    #[error("thread {0} not found")]
    NotFound(String),
    /// 403: a member whose role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 409: a run is still going on this thread.
    #[error("run {0} is still in progress on this thread; wait for it to finish")]
    Busy(String),
    /// 409: this runId was already used.
    #[error("run {0} already exists on this thread")]
    DuplicateRun(String),
    /// 400: the request cannot start a run.
    #[error("{0}")]
    BadRequest(String),
    /// 422: a per-thread limit is reached.
    #[error("{0}")]
    Limit(String),
}

/// The access rule's refusal as a run request's: not a member is 404, a low role 403.
pub fn denied_as_rejection(
    snap: &ThreadSnapshot,
    principal: &str,
    action: Action,
) -> Result<(), Rejection> {
    match authorize(snap, principal, action) {
        Ok(_) => Ok(()),
        Err(Denied::NotFound) => Err(Rejection::NotFound(snap.thread_id.clone())),
        Err(d) => Err(Rejection::Forbidden(d.to_string())),
    }
}

/// User messages a thread may hold; past it, start a new thread.
pub const MAX_USER_MESSAGES_PER_THREAD: usize = 200;

/// What a run request turns into.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPlan {
    pub kind: RunKind,
    pub first: Cursor,
}

/// Checks a run request against the thread and records it: new user messages, answers,
/// options, the run record and the cursor of its first step. `snapshot` is `None` for a new
/// thread. Pure: the caller commits the result with If-Match / create-only.
pub fn plan_run(
    snapshot: Option<ThreadSnapshot>,
    input: &RunAgentInput,
    principal: &str,
    now: i64,
) -> Result<(ThreadSnapshot, RunPlan), Rejection> {
    let mut snap = match snapshot {
        Some(s) => {
            let answering = input.resume.as_ref().is_some_and(|r| !r.is_empty());
            let action = if answering {
                Action::Answer
            } else {
                Action::SendMessage
            };
            denied_as_rejection(&s, principal, action)?;
            s
        }
        None => {
            if input.resume.as_ref().is_some_and(|r| !r.is_empty()) {
                return Err(Rejection::NotFound(input.thread_id.clone()));
            }
            ThreadSnapshot::new(&input.thread_id, principal, now)
        }
    };
    if let Some(active) = &snap.active {
        return Err(Rejection::Busy(active.run_id.clone()));
    }
    if snap.run(&input.run_id).is_some() {
        return Err(Rejection::DuplicateRun(input.run_id.clone()));
    }

    let known: BTreeSet<String> = snap.messages.iter().map(|m| m.id().to_owned()).collect();
    let new_user: Vec<Message> = input
        .messages
        .iter()
        .filter(|m| matches!(m, Message::User(_)) && !known.contains(m.id()))
        .cloned()
        .collect();
    let user_count = snap
        .messages
        .iter()
        .filter(|m| matches!(m, Message::User(_)))
        .count();
    if user_count + new_user.len() > MAX_USER_MESSAGES_PER_THREAD {
        return Err(Rejection::Limit(format!(
            "this thread has reached {MAX_USER_MESSAGES_PER_THREAD} messages; start a new thread (restore a version there to keep going)"
        )));
    }
    let request = new_user
        .iter()
        .filter_map(Message::user_text)
        .map(|t| t.trim().to_owned())
        .rfind(|t| !t.is_empty());

    let kind = if let Some(pending) = snap.interrupt.clone() {
        let entry = input
            .resume
            .as_ref()
            .and_then(|r| r.iter().find(|e| e.interrupt_id == pending.id))
            .ok_or_else(|| {
                Rejection::BadRequest(format!(
                    "this thread is waiting for answers to its questions: send resume [{{interruptId: \"{}\", status, payload}}]",
                    pending.id
                ))
            })?;
        let given = match entry.status {
            ResumeStatus::Resolved => entry.payload.as_ref(),
            ResumeStatus::Cancelled => None,
        };
        snap.answers = Some(crate::app::answers_with_defaults(&pending.questions, given));
        snap.interrupt = None;
        RunKind::Answers
    } else {
        if let Some(r) = input.resume.as_ref().and_then(|r| r.first()) {
            return Err(Rejection::BadRequest(format!(
                "interrupt {} is not pending on this thread: its questions were answered already (the first answer wins), or never asked",
                r.interrupt_id
            )));
        }
        if request.is_none() {
            return Err(Rejection::BadRequest(
                "the request has no new user message with text".into(),
            ));
        }
        if snap.files.is_empty() {
            RunKind::Initial
        } else {
            RunKind::FollowUp
        }
    };

    if kind == RunKind::Initial {
        for c in &input.context {
            snap.options.insert(c.description.clone(), c.value.clone());
        }
    }
    snap.messages.extend(new_user);
    if snap.title.is_empty() {
        snap.title = title_of(&snap.description());
    }

    let first = match kind {
        RunKind::Initial => StepName::Clarify,
        RunKind::Answers => StepName::Requirements,
        // A publish request never gets this far as a step: `publish::chat_publish_run` ends it;
        // a check is planned by `plan_check`.
        RunKind::FollowUp | RunKind::Publish | RunKind::Check => StepName::Modify,
    };
    let request = match kind {
        RunKind::Answers => snap.description(),
        _ => request.unwrap_or_default(),
    };
    let cursor = Cursor {
        step: first,
        seq: snap.seq + 1,
        fix_round: 0,
        claim: None,
        claims: 0,
    };
    snap.runs.push(RunRecord {
        run_id: input.run_id.clone(),
        kind,
        status: RunStatus::Running,
        started_at: now,
        finished_at: None,
        request: request.clone(),
        version: None,
        error: None,
        error_code: None,
        by: None,
        checked: None,
    });
    snap.active = Some(ActiveRun {
        run_id: input.run_id.clone(),
        kind,
        cursor: cursor.clone(),
        request,
        errors: Vec::new(),
        build: None,
        started_at: now,
        unreachable: Default::default(),
    });
    snap.updated_at = now;
    Ok((
        snap,
        RunPlan {
            kind,
            first: cursor,
        },
    ))
}

/// The longest check in words a person may write.
pub const MAX_CHECK_CHARS: usize = 500;

/// Whether `principal` may add `sentence` as a check of this thread, now or once the runs
/// before it have ended: editors only, a version to run it on, a sentence that is not empty,
/// not too long and not already a check of the suite. The sentence, trimmed.
pub fn check_request(
    snap: &ThreadSnapshot,
    sentence: &str,
    principal: &str,
) -> Result<String, Rejection> {
    denied_as_rejection(snap, principal, Action::SendMessage)?;
    let sentence = sentence.trim();
    if sentence.is_empty() {
        return Err(Rejection::BadRequest("the check is empty: say what should happen, e.g. \"when I add a task with priority high it is listed first\"".into()));
    }
    if sentence.chars().count() > MAX_CHECK_CHARS {
        return Err(Rejection::BadRequest(format!(
            "a check has at most {MAX_CHECK_CHARS} characters"
        )));
    }
    if snap.versions.is_empty() {
        return Err(Rejection::BadRequest(
            "there is no version to check yet: build the app first".into(),
        ));
    }
    if snap.scenarios.iter().any(|s| s.name == sentence) {
        return Err(Rejection::BadRequest(format!(
            "the suite already has the check {sentence:?}"
        )));
    }
    Ok(sentence.to_owned())
}

/// Records the run of a check in words (`POST /api/threads/{id}/checks`) as `check_request`
/// allows it, one run at a time (`Busy` while one is active: the caller queues the check).
/// The run starts at qa, which reads the sentence; its request is the sentence.
pub fn plan_check(
    snapshot: Option<ThreadSnapshot>,
    thread_id: &str,
    run_id: &str,
    sentence: &str,
    principal: &str,
    now: i64,
) -> Result<(ThreadSnapshot, RunPlan), Rejection> {
    let mut snap = snapshot.ok_or_else(|| Rejection::NotFound(thread_id.to_owned()))?;
    let sentence = check_request(&snap, sentence, principal)?;
    if let Some(active) = &snap.active {
        return Err(Rejection::Busy(active.run_id.clone()));
    }
    if snap.run(run_id).is_some() {
        return Err(Rejection::DuplicateRun(run_id.to_owned()));
    }
    let sentence = sentence.as_str();
    let cursor = Cursor {
        step: StepName::Qa,
        seq: snap.seq + 1,
        fix_round: 0,
        claim: None,
        claims: 0,
    };
    snap.runs.push(RunRecord {
        run_id: run_id.to_owned(),
        kind: RunKind::Check,
        status: RunStatus::Running,
        started_at: now,
        finished_at: None,
        request: sentence.to_owned(),
        version: None,
        error: None,
        error_code: None,
        by: None,
        checked: None,
    });
    snap.active = Some(ActiveRun {
        run_id: run_id.to_owned(),
        kind: RunKind::Check,
        cursor: cursor.clone(),
        request: sentence.to_owned(),
        errors: Vec::new(),
        build: None,
        started_at: now,
        unreachable: Default::default(),
    });
    snap.updated_at = now;
    let plan = RunPlan {
        kind: RunKind::Check,
        first: cursor,
    };
    Ok((snap, plan))
}

/// Removes a check a person wrote from the suite (`DELETE /api/threads/{id}/checks/{name}`):
/// editors only, between runs (a step commits the suite it read). Only such checks: the
/// agents' scenarios follow the requirements. Earlier versions keep their results.
pub fn remove_check(
    snap: &mut ThreadSnapshot,
    name: &str,
    principal: &str,
) -> Result<(), Rejection> {
    denied_as_rejection(snap, principal, Action::SendMessage)?;
    if let Some(active) = &snap.active {
        return Err(Rejection::Busy(active.run_id.clone()));
    }
    if snap.user_checks.remove(name).is_none() {
        let why = format!("{name:?} is not a check someone wrote on this thread");
        return Err(Rejection::BadRequest(why));
    }
    snap.scenarios.retain(|s| s.name != name);
    Ok(())
}

/// A short title from a description: its first clause, at most 60 characters.
pub fn title_of(description: &str) -> String {
    let first = description
        .split(['.', '\n', ':', ';'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("Untitled app");
    let mut t: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        t.push('…');
    }
    t
}

/// What review decides after a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// Every check passed: make a version and publish the preview.
    Accept,
    /// Send the failure to the fix agent for round `round` (1-based).
    Fix { round: u32 },
    /// Stop and say what is still broken.
    GiveUp { reason: String },
}

/// Accept, fix again, or stop: at most `max_rounds` fixes, and stop early when the same error
/// comes back (the stuck detector). A build that works but fails acceptance scenarios is sent
/// to fix with their evidence while rounds remain; after that it is accepted as a version that
/// says how many scenarios pass (it works, and the user sees what does not).
pub fn review(active: &ActiveRun, report: &BuildReport, max_rounds: u32) -> ReviewDecision {
    let round = active.cursor.fix_round;
    if report.ok {
        let failing = report.check.as_ref().and_then(|c| c.acceptance_failures());
        return match failing {
            Some(evidence)
                if round < max_rounds && !active.errors.iter().any(|e| e == &evidence) =>
            {
                ReviewDecision::Fix { round: round + 1 }
            }
            _ => ReviewDecision::Accept,
        };
    }
    let error = report
        .error
        .clone()
        .unwrap_or_else(|| "the build failed".into());
    if active.errors.iter().any(|e| e == &error) {
        return ReviewDecision::GiveUp {
            reason: format!("the same error came back after a fix, so I stopped: {error}"),
        };
    }
    if round >= max_rounds {
        return ReviewDecision::GiveUp {
            reason: format!("still failing after {max_rounds} fix attempts: {error}"),
        };
    }
    ReviewDecision::Fix { round: round + 1 }
}

/// What one step's work came to, as the step runner hands it to [`transition`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step did its part; the chain goes on.
    Done,
    /// Clarify asked questions: the run waits for the user's answers.
    AskedQuestions,
    /// What was asked cannot be done (a follow-up the agent cannot make, a check it cannot
    /// read): the run finishes with `note` and no new version. Nothing is broken.
    NoChange { note: String },
    /// Review's verdict on the build.
    Reviewed(ReviewDecision),
    /// The run itself failed (bad model output, an unusable app, a timeout…).
    Failed(RunError),
}

/// How a run ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// Waiting for answers to the questions (RUN_FINISHED with an interrupt).
    Interrupted,
    /// Done; `note` says why there is no new version when there is none.
    Finished {
        note: Option<String>,
    },
    Failed(RunError),
}

/// Where a run goes after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Run `step` next, in fix round `fix_round`.
    Step {
        step: StepName,
        fix_round: u32,
    },
    End(RunEnd),
}

/// Model tokens a run has spent and may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBudget {
    pub spent: u64,
    pub limit: u64,
}

/// The one owner of the step transitions: from the step that ran, its fix round, what its work
/// came to and the run's token budget, where the run goes next.
///
/// The chain: clarify → requirements → qa → wireframe → code → build → review; a follow-up starts at
/// modify, a fix round at fix, and both lead to build. A check run is qa → build → review (no
/// code changes). Review accepts (the run finishes), sends the failure to fix, or gives up. A
/// run over its token budget stops before its next step.
pub fn transition(
    kind: RunKind,
    step: StepName,
    fix_round: u32,
    outcome: StepOutcome,
    budget: TokenBudget,
) -> Next {
    let next = match outcome {
        StepOutcome::Failed(e) => return Next::End(RunEnd::Failed(e)),
        StepOutcome::AskedQuestions => return Next::End(RunEnd::Interrupted),
        StepOutcome::NoChange { note } => return Next::End(RunEnd::Finished { note: Some(note) }),
        StepOutcome::Reviewed(ReviewDecision::Accept) => {
            return Next::End(RunEnd::Finished { note: None });
        }
        StepOutcome::Reviewed(ReviewDecision::GiveUp { reason }) => {
            return Next::End(RunEnd::Failed(RunError::new(
                ErrorCode::BuildFailed,
                reason,
            )));
        }
        StepOutcome::Reviewed(ReviewDecision::Fix { round }) => Next::Step {
            step: StepName::Fix,
            fix_round: round,
        },
        StepOutcome::Done => match following(kind, step) {
            Some(step) => Next::Step { step, fix_round },
            None => {
                return Next::End(RunEnd::Failed(RunError::new(
                    ErrorCode::Internal,
                    format!("the {step} step has no successor and made no decision"),
                )));
            }
        },
    };
    if budget.spent > budget.limit {
        return Next::End(RunEnd::Failed(RunError::new(
            ErrorCode::TokenBudget,
            format!(
                "the run used {} model tokens, over its budget of {}, so it was stopped",
                budget.spent, budget.limit
            ),
        )));
    }
    next
}

/// The step after one that is simply done (review decides for itself).
fn following(kind: RunKind, step: StepName) -> Option<StepName> {
    match step {
        StepName::Qa if kind == RunKind::Check => Some(StepName::Build),
        StepName::Clarify => Some(StepName::Requirements),
        StepName::Requirements => Some(StepName::Qa),
        StepName::Qa => Some(StepName::Wireframe),
        StepName::Wireframe => Some(StepName::Code),
        StepName::Code | StepName::Fix | StepName::Modify => Some(StepName::Build),
        StepName::Build => Some(StepName::Review),
        StepName::Review => None,
    }
}

/// What a run's event log leaves open (text messages, tool calls, steps) and whether it has
/// ended, folded event by event: a writer resumes a log from this summary and the bytes appended
/// since, instead of re-reading the whole log every step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenSpans {
    /// Open text messages and tool calls, each with the sub-agent run it is nested under: its
    /// closing event must name the same one.
    texts: Vec<(String, Option<String>)>,
    tools: Vec<(String, Option<String>)>,
    subagents: Vec<String>,
    steps: Vec<String>,
    ended: bool,
}

impl OpenSpans {
    pub fn of(events: &[Event]) -> OpenSpans {
        let mut spans = OpenSpans::default();
        for e in events {
            spans.observe(e);
        }
        spans
    }

    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::TextMessageStart(s) => {
                let owner = s.base.subagent_run_id.clone();
                self.texts.push((s.message_id.clone(), owner));
            }
            Event::TextMessageEnd(s) => self.texts.retain(|(m, _)| m != &s.message_id),
            Event::ToolCallStart(s) => {
                let owner = s.base.subagent_run_id.clone();
                self.tools.push((s.tool_call_id.clone(), owner));
            }
            Event::ToolCallEnd(s) => self.tools.retain(|(m, _)| m != &s.tool_call_id),
            Event::SubagentStarted(s) => self.subagents.push(s.subagent_run_id.clone()),
            Event::SubagentFinished(crate::agui::SubagentFinished {
                subagent_run_id, ..
            })
            | Event::SubagentError(crate::agui::SubagentError {
                subagent_run_id, ..
            }) => self.subagents.retain(|r| r != subagent_run_id),
            Event::StepStarted(s) => self.steps.push(s.step_name.clone()),
            Event::StepFinished(s) => self.steps.retain(|m| m != &s.step_name),
            Event::RunFinished(_) | Event::RunError(_) => self.ended = true,
            _ => {}
        }
    }

    /// The log holds the run's terminal event.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Events that close what a dead attempt left open, in an order the AG-UI verifier accepts.
    /// Empty when nothing is open or the run already ended.
    pub fn closing_events(&self) -> Vec<Event> {
        if self.ended {
            return Vec::new();
        }
        let nest = |e: Event, owner: &Option<String>| match owner {
            Some(run) => e.in_subagent(run),
            None => e,
        };
        let mut out: Vec<Event> = (self.tools.iter())
            .map(|(t, owner)| nest(Event::tool_end(t), owner))
            .collect();
        out.extend(self.texts.iter().map(|(m, o)| nest(Event::text_end(m), o)));
        out.extend(self.subagents.iter().rev().map(|run| {
            Event::SubagentError(crate::agui::SubagentError {
                subagent_run_id: run.clone(),
                message: "the attempt serving this step stopped".into(),
                code: None,
                base: crate::agui::BaseFields::default(),
            })
        }));
        out.extend(self.steps.iter().rev().map(|s| Event::step_finished(s)));
        out
    }
}

/// The event that ends a run, derived from its record in the snapshot, so whoever finds the
/// run finished without it in the log (a redelivery, a relay, recovery) can append the same one.
/// `None` while the run is still going.
pub fn terminal_event(
    snap: &ThreadSnapshot,
    run_id: &str,
    preview_url: &dyn Fn(&crate::snapshot::Version) -> String,
) -> Option<Event> {
    use crate::agui::{BaseFields, Interrupt, Outcome, RunError, RunFinished};
    use crate::view::{CheckVerdict, InterruptReason, RunResult};
    let record = snap.run(run_id)?;
    let usage = Some(snap.run_usage(run_id)).filter(|u| !u.is_empty());
    let finished = |outcome: Outcome, result: Option<serde_json::Value>| {
        Event::RunFinished(RunFinished {
            thread_id: snap.thread_id.clone(),
            run_id: run_id.to_owned(),
            result,
            outcome: Some(outcome),
            usage: usage.clone(),
            base: BaseFields::default(),
        })
    };
    match record.status {
        RunStatus::Running => None,
        RunStatus::Interrupted => {
            let pending = snap.interrupt.as_ref().filter(|i| i.run_id == run_id);
            let questions = pending
                .map(|p| p.questions.clone())
                .unwrap_or_else(|| snap.questions.clone());
            let id = pending
                .map(|p| p.id.clone())
                .unwrap_or_else(|| format!("{run_id}-questions"));
            Some(finished(
                Outcome::Interrupt {
                    interrupts: vec![Interrupt {
                        id,
                        reason: InterruptReason::InputRequired.as_str().into(),
                        message: Some(format!(
                            "{} question{} before I build: answer or accept the defaults.",
                            questions.len(),
                            if questions.len() == 1 { "" } else { "s" }
                        )),
                        tool_call_id: None,
                        response_schema: Some(crate::app::response_schema(&questions)),
                        expires_at: None,
                        metadata: None,
                    }],
                },
                None,
            ))
        }
        RunStatus::Finished => {
            // A check run made no version; its result is the version it checked.
            let number = record.version.or(record.checked);
            let version = number.and_then(|n| snap.version(n));
            let check = version.and_then(|v| v.check.as_ref());
            let result = RunResult {
                version: number,
                preview_url: version.map(preview_url),
                check: check.map(|c| CheckVerdict {
                    passed: c.passed,
                    checks: c.checks.clone(),
                    verdict: c.verdict(),
                }),
                acceptance: check.map(|c| c.acceptance.clone()),
                message: record.error.clone(),
            };
            Some(finished(
                Outcome::Success {
                    pending_tool_call_ids: None,
                },
                serde_json::to_value(result).ok(),
            ))
        }
        RunStatus::Failed => Some(Event::RunError(RunError {
            message: record
                .error
                .clone()
                .unwrap_or_else(|| "the run failed".into()),
            code: Some(record.error_code.unwrap_or(ErrorCode::Internal).to_string()),
            usage,
            base: BaseFields::default(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agui::{ResumeEntry, UserContent, UserMessage};
    use crate::app::{BuildPhase, Question, QuestionKind};
    use crate::snapshot::PendingInterrupt;
    use serde_json::json;

    fn input(thread: &str, run: &str, msgs: &[(&str, &str)]) -> RunAgentInput {
        let messages = msgs
            .iter()
            .map(|(id, text)| {
                Message::User(UserMessage {
                    id: (*id).into(),
                    content: UserContent::Text((*text).into()),
                    name: None,
                })
            })
            .collect();
        RunAgentInput::new(thread, run, messages)
    }

    fn finish(mut s: ThreadSnapshot) -> ThreadSnapshot {
        let a = s.active.take().expect("active");
        s.seq = a.cursor.seq;
        s
    }

    #[test]
    fn new_thread_starts_with_clarify_and_records_the_message() {
        let (s, plan) = plan_run(
            None,
            &input("t", "r1", &[("u1", "A todo list")]),
            "alice",
            5,
        )
        .expect("plan");
        assert_eq!(plan.kind, RunKind::Initial);
        assert_eq!(plan.first.step, StepName::Clarify);
        assert_eq!(plan.first.seq, 1);
        assert_eq!(s.owner, "alice");
        assert_eq!(s.description(), "A todo list");
        assert_eq!(s.title, "A todo list");
    }

    #[test]
    fn refusals() {
        let (s, _) = plan_run(None, &input("t", "r1", &[("u1", "x")]), "alice", 5).expect("plan");
        assert_eq!(
            plan_run(
                Some(s.clone()),
                &input("t", "r2", &[("u2", "y")]),
                "alice",
                6
            ),
            Err(Rejection::Busy("r1".into()))
        );
        assert_eq!(
            plan_run(Some(s.clone()), &input("t", "r2", &[("u2", "y")]), "bob", 6),
            Err(Rejection::NotFound("t".into()))
        );
        let s = finish(s);
        assert_eq!(
            plan_run(
                Some(s.clone()),
                &input("t", "r1", &[("u2", "y")]),
                "alice",
                6
            ),
            Err(Rejection::DuplicateRun("r1".into()))
        );
        assert!(matches!(
            plan_run(Some(s), &input("t", "r3", &[("u1", "x")]), "alice", 6),
            Err(Rejection::BadRequest(_))
        ));
        assert!(matches!(
            plan_run(None, &input("t", "r1", &[]), "alice", 5),
            Err(Rejection::BadRequest(_))
        ));
    }

    #[test]
    fn a_full_thread_refuses_more_messages() {
        let (s, _) = plan_run(None, &input("t", "r1", &[("u1", "x")]), "alice", 5).expect("plan");
        let mut s = finish(s);
        s.files.insert(
            "a".into(),
            crate::snapshot::FileRef {
                hash: "h".into(),
                size: 1,
            },
        );
        let ids: Vec<String> = (0..MAX_USER_MESSAGES_PER_THREAD)
            .map(|i| format!("m{i}"))
            .collect();
        let msgs: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "more")).collect();
        assert!(matches!(
            plan_run(Some(s.clone()), &input("t", "r2", &msgs), "alice", 6),
            Err(Rejection::Limit(_))
        ));
        assert!(plan_run(Some(s), &input("t", "r2", &msgs[..10]), "alice", 6).is_ok());
    }

    #[test]
    fn resume_stores_answers_with_defaults_and_goes_to_requirements() {
        let (s, _) = plan_run(None, &input("t", "r1", &[("u1", "x")]), "alice", 5).expect("plan");
        let mut s = finish(s);
        s.interrupt = Some(PendingInterrupt {
            id: "i1".into(),
            run_id: "r1".into(),
            questions: vec![Question {
                id: "persist".into(),
                prompt: "Keep?".into(),
                kind: QuestionKind::YesNo,
                options: vec![],
                default: json!(true),
                help: None,
            }],
        });
        let mut no_resume = input("t", "r2", &[("u1", "x")]);
        assert!(matches!(
            plan_run(Some(s.clone()), &no_resume, "alice", 6),
            Err(Rejection::BadRequest(_))
        ));
        no_resume.resume = Some(vec![ResumeEntry {
            interrupt_id: "i1".into(),
            status: ResumeStatus::Resolved,
            payload: Some(json!({"persist": false})),
            metadata: None,
        }]);
        let (s2, plan) = plan_run(Some(s), &no_resume, "alice", 6).expect("plan");
        assert_eq!(plan.first.step, StepName::Requirements);
        assert_eq!(plan.first.seq, 2);
        assert_eq!(s2.answers, Some(json!({"persist": false})));
        assert!(s2.interrupt.is_none());
    }

    fn report(ok: bool, error: &str) -> BuildReport {
        BuildReport {
            ok,
            phase: if ok {
                BuildPhase::Done
            } else {
                BuildPhase::Build
            },
            error: (!ok).then(|| error.to_owned()),
            log: String::new(),
            check: None,
            artifact: None,
            duration_ms: 1,
        }
    }

    #[test]
    fn review_fixes_at_most_n_times_and_stops_when_stuck() {
        let (s, _) = plan_run(None, &input("t", "r1", &[("u1", "x")]), "alice", 5).expect("plan");
        let mut a = s.active.expect("active");
        assert_eq!(review(&a, &report(true, ""), 3), ReviewDecision::Accept);
        assert_eq!(
            review(&a, &report(false, "E1"), 3),
            ReviewDecision::Fix { round: 1 }
        );
        a.errors.push("E1".into());
        a.cursor.fix_round = 1;
        assert!(matches!(
            review(&a, &report(false, "E1"), 3),
            ReviewDecision::GiveUp { .. }
        ));
        assert_eq!(
            review(&a, &report(false, "E2"), 3),
            ReviewDecision::Fix { round: 2 }
        );
        a.cursor.fix_round = 3;
        assert!(matches!(
            review(&a, &report(false, "E4"), 3),
            ReviewDecision::GiveUp { .. }
        ));
    }

    #[test]
    fn failing_acceptance_is_fixed_while_rounds_remain_then_accepted_as_partial() {
        use crate::app::CheckReport;
        use crate::scenario::ScenarioResult;
        let (s, _) = plan_run(None, &input("t", "r1", &[("u1", "x")]), "alice", 5).expect("plan");
        let mut a = s.active.expect("active");
        let result = |passed| ScenarioResult {
            name: "adding a book lists it".into(),
            requirement: "books".into(),
            passed,
            failed_step: (!passed).then_some(3),
            expected: (!passed).then(|| "text \"Dune\" visible".into()),
            seen: (!passed).then(|| "No books yet".into()),
            screenshot: None,
        };
        let mut built = report(true, "");
        built.check = Some(CheckReport {
            passed: true,
            acceptance: vec![result(true), result(false)],
            ..CheckReport::default()
        });
        assert_eq!(review(&a, &built, 3), ReviewDecision::Fix { round: 1 });
        let evidence = built.check.as_ref().and_then(|c| c.acceptance_failures());
        assert!(
            evidence
                .as_deref()
                .is_some_and(|e| e.contains("step 3") && e.contains("No books yet"))
        );
        a.errors.push(evidence.unwrap_or_default());
        a.cursor.fix_round = 1;
        assert_eq!(
            review(&a, &built, 3),
            ReviewDecision::Accept,
            "stuck: accept as partial"
        );
        a.errors.clear();
        a.cursor.fix_round = 3;
        assert_eq!(
            review(&a, &built, 3),
            ReviewDecision::Accept,
            "rounds spent"
        );
        let check = built.check.as_ref().expect("check");
        assert_eq!(check.verdict(), "built, 1 of 2 acceptance checks pass");
        a.cursor.fix_round = 0;
        if let Some(c) = built.check.as_mut() {
            c.acceptance[1] = result(true);
        }
        assert_eq!(review(&a, &built, 3), ReviewDecision::Accept);
        let check = built.check.as_ref().expect("check");
        assert_eq!(check.verdict(), "checked, 2 of 2 acceptance checks pass");
        if let Some(c) = built.check.as_mut() {
            c.acceptance.clear();
        }
        let check = built.check.as_ref().expect("check");
        assert_eq!(check.verdict(), "checked, no acceptance tests", "says so");
    }

    #[test]
    fn open_spans_close_tools_then_texts_then_steps() {
        let log = vec![
            Event::step_started("code"),
            Event::text_start("m1"),
            Event::text_content("m1", "hi"),
            Event::tool_start("c1", "write_file", None),
            Event::tool_args("c1", "{"),
            Event::text_start("m0"),
            Event::text_end("m0"),
        ];
        let close = OpenSpans::of(&log).closing_events();
        assert_eq!(
            close,
            vec![
                Event::tool_end("c1"),
                Event::text_end("m1"),
                Event::step_finished("code")
            ]
        );
        let mut ended = log.clone();
        ended.push(Event::run_error("x", ErrorCode::Internal));
        assert!(OpenSpans::of(&ended).closing_events().is_empty());
        assert!(OpenSpans::of(&ended).is_ended() && !OpenSpans::of(&log).is_ended());
        assert!(
            OpenSpans::of(&[Event::step_started("a"), Event::step_finished("a")])
                .closing_events()
                .is_empty()
        );
    }

    #[test]
    fn open_spans_close_a_subagent_with_its_nested_spans() {
        let sub = crate::agui::SubagentStarted {
            subagent_run_id: "s1".into(),
            name: "planner".into(),
            description: None,
            parent_subagent_run_id: None,
            parent_tool_call_id: None,
            parent_message_id: None,
            base: crate::agui::BaseFields::default(),
        };
        let log = vec![
            Event::step_started("code"),
            Event::SubagentStarted(sub),
            Event::text_start("m1").in_subagent("s1"),
        ];
        let close = OpenSpans::of(&log).closing_events();
        assert_eq!(close[0], Event::text_end("m1").in_subagent("s1"));
        assert!(matches!(&close[1], Event::SubagentError(e) if e.subagent_run_id == "s1"));
        assert_eq!(close[2], Event::step_finished("code"));
        let mut done = log.clone();
        done.extend(close);
        assert!(OpenSpans::of(&done).closing_events().is_empty());
    }

    const ROOMY: TokenBudget = TokenBudget {
        spent: 10,
        limit: 100,
    };

    fn step(step: StepName, fix_round: u32) -> Next {
        Next::Step { step, fix_round }
    }

    #[test]
    fn a_done_step_goes_down_the_chain_keeping_its_fix_round() {
        use StepName::*;
        for (from, to) in [
            (Clarify, Requirements),
            (Requirements, Qa),
            (Qa, Wireframe),
            (Wireframe, Code),
            (Code, Build),
            (Modify, Build),
            (Build, Review),
        ] {
            assert_eq!(
                transition(RunKind::Answers, from, 0, StepOutcome::Done, ROOMY),
                step(to, 0),
                "{from}"
            );
        }
        assert_eq!(
            transition(RunKind::Answers, Fix, 2, StepOutcome::Done, ROOMY),
            step(Build, 2)
        );
        assert_eq!(
            transition(RunKind::Answers, Build, 2, StepOutcome::Done, ROOMY),
            step(Review, 2)
        );
    }

    #[test]
    fn questions_interrupt_and_an_unmade_change_finishes_with_a_note() {
        assert_eq!(
            transition(
                RunKind::Answers,
                StepName::Clarify,
                0,
                StepOutcome::AskedQuestions,
                ROOMY
            ),
            Next::End(RunEnd::Interrupted)
        );
        assert_eq!(
            transition(
                RunKind::Answers,
                StepName::Modify,
                0,
                StepOutcome::NoChange {
                    note: "no change made".into()
                },
                ROOMY
            ),
            Next::End(RunEnd::Finished {
                note: Some("no change made".into())
            })
        );
    }

    #[test]
    fn review_accepts_fixes_or_gives_up_as_a_build_failure() {
        let r = |d| {
            transition(
                RunKind::Answers,
                StepName::Review,
                1,
                StepOutcome::Reviewed(d),
                ROOMY,
            )
        };
        assert_eq!(
            r(ReviewDecision::Accept),
            Next::End(RunEnd::Finished { note: None })
        );
        assert_eq!(r(ReviewDecision::Fix { round: 2 }), step(StepName::Fix, 2));
        assert_eq!(
            r(ReviewDecision::GiveUp {
                reason: "stuck".into()
            }),
            Next::End(RunEnd::Failed(RunError::new(
                ErrorCode::BuildFailed,
                "stuck"
            )))
        );
    }

    fn built_thread() -> ThreadSnapshot {
        use crate::access::{Member, Role};
        let mut s = ThreadSnapshot::new("t", "alice", 0);
        for (p, role) in [("bob", Role::Editor), ("carol", Role::Viewer)] {
            s.members.push(Member {
                principal: p.into(),
                role,
                added_at: 0,
            });
        }
        s.seq = 7;
        s.versions.push(crate::snapshot::Version {
            number: 1,
            files: Default::default(),
            request: "x".into(),
            run_id: "r1".into(),
            created_at: 0,
            check: None,
            artifact: None,
            restored_from: None,
            author: None,
        });
        s
    }

    #[test]
    fn a_check_is_planned_for_editors_on_a_built_thread() {
        let said = "when I add a task it is listed";
        let plan = |s: &ThreadSnapshot, who: &str, text: &str| {
            plan_check(Some(s.clone()), "t", "c1", text, who, 9)
        };
        let s = built_thread();
        let (planned, p) = plan(&s, "bob", &format!("  {said} ")).expect("an editor may");
        assert_eq!(
            (p.kind, p.first.step, p.first.seq),
            (RunKind::Check, StepName::Qa, 8)
        );
        let active = planned.active.as_ref().expect("active");
        assert_eq!(active.request, said);
        assert_eq!(planned.messages.len(), 0, "a check is not a chat message");
        assert!(matches!(
            plan(&s, "carol", said),
            Err(Rejection::Forbidden(_))
        ));
        assert_eq!(
            plan(&s, "mallory", said),
            Err(Rejection::NotFound("t".into()))
        );
        assert_eq!(
            plan(&planned, "alice", said),
            Err(Rejection::Busy("c1".into()))
        );
        for bad in ["  ", &"x".repeat(MAX_CHECK_CHARS + 1)] {
            assert!(matches!(
                plan(&s, "alice", bad),
                Err(Rejection::BadRequest(_))
            ));
        }
        let mut unbuilt = s.clone();
        unbuilt.versions.clear();
        let Err(Rejection::BadRequest(why)) = plan(&unbuilt, "alice", said) else {
            panic!("no version, no check");
        };
        assert!(why.contains("no version"), "{why}");
        let mut has = s.clone();
        has.scenarios.push(crate::scenario::Scenario {
            name: said.into(),
            requirement: said.into(),
            steps: Vec::new(),
        });
        assert!(matches!(
            plan(&has, "alice", said),
            Err(Rejection::BadRequest(_))
        ));
    }

    #[test]
    fn a_check_run_goes_from_qa_to_build_to_review_and_ends() {
        let t = |step| transition(RunKind::Check, step, 0, StepOutcome::Done, ROOMY);
        assert_eq!(t(StepName::Qa), step(StepName::Build, 0));
        assert_eq!(t(StepName::Build), step(StepName::Review, 0));
        assert_eq!(
            transition(RunKind::Answers, StepName::Qa, 0, StepOutcome::Done, ROOMY),
            step(StepName::Wireframe, 0)
        );
        let accepted = StepOutcome::Reviewed(ReviewDecision::Accept);
        assert_eq!(
            transition(RunKind::Check, StepName::Review, 0, accepted, ROOMY),
            Next::End(RunEnd::Finished { note: None })
        );
    }

    #[test]
    fn a_finished_check_run_reports_the_version_it_checked() {
        let (mut s, _) = plan_check(
            Some(built_thread()),
            "t",
            "c1",
            "when I add a task it is listed",
            "alice",
            9,
        )
        .expect("planned");
        s.active = None;
        let r = s.run_mut("c1").expect("run");
        r.status = RunStatus::Finished;
        let ended =
            |s: &ThreadSnapshot| match terminal_event(s, "c1", &|v| format!("p{}", v.number)) {
                Some(Event::RunFinished(f)) => f
                    .result
                    .map(|r| (r["version"].clone(), r["previewUrl"].clone())),
                other => panic!("{other:?}"),
            };
        assert_eq!(
            ended(&s),
            Some((json!(null), json!(null))),
            "before it ran on one"
        );
        s.run_mut("c1").expect("run").checked = Some(1);
        assert_eq!(ended(&s), Some((json!(1), json!("p1"))));
    }

    #[test]
    fn a_failure_ends_the_run_with_its_own_code() {
        let e = RunError::new(ErrorCode::InvalidModelOutput, "bad json");
        assert_eq!(
            transition(
                RunKind::Answers,
                StepName::Code,
                0,
                StepOutcome::Failed(e.clone()),
                ROOMY
            ),
            Next::End(RunEnd::Failed(e))
        );
    }

    #[test]
    fn a_spent_budget_stops_the_run_before_its_next_step_but_not_its_end() {
        let over = TokenBudget {
            spent: 101,
            limit: 100,
        };
        let Next::End(RunEnd::Failed(e)) =
            transition(RunKind::Answers, StepName::Code, 0, StepOutcome::Done, over)
        else {
            panic!("over budget must stop the run");
        };
        assert_eq!(e.code, ErrorCode::TokenBudget);
        assert!(e.message.contains("101"), "{}", e.message);
        let at_limit = TokenBudget {
            spent: 100,
            limit: 100,
        };
        assert_eq!(
            transition(
                RunKind::Answers,
                StepName::Code,
                0,
                StepOutcome::Done,
                at_limit
            ),
            step(StepName::Build, 0)
        );
        // A run that ends anyway ends as it would have: the budget only stops further steps.
        assert_eq!(
            transition(
                RunKind::Answers,
                StepName::Review,
                0,
                StepOutcome::Reviewed(ReviewDecision::Accept),
                over
            ),
            Next::End(RunEnd::Finished { note: None })
        );
    }

    #[test]
    fn review_done_without_a_decision_is_an_internal_error() {
        let Next::End(RunEnd::Failed(e)) = transition(
            RunKind::Answers,
            StepName::Review,
            0,
            StepOutcome::Done,
            ROOMY,
        ) else {
            panic!("review must decide");
        };
        assert_eq!(e.code, ErrorCode::Internal);
    }
}
