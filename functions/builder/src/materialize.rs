//! Writes an app's files into a fresh directory, with the template's protected config and a
//! symlink to the template's shared `node_modules`.

use appgen_core::app::FileMap;
use appgen_core::paths::{PathError, validate_app};
use std::io::Write;
use std::path::{Component, Path};

/// Config files the template owns: the app's own versions are replaced, so generated code
/// cannot change how it is built.
pub const PROTECTED_FILES: [&str; 2] = ["vite.config.ts", "tsconfig.json"];

/// Written into every app: Tailwind 4 scans every file not ignored by git, `dist/` included.
const GITIGNORE: &str = "node_modules\ndist\n";

#[derive(Debug, thiserror::Error)]
pub enum MaterializeError {
    #[error("invalid app: {0}")]
    Invalid(#[from] PathError),
    #[error("invalid app: {0}")]
    Conflict(String),
    #[error("could not write the app: {0}")]
    Io(String),
}

/// True for files at the app root that would override how the app is built: the protected
/// files and any other Vite config (Vite prefers `vite.config.js` over `.ts`).
fn is_build_config(path: &str) -> bool {
    PROTECTED_FILES.contains(&path) || (!path.contains('/') && path.starts_with("vite.config."))
}

/// Materialises `files` into `app_dir`, which must not exist yet or be empty.
pub fn materialize(
    files: &FileMap,
    template: &Path,
    app_dir: &Path,
) -> Result<(), MaterializeError> {
    validate_app(files)?;
    let io = |what: &str, e: std::io::Error| MaterializeError::Io(format!("{what}: {e}"));
    std::fs::create_dir_all(app_dir).map_err(|e| io("creating the app directory", e))?;
    if std::fs::read_dir(app_dir)
        .map_err(|e| io("reading the app directory", e))?
        .next()
        .is_some()
    {
        return Err(MaterializeError::Io(format!(
            "{} is not empty",
            app_dir.display()
        )));
    }
    for (rel, content) in files {
        if is_build_config(rel) || rel == ".gitignore" {
            tracing::debug!(path = %rel, "replaced by the template's file");
            continue;
        }
        write_new(app_dir, rel, content.as_bytes())?;
    }
    for name in PROTECTED_FILES {
        let bytes = std::fs::read(template.join(name))
            .map_err(|e| io(&format!("reading the template's {name}"), e))?;
        write_new(app_dir, name, &bytes)?;
    }
    write_new(app_dir, ".gitignore", GITIGNORE.as_bytes())?;
    std::os::unix::fs::symlink(template.join("node_modules"), app_dir.join("node_modules"))
        .map_err(|e| io("linking node_modules", e))?;
    Ok(())
}

/// Creates `app_dir/rel` (which must not exist) and its parent directories, refusing any
/// component that is not a plain name or that resolves outside `app_dir`.
fn write_new(app_dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), MaterializeError> {
    let rel_path = Path::new(rel);
    if !rel_path
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(MaterializeError::Conflict(format!(
            "path {rel:?} is not a plain relative path"
        )));
    }
    let target = app_dir.join(rel_path);
    let parent = target
        .parent()
        .ok_or_else(|| MaterializeError::Conflict(format!("path {rel:?} has no parent")))?;
    std::fs::create_dir_all(parent).map_err(|e| {
        MaterializeError::Conflict(format!("cannot create the folder of {rel:?}: {e}"))
    })?;
    // Every directory was made here from validated names, so this only trips on a clash
    // with a symlink or a file; checked anyway because the cost is one syscall per file.
    let root = app_dir
        .canonicalize()
        .map_err(|e| MaterializeError::Io(format!("resolving the app directory: {e}")))?;
    let real_parent = parent
        .canonicalize()
        .map_err(|e| MaterializeError::Io(format!("resolving the folder of {rel:?}: {e}")))?;
    if !real_parent.starts_with(&root) {
        return Err(MaterializeError::Conflict(format!(
            "path {rel:?} leaves the app directory"
        )));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .map_err(|e| MaterializeError::Conflict(format!("cannot create {rel:?}: {e}")))?;
    file.write_all(bytes)
        .map_err(|e| MaterializeError::Io(format!("writing {rel:?}: {e}")))?;
    Ok(())
}

/// Reads an app directory into a [`FileMap`] (the CLI's `build --dir`), skipping what a
/// build makes or links: `node_modules`, `dist`, `.git`.
pub fn read_app_dir(dir: &Path) -> Result<FileMap, MaterializeError> {
    let mut files = FileMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| MaterializeError::Io(format!("reading {}: {e}", d.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| MaterializeError::Io(e.to_string()))?;
            let name = entry.file_name();
            if matches!(name.to_str(), Some("node_modules" | "dist" | ".git")) {
                continue;
            }
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| MaterializeError::Io(e.to_string()))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .map_err(|e| MaterializeError::Io(e.to_string()))?
                    .to_string_lossy()
                    .replace('\\', "/");
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| MaterializeError::Io(format!("reading {rel}: {e}")))?;
                files.insert(rel, content);
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("vite.config.ts"), "// template vite").expect("write");
        std::fs::write(t.path().join("tsconfig.json"), "{\"template\":true}").expect("write");
        std::fs::create_dir(t.path().join("node_modules")).expect("mkdir");
        t
    }

    fn app(pairs: &[(&str, &str)]) -> FileMap {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn writes_files_protects_config_and_links_node_modules() {
        let t = template();
        let out = tempfile::tempdir().expect("tempdir");
        let dir = out.path().join("app");
        let files = app(&[
            ("index.html", "<html></html>"),
            ("src/App.tsx", "export default 1"),
            ("vite.config.ts", "evil()"),
            ("vite.config.js", "evil()"),
            ("tsconfig.json", "{}"),
            (".gitignore", "nothing"),
        ]);
        materialize(&files, t.path(), &dir).expect("materialize");
        let read = |p: &str| std::fs::read_to_string(dir.join(p)).expect(p);
        assert_eq!(read("src/App.tsx"), "export default 1");
        assert_eq!(read("vite.config.ts"), "// template vite");
        assert_eq!(read("tsconfig.json"), "{\"template\":true}");
        assert!(!dir.join("vite.config.js").exists());
        assert_eq!(read(".gitignore"), GITIGNORE);
        let link = std::fs::read_link(dir.join("node_modules")).expect("symlink");
        assert_eq!(link, t.path().join("node_modules"));
    }

    #[test]
    fn rejects_paths_that_escape_or_are_reserved() {
        let t = template();
        for bad in [
            "../escape.txt",
            "src/../../escape.txt",
            "/etc/passwd",
            "node_modules/react/index.js",
            "dist/index.html",
            "CON",
            "src/aux.ts",
            "C:/x",
        ] {
            let out = tempfile::tempdir().expect("tempdir");
            let dir = out.path().join("app");
            let err = materialize(&app(&[(bad, "x")]), t.path(), &dir).expect_err(bad);
            assert!(matches!(err, MaterializeError::Invalid(_)), "{bad}: {err}");
            assert!(!out.path().join("escape.txt").exists());
        }
    }

    #[test]
    fn rejects_oversized_files_and_clashing_paths() {
        let t = template();
        let out = tempfile::tempdir().expect("tempdir");
        let big = "x".repeat(appgen_core::paths::MAX_FILE_BYTES + 1);
        let err = materialize(&app(&[("big.txt", &big)]), t.path(), &out.path().join("a"))
            .expect_err("too big");
        assert!(err.to_string().contains("larger than"), "{err}");
        // A file and a folder of the same name cannot both exist.
        let err = materialize(
            &app(&[("src", "x"), ("src/App.tsx", "y")]),
            t.path(),
            &out.path().join("b"),
        )
        .expect_err("clash");
        assert!(matches!(err, MaterializeError::Conflict(_)), "{err}");
    }

    #[test]
    fn refuses_a_non_empty_directory() {
        let t = template();
        let out = tempfile::tempdir().expect("tempdir");
        std::fs::write(out.path().join("stale"), "x").expect("write");
        assert!(materialize(&app(&[("a.txt", "x")]), t.path(), out.path()).is_err());
    }

    #[test]
    fn reads_an_app_dir_back_without_build_outputs() {
        let t = template();
        let out = tempfile::tempdir().expect("tempdir");
        let dir = out.path().join("app");
        materialize(
            &app(&[("src/App.tsx", "1"), ("index.html", "2")]),
            t.path(),
            &dir,
        )
        .expect("materialize");
        std::fs::create_dir(dir.join("dist")).expect("mkdir");
        std::fs::write(dir.join("dist/index.html"), "built").expect("write");
        let files = read_app_dir(&dir).expect("read");
        assert_eq!(files.get("src/App.tsx").map(String::as_str), Some("1"));
        assert!(files.contains_key("vite.config.ts"));
        assert!(
            !files
                .keys()
                .any(|k| k.starts_with("dist") || k.starts_with("node_modules"))
        );
    }
}
