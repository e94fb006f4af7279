//! The `appgen` binary's parts: the HTTP API, the Functions custom-handler contract, the local
//! host and the CLI. `main.rs` only wires them; `appgen-devtools` reuses them to serve and
//! measure the reference workload and to run evals.

pub mod api;
pub mod auth;
pub mod checks;
pub mod cli;
pub mod cors;
pub mod deploy;
pub mod export;
pub mod functions;
pub mod libm_shim;
pub mod live;
pub mod members;
pub mod preview;
pub mod published;
pub use appgen_runtime::ratelimit;
pub mod relay;
pub mod serve;
pub mod wiring;

use std::path::PathBuf;

/// `.appgen/data` under the current directory unless given.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from(".appgen").join("data")
}

/// Logs to stderr; `RUST_LOG` overrides. Quiet by default (a command's progress is its output)
/// except a server, which logs at info. One setup for `appgen` and `appgen-devtools`.
pub fn init_tracing(server: bool) {
    let default = if server {
        "info,tower_http=warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
