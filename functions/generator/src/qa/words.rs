//! A check a person writes in words, read into a scenario (the offline qa step's answer to
//! "add a check"): "when I add a task with priority high it is listed first", "… it is
//! listed", "… it is still there after a reload". The record is added through the app's own
//! form; fields the sentence does not name get the derived scenarios' values.

use super::collection::{enter, raw};
use super::{click, expect, scenario, visible_in};
use crate::spec::{AppSpec, FieldType};
use appgen_core::scenario::{Expectation, Scenario, ScenarioStep};

/// Why a sentence could not be read; the message says what would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread(pub String);

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the sentence expects of the record it adds.
enum Outcome {
    First,
    Listed,
    KeptAfterReload,
}

/// The scenario a sentence asks for, for a collection app.
pub fn from_sentence(spec: &AppSpec, sentence: &str) -> Result<Scenario, Unread> {
    let singular = spec.entity.singular.to_lowercase();
    let usage = || {
        Unread(format!(
            "say it as \"when I add a {singular} with <field> <value> it is listed first\" (or \"it is listed\", \"it is still there after a reload\")"
        ))
    };
    if !spec.kind.is_collection() {
        return Err(Unread(
            "checks in words are read for apps that keep a list".into(),
        ));
    }
    let said = sentence.trim().trim_end_matches('.');
    let lower = said.to_lowercase();
    let rest = [
        "when i add a ",
        "when i add an ",
        "if i add a ",
        "if i add an ",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .and_then(|r| r.strip_prefix(&singular))
    .ok_or_else(usage)?;
    let (with, outcome) = rest.rsplit_once(" it ").ok_or_else(usage)?;
    let outcome = match outcome.trim() {
        "is listed first" | "is shown first" | "comes first" | "is first" => Outcome::First,
        "is listed" | "is shown" | "appears" | "is in the list" => Outcome::Listed,
        o if o.contains("reload") => Outcome::KeptAfterReload,
        _ => return Err(usage()),
    };
    // Values keep the case they were written in ("Milk"); the words around them are read in
    // lower case. Where lower-casing changed the length, the lower-case text is all there is.
    let at = with.as_ptr() as usize - lower.as_ptr() as usize;
    let with = match said.len() == lower.len() {
        true => said.get(at..at + with.len()).unwrap_or(with),
        false => with,
    };
    let with = with.trim();
    let values = match with.get(..5) {
        Some(w) if w.eq_ignore_ascii_case("with ") => pairs(spec, &with[5..])?,
        _ => pairs(spec, "")?,
    };
    Ok(build(spec, sentence.trim(), &values, outcome))
}

/// "priority high and title milk" → (field key, value in the app's spelling).
fn pairs(spec: &AppSpec, text: &str) -> Result<Vec<(String, String)>, Unread> {
    let mut out = Vec::new();
    for part in text.split(" and ").map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_lowercase();
        let field = spec
            .entity
            .fields
            .iter()
            .filter(|f| lower.starts_with(&f.label.to_lowercase()))
            .max_by_key(|f| f.label.len())
            .ok_or_else(|| {
                let labels: Vec<String> =
                    spec.entity.fields.iter().map(|f| f.label.clone()).collect();
                Unread(format!(
                    "\"{part}\" names no field; fields: {}",
                    labels.join(", ")
                ))
            })?;
        let value = part[field.label.len()..].trim();
        let value = match field.kind {
            FieldType::Enum => field
                .options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(value))
                .cloned()
                .ok_or_else(|| {
                    Unread(format!(
                        "{} is one of {}",
                        field.label,
                        field.options.join(", ")
                    ))
                })?,
            _ if value.is_empty() => return Err(Unread(format!("no value for {}", field.label))),
            _ => value.to_owned(),
        };
        out.push((field.key.clone(), value));
    }
    Ok(out)
}

fn build(spec: &AppSpec, sentence: &str, with: &[(String, String)], outcome: Outcome) -> Scenario {
    let list = spec.entity.plural.clone();
    let primary = spec.primary_key();
    let add = |n: usize, with: &[(String, String)]| -> Vec<ScenarioStep> {
        let mut steps: Vec<ScenarioStep> = spec
            .entity
            .fields
            .iter()
            .map(|f| {
                let v = with
                    .iter()
                    .find(|(k, _)| *k == f.key)
                    .map(|(_, v)| v.clone());
                enter(f, v.unwrap_or_else(|| raw(spec, f, n)))
            })
            .collect();
        steps.push(click(&format!(
            "Add {}",
            spec.entity.singular.to_lowercase()
        )));
        steps
    };
    let name_of = |n: usize, with: &[(String, String)]| {
        with.iter()
            .find(|(k, _)| *k == primary)
            .map(|(_, v)| v.clone())
            .or_else(|| spec.field(&primary).map(|f| raw(spec, f, n)))
            .unwrap_or_default()
    };
    let ours = name_of(1, with);
    let mut steps = Vec::new();
    if let Outcome::First = outcome {
        steps.extend(add(0, &[]));
    }
    steps.extend(add(1, with));
    match outcome {
        Outcome::First => steps.push(expect(Expectation::Order {
            texts: vec![ours.clone(), name_of(0, &[])],
        })),
        Outcome::Listed => steps.push(visible_in(&list, &ours)),
        Outcome::KeptAfterReload => {
            steps.push(ScenarioStep::Reload);
            steps.push(visible_in(&list, &ours));
        }
    }
    scenario(sentence, sentence, steps)
}
