//! Validation of file paths proposed by agents. Generated code never chooses where it lands.

use crate::app::FileMap;

/// Limits of one app, from DESIGN §6.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_APP_BYTES: usize = 50 * 1024 * 1024;
pub const MAX_FILES: usize = 300;
const MAX_PATH_LEN: usize = 240;
const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("empty path")]
    Empty,
    #[error("path {0:?} is too long")]
    TooLong(String),
    #[error("path {0:?} is absolute")]
    Absolute(String),
    #[error("path {0:?} leaves the app directory")]
    Traversal(String),
    #[error("path {0:?} has a forbidden character")]
    BadChar(String),
    #[error("path {0:?} names a reserved device or directory")]
    Reserved(String),
    #[error("file {0:?} is larger than {MAX_FILE_BYTES} bytes")]
    FileTooLarge(String),
    #[error("the app has more than {MAX_FILES} files")]
    TooManyFiles,
    #[error("the app is larger than {MAX_APP_BYTES} bytes")]
    AppTooLarge,
}

/// Accepts a relative, forward-slash path inside the app and returns it unchanged.
pub fn validate_path(path: &str) -> Result<&str, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(PathError::TooLong(path.to_owned()));
    }
    if path.starts_with('/') || path.starts_with('~') || path.as_bytes().get(1) == Some(&b':') {
        return Err(PathError::Absolute(path.to_owned()));
    }
    if path
        .chars()
        .any(|c| c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
    {
        return Err(PathError::BadChar(path.to_owned()));
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() > MAX_DEPTH {
        return Err(PathError::TooLong(path.to_owned()));
    }
    for seg in &segments {
        if seg.is_empty() || *seg == "." || *seg == ".." {
            return Err(PathError::Traversal(path.to_owned()));
        }
        if seg.ends_with('.') || seg.ends_with(' ') {
            return Err(PathError::BadChar(path.to_owned()));
        }
        let stem = seg
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
            || ((stem.starts_with("COM") || stem.starts_with("LPT"))
                && stem.len() == 4
                && stem.as_bytes()[3].is_ascii_digit());
        if device || matches!(*seg, "node_modules" | ".git" | "dist") {
            return Err(PathError::Reserved(path.to_owned()));
        }
    }
    Ok(path)
}

/// Validates every path and the size limits of a whole app.
pub fn validate_app(files: &FileMap) -> Result<(), PathError> {
    if files.len() > MAX_FILES {
        return Err(PathError::TooManyFiles);
    }
    let mut total = 0usize;
    for (path, content) in files {
        validate_path(path)?;
        if content.len() > MAX_FILE_BYTES {
            return Err(PathError::FileTooLarge(path.clone()));
        }
        total += content.len();
    }
    if total > MAX_APP_BYTES {
        return Err(PathError::AppTooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_app_paths() {
        for p in [
            "index.html",
            "src/App.tsx",
            "src/components/TaskList.tsx",
            ".gitignore",
        ] {
            assert_eq!(validate_path(p), Ok(p));
        }
    }

    #[test]
    fn rejects_unsafe_paths() {
        let bad = [
            "",
            "/etc/passwd",
            "../x",
            "src/../../x",
            "a//b",
            "./a",
            "C:/x",
            "c:x",
            "src\\App.tsx",
            "con",
            "src/LPT1.txt",
            "Aux.js",
            "node_modules/react/index.js",
            ".git/config",
            "dist/index.html",
            "a\0b",
            "a\nb",
            "trailing.",
            "~/x",
        ];
        for p in bad {
            assert!(validate_path(p).is_err(), "{p:?} should be rejected");
        }
        assert!(validate_path(&"a/".repeat(13)).is_err());
        assert!(validate_path(&"a".repeat(241)).is_err());
    }

    #[test]
    fn app_limits() {
        let mut files = FileMap::new();
        files.insert("big.txt".into(), "x".repeat(MAX_FILE_BYTES + 1));
        assert_eq!(
            validate_app(&files),
            Err(PathError::FileTooLarge("big.txt".into()))
        );
        let many: FileMap = (0..=MAX_FILES)
            .map(|i| (format!("f{i}.txt"), String::new()))
            .collect();
        assert_eq!(validate_app(&many), Err(PathError::TooManyFiles));
    }
}
