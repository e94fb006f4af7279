//! Kind-specific content read from the description: board columns, quiz length and topic,
//! landing page subject and sections.

use crate::knowledge::landing;
use crate::spec::*;
use crate::text::{parse_count, sentences, words};

/// Board columns named in the text, else To do / In progress / Done.
pub fn board_columns(text: &str) -> Vec<String> {
    for sentence in sentences(text) {
        let lower = sentence.to_ascii_lowercase();
        for marker in ["columns", "lanes", "stages", "statuses", "lists"] {
            let Some(pos) = lower.find(marker) else {
                continue;
            };
            // "columns: A, B, C" / "columns A, B and C" / "with A, B and C columns".
            let after = sentence[pos + marker.len()..].trim_start_matches([':', ' ', '(']);
            let before = &sentence[..pos];
            let candidates = [
                after
                    .split([';', ')'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                before
                    .rsplit(" with ")
                    .next()
                    .unwrap_or(before)
                    .rsplit(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ];
            for c in candidates {
                let c = c
                    .trim_start_matches("named ")
                    .trim_start_matches("called ")
                    .trim_start_matches("like ");
                let opts: Vec<String> = crate::fields::options_from(c)
                    .into_iter()
                    .map(|o| {
                        o.trim_start_matches("The ")
                            .trim_start_matches("the ")
                            .to_owned()
                    })
                    .filter(|o| !o.is_empty() && o.split_whitespace().count() <= 3)
                    .collect();
                if (2..=8).contains(&opts.len()) {
                    return opts;
                }
            }
        }
    }
    vec!["To do".into(), "In progress".into(), "Done".into()]
}

pub(crate) fn question_count(lower: &str) -> usize {
    let ws = words(lower);
    for (i, w) in ws.iter().enumerate() {
        if (w.ends_with("-question") || w.ends_with("-questions"))
            && let Some(n) = parse_count(w)
        {
            return n as usize;
        }
        if (w == "questions" || w == "question")
            && let Some(n) = i
                .checked_sub(1)
                .and_then(|j| ws.get(j))
                .and_then(|x| parse_count(x))
        {
            return n as usize;
        }
    }
    5
}

pub fn topic_hint(lower: &str) -> Option<String> {
    for lead in [" about ", " on ", " covering ", " of "] {
        if let Some(i) = lower.find(lead) {
            let rest = &lower[i + lead.len()..];
            let phrase: Vec<&str> = rest
                .split([',', '.', ';'])
                .next()
                .unwrap_or_default()
                .split(" that ")
                .next()
                .unwrap_or_default()
                .split(" with ")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .filter(|w| !["the", "a", "an"].contains(w))
                .take(4)
                .collect();
            if !phrase.is_empty() {
                return Some(phrase.join(" "));
            }
        }
    }
    None
}

pub(crate) fn landing_spec(text: &str) -> LandingSpec {
    let lower = text.to_lowercase();
    let subject = landing_subject(&lower);
    let mut kinds = landing::sections_named(&lower);
    if kinds.is_empty() {
        kinds = vec![
            SectionKind::About,
            SectionKind::Features,
            SectionKind::Testimonials,
        ];
    }
    LandingSpec {
        sections: kinds
            .iter()
            .map(|k| landing::section(*k, &subject, &lower))
            .collect(),
        cta: landing::cta(&lower),
        contact: true,
        subject,
    }
}

/// "a landing page for a yoga studio called …" → "yoga studio".
fn landing_subject(lower: &str) -> String {
    for lead in [
        " for a ",
        " for an ",
        " for the ",
        " for my ",
        " for our ",
        " for ",
    ] {
        if let Some(i) = lower.find(lead) {
            let rest = &lower[i + lead.len()..];
            let stop = [
                " called ", " named ", " with ", " that ", " where ", " which ", ",", ".", ":",
                ";", " in ", " to ",
            ];
            let end = stop
                .iter()
                .filter_map(|s| rest.find(s))
                .min()
                .unwrap_or(rest.len());
            let phrase = rest[..end].trim();
            if !phrase.is_empty() && phrase.split_whitespace().count() <= 4 {
                return phrase.to_owned();
            }
        }
    }
    String::new()
}
