//! `appgen-builder`: build or check an app from the command line, printing the JSON report.
//!
//!   appgen-builder check --dist DIR [--checks JSON] [--screenshot PNG]
//!   appgen-builder build --dir APPDIR [--out DIR] [--checks JSON]
//!   appgen-builder job
//!
//! `job` is the Container Apps job: it takes one message from the build queue and runs the
//! pipeline's build step on it, exactly as `appgen serve`'s in-process worker does (same
//! `worker::handle`, same `Pipeline::run_step`), then exits.
//!
//! Exit code 0 when everything passed, 1 when the app failed, 2 when the builder could not run.

use anyhow::{Context, Result, bail};
use appgen_builder::{Builder, BuilderConfig, copy_tree, default_checks, materialize};
use clap::{Parser, Subcommand};
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "appgen-builder", about = "Build and check generated apps")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a built dist/ in headless Chromium.
    Check {
        #[arg(long)]
        dist: PathBuf,
        /// A JSON array of checks as in the eval files, e.g. '[{"kind":"loads"}]'.
        #[arg(long)]
        checks: Option<String>,
        /// Where to save the screenshot (PNG).
        #[arg(long)]
        screenshot: Option<PathBuf>,
    },
    /// Take one message from the build queue, run the build step, enqueue review, exit.
    /// Storage is `AzureWebJobsStorage` (or the embedded data dir in `APPGEN_DATA`).
    Job,
    /// Materialise, build and check an app's source directory.
    Build {
        #[arg(long)]
        dir: PathBuf,
        /// Copy dist/, screenshot.png, check.json and report.json here.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        checks: Option<String>,
    },
}

/// `--checks`: a JSON array of checks, or one check; a check it does not know is an error.
fn parse_checks(arg: Option<&str>) -> Result<Vec<appgen_core::check::Check>> {
    use appgen_core::check::Check;
    let Some(s) = arg else {
        return Ok(default_checks());
    };
    let value = serde_json::from_str::<Value>(s).context("--checks is not JSON")?;
    let checks = match value {
        Value::Object(_) => Check::from_json(value).map(|c| vec![c]),
        Value::Array(_) => Check::list_from_json(value),
        _ => bail!("--checks must be a JSON array of checks, or one check"),
    };
    checks.context("--checks")
}

/// One build-queue message through the same worker code as `appgen serve`.
async fn job() -> Result<bool> {
    use appgen_runtime::pipeline::Steps;
    use appgen_runtime::worker::{WorkerConfig, handle};
    use std::sync::Arc;
    let data = std::env::var("APPGEN_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(".appgen/data"));
    let storage = appgen_runtime::storage::open(&data).await?;
    let config = BuilderConfig::from_env()?;
    // The message stays hidden while the build and check run, with room to spare.
    let visibility = (config.build_timeout + config.check_timeout) * 2;
    let builder = Builder::new(config, storage.blobs.clone());
    let preview_base =
        std::env::var("APPGEN_PREVIEW_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:7072".into());
    // The job registers only the build step: it needs no agent.
    let steps = Steps::default().with_builder(Arc::new(builder));
    let pipeline = storage.pipeline(&preview_base, steps).await?;
    let step = appgen_core::step::StepName::Build;
    let Some(delivery) = pipeline.queue().receive(step.queue(), visibility).await? else {
        eprintln!("appgen-builder job: no build is waiting");
        return Ok(true);
    };
    handle(
        &pipeline,
        &WorkerConfig {
            visibility,
            ..WorkerConfig::default()
        },
        step,
        delivery,
    )
    .await;
    Ok(true)
}

/// A builder that publishes nothing (the CLI's reports go to stdout and `--out`).
fn local_builder() -> Result<Builder> {
    Ok(Builder::without_store(BuilderConfig::from_env()?))
}

async fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Job => job().await,
        Command::Check {
            dist,
            checks,
            screenshot,
        } => {
            let checks = parse_checks(checks.as_deref())?;
            let report = local_builder()?
                .check_dist_with_screenshot(&dist, &checks, &[], screenshot.as_deref())
                .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(report.passed)
        }
        Command::Build { dir, out, checks } => {
            let checks = parse_checks(checks.as_deref())?;
            let files = materialize::read_app_dir(&dir)
                .with_context(|| format!("reading {}", dir.display()))?;
            let local = local_builder()?.build_files(&files, &checks).await?;
            let mut report = local.report.clone();
            if let Some(out) = out {
                std::fs::create_dir_all(&out)?;
                if let Some(dist) = local.dist() {
                    let target = out.join("dist");
                    if target.exists() {
                        std::fs::remove_dir_all(&target)?;
                    }
                    copy_tree(&dist, &target)?;
                }
                if let Some(shot) = local.screenshot() {
                    let target = out.join("screenshot.png");
                    std::fs::copy(shot, &target)?;
                    if let Some(check) = report.check.as_mut() {
                        check.screenshot = Some(target.display().to_string());
                    }
                }
                if let Some(check) = &report.check {
                    std::fs::write(out.join("check.json"), serde_json::to_vec_pretty(check)?)?;
                }
                std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&report)?)?;
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(report.ok)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("appgen-builder: {e:#}");
            ExitCode::from(2)
        }
    }
}
