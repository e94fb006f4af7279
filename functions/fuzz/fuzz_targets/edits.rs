//! Model-proposed edits: applying never panics; a success only ever holds valid paths and
//! respects the limits; a single edit that applies leaves exactly its replacement in place.
#![no_main]

use appgen_core::app::{FileChange, FileMap};
use appgen_core::edits::{PROTECTED_FILES, apply_changes};
use appgen_core::paths::{validate_app, validate_path};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Change {
    Write { path: String, content: String },
    Edit { path: u8, search: String, replace: String },
    Delete { path: String },
}

#[derive(Debug, Arbitrary)]
struct Input {
    files: Vec<(String, String)>,
    changes: Vec<Change>,
}

fuzz_target!(|input: Input| {
    let files: FileMap = input.files.into_iter().filter(|(p, _)| validate_path(p).is_ok()).collect();
    let names: Vec<String> = files.keys().cloned().collect();
    let changes: Vec<FileChange> = input
        .changes
        .into_iter()
        .map(|c| match c {
            Change::Write { path, content } => FileChange::Write { path, content },
            Change::Delete { path } => FileChange::Delete { path },
            Change::Edit { path, search, replace } => FileChange::Edit {
                path: names.get(path as usize % names.len().max(1)).cloned().unwrap_or_default(),
                search,
                replace,
            },
        })
        .collect();
    if let Ok(out) = apply_changes(&files, &changes) {
        assert!(validate_app(&out).is_ok());
        for c in &changes {
            assert!(!PROTECTED_FILES.contains(&c.path()));
        }
        if let [FileChange::Edit { path, search, replace }] = changes.as_slice() {
            let before = &files[path];
            assert_eq!(before.matches(search.as_str()).count(), 1);
            assert_eq!(out[path], before.replacen(search.as_str(), replace, 1));
        }
    }
});
