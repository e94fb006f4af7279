//! Human-readable requirements (summary and features) of a spec.

use crate::spec::{AppKind, AppSpec, FieldType};

fn field_list(spec: &AppSpec) -> String {
    spec.entity
        .fields
        .iter()
        .map(|f| match f.kind {
            FieldType::Enum => format!("{} ({})", f.label, f.options.join(", ")),
            FieldType::Text => f.label.clone(),
            k => format!("{} ({})", f.label, k.label()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn label_of(spec: &AppSpec, key: &str) -> String {
    spec.field(key)
        .map(|f| f.label.to_lowercase())
        .unwrap_or_else(|| key.to_owned())
}

/// One line per thing the app does, each true of the generated code.
pub fn features(spec: &AppSpec) -> Vec<String> {
    let mut out = vec![];
    let singular = spec.entity.singular.to_lowercase();
    let plural = spec.entity.plural.to_lowercase();
    let f = &spec.features;
    match spec.kind {
        k if k.is_collection() => {
            out.push(format!(
                "Add {plural} with a labelled form: {}",
                field_list(spec)
            ));
            out.push(format!(
                "See every {singular} in a {} and edit or delete it",
                if spec.layout == crate::spec::Layout::Cards {
                    "list of cards"
                } else {
                    "table"
                }
            ));
            if f.done {
                out.push(format!(
                    "Mark {plural} done and show all, active or done ones"
                ));
            }
            if f.week {
                out.push(format!(
                    "A week grid: {plural} as rows, Monday to Sunday as columns; click a cell to mark that day done"
                ));
            }
            if f.streak {
                out.push(format!(
                    "Mark each {singular} done for today and see its current streak"
                ));
            }
            if let Some(o) = &f.overlap {
                let what = o
                    .resource
                    .as_ref()
                    .map(|r| format!(" of the same {}", label_of(spec, r)))
                    .unwrap_or_default();
                out.push(format!(
                    "Refuse {plural} that overlap an existing one{what} on the same date"
                ));
            }
            if !f.search.is_empty() {
                let by: Vec<String> = f.search.iter().map(|k| label_of(spec, k)).collect();
                out.push(format!("Search by {}", by.join(" or ")));
            }
            if let Some(k) = &f.filter {
                out.push(format!("Filter by {}", label_of(spec, k)));
            }
            if f.sort {
                out.push("Sort by any field".into());
            }
            if f.count {
                out.push(format!("Count of {plural}"));
            }
            for k in &f.totals {
                out.push(format!("Total {}", label_of(spec, k)));
            }
            for k in &f.averages {
                out.push(format!("Average {}", label_of(spec, k)));
            }
            if let Some(g) = &f.group_by
                && let Some(r) = &g.rollup
            {
                let by = label_of(spec, &g.by).to_lowercase();
                out.push(match r {
                    crate::spec::Rollup::Done { .. } => {
                        format!("Each {by}'s percentage of done {plural}")
                    }
                    crate::spec::Rollup::Left { capacity } => {
                        format!("What is left per {by} out of {capacity}")
                    }
                });
            } else if let Some(g) = &f.group_by {
                let of =
                    g.of.as_ref()
                        .map(|o| format!("total {}", label_of(spec, o)))
                        .unwrap_or_else(|| format!("number of {plural}"));
                out.push(format!(
                    "{} per {}{}",
                    crate::text::capitalize(&of),
                    label_of(spec, &g.by),
                    if f.chart { " with a bar chart" } else { "" }
                ));
            } else if f.chart {
                out.push("Bar chart of recent entries".into());
            }
            if let Some(c) = &f.computed {
                let factors: Vec<String> = c.factors.iter().map(|k| label_of(spec, k)).collect();
                out.push(format!(
                    "{} per row ({}) and in total",
                    c.label,
                    factors.join(" × ")
                ));
            }
            if let Some(l) = &f.low_stock {
                out.push(format!(
                    "Highlight rows with {} below {}",
                    label_of(spec, &l.field),
                    l.below
                ));
            }
        }
        AppKind::Board => {
            out.push(format!("Columns: {}", spec.columns.join(", ")));
            out.push(format!("Add {plural} with {}", field_list(spec)));
            out.push(format!(
                "Move {plural} between columns with buttons or drag and drop, and delete them"
            ));
        }
        AppKind::Calculator => {
            if let Some(c) = &spec.calculator {
                out.push(format!(
                    "Inputs: {}",
                    c.inputs
                        .iter()
                        .map(|i| i.label.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                out.push(format!(
                    "Results update as you type: {}",
                    c.outputs
                        .iter()
                        .map(|o| o.label.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                out.push("Save calculations to a history list".into());
            }
        }
        AppKind::Quiz => {
            if let Some(q) = &spec.quiz {
                out.push(format!(
                    "{} multiple-choice questions about {}",
                    q.questions.len(),
                    q.topic
                ));
                out.push("Score shown at the end with the correct answers".into());
                out.push("Restart the quiz at any time; best score is remembered".into());
            }
        }
        AppKind::Archetype => {
            out.extend(spec.archetype.iter().flat_map(|a| a.features()));
        }
        _ => {
            if let Some(l) = &spec.landing {
                out.push(format!("Hero with a call to action ({})", l.cta));
                for s in &l.sections {
                    out.push(format!("{} section", s.title));
                }
                if l.contact {
                    out.push("Contact form (name, email, message) with validation and a list of sent messages".into());
                }
            }
        }
    }
    let keeps_data = spec.archetype.as_ref().is_none_or(|a| a.keeps_data());
    if spec.accounts() {
        out.push("Sign-in with email and password (Sign up, Sign in, Sign out); each person's records are private to them, kept in the cloud (appgen's data service)".into());
    } else if spec.cloud_collection().is_some() {
        out.push("Data is shared in the cloud (appgen's data service): everyone who opens the app sees the same records, and changes appear live".into());
    } else if spec.kind != AppKind::Landing && keeps_data {
        out.push(if spec.persist {
            "Data is kept after a reload (localStorage)".into()
        } else {
            "Data is kept in memory only".into()
        });
    } else if spec.persist {
        out.push("Sent messages are kept after a reload (localStorage)".into());
    }
    out.push(format!(
        "Colours: background {}, buttons {}",
        spec.theme.background, spec.theme.accent
    ));
    out.extend(
        spec.missing()
            .iter()
            .map(|w| format!("Not built (offline): {w}")),
    );
    out
}

pub fn summary(spec: &AppSpec) -> String {
    let what = match spec.kind {
        AppKind::Landing => format!(
            "A landing page for {} with {}{}",
            spec.title,
            spec.landing
                .as_ref()
                .map(|l| l
                    .sections
                    .iter()
                    .map(|s| s.title.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default(),
            if spec.landing.as_ref().is_some_and(|l| l.contact) {
                " and a contact form"
            } else {
                ""
            }
        ),
        AppKind::Quiz => format!("A quiz: {}", spec.tagline),
        AppKind::Archetype => spec
            .archetype
            .as_ref()
            .map(|a| crate::text::capitalize(&a.describe()))
            .unwrap_or_default(),
        AppKind::Calculator => format!("{}: {}", spec.title, spec.tagline),
        AppKind::Board => format!(
            "A board with columns {} for {}",
            spec.columns.join(", "),
            spec.entity.plural.to_lowercase()
        ),
        _ => {
            let label = spec.kind.label();
            let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "An"
            } else {
                "A"
            };
            format!(
                "{article} {label} of {} ({})",
                spec.entity.plural.to_lowercase(),
                field_list(spec)
            )
        }
    };
    let missing = spec.missing();
    let left_out = if missing.is_empty() {
        String::new()
    } else {
        format!(" Not built: {}.", missing.join("; "))
    };
    format!(
        "{}. Built by the offline generator (rule-based, no AI model).{left_out}",
        what.trim_end_matches('.')
    )
}

/// The accounts a description asks for, as a limitation: what a record app whose data is
/// private per signed-in person builds after all (`AppSpec::missing`).
pub const ACCOUNTS: &str = "user accounts (everything is stored in this browser)";

/// Things a description asks for that a static, offline-generated app cannot do, in words
/// for the user (so the summary never claims them).
pub fn limitations(description: &str) -> Vec<&'static str> {
    let mut lower = description.to_lowercase();
    // Signing up for a newsletter stores an email; it is not an account.
    for p in [
        "newsletter signup",
        "newsletter sign up",
        "email signup",
        "signup with email",
        "sign up with email",
        "sign up for the newsletter",
        "sign up for our newsletter",
    ] {
        lower = lower.replace(p, "newsletter");
    }
    let rules: &[(&[&str], &str)] = &[
        (
            &[
                "ai",
                "a.i",
                "artificial intelligence",
                "intelligent",
                "machine learning",
                "smart suggestions",
                "gpt",
                "chatbot",
                "llm",
            ],
            "AI features (the app has no model to think with)",
        ),
        (
            &[
                "login",
                "log in",
                "sign in",
                "sign up",
                "signup",
                "register",
                "accounts",
                "user account",
                "an account",
                "authentication",
                "password",
                "user registration",
            ],
            ACCOUNTS,
        ),
        (
            &[
                "payment",
                "payments",
                "checkout",
                "pay online",
                "stripe",
                "paypal",
                "credit card",
            ],
            "real payments",
        ),
        (
            &[
                "send email",
                "send emails",
                "email notifications",
                "sms",
                "notify",
                "notifications",
                "newsletter",
            ],
            "sending emails or notifications",
        ),
        (
            &[
                "api",
                "real-time",
                "realtime",
                "live data",
                "live prices",
                "stock prices",
                "weather data",
                "third-party",
            ],
            "live data from other services",
        ),
        (
            &["upload", "uploads", "attachment", "attachments"],
            "file uploads",
        ),
        (
            &[
                "chat",
                "messaging",
                "message each other",
                "multiplayer",
                "other users",
            ],
            "sharing data between users",
        ),
    ];
    rules
        .iter()
        .filter(|(keys, _)| crate::text::has_any(&lower, keys))
        .map(|(_, what)| *what)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::limitations;

    #[test]
    fn what_cannot_be_built_is_named() {
        let l =
            limitations("A meal planner where users log in, upload photos and AI suggests recipes");
        assert!(l.iter().any(|w| w.starts_with("AI features")), "{l:?}");
        assert!(l.iter().any(|w| w.starts_with("user accounts")), "{l:?}");
        assert!(l.contains(&"file uploads"), "{l:?}");
        let l = limitations("A project management tool with intelligent task automation");
        assert!(l.iter().any(|w| w.starts_with("AI features")), "{l:?}");
    }

    #[test]
    fn other_wording_a_newsletter_signup_is_not_an_account() {
        let l = limitations("A landing page with a hero and a newsletter signup with email");
        assert!(!l.iter().any(|w| w.starts_with("user accounts")), "{l:?}");
        assert!(limitations("A savings tracker for my bank account balance").is_empty());
    }
}
