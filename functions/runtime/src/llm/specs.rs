//! Agents as data: a Markdown prompt template and a JSON Schema per agent, built in and
//! overridable file by file from `APPGEN_AGENTS_DIR`.
//!
//! Template layout: optional front matter (`---` lines with `route: fast|strong` and
//! `max_tokens: N`), the system prompt, a line `<!-- user -->`, then the user message.
//! `{{name}}` placeholders are filled from the step's context.

use super::client::Route;
use super::config::ConfigError;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Every agent, with its built-in template and schema.
pub const AGENTS: &[(&str, &str, &str)] = &[
    (
        "clarify",
        include_str!("../../agents/clarify.md"),
        include_str!("../../agents/clarify.schema.json"),
    ),
    (
        "requirements",
        include_str!("../../agents/requirements.md"),
        include_str!("../../agents/requirements.schema.json"),
    ),
    (
        "wireframe",
        include_str!("../../agents/wireframe.md"),
        include_str!("../../agents/wireframe.schema.json"),
    ),
    (
        "code",
        include_str!("../../agents/code.md"),
        include_str!("../../agents/code.schema.json"),
    ),
    (
        "fix",
        include_str!("../../agents/fix.md"),
        include_str!("../../agents/fix.schema.json"),
    ),
    (
        "modify",
        include_str!("../../agents/modify.md"),
        include_str!("../../agents/modify.schema.json"),
    ),
    (
        "rewrite",
        include_str!("../../agents/rewrite.md"),
        include_str!("../../agents/rewrite.schema.json"),
    ),
];

/// One agent, parsed.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    pub name: String,
    pub route: Route,
    pub max_tokens: Option<u32>,
    system: String,
    user: String,
    pub schema: Value,
}

impl AgentSpec {
    pub fn parse(name: &str, template: &str, schema: &str) -> Result<AgentSpec, String> {
        let schema: Value = serde_json::from_str(schema)
            .map_err(|e| format!("{name}.schema.json is not JSON: {e}"))?;
        if !schema.is_object() {
            return Err(format!("{name}.schema.json is not a JSON Schema object"));
        }
        let mut route = if matches!(name, "code" | "fix" | "modify" | "rewrite") {
            Route::Strong
        } else {
            Route::Fast
        };
        let mut max_tokens = None;
        let mut body = template.replace("\r\n", "\n");
        if let Some(rest) = body.strip_prefix("---\n")
            && let Some(end) = rest.find("\n---\n")
        {
            for line in rest[..end].lines() {
                let Some((k, v)) = line.split_once(':') else {
                    continue;
                };
                match (k.trim(), v.trim()) {
                    ("route", "fast") => route = Route::Fast,
                    ("route", "strong") => route = Route::Strong,
                    ("max_tokens", n) => {
                        max_tokens = Some(n.parse().map_err(|_| {
                            format!("{name}.md: max_tokens must be a number, got {n:?}")
                        })?)
                    }
                    (other, _) => {
                        return Err(format!("{name}.md: unknown front matter key {other:?}"));
                    }
                }
            }
            body = rest[end + 5..].to_owned();
        }
        let Some((system, user)) = body.split_once("<!-- user -->") else {
            return Err(format!(
                "{name}.md has no `<!-- user -->` line between the system prompt and the user message"
            ));
        };
        Ok(AgentSpec {
            name: name.to_owned(),
            route,
            max_tokens,
            system: system.trim().to_owned(),
            user: user.trim().to_owned(),
            schema,
        })
    }

    pub fn system(&self, vars: &HashMap<&str, String>) -> String {
        render(&self.system, vars)
    }

    pub fn user(&self, vars: &HashMap<&str, String>) -> String {
        render(&self.user, vars)
    }
}

/// Fills `{{name}}`; unknown names become empty so a stale template never leaks braces.
pub fn render(template: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let key = after[..end].trim();
                if let Some(v) = vars.get(key) {
                    out.push_str(v);
                } else {
                    tracing::debug!(key, "template placeholder without a value");
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// All agents, built-ins overridden by files in `dir`.
pub fn load(dir: Option<&Path>) -> Result<HashMap<String, AgentSpec>, ConfigError> {
    let mut out = HashMap::new();
    for (name, template, schema) in AGENTS {
        let read = |file: String, default: &str| -> Result<String, ConfigError> {
            match dir.map(|d| d.join(&file)) {
                Some(p) if p.is_file() => std::fs::read_to_string(&p)
                    .map_err(|e| ConfigError::Agents(format!("{}: {e}", p.display()))),
                _ => Ok(default.to_owned()),
            }
        };
        let t = read(format!("{name}.md"), template)?;
        let s = read(format!("{name}.schema.json"), schema)?;
        let spec = AgentSpec::parse(name, &t, &s).map_err(ConfigError::Agents)?;
        out.insert((*name).to_owned(), spec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_agents_parse() {
        let all = load(None).expect("built-in agents");
        assert_eq!(all.len(), AGENTS.len());
        assert_eq!(all["code"].route, Route::Strong);
        assert_eq!(all["clarify"].route, Route::Fast);
        let vars = HashMap::from([("description", "a todo app".to_owned())]);
        assert!(all["clarify"].user(&vars).contains("a todo app"));
        assert!(
            all["clarify"]
                .system(&vars)
                .contains("appgen agent: clarify")
        );
    }
}
