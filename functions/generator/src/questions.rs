//! Clarifying questions with defaults, and answers applied to the spec.

use crate::analysis::{apply_color_text, refresh, unique_key};
use crate::fields::{field_from_label, options_from};
use crate::knowledge::{landing, quiz, suggestions};
use crate::spec::{AppKind, AppSpec, DataLocation, Field, SectionKind};
use appgen_core::app::{Question, QuestionKind};
use serde_json::{Value, json};

const ALL_SECTIONS: &[SectionKind] = &[
    SectionKind::About,
    SectionKind::Features,
    SectionKind::Schedule,
    SectionKind::Menu,
    SectionKind::Pricing,
    SectionKind::Testimonials,
    SectionKind::Gallery,
    SectionKind::Team,
    SectionKind::Events,
    SectionKind::Hours,
    SectionKind::Faq,
    SectionKind::Newsletter,
];

pub fn section_name(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::About => "About",
        SectionKind::Features => "Services",
        SectionKind::Schedule => "Schedule",
        SectionKind::Menu => "Menu",
        SectionKind::Pricing => "Pricing",
        SectionKind::Testimonials => "Testimonials",
        SectionKind::Gallery => "Gallery",
        SectionKind::Team => "Team",
        SectionKind::Events => "Events",
        SectionKind::Hours => "Opening hours",
        SectionKind::Faq => "FAQ",
        SectionKind::Newsletter => "Newsletter",
    }
}

pub fn section_from_name(name: &str) -> Option<SectionKind> {
    let n = name.to_lowercase();
    ALL_SECTIONS
        .iter()
        .find(|k| section_name(**k).to_lowercase() == n)
        .copied()
        .or_else(|| landing::sections_named(&n).first().copied())
}

/// A human description of the theme that the colour parser reads back.
pub fn describe_colors(spec: &AppSpec) -> String {
    format!(
        "background {}, buttons {}",
        spec.theme.background, spec.theme.accent
    )
}

pub fn questions(spec: &AppSpec, description: &str) -> Vec<Question> {
    let mut qs = vec![];
    if spec.kind.has_fields() {
        let mut options: Vec<String> = spec.entity.fields.iter().map(|f| f.label.clone()).collect();
        for f in suggestions::typical_fields(description) {
            if !options.iter().any(|o| o.eq_ignore_ascii_case(&f.label)) {
                options.push(f.label);
            }
        }
        qs.push(Question {
            id: "fields".into(),
            prompt: format!(
                "Which fields should each {} have?",
                spec.entity.singular.to_lowercase()
            ),
            kind: QuestionKind::MultipleChoice,
            default: json!(
                spec.entity
                    .fields
                    .iter()
                    .map(|f| f.label.clone())
                    .collect::<Vec<_>>()
            ),
            options,
            help: Some("Pick from the list; the first text field names each record.".into()),
        });
    }
    match spec.kind {
        AppKind::Board => qs.push(Question {
            id: "columns".into(),
            prompt: "Which columns should the board have (in order)?".into(),
            kind: QuestionKind::Text,
            options: vec![],
            default: json!(spec.columns.join(", ")),
            help: Some("Comma-separated, e.g. \"To do, Doing, Done\".".into()),
        }),
        AppKind::Landing => {
            let current: Vec<String> = spec
                .landing
                .as_ref()
                .map(|l| {
                    l.sections
                        .iter()
                        .map(|s| section_name(s.kind).to_owned())
                        .collect()
                })
                .unwrap_or_default();
            qs.push(Question {
                id: "sections".into(),
                prompt: "Which sections should the page have?".into(),
                kind: QuestionKind::MultipleChoice,
                options: ALL_SECTIONS
                    .iter()
                    .map(|k| section_name(*k).to_owned())
                    .collect(),
                default: json!(current),
                help: Some("A hero and a contact form are always included.".into()),
            });
        }
        AppKind::Quiz => {
            let n = spec.quiz.as_ref().map(|q| q.questions.len()).unwrap_or(5);
            qs.push(Question {
                id: "questions".into(),
                prompt: "How many questions?".into(),
                kind: QuestionKind::SingleChoice,
                options: ["3", "5", "6", "8"]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                default: json!(n.to_string()),
                help: None,
            });
        }
        _ => {}
    }
    qs.push(Question {
        id: "colors".into(),
        prompt: "Which colours should it use?".into(),
        kind: QuestionKind::Text,
        options: vec![],
        default: json!(describe_colors(spec)),
        help: Some("Name the background and button colours, e.g. \"ivory background, forest green buttons\".".into()),
    });
    if spec.can_share() {
        qs.push(Question {
            id: "data".into(),
            prompt: "Where should the data live?".into(),
            kind: QuestionKind::SingleChoice,
            options: DataLocation::CHOICES
                .iter()
                .map(|(_, l)| (*l).to_owned())
                .collect(),
            default: json!(spec.data.label()),
            help: Some("Shared in the cloud: everyone who opens the app sees the same records, live. Private per signed-in person: each person signs up with email and password and sees only their own records.".into()),
        });
    }
    qs.push(Question {
        id: "persist".into(),
        prompt: if spec.kind == AppKind::Landing {
            "Keep sent messages after a page reload?".into()
        } else {
            "Keep the data after a page reload?".into()
        },
        kind: QuestionKind::YesNo,
        options: vec![],
        default: json!(spec.persist),
        help: Some("Data is stored in this browser (localStorage).".into()),
    });
    qs
}

fn as_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Value::String(s) => Some(options_from(s)),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "yes" | "true" | "y" | "on" | "keep" => Some(true),
            "no" | "false" | "n" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Fields named by `labels`, reusing existing ones and typing new ones from their words.
pub fn fields_from_labels(spec: &AppSpec, labels: &[String], description: &str) -> Vec<Field> {
    let suggested = suggestions::typical_fields(description);
    let mut out: Vec<Field> = vec![];
    for label in labels {
        let existing = spec
            .entity
            .fields
            .iter()
            .chain(suggested.iter())
            .find(|f| f.label.eq_ignore_ascii_case(label.trim()));
        let field = match existing {
            Some(f) => Some(f.clone()),
            None => {
                // "Priority (low, high)" carries its options in parentheses.
                let (phrase, opts) = match label.split_once('(') {
                    Some((p, rest)) => (
                        p.trim().to_owned(),
                        options_from(rest.trim_end_matches(')')),
                    ),
                    None => (label.trim().to_owned(), vec![]),
                };
                let opts = if opts.len() >= 2 { opts } else { vec![] };
                field_from_label(&phrase, opts)
            }
        };
        if let Some(mut f) = field {
            f.key = unique_key(&out, &f.key);
            out.push(f);
        }
    }
    out
}

/// Applies answers (by question id, or by topic for keys it recognises) to the spec.
pub fn apply_answers(spec: &mut AppSpec, answers: &Value, description: &str) {
    let Some(map) = answers.as_object() else {
        return;
    };
    let mut fields_changed = false;
    for (key, value) in map {
        let k = key.to_lowercase();
        if k == "fields" || k.contains("field") {
            if let Some(labels) = as_list(value)
                && spec.kind.has_fields()
                && !labels.is_empty()
            {
                let fields = fields_from_labels(spec, &labels, description);
                if !fields.is_empty() {
                    spec.entity.fields = fields;
                    fields_changed = true;
                }
            }
        } else if k.contains("color") || k.contains("colour") || k.contains("theme") {
            if let Some(s) = value.as_str() {
                apply_color_text(spec, s, true);
            }
        } else if k == "data" || k.contains("where") {
            if let Some(d) = value.as_str().and_then(DataLocation::from_answer)
                && spec.can_share()
            {
                spec.data = d;
            }
        } else if k.contains("persist")
            || k.contains("storage")
            || k.contains("save")
            || k.contains("reload")
        {
            if let Some(b) = as_bool(value) {
                spec.persist = b;
            }
        } else if k.contains("column") && spec.kind == AppKind::Board {
            if let Some(cols) = as_list(value).filter(|c| c.len() >= 2) {
                spec.columns = cols;
            }
        } else if k.contains("section") && spec.kind == AppKind::Landing {
            if let (Some(names), Some(l)) = (as_list(value), spec.landing.as_mut()) {
                let kinds: Vec<SectionKind> =
                    names.iter().filter_map(|n| section_from_name(n)).collect();
                l.sections = kinds
                    .iter()
                    .map(|kd| landing::section(*kd, &l.subject, description))
                    .collect();
            }
        } else if k.contains("question") && spec.kind == AppKind::Quiz {
            let n = value
                .as_str()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .or_else(|| value.as_u64().map(|n| n as usize));
            if let (Some(n), Some(q)) = (n, spec.quiz.as_ref()) {
                let topic = q.topic.clone();
                let mut next = quiz::quiz_for(&format!("{description} {topic}"), n);
                next.topic = topic;
                spec.quiz = Some(next);
            }
        } else if (k == "title" || k == "name" || k.contains("app name"))
            && spec.kind != AppKind::Quiz
            && let Some(s) = value
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.len() <= 60)
        {
            spec.title = s.to_owned();
        }
    }
    if fields_changed {
        refresh(spec, description);
    }
}
