//! What a built app is checked for in headless Chromium: one [`Check`] per kind of
//! `docs/eval/checks.md`, with its typed parameters. The eval files, the builder's CLI and the
//! pipeline's default checks all become `Check`s here; the check script receives them as JSON
//! (`{"kind": …, params…}`) and answers one [`crate::app::CheckResult`] each.
//!
//! A check that is not understood is an error naming its kind and field, never skipped.

use crate::colors::ColorName;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The kinds of check, as written in `kind`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Builds,
    Loads,
    Text,
    Field,
    SubmitRoundtrip,
    Persists,
    Clicks,
    Color,
}

impl CheckKind {
    pub const ALL: [CheckKind; 8] = [
        CheckKind::Builds,
        CheckKind::Loads,
        CheckKind::Text,
        CheckKind::Field,
        CheckKind::SubmitRoundtrip,
        CheckKind::Persists,
        CheckKind::Clicks,
        CheckKind::Color,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Builds => "builds",
            CheckKind::Loads => "loads",
            CheckKind::Text => "text",
            CheckKind::Field => "field",
            CheckKind::SubmitRoundtrip => "submit_roundtrip",
            CheckKind::Persists => "persists",
            CheckKind::Clicks => "clicks",
            CheckKind::Color => "color",
        }
    }

    pub fn parse(s: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check of a built app, with the parameters its kind takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// The build step succeeded.
    Builds,
    /// The page renders visible content with no uncaught error, console error or failed request.
    Loads,
    Text(TextCheck),
    Field(FieldCheck),
    SubmitRoundtrip(SubmitRoundtrip),
    /// After `submit_roundtrip` and a reload, the typed token is still visible.
    Persists,
    Clicks(ClicksCheck),
    Color(ColorCheck),
}

/// Visible text contains, case-insensitively, any of `any` and all of `all` (at least one given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextCheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<String>,
}

/// A visible form control whose accessible name contains any of `any`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCheck {
    pub any: Vec<String>,
}

/// Filling the form and submitting it shows the typed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SubmitRoundtrip {
    /// The pipeline's smoke test: passes without a free-text form, and when the form answers
    /// and resets without echoing the token.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// At least `min` of the page's buttons (up to [`ClicksCheck::MAX_BUTTONS`]) change the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClicksCheck {
    pub min: u32,
}

impl ClicksCheck {
    pub const DEFAULT_MIN: u32 = 2;
    /// Buttons clicked at most, in document order.
    pub const MAX_BUTTONS: u32 = 12;
}

/// The page's background, or some button's, is within ΔE 5 of `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColorCheck {
    pub target: ColorTarget,
    pub name: ColorName,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorTarget {
    Background,
    Accent,
}

/// Why a check (or a list of them) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("a check must be a JSON object with a \"kind\", got {0}")]
    NotAnObject(String),
    #[error("a check has no \"kind\" (one of {})", known_kinds())]
    MissingKind,
    #[error("unknown check kind {0} (one of {known})", known = known_kinds())]
    UnknownKind(String),
    #[error("check {kind}: {reason}")]
    Invalid { kind: CheckKind, reason: String },
    #[error("checks must be a JSON array of check objects")]
    NotAList,
    #[error("check #{} of the list: {error}", index + 1)]
    InList {
        index: usize,
        error: Box<CheckError>,
    },
}

fn known_kinds() -> String {
    CheckKind::ALL.map(CheckKind::as_str).join(", ")
}

impl Check {
    pub fn kind(&self) -> CheckKind {
        match self {
            Check::Builds => CheckKind::Builds,
            Check::Loads => CheckKind::Loads,
            Check::Text(_) => CheckKind::Text,
            Check::Field(_) => CheckKind::Field,
            Check::SubmitRoundtrip(_) => CheckKind::SubmitRoundtrip,
            Check::Persists => CheckKind::Persists,
            Check::Clicks(_) => CheckKind::Clicks,
            Check::Color(_) => CheckKind::Color,
        }
    }

    /// Reads one check as the eval files write it: `{"kind": "text", "any": ["total"]}`.
    pub fn from_json(value: Value) -> Result<Check, CheckError> {
        let Value::Object(mut map) = value else {
            return Err(CheckError::NotAnObject(short(&value)));
        };
        let kind = match map.remove("kind") {
            None => return Err(CheckError::MissingKind),
            Some(Value::String(s)) => {
                CheckKind::parse(&s).ok_or_else(|| CheckError::UnknownKind(format!("{s:?}")))?
            }
            Some(other) => return Err(CheckError::UnknownKind(short(&other))),
        };
        let mut p = Params { kind, map };
        let check = match kind {
            CheckKind::Builds => Check::Builds,
            CheckKind::Loads => Check::Loads,
            CheckKind::Persists => Check::Persists,
            CheckKind::Text => {
                let any = p.words("any")?.unwrap_or_default();
                let all = p.words("all")?.unwrap_or_default();
                if any.is_empty() && all.is_empty() {
                    return Err(p.invalid("needs `any` or `all`, a non-empty list of words"));
                }
                Check::Text(TextCheck { any, all })
            }
            CheckKind::Field => match p.words("any")? {
                Some(any) if !any.is_empty() => Check::Field(FieldCheck { any }),
                Some(_) => return Err(p.invalid("field `any`: the list is empty")),
                None => return Err(p.invalid("missing field `any` (the words naming the field)")),
            },
            CheckKind::SubmitRoundtrip => Check::SubmitRoundtrip(SubmitRoundtrip {
                optional: p.field("optional")?.unwrap_or(false),
            }),
            CheckKind::Clicks => {
                let min = p.field("min")?.unwrap_or(ClicksCheck::DEFAULT_MIN);
                if !(1..=ClicksCheck::MAX_BUTTONS).contains(&min) {
                    return Err(p.invalid(&format!(
                        "field `min`: {min} is not between 1 and {}",
                        ClicksCheck::MAX_BUTTONS
                    )));
                }
                Check::Clicks(ClicksCheck { min })
            }
            CheckKind::Color => Check::Color(ColorCheck {
                target: p.required("target")?,
                name: p.required("name")?,
            }),
        };
        p.finish()?;
        Ok(check)
    }

    /// Reads a JSON array of checks.
    pub fn list_from_json(value: Value) -> Result<Vec<Check>, CheckError> {
        let Value::Array(items) = value else {
            return Err(CheckError::NotAList);
        };
        items
            .into_iter()
            .enumerate()
            .map(|(index, v)| {
                Check::from_json(v).map_err(|e| CheckError::InList {
                    index,
                    error: Box::new(e),
                })
            })
            .collect()
    }

    /// A short label for tables: `text:total|sum`, `color:accent:teal`, `clicks:3`.
    pub fn label(&self) -> String {
        match self {
            Check::Text(t) => {
                let words = if t.any.is_empty() { &t.all } else { &t.any };
                format!("text:{}", words.join("|"))
            }
            Check::Field(f) => format!("field:{}", f.any.join("|")),
            Check::Clicks(c) => format!("clicks:{}", c.min),
            Check::Color(c) => {
                let target = match c.target {
                    ColorTarget::Background => "background",
                    ColorTarget::Accent => "accent",
                };
                format!("color:{target}:{}", c.name)
            }
            other => other.kind().to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Check::from_json(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The parameters of one check, taken out field by field so an error names the field.
struct Params {
    kind: CheckKind,
    map: Map<String, Value>,
}

impl Params {
    fn invalid(&self, reason: &str) -> CheckError {
        CheckError::Invalid {
            kind: self.kind,
            reason: reason.to_owned(),
        }
    }

    fn field<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, CheckError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| self.invalid(&format!("field `{name}`: {e}"))),
        }
    }

    fn required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, CheckError> {
        self.field(name)?
            .ok_or_else(|| self.invalid(&format!("missing field `{name}`")))
    }

    /// A list of words to look for; an empty word would match anything.
    fn words(&mut self, name: &str) -> Result<Option<Vec<String>>, CheckError> {
        let words: Option<Vec<String>> = self.field(name)?;
        if words.iter().flatten().any(|w| w.trim().is_empty()) {
            return Err(self.invalid(&format!("field `{name}` has an empty word")));
        }
        Ok(words)
    }

    fn finish(self) -> Result<(), CheckError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(extra) => Err(self.invalid(&format!("unknown field `{extra}`"))),
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Check, String> {
        Check::from_json(v).map_err(|e| e.to_string())
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let all = json!([
            {"kind": "builds"},
            {"kind": "loads"},
            {"kind": "text", "any": ["total", "sum"]},
            {"kind": "text", "all": ["shopping list"]},
            {"kind": "field", "any": ["title"]},
            {"kind": "submit_roundtrip"},
            {"kind": "submit_roundtrip", "optional": true},
            {"kind": "persists"},
            {"kind": "clicks", "min": 4},
            {"kind": "color", "target": "background", "name": "navy"},
            {"kind": "color", "target": "accent", "name": "#2e8b57"},
        ]);
        let checks = Check::list_from_json(all.clone()).expect("parse");
        assert_eq!(serde_json::to_value(&checks).expect("json"), all);
        let again: Vec<Check> = serde_json::from_value(all).expect("serde");
        assert_eq!(again, checks);
        let kinds: Vec<CheckKind> = checks.iter().map(Check::kind).collect();
        assert!(CheckKind::ALL.iter().all(|k| kinds.contains(k)));
        assert_eq!(checks[2].label(), "text:total|sum");
        assert_eq!(checks[10].label(), "color:accent:#2e8b57");
    }

    #[test]
    fn defaults_and_canonical_spellings() {
        assert_eq!(
            parse(json!({"kind": "clicks"})),
            Ok(Check::Clicks(ClicksCheck { min: 2 }))
        );
        assert_eq!(
            parse(json!({"kind": "submit_roundtrip", "optional": null})),
            Ok(Check::SubmitRoundtrip(SubmitRoundtrip { optional: false }))
        );
        let c = parse(json!({"kind": "color", "target": "accent", "name": "Forest Green"}));
        assert_eq!(
            c.map(|c| serde_json::to_value(c).expect("json")),
            Ok(json!({"kind": "color", "target": "accent", "name": "forestgreen"}))
        );
    }

    #[test]
    fn kinds_print_as_they_are_written() {
        for k in CheckKind::ALL {
            assert_eq!(serde_json::to_value(k).expect("json"), json!(k.as_str()));
            assert_eq!(CheckKind::parse(&k.to_string()), Some(k));
        }
        assert_eq!(CheckKind::parse("check"), None);
    }

    #[test]
    fn unknown_or_malformed_checks_are_refused_naming_the_kind_and_field() {
        let cases = [
            (
                json!({"kind": "teleport"}),
                "unknown check kind \"teleport\" (one of builds, loads, text, field, submit_roundtrip, persists, clicks, color)",
            ),
            (json!({"kind": 3}), "unknown check kind 3"),
            (json!({"any": ["x"]}), "a check has no \"kind\""),
            (json!("loads"), "a check must be a JSON object"),
            (json!({"kind": "text"}), "check text: needs `any` or `all`"),
            (
                json!({"kind": "text", "any": []}),
                "check text: needs `any` or `all`",
            ),
            (
                json!({"kind": "text", "any": "total"}),
                "check text: field `any`: invalid type: string \"total\", expected a sequence",
            ),
            (
                json!({"kind": "text", "all": ["ok", " "]}),
                "check text: field `all` has an empty word",
            ),
            (
                json!({"kind": "text", "alll": ["x"], "any": ["y"]}),
                "check text: unknown field `alll`",
            ),
            (json!({"kind": "field"}), "check field: missing field `any`"),
            (
                json!({"kind": "field", "any": []}),
                "check field: field `any`: the list is empty",
            ),
            (
                json!({"kind": "loads", "optional": true}),
                "check loads: unknown field `optional`",
            ),
            (
                json!({"kind": "submit_roundtrip", "optional": "yes"}),
                "check submit_roundtrip: field `optional`: invalid type",
            ),
            (
                json!({"kind": "clicks", "min": 0}),
                "check clicks: field `min`: 0 is not between 1 and 12",
            ),
            (
                json!({"kind": "clicks", "min": -1}),
                "check clicks: field `min`: invalid value",
            ),
            (
                json!({"kind": "color", "name": "navy"}),
                "check color: missing field `target`",
            ),
            (
                json!({"kind": "color", "target": "border", "name": "navy"}),
                "check color: field `target`: unknown variant `border`",
            ),
            (
                json!({"kind": "color", "target": "accent"}),
                "check color: missing field `name`",
            ),
            (
                json!({"kind": "color", "target": "accent", "name": "blurple"}),
                "check color: field `name`: \"blurple\" is neither a CSS named colour",
            ),
        ];
        for (value, want) in cases {
            let got = parse(value.clone()).expect_err(&value.to_string());
            assert!(got.starts_with(want), "{value}: {got}");
        }
        let list = Check::list_from_json(json!([{"kind": "loads"}, {"kind": "field"}]));
        assert_eq!(
            list.map_err(|e| e.to_string()),
            Err("check #2 of the list: check field: missing field `any` (the words naming the field)".into())
        );
        assert_eq!(
            Check::list_from_json(json!({"kind": "loads"})),
            Err(CheckError::NotAList)
        );
        let serde_err = serde_json::from_str::<Vec<Check>>(r#"[{"kind":"teleport"}]"#)
            .expect_err("unknown kind");
        assert!(
            serde_err
                .to_string()
                .contains("unknown check kind \"teleport\""),
            "{serde_err}"
        );
    }
}
