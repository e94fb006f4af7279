//! Apps that are not lists of records, each composed from its own tested component: one
//! module a kind (its grammar, its spec, its words for clarify and the requirements) and one
//! dispatch point, [`detect`]. To add one: a module with `read`, `describe`, `features` and
//! `tagline`, a variant of [`Archetype`], a line in [`detect`] and its component in `assets/`.

pub mod feed;
pub mod flashcards;
pub mod grid_game;
pub mod memory;
pub mod scaler;
pub mod series;
pub mod shop;
pub mod split;
pub mod timer;

use serde::{Deserialize, Serialize};

/// The archetype the description was read as, with what it needs to be built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "archetype", rename_all = "snake_case")]
pub enum Archetype {
    GridGame(grid_game::GridGame),
    Memory(memory::Memory),
    Shop(shop::Shop),
    Timer(timer::Timer),
    Flashcards(flashcards::Flashcards),
    Feed(feed::Feed),
    Scaler(scaler::Scaler),
    Split(split::Split),
    Series(series::Series),
}

/// The one dispatch point: the first archetype whose grammar reads the description. Games
/// come before timers ("a memory game with a timer"), shops before timers.
pub fn detect(text: &str) -> Option<Archetype> {
    let lower = text.to_lowercase();
    grid_game::read(&lower)
        .map(Archetype::GridGame)
        .or_else(|| memory::read(&lower).map(Archetype::Memory))
        .or_else(|| shop::read(text, &lower).map(Archetype::Shop))
        .or_else(|| flashcards::read(&lower).map(Archetype::Flashcards))
        .or_else(|| scaler::read(&lower).map(Archetype::Scaler))
        .or_else(|| split::read(&lower).map(Archetype::Split))
        .or_else(|| series::read(text, &lower).map(Archetype::Series))
        .or_else(|| timer::read(&lower).map(Archetype::Timer))
        .or_else(|| feed::read(text, &lower).map(Archetype::Feed))
}

impl Archetype {
    /// The app in plain words for clarify ("a two-player game on a 3×3 grid").
    pub fn describe(&self) -> String {
        match self {
            Archetype::GridGame(g) => g.describe(),
            Archetype::Memory(m) => m.describe(),
            Archetype::Shop(s) => s.describe(),
            Archetype::Timer(t) => t.describe(),
            Archetype::Flashcards(f) => f.describe(),
            Archetype::Feed(f) => f.describe(),
            Archetype::Scaler(s) => s.describe(),
            Archetype::Split(s) => s.describe(),
            Archetype::Series(s) => s.describe(),
        }
    }

    /// One line per thing the app does, each true of its component.
    pub fn features(&self) -> Vec<String> {
        match self {
            Archetype::GridGame(g) => g.features(),
            Archetype::Memory(m) => m.features(),
            Archetype::Shop(s) => s.features(),
            Archetype::Timer(t) => t.features(),
            Archetype::Flashcards(f) => f.features(),
            Archetype::Feed(f) => f.features(),
            Archetype::Scaler(s) => s.features(),
            Archetype::Split(s) => s.features(),
            Archetype::Series(s) => s.features(),
        }
    }

    pub fn tagline(&self) -> String {
        match self {
            Archetype::GridGame(g) => g.tagline(),
            Archetype::Memory(m) => m.tagline(),
            Archetype::Shop(s) => s.tagline(),
            Archetype::Timer(t) => t.tagline(),
            Archetype::Flashcards(f) => f.tagline(),
            Archetype::Feed(f) => f.tagline(),
            Archetype::Scaler(s) => s.tagline(),
            Archetype::Split(s) => s.tagline(),
            Archetype::Series(s) => s.tagline(),
        }
    }

    /// A follow-up request's clause applied to the app's options ("let people comment", "use
    /// hearts", "add a timer", "keep score", "add 8% tax", "add croissant 3.20"): a sentence
    /// per change, none when the clause is about nothing this archetype has.
    pub fn follow_up(&mut self, clause: &str) -> Vec<String> {
        let lower = clause.to_lowercase().replace('-', " ");
        match self {
            Archetype::Feed(f) => f.follow_up(&lower),
            Archetype::Memory(m) => m.follow_up(&lower),
            Archetype::GridGame(g) => g.follow_up(&lower),
            Archetype::Shop(s) => s.follow_up(clause, &lower),
            Archetype::Timer(_)
            | Archetype::Flashcards(_)
            | Archetype::Scaler(_)
            | Archetype::Split(_) => Vec::new(),
            Archetype::Series(s) => s.follow_up(&lower),
        }
    }

    /// Whether the app keeps something in the browser (the cart, the sessions done).
    pub fn keeps_data(&self) -> bool {
        match self {
            Archetype::Shop(_)
            | Archetype::Flashcards(_)
            | Archetype::Feed(_)
            | Archetype::Scaler(_)
            | Archetype::Split(_)
            | Archetype::Series(_) => true,
            Archetype::Timer(t) => t.mode == timer::TimerMode::Pomodoro,
            Archetype::GridGame(_) | Archetype::Memory(_) => false,
        }
    }

    /// A title when the description names none.
    pub fn title(&self) -> String {
        match self {
            Archetype::GridGame(g) => g.name.clone(),
            Archetype::Memory(m) => format!("{} Memory", crate::text::title_case(&m.theme)),
            Archetype::Shop(s) => format!("Shop with a {}", s.cart),
            Archetype::Timer(t) => match t.mode {
                timer::TimerMode::Stopwatch => "Stopwatch".into(),
                timer::TimerMode::Countdown => "Countdown Timer".into(),
                timer::TimerMode::Pomodoro => "Pomodoro Timer".into(),
            },
            Archetype::Flashcards(_) => "Flashcards".into(),
            Archetype::Feed(_) => "Feed".into(),
            Archetype::Scaler(_) => "Recipe Scaler".into(),
            Archetype::Split(s) => format!("Shared {}s", s.cost),
            Archetype::Series(_) => "Progress Chart".into(),
        }
    }

    /// The component that renders it (its name) and the files it needs under
    /// `src/components`.
    pub fn component(&self) -> (&'static str, Vec<(&'static str, &'static str)>) {
        const FORM: (&str, &str) = (
            "ItemForm.tsx",
            include_str!("../../assets/components/ItemForm.tsx"),
        );
        macro_rules! file {
            ($name:literal) => {
                (
                    concat!($name, ".tsx"),
                    include_str!(concat!("../../assets/components/", $name, ".tsx")),
                )
            };
        }
        match self {
            Archetype::GridGame(_) => ("GridGame", vec![file!("GridGame")]),
            Archetype::Memory(_) => ("Memory", vec![file!("Memory")]),
            Archetype::Shop(_) => ("Shop", vec![file!("Shop")]),
            Archetype::Timer(_) => ("Timer", vec![file!("Timer")]),
            Archetype::Flashcards(_) => ("Flashcards", vec![file!("Flashcards"), FORM]),
            Archetype::Feed(_) => ("Feed", vec![file!("Feed"), FORM]),
            Archetype::Scaler(_) => ("Scaler", vec![file!("Scaler"), FORM]),
            Archetype::Split(_) => ("Split", vec![file!("Split")]),
            Archetype::Series(_) => ("Series", vec![file!("Series"), FORM]),
        }
    }
}

/// Words that turn an option off when they come just before its name in a follow-up ("remove
/// the timer", "no more comments", "get rid of the delivery fee", "turn off replies").
const OFF_BEFORE: &[&str] = &[
    "no", "not", "without", "don't", "dont", "never", "remove", "delete", "drop", "hide",
    "disable", "stop", "off", "rid", "lose", "nor",
];

/// Whether a follow-up names one of `phrases`, and if so whether it turns it on (`true`) or
/// off (`false`): an off word up to four words before the first mention (after any "but"),
/// or "off", "disabled" or "removed" right after it.
pub(crate) fn asked(lower: &str, phrases: &[&str]) -> Option<bool> {
    let ws = crate::text::words(lower);
    let (start, end) = phrases.iter().find_map(|p| {
        let needle = crate::text::words(p);
        (!needle.is_empty())
            .then(|| {
                ws.windows(needle.len())
                    .position(|w| w == needle.as_slice())
                    .map(|at| (at, at + needle.len()))
            })
            .flatten()
    })?;
    let near = &ws[start.saturating_sub(4)..start];
    let near = match near.iter().rposition(|w| w == "but") {
        Some(i) => &near[i + 1..],
        None => near,
    };
    let after = ws.get(end).map(String::as_str);
    let off = near.iter().any(|w| OFF_BEFORE.contains(&w.as_str()))
        || matches!(after, Some("off" | "disabled" | "removed"));
    Some(!off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dispatch_reads_each_kind() {
        let kind = |d: &str| match detect(d) {
            Some(Archetype::GridGame(_)) => "game",
            Some(Archetype::Memory(_)) => "memory",
            Some(Archetype::Shop(_)) => "shop",
            Some(Archetype::Timer(_)) => "timer",
            Some(Archetype::Flashcards(_)) => "flashcards",
            Some(Archetype::Feed(_)) => "feed",
            Some(Archetype::Scaler(_)) => "scaler",
            Some(Archetype::Split(_)) => "split",
            Some(Archetype::Series(_)) => "series",
            None => "none",
        };
        assert_eq!(kind("Connect four for two players"), "game");
        assert_eq!(kind("A memory game with a timer and 12 cards"), "memory");
        assert_eq!(
            kind(
                "Coffee stand: espresso 2.50, latte 3.80; tap to add to the order, total with 8% tax"
            ),
            "shop"
        );
        assert_eq!(kind("A pomodoro timer"), "timer");
        assert_eq!(
            kind("Flashcards with a term and a definition"),
            "flashcards"
        );
        assert_eq!(
            kind("A neighbourhood feed: post a message, like posts"),
            "feed"
        );
        assert_eq!(
            kind("A weight log: date and weight; a line chart of weight over time"),
            "series"
        );
        assert_eq!(kind("A recipe box with ingredients and steps"), "none");
        // A field named "comments" does not make a list of records a feed.
        assert_eq!(
            kind(
                "A feedback form for a coffee shop: name, email, a 1-5 rating and comments. Show all submitted feedback in a table."
            ),
            "none"
        );
    }

    #[test]
    fn a_follow_up_turns_an_option_on_or_off() {
        for (clause, on) in [
            ("let people comment", Some(true)),
            ("remove the comments", Some(false)),
            ("turn comments off", Some(false)),
            ("we don't need comments any more", Some(false)),
            ("get rid of the comments", Some(false)),
            ("no likes but comments please", Some(true)),
            ("make the title bigger", None),
        ] {
            assert_eq!(asked(clause, &["comment", "comments"]), on, "{clause}");
        }
    }

    #[test]
    fn specs_round_trip_through_json() {
        let a = detect("tic tac toe with a scoreboard").expect("game");
        let v = serde_json::to_value(&a).expect("json");
        assert_eq!(v["archetype"], "grid_game");
        assert_eq!(serde_json::from_value::<Archetype>(v).expect("back"), a);
    }
}
