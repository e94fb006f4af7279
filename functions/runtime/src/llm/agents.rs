//! The agents: [`AgentName`] (one variant per model step), and the registry of their prompts and
//! schemas, built in and overridable file by file from `APPGEN_AGENTS_DIR`.
//!
//! Why: agents were looked up by string, so a typo was a runtime "no agent named …". Here the
//! set is an enum, every lookup is total, and everything an override can get wrong (a file for
//! no agent, a front matter key, a placeholder the agent does not offer, a schema that does not
//! match the answer type) is refused at start with the file it came from.
//!
//! Template layout: optional front matter (`---` lines with `route: fast|strong` and
//! `max_tokens: N`, and `agui: <url>` for an external AG-UI agent serving the step), the system prompt, a line `<!-- user -->`, then the user message.

use super::client::Route;
use super::config::ConfigError;
use super::shape;
use super::template::{MissingValue, Placeholder, Template, Vars};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One model step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgentName {
    /// Questions to ask before planning.
    Clarify,
    /// The plan: title, features, entities, pages.
    Requirements,
    /// Acceptance scenarios from the requirements.
    Qa,
    /// A low-fidelity HTML sketch.
    Wireframe,
    /// The app's source files.
    Code,
    /// Edits that fix a failed build or browser check.
    Fix,
    /// Edits the user asked for.
    Modify,
    /// One whole file, when its edits could not be applied.
    Rewrite,
}

use AgentName::*;
use Placeholder as P;

/// What every step that sees the app offers its prompt.
const CONTEXT: &[Placeholder] = &[
    P::Description,
    P::Options,
    P::Answers,
    P::Requirements,
    P::Wireframe,
    P::Files,
];

impl AgentName {
    /// The agent that does `step`; `None` for the steps no agent does (build, review).
    pub fn of_step(step: appgen_core::step::StepName) -> Option<AgentName> {
        use appgen_core::step::StepName as S;
        match step {
            S::Clarify => Some(Clarify),
            S::Requirements => Some(Requirements),
            S::Qa => Some(Qa),
            S::Wireframe => Some(Wireframe),
            S::Code => Some(Code),
            S::Fix => Some(Fix),
            S::Modify => Some(Modify),
            S::Build | S::Review => None,
        }
    }

    pub const ALL: [AgentName; 8] = [
        Clarify,
        Requirements,
        Qa,
        Wireframe,
        Code,
        Fix,
        Modify,
        Rewrite,
    ];

    /// Its name in file names (`NAME.md`), logs and schema names.
    pub fn as_str(self) -> &'static str {
        match self {
            Clarify => "clarify",
            Requirements => "requirements",
            Qa => "qa",
            Wireframe => "wireframe",
            Code => "code",
            Fix => "fix",
            Modify => "modify",
            Rewrite => "rewrite",
        }
    }

    /// The strong model writes code; the fast one plans. Front matter may choose otherwise.
    pub fn default_route(self) -> Route {
        match self {
            Clarify | Requirements | Qa | Wireframe => Route::Fast,
            Code | Fix | Modify | Rewrite => Route::Strong,
        }
    }

    /// What its prompt may ask for; `prompts` provides exactly these (a test holds it to that).
    pub fn placeholders(self) -> &'static [Placeholder] {
        match self {
            Clarify | Requirements | Qa | Wireframe | Code => CONTEXT,
            Modify => &[
                P::Description,
                P::Options,
                P::Answers,
                P::Requirements,
                P::Wireframe,
                P::Files,
                P::Request,
            ],
            Fix => &[
                P::Description,
                P::Options,
                P::Answers,
                P::Requirements,
                P::Wireframe,
                P::Files,
                P::Error,
                P::Log,
                P::ConsoleErrors,
                P::Round,
            ],
            Rewrite => &[P::Path, P::FileContent, P::Intended, P::Instruction],
        }
    }

    /// The template and schema compiled into the binary.
    fn built_in(self) -> (&'static str, &'static str) {
        macro_rules! files {
            ($name:literal) => {
                (
                    include_str!(concat!("../../agents/", $name, ".md")),
                    include_str!(concat!("../../agents/", $name, ".schema.json")),
                )
            };
        }
        match self {
            Clarify => files!("clarify"),
            Requirements => files!("requirements"),
            Qa => files!("qa"),
            Wireframe => files!("wireframe"),
            Code => files!("code"),
            Fix => files!("fix"),
            Modify => files!("modify"),
            Rewrite => files!("rewrite"),
        }
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`AgentName::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no agent named {0:?} (agents: clarify, requirements, qa, wireframe, code, fix, modify, rewrite)"
)]
pub struct UnknownAgent(pub String);

impl FromStr for AgentName {
    type Err = UnknownAgent;

    fn from_str(s: &str) -> Result<AgentName, UnknownAgent> {
        AgentName::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAgent(s.to_owned()))
    }
}

/// One agent, parsed and checked.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    pub agent: AgentName,
    pub route: Route,
    pub max_tokens: Option<u32>,
    /// Front matter `agui: <url>`: an external AG-UI agent serves this step (`llm::remote`).
    pub agui: Option<String>,
    system: Template,
    user: Template,
    pub schema: Value,
}

impl AgentSpec {
    /// `template_from` and `schema_from` name the files in errors (a path, or "built-in …").
    pub fn parse(
        agent: AgentName,
        (template_from, template): (&str, &str),
        (schema_from, schema): (&str, &str),
    ) -> Result<AgentSpec, String> {
        let schema: Value =
            serde_json::from_str(schema).map_err(|e| format!("{schema_from} is not JSON: {e}"))?;
        let drift = shape::check(&schema, &agent.answer_shape()?);
        if !drift.is_empty() {
            return Err(format!(
                "{schema_from} does not describe the {agent} answer: {}",
                drift.join("; ")
            ));
        }
        let body = template.replace("\r\n", "\n");
        let (front, body) = FrontMatter::split(agent, template_from, &body)?;
        let Some((system, user)) = body.split_once("<!-- user -->") else {
            return Err(format!(
                "{template_from} has no `<!-- user -->` line between the system prompt and the user message"
            ));
        };
        let parse = |text: &str| {
            Template::parse(text.trim(), agent.placeholders())
                .map_err(|e| format!("{template_from}: {e}"))
        };
        Ok(AgentSpec {
            agent,
            route: front.route,
            max_tokens: front.max_tokens,
            agui: front.agui,
            system: parse(system)?,
            user: parse(user)?,
            schema,
        })
    }

    pub fn system(&self, vars: &Vars) -> Result<String, MissingValue> {
        self.system.render(vars)
    }

    pub fn user(&self, vars: &Vars) -> Result<String, MissingValue> {
        self.user.render(vars)
    }
}

/// The settings at the top of a template.
struct FrontMatter {
    route: Route,
    max_tokens: Option<u32>,
    agui: Option<String>,
}

impl FrontMatter {
    /// The front matter (defaults where absent) and the rest of the template.
    fn split<'t>(
        agent: AgentName,
        from: &str,
        text: &'t str,
    ) -> Result<(FrontMatter, &'t str), String> {
        let mut front = FrontMatter {
            route: agent.default_route(),
            max_tokens: None,
            agui: None,
        };
        let Some((head, body)) = text.strip_prefix("---\n").and_then(|rest| {
            rest.find("\n---\n")
                .map(|end| (&rest[..end], &rest[end + 5..]))
        }) else {
            return Ok((front, text));
        };
        for line in head.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            match (k.trim(), v.trim()) {
                ("route", "fast") => front.route = Route::Fast,
                ("route", "strong") => front.route = Route::Strong,
                ("agui", url) => front.agui = Some(url.to_owned()),
                ("max_tokens", n) => {
                    front.max_tokens =
                        Some(n.parse().map_err(|_| {
                            format!("{from}: max_tokens must be a number, got {n:?}")
                        })?)
                }
                (other, _) => return Err(format!("{from}: unknown front matter key {other:?}")),
            }
        }
        Ok((front, body))
    }
}

/// Every agent, ready to prompt.
#[derive(Debug, Clone)]
pub struct Agents {
    clarify: AgentSpec,
    requirements: AgentSpec,
    qa: AgentSpec,
    wireframe: AgentSpec,
    code: AgentSpec,
    fix: AgentSpec,
    modify: AgentSpec,
    rewrite: AgentSpec,
}

impl Agents {
    /// The built-in agents, each file overridden by its namesake in `dir`. A file in `dir` that
    /// belongs to no agent is an error, so a misspelt override is not silently ignored.
    pub fn load(dir: Option<&Path>) -> Result<Agents, ConfigError> {
        if let Some(dir) = dir {
            check_file_names(dir)?;
        }
        let load = |agent| load_one(agent, dir).map_err(ConfigError::Agents);
        Ok(Agents {
            clarify: load(Clarify)?,
            requirements: load(Requirements)?,
            qa: load(Qa)?,
            wireframe: load(Wireframe)?,
            code: load(Code)?,
            fix: load(Fix)?,
            modify: load(Modify)?,
            rewrite: load(Rewrite)?,
        })
    }

    pub fn get(&self, agent: AgentName) -> &AgentSpec {
        match agent {
            Clarify => &self.clarify,
            Requirements => &self.requirements,
            Qa => &self.qa,
            Wireframe => &self.wireframe,
            Code => &self.code,
            Fix => &self.fix,
            Modify => &self.modify,
            Rewrite => &self.rewrite,
        }
    }
}

fn load_one(agent: AgentName, dir: Option<&Path>) -> Result<AgentSpec, String> {
    let (template, schema) = agent.built_in();
    let read = |file: String, built_in: &str| -> Result<(String, String), String> {
        match dir.map(|d| d.join(&file)) {
            Some(p) if p.is_file() => std::fs::read_to_string(&p)
                .map(|text| (p.display().to_string(), text))
                .map_err(|e| format!("{}: {e}", p.display())),
            _ => Ok((format!("built-in {file}"), built_in.to_owned())),
        }
    };
    let t = read(format!("{agent}.md"), template)?;
    let s = read(format!("{agent}.schema.json"), schema)?;
    AgentSpec::parse(agent, (&t.0, &t.1), (&s.0, &s.1))
}

/// Every `NAME.md` (but README.md) and `NAME.schema.json` in `dir` names an agent.
fn check_file_names(dir: &Path) -> Result<(), ConfigError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ConfigError::Agents(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path: PathBuf = entry
            .map_err(|e| ConfigError::Agents(format!("{}: {e}", dir.display())))?
            .path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let stem = match file.strip_suffix(".schema.json") {
            Some(stem) => stem,
            None if file == "README.md" => continue,
            None => match file.strip_suffix(".md") {
                Some(stem) => stem,
                None => continue,
            },
        };
        stem.parse::<AgentName>()
            .map_err(|e| ConfigError::Agents(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_agents_parse_with_their_routes() {
        let all = Agents::load(None).expect("built-in agents");
        for agent in AgentName::ALL {
            assert_eq!(all.get(agent).agent, agent);
            assert_eq!(agent.as_str().parse::<AgentName>(), Ok(agent));
        }
        assert_eq!(all.get(Code).route, Route::Strong);
        assert_eq!(all.get(Clarify).route, Route::Fast);
        assert_eq!(all.get(Code).max_tokens, Some(16000));
    }

    #[test]
    fn an_unknown_name_says_which_names_exist() {
        let e = "clarifer".parse::<AgentName>().expect_err("typo");
        assert!(e.to_string().contains("\"clarifer\""), "{e}");
        assert!(e.to_string().contains("clarify, requirements"), "{e}");
    }

    #[test]
    fn front_matter_sets_route_and_refuses_unknown_keys() {
        let (template, schema) = Clarify.built_in();
        let t = template.replacen("route: fast", "route: strong", 1);
        let spec =
            AgentSpec::parse(Clarify, ("c.md", &t), ("c.schema.json", schema)).expect("parses");
        assert_eq!(spec.route, Route::Strong);
        let t = template.replacen("route: fast", "colour: blue", 1);
        let e = AgentSpec::parse(Clarify, ("c.md", &t), ("c.schema.json", schema))
            .expect_err("unknown key");
        assert!(
            e.contains("c.md: unknown front matter key \"colour\""),
            "{e}"
        );
    }
}
