//! `appgen-devtools serve-bench`: the reference workload behind `appgen serve`'s HTTP API, on
//! the same storage, queue, step runner, relay and sweeper. Only the steps differ: the test
//! kit's scripted agent and builder (`appgen_testkit::workload`), registered like any other.

use appgen::serve::{ServeArgs, host};
use appgen::wiring::with_steps;
use appgen_runtime::pipeline::Steps;
use appgen_testkit::workload::{ScriptedAgent, ScriptedBuilder};
use std::sync::Arc;

/// The reference workload's steps: the ordinary chain on a scripted agent and builder.
pub fn steps() -> Steps {
    Steps::app(Arc::new(ScriptedAgent), Arc::new(ScriptedBuilder))
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = with_steps(&args.runtime_options(), |_| Ok(steps())).await?;
    host(args, runtime).await
}
