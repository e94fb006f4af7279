//! A chart of one measured number over time: entries of a date and a value (weight, hours of
//! sleep, a balance), kept in date order, drawn as a line or bars, with the figures asked for
//! (lowest, highest, average, change since the first entry). The grammar needs a chart word
//! and a word of time (a date, "over time", "each night", "daily") and no grouping by category,
//! which stays the dashboard's bar chart of totals.

use crate::fields::{extract_fields, field_from_label};
use crate::spec::{Field, FieldType};
use crate::text::{capitalize, has_any};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    /// The date of an entry, the measured value (a number field, with its unit), then an
    /// optional note ("after the holiday").
    pub fields: Vec<Field>,
    /// A line through the entries, else a bar per entry.
    pub line: bool,
    /// The figures shown under the chart, in this order.
    pub stats: Vec<Stat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stat {
    Lowest,
    Highest,
    Average,
    /// The last entry's value minus the first's, in date order.
    Change,
}

/// Words that name each figure. Figures are shown in this order whatever the order asked.
const STAT_WORDS: &[(Stat, &[&str])] = &[
    (
        Stat::Lowest,
        &["lowest", "minimum", "min", "smallest", "worst"],
    ),
    (
        Stat::Highest,
        &["highest", "maximum", "max", "best", "peak", "largest"],
    ),
    (Stat::Average, &["average", "mean", "avg"]),
    (
        Stat::Change,
        &["change", "growth", "difference", "gained", "lost"],
    ),
];

const CHART_WORDS: &[&str] = &[
    "chart",
    "graph",
    "plot",
    "plotted",
    "trend",
    "sparkline",
    "line chart",
    "bar chart",
];
const TIME_WORDS: &[&str] = &[
    "over time",
    "date",
    "dates",
    "each day",
    "each night",
    "each week",
    "every day",
    "per day",
    "daily",
    "nightly",
    "weekly",
    "the nights",
    "the days",
    "since the first",
    "since the start",
    "day by day",
];
/// Grouping words that make a chart one of totals per group, not of values over time.
const GROUP_WORDS: &[&str] = &[
    "per category",
    "by category",
    "per type",
    "by type",
    "breakdown",
    "per month",
    "per person",
];

/// Reads a chart of a value over time, or `None` when the description is not one.
pub fn read(text: &str, lower: &str) -> Option<Series> {
    if !has_any(lower, CHART_WORDS) || !has_any(lower, TIME_WORDS) || has_any(lower, GROUP_WORDS) {
        return None;
    }
    let value = value_field(text)?;
    let mut date = field_from_label("Date", vec![])?;
    date.kind = FieldType::Date;
    date.required = true;
    let named: Vec<Stat> = STAT_WORDS
        .iter()
        .filter(|(_, words)| has_any(lower, words))
        .map(|(s, _)| *s)
        .collect();
    let note = field_from_label("Note", vec![]).map(|mut f| {
        f.kind = FieldType::Text;
        f.required = false;
        f
    });
    Some(Series {
        fields: [Some(date), Some(value), note]
            .into_iter()
            .flatten()
            .collect(),
        line: !has_any(lower, &["bar", "bars", "bar chart", "column chart"]),
        stats: if named.is_empty() {
            STAT_WORDS.iter().map(|(s, _)| *s).collect()
        } else {
            named
        },
    })
}

/// Words before a quantity that say when or which figure, not what is measured.
const NOT_VALUE: &[&str] = &["daily", "nightly", "weekly", "total", "my", "the", "each"];

/// The measured value: the first number the description names, without the figure or time
/// words around it ("Highest balance" → Balance, "Daily step count" → Step count).
fn value_field(text: &str) -> Option<Field> {
    let stat_word = |w: &str| STAT_WORDS.iter().any(|(_, ws)| ws.contains(&w));
    let mut f = extract_fields(text)
        .into_iter()
        .filter(|f| f.kind.is_numeric())
        .min_by_key(|f| {
            f.label
                .split_whitespace()
                .any(|w| stat_word(&w.to_lowercase()))
        })?;
    let kept: Vec<&str> = f
        .label
        .split_whitespace()
        .filter(|w| {
            let w = w.to_lowercase();
            !stat_word(&w) && !NOT_VALUE.contains(&w.as_str())
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    f.label = capitalize(&kept.join(" "));
    f.key = crate::text::ident(&f.label);
    if f.key == "date" {
        return None;
    }
    f.required = true;
    if f.kind == FieldType::Rating {
        f.kind = FieldType::Number;
    }
    Some(f)
}

impl Series {
    /// A follow-up on the chart's kind ("make it a bar chart") or its figures ("add the
    /// average", "remove the lowest").
    pub fn follow_up(&mut self, lower: &str) -> Vec<String> {
        let mut out = vec![];
        for (kind, line) in [("line", true), ("bar", false), ("bars", false)] {
            if super::asked(lower, &[kind]) == Some(true) && self.line != line {
                self.line = line;
                out.push(format!("The chart is now a {kind} chart."));
            }
        }
        for (stat, words) in STAT_WORDS {
            match super::asked(lower, words) {
                Some(true) if !self.stats.contains(stat) => {
                    self.stats.push(*stat);
                    self.stats
                        .sort_by_key(|s| STAT_WORDS.iter().position(|(x, _)| x == s));
                    out.push(format!("Added “{}”.", self.stat_label(*stat)));
                }
                Some(false) if self.stats.contains(stat) => {
                    self.stats.retain(|s| s != stat);
                    out.push(format!("Removed “{}”.", self.stat_label(*stat)));
                }
                _ => {}
            }
        }
        out
    }

    fn value(&self) -> Option<&Field> {
        self.fields.get(1)
    }

    fn value_name(&self) -> String {
        self.value()
            .map_or("value".to_owned(), |f| f.label.to_lowercase())
    }

    /// What a figure is called in the app ("Lowest weight", "Change since the first entry").
    pub fn stat_label(&self, stat: Stat) -> String {
        let v = self.value_name();
        match stat {
            Stat::Lowest => format!("Lowest {v}"),
            Stat::Highest => format!("Highest {v}"),
            Stat::Average => format!("Average {v}"),
            Stat::Change => "Change since the first entry".to_owned(),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "a {} chart of {} over time (entries with a date), with {}",
            if self.line { "line" } else { "bar" },
            self.value_name(),
            self.stats
                .iter()
                .map(|s| self.stat_label(*s).to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    pub fn features(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "Add an entry: the date, the {} and a note",
                self.value_name()
            ),
            "Entries listed in date order, each with a delete button".to_owned(),
            format!(
                "A {} chart of the {} by date",
                if self.line { "line" } else { "bar" },
                self.value_name()
            ),
        ];
        out.extend(self.stats.iter().map(|s| self.stat_label(*s)));
        out
    }

    pub fn tagline(&self) -> String {
        format!("Log your {} and watch how it changes.", self.value_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(d: &str) -> Series {
        read(d, &d.to_lowercase()).unwrap_or_else(|| panic!("series: {d}"))
    }

    fn labels(s: &Series) -> Vec<&str> {
        s.fields.iter().map(|f| f.label.as_str()).collect()
    }

    #[test]
    fn weight_over_time_with_change_and_lowest() {
        let s = series(
            "A weight log: date and weight in kg; show a line chart of weight over time, the change since the first entry, and the lowest weight.",
        );
        assert_eq!(labels(&s), ["Date", "Weight", "Note"]);
        assert_eq!(s.fields[1].unit.as_deref(), Some("kg"));
        assert!(s.line);
        assert_eq!(s.stats, [Stat::Lowest, Stat::Change]);
    }

    #[test]
    fn other_wordings_sleep_bars_and_a_savings_graph() {
        let s = series(
            "Log hours of sleep each night with the date, and draw a bar chart of the nights; show the average and the best night.",
        );
        assert_eq!(labels(&s)[..2], ["Date", "Sleep"]);
        assert!(!s.line);
        assert_eq!(s.stats, [Stat::Highest, Stat::Average]);
        let s = series(
            "Savings tracker: enter the balance on a date, see it as a line graph over time, with the highest balance and total growth since the start.",
        );
        assert_eq!(labels(&s)[..2], ["Date", "Balance"]);
        assert_eq!(s.stats, [Stat::Highest, Stat::Change]);
        let s = series(
            "Track my daily step count and plot it on a chart with the minimum, maximum and average",
        );
        assert_eq!(labels(&s)[..2], ["Date", "Step count"]);
        assert_eq!(s.stats, [Stat::Lowest, Stat::Highest, Stat::Average]);
    }

    #[test]
    fn follow_ups_change_the_chart_and_its_figures() {
        let mut s = series(
            "A weight log: date and weight; a line chart of weight over time with the lowest weight",
        );
        s.follow_up("make it a bar chart");
        assert!(!s.line);
        s.follow_up("also show the change since the first entry and the average");
        assert_eq!(s.stats, [Stat::Lowest, Stat::Average, Stat::Change]);
        s.follow_up("remove the lowest weight");
        assert_eq!(s.stats, [Stat::Average, Stat::Change]);
        assert!(s.follow_up("rename the app").is_empty());
    }

    #[test]
    fn totals_per_category_and_lists_without_a_chart_are_not_one() {
        for d in [
            "Expense tracker: amount, category and date, with a bar chart of spending per category",
            "A weight log with the date and weight in kg",
            "Reading log: book title, pages and the date finished",
        ] {
            assert!(read(d, &d.to_lowercase()).is_none(), "{d}");
        }
    }
}
