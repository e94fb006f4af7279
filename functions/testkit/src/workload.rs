//! The reference workload, as a scripted agent and builder that run through the ordinary step
//! chain (`Steps::app(ScriptedAgent, ScriptedBuilder)`): no model, no build, no step of its own.
//!
//! A first message runs seven steps: clarify (no questions) → requirements → qa (no scenarios,
//! nothing streamed: a hop of the chain) → wireframe → code → build → review. Each of the
//! agent's other steps streams [`DELTAS`] deltas of [`DELTA_CHARS`]
//! characters; code writes one ~[`FILE_BYTES`] file, which the runner stores as a durable
//! content blob before it commits the snapshot (one file, not many: each durable blob is a
//! flush of its own, and the workload measures the step chain, not the disk); the scripted build
//! passes at once and review makes it version 1. `appgen-devtools bench` and `serve-bench` run it.

use appgen_core::app::{
    BuildPhase, BuildReport, ChangeSet, CheckReport, FileMap, Question, Requirements,
};
use appgen_core::ports::{
    AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, AppBuilder, BuildError, BuildJob,
    Failure,
};
use appgen_core::scenario::Scenario;
use async_trait::async_trait;
use serde_json::json;

/// Steps a first message runs through (clarify … review).
pub const STEPS: usize = 7;
/// Text deltas each of the agent's steps streams.
pub const DELTAS: usize = 50;
/// Characters in each delta.
pub const DELTA_CHARS: usize = 40;
/// Size of the one file the code step writes, in bytes.
pub const FILE_BYTES: usize = 20_000;
/// The file the code step writes.
pub const FILE_PATH: &str = "src/App.tsx";

/// The reference workload's agent: scripted text, no questions, one ~20 KB file.
pub struct ScriptedAgent;

/// Streams `DELTAS` deltas of `DELTA_CHARS` characters, each naming its step and index.
fn stream(out: &mut dyn AgentOutput, step: &str) {
    for d in 0..DELTAS {
        let text = format!("{step} delta {d}");
        out.emit(AgentEvent::Say(format!(
            "{text:0>width$}\n",
            width = DELTA_CHARS - 1
        )));
    }
}

/// The code step's file: a comment naming the thread, padded to `FILE_BYTES`.
fn file_for(thread: &str) -> String {
    let head = format!("// reference workload, thread {thread}\n");
    let body = "x".repeat(FILE_BYTES.saturating_sub(head.len() + 1));
    format!("{head}{body}\n")
}

#[async_trait]
impl AppAgent for ScriptedAgent {
    fn name(&self) -> String {
        "scripted".into()
    }

    async fn clarify(
        &self,
        _: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        stream(out, "clarify");
        Ok(Vec::new())
    }

    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        stream(out, "requirements");
        Ok(Requirements {
            title: "Reference workload".into(),
            summary: ctx.description.clone(),
            features: Vec::new(),
            spec: json!({}),
        })
    }

    /// No scenarios: the step is a hop of the chain like any other, with nothing to stream.
    async fn qa(
        &self,
        _: &AgentContext,
        _: &mut dyn AgentOutput,
    ) -> Result<Vec<Scenario>, AgentError> {
        Ok(Vec::new())
    }

    async fn wireframe(
        &self,
        _: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        stream(out, "wireframe");
        Ok("<main>reference workload</main>".into())
    }

    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        stream(out, "code");
        Ok(FileMap::from([(
            FILE_PATH.to_owned(),
            file_for(&ctx.thread_id),
        )]))
    }

    async fn fix(
        &self,
        _: &AgentContext,
        _: &Failure,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        Err(AgentError::Unsupported(
            "the reference workload's builds do not fail".into(),
        ))
    }

    async fn modify(
        &self,
        _: &AgentContext,
        _: &str,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        Err(AgentError::Unsupported(
            "the reference workload makes no changes".into(),
        ))
    }
}

/// The reference workload's builder: every build passes at once, with nothing published.
pub struct ScriptedBuilder;

#[async_trait]
impl AppBuilder for ScriptedBuilder {
    async fn build(&self, _: BuildJob) -> Result<BuildReport, BuildError> {
        Ok(BuildReport {
            ok: true,
            phase: BuildPhase::Done,
            error: None,
            log: String::new(),
            check: Some(CheckReport {
                passed: true,
                ..CheckReport::default()
            }),
            artifact: None,
            duration_ms: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<AgentEvent>);

    impl AgentOutput for Collect {
        fn emit(&mut self, event: AgentEvent) {
            self.0.push(event);
        }
    }

    #[test]
    fn a_step_streams_fifty_deltas_of_forty_characters() {
        let mut out = Collect(Vec::new());
        stream(&mut out, "requirements");
        assert_eq!(out.0.len(), DELTAS);
        for e in &out.0 {
            let AgentEvent::Say(text) = e else {
                panic!("not a delta: {e:?}");
            };
            assert_eq!(text.chars().count(), DELTA_CHARS, "{text:?}");
        }
    }

    #[test]
    fn the_file_is_about_twenty_kilobytes_and_names_its_thread() {
        let f = file_for("t-1");
        assert_eq!(f.len(), FILE_BYTES);
        assert!(f.contains("thread t-1"));
        assert_ne!(file_for("t-2"), f, "threads write different content");
    }
}
