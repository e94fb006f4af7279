//! `appgen`: the Azure Functions custom handler, the local host (`appgen serve`) and the CLI.
//! Only wiring: the parts are in the library (`lib.rs`).

use appgen::{cli, functions, serve};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "appgen",
    version,
    about = "Describe a web app; get a running, browser-checked app you can keep changing by chat."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the UI, the API and every step worker on one machine.
    Serve(serve::ServeArgs),
    /// Make an app from a description, headless, through the same queue and steps.
    New(cli::NewArgs),
    /// Change an app made by `appgen new` with a follow-up request.
    Edit(cli::EditArgs),
    /// Checks in words: `appgen check add <thread> "<words>"` adds one to the suite and runs it.
    Check {
        #[command(subcommand)]
        command: cli::CheckCommand,
    },
    /// Publish a checked version at its own origin and print the URL (or take it offline).
    Publish(cli::PublishArgs),
    /// Write a version as a ready-to-deploy project (sources, dist/, host configs, README).
    Export(cli::ExportArgs),
    /// Run as the Azure Functions custom handler (started by the Functions host).
    FunctionsHost(serve::HostArgs),
    /// Write a deployable Function App (host.json, function folders, this binary) to a folder.
    Package {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    appgen::init_tracing(matches!(
        cli.command,
        Command::Serve(_) | Command::FunctionsHost(_)
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = rt.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map(|()| 0),
            Command::New(args) => cli::new(args).await,
            Command::Edit(args) => cli::edit(args).await,
            Command::Check { command } => cli::check(command).await,
            Command::Publish(args) => cli::publish(args).await,
            Command::Export(args) => cli::export(args).await,
            Command::FunctionsHost(args) => serve::functions_host(args).await.map(|()| 0),
            Command::Package { out } => {
                functions::package(&out, &std::env::current_exe()?)?;
                eprintln!("wrote a Function App to {}", out.display());
                Ok(0)
            }
        }
    })?;
    std::process::exit(code);
}
