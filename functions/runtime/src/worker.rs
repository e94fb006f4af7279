//! Queue workers: what the Functions host does for queue triggers, done in-process for
//! `appgen serve` and the build job — receive, run the step or the deploy, then do what the
//! one retry policy (`appgen_core::retry::decide`) says: delete, release for another try, or
//! give up (end the run with RUN_ERROR `step_failed`, or the deploy as failed, and move the
//! message to `<queue>-poison`).

use crate::pipeline::{Disposition, Fault, Pipeline, Work};
use appgen_core::ports::Delivery;
use appgen_core::retry::{Action, Delivered, RetryPolicy, decide};
use appgen_core::step::{StepName, WorkQueue};
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
    /// Deploys worked on at once (each mostly waits on Vercel).
    pub deploy_concurrency: usize,
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
            deploy_concurrency: 4,
            poll: Duration::from_millis(250),
        }
    }
}

/// Runs workers for every step this process registered, and for deploys, until the task is
/// dropped or aborted.
pub async fn run_workers(pipeline: Arc<Pipeline>, config: WorkerConfig) {
    let mut set = JoinSet::new();
    let queues =
        (pipeline.steps().names().into_iter().map(WorkQueue::Step)).chain([WorkQueue::Deploy]);
    for queue in queues {
        let limit = match queue {
            WorkQueue::Step(StepName::Build) => config.build_concurrency,
            WorkQueue::Step(_) => config.concurrency,
            WorkQueue::Deploy => config.deploy_concurrency,
        };
        set.spawn(queue_loop(pipeline.clone(), config.clone(), queue, limit));
    }
    while set.join_next().await.is_some() {}
}

async fn queue_loop(pipeline: Arc<Pipeline>, config: WorkerConfig, work: WorkQueue, limit: usize) {
    let slots = Arc::new(Semaphore::new(limit.max(1)));
    let queue = work.name();
    let woken = pipeline.waker(work);
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
                    handle_work(&pipeline, &config, work, delivery).await;
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

/// Handles one delivery of a step message the way the Functions host does.
pub async fn handle(
    pipeline: &Pipeline,
    config: &WorkerConfig,
    step: StepName,
    delivery: Delivery,
) {
    handle_work(pipeline, config, WorkQueue::Step(step), delivery).await
}

/// Handles one delivery from `queue` the way the Functions host does, under the same retry
/// policy for steps and deploys.
pub async fn handle_work(
    pipeline: &Pipeline,
    config: &WorkerConfig,
    queue: WorkQueue,
    delivery: Delivery,
) {
    let work = match Work::parse(queue, &delivery.body) {
        Ok(w) => w,
        Err(e) => {
            error!(%queue, error = %e, "unreadable message; moving it to poison");
            poison(pipeline, queue, &delivery).await;
            return;
        }
    };
    let tries = delivery.dequeue_count;
    let span =
        info_span!("work", thread_id = %work.thread_id(), work = %work.describe(), dequeue = tries);
    async {
        let result = pipeline.run_work(&work).await;
        if let Err(e) = &result {
            warn!(error = %e, "work failed");
        }
        match decide(delivered(&result), tries, &config.retry) {
            Action::Ack => {
                if let Err(e) = pipeline.queue().delete(queue.name(), &delivery).await {
                    warn!(error = %e, "delete failed; a redelivery will be deduplicated");
                }
            }
            Action::Retry(delay) => {
                let _ = pipeline.queue().release(queue.name(), &delivery, delay).await;
            }
            Action::GiveUp => {
                let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
                if let Err(e) = pipeline.give_up(&work, tries, &fault).await {
                    error!(error = %e, "could not end what was given up; its message stays for another try");
                    return;
                }
                poison(pipeline, queue, &delivery).await;
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
async fn poison(pipeline: &Pipeline, work: WorkQueue, delivery: &Delivery) {
    let queue = pipeline.queue();
    if let Err(e) = queue
        .send(&work.poison(), &delivery.body, Duration::ZERO)
        .await
    {
        error!(error = %e, "could not write the poison message; leaving it in the queue");
        return;
    }
    let _ = queue.delete(work.name(), delivery).await;
}
