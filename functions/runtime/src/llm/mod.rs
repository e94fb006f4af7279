//! Language-model agents: [`ModelAgent`] implements `AppAgent` on OpenAI-compatible chat
//! completions (Azure OpenAI, OpenAI, Groq, Cerebras, SambaNova, Ollama, vLLM, llama.cpp, any
//! compatible server), with per-agent routing, a fallback chain, retries, timeouts, streaming,
//! structured output with tolerant parsing and one repair, continuation of truncated output, and
//! search/replace edits with a repair round and a full-file fallback.
//!
//! The runner builds it with [`ModelAgent::from_env`] (`None` means `APPGEN_LLM=offline`).
//!
//! Map: [`agents`] (the [`AgentName`] enum and the registry of prompts and schemas),
//! [`template`] (placeholders), [`answers`] (one type per answer shape) held to the schema
//! files by [`shape`], [`prompts`] (a step's values), `model_agent` (the port), `conversation`
//! (continue, parse, repair), `edits` (modify/fix rounds), `stream` (live narration and files),
//! [`client`] (providers, retries, fallback), [`config`] (settings), [`parse`] (JSON from text),
//! [`remote`] (steps served by external AG-UI agents), [`app_ai`] (generated apps' AI calls).

pub mod agents;
pub mod answers;
pub mod app_ai;
pub mod client;
pub mod config;
mod conversation;
mod edits;
mod model_agent;
pub mod parse;
pub mod prompts;
pub mod remote;
pub mod shape;
mod stream;
pub mod template;

pub use agents::AgentName;
pub use client::Route;
pub use config::{ConfigError, LlmConfig, ModelConfig, ProviderConfig, ProviderKind, SETTINGS};
pub use model_agent::ModelAgent;
