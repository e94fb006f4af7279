//! What model calls cost: per-model prices (US dollars per million input and output tokens)
//! and the arithmetic. The defaults are list prices with the date they were read; a model with
//! no price has an unknown cost (`None`), never a guess. `APPGEN_PRICES` (read by the model
//! config) adds or replaces prices, see [`PriceTable::with_overrides`].

use crate::agui::TokenUsage;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The price of one model, in US dollars per million tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub input_per_m: f64,
    pub output_per_m: f64,
    /// When the price was read (`YYYY-MM-DD`), or `"APPGEN_PRICES"` for an override.
    pub as_of: String,
}

/// Built-in prices: `(key, input, output, as of)`. Keys are a model name, `provider/model`, or
/// `provider/*` for every model of a provider.
const DEFAULTS: &[(&str, f64, f64, &str)] = &[
    // Azure OpenAI, Global deployment, list prices at the 2025-04-14 models' launch (the
    // models bicep/main.bicep deploys; docs/cloud-model.md uses the same figures).
    ("gpt-4.1", 2.00, 8.00, "2025-04-14"),
    ("gpt-4.1-mini", 0.40, 1.60, "2025-04-14"),
    // Local servers (presets ollama, vllm, llamacpp): no per-token charge, whatever the model.
    ("ollama/*", 0.0, 0.0, "local"),
    ("vllm/*", 0.0, 0.0, "local"),
    ("llamacpp/*", 0.0, 0.0, "local"),
];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceError {
    #[error(
        "expected a JSON object like {{\"gpt-4.1\": {{\"input\": 2.0, \"output\": 8.0}}}}: {0}"
    )]
    Shape(String),
    #[error("the price of {0} must be a finite number of dollars of at least 0")]
    Negative(String),
}

/// Prices by key (see [`DEFAULTS`] for the key forms).
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    input: f64,
    output: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        let prices = DEFAULTS
            .iter()
            .map(|&(k, i, o, d)| {
                let p = Price {
                    input_per_m: i,
                    output_per_m: o,
                    as_of: d.into(),
                };
                (k.to_owned(), p)
            })
            .collect();
        PriceTable { prices }
    }
}

impl PriceTable {
    /// The defaults with `json` laid over them: `{"KEY": {"input": USD, "output": USD}}`, USD
    /// per million tokens, KEY as in [`DEFAULTS`].
    pub fn with_overrides(mut self, json: &str) -> Result<PriceTable, PriceError> {
        let given: BTreeMap<String, Override> =
            serde_json::from_str(json).map_err(|e| PriceError::Shape(e.to_string()))?;
        for (key, o) in given {
            if ![o.input, o.output]
                .iter()
                .all(|x| x.is_finite() && *x >= 0.0)
            {
                return Err(PriceError::Negative(key));
            }
            let p = Price {
                input_per_m: o.input,
                output_per_m: o.output,
                as_of: "APPGEN_PRICES".into(),
            };
            self.prices.insert(key, p);
        }
        Ok(self)
    }

    /// The most specific price: `provider/model`, then `provider/*`, then `model`.
    pub fn price(&self, provider: Option<&str>, model: &str) -> Option<&Price> {
        let scoped = provider
            .into_iter()
            .flat_map(|p| [format!("{p}/{model}"), format!("{p}/*")]);
        scoped
            .chain([model.to_owned()])
            .find_map(|k| self.prices.get(&k))
    }

    /// What `u` cost in US dollars; `None` when its model has no price or it has no counts.
    pub fn cost(&self, u: &TokenUsage) -> Option<f64> {
        let price = self.price(u.provider.as_deref(), u.model.as_deref()?)?;
        if u.input_tokens.is_none() && u.output_tokens.is_none() {
            return None;
        }
        let (i, o) = (u.input_tokens.unwrap_or(0), u.output_tokens.unwrap_or(0));
        Some((i as f64 * price.input_per_m + o as f64 * price.output_per_m) / 1e6)
    }

    /// `u` with its cost filled in (or left out when unknown).
    pub fn priced(&self, mut u: TokenUsage) -> TokenUsage {
        u.cost_usd = self.cost(&u);
        u
    }
}

/// Model calls, tokens and what they cost, over some steps.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    pub calls: u32,
    pub tokens: u64,
    /// US dollars; `None` (JSON `null`) when a model's price is unknown.
    pub cost_usd: Option<f64>,
}

/// The sum of costs, unknown as soon as one of them is.
pub fn sum(costs: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    costs.into_iter().try_fold(0.0, |acc, c| c.map(|c| acc + c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(provider: &str, model: &str, input: u64, output: u64) -> TokenUsage {
        TokenUsage {
            provider: Some(provider.into()),
            model: Some(model.into()),
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..TokenUsage::default()
        }
    }

    #[test]
    fn cost_is_tokens_times_the_price_per_million() {
        let t = PriceTable::default();
        let c = t.cost(&usage("azure-openai", "gpt-4.1", 1_500_000, 250_000));
        // 1.5 M × $2 + 0.25 M × $8
        assert_eq!(c, Some(5.0));
        let c = t
            .cost(&usage("azure-openai", "gpt-4.1-mini", 1000, 1000))
            .expect("priced");
        assert!((c - 0.002).abs() < 1e-12, "{c}");
    }

    #[test]
    fn a_model_without_a_price_is_unknown_not_zero() {
        let t = PriceTable::default();
        assert_eq!(t.cost(&usage("groq", "llama-3.3-70b", 10, 10)), None);
        let no_counts = TokenUsage {
            model: Some("gpt-4.1".into()),
            ..TokenUsage::default()
        };
        assert_eq!(t.cost(&no_counts), None);
        assert_eq!(t.priced(usage("x", "y", 1, 1)).cost_usd, None);
    }

    #[test]
    fn local_presets_are_free_whatever_the_model() {
        let t = PriceTable::default();
        assert_eq!(t.cost(&usage("ollama", "qwen", 5000, 5000)), Some(0.0));
        assert_eq!(t.cost(&usage("compatible", "qwen", 5000, 5000)), None);
    }

    #[test]
    fn overrides_add_and_replace_and_provider_scope_wins() {
        let t = PriceTable::default()
            .with_overrides(
                r#"{"gpt-4.1": {"input": 1, "output": 4},
                    "groq/llama": {"input": 0.5, "output": 1},
                    "llama": {"input": 9, "output": 9}}"#,
            )
            .expect("valid");
        assert_eq!(
            t.cost(&usage("azure-openai", "gpt-4.1", 1_000_000, 0)),
            Some(1.0)
        );
        assert_eq!(
            t.cost(&usage("groq", "llama", 2_000_000, 1_000_000)),
            Some(2.0)
        );
        assert_eq!(t.cost(&usage("cerebras", "llama", 1_000_000, 0)), Some(9.0));
        let p = t.price(Some("groq"), "llama").expect("price");
        assert_eq!(p.as_of, "APPGEN_PRICES");
    }

    #[test]
    fn bad_overrides_are_refused() {
        let t = PriceTable::default();
        assert!(matches!(
            t.clone().with_overrides("[1]"),
            Err(PriceError::Shape(_))
        ));
        assert!(matches!(
            t.clone().with_overrides(r#"{"m": {"input": 1}}"#),
            Err(PriceError::Shape(_))
        ));
        assert_eq!(
            t.with_overrides(r#"{"m": {"input": -1, "output": 1}}"#),
            Err(PriceError::Negative("m".into()))
        );
    }

    #[test]
    fn a_runs_cost_adds_its_steps_per_model() {
        use crate::snapshot::{StepUsage, ThreadSnapshot};
        use crate::step::StepName;
        let t = PriceTable::default();
        let mut snap = ThreadSnapshot::new("t", "o", 1);
        let steps = [
            ("r1", StepName::Requirements, "gpt-4.1-mini", 1_000_000, 0),
            ("r1", StepName::Code, "gpt-4.1", 0, 1_000_000),
            ("r1", StepName::Fix, "gpt-4.1", 500_000, 0),
            ("r2", StepName::Modify, "mystery", 10, 10),
        ];
        for (run, step, model, i, o) in steps {
            let usage = t.priced(usage("azure-openai", model, i, o));
            snap.usage.push(StepUsage {
                run_id: run.into(),
                step,
                calls: 1,
                usage,
            });
        }
        let r1 = snap.run_usage("r1");
        let costs: Vec<_> = r1
            .iter()
            .map(|u| (u.model.as_deref(), u.cost_usd))
            .collect();
        assert_eq!(
            costs,
            [
                (Some("gpt-4.1"), Some(9.0)),
                (Some("gpt-4.1-mini"), Some(0.4))
            ]
        );
        assert_eq!(snap.run_usage("r2")[0].cost_usd, None);
        let all = snap.spend();
        assert_eq!((all.calls, all.tokens, all.cost_usd), (4, 2_500_020, None));
        snap.usage.pop();
        let known = snap.spend().cost_usd.expect("all priced");
        assert!((known - 9.4).abs() < 1e-12, "{known}");
    }

    #[test]
    fn a_sum_is_unknown_when_one_part_is() {
        assert_eq!(sum([Some(1.0), Some(0.5)]), Some(1.5));
        assert_eq!(sum([Some(1.0), None]), None);
        assert_eq!(sum([]), Some(0.0));
    }
}
