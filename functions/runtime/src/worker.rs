//! Queue workers: what the Functions host does for queue triggers, done in-process for
//! `appgen serve` and the build job — receive, run the step, then do what the one retry policy
//! (`appgen_core::retry::decide`) says: delete, release for another try, or give up (end the
//! run with RUN_ERROR `step_failed` and move the message to `<queue>-poison`).

use crate::pipeline::{Disposition, Fault, Pipeline};
use appgen_core::ports::Delivery;
use appgen_core::retry::{Action, Delivered, RetryPolicy, decide, give_up_reason};
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
    /// Tries and backoff (the one policy every host uses).
    pub retry: RetryPolicy,
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
            retry: RetryPolicy::default(),
            concurrency: 16,
            build_concurrency: 2,
            poll: Duration::from_millis(250),
        }
    }
}

/// Runs workers for every step this process registered until the task is dropped or aborted.
pub async fn run_workers(pipeline: Arc<Pipeline>, config: WorkerConfig) {
    let mut set = JoinSet::new();
    for step in pipeline.steps().names() {
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
        match pipeline.queue().receive(queue, config.visibility).await {
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

/// How often the sweeper runs: `APPGEN_SWEEP_SECS` (default 30; 0 turns it off).
pub fn sweep_every() -> Option<Duration> {
    let secs = std::env::var("APPGEN_SWEEP_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(30);
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// The sweeper as a task (`appgen serve`; in Azure it is the `sweep` timer function): every
/// `every`, re-send the steps of runs stalled for longer than a lease and append missing
/// terminal events, so no run depends on someone watching it.
pub async fn run_sweeper(pipeline: Arc<Pipeline>, every: Option<Duration>) {
    let Some(every) = every else {
        return;
    };
    let stalled_after = pipeline.config().lease;
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = pipeline.sweep(stalled_after).await {
            warn!(error = %e, "sweep failed; the next one tries again");
        }
    }
}

/// Handles one delivery the way the Functions host does, under the same retry policy.
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
            poison(pipeline, step, &delivery).await;
            return;
        }
    };
    let tries = delivery.dequeue_count;
    let span = info_span!("step", thread_id = %msg.thread_id, run_id = %msg.run_id, step = %msg.step, seq = msg.seq, dequeue = tries);
    async {
        let result = pipeline.run_step(&msg).await;
        if let Err(e) = &result {
            warn!(error = %e, "step failed");
        }
        match decide(delivered(&result), tries, &config.retry) {
            Action::Ack => {
                if let Err(e) = pipeline.queue().delete(queue, &delivery).await {
                    warn!(error = %e, "delete failed; a redelivery will be deduplicated");
                }
            }
            Action::Retry(delay) => {
                let _ = pipeline.queue().release(queue, &delivery, delay).await;
            }
            Action::GiveUp => {
                let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
                let reason = give_up_reason(msg.step.as_str(), tries, &fault);
                if let Err(e) = pipeline.fail_run(&msg, &reason).await {
                    error!(error = %e, "could not end the run; its message stays for another try");
                    return;
                }
                poison(pipeline, step, &delivery).await;
            }
        }
    }
    .instrument(span)
    .await
}

/// What the retry policy weighs: how running a step message went.
pub fn delivered(result: &Result<Disposition, Fault>) -> Delivered {
    match result {
        Ok(Disposition::Done) => Delivered::Done,
        Ok(Disposition::Held(wait)) => Delivered::Held(*wait),
        Err(_) => Delivered::Faulted,
    }
}

/// Moves a message to its poison queue, as the Functions host does after the last try.
async fn poison(pipeline: &Pipeline, step: StepName, delivery: &Delivery) {
    let queue = pipeline.queue();
    if let Err(e) = queue
        .send(&step.poison_queue(), &delivery.body, Duration::ZERO)
        .await
    {
        error!(error = %e, "could not write the poison message; leaving it in the queue");
        return;
    }
    let _ = queue.delete(step.queue(), delivery).await;
}
