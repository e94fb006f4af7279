//! `appgen new` / `appgen edit` / `appgen check add`: the whole pipeline headless, through the
//! same queue, steps and builder as a browser user's run; progress on stderr, one JSON line on
//! stdout at the end.

use crate::wiring::{Runtime, RuntimeOptions, from_env};
use anyhow::{Context, bail};
use appgen_core::agui::{
    Event, Message, Outcome, ResumeEntry, ResumeStatus, RunAgentInput, UserContent, UserMessage,
};
use appgen_core::app::{Question, QuestionKind};

use appgen_runtime::pipeline::Pipeline;
use appgen_runtime::worker::{WorkerConfig, run_workers};
use clap::Args;
use serde_json::{Value, json};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use tokio::task::JoinHandle;

#[derive(Args)]
pub struct NewArgs {
    /// What the app should be and do, in plain words.
    pub description: String,
    /// Answers to the clarifying questions: a JSON object keyed by question id.
    #[arg(long, conflicts_with = "yes")]
    pub answers: Option<PathBuf>,
    /// Accept the proposed default answers.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub local: LocalArgs,
}

#[derive(Args)]
pub struct EditArgs {
    /// The thread printed by `appgen new`.
    #[arg(long)]
    pub thread: String,
    /// The change, in plain words.
    pub request: String,
    #[command(flatten)]
    pub local: LocalArgs,
}

// What `new` and `edit` share: where the data is and where the app goes.
#[derive(Args)]
pub struct LocalArgs {
    /// Where to write the app's sources and dist/ (default: ./<app-name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Data directory of the embedded backend.
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
    /// Preview origin announced in the result (where `appgen serve` serves previews).
    #[arg(long, default_value = "http://127.0.0.1:7072")]
    pub preview_base_url: String,
}

#[derive(Args)]
pub struct PublishArgs {
    /// The thread printed by `appgen new`.
    #[arg(long)]
    pub thread: String,
    /// The version to publish (default: the latest that passed its check).
    #[arg(long)]
    pub version: Option<u32>,
    /// Take the app offline instead.
    #[arg(long, conflicts_with = "version")]
    pub unpublish: bool,
    /// Data directory of the embedded backend.
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The thread printed by `appgen new`.
    #[arg(long)]
    pub thread: String,
    /// The version to export (default: the latest).
    #[arg(long)]
    pub version: Option<u32>,
    /// Where to write the ready-to-deploy project.
    #[arg(long)]
    pub out: PathBuf,
    /// Data directory of the embedded backend.
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
}

const PRINCIPAL: &str = "local";

/// A time-ordered id with a prefix (`run-…`, `thread-…`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

/// A user message with a fresh id.
pub fn user(text: &str) -> Message {
    Message::User(UserMessage {
        id: new_id("msg"),
        content: UserContent::Text(text.to_owned()),
        name: None,
    })
}

/// A run request as an AG-UI client would send it.
pub fn input(
    thread: &str,
    messages: Vec<Message>,
    resume: Option<Vec<ResumeEntry>>,
) -> RunAgentInput {
    RunAgentInput {
        protocol_version: Some("1.0".into()),
        resume,
        ..RunAgentInput::new(thread, &new_id("run"), messages)
    }
}

/// The pipeline on `--data` with every step worker in-process; the runtime must outlive them.
async fn open(args: &LocalArgs) -> anyhow::Result<(Runtime, JoinHandle<()>)> {
    let rt = from_env(&RuntimeOptions {
        data: args.data.clone().unwrap_or_else(crate::default_data_dir),
        preview_base: args.preview_base_url.clone(),
    })
    .await?;
    let workers = tokio::spawn(run_workers(rt.pipeline.clone(), WorkerConfig::default()));
    Ok((rt, workers))
}

/// Starts a run and shows its progress until it ends; returns the terminal event.
async fn run(p: &Pipeline, req: RunAgentInput) -> anyhow::Result<Event> {
    p.start_run(&req, PRINCIPAL)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    follow(p, &req.thread_id, &req.run_id, true).await
}

pub async fn new(args: NewArgs) -> anyhow::Result<i32> {
    let (rt, workers) = open(&args.local).await?;
    let p = &rt.pipeline;
    let thread = new_id("thread");
    let end = run(p, input(&thread, vec![user(&args.description)], None)).await?;
    let end = match end {
        Event::RunFinished(f) => match f.outcome {
            Some(Outcome::Interrupt { interrupts }) => {
                let Some(interrupt) = interrupts.into_iter().next() else {
                    bail!("an interrupt without questions")
                };
                let snap = p
                    .thread_for(&thread, PRINCIPAL)
                    .await?
                    .context("thread vanished")?;
                let questions = snap.interrupt.map(|i| i.questions).unwrap_or_default();
                let payload = answers(&questions, args.answers.as_deref(), args.yes)?;
                let resume = vec![ResumeEntry {
                    interrupt_id: interrupt.id,
                    status: ResumeStatus::Resolved,
                    payload: Some(payload),
                    metadata: None,
                }];
                run(p, input(&thread, vec![], Some(resume))).await?
            }
            _ => Event::RunFinished(f),
        },
        other => other,
    };
    let code = finish(p, &thread, end, args.local.out.as_deref()).await?;
    workers.abort();
    Ok(code)
}

pub async fn edit(args: EditArgs) -> anyhow::Result<i32> {
    let (rt, workers) = open(&args.local).await?;
    let p = &rt.pipeline;
    let req = input(&args.thread, vec![user(&args.request)], None);
    // "publish it" publishes, as it does in the web UI's chat, instead of starting an edit.
    let origin = crate::published::apps_origin_from_env();
    let url = |slug: &str| origin.url(slug);
    let me = appgen_core::live::Person::new(PRINCIPAL, None);
    let published = p
        .publish_from_chat(&req, &me)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let code = if published {
        follow(p, &req.thread_id, &req.run_id, true).await?;
        finish_publish(p, &req, &url).await?
    } else {
        let end = run(p, req).await?;
        finish(p, &args.thread, end, args.local.out.as_deref()).await?
    };
    workers.abort();
    Ok(code)
}

/// `appgen check …`: the acceptance suite's checks written in words.
#[derive(clap::Subcommand)]
pub enum CheckCommand {
    /// Add a check in words to a thread's suite and run the suite on its current version.
    Add(CheckAddArgs),
}

#[derive(Args)]
pub struct CheckAddArgs {
    /// The thread printed by `appgen new`.
    pub thread: String,
    /// What should happen, e.g. "when I add a task with priority high it is listed first".
    pub sentence: String,
    /// Data directory of the embedded backend.
    #[arg(long, env = "APPGEN_DATA")]
    pub data: Option<PathBuf>,
}

pub async fn check(command: CheckCommand) -> anyhow::Result<i32> {
    let CheckCommand::Add(args) = command;
    let local = LocalArgs {
        out: None,
        data: args.data,
        preview_base_url: "http://127.0.0.1:7072".into(),
    };
    let (rt, workers) = open(&local).await?;
    let p = &rt.pipeline;
    let run_id = new_id("check");
    let me = appgen_core::live::Person::new(PRINCIPAL, None);
    p.start_check(&args.thread, &run_id, &args.sentence, &me)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let end = follow(p, &args.thread, &run_id, true).await?;
    workers.abort();
    let snap = p
        .thread_for(&args.thread, PRINCIPAL)
        .await?
        .context("thread vanished")?;
    let record = snap.run(&run_id).context("the check run vanished")?;
    let version = record.checked.and_then(|n| snap.version(n));
    let sentence = args.sentence.trim();
    let result = (version.and_then(|v| v.check.as_ref()))
        .and_then(|c| c.acceptance.iter().find(|r| r.name == sentence));
    let error = match &end {
        Event::RunError(e) => Some(e.message.clone()),
        _ => None,
    };
    let line = json!({
        "threadId": args.thread,
        "runId": run_id,
        "ok": result.is_some_and(|r| r.passed),
        "version": record.checked,
        "check": result.and_then(|r| acceptance_json(std::slice::from_ref(r)).pop()),
        // Why nothing ran: the reader's message, or the run's failure.
        "message": error.or_else(|| record.error.clone()),
    });
    println!("{line}");
    Ok(if result.is_some_and(|r| r.passed) {
        0
    } else {
        1
    })
}

/// Answers from a file, the defaults (`--yes`), or asked on the terminal.
fn answers(questions: &[Question], file: Option<&Path>, yes: bool) -> anyhow::Result<Value> {
    if let Some(f) = file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        let v: Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", f.display()))?;
        if !v.is_object() {
            bail!(
                "{} must hold a JSON object keyed by question id",
                f.display()
            );
        }
        return Ok(v);
    }
    let mut out = serde_json::Map::new();
    let interactive = !yes && std::io::stdin().is_terminal();
    for q in questions {
        if !interactive {
            out.insert(q.id.clone(), q.default.clone());
            continue;
        }
        let shown = match &q.default {
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let opts = if q.options.is_empty() {
            String::new()
        } else {
            format!(" [{}]", q.options.join(" / "))
        };
        eprint!("? {}{} ({}): ", q.prompt, opts, shown);
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim();
        let v = if line.is_empty() {
            q.default.clone()
        } else {
            match q.kind {
                QuestionKind::YesNo => json!(matches!(
                    line.to_ascii_lowercase().as_str(),
                    "y" | "yes" | "true"
                )),
                QuestionKind::MultipleChoice => json!(
                    line.split(',')
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                ),
                _ => json!(line),
            }
        };
        out.insert(q.id.clone(), v);
    }
    Ok(Value::Object(out))
}

/// Follows a run's event log until it ends; returns the terminal event. With `show`, prints
/// its progress to stderr.
pub async fn follow(p: &Pipeline, thread: &str, run: &str, show: bool) -> anyhow::Result<Event> {
    let waker = p.events().waker(thread, run);
    let mut offset = 0;
    let mut err = std::io::stderr();
    let started = std::time::Instant::now();
    loop {
        let notified = waker.notified();
        let (events, next) = p.events().read_from(thread, run, offset).await?;
        offset = next;
        for e in events {
            if !show {
                if e.event.is_terminal() {
                    return Ok(e.event);
                }
                continue;
            }
            match &e.event {
                Event::StepStarted(s) => {
                    let _ = write!(
                        err,
                        "\n[{:>5.1}s] ▶ {}: ",
                        started.elapsed().as_secs_f64(),
                        s.step_name
                    );
                }
                Event::TextMessageContent(c) => {
                    let _ = write!(err, "{}", c.delta.replace('\n', " "));
                }
                Event::ToolCallStart(_) => {
                    let _ = write!(err, "·");
                }
                Event::RunFinished(_) | Event::RunError(_) => {
                    if let Event::RunError(r) = &e.event {
                        let _ = writeln!(err, "\nerror: {}", r.message);
                    } else {
                        let _ = writeln!(err, "\n[{:>5.1}s] done", started.elapsed().as_secs_f64());
                    }
                    return Ok(e.event);
                }
                _ => {}
            }
        }
        let _ = err.flush();
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), notified).await;
    }
}

/// Writes sources and dist/, prints the JSON line; exit code 0 when a checked version exists.
async fn finish(p: &Pipeline, thread: &str, end: Event, out: Option<&Path>) -> anyhow::Result<i32> {
    let snap = p
        .thread_for(thread, PRINCIPAL)
        .await?
        .context("thread vanished")?;
    let run_id = snap
        .runs
        .last()
        .map(|r| r.run_id.clone())
        .unwrap_or_default();
    let version = snap
        .runs
        .last()
        .and_then(|r| r.version)
        .and_then(|n| snap.version(n));
    let dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(crate::api::slug(&snap.title)));
    let mut written = None;
    if let Some(v) = version {
        let files = p.version_files(&snap, v).await?;
        for (path, content) in &files {
            write_file(&dir.join(path), content.as_bytes())?;
        }
        if let Some(artifact) = &v.artifact {
            copy_dist(p, artifact, &dir.join("dist")).await?;
        }
        written = Some(dir.clone());
    }
    let error = match &end {
        Event::RunError(e) => Some(e.message.clone()),
        _ => None,
    };
    let usage = snap.run_usage(&run_id);
    let line = json!({
        "threadId": thread,
        "runId": run_id,
        "ok": version.is_some() && error.is_none(),
        "version": version.map(|v| v.number),
        "preview": version.map(|v| p.preview_url(thread, v)),
        "out": written.map(|d| d.display().to_string()),
        "checks": version.and_then(|v| v.check.as_ref()).map(|c| json!({"passed": c.passed, "checks": c.checks, "consoleErrors": c.console_errors, "verdict": c.verdict()})),
        "acceptance": version.and_then(|v| v.check.as_ref()).map(|c| acceptance_json(&c.acceptance)),
        "usage": usage,
        // null when a model has no price; 0 when no model was called (offline).
        "costUsd": appgen_core::cost::sum(usage.iter().map(|u| u.cost_usd)),
        "modelCalls": snap.run_calls(&run_id),
        "agent": snap.agent,
        "error": error,
    });
    println!("{line}");
    Ok(if version.is_some() { 0 } else { 1 })
}

/// The JSON line of a chat publish: what is published now and where (`ok` false when the
/// publish was refused; the run's answer, shown above, says why).
async fn finish_publish(
    p: &Pipeline,
    req: &RunAgentInput,
    url: &dyn Fn(&str) -> String,
) -> anyhow::Result<i32> {
    let snap = p
        .thread_for(&req.thread_id, PRINCIPAL)
        .await?
        .context("thread vanished")?;
    let published = snap.published.as_ref();
    let line = json!({
        "threadId": req.thread_id,
        "runId": req.run_id,
        "ok": published.is_some(),
        "published": published.map(|x| json!({"version": x.version, "url": url(&x.slug)})),
    });
    println!("{line}");
    Ok(if published.is_some() { 0 } else { 1 })
}

/// The scenario results as the JSON line shows them: name, requirement, passed, and for a
/// failure its evidence (the step, what was expected and seen, the screenshot's artifact key).
fn acceptance_json(results: &[appgen_core::scenario::ScenarioResult]) -> Vec<Value> {
    results
        .iter()
        .map(|r| {
            let mut v = json!(r);
            if !r.passed {
                v["evidence"] = json!(r.evidence());
            }
            v
        })
        .collect()
}

/// Copies an artifact's published dist/ to a local directory.
pub async fn copy_dist(p: &Pipeline, artifact: &str, to: &Path) -> anyhow::Result<()> {
    for (path, bytes) in p.dist_files(artifact).await? {
        write_file(&to.join(path), &bytes)?;
    }
    Ok(())
}

fn write_file(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(target, bytes)
}

/// The pipeline on `--data`, no workers: publishing and exporting run no steps.
async fn open_data(data: Option<&Path>) -> anyhow::Result<Runtime> {
    from_env(&RuntimeOptions {
        data: data.map_or_else(crate::default_data_dir, Path::to_path_buf),
        preview_base: "http://127.0.0.1:7072".into(),
    })
    .await
}

/// `appgen publish`: prints the app's URL (on `appgen serve`'s apps origin, or
/// `APPGEN_APPS_DOMAIN`); `--unpublish` takes it offline.
pub async fn publish(args: PublishArgs) -> anyhow::Result<i32> {
    let rt = open_data(args.data.as_deref()).await?;
    let p = &rt.pipeline;
    if args.unpublish {
        p.unpublish(&args.thread, PRINCIPAL).await?;
        eprintln!("unpublished {}", args.thread);
        return Ok(0);
    }
    let published = p.publish(&args.thread, PRINCIPAL, args.version).await?;
    eprintln!("published version {}", published.version);
    println!(
        "{}",
        crate::published::apps_origin_from_env().url(&published.slug)
    );
    Ok(0)
}

/// `appgen export`: writes a version as a ready-to-deploy project (`export.rs`).
pub async fn export(args: ExportArgs) -> anyhow::Result<i32> {
    let rt = open_data(args.data.as_deref()).await?;
    let p = &rt.pipeline;
    let snap = p
        .thread_for(&args.thread, PRINCIPAL)
        .await?
        .with_context(|| format!("no thread {}", args.thread))?;
    let v = match args.version {
        Some(n) => snap.version(n).with_context(|| format!("no version {n}"))?,
        None => snap
            .latest_version()
            .context("the thread has no version yet")?,
    };
    let project = crate::export::project(p, &snap, v).await?;
    crate::export::write(&project, &args.out)?;
    eprintln!(
        "wrote version {} ({} files) to {}; see its README to deploy",
        v.number,
        project.len(),
        args.out.display()
    );
    Ok(0)
}
