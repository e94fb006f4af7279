//! Which steps external AG-UI agents serve: `APPGEN_AGENT_<STEP>_URL` (or front matter
//! `agui: <url>` in the step's agent file), with an optional bearer token and display name,
//! the tries before giving up on them and whether the built-in agent takes over then.

use super::super::agents::{AgentName, Agents};
use super::super::config::ConfigError;
use appgen_core::retry::RetryPolicy;
use appgen_core::view::ExternalAgent;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The steps an external agent may serve (rewrite is a part of fix/modify, not a step).
pub const STEPS: [AgentName; 7] = [
    AgentName::Clarify,
    AgentName::Requirements,
    AgentName::Qa,
    AgentName::Wireframe,
    AgentName::Code,
    AgentName::Fix,
    AgentName::Modify,
];

/// A bearer token: a secret, so it never appears in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// One external agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteAgent {
    pub url: url::Url,
    /// Who serves the step, as the user reads it (`APPGEN_AGENT_<STEP>_NAME`, else the host).
    pub name: String,
    /// The framework it runs on, as the user reads it (`APPGEN_AGENT_<STEP>_FRAMEWORK`).
    pub framework: Option<String>,
    pub token: Option<Token>,
}

impl RemoteAgent {
    /// Who serves the step, as events and the UI name it.
    pub fn external(&self) -> ExternalAgent {
        ExternalAgent {
            name: self.name.clone(),
            framework: self.framework.clone(),
        }
    }

    /// The agent as a run remembers it unreachable (`ActiveRun::unreachable`): its URL without
    /// user info, query or fragment, which may carry secrets and are not stored.
    pub fn address(&self) -> String {
        let mut url = self.url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_query(None);
        url.set_fragment(None);
        url.to_string()
    }
}

/// Every step's external agent, and what happens when one fails.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSettings {
    pub agents: BTreeMap<AgentName, RemoteAgent>,
    /// Tries per step and the backoff between them (`core::retry::backoff`).
    pub policy: RetryPolicy,
    /// After the last try: the built-in agent does the step (true) or the run ends (false).
    pub fallback: bool,
    /// How long a try waits for the agent to accept the connection before it counts as
    /// unreachable (`APPGEN_AGENT_CONNECT_TIMEOUT_MS`, default 10 s).
    pub connect_timeout: Duration,
}

impl RemoteSettings {
    /// From the process environment; `agents` carries the front matter `agui:` URLs.
    pub fn from_env(agents: &Agents) -> Result<RemoteSettings, ConfigError> {
        RemoteSettings::from_lookup(|k| std::env::var(k).ok(), agents)
    }

    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        agents: &Agents,
    ) -> Result<RemoteSettings, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mut out = BTreeMap::new();
        for step in STEPS {
            let key = |what: &str| format!("APPGEN_AGENT_{}_{what}", step.as_str().to_uppercase());
            let Some(raw) = get(&key("URL")).or_else(|| agents.get(step).agui.clone()) else {
                continue;
            };
            let url = parse_url(&key("URL"), &raw)?;
            let name =
                get(&key("NAME")).unwrap_or_else(|| url.host_str().unwrap_or("agent").into());
            let token = get(&key("TOKEN")).map(Token);
            let framework = get(&key("FRAMEWORK"));
            let agent = RemoteAgent {
                url,
                name,
                framework,
                token,
            };
            out.insert(step, agent);
        }
        let tries =
            match get("APPGEN_AGENT_TRIES") {
                None => 2,
                Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    invalid("APPGEN_AGENT_TRIES", &v, "a whole number of at least 1")
                })?,
            };
        let fallback = match get("APPGEN_AGENT_FALLBACK").as_deref() {
            None | Some("builtin") => true,
            Some("none") => false,
            Some(v) => return Err(invalid("APPGEN_AGENT_FALLBACK", v, "builtin or none")),
        };
        let connect_timeout = match get("APPGEN_AGENT_CONNECT_TIMEOUT_MS") {
            None => Duration::from_secs(10),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms >= 1)
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    invalid(
                        "APPGEN_AGENT_CONNECT_TIMEOUT_MS",
                        &v,
                        "milliseconds, at least 1",
                    )
                })?,
        };
        let policy = RetryPolicy {
            max_tries: tries,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        };
        Ok(RemoteSettings {
            agents: out,
            policy,
            fallback,
            connect_timeout,
        })
    }
}

fn parse_url(setting: &str, raw: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| invalid(setting, raw, &format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(setting, raw, "an http or https URL"));
    }
    Ok(url)
}

fn invalid(setting: &str, value: &str, why: &str) -> ConfigError {
    ConfigError::Invalid {
        setting: setting.into(),
        value: value.into(),
        why: why.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(env: &[(&str, &str)]) -> Result<RemoteSettings, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let agents = Agents::load(None).expect("built-in agents");
        RemoteSettings::from_lookup(|k| env.get(k).cloned(), &agents)
    }

    #[test]
    fn a_step_url_names_its_agent_and_keeps_the_token_secret() {
        let s = settings(&[
            ("APPGEN_AGENT_REQUIREMENTS_URL", "http://127.0.0.1:9/agent"),
            ("APPGEN_AGENT_REQUIREMENTS_TOKEN", "s3cret"),
            ("APPGEN_AGENT_CODE_URL", "https://coder.example/run"),
            ("APPGEN_AGENT_CODE_NAME", "team-coder"),
            ("APPGEN_AGENT_CODE_FRAMEWORK", "CrewAI"),
        ])
        .expect("valid");
        let req = &s.agents[&AgentName::Requirements];
        assert_eq!(req.name, "127.0.0.1");
        assert_eq!(req.token.as_ref().map(Token::expose), Some("s3cret"));
        assert!(!format!("{s:?}").contains("s3cret"));
        assert_eq!(s.agents[&AgentName::Code].name, "team-coder");
        assert_eq!(
            s.agents[&AgentName::Code].framework.as_deref(),
            Some("CrewAI")
        );
        assert!(!s.agents.contains_key(&AgentName::Clarify));
        let mut secret = s.agents[&AgentName::Code].clone();
        secret.url = url::Url::parse("https://u:pw@coder.example/run?key=k#f").expect("url");
        assert_eq!(secret.address(), "https://coder.example/run");
        assert_eq!((s.policy.max_tries, s.fallback), (2, true));
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
    }

    #[test]
    fn bad_settings_are_refused_naming_them() {
        let e = settings(&[("APPGEN_AGENT_QA_URL", "ftp://x")]).expect_err("ftp");
        assert!(e.to_string().contains("APPGEN_AGENT_QA_URL"), "{e}");
        let e = settings(&[("APPGEN_AGENT_TRIES", "0")]).expect_err("zero");
        assert!(e.to_string().contains("APPGEN_AGENT_TRIES"), "{e}");
        let e = settings(&[("APPGEN_AGENT_CONNECT_TIMEOUT_MS", "0")]).expect_err("zero");
        assert!(e.to_string().contains("CONNECT_TIMEOUT_MS"), "{e}");
        let e = settings(&[("APPGEN_AGENT_FALLBACK", "maybe")]).expect_err("maybe");
        assert!(e.to_string().contains("builtin or none"), "{e}");
    }

    #[test]
    fn front_matter_agui_serves_the_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let template = include_str!("../../../agents/wireframe.md");
        let with_agui = template.replacen("---\n", "---\nagui: http://localhost:8123/\n", 1);
        std::fs::write(dir.path().join("wireframe.md"), with_agui).expect("write");
        let agents = Agents::load(Some(dir.path())).expect("loads");
        let s = RemoteSettings::from_lookup(|_| None, &agents).expect("valid");
        assert_eq!(
            s.agents[&AgentName::Wireframe].url.as_str(),
            "http://localhost:8123/"
        );
    }
}
