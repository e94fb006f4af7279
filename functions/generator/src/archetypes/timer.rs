//! Timers: a stopwatch (start, stop, laps, the fastest lap, the average), a countdown (a
//! time to set, presets such as "soft (6 min)", a message when time is up) and a pomodoro
//! (work and break phases of the lengths given, a count of sessions). The grammar reads the
//! timer's kind and the durations the description names.

use crate::text::{capitalize, has_any, parse_count, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimerMode {
    Stopwatch,
    Countdown,
    Pomodoro,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    pub label: String,
    pub seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    pub mode: TimerMode,
    /// Countdown presets, or the pomodoro's phases (work first).
    pub presets: Vec<Preset>,
    /// What a lap is called ("Lap", "Split").
    pub lap: String,
}

/// Reads a timer, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<Timer> {
    let spaced = lower.replace('-', " ");
    let mode = if has_any(
        &spaced,
        &["pomodoro", "focus timer", "work and break", "work/break"],
    ) {
        TimerMode::Pomodoro
    } else if has_any(
        &spaced,
        &[
            "stopwatch",
            "stop watch",
            "lap timer",
            "split times",
            "lap times",
        ],
    ) {
        TimerMode::Stopwatch
    } else if has_any(
        &spaced,
        &[
            "countdown",
            "count down",
            "timer",
            "egg timer",
            "kitchen timer",
        ],
    ) {
        TimerMode::Countdown
    } else {
        return None;
    };
    let presets = match mode {
        TimerMode::Pomodoro => pomodoro_phases(&spaced),
        TimerMode::Countdown => countdown_presets(&spaced),
        TimerMode::Stopwatch => vec![],
    };
    Some(Timer {
        mode,
        presets,
        lap: if has_any(&spaced, &["split", "splits"]) {
            "Split"
        } else {
            "Lap"
        }
        .to_owned(),
    })
}

/// Minutes or seconds right after `i` in `ws` ("6 min", "25 minute", "90 seconds").
fn duration_at(ws: &[String], i: usize) -> Option<u32> {
    let n = parse_count(ws.get(i)?)?;
    match ws.get(i + 1).map(String::as_str) {
        Some("min" | "mins" | "minute" | "minutes" | "m") => Some(n * 60),
        Some("sec" | "secs" | "second" | "seconds" | "s") => Some(n),
        Some("hour" | "hours" | "h") => Some(n * 3600),
        _ => None,
    }
}

/// "soft (6 min), medium (8 min)": the word before each duration names it.
fn countdown_presets(lower: &str) -> Vec<Preset> {
    let ws = words(lower);
    let skip = [
        "for", "of", "a", "and", "the", "with", "presets", "preset", "each", "or",
    ];
    let mut out: Vec<Preset> = vec![];
    for i in 0..ws.len() {
        let Some(seconds) = duration_at(&ws, i) else {
            continue;
        };
        let label = ws[..i]
            .iter()
            .rev()
            .take(2)
            .find(|w| !skip.contains(&w.as_str()) && w.chars().all(char::is_alphabetic))
            .map(|w| capitalize(w))
            .unwrap_or_else(|| label_of(seconds));
        if !out.iter().any(|p| p.seconds == seconds) {
            out.push(Preset { label, seconds });
        }
    }
    if out.is_empty() {
        out = [60, 180, 300, 600]
            .iter()
            .map(|s| Preset {
                label: label_of(*s),
                seconds: *s,
            })
            .collect();
    }
    out
}

fn label_of(seconds: u32) -> String {
    if seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// "25 minute work and 5 minute break phases", "work 50 min, break 10 min".
fn pomodoro_phases(lower: &str) -> Vec<Preset> {
    let ws = words(lower);
    let mut work = 25 * 60;
    let mut short = 5 * 60;
    let mut long = None;
    for i in 0..ws.len() {
        let Some(s) = duration_at(&ws, i) else {
            continue;
        };
        // The phase is named right after the duration ("25 minute work"), else before it
        // ("break of 5 minutes").
        let after: Vec<&str> = ws[(i + 2).min(ws.len())..(i + 4).min(ws.len())]
            .iter()
            .map(String::as_str)
            .collect();
        let before: Vec<&str> = ws[i.saturating_sub(3)..i]
            .iter()
            .map(String::as_str)
            .collect();
        let phase = |ws: &[&str]| {
            if ws.contains(&"long") {
                Some(2)
            } else if ws
                .iter()
                .any(|w| ["break", "breaks", "rest", "pause"].contains(w))
            {
                Some(1)
            } else if ws
                .iter()
                .any(|w| ["work", "focus", "study", "session", "sessions"].contains(w))
            {
                Some(0)
            } else {
                None
            }
        };
        match phase(&after).or_else(|| phase(&before)) {
            Some(2) => long = Some(s),
            Some(1) => short = s,
            Some(_) => work = s,
            None => {}
        }
    }
    let mut out = vec![
        Preset {
            label: "Focus".into(),
            seconds: work,
        },
        Preset {
            label: "Break".into(),
            seconds: short,
        },
    ];
    if let Some(s) = long {
        out.push(Preset {
            label: "Long break".into(),
            seconds: s,
        });
    }
    out
}

/// What the end of a countdown or a phase sounds like, as the features say it.
const CHIME: &str = "A soft chime when time is up (made with Web Audio), which can be muted";

impl Timer {
    pub fn describe(&self) -> String {
        match self.mode {
            TimerMode::Stopwatch => format!(
                "a stopwatch with start, stop, {}s and reset",
                self.lap.to_lowercase()
            ),
            TimerMode::Countdown => format!(
                "a countdown timer with presets ({})",
                self.presets
                    .iter()
                    .map(|p| format!("{} {}", p.label, label_of(p.seconds)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TimerMode::Pomodoro => format!(
                "a pomodoro timer: {} focus and {} break phases, counting sessions",
                label_of(self.presets[0].seconds),
                label_of(self.presets.get(1).map_or(300, |p| p.seconds))
            ),
        }
    }

    pub fn features(&self) -> Vec<String> {
        let lap = self.lap.to_lowercase();
        match self.mode {
            TimerMode::Stopwatch => vec![
                "Start, stop and reset; the time shows to the hundredth of a second".into(),
                format!(
                    "Record {lap}s in a list, with the fastest {lap} highlighted and the average {lap}"
                ),
            ],
            TimerMode::Countdown => vec![
                "Set minutes and seconds, or pick a preset".into(),
                "Start, pause and reset; a message when time is up".into(),
                CHIME.into(),
            ],
            TimerMode::Pomodoro => vec![
                format!(
                    "Phases: {}",
                    self.presets
                        .iter()
                        .map(|p| format!("{} {}", p.label, label_of(p.seconds)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "Start, pause, skip to the next phase and reset".into(),
                "Counts completed focus sessions".into(),
                CHIME.into(),
            ],
        }
    }

    pub fn tagline(&self) -> String {
        match self.mode {
            TimerMode::Stopwatch => format!("Start, stop and record {}s.", self.lap.to_lowercase()),
            TimerMode::Countdown => {
                "Set a time, start the countdown and hear when it is done.".into()
            }
            TimerMode::Pomodoro => "Focus, take a break, repeat.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwatch_with_laps() {
        let t = read("a stopwatch with start, stop, lap and reset").expect("timer");
        assert_eq!((t.mode, t.lap.as_str()), (TimerMode::Stopwatch, "Lap"));
        let t = read("running stopwatch for track training: record split times per lap")
            .expect("timer");
        assert_eq!(t.lap, "Split");
    }

    #[test]
    fn countdown_presets_are_named() {
        let t = read("a simple egg timer with presets for soft (6 min), medium (8 min) and hard (10 min) boiled eggs").expect("timer");
        assert_eq!(t.mode, TimerMode::Countdown);
        let got: Vec<(&str, u32)> = t
            .presets
            .iter()
            .map(|p| (p.label.as_str(), p.seconds))
            .collect();
        assert_eq!(got, [("Soft", 360), ("Medium", 480), ("Hard", 600)]);
    }

    #[test]
    fn other_wording_pomodoro_phases() {
        let t = read("pomodoro focus timer with 50 minute work and 10 minute break phases")
            .expect("timer");
        assert_eq!(t.mode, TimerMode::Pomodoro);
        assert_eq!((t.presets[0].seconds, t.presets[1].seconds), (3000, 600));
        assert!(t.describe().contains("50 min focus"));
    }

    #[test]
    fn timesheets_are_not_timers() {
        assert!(read("a timesheet of hours worked per project").is_none());
    }
}
