//! A fixture agent for tests that need an `AppAgent` but are about something else (the build
//! job, the remote agents' fallback): it asks nothing, plans the requirements it was given,
//! writes the files it was given, and cannot fix or modify. It counts the planning and coding
//! calls, so a test can prove it was (or was not) reached.

use appgen_core::app::{ChangeSet, FileMap, Question, Requirements};
use appgen_core::ports::{AgentContext, AgentError, AgentOutput, AppAgent, Failure};
use appgen_core::scenario::Scenario;
use async_trait::async_trait;
use std::sync::atomic::{AtomicU32, Ordering};

/// See the module doc; build it with [`FixtureAgent::new`] and the `with_*` setters.
pub struct FixtureAgent {
    name: String,
    requirements: Requirements,
    files: FileMap,
    calls: AtomicU32,
}

impl FixtureAgent {
    /// An agent called `name` whose code step writes `files`; its requirements are titled
    /// after the name, with no spec.
    pub fn new(name: &str, files: FileMap) -> FixtureAgent {
        FixtureAgent {
            name: name.to_owned(),
            requirements: Requirements {
                title: name.to_owned(),
                summary: String::new(),
                features: Vec::new(),
                spec: serde_json::Value::Null,
            },
            files,
            calls: AtomicU32::new(0),
        }
    }

    /// The requirements its requirements step answers.
    pub fn with_requirements(mut self, requirements: Requirements) -> FixtureAgent {
        self.requirements = requirements;
        self
    }

    /// How many times its requirements and code steps ran.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    fn unsupported(&self, what: &str) -> AgentError {
        AgentError::Unsupported(format!("the {} fixture agent does not {what}", self.name))
    }
}

#[async_trait]
impl AppAgent for FixtureAgent {
    fn name(&self) -> String {
        self.name.clone()
    }
    async fn clarify(
        &self,
        _: &AgentContext,
        _: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        Ok(Vec::new())
    }
    async fn requirements(
        &self,
        _: &AgentContext,
        _: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.requirements.clone())
    }
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
        _: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        Ok("<html></html>".into())
    }
    async fn code(&self, _: &AgentContext, _: &mut dyn AgentOutput) -> Result<FileMap, AgentError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.files.clone())
    }
    async fn fix(
        &self,
        _: &AgentContext,
        _: &Failure,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        Err(self.unsupported("fix"))
    }
    async fn modify(
        &self,
        _: &AgentContext,
        _: &str,
        _: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        Err(self.unsupported("modify"))
    }
}
