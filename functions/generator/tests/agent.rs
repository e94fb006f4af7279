//! Pure, fast tests of the offline generator through its public API: analysis of invented
//! descriptions, questions and answers, files, events, follow-up edits and fixes.

use appgen_core::app::{ChangeSet, FileChange, QuestionKind, Requirements, answers_with_defaults};
use appgen_core::edits::{PROTECTED_FILES, apply_changes};
use appgen_core::paths::validate_app;
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput, AppAgent, Failure};
use appgen_generator::analysis::analyze;
use appgen_generator::spec::{AppKind, FieldType, Layout, SectionKind};
use appgen_generator::{
    AppSpec, OfflineAgent, apply_request, compose::compose, requirements, requirements_of,
};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Default)]
struct Recorder(Vec<AgentEvent>);
impl AgentOutput for Recorder {
    fn emit(&mut self, event: AgentEvent) {
        self.0.push(event);
    }
}

fn spec(d: &str) -> AppSpec {
    analyze(d, &[])
}

fn field<'a>(s: &'a AppSpec, label: &str) -> &'a appgen_generator::spec::Field {
    s.entity
        .fields
        .iter()
        .find(|f| f.label.eq_ignore_ascii_case(label))
        .unwrap_or_else(|| {
            panic!(
                "no field {label:?} in {:?}",
                s.entity.fields.iter().map(|f| &f.label).collect::<Vec<_>>()
            )
        })
}

fn ctx(d: &str) -> AgentContext {
    AgentContext {
        description: d.into(),
        ..Default::default()
    }
}

// ------------------------------------------------------------------ analysis

#[test]
fn kinds_are_recognised_from_general_wording() {
    let cases = [
        ("Ten trivia questions on the human body", AppKind::Quiz),
        (
            "A currency-free calculator to work out my BMI",
            AppKind::Calculator,
        ),
        ("Convert pounds to kilograms", AppKind::Calculator),
        ("Trello-style board for wedding planning", AppKind::Board),
        (
            "A homepage for my dental clinic with services, team and FAQ",
            AppKind::Landing,
        ),
        (
            "I want to build streaks for reading and running",
            AppKind::Habits,
        ),
        (
            "Reserve a desk in our co-working space; no double-booking",
            AppKind::Bookings,
        ),
        (
            "Keep tabs on the warehouse: SKU, quantity, price",
            AppKind::Inventory,
        ),
        ("My weekly chores", AppKind::Tasks),
        (
            "Analytics dashboard of monthly donations by campaign",
            AppKind::Dashboard,
        ),
        (
            "A directory of local plumbers with phone and website",
            AppKind::List,
        ),
    ];
    for (d, kind) in cases {
        assert_eq!(spec(d).kind, kind, "{d}");
    }
}

#[test]
fn fields_types_and_options_from_an_invented_crm() {
    let s = spec(
        "A tiny CRM for a dog-walking business: owner name, dog name, phone, email, walks per week, a tier of basic, premium or vip and notes. Let me filter by tier.",
    );
    assert_eq!(field(&s, "owner name").kind, FieldType::Text);
    assert!(
        field(&s, "owner name").required,
        "the first text field names records"
    );
    assert_eq!(field(&s, "phone").kind, FieldType::Tel);
    assert_eq!(field(&s, "email").kind, FieldType::Email);
    assert_eq!(field(&s, "notes").kind, FieldType::Longtext);
    let tier = field(&s, "tier");
    assert_eq!(tier.kind, FieldType::Enum);
    assert_eq!(tier.options, vec!["Basic", "Premium", "Vip"]);
    assert_eq!(s.features.filter.as_deref(), Some(tier.key.as_str()));
}

#[test]
fn money_percent_rating_boolean_url_and_dates() {
    let s = spec(
        "Subscriptions tracker with service, monthly cost, discount percentage, renewal date, rating (1-5), website and paid.",
    );
    assert_eq!(field(&s, "monthly cost").kind, FieldType::Money);
    assert_eq!(field(&s, "discount percentage").kind, FieldType::Percent);
    assert_eq!(field(&s, "renewal date").kind, FieldType::Date);
    assert_eq!(field(&s, "rating").kind, FieldType::Rating);
    assert_eq!(field(&s, "website").kind, FieldType::Url);
    assert_eq!(field(&s, "paid").kind, FieldType::Boolean);
    assert_eq!(s.entity.fields[0].label, "Service");
}

#[test]
fn totals_averages_groups_and_search() {
    let s = spec(
        "Expense log with amount, category (food, travel, other) and date. Show the total, the total per category, and let me search.",
    );
    let amount = field(&s, "amount").key.clone();
    assert_eq!(s.features.totals, vec![amount.clone()]);
    let g = s.features.group_by.clone().expect("group by");
    assert_eq!(g.by, field(&s, "category").key);
    assert_eq!(g.of.as_deref(), Some(amount.as_str()));
    assert!(!s.features.search.is_empty());
    assert!(
        s.entity.fields.iter().any(|f| f.kind == FieldType::Text),
        "a naming text field is added"
    );
    let s = spec(
        "Rate the cafés I visit: name, city, a 1-5 rating. Show the average rating and sort them.",
    );
    assert_eq!(s.features.averages, vec![field(&s, "rating").key.clone()]);
    assert!(s.features.sort);
}

#[test]
fn variants_get_what_they_need() {
    let s = spec(
        "Book the climbing wall: lane (A, B, C), date, start and end time, climber name. No overlaps.",
    );
    let o = s.features.overlap.clone().expect("overlap");
    assert_eq!(o.resource.as_deref(), Some(field(&s, "lane").key.as_str()));
    assert_eq!(field(&s, "start time").kind, FieldType::Time);
    let s =
        spec("Inventory of my pantry: item, quantity, price each. Warn when fewer than 2 left.");
    assert_eq!(s.features.low_stock.as_ref().map(|l| l.below), Some(2.0));
    assert!(s.features.computed.is_some());
    let s = spec("A todo list for groceries");
    assert!(s.features.done);
    assert!(s.entity.fields.iter().any(|f| f.label == "Task"));
    let s = spec("habit tracker");
    assert!(s.features.streak);
}

#[test]
fn board_columns_from_the_text() {
    assert_eq!(
        spec("A kanban with Backlog, Doing, Review and Shipped columns").columns,
        vec!["Backlog", "Doing", "Review", "Shipped"]
    );
    assert_eq!(
        spec("Recruiting board. Columns: Applied, Interview, Offer.").columns,
        vec!["Applied", "Interview", "Offer"]
    );
    assert_eq!(
        spec("A kanban board for my side projects").columns,
        vec!["To do", "In progress", "Done"]
    );
}

#[test]
fn titles_quotes_called_and_derived() {
    assert_eq!(
        spec("A landing page for a surf school called Salt Water with pricing and a gallery").title,
        "Salt Water"
    );
    assert_eq!(
        spec("An app named 'Pocket Chef' to store recipes").title,
        "Pocket Chef"
    );
    assert_eq!(
        spec("A recipe box: title and ingredients").title,
        "Recipe Box"
    );
    assert_eq!(spec("A quiz about the planets").title, "Solar System Quiz");
    assert_eq!(spec("A tip calculator").title, "Tip Calculator");
}

#[test]
fn colours_from_roles_and_phrases() {
    let s = spec("A notes app. Use a sky blue background and dark orange buttons.");
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("skyblue", "darkorange")
    );
    let s = spec(
        "Pet register. Apply old lace as the background; style all components with rosy brown.",
    );
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("oldlace", "rosybrown")
    );
    let s = spec("Mood journal in dark mode with #ff8800 accents");
    assert_eq!(s.theme.accent, "#ff8800");
    assert_eq!(s.theme.text, "#ffffff", "light text on a dark background");
    let s = spec("A snow report tracker with a lime theme");
    assert_eq!(s.theme.accent, "lime");
    assert_ne!(
        s.theme.background, "snow",
        "'snow' names the subject, not a colour"
    );
}

#[test]
fn quiz_and_landing_content() {
    let s = spec("A seven question quiz about animals");
    let q = s.quiz.expect("quiz");
    assert_eq!(q.questions.len(), 6, "capped at the bank size");
    assert!(q.questions.iter().all(|x| x.answer < x.choices.len()));
    let s = spec(
        "A landing page for a coffee roaster with a hero, menu, two pricing plans, testimonials and an FAQ",
    );
    let l = s.landing.expect("landing");
    let kinds: Vec<SectionKind> = l.sections.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        vec![
            SectionKind::Menu,
            SectionKind::Pricing,
            SectionKind::Testimonials,
            SectionKind::Faq
        ]
    );
    let pricing = l
        .sections
        .iter()
        .find(|x| x.kind == SectionKind::Pricing)
        .expect("pricing");
    assert_eq!(pricing.items.len(), 2);
    assert!(l.contact);
}

#[test]
fn options_from_the_ui() {
    let s = analyze(
        "A list of houseplants",
        &[
            ("mobile-first".into(), "true".into()),
            ("persistence".into(), "off".into()),
            ("colors".into(), "plum background, purple buttons".into()),
        ],
    );
    assert_eq!(s.layout, Layout::Cards);
    assert!(!s.persist);
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("plum", "purple")
    );
}

// ------------------------------------------------------------------ agent steps

#[tokio::test]
async fn clarify_asks_real_questions_with_usable_defaults() {
    let agent = OfflineAgent;
    assert_eq!(agent.name(), "offline");
    let mut out = Recorder::default();
    let c = ctx(
        "A kanban board for a bakery with Orders, Baking and Delivered columns; cards have a customer and a due date. Use ivory background and chocolate buttons.",
    );
    let qs = agent.clarify(&c, &mut out).await.expect("clarify");
    let ids: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, vec!["fields", "columns", "colors", "persist"]);
    assert!(matches!(out.0.first(), Some(AgentEvent::Say(_))));
    let fields = &qs[0];
    assert_eq!(fields.kind, QuestionKind::MultipleChoice);
    for d in fields.default.as_array().expect("array") {
        assert!(
            fields
                .options
                .contains(&d.as_str().unwrap_or_default().to_owned())
        );
    }
    assert_eq!(qs[1].default, json!("Orders, Baking, Delivered"));
    assert_eq!(qs[3].default, json!(true));

    // Accepting every default gives the same app as no answers.
    let answers = answers_with_defaults(&qs, None);
    let with = agent
        .requirements(
            &AgentContext {
                answers: answers.clone(),
                ..c.clone()
            },
            &mut Recorder::default(),
        )
        .await
        .expect("req");
    let without = agent
        .requirements(&c, &mut Recorder::default())
        .await
        .expect("req");
    assert_eq!(with.spec, without.spec);
    let s = AppSpec::from_value(&with.spec).expect("spec");
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("ivory", "chocolate")
    );
}

#[tokio::test]
async fn answers_change_fields_colours_persistence_and_columns() {
    let agent = OfflineAgent;
    let c = AgentContext {
        answers: json!({"fields": ["Title", "Priority", "Estimate in hours"], "colors": "navy background, gold buttons", "persist": false, "columns": "Todo, Done", "topic": "ignored"}),
        ..ctx("A kanban board for my team")
    };
    let req = agent
        .requirements(&c, &mut Recorder::default())
        .await
        .expect("req");
    let s = AppSpec::from_value(&req.spec).expect("spec");
    let labels: Vec<&str> = s.entity.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, vec!["Title", "Priority", "Estimate"]);
    assert_eq!(field(&s, "priority").kind, FieldType::Enum);
    assert_eq!(field(&s, "estimate").unit.as_deref(), Some("hours"));
    assert_eq!(s.theme.background, "navy");
    assert_eq!(s.theme.accent, "gold");
    assert!(!s.persist);
    assert_eq!(s.columns, vec!["Todo", "Done"]);
    assert!(!req.features.is_empty() && req.summary.contains("offline generator"));
}

fn descriptions() -> Vec<&'static str> {
    vec![
        "A guest book: name, email, message",
        "Chores with due dates, done and filter by status",
        "Habit tracker",
        "Book a sauna slot: sauna (Small, Large), date, start and end time, name",
        "Stock of a record store: album, artist, SKU, quantity, price",
        "Sales dashboard with region (north, south), amount and date",
        "Kanban for a newsroom with Pitch, Writing, Editing, Published columns",
        "Loan calculator",
        "Quiz about science",
        "Landing page for a barber shop with pricing and gallery. Use black background and gold buttons",
        "Reading list with title, author and a rating",
    ]
}

#[tokio::test]
async fn every_kind_yields_valid_deterministic_files_and_streams_them() {
    let agent = OfflineAgent;
    for d in descriptions() {
        let mut out = Recorder::default();
        let files = agent.code(&ctx(d), &mut out).await.expect("code");
        validate_app(&files).expect("valid paths");
        for path in [
            "package.json",
            "index.html",
            "vite.config.ts",
            "tsconfig.json",
            "src/main.tsx",
            "src/App.tsx",
            "src/index.css",
            "src/config.ts",
            "README.md",
        ] {
            assert!(files.contains_key(path), "{d}: missing {path}");
        }
        assert!(files["index.html"].contains("<link rel=\"icon\" href=\"data:,\""));
        assert!(files["src/index.css"].starts_with("@import \"tailwindcss\";"));
        assert_eq!(
            files["vite.config.ts"],
            include_str!("../../builder/template/vite.config.ts")
        );
        let pkg: serde_json::Value = serde_json::from_str(&files["package.json"]).expect("json");
        assert_eq!(
            pkg["scripts"]["build"],
            "tsc -p tsconfig.json --noEmit && vite build --configLoader runner"
        );
        assert_eq!(pkg["type"], "module");
        // Every import of a local module resolves to a generated file.
        for (path, body) in files
            .iter()
            .filter(|(p, _)| p.ends_with(".tsx") || p.ends_with(".ts"))
        {
            for line in body
                .lines()
                .filter(|l| l.starts_with("import ") && l.contains("\"./") || l.contains("\"../"))
            {
                let Some(spec) = line.split('"').nth(1) else {
                    continue;
                };
                let base = std::path::Path::new(path).parent().expect("dir").join(spec);
                let norm = normalize(&base.to_string_lossy());
                let found = ["", ".ts", ".tsx"]
                    .iter()
                    .any(|ext| files.contains_key(&format!("{norm}{ext}")));
                assert!(found, "{d}: {path} imports missing {spec}");
            }
        }
        // Streamed deltas rebuild each file exactly.
        let mut rebuilt: BTreeMap<String, String> = BTreeMap::new();
        for e in &out.0 {
            if let AgentEvent::FileDelta { path, delta } = e {
                assert!(delta.len() <= 404);
                rebuilt.entry(path.clone()).or_default().push_str(delta);
            }
        }
        assert_eq!(rebuilt, files, "{d}");
        assert_eq!(
            agent
                .code(&ctx(d), &mut Recorder::default())
                .await
                .expect("code"),
            files,
            "deterministic"
        );
    }
}

fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    for seg in p.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[tokio::test]
async fn wireframe_names_the_real_fields() {
    let agent = OfflineAgent;
    let html = agent
        .wireframe(
            &ctx("Plant log: plant name, watering date and sunlight (low, medium, high)"),
            &mut Recorder::default(),
        )
        .await
        .expect("wf");
    assert!(html.starts_with("<!doctype html>") && html.contains("<style>"));
    for label in ["Plant name", "Watering date", "Sunlight"] {
        assert!(html.contains(label), "{label}");
    }
}

// ------------------------------------------------------------------ modify and fix

async fn modify(d: &str, request: &str) -> (AppSpec, ChangeSet, BTreeMap<String, String>) {
    let agent = OfflineAgent;
    let mut c = ctx(d);
    let req: Requirements = agent
        .requirements(&c, &mut Recorder::default())
        .await
        .expect("req");
    c.requirements = Some(req.clone());
    c.files = agent
        .code(&c, &mut Recorder::default())
        .await
        .expect("code");
    let changes = agent
        .modify(&c, request, &mut Recorder::default())
        .await
        .expect("modify");
    for ch in &changes.changes {
        assert!(
            !PROTECTED_FILES.contains(&ch.path()),
            "protected {}",
            ch.path()
        );
    }
    let applied = apply_changes(&c.files, &changes.changes).expect("edits apply cleanly");
    let old = AppSpec::from_value(&req.spec).expect("spec");
    let next = apply_request(&old, request).expect("request");
    assert_eq!(
        applied,
        compose(&next),
        "edits reproduce the regenerated app"
    );
    (next, changes, applied)
}

#[tokio::test]
async fn follow_up_requests_become_clean_edits() {
    let (s, cs, files) = modify(
        "Contacts: name, email, phone",
        "rename it to \"Friends & Family\"",
    )
    .await;
    assert_eq!(s.title, "Friends & Family");
    assert!(
        cs.changes
            .iter()
            .all(|c| matches!(c, FileChange::Edit { .. })),
        "small changes are edits"
    );
    assert!(files["index.html"].contains("Friends &amp; Family"));

    let (s, _, files) = modify(
        "Contacts: name, email, phone",
        "make the background navy and the buttons gold",
    )
    .await;
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("navy", "gold")
    );
    assert!(files["src/index.css"].contains("--bg: navy;"));

    let (s, _, _) = modify(
        "Contacts: name, email, phone",
        "add a birthday field and remove the phone field",
    )
    .await;
    assert_eq!(field(&s, "birthday").kind, FieldType::Date);
    assert!(!s.entity.fields.iter().any(|f| f.label == "Phone"));

    let (s, _, _) = modify(
        "Contacts: name, email, phone",
        "add a status field (active, archived), then let me filter by status and sort",
    )
    .await;
    assert_eq!(field(&s, "status").options, vec!["Active", "Archived"]);
    assert_eq!(s.features.filter.as_deref(), Some("status"));
    assert!(s.features.sort);

    let (s, _, _) = modify(
        "Contacts: name, email, phone",
        "add search. Don't save the data after reload",
    )
    .await;
    assert!(!s.features.search.is_empty());
    assert!(!s.persist);

    let (s, _, _) = modify(
        "A landing page for a gym with pricing",
        "add a testimonials section",
    )
    .await;
    assert!(
        s.landing
            .expect("landing")
            .sections
            .iter()
            .any(|x| x.kind == SectionKind::Testimonials)
    );

    let (s, _, _) = modify(
        "A kanban board with To do and Done columns",
        "add a Review column",
    )
    .await;
    assert_eq!(s.columns, vec!["To do", "Done", "Review"]);
}

#[tokio::test]
async fn unknown_requests_are_refused_with_what_is_possible() {
    let agent = OfflineAgent;
    let mut c = ctx("Contacts: name, email");
    c.files = agent
        .code(&c, &mut Recorder::default())
        .await
        .expect("code");
    let err = agent
        .modify(
            &c,
            "integrate with Salesforce and send weekly emails",
            &mut Recorder::default(),
        )
        .await
        .expect_err("unsupported");
    match err {
        AgentError::Unsupported(m) => assert!(m.contains("I can rename")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn fix_restores_damaged_files_only() {
    let agent = OfflineAgent;
    let mut c = ctx("Reading list with title and author");
    let files = agent
        .code(&c, &mut Recorder::default())
        .await
        .expect("code");
    let mut broken = files.clone();
    broken.insert("src/App.tsx".into(), "export default 1 +".into());
    c.files = broken.clone();
    let cs = agent
        .fix(
            &c,
            &Failure {
                error: "tsc: syntax error".into(),
                ..Default::default()
            },
            &mut Recorder::default(),
        )
        .await
        .expect("fix");
    assert_eq!(cs.changes.len(), 1);
    assert_eq!(apply_changes(&broken, &cs.changes).expect("apply"), files);
    c.files = files;
    let cs = agent
        .fix(&c, &Failure::default(), &mut Recorder::default())
        .await
        .expect("fix");
    assert!(cs.changes.is_empty());
}

#[test]
fn requirements_round_trip_through_json() {
    let s = spec(
        "Library of board games: name, players, duration in minutes, category (strategy, party)",
    );
    let r = requirements_of(&s);
    assert_eq!(AppSpec::from_value(&r.spec), Some(s));
}

#[tokio::test]
async fn odd_inputs_never_panic_and_still_give_an_app() {
    let agent = OfflineAgent;
    let odd = [
        "",
        "   ",
        "asdf qwer zxcv",
        "İstanbul çay evi: İsim, ÉMAIL, telefon — called İİİ",
        "\"\"",
        "called",
        "A list: , , , and and or",
        "((((a, b)",
        "Rename",
        "🙂 app with 🙂 fields: 🙂, 🙂 and 🙂. Use 🙂 background.",
        &"very long description with many words, ".repeat(200),
    ];
    for d in odd {
        let c = ctx(d);
        let qs = agent
            .clarify(&c, &mut Recorder::default())
            .await
            .expect("clarify");
        assert!(!qs.is_empty());
        let files = agent
            .code(&c, &mut Recorder::default())
            .await
            .expect("code");
        validate_app(&files).expect("valid");
        let mut c2 = c.clone();
        c2.files = files;
        for request in [
            "İİ rename İİ to İ",
            "add a İ field (a, b)",
            "remove the 🙂 field",
            "",
            "make it",
        ] {
            let _ = agent.modify(&c2, request, &mut Recorder::default()).await;
        }
    }
}

#[tokio::test]
async fn chained_follow_ups_keep_earlier_changes() {
    let agent = OfflineAgent;
    let mut c = ctx("Contacts: name, email, phone");
    c.requirements = Some(
        agent
            .requirements(&c, &mut Recorder::default())
            .await
            .expect("req"),
    );
    c.files = agent
        .code(&c, &mut Recorder::default())
        .await
        .expect("code");
    for request in [
        "add a company field",
        "make the buttons crimson",
        "remove the phone field",
        "rename it to Rolodex",
    ] {
        let cs = agent
            .modify(&c, request, &mut Recorder::default())
            .await
            .expect("modify");
        c.files = apply_changes(&c.files, &cs.changes).expect("apply");
        c.requirements = cs.requirements;
    }
    let s = AppSpec::from_value(&c.requirements.expect("req").spec).expect("spec");
    assert_eq!(s.title, "Rolodex");
    assert_eq!(s.theme.accent, "crimson");
    let labels: Vec<&str> = s.entity.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, vec!["Name", "Email", "Company"]);
    assert_eq!(c.files, compose(&s));
}

#[tokio::test]
async fn generation_takes_milliseconds() {
    let agent = OfflineAgent;
    let start = std::time::Instant::now();
    let mut n = 0;
    for d in descriptions() {
        let c = ctx(d);
        agent
            .clarify(&c, &mut Recorder::default())
            .await
            .expect("clarify");
        agent
            .requirements(&c, &mut Recorder::default())
            .await
            .expect("req");
        agent
            .wireframe(&c, &mut Recorder::default())
            .await
            .expect("wf");
        agent
            .code(&c, &mut Recorder::default())
            .await
            .expect("code");
        n += 1;
    }
    let per_app = start.elapsed() / n;
    println!("clarify+requirements+wireframe+code: {per_app:?} per app (debug build)");
    assert!(
        per_app < std::time::Duration::from_millis(250),
        "{per_app:?}"
    );
}

#[test]
fn ranges_questions_and_scores_read_as_fields() {
    let s =
        spec("Meal plan: each meal has a day (Monday to Friday), a dish and whether it's vegan.");
    assert_eq!(
        field(&s, "day").options,
        vec!["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    );
    assert_eq!(field(&s, "vegan").kind, FieldType::Boolean);
    let s = spec("Exam results: pupil name, score out of 100 and a difficulty out of 5.");
    assert_eq!(field(&s, "score").kind, FieldType::Number);
    assert_eq!(field(&s, "difficulty").kind, FieldType::Rating);
    let s = spec("Keep a list of my favourite museums with city and website");
    assert_eq!(s.entity.plural, "Museums");
}

#[tokio::test]
async fn quiz_length_can_change() {
    let (s, _, files) = modify("A quiz about the solar system", "use 3 questions").await;
    assert_eq!(s.quiz.expect("quiz").questions.len(), 3);
    assert!(files["src/config.ts"].contains("3 questions about the solar system"));
}

#[test]
fn plural_field_words_become_singular_labels() {
    let s = spec("A todo list with due dates and prices");
    assert_eq!(field(&s, "due date").kind, FieldType::Date);
    assert_eq!(field(&s, "price").kind, FieldType::Money);
}

#[tokio::test]
async fn dark_mode_follow_up() {
    let (s, _, files) = modify("Contacts: name, email", "switch to dark mode").await;
    assert!(appgen_generator::colors::is_dark(&s.theme.background));
    assert_eq!(s.theme.text, "#ffffff");
    assert!(files["src/index.css"].contains("color-scheme: dark"));
}

#[tokio::test]
async fn fields_asked_for_by_name_are_always_added() {
    let (s, _, _) = modify("Products: name, price", "add a field called Color").await;
    assert_eq!(field(&s, "color").kind, FieldType::Text);
    let agent = OfflineAgent;
    let c = AgentContext {
        answers: json!({"fields": ["Name", "Color", "Size (S, M, L)"]}),
        ..ctx("Products: name, price")
    };
    let s = AppSpec::from_value(
        &agent
            .requirements(&c, &mut Recorder::default())
            .await
            .expect("req")
            .spec,
    )
    .expect("spec");
    assert_eq!(field(&s, "color").kind, FieldType::Text);
    assert_eq!(field(&s, "size").options, vec!["S", "M", "L"]);
}

#[test]
fn option_lists_make_fields_of_any_word() {
    let s = spec("Sign-up sheet: full name, email and which shift (morning or afternoon).");
    assert_eq!(field(&s, "shift").options, vec!["Morning", "Afternoon"]);
    let s = spec("Reservations: guest name, table (Window, Patio, Bar), date, start and end time.");
    assert_eq!(field(&s, "table").options, vec!["Window", "Patio", "Bar"]);
    assert_eq!(
        s.features.overlap.and_then(|o| o.resource).as_deref(),
        Some("table")
    );
    let s = spec("Household chores: chore, who (Sam, Alex, Kim), due date. Mark chores done.");
    let labels: Vec<&str> = s.entity.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, vec!["Chore", "Who", "Due date"]);
}

#[test]
fn logs_dashes_yes_no_and_named_totals() {
    let s = spec("I want to log my daily steps in thousands and see the weekly total");
    assert_eq!(field(&s, "daily steps").kind, FieldType::Number);
    assert_eq!(field(&s, "daily steps").unit.as_deref(), Some("thousands"));
    assert!(s.entity.fields.iter().any(|f| f.kind == FieldType::Date));
    assert_eq!(
        s.features.totals,
        vec![field(&s, "daily steps").key.clone()]
    );
    let s = spec("A page for RSVPs — name, number of guests, dietary needs, attending yes or no");
    assert_eq!(field(&s, "attending").kind, FieldType::Boolean);
    assert_eq!(field(&s, "dietary needs").kind, FieldType::Text);
    let s = spec(
        "Lifting log: exercise name, reps, weight in kg. Chart the total weight per exercise.",
    );
    let g = s.features.group_by.clone().expect("group");
    assert_eq!(g.by, field(&s, "exercise name").key);
    assert_eq!(g.of.as_deref(), Some(field(&s, "weight").key.as_str()));
}

#[test]
fn currency_and_language_knowledge() {
    let s = spec("A currency converter from euros to yen");
    let c = s.calculator.expect("calculator");
    assert_eq!(c.formula, "currency");
    assert_eq!(c.inputs[0].label, "Amount in EUR");
    assert!(c.outputs[0].label.contains("JPY"));
    assert_eq!(s.title, "Currency Converter");
    let s = spec("Flashcard quiz for learning Spanish words");
    assert_eq!(s.quiz.expect("quiz").topic, "Spanish vocabulary");
}

#[test]
fn start_screen_options_never_override_the_description() {
    let ui = |color: &str| {
        vec![
            ("mobile-first".to_owned(), "true".to_owned()),
            ("persistence".to_owned(), "localStorage".to_owned()),
            ("auth-ready".to_owned(), "false".to_owned()),
            ("colors".to_owned(), color.to_owned()),
        ]
    };
    let s = analyze(
        "A landing page for a bakery. Use ivory as the background and forest green for buttons.",
        &ui("indigo"),
    );
    assert_eq!(
        (s.theme.background.as_str(), s.theme.accent.as_str()),
        ("ivory", "forestgreen")
    );
    let s = analyze("A list of my plants", &ui("sky"));
    assert_eq!(s.theme.accent, "#0284c7");
    assert_eq!(s.layout, Layout::Cards);
    let s = analyze(
        "Feedback form: name, rating. Show all feedback in a table under the form.",
        &ui("rose"),
    );
    assert_eq!(s.layout, Layout::Table);
    assert_eq!(s.theme.accent, "#e11d48");
}

#[tokio::test]
async fn renaming_fields_columns_and_the_subtitle() {
    let (s, _, _) = modify(
        "A kanban board with To do, Doing and Done columns; cards have a title and an owner.",
        "rename the owner field to Assignee and rename the Doing column to In review",
    )
    .await;
    assert!(
        s.entity
            .fields
            .iter()
            .any(|f| f.label == "Assignee" && f.key == "owner"),
        "keys stay so saved data keeps its values"
    );
    assert_eq!(s.columns, vec!["To do", "In review", "Done"]);
    let (s, _, _) = modify(
        "Contacts: name, email",
        "change the subtitle to Everyone I know",
    )
    .await;
    assert_eq!(s.tagline, "Everyone I know");
}

#[tokio::test]
async fn adding_a_description_field_is_not_a_subtitle_change() {
    let (s, _, _) = modify(
        "Contacts: name, email",
        "add a description field to the form",
    )
    .await;
    assert_eq!(field(&s, "description").kind, FieldType::Longtext);
}

#[tokio::test]
async fn clarify_is_honest_about_what_it_cannot_build() {
    let mut out = Recorder::default();
    OfflineAgent
        .clarify(
            &ctx("A marketplace where users sign up, pay online and chat with sellers"),
            &mut out,
        )
        .await
        .expect("clarify");
    let said: String = out
        .0
        .iter()
        .filter_map(|e| {
            if let AgentEvent::Say(s) = e {
                Some(s.as_str())
            } else {
                None
            }
        })
        .collect();
    assert!(
        said.contains("user accounts")
            && said.contains("real payments")
            && said.contains("sharing data"),
        "{said}"
    );
    assert!(
        appgen_generator::requirements::limitations("A recipe box with title and ingredients")
            .is_empty()
    );
}

#[test]
fn unknown_quiz_topics_are_named_truthfully() {
    let s = spec("A quiz about Roman emperors");
    assert_eq!(s.quiz.expect("quiz").topic, "general knowledge");
    assert_eq!(s.title, "General Knowledge Quiz");
}

#[test]
fn a_page_for_a_named_business_is_titled_with_the_name() {
    let s =
        spec("One-page website for Trattoria Sole, an Italian restaurant: a menu and a gallery.");
    assert_eq!(s.title, "Trattoria Sole");
    let s = spec("A homepage for Blue Fern Studio with a gallery and testimonials");
    assert_eq!(s.title, "Blue Fern Studio");
}

#[test]
fn what_cannot_be_built_is_not_a_field_and_is_listed() {
    let s = spec(
        "A meal planner where users log in with an account and AI suggests recipes; save meal plans with a day and a meal name.",
    );
    assert!(
        !s.entity
            .fields
            .iter()
            .any(|f| f.label.to_lowercase().contains("account"))
    );
    let req = appgen_generator::requirements_of(&s);
    assert!(
        req.features
            .iter()
            .any(|f| f.starts_with("Not built (offline): AI features")),
        "{:?}",
        req.features
    );
    assert!(req.summary.contains("Not built:"), "{}", req.summary);
}

#[test]
fn habits_with_the_days_of_the_week_get_a_week_grid() {
    let s = spec(
        "A habit tracker with a week grid: habits as rows, Monday to Sunday as columns, click a cell to mark it done, and show the streak per habit.",
    );
    assert!(s.features.week && s.features.streak);
    let s = spec(
        "Weekly reading tracker: add the books or habits as rows, days Mon to Sun as columns, tick a box per day and show each row's streak.",
    );
    assert!(s.features.week, "other wording");
    assert!(
        !spec("Habit tracker: mark it done today and show the streak")
            .features
            .week
    );
}

#[test]
fn a_mortgage_with_a_deposit_borrows_the_price_less_the_deposit() {
    let s = spec(
        "Mortgage calculator — house price, deposit, interest rate and term in years; output the monthly repayment and the total interest.",
    );
    let c = s.calculator.expect("calculator");
    let labels: Vec<&str> = c.inputs.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "House price",
            "Deposit",
            "Annual interest rate",
            "Loan term"
        ]
    );
    assert_eq!(c.outputs[0].expr, "(v.price - v.deposit)");
    let s = spec("Car loan calculator with the purchase price and a down payment");
    let labels: Vec<String> = s
        .calculator
        .expect("calculator")
        .inputs
        .iter()
        .map(|i| i.label.clone())
        .collect();
    assert_eq!(
        labels[..2],
        ["Purchase price".to_owned(), "Down payment".to_owned()],
        "other wording"
    );
    let s = spec("A loan calculator: amount, yearly interest rate and years");
    assert_eq!(
        s.calculator.expect("calculator").inputs[0].label,
        "Loan amount"
    );
}

#[test]
fn a_choice_named_by_a_verb_and_a_bounded_count_are_fields() {
    let s = spec(
        "Ticket booking for a small theatre: pick a show (Hamlet, Cats, Chicago), a date and a number of seats up to 6.",
    );
    let show = field(&s, "show");
    assert_eq!((show.kind, show.options.len()), (FieldType::Enum, 3));
    let by_label = |s: &AppSpec, l: &str| {
        s.entity
            .fields
            .iter()
            .find(|f| f.label == l)
            .map(|f| f.kind)
    };
    assert_eq!(by_label(&s, "Number of seats"), Some(FieldType::Number));
    let s = spec("Coffee brewing log: a name, a filter (Paper, Metal, Cloth) and cups at most 10.");
    assert_eq!(
        by_label(&s, "Filter"),
        Some(FieldType::Enum),
        "other wording"
    );
    assert!(
        by_label(&s, "Cups").is_some(),
        "the bound is not part of the name"
    );
}

#[tokio::test]
async fn clarify_names_the_archetype_in_plain_words() {
    for (description, words) in [
        (
            "Noughts and crosses for two people",
            "a two-player game on a 3×3 grid",
        ),
        (
            "A pizza menu: Margherita $9, Pepperoni $11; add to cart and see the total",
            "a shop with a cart",
        ),
        (
            "Study deck: each card has a term and a definition; flip to reveal",
            "flashcards shown one at a time",
        ),
    ] {
        let mut out = Recorder::default();
        let questions = OfflineAgent
            .clarify(&ctx(description), &mut out)
            .await
            .expect("clarify");
        let said: String = out
            .0
            .iter()
            .filter_map(|e| match e {
                AgentEvent::Say(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert!(said.contains(words), "{description}: {said}");
        // No unrelated default fields are suggested for an archetype.
        assert!(!questions.iter().any(|q| q.id == "fields"), "{description}");
    }
}

// ------------------------------------------------------------------ where data lives

#[test]
fn a_private_journal_signs_people_in_and_keeps_their_entries_in_the_cloud() {
    use appgen_generator::questions::apply_answers;
    use appgen_generator::spec::DataLocation;
    let d = "A private journal where each person signs in and writes entries only they can see";
    let s = spec(d);
    assert_eq!(s.data, DataLocation::Private, "{s:?}");
    assert!(s.accounts());
    // "each person" names the people who sign in, not the records.
    assert_eq!(s.entity.plural, "Entries");
    let coll = s.cloud_collection().expect("a cloud collection");
    // The requirements carry it, so the server's schema knows the app has accounts.
    assert_eq!(requirements_of(&s).spec["data"], json!("private"));
    let schema = appgen_core::appdata::AppSchema::of(&requirements_of(&s));
    assert!(schema.accounts, "{schema:?}");
    assert!(
        schema.collection(&coll).is_some_and(|c| c.private),
        "{schema:?}"
    );
    let files = compose(&s);
    let config = &files["src/config.ts"];
    assert!(config.contains("\"accounts\": true"), "{config}");
    assert!(config.contains(&format!("\"cloudCollection\": \"{coll}\"")));
    assert!(
        files["src/App.tsx"].contains("<Account "),
        "{}",
        files["src/App.tsx"]
    );
    let account = &files["src/components/Account.tsx"];
    for part in [
        ">Email</label>",
        ">Password</label>",
        ">Sign up</button>",
        ">Sign in</button>",
        ">Sign out</button>",
        "role=\"alert\"",
        "You'll be signed out when you close",
    ] {
        assert!(account.contains(part), "sign-in screen lacks {part}");
    }

    // Asked with the words of sign-in: built now, so not listed as missing.
    let d = "A journal where I log in and write entries only I can see";
    let s = spec(d);
    assert!(s.accounts(), "{s:?}");
    assert!(s.not_built.iter().any(|w| w.starts_with("user accounts")));
    assert!(s.missing().is_empty(), "{:?}", s.missing());
    assert!(!compose(&s)["src/config.ts"].contains("user accounts"));
    assert!(!requirements::summary(&s).contains("Not built"));
    // On this device there is no sign-in: accounts are missing again and said so.
    let mut local = s.clone();
    apply_answers(&mut local, &json!({"data": "This device"}), d);
    assert!(!local.accounts());
    let files = compose(&local);
    assert!(!files.contains_key("src/components/Account.tsx"));
    assert!(files["src/config.ts"].contains("user accounts"));
    assert!(!files["src/App.tsx"].contains("Account"));
}

#[test]
fn where_data_lives_defaults_from_the_description_and_follows_the_answer() {
    use appgen_core::appdata::AppSchema;
    use appgen_generator::questions::{apply_answers, questions};
    use appgen_generator::spec::DataLocation;
    let d = "A shared shopping list for our household: item, quantity and who added it; everyone sees changes live.";
    let s = spec(d);
    assert_eq!(s.data, DataLocation::Cloud);
    let q = questions(&s, d);
    let data = q
        .iter()
        .find(|q| q.id == "data")
        .expect("asked where data lives");
    assert_eq!(data.kind, QuestionKind::SingleChoice);
    assert_eq!(data.default, json!("Shared in the cloud"));
    let coll = s.cloud_collection().expect("a cloud collection");
    // The server's schema (from the requirements) has the collection the app calls.
    let schema = AppSchema::of(&requirements_of(&s));
    let c = schema
        .collection(&coll)
        .expect("server knows the collection");
    assert!(c.field("quantity").is_some(), "{c:?}");
    let files = compose(&s);
    assert!(files["src/config.ts"].contains(&format!("\"cloudCollection\": \"{coll}\"")));
    assert!(files.contains_key("src/lib/backend.ts"));

    let mut local = s.clone();
    apply_answers(&mut local, &json!({"data": "This device"}), d);
    assert_eq!(local.cloud_collection(), None);
    assert!(compose(&local)["src/config.ts"].contains("\"cloudCollection\": null"));

    assert_eq!(
        spec("A reading list with title and author").data,
        DataLocation::Device
    );
    assert_eq!(
        spec("A journal where each person signs in and writes entries").data,
        DataLocation::Private
    );
    assert!(
        spec("A journal where each person signs in")
            .cloud_collection()
            .is_some(),
        "private data lives in the cloud, behind sign-in"
    );
    // The start screen's choice wins over the description; "auto" keeps its default.
    let opt = |v: &str| vec![("data".to_owned(), v.to_owned())];
    assert_eq!(analyze(d, &opt("device")).data, DataLocation::Device);
    assert_eq!(analyze(d, &opt("auto")).data, DataLocation::Cloud);
    assert_eq!(
        analyze("A reading list with title and author", &opt("cloud")).data,
        DataLocation::Cloud
    );
    let shared = apply_request(
        &spec("A reading list with title and author"),
        "share it with my family in the cloud",
    )
    .expect("follow-up");
    assert!(shared.cloud_collection().is_some());
    let back = apply_request(&shared, "keep the data on this device").expect("follow-up");
    assert_eq!(back.data, DataLocation::Device);
    let private = apply_request(&shared, "add sign-in so each person sees only their own")
        .expect("follow-up");
    assert!(private.accounts(), "{:?}", private.data);
    assert!(compose(&private).contains_key("src/components/Account.tsx"));
    let game = spec("Tic-tac-toe for our family");
    assert!(
        questions(&game, "Tic-tac-toe for our family")
            .iter()
            .all(|q| q.id != "data")
    );
}
