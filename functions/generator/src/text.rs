//! Small text utilities: words, cases, identifiers, plurals, number words.

use crate::lexicon::{IRREGULAR_PLURALS, NUMBER_WORDS_EN, UNCOUNTABLE};

/// Lower-case words of `s` (letters, digits, `-`, `'`, `%`).
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '%'))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(|c| c == '-' || c == '\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

pub fn has_word(s: &str, word: &str) -> bool {
    words(s).iter().any(|w| w == word)
}

/// True when `phrase` (space-separated words) occurs in `s` as whole words.
pub fn has_phrase(s: &str, phrase: &str) -> bool {
    let hay = words(s);
    let needle = words(phrase);
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_slice())
}

pub fn has_any(s: &str, list: &[&str]) -> bool {
    list.iter().any(|p| has_phrase(s, p))
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

const SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "by", "at",
];

pub fn title_case(s: &str) -> String {
    s.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && SMALL_WORDS.contains(&w.to_lowercase().as_str()) {
                w.to_lowercase()
            } else if w.chars().any(|c| c.is_uppercase()) {
                w.to_owned()
            } else {
                capitalize(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A camelCase identifier safe in TypeScript, never empty and never starting with a digit.
pub fn ident(label: &str) -> String {
    let mut out = String::new();
    for (i, w) in label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let lw = w.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lw);
        } else {
            out.push_str(&capitalize(&lw));
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "field");
    }
    out
}

/// A lower-case, dash-separated slug.
pub fn slug(s: &str) -> String {
    let parts: Vec<String> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if parts.is_empty() {
        "app".to_owned()
    } else {
        parts.join("-")
    }
}

pub fn plural(word: &str) -> String {
    let lower = word.to_lowercase();
    let last = lower
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned();
    if UNCOUNTABLE.contains(&last.as_str()) {
        return word.to_owned();
    }
    if let Some((_, p)) = IRREGULAR_PLURALS.iter().find(|(s, _)| *s == last) {
        return format!("{}{}", &word[..word.len() - last.len()], p);
    }
    if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        if lower.ends_with("ss")
            || lower.ends_with('x')
            || lower.ends_with("ch")
            || lower.ends_with("sh")
        {
            return format!("{word}es");
        }
        return word.to_owned();
    }
    if lower.ends_with('y')
        && !lower.ends_with("ay")
        && !lower.ends_with("ey")
        && !lower.ends_with("oy")
        && !lower.ends_with("uy")
    {
        return format!("{}ies", &word[..word.len() - 1]);
    }
    format!("{word}s")
}

pub fn singular(word: &str) -> String {
    let lower = word.to_lowercase();
    if UNCOUNTABLE.contains(&lower.as_str()) {
        return word.to_owned();
    }
    if let Some((s, _)) = IRREGULAR_PLURALS.iter().find(|(_, p)| *p == lower) {
        return (*s).to_owned();
    }
    if lower.ends_with("ies") && lower.len() > 4 {
        return format!("{}y", &word[..word.len() - 3]);
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if lower.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && !lower.ends_with("is")
        && lower.len() > 3
    {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// A number written as digits or as an English word.
pub fn parse_count(word: &str) -> Option<u32> {
    let w = word
        .trim_end_matches("-question")
        .trim_end_matches("-questions");
    if let Ok(n) = w.parse::<u32>() {
        return Some(n);
    }
    NUMBER_WORDS_EN
        .iter()
        .find(|(s, _)| *s == w)
        .map(|(_, n)| *n)
}

/// Splits a description into sentences (keeps decimals like 1.5 intact).
pub fn sentences(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let is_end = matches!(c, '!' | '?' | ';' | '\n') || (c == '.' && next.is_whitespace());
        if is_end {
            if !cur.trim().is_empty() {
                out.push(cur.trim().to_owned());
            }
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    let tail = cur.trim().trim_end_matches('.').trim();
    if !tail.is_empty() {
        out.push(tail.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_singulars() {
        assert_eq!(plural("recipe"), "recipes");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("feedback"), "feedback");
        assert_eq!(plural("person"), "people");
        assert_eq!(singular("tasks"), "task");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("status"), "status");
    }

    #[test]
    fn identifiers_are_safe() {
        assert_eq!(ident("Unit price"), "unitPrice");
        assert_eq!(ident("1-5 rating"), "field15Rating");
        assert_eq!(ident("?!"), "field");
        assert_eq!(slug("Lotus Flow!"), "lotus-flow");
    }

    #[test]
    fn sentences_keep_decimals() {
        let s = sentences("Price is 1.5 dollars. Next one! Last");
        assert_eq!(s, vec!["Price is 1.5 dollars", "Next one", "Last"]);
    }
}
