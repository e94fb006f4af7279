//! Description (+ UI options) → [`AppSpec`]: which kind of app, what it is called, which
//! records and fields, which actions and summaries, which colours.

use crate::colors::{assign_roles, find_colors, is_dark, readable_on};
use crate::fields::{default_options, extract_fields};
use crate::knowledge::{calculators, landing, quiz, suggestions};
use crate::lexicon::NOT_ENTITIES;
use crate::spec::*;
use crate::text::{
    capitalize, has_any, has_phrase, has_word, parse_count, plural, sentences, singular,
    title_case, words,
};

pub const DEFAULT_BACKGROUND: &str = "#f8fafc";
pub const DEFAULT_ACCENT: &str = "#4f46e5";
const DARK_BACKGROUND: &str = "#0f172a";

/// Reads a description and the UI's generation options into a full spec.
pub fn analyze(description: &str, options: &[(String, String)]) -> AppSpec {
    let text = description.trim();
    let lower = text.to_lowercase();
    let kind = detect_kind(&lower);
    let mut fields = extract_fields(text);
    let (singular_name, plural_name) = entity_names(&lower, kind, &fields);
    complete_fields(kind, &mut fields, &singular_name, &lower);
    let mut spec = AppSpec {
        title: String::new(),
        tagline: String::new(),
        kind,
        entity: Entity {
            singular: capitalize(&singular_name),
            plural: capitalize(&plural_name),
            fields,
        },
        features: Features::default(),
        columns: vec![],
        calculator: None,
        quiz: None,
        landing: None,
        theme: theme_from(text),
        persist: !has_any(
            &lower,
            &[
                "no persistence",
                "don't save",
                "do not save",
                "without saving",
                "don't persist",
                "do not persist",
                "no local storage",
                "not saved",
            ],
        ),
        layout: if has_any(&lower, &["mobile", "phone-first", "on my phone", "cards"]) {
            Layout::Cards
        } else {
            Layout::Table
        },
        currency: currency(&lower),
    };
    spec.features = features(&lower, &spec);
    match kind {
        AppKind::Board => spec.columns = board_columns(text),
        AppKind::Calculator => {
            spec.calculator = Some(calculators::calculator_for(text, &spec.entity.fields))
        }
        AppKind::Quiz => {
            let hint = topic_hint(&lower);
            spec.quiz = Some(quiz::quiz_for(
                &lower,
                hint.as_deref(),
                question_count(&lower),
            ));
        }
        AppKind::Landing => spec.landing = Some(landing_spec(text)),
        _ => {}
    }
    spec.title = title(text, &spec);
    spec.tagline = tagline(&spec, text);
    apply_options(&mut spec, options);
    spec
}

/// UI generation options ("mobile-first", "persistence", "colors", …) as description → value.
pub fn apply_options(spec: &mut AppSpec, options: &[(String, String)]) {
    for (key, value) in options {
        let k = key.to_lowercase();
        let v = value.trim().to_lowercase();
        let on = matches!(
            v.as_str(),
            "true" | "yes" | "on" | "1" | "enabled" | "localstorage"
        );
        let off = matches!(
            v.as_str(),
            "false" | "no" | "off" | "0" | "disabled" | "none"
        );
        if k.contains("persist") || k.contains("storage") || k.contains("save") {
            if on {
                spec.persist = true;
            } else if off {
                spec.persist = false;
            }
        } else if k.contains("mobile") {
            if on || v.is_empty() || v.contains("mobile") {
                spec.layout = Layout::Cards;
            } else if off {
                spec.layout = Layout::Table;
            }
        } else if k.contains("color") || k.contains("colour") || k.contains("theme") {
            apply_color_text(spec, value, true);
        }
    }
}

/// Applies colours named in `text` to the theme. With `bare_is_accent_first`, colours without
/// a role word fill the accent then the background.
pub fn apply_color_text(spec: &mut AppSpec, text: &str, bare_is_accent_first: bool) {
    let mut mentions = find_colors(text);
    if mentions.is_empty() && bare_is_accent_first {
        // An answer like "teal" has no role or theme word; read it as a theme colour.
        mentions = find_colors(&format!("theme {text}"));
    }
    let (bg, accent, fg) = assign_roles(&mentions);
    let lower = text.to_lowercase();
    if has_any(
        &lower,
        &["dark mode", "dark theme", "make it dark", "darker"],
    ) && bg.is_none()
    {
        spec.theme.background = DARK_BACKGROUND.into();
        spec.theme.text = readable_on(DARK_BACKGROUND).into();
    } else if has_any(
        &lower,
        &["light mode", "light theme", "make it light", "lighter"],
    ) && bg.is_none()
    {
        spec.theme.background = DEFAULT_BACKGROUND.into();
        spec.theme.text = readable_on(DEFAULT_BACKGROUND).into();
    }
    if let Some(bg) = bg {
        spec.theme.text = readable_on(&bg).into();
        spec.theme.background = bg;
    }
    if let Some(a) = accent {
        spec.theme.accent = a;
    }
    if let Some(t) = fg {
        spec.theme.text = t;
    }
}

fn theme_from(text: &str) -> Theme {
    let mut spec_theme = Theme {
        background: DEFAULT_BACKGROUND.into(),
        text: readable_on(DEFAULT_BACKGROUND).into(),
        accent: DEFAULT_ACCENT.into(),
    };
    let (bg, accent, fg) = assign_roles(&find_colors(text));
    let lower = text.to_lowercase();
    if has_any(&lower, &["dark mode", "dark theme"]) {
        spec_theme.background = DARK_BACKGROUND.into();
        spec_theme.accent = "#818cf8".into();
    }
    if let Some(bg) = bg {
        spec_theme.background = bg;
    }
    spec_theme.text = readable_on(&spec_theme.background).into();
    if let Some(a) = accent {
        spec_theme.accent = a;
    }
    if let Some(t) = fg {
        spec_theme.text = t;
    }
    spec_theme
}

fn currency(lower: &str) -> String {
    if lower.contains('€') || has_any(lower, &["euro", "euros", "eur"]) {
        "EUR".into()
    } else if lower.contains('£') || has_any(lower, &["pound sterling", "gbp", "pounds sterling"])
    {
        "GBP".into()
    } else if lower.contains('¥') || has_any(lower, &["yen", "jpy"]) {
        "JPY".into()
    } else if lower.contains('₹') || has_any(lower, &["rupee", "rupees", "inr"]) {
        "INR".into()
    } else {
        "USD".into()
    }
}

/// The kind of app, from the words that signal each kind (first match in priority order).
pub fn detect_kind(lower: &str) -> AppKind {
    // "Trello-style", "to-do": hyphenated words also count as separate words.
    let spaced = format!("{lower} {}", lower.replace('-', " "));
    let lower = spaced.as_str();
    if has_any(
        lower,
        &[
            "quiz",
            "trivia",
            "flashcard",
            "flashcards",
            "multiple-choice",
            "multiple choice",
        ],
    ) {
        return AppKind::Quiz;
    }
    if has_any(
        lower,
        &[
            "calculator",
            "calculate",
            "converter",
            "convert",
            "conversion",
            "estimator",
            "bmi",
            "mortgage",
        ],
    ) {
        return AppKind::Calculator;
    }
    if has_any(lower, &["kanban", "trello"])
        || (has_any(lower, &["board", "pipeline"])
            && has_any(lower, &["column", "columns", "lanes", "stages", "lane"]))
        || has_any(lower, &["between columns", "moved between", "move between"])
    {
        return AppKind::Board;
    }
    let landing_words = [
        "hero",
        "pricing",
        "testimonials",
        "gallery",
        "faq",
        "contact form",
        "about us",
        "our team",
        "services section",
    ];
    let landing_hits = landing_words
        .iter()
        .filter(|w| has_phrase(lower, w))
        .count();
    if has_any(
        lower,
        &[
            "landing page",
            "landing",
            "homepage",
            "home page",
            "portfolio site",
            "portfolio website",
            "personal website",
            "one-page",
            "one page site",
            "brochure",
            "marketing site",
            "company website",
            "business website",
        ],
    ) || landing_hits >= 2
    {
        return AppKind::Landing;
    }
    if has_any(lower, &["habit", "habits", "streak", "streaks"]) {
        return AppKind::Habits;
    }
    if has_any(
        lower,
        &[
            "booking",
            "bookings",
            "reservation",
            "reservations",
            "appointment",
            "appointments",
            "overlap",
            "overlaps",
            "overlapping",
            "double-book",
            "double booking",
            "book a",
            "book an",
            "book the",
            "time slot",
            "time slots",
        ],
    ) {
        return AppKind::Bookings;
    }
    if has_any(
        lower,
        &[
            "inventory",
            "stock level",
            "stock levels",
            "low stock",
            "warehouse",
            "sku",
        ],
    ) {
        return AppKind::Inventory;
    }
    if has_any(
        lower,
        &[
            "todo",
            "to-do",
            "to do list",
            "task list",
            "tasks",
            "chores",
            "checklist",
            "task manager",
        ],
    ) {
        return AppKind::Tasks;
    }
    if has_any(
        lower,
        &[
            "dashboard",
            "analytics",
            "chart",
            "charts",
            "graph",
            "statistics",
            "visualize",
            "visualise",
            "visualization",
            "report",
            "reports",
        ],
    ) {
        return AppKind::Dashboard;
    }
    AppKind::List
}

/// The records' singular and plural names.
fn entity_names(lower: &str, kind: AppKind, fields: &[Field]) -> (String, String) {
    let default = match kind {
        AppKind::Tasks => Some("task"),
        AppKind::Habits => Some("habit"),
        AppKind::Bookings => Some("booking"),
        AppKind::Board => Some("card"),
        AppKind::Inventory => Some("item"),
        _ => None,
    };
    let found = find_entity(lower, kind, fields);
    let name = match (kind, found) {
        (AppKind::Board, Some(e)) if has_any(lower, &["card", "cards"]) => e.replace(&e, "card"),
        (AppKind::Habits | AppKind::Tasks, _) => default.unwrap_or("item").to_owned(),
        (_, Some(e)) => e,
        (_, None) => default.unwrap_or("entry").to_owned(),
    };
    let name = if name == "todo" || name == "to-do" {
        "task".to_owned()
    } else {
        name
    };
    let p = plural(&name);
    (name, p)
}

fn is_entity_word(w: &str) -> bool {
    w.len() > 2
        && !NOT_ENTITIES.contains(&w)
        && w.chars().all(|c| c.is_alphabetic() || c == '-')
        && !crate::lexicon::VERBS.contains(&w)
}

fn find_entity(lower: &str, kind: AppKind, fields: &[Field]) -> Option<String> {
    let ws = words(lower);
    // "each recipe has", "every book".
    for (i, w) in ws.iter().enumerate() {
        if (w == "each" || w == "every")
            && let Some(next) = ws.get(i + 1)
            && is_entity_word(next)
            && next != "day"
        {
            return Some(singular(next));
        }
    }
    // "cards have", "tasks with".
    if kind == AppKind::Board && ws.iter().any(|w| w == "cards" || w == "card") {
        return Some("card".into());
    }
    // "X tracker", "X list", "X form" (the noun before a container word).
    let containers = [
        "tracker",
        "list",
        "log",
        "manager",
        "box",
        "book",
        "journal",
        "catalog",
        "catalogue",
        "directory",
        "database",
        "planner",
        "organizer",
        "organiser",
        "collection",
        "registry",
        "diary",
        "form",
        "crm",
        "keeper",
        "library",
    ];
    for (i, w) in ws.iter().enumerate() {
        if i > 0 && containers.contains(&w.as_str()) {
            let prev = &ws[i - 1];
            if is_entity_word(prev)
                && ![
                    "personal", "simple", "small", "little", "shared", "online", "family", "daily",
                    "weekly",
                ]
                .contains(&prev.as_str())
            {
                return Some(singular(prev));
            }
        }
    }
    // "add recipes", "manage contacts", "for contacts".
    let verbs = [
        "add",
        "manage",
        "managing",
        "track",
        "tracking",
        "log",
        "logging",
        "record",
        "store",
        "organize",
        "organise",
        "organizing",
        "catalog",
        "list",
        "save",
        "collect",
        "for",
        "of",
    ];
    for (i, w) in ws.iter().enumerate() {
        if verbs.contains(&w.as_str()) {
            let mut j = i + 1;
            while ws.get(j).is_some_and(|x| {
                ["a", "an", "the", "my", "our", "new", "your", "all", "their"].contains(&x.as_str())
                    || x.ends_with("'s")
            }) {
                j += 1;
            }
            // The first plural noun within a few words: "a list of my favourite podcasts".
            if let Some(n) = ws[j.min(ws.len())..]
                .iter()
                .take(3)
                .find(|n| is_entity_word(n) && n.ends_with('s') && !n.ends_with("ss"))
            {
                return Some(singular(n));
            }
        }
    }
    // "part name" → part.
    for f in fields {
        let fw = words(&f.label);
        if fw.len() == 2 && fw[1] == "name" && is_entity_word(&fw[0]) {
            return Some(fw[0].clone());
        }
    }
    None
}

/// Adds the fields a kind needs to work and the fields a record obviously has.
fn complete_fields(kind: AppKind, fields: &mut Vec<Field>, entity: &str, lower: &str) {
    let has = |fields: &Vec<Field>, k: FieldType| fields.iter().any(|f| f.kind == k);
    let make =
        |phrase: &str| crate::fields::field_from_phrase(phrase, phrase, vec![]).map(|(f, _)| f);
    let push_front = |fields: &mut Vec<Field>, f: Option<Field>| {
        if let Some(f) = f
            && !fields.iter().any(|x| x.key == f.key)
        {
            fields.insert(0, f);
        }
    };
    let push = |fields: &mut Vec<Field>, f: Option<Field>| {
        if let Some(f) = f
            && !fields.iter().any(|x| x.key == f.key)
        {
            fields.push(f);
        }
    };
    match kind {
        AppKind::Tasks => {
            // "done" is the task's own state, not a field.
            fields.retain(|f| !matches!(f.key.as_str(), "done" | "completed"));
            if !fields.iter().any(|f| {
                f.kind == FieldType::Text
                    && has_any(
                        &f.label.to_lowercase(),
                        &[
                            "task", "title", "name", "todo", "chore", "item", "errand", "job",
                            "action", "to-do",
                        ],
                    )
            }) {
                push_front(fields, make("task"));
            }
        }
        AppKind::Habits => {
            fields.retain(|f| !matches!(f.key.as_str(), "done" | "completed" | "streak"));
            if !has(fields, FieldType::Text) {
                push_front(fields, make("habit"));
            }
        }
        AppKind::Bookings => {
            if !fields
                .iter()
                .any(|f| f.kind == FieldType::Text && f.label.to_lowercase().contains("name"))
            {
                push(fields, make("name"));
            }
            if !has(fields, FieldType::Date) {
                push(fields, make("date"));
            }
            let times = fields.iter().filter(|f| f.kind == FieldType::Time).count();
            if times < 2 {
                fields.retain(|f| f.kind != FieldType::Time);
                push(fields, make("start time"));
                push(fields, make("end time"));
            }
        }
        AppKind::Inventory => {
            if !has(fields, FieldType::Text) {
                push_front(fields, make("item name"));
            }
            if !fields.iter().any(|f| f.kind == FieldType::Number) {
                push(fields, make("quantity"));
            }
            if !has(fields, FieldType::Money) {
                push(fields, make("unit price"));
            }
        }
        AppKind::Dashboard => {
            if fields.is_empty() {
                *fields = suggestions::typical_for(entity, lower);
            }
            if !fields.iter().any(|f| f.kind.is_numeric()) {
                push(fields, make("value"));
            }
            if !has(fields, FieldType::Enum) {
                let mut f = make("category");
                if let Some(f) = f.as_mut() {
                    f.kind = FieldType::Enum;
                    f.options = default_options("category");
                }
                push(fields, f);
            }
        }
        AppKind::Board if !has(fields, FieldType::Text) => push_front(fields, make("title")),
        AppKind::List => {
            if fields.is_empty() {
                *fields = suggestions::typical_for(entity, lower);
            }
            if !fields.iter().any(|f| {
                matches!(
                    f.kind,
                    FieldType::Text | FieldType::Longtext | FieldType::Email
                )
            }) {
                let name_word = if has_any(
                    entity,
                    &[
                        "book", "movie", "film", "recipe", "song", "album", "article", "post",
                        "note", "idea", "game",
                    ],
                ) {
                    "title"
                } else if entity == "entry" && !has(fields, FieldType::Email) {
                    "note"
                } else {
                    "name"
                };
                push_front(fields, make(name_word));
            }
        }
        _ => {}
    }
    // Every record needs words that name it (and that a user can search for).
    if kind.has_fields()
        && !fields
            .iter()
            .any(|f| matches!(f.kind, FieldType::Text | FieldType::Longtext))
    {
        // Money records are described; anonymous log entries get a note; others a name.
        let label = if fields.iter().any(|f| f.kind == FieldType::Money) {
            "description"
        } else if entity == "entry" {
            "note"
        } else {
            "name"
        };
        let mut f = make(label);
        if let Some(f) = f.as_mut() {
            f.kind = FieldType::Text;
        }
        push_front(fields, f);
    }
    // Logs kept day by day need the day.
    if matches!(kind, AppKind::List | AppKind::Dashboard)
        && !has(fields, FieldType::Date)
        && has_any(
            lower,
            &[
                "daily",
                "each day",
                "per day",
                "every day",
                "weekly",
                "per week",
                "monthly",
                "log",
            ],
        )
    {
        push(fields, make("date"));
    }
    // The record's name is required so every saved record can be told apart.
    if let Some(first) = fields.iter_mut().find(|f| f.kind == FieldType::Text) {
        first.required = true;
    }
    if kind == AppKind::Bookings {
        for f in fields
            .iter_mut()
            .filter(|f| matches!(f.kind, FieldType::Date | FieldType::Time))
        {
            f.required = true;
        }
        // A valid slot to start from: start before end.
        let mut times = fields.iter_mut().filter(|f| f.kind == FieldType::Time);
        if let (Some(start), Some(end)) = (times.next(), times.next()) {
            start.initial.get_or_insert_with(|| "09:00".to_owned());
            end.initial.get_or_insert_with(|| "10:00".to_owned());
        }
    }
}

/// The field a phrase like "by title" or "status" refers to.
pub fn field_named<'a>(fields: &'a [Field], phrase: &str) -> Option<&'a Field> {
    let target = words(phrase);
    fields
        .iter()
        .find(|f| words(&f.label) == target)
        .or_else(|| {
            fields.iter().find(|f| {
                target
                    .iter()
                    .any(|t| words(&f.label).contains(t) || words(&f.label).contains(&singular(t)))
            })
        })
}

/// The words after `lead` in `lower` (up to 3), e.g. after "filter by".
fn words_after(lower: &str, leads: &[&str]) -> Option<String> {
    let ws = words(lower);
    for lead in leads {
        let lw = words(lead);
        if let Some(i) = ws.windows(lw.len()).position(|w| w == lw.as_slice()) {
            let rest: Vec<String> = ws[i + lw.len()..]
                .iter()
                .skip_while(|w| {
                    ["the", "their", "its", "a", "them", "it", "by", "on"].contains(&w.as_str())
                })
                .take(2)
                .cloned()
                .collect();
            if !rest.is_empty() {
                return Some(rest.join(" "));
            }
        }
    }
    None
}

fn features(lower: &str, spec: &AppSpec) -> Features {
    let fields = &spec.entity.fields;
    let kind = spec.kind;
    let mut f = Features::default();
    let primary = spec.primary_key();
    let numeric = |k: FieldType| {
        fields
            .iter()
            .filter(move |f| f.kind == k)
            .map(|f| f.key.clone())
    };

    if has_any(lower, &["search", "find", "look up", "lookup"]) {
        let by = words_after(
            lower,
            &["search by", "search them by", "search for", "search"],
        )
        .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()));
        f.search = match by {
            Some(k) => vec![k],
            None => fields
                .iter()
                .filter(|f| {
                    matches!(
                        f.kind,
                        FieldType::Text | FieldType::Longtext | FieldType::Email
                    )
                })
                .take(3)
                .map(|f| f.key.clone())
                .collect(),
        };
    }
    if has_any(lower, &["filter", "filtered", "filters", "only show"]) {
        let by = words_after(
            lower,
            &["filter by", "filter them by", "filter on", "filtered by"],
        )
        .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()))
        .or_else(|| {
            // "a status filter": the noun before "filter".
            let ws = words(lower);
            ws.iter()
                .position(|w| w == "filter")
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| field_named(fields, &ws[i]).map(|f| f.key.clone()))
        })
        .or_else(|| {
            fields
                .iter()
                .find(|f| f.kind == FieldType::Enum)
                .map(|f| f.key.clone())
        });
        if let Some(k) = by
            && fields
                .iter()
                .any(|x| x.key == k && x.kind == FieldType::Enum)
        {
            f.filter = Some(k);
        }
    }
    f.sort = has_any(
        lower,
        &[
            "sort",
            "sorted",
            "sortable",
            "order by",
            "ordered by",
            "rank",
            "ranking",
        ],
    );
    f.count = has_any(
        lower,
        &["count", "how many", "number of entries", "total number"],
    );
    let money: Vec<String> = numeric(FieldType::Money).collect();
    if has_any(
        lower,
        &["total", "totals", "sum", "spent", "how much", "balance"],
    ) || kind == AppKind::Dashboard
    {
        // "total weight" names the field to add up.
        let named = words_after(lower, &["total"])
            .and_then(|p| field_named(fields, &p))
            .filter(|x| x.kind.is_numeric() && x.kind != FieldType::Rating)
            .map(|x| x.key.clone());
        f.totals = if let Some(k) = named {
            vec![k]
        } else if money.is_empty() {
            fields
                .iter()
                .filter(|x| matches!(x.kind, FieldType::Number))
                .map(|x| x.key.clone())
                .take(2)
                .collect()
        } else {
            money.clone()
        };
        if kind == AppKind::Inventory {
            f.totals.retain(|k| {
                fields
                    .iter()
                    .any(|x| &x.key == k && x.kind == FieldType::Number)
            });
        }
    }
    if has_any(lower, &["average", "averages", "mean", "avg"]) || kind == AppKind::Dashboard {
        let named = words_after(lower, &["average"])
            .and_then(|p| field_named(fields, &p).map(|f| f.key.clone()));
        f.averages = match named {
            Some(k) if fields.iter().any(|x| x.key == k && x.kind.is_numeric()) => vec![k],
            _ => {
                let ratings: Vec<String> = numeric(FieldType::Rating).collect();
                if !ratings.is_empty() {
                    ratings
                } else {
                    fields
                        .iter()
                        .filter(|x| x.kind.is_numeric())
                        .map(|x| x.key.clone())
                        .take(1)
                        .collect()
                }
            }
        };
    }
    let group_phrase = words_after(
        lower,
        &[
            "per",
            "by each",
            "for each",
            "breakdown by",
            "grouped by",
            "group by",
            "broken down by",
        ],
    );
    let group_field = group_phrase
        .and_then(|p| {
            // A named grouping may be a choice or a text field ("per exercise").
            field_named(fields, &p)
                .filter(|x| matches!(x.kind, FieldType::Enum | FieldType::Text))
                .map(|x| x.key.clone())
        })
        .or_else(|| {
            (kind == AppKind::Dashboard
                || has_any(
                    lower,
                    &["breakdown", "by category", "per category", "each category"],
                ))
            .then(|| {
                fields
                    .iter()
                    .find(|x| x.kind == FieldType::Enum)
                    .map(|x| x.key.clone())
            })
            .flatten()
        });
    if let Some(by) = group_field
        && kind != AppKind::Bookings
    {
        let of = f
            .totals
            .first()
            .cloned()
            .or_else(|| money.first().cloned())
            .or_else(|| {
                fields
                    .iter()
                    .find(|x| x.kind == FieldType::Number)
                    .map(|x| x.key.clone())
            });
        f.group_by = Some(GroupBy { by, of });
    }
    f.chart = kind == AppKind::Dashboard
        || has_any(
            lower,
            &[
                "chart",
                "charts",
                "graph",
                "graphs",
                "visualize",
                "visualise",
                "plot",
            ],
        );
    f.done = kind == AppKind::Tasks
        || (kind.is_collection()
            && kind != AppKind::Habits
            && has_any(
                lower,
                &[
                    "mark as done",
                    "mark done",
                    "tick off",
                    "tick them off",
                    "check off",
                    "mark complete",
                    "mark as complete",
                    "completed",
                ],
            ));
    f.streak = kind == AppKind::Habits;
    if kind == AppKind::Bookings {
        let date = fields
            .iter()
            .find(|x| x.kind == FieldType::Date)
            .map(|x| x.key.clone());
        let times: Vec<String> = fields
            .iter()
            .filter(|x| x.kind == FieldType::Time)
            .map(|x| x.key.clone())
            .collect();
        let resource = fields
            .iter()
            .find(|x| x.kind == FieldType::Enum)
            .map(|x| x.key.clone());
        if let (Some(date), [start, end, ..]) = (date, times.as_slice()) {
            f.overlap = Some(Overlap {
                resource,
                date,
                start: start.clone(),
                end: end.clone(),
            });
        }
    }
    let qty = fields
        .iter()
        .find(|x| {
            x.kind == FieldType::Number
                && has_any(
                    &x.label.to_lowercase(),
                    &["quantity", "qty", "stock", "units", "count", "amount"],
                )
        })
        .or_else(|| fields.iter().find(|x| x.kind == FieldType::Number));
    let price = fields.iter().find(|x| x.kind == FieldType::Money);
    if let (Some(q), Some(p)) = (qty, price)
        && (kind == AppKind::Inventory
            || has_any(
                lower,
                &[
                    "times",
                    "multiplied",
                    "line total",
                    "subtotal",
                    "stock value",
                    "total value",
                ],
            ))
    {
        let label = if has_any(lower, &["stock value"]) || kind == AppKind::Inventory {
            "Stock value"
        } else if has_any(lower, &["subtotal"]) {
            "Subtotal"
        } else {
            "Value"
        };
        f.computed = Some(Computed {
            label: label.into(),
            factors: vec![q.key.clone(), p.key.clone()],
        });
    }
    if let Some(q) = qty
        && (kind == AppKind::Inventory || has_any(lower, &["low stock", "running low"]))
    {
        let threshold = threshold(lower).unwrap_or(5.0);
        f.low_stock = Some(LowStock {
            field: q.key.clone(),
            below: threshold,
        });
    }
    if f.search.is_empty() && kind == AppKind::List && has_word(lower, "search") {
        f.search = vec![primary];
    }
    f
}

/// The number in "below 5", "under 10", "less than 3", "fewer than 2".
fn threshold(lower: &str) -> Option<f64> {
    let ws = words(lower);
    for (i, w) in ws.iter().enumerate() {
        if matches!(w.as_str(), "below" | "under" | "than")
            && let Some(n) = ws.get(i + 1).and_then(|x| {
                x.parse::<f64>()
                    .ok()
                    .or_else(|| parse_count(x).map(f64::from))
            })
        {
            return Some(n);
        }
    }
    None
}

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

fn question_count(lower: &str) -> usize {
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

fn topic_hint(lower: &str) -> Option<String> {
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

fn landing_spec(text: &str) -> LandingSpec {
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
        if matches!(lw.as_str(), "called" | "named" | "titled" | "branded") {
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
    ] {
        if let Some(i) = s.find(cut)
            && i > 0
        {
            s.truncate(i);
        }
    }
    let lead = [
        "please",
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

fn tagline(spec: &AppSpec, text: &str) -> String {
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
        AppKind::Quiz => format!(
            "{} questions about {}. Pick an answer and see your score at the end.",
            spec.quiz.as_ref().map(|q| q.questions.len()).unwrap_or(0),
            spec.quiz
                .as_ref()
                .map(|q| q.topic.clone())
                .unwrap_or_default()
        ),
        AppKind::Landing => landing::tagline(&text.to_lowercase()),
    }
}

/// A stable key for a new field that does not collide with existing ones.
pub fn unique_key(fields: &[Field], base: &str) -> String {
    let base = if base.is_empty() {
        "field".to_owned()
    } else {
        base.to_owned()
    };
    let mut key = base.clone();
    let mut n = 2;
    while fields.iter().any(|f| f.key == key) {
        key = format!("{base}{n}");
        n += 1;
    }
    key
}

/// The text colour used on the accent (buttons).
pub fn accent_text(spec: &AppSpec) -> &'static str {
    readable_on(&spec.theme.accent)
}

pub fn dark_background(spec: &AppSpec) -> bool {
    is_dark(&spec.theme.background)
}

/// Re-derives what depends on the fields (kind-required fields, features) after the fields
/// changed, reading the original description for the features it asks for.
pub fn refresh(spec: &mut AppSpec, description: &str) {
    let lower = description.to_lowercase();
    let singular = spec.entity.singular.to_lowercase();
    if spec.kind.has_fields() {
        complete_fields(spec.kind, &mut spec.entity.fields, &singular, &lower);
    }
    let layout_cards = spec.layout;
    spec.features = features(&lower, spec);
    spec.layout = layout_cards;
    if spec.kind == AppKind::Calculator {
        spec.calculator = Some(calculators::calculator_for(
            description,
            &spec.entity.fields,
        ));
    }
}
