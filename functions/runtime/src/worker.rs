//! Queue workers: what the Functions host does for queue triggers, done in-process for
//! `appgen serve` — receive, invoke the step, delete on success, leave for retry on failure,
//! move to `<queue>-poison` after `max_dequeue` tries and end the run with RUN_ERROR.

use crate::pipeline::{Disposition, Pipeline};
use appgen_core::ports::Delivery;
use appgen_core::step::{StepMessage, StepName};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{Instrument, error, info_span, warn};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How long a received message stays hidden (the Functions `visibilityTimeout` analogue is
    /// the retry delay; this is the lease on the message while a step runs).
    pub visibility: Duration,
    /// Tries before a message is poison (host.json `maxDequeueCount`).
    pub max_dequeue: u32,
    /// Steps run at once per queue; builds are CPU-heavy, so they get fewer.
    pub concurrency: usize,
    pub build_concurrency: usize,
    /// Poll interval when no in-process wake-up arrives (other processes' sends).
    pub poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            visibility: Duration::from_secs(300),
            max_dequeue: 5,
            concurrency: 16,
            build_concurrency: 2,
            poll: Duration::from_millis(250),
        }
    }
}

/// Backoff before a failed step is retried: 1 s, 2 s, 4 s … capped at 30 s.
pub fn retry_delay(dequeue_count: u32) -> Duration {
    Duration::from_secs(1u64 << dequeue_count.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// Runs workers for every step queue until the task is dropped or aborted.
pub async fn run_workers(pipeline: Arc<Pipeline>, config: WorkerConfig) {
    let mut set = JoinSet::new();
    for step in StepName::ALL {
        let limit = if step == StepName::Build {
            config.build_concurrency
        } else {
            config.concurrency
        };
        set.spawn(queue_loop(pipeline.clone(), config.clone(), step, limit));
    }
    while set.join_next().await.is_some() {}
}

async fn queue_loop(pipeline: Arc<Pipeline>, config: WorkerConfig, step: StepName, limit: usize) {
    let slots = Arc::new(Semaphore::new(limit.max(1)));
    let queue = step.queue();
    let woken = pipeline.waker(step);
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        // Register for the wake-up before looking, so a send between the look and the wait
        // is not missed.
        let notified = woken.notified();
        match pipeline.queue.receive(queue, config.visibility).await {
            Ok(Some(delivery)) => {
                let pipeline = pipeline.clone();
                let config = config.clone();
                tokio::spawn(async move {
                    handle(&pipeline, &config, step, delivery).await;
                    drop(permit);
                });
            }
            Ok(None) => {
                drop(permit);
                let _ = tokio::time::timeout(config.poll, notified).await;
            }
            Err(e) => {
                drop(permit);
                warn!(queue, error = %e, "receive failed");
                tokio::time::sleep(config.poll * 4).await;
            }
        }
    }
}

/// Handles one delivery the way the Functions host would.
pub async fn handle(
    pipeline: &Pipeline,
    config: &WorkerConfig,
    step: StepName,
    delivery: Delivery,
) {
    let queue = step.queue();
    let msg = match StepMessage::from_json(&delivery.body) {
        Ok(m) => m,
        Err(e) => {
            error!(queue, error = %e, "unreadable step message; moving it to poison");
            poison(pipeline, step, &delivery, None, "unreadable step message").await;
            return;
        }
    };
    let span = info_span!("step", thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, seq = msg.seq, dequeue = delivery.dequeue_count);
    async {
        if delivery.dequeue_count > config.max_dequeue {
            let reason = format!(
                "the {} step failed {} times in a row, so the run was stopped; try again, and if it keeps failing, report it",
                msg.step, config.max_dequeue
            );
            poison(pipeline, step, &delivery, Some(&msg), &reason).await;
            return;
        }
        match pipeline.run_step(&msg).await {
            Ok(Disposition::Done) => {
                if let Err(e) = pipeline.queue.delete(queue, &delivery).await {
                    warn!(error = %e, "delete after success failed; a redelivery will be deduplicated");
                }
            }
            Ok(Disposition::Retry(delay)) => {
                let _ = pipeline.queue.release(queue, &delivery, delay).await;
            }
            Err(e) => {
                warn!(error = %e, "step failed; it will be retried");
                let _ = pipeline.queue.release(queue, &delivery, retry_delay(delivery.dequeue_count)).await;
            }
        }
    }
    .instrument(span)
    .await
}

async fn poison(
    pipeline: &Pipeline,
    step: StepName,
    delivery: &Delivery,
    msg: Option<&StepMessage>,
    reason: &str,
) {
    if let Err(e) = pipeline
        .queue
        .send(&step.poison_queue(), &delivery.body, Duration::ZERO)
        .await
    {
        error!(error = %e, "could not write the poison message; leaving it in the queue");
        return;
    }
    let _ = pipeline.queue.delete(step.queue(), delivery).await;
    if let Some(msg) = msg
        && let Err(e) = pipeline.fail_run(msg, reason).await
    {
        error!(error = %e, "could not end the poisoned run");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_grows_and_caps() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(4), Duration::from_secs(8));
        assert_eq!(retry_delay(50), Duration::from_secs(30));
    }
}
