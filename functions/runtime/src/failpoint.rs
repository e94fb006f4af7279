//! Crash points for recovery tests: `APPGEN_FAILPOINT=<step>:<point>` makes the process abort
//! exactly there (e.g. `code:after_events`: events appended, snapshot not yet committed), the
//! way a killed host would. Unset in production; reading it costs one lookup per process.

use std::sync::OnceLock;

fn configured() -> Option<&'static str> {
    static FP: OnceLock<Option<String>> = OnceLock::new();
    FP.get_or_init(|| {
        std::env::var("APPGEN_FAILPOINT")
            .ok()
            .filter(|s| !s.is_empty())
    })
    .as_deref()
}

/// Whether `APPGEN_FAILPOINT=<step>:error` asks this step to fail (a platform error, retried by
/// the queue until it is poison).
pub fn fails(step: &str) -> bool {
    configured().and_then(|fp| fp.split_once(':')) == Some((step, "error"))
}

/// Aborts the process if `APPGEN_FAILPOINT` names this step and point.
pub fn hit(step: &str, point: &str) {
    if let Some(fp) = configured()
        && fp.split_once(':') == Some((step, point))
    {
        eprintln!("failpoint {fp}: aborting");
        std::process::abort();
    }
}
