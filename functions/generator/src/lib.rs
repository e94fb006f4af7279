//! The offline generator: a deterministic, rule-based [`AppAgent`] that turns a description
//! into a working Vite + React + TypeScript app. No model, no I/O, milliseconds per step.
//!
//! Pipeline: [`analysis::analyze`] reads the description (a grammar of field lists, types,
//! enum options, colours, kinds of app) into an [`AppSpec`]; [`questions`] asks about what it
//! could not be sure of and applies the answers; [`compose::compose`] turns the spec into
//! files; [`modify::apply_request`] changes the spec for a follow-up request and
//! [`diff::changes_between`] turns the regenerated files into search/replace edits.

pub mod analysis;
pub mod archetypes;
pub mod colors;
pub mod compose;
pub mod content;
pub mod diff;
pub mod features;
pub mod fields;
pub mod knowledge;
pub mod lexicon;
pub mod modify;
pub mod qa;
pub mod questions;
pub mod requirements;
pub mod rollup;
pub mod spec;
pub mod text;
pub mod title;
pub mod wireframe;

use appgen_core::app::{ChangeSet, FileChange, FileMap, Question, Requirements, SuiteChange};
use appgen_core::edits::PROTECTED_FILES;
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use appgen_core::scenario::Scenario;
use async_trait::async_trait;
use spec::AppKind;
pub use spec::AppSpec;

/// Characters per `FileDelta` event.
const DELTA_CHARS: usize = 400;

/// The offline generator agent.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineAgent;

impl OfflineAgent {
    pub fn new() -> Self {
        OfflineAgent
    }
}

/// The spec of the thread: the stored one when it is an offline spec, else derived from the
/// description, the UI options and the answers.
pub fn spec_for(ctx: &AgentContext) -> AppSpec {
    if let Some(spec) = ctx
        .requirements
        .as_ref()
        .and_then(|r| AppSpec::from_value(&r.spec))
    {
        return spec;
    }
    answered_spec(ctx)
}

/// The spec read from the description and the UI options, with the user's answers applied.
fn answered_spec(ctx: &AgentContext) -> AppSpec {
    let mut spec = analysis::analyze(&ctx.description, &ctx.options);
    questions::apply_answers(&mut spec, &ctx.answers, &ctx.description);
    spec
}

/// Requirements (title, summary, features and the spec as JSON) of a spec.
pub fn requirements_of(spec: &AppSpec) -> Requirements {
    Requirements {
        title: spec.title.clone(),
        summary: requirements::summary(spec),
        features: requirements::features(spec),
        spec: serde_json::to_value(spec).unwrap_or_default(),
    }
}

/// The spec after a follow-up request, deterministic from (spec, request). `modify` uses it;
/// the runner calls it (or [`updated_requirements`]) to store the new spec.
pub fn apply_request(spec: &AppSpec, request: &str) -> Result<AppSpec, AgentError> {
    modify::apply_request(spec, request)
        .map(|(s, _)| s)
        .map_err(|e| AgentError::Unsupported(e.0))
}

/// The requirements after a follow-up request: what the runner stores once `modify`
/// succeeded. `current` is the thread's requirements (their `spec` an offline spec, else the
/// spec is derived from `description`).
pub fn updated_requirements(
    current: Option<&Requirements>,
    description: &str,
    request: &str,
) -> Result<Requirements, AgentError> {
    let spec = current
        .and_then(|r| AppSpec::from_value(&r.spec))
        .unwrap_or_else(|| analysis::analyze(description, &[]));
    apply_request(&spec, request).map(|s| requirements_of(&s))
}

fn emit_file(out: &mut dyn AgentOutput, path: &str, content: &str) {
    out.emit(AgentEvent::FileStarted {
        path: path.to_owned(),
    });
    let mut chunk = String::new();
    for c in content.chars() {
        chunk.push(c);
        if chunk.len() >= DELTA_CHARS {
            out.emit(AgentEvent::FileDelta {
                path: path.to_owned(),
                delta: std::mem::take(&mut chunk),
            });
        }
    }
    if !chunk.is_empty() {
        out.emit(AgentEvent::FileDelta {
            path: path.to_owned(),
            delta: chunk,
        });
    }
    out.emit(AgentEvent::FileFinished {
        path: path.to_owned(),
    });
}

/// One sentence of narration. Sentences of a step stream into one message, so each ends with
/// a space to keep the next apart.
fn say(out: &mut dyn AgentOutput, text: impl Into<String>) {
    let mut text = text.into();
    if !text.ends_with(char::is_whitespace) {
        text.push(' ');
    }
    out.emit(AgentEvent::Say(text));
}

fn describe(spec: &AppSpec) -> String {
    let what = match spec.kind {
        k if k.has_fields() => format!(
            "a {} of {} with {}",
            spec.kind.label(),
            spec.entity.plural.to_lowercase(),
            spec.entity
                .fields
                .iter()
                .map(|f| f.label.to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AppKind::Archetype => spec
            .archetype
            .as_ref()
            .map(|a| a.describe())
            .unwrap_or_else(|| "an app".to_owned()),
        _ => format!("a {}", spec.kind.label()),
    };
    format!("I read this as {what}, called “{}”.", spec.title)
}

#[async_trait]
impl AppAgent for OfflineAgent {
    fn name(&self) -> String {
        "offline".to_owned()
    }

    async fn clarify(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        let spec = analysis::analyze(&ctx.description, &ctx.options);
        say(
            out,
            format!(
                "{} A few quick questions — the defaults are my best guess, so you can just accept them. (Offline generator: rule-based, no AI model.)",
                describe(&spec)
            ),
        );
        if spec
            .quiz
            .as_ref()
            .is_some_and(|q| q.topic == "general knowledge")
            && let Some(topic) = content::topic_hint(&ctx.description.to_lowercase())
        {
            say(
                out,
                format!(
                    " I have no questions about {topic} built in, so the quiz uses general-knowledge questions."
                ),
            );
        }
        let cannot = requirements::limitations(&ctx.description);
        if !cannot.is_empty() {
            say(
                out,
                format!(
                    " Offline I cannot build {}; the app covers the rest.",
                    cannot.join(", ")
                ),
            );
        }
        Ok(questions::questions(&spec, &ctx.description))
    }

    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        let req = requirements_of(&answered_spec(ctx));
        say(
            out,
            format!("{} It will: {}.", req.summary, req.features.join("; ")),
        );
        Ok(req)
    }

    async fn qa(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Scenario>, AgentError> {
        let scenarios = qa::scenarios(&spec_for(ctx));
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        say(
            out,
            format!(
                "I wrote {} acceptance check(s) from the requirements, to run in the browser on every version: {}.",
                scenarios.len(),
                names.join("; ")
            ),
        );
        Ok(scenarios)
    }

    async fn check_in_words(
        &self,
        ctx: &AgentContext,
        sentence: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<Scenario, AgentError> {
        let scenario = qa::words::from_sentence(&spec_for(ctx), sentence)
            .map_err(|e| AgentError::Unsupported(e.0))?;
        say(
            out,
            "I read your check with the offline reader: it adds a record through the app's own form and looks at the list.",
        );
        Ok(scenario)
    }

    async fn wireframe(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        let spec = spec_for(ctx);
        say(out, format!("Here is the layout of “{}”.", spec.title));
        Ok(wireframe::wireframe(&spec))
    }

    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        let spec = spec_for(ctx);
        say(
            out,
            format!(
                "Writing a Vite + React + TypeScript app for “{}” from tested parts.",
                spec.title
            ),
        );
        let files = compose::compose(&spec);
        for (path, content) in &files {
            emit_file(out, path, content);
        }
        say(out, format!("Wrote {} files.", files.len()));
        Ok(files)
    }

    async fn fix(
        &self,
        ctx: &AgentContext,
        failure: &Failure,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let spec = spec_for(ctx);
        let first_line = failure.error.lines().next().unwrap_or_default();
        say(
            out,
            format!(
                "The build or check failed ({first_line}). I have no model to reason about arbitrary errors, so I regenerate every file from the spec and restore any that differ."
            ),
        );
        let files = compose::compose(&spec);
        let mut changes = vec![];
        for (path, content) in &files {
            if PROTECTED_FILES.contains(&path.as_str()) || ctx.files.get(path) == Some(content) {
                continue;
            }
            emit_file(out, path, content);
            changes.push(FileChange::Write {
                path: path.clone(),
                content: content.clone(),
            });
        }
        let summary = if changes.is_empty() {
            "Every file already matches what the offline generator produces; it cannot fix this failure on its own.".to_owned()
        } else {
            format!("Restored {} file(s) from the spec.", changes.len())
        };
        say(out, summary.clone());
        Ok(ChangeSet {
            summary,
            changes,
            requirements: None,
            suite: Default::default(),
        })
    }

    async fn modify(
        &self,
        ctx: &AgentContext,
        request: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let spec = spec_for(ctx);
        let (next, done) =
            modify::apply_request(&spec, request).map_err(|e| AgentError::Unsupported(e.0))?;
        let files = compose::compose(&next);
        let changes = diff::changes_between(&ctx.files, &files);
        let summary = done.join(" ");
        let (retire, add) = qa::changes(&spec, &next);
        say(
            out,
            format!("{summary} ({} change(s) to the files.)", changes.len()),
        );
        for c in &changes {
            if let FileChange::Write { path, content } = c {
                emit_file(out, path, content);
            }
        }
        Ok(ChangeSet {
            summary,
            changes,
            requirements: Some(requirements_of(&next)),
            suite: SuiteChange { retire, add },
        })
    }
}
