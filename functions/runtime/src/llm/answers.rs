//! What each agent answers: one Rust type per answer shape, and the checks that turn an answer
//! into what the pipeline uses (questions, requirements, files, changes).
//!
//! Why: these types are the only copy of the shapes in code. Each agent's `NAME.schema.json` is
//! held to its type by [`super::shape`] (at load, and by the tests below), so the schema sent
//! to the provider and the struct that reads the reply cannot drift apart.
//!
//! Fields the code can live without are `#[serde(default)]`: providers without structured output
//! leave things out, and a missing `message` is no reason for a repair round.

use super::agents::AgentName;
use super::shape::{self, Shape};
use appgen_core::app::{FileChange, Question, QuestionKind, Requirements};
use appgen_core::paths::validate_path;
use appgen_core::scenario::{Scenario, parse_scenarios};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// An agent's answer: parsed from the model's JSON, then checked and converted by `accept`
/// (its error goes back to the model in the repair prompt).
pub trait Answer: DeserializeOwned {
    type Accepted;
    fn accept(self) -> Result<Self::Accepted, String>;
}

impl AgentName {
    /// The shape of this agent's answer type: what its schema file must describe.
    pub fn answer_shape(self) -> Result<Shape, String> {
        match self {
            AgentName::Clarify => shape::of::<ClarifyAnswer>(),
            AgentName::Requirements => shape::of::<RequirementsAnswer>(),
            AgentName::Qa => shape::of::<QaAnswer>(),
            AgentName::Wireframe => shape::of::<WireframeAnswer>(),
            AgentName::Code => shape::of::<CodeAnswer>(),
            AgentName::Fix | AgentName::Modify => shape::of::<ChangesAnswer>(),
            AgentName::Rewrite => shape::of::<RewriteAnswer>(),
        }
    }
}

/// clarify: questions, each with a default the pipeline can proceed on.
#[derive(Debug, Deserialize)]
pub struct ClarifyAnswer {
    #[serde(default)]
    pub message: String,
    pub questions: Vec<QuestionDraft>,
}

#[derive(Debug, Deserialize)]
pub struct QuestionDraft {
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<String>,
    /// A string, a boolean or a list of strings, depending on `kind`; coerced, not refused.
    #[serde(default)]
    pub default: Value,
    #[serde(default)]
    pub help: Option<String>,
}

impl Answer for ClarifyAnswer {
    type Accepted = Vec<Question>;

    fn accept(self) -> Result<Vec<Question>, String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for q in self.questions {
            if q.id.trim().is_empty() || q.prompt.trim().is_empty() {
                return Err("a question has an empty `id` or `prompt`".into());
            }
            if !seen.insert(q.id.clone()) {
                return Err(format!("question id {:?} is used twice", q.id));
            }
            if matches!(
                q.kind,
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice
            ) && q.options.is_empty()
            {
                return Err(format!("question {:?} is a choice without `options`", q.id));
            }
            let default = coerce_default(q.kind, q.default, &q.options);
            out.push(Question {
                id: q.id,
                prompt: q.prompt,
                kind: q.kind,
                options: q.options,
                default,
                help: q.help.filter(|h| !h.trim().is_empty()),
            });
        }
        Ok(out)
    }
}

/// A default of the wrong type is coerced rather than sent back for repair.
fn coerce_default(kind: QuestionKind, default: Value, options: &[String]) -> Value {
    match (kind, default) {
        (QuestionKind::YesNo, Value::Bool(b)) => json!(b),
        (QuestionKind::YesNo, Value::String(s)) => {
            json!(matches!(s.to_ascii_lowercase().as_str(), "true" | "yes"))
        }
        (QuestionKind::YesNo, _) => json!(false),
        (QuestionKind::MultipleChoice, Value::Array(a)) => {
            json!(a.into_iter().filter(Value::is_string).collect::<Vec<_>>())
        }
        (QuestionKind::MultipleChoice, Value::String(s)) => json!([s]),
        (QuestionKind::MultipleChoice, _) => json!([]),
        (QuestionKind::SingleChoice, Value::String(s)) => json!(s),
        (QuestionKind::SingleChoice, _) => json!(options.first().cloned().unwrap_or_default()),
        (QuestionKind::Text, Value::String(s)) => json!(s),
        (QuestionKind::Text, _) => json!(""),
    }
}

/// requirements: the plan.
#[derive(Debug, Deserialize)]
pub struct RequirementsAnswer {
    #[serde(default)]
    pub message: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub features: Vec<String>,
    /// Entities, pages and style. Passed on as it is: the code reads none of it, so its shape
    /// is the schema's alone.
    #[serde(default)]
    pub spec: Value,
}

impl Answer for RequirementsAnswer {
    type Accepted = Requirements;

    fn accept(self) -> Result<Requirements, String> {
        if self.title.trim().is_empty() {
            return Err("`title` is empty".into());
        }
        if self.features.is_empty() {
            return Err("`features` is empty".into());
        }
        Ok(Requirements {
            title: self.title,
            summary: self.summary,
            features: self.features,
            spec: self.spec,
        })
    }
}

/// qa: acceptance scenarios. Read as JSON and validated by core (`parse_scenarios`), whose
/// error, naming the scenario and step, goes back to the model.
#[derive(Debug, Deserialize)]
pub struct QaAnswer {
    #[serde(default)]
    pub message: String,
    pub scenarios: Value,
}

impl Answer for QaAnswer {
    type Accepted = Vec<Scenario>;

    fn accept(self) -> Result<Vec<Scenario>, String> {
        let scenarios = parse_scenarios(&self.scenarios.to_string()).map_err(|e| e.to_string())?;
        if scenarios.is_empty() {
            return Err("`scenarios` is empty: write at least one per requirement".into());
        }
        Ok(scenarios)
    }
}

/// qa, asked for one check a person wrote in words: the qa agent's answer with exactly one
/// scenario, or none and a `message` saying how to put the sentence (it could not read it).
#[derive(Debug, Deserialize)]
pub struct QaCheckAnswer {
    #[serde(default)]
    pub message: String,
    pub scenarios: Value,
}

impl Answer for QaCheckAnswer {
    /// The scenario, or why the sentence could not be read.
    type Accepted = Result<Scenario, String>;

    fn accept(self) -> Result<Result<Scenario, String>, String> {
        let mut scenarios =
            parse_scenarios(&self.scenarios.to_string()).map_err(|e| e.to_string())?;
        match (scenarios.len(), self.message.trim()) {
            (1, _) => Ok(Ok(scenarios.remove(0))),
            (0, why) if !why.is_empty() => Ok(Err(why.to_owned())),
            (0, _) => Err("`scenarios` is empty and `message` does not say why".into()),
            (n, _) => Err(format!("write exactly one scenario for the check, not {n}")),
        }
    }
}

/// wireframe: one HTML document.
#[derive(Debug, Deserialize)]
pub struct WireframeAnswer {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub html: String,
}

impl Answer for WireframeAnswer {
    type Accepted = String;

    fn accept(self) -> Result<String, String> {
        if !self.html.contains('<') {
            return Err("`html` is missing or is not an HTML document".into());
        }
        Ok(self.html)
    }
}

/// code: every source file, whole.
#[derive(Debug, Deserialize)]
pub struct CodeAnswer {
    #[serde(default)]
    pub message: String,
    pub files: Vec<FileDraft>,
}

#[derive(Debug, Deserialize)]
pub struct FileDraft {
    pub path: String,
    pub content: String,
}

impl Answer for CodeAnswer {
    /// `(path, content)` with checked paths, in the model's order.
    type Accepted = Vec<(String, String)>;

    fn accept(self) -> Result<Vec<(String, String)>, String> {
        if self.files.is_empty() {
            return Err("`files` is empty".into());
        }
        self.files
            .into_iter()
            .map(|f| {
                let path = validate_path(&f.path)
                    .map_err(|e| format!("file path {:?}: {e}", f.path))?
                    .to_owned();
                Ok((path, f.content))
            })
            .collect()
    }
}

/// fix and modify: edits to the current files.
#[derive(Debug, Deserialize)]
pub struct ChangesAnswer {
    #[serde(default)]
    pub message: String,
    pub changes: Vec<ChangeDraft>,
}

/// One change as the model writes it: every field present, unused ones empty (strict output
/// has no optional fields).
#[derive(Debug, Deserialize)]
pub struct ChangeDraft {
    pub kind: ChangeKind,
    pub path: String,
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub replace: String,
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Edit,
    Write,
    Delete,
}

impl Answer for ChangesAnswer {
    /// The summary for the user, and the changes in order.
    type Accepted = (String, Vec<FileChange>);

    fn accept(self) -> Result<(String, Vec<FileChange>), String> {
        let changes = self
            .changes
            .into_iter()
            .map(|c| match c.kind {
                ChangeKind::Edit if c.search.is_empty() => {
                    Err(format!("the edit of {} has an empty `search`", c.path))
                }
                ChangeKind::Edit => Ok(FileChange::Edit {
                    path: c.path,
                    search: c.search,
                    replace: c.replace,
                }),
                ChangeKind::Write => Ok(FileChange::Write {
                    path: c.path,
                    content: c.content,
                }),
                ChangeKind::Delete => Ok(FileChange::Delete { path: c.path }),
            })
            .collect::<Result<_, String>>()?;
        Ok((self.message, changes))
    }
}

/// rewrite: the whole new content of one file.
#[derive(Debug, Deserialize)]
pub struct RewriteAnswer {
    #[serde(default)]
    pub message: String,
    pub content: String,
}

impl Answer for RewriteAnswer {
    type Accepted = String;

    fn accept(self) -> Result<String, String> {
        if self.content.trim().is_empty() {
            return Err("`content` is empty".into());
        }
        Ok(self.content)
    }
}

/// Parses and accepts `v` as `A`.
pub fn accept<A: Answer>(v: Value) -> Result<A::Accepted, String> {
    let a: A = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
    a.accept()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each built-in schema file against its agent's answer type: a field added to, removed
    /// from or retyped in either one fails here.
    #[test]
    fn every_built_in_schema_describes_its_answer_type() {
        let files = [
            (
                AgentName::Clarify,
                include_str!("../../agents/clarify.schema.json"),
            ),
            (
                AgentName::Requirements,
                include_str!("../../agents/requirements.schema.json"),
            ),
            (AgentName::Qa, include_str!("../../agents/qa.schema.json")),
            (
                AgentName::Wireframe,
                include_str!("../../agents/wireframe.schema.json"),
            ),
            (
                AgentName::Code,
                include_str!("../../agents/code.schema.json"),
            ),
            (AgentName::Fix, include_str!("../../agents/fix.schema.json")),
            (
                AgentName::Modify,
                include_str!("../../agents/modify.schema.json"),
            ),
            (
                AgentName::Rewrite,
                include_str!("../../agents/rewrite.schema.json"),
            ),
        ];
        assert_eq!(files.len(), AgentName::ALL.len());
        for (agent, text) in files {
            let schema: Value = serde_json::from_str(text).expect("schema is JSON");
            let shape = agent.answer_shape().expect("answer type has a shape");
            assert_eq!(
                shape::check(&schema, &shape),
                Vec::<String>::new(),
                "{agent}"
            );
        }
    }

    #[test]
    fn the_changes_type_reads_its_kinds_as_an_enum() {
        let Ok(Shape::Object(fields)) = AgentName::Fix.answer_shape() else {
            panic!("an object");
        };
        let Some(Shape::Array(item)) = fields.get("changes") else {
            panic!("changes is a list");
        };
        let Shape::Object(change) = item.as_ref() else {
            panic!("of objects");
        };
        let kinds = ["delete", "edit", "write"].map(str::to_owned);
        assert_eq!(change.get("kind"), Some(&Shape::Enum(kinds.into())));
    }

    #[test]
    fn answers_are_checked_and_converted() {
        let e = accept::<ChangesAnswer>(json!({"changes": [{"kind": "edit", "path": "a"}]}));
        assert_eq!(e, Err("the edit of a has an empty `search`".into()));
        let e = accept::<ChangesAnswer>(json!({"changes": [{"kind": "move", "path": "a"}]}));
        assert!(e.is_err_and(|e| e.contains("unknown variant `move`")));
        let q = accept::<ClarifyAnswer>(json!({"questions": [
            {"id": "dark", "prompt": "Dark?", "kind": "yes_no", "default": "yes"}
        ]}))
        .expect("accepted");
        assert_eq!(q[0].default, json!(true));
        let bad = accept::<QaAnswer>(json!({"scenarios": [{"name": "adds", "requirement": "r",
            "steps": [{"do": "click", "role": "button", "name": "Add"}]}]}));
        assert!(bad.is_err_and(|e| e.contains("\"adds\"") && e.contains("cannot fail")));
        let good = accept::<QaAnswer>(json!({"scenarios": [{"name": "adds", "requirement": "r",
            "steps": [{"do": "press", "key": "Enter", "label": null},
                      {"do": "expect", "expect": {"kind": "count", "list": null, "count": 1}}]}]}))
        .expect("a scenario with nulls for absent options reads");
        assert_eq!(good.len(), 1);
        let one = json!([{"name": "n", "requirement": "r",
            "steps": [{"do": "expect", "expect": {"kind": "count", "list": null, "count": 1}}]}]);
        let read = accept::<QaCheckAnswer>(json!({"scenarios": one})).expect("one reads");
        assert!(read.is_ok_and(|s| s.name == "n"));
        let unread =
            accept::<QaCheckAnswer>(json!({"scenarios": [], "message": "say which field"}));
        assert_eq!(
            unread.expect("a reason is an answer"),
            Err("say which field".into())
        );
        let two = json!([one[0], {"name": "m", "requirement": "r", "steps": one[0]["steps"]}]);
        assert!(accept::<QaCheckAnswer>(json!({"scenarios": two})).is_err());
        assert!(accept::<QaCheckAnswer>(json!({"scenarios": []})).is_err());
        assert_eq!(
            accept::<WireframeAnswer>(json!({"message": "hi"})),
            Err("`html` is missing or is not an HTML document".into())
        );
    }
}
