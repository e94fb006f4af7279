//! Adapters behind `appgen-core`'s ports and the step runner that drives the pipeline on them.

pub mod embedded;
