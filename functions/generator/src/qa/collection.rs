//! Scenarios of the collection kinds (a form and a list): add, persist, computed values and
//! totals, filter, search, sort, done state, streaks, overlaps, low stock.

use super::{click, count, expect, fill, hidden_in, number, scenario, select, visible, visible_in};
use crate::spec::{AppSpec, Field, FieldType, Rollup};
use appgen_core::scenario::{Expectation, MAX_LIVE_MS, Scenario, ScenarioStep, Window};

/// Names of the records the scenarios add (distinct, and in alphabetical order).
const NAMES: [&str; 2] = ["Amber", "Cobalt"];
/// The words of the records' other text fields (and e-mail, web addresses).
const OTHER: [&str; 2] = ["Maple", "Willow"];

/// The people the sign-in scenarios sign up as: [email, password].
const PEOPLE: [[&str; 2]; 2] = [
    ["amber@example.com", "amber-secret-1"],
    ["cobalt@example.com", "cobalt-secret-2"],
];

pub(super) fn scenarios(spec: &AppSpec) -> Vec<Scenario> {
    let app = App::new(spec);
    let mut out = vec![app.adds()];
    out.extend(app.persists());
    out.extend(app.sums());
    out.extend(app.filters());
    out.extend(app.sorts());
    out.extend(app.done_and_streak());
    out.extend(app.overlap());
    out.extend(app.low_stock());
    out.extend(app.parents());
    if spec.accounts() {
        // Behind sign-in, every scenario starts as someone who signed up.
        for s in &mut out {
            s.steps.splice(0..0, sign_up(0));
        }
        out.extend(app.private());
    } else if spec.cloud_collection().is_some() {
        out.extend(app.shared());
        if spec.live_updates() {
            out.extend(app.live());
        }
    }
    out
}

fn switch_to(window: Window) -> ScenarioStep {
    ScenarioStep::SwitchTo { window }
}

/// Person `n` signs up on the sign-in screen (components/Account.tsx) and is signed in.
fn sign_up(n: usize) -> Vec<ScenarioStep> {
    enter_as(n, "Sign up")
}

fn enter_as(n: usize, button: &str) -> Vec<ScenarioStep> {
    let [email, password] = PEOPLE[n];
    vec![
        fill("Email", email),
        fill("Password", password),
        click(button),
        visible(&format!("Signed in as {email}")),
    ]
}

struct App<'a> {
    spec: &'a AppSpec,
    singular: String,
    plural: String,
    /// The primary field's value in each record, when it is text a person can look for.
    shown: Option<[String; 2]>,
}

impl<'a> App<'a> {
    fn new(spec: &'a AppSpec) -> App<'a> {
        let primary = spec.field(&spec.primary_key());
        let shown = primary
            .filter(|f| matches!(f.kind, FieldType::Text | FieldType::Longtext))
            .map(|f| [0, 1].map(|n| raw(spec, f, n)));
        App {
            spec,
            singular: spec.entity.singular.to_lowercase(),
            plural: spec.entity.plural.clone(),
            shown,
        }
    }

    /// The steps that add record `n`, with `with` overriding field values by key.
    fn add(&self, n: usize, with: &[(&str, String)]) -> Vec<ScenarioStep> {
        let mut steps: Vec<ScenarioStep> = self
            .spec
            .entity
            .fields
            .iter()
            .map(|f| {
                let value = with
                    .iter()
                    .find(|(k, _)| *k == f.key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| raw(self.spec, f, n));
                enter(f, value)
            })
            .collect();
        steps.push(click(&format!("Add {}", self.singular)));
        steps
    }

    fn adds(&self) -> Scenario {
        let mut steps = self.add(0, &[]);
        if let Some([a, _]) = &self.shown {
            steps.push(visible_in(&self.plural, a));
        }
        steps.push(count(&self.plural, 1));
        let fields = self
            .spec
            .entity
            .fields
            .iter()
            .map(|f| f.label.to_lowercase());
        scenario(
            &format!("adding a {} lists it", self.singular),
            &format!(
                "Add {} with {}",
                self.plural.to_lowercase(),
                fields.collect::<Vec<_>>().join(", ")
            ),
            steps,
        )
    }

    fn persists(&self) -> Option<Scenario> {
        if !self.spec.persist {
            return None;
        }
        let mut steps = self.add(0, &[]);
        steps.push(ScenarioStep::Reload);
        if let Some([a, _]) = &self.shown {
            steps.push(visible_in(&self.plural, a));
        }
        steps.push(count(&self.plural, 1));
        Some(scenario(
            &format!("{} are kept after a reload", self.plural.to_lowercase()),
            "Keep the data after a page reload",
            steps,
        ))
    }

    /// A cloud app's point: a record one person adds is there for the next, who opens the app
    /// in a browser of their own (no storage shared with the first). Only the data API
    /// carries it across: an app that keeps its data in the browser fails here.
    fn shared(&self) -> Option<Scenario> {
        let [a, _] = self.shown.as_ref()?;
        let mut steps = self.add(0, &[]);
        steps.push(visible_in(&self.plural, a));
        steps.push(ScenarioStep::FreshContext);
        steps.push(visible_in(&self.plural, a));
        steps.push(count(&self.plural, 1));
        Some(scenario(
            &format!("{} are shared with everyone", self.plural.to_lowercase()),
            "Data shared between people in the cloud",
            steps,
        ))
    }

    /// Live updates' point: two people have the app open at once; what one adds appears for
    /// the other within 2 s without a reload, and is still there for both after a reload. An
    /// app that only reads the list when it loads fails here, not in [`Self::shared`].
    fn live(&self) -> Option<Scenario> {
        let [a, _] = self.shown.as_ref()?;
        let mut steps = vec![
            ScenarioStep::OpenSecond,
            // The second person's list has loaded (and its change stream is open).
            visible("sees changes live"),
            switch_to(Window::First),
        ];
        steps.extend(self.add(0, &[]));
        steps.push(visible_in(&self.plural, a));
        steps.push(switch_to(Window::Second));
        steps.push(ScenarioStep::ExpectLive {
            expect: Expectation::TextVisible {
                text: a.clone(),
                within: Some(self.plural.clone()),
            },
            within_ms: MAX_LIVE_MS,
        });
        for window in [Window::Second, Window::First] {
            steps.push(switch_to(window));
            steps.push(ScenarioStep::Reload);
            steps.push(visible_in(&self.plural, a));
            steps.push(count(&self.plural, 1));
        }
        Some(scenario(
            &format!(
                "{} appear for another person without a reload",
                self.plural.to_lowercase()
            ),
            "Everyone sees changes live",
            steps,
        ))
    }

    /// A sign-in app's point: what one person adds is theirs. A signs up; B, signed up in a
    /// window of their own kept open, does not see the record A then adds, not even live (2 s
    /// later); B signs out, and A, signing in again in yet another browser, does see it.
    fn private(&self) -> Option<Scenario> {
        let [a, _] = self.shown.as_ref()?;
        let mut steps = sign_up(0);
        steps.push(ScenarioStep::OpenSecond);
        steps.extend(sign_up(1));
        steps.push(switch_to(Window::First));
        steps.extend(self.add(0, &[]));
        steps.push(visible_in(&self.plural, a));
        steps.push(switch_to(Window::Second));
        steps.push(ScenarioStep::Wait { ms: MAX_LIVE_MS });
        steps.push(expect(Expectation::TextHidden {
            text: a.clone(),
            within: None,
        }));
        steps.push(click("Sign out"));
        steps.push(visible("Sign in"));
        steps.push(ScenarioStep::FreshContext);
        steps.extend(enter_as(0, "Sign in"));
        steps.push(visible_in(&self.plural, a));
        Some(scenario(
            &format!(
                "each person sees only their own {}",
                self.plural.to_lowercase()
            ),
            "Private per signed-in person",
            steps,
        ))
    }

    /// Two records, then each total, average, computed total and the count.
    fn sums(&self) -> Vec<Scenario> {
        let f = &self.spec.features;
        let mut expected = Vec::new();
        for (i, key) in f.totals.iter().enumerate() {
            let Some(field) = self.spec.field(key).filter(|x| x.kind.is_numeric()) else {
                continue;
            };
            let name = match (&f.total_name, i) {
                (Some(n), 0) => n.clone(),
                _ => field.label.to_lowercase(),
            };
            let sum = self.values(field).iter().sum::<f64>();
            expected.push((format!("Total {name}"), sum));
        }
        for key in &f.averages {
            if let Some(field) = self.spec.field(key).filter(|x| x.kind.is_numeric()) {
                let v = self.values(field);
                let label = format!("Average {}", field.label.to_lowercase());
                expected.push((label, v.iter().sum::<f64>() / v.len() as f64));
            }
        }
        if let Some(c) = &f.computed {
            let rows = [0, 1].map(|n| self.product(&c.factors, n));
            if let [Some(a), Some(b)] = rows {
                expected.push((format!("Total {}", c.label.to_lowercase()), a + b));
            }
        }
        if f.count {
            expected.push((format!("Total {}", self.plural.to_lowercase()), 2.0));
        }
        if expected.is_empty() {
            return Vec::new();
        }
        let mut steps = self.add(0, &[]);
        steps.extend(self.add(1, &[]));
        let what: Vec<String> = expected.iter().map(|(l, _)| l.to_lowercase()).collect();
        steps.extend(expected.iter().map(|(label, v)| number(label, *v)));
        vec![scenario(
            "two records give the right totals",
            &format!("Show {}", what.join(", ")),
            steps,
        )]
    }

    /// The list shows `shown` and not `gone`.
    fn only(&self, shown: &str, gone: &str) -> [ScenarioStep; 2] {
        [
            hidden_in(&self.plural, gone),
            visible_in(&self.plural, shown),
        ]
    }

    fn values(&self, field: &Field) -> [f64; 2] {
        [0, 1].map(|n| raw(self.spec, field, n).parse().unwrap_or(0.0))
    }

    fn product(&self, factors: &[String], n: usize) -> Option<f64> {
        factors.iter().try_fold(1.0, |acc, k| {
            let f = self.spec.field(k).filter(|f| f.kind.is_numeric())?;
            Some(acc * raw(self.spec, f, n).parse::<f64>().ok()?)
        })
    }

    fn filters(&self) -> Vec<Scenario> {
        let Some([a, b]) = &self.shown else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let filter = self.spec.features.filter.as_ref();
        if let Some(field) = filter.and_then(|k| self.spec.field(k))
            && field.kind == FieldType::Enum
            && field.options.len() >= 2
        {
            let mut steps = self.add(0, &[]);
            steps.extend(self.add(1, &[]));
            steps.push(select(
                &format!("Filter by {}", field.label.to_lowercase()),
                &field.options[1],
            ));
            steps.extend(self.only(b, a));
            out.push(scenario(
                &format!(
                    "filtering by {} shows only matches",
                    field.label.to_lowercase()
                ),
                &format!("Filter by {}", field.label.to_lowercase()),
                steps,
            ));
        }
        if self.spec.features.search.contains(&self.spec.primary_key()) {
            let mut steps = self.add(0, &[]);
            steps.extend(self.add(1, &[]));
            steps.push(fill("Search", b));
            steps.extend(self.only(b, a));
            out.push(scenario(
                "searching finds only matches",
                "Search the list",
                steps,
            ));
        }
        out
    }

    fn sorts(&self) -> Option<Scenario> {
        let [a, b] = self.shown.as_ref()?;
        let primary = self.spec.field(&self.spec.primary_key())?;
        if !self.spec.features.sort {
            return None;
        }
        let mut steps = self.add(0, &[]);
        steps.extend(self.add(1, &[]));
        let order = |texts: [&String; 2]| {
            expect(Expectation::Order {
                texts: texts.iter().map(|t| t.to_string()).collect(),
            })
        };
        steps.push(order([b, a]));
        steps.push(select("Sort by", &format!("{} (ascending)", primary.label)));
        steps.push(order([a, b]));
        steps.push(select(
            "Sort by",
            &format!("{} (descending)", primary.label),
        ));
        steps.push(order([b, a]));
        Some(scenario(
            "the newest comes first and sorting reorders",
            "Sort by any field",
            steps,
        ))
    }

    fn done_and_streak(&self) -> Option<Scenario> {
        let [a, b] = self.shown.as_ref()?;
        let f = &self.spec.features;
        let mut steps = self.add(0, &[]);
        if f.done {
            steps.extend(self.add(1, &[]));
            steps.push(ScenarioStep::Check {
                label: format!("Mark {a} done"),
                checked: true,
            });
            // The last notice names the second record, so "done" is judged by the count.
            let list = &self.plural;
            steps.push(click("Active"));
            steps.extend(self.only(b, a));
            steps.push(count(list, 1));
            steps.extend([click("Done"), visible_in(list, a), count(list, 1)]);
            steps.push(click("All"));
            steps.push(count(list, 2));
            let req = "Mark items done and filter by all / active / done";
            return Some(scenario("ticking one off moves it to done", req, steps));
        }
        if f.streak {
            steps.extend([
                click("Mark done today"),
                visible("1 day"),
                visible("done today"),
            ]);
            let req = "Mark it done for today and show the current streak";
            return Some(scenario("marking done today starts a streak", req, steps));
        }
        None
    }

    fn overlap(&self) -> Option<Scenario> {
        let o = self.spec.features.overlap.as_ref()?;
        let mut steps = self.add(0, &[]);
        let clash = [
            (o.start.as_str(), "09:30".to_owned()),
            (o.end.as_str(), "10:30".to_owned()),
            (
                o.date.as_str(),
                raw(self.spec, self.spec.field(&o.date)?, 0),
            ),
        ];
        let mut with = clash.to_vec();
        if let Some(r) = o.resource.as_deref().and_then(|k| self.spec.field(k)) {
            with.push((r.key.as_str(), raw(self.spec, r, 0)));
        }
        steps.extend(self.add(1, &with));
        steps.extend([visible("already booked"), count(&self.plural, 1)]);
        Some(scenario(
            "an overlapping booking is refused",
            "Refuse bookings that overlap an existing booking",
            steps,
        ))
    }

    fn low_stock(&self) -> Option<Scenario> {
        let low = self.spec.features.low_stock.as_ref()?;
        let field = self.spec.field(&low.field)?;
        let under = (low.below - 1.0).max(0.0);
        let mut steps = self.add(0, &[(field.key.as_str(), fmt_num(under))]);
        steps.push(number("Low stock", 1.0));
        let above = fmt_num(low.below + 1.0);
        steps.extend(self.add(1, &[(field.key.as_str(), above)]));
        steps.push(number("Low stock", 1.0));
        Some(scenario(
            "only rows below the threshold are low stock",
            &format!(
                "Highlight rows with {} below {}",
                field.label.to_lowercase(),
                fmt_num(low.below)
            ),
            steps,
        ))
    }
}

impl App<'_> {
    /// A parent added in its own list shows in the roll-up with nothing yet; a record that
    /// names it then counts towards its figure.
    fn parents(&self) -> Option<Scenario> {
        let parent = crate::rollup::parent_list(self.spec)?;
        let rollup = self.spec.features.group_by.as_ref()?.rollup.as_ref()?;
        let name = "Harbour";
        let (empty, after) = match rollup {
            Rollup::Done { .. } => (
                "0% done (none yet)".to_owned(),
                "0% done (0 of 1)".to_owned(),
            ),
            Rollup::Left { capacity } => {
                let of = self.spec.features.group_by.as_ref()?.of.as_ref();
                let used = of
                    .and_then(|k| self.spec.field(k))
                    .map_or(Some(1.0), |f| raw(self.spec, f, 0).parse::<f64>().ok())?;
                let cap = fmt_num(*capacity);
                (
                    format!("{cap} left of {cap}"),
                    format!("{} left of {cap}", fmt_num(capacity - used)),
                )
            }
        };
        let list = format!("{} list", parent.label);
        let mut steps = vec![
            fill(&format!("{} name", parent.label), name),
            click(&format!("Add {}", parent.label.to_lowercase())),
            visible_in(&list, name),
            visible_in("Summary", name),
            visible_in("Summary", &empty),
        ];
        steps.extend(self.add(0, &[(parent.key.as_str(), name.to_owned())]));
        steps.extend([count(&self.plural, 1), visible_in("Summary", &after)]);
        Some(scenario(
            &format!(
                "a {} added in its list gets its {}",
                parent.label.to_lowercase(),
                self.plural.to_lowercase()
            ),
            &format!(
                "Add a {} of its own, then {} that belong to it",
                parent.label.to_lowercase(),
                self.plural.to_lowercase()
            ),
            steps,
        ))
    }
}

/// The label the form shows for a field (the unit in brackets, except for money).
pub(super) fn label_of(f: &Field) -> String {
    match &f.unit {
        Some(u) if f.kind != FieldType::Money => format!("{} ({u})", f.label),
        _ => f.label.clone(),
    }
}

pub(super) fn enter(f: &Field, value: String) -> ScenarioStep {
    let label = label_of(f);
    match f.kind {
        FieldType::Boolean => ScenarioStep::Check {
            label,
            checked: value == "true",
        },
        FieldType::Enum => select(&label, &value),
        FieldType::Rating => select(&label, &format!("{value} / 5")),
        _ => fill(&label, &value),
    }
}

/// The value record `n` (0 or 1) gives a field: concrete, valid, and different per record.
pub(super) fn raw(spec: &AppSpec, f: &Field, n: usize) -> String {
    let name = NAMES[n % 2];
    // Other fields never spell the record's name, so finding the name proves it is shown.
    let other = OTHER[n % 2];
    let lower = other.to_lowercase();
    let end = spec
        .features
        .overlap
        .as_ref()
        .is_some_and(|o| o.end == f.key);
    let v: &str = match f.kind {
        FieldType::Text if f.key == spec.primary_key() => name,
        FieldType::Longtext if f.key == spec.primary_key() => name,
        FieldType::Text | FieldType::Longtext => {
            return format!("{other} {}", f.label.to_lowercase());
        }
        FieldType::Email => return format!("{lower}@example.com"),
        FieldType::Tel => ["5550101", "5550202"][n % 2],
        FieldType::Url => return format!("https://{lower}.example.com"),
        FieldType::Number => ["3", "8"][n % 2],
        FieldType::Money => ["12.5", "30"][n % 2],
        FieldType::Percent => ["10", "25"][n % 2],
        FieldType::Date => ["2030-03-14", "2030-04-02"][n % 2],
        FieldType::Time if end => ["10:00", "12:00"][n % 2],
        FieldType::Time => ["09:00", "11:00"][n % 2],
        FieldType::Enum => {
            return f
                .options
                .get(n % f.options.len().max(1))
                .cloned()
                .unwrap_or_default();
        }
        FieldType::Rating => ["4", "2"][n % 2],
        FieldType::Boolean => ["true", "false"][n % 2],
    };
    v.to_owned()
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}
