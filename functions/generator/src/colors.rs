//! Colours named in text, and the UI role each is for ("ivory as the background",
//! "forest green for buttons"), plus contrast helpers for the theme.

use crate::lexicon::{ACCENT_WORDS, BACKGROUND_WORDS, COLOR_ALIASES, TEXT_WORDS, THEME_WORDS};
use crate::text::words;
use appgen_core::colors::named_rgb;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Background,
    Accent,
    Text,
}

/// A colour found in text: its CSS value (a named colour or `#rrggbb`) and role, if stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub css: String,
    pub role: Option<Role>,
}

/// Colours named in `text`, in order. A colour word counts only in a clause that says what
/// it colours or talks about a theme (so "chocolate cake" is not a colour), except hex codes.
pub fn find_colors(text: &str) -> Vec<Mention> {
    let mut out = Vec::new();
    for clause in clauses(text) {
        let ws = words(&clause);
        let role = role_of(&ws);
        for css in hex_codes(&clause) {
            out.push(Mention { css, role });
        }
        if role.is_some() {
            out.extend(
                named_colors(&ws)
                    .into_iter()
                    .map(|css| Mention { css, role }),
            );
        } else if let Some(t) = ws.iter().position(|w| THEME_WORDS.contains(&w.as_str())) {
            // Only the words next to "theme" name it ("a snow report tracker with a lime theme").
            let window = &ws[t.saturating_sub(4)..(t + 4).min(ws.len())];
            out.extend(
                named_colors(window)
                    .into_iter()
                    .map(|css| Mention { css, role }),
            );
        }
    }
    out
}

/// The first colour of each role, with unassigned colours filling accent then background.
pub fn assign_roles(mentions: &[Mention]) -> (Option<String>, Option<String>, Option<String>) {
    let pick = |r: Role| {
        mentions
            .iter()
            .find(|m| m.role == Some(r))
            .map(|m| m.css.clone())
    };
    let mut background = pick(Role::Background);
    let mut accent = pick(Role::Accent);
    let text = pick(Role::Text);
    for m in mentions.iter().filter(|m| m.role.is_none()) {
        if accent.is_none() {
            accent = Some(m.css.clone());
        } else if background.is_none() {
            background = Some(m.css.clone());
        }
    }
    (background, accent, text)
}

/// Pieces of a sentence that each say one thing: "Use ivory as the background and forest
/// green for buttons" → two clauses.
fn clauses(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase();
    let mut out: Vec<String> = vec![];
    for sentence in lowered.split(['.', ';', '\n', '!', '?']) {
        // "background: ivory" puts the role and the colour on either side of a colon.
        let mut rest = sentence.replace(':', " ");
        for sep in [",", " and ", " while ", " whereas ", " plus ", " but "] {
            rest = rest.replace(sep, "|");
        }
        out.extend(rest.split('|').map(str::to_owned));
    }
    out
}

fn role_of(ws: &[String]) -> Option<Role> {
    // The background wins over "page"/"layout" style words only when the clause names it.
    let has = |list: &[&str]| ws.iter().any(|w| list.contains(&w.as_str()));
    if ws
        .iter()
        .any(|w| w.starts_with("background") || w == "backdrop" || w == "bg" || w == "canvas")
    {
        return Some(Role::Background);
    }
    if has(TEXT_WORDS) {
        return Some(Role::Text);
    }
    if has(ACCENT_WORDS) {
        return Some(Role::Accent);
    }
    if has(BACKGROUND_WORDS) {
        return Some(Role::Background);
    }
    None
}

fn hex_codes(clause: &str) -> Vec<String> {
    let mut out = vec![];
    let bytes: Vec<char> = clause.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == '#' {
            let hex: String = bytes[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if hex.len() == 6 || hex.len() == 3 {
                out.push(format!("#{}", hex.to_lowercase()));
            }
            i += 1 + hex.len();
        } else {
            i += 1;
        }
    }
    out
}

/// Longest runs of up to four words that spell a CSS colour or a known colour phrase.
fn named_colors(ws: &[String]) -> Vec<String> {
    let mut out = vec![];
    let mut i = 0;
    'outer: while i < ws.len() {
        for len in (1..=4).rev() {
            if i + len > ws.len() {
                continue;
            }
            let spaced = ws[i..i + len].join(" ");
            let joined: String = ws[i..i + len].concat().replace('-', "");
            if let Some((_, css)) = COLOR_ALIASES.iter().find(|(a, _)| *a == spaced) {
                out.push((*css).to_owned());
                i += len;
                continue 'outer;
            }
            if named_rgb(&joined).is_some() {
                out.push(joined);
                i += len;
                continue 'outer;
            }
        }
        i += 1;
    }
    out
}

/// sRGB of a CSS colour value this crate produced (named or hex).
pub fn rgb(css: &str) -> Option<(u8, u8, u8)> {
    let Some(hex) = css.strip_prefix('#') else {
        return named_rgb(css).map(|c| (c.r, c.g, c.b));
    };
    let v = match hex.len() {
        6 => u32::from_str_radix(hex, 16).ok()?,
        3 => {
            let short = u32::from_str_radix(hex, 16).ok()?;
            let (r, g, b) = ((short >> 8) & 0xf, (short >> 4) & 0xf, short & 0xf);
            (r * 17) << 16 | (g * 17) << 8 | (b * 17)
        }
        _ => return None,
    };
    Some(((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

/// WCAG relative luminance.
pub fn luminance(css: &str) -> f64 {
    let Some((r, g, b)) = rgb(css) else {
        return 1.0;
    };
    let ch = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
}

pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

pub fn is_dark(css: &str) -> bool {
    luminance(css) < 0.22
}

/// Near-black or near-white, whichever reads better on `bg`.
pub fn readable_on(bg: &str) -> &'static str {
    if contrast(bg, "#111827") >= contrast(bg, "#ffffff") {
        "#111827"
    } else {
        "#ffffff"
    }
}

/// Whether `css` is a colour value this crate understands.
pub fn is_known(css: &str) -> bool {
    rgb(css).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(text: &str) -> (Option<String>, Option<String>, Option<String>) {
        assign_roles(&find_colors(text))
    }

    #[test]
    fn background_and_buttons_from_one_sentence() {
        let (bg, accent, _) =
            roles("A site. Use ivory as the background and forest green for buttons.");
        assert_eq!(bg.as_deref(), Some("ivory"));
        assert_eq!(accent.as_deref(), Some("forestgreen"));
    }

    #[test]
    fn component_colour_and_multiword_names() {
        let (bg, accent, _) = roles(
            "Set the page background to mint cream; style every component with dark olive green.",
        );
        assert_eq!(bg.as_deref(), Some("mintcream"));
        assert_eq!(accent.as_deref(), Some("darkolivegreen"));
        let (bg, accent, _) = roles(
            "Configure the background color to light goldenrod, with controls using medium violet red.",
        );
        assert_eq!(bg.as_deref(), Some("lightgoldenrodyellow"));
        assert_eq!(accent.as_deref(), Some("mediumvioletred"));
    }

    #[test]
    fn modifiers_fall_back_to_the_colour_word() {
        let (bg, _, _) = roles("Plan my week. Use a dark navy background.");
        assert_eq!(bg.as_deref(), Some("navy"));
        let (bg, accent, text) = roles("background: #1a2b3c; buttons in tomato; white text");
        assert_eq!(bg.as_deref(), Some("#1a2b3c"));
        assert_eq!(accent.as_deref(), Some("tomato"));
        assert_eq!(text.as_deref(), Some("white"));
    }

    #[test]
    fn food_words_are_not_colours() {
        assert!(find_colors("A recipe list with chocolate cake and orange juice").is_empty());
    }

    #[test]
    fn contrast_picks_readable_text() {
        assert_eq!(readable_on("navy"), "#ffffff");
        assert_eq!(readable_on("ivory"), "#111827");
        assert!(is_dark("midnightblue") && !is_dark("lemonchiffon"));
    }
}
