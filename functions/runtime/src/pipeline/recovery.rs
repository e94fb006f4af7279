//! Recovery, so that no run depends on someone watching it: re-sending a step message that may
//! have been lost, appending a terminal event the log lacks, ending a run whose step cannot
//! succeed, and the sweeper that does the first two on a timer.

use super::start::end_run;
use super::{Fault, Pipeline};
use crate::events::EventWriter;
use crate::now_ms;
use appgen_core::pipeline::{RunEnd, terminal_event};
use appgen_core::ports::StoreError;
use appgen_core::run_error::{ErrorCode, RunError};
use appgen_core::snapshot::{RunStatus, ThreadSnapshot, Version};
use appgen_core::step::StepMessage;
use tracing::{info, warn};

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Threads looked at.
    pub threads: usize,
    /// Step messages re-sent for runs whose cursor stood still with no live claim.
    pub resent: usize,
    /// Terminal events appended to ended runs' logs.
    pub terminals: usize,
    /// Ended deploys unlisted.
    pub deploys: usize,
    /// Deploy messages re-sent for deploys whose worker was gone (or that nobody took).
    pub deploys_resent: usize,
}

impl Pipeline {
    /// Re-sends the cursor message of every unfinished run, appends any missing terminal event
    /// and re-indexes every thread under its owner. For the embedded backend at startup: a
    /// crash between commit and enqueue leaves a run without a message, and a power cut may
    /// lose queue messages and owner index entries (neither is flushed). Duplicates are
    /// harmless (seq dedupe; a deploy is taken by one attempt at a time). Unfinished deploys'
    /// messages are re-sent too.
    pub async fn recover(&self) -> Result<usize, Fault> {
        let mut resumed = 0;
        for thread in self.threads.list_all().await? {
            let Some((snap, _)) = self.threads.load(&thread).await? else {
                continue;
            };
            self.threads.index_owner(&snap).await?;
            if let Some(msg) = Self::cursor_message(&snap) {
                self.threads.mark_running(&thread).await?;
                self.send(&msg).await?;
                resumed += 1;
            }
            if let Some(last) = snap.runs.last()
                && last.status != RunStatus::Running
            {
                self.ensure_terminal(&thread, &last.run_id).await?;
            }
        }
        let (_, deploys) = self.sweep_deploys(true).await?;
        Ok(resumed + deploys)
    }

    /// One pass of the sweeper (a timer function in Azure, a task in `appgen serve`): for every
    /// thread listed as running, re-send the step message of a run whose cursor has not moved
    /// for longer than `stalled_after` and that no live attempt holds, append the terminal
    /// event of a run that ended without one, and drop the listing of threads with no run;
    /// re-send the message of every deploy whose worker is gone.
    pub async fn sweep(&self, stalled_after: std::time::Duration) -> Result<SweepReport, Fault> {
        let mut report = SweepReport::default();
        let now = now_ms();
        for thread in self.threads.list_running().await? {
            report.threads += 1;
            let Some((snap, _)) = self.threads.load(&thread).await? else {
                self.threads.unmark_running(&thread).await?;
                continue;
            };
            if snap.active.is_some() {
                let idle = now - snap.updated_at;
                if idle >= stalled_after.as_millis() as i64 && self.resend_if_unheld(&snap).await? {
                    report.resent += 1;
                }
                continue;
            }
            if let Some(last) = snap.runs.last()
                && self.ensure_terminal(&thread, &last.run_id).await?
            {
                report.terminals += 1;
            }
            // Ending the run may have started a queued message's: that one stays listed.
            let started = self.threads.load(&thread).await?;
            if started.is_none_or(|(s, _)| s.active.is_none()) {
                self.threads.unmark_running(&thread).await?;
            }
        }
        (report.deploys, report.deploys_resent) = self.sweep_deploys(false).await?;
        if report.resent + report.terminals + report.deploys_resent > 0 {
            info!(?report, "sweep repaired runs");
        }
        Ok(report)
    }

    /// Re-sends the step message of a running run whose step nobody holds, for when the message
    /// may have been lost (a crash between commit and send on shared storage, where no startup
    /// scan runs). A duplicate is harmless: its seq is deduplicated. Returns whether it sent.
    pub async fn nudge(&self, thread: &str, run: &str) -> Result<bool, Fault> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Ok(false);
        };
        if snap.active.as_ref().is_none_or(|a| a.run_id != run) {
            return Ok(false);
        }
        self.resend_if_unheld(&snap).await
    }

    async fn resend_if_unheld(&self, snap: &ThreadSnapshot) -> Result<bool, Fault> {
        let Some(active) = snap.active.as_ref() else {
            return Ok(false);
        };
        let held = active.cursor.claim.as_ref();
        if held.is_some_and(|c| c.expires_at > now_ms()) {
            return Ok(false);
        }
        let Some(msg) = Self::cursor_message(snap) else {
            return Ok(false);
        };
        warn!(thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, seq = msg.seq, "run idle with no live claim; re-sending its step");
        self.send(&msg).await?;
        Ok(true)
    }

    /// Appends the run's terminal event if the snapshot says it ended and the log lacks it,
    /// then starts the next queued message if the thread is idle. Safe to call from anywhere,
    /// any number of times: the append is conditional on the length read, so racing callers
    /// append it once, and a queued message starts under a run id of its own, once. Every
    /// place that notices a run's end (its last step, the relay, the sweeper, startup
    /// recovery) calls this, so a queued message runs even if the process that ended the run
    /// dies before starting it.
    pub async fn ensure_terminal(&self, thread: &str, run: &str) -> Result<bool, Fault> {
        let appended = self.append_terminal(thread, run).await?;
        if let Err(e) = self.start_queued(thread).await {
            warn!(thread_id = %thread, error = %e, "could not start the next queued message");
        }
        Ok(appended)
    }

    pub(super) async fn append_terminal(&self, thread: &str, run: &str) -> Result<bool, Fault> {
        for _ in 0..5 {
            let Some((snap, _)) = self.threads.load(thread).await? else {
                return Ok(false);
            };
            let Some((writer, head)) = self.resume_log(&snap, run).await? else {
                return Ok(false);
            };
            match self.append_end(&snap, run, writer, head).await {
                Err(StoreError::Conflict(_)) => continue,
                appended => return Ok(appended?),
            }
        }
        Ok(false)
    }

    /// [`Self::ensure_terminal`] for the step that ended the run: it holds the snapshot it has
    /// just committed and the run's log open, so neither is read again (after a lost race on
    /// the log, the general path reads both).
    pub(super) async fn end_committed_run(
        &self,
        snap: &ThreadSnapshot,
        run: &str,
        writer: EventWriter,
    ) -> Result<(), Fault> {
        let thread = &snap.thread_id;
        if !writer.is_ended() {
            let head = writer.closing_events();
            match self.append_end(snap, run, writer, head).await {
                Ok(_) => {}
                Err(StoreError::Conflict(_)) => {
                    self.append_terminal(thread, run).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Err(e) = self.start_queued(thread).await {
            warn!(thread_id = %thread, error = %e, "could not start the next queued message");
        }
        Ok(())
    }

    /// Appends `head` and the run's terminal event, as `snap` says it ended, and tells the
    /// thread's stream. `false` when the snapshot says the run has not ended.
    async fn append_end(
        &self,
        snap: &ThreadSnapshot,
        run: &str,
        mut writer: EventWriter,
        mut head: Vec<appgen_core::agui::Event>,
    ) -> Result<bool, StoreError> {
        let thread = &snap.thread_id;
        let Some(end) = terminal_event(snap, run, &|v: &Version| {
            self.config.preview.url(thread, v.number)
        }) else {
            return Ok(false);
        };
        head.push(end);
        writer.append(head).await?;
        let told = appgen_core::live::run_end_events(snap, run);
        self.live.tell(thread, told).await;
        Ok(true)
    }

    /// Ends a run whose step was given up (the retry policy's last try, or too many attempts
    /// claimed it and none finished) with RUN_ERROR `step_failed`.
    pub async fn fail_run(&self, msg: &StepMessage, reason: &str) -> Result<(), Fault> {
        for _ in 0..5 {
            let Some((mut snap, etag)) = self.threads.load(&msg.thread_id).await? else {
                return Ok(());
            };
            if snap.active.as_ref().map(|a| a.run_id.as_str()) != Some(msg.run_id.as_str()) {
                return Ok(());
            }
            let failed = RunError::new(ErrorCode::StepFailed, reason);
            end_run(&mut snap, &msg.run_id, RunEnd::Failed(failed), now_ms());
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
}
