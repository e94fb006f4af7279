//! AI calls of generated apps (docs/appdata.md, "AI") on the same provider chain as appgen's
//! own agents: the same providers, fallback, retries and timeouts (`client::Chain`), so an
//! app's call fails, waits and falls back exactly as a step's does.

use super::client::{Chain, ChatRequest, Completion, DeltaSink, Msg, Route};
use super::config::{ConfigError, LlmConfig};
use appgen_core::appdata::ai::{AiMessage, AiRole};
use appgen_core::ports::AgentError;

/// The label app calls carry in logs, beside the agents' names.
const LABEL: &str = "app-ai";

/// The provider chain generated apps call.
pub struct AppAi {
    chain: Chain,
}

/// App calls answer in one piece: nothing is streamed to anyone.
struct Quiet;

impl DeltaSink for Quiet {
    fn checkpoint(&mut self) {}
    fn delta(&mut self, _: &str) {}
    fn rollback(&mut self) {}
    fn notice(&mut self, _: &str) {}
}

impl AppAi {
    /// `Ok(None)` when `APPGEN_LLM` is `offline` or unset: then there is no model to call.
    pub fn from_env() -> Result<Option<AppAi>, ConfigError> {
        match LlmConfig::from_env()? {
            LlmConfig::Offline => Ok(None),
            LlmConfig::Models(cfg) => Chain::new(cfg, None)
                .map(|chain| Some(AppAi { chain }))
                .map_err(ConfigError::Credential),
        }
    }

    /// One answer to `messages` under the app's fixed `system` prompt, on the fast route.
    pub async fn complete(
        &self,
        system: &str,
        messages: &[AiMessage],
        max_tokens: u32,
    ) -> Result<Completion, AgentError> {
        let mut all = vec![Msg::System(system.to_owned())];
        all.extend(messages.iter().map(|m| match m.role {
            AiRole::User => Msg::User(m.content.clone()),
            AiRole::Assistant => Msg::Assistant(m.content.clone()),
        }));
        let req = ChatRequest {
            route: Route::Fast,
            messages: all,
            schema: None,
            max_tokens: Some(max_tokens),
        };
        self.chain.complete(LABEL, &req, &mut Quiet).await
    }
}
