//! `appgen-devtools eval`: runs prompts through the full pipeline (same queue, steps and builder as a
//! user's run), then judges each built app in headless Chromium with the check kinds of
//! `docs/eval/checks.md` (typed as `appgen_core::check::Check`, run by the builder's check script).
//!
//! The judge reads only the eval file; the generator never sees the checks.

use crate::mutate::{Fault, mutate};
use crate::webgen::{self, Reader, UiCase, UiResult};
use anyhow::{Context, bail};
use appgen::cli::{input, user};
use appgen::wiring::{RuntimeOptions, from_env};
use appgen_builder::{Builder, BuilderConfig};
use appgen_core::agui::{Event, Outcome, ResumeEntry, ResumeStatus};
use appgen_core::app::CheckResult;
use appgen_core::check::{Check, CheckKind, ColorCheck, ColorTarget};
use appgen_core::colors::{ColorName, named_colors, named_rgb};
use appgen_core::scenario::ScenarioResult;
use appgen_runtime::dataapi::check::CheckSpace;
use appgen_runtime::pipeline::Pipeline;
use appgen_runtime::worker::{WorkerConfig, run_workers};
use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct EvalArgs {
    /// A JSONL file: `{id, prompt, answers?, checks}` per line, or WebGen-Bench's
    /// `{id, instruction, application_type}` with `--webgen`.
    pub file: PathBuf,
    /// Where to write report.json and the screenshots.
    #[arg(long, default_value = ".appgen/eval")]
    pub out: PathBuf,
    /// Prompts run at once (builds are CPU-bound: about one per two cores).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// WebGen-Bench mode: checks `builds`, `loads` and the named colours of each instruction,
    /// then runs its UI test cases (`ui_instruct`) as checks in words and reports the
    /// benchmark's accuracy (a model reads them; offline, only what the offline reader can).
    #[arg(long)]
    pub webgen: bool,
    /// Only the first N prompts.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Exit non-zero unless at least this share of checks pass and every app builds and loads.
    #[arg(long)]
    pub min_pass_rate: Option<f64>,
    /// The mutation benchmark: put each typical fault (`mutate::Fault`) into every app whose
    /// scenarios all pass, rebuild it and run its scenarios; report the share caught.
    #[arg(long)]
    pub mutations: bool,
}

/// One prompt with its checks.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub prompt: String,
    pub answers: Option<Value>,
    pub checks: Vec<Check>,
    /// WebGen-Bench's application type (for the per-type table).
    pub group: Option<String>,
    /// WebGen-Bench's UI test cases, run as checks in words on the built app.
    pub ui: Vec<UiCase>,
}

#[derive(Debug, Serialize)]
struct CaseResult {
    id: String,
    group: Option<String>,
    #[serde(rename = "threadId")]
    thread_id: String,
    version: Option<u32>,
    seconds: f64,
    error: Option<String>,
    checks: Vec<CheckResult>,
    screenshot: Option<String>,
    /// The app's acceptance scenarios as the pipeline's own check ran them on the version.
    acceptance: Vec<ScenarioResult>,
    /// With `--mutations`: each fault that applied to the app and what its scenarios made of it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mutants: Vec<MutantResult>,
    /// With `--webgen`: what became of each UI test case (`webgen::run_cases`).
    #[serde(rename = "uiTests", skip_serializing_if = "Vec::is_empty")]
    ui_tests: Vec<UiResult>,
}

/// One mutant of an app: caught (a scenario failed), survived (all passed) or stillborn (it
/// did not build, so it says nothing about the scenarios).
#[derive(Debug, Serialize)]
struct MutantResult {
    fault: Fault,
    outcome: MutantOutcome,
    /// The first failed scenario's evidence, or why it did not build.
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum MutantOutcome {
    Caught,
    Survived,
    Stillborn,
}

/// Parses an eval file (either format).
pub fn parse_cases(text: &str, webgen: bool) -> anyhow::Result<Vec<Case>> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("line {} is not JSON", i + 1))?;
        let id = v["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("line{}", i + 1));
        if webgen {
            let instruction = v["instruction"]
                .as_str()
                .with_context(|| format!("{id}: no instruction"))?;
            let mut checks = vec![Check::Builds, Check::Loads];
            let (bg, accent) = named_colours(instruction);
            for (target, name) in [(ColorTarget::Background, bg), (ColorTarget::Accent, accent)] {
                if let Some(name) = name {
                    let name = ColorName::parse(&name)
                        .with_context(|| format!("{id}: {name:?} is not in the colour table"))?;
                    checks.push(Check::Color(ColorCheck { target, name }));
                }
            }
            let ui =
                webgen::parse_ui_instruct(&v).with_context(|| format!("line {} ({id})", i + 1))?;
            out.push(Case {
                id,
                prompt: instruction.to_owned(),
                answers: None,
                checks,
                group: v["application_type"].as_str().map(str::to_owned),
                ui,
            });
        } else {
            let prompt = v["prompt"]
                .as_str()
                .with_context(|| format!("{id}: no prompt"))?;
            let checks = match v.get("checks") {
                None => Vec::new(),
                Some(list) => Check::list_from_json(list.clone())
                    .with_context(|| format!("line {} ({id})", i + 1))?,
            };
            out.push(Case {
                id,
                prompt: prompt.to_owned(),
                answers: v.get("answers").cloned(),
                checks,
                group: None,
                ui: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// The background and component colours an instruction names in its last sentence, as CSS
/// colour names (written with or without spaces). The background's is the one the phrase around
/// "background" names ("background color to X", "background as X", "X for the background");
/// the components' is the other one.
pub fn named_colours(instruction: &str) -> (Option<String>, Option<String>) {
    let text = instruction.trim().trim_end_matches('.');
    let last = text
        .rsplit_once(". ")
        .map(|(_, s)| s)
        .unwrap_or(text)
        .to_ascii_lowercase();
    let words: Vec<String> = last
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    // Colour mentions as (first word, last word, name); longest match first ("light goldenrod yellow").
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let hit = (1..=4).rev().find_map(|n| {
            let joined: String = words.get(i..i + n)?.concat();
            if named_rgb(&joined).is_some() {
                return Some((n, joined));
            }
            // A shortened multi-word name ("light goldenrod") means the one CSS name it begins.
            let mut longer = named_colors()
                .iter()
                .map(|(c, _)| c)
                .filter(|c| n >= 2 && c.starts_with(joined.as_str()));
            match (longer.next(), longer.next()) {
                (Some(c), None) => Some((n, (*c).to_owned())),
                _ => None,
            }
        });
        match hit {
            Some((n, name)) => {
                found.push((i, i + n - 1, name));
                i += n;
            }
            None => i += 1,
        }
    }
    const AFTER: &[&str] = &[
        "color", "colour", "to", "as", "of", "is", "be", "should", "stays", "set", "in", "with",
        "will",
    ];
    const BEFORE: &[&str] = &["for", "to", "the", "as", "on", "of", "in"];
    let background = words
        .iter()
        .position(|w| w.starts_with("background"))
        .and_then(|b| {
            let mut k = b + 1;
            while words.get(k).is_some_and(|w| AFTER.contains(&w.as_str())) {
                k += 1;
            }
            if let Some(f) = found.iter().find(|f| f.0 == k) {
                return Some(f.2.clone());
            }
            let mut k = b.checked_sub(1)?;
            while BEFORE.contains(&words[k].as_str()) {
                k = k.checked_sub(1)?;
            }
            found.iter().find(|f| f.1 == k).map(|f| f.2.clone())
        });
    match background {
        Some(bg) => {
            let other = found.iter().find(|f| f.2 != bg).map(|f| f.2.clone());
            (Some(bg), other)
        }
        None => (
            found.first().map(|f| f.2.clone()),
            found.get(1).map(|f| f.2.clone()),
        ),
    }
}

/// Waits for a run's terminal event, at most `limit`.
pub(crate) async fn wait_end(
    p: &Pipeline,
    thread: &str,
    run: &str,
    limit: Duration,
) -> anyhow::Result<Event> {
    tokio::time::timeout(limit, appgen::cli::follow(p, thread, run, false))
        .await
        .map_err(|_| anyhow::anyhow!("the run did not end within {} s", limit.as_secs()))?
}

/// Runs one case through the pipeline: initial run, answers (from the file, else the defaults),
/// then returns the thread id and the version made (if any).
async fn generate(p: &Pipeline, case: &Case) -> anyhow::Result<(String, Option<u32>)> {
    let thread = format!(
        "eval-{}-{}",
        appgen::api::slug(&case.id),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let first = input(&thread, vec![user(&case.prompt)], None);
    p.start_run(&first, "eval")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let limit = Duration::from_secs(600);
    let mut end = wait_end(p, &thread, &first.run_id, limit).await?;
    if let Event::RunFinished(f) = &end
        && let Some(Outcome::Interrupt { interrupts }) = &f.outcome
        && let Some(i) = interrupts.first()
    {
        // The answers object by topic; whatever it lacks takes the clarify step's defaults.
        let payload = case.answers.clone().unwrap_or_else(|| json!({}));
        let resume = vec![ResumeEntry {
            interrupt_id: i.id.clone(),
            status: ResumeStatus::Resolved,
            payload: Some(payload),
            metadata: None,
        }];
        let second = input(&thread, vec![], Some(resume));
        p.start_run(&second, "eval")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        end = wait_end(p, &thread, &second.run_id, limit).await?;
    }
    if let Event::RunError(e) = &end {
        bail!("{}", e.message);
    }
    let snap = p
        .threads()
        .load(&thread)
        .await?
        .context("thread vanished")?
        .0;
    Ok((thread, snap.versions.last().map(|v| v.number)))
}

/// Copies a version's published dist/ to a local directory for the judge.
async fn fetch_dist(p: &Pipeline, thread: &str, version: u32, to: &Path) -> anyhow::Result<()> {
    let snap = p
        .threads()
        .load(thread)
        .await?
        .context("thread vanished")?
        .0;
    let artifact = snap
        .version(version)
        .and_then(|v| v.artifact.clone())
        .context("the version has no artifact")?;
    appgen::cli::copy_dist(p, &artifact, to).await
}

/// The scenario results the build step recorded on the version.
async fn acceptance_of(p: &Pipeline, thread: &str, version: u32) -> Vec<ScenarioResult> {
    let snap = p.threads().load(thread).await.ok().flatten().map(|s| s.0);
    snap.and_then(|s| s.version(version).and_then(|v| v.check.clone()))
        .map(|c| c.acceptance)
        .unwrap_or_default()
}

/// Apps with scenarios, of them the ones whose scenarios all pass, scenarios passed, total.
fn acceptance_totals(results: &[CaseResult]) -> [usize; 4] {
    let with: Vec<&CaseResult> = results
        .iter()
        .filter(|r| !r.acceptance.is_empty())
        .collect();
    let all_pass = with
        .iter()
        .filter(|r| r.acceptance.iter().all(|a| a.passed))
        .count();
    let scenarios = with.iter().flat_map(|r| &r.acceptance);
    let passed = scenarios.clone().filter(|a| a.passed).count();
    [with.len(), all_pass, passed, scenarios.count()]
}

/// Every fault that applies to the version, rebuilt and run against the thread's scenarios.
async fn mutants(p: &Pipeline, judge: &Builder, thread: &str, version: u32) -> Vec<MutantResult> {
    let Ok(Some((snap, _))) = p.threads().load(thread).await else {
        return Vec::new();
    };
    let Some(v) = snap.version(version) else {
        return Vec::new();
    };
    let Ok(files) = p.version_files(&snap, v).await else {
        return Vec::new();
    };
    // A check space as the pipeline's own check has, else the sharing and sign-in scenarios
    // of a cloud app would catch every mutant.
    let space = CheckSpace::for_app(p.threads().blobs().clone(), &snap)
        .await
        .ok()
        .flatten();
    let mut out = Vec::new();
    for fault in Fault::ALL {
        let Some(mutant) = mutate(&files, fault) else {
            continue;
        };
        let data = space.as_ref().map(CheckSpace::data);
        let built = judge
            .build_files_on(&mutant, &[], &snap.scenarios, data)
            .await;
        let (outcome, evidence) = match built.as_ref().map(|b| &b.report) {
            Ok(r) => match r.check.as_ref() {
                None => (MutantOutcome::Stillborn, r.error.clone()),
                Some(c) => match c.acceptance.iter().find(|a| !a.passed) {
                    Some(a) => (MutantOutcome::Caught, Some(a.evidence())),
                    None => (MutantOutcome::Survived, None),
                },
            },
            Err(e) => (MutantOutcome::Stillborn, Some(e.to_string())),
        };
        out.push(MutantResult {
            fault,
            outcome,
            evidence,
        });
    }
    if let Some(space) = space {
        let _ = space.close().await;
    }
    out
}

async fn run_case(
    p: Arc<Pipeline>,
    judge: Arc<Builder>,
    case: Case,
    out: PathBuf,
    mutations: bool,
) -> CaseResult {
    let started = Instant::now();
    let generated = generate(&p, &case).await;
    let (thread_id, version, error) = match generated {
        Ok((t, v)) => (t, v, None),
        Err(e) => (String::new(), None, Some(format!("{e:#}"))),
    };
    let builds = version.is_some();
    let mut checks = Vec::new();
    let mut screenshot = None;
    let browser_checks: Vec<Check> = case
        .checks
        .iter()
        .filter(|c| c.kind() != CheckKind::Builds)
        .cloned()
        .collect();
    let mut judged = None;
    if let Some(v) = version {
        let dir = out.join("apps").join(appgen::api::slug(&case.id));
        let dist = dir.join("dist");
        let _ = std::fs::remove_dir_all(&dir);
        let shot = out
            .join("screenshots")
            .join(format!("{}.png", appgen::api::slug(&case.id)));
        if let Some(parent) = shot.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        judged = Some(match fetch_dist(&p, &thread_id, v, &dist).await {
            Ok(()) => judge
                .check_dist_with_screenshot(&dist, &browser_checks, &[], Some(&shot))
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        });
        if shot.exists() {
            screenshot = Some(shot.display().to_string());
        }
    }
    let mut by_kind: Vec<CheckResult> = match &judged {
        Some(Ok(report)) => report.checks.clone(),
        _ => Vec::new(),
    };
    for c in &case.checks {
        let kind = c.kind();
        if kind == CheckKind::Builds {
            checks.push(CheckResult {
                kind,
                passed: builds,
                detail: error.clone().unwrap_or_default(),
            });
            continue;
        }
        // The check script answers in the order asked.
        let r = if by_kind.is_empty() {
            None
        } else {
            Some(by_kind.remove(0))
        };
        checks.push(r.unwrap_or(CheckResult {
            kind,
            passed: false,
            detail: match &judged {
                Some(Err(e)) => format!("not judged: {e:#}"),
                _ => "no app was built".into(),
            },
        }));
    }
    let acceptance = match version {
        Some(v) => acceptance_of(&p, &thread_id, v).await,
        None => Vec::new(),
    };
    // Only an app whose scenarios all pass can tell a mutant from the app.
    let sound = !acceptance.is_empty() && acceptance.iter().all(|a| a.passed);
    let mutants = match version {
        Some(v) if mutations && sound => mutants(&p, &judge, &thread_id, v).await,
        _ => Vec::new(),
    };
    // After the app's own suite was read above: the cases join the suite as they run.
    let ui_tests = match version {
        Some(_) => webgen::run_cases(&p, &thread_id, &case.ui).await,
        None => webgen::no_app(&case.ui),
    };
    CaseResult {
        acceptance,
        mutants,
        ui_tests,
        id: case.id,
        group: case.group,
        thread_id,
        version,
        seconds: started.elapsed().as_secs_f64(),
        error,
        checks,
        screenshot,
    }
}

pub async fn eval(args: EvalArgs) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut cases = parse_cases(&text, args.webgen)?;
    if let Some(n) = args.limit {
        cases.truncate(n);
    }
    // Only the qa agent's reading of the UI test cases is the benchmark's measure.
    let reader = match appgen_runtime::llm::LlmConfig::from_env()? {
        appgen_runtime::llm::LlmConfig::Offline => Reader::Offline,
        appgen_runtime::llm::LlmConfig::Models(_) => Reader::Model,
    };
    std::fs::create_dir_all(&args.out)?;
    let data = args.out.join("data");
    let _ = std::fs::remove_dir_all(&data);
    let rt = from_env(&RuntimeOptions {
        data,
        preview_base: "http://127.0.0.1:7072".into(),
    })
    .await?;
    let p = rt.pipeline.clone();
    let workers = tokio::spawn(run_workers(
        p.clone(),
        WorkerConfig {
            build_concurrency: args.jobs.max(1),
            ..WorkerConfig::default()
        },
    ));
    let judge = Arc::new(Builder::without_store(BuilderConfig::from_env()?));
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(args.jobs.max(1)));
    let mut tasks = Vec::new();
    let mutations = args.mutations;
    for case in cases.clone() {
        let (p, judge, sem, out) = (p.clone(), judge.clone(), sem.clone(), args.out.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = run_case(p, judge, case, out, mutations).await;
            let ok = r.checks.iter().filter(|c| c.passed).count();
            eprintln!(
                "  {:<28} {ok}/{} checks  {:>5.1}s{}",
                r.id,
                r.checks.len(),
                r.seconds,
                r.error
                    .as_deref()
                    .map(|e| format!("  error: {e}"))
                    .unwrap_or_default()
            );
            r
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await?);
    }
    workers.abort();

    // The table: prompt × check.
    let mut passed = 0;
    let mut failed = 0;
    println!(
        "{:<28} {:>7}  checks (✓ passed, ✗ failed)",
        "prompt", "seconds"
    );
    for (case, r) in cases.iter().zip(&results) {
        let cells: Vec<String> = case
            .checks
            .iter()
            .zip(&r.checks)
            .map(|(c, res)| format!("{}{}", if res.passed { "✓" } else { "✗" }, c.label()))
            .collect();
        passed += r.checks.iter().filter(|c| c.passed).count();
        failed += r.checks.iter().filter(|c| !c.passed).count();
        println!("{:<28} {:>7.1}  {}", r.id, r.seconds, cells.join(" "));
    }
    let rate = |kind: CheckKind| {
        let all: Vec<&CheckResult> = results
            .iter()
            .flat_map(|r| r.checks.iter().filter(|c| c.kind == kind))
            .collect();
        (all.iter().filter(|c| c.passed).count(), all.len())
    };
    let mut groups: BTreeMap<String, (usize, usize, usize, usize, usize)> = BTreeMap::new();
    for r in &results {
        let g = groups
            .entry(r.group.clone().unwrap_or_else(|| "all".into()))
            .or_default();
        g.0 += 1;
        let ok = |k: CheckKind| r.checks.iter().filter(|c| c.kind == k).all(|c| c.passed);
        if ok(CheckKind::Builds) && ok(CheckKind::Loads) {
            g.1 += 1;
        }
        g.2 += r
            .checks
            .iter()
            .filter(|c| c.kind == CheckKind::Color && c.passed)
            .count();
        g.3 += r
            .checks
            .iter()
            .filter(|c| c.kind == CheckKind::Color)
            .count();
        if r.checks
            .iter()
            .filter(|c| c.kind == CheckKind::Color)
            .all(|c| c.passed)
        {
            g.4 += 1;
        }
    }
    if args.webgen {
        println!(
            "\n{:<40} {:>5} {:>14} {:>16}",
            "application type", "apps", "build+load", "colours matched"
        );
        for (g, (n, bl, cp, ct, _)) in &groups {
            println!("{g:<40} {n:>5} {bl:>9}/{n:<4} {cp:>10}/{ct:<5}");
        }
    }
    let (b, bt) = rate(CheckKind::Builds);
    let (l, lt) = rate(CheckKind::Loads);
    let (c, ct) = rate(CheckKind::Color);
    let all_color_apps = results
        .iter()
        .filter(|r| r.checks.iter().any(|c| c.kind == CheckKind::Color))
        .count();
    let color_apps_ok = results
        .iter()
        .filter(|r| {
            r.checks.iter().any(|c| c.kind == CheckKind::Color)
                && r.checks
                    .iter()
                    .filter(|c| c.kind == CheckKind::Color)
                    .all(|c| c.passed)
        })
        .count();
    println!(
        "\nbuilds {b}/{bt}, loads {l}/{lt}, colours {c}/{ct} (apps with every named colour: {color_apps_ok}/{all_color_apps}), {} prompts in {:.0} s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    let [with, all_pass, sp, st] = acceptance_totals(&results);
    println!(
        "acceptance: {with}/{} apps have scenarios, {all_pass}/{with} pass them all, {sp}/{st} scenarios pass",
        results.len()
    );
    for r in &results {
        for a in r.acceptance.iter().filter(|a| !a.passed) {
            println!("  ✗ {}: {}", r.id, a.evidence());
        }
    }
    let mutation = args.mutations.then(|| print_mutation(&results));
    let instructions: Vec<webgen::Instruction> = (results.iter())
        .map(|r| webgen::Instruction {
            id: &r.id,
            group: r.group.as_deref(),
            results: &r.ui_tests,
        })
        .collect();
    let (ui_lines, ui_tests) = webgen::summary(reader, &instructions);
    for line in ui_lines {
        println!("{line}");
    }
    let report = json!({
        "acceptance": {"apps": results.len(), "withScenarios": with, "allPass": all_pass, "passed": sp, "total": st},
        "mutation": mutation,
        "uiTests": ui_tests,
        "file": args.file.display().to_string(),
        "webgen": args.webgen,
        "passed": passed, "failed": failed,
        "builds": [b, bt], "loads": [l, lt], "colors": [c, ct],
        "seconds": started.elapsed().as_secs_f64(),
        "results": results,
    });
    std::fs::write(
        args.out.join("report.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    println!("report: {}", args.out.join("report.json").display());
    println!("{passed} passed, {failed} failed");
    let total = passed + failed;
    let ok = match args.min_pass_rate {
        Some(min) => b == bt && l == lt && total > 0 && (passed as f64) / (total as f64) >= min,
        None => true,
    };
    Ok(if ok { 0 } else { 1 })
}

/// The mutation benchmark's lines and its figures for report.json.
fn print_mutation(results: &[CaseResult]) -> Value {
    let all: Vec<(&str, &MutantResult)> = results
        .iter()
        .flat_map(|r| r.mutants.iter().map(move |m| (r.id.as_str(), m)))
        .collect();
    let count = |o: MutantOutcome| all.iter().filter(|(_, m)| m.outcome == o).count();
    let (caught, survived, stillborn) = (
        count(MutantOutcome::Caught),
        count(MutantOutcome::Survived),
        count(MutantOutcome::Stillborn),
    );
    let judged = caught + survived;
    let apps = results.iter().filter(|r| !r.mutants.is_empty()).count();
    println!(
        "mutation: {judged} mutants of {apps} apps, {caught} caught ({:.0}%), {stillborn} did not build",
        100.0 * caught as f64 / judged.max(1) as f64
    );
    let mut by_fault: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (_, m) in all
        .iter()
        .filter(|(_, m)| m.outcome != MutantOutcome::Stillborn)
    {
        let e = by_fault.entry(m.fault.label()).or_default();
        e.1 += 1;
        if m.outcome == MutantOutcome::Caught {
            e.0 += 1;
        }
    }
    for (fault, (c, n)) in &by_fault {
        println!("  {fault:<28} {c}/{n} caught");
    }
    for (id, m) in all
        .iter()
        .filter(|(_, m)| m.outcome == MutantOutcome::Survived)
    {
        println!("  survived: {id}: {}", m.fault.label());
    }
    json!({"apps": apps, "mutants": judged, "caught": caught, "stillborn": stillborn,
           "byFault": by_fault.iter().map(|(f, (c, n))| json!({"fault": f, "caught": c, "total": n})).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_from_the_last_sentence_whatever_the_phrasing() {
        let cases = [
            (
                "Build a shop. Set the background color to white and the component color to navy.",
                ("white", "navy"),
            ),
            (
                "A forum. Use ivory for the background and forest green for components.",
                ("ivory", "forestgreen"),
            ),
            (
                "A CRM. Apply mint cream as the background; style all components with teal.",
                ("mintcream", "teal"),
            ),
            (
                "Stats. Define the background as ghost white and components as slate gray.",
                ("ghostwhite", "slategray"),
            ),
            (
                "Policies. Assign lavender to the background and indigo to the UI elements.",
                ("lavender", "indigo"),
            ),
            (
                "A log. Configure the background color to honeydew, with components using dark olive green.",
                ("honeydew", "darkolivegreen"),
            ),
            (
                "Games. Components should be crimson while the background stays light goldenrod yellow.",
                ("lightgoldenrodyellow", "crimson"),
            ),
            (
                "A CRM. Assign light goldenrod to the background and olive drab to the UI elements.",
                ("lightgoldenrodyellow", "olivedrab"),
            ),
        ];
        for (text, (bg, accent)) in cases {
            assert_eq!(
                named_colours(text),
                (Some(bg.to_owned()), Some(accent.to_owned())),
                "{text}"
            );
        }
        assert_eq!(named_colours("A plain app with no colours."), (None, None));
    }

    #[test]
    fn every_webgen_instruction_naming_a_background_yields_two_colours() {
        // The judge must read the colours of every published instruction (shared/ sits beside
        // the repository in CI and on developers' machines).
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/eval/webgen-bench-test.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} not found", path.display());
            return;
        };
        let cases = parse_cases(&text, true).expect("parse");
        // The published set: 647 UI test cases over the 101 instructions, none dropped.
        assert_eq!(cases.iter().map(|c| c.ui.len()).sum::<usize>(), 647);
        let missing: Vec<&str> = cases
            .iter()
            .filter(|c| c.prompt.to_lowercase().contains("background") && c.checks.len() != 4)
            .map(|c| c.prompt.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "{} of {} without two colours, e.g. {:?}",
            missing.len(),
            cases.len(),
            missing.first()
        );
    }

    #[test]
    fn both_file_formats_parse() {
        let plain = r#"{"id":"a","prompt":"p","answers":{"x":1},"checks":[{"kind":"builds"}]}"#;
        let cases = parse_cases(plain, false).expect("plain");
        assert_eq!((cases[0].id.as_str(), cases[0].checks.len()), ("a", 1));
        let webgen = r#"{"id":"1","instruction":"Make a blog. Set the background color to white and the component color to navy.","application_type":"Blogs"}"#;
        let cases = parse_cases(webgen, true).expect("webgen");
        assert_eq!(cases[0].checks.len(), 4);
        assert_eq!(cases[0].group.as_deref(), Some("Blogs"));
        assert!(parse_cases("{nope", false).is_err());
        let color = &cases[0].checks[3];
        assert_eq!(color.label(), "color:accent:navy");
    }

    #[test]
    fn a_malformed_ui_test_case_stops_the_eval_naming_line_and_case() {
        let good = r#"{"id":"1","instruction":"A blog.","ui_instruct":[{"task":"Open it.","expected_result":"It opens."}]}"#;
        let bad = r#"{"id":"2","instruction":"A shop.","ui_instruct":[{"task":"Buy."},{"task":"x","expected_result":"y"}]}"#;
        let cases = parse_cases(good, true).expect("good");
        assert_eq!(cases[0].ui.len(), 1);
        let err = format!(
            "{:#}",
            parse_cases(&format!("{good}\n{bad}"), true).expect_err("bad")
        );
        assert!(
            err.starts_with(
                "line 2 (2): ui_instruct test case #1: missing field `expected_result`"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_check_the_judge_does_not_know_stops_the_eval_naming_line_kind_and_field() {
        let err = |line: &str| format!("{:#}", parse_cases(line, false).expect_err(line));
        let unknown = r#"{"id":"a","prompt":"p","checks":[{"kind":"builds"},{"kind":"teleport"}]}"#;
        assert!(
            err(unknown)
                .starts_with("line 1 (a): check #2 of the list: unknown check kind \"teleport\""),
            "{}",
            err(unknown)
        );
        let missing = "\n{\"id\":\"b\",\"prompt\":\"p\",\"checks\":[{\"kind\":\"field\"}]}";
        assert!(
            err(missing)
                .contains("line 2 (b): check #1 of the list: check field: missing field `any`"),
            "{}",
            err(missing)
        );
    }

    #[test]
    fn every_eval_file_parses_into_typed_checks() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let files = [
            root.join("docs/eval/holdout.jsonl"),
            root.join("../shared/eval/prompts.jsonl"),
            root.join("../shared/eval/breadth.jsonl"),
        ];
        let mut parsed = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                eprintln!("skipped: {} not found", path.display());
                continue;
            };
            let cases =
                parse_cases(&text, false).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
            assert!(
                cases.iter().all(|c| !c.checks.is_empty()),
                "{}",
                path.display()
            );
            parsed += 1;
        }
        assert!(
            parsed >= 1,
            "the repository's own holdout set must be there"
        );
    }
}
