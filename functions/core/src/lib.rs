//! appgen's pure domain. No I/O: adapters implement the traits in [`ports`]; the step runner in
//! `appgen-runtime` drives the decisions in [`pipeline`].

pub mod access;
pub mod agui;
pub mod app;
pub mod appdata;
pub mod check;
pub mod colors;
pub mod cost;
pub mod deploy;
pub mod edits;
pub mod export;
pub mod live;
pub mod paths;
pub mod pipeline;
pub mod ports;
pub mod publish;
pub mod retry;
pub mod run_error;
pub mod scenario;
pub mod snapshot;
pub mod step;
pub mod vercel;
pub mod view;

#[cfg(test)]
mod contract;
