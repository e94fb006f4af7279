//! Publishing: a checked version of a thread's app at a stable address on its own origin
//! (`{slug}.{apps domain}`), so apps cannot read each other's storage or call appgen's API.
//!
//! The rules live here: which version may be published, how a slug is made from the title,
//! what the pointer record (slug → thread + version) says, and how a request's `Host` names an
//! app. The runtime writes the records; the apps origin serves what the pointer says.

use crate::snapshot::{ThreadSnapshot, Version};
use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};

/// What a thread has published, kept in its snapshot while it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    pub version: u32,
    pub slug: String,
    pub published_at: i64,
}

/// The pointer record at [`pointer_key`]: which thread owns a slug and what it serves. Created
/// once (create-only) when the slug is reserved, then switched with If-Match; an unpublished
/// app keeps its record with `live: None`, so the slug stays the thread's for republishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppPointer {
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveVersion>,
}

/// The version a slug serves: one record, so a switch is one conditional write and every
/// request reads one version's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveVersion {
    pub version: u32,
    /// Artifact prefix of the version's built `dist/`.
    pub artifact: String,
}

/// Key of a slug's pointer record in the threads container. Thread ids never start with `.`,
/// so no thread's keys can collide with it.
pub fn pointer_key(slug: &str) -> String {
    format!(".published/{slug}.json")
}

/// Why a publish or unpublish request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishRefusal {
    #[error("version {0} not found")]
    NoSuchVersion(u32),
    #[error("version {0} did not pass its browser check; only checked versions can be published")]
    NotChecked(u32),
    #[error("the thread has no version that passed its browser check yet")]
    NoCheckedVersion,
    #[error("the version has no built files to publish")]
    NotBuilt(u32),
    #[error("the app is not published")]
    NotPublished,
    #[error("a run is in progress on the thread ({0}); publish when it has finished")]
    Busy(String),
    #[error("no free address could be found for this app's title")]
    NoSlug,
}

impl PublishRefusal {
    pub fn code(&self) -> ApiErrorCode {
        match self {
            PublishRefusal::NoSuchVersion(_) => ApiErrorCode::NotFound,
            PublishRefusal::NotChecked(_)
            | PublishRefusal::NoCheckedVersion
            | PublishRefusal::NotBuilt(_) => ApiErrorCode::NotChecked,
            PublishRefusal::NotPublished => ApiErrorCode::NotPublished,
            PublishRefusal::Busy(_) => ApiErrorCode::Busy,
            PublishRefusal::NoSlug => ApiErrorCode::Unavailable,
        }
    }
}

/// A version may be published when its browser check passed.
pub fn is_checked(v: &Version) -> bool {
    v.check.as_ref().is_some_and(|c| c.passed)
}

/// The version to publish: the one asked for if it is checked, else the latest checked one;
/// and what the pointer must serve for it.
pub fn choose_version(
    snap: &ThreadSnapshot,
    requested: Option<u32>,
) -> Result<LiveVersion, PublishRefusal> {
    if let Some(a) = &snap.active {
        return Err(PublishRefusal::Busy(a.run_id.clone()));
    }
    let v = match requested {
        Some(n) => {
            let v = snap.version(n).ok_or(PublishRefusal::NoSuchVersion(n))?;
            if !is_checked(v) {
                return Err(PublishRefusal::NotChecked(n));
            }
            v
        }
        None => snap
            .versions
            .iter()
            .rev()
            .find(|v| is_checked(v))
            .ok_or(PublishRefusal::NoCheckedVersion)?,
    };
    let artifact = v
        .artifact
        .clone()
        .ok_or(PublishRefusal::NotBuilt(v.number))?;
    Ok(LiveVersion {
        version: v.number,
        artifact,
    })
}

/// Longest readable part of a slug; with a suffix it stays well inside a DNS label (63).
const SLUG_BASE_MAX: usize = 40;

/// How many numbered slugs (`todo-2`, `todo-3`, …) are tried before one derived from the
/// thread id, which is as good as unique.
const NUMBERED: u32 = 8;

/// The readable part of a slug: the title's ASCII letters and digits, lowercased, words joined
/// by `-`, cut at a word boundary; `app` when nothing is left.
pub fn slug_base(title: &str) -> String {
    let mut out = String::new();
    let words = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    for w in words {
        let w = w.to_ascii_lowercase();
        let extra = if out.is_empty() { w.len() } else { w.len() + 1 };
        if out.len() + extra > SLUG_BASE_MAX {
            if out.is_empty() {
                out.push_str(&w[..SLUG_BASE_MAX]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w);
    }
    if out.is_empty() { "app".into() } else { out }
}

/// The slugs to try for a thread, in order: the title's, then numbered, then one suffixed from
/// the thread id. The first whose pointer is free or already this thread's is taken.
pub fn slug_candidates(title: &str, thread_id: &str) -> Vec<String> {
    let base = slug_base(title);
    let mut out = vec![base.clone()];
    out.extend((2..NUMBERED + 2).map(|n| format!("{base}-{n}")));
    let tail = &crate::snapshot::content_hash(thread_id.as_bytes())[..8];
    out.push(format!("{base}-{tail}"));
    out
}

/// A slug is one DNS label: 1–63 lowercase letters, digits and inner hyphens.
pub fn valid_slug(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Where published apps live: `{scheme}://{slug}.{domain}`, the domain with its port locally
/// (`localhost:7073`) and a wildcard custom domain on Azure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppsOrigin {
    pub scheme: String,
    pub domain: String,
}

impl AppsOrigin {
    pub fn new(scheme: &str, domain: &str) -> AppsOrigin {
        AppsOrigin {
            scheme: scheme.to_owned(),
            domain: domain.trim_matches('.').to_ascii_lowercase(),
        }
    }

    pub fn url(&self, slug: &str) -> String {
        format!("{}://{slug}.{}/", self.scheme, self.domain)
    }

    /// The slug a request's `Host` names, if it is one label directly under the domain.
    pub fn slug_of(&self, host: &str) -> Option<String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let label = host.strip_suffix(&self.domain)?.strip_suffix('.')?;
        valid_slug(label).then(|| label.to_owned())
    }
}

/// Words around a request that do not change it ("please publish it now").
const POLITE: &[&str] = &[
    "please", "pls", "can", "could", "would", "will", "you", "now", "ok", "okay", "so", "and",
    "then", "just", "lets", "let", "us", "go", "ahead", "thanks", "thank", "for", "me", "i",
    "want", "to", "like", "d", "id", "great", "good", "nice", "cool", "looks", "perfect",
];

/// What "it" can be in a publish request.
const THE_APP: &[&[&str]] = &[
    &[],
    &["it"],
    &["this"],
    &["that"],
    &["app"],
    &["the", "app"],
    &["my", "app"],
    &["this", "app"],
    &["the", "site"],
    &["my", "site"],
];

/// Whether a chat message asks to publish the app ("publish it", "put it online", "make it
/// live", "deploy", "ship it"), and nothing else: the whole message, politeness aside, must be
/// one such request, so "add a publish date field" or "publish it and add dark mode" stay edits.
/// The one place this rule lives.
pub fn asks_to_publish(text: &str) -> bool {
    let lower = text.to_lowercase().replace(['\'', '’'], "");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 12 {
        return false;
    }
    let start = words.iter().position(|w| !POLITE.contains(w));
    let end = words.iter().rposition(|w| !POLITE.contains(w));
    let (Some(start), Some(end)) = (start, end) else {
        return false;
    };
    let core = &words[start..=end];
    let (verb, rest) = match core {
        ["publish" | "deploy" | "ship", rest @ ..] => ("publish", rest),
        ["put" | "make" | "take" | "get", rest @ ..] => ("put", rest),
        // "go" is politeness elsewhere ("go ahead and publish"), so "go live" arrives as "live".
        ["live"] => return start > 0 && words[start - 1] == "go",
        _ => return false,
    };
    let online: &[&[&str]] = &[
        &["online"],
        &["live"],
        &["public"],
        &["on", "the", "web"],
        &["on", "the", "internet"],
    ];
    let object_then = |tail: &[&[&str]]| {
        THE_APP
            .iter()
            .any(|obj| rest.starts_with(obj) && tail.iter().any(|t| &rest[obj.len()..] == *t))
    };
    match verb {
        "publish" => object_then(&[&[]]) || object_then(online),
        _ => object_then(online),
    }
}

/// A chat message that asked to publish, recorded as a run that ends at once: the user's
/// message (and the run) as `plan_run` checks and records them — the same refusals —, then
/// no step but the answer, `reply` (the URL, or why not), as the assistant's message and the
/// run's note.
pub fn chat_publish_run(
    snapshot: ThreadSnapshot,
    input: &crate::agui::RunAgentInput,
    principal: &str,
    now: i64,
    reply: &str,
) -> Result<ThreadSnapshot, crate::pipeline::Rejection> {
    use crate::agui::{AssistantMessage, Message};
    use crate::snapshot::{RunKind, RunStatus};
    let (mut snap, _) = crate::pipeline::plan_run(Some(snapshot), input, principal, now)?;
    snap.active = None;
    if let Some(r) = snap.run_mut(&input.run_id) {
        r.kind = RunKind::Publish;
        r.status = RunStatus::Finished;
        r.finished_at = Some(now);
        r.error = Some(reply.to_owned());
    }
    snap.messages.push(Message::Assistant(AssistantMessage {
        id: format!("{}-publish", input.run_id),
        content: Some(reply.to_owned()),
        name: Some("publisher".into()),
        tool_calls: None,
    }));
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::CheckReport;

    #[test]
    fn a_chat_publish_is_a_finished_run_with_the_answer_and_the_same_refusals() {
        use crate::agui::{Message, RunAgentInput, UserContent, UserMessage};
        use crate::snapshot::{RunKind, RunStatus};
        let say = |run: &str| {
            let m = Message::User(UserMessage {
                id: format!("{run}-m"),
                content: UserContent::Text("publish it".into()),
                name: None,
            });
            RunAgentInput::new("t", run, vec![m])
        };
        let mut s = snap(vec![version(1, Some(true))]);
        let page = crate::snapshot::FileRef {
            hash: "h".into(),
            size: 1,
        };
        s.files.insert("index.html".into(), page);
        let out = chat_publish_run(s.clone(), &say("r2"), "me", 5, "Published v1 at u")
            .expect("recorded");
        assert!(out.active.is_none());
        let run = out.run("r2").expect("the run");
        assert_eq!(
            (run.kind, run.status),
            (RunKind::Publish, RunStatus::Finished)
        );
        assert_eq!(run.error.as_deref(), Some("Published v1 at u"));
        assert!(matches!(out.messages.last(), Some(Message::Assistant(a))
            if a.content.as_deref() == Some("Published v1 at u")));
        assert!(matches!(
            chat_publish_run(out, &say("r2"), "me", 6, "again"),
            Err(crate::pipeline::Rejection::DuplicateRun(_))
        ));
        assert!(matches!(
            chat_publish_run(s, &say("r3"), "stranger", 6, "x"),
            Err(crate::pipeline::Rejection::NotFound(_))
        ));
    }

    #[test]
    fn publish_requests_are_told_from_edits() {
        for yes in [
            "publish it",
            "Publish",
            "Please publish the app now!",
            "put it online",
            "Can you put the app online please?",
            "make it live",
            "go live",
            "deploy it",
            "ship it",
            "Looks good, publish it",
            "I'd like to publish my app",
            "put it on the web",
            "Publish it online, thanks",
        ] {
            assert!(asks_to_publish(yes), "{yes:?} asks to publish");
        }
        for no in [
            "add a publish date field",
            "Add a publish button",
            "publish it and add a dark mode",
            "show when each post was published",
            "unpublish it",
            "put the list online and sort it by date",
            "make it blue",
            "put it on top",
            "a blog where I can publish posts",
            "",
            "please",
            "published",
        ] {
            assert!(!asks_to_publish(no), "{no:?} is not a publish request");
        }
    }

    fn version(n: u32, passed: Option<bool>) -> Version {
        Version {
            number: n,
            files: Default::default(),
            request: String::new(),
            run_id: format!("run-{n}"),
            created_at: 0,
            check: passed.map(|passed| CheckReport {
                passed,
                ..serde_json::from_str("{\"passed\":false}").expect("a report")
            }),
            artifact: Some(format!("t/v{n}")),
            restored_from: None,
            author: None,
        }
    }

    fn snap(versions: Vec<Version>) -> ThreadSnapshot {
        let mut s = ThreadSnapshot::new("t", "me", 0);
        s.versions = versions;
        s
    }

    #[test]
    fn only_checked_versions_publish_and_the_default_is_the_latest_checked() {
        let s = snap(vec![
            version(1, Some(true)),
            version(2, Some(true)),
            version(3, Some(false)),
            version(4, None),
        ]);
        assert_eq!(choose_version(&s, None).map(|l| l.version), Ok(2));
        assert_eq!(
            choose_version(&s, Some(1)).map(|l| l.artifact),
            Ok("t/v1".into())
        );
        assert_eq!(
            choose_version(&s, Some(3)),
            Err(PublishRefusal::NotChecked(3))
        );
        assert_eq!(
            choose_version(&s, Some(4)),
            Err(PublishRefusal::NotChecked(4))
        );
        assert_eq!(
            choose_version(&s, Some(9)),
            Err(PublishRefusal::NoSuchVersion(9))
        );
        let none = snap(vec![version(1, Some(false))]);
        assert_eq!(
            choose_version(&none, None),
            Err(PublishRefusal::NoCheckedVersion)
        );
        assert_eq!(PublishRefusal::NotChecked(3).code().http_status(), 422);
        assert_eq!(PublishRefusal::NoSuchVersion(9).code().http_status(), 404);
    }

    #[test]
    fn a_running_thread_or_an_unbuilt_version_is_refused() {
        let mut s = snap(vec![version(1, Some(true))]);
        s.versions[0].artifact = None;
        assert_eq!(choose_version(&s, None), Err(PublishRefusal::NotBuilt(1)));
        let mut s = snap(vec![version(1, Some(true))]);
        s.active = Some(
            serde_json::from_value(serde_json::json!({
                "runId": "r9", "kind": "follow_up", "startedAt": 0,
                "cursor": {"step": "modify", "seq": 1}
            }))
            .expect("an active run"),
        );
        assert_eq!(
            choose_version(&s, None),
            Err(PublishRefusal::Busy("r9".into()))
        );
    }

    #[test]
    fn slugs_are_readable_dns_labels() {
        assert_eq!(slug_base("Todo List: Work & Home!"), "todo-list-work-home");
        assert_eq!(slug_base("Café crème"), "caf-cr-me");
        assert_eq!(slug_base("  ***  "), "app");
        let long = slug_base(&"word ".repeat(30));
        assert!(
            long.len() <= SLUG_BASE_MAX && !long.ends_with('-'),
            "{long}"
        );
        assert_eq!(slug_base(&"x".repeat(100)).len(), SLUG_BASE_MAX);
        for c in slug_candidates("Todo List", "thread-1") {
            assert!(valid_slug(&c), "{c}");
        }
    }

    #[test]
    fn candidates_start_readable_and_end_unique_per_thread() {
        let a = slug_candidates("Todo", "thread-a");
        let b = slug_candidates("Todo", "thread-b");
        assert_eq!(&a[..3], ["todo", "todo-2", "todo-3"]);
        assert_eq!(a.len() as u32, NUMBERED + 2);
        assert_ne!(a.last(), b.last());
        assert_eq!(a, slug_candidates("Todo", "thread-a"), "stable");
    }

    #[test]
    fn hosts_name_one_label_under_the_apps_domain() {
        let o = AppsOrigin::new("http", "localhost:7073");
        assert_eq!(o.url("todo"), "http://todo.localhost:7073/");
        assert_eq!(o.slug_of("Todo.LOCALHOST:7073").as_deref(), Some("todo"));
        assert_eq!(o.slug_of("localhost:7073"), None);
        assert_eq!(o.slug_of("a.b.localhost:7073"), None);
        assert_eq!(o.slug_of("todo.localhost:7074"), None);
        assert_eq!(o.slug_of("evil-localhost:7073"), None);
        let az = AppsOrigin::new("https", "apps.example.com");
        assert_eq!(az.slug_of("todo.apps.example.com").as_deref(), Some("todo"));
        assert_eq!(az.slug_of("todo.example.com"), None);
    }
}
