//! Typical faults put into a generated app's source for the mutation benchmark
//! (`appgen-devtools eval --mutations`): each [`Fault`] is a set of small edits of the composed
//! components, the kind of slip a coder makes. A fault applies to an app when at least one of
//! its edits finds its text; the mutant is then rebuilt and its acceptance scenarios run — a
//! scenario that fails catches it.

use appgen_core::app::FileMap;
use appgen_generator::analysis::{
    DARK_ACCENT, DARK_BACKGROUND, DEFAULT_ACCENT, DEFAULT_BACKGROUND,
};
use serde::Serialize;

/// (file, text, replacement, unless): every occurrence of the text is replaced, unless the
/// app's `src/config.ts` holds every one of the `unless` texts — the setting that makes the
/// edited code unreachable or unseen (no sort menu, no totals, nothing kept), so the mutant
/// could not be told from the app by anything the user asked for.
type Edit = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The record's name (or a card's front, a post's author) is no longer shown in the list.
    DropField,
    /// A total, average, fee, share, scale factor, formula or score comes out wrong.
    BreakComputed,
    /// The newest-first order, or a chosen sort, is reversed.
    ReverseSort,
    /// Nothing is written to storage, so a reload loses the data.
    LosePersistence,
    /// The form's submit (or the main click) does nothing.
    BreakSubmit,
    /// The colour the user asked for is replaced.
    ChangeColour,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::DropField,
        Fault::BreakComputed,
        Fault::ReverseSort,
        Fault::LosePersistence,
        Fault::BreakSubmit,
        Fault::ChangeColour,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Fault::DropField => "drop a field from the list",
            Fault::BreakComputed => "break a computed value",
            Fault::ReverseSort => "reverse a sort",
            Fault::LosePersistence => "lose persistence",
            Fault::BreakSubmit => "break the submit handler",
            Fault::ChangeColour => "change a colour",
        }
    }

    /// (file, text, replacement): every occurrence of the text is replaced.
    fn edits(self) -> &'static [Edit] {
        const LIST: &str = "src/components/ItemList.tsx";
        const SUMMARY: &str = "src/components/Summary.tsx";
        const NO_SUMS: &[&str] = &["\"totals\": []", "\"averages\": []"];
        match self {
            Fault::DropField => &[
                (
                    LIST,
                    "{formatValue(f, it.values[f.key])}",
                    "{f.key === spec.primary ? null : formatValue(f, it.values[f.key])}",
                    &[],
                ),
                (
                    LIST,
                    "<strong>{name(it)}</strong>",
                    "<strong></strong>",
                    &[],
                ),
                (
                    "src/components/Feed.tsx",
                    "<strong>{author ? p.values[author.key] : \"\"}</strong>",
                    "<strong></strong>",
                    &[],
                ),
                (
                    "src/components/Flashcards.tsx",
                    "{card.values[front.key]}</strong>",
                    "</strong>",
                    &[],
                ),
                (
                    "src/components/Scaler.tsx",
                    "<td>{it.values[name.key]}</td>",
                    "<td></td>",
                    &[],
                ),
            ],
            Fault::BreakComputed => &[
                (
                    SUMMARY,
                    "acc + numeric(it.values[key])",
                    "acc + 2 * numeric(it.values[key])",
                    NO_SUMS,
                ),
                (
                    SUMMARY,
                    "acc * numeric(item.values[key]), 1)",
                    "acc * numeric(item.values[key]), 2)",
                    &["\"computed\": null"],
                ),
                (
                    "src/components/Shop.tsx",
                    "const total = subtotal + ",
                    "const total = subtotal * 1.1 + ",
                    &[],
                ),
                (
                    "src/components/Split.tsx",
                    "total / data.people.length",
                    "total / (data.people.length + 1)",
                    &[],
                ),
                (
                    "src/components/Scaler.tsx",
                    "numeric(to) / numeric(from)",
                    "(numeric(to) + 1) / numeric(from)",
                    &[],
                ),
                (
                    "src/components/Calculator.tsx",
                    "const r = o.compute(v);",
                    "const r = ((x) => (typeof x === \"number\" ? x * 1.1 : x))(o.compute(v));",
                    &[],
                ),
                (
                    "src/components/Quiz.tsx",
                    "a === spec.questions[i]?.answer).length;",
                    "a !== spec.questions[i]?.answer).length;",
                    &[],
                ),
            ],
            // New records first is the list's default, not something asked for; a feed's
            // newest-first order and a chosen sort are.
            Fault::ReverseSort => &[
                (
                    "src/components/CollectionApp.tsx",
                    "return dir === \"desc\" ? -c : c;",
                    "return dir === \"desc\" ? c : -c;",
                    &["\"sort\": false"],
                ),
                (
                    "src/components/Feed.tsx",
                    "b.created - a.created",
                    "a.created - b.created",
                    &[],
                ),
            ],
            Fault::LosePersistence => &[(
                "src/lib/storage.ts",
                "window.localStorage.setItem(key, JSON.stringify(value));",
                "void key; void value;",
                &["\"persist\": false"],
            )],
            Fault::BreakSubmit => &[
                (
                    "src/components/ItemForm.tsx",
                    "const refused = onSubmit(values);",
                    "const refused = values === values ? null : onSubmit(values);",
                    &[],
                ),
                (
                    "src/components/Split.tsx",
                    "if (!what.trim() || !by",
                    "if (what === what || !what.trim() || !by",
                    &[],
                ),
                (
                    "src/components/Shop.tsx",
                    "onClick={() => change(p.name, 1)} aria-label={`Add",
                    "onClick={() => change(p.name, 0)} aria-label={`Add",
                    &[],
                ),
                (
                    "src/components/GridGame.tsx",
                    "if (over) return;",
                    "if (over || at >= 0) return;",
                    &[],
                ),
            ],
            Fault::ChangeColour => &[],
        }
    }
}

/// The app with `fault` in it, or `None` when the fault does not apply to this app (none of
/// its edits finds its text; for a colour: the user asked for none).
pub fn mutate(files: &FileMap, fault: Fault) -> Option<FileMap> {
    if fault == Fault::ChangeColour {
        return change_colour(files);
    }
    let config = files.get(CONFIG).map(String::as_str).unwrap_or("");
    let mut out = files.clone();
    let mut applied = false;
    for (path, from, to, unless) in fault.edits() {
        if !unless.is_empty() && unless.iter().all(|u| config.contains(u)) {
            continue;
        }
        if let Some(text) = out.get_mut(*path)
            && text.contains(from)
        {
            *text = text.replace(from, to);
            applied = true;
        }
    }
    applied.then_some(out)
}

const THEME: &str = "src/index.css";
const CONFIG: &str = "src/config.ts";

/// Every theme colour the user asked for (not the generator's default) turned grey, or
/// magenta when grey is what was asked.
fn change_colour(files: &FileMap) -> Option<FileMap> {
    let css = files.get(THEME)?;
    let mut applied = false;
    let lines: Vec<String> = css
        .lines()
        .map(|line| {
            let Some((var, value)) = theme_var(line) else {
                return line.to_owned();
            };
            let defaults: &[&str] = if var == "--bg" {
                &[DEFAULT_BACKGROUND, DARK_BACKGROUND]
            } else {
                &[DEFAULT_ACCENT, DARK_ACCENT]
            };
            if defaults.iter().any(|d| d.eq_ignore_ascii_case(value)) {
                return line.to_owned();
            }
            applied = true;
            let grey = ["#808080", "gray", "grey"].contains(&value.to_ascii_lowercase().as_str());
            let other = if grey { "#ff00ff" } else { "#808080" };
            format!("  {var}: {other};")
        })
        .collect();
    let mut out = files.clone();
    out.insert(THEME.to_owned(), lines.join("\n") + "\n");
    applied.then_some(out)
}

/// `--bg` or `--accent` and its value, from a line of the theme's `:root`.
fn theme_var(line: &str) -> Option<(&'static str, &str)> {
    let t = line.trim();
    let var = ["--bg", "--accent"]
        .into_iter()
        .find(|v| t.starts_with(&format!("{v}:")))?;
    let value = t[var.len() + 1..].trim().trim_end_matches(';').trim();
    Some((var, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(pairs: &[(&str, &str)]) -> FileMap {
        pairs
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect()
    }

    #[test]
    fn a_fault_applies_only_where_its_text_is() {
        let files = app(&[(
            "src/lib/storage.ts",
            "try {\n  window.localStorage.setItem(key, JSON.stringify(value));\n}",
        )]);
        let lost = mutate(&files, Fault::LosePersistence).expect("applies");
        assert!(lost["src/lib/storage.ts"].contains("void key; void value;"));
        assert!(!lost["src/lib/storage.ts"].contains("setItem"));
        assert_eq!(mutate(&files, Fault::ReverseSort), None, "no list here");
    }

    #[test]
    fn a_fault_the_app_cannot_show_is_not_made() {
        let files = |sort: bool| {
            app(&[
                (CONFIG, &format!("{{\n  \"sort\": {sort},\n}}")),
                (
                    "src/components/CollectionApp.tsx",
                    "return dir === \"desc\" ? -c : c;",
                ),
            ])
        };
        assert_eq!(
            mutate(&files(false), Fault::ReverseSort),
            None,
            "no sort menu"
        );
        let reversed = mutate(&files(true), Fault::ReverseSort).expect("a sort menu");
        assert!(reversed["src/components/CollectionApp.tsx"].contains("? c : -c"));
    }

    #[test]
    fn a_colour_is_changed_only_when_the_user_asked_for_one() {
        let css = |bg: &str, accent: &str| {
            app(&[(
                THEME,
                &format!(
                    ":root {{\n  --bg: {bg};\n  --text: #111827;\n  --accent: {accent};\n}}\n"
                ),
            )])
        };
        assert_eq!(
            mutate(
                &css(DEFAULT_BACKGROUND, DEFAULT_ACCENT),
                Fault::ChangeColour
            ),
            None
        );
        let asked = mutate(&css(DEFAULT_BACKGROUND, "#228b22"), Fault::ChangeColour)
            .expect("the accent was asked for");
        let text = &asked[THEME];
        assert!(text.contains("--accent: #808080;"), "{text}");
        assert!(
            text.contains(&format!("--bg: {DEFAULT_BACKGROUND};")),
            "{text}"
        );
        let grey = mutate(&css("#808080", DEFAULT_ACCENT), Fault::ChangeColour).expect("grey");
        assert!(grey[THEME].contains("--bg: #ff00ff;"));
    }

    #[test]
    fn every_edit_names_text_the_composed_components_hold() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/assets");
        for fault in Fault::ALL {
            for (path, from, _, _) in fault.edits() {
                let file = dir.join(path.trim_start_matches("src/"));
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                assert!(
                    text.contains(from),
                    "{}: {} no longer holds {from:?}",
                    fault.label(),
                    file.display()
                );
            }
        }
    }
}
