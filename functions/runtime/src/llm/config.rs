//! Model settings from app settings (environment variables), validated at start.
//!
//! Every setting and its meaning is in [`SETTINGS`]; a missing one is named in the error.

use appgen_core::cost::PriceTable;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Every app setting this module reads, with a one-line description (for docs and `--help`).
pub const SETTINGS: &[(&str, &str)] = &[
    (
        "APPGEN_LLM",
        "Model provider: offline (default) | azure-openai | openai | compatible | groq | cerebras | sambanova | ollama | vllm | llamacpp",
    ),
    (
        "APPGEN_MODEL_FAST",
        "Model (Azure: deployment) for clarify, requirements and wireframe; defaults to APPGEN_MODEL_STRONG",
    ),
    (
        "APPGEN_MODEL_STRONG",
        "Model (Azure: deployment) for code, fix and modify; defaults to APPGEN_MODEL_FAST (one of the two is required)",
    ),
    (
        "APPGEN_LLM_FALLBACK",
        "Comma-separated providers tried in order when the primary fails (5xx, timeout, connection error, 429 after retries)",
    ),
    (
        "APPGEN_LLM_TIMEOUT_SECS",
        "Seconds to wait for a response to start and between two streamed chunks before giving up on a call (default 120)",
    ),
    (
        "APPGEN_LLM_MAX_RETRIES",
        "Retries per provider on 429/5xx/connection errors, with exponential backoff honouring Retry-After (default 3)",
    ),
    (
        "APPGEN_LLM_MAX_CONTINUATIONS",
        "How many times output cut by the token limit is continued before giving up (default 3)",
    ),
    (
        "APPGEN_LLM_MAX_OUTPUT_TOKENS",
        "Cap on output tokens per call, for models whose limit is below an agent's (code asks for 16000)",
    ),
    (
        "APPGEN_LLM_STRUCTURED",
        "true/false: send response_format json_schema to the primary provider (default per provider)",
    ),
    (
        "APPGEN_PRICES",
        "JSON {\"MODEL\": {\"input\": USD, \"output\": USD}} per million tokens (MODEL, provider/MODEL or provider/*), over the dated defaults; a model with no price costs \"unknown\"",
    ),
    (
        "APPGEN_AGENTS_DIR",
        "Directory with NAME.md / NAME.schema.json files overriding the built-in agent prompts and schemas",
    ),
    (
        "APPGEN_AGENT_<STEP>_URL",
        "An external AG-UI agent serves this step (STEP: CLARIFY, REQUIREMENTS, QA, WIREFRAME, CODE, FIX, MODIFY); also front matter `agui: <url>` in the step's agent file (docs/agents.md)",
    ),
    (
        "APPGEN_AGENT_<STEP>_TOKEN",
        "Bearer token sent to that agent (a secret: never logged)",
    ),
    (
        "APPGEN_AGENT_<STEP>_NAME",
        "That agent's name as the progress panel shows it (default: the URL's host)",
    ),
    (
        "APPGEN_AGENT_<STEP>_FRAMEWORK",
        "The framework it runs on, shown beside its name, e.g. LangGraph",
    ),
    (
        "APPGEN_AGENT_TRIES",
        "Tries per step before an external agent is given up (default 2; core::retry::backoff between them)",
    ),
    (
        "APPGEN_AGENT_CONNECT_TIMEOUT_MS",
        "How long a try waits for an external agent to accept the connection before it counts as unreachable (default 10000)",
    ),
    (
        "APPGEN_AGENT_FALLBACK",
        "builtin (default): the built-in agent does a step its external agent failed; none: the run ends with the agent's error",
    ),
    (
        "AZURE_OPENAI_ENDPOINT",
        "azure-openai: resource endpoint, e.g. https://NAME.openai.azure.com",
    ),
    (
        "AZURE_OPENAI_API_VERSION",
        "azure-openai: data-plane API version (default 2024-10-21)",
    ),
    (
        "AZURE_OPENAI_API_KEY",
        "azure-openai: API key; when absent an Entra ID token is used (managed identity in Azure, developer credentials locally)",
    ),
    (
        "AZURE_CLIENT_ID",
        "azure-openai with Entra ID: client id of a user-assigned managed identity (optional)",
    ),
    (
        "OPENAI_API_KEY",
        "openai: API key (required); compatible: key sent as Bearer (optional)",
    ),
    (
        "OPENAI_BASE_URL",
        "openai: base URL (default https://api.openai.com/v1); compatible: base URL of the server (required)",
    ),
    (
        "GROQ_API_KEY / CEREBRAS_API_KEY / SAMBANOVA_API_KEY",
        "API key of that preset (required for it)",
    ),
    (
        "VLLM_API_KEY / LLAMACPP_API_KEY / OLLAMA_API_KEY",
        "API key of a local server, if it was started with one (optional)",
    ),
    (
        "APPGEN_<P>_BASE_URL",
        "Base URL of preset P (e.g. APPGEN_OLLAMA_BASE_URL), overriding its default",
    ),
    (
        "APPGEN_<P>_MODEL_FAST / APPGEN_<P>_MODEL_STRONG",
        "Models of fallback provider P (e.g. APPGEN_GROQ_MODEL_STRONG); default to APPGEN_MODEL_*",
    ),
    (
        "APPGEN_<P>_STRUCTURED",
        "true/false: structured output for fallback provider P",
    ),
];

pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";
pub const AZURE_SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// How requests are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`.
    AzureOpenAi,
    /// `{base}/chat/completions` (OpenAI and every compatible server).
    OpenAiCompatible,
}

/// A value that must not reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How a provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthConfig {
    None,
    /// `Authorization: Bearer {key}`.
    Bearer(Secret),
    /// Azure `api-key: {key}`.
    AzureKey(Secret),
    /// Azure Entra ID token for [`AZURE_SCOPE`]: managed identity when running in Azure (or
    /// `AZURE_CLIENT_ID` is set), developer credentials (az / azd CLI) otherwise.
    Entra {
        managed_identity: bool,
        client_id: Option<String>,
    },
}

/// One provider of the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    /// Its name in settings and usage reports (`azure-openai`, `groq`, …).
    pub name: String,
    pub kind: ProviderKind,
    /// Azure endpoint, or the OpenAI-compatible base URL (ending in `/v1` or similar).
    pub base_url: String,
    /// Azure only.
    pub api_version: String,
    pub auth: AuthConfig,
    /// Model or deployment for clarify / requirements / wireframe.
    pub fast_model: String,
    /// Model or deployment for code / fix / modify.
    pub strong_model: String,
    /// Send `response_format: json_schema` (else tolerant parsing of free text).
    pub structured_output: bool,
    /// Send `max_completion_tokens` (OpenAI, Azure) rather than the older `max_tokens`.
    pub max_completion_tokens_field: bool,
}

/// Everything the model agent needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// The primary first, then the fallbacks in order.
    pub providers: Vec<ProviderConfig>,
    /// Time to the response headers, and the longest silence between streamed chunks.
    pub timeout: Duration,
    pub max_retries: u32,
    /// First backoff delay; doubles per retry (with jitter).
    pub retry_base: Duration,
    /// Longest single wait, also for Retry-After; a longer Retry-After moves on to the fallback.
    pub max_retry_wait: Duration,
    pub max_continuations: u32,
    /// Cap on each call's output tokens (else each agent's own `max_tokens`).
    pub max_output_tokens: Option<u32>,
    pub agents_dir: Option<PathBuf>,
    /// What each model's tokens cost (defaults + `APPGEN_PRICES`).
    pub prices: PriceTable,
}

impl ModelConfig {
    /// A config for one provider with the defaults (handy in tests and tools).
    pub fn single(provider: ProviderConfig) -> ModelConfig {
        ModelConfig {
            providers: vec![provider],
            timeout: Duration::from_secs(120),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(60),
            max_continuations: 3,
            max_output_tokens: None,
            agents_dir: None,
            prices: PriceTable::default(),
        }
    }
}

/// What `APPGEN_LLM` selected.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmConfig {
    /// The rule-based generator; no model.
    Offline,
    Models(ModelConfig),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{context} is missing {}", describe_missing(.missing))]
    Missing {
        /// `APPGEN_LLM=azure-openai` or `fallback provider groq (APPGEN_LLM_FALLBACK)`.
        context: String,
        /// Setting names with what they are for.
        missing: Vec<(String, String)>,
    },
    #[error("{setting}={value:?} is not valid: {why}")]
    Invalid {
        setting: String,
        value: String,
        why: String,
    },
    #[error("agent files: {0}")]
    Agents(String),
    #[error("Entra ID credential for azure-openai could not be created: {0}")]
    Credential(String),
}

fn describe_missing(m: &[(String, String)]) -> String {
    m.iter()
        .map(|(k, why)| format!("{k} ({why})"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Preset {
    name: &'static str,
    base_url: &'static str,
    key_env: &'static str,
    key_required: bool,
    structured: bool,
}

/// Known OpenAI-compatible servers. Structured output defaults follow what each documents for
/// `response_format: json_schema`; Groq and SambaNova support it only on some models.
const PRESETS: &[Preset] = &[
    Preset {
        name: "groq",
        base_url: "https://api.groq.com/openai/v1",
        key_env: "GROQ_API_KEY",
        key_required: true,
        structured: false,
    },
    Preset {
        name: "cerebras",
        base_url: "https://api.cerebras.ai/v1",
        key_env: "CEREBRAS_API_KEY",
        key_required: true,
        structured: true,
    },
    Preset {
        name: "sambanova",
        base_url: "https://api.sambanova.ai/v1",
        key_env: "SAMBANOVA_API_KEY",
        key_required: true,
        structured: false,
    },
    Preset {
        name: "ollama",
        base_url: "http://127.0.0.1:11434/v1",
        key_env: "OLLAMA_API_KEY",
        key_required: false,
        structured: true,
    },
    Preset {
        name: "vllm",
        base_url: "http://127.0.0.1:8000/v1",
        key_env: "VLLM_API_KEY",
        key_required: false,
        structured: true,
    },
    Preset {
        name: "llamacpp",
        base_url: "http://127.0.0.1:8080/v1",
        key_env: "LLAMACPP_API_KEY",
        key_required: false,
        structured: true,
    },
];

const KNOWN: &str =
    "offline, azure-openai, openai, compatible, groq, cerebras, sambanova, ollama, vllm, llamacpp";

impl LlmConfig {
    /// Reads the process environment (Functions app settings arrive as environment variables).
    pub fn from_env() -> Result<LlmConfig, ConfigError> {
        LlmConfig::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`; empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<LlmConfig, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let primary = get("APPGEN_LLM").unwrap_or_else(|| "offline".into());
        let primary = normalize(&primary);
        if primary == "offline" {
            return Ok(LlmConfig::Offline);
        }
        let mut providers = vec![provider(&get, &primary, true)?];
        if let Some(list) = get("APPGEN_LLM_FALLBACK") {
            for name in list.split(',').map(normalize).filter(|n| !n.is_empty()) {
                if name == "offline" {
                    return Err(ConfigError::Invalid {
                        setting: "APPGEN_LLM_FALLBACK".into(),
                        value: list.clone(),
                        why: "offline cannot be a fallback: it cannot continue a model's work"
                            .into(),
                    });
                }
                if providers.iter().any(|p| p.name == name) {
                    continue;
                }
                providers.push(provider(&get, &name, false)?);
            }
        }
        let timeout = secs(&get, "APPGEN_LLM_TIMEOUT_SECS", 120.0)?;
        let max_retries = count(&get, "APPGEN_LLM_MAX_RETRIES", 3)?;
        let max_continuations = count(&get, "APPGEN_LLM_MAX_CONTINUATIONS", 3)?;
        let max_output_tokens = setting(
            &get,
            "APPGEN_LLM_MAX_OUTPUT_TOKENS",
            "expected a whole number of at least 256",
            |v| v.parse::<u32>().ok().filter(|n| *n >= 256),
        )?;
        let agents_dir = agents_dir(&get)?;
        Ok(LlmConfig::Models(ModelConfig {
            providers,
            timeout,
            max_retries,
            retry_base: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(60),
            max_continuations,
            max_output_tokens,
            agents_dir,
            prices: prices(&get)?,
        }))
    }
}

/// The default prices with `APPGEN_PRICES` laid over them.
/// `APPGEN_AGENTS_DIR`: the folder whose `.md` files override the built-in agents (read by the
/// model agent and by the external agents' front matter alike), which must exist when set.
pub fn agents_dir(get: &impl Fn(&str) -> Option<String>) -> Result<Option<PathBuf>, ConfigError> {
    let Some(dir) = get("APPGEN_AGENTS_DIR").map(PathBuf::from) else {
        return Ok(None);
    };
    if !dir.is_dir() {
        return Err(ConfigError::Invalid {
            setting: "APPGEN_AGENTS_DIR".into(),
            value: dir.display().to_string(),
            why: "not a directory".into(),
        });
    }
    Ok(Some(dir))
}

fn prices(get: &impl Fn(&str) -> Option<String>) -> Result<PriceTable, ConfigError> {
    let Some(json) = get("APPGEN_PRICES") else {
        return Ok(PriceTable::default());
    };
    PriceTable::default()
        .with_overrides(&json)
        .map_err(|e| ConfigError::Invalid {
            setting: "APPGEN_PRICES".into(),
            value: json.clone(),
            why: e.to_string(),
        })
}

fn normalize(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase().replace('_', "-");
    match s.as_str() {
        "azure" | "azureopenai" | "azure-openai" => "azure-openai".into(),
        "llama.cpp" | "llama-cpp" | "llamacpp" => "llamacpp".into(),
        "openai-compatible" => "compatible".into(),
        _ => s,
    }
}

/// `azure-openai` → `AZURE_OPENAI`.
fn env_part(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// Reads an optional setting: `None` when unset, else `parse`'s value or `Invalid` with `why`.
fn setting<T>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    why: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ConfigError> {
    let Some(v) = get(key) else {
        return Ok(None);
    };
    match parse(&v) {
        Some(t) => Ok(Some(t)),
        None => Err(ConfigError::Invalid {
            setting: key.into(),
            value: v,
            why: why.into(),
        }),
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, key: &str) -> Result<Option<bool>, ConfigError> {
    setting(get, key, "expected true or false", |v| {
        match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Some(true),
            "0" | "false" | "no" | "off" => Some(false),
            _ => None,
        }
    })
}

fn secs(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: f64,
) -> Result<Duration, ConfigError> {
    let s = setting(get, key, "expected a positive number of seconds", |v| {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
    })?;
    Ok(Duration::from_secs_f64(s.unwrap_or(default)))
}

fn count(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u32,
) -> Result<u32, ConfigError> {
    let n = setting(get, key, "expected a whole number from 0 to 20", |v| {
        v.parse::<u32>().ok().filter(|n| *n <= 20)
    })?;
    Ok(n.unwrap_or(default))
}

fn check_url(key: &str, v: String) -> Result<String, ConfigError> {
    match url::Url::parse(&v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(v.trim_end_matches('/').to_owned())
        }
        _ => Err(ConfigError::Invalid {
            setting: key.into(),
            value: v,
            why: "expected an http(s) URL".into(),
        }),
    }
}

/// What a provider's settings share, whatever its kind.
struct Common {
    name: String,
    fast: String,
    strong: String,
    structured: Option<bool>,
}

fn provider(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    primary: bool,
) -> Result<ProviderConfig, ConfigError> {
    let context = if primary {
        format!("APPGEN_LLM={name}")
    } else {
        format!("fallback provider {name} (APPGEN_LLM_FALLBACK)")
    };
    let mut missing: Vec<(String, String)> = Vec::new();
    let p = env_part(name);
    let (fast, strong) = models(get, name, primary, &mut missing);
    let structured_key = if primary {
        "APPGEN_LLM_STRUCTURED".to_owned()
    } else {
        format!("APPGEN_{p}_STRUCTURED")
    };
    let common = Common {
        name: name.into(),
        fast,
        strong,
        structured: flag(get, &structured_key)?,
    };
    let cfg = match name {
        "azure-openai" => azure_openai(get, common, &mut missing)?,
        "openai" => openai(get, common, &mut missing)?,
        "compatible" => compatible(get, common, &mut missing)?,
        other => {
            let Some(preset) = PRESETS.iter().find(|pr| pr.name == other) else {
                return Err(ConfigError::Invalid {
                    setting: if primary {
                        "APPGEN_LLM".into()
                    } else {
                        "APPGEN_LLM_FALLBACK".into()
                    },
                    value: other.into(),
                    why: format!("not a known provider; use one of {KNOWN}"),
                });
            };
            from_preset(get, preset, common, &mut missing)?
        }
    };
    if missing.is_empty() {
        Ok(cfg)
    } else {
        Err(ConfigError::Missing { context, missing })
    }
}

/// The fast and strong model: a fallback's own names first, then the primary's; one of the
/// two stands in for the other.
fn models(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    primary: bool,
    missing: &mut Vec<(String, String)>,
) -> (String, String) {
    let p = env_part(name);
    let own = |which: &str| {
        if primary {
            None
        } else {
            get(&format!("APPGEN_{p}_MODEL_{which}"))
        }
    };
    let (fast, strong) = match (own("FAST"), own("STRONG")) {
        // A fallback's model names mean nothing to another provider, so never mix the two.
        (None, None) => (get("APPGEN_MODEL_FAST"), get("APPGEN_MODEL_STRONG")),
        named => named,
    };
    match (fast, strong) {
        (Some(f), Some(s)) => (f, s),
        (Some(f), None) => (f.clone(), f),
        (None, Some(s)) => (s.clone(), s),
        (None, None) => {
            let what = if name == "azure-openai" {
                "the deployment name to use"
            } else {
                "the model name to use"
            };
            let key = if primary {
                "APPGEN_MODEL_STRONG".to_owned()
            } else {
                format!("APPGEN_{p}_MODEL_STRONG or APPGEN_MODEL_STRONG")
            };
            missing.push((key, what.into()));
            (String::new(), String::new())
        }
    }
}

fn azure_openai(
    get: &impl Fn(&str) -> Option<String>,
    c: Common,
    missing: &mut Vec<(String, String)>,
) -> Result<ProviderConfig, ConfigError> {
    let endpoint = match get("AZURE_OPENAI_ENDPOINT") {
        Some(v) => check_url("AZURE_OPENAI_ENDPOINT", v)?,
        None => {
            missing.push((
                "AZURE_OPENAI_ENDPOINT".into(),
                "the resource endpoint, e.g. https://NAME.openai.azure.com".into(),
            ));
            String::new()
        }
    };
    let auth = match get("AZURE_OPENAI_API_KEY") {
        Some(k) => AuthConfig::AzureKey(Secret::new(k)),
        None => {
            let client_id = get("AZURE_CLIENT_ID");
            // App Service / Functions expose IDENTITY_ENDPOINT; older hosts MSI_ENDPOINT.
            let managed = client_id.is_some()
                || get("IDENTITY_ENDPOINT").is_some()
                || get("MSI_ENDPOINT").is_some();
            AuthConfig::Entra {
                managed_identity: managed,
                client_id,
            }
        }
    };
    Ok(ProviderConfig {
        name: c.name,
        kind: ProviderKind::AzureOpenAi,
        base_url: endpoint,
        api_version: get("AZURE_OPENAI_API_VERSION")
            .unwrap_or_else(|| DEFAULT_AZURE_API_VERSION.into()),
        auth,
        fast_model: c.fast,
        strong_model: c.strong,
        structured_output: c.structured.unwrap_or(true),
        max_completion_tokens_field: true,
    })
}

fn openai(
    get: &impl Fn(&str) -> Option<String>,
    c: Common,
    missing: &mut Vec<(String, String)>,
) -> Result<ProviderConfig, ConfigError> {
    let auth = match get("OPENAI_API_KEY") {
        Some(k) => AuthConfig::Bearer(Secret::new(k)),
        None => {
            missing.push(("OPENAI_API_KEY".into(), "the OpenAI API key".into()));
            AuthConfig::None
        }
    };
    let base = match get("OPENAI_BASE_URL") {
        Some(v) => check_url("OPENAI_BASE_URL", v)?,
        None => "https://api.openai.com/v1".into(),
    };
    Ok(ProviderConfig {
        name: c.name,
        kind: ProviderKind::OpenAiCompatible,
        base_url: base,
        api_version: String::new(),
        auth,
        fast_model: c.fast,
        strong_model: c.strong,
        structured_output: c.structured.unwrap_or(true),
        max_completion_tokens_field: true,
    })
}

fn compatible(
    get: &impl Fn(&str) -> Option<String>,
    c: Common,
    missing: &mut Vec<(String, String)>,
) -> Result<ProviderConfig, ConfigError> {
    let base = match get("OPENAI_BASE_URL") {
        Some(v) => check_url("OPENAI_BASE_URL", v)?,
        None => {
            missing.push((
                "OPENAI_BASE_URL".into(),
                "the server's base URL, e.g. http://127.0.0.1:8000/v1".into(),
            ));
            String::new()
        }
    };
    Ok(ProviderConfig {
        name: c.name,
        kind: ProviderKind::OpenAiCompatible,
        base_url: base,
        api_version: String::new(),
        auth: get("OPENAI_API_KEY")
            .map(|k| AuthConfig::Bearer(Secret::new(k)))
            .unwrap_or(AuthConfig::None),
        fast_model: c.fast,
        strong_model: c.strong,
        structured_output: c.structured.unwrap_or(false),
        max_completion_tokens_field: false,
    })
}

fn from_preset(
    get: &impl Fn(&str) -> Option<String>,
    preset: &Preset,
    c: Common,
    missing: &mut Vec<(String, String)>,
) -> Result<ProviderConfig, ConfigError> {
    let base_key = format!("APPGEN_{}_BASE_URL", env_part(preset.name));
    let base = match get(&base_key) {
        Some(v) => check_url(&base_key, v)?,
        None => preset.base_url.into(),
    };
    let auth = match get(preset.key_env) {
        Some(k) => AuthConfig::Bearer(Secret::new(k)),
        None if preset.key_required => {
            missing.push((
                preset.key_env.into(),
                format!("the {} API key", preset.name),
            ));
            AuthConfig::None
        }
        None => AuthConfig::None,
    };
    Ok(ProviderConfig {
        name: c.name,
        kind: ProviderKind::OpenAiCompatible,
        base_url: base,
        api_version: String::new(),
        auth,
        fast_model: c.fast,
        strong_model: c.strong,
        structured_output: c.structured.unwrap_or(preset.structured),
        max_completion_tokens_field: false,
    })
}
