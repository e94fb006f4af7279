//! Applying an agent's [`FileChange`]s to an app, atomically: all apply or none.

use crate::app::{FileChange, FileMap};
use crate::paths::{PathError, validate_app, validate_path};

/// Files no agent may change: the build is defined by the template, not by the model.
pub const PROTECTED_FILES: &[&str] = &["package-lock.json", "vite.config.ts", "tsconfig.json"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("{0} is protected and cannot be changed")]
    Protected(String),
    #[error("{path}: the search text was not found")]
    NoMatch { path: String, search: String },
    #[error("{path}: the search text matches {count} times; it must match exactly once")]
    Ambiguous { path: String, count: usize },
    #[error("{0}: no such file to edit")]
    MissingFile(String),
}

impl EditError {
    /// The file the failed change was about, for a full-file fallback.
    pub fn path(&self) -> Option<&str> {
        match self {
            EditError::NoMatch { path, .. } | EditError::Ambiguous { path, .. } => Some(path),
            EditError::MissingFile(p) | EditError::Protected(p) => Some(p),
            EditError::Path(_) => None,
        }
    }
}

/// Applies every change in order to a copy of `files`; returns the new map or the first error.
pub fn apply_changes(files: &FileMap, changes: &[FileChange]) -> Result<FileMap, EditError> {
    let mut out = files.clone();
    for change in changes {
        let path = validate_path(change.path())?.to_owned();
        if PROTECTED_FILES.contains(&path.as_str()) {
            return Err(EditError::Protected(path));
        }
        match change {
            FileChange::Write { content, .. } => {
                out.insert(path, content.clone());
            }
            FileChange::Delete { .. } => {
                if out.remove(&path).is_none() {
                    return Err(EditError::MissingFile(path));
                }
            }
            FileChange::Edit {
                search, replace, ..
            } => {
                let current = out
                    .get(&path)
                    .ok_or_else(|| EditError::MissingFile(path.clone()))?;
                let count = if search.is_empty() {
                    0
                } else {
                    current.matches(search.as_str()).count()
                };
                match count {
                    0 => {
                        return Err(EditError::NoMatch {
                            path,
                            search: search.clone(),
                        });
                    }
                    1 => {
                        let next = current.replacen(search.as_str(), replace, 1);
                        out.insert(path, next);
                    }
                    n => return Err(EditError::Ambiguous { path, count: n }),
                }
            }
        }
    }
    validate_app(&out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> FileMap {
        FileMap::from([
            (
                "src/App.tsx".to_owned(),
                "const a = 1;\nconst b = 2;\nconst b2 = 2;\n".to_owned(),
            ),
            ("package-lock.json".to_owned(), "{}".to_owned()),
        ])
    }

    fn edit(search: &str, replace: &str) -> FileChange {
        FileChange::Edit {
            path: "src/App.tsx".into(),
            search: search.into(),
            replace: replace.into(),
        }
    }

    #[test]
    fn unique_match_is_replaced() {
        let out = apply_changes(&app(), &[edit("const a = 1;", "const a = 10;")]).expect("apply");
        assert!(out["src/App.tsx"].starts_with("const a = 10;\n"));
    }

    #[test]
    fn ambiguous_or_missing_search_fails_and_changes_nothing() {
        let files = app();
        let err = apply_changes(&files, &[edit("const a = 1;", "x"), edit("= 2;", "y")])
            .expect_err("ambiguous");
        assert_eq!(
            err,
            EditError::Ambiguous {
                path: "src/App.tsx".into(),
                count: 2
            }
        );
        let err = apply_changes(&files, &[edit("nope", "x")]).expect_err("no match");
        assert!(matches!(err, EditError::NoMatch { .. }));
        assert_eq!(files, app(), "input untouched");
    }

    #[test]
    fn protected_and_unsafe_paths_are_refused() {
        let w = |p: &str| FileChange::Write {
            path: p.into(),
            content: String::new(),
        };
        assert_eq!(
            apply_changes(&app(), &[w("package-lock.json")]),
            Err(EditError::Protected("package-lock.json".into()))
        );
        assert!(matches!(
            apply_changes(&app(), &[w("../evil")]),
            Err(EditError::Path(_))
        ));
    }

    #[test]
    fn write_and_delete() {
        let out = apply_changes(
            &app(),
            &[
                FileChange::Write {
                    path: "src/New.tsx".into(),
                    content: "x".into(),
                },
                FileChange::Delete {
                    path: "src/App.tsx".into(),
                },
            ],
        )
        .expect("apply");
        assert!(out.contains_key("src/New.tsx") && !out.contains_key("src/App.tsx"));
        assert!(matches!(
            apply_changes(
                &app(),
                &[FileChange::Delete {
                    path: "nope.ts".into()
                }]
            ),
            Err(EditError::MissingFile(_))
        ));
    }
}
