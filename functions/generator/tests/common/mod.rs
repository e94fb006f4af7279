//! Shared by the tests that generate apps and build them with the builder's template toolchain.

use appgen_core::ports::{AgentContext, AgentEvent, AgentOutput, AppAgent};
use appgen_generator::OfflineAgent;
use std::path::{Path, PathBuf};

struct Sink;
impl AgentOutput for Sink {
    fn emit(&mut self, _event: AgentEvent) {}
}

/// The template's node_modules, which every generated app links to instead of installing.
pub fn template_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../builder/template/node_modules")
}

/// Writes the app the offline agent codes for `ctx` into `dir`, with node_modules linked.
pub async fn generate_into(ctx: &AgentContext, dir: &Path, modules: &Path) {
    let files = OfflineAgent.code(ctx, &mut Sink).await.expect("code");
    for (path, content) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(modules, dir.join("node_modules")).expect("symlink");
}
