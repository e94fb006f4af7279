//! The app's name and tagline: a quoted name, "called X"/"named X", else one derived from the
//! subject of the first sentence.

use crate::knowledge::landing;
use crate::spec::*;
use crate::text::{sentences, title_case, words};

/// A name in quotes, after "called"/"named"/"titled", else one derived from the subject.
pub fn title(text: &str, spec: &AppSpec) -> String {
    if let Some(t) = explicit_name(text) {
        return t;
    }
    match spec.kind {
        AppKind::Quiz => {
            let topic = spec
                .quiz
                .as_ref()
                .map(|q| q.topic.clone())
                .unwrap_or_default();
            let topic = topic.trim_start_matches("the ").to_owned();
            return title_case(&format!("{topic} quiz"));
        }
        AppKind::Calculator => {
            let f = spec
                .calculator
                .as_ref()
                .map(|c| c.formula.as_str())
                .unwrap_or("generic");
            let name = match f {
                "tip" => "Tip Calculator",
                "bmi" => "BMI Calculator",
                "loan" => "Loan Calculator",
                "savings" => "Savings Calculator",
                "discount" => "Discount Calculator",
                "tax" => "Tax Calculator",
                "temperature" => "Temperature Converter",
                "fuel" => "Fuel Cost Calculator",
                "conversion" => "Unit Converter",
                "percentage" => "Percentage Calculator",
                "currency" => "Currency Converter",
                _ => "Calculator",
            };
            return name.to_owned();
        }
        AppKind::Archetype => {
            if let Some(a) = &spec.archetype {
                return a.title();
            }
        }
        _ => {}
    }
    derived_title(text)
        .unwrap_or_else(|| title_case(&format!("{} {}", spec.entity.singular, spec.kind.label())))
}

fn explicit_name(text: &str) -> Option<String> {
    for (open, close) in [('"', '"'), ('“', '”'), ('\'', '\'')] {
        // An apostrophe ("client's") is not an opening quote: it must follow a space.
        let start = text
            .char_indices()
            .find(|(i, c)| *c == open && (open != '\'' || *i == 0 || text[..*i].ends_with(' ')));
        if let Some((i, _)) = start {
            let rest = &text[i + open.len_utf8()..];
            if let Some(j) = rest.find(close) {
                let name = rest[..j].trim();
                let n = name.split_whitespace().count();
                if (1..=6).contains(&n)
                    && name.len() <= 48
                    && name.chars().next().is_some_and(char::is_alphanumeric)
                {
                    return Some(name.to_owned());
                }
            }
        }
    }
    let ws: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in ws.iter().enumerate() {
        let lw = w.to_lowercase();
        // "a website for Trattoria Sole": a capitalised name after a page's "for".
        let page_for = lw == "for"
            && i > 0
            && ["website", "site", "page", "homepage", "one-page"]
                .contains(&ws[i - 1].to_lowercase().as_str());
        if page_for || matches!(lw.as_str(), "called" | "named" | "titled" | "branded") {
            let mut name: Vec<String> = vec![];
            for x in &ws[i + 1..] {
                let clean = x.trim_end_matches([',', '.', ';', ':', '!', '?', ')']);
                let starts_upper = clean
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
                let connector =
                    ["of", "the", "and", "&", "de", "la"].contains(&clean.to_lowercase().as_str());
                if !(starts_upper || (connector && !name.is_empty())) || name.len() >= 5 {
                    break;
                }
                name.push(clean.to_owned());
                if clean.len() != x.len() {
                    break;
                }
            }
            while name
                .last()
                .is_some_and(|w| ["of", "the", "and", "&"].contains(&w.to_lowercase().as_str()))
            {
                name.pop();
            }
            if !name.is_empty() {
                return Some(name.join(" "));
            }
        }
    }
    None
}

/// "A recipe box: …" → "Recipe Box"; "Please build a website for booking tennis courts" →
/// "Booking Tennis Courts".
fn derived_title(text: &str) -> Option<String> {
    let first = sentences(text).into_iter().next()?;
    let mut s = format!(" {} ", first.to_lowercase());
    for cut in [
        ":",
        " with ",
        " where ",
        " that ",
        " which ",
        " so ",
        " to ",
        ",",
        " - ",
        " — ",
        " using ",
        " in which ",
        " whose ",
        " showing ",
    ] {
        if let Some(i) = s.find(cut)
            && i > 0
        {
            s.truncate(i);
        }
    }
    let lead = [
        "please",
        // Requests put as questions or asks for help: "Can you create …", "Help me track my …".
        "can",
        "could",
        "you",
        "help",
        "keep",
        "track",
        "my",
        "our",
        "i",
        "we",
        "want",
        "need",
        "would",
        "like",
        "build",
        "create",
        "make",
        "implement",
        "design",
        "develop",
        "generate",
        "write",
        "me",
        "us",
        "an",
        "a",
        "the",
        "simple",
        "small",
        "basic",
        "little",
        "web",
        "online",
        "website",
        "site",
        "app",
        "application",
        "page",
        "tool",
        "system",
        "platform",
        "for",
        "of",
        "to",
    ];
    let mut ws: Vec<String> = words(&s);
    while ws.first().is_some_and(|w| lead.contains(&w.as_str())) {
        ws.remove(0);
    }
    // "generating stock reports" → "stock reports".
    if ws.len() > 1
        && ws.first().is_some_and(|w| {
            w.ends_with("ing")
                && ![
                    "booking",
                    "building",
                    "clothing",
                    "wedding",
                    "housing",
                    "meeting",
                    "reading",
                    "painting",
                    "spending",
                    "training",
                    "parking",
                    "cooking",
                    "learning",
                    "marketing",
                    "shopping",
                    "camping",
                    "fishing",
                    "wellbeing",
                    "dating",
                ]
                .contains(&w.as_str())
        })
    {
        ws.remove(0);
        while ws.first().is_some_and(|w| lead.contains(&w.as_str())) {
            ws.remove(0);
        }
    }
    // "Warehouse stock for a hardware store" → "Warehouse Stock": long subjects keep their head.
    if ws.len() > 4
        && let Some(i) = ws.iter().position(|w| w == "for")
        && i >= 2
    {
        ws.truncate(i);
    }
    while ws
        .last()
        .is_some_and(|w| ["for", "a", "an", "the", "of", "and", "my", "our"].contains(&w.as_str()))
    {
        ws.pop();
    }
    if ws.is_empty() {
        return None;
    }
    ws.truncate(5);
    let t = title_case(&ws.join(" "));
    // Keep acronyms the author wrote in capitals (CRM, BMI).
    let fixed: Vec<String> = t
        .split(' ')
        .map(|w| {
            let upper = w.to_uppercase();
            if text
                .split(|c: char| !c.is_alphanumeric())
                .any(|x| x == upper && x.len() > 1)
            {
                upper
            } else {
                w.to_owned()
            }
        })
        .collect();
    Some(fixed.join(" "))
}

pub(crate) fn tagline(spec: &AppSpec, text: &str) -> String {
    let plural = spec.entity.plural.to_lowercase();
    match spec.kind {
        AppKind::List => format!("Add, edit and keep track of your {plural}."),
        AppKind::Tasks => "Add tasks, tick them off and stay on top of what is left.".into(),
        AppKind::Habits => "Check in every day and watch your streaks grow.".into(),
        AppKind::Bookings => {
            format!("Book a slot — {plural} that overlap are refused automatically.")
        }
        AppKind::Inventory => {
            "Know what is in stock, what it is worth and what is running low.".into()
        }
        AppKind::Dashboard => {
            format!("Record {plural} and see totals, averages and breakdowns at a glance.")
        }
        AppKind::Board => format!(
            "Add {plural} and move them across {}.",
            spec.columns.join(", ")
        ),
        AppKind::Calculator => "Enter your numbers — results update as you type.".into(),
        AppKind::Quiz => quiz_tagline(spec.quiz.as_ref()),
        AppKind::Landing => landing::tagline(&text.to_lowercase()),
        AppKind::Archetype => spec
            .archetype
            .as_ref()
            .map(|a| a.tagline())
            .unwrap_or_default(),
    }
}

/// A quiz's tagline, also rewritten when a follow-up changes the number of questions.
pub(crate) fn quiz_tagline(quiz: Option<&QuizSpec>) -> String {
    format!(
        "{} questions about {}. Pick an answer and see your score at the end.",
        quiz.map(|q| q.questions.len()).unwrap_or(0),
        quiz.map(|q| q.topic.as_str()).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;

    #[test]
    fn requests_put_as_questions_or_asks_for_help_name_the_subject() {
        let t = |d: &str| analyze(d, &[]).title;
        assert_eq!(
            t("Could you make a garden log? Each bed has a crop and a sowing date."),
            "Garden Log"
        );
        assert_eq!(
            t("Help me keep track of my vinyl records: artist, album and year."),
            "Vinyl Records"
        );
        assert_eq!(
            t("Dashboard for a bakery showing daily sales and the best sellers."),
            "Dashboard for a Bakery"
        );
    }
}
