//! Publishes a build's outputs to the artifacts container: `{thread}/v{n}/dist/<path>`,
//! `{thread}/v{n}/screenshot.png`, `{thread}/v{n}/acceptance-N.png` (a failed scenario's
//! screenshot), `{thread}/v{n}/check.json`.

use appgen_core::ports::{BlobStore, BuildError, Container, WriteCondition};
use std::path::Path;

/// The content type a static host should send for a file of `dist/`.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "wasm" => "application/wasm",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Thread ids become blob key prefixes: plain ids only.
pub fn valid_thread_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Every regular file under `dir`, as (forward-slash relative path, absolute path), sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<(String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                // Symlinks are skipped: a build must not publish what lies outside dist/.
                let rel = path
                    .strip_prefix(dir)
                    .map_err(std::io::Error::other)?
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Replaces whatever an earlier attempt published under `prefix` with this build's files.
pub async fn publish(
    store: &dyn BlobStore,
    prefix: &str,
    dist: &Path,
    images: &[(String, std::path::PathBuf)],
    check_json: &[u8],
) -> Result<(), BuildError> {
    let io = |what: &str, e: std::io::Error| BuildError::Unavailable(format!("{what}: {e}"));
    let stale = store
        .list(Container::Artifacts, &format!("{prefix}/"))
        .await?;
    for key in stale {
        store.delete(Container::Artifacts, &key).await?;
    }
    for (rel, path) in list_files(dist).map_err(|e| io("listing dist", e))? {
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| io(&format!("reading dist/{rel}"), e))?;
        store
            .put(
                Container::Artifacts,
                &format!("{prefix}/dist/{rel}"),
                bytes,
                content_type(&rel),
                WriteCondition::Any,
            )
            .await?;
    }
    put_check(store, prefix, images, check_json).await
}

/// Replaces only the check's outputs under `prefix` (the report and its images), leaving the
/// published `dist/` as it is: a version checked again.
pub async fn publish_check(
    store: &dyn BlobStore,
    prefix: &str,
    images: &[(String, std::path::PathBuf)],
    check_json: &[u8],
) -> Result<(), BuildError> {
    let dist = format!("{prefix}/dist/");
    for key in store
        .list(Container::Artifacts, &format!("{prefix}/"))
        .await?
    {
        if !key.starts_with(&dist) {
            store.delete(Container::Artifacts, &key).await?;
        }
    }
    put_check(store, prefix, images, check_json).await
}

async fn put_check(
    store: &dyn BlobStore,
    prefix: &str,
    images: &[(String, std::path::PathBuf)],
    check_json: &[u8],
) -> Result<(), BuildError> {
    for (name, shot) in images {
        let bytes = tokio::fs::read(shot)
            .await
            .map_err(|e| BuildError::Unavailable(format!("reading {name}: {e}")))?;
        store
            .put(
                Container::Artifacts,
                &format!("{prefix}/{name}"),
                bytes,
                "image/png",
                WriteCondition::Any,
            )
            .await?;
    }
    store
        .put(
            Container::Artifacts,
            &format!("{prefix}/check.json"),
            check_json.to_vec(),
            "application/json",
            WriteCondition::Any,
        )
        .await?;
    Ok(())
}

/// Writes the `dist/` published under `prefix` into `to`; `false` when nothing is published
/// there. Keys that would leave `to` are refused.
pub async fn fetch_dist(
    store: &dyn BlobStore,
    prefix: &str,
    to: &Path,
) -> Result<bool, BuildError> {
    let io = |what: &str, e: std::io::Error| BuildError::Unavailable(format!("{what}: {e}"));
    let dist = format!("{prefix}/dist/");
    let keys = store.list(Container::Artifacts, &dist).await?;
    for key in &keys {
        let rel = key.strip_prefix(&dist).unwrap_or_default();
        if !safe_relative(rel) {
            return Err(BuildError::Unavailable(format!(
                "unsafe artifact key {key:?}"
            )));
        }
        let Some(blob) = store.get(Container::Artifacts, key).await? else {
            return Ok(false);
        };
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("creating dist", e))?;
        }
        std::fs::write(&target, blob.bytes).map_err(|e| io(&format!("writing dist/{rel}"), e))?;
    }
    Ok(keys.iter().any(|k| k.ends_with("/index.html")))
}

/// A forward-slash path of plain names (no `..`, `.`, empty parts or a leading slash).
fn safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_of_built_files() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/index-B7P8dVlG.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/index.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("logo.svg"), "image/svg+xml");
        assert_eq!(content_type("fonts/x.woff2"), "font/woff2");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn only_plain_relative_paths_are_fetched() {
        for good in ["index.html", "assets/index-B7P8dVlG.js"] {
            assert!(safe_relative(good), "{good:?}");
        }
        for bad in ["", "../x", "a/../b", "/etc/passwd", "a//b", "./a", "a\\b"] {
            assert!(!safe_relative(bad), "{bad:?}");
        }
    }

    #[test]
    fn thread_ids() {
        assert!(valid_thread_id("0190b9a4-7c1e-7a2b-9d7e-2f3c4b5a6d7e"));
        for bad in ["", "..", "a/b", "a b", "x\\y"] {
            assert!(!valid_thread_id(bad), "{bad:?}");
        }
    }
}
