//! Acceptance scenarios: what a user would do with an app and what they should then see, as
//! data. The QA step writes them from the requirements (before the code exists, so they do not
//! copy the code's mistakes) and the browser check runs them on every version. The format is
//! documented in `docs/qa.md`.
//!
//! Steps use accessible locators only (a label, a role and a name, visible text), the way a
//! person finds things on a page, so a scenario survives a restyled or restructured app. A
//! scenario that cannot be run as written (an unknown action, a missing target, no
//! expectation) is refused with an error naming it; it is never skipped.

use crate::check::ColorTarget;
use crate::colors::ColorName;
use serde::{Deserialize, Serialize};

/// One acceptance test of an app.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Short and unique within the app: "adding a book lists it".
    pub name: String,
    /// The requirement it covers, in the requirements' words.
    pub requirement: String,
    pub steps: Vec<ScenarioStep>,
}

/// One thing the user does, or one thing they should see.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScenarioStep {
    /// Types `value` into the control labelled `label` (replacing what is there).
    Fill { label: String, value: String },
    /// Picks the option shown as `option` in the select labelled `label`.
    Select { label: String, option: String },
    /// Ticks (or, with `checked: false`, unticks) the checkbox or switch labelled `label`.
    Check {
        label: String,
        #[serde(default = "yes")]
        checked: bool,
    },
    /// Clicks the element with this role and accessible name.
    Click { role: Role, name: String },
    /// Presses a key (`Enter`, `Escape`, `ArrowDown`…), in the control labelled `label` if given.
    Press {
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// Reloads the page (what was saved must still be there).
    Reload,
    /// Opens the app in a fresh browser context in place of the current window: no storage,
    /// no cookies (another person).
    FreshContext,
    /// Opens the app in a second window, a fresh browser context kept open beside the first
    /// (another person, at the same time); the next steps act on it.
    OpenSecond,
    /// The next steps act on this window (the second must have been opened).
    SwitchTo { window: Window },
    /// Waits for this long (a timer ticking), at most [`MAX_WAIT_MS`].
    Wait { ms: u64 },
    /// Checks what the page shows now.
    Expect { expect: Expectation },
    /// Checks that the page shows this within `within_ms` of the step's start (at most
    /// [`MAX_LIVE_MS`]), the page never reloaded: a change made in the other window arriving
    /// live.
    ExpectLive { expect: Expectation, within_ms: u64 },
}

/// The windows a scenario can have open at once: the one it starts in and a second.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    First,
    Second,
}

fn yes() -> bool {
    true
}

/// The longest a scenario may wait in one step.
pub const MAX_WAIT_MS: u64 = 10_000;

/// The longest bound of a live expectation: what "live" promises (issue 13: ≤ 2 s), below the
/// browser check's ordinary polling of an expectation (2.5 s).
pub const MAX_LIVE_MS: u64 = 2_000;

/// Roles a click may target (ARIA roles of things people click).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Button,
    Link,
    Tab,
    Checkbox,
    Radio,
    Option,
    Menuitem,
    Switch,
    /// A cell of a grid (a board game's square).
    Gridcell,
}

/// What the page should show.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// `text` is visible (case-insensitive, whitespace folded): inside the element whose
    /// `aria-label` is `within` (a list), else anywhere on the page.
    TextVisible {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within: Option<String>,
    },
    /// `text` is not visible inside `within` (a list), else nowhere on the page. Scoped, a
    /// record filtered out of the list may still be named elsewhere (a per-parent roll-up).
    TextHidden {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within: Option<String>,
    },
    /// The control labelled `label` holds `value`.
    Value { label: String, value: String },
    /// The list (the one labelled `list`, else the page's main list) has `count` items.
    Count {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list: Option<String>,
        count: u32,
    },
    /// These texts are visible in this order, top to bottom.
    Order { texts: Vec<String> },
    /// The number shown beside `label` (in the same element or its labelled region) is
    /// `value` ± `tolerance`.
    Number {
        label: String,
        value: f64,
        #[serde(default)]
        tolerance: f64,
    },
    /// The page's background (or some button's, for `accent`) is the named colour, within
    /// the browser check's ΔE 5.
    Color {
        target: ColorTarget,
        name: ColorName,
    },
}

/// Why a scenario cannot be run as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario {index} does not parse: {reason}")]
    Unreadable { index: usize, reason: String },
    #[error("scenario {name:?}: {reason}")]
    Invalid { name: String, reason: String },
    #[error("two scenarios are named {0:?}; names must be unique")]
    DuplicateName(String),
}

impl Scenario {
    /// Every step can be run as written and the scenario checks something.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let invalid = |reason: String| ScenarioError::Invalid {
            name: self.name.clone(),
            reason,
        };
        if self.name.trim().is_empty() {
            return Err(invalid("it has no name".into()));
        }
        if self.requirement.trim().is_empty() {
            return Err(invalid("it names no requirement it covers".into()));
        }
        if !self.steps.iter().any(|s| {
            matches!(
                s,
                ScenarioStep::Expect { .. } | ScenarioStep::ExpectLive { .. }
            )
        }) {
            return Err(invalid("it expects nothing, so it cannot fail".into()));
        }
        let mut second_open = false;
        for (i, step) in self.steps.iter().enumerate() {
            step.validate()
                .and_then(|()| step.windows(&mut second_open))
                .map_err(|why| invalid(format!("step {}: {why}", i + 1)))?;
        }
        Ok(())
    }
}

impl ScenarioStep {
    fn validate(&self) -> Result<(), String> {
        let named = |what: &str, s: &str| {
            if s.trim().is_empty() {
                Err(format!("{what} is empty"))
            } else {
                Ok(())
            }
        };
        match self {
            ScenarioStep::Fill { label, .. }
            | ScenarioStep::Select { label, .. }
            | ScenarioStep::Check { label, .. } => named("the label", label),
            ScenarioStep::Click { name, .. } => named("the name to click", name),
            ScenarioStep::Press { key, label } => {
                named("the key", key)?;
                label.as_deref().map_or(Ok(()), |l| named("the label", l))
            }
            ScenarioStep::Reload
            | ScenarioStep::FreshContext
            | ScenarioStep::OpenSecond
            | ScenarioStep::SwitchTo { .. } => Ok(()),
            ScenarioStep::Wait { ms } if *ms > MAX_WAIT_MS => Err(format!(
                "a wait of {ms} ms is over the {MAX_WAIT_MS} ms limit"
            )),
            ScenarioStep::Wait { .. } => Ok(()),
            ScenarioStep::ExpectLive { within_ms, .. }
                if *within_ms == 0 || *within_ms > MAX_LIVE_MS =>
            {
                Err(format!(
                    "a live expectation within {within_ms} ms is outside 1..={MAX_LIVE_MS} ms"
                ))
            }
            ScenarioStep::Expect { expect } | ScenarioStep::ExpectLive { expect, .. } => {
                expect.validate()
            }
        }
    }

    /// Follows which windows are open: a second window is opened once, and only an opened
    /// one can be switched to.
    fn windows(&self, second_open: &mut bool) -> Result<(), String> {
        match self {
            ScenarioStep::OpenSecond if *second_open => {
                Err("the second window is already open".into())
            }
            ScenarioStep::OpenSecond => {
                *second_open = true;
                Ok(())
            }
            ScenarioStep::SwitchTo {
                window: Window::Second,
            } if !*second_open => {
                Err("it switches to the second window before `open_second` opened it".into())
            }
            _ => Ok(()),
        }
    }
}

impl Expectation {
    fn validate(&self) -> Result<(), String> {
        match self {
            Expectation::TextVisible { text, within }
            | Expectation::TextHidden { text, within } => {
                if text.trim().is_empty() {
                    return Err("the text to look for is empty".into());
                }
                if within.as_deref().is_some_and(|w| w.trim().is_empty()) {
                    return Err("the list to look within is empty".into());
                }
                Ok(())
            }
            Expectation::Value { label, .. } if label.trim().is_empty() => {
                Err("the label is empty".into())
            }
            Expectation::Value { .. } | Expectation::Count { .. } => Ok(()),
            Expectation::Order { texts } if texts.len() < 2 => {
                Err("an order needs at least two texts".into())
            }
            Expectation::Order { texts } if texts.iter().any(|t| t.trim().is_empty()) => {
                Err("an order holds an empty text".into())
            }
            Expectation::Order { .. } => Ok(()),
            Expectation::Number { label, .. } if label.trim().is_empty() => {
                Err("the label is empty".into())
            }
            Expectation::Number {
                value, tolerance, ..
            } if !value.is_finite() || !tolerance.is_finite() || *tolerance < 0.0 => {
                Err("the number and its tolerance must be finite, the tolerance ≥ 0".into())
            }
            Expectation::Number { .. } | Expectation::Color { .. } => Ok(()),
        }
    }
}

/// What running one scenario in the browser came to. A failure says which step failed, what
/// it expected and what the page showed, with a screenshot of the page at that moment.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioResult {
    pub name: String,
    pub requirement: String,
    pub passed: bool,
    /// 1-based index of the step that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
    /// The failure screenshot: a file name in the check directory, then its artifact key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
}

impl ScenarioResult {
    /// One line of evidence for the fix agent and the user: `"adding a book lists it":
    /// step 4 expected text "Dune" visible, saw "No books yet"`.
    pub fn evidence(&self) -> String {
        let step = self
            .failed_step
            .map(|n| format!(" step {n}"))
            .unwrap_or_default();
        let expected = self.expected.as_deref().unwrap_or("it to pass");
        let seen = self.seen.as_deref().unwrap_or("something else");
        format!(
            "acceptance check {:?} failed at{step}: expected {expected}; saw {seen}",
            self.name
        )
    }
}

/// How many of a version's scenarios passed, of how many.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub passed: u32,
    pub total: u32,
}

impl Tally {
    pub fn of(results: &[ScenarioResult]) -> Tally {
        Tally {
            passed: results.iter().filter(|r| r.passed).count() as u32,
            total: results.len() as u32,
        }
    }

    pub fn all_pass(self) -> bool {
        self.passed == self.total
    }
}

/// Reads a JSON array of scenarios, refusing the whole set if any one cannot be run as
/// written (with the error naming it) or two share a name.
pub fn parse_scenarios(json: &str) -> Result<Vec<Scenario>, ScenarioError> {
    let raw: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| ScenarioError::Unreadable {
            index: 0,
            reason: format!("not a JSON array of scenarios: {e}"),
        })?;
    let mut out: Vec<Scenario> = Vec::with_capacity(raw.len());
    for (index, value) in raw.into_iter().enumerate() {
        let scenario: Scenario =
            serde_json::from_value(value).map_err(|e| ScenarioError::Unreadable {
                index: index + 1,
                reason: e.to_string(),
            })?;
        scenario.validate()?;
        if out.iter().any(|s| s.name == scenario.name) {
            return Err(ScenarioError::DuplicateName(scenario.name));
        }
        out.push(scenario);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[{
        "name": "adding a book lists it",
        "requirement": "Books have a title, an author and a rating from 1 to 5",
        "steps": [
            {"do": "fill", "label": "Title", "value": "Dune"},
            {"do": "select", "label": "Rating", "option": "5"},
            {"do": "click", "role": "button", "name": "Add book"},
            {"do": "expect", "expect": {"kind": "text_visible", "text": "Dune"}},
            {"do": "reload"},
            {"do": "expect", "expect": {"kind": "count", "count": 1}},
            {"do": "expect", "expect": {"kind": "number", "label": "Average rating", "value": 5, "tolerance": 0.01}}
        ]
    }]"#;

    #[test]
    fn a_good_scenario_reads_and_round_trips() {
        let s = parse_scenarios(GOOD).expect("good");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].steps.len(), 7);
        assert!(matches!(
            &s[0].steps[2],
            ScenarioStep::Click { role: Role::Button, name } if name == "Add book"
        ));
        let again = serde_json::to_string(&s).expect("write");
        assert_eq!(parse_scenarios(&again).expect("again"), s);
    }

    fn refused(json: &str) -> String {
        parse_scenarios(json)
            .expect_err("must be refused")
            .to_string()
    }

    #[test]
    fn an_unknown_action_is_refused_naming_the_scenario() {
        let why =
            refused(r#"[{"name":"a","requirement":"r","steps":[{"do":"hover","label":"x"}]}]"#);
        assert!(why.contains("scenario 1") && why.contains("hover"), "{why}");
    }

    #[test]
    fn a_missing_target_is_refused() {
        let why = refused(
            r#"[{"name":"a","requirement":"r","steps":[{"do":"click","role":"button"},
                {"do":"expect","expect":{"kind":"text_visible","text":"x"}}]}]"#,
        );
        assert!(why.contains("name"), "{why}");
        let empty = refused(
            r#"[{"name":"adds","requirement":"r","steps":[{"do":"fill","label":" ","value":"v"},
                {"do":"expect","expect":{"kind":"text_visible","text":"x"}}]}]"#,
        );
        assert!(
            empty.contains("\"adds\"") && empty.contains("step 1") && empty.contains("label"),
            "{empty}"
        );
    }

    #[test]
    fn a_scenario_that_expects_nothing_is_refused() {
        let why = refused(
            r#"[{"name":"a","requirement":"r","steps":[{"do":"click","role":"button","name":"Go"}]}]"#,
        );
        assert!(why.contains("cannot fail"), "{why}");
    }

    #[test]
    fn bad_expectations_and_waits_are_refused() {
        for (json, needle) in [
            (r#"{"kind":"order","texts":["only one"]}"#, "two texts"),
            (
                r#"{"kind":"number","label":"Total","value":3,"tolerance":-1}"#,
                "tolerance",
            ),
            (r#"{"kind":"text_hidden","text":""}"#, "empty"),
            (
                r#"{"kind":"text_hidden","text":"x","within":" "}"#,
                "list to look within",
            ),
            (r#"{"kind":"colour","name":"red"}"#, "colour"),
        ] {
            let why = refused(&format!(
                r#"[{{"name":"a","requirement":"r","steps":[{{"do":"expect","expect":{json}}}]}}]"#
            ));
            assert!(why.contains(needle), "{json}: {why}");
        }
        let long = refused(
            r#"[{"name":"a","requirement":"r","steps":[{"do":"wait","ms":60000},
                {"do":"expect","expect":{"kind":"text_visible","text":"x"}}]}]"#,
        );
        assert!(long.contains("over the"), "{long}");
    }

    #[test]
    fn names_must_be_unique_and_fields_known() {
        let one = r#"{"name":"a","requirement":"r","steps":[{"do":"expect","expect":{"kind":"text_visible","text":"x"}}]}"#;
        assert!(refused(&format!("[{one},{one}]")).contains("two scenarios"));
        let extra = refused(
            r#"[{"name":"a","requirement":"r","priority":1,"steps":[{"do":"expect","expect":{"kind":"text_visible","text":"x"}}]}]"#,
        );
        assert!(extra.contains("priority"), "{extra}");
    }

    #[test]
    fn two_windows_read_and_a_live_expectation_is_bounded() {
        let live = r#"[{"name":"live","requirement":"r","steps":[
            {"do":"open_second"},{"do":"switch_to","window":"first"},
            {"do":"click","role":"button","name":"Add"},{"do":"switch_to","window":"second"},
            {"do":"expect_live","within_ms":2000,"expect":{"kind":"text_visible","text":"x"}}]}]"#;
        let s = parse_scenarios(live).expect("good");
        assert_eq!(
            s[0].steps[1],
            ScenarioStep::SwitchTo {
                window: Window::First
            }
        );
        assert!(matches!(
            s[0].steps[4],
            ScenarioStep::ExpectLive {
                within_ms: 2000,
                ..
            }
        ));
        let only_live = r#"[{"name":"a","requirement":"r","steps":[
            {"do":"expect_live","within_ms":500,"expect":{"kind":"text_visible","text":"x"}}]}]"#;
        assert!(
            parse_scenarios(only_live).is_ok(),
            "a live expectation counts"
        );
    }

    #[test]
    fn a_window_never_opened_or_opened_twice_and_an_unbounded_live_wait_are_refused() {
        let expect = r#"{"do":"expect","expect":{"kind":"text_visible","text":"x"}}"#;
        for (steps, needle) in [
            (
                r#"{"do":"switch_to","window":"second"}"#,
                "step 1: it switches to the second window before `open_second` opened it",
            ),
            (
                r#"{"do":"open_second"},{"do":"open_second"}"#,
                "step 2: the second window is already open",
            ),
            (r#"{"do":"switch_to","window":"third"}"#, "third"),
            (
                r#"{"do":"expect_live","within_ms":5000,"expect":{"kind":"text_visible","text":"x"}}"#,
                "outside 1..=2000 ms",
            ),
        ] {
            let why = refused(&format!(
                r#"[{{"name":"a","requirement":"r","steps":[{steps},{expect}]}}]"#
            ));
            assert!(why.contains(needle), "{steps}: {why}");
        }
    }
}
