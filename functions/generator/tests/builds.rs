//! Generates apps for invented descriptions of every kind and builds each one with the
//! builder's template toolchain (tsc + vite), exactly as the build job does.
//! Needs `functions/builder/template/node_modules` (installed by infra/local/setup.sh).

mod common;

use appgen_core::ports::AgentContext;
use common::{generate_into, template_modules};
use std::path::Path;
use std::process::Command;

const DESCRIPTIONS: &[&str] = &[
    "A weight log: date and weight in kg; show a line chart of weight over time, the change since the first entry, and the lowest weight.",
    "A landing page for a cafe called Brew & Bloom: a menu section with three drinks and prices, a gallery section, and a newsletter signup with email.",
    "A guest list for a garden party: guest name, email, number of guests, dietary needs (none, vegetarian, vegan) and notes. Let me search by name and filter by dietary needs.",
    "A chores list where we add chores with a due date and an assignee, tick them off, delete them and filter by all / active / done. Use a lavender background and indigo buttons.",
    "Habit tracker for my morning routine: add a habit, mark it done today and show the streak.",
    "Tennis court booking: pick a court (North, South), a date, a start and end time and your name. Refuse overlapping bookings.",
    "Inventory for a flower shop: flower name, SKU, quantity and unit price; show stock value and flag rows with quantity below 3.",
    "A spending dashboard: amount, category (groceries, travel, bills, fun) and date, with totals per category in a chart. Dark mode please.",
    "A kanban board for a video team with Ideas, Filming, Editing and Published columns; cards have a title, an owner and a due date.",
    "A BMI calculator with weight and height.",
    "A 6-question quiz about world capitals with a score and a restart button.",
    "A landing page for a bakery called \"Crumb & Co\" with a menu, opening hours, testimonials and a contact form. Use wheat as the background and saddle brown for buttons.",
    "A film log: title, director, year, rating 1-5, watched on date, and a review. Sort and search by title, show the average rating.",
    "Convert Fahrenheit to Celsius for my cooking.",
    "A currency converter from euros to yen",
    "I want an app where I can log my daily water intake in glasses and see the weekly total",
    "Please implement a website for a volunteer program where users can sign up and see events. Set the background color to honeydew and the component color to dark olive green.",
    "Tic tac toe with a scoreboard of wins for each side",
    "Four in a row: red and yellow take turns dropping counters into a 7-column board",
    "A memory game with 16 cards of fruit emojis, a timer and a moves counter",
    "Pizza menu with a cart: Margherita $9, Pepperoni $11, Veggie $10, and the order total with 8% tax",
    "A stopwatch with laps",
    "A tea countdown timer with presets for green (3 min) and black (5 min)",
    "Pomodoro timer with 25 minute work and 5 minute break phases",
    "Flashcards with a term and a definition",
    "A team kudos wall: post a thank-you with your name and a message, newest first, with hearts",
    "A neighbourhood feed: residents post updates with their name, likes and comments on each post",
    "A shared shopping list for our household: item, quantity and who added it; everyone sees changes live.",
    "A private journal where each person signs in and writes entries only they can see",
];

fn run(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(dir.join("node_modules/.bin").join(program))
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Type-checks and builds the app in `dir`, as the build job does.
fn build(dir: &Path) -> Result<(), String> {
    run(dir, "tsc", &["-p", "tsconfig.json", "--noEmit"])
        .and_then(|_| run(dir, "vite", &["build", "--configLoader", "runner"]))?;
    if dir.join("dist/index.html").exists() {
        Ok(())
    } else {
        Err("no dist/index.html".into())
    }
}

/// Builds every app in `dirs`, two at a time (tsc and vite are mostly single-threaded, and the
/// test runs alone in its binary); the failures, in `dirs`' order, with their description.
fn build_all(dirs: &[(usize, std::path::PathBuf)]) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some((i, dir)) =
                    dirs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if let Err(e) = build(dir) {
                        let mut failures = failures.lock().unwrap_or_else(|p| p.into_inner());
                        failures.push((*i, format!("{}\n{e}", DESCRIPTIONS[*i])));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    failures.sort();
    failures.into_iter().map(|(_, f)| f).collect()
}

#[tokio::test(flavor = "current_thread")]
async fn generated_apps_build_with_the_template_toolchain() {
    let modules = template_modules();
    assert!(
        modules.join(".bin/vite").exists(),
        "template node_modules missing at {}; run infra/local/setup.sh",
        modules.display()
    );
    let root = std::env::temp_dir().join(format!("appgen-generator-builds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut dirs = vec![];
    for (i, description) in DESCRIPTIONS.iter().enumerate() {
        let ctx = AgentContext {
            description: (*description).to_owned(),
            ..Default::default()
        };
        let dir = root.join(format!("app{i}"));
        generate_into(&ctx, &dir, &modules).await;
        dirs.push((i, dir));
    }
    let failures = build_all(&dirs);
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&root);
    }
    assert!(
        failures.is_empty(),
        "{} of {} apps failed to build (kept in {}):\n{}",
        failures.len(),
        DESCRIPTIONS.len(),
        root.display(),
        failures.join("\n\n")
    );
}

/// `lib/ai.ts` is in no offline app, only in the apps models write (the code step adds it): it
/// is type-checked here in a cloud app beside a component that shows an answer or the
/// `AiError`'s message in place, as the code prompt asks.
#[tokio::test(flavor = "current_thread")]
async fn the_ai_client_type_checks_in_an_app_that_uses_it() {
    let modules = template_modules();
    assert!(
        modules.join(".bin/tsc").exists(),
        "template node_modules missing at {}; run infra/local/setup.sh",
        modules.display()
    );
    let dir = std::env::temp_dir().join(format!("appgen-ai-client-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ctx = AgentContext {
        description: DESCRIPTIONS[DESCRIPTIONS.len() - 1].to_owned(),
        ..Default::default()
    };
    generate_into(&ctx, &dir, &modules).await;
    let ai = include_str!("../assets/lib/ai.ts");
    std::fs::write(dir.join("src/lib/ai.ts"), ai).expect("ai.ts");
    std::fs::write(dir.join("src/AskAi.tsx"), ASK_AI).expect("AskAi.tsx");
    let result = run(
        &dir,
        "tsc",
        &["-p", "tsconfig.json", "--noEmit", "--noUnusedLocals"],
    );
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.unwrap_or_else(|e| panic!("kept in {}:\n{e}", dir.display()));
}

const ASK_AI: &str = r#"import { useState } from "react";
import { ai, AiError, type AiMessage } from "./lib/ai";

export function AskAi() {
  const [answer, setAnswer] = useState("");
  const [error, setError] = useState<string | null>(null);
  const ask = async (prompt: string) => {
    const history: AiMessage[] = [{ role: "user", content: prompt }];
    try {
      const r = await ai.complete(history);
      setAnswer(`${r.text} (${r.usage.totalTokens} of ${r.usage.budget.limit - r.usage.budget.used} left)`);
    } catch (e) {
      setError(e instanceof AiError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  return (
    <section>
      <button type="button" onClick={() => void ask("Suggest a dinner")}>Ask</button>
      {error ? <p role="alert">{error}</p> : <p>{answer}</p>}
    </section>
  );
}
"#;
