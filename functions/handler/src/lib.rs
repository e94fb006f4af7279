//! The `appgen` binary's parts: the HTTP API, the Functions custom-handler contract, the local
//! host and the CLI. `main.rs` only wires them; `appgen-devtools` reuses them to serve and
//! measure the reference workload and to run evals.

pub mod api;
pub mod auth;
pub mod cli;
pub mod functions;
#[cfg(feature = "aws-lambda")]
pub mod lambda;
pub mod preview;
pub mod ratelimit;
pub mod relay;
pub mod serve;
pub mod wiring;

use std::path::PathBuf;

/// `.appgen/data` under the current directory unless given.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from(".appgen").join("data")
}
