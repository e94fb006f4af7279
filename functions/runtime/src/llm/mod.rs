//! Language-model agents: [`ModelAgent`] implements `AppAgent` on OpenAI-compatible chat
//! completions (Azure OpenAI, OpenAI, Groq, Cerebras, SambaNova, Ollama, vLLM, llama.cpp, any
//! compatible server), with per-step routing, a fallback chain, retries, timeouts, streaming,
//! structured output with tolerant parsing and one repair, continuation of truncated output, and
//! search/replace edits with a repair round and a full-file fallback.
//!
//! The runner builds it with [`ModelAgent::from_env`] (`None` means `APPGEN_LLM=offline`).

pub mod client;
pub mod config;
pub mod parse;
pub mod specs;

pub use client::Route;
pub use config::{ConfigError, LlmConfig, ModelConfig, ProviderConfig, ProviderKind, SETTINGS};

use appgen_core::app::{ChangeSet, FileChange, FileMap, Question, QuestionKind, Requirements};
use appgen_core::edits::{EditError, apply_changes};
use appgen_core::paths::validate_path;
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use async_trait::async_trait;
use client::{Chain, ChatRequest, DeltaSink, Msg};
use parse::{JsonScanner, ScanEvent, Seg, extract_json};
use serde::Deserialize;
use serde_json::{Value, json};
use specs::AgentSpec;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const CONTINUE_PROMPT: &str = "Your answer was cut off by the output limit. Continue exactly where you stopped: \
     output only the rest, starting with the very next character. Do not repeat anything, do not \
     add any preamble, do not start a new JSON object or code fence.";

/// The rule-based generator's counterpart: every agent step done by a language model.
pub struct ModelAgent {
    chain: Chain,
    specs: HashMap<String, AgentSpec>,
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
        let specs = specs::load(cfg.agents_dir.as_deref())?;
        let chain = Chain::new(cfg, credential).map_err(ConfigError::Credential)?;
        Ok(ModelAgent { chain, specs })
    }

    fn spec(&self, agent: &str) -> Result<&AgentSpec, AgentError> {
        self.specs
            .get(agent)
            .ok_or_else(|| AgentError::Unsupported(format!("no agent named {agent}")))
    }

    fn opening(&self, agent: &str, vars: &HashMap<&str, String>) -> Result<Vec<Msg>, AgentError> {
        let spec = self.spec(agent)?;
        // The schema goes into the prompt too: providers without structured output (and the
        // repair prompt) need to see the shape, not only be held to it.
        let mut system = spec.system(vars);
        system.push_str(&format!(
            "\n\nJSON Schema of your answer:\n```json\n{}\n```",
            serde_json::to_string(&spec.schema).unwrap_or_default()
        ));
        Ok(vec![Msg::System(system), Msg::User(spec.user(vars))])
    }

    /// One answer, continued while it is cut by the token limit. Streams as it goes.
    async fn generate(
        &self,
        agent: &str,
        messages: &[Msg],
        out: &mut dyn AgentOutput,
        mode: &FileMode,
    ) -> Result<String, AgentError> {
        let spec = self.spec(agent)?;
        let mut sink = StreamSink::new(out, mode.clone());
        let mut text = String::new();
        let mut msgs = messages.to_vec();
        for round in 0..=self.chain.cfg.max_continuations {
            let req = ChatRequest {
                route: spec.route,
                messages: msgs,
                // A continuation is not a whole object, so structured output would fight it.
                schema: (round == 0).then(|| (format!("appgen_{agent}"), spec.schema.clone())),
                max_tokens: match (spec.max_tokens, self.chain.cfg.max_output_tokens) {
                    (Some(a), Some(cap)) => Some(a.min(cap)),
                    (a, cap) => a.or(cap),
                },
            };
            let c = match self.chain.complete(agent, &req, &mut sink).await {
                Ok(c) => c,
                Err(e) => {
                    sink.close_all();
                    return Err(e);
                }
            };
            sink.out.emit(AgentEvent::Usage(c.usage.clone()));
            if round == 0 {
                text.push_str(&c.text);
            } else {
                // Same rule as the stream, so what was shown and what is parsed agree.
                text.push_str(&strip_opening_fence(&c.text).unwrap_or(c.text));
            }
            match c.finish_reason.as_deref() {
                Some("length") => {
                    tracing::info!(
                        agent,
                        round,
                        chars = text.len(),
                        "output cut by the token limit; continuing"
                    );
                    msgs = messages.to_vec();
                    msgs.push(Msg::Assistant(text.clone()));
                    msgs.push(Msg::User(CONTINUE_PROMPT.into()));
                    sink.state.fence_check = Some(String::new());
                }
                Some("content_filter") => {
                    sink.close_all();
                    return Err(AgentError::InvalidOutput(format!(
                        "the provider's content filter stopped the {agent} answer"
                    )));
                }
                _ => {
                    sink.close_all();
                    return Ok(text);
                }
            }
        }
        sink.close_all();
        Err(AgentError::InvalidOutput(format!(
            "the {agent} answer was still cut off by the model's output limit after {} continuations; nothing was written",
            self.chain.cfg.max_continuations
        )))
    }

    /// Asks, parses and converts; on unusable output one repair prompt, then `InvalidOutput`.
    /// Returns the value and the conversation including the final answer.
    async fn ask<T>(
        &self,
        agent: &str,
        messages: Vec<Msg>,
        out: &mut dyn AgentOutput,
        mode: &FileMode,
        convert: impl Fn(Value) -> Result<T, String>,
    ) -> Result<(T, Vec<Msg>), AgentError> {
        let text = self.generate(agent, &messages, out, mode).await?;
        let why = match extract_json(&text).and_then(&convert) {
            Ok(t) => {
                let mut conv = messages;
                conv.push(Msg::Assistant(text));
                return Ok((t, conv));
            }
            Err(why) => why,
        };
        tracing::warn!(agent, error = %why, "unusable model output; asking for a repair");
        let mut conv = messages;
        conv.push(Msg::Assistant(text));
        conv.push(Msg::User(format!(
            "Your answer could not be used: {why}\nAnswer again, completely, with only the JSON \
             object that follows the schema given in the instructions: no prose, no code fences."
        )));
        let text = self.generate(agent, &conv, out, mode).await?;
        match extract_json(&text).and_then(&convert) {
            Ok(t) => {
                conv.push(Msg::Assistant(text));
                Ok((t, conv))
            }
            Err(why) => Err(AgentError::InvalidOutput(format!(
                "the {agent} answer was not usable even after one repair: {why}"
            ))),
        }
    }

    /// Modify and fix: edits validated against the current files, one repair round for those
    /// that do not apply, then a full rewrite of each file still failing.
    async fn edit_round(
        &self,
        agent: &str,
        ctx: &AgentContext,
        vars: HashMap<&str, String>,
        instruction: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let mode = FileMode::Array("changes");
        let messages = self.opening(agent, &vars)?;
        let ((message, proposed), conv) = self.ask(agent, messages, out, &mode, changes_of).await?;
        let first = sort_changes(&ctx.files, proposed.clone());
        let mut refused = first.refused;
        let mut ok = first.ok;
        let mut final_changes: Vec<FileChange> = Vec::new();
        if !first.failed.is_empty() {
            let bad: BTreeSet<String> = first
                .failed
                .iter()
                .map(|(c, _)| c.path().to_owned())
                .collect();
            let base = apply_changes(&ctx.files, &ok).map_err(|e| {
                AgentError::InvalidOutput(format!("the valid edits do not apply together: {e}"))
            })?;
            let mut prompt = String::from(
                "Some of your changes could not be applied; none of the changes to these files were made:\n",
            );
            for (c, e) in &first.failed {
                prompt.push_str(&format!("- {}: {e}\n", c.path()));
            }
            prompt.push_str(
                "\nThe other changes were applied. Answer again with the JSON object, with `changes` \
                 only for the files listed, complete (all changes you want in those files). Copy \
                 each `search` exactly from the current content below, or use `write` with the whole file.\n",
            );
            for p in &bad {
                prompt.push_str(&format!(
                    "\nCurrent content of {p}:\n```\n{}\n```\n",
                    ctx.files
                        .get(p)
                        .map(String::as_str)
                        .unwrap_or("(the file does not exist)")
                ));
            }
            let mut conv = conv;
            conv.push(Msg::User(prompt));
            tracing::info!(agent, files = ?bad, "edit repair round");
            let retry = self
                .ask(agent, conv, out, &mode, changes_of)
                .await
                .map(|((_, c), _)| c);
            let (second, still_bad) = match retry {
                Ok(changes) => {
                    let for_bad: Vec<FileChange> = changes
                        .into_iter()
                        .filter(|c| bad.contains(c.path()))
                        .collect();
                    let s = sort_changes(&base, for_bad);
                    refused.extend(s.refused);
                    let failed: BTreeSet<String> =
                        s.failed.iter().map(|(c, _)| c.path().to_owned()).collect();
                    // A file repaired only in part is rewritten whole, not left half-edited.
                    let ok2: Vec<FileChange> =
                        s.ok.into_iter()
                            .filter(|c| !failed.contains(c.path()))
                            .collect();
                    let missing: BTreeSet<String> = bad
                        .iter()
                        .filter(|p| {
                            !ok2.iter().any(|c| c.path() == p.as_str()) && !failed.contains(*p)
                        })
                        .cloned()
                        .collect();
                    let mut still = failed;
                    still.extend(missing);
                    (ok2, still)
                }
                // Unusable repair output still leaves the rewrite; a dead provider does not.
                Err(e @ AgentError::InvalidOutput(_)) => {
                    tracing::warn!(agent, error = %e, "edit repair round failed; rewriting files");
                    (Vec::new(), bad.clone())
                }
                Err(e) => return Err(e),
            };
            ok.extend(second);
            for path in still_bad {
                let intended: Vec<&FileChange> =
                    proposed.iter().filter(|c| c.path() == path).collect();
                let content = self
                    .rewrite(
                        &path,
                        ctx.files.get(&path).map(String::as_str).unwrap_or(""),
                        &intended,
                        instruction,
                        out,
                    )
                    .await?;
                final_changes.push(FileChange::Write { path, content });
            }
        }
        ok.extend(final_changes);
        for r in &refused {
            out.emit(AgentEvent::Say(format!("\nNot changed: {r}.\n")));
        }
        if ok.is_empty() && !refused.is_empty() {
            return Err(AgentError::InvalidOutput(format!(
                "every proposed change was refused: {}",
                refused.join("; ")
            )));
        }
        apply_changes(&ctx.files, &ok).map_err(|e| {
            AgentError::InvalidOutput(format!("the changes do not apply together: {e}"))
        })?;
        Ok(ChangeSet {
            summary: message,
            changes: ok,
            requirements: None,
        })
    }

    /// The full-file fallback for one file.
    async fn rewrite(
        &self,
        path: &str,
        current: &str,
        intended: &[&FileChange],
        instruction: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        tracing::info!(path, "rewriting the whole file");
        let vars = HashMap::from([
            ("path", path.to_owned()),
            ("file_content", current.to_owned()),
            (
                "intended",
                serde_json::to_string_pretty(intended).unwrap_or_default(),
            ),
            ("instruction", instruction.to_owned()),
        ]);
        let messages = self.opening("rewrite", &vars)?;
        let mode = FileMode::Single(path.to_owned());
        let (content, _) = self
            .ask("rewrite", messages, out, &mode, |v| {
                #[derive(Deserialize)]
                struct R {
                    content: String,
                }
                let r: R = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
                if r.content.trim().is_empty() {
                    return Err("`content` is empty".into());
                }
                Ok(r.content)
            })
            .await?;
        Ok(content)
    }
}

#[async_trait]
impl AppAgent for ModelAgent {
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
        let messages = self.opening("clarify", &vars_of(ctx))?;
        let (q, _) = self
            .ask("clarify", messages, out, &FileMode::None, questions_of)
            .await?;
        Ok(q)
    }

    async fn requirements(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<Requirements, AgentError> {
        let messages = self.opening("requirements", &vars_of(ctx))?;
        let (r, _) = self
            .ask("requirements", messages, out, &FileMode::None, |v| {
                #[derive(Deserialize)]
                struct R {
                    title: String,
                    #[serde(default)]
                    summary: String,
                    #[serde(default)]
                    features: Vec<String>,
                    #[serde(default)]
                    spec: Value,
                }
                let r: R = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
                if r.title.trim().is_empty() {
                    return Err("`title` is empty".into());
                }
                if r.features.is_empty() {
                    return Err("`features` is empty".into());
                }
                Ok(Requirements {
                    title: r.title,
                    summary: r.summary,
                    features: r.features,
                    spec: r.spec,
                })
            })
            .await?;
        Ok(r)
    }

    async fn wireframe(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        let messages = self.opening("wireframe", &vars_of(ctx))?;
        let (html, _) = self
            .ask("wireframe", messages, out, &FileMode::None, |v| {
                let html = v["html"].as_str().unwrap_or_default();
                if !html.contains('<') {
                    return Err("`html` is missing or is not an HTML document".into());
                }
                Ok(html.to_owned())
            })
            .await?;
        Ok(html)
    }

    async fn code(
        &self,
        ctx: &AgentContext,
        out: &mut dyn AgentOutput,
    ) -> Result<FileMap, AgentError> {
        let messages = self.opening("code", &vars_of(ctx))?;
        let (files, _) = self
            .ask("code", messages, out, &FileMode::Array("files"), |v| {
                #[derive(Deserialize)]
                struct F {
                    path: String,
                    content: String,
                }
                #[derive(Deserialize)]
                struct R {
                    files: Vec<F>,
                }
                let r: R = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
                if r.files.is_empty() {
                    return Err("`files` is empty".into());
                }
                let mut out = Vec::new();
                for f in r.files {
                    let path = validate_path(&f.path)
                        .map_err(|e| format!("file path {:?}: {e}", f.path))?
                        .to_owned();
                    out.push((path, f.content));
                }
                Ok(out)
            })
            .await?;
        let mut map = ctx.files.clone();
        for (path, content) in files {
            if appgen_core::edits::PROTECTED_FILES.contains(&path.as_str()) {
                // The template owns the build; a model's version is dropped, not an error.
                out.emit(AgentEvent::Say(format!("\nKept the template's {path}.\n")));
                continue;
            }
            map.insert(path, content);
        }
        appgen_core::paths::validate_app(&map).map_err(|e| {
            AgentError::InvalidOutput(format!("the generated app is not acceptable: {e}"))
        })?;
        Ok(map)
    }

    async fn fix(
        &self,
        ctx: &AgentContext,
        failure: &Failure,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let mut vars = vars_of(ctx);
        vars.insert("error", failure.error.clone());
        vars.insert("log", tail(&failure.log, 6000));
        vars.insert("round", failure.round.to_string());
        vars.insert(
            "console_errors",
            if failure.console_errors.is_empty() {
                "(none)".into()
            } else {
                failure
                    .console_errors
                    .iter()
                    .map(|e| format!("- {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
        );
        let instruction = format!("fix this error: {}", failure.error);
        self.edit_round("fix", ctx, vars, &instruction, out).await
    }

    async fn modify(
        &self,
        ctx: &AgentContext,
        request: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let mut vars = vars_of(ctx);
        vars.insert("request", request.to_owned());
        self.edit_round("modify", ctx, vars, request, out).await
    }
}

/// The text without an opening "```json" / "```" line, once enough has arrived to tell;
/// `None` while it cannot be told yet.
fn strip_opening_fence(held: &str) -> Option<String> {
    let t = held.trim_start();
    for fence in ["```json\n", "```JSON\n", "```\n"] {
        if let Some(rest) = t.strip_prefix(fence) {
            return Some(rest.to_owned());
        }
        if fence.starts_with(t) {
            return None;
        }
    }
    if t.is_empty() {
        return None;
    }
    Some(held.to_owned())
}

fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

fn vars_of(ctx: &AgentContext) -> HashMap<&'static str, String> {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let mut files = String::new();
    for (path, content) in &ctx.files {
        // The lockfile is large and no agent may change it.
        if path == "package-lock.json" {
            continue;
        }
        files.push_str(&format!("### {path}\n```\n{content}\n```\n\n"));
    }
    HashMap::from([
        ("description", ctx.description.clone()),
        (
            "options",
            if ctx.options.is_empty() {
                "(none)".into()
            } else {
                ctx.options
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        (
            "answers",
            if ctx.answers.is_null() {
                "{}".into()
            } else {
                pretty(&ctx.answers)
            },
        ),
        (
            "requirements",
            ctx.requirements
                .as_ref()
                .and_then(|r| serde_json::to_string_pretty(r).ok())
                .unwrap_or_else(|| "(none yet)".into()),
        ),
        (
            "wireframe",
            ctx.wireframe.clone().unwrap_or_else(|| "(none)".into()),
        ),
        (
            "files",
            if files.is_empty() {
                "(no files yet)".into()
            } else {
                files
            },
        ),
    ])
}

fn questions_of(v: Value) -> Result<Vec<Question>, String> {
    #[derive(Deserialize)]
    struct Q {
        id: String,
        prompt: String,
        kind: QuestionKind,
        #[serde(default)]
        options: Vec<String>,
        #[serde(default)]
        default: Value,
        #[serde(default)]
        help: Option<String>,
    }
    #[derive(Deserialize)]
    struct R {
        questions: Vec<Q>,
    }
    let r: R = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for q in r.questions {
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
        // A default of the wrong type is coerced rather than sent back for repair.
        let default = match (q.kind, q.default) {
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
            (QuestionKind::SingleChoice, _) => {
                json!(q.options.first().cloned().unwrap_or_default())
            }
            (QuestionKind::Text, Value::String(s)) => json!(s),
            (QuestionKind::Text, _) => json!(""),
        };
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

fn changes_of(v: Value) -> Result<(String, Vec<FileChange>), String> {
    #[derive(Deserialize)]
    struct C {
        kind: String,
        path: String,
        #[serde(default)]
        search: String,
        #[serde(default)]
        replace: String,
        #[serde(default)]
        content: String,
    }
    #[derive(Deserialize)]
    struct R {
        #[serde(default)]
        message: String,
        changes: Vec<C>,
    }
    let r: R = serde_json::from_value(v).map_err(|e| format!("wrong shape: {e}"))?;
    let mut out = Vec::new();
    for c in r.changes {
        out.push(match c.kind.as_str() {
            "edit" => {
                if c.search.is_empty() {
                    return Err(format!("the edit of {} has an empty `search`", c.path));
                }
                FileChange::Edit {
                    path: c.path,
                    search: c.search,
                    replace: c.replace,
                }
            }
            "write" => FileChange::Write {
                path: c.path,
                content: c.content,
            },
            "delete" => FileChange::Delete { path: c.path },
            other => {
                return Err(format!(
                    "unknown change kind {other:?} (use edit, write or delete)"
                ));
            }
        });
    }
    Ok((r.message, out))
}

struct Sorted {
    ok: Vec<FileChange>,
    failed: Vec<(FileChange, EditError)>,
    refused: Vec<String>,
}

/// Splits changes into those that apply (in order), those whose search text does not match
/// (repairable), and those refused outright (protected files, bad paths, deleting nothing).
/// Every change to a file with a failed edit is held back so no file is left half-edited.
fn sort_changes(files: &FileMap, changes: Vec<FileChange>) -> Sorted {
    let mut work = files.clone();
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    let mut refused = Vec::new();
    for ch in changes {
        match apply_changes(&work, std::slice::from_ref(&ch)) {
            Ok(next) => {
                work = next;
                ok.push(ch);
            }
            Err(e @ (EditError::Protected(_) | EditError::Path(_))) => refused.push(e.to_string()),
            Err(e @ EditError::MissingFile(_)) if matches!(ch, FileChange::Delete { .. }) => {
                refused.push(e.to_string())
            }
            Err(e) => failed.push((ch, e)),
        }
    }
    let bad: BTreeSet<&str> = failed.iter().map(|(c, _)| c.path()).collect();
    ok.retain(|c| !bad.contains(c.path()));
    Sorted {
        ok,
        failed,
        refused,
    }
}

/// Where file contents appear in an agent's JSON answer.
#[derive(Debug, Clone)]
enum FileMode {
    None,
    /// `{KEY: [{"path", "content"}, …]}`.
    Array(&'static str),
    /// `{"content"}` of a known file.
    Single(String),
}

#[derive(Debug, Clone, Default)]
struct FileSlot {
    path: String,
    path_done: bool,
    pending: String,
    content_done: bool,
    started: bool,
    finished: bool,
    /// Rolled back while open: already closed for the user, stays silent.
    muted: bool,
}

#[derive(Debug, Clone, Default)]
struct StreamState {
    scanner: JsonScanner,
    slots: BTreeMap<usize, FileSlot>,
    /// A continuation is starting: hold its first characters to drop a code fence it may open
    /// with (models do, despite the prompt).
    fence_check: Option<String>,
}

/// Turns streamed model text into narration and file events.
struct StreamSink<'a> {
    out: &'a mut dyn AgentOutput,
    mode: FileMode,
    state: StreamState,
    checkpoint: StreamState,
}

impl<'a> StreamSink<'a> {
    fn new(out: &'a mut dyn AgentOutput, mode: FileMode) -> StreamSink<'a> {
        StreamSink {
            out,
            mode,
            state: StreamState::default(),
            checkpoint: StreamState::default(),
        }
    }

    /// Closes every file still open (an aborted answer): the UI never keeps a dangling write.
    fn close_all(&mut self) {
        for slot in self.state.slots.values_mut() {
            if slot.started && !slot.finished {
                slot.finished = true;
                self.out.emit(AgentEvent::FileFinished {
                    path: slot.path.clone(),
                });
            }
        }
    }

    /// Which file slot a path belongs to, and whether it is the `path` or `content` string.
    fn slot_of(&self, path: &[Seg]) -> Option<(usize, bool)> {
        match (&self.mode, path) {
            (FileMode::Array(key), [Seg::Key(k), Seg::Index(i), Seg::Key(field)]) if k == key => {
                match field.as_str() {
                    "path" => Some((*i, true)),
                    "content" => Some((*i, false)),
                    _ => None,
                }
            }
            (FileMode::Single(_), [Seg::Key(field)]) if field == "content" => Some((0, false)),
            _ => None,
        }
    }

    fn on_event(&mut self, e: ScanEvent) {
        let (path, chunk, end) = match e {
            ScanEvent::Start(_) => return,
            ScanEvent::Chunk(p, t) => (p, Some(t), false),
            ScanEvent::End(p) => (p, None, true),
        };
        if path == [Seg::Key("message".into())] {
            if let Some(t) = chunk {
                self.out.emit(AgentEvent::Say(t));
            }
            return;
        }
        let Some((i, is_path)) = self.slot_of(&path) else {
            return;
        };
        let single = match &self.mode {
            FileMode::Single(p) => Some(p.clone()),
            _ => None,
        };
        let slot = self.state.slots.entry(i).or_insert_with(|| FileSlot {
            path: single.clone().unwrap_or_default(),
            path_done: single.is_some(),
            ..FileSlot::default()
        });
        if slot.muted {
            return;
        }
        let mut events = Vec::new();
        if is_path {
            if let Some(t) = chunk {
                slot.path.push_str(&t);
            }
            if end {
                slot.path_done = true;
            }
        } else {
            if let Some(t) = chunk {
                slot.pending.push_str(&t);
            }
            if end {
                slot.content_done = true;
            }
        }
        if slot.path_done && !slot.path.is_empty() && !slot.finished {
            if !slot.started && !slot.pending.is_empty() {
                slot.started = true;
                events.push(AgentEvent::FileStarted {
                    path: slot.path.clone(),
                });
            }
            if slot.started && !slot.pending.is_empty() {
                events.push(AgentEvent::FileDelta {
                    path: slot.path.clone(),
                    delta: std::mem::take(&mut slot.pending),
                });
            }
            if slot.started && slot.content_done {
                slot.finished = true;
                events.push(AgentEvent::FileFinished {
                    path: slot.path.clone(),
                });
            }
        }
        for e in events {
            self.out.emit(e);
        }
    }
}

impl DeltaSink for StreamSink<'_> {
    fn checkpoint(&mut self) {
        self.checkpoint = self.state.clone();
    }

    fn delta(&mut self, text: &str) {
        let text = match &mut self.state.fence_check {
            None => text.to_owned(),
            Some(held) => {
                held.push_str(text);
                match strip_opening_fence(held) {
                    None => return,
                    Some(rest) => {
                        self.state.fence_check = None;
                        rest
                    }
                }
            }
        };
        let events = self.state.scanner.feed(&text);
        for e in events {
            self.on_event(e);
        }
    }

    fn rollback(&mut self) {
        let open: Vec<usize> = self
            .state
            .slots
            .iter()
            .filter(|(_, s)| s.started && !s.finished)
            .map(|(i, _)| *i)
            .collect();
        self.close_all();
        self.state = self.checkpoint.clone();
        for i in open {
            // Only a file already open at the checkpoint was cut in two; a later one starts over.
            if let Some(s) = self.state.slots.get_mut(&i)
                && s.started
            {
                s.muted = true;
            }
        }
    }

    fn notice(&mut self, text: &str) {
        self.out.emit(AgentEvent::Say(text.to_owned()));
    }
}
