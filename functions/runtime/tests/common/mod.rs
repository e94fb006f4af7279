//! Steps the pipeline suites (pipeline.rs, llm_pipeline.rs) share: build a request, run the
//! queues dry, answer the questions, read what a run left behind.

// Each suite uses only some of these.
#![allow(dead_code)]

use appgen_core::agui::{
    Event, Message, ResumeEntry, ResumeStatus, RunAgentInput, UserContent, UserMessage,
};
use appgen_core::pipeline::OpenSpans;
use appgen_core::snapshot::ThreadSnapshot;
use appgen_core::step::StepName;
use appgen_runtime::pipeline::Pipeline;
use appgen_runtime::worker::{WorkerConfig, handle};
use serde_json::Value;
use std::time::Duration;

pub fn user(id: &str, text: &str) -> Message {
    Message::User(UserMessage {
        id: id.into(),
        content: UserContent::Text(text.into()),
        name: None,
    })
}

pub fn input(
    thread: &str,
    run: &str,
    messages: Vec<Message>,
    resume: Option<Vec<ResumeEntry>>,
) -> RunAgentInput {
    RunAgentInput {
        resume,
        ..RunAgentInput::new(thread, run, messages)
    }
}

/// Starts `input` for alice; `what` names the request if it is refused.
pub async fn start(p: &Pipeline, input: RunAgentInput, what: &str) {
    p.start_run(&input, "alice").await.expect(what);
}

/// Runs every queued step (as the Functions host would) until all queues are empty.
pub async fn drain(p: &Pipeline) -> usize {
    let cfg = WorkerConfig::default();
    let mut handled = 0;
    for _ in 0..200 {
        let mut any = false;
        for step in StepName::ALL {
            if let Some(d) = p
                .queue()
                .receive(step.queue(), Duration::from_secs(60))
                .await
                .expect("receive")
            {
                handle(p, &cfg, step, d).await;
                handled += 1;
                any = true;
            }
        }
        if !any {
            return handled;
        }
    }
    panic!("the pipeline did not settle");
}

pub async fn snapshot(p: &Pipeline, thread: &str) -> ThreadSnapshot {
    p.threads()
        .load(thread)
        .await
        .expect("load")
        .expect("thread")
        .0
}

/// Resolves the thread's pending questions with `payload`.
pub async fn resolve(p: &Pipeline, thread: &str, payload: Option<Value>) -> Vec<ResumeEntry> {
    let interrupt = snapshot(p, thread)
        .await
        .interrupt
        .expect("pending questions");
    vec![ResumeEntry {
        interrupt_id: interrupt.id,
        status: ResumeStatus::Resolved,
        payload,
        metadata: None,
    }]
}

/// A finished run's log ends with one terminal event and leaves no span open before it.
pub fn assert_ends_closed(events: &[Event], run: &str) {
    assert!(
        events.last().is_some_and(Event::is_terminal),
        "run {run} ends with a terminal event"
    );
    assert!(
        OpenSpans::of(&events[..events.len() - 1])
            .closing_events()
            .is_empty(),
        "run {run} left spans open"
    );
}

/// The step names, in the order they started.
pub fn step_names<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<String> {
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::StepStarted(s) => Some(s.step_name.clone()),
            _ => None,
        })
        .collect()
}
