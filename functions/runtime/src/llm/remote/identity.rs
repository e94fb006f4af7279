//! Who an external agent says it is. AG-UI 1.0 agents describe themselves with
//! `AgentCapabilities` (`identity.name`, and `identity.type`: the framework, e.g. "langgraph");
//! an HTTP agent offers them at `GET <url>/capabilities` (the convention `ag-ui-adk` serves and
//! the LangGraph example follows). What it declares names the step in events and the UI; what
//! it leaves out comes from the settings (`APPGEN_AGENT_<STEP>_NAME` / `_FRAMEWORK`).

use super::settings::RemoteAgent;
use appgen_core::view::ExternalAgent;
use serde::Deserialize;
use std::time::Duration;

/// How long the question may take: it is asked before the step's first try.
const ASK_TIMEOUT: Duration = Duration::from_secs(3);
/// A declared name or framework longer than this is not shown (it is a label, not a text).
const MAX_LABEL: usize = 80;

/// The part of `AgentCapabilities` appgen reads.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct Declared {
    #[serde(default)]
    identity: Option<Identity>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
struct Identity {
    name: Option<String>,
    #[serde(rename = "type")]
    framework: Option<String>,
}

impl Declared {
    /// From a `/capabilities` answer's body; a body that is not capabilities declares nothing.
    pub fn parse(body: &str) -> Declared {
        serde_json::from_str(body).unwrap_or_default()
    }

    /// `setting` with what the agent declares in place of the settings' name and framework.
    pub fn over(&self, setting: ExternalAgent) -> ExternalAgent {
        let identity = self.identity.clone().unwrap_or_default();
        let label = |s: Option<String>| {
            s.map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty() && s.chars().count() <= MAX_LABEL)
        };
        ExternalAgent {
            name: label(identity.name).unwrap_or(setting.name),
            framework: label(identity.framework)
                .map(|f| display(&f))
                .or(setting.framework),
        }
    }
}

/// A framework id as users know it ("langgraph" → "LangGraph"); an unknown one as it is.
fn display(framework: &str) -> String {
    let known = [
        ("langgraph", "LangGraph"),
        ("crewai", "CrewAI"),
        ("pydantic-ai", "Pydantic AI"),
        ("pydantic_ai", "Pydantic AI"),
        ("ag2", "AG2"),
        ("autogen", "AutoGen"),
        ("mastra", "Mastra"),
        ("llamaindex", "LlamaIndex"),
        ("adk", "ADK"),
        ("agno", "Agno"),
    ];
    let id = framework.to_ascii_lowercase();
    known
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_else(|| framework.to_owned())
}

/// `<url>/capabilities`: beside the agent's own path (`/` → `/capabilities`).
pub fn capabilities_url(agent: &RemoteAgent) -> url::Url {
    let mut url = agent.url.clone();
    let path = format!("{}/capabilities", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url
}

/// Asks the agent who it is. `Err` when it could not be asked (not listening yet: ask again
/// later); any answer, a 404 included, is final: what it declares, maybe nothing.
pub async fn ask(http: &reqwest::Client, agent: &RemoteAgent) -> Result<Declared, reqwest::Error> {
    let mut req = http
        .get(capabilities_url(agent))
        .header("accept", "application/json")
        .timeout(ASK_TIMEOUT);
    if let Some(token) = &agent.token {
        req = req.bearer_auth(token.expose());
    }
    let resp = req.send().await?;
    if !resp.status().is_success() {
        return Ok(Declared::default());
    }
    Ok(Declared::parse(&resp.text().await.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting() -> ExternalAgent {
        ExternalAgent {
            name: "planner-host".into(),
            framework: Some("Set by hand".into()),
        }
    }

    #[test]
    fn what_the_agent_declares_names_it_and_the_settings_fill_the_rest() {
        let both = Declared::parse(
            r#"{"identity":{"name":"team-planner","type":"langgraph"},"transport":{"streaming":true}}"#,
        );
        assert_eq!(both.over(setting()).label(), "LangGraph (team-planner)");
        let framework_only = Declared::parse(r#"{"identity":{"type":"crewai"}}"#);
        assert_eq!(
            framework_only.over(setting()).label(),
            "CrewAI (planner-host)"
        );
        let unknown = Declared::parse(r#"{"identity":{"name":"x","type":"My Stack"}}"#);
        assert_eq!(unknown.over(setting()).label(), "My Stack (x)");
    }

    #[test]
    fn nothing_or_nonsense_declared_leaves_the_settings() {
        for body in [
            "",
            "not json",
            "[]",
            "{}",
            r#"{"identity":null}"#,
            r#"{"identity":{"name":"  ","type":""}}"#,
            &format!(r#"{{"identity":{{"name":"{}"}}}}"#, "n".repeat(81)),
        ] {
            assert_eq!(Declared::parse(body).over(setting()), setting(), "{body}");
        }
    }

    #[test]
    fn the_capabilities_sit_beside_the_agents_path() {
        let at = |u: &str| {
            let agent = RemoteAgent {
                url: url::Url::parse(u).expect("url"),
                name: "a".into(),
                framework: None,
                token: None,
            };
            capabilities_url(&agent).to_string()
        };
        assert_eq!(at("http://h:1/"), "http://h:1/capabilities");
        assert_eq!(at("http://h:1/agent/"), "http://h:1/agent/capabilities");
        assert_eq!(at("http://h:1/agent?x=1"), "http://h:1/agent/capabilities");
    }
}
