//! Roll-ups over related records: records that name their parent (a task its project, a
//! booking its show) and a figure per parent — the percentage done ("each project's
//! percentage of done tasks") or what is left of a capacity ("seats left per show out of
//! 50"). The grammar reads the parent from "per X", "for each X" or "each X's"; the parent is
//! a field of the records, added when the description names none.

use crate::features::field_named;
use crate::spec::{Field, FieldType, GroupBy, Rollup};
use crate::text::{capitalize, has_any, singular, words};

const UNITS: &[&str] = &["seats", "spots", "places", "tickets", "slots", "spaces"];
const DONE_WORDS: &[&str] = &[
    "done",
    "complete",
    "completed",
    "finished",
    "watched",
    "read",
];

/// The parent named after "per", "for each", "of each" or "each X's", singular.
fn parent_noun(lower: &str) -> Option<String> {
    let ws = words(lower);
    ws.iter().enumerate().find_map(|(i, w)| {
        let next = ws.get(i + 1)?;
        let after_each = matches!(w.as_str(), "each" | "every") && next.ends_with("'s");
        let after_per = w == "per" || ((w == "each") && i > 0 && ws[i - 1] == "for");
        (after_each || after_per).then(|| singular(next.trim_end_matches("'s")))
    })
}

/// The capacity ("out of 50", "50 seats each", "capacity of 50"), when the description asks
/// what is left of it.
fn capacity(lower: &str) -> Option<f64> {
    if !has_any(lower, &["left", "remaining", "available", "free"]) {
        return None;
    }
    let ws = words(lower);
    ws.iter().enumerate().find_map(|(i, w)| {
        let n: f64 = w.parse().ok().filter(|n: &f64| *n > 0.0)?;
        let before = i.checked_sub(1).map(|j| ws[j].as_str());
        let before2 = i.checked_sub(2).map(|j| ws[j].as_str());
        let next = ws.get(i + 1).map(String::as_str);
        let counted =
            next.is_some_and(|n| UNITS.contains(&n)) && ws.get(i + 2).is_some_and(|w| w == "each");
        let out_of = before == Some("of") && matches!(before2, Some("out") | Some("capacity"));
        (counted || out_of).then_some(n)
    })
}

/// Whether the description asks for a percentage done per parent.
fn asks_percent_done(lower: &str) -> bool {
    has_any(lower, &["percentage", "percent", "%", "progress"]) && has_any(lower, DONE_WORDS)
}

/// The child records, singular, when the description names the parent as its records
/// ("courses and their lessons", "each lesson belongs to a course") and asks for a roll-up
/// per parent: the app keeps the children, each naming its parent.
pub fn child_of(lower: &str, parent: &str) -> Option<String> {
    if capacity(lower).is_none() && !asks_percent_done(lower) {
        return None;
    }
    if parent_noun(lower).as_deref() != Some(parent) {
        return None;
    }
    words(lower).windows(4).find_map(|w| {
        let child = if singular(&w[0]) == parent && w[1] == "and" && w[2] == "their" {
            &w[3]
        } else if w[0] == "each" && w[2] == "belongs" && w[3] == "to" {
            &w[1]
        } else {
            return None;
        };
        let child = singular(child);
        (child != parent && child.chars().all(char::is_alphabetic)).then_some(child)
    })
}

/// The parent field to add when the records have none ("Project" on tasks).
pub fn parent_field(lower: &str, fields: &[Field], singular_name: &str) -> Option<Field> {
    if capacity(lower).is_none() && !asks_percent_done(lower) {
        return None;
    }
    let noun = parent_noun(lower)?;
    if noun == singular_name.to_lowercase() || field_named(fields, &noun).is_some() {
        return None;
    }
    Some(Field {
        key: noun.replace(|c: char| !c.is_alphanumeric(), ""),
        label: capitalize(&noun),
        kind: FieldType::Text,
        options: vec![],
        required: true,
        unit: None,
        initial: None,
    })
}

/// The roll-up per parent, when the description asks for one and the records name a parent.
pub fn read(lower: &str, fields: &[Field]) -> Option<GroupBy> {
    let by = field_named(fields, &parent_noun(lower)?)
        .filter(|f| matches!(f.kind, FieldType::Enum | FieldType::Text))?;
    if let Some(capacity) = capacity(lower) {
        let of = fields
            .iter()
            .find(|f| {
                f.kind == FieldType::Number
                    && UNITS
                        .iter()
                        .any(|u| words(&f.label).iter().any(|w| w == u || singular(u) == *w))
            })
            .map(|f| f.key.clone());
        return Some(GroupBy {
            by: by.key.clone(),
            of,
            rollup: Some(Rollup::Left { capacity }),
        });
    }
    asks_percent_done(lower).then(|| {
        // A status choice whose option says done ("todo, doing, done"); else the done tick.
        let status = fields.iter().find(|f| {
            f.kind == FieldType::Enum
                && f.options
                    .iter()
                    .any(|o| DONE_WORDS.contains(&o.to_lowercase().as_str()))
        });
        GroupBy {
            by: by.key.clone(),
            of: None,
            rollup: Some(Rollup::Done {
                status: status.map(|f| f.key.clone()),
            }),
        }
    })
}

/// The parent field whose parents are a list of their own in the app (a "Project" form to
/// add projects, then tasks that name one): a roll-up's parent typed as free text (no choice
/// of options), in an app whose records stay in this browser (the list is kept beside them).
pub fn parent_list(spec: &crate::spec::AppSpec) -> Option<&Field> {
    let g = spec.features.group_by.as_ref()?;
    g.rollup.as_ref()?;
    spec.field(&g.by)
        .filter(|f| f.kind == FieldType::Text && f.options.is_empty())
        .filter(|_| spec.kind.is_collection() && spec.cloud_collection().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(label: &str, kind: FieldType, options: &[&str]) -> Field {
        Field {
            key: label.to_lowercase().replace(' ', ""),
            label: label.into(),
            kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            required: false,
            unit: None,
            initial: None,
        }
    }

    #[test]
    fn seats_left_per_room_out_of_a_capacity() {
        let fields = vec![
            field("Room", FieldType::Enum, &["Blue", "Red"]),
            field("Seats", FieldType::Number, &[]),
        ];
        let g = read(
            "book a meeting room and seats; show seats remaining per room out of 12",
            &fields,
        )
        .expect("roll-up");
        assert_eq!((g.by.as_str(), g.of.as_deref()), ("room", Some("seats")));
        assert_eq!(g.rollup, Some(Rollup::Left { capacity: 12.0 }));
    }

    #[test]
    fn spots_each_counts_one_per_record() {
        let fields = vec![
            field("Workshop", FieldType::Text, &[]),
            field("Name", FieldType::Text, &[]),
        ];
        let g = read(
            "workshops have 15 places each; sign up with a name and show places left per workshop",
            &fields,
        )
        .expect("roll-up");
        assert_eq!(g.of, None);
        assert_eq!(g.rollup, Some(Rollup::Left { capacity: 15.0 }));
    }

    #[test]
    fn percent_done_per_parent_adds_the_parent_field() {
        let lower = "chapters of my books: each chapter has a title and a state (draft, finished); show every book's progress in percent";
        let fields = vec![
            field("Title", FieldType::Text, &[]),
            field("State", FieldType::Enum, &["Draft", "Finished"]),
        ];
        let parent = parent_field(lower, &fields, "chapter").expect("parent");
        assert_eq!(parent.label, "Book");
        let mut all = fields.clone();
        all.push(parent);
        let g = read(lower, &all).expect("roll-up");
        assert_eq!(g.by, "book");
        assert_eq!(
            g.rollup,
            Some(Rollup::Done {
                status: Some("state".into())
            })
        );
    }

    #[test]
    fn the_records_are_the_children_of_the_parent_named() {
        let lower = "albums and their songs: each album has a name; mark songs as finished and show each album's percent done";
        assert_eq!(child_of(lower, "album").as_deref(), Some("song"));
        let lower = "each recipe belongs to a cookbook; show the percentage of tried recipes per cookbook (done)";
        assert_eq!(child_of(lower, "cookbook").as_deref(), Some("recipe"));
        assert_eq!(child_of("albums and their songs", "album"), None);
    }

    #[test]
    fn a_total_per_category_is_no_roll_up() {
        let fields = vec![field("Category", FieldType::Enum, &["Food"])];
        assert!(read("expenses with a total per category", &fields).is_none());
        assert!(parent_field("expenses with a total per category", &fields, "expense").is_none());
    }
}
