//! Model settings: validation names exactly what is missing.

use appgen_runtime::llm::config::AuthConfig;
use appgen_runtime::llm::{ConfigError, LlmConfig, ModelAgent, ProviderKind};
use std::collections::HashMap;
use std::time::Duration;

fn cfg(pairs: &[(&str, &str)]) -> Result<LlmConfig, ConfigError> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    LlmConfig::from_lookup(|k| m.get(k).cloned())
}

fn err(pairs: &[(&str, &str)]) -> String {
    cfg(pairs).expect_err("invalid config").to_string()
}

/// The config is refused with a message that starts with `prefix`.
fn assert_refused(pairs: &[(&str, &str)], prefix: &str) {
    let e = err(pairs);
    assert!(e.starts_with(prefix), "{e}");
}

fn models(pairs: &[(&str, &str)]) -> appgen_runtime::llm::ModelConfig {
    match cfg(pairs) {
        Ok(LlmConfig::Models(m)) => m,
        other => panic!("expected models, got {other:?}"),
    }
}

#[test]
fn offline_is_the_default() {
    assert_eq!(cfg(&[]), Ok(LlmConfig::Offline));
    assert_eq!(cfg(&[("APPGEN_LLM", "offline")]), Ok(LlmConfig::Offline));
    assert_eq!(cfg(&[("APPGEN_LLM", " ")]), Ok(LlmConfig::Offline));
}

#[test]
fn presets_know_their_urls() {
    let m = models(&[("APPGEN_LLM", "ollama"), ("APPGEN_MODEL_FAST", "qwen")]);
    assert_eq!(m.providers[0].base_url, "http://127.0.0.1:11434/v1");
    assert_eq!(m.providers[0].strong_model, "qwen");
    assert_eq!(m.providers[0].auth, AuthConfig::None);
}

#[test]
fn azure_names_every_missing_setting() {
    let e = err(&[("APPGEN_LLM", "azure-openai")]);
    assert!(e.starts_with("APPGEN_LLM=azure-openai is missing"), "{e}");
    assert!(e.contains("AZURE_OPENAI_ENDPOINT"), "{e}");
    assert!(e.contains("APPGEN_MODEL_STRONG"), "{e}");
    assert!(
        !e.contains("AZURE_OPENAI_API_KEY"),
        "a key is optional: {e}"
    );

    let e = err(&[
        ("APPGEN_LLM", "azure-openai"),
        ("APPGEN_MODEL_STRONG", "gpt-4o"),
    ]);
    assert_eq!(
        e,
        "APPGEN_LLM=azure-openai is missing AZURE_OPENAI_ENDPOINT (the resource endpoint, e.g. https://NAME.openai.azure.com)"
    );
}

#[test]
fn azure_without_key_uses_entra_id() {
    let m = models(&[
        ("APPGEN_LLM", "azure-openai"),
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/"),
        ("APPGEN_MODEL_FAST", "mini"),
        ("APPGEN_MODEL_STRONG", "big"),
    ]);
    let p = &m.providers[0];
    assert_eq!(p.kind, ProviderKind::AzureOpenAi);
    assert_eq!(p.base_url, "https://res.openai.azure.com");
    assert_eq!(p.api_version, "2024-10-21");
    assert_eq!(
        p.auth,
        AuthConfig::Entra {
            managed_identity: false,
            client_id: None
        }
    );
    assert_eq!(
        (p.fast_model.as_str(), p.strong_model.as_str()),
        ("mini", "big")
    );

    let m = models(&[
        ("APPGEN_LLM", "azure-openai"),
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com"),
        ("APPGEN_MODEL_STRONG", "big"),
        ("AZURE_CLIENT_ID", "1111"),
    ]);
    assert_eq!(
        m.providers[0].auth,
        AuthConfig::Entra {
            managed_identity: true,
            client_id: Some("1111".into())
        }
    );
    assert_eq!(
        m.providers[0].fast_model, "big",
        "one model serves both routes"
    );

    let m = models(&[
        ("APPGEN_LLM", "azure-openai"),
        ("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com"),
        ("AZURE_OPENAI_API_KEY", "k"),
        ("APPGEN_MODEL_STRONG", "big"),
    ]);
    assert!(matches!(m.providers[0].auth, AuthConfig::AzureKey(_)));
    assert!(!format!("{m:?}").contains("\"k\""), "keys never print");
}

#[test]
fn openai_and_compatible() {
    let e = err(&[("APPGEN_LLM", "openai"), ("APPGEN_MODEL_STRONG", "gpt")]);
    assert_eq!(
        e,
        "APPGEN_LLM=openai is missing OPENAI_API_KEY (the OpenAI API key)"
    );
    let m = models(&[
        ("APPGEN_LLM", "openai"),
        ("APPGEN_MODEL_STRONG", "gpt"),
        ("OPENAI_API_KEY", "sk"),
    ]);
    assert_eq!(m.providers[0].base_url, "https://api.openai.com/v1");
    assert!(m.providers[0].structured_output);

    let e = err(&[("APPGEN_LLM", "compatible"), ("APPGEN_MODEL_FAST", "m")]);
    assert!(e.contains("OPENAI_BASE_URL"), "{e}");
    let m = models(&[
        ("APPGEN_LLM", "compatible"),
        ("APPGEN_MODEL_FAST", "m"),
        ("OPENAI_BASE_URL", "http://10.0.0.2:9000/v1"),
    ]);
    assert_eq!(m.providers[0].auth, AuthConfig::None);
    assert!(!m.providers[0].structured_output);
}

#[test]
fn presets_and_fallbacks() {
    let e = err(&[("APPGEN_LLM", "groq"), ("APPGEN_MODEL_STRONG", "llama")]);
    assert_eq!(
        e,
        "APPGEN_LLM=groq is missing GROQ_API_KEY (the groq API key)"
    );
    let m = models(&[
        ("APPGEN_LLM", "groq"),
        ("APPGEN_MODEL_STRONG", "llama"),
        ("GROQ_API_KEY", "g"),
        ("APPGEN_LLM_FALLBACK", "cerebras, llama.cpp"),
        ("APPGEN_CEREBRAS_MODEL_STRONG", "qwen"),
        ("CEREBRAS_API_KEY", "c"),
        ("APPGEN_LLAMACPP_BASE_URL", "http://127.0.0.1:9999/v1"),
        ("APPGEN_LLM_TIMEOUT_SECS", "2.5"),
        ("APPGEN_LLM_MAX_RETRIES", "1"),
        ("APPGEN_LLM_MAX_OUTPUT_TOKENS", "8192"),
    ]);
    let names: Vec<_> = m.providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["groq", "cerebras", "llamacpp"]);
    assert_eq!(m.providers[0].base_url, "https://api.groq.com/openai/v1");
    assert_eq!(m.providers[1].strong_model, "qwen");
    assert_eq!(
        m.providers[1].fast_model, "qwen",
        "its own model serves both routes"
    );
    assert_eq!(
        m.providers[2].strong_model, "llama",
        "no own names: the primary's"
    );
    assert_eq!(m.providers[2].base_url, "http://127.0.0.1:9999/v1");
    assert_eq!(m.timeout, Duration::from_millis(2500));
    assert_eq!(m.max_retries, 1);
    assert_eq!(m.max_output_tokens, Some(8192));

    let e = err(&[
        ("APPGEN_LLM", "ollama"),
        ("APPGEN_MODEL_STRONG", "qwen"),
        ("APPGEN_LLM_FALLBACK", "sambanova"),
    ]);
    assert_eq!(
        e,
        "fallback provider sambanova (APPGEN_LLM_FALLBACK) is missing SAMBANOVA_API_KEY (the sambanova API key)"
    );
}

#[test]
fn bad_values_are_named() {
    assert_refused(
        &[("APPGEN_LLM", "gpt5")],
        "APPGEN_LLM=\"gpt5\" is not valid: not a known provider",
    );
    assert_refused(
        &[
            ("APPGEN_LLM", "ollama"),
            ("APPGEN_MODEL_STRONG", "q"),
            ("APPGEN_LLM_TIMEOUT_SECS", "soon"),
        ],
        "APPGEN_LLM_TIMEOUT_SECS=\"soon\" is not valid",
    );
    assert_refused(
        &[
            ("APPGEN_LLM", "compatible"),
            ("APPGEN_MODEL_STRONG", "q"),
            ("OPENAI_BASE_URL", "localhost:8000"),
        ],
        "OPENAI_BASE_URL=\"localhost:8000\" is not valid",
    );
    assert_refused(
        &[
            ("APPGEN_LLM", "ollama"),
            ("APPGEN_MODEL_STRONG", "q"),
            ("APPGEN_AGENTS_DIR", "/definitely/not/here"),
        ],
        "APPGEN_AGENTS_DIR=",
    );
}

#[test]
fn agents_dir_overrides_one_agent_and_is_validated() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("clarify.md"),
        "---\nroute: strong\n---\n# appgen agent: clarify\nCustom.\n<!-- user -->\n{{description}}",
    )
    .expect("write");
    let mut m = models(&[
        ("APPGEN_LLM", "ollama"),
        ("APPGEN_MODEL_STRONG", "q"),
        ("APPGEN_AGENTS_DIR", dir.path().to_str().expect("utf8")),
    ]);
    ModelAgent::new(m.clone()).expect("valid override");

    std::fs::write(dir.path().join("code.schema.json"), "{not json").expect("write");
    let e = ModelAgent::new(m.clone())
        .expect_err("bad schema")
        .to_string();
    assert!(e.contains("code.schema.json is not JSON"), "{e}");

    std::fs::remove_file(dir.path().join("code.schema.json")).expect("rm");
    std::fs::write(dir.path().join("fix.md"), "no user marker").expect("write");
    m.agents_dir = Some(dir.path().to_owned());
    let e = ModelAgent::new(m).expect_err("bad template").to_string();
    assert!(e.contains("fix.md has no `<!-- user -->`"), "{e}");
}

/// An override directory with `files`, and the error `ModelAgent::new` refuses it with.
fn refused_override(files: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let m = models(&[
        ("APPGEN_LLM", "ollama"),
        ("APPGEN_MODEL_STRONG", "q"),
        ("APPGEN_AGENTS_DIR", dir.path().to_str().expect("utf8")),
    ]);
    let e = ModelAgent::new(m).expect_err("refused").to_string();
    (dir, e)
}

#[test]
fn an_override_with_an_unknown_placeholder_fails_at_start_naming_file_and_placeholder() {
    let (dir, e) = refused_override(&[(
        "wireframe.md",
        "# appgen agent: wireframe\nDraw it.\n<!-- user -->\n{{description}}\n{{descripton}}",
    )]);
    let path = dir.path().join("wireframe.md");
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert!(e.contains("unknown placeholder {{descripton}}"), "{e}");

    // A real placeholder the agent is not given is refused too, not rendered as "".
    let (dir, e) = refused_override(&[(
        "rewrite.md",
        "# appgen agent: rewrite\n{{path}}\n<!-- user -->\n{{description}}",
    )]);
    assert!(
        e.contains(&dir.path().join("rewrite.md").display().to_string()),
        "{e}"
    );
    assert!(e.contains("unknown placeholder {{description}}"), "{e}");
    assert!(
        e.contains("{{file_content}}"),
        "names what rewrite offers: {e}"
    );
}

#[test]
fn an_override_file_for_no_agent_fails_at_start() {
    let (dir, e) = refused_override(&[
        ("README.md", "notes are fine"),
        ("clarifer.md", "# appgen agent: clarify\n<!-- user -->\n"),
    ]);
    assert!(
        e.contains(&dir.path().join("clarifer.md").display().to_string()),
        "{e}"
    );
    assert!(e.contains("no agent named \"clarifer\""), "{e}");
}

#[test]
fn an_override_schema_that_drifts_from_the_answer_type_fails_at_start() {
    let schema = include_str!("../agents/rewrite.schema.json").replace("\"content\"", "\"body\"");
    let (dir, e) = refused_override(&[("rewrite.schema.json", &schema)]);
    assert!(
        e.contains(&dir.path().join("rewrite.schema.json").display().to_string()),
        "{e}"
    );
    assert!(e.contains("$.body: in the schema, not in the type"), "{e}");
    assert!(
        e.contains("$.content: in the type, not in the schema"),
        "{e}"
    );
}

#[test]
fn prices_are_the_defaults_with_appgen_prices_over_them() {
    let base = [("APPGEN_LLM", "ollama"), ("APPGEN_MODEL_FAST", "qwen")];
    let m = models(&base);
    let p = m
        .prices
        .price(Some("azure-openai"), "gpt-4.1")
        .expect("default");
    assert_eq!((p.input_per_m, p.output_per_m), (2.0, 8.0));
    assert!(
        m.prices.price(Some("groq"), "qwen").is_none(),
        "unknown, not guessed"
    );

    let priced = [
        base[0],
        base[1],
        (
            "APPGEN_PRICES",
            r#"{"groq/qwen": {"input": 0.3, "output": 0.6}}"#,
        ),
    ];
    let p = models(&priced)
        .prices
        .price(Some("groq"), "qwen")
        .cloned()
        .expect("override");
    assert_eq!((p.input_per_m, p.output_per_m), (0.3, 0.6));

    assert_refused(
        &[base[0], base[1], ("APPGEN_PRICES", r#"{"qwen": 1}"#)],
        "APPGEN_PRICES=",
    );
}
