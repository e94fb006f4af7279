//! Follow-up requests applied to a spec: rename, recolour, add/remove a field, add/remove a
//! section or column, persistence, search/filter/sort, layout. Deterministic: the same spec
//! and request always give the same new spec.

use crate::analysis::{apply_color_text, unique_key};
use crate::colors::find_colors;
use crate::features::{default_search, field_named};
use crate::fields::{field_from_label, field_from_phrase, options_from};
use crate::knowledge::landing;
use crate::questions::section_from_name;
use crate::spec::{AppKind, AppSpec, DataLocation, FieldType, Layout};
use crate::text::{has_any, words};
use crate::title::quiz_tagline;

/// What the offline generator can change, for the user when it cannot do a request.
pub const UNDERSTOOD: &str = "I can rename the app (\"rename it to Acme Notes\"), a field or a column (\"rename the owner field to Assignee\"), change the subtitle, change colours (\"make the background navy and the buttons gold\"), add or remove a field (\"add a phone field\", \"remove the notes field\"), add or remove a section on a landing page or a column on a board, turn saving after reload on or off, add search, a filter or sorting, show totals, averages or a chart, switch between a table and cards, change how many questions a quiz has, and turn on or off what a composed app offers (\"let people comment\", \"use hearts\", \"add a timer\", \"keep score\", \"add 8% tax\", \"add croissant 3.20\").";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUnderstood(pub String);

/// The spec after `request`, and a sentence per change made.
pub fn apply_request(
    spec: &AppSpec,
    request: &str,
) -> Result<(AppSpec, Vec<String>), NotUnderstood> {
    let mut next = spec.clone();
    let mut done: Vec<String> = vec![];
    let lower = request.to_lowercase();

    // Colours are read from the whole request: one sentence often sets several roles.
    let colour_mentions = find_colors(request);
    let bare_colour = colour_mentions.is_empty()
        && has_any(
            &lower,
            &[
                "make it",
                "colour",
                "color",
                "theme",
                "dark mode",
                "light mode",
                "darker",
                "lighter",
            ],
        );
    if !colour_mentions.is_empty() || bare_colour {
        let before = next.theme.clone();
        apply_color_text(&mut next, request, true);
        if next.theme != before {
            done.push(format!(
                "Colours are now background {}, buttons {}.",
                next.theme.background, next.theme.accent
            ));
        }
    }

    for clause in clauses(request) {
        let c = clause.to_lowercase();
        let ws = words(&c);
        let first = ws.first().map(String::as_str).unwrap_or_default();
        if let Some(name) = rename_target(&clause) {
            next.title = name.clone();
            done.push(format!("Renamed the app to “{name}”."));
        } else if let Some(line) = tagline_target(&clause) {
            next.tagline = line.clone();
            done.push(format!("The subtitle now reads “{line}”."));
        } else if let Some(said) = next
            .archetype
            .as_mut()
            .map(|a| a.follow_up(&clause))
            .filter(|said| !said.is_empty())
        {
            // An option of a game, shop or feed was turned on or off.
            done.extend(said);
        } else if first == "rename" && rename_part(&mut next, &clause, &mut done) {
            // A field or board column was renamed.
        } else if let Some(d) = data_target(&next, &c) {
            next.data = d;
            done.push(match d {
                DataLocation::Cloud => "The data is now shared in the cloud: everyone who opens the app sees the same records, live.".into(),
                DataLocation::Private => "People now sign in with email and password, and each sees only their own records.".into(),
                DataLocation::Device => "The data is now kept on this device.".into(),
            });
        } else if has_any(
            &c,
            &[
                "don't save",
                "do not save",
                "stop saving",
                "disable persistence",
                "turn off persistence",
                "no persistence",
                "don't persist",
                "do not persist",
                "don't keep",
                "do not keep",
                "forget",
            ],
        ) {
            next.persist = false;
            done.push("Data is no longer kept after a reload.".into());
        } else if has_any(
            &c,
            &[
                "persist",
                "keep the data",
                "keep data",
                "save the data",
                "save data",
                "remember",
                "local storage",
                "localstorage",
                "after a reload",
                "after reload",
            ],
        ) {
            next.persist = true;
            done.push("Data is now kept after a reload.".into());
        } else if ["add", "include", "also", "put", "insert", "create"].contains(&first)
            || c.contains("ask for")
        {
            add_something(&mut next, &clause, &mut done);
        } else if ["remove", "delete", "drop", "hide", "without"].contains(&first)
            || has_any(&c, &["get rid of", "take out", "no longer need"])
        {
            remove_something(&mut next, &clause, &mut done);
        } else if has_any(&c, &["search"]) {
            enable_search(&mut next, &c, &mut done);
        } else if has_any(&c, &["filter"]) {
            enable_filter(&mut next, &c, &mut done);
        } else if has_any(&c, &["sort", "sorting", "order by"]) {
            next.features.sort = true;
            done.push("Added sorting.".into());
        } else if has_any(&c, &["cards", "mobile"]) && next.kind.is_collection() {
            next.layout = Layout::Cards;
            done.push("Records are shown as cards.".into());
        } else if has_any(&c, &["table"])
            && next.kind.is_collection()
            && has_any(&c, &["use", "show", "switch", "as a"])
        {
            next.layout = Layout::Table;
            done.push("Records are shown in a table.".into());
        } else if next.kind == AppKind::Quiz && has_any(&c, &["question", "questions"]) {
            set_question_count(&mut next, &ws, &mut done);
        } else if has_any(&c, &["total", "totals", "average", "chart", "graph"]) {
            add_summary(&mut next, &c, &mut done);
        }
    }
    if done.is_empty() {
        return Err(NotUnderstood(format!(
            "I did not understand that request. {UNDERSTOOD}"
        )));
    }
    prune_features(&mut next);
    Ok((next, done))
}

/// Splits a request into one intent per clause ("add a phone field and remove notes").
fn clauses(request: &str) -> Vec<String> {
    let intent_words = [
        "add", "remove", "delete", "rename", "make", "change", "set", "show", "hide", "use", "let",
        "turn", "enable", "disable", "sort", "filter", "search", "call", "include", "drop",
        "switch", "keep", "don't", "do", "stop", "put", "also",
    ];
    let mut out = vec![];
    // A full stop between digits is a decimal point ("add lilies 6.75"), not a sentence end.
    let chars: Vec<char> = request.chars().collect();
    let ends = |i: usize, c: char| {
        matches!(c, ';' | '\n' | '!')
            || c == '.' && !chars.get(i + 1).is_some_and(char::is_ascii_digit)
    };
    let marked: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if ends(i, c) { '\n' } else { c })
        .collect();
    for sentence in marked.split('\n') {
        let ws: Vec<&str> = sentence.split_whitespace().collect();
        let mut cur: Vec<&str> = vec![];
        for (i, w) in ws.iter().enumerate() {
            let joiner = matches!(w.to_lowercase().trim_end_matches(','), "and" | "then")
                || w.ends_with(',');
            let next_is_intent = ws
                .get(i + 1)
                .is_some_and(|n| intent_words.contains(&n.to_lowercase().as_str()));
            if joiner && next_is_intent {
                if w.ends_with(',')
                    && !matches!(w.to_lowercase().trim_end_matches(','), "and" | "then")
                {
                    cur.push(w.trim_end_matches(','));
                }
                if !cur.is_empty() {
                    out.push(cur.join(" "));
                }
                cur.clear();
            } else {
                cur.push(w);
            }
        }
        if !cur.is_empty() {
            out.push(cur.join(" "));
        }
    }
    out
}

fn strip_quotes(s: &str) -> String {
    s.trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '“' | '”' | '.' | '!'))
        .trim()
        .to_owned()
}

/// "rename it to X", "call it X", "change the title to X", "name the app X".
fn rename_target(clause: &str) -> Option<String> {
    let lower = clause.to_ascii_lowercase();
    let leads = [
        "rename the app to ",
        "rename it to ",
        "rename to ",
        "rename app to ",
        "change the title to ",
        "change the name to ",
        "change title to ",
        "set the title to ",
        "set title to ",
        "title it ",
        "call it ",
        "name it ",
        "call the app ",
        "name the app ",
        "the title should be ",
        "the app should be called ",
        "retitle to ",
        "rename the title to ",
    ];
    for lead in leads {
        if let Some(i) = lower.find(lead) {
            let name = strip_quotes(&clause[i + lead.len()..]);
            if !name.is_empty() && name.len() <= 60 {
                return Some(name);
            }
        }
    }
    if lower.starts_with("rename ")
        && let Some(i) = lower.find(" to ")
        && (lower.contains(" app ") || lower.contains(" title "))
    {
        let name = strip_quotes(&clause[i + 4..]);
        if !name.is_empty() {
            return Some(name);
        }
    }
    None
}

/// "change the subtitle to X", "set the tagline to X".
fn tagline_target(clause: &str) -> Option<String> {
    let lower = clause.to_ascii_lowercase();
    let verb = ["change", "set", "update", "make", "replace"]
        .iter()
        .any(|v| lower.trim_start().starts_with(v));
    if !verb || lower.contains("field") {
        return None;
    }
    for word in ["subtitle", "tagline", "slogan"] {
        if let Some(i) = lower.find(word)
            && let Some(j) = lower[i..].find(" to ")
        {
            let line = strip_quotes(&clause[i + j + 4..]);
            if !line.is_empty() && line.len() <= 160 {
                return Some(line);
            }
        }
    }
    None
}

/// "rename the owner field to Assignee", "rename the Doing column to In review". The field
/// keeps its key so records already saved keep their values.
fn rename_part(spec: &mut AppSpec, clause: &str, done: &mut Vec<String>) -> bool {
    let lower = clause.to_ascii_lowercase();
    let Some(i) = lower.find(" to ") else {
        return false;
    };
    let new_name = crate::text::capitalize(&strip_quotes(&clause[i + 4..]));
    let old: Vec<String> = words(&lower[..i])
        .into_iter()
        .filter(|w| !["rename", "the", "field", "column", "input", "label"].contains(&w.as_str()))
        .collect();
    if new_name.is_empty() || old.is_empty() || new_name.len() > 60 {
        return false;
    }
    let old_name = old.join(" ");
    if let Some(col) = spec
        .columns
        .iter_mut()
        .find(|c| c.eq_ignore_ascii_case(&old_name))
    {
        done.push(format!("Renamed the “{col}” column to “{new_name}”."));
        *col = new_name;
        return true;
    }
    let Some(key) = field_named(&spec.entity.fields, &old_name).map(|f| f.key.clone()) else {
        return false;
    };
    if let Some(f) = spec.entity.fields.iter_mut().find(|f| f.key == key) {
        done.push(format!("Renamed the “{}” field to “{new_name}”.", f.label));
        f.label = new_name;
    }
    true
}

/// The noun phrase an add/remove request is about: "add a field called Due date" → "due
/// date"; "add a phone number field" → "phone number".
fn target_phrase(clause: &str) -> (String, String, Vec<String>) {
    let (main, opts) = match clause.split_once('(') {
        Some((m, rest)) => (
            m.to_owned(),
            options_from(rest.split(')').next().unwrap_or_default()),
        ),
        None => (clause.to_owned(), vec![]),
    };
    let (main, opts) = if opts.is_empty() {
        // "add a priority field with options low, medium, high"
        match main
            .to_ascii_lowercase()
            .find(" with options ")
            .or_else(|| main.to_ascii_lowercase().find(" options "))
        {
            Some(i) => {
                let tail = main[i..]
                    .splitn(3, ' ')
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("options")
                    .to_owned();
                (main[..i].to_owned(), options_from(&tail))
            }
            None => (main, opts),
        }
    } else {
        (main, opts)
    };
    let original = main.trim().to_owned();
    let mut ws: Vec<String> = words(&original);
    let drop_front = [
        "add", "include", "also", "put", "insert", "create", "remove", "delete", "drop", "hide",
        "get", "rid", "of", "take", "out", "please", "a", "an", "the", "new", "another", "ask",
        "for", "without", "field", "column", "section", "input", "called", "named", "titled", "so",
        "i", "can", "enter",
    ];
    while ws.first().is_some_and(|w| drop_front.contains(&w.as_str())) {
        ws.remove(0);
    }
    let drop_back = [
        "field", "fields", "column", "columns", "section", "sections", "input", "page", "to",
        "the", "form", "app", "too", "as", "well", "please", "part", "block", "area", "list",
        "board", "from",
    ];
    while ws.last().is_some_and(|w| drop_back.contains(&w.as_str())) {
        ws.pop();
    }
    // "remove the notes field from the form" → cut at a trailing "from …"/"to …".
    if let Some(i) = ws
        .iter()
        .position(|w| w == "from" || w == "to" || w == "on" || w == "in")
    {
        ws.truncate(i);
    }
    let phrase = ws.join(" ");
    let lower_original = original.to_lowercase();
    (phrase, lower_original, opts)
}

fn add_something(spec: &mut AppSpec, clause: &str, done: &mut Vec<String>) {
    let (phrase, lower, opts) = target_phrase(clause);
    if phrase.is_empty() {
        return;
    }
    if has_any(&lower, &["search"]) {
        return enable_search(spec, &lower, done);
    }
    if has_any(&lower, &["filter"]) {
        return enable_filter(spec, &lower, done);
    }
    if has_any(&lower, &["sorting", "sort"]) {
        spec.features.sort = true;
        done.push("Added sorting.".into());
        return;
    }
    if has_any(&lower, &["total", "average", "chart", "graph"]) && spec.kind.is_collection() {
        return add_summary(spec, &lower, done);
    }
    match spec.kind {
        AppKind::Landing => {
            let Some(kind) = section_from_name(&phrase) else {
                return;
            };
            if let Some(l) = spec.landing.as_mut() {
                if l.sections.iter().any(|s| s.kind == kind) {
                    done.push(format!(
                        "The page already has a {} section.",
                        crate::questions::section_name(kind)
                    ));
                    return;
                }
                let s =
                    landing::section(kind, &l.subject, &format!("{} {}", l.subject, spec.title));
                done.push(format!("Added a “{}” section.", s.title));
                l.sections.push(s);
            }
        }
        AppKind::Board if has_any(&lower, &["column", "lane", "stage"]) => {
            let name = crate::text::capitalize(&phrase);
            if !spec.columns.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                spec.columns.push(name.clone());
                done.push(format!("Added a “{name}” column."));
            }
        }
        k if k.has_fields() => {
            let original = clause.to_owned();
            let from_text = field_from_phrase(&phrase, &original, opts.clone()).map(|(f, _)| f);
            let Some(mut field) = from_text.or_else(|| field_from_label(&phrase, opts)) else {
                return;
            };
            if spec
                .entity
                .fields
                .iter()
                .any(|f| f.label.eq_ignore_ascii_case(&field.label))
            {
                done.push(format!("There is already a “{}” field.", field.label));
                return;
            }
            field.key = unique_key(&spec.entity.fields, &field.key);
            done.push(format!(
                "Added a “{}” field ({}).",
                field.label,
                field.kind.label()
            ));
            spec.entity.fields.push(field);
        }
        _ => {}
    }
}

fn remove_something(spec: &mut AppSpec, clause: &str, done: &mut Vec<String>) {
    let (phrase, lower, _) = target_phrase(clause);
    if phrase.is_empty() {
        return;
    }
    if has_any(&lower, &["search"]) {
        spec.features.search.clear();
        done.push("Removed search.".into());
        return;
    }
    if has_any(&lower, &["filter"]) {
        spec.features.filter = None;
        done.push("Removed the filter.".into());
        return;
    }
    if has_any(&lower, &["sorting", "sort"]) {
        spec.features.sort = false;
        done.push("Removed sorting.".into());
        return;
    }
    if has_any(&lower, &["chart", "graph"]) {
        spec.features.chart = false;
        done.push("Removed the chart.".into());
        return;
    }
    match spec.kind {
        AppKind::Landing => {
            let Some(kind) = section_from_name(&phrase) else {
                return;
            };
            if let Some(l) = spec.landing.as_mut() {
                let before = l.sections.len();
                l.sections.retain(|s| s.kind != kind);
                if l.sections.len() < before {
                    done.push(format!(
                        "Removed the {} section.",
                        crate::questions::section_name(kind)
                    ));
                }
            }
        }
        AppKind::Board if spec.columns.iter().any(|c| c.eq_ignore_ascii_case(&phrase)) => {
            // A board keeps at least two columns.
            if spec.columns.len() > 2 {
                spec.columns.retain(|c| !c.eq_ignore_ascii_case(&phrase));
                done.push(format!("Removed the “{phrase}” column."));
            } else {
                done.push("A board needs at least two columns; nothing was removed.".into());
            }
        }
        k if k.has_fields() => {
            let Some(field) = field_named(&spec.entity.fields, &phrase).cloned() else {
                return;
            };
            if spec.entity.fields.len() <= 1 {
                done.push("An app needs at least one field; nothing was removed.".into());
                return;
            }
            spec.entity.fields.retain(|f| f.key != field.key);
            // Another text field takes over naming the records.
            if !spec.entity.fields.iter().any(|f| f.required)
                && let Some(f) = spec
                    .entity
                    .fields
                    .iter_mut()
                    .find(|f| f.kind == FieldType::Text)
            {
                f.required = true;
            }
            done.push(format!("Removed the “{}” field.", field.label));
        }
        _ => {}
    }
}

/// The key of the field named after " by " ("search by title", "filter by status").
fn field_after_by(spec: &AppSpec, lower: &str) -> Option<String> {
    lower
        .split(" by ")
        .nth(1)
        .and_then(|p| field_named(&spec.entity.fields, p))
        .map(|f| f.key.clone())
}

fn enable_search(spec: &mut AppSpec, lower: &str, done: &mut Vec<String>) {
    if !spec.kind.is_collection() {
        return;
    }
    spec.features.search = match field_after_by(spec, lower) {
        Some(k) => vec![k],
        None => default_search(&spec.entity.fields),
    };
    if spec.features.search.is_empty()
        && let Some(f) = spec.entity.fields.first()
    {
        spec.features.search = vec![f.key.clone()];
    }
    done.push("Added a search box.".into());
}

fn enable_filter(spec: &mut AppSpec, lower: &str, done: &mut Vec<String>) {
    if !spec.kind.is_collection() {
        return;
    }
    let key = field_after_by(spec, lower)
        .filter(|k| spec.field(k).is_some_and(|f| f.kind == FieldType::Enum))
        .or_else(|| {
            spec.entity
                .fields
                .iter()
                .find(|f| f.kind == FieldType::Enum)
                .map(|f| f.key.clone())
        });
    match key {
        Some(k) => {
            let label = spec.field(&k).map(|f| f.label.to_lowercase()).unwrap_or_default();
            spec.features.filter = Some(k);
            done.push(format!("Added a filter by {label}."));
        }
        None if spec.kind == AppKind::Tasks => {
            spec.features.done = true;
            done.push("Added the all / active / done filter.".into());
        }
        None => done.push("There is no choice field to filter by; add one first (e.g. \"add a status field (open, closed)\").".into()),
    }
}

fn add_summary(spec: &mut AppSpec, lower: &str, done: &mut Vec<String>) {
    if !spec.kind.is_collection() {
        return;
    }
    let numeric: Vec<String> = spec
        .entity
        .fields
        .iter()
        .filter(|f| f.kind.is_numeric())
        .map(|f| f.key.clone())
        .collect();
    if has_any(lower, &["chart", "graph"]) {
        spec.features.chart = true;
        if spec.features.group_by.is_none()
            && let Some(e) = spec
                .entity
                .fields
                .iter()
                .find(|f| f.kind == FieldType::Enum)
        {
            let of = spec
                .entity
                .fields
                .iter()
                .find(|f| f.kind == FieldType::Money || f.kind == FieldType::Number)
                .map(|f| f.key.clone());
            spec.features.group_by = Some(crate::spec::GroupBy {
                by: e.key.clone(),
                of,
                rollup: None,
            });
        }
        done.push("Added a bar chart.".into());
    }
    if has_any(lower, &["total", "totals", "sum"]) {
        let named = lower
            .split("total")
            .nth(1)
            .and_then(|p| field_named(&spec.entity.fields, p))
            .filter(|f| f.kind.is_numeric())
            .map(|f| f.key.clone());
        let keys = named.map(|k| vec![k]).unwrap_or_else(|| {
            numeric
                .iter()
                .filter(|k| spec.field(k).is_some_and(|f| f.kind != FieldType::Rating))
                .cloned()
                .collect()
        });
        spec.features.count = true;
        for k in keys {
            if !spec.features.totals.contains(&k) {
                spec.features.totals.push(k);
            }
        }
        done.push("Added totals.".into());
    }
    if has_any(lower, &["average", "mean"]) {
        let named = lower
            .split("average")
            .nth(1)
            .and_then(|p| field_named(&spec.entity.fields, p))
            .filter(|f| f.kind.is_numeric())
            .map(|f| f.key.clone());
        let keys = named
            .map(|k| vec![k])
            .unwrap_or_else(|| numeric.iter().take(1).cloned().collect());
        for k in keys {
            if !spec.features.averages.contains(&k) {
                spec.features.averages.push(k);
            }
        }
        spec.features.count = true;
        done.push("Added averages.".into());
    }
}

/// "use 8 questions", "more questions", "fewer questions".
fn set_question_count(spec: &mut AppSpec, ws: &[String], done: &mut Vec<String>) {
    let Some(q) = spec.quiz.as_ref() else { return };
    let current = q.questions.len();
    let wanted = ws
        .iter()
        .find_map(|w| crate::text::parse_count(w))
        .map(|n| n as usize)
        .or_else(|| ws.iter().any(|w| w == "more").then_some(current + 2))
        .or_else(|| {
            ws.iter()
                .any(|w| w == "fewer" || w == "less")
                .then_some(current.saturating_sub(2))
        });
    let Some(n) = wanted else { return };
    let topic = q.topic.clone();
    let mut next = crate::knowledge::quiz::quiz_for(&topic, n);
    next.topic = topic;
    if next.questions.len() == current {
        done.push(format!(
            "The quiz stays at {current} questions (the most I have on {}).",
            next.topic
        ));
    } else {
        done.push(format!(
            "The quiz now has {} questions.",
            next.questions.len()
        ));
    }
    spec.tagline = quiz_tagline(Some(&next));
    spec.quiz = Some(next);
}

/// Drops feature references to fields that no longer exist.
pub fn prune_features(spec: &mut AppSpec) {
    let keys: Vec<String> = spec.entity.fields.iter().map(|f| f.key.clone()).collect();
    let has = |k: &String| keys.contains(k);
    let f = &mut spec.features;
    f.search.retain(has);
    f.totals.retain(has);
    f.averages.retain(has);
    if f.filter.as_ref().is_some_and(|k| !has(k)) {
        f.filter = None;
    }
    if let Some(g) = &mut f.group_by {
        if !has(&g.by) {
            f.group_by = None;
        } else if g.of.as_ref().is_some_and(|k| !has(k)) {
            g.of = None;
        }
    }
    if f.overlap
        .as_ref()
        .is_some_and(|o| !has(&o.date) || !has(&o.start) || !has(&o.end))
    {
        f.overlap = None;
    }
    if let Some(o) = &mut f.overlap
        && o.resource.as_ref().is_some_and(|k| !has(k))
    {
        o.resource = None;
    }
    if f.computed
        .as_ref()
        .is_some_and(|c| !c.factors.iter().all(has))
    {
        f.computed = None;
    }
    if f.low_stock.as_ref().is_some_and(|l| !has(&l.field)) {
        f.low_stock = None;
    }
}

/// "Share it with everyone" / "add sign-in" / "keep the data on this device": where a record
/// app's data lives.
fn data_target(spec: &AppSpec, clause: &str) -> Option<DataLocation> {
    if !spec.can_share() {
        return None;
    }
    let cloud = has_any(
        clause,
        &[
            "share it",
            "make it shared",
            "in the cloud",
            "share the data",
            "sync it",
            "shared between",
        ],
    );
    let device = has_any(
        clause,
        &[
            "on this device",
            "on the device",
            "only on my device",
            "stop sharing",
            "not shared",
        ],
    );
    let private = has_any(
        clause,
        &[
            "add sign-in",
            "add sign in",
            "add a sign-in",
            "add login",
            "add a login",
            "add accounts",
            "make it private",
            "only their own",
        ],
    );
    match (private, cloud, device) {
        (true, _, false) => Some(DataLocation::Private),
        (false, true, false) => Some(DataLocation::Cloud),
        (false, false, true) => Some(DataLocation::Device),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archetypes::Archetype;

    fn feed_spec() -> AppSpec {
        crate::analysis::analyze(
            "A neighbourhood notice feed where residents post updates with their name and a message; latest posts on top and a like button.",
            &[],
        )
    }

    fn comments(spec: &AppSpec) -> bool {
        matches!(&spec.archetype, Some(Archetype::Feed(f)) if f.comments)
    }

    #[test]
    fn a_follow_up_turns_comments_on_and_the_scenarios_follow() {
        let before = feed_spec();
        assert!(!comments(&before));
        for ask in [
            "Let people comment",
            "add comments and use hearts",
            "allow replies on posts",
        ] {
            let (after, said) = apply_request(&before, ask).expect(ask);
            assert!(comments(&after), "{ask}: {said:?}");
            let (retired, added) = crate::qa::changes(&before, &after);
            assert!(
                added
                    .iter()
                    .any(|s| s.name == "a comment shows under its post with the count"),
                "{ask}: {added:?}"
            );
            // The earlier scenarios stay: a post listed first, its reaction counted.
            assert!(
                !retired.contains(&"a new post is listed first and reactions count".to_owned())
                    || ask.contains("hearts"),
                "{ask}: {retired:?}"
            );
        }
        let (on, _) = apply_request(&before, "let people comment").expect("on");
        let (off, said) = apply_request(&on, "remove the comments").expect("off");
        assert!(!comments(&off), "{said:?}");
        let (retired, _) = crate::qa::changes(&on, &off);
        assert!(retired.contains(&"a comment shows under its post with the count".to_owned()));
    }

    #[test]
    fn follow_ups_reach_games_and_shops() {
        let game =
            crate::analysis::analyze("Noughts and crosses for two people on one screen", &[]);
        let (after, _) = apply_request(&game, "keep score").expect("score");
        assert!(matches!(&after.archetype, Some(Archetype::GridGame(g)) if g.score));
        let shop = crate::analysis::analyze(
            "A flower shop: roses 12.00, tulips 8.50; add bouquets to a basket and see the basket total.",
            &[],
        );
        let (after, said) = apply_request(&shop, "add 10% delivery fee and add lilies 6.75")
            .expect("fee and product");
        let Some(Archetype::Shop(s)) = &after.archetype else {
            panic!("shop: {said:?}");
        };
        assert_eq!((s.fees.len(), s.products.len()), (1, 3), "{said:?}");
        // What no archetype option names is still not understood.
        assert!(apply_request(&shop, "make it sparkle more").is_err());
    }
}
