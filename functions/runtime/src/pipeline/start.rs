//! Starting runs and restoring versions: the writes a request makes before any step runs, and
//! the events every run's log starts with.

use super::{Fault, Pipeline, StartError};
use crate::events::EventWriter;
use crate::now_ms;
use appgen_core::access::Action;
use appgen_core::agui::{BaseFields, Event, RunAgentInput, RunStarted};
use appgen_core::live::{CheckRemoved, Person, RestoredInfo, ThreadEvent, run_start_events};
use appgen_core::pipeline::{
    Rejection, RunEnd, RunPlan, denied_as_rejection, plan_check, plan_run, remove_check,
};
use appgen_core::ports::StoreError;
use appgen_core::snapshot::{RunKind, RunStatus, ThreadSnapshot, Version};
use tracing::info;

/// Commits that lost a race to a concurrent writer are redone this many times.
pub(super) const COMMIT_RETRIES: usize = 8;

impl Pipeline {
    /// Starts a run for a principal known only by id (the CLI, tools): see [`Self::start_run_as`].
    pub async fn start_run(
        &self,
        input: &RunAgentInput,
        principal: &str,
    ) -> Result<RunKind, StartError> {
        self.start_run_as(input, &Person::new(principal, None))
            .await
    }

    /// Starts a run from an AG-UI request: records it (If-Match / create-only) with `by` as its
    /// author, writes RUN_STARTED + STATE_SNAPSHOT, enqueues the first step, and tells the
    /// thread's stream.
    pub async fn start_run_as(
        &self,
        input: &RunAgentInput,
        by: &Person,
    ) -> Result<RunKind, StartError> {
        let plan = |loaded| plan_run(loaded, input, &by.principal, now_ms());
        self.start_planned(&input.thread_id, &input.run_id, by, plan)
            .await
    }

    /// Starts a check run (`POST /api/threads/{id}/checks`): the sentence read into a scenario,
    /// added to the suite and run with it on the current version (`core::pipeline::plan_check`).
    pub async fn start_check(
        &self,
        thread: &str,
        run_id: &str,
        sentence: &str,
        by: &Person,
    ) -> Result<RunKind, StartError> {
        let plan = |loaded| plan_check(loaded, thread, run_id, sentence, &by.principal, now_ms());
        self.start_planned(thread, run_id, by, plan).await
    }

    /// Removes a check `by` or another person wrote from the suite (`core::pipeline::
    /// remove_check`), committed If-Match, and tells the thread's stream.
    pub async fn remove_check(
        &self,
        thread: &str,
        name: &str,
        by: &Person,
    ) -> Result<(), StartError> {
        for _ in 0..COMMIT_RETRIES {
            let Some((mut snap, etag)) = self.threads.load(thread).await? else {
                return Err(Rejection::NotFound(thread.into()).into());
            };
            remove_check(&mut snap, name, &by.principal)?;
            snap.updated_at = now_ms();
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {
                    let told = ThreadEvent::CheckRemoved(CheckRemoved {
                        name: name.to_owned(),
                        by: by.clone(),
                    });
                    self.live.tell(thread, vec![told]).await;
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Fault::Internal("the thread kept changing; try again".into()).into())
    }

    /// Commits what `plan` makes of the stored thread, retried on a lost race, then starts the
    /// run's log and its first step.
    async fn start_planned(
        &self,
        thread: &str,
        run_id: &str,
        by: &Person,
        plan: impl Fn(Option<ThreadSnapshot>) -> Result<(ThreadSnapshot, RunPlan), Rejection>,
    ) -> Result<RunKind, StartError> {
        for _ in 0..COMMIT_RETRIES {
            let loaded = self.threads.load(thread).await?;
            let etag = loaded.as_ref().map(|(_, e)| e.clone());
            let (mut snap, plan) = plan(loaded.map(|(s, _)| s))?;
            snap.attribute(run_id, by);
            if snap.agent.is_empty() {
                snap.agent = self.steps.maker();
            }
            self.threads.mark_running(thread).await?;
            let committed = match &etag {
                None => self.threads.create(&snap).await,
                Some(e) => self.threads.replace(&snap, e).await,
            };
            match committed {
                Ok(_) => {}
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
            crate::failpoint::hit("start", "after_commit");
            let mut writer = self.events.writer(thread, run_id).await?;
            if writer.is_empty() {
                writer.append(self.prelude(&snap, run_id)).await?;
            }
            if let Some(msg) = Self::cursor_message(&snap) {
                self.send(&msg).await.map_err(Fault::from)?;
            }
            (self.live)
                .tell(thread, run_start_events(&snap, run_id))
                .await;
            info!(thread_id = %thread, run_id = %run_id, kind = ?plan.kind, "run started");
            return Ok(plan.kind);
        }
        Err(Fault::Internal("the thread kept changing; try again".into()).into())
    }

    /// Makes a new version from an old one's files (restore never deletes history).
    pub async fn restore(&self, thread: &str, by: &Person, number: u32) -> Result<u32, StartError> {
        let principal = by.principal.as_str();
        for _ in 0..COMMIT_RETRIES {
            let Some((mut snap, etag)) = self.threads.load(thread).await? else {
                return Err(Rejection::NotFound(thread.into()).into());
            };
            denied_as_rejection(&snap, principal, Action::Restore)?;
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
                author: Some(by.clone()),
                ..old
            });
            snap.updated_at = now_ms();
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {
                    let told = ThreadEvent::Restored(RestoredInfo {
                        number: n,
                        from: number,
                        by: by.clone(),
                    });
                    self.live.tell(thread, vec![told]).await;
                    return Ok(n);
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Fault::Internal("the thread kept changing; try again".into()).into())
    }

    /// A writer for a run's log and the events that must come first: the prelude when the log
    /// is empty, then whatever an earlier attempt left open. `None` when the run's log has ended.
    pub(super) async fn resume_log(
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

    pub(super) fn prelude(&self, snap: &ThreadSnapshot, run_id: &str) -> Vec<Event> {
        vec![
            Event::RunStarted(RunStarted {
                thread_id: snap.thread_id.clone(),
                run_id: run_id.to_owned(),
                protocol_version: None,
                parent_run_id: None,
                input: None,
                base: BaseFields::default(),
            }),
            Event::state_snapshot(self.state_of(snap).to_value()),
        ]
    }
}

/// Records how a run ended and clears the active run.
pub(super) fn end_run(snap: &mut ThreadSnapshot, run: &str, end: RunEnd, now: i64) {
    let (status, message, code) = match end {
        RunEnd::Interrupted => (RunStatus::Interrupted, None, None),
        RunEnd::Finished { note } => (RunStatus::Finished, note, None),
        RunEnd::Failed(e) => (RunStatus::Failed, Some(e.message), Some(e.code)),
    };
    if let Some(r) = snap.run_mut(run) {
        r.status = status;
        r.finished_at = Some(now);
        r.error = message;
        r.error_code = code;
    }
    snap.active = None;
    snap.updated_at = now;
}
