//! Scenarios of the board, calculator, quiz and landing page.

use super::collection::label_of;
use super::{click, count, expr, fill, number, scenario, select, visible, visible_in};
use crate::spec::{AppSpec, FieldType, OutputFormat};
use appgen_core::scenario::{Role, Scenario, ScenarioStep};
use std::collections::BTreeMap;

pub(super) fn board(spec: &AppSpec) -> Vec<Scenario> {
    let (Some(first), Some(second)) = (spec.columns.first(), spec.columns.get(1)) else {
        return Vec::new();
    };
    let singular = spec.entity.singular.to_lowercase();
    let mut steps = add_card(spec, "Amber", first);
    steps.extend([visible("Amber"), count(first, 1), count(second, 0)]);
    steps.push(click(&format!("Move Amber to {second}")));
    steps.extend([count(first, 0), count(second, 1)]);
    let mut moved = scenario(
        &format!("a {singular} can be added and moved to {second}"),
        "Cards can be moved between columns",
        steps,
    );
    let mut out = vec![moved.clone()];
    if spec.persist {
        moved.name = format!("a moved {singular} stays in {second} after a reload");
        moved.requirement = "Keep the board after a page reload".into();
        moved.steps.extend([ScenarioStep::Reload, count(second, 1)]);
        out.push(moved);
    }
    out.push(board_back(spec, first, second));
    out
}

/// Two cards in the first column: each column's heading counts its cards as one moves on
/// and back again.
fn board_back(spec: &AppSpec, first: &str, second: &str) -> Scenario {
    let singular = spec.entity.singular.to_lowercase();
    let mut steps = add_card(spec, "Amber", first);
    steps.extend(add_card(spec, "Cobalt", first));
    steps.extend([
        visible_in(first, "(2)"),
        click(&format!("Move Amber to {second}")),
        visible_in(first, "(1)"),
        visible_in(second, "(1)"),
        click(&format!("Move Amber to {first}")),
        count(first, 2),
        count(second, 0),
        visible_in(first, "(2)"),
        visible_in(second, "(0)"),
    ]);
    scenario(
        &format!(
            "a {singular} moved to {second} can be moved back, and each column counts its cards"
        ),
        "Cards can be moved back, and each column shows how many cards it has",
        steps,
    )
}

/// The steps that add a card named `name` to `column`, every other field filled.
fn add_card(spec: &AppSpec, name: &str, column: &str) -> Vec<ScenarioStep> {
    let primary = spec.primary_key();
    let mut steps: Vec<ScenarioStep> = spec
        .entity
        .fields
        .iter()
        .filter(|f| f.kind != FieldType::Boolean)
        .map(|f| match f.kind {
            FieldType::Enum => select(&label_of(f), f.options.first().map_or("", |o| o)),
            _ if f.key == primary => fill(&label_of(f), name),
            _ => fill(&label_of(f), &sample(f.kind)),
        })
        .collect();
    steps.push(select("Column", column));
    steps.push(click(&format!(
        "Add {}",
        spec.entity.singular.to_lowercase()
    )));
    steps
}

fn sample(kind: FieldType) -> String {
    match kind {
        FieldType::Email => "amber@example.com",
        FieldType::Number | FieldType::Money | FieldType::Percent => "3",
        FieldType::Date => "2030-03-14",
        FieldType::Time => "09:00",
        FieldType::Tel => "5550101",
        FieldType::Url => "https://amber.example.com",
        FieldType::Rating => "4",
        _ => "Amber note",
    }
    .to_owned()
}

pub(super) fn calculator(spec: &AppSpec) -> Vec<Scenario> {
    let Some(calc) = &spec.calculator else {
        return Vec::new();
    };
    // Inputs other than the defaults, so a result the app shows by default is not enough.
    let values: BTreeMap<String, f64> = calc
        .inputs
        .iter()
        .map(|i| {
            let initial: f64 = i.initial.parse().unwrap_or(1.0);
            let v = if initial > 0.0 { initial * 2.0 } else { 3.0 };
            (i.key.clone(), v.max(i.min.unwrap_or(f64::MIN)))
        })
        .collect();
    let mut steps: Vec<ScenarioStep> = calc
        .inputs
        .iter()
        .map(|i| {
            let label = match &i.unit {
                Some(u) => format!("{} ({u})", i.label),
                None => i.label.clone(),
            };
            fill(&label, &fmt(values[&i.key]))
        })
        .collect();
    let outputs: Vec<(String, f64)> = calc
        .outputs
        .iter()
        .filter(|o| o.format != OutputFormat::Text)
        .filter_map(|o| Some((o.label.clone(), expr::eval(&o.expr, &values)?)))
        .collect();
    if outputs.is_empty() {
        return Vec::new();
    }
    steps.extend(outputs.iter().map(|(l, v)| number(l, *v)));
    let names: Vec<&str> = outputs.iter().map(|(l, _)| l.as_str()).collect();
    let mut out = vec![scenario(
        "known inputs give the exact results",
        &format!("Show {}", names.join(", ").to_lowercase()),
        steps.clone(),
    )];
    if spec.persist {
        steps.truncate(calc.inputs.len());
        steps.extend([
            click("Calculate and save"),
            ScenarioStep::Reload,
            count("History", 1),
        ]);
        out.push(scenario(
            "a saved calculation is kept after a reload",
            "Save calculations to a history list",
            steps,
        ));
    }
    out
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

pub(super) fn quiz(spec: &AppSpec) -> Vec<Scenario> {
    let Some(q) = &spec.quiz else {
        return Vec::new();
    };
    let total = q.questions.len();
    if total == 0 {
        return Vec::new();
    }
    let answer = |wrong_first: bool| -> Vec<ScenarioStep> {
        let mut steps = Vec::new();
        for (i, question) in q.questions.iter().enumerate() {
            let pick = if wrong_first && i == 0 {
                (question.answer + 1) % question.choices.len().max(1)
            } else {
                question.answer
            };
            let Some(choice) = question.choices.get(pick) else {
                continue;
            };
            steps.push(ScenarioStep::Click {
                role: Role::Radio,
                name: choice.clone(),
            });
            steps.push(click(if i + 1 == total {
                "Finish"
            } else {
                "Next question"
            }));
        }
        steps
    };
    let mut right = answer(false);
    right.push(visible(&format!("Your score: {total} / {total}")));
    let mut wrong = answer(true);
    wrong.push(visible(&format!("Your score: {} / {total}", total - 1)));
    wrong.extend([
        click("Restart quiz"),
        visible(&format!("Question 1 of {total}")),
    ]);
    let mut out = vec![
        scenario(
            "all right answers score full marks",
            "Show the score at the end",
            right.clone(),
        ),
        scenario(
            "one wrong answer costs one point and restart starts over",
            "Show the score at the end and let me restart",
            wrong,
        ),
    ];
    if spec.persist {
        // A worse second round still shows the first round's best: only a kept best can.
        let mut kept = right;
        kept.push(ScenarioStep::Reload);
        kept.extend(answer(true));
        kept.push(visible(&format!("Best score: {total} / {total}")));
        out.push(scenario(
            "the best score is kept after a reload",
            "Keep the best score after a page reload",
            kept,
        ));
    }
    out
}

pub(super) fn landing(spec: &AppSpec) -> Vec<Scenario> {
    let Some(l) = &spec.landing else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !l.sections.is_empty() {
        let steps = l.sections.iter().map(|s| visible(&s.title)).collect();
        let titles: Vec<&str> = l.sections.iter().map(|s| s.title.as_str()).collect();
        let req = format!("Sections: {}", titles.join(", "));
        out.push(scenario(
            "every section asked for is on the page",
            &req,
            steps,
        ));
    }
    if let Some(n) = l
        .sections
        .iter()
        .find(|s| s.kind == crate::spec::SectionKind::Newsletter)
    {
        out.push(scenario(
            "signing up for the newsletter thanks the address",
            "A newsletter signup with an email box",
            vec![
                fill("Email for the newsletter", "amber@example.com"),
                click("Subscribe"),
                visible_in(&n.title, "amber@example.com is on the list"),
            ],
        ));
    }
    if l.contact {
        let mut steps = vec![
            fill("Name", "Amber"),
            fill("Email", "amber@example.com"),
            fill("Message", "Do you have classes on Sunday?"),
            click("Send message"),
            visible("Thanks, Amber!"),
        ];
        if spec.persist {
            steps.extend([
                ScenarioStep::Reload,
                visible("Do you have classes on Sunday?"),
            ]);
        }
        out.push(scenario(
            "the contact form sends a message",
            "A contact form",
            steps,
        ));
    }
    out
}
