//! The one retry policy for step messages, on every host: the in-process worker
//! (`appgen serve`), the Azure Functions host (queue triggers) and the build job all ask
//! [`decide`] what to do with a delivery after running it, so a step fails the same way on a
//! laptop and in Azure.
//!
//! The Functions host counts deliveries itself and moves a message to `<queue>-poison` after
//! `maxDequeueCount` failed tries; `host.json` is tested to say [`MAX_TRIES`].

use std::time::Duration;

/// Deliveries of one step message before it is given up: host.json's `maxDequeueCount`.
pub const MAX_TRIES: u32 = 5;

/// How often a step message is tried and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_tries: u32,
    /// The first backoff; each further try waits twice as long, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: MAX_TRIES,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What running a delivered step message came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// The step ran and committed, or there was nothing to do (a duplicate, an ended run).
    Done,
    /// A live attempt holds the step; look again after this long.
    Held(Duration),
    /// A platform fault (storage, queue) stopped the step before it committed.
    Faulted,
}

/// What the host does with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Delete it.
    Ack,
    /// Make it visible again after this long.
    Retry(Duration),
    /// Stop trying: end the run with `step_failed` and move the message to its poison queue.
    GiveUp,
}

/// The decision for a delivery that was tried `dequeue_count` times (1 on the first delivery).
///
/// A held step is retried while tries remain; on the last try it is acknowledged, not given up:
/// the holder is alive and hands the run on itself, and if it dies the sweeper re-sends the step.
pub fn decide(result: Delivered, dequeue_count: u32, policy: &RetryPolicy) -> Action {
    let last = dequeue_count >= policy.max_tries;
    match result {
        Delivered::Done => Action::Ack,
        Delivered::Held(_) if last => Action::Ack,
        Delivered::Held(wait) => Action::Retry(wait),
        Delivered::Faulted if last => Action::GiveUp,
        Delivered::Faulted => Action::Retry(backoff(dequeue_count, policy)),
    }
}

/// Backoff before try `dequeue_count + 1`: base, 2 × base, 4 × base … capped at `max_delay`.
pub fn backoff(dequeue_count: u32, policy: &RetryPolicy) -> Duration {
    let doublings = dequeue_count.saturating_sub(1).min(16);
    policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay)
}

/// Why a run was ended by [`Action::GiveUp`], as the user reads it.
pub fn give_up_reason(step: &str, tries: u32, fault: &str) -> String {
    format!(
        "the {step} step failed {tries} times in a row ({fault}), so the run was stopped; try again, and if it keeps failing, report it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy {
        max_tries: 5,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
    };

    #[test]
    fn done_is_acknowledged_on_any_try() {
        for n in 1..=7 {
            assert_eq!(decide(Delivered::Done, n, &P), Action::Ack);
        }
    }

    #[test]
    fn a_fault_is_retried_with_backoff_until_the_last_try_then_given_up() {
        assert_eq!(
            decide(Delivered::Faulted, 1, &P),
            Action::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            decide(Delivered::Faulted, 3, &P),
            Action::Retry(Duration::from_secs(4))
        );
        assert_eq!(
            decide(Delivered::Faulted, 4, &P),
            Action::Retry(Duration::from_secs(8))
        );
        assert_eq!(decide(Delivered::Faulted, 5, &P), Action::GiveUp);
        // A host that delivers once more than it should still gives up, never loops.
        assert_eq!(decide(Delivered::Faulted, 9, &P), Action::GiveUp);
    }

    #[test]
    fn a_held_step_waits_for_its_holder_and_is_let_go_on_the_last_try() {
        let wait = Duration::from_millis(700);
        assert_eq!(decide(Delivered::Held(wait), 1, &P), Action::Retry(wait));
        assert_eq!(decide(Delivered::Held(wait), 4, &P), Action::Retry(wait));
        assert_eq!(decide(Delivered::Held(wait), 5, &P), Action::Ack);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1, &P), Duration::from_secs(1));
        assert_eq!(backoff(2, &P), Duration::from_secs(2));
        assert_eq!(backoff(6, &P), Duration::from_secs(30));
        assert_eq!(backoff(u32::MAX, &P), Duration::from_secs(30));
    }
}
