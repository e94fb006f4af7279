//! The thread snapshot: everything a stateless step needs, committed with If-Match.

use crate::agui::{Message, TokenUsage};
use crate::app::{BuildReport, CheckReport, Question, Requirements};
use crate::run_error::ErrorCode;
use crate::scenario::Scenario;
use crate::step::StepName;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A file in the working tree or a version: its content lives in the content store under
/// its SHA-256, so versions are cheap and dedupe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub hash: String,
    pub size: u64,
}

/// Path → content reference.
pub type FileTree = BTreeMap<String, FileRef>;

/// SHA-256 of content, hex: the content address of a file.
pub fn content_hash(content: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(content))
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// First message on a thread: clarify, then interrupt with questions.
    Initial,
    /// Answers to the questions: requirements → wireframe → code → build → review.
    Answers,
    /// A change request on a thread that has an app: modify → build → review.
    FollowUp,
    /// A chat message asking to publish ("publish it"): no step runs; the run is recorded
    /// finished with the answer (the URL, or why not) by `publish::chat_publish_run`.
    Publish,
    /// A check written in words (`POST /api/threads/{id}/checks`): qa reads it into a scenario
    /// and adds it to the suite, build runs the whole suite on the current version, review
    /// records the results on that version. No new code, no new version.
    Check,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Finished with an interrupt: waiting for the user's answers.
    Interrupted,
    Finished,
    Failed,
}

/// A run of the thread, kept for the UI and for replays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub run_id: String,
    pub kind: RunKind,
    pub status: RunStatus,
    pub started_at: i64,
    #[serde(default)]
    pub finished_at: Option<i64>,
    /// The user's request that started the run.
    #[serde(default)]
    pub request: String,
    /// Version made by this run, if any.
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub error: Option<String>,
    /// Why it failed, for RUN_ERROR's `code`.
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
    /// Who started it (older runs do not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<crate::live::Person>,
    /// The version a check run ran the suite on (it makes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<u32>,
}

/// A worker's claim on the next step: set (If-Match) before the step appends any event, so a
/// duplicate delivery racing it backs off instead of writing events twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub worker: String,
    pub expires_at: i64,
}

/// The step a running run must do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub step: StepName,
    pub seq: u64,
    /// Fix rounds done in this run (0 before the first fix).
    #[serde(default)]
    pub fix_round: u32,
    #[serde(default)]
    pub claim: Option<Claim>,
    /// Attempts that claimed this step; past the retry limit the run ends (`step_failed`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub claims: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The run in progress on a thread (at most one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRun {
    pub run_id: String,
    pub kind: RunKind,
    pub cursor: Cursor,
    /// The user's request this run works on.
    #[serde(default)]
    pub request: String,
    /// Errors of past build rounds in this run, for the stuck detector.
    #[serde(default)]
    pub errors: Vec<String>,
    /// The last build's report, read by review.
    #[serde(default)]
    pub build: Option<BuildReport>,
    pub started_at: i64,
    /// External agents this run could not reach: its later steps skip them.
    #[serde(default, skip_serializing_if = "Unreachable::is_empty")]
    pub unreachable: Unreachable,
}

/// The URLs of external agents that could not be reached in a run (connection refused or
/// timed out). Kept in the run, not the process, because steps are stateless: the run's later
/// steps they serve go straight to the fallback, and a new run asks them again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unreachable(BTreeSet<String>);

impl Unreachable {
    pub fn contains(&self, url: &str) -> bool {
        self.0.contains(url)
    }

    /// Records `url`; `false` when it was already known.
    pub fn insert(&mut self, url: String) -> bool {
        self.0.insert(url)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A numbered, successfully built state of the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub number: u32,
    pub files: FileTree,
    pub request: String,
    pub run_id: String,
    pub created_at: i64,
    #[serde(default)]
    pub check: Option<CheckReport>,
    /// Artifact prefix of the built `dist/`.
    #[serde(default)]
    pub artifact: Option<String>,
    #[serde(default)]
    pub restored_from: Option<u32>,
    /// Whose request (or restore) made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<crate::live::Person>,
}

/// Model usage of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepUsage {
    pub run_id: String,
    pub step: StepName,
    pub calls: u32,
    pub usage: TokenUsage,
}

/// Questions waiting for the user's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingInterrupt {
    pub id: String,
    pub run_id: String,
    pub questions: Vec<Question>,
}

/// The thread's stored state. Stored as JSON with a `schemaVersion` ([`SCHEMA_VERSION`]): write
/// it with [`ThreadSnapshot::to_stored`] and read it with [`ThreadSnapshot::from_stored`], which
/// upgrades older layouts. What clients see is `view.rs`, not this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSnapshot {
    pub thread_id: String,
    /// The principal that owns the thread; who else may see it is `members` (`crate::access`).
    pub owner: String,
    /// Principals the owner let in, with their roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<crate::access::Member>,
    /// Invitation links (hashes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invites: Vec<crate::access::Invite>,
    #[serde(default)]
    pub title: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The conversation (user and assistant messages), by id, in order.
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub runs: Vec<RunRecord>,
    #[serde(default)]
    pub active: Option<ActiveRun>,
    #[serde(default)]
    pub interrupt: Option<PendingInterrupt>,
    /// The questions that were asked (kept after they were answered).
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub answers: Option<Value>,
    /// Generation options from the UI (AG-UI `context`), as description → value.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub requirements: Option<Requirements>,
    #[serde(default)]
    pub wireframe: Option<String>,
    /// The working tree.
    #[serde(default)]
    pub files: FileTree,
    #[serde(default)]
    pub versions: Vec<Version>,
    #[serde(default)]
    pub usage: Vec<StepUsage>,
    /// Highest step seq committed on this thread.
    #[serde(default)]
    pub seq: u64,
    /// Which agent made the app ("offline" or a model id), shown in the UI.
    #[serde(default)]
    pub agent: String,
    /// The app's acceptance scenarios: written by the qa step, kept across follow-ups (the
    /// regression suite), run on every build.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Scenario>,
    /// The slug reserved for this thread's app (`publish.rs`); kept after unpublishing, so
    /// republishing gives the same address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_slug: Option<String>,
    /// What is published, while it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<crate::publish::Published>,
    /// Who posted each user message (by message id), and in which run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_authors: BTreeMap<String, MessageAuthor>,
    /// The scenarios a person wrote in words ("add a check"), by scenario name: who wrote it.
    /// Kept apart from `scenarios` so an agent's answer cannot claim a person wrote it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_checks: BTreeMap<String, crate::live::Person>,
}

/// Who posted a message, and the run it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageAuthor {
    pub person: crate::live::Person,
    pub run_id: String,
}

impl ThreadSnapshot {
    /// Records `person` as the one who started `run_id` and posted its new user messages.
    pub fn attribute(&mut self, run_id: &str, person: &crate::live::Person) {
        if let Some(r) = self.run_mut(run_id) {
            r.by = Some(person.clone());
        }
        let unattributed: Vec<String> = (self.messages.iter())
            .filter(|m| matches!(m, Message::User(_)))
            .map(|m| m.id().to_owned())
            .filter(|id| !self.message_authors.contains_key(id))
            .collect();
        for id in unattributed {
            let author = MessageAuthor {
                person: person.clone(),
                run_id: run_id.to_owned(),
            };
            self.message_authors.insert(id, author);
        }
    }
}

/// The layout of a stored snapshot. 1 had no `schemaVersion` field and could name a cursor's fix
/// round `attempt`; 2 writes `schemaVersion` and names it `fixRound`.
pub const SCHEMA_VERSION: u64 = 2;

/// A stored snapshot this build cannot read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the snapshot does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the snapshot's schemaVersion is {0}, not a positive whole number")]
    BadVersion(Value),
    #[error(
        "the snapshot has schemaVersion {0}, newer than this build reads ({SCHEMA_VERSION}): \
         it was written by a newer appgen, so run that one"
    )]
    Newer(u64),
}

/// What is written: the version first, then the snapshot's fields.
#[derive(Serialize)]
struct Stored<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u64,
    #[serde(flatten)]
    snap: &'a ThreadSnapshot,
}

/// The `schemaVersion` that [`ThreadSnapshot::to_stored`] writes first, read from the bytes
/// without parsing the rest; `None` when the document does not start that way.
fn leading_version(bytes: &[u8]) -> Option<u64> {
    let rest = bytes.strip_prefix(b"{\"schemaVersion\":")?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    if rest[end] != b',' {
        return None;
    }
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Upgrades a v1 snapshot's JSON to v2 in place.
fn upgrade_v1(v: &mut Value) {
    let cursor = v.get_mut("active").and_then(|a| a.get_mut("cursor"));
    if let Some(Value::Object(c)) = cursor
        && let Some(fix_round) = c.remove("attempt")
    {
        c.entry("fixRound").or_insert(fix_round);
    }
}

impl ThreadSnapshot {
    /// The stored form: JSON with `schemaVersion` set to [`SCHEMA_VERSION`].
    pub fn to_stored(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&Stored {
            schema_version: SCHEMA_VERSION,
            snap: self,
        })
    }

    /// Reads a stored snapshot, upgrading an older layout; a newer one is refused.
    pub fn from_stored(bytes: &[u8]) -> Result<ThreadSnapshot, SnapshotError> {
        if leading_version(bytes) == Some(SCHEMA_VERSION) {
            // Every step loads the snapshot: going through a `Value` would cost as much again.
            return Ok(serde_json::from_slice(bytes)?);
        }
        let mut v: Value = serde_json::from_slice(bytes)?;
        let version = match v.as_object_mut().and_then(|m| m.remove("schemaVersion")) {
            None => 1,
            Some(n) => n
                .as_u64()
                .filter(|n| *n >= 1)
                .ok_or(SnapshotError::BadVersion(n))?,
        };
        if version > SCHEMA_VERSION {
            return Err(SnapshotError::Newer(version));
        }
        if version < 2 {
            upgrade_v1(&mut v);
        }
        Ok(serde_json::from_value(v)?)
    }

    pub fn new(thread_id: &str, owner: &str, now: i64) -> ThreadSnapshot {
        ThreadSnapshot {
            thread_id: thread_id.to_owned(),
            owner: owner.to_owned(),
            members: Vec::new(),
            invites: Vec::new(),
            title: String::new(),
            created_at: now,
            updated_at: now,
            messages: Vec::new(),
            runs: Vec::new(),
            active: None,
            interrupt: None,
            questions: Vec::new(),
            answers: None,
            options: BTreeMap::new(),
            requirements: None,
            wireframe: None,
            files: FileTree::new(),
            versions: Vec::new(),
            usage: Vec::new(),
            seq: 0,
            agent: String::new(),
            scenarios: Vec::new(),
            app_slug: None,
            published: None,
            message_authors: BTreeMap::new(),
            user_checks: BTreeMap::new(),
        }
    }

    /// Whether `principal` may see this thread (`crate::access::authorize` decides the rest).
    pub fn visible_to(&self, principal: &str) -> bool {
        crate::access::authorize(self, principal, crate::access::Action::Read).is_ok()
    }

    /// The first user message: the app's description.
    pub fn description(&self) -> String {
        self.messages
            .iter()
            .find_map(Message::user_text)
            .unwrap_or_default()
    }

    pub fn run_mut(&mut self, run_id: &str) -> Option<&mut RunRecord> {
        self.runs.iter_mut().find(|r| r.run_id == run_id)
    }

    pub fn run(&self, run_id: &str) -> Option<&RunRecord> {
        self.runs.iter().find(|r| r.run_id == run_id)
    }

    pub fn version(&self, number: u32) -> Option<&Version> {
        self.versions.iter().find(|v| v.number == number)
    }

    pub fn latest_version(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// Total usage over all steps of one run, one entry per model; a model's cost is unknown
    /// when one of its steps' is.
    pub fn run_usage(&self, run_id: &str) -> Vec<TokenUsage> {
        let mut by_model: BTreeMap<(String, String), TokenUsage> = BTreeMap::new();
        for u in self.usage.iter().filter(|u| u.run_id == run_id) {
            let key = (
                u.usage.provider.clone().unwrap_or_default(),
                u.usage.model.clone().unwrap_or_default(),
            );
            let e = by_model.entry(key).or_insert_with(|| TokenUsage {
                provider: u.usage.provider.clone(),
                model: u.usage.model.clone(),
                input_tokens: Some(0),
                output_tokens: Some(0),
                total_tokens: Some(0),
                cost_usd: Some(0.0),
                ..TokenUsage::default()
            });
            e.cost_usd = crate::cost::sum([e.cost_usd, u.usage.cost_usd]);
            let add =
                |a: &mut Option<u64>, b: Option<u64>| *a = Some(a.unwrap_or(0) + b.unwrap_or(0));
            add(&mut e.input_tokens, u.usage.input_tokens);
            add(&mut e.output_tokens, u.usage.output_tokens);
            add(
                &mut e.total_tokens,
                u.usage.total_tokens.or(Some(
                    u.usage.input_tokens.unwrap_or(0) + u.usage.output_tokens.unwrap_or(0),
                )),
            );
        }
        by_model.into_values().collect()
    }

    /// The whole thread's model calls, tokens and cost (unknown when one step's is).
    pub fn spend(&self) -> crate::cost::Spend {
        crate::cost::Spend {
            calls: self.usage.iter().map(|u| u.calls).sum(),
            tokens: self.usage.iter().map(|u| u.usage.tokens()).sum(),
            cost_usd: crate::cost::sum(self.usage.iter().map(|u| u.usage.cost_usd)),
        }
    }

    /// Number of model calls in a run.
    pub fn run_calls(&self, run_id: &str) -> u32 {
        self.usage
            .iter()
            .filter(|u| u.run_id == run_id)
            .map(|u| u.calls)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real snapshots written by appgen before `schemaVersion` (`appgen new -y "A todo list with a
    // title and a due date"`): the finished thread, and the same thread mid-run at review.
    const V1_FINISHED: &str = include_str!("testdata/snapshot-v1-finished.json");
    const V1_RUNNING: &str = include_str!("testdata/snapshot-v1-running.json");

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("json")
    }

    #[test]
    fn a_stored_v1_snapshot_loads_and_is_written_back_as_v2_with_nothing_lost() {
        let snap = ThreadSnapshot::from_stored(V1_FINISHED.as_bytes()).expect("v1 loads");
        assert_eq!((snap.seq, snap.versions.len(), snap.runs.len()), (6, 1, 2));
        assert!(snap.active.is_none());
        assert_eq!(snap.runs[1].status, RunStatus::Finished);
        let mut expected = json(V1_FINISHED.as_bytes());
        expected["schemaVersion"] = SCHEMA_VERSION.into();
        let stored = snap.to_stored().expect("serialise");
        assert_eq!(json(&stored), expected);
        let again = ThreadSnapshot::from_stored(&stored).expect("v2 loads");
        assert_eq!(again, snap);
    }

    #[test]
    fn a_v1_cursor_that_names_its_fix_round_attempt_is_upgraded() {
        let running = ThreadSnapshot::from_stored(V1_RUNNING.as_bytes()).expect("v1 loads");
        let cursor = &running.active.as_ref().expect("mid-run").cursor;
        assert_eq!(
            (cursor.step, cursor.seq, cursor.claims),
            (StepName::Review, 6, 1)
        );
        let older = V1_RUNNING.replace(r#""fixRound":0"#, r#""attempt":2"#);
        assert_ne!(older, V1_RUNNING);
        let snap = ThreadSnapshot::from_stored(older.as_bytes()).expect("upgraded");
        assert_eq!(snap.active.expect("mid-run").cursor.fix_round, 2);
        // A v2 snapshot is not upgraded: there `attempt` means nothing.
        let mut v2 = json(older.as_bytes());
        v2["schemaVersion"] = 2.into();
        let snap = ThreadSnapshot::from_stored(v2.to_string().as_bytes()).expect("v2 loads");
        assert_eq!(snap.active.expect("mid-run").cursor.fix_round, 0);
    }

    #[test]
    fn a_runs_unreachable_agents_are_stored_with_it_and_absent_when_none() {
        let mut snap = ThreadSnapshot::from_stored(V1_RUNNING.as_bytes()).expect("v1 loads");
        let stored = snap.to_stored().expect("serialise");
        assert!(!String::from_utf8_lossy(&stored).contains("unreachable"));
        let active = snap.active.as_mut().expect("mid-run");
        assert!(active.unreachable.insert("http://127.0.0.1:9/agent".into()));
        assert!(!active.unreachable.insert("http://127.0.0.1:9/agent".into()));
        let back = ThreadSnapshot::from_stored(&snap.to_stored().expect("serialise"));
        let back = back.expect("loads").active.expect("mid-run").unreachable;
        assert!(back.contains("http://127.0.0.1:9/agent"));
        assert!(!back.contains("http://127.0.0.1:10/agent"));
    }

    #[test]
    fn a_current_snapshot_reads_the_same_whether_its_version_leads_or_not() {
        let snap = ThreadSnapshot::from_stored(V1_RUNNING.as_bytes()).expect("v1 loads");
        let stored = snap.to_stored().expect("serialise");
        assert_eq!(leading_version(&stored), Some(SCHEMA_VERSION));
        // A `Value` sorts the keys: the version no longer leads and the general path reads it.
        let reordered = json(&stored).to_string();
        assert_eq!(leading_version(reordered.as_bytes()), None);
        let fast = ThreadSnapshot::from_stored(&stored).expect("fast path");
        let general = ThreadSnapshot::from_stored(reordered.as_bytes()).expect("general path");
        assert_eq!((&fast, &general), (&snap, &snap));
        let cut = &stored[..stored.len() - 1];
        assert!(matches!(
            ThreadSnapshot::from_stored(cut),
            Err(SnapshotError::Parse(_))
        ));
        for (bytes, want) in [
            (&b"{\"schemaVersion\":2,\"x\":1}"[..], Some(2)),
            (b"{\"schemaVersion\":12}", None),
            (b"{\"schemaVersion\":\"2\",", None),
            (b"{ \"schemaVersion\":2,", None),
        ] {
            assert_eq!(
                leading_version(bytes),
                want,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn a_newer_or_malformed_schema_version_is_refused() {
        let mut v = json(V1_FINISHED.as_bytes());
        v["schemaVersion"] = (SCHEMA_VERSION + 1).into();
        let err = ThreadSnapshot::from_stored(v.to_string().as_bytes()).expect_err("newer");
        assert!(matches!(err, SnapshotError::Newer(3)), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("schemaVersion 3") && text.contains("(2)"),
            "{text}"
        );
        for bad in [
            Value::from("2"),
            Value::from(0),
            Value::from(-1),
            Value::Null,
        ] {
            v["schemaVersion"] = bad;
            let err = ThreadSnapshot::from_stored(v.to_string().as_bytes()).expect_err("bad");
            assert!(matches!(err, SnapshotError::BadVersion(_)), "{err:?}");
        }
    }
}
