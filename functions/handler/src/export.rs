//! The export (`GET …/versions/{n}/zip`, `appgen export`): a version as a project that deploys
//! anywhere — its sources, its built `dist/`, and what `appgen_core::export` adds (lockfile,
//! host configs, README).

use appgen_core::ports::StoreError;
use appgen_core::snapshot::{ThreadSnapshot, Version};
use appgen_runtime::pipeline::Pipeline;
use std::path::Path;

/// Path → bytes of the whole project, sorted by path.
pub type Project = std::collections::BTreeMap<String, Vec<u8>>;

pub async fn project(
    p: &Pipeline,
    snap: &ThreadSnapshot,
    v: &Version,
) -> Result<Project, StoreError> {
    let sources = p.version_files(snap, v).await?;
    let extra = appgen_core::export::deploy_files(&snap.title, &sources);
    let mut out: Project = sources
        .into_iter()
        .chain(extra)
        .map(|(path, text)| (path, text.into_bytes()))
        .collect();
    if let Some(artifact) = &v.artifact {
        for (path, bytes) in p.dist_files(artifact).await? {
            out.insert(format!("{}/{path}", appgen_core::export::OUTPUT_DIR), bytes);
        }
    }
    Ok(out)
}

pub fn zip(project: &Project) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, content) in project {
        w.start_file(path.as_str(), opts)?;
        w.write_all(content)?;
    }
    Ok(w.finish()?.into_inner())
}

/// Writes the project under `dir` (paths were validated when the version was made).
pub fn write(project: &Project, dir: &Path) -> std::io::Result<()> {
    for (path, bytes) in project {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    Ok(())
}
