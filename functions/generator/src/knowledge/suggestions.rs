//! Typical fields of common records, offered in the "which fields" question and used when a
//! description names a record but none of its fields.

use crate::fields::field_from_phrase;
use crate::spec::Field;

const TYPICAL: &[(&[&str], &[&str])] = &[
    (
        &[
            "contact", "client", "customer", "lead", "crm", "member", "friend",
        ],
        &["name", "email", "phone", "company", "notes"],
    ),
    (
        &["recipe", "dish", "meal"],
        &[
            "title",
            "cuisine",
            "cooking time in minutes",
            "ingredients",
            "rating",
        ],
    ),
    (
        &["book", "reading", "novel"],
        &["title", "author", "genre", "rating", "notes"],
    ),
    (
        &["movie", "film", "show", "series", "watchlist"],
        &["title", "genre", "year", "rating", "notes"],
    ),
    (
        &[
            "expense",
            "spending",
            "budget",
            "purchase",
            "transaction",
            "finance",
            "money",
        ],
        &["description", "amount", "category", "date"],
    ),
    (
        &["task", "todo", "chore", "assignment", "homework"],
        &["task", "due date", "priority", "notes"],
    ),
    (&["habit", "routine"], &["habit", "frequency", "notes"]),
    (
        &["booking", "reservation", "appointment", "meeting"],
        &["name", "email", "date", "start time", "end time"],
    ),
    (
        &["product", "inventory", "stock", "item", "part", "warehouse"],
        &["name", "sku", "quantity", "unit price"],
    ),
    (
        &["event", "party", "concert"],
        &["name", "date", "location", "description"],
    ),
    (
        &["employee", "staff", "team"],
        &["name", "email", "role", "department", "start date"],
    ),
    (
        &["student", "course", "class", "grade"],
        &["name", "email", "course", "grade"],
    ),
    (
        &["workout", "exercise", "training", "fitness"],
        &["exercise", "date", "duration in minutes", "notes"],
    ),
    (
        &["plant", "garden"],
        &["name", "species", "last watered date", "notes"],
    ),
    (
        &["trip", "travel", "vacation", "holiday"],
        &["destination", "start date", "end date", "budget", "notes"],
    ),
    (
        &["job", "application", "applicant", "candidate"],
        &["company", "position", "status", "date", "link"],
    ),
    (
        &["project"],
        &["name", "owner", "status", "due date", "description"],
    ),
    (
        &["order", "sale", "invoice"],
        &["customer", "product", "quantity", "price", "date"],
    ),
    (
        &["feedback", "review", "survey"],
        &["name", "email", "rating", "comments"],
    ),
    (
        &["note", "journal", "diary", "idea"],
        &["title", "date", "content"],
    ),
    (
        &["pet", "animal"],
        &["name", "species", "birthday", "notes"],
    ),
    (&["game", "match", "score"], &["player", "score", "date"]),
    (
        &[
            "post",
            "forum",
            "thread",
            "article",
            "blog",
            "news",
            "story",
            "discussion",
        ],
        &["title", "author", "category", "content"],
    ),
    (
        &["poll", "vote", "survey", "question"],
        &["question", "option", "votes"],
    ),
    (
        &["ticket", "support", "issue", "bug", "complaint", "request"],
        &["subject", "email", "priority", "status", "description"],
    ),
    (
        &[
            "property",
            "apartment",
            "house",
            "rental",
            "listing",
            "estate",
        ],
        &["title", "location", "price", "bedrooms", "description"],
    ),
    (
        &["vehicle", "car", "bike", "rental"],
        &["make", "model", "year", "price per day"],
    ),
    (
        &["patient", "hospital", "clinic", "doctor"],
        &["patient name", "doctor", "date", "notes"],
    ),
    (
        &[
            "volunteer",
            "signup",
            "registration",
            "attendee",
            "participant",
        ],
        &["name", "email", "phone", "event"],
    ),
    (
        &["song", "ringtone", "music", "track", "playlist"],
        &["title", "artist", "genre", "rating"],
    ),
    (
        &["photo", "image", "wallpaper", "gallery"],
        &["title", "category", "link", "description"],
    ),
    (
        &["stock", "report", "ticker", "portfolio"],
        &["name", "code", "price", "change percent", "date"],
    ),
];

const DEFAULT: &[&str] = &["name", "category", "date", "notes"];

/// Typical fields of the record named `entity`, else of the records `text` talks about.
pub fn typical_for(entity: &str, text: &str) -> Vec<Field> {
    let ws = crate::text::words(entity);
    if TYPICAL
        .iter()
        .any(|(keys, _)| ws.iter().any(|w| keys.contains(&w.as_str())))
    {
        typical_fields(entity)
    } else {
        typical_fields(text)
    }
}

/// Typical fields for records described by `text` (the words of the description).
pub fn typical_fields(text: &str) -> Vec<Field> {
    let ws = crate::text::words(text);
    let phrases = TYPICAL
        .iter()
        .find(|(keys, _)| {
            ws.iter().any(|w| {
                keys.contains(&w.as_str()) || keys.contains(&crate::text::singular(w).as_str())
            })
        })
        .map(|(_, f)| *f)
        .unwrap_or(DEFAULT);
    phrases
        .iter()
        .filter_map(|p| field_from_phrase(p, p, vec![]).map(|(f, _)| f))
        .collect()
}
