//! The CSS named colours are listed once in the repository, in `functions/core/data/named-colors.json`:
//! the generator and the eval judge read it through `appgen_core::colors`, the browser check
//! script reads the same file written beside it. A second table (a copy that could drift) fails.

use appgen_core::colors::named_colors;
use std::path::{Path, PathBuf};

/// More of the table's names or values than this in one file is a copy of the table; prose and
/// tests name a handful.
const MAX_NAMES: usize = 40;
const MAX_VALUES: usize = 20;
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", "dist", ".appgen"];

/// Build output, installed packages and Python virtualenvs (`.venv`, the agent examples'
/// `.venv-agents`: pydantic ships a CSS colour table of its own) are not the project's code.
fn skipped(dir: &str) -> bool {
    SKIP_DIRS.contains(&dir) || dir.starts_with(".venv") || dir == "site-packages"
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        match e.file_type() {
            Ok(t) if t.is_dir() && !skipped(&name) => text_files(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// How many of the table's names (as words) and hex values a text holds.
fn table_entries_in(text: &str) -> (usize, usize) {
    let lower = text.to_lowercase();
    let words: std::collections::HashSet<&str> =
        lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let table = named_colors();
    let names = table
        .iter()
        .filter(|(n, _)| words.contains(n.as_str()))
        .count();
    let mut hexes: Vec<String> = table
        .iter()
        .map(|(_, rgb)| rgb.hex()[1..].to_owned())
        .collect();
    hexes.sort();
    hexes.dedup();
    let values = hexes.iter().filter(|h| lower.contains(h.as_str())).count();
    (names, values)
}

#[test]
fn the_colour_table_exists_once() {
    let root = repo_root();
    let data = root.join("functions/core/data/named-colors.json");
    let mut files = Vec::new();
    text_files(&root, &mut files);
    assert!(
        files.len() > 50,
        "walked {} files under {}",
        files.len(),
        root.display()
    );
    let copies: Vec<String> = files
        .iter()
        .filter(|p| p.canonicalize().ok() != data.canonicalize().ok())
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let (names, values) = table_entries_in(&text);
            (names > MAX_NAMES || values > MAX_VALUES)
                .then(|| format!("{} ({names} names, {values} values)", p.display()))
        })
        .collect();
    assert!(
        copies.is_empty(),
        "a second CSS colour table: {copies:?}; read appgen_core::colors (or, in check.mjs, named-colors.json) instead"
    );
}

#[test]
fn the_detector_sees_a_copy() {
    let table = std::fs::read_to_string(repo_root().join("functions/core/data/named-colors.json"))
        .expect("the table");
    let (names, values) = table_entries_in(&table);
    assert!(names > MAX_NAMES && values > MAX_VALUES, "{names} {values}");
    // A names-only list, as the eval judge once had, is a copy too.
    let list: Vec<&str> = named_colors().iter().map(|(n, _)| n.as_str()).collect();
    let rust = format!("const CSS_COLOURS: &[&str] = &{list:?};");
    assert!(table_entries_in(&rust).0 > MAX_NAMES);
    assert_eq!(
        table_entries_in("a navy page with teal buttons, #008080"),
        (2, 1)
    );
}
