//! Noun phrases → typed fields: the grammar of field lists in descriptions ("name, email, a
//! 1-5 rating and comments", "a status of lead, customer or lost", "category (food, rent)").

use crate::lexicon::{ALL_TYPE_WORDS, DETERMINERS, TEXT_FIELD_WORDS, VERBS};
use crate::spec::{Field, FieldType};
use crate::text::{capitalize, ident, sentences, words};

/// Words after which a list of fields usually follows.
const TRIGGERS: &[&str] = &[
    " has ",
    " have ",
    " with ",
    " contains ",
    " containing ",
    " including ",
    " includes ",
    " include ",
    " fields ",
    " columns ",
    " records ",
    " record ",
    " stores ",
    " tracks ",
    " track ",
    " logs ",
    " log ",
    " capture ",
    " captures ",
    " collect ",
    " collects ",
    " asks for ",
    " ask for ",
    " enter ",
    " enters ",
    " store ",
    " storing ",
    " for each ",
];

/// Verbs that may start the first item of a list of inputs ("pick a room, a date").
const INPUT_VERBS: &[&str] = &[
    "pick", "choose", "select", "enter", "add", "record", "log", "set", "give", "provide", "type",
    "input", "capture", "fill", "note", "specify", "upload",
];

/// Words that make a phrase about the UI or a computation rather than a field.
const NOT_FIELD_WORDS: &[&str] = &[
    "filter",
    "search",
    "sort",
    "chart",
    "graph",
    "button",
    "buttons",
    "table",
    "list",
    "page",
    "form",
    "total",
    "totals",
    "average",
    "below",
    "above",
    "under",
    "over",
    "less",
    "more",
    "than",
    "times",
    "column",
    "columns",
    "lanes",
    "section",
    "sections",
    "reload",
    "has",
    "have",
    "is",
    "are",
    "can",
    "should",
    "will",
    "want",
    "where",
    "which",
    "that",
    "when",
    "them",
    "it",
    "between",
    "option",
    "options",
    "ability",
    "functionality",
    "feature",
    "features",
    "hero",
    "plans",
    "testimonials",
    "gallery",
    "faq",
    "questions",
    "background",
    "color",
    "colour",
    "components",
    "theme",
    "streak",
    "restart",
    "overall",
    "sum",
    "highlight",
    "highlighted",
    "mean",
    "users",
    "user",
    "data",
    "information",
    "for",
    "about",
    "my",
    "our",
    "we",
    "i",
    "with",
    "without",
];

/// Heads of choices that have sensible default options when the text lists none.
pub fn default_options(head: &str) -> Vec<String> {
    let o: &[&str] = match head {
        "priority" | "severity" => &["Low", "Medium", "High"],
        "status" | "stage" => &["New", "In progress", "Done"],
        "difficulty" => &["Easy", "Medium", "Hard"],
        "mood" => &["Great", "Good", "Okay", "Bad"],
        "size" => &["Small", "Medium", "Large"],
        "frequency" => &["Daily", "Weekly", "Monthly"],
        "gender" => &["Female", "Male", "Other"],
        "condition" => &["New", "Good", "Used"],
        "meal" => &["Breakfast", "Lunch", "Dinner", "Snack"],
        "day" | "weekday" | "day of the week" => &[
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ],
        "level" | "tier" => &["Beginner", "Intermediate", "Advanced"],
        "payment method" | "method" => &["Cash", "Card", "Transfer"],
        "category" | "type" | "kind" => &["General", "Work", "Personal", "Other"],
        _ => &[],
    };
    o.iter().map(|s| (*s).to_owned()).collect()
}

/// The type a noun phrase implies, and whether any word of it was recognised.
pub fn classify(phrase_words: &[String]) -> (FieldType, bool) {
    let joined = phrase_words.join(" ");
    let has = |w: &str| phrase_words.iter().any(|x| x == w);
    // Order matters: the phrase's head (last word) decides first, then any word.
    if joined.contains("1-5")
        || joined.contains("1 to 5")
        || joined.contains("out of 5")
        || has("stars")
    {
        return (FieldType::Rating, true);
    }
    if has("time")
        && (has("minutes")
            || has("hours")
            || has("cooking")
            || has("prep")
            || has("reading")
            || has("travel")
            || has("screen"))
    {
        return (FieldType::Number, true);
    }
    // "a day" of a plan is a day of the week; a dated record says "date".
    if matches!(joined.as_str(), "day" | "weekday" | "day of the week") {
        return (FieldType::Enum, true);
    }
    // "hourly rate", "nightly rate": a price per unit of time, not a percentage.
    if has("rate")
        && phrase_words.iter().any(|w| {
            matches!(
                w.as_str(),
                "hourly" | "daily" | "nightly" | "weekly" | "monthly" | "day" | "hour" | "night"
            )
        })
    {
        return (FieldType::Money, true);
    }
    if joined.starts_with("number of")
        || joined.starts_with("no of")
        || joined.starts_with("amount of") && !has("money")
    {
        return (FieldType::Number, true);
    }
    let head = phrase_words.last().map(String::as_str).unwrap_or_default();
    let lookup = |w: &str| -> Option<FieldType> {
        ALL_TYPE_WORDS
            .iter()
            .flat_map(|list| list.iter())
            .find(|t| t.word == w)
            .map(|t| t.kind)
    };
    if head.ends_with("name") || TEXT_FIELD_WORDS.contains(&head) && lookup(head).is_none() {
        return (FieldType::Text, true);
    }
    if let Some(k) = lookup(head) {
        return (k, true);
    }
    if joined.contains("payment method") {
        return (FieldType::Enum, true);
    }
    for w in phrase_words.iter().rev() {
        if let Some(k) = lookup(w) {
            // A modifier like "email" in "email subject" does not make the field an email.
            let weak = matches!(k, FieldType::Enum | FieldType::Boolean | FieldType::Time);
            if !weak {
                return (k, true);
            }
        }
        if TEXT_FIELD_WORDS.contains(&w.as_str()) || w.ends_with("name") {
            return (FieldType::Text, true);
        }
    }
    (FieldType::Text, false)
}

/// One list item turned into a field; None when the phrase is not a field.
pub fn field_from_phrase(
    phrase: &str,
    original: &str,
    options: Vec<String>,
) -> Option<(Field, bool)> {
    let mut ws = words(phrase);
    // "whether it's vegetarian" → "vegetarian"; "score out of 100" → "score".
    for lead in [
        &["whether", "it's"][..],
        &["whether", "it", "is"],
        &["whether"],
        &["if", "it's"],
        &["is", "it"],
        &["which"],
        &["what"],
    ] {
        if ws.len() > lead.len() && ws.iter().zip(lead.iter()).all(|(w, l)| w == l) {
            ws.drain(..lead.len());
            break;
        }
    }
    // "seats up to 6", "guests at most 10": a bound on the value ends the noun phrase.
    if let Some(p) = ws
        .windows(2)
        .position(|w| {
            matches!(
                (w[0].as_str(), w[1].as_str()),
                ("up", "to") | ("at", "most")
            )
        })
        .filter(|p| *p > 0)
    {
        ws.truncate(p);
    }
    // "which room it is in", "the date it was last watered": a clause with its own subject
    // ends the noun phrase.
    if let Some(p) = ws
        .iter()
        .position(|w| {
            matches!(
                w.as_str(),
                "it" | "they" | "he" | "she" | "i" | "we" | "you"
            )
        })
        .filter(|p| *p > 0)
    {
        ws.truncate(p);
    }
    // "who is doing it", "who does it": the person's name, whatever the verb.
    if ws.len() >= 2
        && ws[0] == "who"
        && matches!(
            ws[1].as_str(),
            "is" | "does" | "did" | "will" | "was" | "has"
        )
    {
        let kind = if options.len() >= 2 {
            FieldType::Enum
        } else {
            FieldType::Text
        };
        let field = Field {
            key: "who".into(),
            label: "Who".into(),
            kind,
            options,
            required: false,
            unit: None,
            initial: None,
        };
        return Some((field, true));
    }
    // "the time of each feed": the head is the time; the rest says which record.
    if let Some(p) = ws
        .windows(2)
        .position(|w| w[0] == "of" && matches!(w[1].as_str(), "each" | "every"))
        .filter(|p| *p > 0)
    {
        ws.truncate(p);
    }
    let yes_no = ws.iter().any(|w| w == "yesno");
    ws.retain(|w| w != "yesno");
    let mut out_of: Option<f64> = None;
    if let Some(i) = ws.windows(2).position(|w| w[0] == "out" && w[1] == "of")
        && i > 0
    {
        out_of = ws.get(i + 2).and_then(|n| n.parse::<f64>().ok());
        ws.truncate(i);
    }
    // "score from 0 to 100", "rating 1 to 5": a numeric range qualifies the phrase before it.
    let mut range: Option<(f64, f64)> = None;
    if let Some(i) = ws
        .windows(3)
        .position(|w| w[1] == "to" && w[0].parse::<f64>().is_ok() && w[2].parse::<f64>().is_ok())
        && i > 0
    {
        range = Some((
            ws[i].parse().unwrap_or(0.0),
            ws[i + 2].parse().unwrap_or(0.0),
        ));
        let cut = if ws[i - 1] == "from" { i - 1 } else { i };
        ws.truncate(cut);
    }
    while ws.first().is_some_and(|w| {
        DETERMINERS.contains(&w.as_str())
            || w.parse::<f64>().is_ok()
            || crate::text::parse_count(w).is_some()
    }) {
        ws.remove(0);
    }
    if ws.is_empty() || ws.len() > 5 {
        return None;
    }
    // A phrase with its own list of options is a field even when it uses a UI word
    // ("table (Window, Patio, Bar)").
    let has_options = options.len() >= 2;
    if !has_options && ws.iter().any(|w| NOT_FIELD_WORDS.contains(&w.as_str())) {
        return None;
    }
    // "a show (Hamlet, Cats)": with its own options the word is a noun, not an action.
    if !has_options && ws.first().is_some_and(|w| VERBS.contains(&w.as_str())) {
        return None;
    }
    // "cooking time in minutes" → unit "minutes".
    let mut unit = None;
    if let Some(pos) = ws.iter().position(|w| w == "in" || w == "per") {
        if pos > 0 && pos + 1 < ws.len() {
            unit = Some(ws[pos + 1..].join(" "));
            ws.truncate(pos);
        } else {
            return None;
        }
    }
    let (mut kind, known) = classify(&ws);
    let known = known || yes_no;
    if unit.is_some() && matches!(kind, FieldType::Text | FieldType::Time) {
        kind = FieldType::Number;
    }
    // "amount in ml" measures a quantity; only a currency unit keeps it money.
    if kind == FieldType::Money
        && unit.as_deref().is_some_and(|u| {
            !crate::text::has_any(
                u,
                &[
                    "dollars", "dollar", "usd", "euros", "euro", "eur", "pounds", "gbp", "yen",
                    "cents", "currency", "$", "€", "£",
                ],
            )
        })
    {
        kind = FieldType::Number;
    }
    if yes_no {
        kind = FieldType::Boolean;
    }
    let known = known || range.is_some();
    match range {
        Some((lo, hi)) if lo <= 1.0 && (hi - 5.0).abs() < f64::EPSILON => kind = FieldType::Rating,
        Some(_) if !matches!(kind, FieldType::Money | FieldType::Percent) => {
            kind = FieldType::Number
        }
        _ => {}
    }
    match out_of {
        Some(n) if (n - 5.0).abs() < f64::EPSILON => kind = FieldType::Rating,
        Some(_) => kind = FieldType::Number,
        None => {}
    }
    let mut label_words: Vec<String> = ws
        .iter()
        .filter(|w| *w != "1-5" && w.parse::<f64>().is_err())
        .cloned()
        .collect();
    if label_words.is_empty() {
        return None;
    }
    // One record has one due date: "with due dates" labels the field "Due date".
    if let Some(last) = label_words.last_mut()
        && matches!(
            last.as_str(),
            "dates"
                | "times"
                | "names"
                | "titles"
                | "emails"
                | "phones"
                | "prices"
                | "costs"
                | "amounts"
                | "ratings"
                | "urls"
                | "links"
                | "deadlines"
                | "birthdays"
        )
    {
        last.pop();
    }
    let label_lower = label_words.join(" ");
    let label = capitalize(&original_case(original, &label_lower));
    let mut options = options;
    if kind == FieldType::Enum && options.is_empty() {
        options = default_options(&label_lower);
        if options.is_empty() {
            kind = FieldType::Text;
        }
    }
    if !options.is_empty() {
        kind = FieldType::Enum;
    }
    if kind == FieldType::Number && unit.is_none() {
        unit = match label_words.last().map(String::as_str) {
            Some("minutes") => Some("minutes".to_owned()),
            Some("hours") => Some("hours".to_owned()),
            _ => None,
        };
    }
    Some((
        Field {
            key: ident(&label_lower),
            label,
            kind,
            options,
            required: false,
            unit,
            initial: None,
        },
        known,
    ))
}

/// A field a person asked for by name: typed from its words when they say a type, else a
/// text field with exactly that name ("Color", "Total").
pub fn field_from_label(label: &str, options: Vec<String>) -> Option<Field> {
    let label = label.trim();
    let lower = label.to_lowercase();
    if let Some((f, _)) = field_from_phrase(&lower, label, options.clone()) {
        return Some(f);
    }
    let ws = words(&lower);
    if ws.is_empty() || ws.len() > 6 {
        return None;
    }
    Some(Field {
        key: ident(&lower),
        label: capitalize(&ws.join(" ")),
        kind: if options.len() >= 2 {
            FieldType::Enum
        } else {
            FieldType::Text
        },
        options,
        required: false,
        unit: None,
        initial: None,
    })
}

/// The words as they were written (so "SKU" stays upper-case); falls back to `lower`.
fn original_case(original: &str, lower: &str) -> String {
    let hay = original.to_ascii_lowercase();
    match hay.find(lower) {
        Some(i) if original.is_char_boundary(i) && original.is_char_boundary(i + lower.len()) => {
            let s = &original[i..i + lower.len()];
            // Keep acronyms ("SKU"); other words in lower case so labels read as sentence case.
            s.split(' ')
                .map(|w| {
                    if w.len() > 1
                        && w.chars().all(|c| c.is_uppercase() || !c.is_alphabetic())
                        && w.chars().any(char::is_alphabetic)
                    {
                        w.to_owned()
                    } else {
                        w.to_lowercase()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => lower.to_owned(),
    }
}

/// Splits a list "a, b and c or d" into items.
pub fn split_list(s: &str) -> Vec<String> {
    let mut t = format!(" {s} ");
    for sep in [
        " and/or ",
        " and ",
        " or ",
        " & ",
        " as well as ",
        " plus ",
        " along with ",
    ] {
        t = t.replace(sep, ",");
    }
    t.split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// "(food, transport, rent)" groups, replaced by a placeholder word `zzgroupN`.
fn protect_groups(s: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut groups = vec![];
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                if depth == 1 {
                    cur.clear();
                    continue;
                }
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push_str(&format!(" zzgroup{} ", groups.len()));
                    groups.push(cur.clone());
                    continue;
                }
            }
            _ => {}
        }
        if depth > 0 {
            cur.push(c);
        } else {
            out.push(c);
        }
    }
    (out, groups)
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "Monday to Friday" → the weekdays in that range.
fn weekday_range(s: &str) -> Option<Vec<String>> {
    let ws = words(s);
    let day = |w: &String| {
        WEEKDAYS
            .iter()
            .position(|d| d.to_lowercase() == *w || d[..3].to_lowercase() == *w)
    };
    let days: Vec<usize> = ws.iter().filter_map(day).collect();
    let ranged = ws
        .iter()
        .any(|w| matches!(w.as_str(), "to" | "through" | "till" | "until"))
        || s.contains('-')
        || s.contains('–');
    match days.as_slice() {
        [a, b] if ranged && a < b => {
            Some(WEEKDAYS[*a..=*b].iter().map(|d| (*d).to_owned()).collect())
        }
        _ => None,
    }
}

/// Options written inside a group or after "of": "food, transport / rent or fun".
pub fn options_from(s: &str) -> Vec<String> {
    if let Some(days) = weekday_range(s) {
        return days;
    }
    let mut t = s.replace(['/', '|'], ",");
    t = t
        .replace(" e.g. ", " ")
        .replace("e.g.", "")
        .replace(" such as ", " ");
    let items: Vec<String> = split_list(&t)
        .into_iter()
        .map(|x| {
            x.trim_matches(|c: char| c == '"' || c == '\'' || c == '“' || c == '”' || c == '.')
                .trim()
                .to_owned()
        })
        .filter(|x| !x.is_empty() && x.split_whitespace().count() <= 4)
        .collect();
    let mut seen = vec![];
    for i in items {
        let cap = capitalize(&i);
        if !seen.iter().any(|s: &String| s.eq_ignore_ascii_case(&cap)) {
            seen.push(cap);
        }
    }
    seen
}

/// "log my daily water intake in glasses" → a number field "Water intake" in glasses.
fn measured_quantity(lower: &str) -> Option<Field> {
    let ws = words(lower);
    let verbs = [
        "log", "track", "record", "measure", "count", "enter", "note",
    ];
    let start = ws.iter().position(|w| verbs.contains(&w.as_str()))? + 1;
    let rest = &ws[start..];
    if let Some(f) = units_of_thing(rest) {
        return Some(f);
    }
    let at = rest.iter().position(|w| w == "in")?;
    let unit = rest.get(at + 1)?;
    let skip = [
        "my", "our", "the", "a", "an", "daily", "weekly", "monthly", "each", "every", "how",
        "much", "many", "your",
    ];
    let phrase: Vec<&str> = rest[..at]
        .iter()
        .map(String::as_str)
        .filter(|w| !skip.contains(w))
        .collect();
    if phrase.is_empty() || phrase.len() > 4 || unit.len() < 2 {
        return None;
    }
    let text = format!("{} in {unit}", phrase.join(" "));
    field_from_phrase(&text, &text, vec![]).map(|(mut f, _)| {
        f.kind = FieldType::Number;
        f
    })
}

/// "hours of sleep", "glasses of water" right after the verb: a number of that unit, named
/// after the thing measured.
fn units_of_thing(rest: &[String]) -> Option<Field> {
    const UNITS: &[&str] = &[
        "hours",
        "minutes",
        "glasses",
        "cups",
        "pages",
        "steps",
        "litres",
        "liters",
        "km",
        "miles",
        "kilometres",
        "kilometers",
        "laps",
        "servings",
    ];
    let rest: Vec<&str> = rest
        .iter()
        .map(String::as_str)
        .skip_while(|w| ["my", "our", "the", "your", "daily"].contains(w))
        .collect();
    let (unit, of, thing) = (rest.first()?, rest.get(1)?, rest.get(2)?);
    if !UNITS.contains(unit) || *of != "of" || thing.len() < 3 {
        return None;
    }
    Some(Field {
        key: ident(thing),
        label: capitalize(thing),
        kind: FieldType::Number,
        options: vec![],
        required: false,
        unit: Some((*unit).to_owned()),
        initial: None,
    })
}

/// "I record the date, litres and total cost": a total the user enters (the sentence says
/// they record, log or enter the list) is a field, not a summary the app computes.
fn entered_total(item: &str, original: &str) -> Option<(Field, bool)> {
    let mut ws = words(item);
    while ws
        .first()
        .is_some_and(|w| DETERMINERS.contains(&w.as_str()))
    {
        ws.remove(0);
    }
    let [total, rest @ ..] = ws.as_slice() else {
        return None;
    };
    if total != "total" || rest.is_empty() || rest.len() > 2 {
        return None;
    }
    // Only now read the whole description: this runs for every list item.
    let entered = words(original)
        .iter()
        .any(|w| matches!(w.as_str(), "record" | "log" | "enter" | "input" | "type"));
    if !entered {
        return None;
    }
    let (mut f, known) = field_from_phrase(&rest.join(" "), original, vec![])?;
    if !known || !f.kind.is_numeric() {
        return None;
    }
    let label = format!("total {}", rest.join(" "));
    f.key = ident(&label);
    f.label = capitalize(&label);
    Some((f, true))
}

/// "between 0 and 100" → "from 0 to 100", so a list split on "and" keeps the range whole.
fn between_ranges(s: &str) -> String {
    let ws: Vec<&str> = s.split(' ').collect();
    let num = |w: &str| w.trim_end_matches(',').parse::<f64>().is_ok();
    let mut out: Vec<&str> = vec![];
    let mut i = 0;
    while i < ws.len() {
        if i + 3 < ws.len()
            && ws[i].eq_ignore_ascii_case("between")
            && num(ws[i + 1])
            && ws[i + 2] == "and"
            && num(ws[i + 3])
        {
            out.extend(["from", ws[i + 1], "to", ws[i + 3]]);
            i += 4;
            continue;
        }
        out.push(ws[i]);
        i += 1;
    }
    out.join(" ")
}

/// "start and end time" → "start time, end time"; "first and last name" likewise.
fn expand_pairs(s: &str) -> String {
    let ws: Vec<&str> = s.split(' ').collect();
    let mut out: Vec<String> = vec![];
    let mut i = 0;
    while i < ws.len() {
        if i + 3 < ws.len()
            && ws[i + 1] == "and"
            && matches!(
                ws[i + 3].trim_end_matches(','),
                "time" | "date" | "times" | "dates" | "name" | "names" | "price" | "prices"
            )
        {
            let noun = ws[i + 3].trim_end_matches(',').trim_end_matches('s');
            let tail = if ws[i + 3].ends_with(',') { "," } else { "" };
            let pairable = [
                "start",
                "end",
                "first",
                "last",
                "check-in",
                "check-out",
                "pickup",
                "drop-off",
                "arrival",
                "departure",
                "opening",
                "closing",
                "buy",
                "sell",
                "purchase",
                "sale",
                "due",
                "begin",
                "finish",
            ];
            if pairable.contains(&ws[i]) && pairable.contains(&ws[i + 2]) {
                out.push(format!("{} {noun}, {} {noun}{tail}", ws[i], ws[i + 2]));
                i += 4;
                continue;
            }
        }
        out.push(ws[i].to_owned());
        i += 1;
    }
    out.join(" ")
}

/// Every field the description lists, in order, without duplicates.
pub fn extract_fields(text: &str) -> Vec<Field> {
    let mut found: Vec<Field> = vec![];
    for sentence in sentences(text) {
        let (protected, groups) = protect_groups(&sentence);
        // A dash opens a list like a colon ("RSVPs — name, guests"); "attending yes or no"
        // is a yes/no field.
        let normalized = protected
            .replace(" — ", ": ")
            .replace(" – ", ": ")
            .replace(" - ", ": ")
            .replace(" yes or no", " yesno")
            .replace(" (yes/no)", " yesno")
            .replace(" yes/no", " yesno");
        let normalized = between_ranges(&normalized);
        let lower = expand_pairs(
            &normalized
                .to_ascii_lowercase()
                .replace(['"', '“', '”'], " "),
        );
        let original = expand_pairs(&normalized);
        let mut segments: Vec<String> = vec![];
        if let Some(i) = lower.find(':') {
            segments.push(lower[i + 1..].to_owned());
        }
        // A trigger may open the sentence ("Log the time of each feed").
        let padded = format!(" {lower}");
        for t in TRIGGERS {
            let mut from = 0;
            while let Some(i) = padded[from..].find(t) {
                segments.push(padded[from + i + t.len()..].to_owned());
                from += i + t.len();
            }
        }
        if lower.matches(',').count() >= 2 {
            segments.push(lower.clone());
        }
        let mut in_sentence: Vec<Field> = vec![];
        for seg in segments {
            // A list runs after the last colon ("A guest book: name, email").
            let seg = seg.rsplit(':').next().unwrap_or_default().to_owned();
            for f in parse_segment(&seg, &original, &groups) {
                if !in_sentence.iter().any(|x| x.key == f.key)
                    && !found.iter().any(|x| x.key == f.key)
                {
                    in_sentence.push(f);
                }
            }
        }
        // A sentence that names only a date still measures something ("log hours of sleep
        // each night with the date").
        if !in_sentence.iter().any(|f| f.kind.is_numeric())
            && let Some(f) = measured_quantity(&lower)
            && !found.iter().any(|x| x.key == f.key)
        {
            in_sentence.push(f);
        }
        // Segments overlap; keep the fields in the order the sentence names them.
        in_sentence.sort_by_key(|f| lower.find(&f.label.to_lowercase()).unwrap_or(usize::MAX));
        found.extend(in_sentence);
    }
    found
}

fn parse_segment(seg: &str, original: &str, groups: &[String]) -> Vec<Field> {
    let items = split_list(seg);
    let mut parsed: Vec<(Field, bool)> = vec![];
    let mut absorbing: Option<usize> = None;
    for (idx, raw) in items.iter().enumerate() {
        let mut item = raw.clone();
        // "…, and the page shows total revenue, number of orders": what the app shows is
        // not something the user enters; the list of inputs ends there.
        if idx > 0
            && words(&item)
                .iter()
                .any(|w| matches!(w.as_str(), "shows" | "displays" | "show" | "display"))
        {
            break;
        }
        // "pick a room" → "a room" when it opens the list.
        if idx == 0 {
            let ws: Vec<&str> = item.split_whitespace().collect();
            if ws.first().is_some_and(|w| INPUT_VERBS.contains(w)) {
                item = ws[1..].join(" ");
            }
        }
        // Options in a protected group: "category zzgroup0".
        let mut options = vec![];
        if let Some(pos) = item.find("zzgroup") {
            let n: usize = item[pos + 7..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(usize::MAX);
            if let Some(g) = groups.get(n) {
                let opts = options_from(g);
                // "a form to add a ticket (subject, customer email, priority)": a group of
                // fields after a phrase that is not a field itself lists fields, not choices.
                let head = item[..pos].trim();
                let known_items = split_list(&g.to_lowercase())
                    .iter()
                    .filter(|x| field_from_phrase(x, x, vec![]).is_some_and(|(_, k)| k))
                    .count();
                if known_items >= 2 && field_from_phrase(head, original, vec![]).is_none() {
                    let nested = parse_segment(&g.to_lowercase(), g, &[]);
                    if nested.len() >= 2 {
                        parsed.extend(nested.into_iter().map(|f| (f, true)));
                        continue;
                    }
                }
                if opts.len() >= 2 {
                    options = opts;
                } else if let Some(o) = opts.first() {
                    // "(in minutes)", "(1-5)": a qualifier, folded back into the phrase.
                    item = format!("{} {}", &item[..pos], o.to_lowercase());
                    item = item.trim().to_owned();
                }
            }
            if !options.is_empty() || item.contains("zzgroup") {
                item = item
                    .split("zzgroup")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
            }
        }
        // "priority low/normal/urgent": a choice with its options written after it.
        if options.is_empty() {
            let tokens: Vec<&str> = item.split_whitespace().collect();
            if let Some(at) = tokens
                .iter()
                .position(|t| t.contains('/'))
                .filter(|a| *a > 0)
            {
                let head = tokens[..at].join(" ");
                let opts = options_from(&tokens[at..].join(" "));
                let enum_head = classify(&words(&head)).0 == FieldType::Enum;
                if enum_head && opts.len() >= 2 {
                    options = opts;
                    item = head;
                }
            }
        }
        // "status of lead": a choice whose options run on through the next items; "status
        // which can be applied, …" and "stage, one of …" say the same.
        for connector in [
            " which can be ",
            " that can be ",
            " which is either ",
            " which is one of ",
            " that is one of ",
            " can be ",
            " one of ",
        ] {
            if let Some(i) = format!(" {item} ").find(connector).filter(|i| *i > 0) {
                let padded = format!(" {item} ");
                item = format!("{} of {}", &padded[..i], &padded[i + connector.len()..])
                    .trim()
                    .to_owned();
                break;
            }
        }
        let ws = words(&item);
        if let Some(of) = ws
            .iter()
            .position(|w| w == "of" || w == "like" || w == "either")
            && of > 0
            && of + 1 < ws.len()
        {
            let head = ws[..of].join(" ");
            let (kind, _) = classify(&words(&head));
            let enum_head = kind == FieldType::Enum
                || crate::lexicon::ENUM_WORDS
                    .iter()
                    .any(|t| head.ends_with(t.word));
            if enum_head && let Some((mut f, known)) = field_from_phrase(&head, original, vec![]) {
                f.kind = FieldType::Enum;
                f.options = vec![capitalize(&original_case(
                    original,
                    &ws[of + 1..].join(" "),
                ))];
                parsed.push((f, known));
                absorbing = Some(parsed.len() - 1);
                continue;
            }
        }
        if let Some(at) = absorbing {
            let is_field =
                field_from_phrase(&item, original, vec![]).is_some_and(|(_, known)| known);
            if !is_field && ws.len() <= 3 && !ws.is_empty() {
                let opt = capitalize(&original_case(original, &ws.join(" ")));
                if let Some((f, _)) = parsed.get_mut(at) {
                    f.options.push(opt);
                }
                continue;
            }
            absorbing = None;
        }
        // Items that are not fields ("tick them off") are skipped; the list goes on.
        if let Some(p) = field_from_phrase(&item, original, options) {
            parsed.push(p);
        } else if let Some(p) = entered_total(&item, original) {
            parsed.push(p);
        }
    }
    // Choices with listed options ("who (Sam, Kim)") are fields whatever their name.
    for (f, known) in parsed.iter_mut() {
        if f.options.len() >= 2 {
            *known = true;
        }
    }
    if !parsed.iter().any(|(_, known)| *known) {
        return vec![];
    }
    let known_count = parsed.iter().filter(|(_, k)| *k).count();
    parsed
        .into_iter()
        .filter(|(f, known)| {
            *known || (known_count >= 2 && f.label.split_whitespace().count() <= 3)
        })
        .map(|(f, _)| f)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(text: &str) -> Vec<(String, FieldType, Vec<String>)> {
        extract_fields(text)
            .into_iter()
            .map(|f| (f.label, f.kind, f.options))
            .collect()
    }

    fn kinds(text: &str) -> Vec<(String, FieldType)> {
        summary(text).into_iter().map(|(l, k, _)| (l, k)).collect()
    }

    #[test]
    fn who_does_it_is_a_person_field() {
        let got = kinds("Garden jobs: each job has a title and who does it");
        assert_eq!(
            got,
            vec![
                ("Title".into(), FieldType::Text),
                ("Who".into(), FieldType::Text)
            ]
        );
    }

    #[test]
    fn units_of_a_thing_next_to_a_date_are_measured() {
        let got = kinds("Record minutes of practice every evening with the date");
        assert!(
            got.contains(&("Practice".into(), FieldType::Number)),
            "{got:?}"
        );
        assert!(got.contains(&("Date".into(), FieldType::Date)), "{got:?}");
    }

    #[test]
    fn a_day_of_a_plan_is_a_weekday() {
        let got = summary("A study timetable: each session has a subject and a day");
        let day = got.iter().find(|(l, _, _)| l == "Day").expect("day");
        assert_eq!((day.1, day.2.len()), (FieldType::Enum, 7));
    }

    #[test]
    fn colon_list_with_types() {
        let got = kinds(
            "A guest book for my wedding: guest name, email, phone, a 1-5 rating and a message.",
        );
        assert_eq!(
            got,
            vec![
                ("Guest name".into(), FieldType::Text),
                ("Email".into(), FieldType::Email),
                ("Phone".into(), FieldType::Tel),
                ("Rating".into(), FieldType::Rating),
                ("Message".into(), FieldType::Longtext),
            ]
        );
    }

    #[test]
    fn enum_options_in_parentheses_and_after_of() {
        let got = summary(
            "Track plants with species, watering frequency (daily, weekly, monthly) and a health of thriving, okay or wilting.",
        );
        assert_eq!(got[0].0, "Species");
        assert_eq!(got[1].1, FieldType::Enum);
        assert_eq!(got[1].2, vec!["Daily", "Weekly", "Monthly"]);
        let got = summary(
            "A student roster: full name, email and a status of enrolled, graduated or dropped.",
        );
        let status = got.iter().find(|f| f.0 == "Status").expect("status");
        assert_eq!(status.1, FieldType::Enum);
        assert_eq!(status.2, vec!["Enrolled", "Graduated", "Dropped"]);
    }

    #[test]
    fn units_money_dates_and_pairs() {
        let got = kinds(
            "Each workout has a date, exercise, duration in minutes, calories burned and a start and end time.",
        );
        assert!(got.contains(&("Date".into(), FieldType::Date)));
        assert!(got.contains(&("Duration".into(), FieldType::Number)));
        assert!(got.contains(&("Start time".into(), FieldType::Time)));
        assert!(got.contains(&("End time".into(), FieldType::Time)));
        let got = kinds(
            "Order log: customer, product SKU, unit price, quantity, delivery date, paid and website.",
        );
        assert!(got.contains(&("Unit price".into(), FieldType::Money)));
        assert!(got.contains(&("Quantity".into(), FieldType::Number)));
        assert!(got.contains(&("Delivery date".into(), FieldType::Date)));
        assert!(got.contains(&("Paid".into(), FieldType::Boolean)));
        assert!(got.contains(&("Website".into(), FieldType::Url)));
        assert!(got.iter().any(|(l, _)| l == "Product SKU"));
    }

    #[test]
    fn actions_and_ui_words_are_not_fields() {
        let got = kinds(
            "A chore list where I can add chores with a due date, tick them off, delete them, and filter by all / active / done.",
        );
        assert_eq!(got, vec![("Due date".into(), FieldType::Date)]);
        let got = kinds("Show everything in a table with the average rating and a search box.");
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_list_verb_may_open_the_sentence_and_of_each_names_the_record() {
        let got = kinds("Log the distance of each run and the shoe brand.");
        assert_eq!(
            got,
            vec![
                ("Distance".into(), FieldType::Number),
                ("Shoe brand".into(), FieldType::Text),
            ]
        );
    }

    #[test]
    fn numeric_ranges_qualify_the_phrase_before_them() {
        let got = kinds(
            "Each wine has a name, a quality score between 1 and 20 and a taste rating from 1 to 5.",
        );
        assert!(
            got.contains(&("Quality score".into(), FieldType::Number)),
            "{got:?}"
        );
        assert!(
            got.contains(&("Taste rating".into(), FieldType::Rating)),
            "{got:?}"
        );
    }

    #[test]
    fn which_can_be_lists_the_options_of_a_choice() {
        let got = summary(
            "A lead list with company, contact email and a stage that can be cold, warm or won.",
        );
        let stage = got.iter().find(|f| f.0 == "Stage").expect("stage");
        assert_eq!(stage.1, FieldType::Enum);
        assert_eq!(stage.2, vec!["Cold", "Warm", "Won"]);
    }

    #[test]
    fn a_clause_with_its_own_subject_ends_the_noun_phrase() {
        let got = summary(
            "For each bird I want to record its species, which park it was seen in (north, south or riverside) and the date I saw it.",
        );
        let park = got.iter().find(|f| f.0 == "Park").expect("park");
        assert_eq!(park.2, vec!["North", "South", "Riverside"]);
        assert!(
            got.iter().any(|f| f.0 == "Date" && f.1 == FieldType::Date),
            "{got:?}"
        );
    }

    #[test]
    fn rates_per_time_are_money_and_measured_amounts_are_numbers() {
        let got = kinds("Each babysitting job has a family, hours and a nightly rate.");
        assert!(
            got.contains(&("Nightly rate".into(), FieldType::Money)),
            "{got:?}"
        );
        let got = kinds("Each coffee has a name, an amount in ml and a price in euros.");
        assert!(
            got.contains(&("Amount".into(), FieldType::Number)),
            "{got:?}"
        );
        assert!(got.contains(&("Price".into(), FieldType::Money)), "{got:?}");
    }

    #[test]
    fn what_the_page_shows_is_not_an_input() {
        let got = kinds(
            "I record sales with the product, sale amount and date, and the header shows total profit, number of customers and the best day.",
        );
        assert!(!got.iter().any(|(l, _)| l.contains("customers")), "{got:?}");
        assert!(
            got.contains(&("Sale amount".into(), FieldType::Money)),
            "{got:?}"
        );
    }

    #[test]
    fn a_group_of_fields_is_a_field_list_and_slashes_list_options() {
        let got = summary(
            "An intake page with a form for new patients (full name, phone, severity mild/moderate/severe).",
        );
        assert_eq!(got[0].0, "Full name", "{got:?}");
        assert_eq!(got[1].1, FieldType::Tel);
        assert_eq!(got[2].0, "Severity");
        assert_eq!(got[2].2, vec!["Mild", "Moderate", "Severe"]);
        // A choice keeps its options even when they are type words.
        let got = summary("Contacts with name and preferred contact (email, phone or letter).");
        let pref = got
            .iter()
            .find(|f| f.0 == "Preferred contact")
            .expect("pref");
        assert_eq!(pref.2, vec!["Email", "Phone", "Letter"]);
    }

    #[test]
    fn a_total_the_user_records_is_a_field() {
        let got =
            kinds("For every delivery I log the date, the parcels carried and total distance.");
        assert!(
            got.contains(&("Total distance".into(), FieldType::Number)),
            "{got:?}"
        );
        // A total the app shows is not.
        let got = kinds("A list of trips with the date, a distance and the total distance.");
        assert!(!got.iter().any(|(l, _)| l == "Total distance"), "{got:?}");
    }
}
