//! Working together on a thread: who someone is as others see them ([`Person`]), what the thread
//! stream says ([`ThreadEvent`], `GET /api/threads/{threadId}/events`), queued messages
//! ([`QueuedMessage`]) and presence ([`present`]). Pure: the runtime stores and relays these.

use crate::access::Role;
use crate::snapshot::{RunKind, RunStatus, ThreadSnapshot};
use serde::{Deserialize, Serialize};

/// A principal as other members see them: its id, a display name and initials.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub principal: String,
    pub name: String,
    pub initials: String,
}

impl Person {
    /// `name` as the sign-in gave it (Azure: `userDetails`); without one, the principal's last
    /// part (`key:3f9a…` → `3f9a…`), so there is always something to show.
    pub fn new(principal: &str, name: Option<&str>) -> Person {
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(80).collect::<String>())
            .unwrap_or_else(|| principal.rsplit(':').next().unwrap_or(principal).to_owned());
        Person {
            principal: principal.to_owned(),
            initials: initials(&name),
            name,
        }
    }
}

/// Two letters: the first of the first two words ("Ada Lovelace" → "AL"), or the first two of
/// a single word — of the part before an `@` for an address ("ada@x.org" → "AD"); `?` when
/// there is no letter.
pub fn initials(name: &str) -> String {
    let local = name.split('@').next().unwrap_or(name);
    let words: Vec<&str> = (local.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let out: String = match words.as_slice() {
        [] => return "?".into(),
        [one] => one.chars().take(2).collect(),
        [a, b, ..] => a.chars().take(1).chain(b.chars().take(1)).collect(),
    };
    out.to_uppercase()
}

/// A message (or a check in words) sent while a run was active: it runs when the runs before
/// it have ended, as its author, unless the author withdraws it first
/// (`DELETE /api/threads/{threadId}/queue/{id}`).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedMessage {
    pub id: String,
    pub text: String,
    pub author: Person,
    pub queued_at: i64,
    /// What it starts: a chat message's run, or a check run (`text` is the sentence).
    #[serde(default)]
    pub kind: QueuedKind,
}

/// What a queued entry starts when its turn comes.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueuedKind {
    /// A chat message (what a direct one would start: a change, or "publish it").
    #[default]
    Message,
    /// A check in words (`POST /api/threads/{threadId}/checks` during a run).
    Check,
}

impl QueuedMessage {
    /// The run a queued message becomes: derived from its id, so starting it twice (two
    /// processes noticing the same run end) is refused as a duplicate run.
    pub fn run_id(&self) -> String {
        format!("q-{}", self.id)
    }

    /// The user message it posts.
    pub fn message_id(&self) -> String {
        format!("q-{}-m", self.id)
    }
}

/// The body of `POST /api/threads/{threadId}/queue`: a message for after the active run.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueRequest {
    pub text: String,
}

/// The order queued messages run in: oldest first, ties by id.
pub fn queue_order(queue: &mut [QueuedMessage]) {
    queue.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
}

/// One event of a thread's stream. Stored in the thread's log (all but `presence`, which is
/// computed from heartbeats) and sent as SSE `data:` with the log's seq as `id:`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ThreadEvent {
    RunStarted(RunStartedInfo),
    RunEnded(RunEndedInfo),
    MessagePosted(MessagePosted),
    QuestionsAsked(QuestionsAsked),
    QuestionsAnswered(QuestionsAnswered),
    VersionMade(VersionMade),
    Restored(RestoredInfo),
    MemberJoined(MemberChange),
    MemberLeft(MemberChange),
    RoleChanged(MemberChange),
    Queued(QueuedMessage),
    Withdrawn(Withdrawn),
    Presence(Presence),
    /// A check someone wrote was removed from the suite.
    CheckRemoved(CheckRemoved),
    /// A deploy elsewhere (Vercel) started, moved on, or ended (`crate::deploy`).
    Deploy(crate::deploy::DeployView),
    /// The last event a follower gets when it may no longer follow (removed from the thread).
    /// Not logged: it is sent to that follower alone, and the stream closes after it.
    AccessEnded(AccessEnded),
}

impl ThreadEvent {
    /// Whether the event changes someone's role: a follower's access is checked again on it.
    pub fn changes_access(&self) -> bool {
        matches!(
            self,
            ThreadEvent::MemberLeft(_) | ThreadEvent::RoleChanged(_)
        )
    }
}

/// Why an open thread stream ended for this follower. (A run's stream needs no such end:
/// membership changes wait for the active run to end, and a run's stream ends with its run.)
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEnded {
    pub message: String,
}

impl AccessEnded {
    /// The follower is no longer the owner or a member.
    pub fn not_a_member() -> AccessEnded {
        AccessEnded {
            message: "you are no longer a member of this thread".into(),
        }
    }
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStartedInfo {
    pub run_id: String,
    pub kind: RunKind,
    pub by: Option<Person>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEndedInfo {
    pub run_id: String,
    pub status: RunStatus,
    pub version: Option<u32>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePosted {
    pub message_id: String,
    pub text: String,
    pub author: Option<Person>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionsAsked {
    pub run_id: String,
    pub interrupt_id: String,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionsAnswered {
    pub run_id: String,
    pub by: Option<Person>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionMade {
    pub number: u32,
    pub author: Option<Person>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoredInfo {
    /// The new version.
    pub number: u32,
    pub from: u32,
    pub by: Person,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberChange {
    pub principal: String,
    /// The role they have now (`None` once they left).
    pub role: Option<Role>,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Withdrawn {
    pub id: String,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRemoved {
    /// The check's name (its sentence).
    pub name: String,
    pub by: Person,
}

/// Who has the thread open now.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub people: Vec<Person>,
}

/// What a membership change did, as stream events (joined, left, role changed).
pub fn member_events(before: &ThreadSnapshot, after: &ThreadSnapshot) -> Vec<ThreadEvent> {
    let mut out = Vec::new();
    for m in &after.members {
        let change = MemberChange {
            principal: m.principal.clone(),
            role: Some(m.role),
        };
        match before.role_of(&m.principal) {
            None => out.push(ThreadEvent::MemberJoined(change)),
            Some(r) if r != m.role => out.push(ThreadEvent::RoleChanged(change)),
            Some(_) => {}
        }
    }
    for m in &before.members {
        if after.role_of(&m.principal).is_none() {
            out.push(ThreadEvent::MemberLeft(MemberChange {
                principal: m.principal.clone(),
                role: None,
            }));
        }
    }
    out
}

/// What a run's end says on the thread stream: the end, the version it made (with the author
/// of the request that made it) or the questions it asks.
pub fn run_end_events(snap: &ThreadSnapshot, run_id: &str) -> Vec<ThreadEvent> {
    let Some(run) = snap.run(run_id).filter(|r| r.finished_at.is_some()) else {
        return Vec::new();
    };
    let mut out = vec![ThreadEvent::RunEnded(RunEndedInfo {
        run_id: run_id.to_owned(),
        status: run.status,
        version: run.version,
    })];
    if let Some(v) = run.version.and_then(|n| snap.version(n)) {
        out.push(ThreadEvent::VersionMade(VersionMade {
            number: v.number,
            author: v.author.clone(),
        }));
    }
    if let Some(i) = snap.interrupt.as_ref().filter(|i| i.run_id == run_id) {
        out.push(ThreadEvent::QuestionsAsked(QuestionsAsked {
            run_id: run_id.to_owned(),
            interrupt_id: i.id.clone(),
        }));
    }
    out
}

/// What starting a run says on the thread stream: the run, then the messages it posted (or,
/// for answers, who answered).
pub fn run_start_events(snap: &ThreadSnapshot, run_id: &str) -> Vec<ThreadEvent> {
    let Some(run) = snap.run(run_id) else {
        return Vec::new();
    };
    let mut out = vec![ThreadEvent::RunStarted(RunStartedInfo {
        run_id: run_id.to_owned(),
        kind: run.kind,
        by: run.by.clone(),
    })];
    if run.kind == RunKind::Answers {
        out.push(ThreadEvent::QuestionsAnswered(QuestionsAnswered {
            run_id: run_id.to_owned(),
            by: run.by.clone(),
        }));
        return out;
    }
    for (id, author) in snap
        .message_authors
        .iter()
        .filter(|(_, a)| a.run_id == run_id)
    {
        let text = snap
            .messages
            .iter()
            .find(|m| m.id() == id)
            .and_then(|m| m.user_text())
            .unwrap_or_default();
        out.push(ThreadEvent::MessagePosted(MessagePosted {
            message_id: id.clone(),
            text,
            author: Some(author.person.clone()),
        }));
    }
    out
}

/// A heartbeat of someone with the thread open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    pub person: Person,
    pub at: i64,
}

/// How long a heartbeat counts: a closed window is gone from presence after this.
pub const PRESENCE_TTL_MS: i64 = 25_000;

/// The people whose last heartbeat is recent, once each, by name.
pub fn present(beats: &[Heartbeat], now: i64) -> Vec<Person> {
    let mut people: Vec<Person> = beats
        .iter()
        .filter(|b| now - b.at <= PRESENCE_TTL_MS)
        .map(|b| b.person.clone())
        .collect();
    people.sort_by(|a, b| (&a.name, &a.principal).cmp(&(&b.name, &b.principal)));
    people.dedup_by(|a, b| a.principal == b.principal);
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Member;

    #[test]
    fn initials_and_names_come_from_what_the_sign_in_gives() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("grace@navy.mil"), "GR");
        assert_eq!(initials("jean-luc picard q"), "JL");
        assert_eq!(initials("  "), "?");
        let p = Person::new("swa:aad:u1", Some("ada@example.org"));
        assert_eq!(
            (p.name.as_str(), p.initials.as_str()),
            ("ada@example.org", "AD")
        );
        let k = Person::new("key:3f9a00", None);
        assert_eq!((k.name.as_str(), k.initials.as_str()), ("3f9a00", "3F"));
    }

    #[test]
    fn presence_drops_stale_heartbeats_and_counts_a_person_once() {
        let beat = |p: &str, at| Heartbeat {
            person: Person::new(p, Some(p)),
            at,
        };
        let beats = [
            beat("bo", 90_000),
            beat("al", 99_000),
            beat("bo", 98_000),
            beat("cy", 70_000),
        ];
        let names: Vec<_> = present(&beats, 100_000)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["al", "bo"]);
    }

    #[test]
    fn membership_changes_become_joined_left_and_role_events() {
        let mut before = ThreadSnapshot::new("t", "alice", 0);
        let member = |p: &str, role| Member {
            principal: p.into(),
            role,
            added_at: 0,
        };
        before.members = vec![member("bob", Role::Viewer), member("carol", Role::Editor)];
        let mut after = before.clone();
        after.members = vec![member("bob", Role::Editor), member("dave", Role::Viewer)];
        let kinds: Vec<_> = member_events(&before, &after)
            .into_iter()
            .map(|e| match e {
                ThreadEvent::MemberJoined(c) => format!("joined {}", c.principal),
                ThreadEvent::MemberLeft(c) => format!("left {}", c.principal),
                ThreadEvent::RoleChanged(c) => format!("role {}", c.principal),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, ["role bob", "joined dave", "left carol"]);
    }

    #[test]
    fn a_run_start_names_its_author_and_the_messages_it_posted() {
        use crate::agui::RunAgentInput;
        let input: RunAgentInput = serde_json::from_value(serde_json::json!({
            "threadId": "t", "runId": "r1",
            "messages": [{"id": "m1", "role": "user", "content": "A reading list"}],
        }))
        .expect("input");
        let (mut snap, _) = crate::pipeline::plan_run(None, &input, "key:al", 1).expect("plan");
        let al = Person::new("key:al", Some("Al Ice"));
        snap.attribute("r1", &al);
        assert_eq!(snap.run("r1").and_then(|r| r.by.clone()), Some(al.clone()));
        let events = run_start_events(&snap, "r1");
        assert_eq!(events.len(), 2, "{events:?}");
        match &events[1] {
            ThreadEvent::MessagePosted(m) => {
                assert_eq!(
                    (m.message_id.as_str(), m.text.as_str()),
                    ("m1", "A reading list")
                );
                assert_eq!(m.author.as_ref(), Some(&al));
            }
            other => panic!("expected the message, got {other:?}"),
        }
        // A later run does not claim the earlier message.
        snap.attribute("r2", &Person::new("key:bo", None));
        assert_eq!(snap.message_authors["m1"].person, al);
        assert!(
            run_end_events(&snap, "r1").is_empty(),
            "the run has not ended"
        );
    }

    #[test]
    fn queued_messages_run_oldest_first_under_a_run_id_of_their_own() {
        let q = |id: &str, at| QueuedMessage {
            id: id.into(),
            text: "x".into(),
            author: Person::new("a", None),
            queued_at: at,
            kind: QueuedKind::Message,
        };
        let mut queue = vec![q("b", 2), q("c", 1), q("a", 2)];
        queue_order(&mut queue);
        let ids: Vec<_> = queue.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(queue[0].run_id(), "q-c");
    }
}
