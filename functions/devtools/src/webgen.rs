//! WebGen-Bench's UI test cases (`ui_instruct`: a task and its expected result, written for a
//! browser agent) as checks in words on the built app, and the benchmark's accuracy measure.
//!
//! Each case goes the way a person's "add a check" goes (`Pipeline::start_check`): the qa step
//! reads the sentence into one scenario (the `qa` agent with a model, the offline reader
//! without), it joins the suite and runs in headless Chromium on the current version. The
//! benchmark (github mnluzimu/WebGen-Bench, `src/ui_test_bolt/compute_acc.py`) scores a case
//! YES 1, PARTIAL ½, NO or not started 0, over every case of the set. A scenario passes or
//! fails, so nothing here is partial; a case no scenario was formed for counts 0.

use anyhow::Context;
use appgen_core::agui::Event;
use appgen_core::live::Person;
use appgen_core::scenario::ScenarioResult;
use appgen_runtime::pipeline::Pipeline;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// One UI test case as the data set publishes it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct UiCase {
    pub task: String,
    pub expected_result: String,
    #[serde(default)]
    pub task_category: Option<TaskCategory>,
}

/// The case's kind: "Functional Testing", "Data Display Testing", "Design Validation Testing".
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct TaskCategory {
    pub primary_category: String,
    #[serde(default)]
    pub subcategories: Vec<String>,
}

impl UiCase {
    /// The check in words: the task, then what should be seen.
    pub fn sentence(&self) -> String {
        format!(
            "{} Expected: {}",
            self.task.trim(),
            self.expected_result.trim()
        )
    }
}

/// The `ui_instruct` list of a line; none when the line has no such field (a file without
/// it is judged as before). A case that is not `{task, expected_result, task_category?}` is
/// an error naming it: the accuracy is over every case, so none may be dropped.
pub fn parse_ui_instruct(line: &Value) -> anyhow::Result<Vec<UiCase>> {
    let Some(list) = line.get("ui_instruct") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().context("ui_instruct is not a list")?;
    (list.iter().enumerate())
        .map(|(k, c)| {
            serde_json::from_value::<UiCase>(c.clone())
                .with_context(|| format!("ui_instruct test case #{}", k + 1))
        })
        .collect()
}

/// What became of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Its scenario passed: the benchmark's YES.
    Yes,
    /// Its scenario failed, or was formed and could not run: NO.
    No,
    /// No scenario was formed (the reader could not read it, or no app was built): 0, like
    /// a NO.
    Unread,
}

/// One case's outcome, with the failure evidence or the reader's message.
#[derive(Debug, Clone, Serialize)]
pub struct UiResult {
    pub task: String,
    pub category: Option<String>,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl UiResult {
    fn of(case: &UiCase, verdict: Verdict, note: Option<String>) -> UiResult {
        UiResult {
            task: case.task.clone(),
            category: (case.task_category.as_ref()).map(|c| c.primary_category.clone()),
            verdict,
            note,
        }
    }
}

/// Who read the cases: only the qa agent's reading is the benchmark's measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Model,
    Offline,
}

/// Counts over some cases; `accuracy` is the benchmark's (YES + ½ PARTIAL) / total, in %.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Score {
    pub yes: usize,
    pub no: usize,
    pub unread: usize,
}

impl Score {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a UiResult>) -> Score {
        let mut s = Score::default();
        for r in results {
            match r.verdict {
                Verdict::Yes => s.yes += 1,
                Verdict::No => s.no += 1,
                Verdict::Unread => s.unread += 1,
            }
        }
        s
    }

    pub fn total(&self) -> usize {
        self.yes + self.no + self.unread
    }

    /// Cases a scenario was formed for.
    pub fn read(&self) -> usize {
        self.yes + self.no
    }

    pub fn accuracy(&self) -> Option<f64> {
        (self.total() > 0).then(|| 100.0 * self.yes as f64 / self.total() as f64)
    }

    fn plus(self, o: Score) -> Score {
        Score {
            yes: self.yes + o.yes,
            no: self.no + o.no,
            unread: self.unread + o.unread,
        }
    }

    /// "3/7 (42.9%)", or "-" with no cases.
    pub fn cell(&self) -> String {
        match self.accuracy() {
            Some(a) => format!("{}/{} ({a:.1}%)", self.yes, self.total()),
            None => "-".into(),
        }
    }
}

/// Runs each case as a check in words on the thread's current version, one after the other
/// (a thread runs one check at a time), and says what became of it.
pub async fn run_cases(p: &Pipeline, thread: &str, cases: &[UiCase]) -> Vec<UiResult> {
    let mut out = Vec::new();
    for case in cases {
        let (verdict, note) = run_case(p, thread, &case.sentence()).await;
        out.push(UiResult::of(case, verdict, note));
    }
    out
}

/// The cases of an instruction no app was built for: none could be checked.
pub fn no_app(cases: &[UiCase]) -> Vec<UiResult> {
    let why = || Some("no app was built".to_owned());
    (cases.iter())
        .map(|c| UiResult::of(c, Verdict::Unread, why()))
        .collect()
}

async fn run_case(p: &Pipeline, thread: &str, sentence: &str) -> (Verdict, Option<String>) {
    let run = format!("ui-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let by = Person::new("eval", None);
    if let Err(e) = p.start_check(thread, &run, sentence, &by).await {
        return (Verdict::Unread, Some(format!("not started: {e}")));
    }
    let limit = Duration::from_secs(600);
    let end = crate::eval::wait_end(p, thread, &run, limit).await;
    let (result, note) = match &end {
        Ok(Event::RunFinished(f)) => {
            let r = f.result.clone().unwrap_or(Value::Null);
            (
                scenario_in(&r, sentence),
                r["message"].as_str().map(str::to_owned),
            )
        }
        Ok(Event::RunError(e)) => (None, Some(e.message.clone())),
        Ok(other) => (None, Some(format!("the run ended with {other:?}"))),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    match result {
        Some(r) if r.passed => (Verdict::Yes, None),
        Some(r) => (Verdict::No, Some(r.evidence())),
        // Formed but not run (the recheck failed): a NO; never formed: unread.
        None if in_suite(p, thread, sentence).await => (Verdict::No, note),
        None => (Verdict::Unread, note),
    }
}

/// The scenario named `sentence` among a finished run's acceptance results.
fn scenario_in(result: &Value, sentence: &str) -> Option<ScenarioResult> {
    let all: Vec<ScenarioResult> =
        serde_json::from_value(result["acceptance"].clone()).unwrap_or_default();
    all.into_iter().find(|a| a.name == sentence)
}

async fn in_suite(p: &Pipeline, thread: &str, sentence: &str) -> bool {
    let snap = p.threads().load(thread).await.ok().flatten();
    snap.is_some_and(|(s, _)| s.scenarios.iter().any(|s| s.name == sentence))
}

/// One instruction's results, as the summary reads them.
pub struct Instruction<'a> {
    pub id: &'a str,
    pub group: Option<&'a str>,
    pub results: &'a [UiResult],
}

/// The summary's lines and report.json's `uiTests`. With a model: the benchmark's accuracy
/// per instruction, per application type, per test-case category and overall. Offline: that
/// the measure needs a model, and what the offline reader made of the cases, apart.
pub fn summary(reader: Reader, all: &[Instruction]) -> (Vec<String>, Value) {
    let every = || all.iter().flat_map(|i| i.results.iter());
    let overall = Score::of(every());
    let mut lines = Vec::new();
    if overall.total() == 0 {
        return (lines, Value::Null);
    }
    let cases = overall.total();
    if reader == Reader::Offline {
        lines.push(format!(
            "WebGen UI test cases: the benchmark's accuracy needs a model for the qa agent (set APPGEN_LLM); not measured. The offline reader formed a scenario for {} of {cases} cases ({} pass, {} fail); the other {} were not read and count as not passed.",
            overall.read(), overall.yes, overall.no, overall.unread
        ));
        let json = json!({"reader": "offline", "cases": cases, "score": overall, "accuracy": null});
        return (lines, json);
    }
    lines.push(
        "\nWebGen UI test cases (✓ yes, ✗ no, · no scenario formed; accuracy = yes / cases):"
            .into(),
    );
    for i in all.iter().filter(|i| !i.results.is_empty()) {
        let marks: String = (i.results.iter())
            .map(|r| match r.verdict {
                Verdict::Yes => '✓',
                Verdict::No => '✗',
                Verdict::Unread => '·',
            })
            .collect();
        lines.push(format!(
            "  {:<28} {marks:<10} {}",
            i.id,
            Score::of(i.results).cell()
        ));
    }
    let by = |key: &dyn Fn(&Instruction, &UiResult) -> String| {
        let mut m: BTreeMap<String, Score> = BTreeMap::new();
        for i in all {
            for r in i.results {
                let s = m.entry(key(i, r)).or_default();
                *s = Score::of([r]).plus(*s);
            }
        }
        m
    };
    let by_type = by(&|i, _| i.group.unwrap_or("all").to_owned());
    let by_category = by(&|_, r| r.category.clone().unwrap_or_else(|| "-".into()));
    for (title, m) in [
        ("application type", &by_type),
        ("test case category", &by_category),
    ] {
        lines.push(format!("  {title}:"));
        for (k, s) in m {
            lines.push(format!("    {k:<40} {}", s.cell()));
        }
    }
    lines.push(format!(
        "WebGen UI accuracy: {} — {} of {cases} cases had no scenario formed and count as not passed",
        overall.cell(),
        overall.unread
    ));
    let table = |m: &BTreeMap<String, Score>| {
        (m.iter())
            .map(|(k, s)| json!({"name": k, "score": s, "accuracy": s.accuracy()}))
            .collect::<Vec<_>>()
    };
    let json = json!({
        "reader": "model", "cases": cases, "score": overall, "accuracy": overall.accuracy(),
        "byApplicationType": table(&by_type), "byCategory": table(&by_category),
    });
    (lines, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(verdict: Verdict, category: &str) -> UiResult {
        UiResult {
            task: "t".into(),
            category: Some(category.into()),
            verdict,
            note: None,
        }
    }

    #[test]
    fn the_published_shape_parses_and_a_malformed_case_is_named() {
        let line = json!({"ui_instruct": [
            {"task": "Add a task.", "expected_result": "It is listed.",
             "task_category": {"primary_category": "Functional Testing", "subcategories": ["Form Operations"]}},
            {"task": "Open it.", "expected_result": "It opens."}
        ]});
        let cases = parse_ui_instruct(&line).expect("parses");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].sentence(), "Add a task. Expected: It is listed.");
        assert!(parse_ui_instruct(&json!({})).expect("absent").is_empty());
        let bad = json!({"ui_instruct": [cases[0], {"task": "Open it."}]});
        let err = format!("{:#}", parse_ui_instruct(&bad).expect_err("malformed"));
        assert!(
            err.contains("test case #2") && err.contains("expected_result"),
            "{err}"
        );
        let err = parse_ui_instruct(&json!({"ui_instruct": "open it"})).expect_err("not a list");
        assert!(err.to_string().contains("not a list"), "{err}");
    }

    #[test]
    fn accuracy_counts_every_case_and_an_unread_one_as_not_passed() {
        let rs = [
            result(Verdict::Yes, "Functional Testing"),
            result(Verdict::No, "Functional Testing"),
            result(Verdict::Unread, "Design Validation Testing"),
            result(Verdict::Yes, "Design Validation Testing"),
        ];
        let s = Score::of(&rs);
        assert_eq!((s.yes, s.no, s.unread, s.read()), (2, 1, 1, 3));
        assert_eq!(s.accuracy(), Some(50.0));
        assert_eq!(s.cell(), "2/4 (50.0%)");
        assert_eq!(Score::default().accuracy(), None);
    }

    #[test]
    fn with_a_model_the_summary_gives_the_accuracy_per_type_and_category() {
        let (a, b) = (
            [result(Verdict::Yes, "F"), result(Verdict::No, "F")],
            [result(Verdict::Unread, "D")],
        );
        let all = [
            Instruction {
                id: "000001",
                group: Some("Blogs"),
                results: &a,
            },
            Instruction {
                id: "000002",
                group: Some("Games"),
                results: &b,
            },
        ];
        let (lines, json) = summary(Reader::Model, &all);
        let text = lines.join("\n");
        assert!(text.contains("000001                       ✓✗"), "{text}");
        assert!(
            text.contains("Blogs") && text.contains("1/2 (50.0%)"),
            "{text}"
        );
        assert!(
            text.contains("Games") && text.contains("0/1 (0.0%)"),
            "{text}"
        );
        assert!(
            text.contains("WebGen UI accuracy: 1/3 (33.3%) — 1 of 3"),
            "{text}"
        );
        assert_eq!(json["score"], json!({"yes": 1, "no": 1, "unread": 1}));
        assert_eq!(json["byCategory"][0]["name"], "D");
    }

    #[test]
    fn offline_the_summary_says_it_needs_a_model_and_claims_no_accuracy() {
        let a = [result(Verdict::Unread, "F"), result(Verdict::Unread, "F")];
        let all = [Instruction {
            id: "1",
            group: None,
            results: &a,
        }];
        let (lines, json) = summary(Reader::Offline, &all);
        let text = lines.join("\n");
        assert!(text.contains("needs a model for the qa agent"), "{text}");
        assert!(text.contains("scenario for 0 of 2 cases"), "{text}");
        assert!(!text.contains("accuracy:"), "{text}");
        assert_eq!(json["accuracy"], Value::Null);
        assert_eq!(summary(Reader::Model, &[]).1, Value::Null);
    }
}
