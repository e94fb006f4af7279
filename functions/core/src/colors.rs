//! The CSS named colours (CSS Color 4). One table, `data/named-colors.json`, is the data of every
//! part that knows colour names: the generator, the eval judge, and the browser check script
//! (the builder writes the same JSON beside `check.mjs`). Parsing colours out of prose is not
//! here: the generator and the judge each have their own reader, so one can judge the other.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The table as JSON, `{"aliceblue": "#f0f8ff", …}`, names in alphabetical order.
pub const NAMED_COLORS_JSON: &str = include_str!("../data/named-colors.json");

/// A colour in sRGB, 8 bits a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    /// `#rrggbb` (the `#` optional), case-insensitive.
    pub fn from_hex6(hex: &str) -> Option<Rgb> {
        let h = hex.strip_prefix('#').unwrap_or(hex);
        if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok()?;
        Some(Rgb {
            r: (v >> 16) as u8,
            g: (v >> 8) as u8,
            b: v as u8,
        })
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

static TABLE: LazyLock<Vec<(String, Rgb)>> = LazyLock::new(|| {
    // The file is part of this crate and checked by the tests below.
    parse_table(NAMED_COLORS_JSON).expect("data/named-colors.json is a name -> #rrggbb object")
});

fn parse_table(json: &str) -> Result<Vec<(String, Rgb)>, String> {
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_str(json).map_err(|e| e.to_string())?;
    map.into_iter()
        .map(|(name, hex)| match Rgb::from_hex6(&hex) {
            Some(rgb) if hex.starts_with('#') => Ok((name, rgb)),
            _ => Err(format!("{name}: {hex:?} is not #rrggbb")),
        })
        .collect()
}

/// Every named colour, in alphabetical order.
pub fn named_colors() -> &'static [(String, Rgb)] {
    &TABLE
}

/// The sRGB of a CSS colour name, written as CSS writes it (`forestgreen`).
pub fn named_rgb(name: &str) -> Option<Rgb> {
    let table = named_colors();
    table
        .binary_search_by(|(n, _)| n.as_str().cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// A colour a check names: a CSS named colour or `#rrggbb`, kept in its canonical spelling
/// (`"Forest Green"` → `forestgreen`, `#2E8B57` → `#2e8b57`).
#[cfg_attr(test, derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ColorName(String);

impl ColorName {
    pub fn parse(text: &str) -> Option<ColorName> {
        let key: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if named_rgb(&key).is_some() {
            return Some(ColorName(key));
        }
        Rgb::from_hex6(&key).map(|rgb| ColorName(rgb.hex()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn rgb(&self) -> Rgb {
        named_rgb(&self.0)
            .or_else(|| Rgb::from_hex6(&self.0))
            .unwrap_or(Rgb { r: 0, g: 0, b: 0 })
    }
}

impl TryFrom<String> for ColorName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ColorName::parse(&s).ok_or_else(|| {
            format!("{s:?} is neither a CSS named colour (e.g. \"forestgreen\") nor #rrggbb")
        })
    }
}

impl From<ColorName> for String {
    fn from(c: ColorName) -> String {
        c.0
    }
}

impl std::fmt::Display for ColorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_148_css_colours_in_order() {
        let t = named_colors();
        assert_eq!(t.len(), 148);
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            t.iter()
                .all(|(n, _)| n.bytes().all(|b| b.is_ascii_lowercase()))
        );
        assert_eq!(
            named_rgb("rebeccapurple").map(Rgb::hex).as_deref(),
            Some("#663399")
        );
        assert_eq!(
            named_rgb("forestgreen"),
            Some(Rgb {
                r: 0x22,
                g: 0x8b,
                b: 0x22
            })
        );
        assert_eq!(named_rgb("Forest Green"), None);
        assert_eq!(named_rgb("chartreusey"), None);
    }

    #[test]
    fn a_bad_table_is_refused() {
        assert!(parse_table(r#"{"red": "ff0000"}"#).is_err());
        assert!(parse_table(r##"{"red": "#ff00"}"##).is_err());
        assert!(parse_table(r#"["red"]"#).is_err());
        assert_eq!(
            parse_table(r##"{"red": "#FF0000"}"##).map(|t| t.len()),
            Ok(1)
        );
    }

    #[test]
    fn colour_names_are_canonical_or_refused() {
        let c = |s: &str| ColorName::parse(s).map(|c| c.as_str().to_owned());
        assert_eq!(c("Forest Green").as_deref(), Some("forestgreen"));
        assert_eq!(
            c("light_goldenrod-yellow").as_deref(),
            Some("lightgoldenrodyellow")
        );
        assert_eq!(c("#2E8B57").as_deref(), Some("#2e8b57"));
        assert_eq!(c("2e8b57").as_deref(), Some("#2e8b57"));
        assert_eq!(c("#fff"), None);
        assert_eq!(c("blurple"), None);
        assert_eq!(
            ColorName::parse("navy").map(|c| c.rgb()),
            Some(Rgb {
                r: 0,
                g: 0,
                b: 0x80
            })
        );
        let err = serde_json::from_str::<ColorName>("\"blurple\"").expect_err("unknown");
        assert!(err.to_string().contains("\"blurple\""), "{err}");
        assert_eq!(
            serde_json::to_string(&ColorName::parse("Navy")).expect("json"),
            "\"navy\""
        );
    }
}
