//! `src/index.css`: Tailwind, the theme's CSS variables and the shared stylesheet.

use crate::analysis::{accent_text, dark_background};
use crate::compose::BASE_CSS;
use crate::spec::AppSpec;

pub fn index_css(spec: &AppSpec) -> String {
    let scheme = if dark_background(spec) {
        "dark"
    } else {
        "light"
    };
    format!(
        "@import \"tailwindcss\";\n\n/* Theme: colours are applied exactly as named, through these variables. */\n:root {{\n  --bg: {bg};\n  --text: {text};\n  --accent: {accent};\n  --accent-text: {accent_text};\n  color-scheme: {scheme};\n}}\n\n{BASE_CSS}",
        bg = spec.theme.background,
        text = spec.theme.text,
        accent = spec.theme.accent,
        accent_text = accent_text(spec),
    )
}
