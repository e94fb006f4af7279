//! Description (+ UI options) → [`AppSpec`]: which kind of app, what it is called, which
//! records and fields, which actions and summaries, which colours.

use crate::colors::{assign_roles, find_colors, is_dark, readable_on};
use crate::content::{board_columns, landing_spec, question_count};
use crate::features::features;
use crate::fields::{default_options, extract_fields};
use crate::knowledge::{calculators, quiz, suggestions};
use crate::lexicon::NOT_ENTITIES;
use crate::spec::*;
use crate::text::{capitalize, has_any, has_phrase, plural, singular, words};
use crate::title::{tagline, title};

pub const DEFAULT_BACKGROUND: &str = "#f8fafc";
pub const DEFAULT_ACCENT: &str = "#4f46e5";
pub const DARK_BACKGROUND: &str = "#0f172a";
/// Accent used on dark backgrounds when the description names none.
pub const DARK_ACCENT: &str = "#818cf8";

/// Reads a description and the UI's generation options into a full spec.
pub fn analyze(description: &str, options: &[(String, String)]) -> AppSpec {
    let text = description.trim();
    let lower = text.to_lowercase();
    let archetype = crate::archetypes::detect(text);
    let kind = if archetype.is_some() {
        AppKind::Archetype
    } else {
        detect_kind(&lower)
    };
    // An archetype's parts are its own; words of its description are not record fields.
    let mut fields = if kind == AppKind::Archetype {
        vec![]
    } else {
        extract_fields(text)
    };
    // A field that names what cannot be built ("photo upload", the account of a description
    // with accounts) is not a field.
    let cannot = crate::requirements::limitations(text);
    let accounts = cannot.iter().any(|w| w.starts_with("user accounts"));
    fields.retain(|f| {
        let l = f.label.to_lowercase();
        crate::requirements::limitations(&l).is_empty()
            && !(accounts && ["account", "password", "login", "username"].contains(&l.as_str()))
    });
    let (singular_name, plural_name) = entity_names(&lower, kind, &fields);
    // "courses and their lessons … done per course": the app keeps the lessons.
    let (singular_name, plural_name) = match crate::rollup::child_of(&lower, &singular_name) {
        Some(child) if kind.is_collection() => (child.clone(), crate::text::plural(&child)),
        _ => (singular_name, plural_name),
    };
    complete_fields(kind, &mut fields, &singular_name, &lower);
    if kind.is_collection()
        && let Some(parent) = crate::rollup::parent_field(&lower, &fields, &singular_name)
    {
        // After the first field, which stays the record's name.
        fields.insert(fields.len().min(1), parent);
    }
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
        archetype,
        not_built: cannot.into_iter().map(str::to_owned).collect(),
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
        data: DataLocation::Device,
        layout: if has_any(&lower, &["mobile", "phone-first", "on my phone", "cards"]) {
            Layout::Cards
        } else {
            Layout::Table
        },
        currency: currency(&lower),
    };
    spec.features = features(&lower, &spec);
    if spec.can_share() {
        spec.data = DataLocation::from_description(&lower);
    }
    match kind {
        AppKind::Board => spec.columns = board_columns(text),
        AppKind::Calculator => {
            spec.calculator = Some(calculators::calculator_for(text, &spec.entity.fields))
        }
        AppKind::Quiz => {
            spec.quiz = Some(quiz::quiz_for(&lower, question_count(&lower)));
        }
        AppKind::Landing => spec.landing = Some(landing_spec(text)),
        _ => {}
    }
    spec.title = title(text, &spec);
    spec.tagline = tagline(&spec, text);
    apply_options(&mut spec, options);
    // "show them in a table" is a layout request even when the UI asks for mobile-first.
    if has_any(
        &lower,
        &[
            "in a table",
            "a table of",
            "table view",
            "as a table",
            "table under",
            "table below",
            "table with",
            "in a spreadsheet",
        ],
    ) {
        spec.layout = Layout::Table;
    }
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
        if k == "data" {
            // The start screen's "Data" choice; "auto" keeps the description's default.
            if let Some(d) = DataLocation::from_answer(&v)
                && spec.can_share()
            {
                spec.data = d;
            }
        } else if k.contains("persist") || k.contains("storage") || k.contains("save") {
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
            // Colours the description names win over the start screen's palette choice.
            let described = spec.theme.accent != DEFAULT_ACCENT && spec.theme.accent != DARK_ACCENT;
            if let Some((_, hex)) = UI_PALETTE.iter().find(|(id, _)| *id == v) {
                if !described {
                    spec.theme.accent = (*hex).to_owned();
                }
            } else if !described || find_colors(value).iter().any(|m| m.role.is_some()) {
                apply_color_text(spec, value, true);
            }
        }
    }
}

/// The start screen's colour choices (ids → the swatch the user saw).
const UI_PALETTE: &[(&str, &str)] = &[
    ("indigo", "#4f46e5"),
    ("emerald", "#059669"),
    ("rose", "#e11d48"),
    ("amber", "#d97706"),
    ("sky", "#0284c7"),
    ("slate", "#334155"),
];

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
        spec_theme.accent = DARK_ACCENT.into();
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
    // The default indigo is too dim on a dark background the description chose.
    if spec_theme.accent == DEFAULT_ACCENT && is_dark(&spec_theme.background) {
        spec_theme.accent = DARK_ACCENT.into();
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
        (AppKind::Board, Some(_)) if has_any(lower, &["card", "cards"]) => "card".to_owned(),
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
    // "each recipe has", "every book" — but "each person signs in" names the app's users.
    let of_users = |i: usize| {
        ["person", "people", "member", "one"].contains(&ws[i].as_str())
            && ws.get(i + 1).is_some_and(|v| {
                [
                    "signs", "logs", "sees", "gets", "keeps", "writes", "can", "only", "has",
                ]
                .contains(&v.as_str())
            })
    };
    for (i, w) in ws.iter().enumerate() {
        if (w == "each" || w == "every")
            && let Some(next) = ws.get(i + 1)
            && is_entity_word(next)
            && next != "day"
            && !of_users(i + 1)
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
                    "weekly", "private",
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
        && !fields.iter().any(|f| f.key == "day")
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
