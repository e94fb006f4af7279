//! Step names and the queue message that chains them.

use serde::{Deserialize, Serialize};

/// One stateless step function. Each has its own queue (named by [`StepName::queue`]).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepName {
    Clarify,
    Requirements,
    /// Acceptance scenarios from the requirements, before the code exists.
    Qa,
    Wireframe,
    Code,
    Build,
    Review,
    Fix,
    Modify,
}

impl StepName {
    pub const ALL: [StepName; 9] = [
        StepName::Clarify,
        StepName::Requirements,
        StepName::Qa,
        StepName::Wireframe,
        StepName::Code,
        StepName::Build,
        StepName::Review,
        StepName::Fix,
        StepName::Modify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Clarify => "clarify",
            StepName::Requirements => "requirements",
            StepName::Qa => "qa",
            StepName::Wireframe => "wireframe",
            StepName::Code => "code",
            StepName::Build => "build",
            StepName::Review => "review",
            StepName::Fix => "fix",
            StepName::Modify => "modify",
        }
    }

    /// The storage queue this step is triggered from. Azure queue names: 3-63 chars,
    /// lowercase letters, digits and hyphens.
    pub fn queue(self) -> &'static str {
        match self {
            StepName::Clarify => "step-clarify",
            StepName::Requirements => "step-requirements",
            StepName::Qa => "step-qa",
            StepName::Wireframe => "step-wireframe",
            StepName::Code => "step-code",
            StepName::Build => "step-build",
            StepName::Review => "step-review",
            StepName::Fix => "step-fix",
            StepName::Modify => "step-modify",
        }
    }

    /// The poison queue the Functions host moves a message to after `maxDequeueCount` tries.
    pub fn poison_queue(self) -> String {
        format!("{}-poison", self.queue())
    }

    pub fn parse(s: &str) -> Option<StepName> {
        StepName::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The agent that does this step's work, as shown to the user.
    pub fn agent(self) -> &'static str {
        match self {
            StepName::Clarify => "clarifier",
            StepName::Requirements => "analyst",
            StepName::Qa => "qa engineer",
            StepName::Wireframe => "designer",
            StepName::Code | StepName::Fix | StepName::Modify => "coder",
            StepName::Build => "builder",
            StepName::Review => "reviewer",
        }
    }
}

impl std::fmt::Display for StepName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A queue the hosts take work from: one per step, and the deploys' queue
/// ([`crate::deploy::DEPLOY_QUEUE`]). Every one is worked under the same retry policy
/// (`crate::retry::decide`) and has a `-poison` queue for what it gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkQueue {
    Step(StepName),
    Deploy,
}

impl WorkQueue {
    /// Every queue: the steps' in [`StepName::ALL`]'s order, then the deploys'.
    pub fn all() -> impl Iterator<Item = WorkQueue> {
        (StepName::ALL.into_iter().map(WorkQueue::Step)).chain([WorkQueue::Deploy])
    }

    pub fn name(self) -> &'static str {
        match self {
            WorkQueue::Step(step) => step.queue(),
            WorkQueue::Deploy => crate::deploy::DEPLOY_QUEUE,
        }
    }

    /// Where a message goes once the retry policy gives it up.
    pub fn poison(self) -> String {
        match self {
            WorkQueue::Step(step) => step.poison_queue(),
            WorkQueue::Deploy => format!("{}-poison", crate::deploy::DEPLOY_QUEUE),
        }
    }
}

impl std::fmt::Display for WorkQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The queue message that triggers one step: `{threadId, runId, step, seq, attempt}`.
///
/// `seq` is the thread-wide step counter: a step whose `seq` is already committed in the
/// snapshot is a duplicate delivery. `fixRound` is the run's fix round (0 before any fix);
/// messages queued before it was named so carry it as `attempt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepMessage {
    pub thread_id: String,
    pub run_id: String,
    pub step: StepName,
    pub seq: u64,
    #[serde(default, alias = "attempt")]
    pub fix_round: u32,
}

impl StepMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<StepMessage, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_are_valid_azure_queue_names() {
        for step in StepName::ALL {
            assert_eq!(StepName::parse(step.as_str()), Some(step));
        }
        let mut names = Vec::new();
        for q in WorkQueue::all() {
            for name in [q.name().to_owned(), q.poison()] {
                assert!(crate::ports::valid_queue_name(&name), "{name}");
                names.push(name);
            }
        }
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(
            (count, names.len()),
            (20, 20),
            "one queue each, no two alike"
        );
        for bad in [
            "ab",
            "Step-x",
            "step--x",
            "-step",
            "step-",
            "step_x",
            &"q".repeat(64),
        ] {
            assert!(!crate::ports::valid_queue_name(bad), "{bad}");
        }
    }

    #[test]
    fn step_message_wire_shape() {
        let m = StepMessage {
            thread_id: "t".into(),
            run_id: "r".into(),
            step: StepName::Code,
            seq: 4,
            fix_round: 1,
        };
        assert_eq!(
            m.to_json(),
            r#"{"threadId":"t","runId":"r","step":"code","seq":4,"fixRound":1}"#
        );
        assert_eq!(StepMessage::from_json(&m.to_json()).expect("parse"), m);
        let queued_before_the_rename =
            r#"{"threadId":"t","runId":"r","step":"code","seq":4,"attempt":1}"#;
        assert_eq!(
            StepMessage::from_json(queued_before_the_rename).expect("parse"),
            m
        );
    }
}
