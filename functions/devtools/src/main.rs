//! `appgen-devtools`: the harness around appgen, kept out of the production binary.
//! `eval` judges apps made from prompts, `bench` measures from outside, `serve-bench` serves the
//! reference workload (the test kit's scripted agent and builder on the ordinary step chain)
//! behind the same HTTP API as `appgen serve`.

mod appdata_bench;
mod bench;
mod eval;
mod mutate;
mod serve_bench;
mod thread_bench;
mod webgen;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "appgen-devtools",
    version,
    about = "appgen's harness: evals, benchmarks and the reference workload's server."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run prompts through the whole pipeline and judge the apps in headless Chromium.
    Eval(eval::EvalArgs),
    /// Measure latency, throughput and memory (reference workload, previews, scripted models).
    Bench(bench::BenchArgs),
    /// Serve the reference workload with the same HTTP API as `appgen serve`.
    ServeBench(appgen::serve::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    appgen::init_tracing(matches!(cli.command, Command::ServeBench(_)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = rt.block_on(async {
        match cli.command {
            Command::Eval(args) => eval::eval(args).await,
            Command::Bench(args) => bench::bench(args).await,
            Command::ServeBench(args) => serve_bench::run(args).await.map(|()| 0),
        }
    })?;
    std::process::exit(code);
}
