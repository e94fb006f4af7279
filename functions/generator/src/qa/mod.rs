//! The offline qa step: acceptance scenarios derived from the spec, not from the code, so they
//! hold the app to what was asked. Each entity: add a record with concrete values and expect it
//! listed; each computed value: known inputs give the exact result; filters, search, sort and
//! done state; persistence after a reload; each colour asked for.
//!
//! The scenarios go by what a person sees (labels, button names, text), the same words the
//! composed app renders, so an app that does what the spec says passes them.

mod archetypes;
mod collection;
mod expr;
mod other;
pub mod words;

use crate::analysis::{DARK_ACCENT, DARK_BACKGROUND, DEFAULT_ACCENT, DEFAULT_BACKGROUND};
use crate::spec::{AppKind, AppSpec};
use appgen_core::check::ColorTarget;
use appgen_core::colors::ColorName;
use appgen_core::scenario::{Expectation, Role, Scenario, ScenarioStep};

/// Every scenario of the app the spec describes, in a stable order with unique names.
pub fn scenarios(spec: &AppSpec) -> Vec<Scenario> {
    let mut out = match spec.kind {
        k if k.is_collection() => collection::scenarios(spec),
        AppKind::Board => other::board(spec),
        AppKind::Calculator => other::calculator(spec),
        AppKind::Quiz => other::quiz(spec),
        AppKind::Landing => other::landing(spec),
        AppKind::Archetype => archetypes::scenarios(spec),
        _ => Vec::new(),
    };
    out.extend(colours(spec));
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|s| seen.insert(s.name.clone()));
    out
}

/// The scenarios a follow-up retires (derived from the old spec, gone or changed in the new)
/// and the ones it adds (new or changed). Scenarios the user wrote are never retired here.
pub fn changes(before: &AppSpec, after: &AppSpec) -> (Vec<String>, Vec<Scenario>) {
    let old = scenarios(before);
    let new = scenarios(after);
    let retire = old
        .iter()
        .filter(|o| !new.contains(o))
        .map(|o| o.name.clone())
        .collect();
    let add = new.into_iter().filter(|n| !old.contains(n)).collect();
    (retire, add)
}

fn colours(spec: &AppSpec) -> Vec<Scenario> {
    let asked = |value: &str, defaults: &[&str]| {
        (!defaults.iter().any(|d| d.eq_ignore_ascii_case(value)))
            .then(|| ColorName::parse(value))
            .flatten()
    };
    let mut out = Vec::new();
    // The dark theme's colours are the generator's, not the user's.
    if let Some(name) = asked(
        &spec.theme.background,
        &[DEFAULT_BACKGROUND, DARK_BACKGROUND],
    ) {
        out.push(colour(ColorTarget::Background, name, "background is"));
    }
    if let Some(name) = asked(&spec.theme.accent, &[DEFAULT_ACCENT, DARK_ACCENT]) {
        out.push(colour(ColorTarget::Accent, name, "buttons are"));
    }
    out
}

fn colour(target: ColorTarget, name: ColorName, what: &str) -> Scenario {
    let part = what.split(' ').next().unwrap_or(what);
    scenario(
        &format!("the {what} {name}"),
        &format!("Use {name} for the {part}"),
        vec![expect(Expectation::Color { target, name })],
    )
}

// ------------------------------------------------------------------ small constructors

fn scenario(name: &str, requirement: &str, steps: Vec<ScenarioStep>) -> Scenario {
    Scenario {
        name: name.to_owned(),
        requirement: requirement.to_owned(),
        steps,
    }
}

fn expect(expect: Expectation) -> ScenarioStep {
    ScenarioStep::Expect { expect }
}

fn visible(text: &str) -> ScenarioStep {
    expect(Expectation::TextVisible {
        text: text.to_owned(),
        within: None,
    })
}

/// `text` shown in the list labelled `list`: a record's name also shown elsewhere (a notice,
/// a per-parent roll-up) neither passes nor trips it.
fn visible_in(list: &str, text: &str) -> ScenarioStep {
    expect(Expectation::TextVisible {
        text: text.to_owned(),
        within: Some(list.to_owned()),
    })
}

fn hidden_in(list: &str, text: &str) -> ScenarioStep {
    expect(Expectation::TextHidden {
        text: text.to_owned(),
        within: Some(list.to_owned()),
    })
}

fn click(name: &str) -> ScenarioStep {
    ScenarioStep::Click {
        role: Role::Button,
        name: name.to_owned(),
    }
}

fn fill(label: &str, value: &str) -> ScenarioStep {
    ScenarioStep::Fill {
        label: label.to_owned(),
        value: value.to_owned(),
    }
}

fn select(label: &str, option: &str) -> ScenarioStep {
    ScenarioStep::Select {
        label: label.to_owned(),
        option: option.to_owned(),
    }
}

fn count(list: &str, n: u32) -> ScenarioStep {
    expect(Expectation::Count {
        list: Some(list.to_owned()),
        count: n,
    })
}

fn number(label: &str, value: f64) -> ScenarioStep {
    // Shown with two decimals at most.
    expect(Expectation::Number {
        label: label.to_owned(),
        value: (value * 100.0).round() / 100.0,
        tolerance: 0.01,
    })
}

#[cfg(test)]
mod tests;
