//! Single-player memory (concentration) games: face-down tiles in pairs, flip two at a time,
//! matched pairs stay open, a counter of moves, a message at the end. The grammar reads the
//! game's names ("memory game", "concentration", "matching pairs", "flip two"), how many
//! cards or pairs or the grid ("16 cards", "8 pairs", "4 by 4"), the pictures ("fruit emojis",
//! "animal pictures", "flags") and what the counter is called ("moves", "tries", "flips").

use crate::text::{has_any, parse_count, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// What the pictures are ("fruit").
    pub theme: String,
    pub symbols: Vec<String>,
    /// What one turn of two flips is called ("Moves", "Tries").
    pub counter: String,
    pub timer: bool,
}

const THEMES: &[(&[&str], &str, &[&str])] = &[
    (
        &["fruit", "fruits"],
        "fruit",
        &[
            "🍎", "🍌", "🍇", "🍓", "🍒", "🍍", "🥝", "🍑", "🍉", "🍋", "🥭", "🍐",
        ],
    ),
    (
        &["animal", "animals", "pets", "zoo"],
        "animals",
        &[
            "🐶", "🐱", "🦊", "🐼", "🐸", "🦁", "🐵", "🐧", "🐙", "🐢", "🦉", "🐰",
        ],
    ),
    (
        &["flag", "flags", "countries", "country"],
        "flags",
        &[
            "🇫🇷", "🇯🇵", "🇧🇷", "🇨🇦", "🇩🇪", "🇮🇹", "🇰🇷", "🇲🇽", "🇪🇸", "🇬🇧", "🇮🇳", "🇦🇺",
        ],
    ),
    (
        &["food", "snacks", "sweets", "dessert"],
        "food",
        &[
            "🍕", "🍔", "🌮", "🍩", "🍪", "🧁", "🍣", "🥨", "🍦", "🥐", "🍿", "🥞",
        ],
    ),
    (
        &["space", "planets", "stars"],
        "space",
        &[
            "🚀", "🪐", "🌙", "⭐", "☄️", "🛸", "🌍", "☀️", "👽", "🔭", "🌌", "🛰️",
        ],
    ),
    (
        &["sports", "sport", "balls"],
        "sports",
        &[
            "⚽", "🏀", "🏈", "⚾", "🎾", "🏐", "🏉", "🎱", "🏓", "🏸", "🥊", "⛳",
        ],
    ),
];
const DEFAULT_SYMBOLS: &[&str] = &[
    "🌟", "🎈", "🎲", "🎵", "🌈", "🔥", "🍀", "💎", "🎁", "🚲", "⚓", "🔔",
];

/// Reads a memory game, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<Memory> {
    let spaced = lower.replace('-', " ");
    let named = has_any(
        &spaced,
        &[
            "memory game",
            "memory card",
            "memory cards",
            "concentration game",
            "concentration",
            "matching pairs",
            "match pairs",
            "pairs game",
            "pair matching",
            "matching game",
            "find the pairs",
            "find pairs",
            "memory match",
            "flip two",
            "turn over two",
        ],
    );
    let tiles = has_any(&spaced, &["cards", "tiles", "card", "tile"]);
    if !(named && (tiles || has_any(&spaced, &["game", "pairs"]))) {
        return None;
    }
    let pairs = pair_count(&spaced).unwrap_or(8).clamp(2, 12);
    let (theme, symbols) = THEMES
        .iter()
        .find(|(keys, ..)| has_any(&spaced, keys))
        .map(|(_, name, s)| ((*name).to_owned(), *s))
        .unwrap_or_else(|| ("pictures".to_owned(), DEFAULT_SYMBOLS));
    let counter = ["moves", "tries", "attempts", "flips", "turns", "guesses"]
        .iter()
        .find(|w| has_any(&spaced, &[w]))
        .map(|w| crate::text::capitalize(w))
        .unwrap_or_else(|| "Moves".to_owned());
    Some(Memory {
        theme,
        symbols: symbols
            .iter()
            .take(pairs as usize)
            .map(|s| (*s).to_owned())
            .collect(),
        counter,
        timer: has_any(&spaced, &["timer", "time", "seconds", "clock"]),
    })
}

/// "8 pairs", "16 cards", "12 tiles", "a 4 by 4 grid".
fn pair_count(lower: &str) -> Option<u32> {
    let ws = words(&lower.replace(['×', '*'], " x "));
    for (i, w) in ws.iter().enumerate() {
        let n = || i.checked_sub(1).and_then(|j| parse_count(&ws[j]));
        match w.as_str() {
            "pairs" => {
                if let Some(n) = n() {
                    return Some(n);
                }
            }
            "cards" | "tiles" => {
                if let Some(n) = n() {
                    return Some(n / 2);
                }
            }
            "by" | "x" => {
                if let (Some(a), Some(b)) = (n(), ws.get(i + 1).and_then(|x| parse_count(x))) {
                    return Some(a * b / 2);
                }
            }
            _ => {
                if let Some((a, b)) = w.split_once('x')
                    && let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>())
                {
                    return Some(a * b / 2);
                }
            }
        }
    }
    None
}

impl Memory {
    /// A follow-up on the timer ("add a timer", "time the game", "remove the clock").
    pub fn follow_up(&mut self, lower: &str) -> Vec<String> {
        let Some(on) = super::asked(lower, &["timer", "clock", "stopwatch", "time it", "timed"])
        else {
            return Vec::new();
        };
        let said = match (on, self.timer) {
            (true, true) => "The game already has a timer.",
            (true, false) => "A timer now runs from the first flip until the last pair.",
            (false, true) => "The game no longer has a timer.",
            (false, false) => "The game has no timer.",
        };
        self.timer = on;
        vec![said.to_owned()]
    }

    pub fn describe(&self) -> String {
        format!(
            "a memory game: {} face-down cards ({} pairs of {}), flip two at a time",
            self.symbols.len() * 2,
            self.symbols.len(),
            self.theme
        )
    }

    pub fn features(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "{} face-down cards in {} pairs of {}, shuffled",
                self.symbols.len() * 2,
                self.symbols.len(),
                self.theme
            ),
            "Flip two cards at a time; matched pairs stay open, others turn back".to_owned(),
            "Shuffle the cards: on by default; off, each pair lies side by side (to learn the game)"
                .to_owned(),
            format!("{} counter and pairs found", self.counter),
            "A message when every pair is found, and a play again button".to_owned(),
        ];
        if self.timer {
            out.push("A timer that runs from the first flip until the last pair".to_owned());
        }
        out
    }

    pub fn tagline(&self) -> String {
        "Flip two cards at a time and find every pair.".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cards_pairs_and_theme() {
        let m = read("a memory card game: 16 face-down cards in 8 pairs of fruit emojis; flip two at a time, count the moves").expect("memory");
        assert_eq!(m.symbols.len(), 8);
        assert_eq!(m.theme, "fruit");
        assert_eq!(m.counter, "Moves");
    }

    #[test]
    fn follow_ups_add_and_remove_the_timer() {
        let mut m = read("concentration game with animal pictures: 12 tiles").expect("memory");
        assert!(!m.timer);
        m.follow_up("add a timer");
        assert!(m.timer);
        m.follow_up("take the clock off");
        assert!(!m.timer);
        m.follow_up("i want the game timed");
        assert!(m.timer);
        assert!(m.follow_up("make the cards bigger").is_empty());
    }

    #[test]
    fn other_wording_concentration_with_tiles_and_tries() {
        let m = read("concentration game with animal pictures: 12 tiles face down, turn over two, count the tries").expect("memory");
        assert_eq!(m.symbols.len(), 6);
        assert_eq!(m.theme, "animals");
        assert_eq!(m.counter, "Tries");
        let m = read("build a matching pairs game using country flag emojis, a 4 by 4 grid, a timer and a counter of flips").expect("memory");
        assert_eq!(
            (m.symbols.len(), m.counter.as_str(), m.timer),
            (8, "Flips", true)
        );
    }

    #[test]
    fn memory_words_without_a_game_are_not_one() {
        assert!(read("a journal of happy memories with a date and a note").is_none());
    }
}
