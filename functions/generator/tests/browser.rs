//! Builds apps for invented descriptions and checks them in headless Chromium with the
//! builder's own check script (functions/builder/check/check.mjs), using the eval check
//! kinds. The suites of many apps are slow, so they are ignored by default:
//! `cargo test -p appgen-generator --test browser -- --ignored --nocapture`. The apps whose
//! own scenarios exercise one archetype each (a feed with comments; a feed, a shop and a game
//! after a follow-up; a board, two charts, a landing page, a parent list: about ten seconds
//! an app, two minutes in all) run in the default suite.

mod common;

use appgen_core::check::Check;
use appgen_core::colors::NAMED_COLORS_JSON;
use appgen_core::ports::{AgentContext, AgentEvent, AgentOutput, AppAgent};
use appgen_core::scenario::Scenario;
use appgen_generator::{OfflineAgent, apply_request, requirements_of};
use common::{generate_into, template_modules};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn cases() -> Vec<(&'static str, Value)> {
    let field = |any: &[&str]| json!({"kind": "field", "any": any});
    let text = |any: &[&str]| json!({"kind": "text", "any": any});
    let base = || vec![json!({"kind": "builds"}), json!({"kind": "loads"})];
    let with = |extra: Vec<Value>| {
        let mut v = base();
        v.extend(extra);
        Value::Array(v)
    };
    vec![
        (
            "A guest list for a garden party: guest name, email, number of guests, dietary needs (none, vegetarian, vegan) and notes. Let me search by name and filter by dietary needs. Use a mint cream background and teal buttons.",
            with(vec![
                field(&["guest name"]),
                field(&["email"]),
                field(&["dietary"]),
                field(&["search"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
                json!({"kind": "color", "target": "background", "name": "mintcream"}),
                json!({"kind": "color", "target": "accent", "name": "teal"}),
            ]),
        ),
        (
            "A chores list where we add chores with a due date, tick them off, delete them and filter by all / active / done. Keep chores after reload.",
            with(vec![
                field(&["task", "chore"]),
                field(&["due"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
                json!({"kind": "text", "all": ["active", "done"]}),
            ]),
        ),
        (
            "Habit tracker for my morning routine: add a habit, mark it done today and show the streak.",
            with(vec![
                field(&["habit"]),
                json!({"kind": "submit_roundtrip"}),
                text(&["streak"]),
                json!({"kind": "persists"}),
            ]),
        ),
        (
            "Tennis court booking: pick a court (North, South), a date, a start and end time and your name. Refuse overlapping bookings.",
            with(vec![
                field(&["court"]),
                field(&["date"]),
                field(&["start"]),
                field(&["end"]),
                field(&["name"]),
                json!({"kind": "submit_roundtrip"}),
            ]),
        ),
        (
            "Inventory for a flower shop: flower name, SKU, quantity and unit price; show stock value and flag rows with quantity below 3.",
            with(vec![
                field(&["flower", "name"]),
                field(&["sku"]),
                field(&["quantity"]),
                field(&["price"]),
                json!({"kind": "submit_roundtrip"}),
                text(&["total", "value"]),
            ]),
        ),
        (
            "A spending dashboard: amount, category (groceries, travel, bills, fun) and date, with totals per category in a chart. Use a dark navy background.",
            with(vec![
                field(&["amount"]),
                field(&["category"]),
                json!({"kind": "submit_roundtrip"}),
                text(&["total"]),
                json!({"kind": "color", "target": "background", "name": "navy"}),
            ]),
        ),
        (
            "A kanban board for a video team with Ideas, Filming, Editing and Published columns; cards have a title, an owner and a due date.",
            with(vec![
                json!({"kind": "text", "all": ["ideas", "filming", "editing", "published"]}),
                field(&["title"]),
                field(&["owner"]),
                json!({"kind": "submit_roundtrip"}),
            ]),
        ),
        (
            "A split-the-bill tip calculator with the bill amount, tip percentage and number of people.",
            with(vec![
                field(&["bill"]),
                field(&["tip"]),
                field(&["people"]),
                text(&["per person"]),
            ]),
        ),
        (
            "A 6-question quiz about world capitals with a score and a restart button.",
            with(vec![text(&["score"]), text(&["capital"])]),
        ),
        (
            "A landing page for a bakery called \"Crumb & Co\" with a menu, opening hours, testimonials and a contact form. Use wheat as the background and saddle brown for buttons.",
            with(vec![
                text(&["crumb & co"]),
                text(&["menu"]),
                field(&["email"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "color", "target": "background", "name": "wheat"}),
                json!({"kind": "color", "target": "accent", "name": "saddlebrown"}),
            ]),
        ),
        (
            "A film log: title, director, year, rating 1-5, watched on date, and a review. Sort and search by title, show the average rating.",
            with(vec![
                field(&["title"]),
                field(&["director"]),
                field(&["rating"]),
                field(&["review"]),
                json!({"kind": "submit_roundtrip"}),
                text(&["average"]),
            ]),
        ),
        (
            "Please implement a website for a volunteer program where users can sign up and see events. Set the background color to honeydew and the component color to dark olive green.",
            with(vec![
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "color", "target": "background", "name": "honeydew"}),
                json!({"kind": "color", "target": "accent", "name": "darkolivegreen"}),
            ]),
        ),
        (
            "Volunteer sign-up sheet for a beach clean-up: full name, phone, email, t-shirt size (S, M, L, XL) and which shift (morning or afternoon). Keep entries after reload.",
            with(vec![
                field(&["name"]),
                field(&["phone"]),
                field(&["size"]),
                field(&["shift"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
            ]),
        ),
        (
            "I need to track my reading: book title, author, pages, date finished and a 1-5 rating. Show total pages read and the average rating. Sky blue background, navy buttons.",
            with(vec![
                field(&["title"]),
                field(&["author"]),
                field(&["pages"]),
                json!({"kind": "submit_roundtrip"}),
                text(&["total"]),
                text(&["average"]),
                json!({"kind": "color", "target": "background", "name": "skyblue"}),
                json!({"kind": "color", "target": "accent", "name": "navy"}),
            ]),
        ),
        (
            "Restaurant table reservations: guest name, party size, table (Window, Patio, Bar), date, start and end time. Don't allow two reservations of the same table at the same time.",
            with(vec![
                field(&["guest", "name"]),
                field(&["table"]),
                field(&["date"]),
                field(&["start"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
            ]),
        ),
        (
            "A loan repayment calculator for a car: loan amount, interest rate and term in years; show the monthly payment.",
            with(vec![
                field(&["amount"]),
                field(&["rate", "interest"]),
                field(&["term", "years"]),
                text(&["monthly payment"]),
            ]),
        ),
        (
            "An eight question multiple choice quiz on basic maths for kids, with a final score and a try again button.",
            with(vec![text(&["score"]), text(&["math"])]),
        ),
        (
            "A portfolio website for a wedding photographer named Ava Stone with an about section, a gallery, packages with prices, reviews and a contact form. Use misty rose for the background and firebrick for buttons.",
            with(vec![
                text(&["ava stone"]),
                text(&["gallery"]),
                text(&["about"]),
                field(&["email"]),
                field(&["message"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "color", "target": "background", "name": "mistyrose"}),
                json!({"kind": "color", "target": "accent", "name": "firebrick"}),
            ]),
        ),
        (
            "Bug tracker board with columns New, In progress, Testing, Closed. Each bug has a title, reporter and severity (low, high, critical).",
            with(vec![
                json!({"kind": "text", "all": ["new", "in progress", "testing", "closed"]}),
                field(&["title"]),
                field(&["reporter"]),
                field(&["severity"]),
                json!({"kind": "submit_roundtrip"}),
            ]),
        ),
        (
            "Household chores: chore, who (Sam, Alex, Kim), due date. Mark chores done and filter to show only active ones.",
            with(vec![
                field(&["chore", "task"]),
                field(&["who"]),
                field(&["due"]),
                json!({"kind": "submit_roundtrip"}),
                json!({"kind": "persists"}),
                json!({"kind": "text", "all": ["active", "done"]}),
            ]),
        ),
    ]
}

fn ok(out: &std::process::Output) -> bool {
    out.status.success()
}

/// Builds the generated app in `dir` with vite and runs the builder's check script on it with
/// `checks` and `scenarios`: its JSON report (null when it wrote none) and its output.
fn build_and_check(
    dir: &Path,
    checks: &[Check],
    scenarios: &[Scenario],
) -> (Value, std::process::Output) {
    let built = Command::new(dir.join("node_modules/.bin/vite"))
        .args(["build", "--configLoader", "runner"])
        .current_dir(dir)
        .output()
        .expect("vite");
    assert!(
        ok(&built),
        "build failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    // check.mjs resolves playwright-core from its own directory, so it runs from the app,
    // with the colour table it reads beside it (as the builder writes them).
    let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("../builder/check/check.mjs");
    std::fs::copy(&check, dir.join("check.mjs")).expect("copy check");
    std::fs::write(dir.join("named-colors.json"), NAMED_COLORS_JSON).expect("colour table");
    let config = json!({"dist": dir.join("dist"), "checks": checks, "scenarios": scenarios, "chromium": "/usr/bin/chromium", "timeoutMs": 60000});
    std::fs::write(dir.join("check.json"), config.to_string()).expect("config");
    let out = Command::new("node")
        .arg("check.mjs")
        .arg("check.json")
        .current_dir(dir)
        .output()
        .expect("node");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if report.is_null() {
        println!("check.mjs said: {}", String::from_utf8_lossy(&out.stderr));
    }
    (report, out)
}

struct Quiet;
impl AgentOutput for Quiet {
    fn emit(&mut self, _event: AgentEvent) {}
}

/// Builds the app of `ctx` and runs the generator's own scenarios for it in the builder's
/// check script; fails unless each of `expected` is among them and every scenario passes.
async fn passes_its_own_scenarios(ctx: &AgentContext, name: &str, expected: &[&str]) {
    let scenarios = OfflineAgent.qa(ctx, &mut Quiet).await.expect("qa");
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert!(
        expected.iter().all(|e| names.contains(e)),
        "{expected:?} not in {names:?}"
    );
    let dir = std::env::temp_dir().join(format!("appgen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    generate_into(ctx, &dir, &template_modules()).await;
    let checks =
        Check::list_from_json(json!([{"kind": "builds"}, {"kind": "loads"}])).expect("checks");
    let (report, out) = build_and_check(&dir, &checks, &scenarios);
    let acceptance = report["acceptance"].as_array().cloned().unwrap_or_default();
    let passed = acceptance
        .iter()
        .filter(|r| r["passed"] == json!(true))
        .count();
    println!("{name}: {passed} / {} scenarios pass", scenarios.len());
    assert!(
        passed == scenarios.len() && report["passed"] == json!(true),
        "kept in {}: {report:#}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A feed asked for with comments passes the generator's own acceptance scenarios in the
/// builder's check script: a comment on one post shows within it with its author and count
/// (not in the other post), stays after a reload, and deleting one leaves the other.
#[tokio::test(flavor = "current_thread")]
async fn a_feed_with_comments_passes_its_own_scenarios() {
    let ctx = AgentContext {
        description: "A neighbourhood notice feed: residents post updates with their name and a message, latest on top, with a like button; neighbours can leave a comment on each post.".to_owned(),
        ..Default::default()
    };
    passes_its_own_scenarios(
        &ctx,
        "feed-comments",
        &[
            "a comment shows under its post with the count",
            "a comment is kept after a reload",
            "deleting a comment removes only that comment",
        ],
    )
    .await;
}

/// Apps made without an option, then a chat edit that turns it on: the app the follow-up's
/// spec composes passes the option's scenarios and the earlier ones (a feed given comments
/// and hearts, a shop given a tax and a product, a game given a score).
#[tokio::test(flavor = "current_thread")]
async fn follow_ups_turn_archetype_options_on() {
    let cases = [
        (
            "A neighbourhood notice feed where residents post updates with their name and a message; latest posts on top and a like button with a count.",
            "let people comment, and use hearts",
            "feed-follow-up",
            "a comment shows under its post with the count",
        ),
        (
            "A flower shop: roses 12.00, tulips 8.50 and sunflowers 9.90; add bouquets to a basket and see the basket total.",
            "add 8% tax",
            "shop-follow-up",
            "two products give the exact basket total",
        ),
        (
            "Noughts and crosses for two people on one screen, with a new game button.",
            "keep score",
            "game-follow-up",
            "3 in a row wins the game",
        ),
    ];
    for (description, request, name, expected) in cases {
        let first = AgentContext {
            description: description.to_owned(),
            ..Default::default()
        };
        let spec = appgen_generator::spec_for(&first);
        let next = apply_request(&spec, request).expect("follow-up");
        let (_, added) = appgen_generator::qa::changes(&spec, &next);
        assert!(
            added.iter().any(|s| s.name == expected),
            "{request}: {added:?}"
        );
        let ctx = AgentContext {
            requirements: Some(requirements_of(&next)),
            ..first
        };
        passes_its_own_scenarios(&ctx, name, &[expected]).await;
    }
}

/// A board whose cards move on and back with each column's count, charts of a value over
/// time (a line with the change and the lowest, bars with the average and the best) whose
/// figures are exact, a landing page's newsletter signup, and projects added in their own
/// list before their tasks pass their own scenarios.
#[tokio::test(flavor = "current_thread")]
async fn boards_charts_and_landing_pages_pass_their_own_scenarios() {
    let cases = [
        (
            "Project tracker: tasks with a title and a status (todo, doing, done); show each project's percentage of done tasks.",
            "parent-list",
            "a project added in its list gets its tasks",
        ),
        (
            "A landing page for a cafe called Brew & Bloom: a hero with opening hours, a menu section with three drinks and prices, a gallery section, and a newsletter signup with email.",
            "cafe-landing",
            "signing up for the newsletter thanks the address",
        ),
        (
            "Recruiting pipeline with stages Applied, Interview, Offer; each candidate has a name and a role.",
            "board-back",
            "a candidate moved to Interview can be moved back, and each column counts its cards",
        ),
        (
            "A weight log: date and weight in kg; show a line chart of weight over time, the change since the first entry, and the lowest weight.",
            "weight-chart",
            "entries in date order give the exact figures",
        ),
        (
            "Log hours of sleep each night with the date, and draw a bar chart of the nights; show the average and the best night.",
            "sleep-chart",
            "entries in date order give the exact figures",
        ),
    ];
    for (description, name, expected) in cases {
        let ctx = AgentContext {
            description: description.to_owned(),
            ..Default::default()
        };
        passes_its_own_scenarios(&ctx, name, &[expected]).await;
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "slow: builds apps and drives headless Chromium"]
async fn generated_apps_pass_the_browser_checks() {
    let modules = template_modules();
    let root =
        std::env::temp_dir().join(format!("appgen-generator-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut failed = vec![];
    let total = cases().len();
    // APPGEN_UI_DEFAULTS=1 runs the cases with the start screen's default options
    // (mobile-first cards, localStorage, indigo), as the web UI sends them.
    let options: Vec<(String, String)> = if std::env::var("APPGEN_UI_DEFAULTS").is_ok() {
        [
            ("mobile-first", "true"),
            ("persistence", "localStorage"),
            ("auth-ready", "false"),
            ("colors", "indigo"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    } else {
        vec![]
    };
    for (i, (description, checks)) in cases().into_iter().enumerate() {
        let ctx = AgentContext {
            description: description.to_owned(),
            options: options.clone(),
            ..Default::default()
        };
        let dir = root.join(format!("app{i}"));
        generate_into(&ctx, &dir, &modules).await;
        let checks = Check::list_from_json(checks).expect("valid checks");
        let (report, out) = build_and_check(&dir, &checks, &[]);
        let bad: Vec<String> = report["checks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|c| c["passed"] != json!(true))
                    .map(|c| format!("{}: {}", c["kind"], c["detail"]))
                    .collect()
            })
            .unwrap_or_else(|| {
                vec![format!(
                    "no report: {}",
                    String::from_utf8_lossy(&out.stderr)
                )]
            });
        let console = report["consoleErrors"]
            .as_array()
            .map(|a| a.len())
            .unwrap_or(0);
        println!(
            "{} {description}\n   {}",
            if bad.is_empty() && console == 0 {
                "PASS"
            } else {
                "FAIL"
            },
            bad.join("\n   ")
        );
        if !bad.is_empty() || console > 0 {
            failed.push(format!(
                "{description}: {bad:?} console={:?}",
                report["consoleErrors"]
            ));
        }
    }
    println!("{} / {total} apps passed every check", total - failed.len());
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The apps `browser/behaviour.mjs` drives, numbered from 1 in this order.
const BEHAVIOUR_APPS: &[&str] = &[
    "Tennis court booking: pick a court (North, South), a date, a start and end time and your name. Refuse overlapping bookings.",
    "A quiz about the solar system",
    "A kanban board with To do, Doing and Done columns; cards have a title and an owner.",
    "A todo list with due dates",
    "Habit tracker",
    "A tip calculator: bill amount, tip percentage and number of people",
    "Noughts and crosses for two people on one screen, with a new game button.",
    "Connect four for two players: a 7 by 6 grid, click a column to drop a disc.",
    "Concentration game with animal pictures: 12 tiles face down, turn over two, count the tries.",
    "A flower shop: roses 12.00, tulips 8.50 and sunflowers 9.90; add bouquets to a basket and see the basket total with 5% delivery fee.",
    "Running stopwatch for track training: start/stop, record split times per lap, clear everything.",
    "Vocabulary cards for learning German: German word and English meaning; tap to reveal the meaning, next and previous.",
    "A neighbourhood notice feed where residents post updates with their name and a message; latest posts on top and a like button with a count.",
    "Scale a cookie recipe: each ingredient with an amount and unit for the original batch, then a target number of cookies.",
    "Split costs between flatmates: add flatmates, then expenses with who paid and the amount; show who owes what.",
    "Workshop sign-ups: pick a workshop (Pottery, Painting), your name and a number of places; show places left per workshop out of 10.",
    "Chapters of my novels: each chapter has a title and a state (draft, finished); show every novel's progress in percent.",
];

#[tokio::test(flavor = "current_thread")]
#[ignore = "slow: builds apps and drives headless Chromium"]
async fn generated_apps_do_what_their_summary_claims() {
    let modules = template_modules();
    let root =
        std::env::temp_dir().join(format!("appgen-generator-behaviour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&modules, root.join("node_modules")).expect("symlink");
    for (i, description) in BEHAVIOUR_APPS.iter().enumerate() {
        let ctx = AgentContext {
            description: (*description).to_owned(),
            ..Default::default()
        };
        let dir = root.join((i + 1).to_string());
        generate_into(&ctx, &dir, &modules).await;
        let built = Command::new(dir.join("node_modules/.bin/vite"))
            .args(["build", "--configLoader", "runner"])
            .current_dir(&dir)
            .output()
            .expect("vite");
        assert!(
            ok(&built),
            "build failed: {}",
            String::from_utf8_lossy(&built.stderr)
        );
    }
    // The script resolves playwright-core from where it lies, so it runs from the apps' root.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/behaviour.mjs"),
        root.join("behaviour.mjs"),
    )
    .expect("copy");
    let out = Command::new("node")
        .arg("behaviour.mjs")
        .arg(&root)
        .current_dir(&root)
        .output()
        .expect("node");
    let log = String::from_utf8_lossy(&out.stdout);
    println!("{log}");
    assert!(ok(&out), "{log}\n{}", String::from_utf8_lossy(&out.stderr));
}
