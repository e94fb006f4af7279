//! The app model shared by agents, the builder and the UI: questions, requirements, files,
//! build and check reports.

use crate::check::CheckKind;
use crate::scenario::{Scenario, ScenarioResult, Tally};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Path → file content of one app.
pub type FileMap = BTreeMap<String, String>;

/// How a clarifying question is answered.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    SingleChoice,
    MultipleChoice,
    YesNo,
}

/// A clarifying question with a default the pipeline can proceed on.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// Stable key, also the property name in the answers object (e.g. `fields`, `colors`).
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The proposed answer: a string, a bool or an array of strings, by kind.
    pub default: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// The JSON Schema of the answers object, sent as the interrupt's `responseSchema`.
pub fn response_schema(questions: &[Question]) -> Value {
    let mut props = serde_json::Map::new();
    for q in questions {
        let mut p = match q.kind {
            QuestionKind::Text => json!({"type": "string"}),
            QuestionKind::YesNo => json!({"type": "boolean"}),
            QuestionKind::SingleChoice => json!({"type": "string", "enum": q.options}),
            QuestionKind::MultipleChoice => {
                json!({"type": "array", "items": {"type": "string", "enum": q.options}, "uniqueItems": true})
            }
        };
        if let Value::Object(m) = &mut p {
            m.insert("title".into(), json!(q.prompt));
            m.insert("default".into(), q.default.clone());
            if let Some(h) = &q.help {
                m.insert("description".into(), json!(h));
            }
        }
        props.insert(q.id.clone(), p);
    }
    json!({
        "type": "object",
        "properties": props,
        "required": [],
        "additionalProperties": true,
        "x-order": questions.iter().map(|q| q.id.clone()).collect::<Vec<_>>(),
    })
}

/// Answers with every missing or ill-typed answer replaced by the question's default.
pub fn answers_with_defaults(questions: &[Question], given: Option<&Value>) -> Value {
    let mut out = serde_json::Map::new();
    for q in questions {
        let candidate = given.and_then(|g| g.get(&q.id)).cloned();
        let ok = match (&candidate, q.kind) {
            (Some(Value::String(_)), QuestionKind::Text | QuestionKind::SingleChoice) => true,
            (Some(Value::Bool(_)), QuestionKind::YesNo) => true,
            (Some(Value::Array(a)), QuestionKind::MultipleChoice) => a.iter().all(Value::is_string),
            _ => false,
        };
        out.insert(
            q.id.clone(),
            if ok {
                candidate.unwrap_or(Value::Null)
            } else {
                q.default.clone()
            },
        );
    }
    // Keep extra keys the client sent (answers by topic from eval files, say).
    if let Some(Value::Object(extra)) = given {
        for (k, v) in extra {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(out)
}

/// What the requirements step settled on. `spec` is the agent's own structured form (the
/// offline generator's app spec, or a model's JSON); the rest is for people.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    pub title: String,
    pub summary: String,
    pub features: Vec<String>,
    #[serde(default)]
    pub spec: Value,
}

/// One change to the app's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileChange {
    /// Create or overwrite a whole file.
    Write {
        path: String,
        content: String,
    },
    /// Replace `search` (which must match exactly once) with `replace`.
    Edit {
        path: String,
        search: String,
        replace: String,
    },
    Delete {
        path: String,
    },
}

impl FileChange {
    pub fn path(&self) -> &str {
        match self {
            FileChange::Write { path, .. }
            | FileChange::Edit { path, .. }
            | FileChange::Delete { path } => path,
        }
    }
}

/// What an edit round produced: the changes and a sentence for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    pub summary: String,
    pub changes: Vec<FileChange>,
    /// The requirements as the change leaves them, when the agent keeps them up to date (the
    /// offline generator re-derives its spec); `None` leaves them as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Requirements>,
    /// What the change does to the acceptance suite.
    #[serde(default, skip_serializing_if = "SuiteChange::is_empty")]
    pub suite: SuiteChange,
}

/// A follow-up's change to the acceptance suite: the scenarios it retires (by name: the
/// behaviour they test was changed on purpose) and the ones it adds. The rest are kept and run
/// on the new version, so a change that breaks earlier behaviour is caught.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteChange {
    #[serde(default)]
    pub retire: Vec<String>,
    #[serde(default)]
    pub add: Vec<Scenario>,
}

impl SuiteChange {
    pub fn is_empty(&self) -> bool {
        self.retire.is_empty() && self.add.is_empty()
    }

    /// The suite after the change: retired ones dropped, added ones appended (replacing any
    /// of the same name). A scenario a person wrote (`kept`) is neither retired nor replaced:
    /// only they remove it (`DELETE …/checks/{name}`), whatever an agent's change says.
    pub fn apply(&self, suite: &[Scenario], kept: &dyn Fn(&str) -> bool) -> Vec<Scenario> {
        let add: Vec<&Scenario> = self.add.iter().filter(|a| !kept(&a.name)).collect();
        let mut out: Vec<Scenario> = suite
            .iter()
            .filter(|s| {
                kept(&s.name)
                    || !self.retire.contains(&s.name) && !add.iter().any(|a| a.name == s.name)
            })
            .cloned()
            .collect();
        out.extend(add.into_iter().cloned());
        out
    }
}

/// Result of one check of a built app in the browser, in the order the checks were asked.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub kind: CheckKind,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// What the headless-Chromium check saw.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub passed: bool,
    #[serde(default)]
    pub console_errors: Vec<String>,
    #[serde(default)]
    pub page_errors: Vec<String>,
    #[serde(default)]
    pub failed_requests: Vec<String>,
    /// Characters of visible text on the page after load.
    #[serde(default)]
    pub visible_text: u64,
    #[serde(default, deserialize_with = "results_of_typed_kinds")]
    pub checks: Vec<CheckResult>,
    /// Why the check as a whole did not finish (timeout, crash); its checks are then not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Artifact key of the screenshot (PNG), if one was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    #[serde(default)]
    pub duration_ms: u64,
    /// The app's acceptance scenarios, run after the checks (`passed` is the checks' verdict:
    /// a version may be built with some scenarios failing, and says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acceptance: Vec<ScenarioResult>,
    /// The app ran against a throwaway data space of the data API (its cloud client for
    /// real), not with its data in the browser.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(test, ts(skip))]
    pub data_space: bool,
}

impl CheckReport {
    /// How many acceptance scenarios passed, when there were any.
    pub fn tally(&self) -> Option<Tally> {
        (!self.acceptance.is_empty()).then(|| Tally::of(&self.acceptance))
    }

    /// The evidence of the failed scenarios, one line each: what the fix agent gets.
    pub fn acceptance_failures(&self) -> Option<String> {
        let lines: Vec<String> = self
            .acceptance
            .iter()
            .filter(|r| !r.passed)
            .map(ScenarioResult::evidence)
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    /// What the check says of a version in a few words: "checked, N of M acceptance checks
    /// pass", "built, N of M acceptance checks pass" when some failed, or "checked, no
    /// acceptance tests" when the version had none (never plain "checked": it would claim
    /// more than a load and a form round-trip show).
    pub fn verdict(&self) -> String {
        match self.tally() {
            _ if !self.passed => "check failed".into(),
            Some(t) if !t.all_pass() => {
                format!("built, {} of {} acceptance checks pass", t.passed, t.total)
            }
            Some(t) => format!(
                "checked, {} of {} acceptance checks pass",
                t.passed, t.total
            ),
            None => "checked, no acceptance tests".into(),
        }
    }
}

/// Reports stored before checks were typed may hold a `{"kind": "check"}` result for a check that
/// did not finish (what `CheckReport::error` says now; `BuildReport::error` kept its line). It
/// is dropped so those snapshots still load; any other unknown kind is an error.
fn results_of_typed_kinds<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<CheckResult>, D::Error> {
    Vec::<Value>::deserialize(d)?
        .into_iter()
        .filter(|r| r.get("kind").and_then(Value::as_str) != Some("check"))
        .map(|r| serde_json::from_value(r).map_err(serde::de::Error::custom))
        .collect()
}

/// Where a build stopped.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildPhase {
    Materialize,
    Build,
    Check,
    Publish,
    Done,
}

/// The build job's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
    /// Built and every check passed.
    pub ok: bool,
    pub phase: BuildPhase,
    /// One line saying what failed, for the fix agent, the stuck detector and the user.
    #[serde(default)]
    pub error: Option<String>,
    /// Tail of the build output.
    #[serde(default)]
    pub log: String,
    #[serde(default)]
    pub check: Option<CheckReport>,
    /// Artifact prefix under which `dist/` was published (e.g. `{thread}/v3`).
    #[serde(default)]
    pub artifact: Option<String>,
    pub duration_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An agent's change retires and replaces its own scenarios, never the ones a person wrote.
    #[test]
    fn a_suite_change_keeps_the_checks_people_wrote() {
        let s = |name: &str, req: &str| Scenario {
            name: name.into(),
            requirement: req.into(),
            steps: Vec::new(),
        };
        let suite = [s("a", "old"), s("mine", "mine"), s("b", "old")];
        let change = SuiteChange {
            retire: vec!["a".into(), "mine".into()],
            add: vec![s("b", "new"), s("mine", "the agent's"), s("c", "new")],
        };
        let kept = |n: &str| n == "mine";
        let after = change.apply(&suite, &kept);
        let got: Vec<(&str, &str)> = (after.iter())
            .map(|x| (x.name.as_str(), x.requirement.as_str()))
            .collect();
        assert_eq!(got, [("mine", "mine"), ("b", "new"), ("c", "new")]);
        let nobody = change.apply(&suite, &|_| false);
        assert!(!nobody.iter().any(|x| x.requirement == "mine"));
    }

    #[test]
    fn check_reports_name_typed_kinds_and_old_whole_check_entries_still_load() {
        let old = json!({"passed": false, "checks": [
            {"kind": "check", "passed": false, "detail": "the check timed out after 30 s"},
            {"kind": "loads", "passed": true}
        ], "durationMs": 30000});
        let r: CheckReport = serde_json::from_value(old).expect("an old report loads");
        assert_eq!(r.checks.len(), 1);
        assert_eq!(r.checks[0].kind, CheckKind::Loads);
        let unknown = json!({"passed": false, "checks": [{"kind": "teleport", "passed": true}]});
        let err = serde_json::from_value::<CheckReport>(unknown).expect_err("unknown kind");
        assert!(err.to_string().contains("teleport"), "{err}");
        let again = serde_json::to_value(&r).expect("json");
        assert_eq!(again["checks"], json!([{"kind": "loads", "passed": true}]));
        assert!(again.get("error").is_none());
    }

    fn questions() -> Vec<Question> {
        vec![
            Question {
                id: "fields".into(),
                prompt: "Which fields?".into(),
                kind: QuestionKind::MultipleChoice,
                options: vec!["name".into(), "email".into()],
                default: json!(["name"]),
                help: None,
            },
            Question {
                id: "persist".into(),
                prompt: "Keep data after reload?".into(),
                kind: QuestionKind::YesNo,
                options: vec![],
                default: json!(true),
                help: None,
            },
        ]
    }

    #[test]
    fn schema_carries_kinds_defaults_and_order() {
        let s = response_schema(&questions());
        assert_eq!(s["properties"]["fields"]["type"], "array");
        assert_eq!(
            s["properties"]["fields"]["items"]["enum"],
            json!(["name", "email"])
        );
        assert_eq!(s["properties"]["persist"]["default"], json!(true));
        assert_eq!(s["x-order"], json!(["fields", "persist"]));
    }

    #[test]
    fn ill_typed_answers_fall_back_to_defaults_and_extras_are_kept() {
        let given = json!({"fields": "oops", "persist": false, "topic": "x"});
        let a = answers_with_defaults(&questions(), Some(&given));
        assert_eq!(a["fields"], json!(["name"]));
        assert_eq!(a["persist"], json!(false));
        assert_eq!(a["topic"], json!("x"));
    }
}
