//! Scenarios of the composed archetypes: what a person does with each and what they must then
//! see — a game won, a cart's exact total with its fees, a card revealed and the next one
//! shown, a timer running and done, a post listed first and its count going up, a comment
//! within its post, amounts scaled, a bill split. Words and labels are the ones each component
//! renders.

use super::collection::label_of;
use super::{click, count, fill, hidden_in, number, scenario, visible, visible_in};
use crate::archetypes::Archetype;
use crate::archetypes::feed::Feed;
use crate::archetypes::flashcards::Flashcards;
use crate::archetypes::grid_game::GridGame;
use crate::archetypes::memory::Memory;
use crate::archetypes::scaler::Scaler;
use crate::archetypes::series::{Series, Stat};
use crate::archetypes::shop::Shop;
use crate::archetypes::split::Split;
use crate::archetypes::timer::{Timer, TimerMode};
use crate::spec::{AppSpec, Field, FieldType};
use crate::text::capitalize;
use appgen_core::scenario::{Expectation, Scenario, ScenarioStep};

/// Every scenario of the archetype the spec was read as.
pub(super) fn scenarios(spec: &AppSpec) -> Vec<Scenario> {
    let mut out = made(spec);
    if spec.persist {
        // What a scenario added must still be there after a reload, where the app keeps data.
        out.extend(kept(spec));
    }
    out
}

fn made(spec: &AppSpec) -> Vec<Scenario> {
    match &spec.archetype {
        Some(Archetype::GridGame(g)) => grid_game(g).into_iter().collect(),
        Some(Archetype::Shop(s)) => shop(s, spec.persist),
        Some(Archetype::Flashcards(f)) => flashcards(f).into_iter().collect(),
        Some(Archetype::Timer(t)) => std::iter::once(timer(t)).chain(muted(t)).collect(),
        Some(Archetype::Feed(f)) => feed(f)
            .into_iter()
            .chain(feed_comment(f))
            .chain(feed_comment_deleted(f))
            .collect(),
        Some(Archetype::Scaler(s)) => scaler(s).into_iter().collect(),
        Some(Archetype::Split(s)) => vec![split(s)],
        Some(Archetype::Series(s)) => series(s).into_iter().collect(),
        Some(Archetype::Memory(m)) => memory(m),
        None => Vec::new(),
    }
}

/// The reload versions of the scenarios whose app keeps what they add: the same steps up to
/// the point the data is in, a reload, then the data checked again. The shop's is its own.
fn kept(spec: &AppSpec) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = kept_first(spec).into_iter().collect();
    if let Some(Archetype::Feed(f)) = &spec.archetype {
        let post = commented_post();
        let upto = format!("Add comment to {post}");
        out.extend(
            reloaded(feed_comment(f), &upto, &capitalize(&post), COMMENT).map(|steps| {
                scenario(
                    "a comment is kept after a reload",
                    "Keep the comments after a page reload",
                    steps,
                )
            }),
        );
    }
    out
}

/// The reload version of the first thing each archetype adds.
fn kept_first(spec: &AppSpec) -> Option<Scenario> {
    let (source, upto, list, text) = match &spec.archetype {
        Some(Archetype::Flashcards(f)) => {
            let front = f.fields.first()?;
            let shown = format!("{} {}", NAMES[0], front.label.to_lowercase());
            (flashcards(f), "Add card".to_owned(), "Study", shown)
        }
        Some(Archetype::Feed(f)) => (
            feed(f),
            "Post".to_owned(),
            "Posts, newest first",
            NAMES[0].to_owned(),
        ),
        Some(Archetype::Scaler(s)) => (
            scaler(s),
            "Add ingredient".to_owned(),
            "Scale",
            NAMES[0].to_owned(),
        ),
        Some(Archetype::Series(s)) => (
            series(s),
            "Add entry".to_owned(),
            "Entries",
            "2030-03-14".to_owned(),
        ),
        Some(Archetype::Split(s)) => (
            Some(split(s)),
            format!("Add {}", s.cost.to_lowercase()),
            "Balances",
            format!("{}: is owed", NAMES[0]),
        ),
        _ => return None,
    };
    let steps = reloaded(source, &upto, list, &text)?;
    Some(scenario(
        "what was added is kept after a reload",
        "Keep the data after a page reload",
        steps,
    ))
}

/// `source`'s steps up to and including the first click on `upto` (the one that saves), a
/// reload, then `text` expected in `list`.
fn reloaded(
    source: Option<Scenario>,
    upto: &str,
    list: &str,
    text: &str,
) -> Option<Vec<ScenarioStep>> {
    let source = source?;
    let end = source
        .steps
        .iter()
        .position(|st| matches!(st, ScenarioStep::Click { name, .. } if name == upto))?;
    let mut steps = source.steps[..=end].to_vec();
    steps.extend([ScenarioStep::Reload, visible_in(list, text)]);
    Some(steps)
}

/// The first player fills a line (a row, or a column of dropped discs) while the second
/// plays beside it; the status then names the winner.
fn grid_game(g: &GridGame) -> Option<Scenario> {
    let win = g.win as usize;
    let fits = if g.gravity {
        g.rows >= g.win && g.columns >= 2
    } else {
        g.columns >= g.win && g.rows >= 2
    };
    if !fits || win < 2 {
        return None;
    }
    let cell = |player: usize, i: usize| match (g.gravity, player) {
        (true, p) => format!("Drop in column {}", p + 1),
        (false, p) => format!("Row {}, column {}", p + 1, i + 1),
    };
    let mut steps = Vec::new();
    for i in 0..win {
        steps.push(click(&cell(0, i)));
        if i + 1 < win {
            steps.push(click(&cell(1, i)));
        }
    }
    let [first, second] = &g.players;
    steps.push(visible(&format!("{first} wins!")));
    if g.score {
        steps.push(visible(&format!("{first}: 1 · {second}: 0")));
    }
    Some(scenario(
        &format!("{win} in a row wins the game"),
        &format!("{} in a row wins", g.win),
        steps,
    ))
}

/// With shuffling off the pairs lie side by side in the order of the symbols (cards 1 and 2
/// are the first symbol), so fixed clicks can play: two different cards show, count one move
/// and turn back; a pair found stays open; every pair found ends the game with the moves.
fn memory(m: &Memory) -> Vec<Scenario> {
    let [first, second, ..] = m.symbols.as_slice() else {
        return Vec::new();
    };
    let pairs = m.symbols.len();
    let board = "Memory game";
    let card = |n: usize| click(&format!("Card {n}, face down"));
    let in_order = || {
        vec![ScenarioStep::Check {
            label: "Shuffle the cards".into(),
            checked: false,
        }]
    };
    let mut miss = in_order();
    miss.extend([
        card(1),
        visible_in(board, first),
        card(3),
        visible_in(board, second),
        number(&m.counter, 1.0),
        hidden_in(board, first),
        hidden_in(board, second),
    ]);
    let mut pair = in_order();
    pair.extend([
        card(1),
        card(2),
        visible(&format!("Pairs found: 1 / {pairs}")),
    ]);
    pair.extend([ScenarioStep::Wait { ms: 1500 }, visible_in(board, first)]);
    pair.push(number(&m.counter, 1.0));
    let mut all = in_order();
    all.extend((1..=pairs).flat_map(|p| [card(2 * p - 1), card(2 * p)]));
    let counter = m.counter.to_lowercase();
    all.push(visible(&format!(
        "you found all {pairs} pairs in {pairs} {counter}"
    )));
    vec![
        scenario(
            &format!("two different cards turn back and count one of the {counter}"),
            &format!("Flip two cards at a time and count the {counter}"),
            miss,
        ),
        scenario("a matched pair stays open", "Matched pairs stay open", pair),
        scenario(
            "finding every pair shows the winning message",
            "Show a message when every pair is found",
            all,
        ),
    ]
}

/// Two products in the cart: the exact total with every fee, and kept after a reload.
fn shop(s: &Shop, persist: bool) -> Vec<Scenario> {
    let [a, b] = match s.products.as_slice() {
        [a, b, ..] => [a, b],
        _ => return Vec::new(),
    };
    let cart = s.cart.as_str();
    let add = |name: &str| click(&format!("Add {name} to {cart}"));
    let subtotal = a.price + b.price;
    let fees: f64 = s.fees.iter().map(|f| subtotal * f.percent / 100.0).sum();
    let mut total = vec![add(&a.name), add(&b.name)];
    total.extend([
        number("Subtotal", subtotal),
        number(&format!("{} total", capitalize(cart)), subtotal + fees),
    ]);
    let fee_words: Vec<String> = s.fees.iter().map(|f| f.label.to_lowercase()).collect();
    let mut out = vec![scenario(
        &format!("two products give the exact {cart} total"),
        &format!(
            "Show the {cart} total{}",
            if fee_words.is_empty() {
                String::new()
            } else {
                format!(" with {}", fee_words.join(", "))
            }
        ),
        total,
    )];
    if persist {
        let list = format!("Your {cart}");
        let steps = vec![
            add(&a.name),
            add(&b.name),
            ScenarioStep::Reload,
            count(&list, 2),
        ];
        out.push(scenario(
            &format!("the {cart} is kept after a reload"),
            "Keep the data after a page reload",
            steps,
        ));
    }
    out
}

/// Two cards: reveal shows the back of the shown card, next shows the next card's front
/// with its back hidden again.
fn flashcards(f: &Flashcards) -> Option<Scenario> {
    let [front, back] = match f.fields.as_slice() {
        [a, b, ..] if is_text(a) && is_text(b) => [a, b],
        _ => return None,
    };
    let value = |field: &Field, n: usize| format!("{} {}", NAMES[n], field.label.to_lowercase());
    let mut steps = Vec::new();
    for n in 0..2 {
        steps.extend(f.fields.iter().map(|x| enter(x, &value(x, n))));
        steps.push(click("Add card"));
    }
    let back_word = back.label.to_lowercase();
    steps.extend([
        click("Next"),
        visible_in("Study", &value(front, 0)),
        hidden_in("Study", &value(back, 0)),
        click(&format!("Reveal {back_word}")),
        visible_in("Study", &value(back, 0)),
        click("Next"),
        visible_in("Study", &value(front, 1)),
        hidden_in("Study", &value(back, 1)),
    ]);
    Some(scenario(
        &format!("revealing shows the {back_word} and next shows the next card"),
        &format!("Flip a card to see the {back_word}, then go to the next card"),
        steps,
    ))
}

/// Started, the timer runs; a two-second countdown ends; a stopwatch resets to zero; a
/// finished focus session is counted.
fn timer(t: &Timer) -> Scenario {
    let steps = match t.mode {
        TimerMode::Countdown => vec![
            fill("Minutes", "0"),
            fill("Seconds", "2"),
            visible("00:02"),
            click("Start"),
            visible("Pause"),
            ScenarioStep::Wait { ms: 3000 },
            visible("Time's up!"),
            visible_in(CHIME, "🔔 Chime"),
        ],
        TimerMode::Stopwatch => vec![
            click("Start"),
            visible("Stop"),
            ScenarioStep::Wait { ms: 300 },
            hidden_in("Elapsed time", "00:00.00"),
            click("Stop"),
            click("Reset"),
            visible_in("Elapsed time", "00:00.00"),
        ],
        TimerMode::Pomodoro => vec![
            click("Start"),
            visible("Pause"),
            click("Skip to break"),
            number("Completed sessions", 1.0),
        ],
    };
    let what = match t.mode {
        TimerMode::Countdown => "a countdown runs and ends",
        TimerMode::Stopwatch => "the stopwatch runs and resets",
        TimerMode::Pomodoro => "a finished focus session is counted",
    };
    scenario(what, "Start, stop and reset the timer", steps)
}

/// The status beside a timer that says how the end of a phase was signalled.
const CHIME: &str = "Chime";

/// A muted countdown ends without its chime, and says so.
fn muted(t: &Timer) -> Option<Scenario> {
    if t.mode != TimerMode::Countdown {
        return None;
    }
    let mut steps = vec![ScenarioStep::Check {
        label: "Mute the chime".into(),
        checked: true,
    }];
    steps.extend(timer(t).steps);
    steps.retain(|st| *st != visible_in(CHIME, "🔔 Chime"));
    steps.extend([visible_in(CHIME, "Sound muted"), hidden_in(CHIME, "🔔")]);
    Some(scenario(
        "a muted countdown ends without the chime",
        "Chime softly when time is up, unless muted",
        steps,
    ))
}

/// Two posts: the newest is listed first; a reaction counts up on the post it was given to.
fn feed(f: &Feed) -> Option<Scenario> {
    let mut steps = two_posts(f)?;
    let list = "Posts, newest first";
    steps.push(expect_order(&[NAMES[1], NAMES[0]]));
    steps.push(click(&format!("{} this post (0)", f.reaction)));
    steps.push(visible_in(list, &format!("{} · 1", f.reaction)));
    Some(scenario(
        "a new post is listed first and reactions count",
        &format!(
            "Show posts newest first, each with a {} count",
            f.reaction.to_lowercase()
        ),
        steps,
    ))
}

/// Two posts, by the first and second name, each field filled.
fn two_posts(f: &Feed) -> Option<Vec<ScenarioStep>> {
    let author = f.fields.iter().find(|x| x.kind == FieldType::Text)?;
    let value = |field: &Field, n: usize| match field.kind {
        FieldType::Text | FieldType::Longtext if field.key == author.key => NAMES[n].to_owned(),
        _ => sample(field, n),
    };
    let mut steps = Vec::new();
    for n in 0..2 {
        steps.extend(f.fields.iter().map(|x| enter(x, &value(x, n))));
        steps.push(click("Post"));
    }
    Some(steps)
}

/// What the comment scenarios say, in no post's fields.
const COMMENT: &str = "Lovely to see this";

/// The older of the two posts, the one the scenarios comment on, as its controls name it.
fn commented_post() -> String {
    format!("the post by {}", NAMES[0])
}

/// Two posts; a comment by the second person on the first post shows within that post with
/// its author and count, and not in the other post.
fn feed_comment(f: &Feed) -> Option<Scenario> {
    if !f.comments {
        return None;
    }
    let mut steps = two_posts(f)?;
    let post = commented_post();
    let other = format!("The post by {}", NAMES[1]);
    steps.extend(add_comment(&post, NAMES[1], COMMENT));
    steps.extend([
        visible_in(&capitalize(&post), "1 comment"),
        visible_in(&capitalize(&post), COMMENT),
        visible_in(&format!("Comments on {post}"), NAMES[1]),
        count(&format!("Comments on {post}"), 1),
        hidden_in(&other, COMMENT),
    ]);
    Some(scenario(
        "a comment shows under its post with the count",
        "Comment on a post and see the comments under it, with who wrote them and their count",
        steps,
    ))
}

/// Two comments on a post; deleting one by its button removes it and leaves the other.
fn feed_comment_deleted(f: &Feed) -> Option<Scenario> {
    if !f.comments {
        return None;
    }
    let mut steps = two_posts(f)?;
    let post = commented_post();
    let list = format!("Comments on {post}");
    steps.extend(add_comment(&post, NAMES[1], COMMENT));
    steps.extend(add_comment(&post, NAMES[0], REPLY));
    steps.extend([
        count(&list, 2),
        click(&format!("Delete comment by {}: {COMMENT}", NAMES[1])),
        count(&list, 1),
        hidden_in(&list, COMMENT),
        visible_in(&list, REPLY),
        visible_in(&capitalize(&post), "1 comment"),
    ]);
    Some(scenario(
        "deleting a comment removes only that comment",
        "Delete a comment",
        steps,
    ))
}

/// A reply the comment scenarios add after the first, in no post's fields.
const REPLY: &str = "Thanks, see you there";

/// The steps that comment on `post` as `by`.
fn add_comment(post: &str, by: &str, text: &str) -> [ScenarioStep; 3] {
    [
        fill(&format!("Your name (comment on {post})"), by),
        fill(&format!("Comment on {post}"), text),
        click(&format!("Add comment to {post}")),
    ]
}

/// Three entries added out of date order: each figure asked for is exact over the values in
/// date order (82, 80, 79: the change is -3, not the order they were typed in).
fn series(s: &Series) -> Option<Scenario> {
    let [date, value] = match s.fields.as_slice() {
        [d, v, ..] if d.kind == FieldType::Date && v.kind.is_numeric() => [d, v],
        _ => return None,
    };
    let entries = [
        ("2030-03-14", 80.0),
        ("2030-03-01", 82.0),
        ("2030-03-20", 79.0),
    ];
    let mut steps = Vec::new();
    for (day, v) in entries {
        steps.extend([
            enter(date, day),
            enter(value, &v.to_string()),
            click("Add entry"),
        ]);
    }
    let in_order = [82.0, 80.0, 79.0];
    steps.push(count("Entries", 3));
    for stat in &s.stats {
        let n = match stat {
            Stat::Lowest => 79.0,
            Stat::Highest => 82.0,
            Stat::Average => in_order.iter().sum::<f64>() / 3.0,
            Stat::Change => in_order[2] - in_order[0],
        };
        steps.push(number(&s.stat_label(*stat), n));
    }
    steps.push(click("Delete the entry of 2030-03-20"));
    steps.push(count("Entries", 2));
    if s.stats.contains(&Stat::Change) {
        steps.push(number(&s.stat_label(Stat::Change), -2.0));
    }
    Some(scenario(
        "entries in date order give the exact figures",
        &format!(
            "Chart the {} over time with {}",
            value.label.to_lowercase(),
            s.stats
                .iter()
                .map(|x| s.stat_label(*x).to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        steps,
    ))
}

/// One ingredient of 3: twice the servings shows 6, half shows 1.5.
fn scaler(s: &Scaler) -> Option<Scenario> {
    let [name, amount, unit] = match s.fields.as_slice() {
        [a, b, c, ..] if b.kind.is_numeric() => [a, b, c],
        _ => return None,
    };
    let unit_value = sample(unit, 0);
    let mut steps = vec![
        enter(name, NAMES[0]),
        enter(amount, "3"),
        enter(unit, &unit_value),
        click("Add ingredient"),
    ];
    let yields = s.yields.to_lowercase();
    steps.extend([
        fill(&format!("Original {yields}"), "4"),
        fill(&format!("New {yields}"), "8"),
        visible_in("Scale", &format!("6 {unit_value}")),
        fill(&format!("New {yields}"), "2"),
        visible_in("Scale", &format!("1.5 {unit_value}")),
    ]);
    Some(scenario(
        &format!("changing the {yields} scales each amount"),
        &format!("Scale every amount to a new number of {yields}"),
        steps,
    ))
}

/// Two people, one cost paid by the first: each owes or is owed half.
fn split(s: &Split) -> Scenario {
    let person = s.person.to_lowercase();
    let cost = s.cost.to_lowercase();
    let mut steps = Vec::new();
    for name in NAMES {
        steps.push(fill(&format!("{} name", s.person), name));
        steps.push(click(&format!("Add {person}")));
    }
    steps.extend([
        fill("What it was", "Dinner"),
        fill("Paid by", NAMES[0]),
        fill("Amount", "30"),
        click(&format!("Add {cost}")),
        visible_in("Balances", &format!("{}: is owed", NAMES[0])),
        visible_in("Balances", &format!("{}: owes", NAMES[1])),
        number(NAMES[0], 15.0),
        number(NAMES[1], 15.0),
    ]);
    scenario(
        &format!("a {cost} paid by one is split equally"),
        "Split costs equally and show who owes what",
        steps,
    )
}

// ------------------------------------------------------------------ helpers

const NAMES: [&str; 2] = ["Amber", "Cobalt"];

fn is_text(f: &Field) -> bool {
    matches!(f.kind, FieldType::Text | FieldType::Longtext)
}

/// A concrete value for a field of record `n`.
fn sample(f: &Field, n: usize) -> String {
    match f.kind {
        FieldType::Enum => f
            .options
            .get(n % f.options.len().max(1))
            .cloned()
            .unwrap_or_default(),
        FieldType::Number | FieldType::Money | FieldType::Percent => ["3", "8"][n % 2].to_owned(),
        FieldType::Rating => ["4", "2"][n % 2].to_owned(),
        FieldType::Date => ["2030-03-14", "2030-04-02"][n % 2].to_owned(),
        // Not the record's name: finding the name must mean the name is shown.
        _ => format!("{} {}", ["Maple", "Willow"][n % 2], f.label.to_lowercase()),
    }
}

fn enter(f: &Field, value: &str) -> ScenarioStep {
    let label = label_of(f);
    match f.kind {
        FieldType::Enum => super::select(&label, value),
        FieldType::Rating => super::select(&label, &format!("{value} / 5")),
        FieldType::Boolean => ScenarioStep::Check {
            label,
            checked: value == "true",
        },
        _ => fill(&label, value),
    }
}

fn expect_order(texts: &[&str]) -> ScenarioStep {
    super::expect(Expectation::Order {
        texts: texts.iter().map(|t| (*t).to_owned()).collect(),
    })
}
