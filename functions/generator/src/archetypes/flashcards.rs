//! Flashcards: one card at a time, reveal the back, previous/next, known or still learning,
//! and a form to add cards. The grammar reads the deck's names ("flashcards", "vocabulary
//! cards", "study deck", cards + reveal/flip/study) and what each side holds ("German word and
//! English meaning", "a term and a definition", "the Spanish word … the translation").

use crate::fields::field_from_label;
use crate::spec::{Field, FieldType};
use crate::text::{capitalize, has_any, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flashcards {
    /// The card's two sides, front first; both are form fields.
    pub fields: Vec<Field>,
}

const FRONT: &[&str] = &[
    "word", "term", "question", "front", "phrase", "prompt", "kanji", "verb", "concept",
];
const BACK: &[&str] = &[
    "meaning",
    "translation",
    "definition",
    "answer",
    "back",
    "explanation",
];
const NOT_QUALIFIER: &[&str] = &[
    "a", "an", "the", "each", "every", "its", "their", "new", "and", "with", "see", "shows",
    "show", "to", "of", "reveal", "has", "have", "one", "flip", "tap", "then",
];

/// Reads a deck of flashcards, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<Flashcards> {
    let spaced = lower.replace('-', " ");
    let named = has_any(
        &spaced,
        &[
            "flashcard",
            "flashcards",
            "flash card",
            "flash cards",
            "vocabulary cards",
            "vocab cards",
            "study cards",
            "study deck",
            "revision cards",
            "word cards",
            "index cards",
            "cue cards",
        ],
    );
    let cards = has_any(&spaced, &["card", "cards", "deck"])
        && has_any(
            &spaced,
            &[
                "reveal",
                "flip",
                "show answer",
                "show the answer",
                "study",
                "learn",
                "learning",
                "memorize",
                "memorise",
            ],
        );
    if !(named || cards) || has_any(&spaced, &["quiz", "multiple choice"]) {
        return None;
    }
    let front = side(&spaced, FRONT).unwrap_or_else(|| "Question".to_owned());
    let back = side(&spaced, BACK).unwrap_or_else(|| "Answer".to_owned());
    let mut fields: Vec<Field> = [front, back]
        .iter()
        .filter_map(|l| field_from_label(l, vec![]))
        .collect();
    for f in &mut fields {
        f.kind = FieldType::Text;
        f.required = true;
    }
    if fields.len() < 2 || fields[0].key == fields[1].key {
        return None;
    }
    Some(Flashcards { fields })
}

/// The most specific side word the text uses (`names` in that order), with the word before
/// it when it qualifies it ("German word", "English meaning").
fn side(lower: &str, names: &[&str]) -> Option<String> {
    let ws = words(lower);
    let i = names.iter().find_map(|n| ws.iter().position(|w| w == n))?;
    let qualifier = i.checked_sub(1).map(|j| ws[j].as_str()).filter(|q| {
        !NOT_QUALIFIER.contains(q)
            && q.chars().all(char::is_alphabetic)
            && !FRONT.contains(q)
            && !BACK.contains(q)
    });
    Some(match qualifier {
        Some(q) => format!("{} {}", capitalize(q), ws[i]),
        None => capitalize(&ws[i]),
    })
}

impl Flashcards {
    pub fn describe(&self) -> String {
        format!(
            "flashcards shown one at a time: {} on the front, {} revealed on the back",
            self.fields[0].label.to_lowercase(),
            self.fields[1].label.to_lowercase()
        )
    }

    pub fn features(&self) -> Vec<String> {
        vec![
            format!(
                "Add cards with a form: {} and {}",
                self.fields[0].label, self.fields[1].label
            ),
            "One card at a time; reveal the back, previous and next".to_owned(),
            "Mark a card as known or still learning; counts of each".to_owned(),
        ]
    }

    pub fn tagline(&self) -> String {
        format!(
            "See the {}, guess, then reveal the {}.",
            self.fields[0].label.to_lowercase(),
            self.fields[1].label.to_lowercase()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(f: &Flashcards) -> Vec<&str> {
        f.fields.iter().map(|x| x.label.as_str()).collect()
    }

    #[test]
    fn vocabulary_cards_name_their_sides() {
        let f = read("vocabulary cards for learning german: german word and english meaning; show one card at a time, tap to reveal the meaning").expect("cards");
        assert_eq!(labels(&f), ["German word", "English meaning"]);
    }

    #[test]
    fn other_wording_study_deck_and_flip() {
        let f = read("study deck for anatomy exams: each card has a term and a definition; a show answer button").expect("cards");
        assert_eq!(labels(&f), ["Term", "Definition"]);
        let f = read("flashcards to study spanish: front shows the spanish word, flip to see the translation").expect("cards");
        assert_eq!(labels(&f), ["Spanish word", "Translation"]);
        let f = read("flash cards for my exam").expect("cards");
        assert_eq!(labels(&f), ["Question", "Answer"]);
    }

    #[test]
    fn quizzes_and_boards_are_not_flashcards() {
        assert!(read("a multiple choice quiz with cards").is_none());
        assert!(read("a kanban board where cards have a title and an owner").is_none());
    }
}
