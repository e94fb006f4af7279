//! One step, in the order its effects must happen for at-least-once delivery to be safe:
//!
//! 1. [`Pipeline::claim`]: load the snapshot, drop duplicates, back off from a live claim, take
//!    over a dead one, write our claim (If-Match) before any event.
//! 2. [`Pipeline::open_log`]: resume the run's log (closing what a dead attempt left open) and
//!    announce the step.
//! 3. [`Pipeline::work`]: the step's handler, with the pump appending its output as it goes,
//!    under the step and run timeouts.
//! 4. [`Pipeline::settle`]: record what was said and spent, ask `core::pipeline::transition`
//!    where the run goes, close the step's events.
//! 5. [`Pipeline::commit_and_hand_off`]: commit the snapshot against our claim (the one durable
//!    point of a step), then send the next step's message or append the terminal event.

use super::pump::{ChannelOutput, Pump};
use super::start::end_run;
use super::steps::StepWork;
use super::{Disposition, Fault, Pipeline};
use crate::events::EventWriter;
use crate::now_ms;
use appgen_core::agui::{AssistantMessage, Event, Message, TokenUsage};
use appgen_core::pipeline::{Next, RunEnd, StepOutcome, TokenBudget, transition};
use appgen_core::ports::{AgentContext, ETag, StoreError};
use appgen_core::run_error::{ErrorCode, RunError};
use appgen_core::scenario::ScenarioResult;
use appgen_core::snapshot::{Claim, Cursor, RunKind, StepUsage, ThreadSnapshot};
use appgen_core::step::{StepMessage, StepName};
use appgen_core::view::{AppEvent, StepInfo, StepResult, UiState, state_delta};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracing::{info, warn};

/// A step this attempt holds: the snapshot as claimed, and the ETag the commit must match.
struct Claimed {
    snap: ThreadSnapshot,
    etag: ETag,
    /// `{boot}:{random}`: who holds the claim.
    claim_id: String,
}

enum ClaimResult {
    Claimed(Box<Claimed>),
    /// Nothing to do: a duplicate, an ended run, a message that does not match the cursor.
    Skip,
    /// A live attempt holds the step.
    Held(Duration),
    /// Too many attempts claimed the step and none finished it.
    Exhausted {
        claims: u32,
    },
}

/// A step's log while it works: the writer (inside the pump) and the state before the step.
struct OpenLog {
    writer: EventWriter,
    before: UiState,
    started: Instant,
}

/// What a handler's work came to, and the events it wants after its streamed output.
struct Worked {
    outcome: StepOutcome,
    extra: Vec<Event>,
}

impl From<StepOutcome> for Worked {
    fn from(outcome: StepOutcome) -> Worked {
        Worked {
            outcome,
            extra: Vec::new(),
        }
    }
}

/// What a finished step leaves to commit.
struct Settled {
    snap: ThreadSnapshot,
    /// The next step's message, or `None` when the run ended.
    follow: Option<StepMessage>,
    tail: Vec<Event>,
    writer: EventWriter,
    duration_ms: u64,
}

impl Pipeline {
    /// Runs one delivered step message.
    pub async fn run_step(&self, msg: &StepMessage) -> Result<Disposition, Fault> {
        let mut claimed = match self.claim(msg).await? {
            ClaimResult::Claimed(c) => c,
            ClaimResult::Skip => return Ok(Disposition::Done),
            ClaimResult::Held(wait) => return Ok(Disposition::Held(wait)),
            ClaimResult::Exhausted { claims } => {
                let why = format!("it was started {claims} times and never finished");
                let reason = appgen_core::retry::give_up_reason(msg.step.as_str(), claims, &why);
                self.fail_run(msg, &reason).await?;
                return Ok(Disposition::Done);
            }
        };
        crate::failpoint::hit(msg.step.as_str(), "after_claim");
        if crate::failpoint::fails(msg.step.as_str()) {
            let injected = Fault::Internal("failpoint: injected step failure".into());
            return self.abandon(&claimed, injected).await;
        }
        let Some(log) = self.open_log(msg, &claimed).await? else {
            return Ok(Disposition::Done);
        };
        let OpenLog {
            writer,
            before,
            started,
        } = log;
        let (worked, pump) = self.work(msg, &mut claimed, writer).await;
        let pump = match pump {
            Ok(p) => p,
            Err(e) => return self.abandon(&claimed, e.into()).await,
        };
        let worked = match worked {
            Ok(w) => w,
            Err(fault) => return self.abandon(&claimed, fault).await,
        };
        let settled = self.settle(msg, claimed.snap, pump, worked, &before, started);
        self.commit_and_hand_off(msg, settled, &claimed.etag).await
    }

    /// Claims the step at the snapshot's cursor for this attempt (If-Match), unless it is done
    /// already, held by a live attempt, or was claimed too often.
    async fn claim(&self, msg: &StepMessage) -> Result<ClaimResult, Fault> {
        let claim_id = format!("{}:{}", self.boot, uuid::Uuid::new_v4().simple());
        loop {
            let now = now_ms();
            let Some((mut snap, etag)) = self.threads.load(&msg.thread_id).await? else {
                warn!(thread_id = %msg.thread_id, "step for an unknown thread; dropping");
                return Ok(ClaimResult::Skip);
            };
            let Some(active) = snap.active.as_mut().filter(|a| a.run_id == msg.run_id) else {
                return Ok(ClaimResult::Skip); // the run already ended
            };
            let cur = &mut active.cursor;
            if msg.seq < cur.seq {
                self.resend_lost_successor(msg, &snap).await?;
                return Ok(ClaimResult::Skip);
            }
            if msg.seq > cur.seq || msg.step != cur.step {
                warn!(thread_id = %msg.thread_id, run_id = %msg.run_id, seq = msg.seq, "step message does not match the cursor; dropping");
                return Ok(ClaimResult::Skip);
            }
            if let Some(claim) = &cur.claim {
                let dead_boot = self.config.single_process && !claim.worker.starts_with(&self.boot);
                if claim.expires_at > now && !dead_boot {
                    let wait = (claim.expires_at - now).clamp(100, 30_000) as u64;
                    return Ok(ClaimResult::Held(Duration::from_millis(wait)));
                }
                info!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, "taking over a step from a dead attempt");
            }
            if cur.claims >= self.config.max_claims {
                return Ok(ClaimResult::Exhausted { claims: cur.claims });
            }
            cur.claims += 1;
            cur.claim = Some(Claim {
                worker: claim_id.clone(),
                expires_at: now + self.config.lease.as_millis() as i64,
            });
            match self.threads.claim(&snap, &etag).await {
                Ok(etag) => {
                    return Ok(ClaimResult::Claimed(Box::new(Claimed {
                        snap,
                        etag,
                        claim_id,
                    })));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A duplicate of the step just before the cursor: its successor's message may have been
    /// lost in a crash between commit and send, so send it again (seq dedupe makes it safe).
    async fn resend_lost_successor(
        &self,
        msg: &StepMessage,
        snap: &ThreadSnapshot,
    ) -> Result<(), Fault> {
        let Some(active) = snap.active.as_ref() else {
            return Ok(());
        };
        if msg.seq + 1 == active.cursor.seq
            && active.cursor.claim.is_none()
            && let Some(next) = Self::cursor_message(snap)
        {
            self.send(&next).await?;
        }
        Ok(())
    }

    /// Resumes the run's log and announces the step. `None` when the log has already ended.
    async fn open_log(
        &self,
        msg: &StepMessage,
        claimed: &Claimed,
    ) -> Result<Option<OpenLog>, Fault> {
        let snap = &claimed.snap;
        let Some((mut writer, mut head)) = self.resume_log(snap, &msg.run_id).await? else {
            return Ok(None);
        };
        let handler = self.steps.handler(msg.step);
        let worker = handler.map(|h| h.worker_name()).unwrap_or_default();
        let active = snap.active.as_ref();
        // A check in words is read by the built-in agent, whoever serves the chain's qa.
        let checking = active.is_some_and(|a| a.kind == RunKind::Check);
        let unreachable = active.map(|a| a.unreachable.clone()).unwrap_or_default();
        let external = match handler {
            Some(h) if !checking => h.external(msg.step, &unreachable).await,
            _ => None,
        };
        head.push(Event::step_started(msg.step.as_str()));
        let info = StepInfo {
            step: msg.step,
            agent: msg.step.agent().to_owned(),
            model: worker,
            external,
            fix_round: msg.fix_round,
            seq: msg.seq,
        };
        head.push(AppEvent::Step(info).into_event());
        writer.append(head).await?;
        Ok(Some(OpenLog {
            writer,
            before: self.state_of(snap),
            started: Instant::now(),
        }))
    }

    /// Runs the step's handler with the pump appending its output beside it (in this task: no
    /// spawn and no thread hand-off per event batch), under the run and step timeouts.
    async fn work(
        &self,
        msg: &StepMessage,
        claimed: &mut Claimed,
        writer: EventWriter,
    ) -> (Result<Worked, Fault>, Result<Pump, StoreError>) {
        let suffix = &claimed.claim_id[claimed.claim_id.len().saturating_sub(8)..];
        let say_id = format!("{}-{}-{}", msg.run_id, msg.step, suffix);
        let (tx, rx) = mpsc::unbounded_channel();
        let pump = Pump::new(writer, say_id).run(rx);
        let work = async {
            // Owned here so the pump's channel closes when the handler is done (or timed out).
            let mut out = ChannelOutput { tx };
            if let Some(late) = self.run_overdue(&claimed.snap) {
                return Ok(Worked::from(StepOutcome::Failed(late)));
            }
            let ctx = self.context(&claimed.snap).await?;
            let limit = self.config.step_timeout;
            match tokio::time::timeout(limit, self.handle(msg, &mut claimed.snap, ctx, &mut out))
                .await
            {
                Ok(r) => r,
                Err(_) => Ok(Worked::from(StepOutcome::Failed(RunError::new(
                    ErrorCode::StepTimeout,
                    format!(
                        "the {} step took longer than {} s, so the run was stopped",
                        msg.step,
                        limit.as_secs()
                    ),
                )))),
            }
        };
        tokio::join!(work, pump)
    }

    /// The registered handler's work on the snapshot.
    async fn handle(
        &self,
        msg: &StepMessage,
        snap: &mut ThreadSnapshot,
        ctx: AgentContext,
        out: &mut ChannelOutput,
    ) -> Result<Worked, Fault> {
        let Some(handler) = self.steps.handler(msg.step) else {
            let why = format!("this process runs no {} step", msg.step);
            return Err(Fault::Internal(why));
        };
        let mut extra = Vec::new();
        let outcome = handler
            .run(StepWork {
                msg,
                snap: &mut *snap,
                ctx,
                out,
                extra: &mut extra,
                threads: &self.threads,
                preview: &self.config.preview,
                max_fix_rounds: self.config.max_fix_rounds,
            })
            .await?;
        Ok(Worked { outcome, extra })
    }

    /// The run's own deadline, checked before each step.
    fn run_overdue(&self, snap: &ThreadSnapshot) -> Option<RunError> {
        let age = snap.active.as_ref().map(|a| now_ms() - a.started_at)?;
        let limit = self.config.run_timeout;
        (age > limit.as_millis() as i64).then(|| {
            RunError::new(
                ErrorCode::RunTimeout,
                format!(
                    "the run took longer than {} s, so it was stopped",
                    limit.as_secs()
                ),
            )
        })
    }

    async fn context(&self, snap: &ThreadSnapshot) -> Result<AgentContext, Fault> {
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
            scenarios: snap.scenarios.clone(),
            unreachable: (snap.active.as_ref())
                .map(|a| a.unreachable.clone())
                .unwrap_or_default(),
        })
    }

    /// Records what the step said and spent, decides where the run goes, and closes the
    /// step's events (text, tools, the state delta, the step's result).
    fn settle(
        &self,
        msg: &StepMessage,
        mut snap: ThreadSnapshot,
        mut pump: Pump,
        worked: Worked,
        before: &UiState,
        started: Instant,
    ) -> Settled {
        let Worked { outcome, extra } = worked;
        if let StepOutcome::Failed(e) = &outcome {
            pump.say(&format!("\n{}", e.message));
        }
        record_said(&mut snap, msg, &pump);
        let step_usage = record_usage(&mut snap, msg, &pump.usage);
        if let Some(active) = snap.active.as_mut() {
            for url in pump.unreachable.drain(..) {
                active.unreachable.insert(url);
            }
        }
        snap.seq = msg.seq;
        let budget = TokenBudget {
            spent: run_tokens(&snap, &msg.run_id),
            limit: self.config.max_tokens_per_run,
        };
        let kind = snap.active.as_ref().map_or(RunKind::Answers, |a| a.kind);
        let next = transition(kind, msg.step, msg.fix_round, outcome.clone(), budget);
        if let (Next::End(RunEnd::Failed(e)), false) = (&next, is_failure(&outcome)) {
            pump.say(&format!("\n{}", e.message)); // the budget stopped it
        }
        let ok = !matches!(next, Next::End(RunEnd::Failed(_)));
        let acceptance = acceptance_of(&snap, msg.step);
        let follow = self.advance(&mut snap, msg, next);
        let mut tail = pump.close();
        tail.extend(extra);
        let delta = state_delta(before, &self.state_of(&snap));
        if !delta.is_empty() {
            tail.push(Event::state_delta(delta));
        }
        let duration_ms = started.elapsed().as_millis() as u64;
        let result = StepResult {
            step: msg.step,
            ok,
            duration_ms,
            usage: step_usage,
            acceptance,
        };
        tail.push(AppEvent::StepResult(result).into_event());
        tail.push(Event::step_finished(msg.step.as_str()));
        Settled {
            snap,
            follow,
            tail,
            writer: pump.writer,
            duration_ms,
        }
    }

    /// Moves the cursor to the next step, or ends the run. Returns the next step's message.
    fn advance(
        &self,
        snap: &mut ThreadSnapshot,
        msg: &StepMessage,
        next: Next,
    ) -> Option<StepMessage> {
        snap.updated_at = now_ms();
        match next {
            Next::Step { step, fix_round } => {
                if let Some(active) = snap.active.as_mut() {
                    active.cursor = Cursor {
                        step,
                        seq: msg.seq + 1,
                        fix_round,
                        claim: None,
                        claims: 0,
                    };
                }
                Self::cursor_message(snap)
            }
            Next::End(end) => {
                end_run(snap, &msg.run_id, end, now_ms());
                None
            }
        }
    }

    /// Appends the step's closing events, commits the snapshot against the claim, and hands
    /// the run on: the next step's message, or the terminal event.
    async fn commit_and_hand_off(
        &self,
        msg: &StepMessage,
        mut settled: Settled,
        claimed_etag: &ETag,
    ) -> Result<Disposition, Fault> {
        settled.writer.append(settled.tail).await?;
        crate::failpoint::hit(msg.step.as_str(), "after_events");
        match self.threads.replace(&settled.snap, claimed_etag).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => {
                warn!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, "lost the claim while working; the other attempt wins");
                return Ok(Disposition::Done);
            }
            Err(e) => return Err(e.into()),
        }
        info!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, seq = msg.seq, duration_ms = settled.duration_ms, "step committed");
        crate::failpoint::hit(msg.step.as_str(), "after_commit");
        match settled.follow {
            Some(next) => self.send(&next).await?,
            None => {
                (self.end_committed_run(&settled.snap, &msg.run_id, settled.writer)).await?;
            }
        }
        Ok(Disposition::Done)
    }

    /// A platform fault mid-step: give the claim back so the retry need not wait out the lease.
    async fn abandon(&self, claimed: &Claimed, fault: Fault) -> Result<Disposition, Fault> {
        let mut released = claimed.snap.clone();
        if let Some(a) = released.active.as_mut() {
            a.cursor.claim = None;
        }
        if let Err(err) = self.threads.claim(&released, &claimed.etag).await {
            warn!(error = %err, "could not release the claim after a failed step");
        }
        Err(fault)
    }
}

fn is_failure(outcome: &StepOutcome) -> bool {
    matches!(outcome, StepOutcome::Failed(_))
}

/// The step's words become one assistant message in the conversation.
fn record_said(snap: &mut ThreadSnapshot, msg: &StepMessage, pump: &Pump) {
    if pump.said.is_empty() {
        return;
    }
    snap.messages.push(Message::Assistant(AssistantMessage {
        id: pump.say_id().to_owned(),
        content: Some(pump.said.clone()),
        name: Some(msg.step.agent().into()),
        tool_calls: None,
    }));
}

/// Adds up the step's model calls into one usage entry (its cost unknown when one call's is).
/// `None` when it called no model.
fn record_usage(
    snap: &mut ThreadSnapshot,
    msg: &StepMessage,
    calls: &[TokenUsage],
) -> Option<TokenUsage> {
    if calls.is_empty() {
        return None;
    }
    let mut total = TokenUsage {
        cost_usd: Some(0.0),
        ..TokenUsage::default()
    };
    for u in calls {
        total.cost_usd = appgen_core::cost::sum([total.cost_usd, u.cost_usd]);
        total.provider = u.provider.clone().or(total.provider);
        total.model = u.model.clone().or(total.model);
        let add = |a: &mut Option<u64>, b: Option<u64>| *a = Some(a.unwrap_or(0) + b.unwrap_or(0));
        add(&mut total.input_tokens, u.input_tokens);
        add(&mut total.output_tokens, u.output_tokens);
        add(&mut total.total_tokens, u.total_tokens);
    }
    snap.usage.push(StepUsage {
        run_id: msg.run_id.clone(),
        step: msg.step,
        calls: calls.len() as u32,
        usage: total.clone(),
    });
    Some(total)
}

fn run_tokens(snap: &ThreadSnapshot, run: &str) -> u64 {
    snap.run_usage(run)
        .iter()
        .map(|u| u.total_tokens.unwrap_or(0))
        .sum()
}

/// The build's scenario results, for its `step_result` event.
fn acceptance_of(snap: &ThreadSnapshot, step: StepName) -> Option<Vec<ScenarioResult>> {
    let check = snap.active.as_ref()?.build.as_ref()?.check.as_ref()?;
    (step == StepName::Build && !check.acceptance.is_empty()).then(|| check.acceptance.clone())
}
