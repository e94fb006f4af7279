//! [`ModelAgent`]: the `AppAgent` port on language models. Each step picks its agent, fills its
//! prompt, asks for its typed answer and turns it into what the pipeline stores.
//!
//! Why apart: this is the adapter's face to core; the mechanics (conversation, edits,
//! streaming, providers) live in sibling modules so each step here reads on one screen.

use super::agents::{AgentName, Agents};
use super::answers::{
    Answer, ClarifyAnswer, CodeAnswer, QaAnswer, QaCheckAnswer, RequirementsAnswer, WireframeAnswer,
};
use super::client::Chain;
use super::config::{ConfigError, LlmConfig, ModelConfig};
use super::prompts;
use super::stream::FileMode;
use super::template::Vars;
use appgen_core::app::{ChangeSet, FileMap, Question, Requirements};
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use appgen_core::scenario::Scenario;
use async_trait::async_trait;

/// The rule-based generator's counterpart: every agent step done by a language model.
pub struct ModelAgent {
    pub(super) chain: Chain,
    pub(super) agents: Agents,
}

impl std::fmt::Debug for ModelAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelAgent")
            .field("route", &self.name())
            .finish_non_exhaustive()
    }
}

impl ModelAgent {
    /// `Ok(None)` when `APPGEN_LLM` is `offline` or unset; an error names what is missing.
    pub fn from_env() -> Result<Option<ModelAgent>, ConfigError> {
        match LlmConfig::from_env()? {
            LlmConfig::Offline => Ok(None),
            LlmConfig::Models(cfg) => ModelAgent::new(cfg).map(Some),
        }
    }

    pub fn new(cfg: ModelConfig) -> Result<ModelAgent, ConfigError> {
        ModelAgent::with_credential(cfg, None)
    }

    /// Like [`ModelAgent::new`], with this Entra ID credential for every Azure OpenAI provider
    /// configured without a key.
    pub fn with_credential(
        cfg: ModelConfig,
        credential: Option<std::sync::Arc<dyn azure_core::credentials::TokenCredential>>,
    ) -> Result<ModelAgent, ConfigError> {
        let agents = Agents::load(cfg.agents_dir.as_deref())?;
        let chain = Chain::new(cfg, credential).map_err(ConfigError::Credential)?;
        Ok(ModelAgent { chain, agents })
    }

    /// Opens `agent`'s conversation with `vars` and asks it for `A`.
    async fn step<A: Answer>(
        &self,
        agent: AgentName,
        vars: &Vars,
        out: &mut dyn AgentOutput,
        mode: &FileMode,
    ) -> Result<A::Accepted, AgentError> {
        let messages = prompts::opening(self.agents.get(agent), vars)?;
        let (accepted, _) = self.ask::<A>(agent, messages, out, mode).await?;
        Ok(accepted)
    }
}

#[async_trait]
impl AppAgent for ModelAgent {
    /// The provider chain with its models, e.g. `groq (llama-fast, llama-strong) → ollama (q)`.
    fn name(&self) -> String {
        self.chain
            .providers
            .iter()
            .map(|p| {
                if p.cfg.fast_model == p.cfg.strong_model {
                    format!("{} ({})", p.cfg.name, p.cfg.strong_model)
                } else {
                    format!(
                        "{} ({}, {})",
                        p.cfg.name, p.cfg.fast_model, p.cfg.strong_model
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(" → ")
    }

    async fn clarify(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Question>, AgentError> {
        let vars = prompts::context(ctx);
        self.step::<ClarifyAnswer>(AgentName::Clarify, &vars, out, &FileMode::None)
            .await
    }

    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        let vars = prompts::context(ctx);
        self.step::<RequirementsAnswer>(AgentName::Requirements, &vars, out, &FileMode::None)
            .await
    }

    async fn qa(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Vec<Scenario>, AgentError> {
        let vars = prompts::context(ctx);
        self.step::<QaAnswer>(AgentName::Qa, &vars, out, &FileMode::None)
            .await
    }

    /// The qa agent, with the requirements as for the suite, asked for one scenario of the
    /// sentence; it says why when it cannot read it (then nothing is added).
    async fn check_in_words(
        &self,
        ctx: &AgentContext,
        sentence: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<Scenario, AgentError> {
        let vars = prompts::context(ctx);
        let mut messages = prompts::opening(self.agents.get(AgentName::Qa), &vars)?;
        if let Some(super::client::Msg::User(text)) = messages.last_mut() {
            text.push_str(&prompts::check_in_words(sentence));
        }
        let (read, _) =
            (self.ask::<QaCheckAnswer>(AgentName::Qa, messages, out, &FileMode::None)).await?;
        read.map_err(AgentError::Unsupported)
    }

    async fn wireframe(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        let vars = prompts::context(ctx);
        self.step::<WireframeAnswer>(AgentName::Wireframe, &vars, out, &FileMode::None)
            .await
    }

    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        let vars = prompts::context(ctx);
        let files = self
            .step::<CodeAnswer>(AgentName::Code, &vars, out, &FileMode::Array("files"))
            .await?;
        let (map, kept) = merge_code(ctx, files)?;
        for path in kept {
            out.emit(AgentEvent::Say(format!("\nKept the template's {path}.\n")));
        }
        Ok(map)
    }

    async fn fix(
        &self,
        ctx: &AgentContext,
        failure: &Failure,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let vars = prompts::fix(ctx, failure);
        let instruction = format!("fix this error: {}", failure.error);
        self.edit_round(AgentName::Fix, ctx, vars, &instruction, out)
            .await
    }

    async fn modify(
        &self,
        ctx: &AgentContext,
        request: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let vars = prompts::modify(ctx, request);
        self.edit_round(AgentName::Modify, ctx, vars, request, out)
            .await
    }
}

/// The clients of appgen's data service and AI calls (docs/appdata.md), the same files the
/// offline generator's apps use. Every written app gets them as provided, whatever the agent
/// wrote there, because the code prompt documents them.
const CLIENT_FILES: [(&str, &str); 2] = [
    (
        "src/lib/backend.ts",
        include_str!("../../../generator/assets/lib/backend.ts"),
    ),
    (
        "src/lib/ai.ts",
        include_str!("../../../generator/assets/lib/ai.ts"),
    ),
];

/// The code step's files over the current ones, with the provided clients, validated as an
/// app; the protected files it proposed are dropped (the template owns the build) and returned
/// so the user is told.
pub(super) fn merge_code(
    ctx: &AgentContext,
    files: Vec<(String, String)>,
) -> Result<(FileMap, Vec<String>), AgentError> {
    let mut map = ctx.files.clone();
    let mut kept = Vec::new();
    for (path, content) in files {
        if appgen_core::edits::PROTECTED_FILES.contains(&path.as_str()) {
            kept.push(path);
            continue;
        }
        map.insert(path, content);
    }
    for (path, content) in CLIENT_FILES {
        map.insert(path.to_owned(), content.to_owned());
    }
    appgen_core::paths::validate_app(&map).map_err(|e| {
        AgentError::InvalidOutput(format!("the generated app is not acceptable: {e}"))
    })?;
    Ok((map, kept))
}
