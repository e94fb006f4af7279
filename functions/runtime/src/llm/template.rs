//! Prompt templates: `{{name}}` placeholders, resolved to [`Placeholder`]s when a template is
//! loaded, and the [`Vars`] a step fills them from.
//!
//! Why: a placeholder the code does not fill used to render as empty text, so a typo in an
//! override (`{{descripton}}`) silently sent the model a prompt with a hole. Parsing at load
//! turns every name into a typed placeholder the agent offers, or an error naming it; rendering
//! then cannot meet an unknown name, and a value the step did not provide is an error, not "".

use std::collections::BTreeMap;
use std::fmt;

/// A value a prompt can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Placeholder {
    /// The user's description of the app.
    Description,
    /// Build options, `k=v, …`.
    Options,
    /// Answers to the clarifying questions (JSON).
    Answers,
    /// The requirements so far (JSON).
    Requirements,
    /// The wireframe HTML.
    Wireframe,
    /// Every file of the app, fenced.
    Files,
    /// modify: what the user asked for.
    Request,
    /// fix: the failure, its log tail, the browser's console errors and the fix round.
    Error,
    Log,
    ConsoleErrors,
    Round,
    /// rewrite: the file, its current content, the edits meant for it and why.
    Path,
    FileContent,
    Intended,
    Instruction,
}

impl Placeholder {
    /// Its name between the braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Description => "description",
            Placeholder::Options => "options",
            Placeholder::Answers => "answers",
            Placeholder::Requirements => "requirements",
            Placeholder::Wireframe => "wireframe",
            Placeholder::Files => "files",
            Placeholder::Request => "request",
            Placeholder::Error => "error",
            Placeholder::Log => "log",
            Placeholder::ConsoleErrors => "console_errors",
            Placeholder::Round => "round",
            Placeholder::Path => "path",
            Placeholder::FileContent => "file_content",
            Placeholder::Intended => "intended",
            Placeholder::Instruction => "instruction",
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.name())
    }
}

/// A template names a placeholder its agent does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown placeholder {{{{{name}}}}}; this agent offers {}", list(.offered))]
pub struct UnknownPlaceholder {
    pub name: String,
    pub offered: Vec<Placeholder>,
}

fn list(offered: &[Placeholder]) -> String {
    let names: Vec<String> = offered.iter().map(Placeholder::to_string).collect();
    names.join(", ")
}

/// A value the template needs was not provided by the step (a bug in the step, not the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the prompt needs {0}, which this step does not provide")]
pub struct MissingValue(pub Placeholder);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(Placeholder),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Splits `text` at `{{name}}`; every name must be one of `offered`. A `{{` without a
    /// closing `}}` stays text.
    pub fn parse(text: &str, offered: &[Placeholder]) -> Result<Template, UnknownPlaceholder> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                break;
            };
            let name = after[..end].trim();
            let slot = offered
                .iter()
                .copied()
                .find(|p| p.name() == name)
                .ok_or_else(|| UnknownPlaceholder {
                    name: name.to_owned(),
                    offered: offered.to_vec(),
                })?;
            parts.push(Part::Text(rest[..start].to_owned()));
            parts.push(Part::Slot(slot));
            rest = &after[end + 2..];
        }
        parts.push(Part::Text(rest.to_owned()));
        parts.retain(|p| p != &Part::Text(String::new()));
        Ok(Template { parts })
    }

    pub fn render(&self, vars: &Vars) -> Result<String, MissingValue> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot(p) => out.push_str(vars.0.get(p).ok_or(MissingValue(*p))?),
            }
        }
        Ok(out)
    }
}

/// The values one step offers its prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<Placeholder, String>);

impl Vars {
    pub fn with(mut self, p: Placeholder, value: impl Into<String>) -> Vars {
        self.0.insert(p, value.into());
        self
    }

    pub fn provides(&self, p: Placeholder) -> bool {
        self.0.contains_key(&p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERED: &[Placeholder] = &[Placeholder::Description, Placeholder::Files];

    #[test]
    fn placeholders_are_filled_and_text_kept() {
        let t = Template::parse(
            "App: {{ description }}!\n{{files}} and {{ unclosed",
            OFFERED,
        )
        .expect("parses");
        let vars = Vars::default()
            .with(Placeholder::Description, "todo")
            .with(Placeholder::Files, "(none)");
        assert_eq!(
            t.render(&vars).expect("renders"),
            "App: todo!\n(none) and {{ unclosed"
        );
    }

    #[test]
    fn an_unknown_or_unoffered_name_is_refused_by_name() {
        let e = Template::parse("{{descripton}}", OFFERED).expect_err("typo");
        assert_eq!(e.name, "descripton");
        assert!(e.to_string().contains("{{description}}, {{files}}"), "{e}");
        let e = Template::parse("{{request}}", OFFERED).expect_err("not offered here");
        assert_eq!(e.name, "request");
    }

    #[test]
    fn a_value_the_step_did_not_provide_is_an_error_not_empty_text() {
        let t = Template::parse("{{files}}", OFFERED).expect("parses");
        let e = t.render(&Vars::default()).expect_err("missing");
        assert_eq!(e, MissingValue(Placeholder::Files));
    }
}
