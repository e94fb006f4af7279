//! Queued messages: a message (or a check in words) sent while a run is active waits in the
//! thread's queue (`live.rs` stores it) and runs, as its author, when the runs before it have
//! ended.

use super::{Fault, Pipeline, StartError};
use crate::live::Withdrawal;
use crate::now_ms;
use appgen_core::access::{Action, Denied};
use appgen_core::agui::{Message, RunAgentInput, UserContent, UserMessage};
use appgen_core::live::{Person, QueuedKind, QueuedMessage, ThreadEvent, Withdrawn};
use appgen_core::pipeline::{Rejection, check_request};
use appgen_core::ports::StoreError;
use tracing::{info, warn};

/// Why a message could not be queued or withdrawn.
#[derive(Debug, thiserror::Error)]
pub enum QueueRefusal {
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A check that could not run even after the active run (`core::pipeline::check_request`).
    #[error(transparent)]
    Rejected(Rejection),
    #[error("the queued message {0} is not in the queue (it started, or was withdrawn)")]
    NotQueued(String),
    #[error("only its author may withdraw a queued message")]
    NotAuthor,
    #[error("the queued message {0} has started already")]
    Started(String),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<StoreError> for QueueRefusal {
    fn from(e: StoreError) -> Self {
        QueueRefusal::Fault(e.into())
    }
}

impl Pipeline {
    /// Queues `text` as `by`'s message under `id` (the request's run id: queuing the same
    /// request twice queues it once), tells the stream, and starts it at once if no run is
    /// active any more.
    pub async fn queue_message(
        &self,
        thread: &str,
        id: &str,
        text: &str,
        by: &Person,
    ) -> Result<QueuedMessage, QueueRefusal> {
        self.thread_as(thread, &by.principal, Action::SendMessage)
            .await??;
        self.enqueue(thread, id, text, by, QueuedKind::Message)
            .await
    }

    /// Queues a check in words for after the active run, if it could run then
    /// (`core::pipeline::check_request`); as [`Self::queue_message`] otherwise.
    pub async fn queue_check(
        &self,
        thread: &str,
        id: &str,
        sentence: &str,
        by: &Person,
    ) -> Result<QueuedMessage, QueueRefusal> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Err(Denied::NotFound.into());
        };
        let sentence = check_request(&snap, sentence, &by.principal).map_err(|r| match r {
            Rejection::NotFound(_) => QueueRefusal::Denied(Denied::NotFound),
            other => QueueRefusal::Rejected(other),
        })?;
        self.enqueue(thread, id, &sentence, by, QueuedKind::Check)
            .await
    }

    async fn enqueue(
        &self,
        thread: &str,
        id: &str,
        text: &str,
        by: &Person,
        kind: QueuedKind,
    ) -> Result<QueuedMessage, QueueRefusal> {
        let queued = QueuedMessage {
            id: id.to_owned(),
            text: text.to_owned(),
            author: by.clone(),
            queued_at: now_ms(),
            kind,
        };
        match self.live.enqueue(thread, &queued).await {
            Ok(()) => {
                let told = ThreadEvent::Queued(queued.clone());
                self.live.tell(thread, vec![told]).await;
            }
            Err(StoreError::Conflict(_)) => {} // queued before: the same request again
            Err(e) => return Err(e.into()),
        }
        // The run may have ended between the caller's refusal and the queue write: whoever
        // ended it found the queue empty, so look again now.
        if let Err(e) = self.start_queued(thread).await {
            warn!(thread_id = %thread, error = %e, "could not start a queued message");
        }
        Ok(queued)
    }

    /// Withdraws a queued message; only its author may. One conditional delete in storage,
    /// against the take that starts it: a message taken for its run is reported as started.
    pub async fn withdraw(
        &self,
        thread: &str,
        id: &str,
        principal: &str,
    ) -> Result<(), QueueRefusal> {
        self.thread_as(thread, principal, Action::Read).await??;
        match self.live.withdraw(thread, id, principal).await? {
            Withdrawal::Withdrawn => {}
            Withdrawal::NotQueued => return Err(QueueRefusal::NotQueued(id.to_owned())),
            Withdrawal::NotAuthor => return Err(QueueRefusal::NotAuthor),
            Withdrawal::Started => return Err(QueueRefusal::Started(id.to_owned())),
        }
        let told = ThreadEvent::Withdrawn(Withdrawn { id: id.to_owned() });
        self.live.tell(thread, vec![told]).await;
        Ok(())
    }

    /// Starts the oldest queued message if no run is active and no questions wait for
    /// answers. At least once, exactly one run:
    /// the message's run id is derived from its id, so a second starter is refused as a
    /// duplicate, and the message leaves the queue only after its run is recorded.
    pub(super) async fn start_queued(&self, thread: &str) -> Result<(), Fault> {
        loop {
            // The queue before the snapshot: it is empty at the end of most runs, and a listing
            // costs less than reading a snapshot. Still safe: whoever ended the run committed
            // before listing, so a message queued after an empty listing is started by its
            // sender, who finds the run ended (`queue_message`).
            let Some(next) = self.live.queued(thread).await?.into_iter().next() else {
                return Ok(());
            };
            let Some((snap, _)) = self.threads.load(thread).await? else {
                return Ok(());
            };
            // Questions pending: the answers run first (a message cannot run before them).
            if snap.active.is_some() || snap.interrupt.is_some() {
                return Ok(());
            }
            let run_id = next.run_id();
            // Taken first (If-Match), so its author can no longer withdraw it once it starts.
            if !self.live.take(thread, &next.id).await? {
                continue; // withdrawn meanwhile
            }
            if snap.run(&run_id).is_none() {
                match self.start_next(thread, &next).await {
                    Ok(()) => {
                        info!(thread_id = %thread, run_id = %run_id, "queued message started")
                    }
                    Err(StartError::Rejected(Rejection::Busy(_))) => return Ok(()),
                    Err(StartError::Rejected(Rejection::DuplicateRun(_))) => {}
                    Err(StartError::Rejected(r)) => {
                        // Its author may no longer send (removed, now a viewer), or a limit.
                        warn!(thread_id = %thread, run_id = %run_id, reason = %r, "dropping a queued message that cannot run");
                        let told = ThreadEvent::Withdrawn(Withdrawn {
                            id: next.id.clone(),
                        });
                        self.live.tell(thread, vec![told]).await;
                    }
                    Err(StartError::Fault(f)) => return Err(f),
                }
            }
            self.live.dequeue(thread, &next.id).await?;
        }
    }

    /// Starts a queued entry's run: a check's, or what the message would start if sent now
    /// ("publish it" publishes, the rest runs).
    async fn start_next(&self, thread: &str, next: &QueuedMessage) -> Result<(), StartError> {
        let run_id = next.run_id();
        if next.kind == QueuedKind::Check {
            let started = self.start_check(thread, &run_id, &next.text, &next.author);
            return started.await.map(|_| ());
        }
        let message = Message::User(UserMessage {
            id: next.message_id(),
            content: UserContent::Text(next.text.clone()),
            name: Some(next.author.name.clone()),
        });
        let input = RunAgentInput::new(thread, &run_id, vec![message]);
        match self.chat_publish(&input, &next.author).await {
            Ok(true) => Ok(()),
            Ok(false) => self.start_run_as(&input, &next.author).await.map(|_| ()),
            Err(e) => Err(e),
        }
    }
}
