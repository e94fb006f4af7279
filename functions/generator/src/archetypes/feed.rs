//! A feed: people post with their name and a message, newest first, with a reaction button
//! and its count (likes, hearts, upvotes, kudos). The grammar reads the feed's names (feed,
//! wall, microblog, timeline, social media) with posts and a reaction or an order, the
//! fields a post has, what the reaction is called, and whether people comment on posts.

use crate::fields::{extract_fields, field_from_label};
use crate::spec::{Field, FieldType};
use crate::text::{has_any, has_phrase};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    /// A post's fields; the first text field is its author, the longest its message.
    pub fields: Vec<Field>,
    /// What a reaction is called ("Like", "Heart", "Upvote").
    pub reaction: String,
    /// Icon shown on the reaction button.
    pub icon: String,
    /// Each post has a comment box and its comments, newest last ("people can comment").
    #[serde(default)]
    pub comments: bool,
}

const REACTIONS: &[(&[&str], &str, &str)] = &[
    (&["heart", "hearts", "love"], "Heart", "❤"),
    (&["upvote", "upvotes", "vote", "votes"], "Upvote", "▲"),
    (&["kudos", "applause", "clap", "claps"], "Clap", "👏"),
    (&["like", "likes", "thumbs up"], "Like", "👍"),
];

/// Words that describe the feed's behaviour, never a field of a post.
const NOT_FIELDS: &[&str] = &[
    "heart", "like", "upvote", "vote", "newest", "latest", "oldest", "count", "first", "top",
    "button", "kudos", "clap", "comment", "number",
];

/// Reads a feed, or `None` when the description is not one.
pub fn read(text: &str, lower: &str) -> Option<Feed> {
    let spaced = lower.replace('-', " ");
    let named = has_any(
        &spaced,
        &[
            "feed",
            "wall",
            "microblog",
            "timeline",
            "social media",
            "social network",
            "message board",
            "guestbook",
            "guest book",
        ],
    );
    let posts = has_any(&spaced, &["post", "posts", "share", "shares", "posting"]);
    let reaction = REACTIONS.iter().find(|(keys, ..)| has_any(&spaced, keys));
    let ordered = has_any(
        &spaced,
        &[
            "newest first",
            "latest first",
            "latest posts",
            "newest on top",
            "on top",
        ],
    );
    // A social network is a feed by itself; a "wall" or "feed" needs posts or reactions.
    let social = has_any(
        &spaced,
        &[
            "social media",
            "social network",
            "microblog",
            "twitter",
            "instagram",
        ],
    );
    if !(social || named && (posts || reaction.is_some()) || posts && reaction.is_some() && ordered)
    {
        return None;
    }
    let (_, reaction, icon) = reaction.copied().unwrap_or((&[], "Like", "👍"));
    Some(Feed {
        fields: post_fields(text, lower),
        reaction: reaction.to_owned(),
        icon: icon.to_owned(),
        comments: asks_for_comments(&spaced),
    })
}

/// Words that ask for comments on posts. A lone "a comment" is not among them: in a list of
/// a post's fields it names the post's text ("each post has a name and a comment").
const COMMENT_WORDS: &[&str] = &[
    "comments",
    "commenting",
    "commented",
    "comment on",
    "comment under",
    "comment box",
    "comment section",
    "comment thread",
    "comment field",
    "leave a comment",
    "add a comment",
    "write a comment",
    "post a comment",
    "can comment",
    "to comment",
    "and comment",
    "or comment",
    "reply",
    "replies",
    "replying",
    "respond to",
];

/// Words that, just before a comment word in the same clause, turn it down ("no comments",
/// "without replies", "don't need comments").
const NEGATIONS: &[&str] = &[
    "no", "without", "not", "don't", "dont", "never", "nor", "disable", "disabled",
];

/// Whether the description asks for comments: a comment word that no negation before it in
/// its clause (or "off"/"disabled" right after it) turns down.
fn asks_for_comments(lower: &str) -> bool {
    lower
        .split(['.', ',', ';', ':', '!', '?', '(', ')', '\n'])
        .any(|clause| {
            let ws = crate::text::words(clause);
            COMMENT_WORDS.iter().any(|phrase| {
                let needle = crate::text::words(phrase);
                ws.windows(needle.len())
                    .enumerate()
                    .filter(|(_, w)| *w == needle.as_slice())
                    .any(|(at, _)| !turned_down(&ws, at, at + needle.len()))
            })
        })
}

/// A negation up to three words before the match and after any "but" ("no likes but
/// comments"), or "off"/"disabled" right after it ("comments off").
fn turned_down(ws: &[String], start: usize, end: usize) -> bool {
    let near = &ws[start.saturating_sub(3)..start];
    let near = match near.iter().rposition(|w| w == "but") {
        Some(i) => &near[i + 1..],
        None => near,
    };
    let after = ws.get(end).map(String::as_str);
    near.iter().any(|w| NEGATIONS.contains(&w.as_str()))
        || matches!(after, Some("off" | "disabled"))
}

fn post_fields(text: &str, lower: &str) -> Vec<Field> {
    let mut fields: Vec<Field> = extract_fields(text)
        .into_iter()
        .filter(|f| {
            !f.label
                .to_lowercase()
                .split_whitespace()
                .any(|w| NOT_FIELDS.contains(&w.trim_end_matches('s')))
        })
        .filter(|f| {
            matches!(
                f.kind,
                FieldType::Text | FieldType::Longtext | FieldType::Enum | FieldType::Date
            )
        })
        .collect();
    // "who it is for" names the recipient, which "Who" alone does not say.
    if has_any(lower, &["who it is for", "who it's for", "who its for"]) {
        for f in fields.iter_mut().filter(|f| f.key == "who") {
            f.label = "For (who it is for)".to_owned();
        }
    }
    let has_author = fields.iter().any(|f| f.kind == FieldType::Text);
    if !has_author && let Some(f) = field_from_label("Author", vec![]) {
        fields.insert(0, f);
    }
    if !fields.iter().any(|f| f.kind == FieldType::Longtext) {
        let label = if has_phrase(lower, "message") {
            "Message"
        } else {
            "Post"
        };
        if let Some(mut f) = field_from_label(label, vec![]) {
            f.kind = FieldType::Longtext;
            fields.push(f);
        }
    }
    for f in fields
        .iter_mut()
        .filter(|f| matches!(f.kind, FieldType::Text | FieldType::Longtext))
    {
        f.required = true;
    }
    fields.truncate(5);
    fields
}

/// A follow-up's words for comments (any form: "let people comment", "allow replies").
const COMMENT_MENTIONS: &[&str] = &[
    "comment",
    "comments",
    "commenting",
    "reply",
    "replies",
    "replying",
    "respond",
];

/// Reaction words too common to name a reaction on their own in a follow-up ("make it look
/// like…", "I love it").
const AMBIGUOUS_REACTIONS: &[&str] = &["like", "love", "vote"];

impl Feed {
    /// A follow-up on comments or on what the reaction is called.
    pub fn follow_up(&mut self, lower: &str) -> Vec<String> {
        let mut out = vec![];
        if let Some(on) = super::asked(lower, COMMENT_MENTIONS) {
            out.push(
                match (on, self.comments) {
                    (true, true) => "Posts already have comments.",
                    (true, false) => "People can now comment under each post.",
                    (false, true) => "Posts no longer have comments.",
                    (false, false) => "Posts have no comments.",
                }
                .to_owned(),
            );
            self.comments = on;
        }
        let named: Vec<_> = REACTIONS
            .iter()
            .filter_map(|r @ (keys, ..)| {
                let clear: Vec<&str> = keys
                    .iter()
                    .copied()
                    .filter(|k| !AMBIGUOUS_REACTIONS.contains(k))
                    .chain(
                        ["like button", "like buttons"]
                            .into_iter()
                            .filter(|_| r.1 == "Like"),
                    )
                    .collect();
                super::asked(lower, &clear).map(|on| (r, on))
            })
            .collect();
        if named.iter().any(|(_, on)| !on) && !named.iter().any(|(_, on)| *on) {
            out.push(format!(
                "A post keeps its {} button; I can change what it is (likes, hearts, upvotes or claps).",
                self.reaction.to_lowercase()
            ));
        } else if let Some(((_, name, icon), _)) = named
            .iter()
            .find(|((_, name, _), on)| *on && *name != self.reaction)
        {
            self.reaction = (*name).to_owned();
            self.icon = (*icon).to_owned();
            out.push(format!(
                "Each post now has a {} button with its count.",
                name.to_lowercase()
            ));
        } else if !named.is_empty() {
            out.push(format!(
                "Each post already has a {} button.",
                self.reaction.to_lowercase()
            ));
        }
        out
    }

    pub fn describe(&self) -> String {
        format!(
            "a feed of posts ({}), newest first, with a {} button and count{}",
            self.fields
                .iter()
                .map(|f| f.label.to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
            self.reaction.to_lowercase(),
            if self.comments {
                " and comments under each post"
            } else {
                ""
            }
        )
    }

    pub fn features(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "Post with a form: {}",
                self.fields
                    .iter()
                    .map(|f| f.label.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "Posts shown newest first with when they were posted".to_owned(),
            format!(
                "A {} button on each post with its count",
                self.reaction.to_lowercase()
            ),
            "Delete a post".to_owned(),
        ];
        if self.comments {
            out.push(
                "Comment on a post with your name: its comments listed under it, newest last, with who wrote them and their count"
                    .to_owned(),
            );
            out.push("Delete a comment".to_owned());
        }
        out
    }

    pub fn tagline(&self) -> String {
        "Share a post; the newest are on top.".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(f: &Feed) -> Vec<&str> {
        f.fields.iter().map(|x| x.label.as_str()).collect()
    }

    #[test]
    fn kudos_wall_with_hearts() {
        let d = "A team kudos wall: anyone posts a thank-you with their name, who it is for and a message; posts show newest first with a heart button and heart count.";
        let f = read(d, &d.to_lowercase()).expect("feed");
        assert_eq!(labels(&f), ["Name", "For (who it is for)", "Message"]);
        assert_eq!(f.reaction, "Heart");
    }

    #[test]
    fn other_wording_microblog_with_upvotes() {
        let d = "Microblog for our book club: members share a short post with author and text, newest first, upvote posts and show the number of upvotes.";
        let f = read(d, &d.to_lowercase()).expect("feed");
        assert_eq!(labels(&f), ["Author", "Text"]);
        assert_eq!(f.reaction, "Upvote");
        let d = "Build a social media app for pet owners to share photos and stories";
        let f = read(d, &d.to_lowercase()).expect("feed");
        assert_eq!(labels(&f).last(), Some(&"Post"));
    }

    fn comments(d: &str) -> bool {
        read(d, &d.to_lowercase()).expect("feed").comments
    }

    #[test]
    fn comments_when_asked_in_any_wording() {
        for d in [
            "A neighbourhood feed: residents post updates, people can comment on posts, like button.",
            "Social media app for climbers where members share posts and leave a comment under each one",
            "A family wall: post a message with your name, likes and comments, newest first.",
            "Microblog for the office with hearts and replies to posts",
            "A team timeline where anyone posts news and others reply; newest first with upvotes.",
            "A class feed: students post questions and classmates respond to them with a comment box.",
            "A kudos wall, posts newest first, no likes but comments please",
        ] {
            assert!(comments(d), "{d}");
        }
    }

    #[test]
    fn the_spec_and_the_requirements_carry_comments() {
        let d = "A family wall: post a message with your name, likes and comments, newest first.";
        let f = read(d, &d.to_lowercase()).expect("feed");
        let v = serde_json::to_value(&f).expect("json");
        assert_eq!(v["comments"], true);
        assert!(
            f.features()
                .iter()
                .any(|x| x.starts_with("Comment on a post"))
        );
        assert!(f.describe().contains("comments"));
        // A spec stored before comments existed reads as a feed without them.
        let mut old = v;
        old.as_object_mut().map(|o| o.remove("comments"));
        let back: Feed = serde_json::from_value(old).expect("old spec");
        assert!(!back.comments);
        assert!(!back.features().iter().any(|x| x.contains("omment")));
    }

    #[test]
    fn no_comments_unless_asked() {
        for d in [
            "A team kudos wall: post a thank-you with your name and a message, newest first, with hearts",
            "A neighbourhood feed: post a message, like posts. No comments.",
            "A microblog with upvotes, without comments or replies",
            "A family wall where we post updates with likes; we don't need comments",
            "Social media feed for our club with hearts, comments off",
            // A post's field called "a comment" is its text, not a request for comments.
            "A guestbook feed: each post has a name and a comment, with a like button",
        ] {
            assert!(!comments(d), "{d}");
        }
        let d = "A guestbook feed: each post has a name and a comment, with a like button";
        let f = read(d, &d.to_lowercase()).expect("feed");
        assert_eq!(labels(&f), ["Name", "Post"]);
    }

    fn feed(d: &str) -> Feed {
        read(d, &d.to_lowercase()).expect("feed")
    }

    #[test]
    fn follow_ups_turn_comments_on_and_off_in_any_wording() {
        for ask in [
            "let people comment",
            "add comments",
            "allow replies to posts",
            "people should be able to comment on a post",
        ] {
            let mut f = feed("A neighbourhood feed: post a message, like posts.");
            let said = f.follow_up(&ask.to_lowercase());
            assert!(f.comments, "{ask}: {said:?}");
        }
        for ask in [
            "remove the comments",
            "turn comments off",
            "no more replies",
            "get rid of commenting",
        ] {
            let mut f = feed("A family wall: post a message with your name, likes and comments.");
            f.follow_up(&ask.to_lowercase());
            assert!(!f.comments, "{ask}");
        }
    }

    #[test]
    fn follow_ups_change_the_reaction() {
        let mut f = feed("A neighbourhood feed: post a message, like posts.");
        let said = f.follow_up("use hearts instead of likes");
        assert_eq!(
            (f.reaction.as_str(), f.icon.as_str()),
            ("Heart", "❤"),
            "{said:?}"
        );
        f.follow_up("switch to upvotes");
        assert_eq!(f.reaction, "Upvote");
        assert_eq!(
            f.follow_up("add likes"),
            ["Each post now has a like button with its count."]
        );
        assert_eq!(f.reaction, "Like");
        // A reaction cannot be removed, and a word that is not a reaction changes nothing.
        assert!(f.follow_up("remove the likes")[0].starts_with("A post keeps"));
        assert!(f.follow_up("make it look like a newspaper").is_empty());
        assert_eq!(f.reaction, "Like");
    }

    #[test]
    fn lists_of_posts_without_a_feed_are_not_one() {
        let d = "A blog post planner with a title, a status and a publish date";
        assert!(read(d, &d.to_lowercase()).is_none());
        let d = "A wall planner for the office with a title and a date";
        assert!(read(d, &d.to_lowercase()).is_none());
    }
}
