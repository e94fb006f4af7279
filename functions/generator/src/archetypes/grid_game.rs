//! Two-player games on a grid: tic-tac-toe and its relatives (a cell per move), connect four
//! and its relatives (a disc dropped in a column). The grammar reads the game's name or "two
//! players" + a grid/board, the grid's size ("7 by 6", "10x10", "7-column"), how many in a
//! line win ("four in a row", "five in a line") and the players' names ("red and yellow").

use crate::text::{has_any, parse_count, words};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GridGame {
    pub name: String,
    pub columns: u32,
    pub rows: u32,
    /// How many in a line (row, column or diagonal) win.
    pub win: u32,
    /// Discs fall to the lowest free cell of the clicked column.
    pub gravity: bool,
    pub players: [String; 2],
    /// Wins per player across games.
    pub score: bool,
}

/// A named game: what people call it, its name, columns, rows, how many win, gravity.
type Named = (&'static [&'static str], &'static str, u32, u32, u32, bool);

const NAMED: &[Named] = &[
    (
        &[
            "tic tac toe",
            "tictactoe",
            "noughts and crosses",
            "naughts and crosses",
            "x and o",
            "xs and os",
        ],
        "Tic-tac-toe",
        3,
        3,
        3,
        false,
    ),
    (
        &[
            "connect four",
            "connect 4",
            "four in a row",
            "4 in a row",
            "drop a disc",
            "drop discs",
            "dropping counters",
            "drop counters",
        ],
        "Connect four",
        7,
        6,
        4,
        true,
    ),
    (
        &[
            "gomoku",
            "five in a row",
            "five in a line",
            "5 in a row",
            "renju",
        ],
        "Five in a row",
        15,
        15,
        5,
        false,
    ),
];

/// Reads a two-player grid game, or `None` when the description is not one.
pub fn read(lower: &str) -> Option<GridGame> {
    let spaced = lower.replace('-', " ");
    let named = NAMED.iter().find(|(keys, ..)| has_any(&spaced, keys));
    let two_players = has_any(
        &spaced,
        &[
            "two player",
            "2 player",
            "two players",
            "2 players",
            "two people",
            "for two",
        ],
    );
    let (name, mut columns, mut rows, mut win, mut gravity) = match named {
        Some((_, name, c, r, w, g)) => ((*name).to_owned(), *c, *r, *w, *g),
        None if two_players
            && has_any(&spaced, &["grid", "board"])
            && has_any(&spaced, &["game", "in a row", "in a line"]) =>
        {
            ("Grid game".to_owned(), 3, 3, 3, false)
        }
        None => return None,
    };
    if let Some((c, r)) = grid_size(&spaced) {
        (columns, rows) = (c, r);
    } else if let Some(c) = column_count(&spaced) {
        columns = c;
    }
    if let Some(n) = in_a_row(&spaced) {
        win = n;
    }
    if has_any(
        &spaced,
        &["drop", "dropping", "falls", "fall to the bottom"],
    ) {
        gravity = true;
    }
    win = win.min(columns.max(rows));
    Some(GridGame {
        name,
        columns: columns.clamp(3, 19),
        rows: rows.clamp(3, 19),
        win: win.max(3),
        gravity,
        players: players(&spaced, gravity),
        score: has_any(
            &spaced,
            &[
                "score",
                "scoreboard",
                "tally",
                "wins for each",
                "count wins",
            ],
        ),
    })
}

/// "7 by 6", "10x10", "a 3×3 grid".
fn grid_size(lower: &str) -> Option<(u32, u32)> {
    let ws = words(&lower.replace(['×', '*'], " x "));
    for (i, w) in ws.iter().enumerate() {
        if let Some((a, b)) = w.split_once('x')
            && let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>())
        {
            return Some((a, b));
        }
        if (w == "by" || w == "x")
            && i > 0
            && let (Some(a), Some(b)) = (
                parse_count(&ws[i - 1]),
                ws.get(i + 1).and_then(|x| parse_count(x)),
            )
        {
            return Some((a, b));
        }
    }
    None
}

/// "a 7-column board", "seven columns".
fn column_count(lower: &str) -> Option<u32> {
    let ws = words(lower);
    ws.windows(2)
        .find(|p| p[1] == "column" || p[1] == "columns")
        .and_then(|p| parse_count(&p[0]))
}

/// "four in a row", "five in a line", "line up four", "three in a row".
fn in_a_row(lower: &str) -> Option<u32> {
    let ws = words(lower);
    for (i, w) in ws.iter().enumerate() {
        if w == "in"
            && ws.get(i + 1).is_some_and(|x| x == "a")
            && ws.get(i + 2).is_some_and(|x| x == "row" || x == "line")
            && i > 0
            && let Some(n) = parse_count(&ws[i - 1])
        {
            return Some(n);
        }
        if w == "up"
            && i > 0
            && ws[i - 1] == "line"
            && let Some(n) = ws.get(i + 1).and_then(|x| parse_count(x))
        {
            return Some(n);
        }
    }
    None
}

const PLAYER_PAIRS: &[(&str, &str)] = &[
    ("red", "yellow"),
    ("black", "white"),
    ("red", "blue"),
    ("blue", "red"),
    ("yellow", "red"),
    ("white", "black"),
];

fn players(lower: &str, gravity: bool) -> [String; 2] {
    if let Some((a, b)) = PLAYER_PAIRS.iter().find(|(a, b)| {
        has_any(
            lower,
            &[
                &format!("{a} and {b}"),
                &format!("{a} or {b}"),
                &format!("{a} against {b}"),
                &format!("{a} vs {b}"),
            ],
        )
    }) {
        return [crate::text::capitalize(a), crate::text::capitalize(b)];
    }
    if has_any(lower, &["stone", "stones", "gomoku"]) {
        return ["Black".into(), "White".into()];
    }
    if gravity {
        ["Red".into(), "Yellow".into()]
    } else {
        ["X".into(), "O".into()]
    }
}

impl GridGame {
    /// What the game is, in plain words.
    pub fn describe(&self) -> String {
        format!(
            "a two-player game on a {}×{} grid ({} against {}), {} in a line wins",
            self.columns, self.rows, self.players[0], self.players[1], self.win
        )
    }

    /// A follow-up on the tally of wins ("keep score", "add a scoreboard", "no score").
    pub fn follow_up(&mut self, lower: &str) -> Vec<String> {
        let Some(on) = super::asked(
            lower,
            &[
                "score",
                "scores",
                "scoreboard",
                "tally",
                "count wins",
                "wins",
            ],
        ) else {
            return Vec::new();
        };
        let said = match (on, self.score) {
            (true, true) => "The game already keeps score.",
            (true, false) => "The game now keeps a tally of wins per player and draws.",
            (false, true) => "The game no longer keeps score.",
            (false, false) => "The game keeps no score.",
        };
        self.score = on;
        vec![said.to_owned()]
    }

    pub fn features(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "A {}×{} grid; {} and {} take turns",
                self.columns, self.rows, self.players[0], self.players[1]
            ),
            if self.gravity {
                "Click a column to drop a disc to its lowest free cell".to_owned()
            } else {
                "Click an empty cell to place your mark".to_owned()
            },
            "Shows whose turn it is".to_owned(),
            format!(
                "Announces the winner ({} in a row, column or diagonal) or a draw",
                self.win
            ),
            "New game button".to_owned(),
        ];
        if self.score {
            out.push("Keeps a tally of wins per player and draws".to_owned());
        }
        out
    }

    pub fn tagline(&self) -> String {
        format!(
            "{} against {} — get {} in a line to win.",
            self.players[0], self.players[1], self.win
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tic_tac_toe_in_its_names() {
        for d in [
            "a tic-tac-toe game for two",
            "Make noughts and crosses for two people on one screen",
        ] {
            let g = read(&d.to_lowercase()).expect(d);
            assert_eq!(
                (g.columns, g.rows, g.win, g.gravity),
                (3, 3, 3, false),
                "{d}"
            );
            assert_eq!(g.players, ["X".to_owned(), "O".to_owned()]);
        }
    }

    #[test]
    fn connect_four_reads_size_and_players() {
        let g = read("connect four for two players: a 7 by 6 grid, click a column to drop a disc")
            .expect("game");
        assert_eq!((g.columns, g.rows, g.win, g.gravity), (7, 6, 4, true));
        let g = read(
            "four in a row: red and yellow take turns dropping counters into a 7-column board",
        )
        .expect("game");
        assert_eq!((g.columns, g.win, g.gravity), (7, 4, true));
        assert_eq!(g.players, ["Red".to_owned(), "Yellow".to_owned()]);
    }

    #[test]
    fn other_wording_a_generic_two_player_board() {
        let g = read("a two player game on a 10x10 board where black and white place stones, five in a line wins").expect("game");
        assert_eq!((g.columns, g.rows, g.win), (10, 10, 5));
        assert_eq!(g.players, ["Black".to_owned(), "White".to_owned()]);
        assert!(g.describe().contains("10×10"));
    }

    #[test]
    fn follow_ups_keep_score_or_stop() {
        let mut g = read("a tic-tac-toe game for two").expect("game");
        assert!(!g.score);
        g.follow_up("keep score");
        assert!(g.score);
        g.follow_up("remove the scoreboard");
        assert!(!g.score);
        g.follow_up("count wins for each player");
        assert!(g.score);
        assert!(g.follow_up("make the grid blue").is_empty());
    }

    #[test]
    fn lists_and_boards_are_not_games() {
        assert!(read("a kanban board with to do and done columns").is_none());
        assert!(read("a list of board games i own with the number of players").is_none());
    }
}
