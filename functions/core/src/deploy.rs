//! A deploy elsewhere (Vercel) as stored state, the pure part. A deploy outlives the request
//! that starts it (Vercel may take minutes; the proxy in front of the API cuts a request at
//! 45 s): the request records a [`DeployRecord`] and enqueues a [`DeployMessage`], and answers
//! with a [`DeployView`] at once; whoever takes the message (a worker of `appgen serve`, the
//! `deploy` function on the Functions host) works on it, every stage a stored record and a
//! thread-stream event.
//!
//! Delivery is at least once, as for steps: an attempt takes the deploy ([`DeployRecord::take`])
//! before working, a live attempt's heartbeat holds it, and a redelivered message resumes at
//! the stage the record says (a deployment whose id is recorded is waited for, never created
//! again). A deploy whose worker died is picked up again by the redelivery; attempts are
//! counted, so one that kills its process every time ends failed after [`MAX_TRIES`].

use crate::live::Person;
use crate::retry::MAX_TRIES;
use crate::vercel::DeployError;
use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};

/// The queue deploys are worked from; its poison queue is `deploy-poison`
/// (`step::WorkQueue::Deploy`).
pub const DEPLOY_QUEUE: &str = "deploy";

/// How often a working deploy writes its heartbeat.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A deploy whose heartbeat is older than this has lost its worker (six missed heartbeats):
/// another attempt may take it over.
pub const LOST_AFTER_MS: i64 = 60_000;
/// How many of a thread's deploys a list shows, newest first.
pub const LIST_LIMIT: usize = 20;

/// Where a deploy is. `pending` → `uploading` → `building` → `ready` / `failed`; the last two
/// are final.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum DeployStage {
    /// Accepted; the work has not started yet.
    Pending,
    /// The built files are being uploaded.
    Uploading,
    /// Vercel has the deployment (`deployment`: its id) and is making it live.
    Building { deployment: String },
    /// Live at `url`.
    Ready { url: String, deployment: String },
    /// Why not: the same codes as the API's errors (`deploy_token_rejected`, `deploy_failed`,
    /// `rate_limited`), and Vercel's message when it gave one.
    Failed { code: ApiErrorCode, message: String },
}

impl DeployStage {
    pub fn is_final(&self) -> bool {
        matches!(self, DeployStage::Ready { .. } | DeployStage::Failed { .. })
    }

    /// How a deploy that did not go live ended.
    pub fn failed(e: &DeployError) -> DeployStage {
        DeployStage::Failed {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// A deploy as clients see it: the answer of `POST …/deploy/vercel` (202), of `GET
/// …/deploy/vercel/{id}`, and the thread stream's `deploy` event at each stage.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployView {
    pub id: String,
    pub version: u32,
    /// Who asked for it.
    pub by: Person,
    pub started_at: i64,
    /// When its stage last changed.
    pub updated_at: i64,
    pub state: DeployStage,
}

/// The answer of `GET /api/threads/{threadId}/deploy/vercel`: the newest first.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployList {
    pub deploys: Vec<DeployView>,
}

/// The queue message that asks for a deploy to be worked on; everything else is in its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployMessage {
    pub thread_id: String,
    pub deploy_id: String,
}

impl DeployMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<DeployMessage, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// A deploy as stored (`{threadId}/deploys/{id}`): the view, and who works on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRecord {
    pub view: DeployView,
    /// The attempt working on it (`{boot}:{random}`), empty until one takes it.
    pub worker: String,
    /// The worker's last sign of life (ms); the record's creation before any.
    pub heartbeat_at: i64,
    /// Attempts that took it so far (an attempt that crashes never reports back).
    #[serde(default)]
    pub attempts: u32,
    /// The token given with the request, sealed with the server's key; `None`: the server's
    /// own token. Dropped once the deploy is final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_token: Option<String>,
}

/// What a delivered deploy message may do with the record it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Work on it (as a new attempt).
    Work,
    /// A live attempt holds it; look again after this many ms.
    Held(i64),
    /// It is final: nothing to do.
    Ended,
    /// This many attempts took it and none finished it: end it.
    Exhausted(u32),
}

impl DeployRecord {
    pub fn new(
        id: &str,
        version: u32,
        by: Person,
        sealed_token: Option<String>,
        now: i64,
    ) -> DeployRecord {
        DeployRecord {
            view: DeployView {
                id: id.to_owned(),
                version,
                by,
                started_at: now,
                updated_at: now,
                state: DeployStage::Pending,
            },
            worker: String::new(),
            heartbeat_at: now,
            attempts: 0,
            sealed_token,
        }
    }

    /// Moves to `stage` (a heartbeat too); a final stage is never left, and reaching one drops
    /// the sealed token. Whether it changed.
    pub fn advance(&mut self, stage: DeployStage, now: i64) -> bool {
        self.heartbeat_at = now;
        if self.view.state.is_final() || self.view.state == stage {
            return false;
        }
        if stage.is_final() {
            self.sealed_token = None;
        }
        self.view.state = stage;
        self.view.updated_at = now;
        true
    }

    /// Whether its worker is gone: it is not final and either its heartbeat is older than
    /// [`LOST_AFTER_MS`] or `worker_dead` (one process owns the storage and it is not the
    /// worker: the worker belonged to an earlier boot).
    pub fn lost(&self, now: i64, worker_dead: bool) -> bool {
        !self.view.state.is_final() && (worker_dead || now - self.heartbeat_at > LOST_AFTER_MS)
    }

    /// What a delivery of its message may do: the one rule of who works on a deploy.
    /// `worker_dead` as for [`Self::lost`].
    pub fn take(&self, now: i64, worker_dead: bool) -> Take {
        if self.view.state.is_final() {
            return Take::Ended;
        }
        if !self.worker.is_empty() && !self.lost(now, worker_dead) {
            let left = LOST_AFTER_MS - (now - self.heartbeat_at);
            return Take::Held(left.clamp(100, 30_000));
        }
        if self.attempts >= MAX_TRIES {
            return Take::Exhausted(self.attempts);
        }
        Take::Work
    }

    /// Records that `worker` took it (after [`Take::Work`]).
    pub fn taken_by(&mut self, worker: &str, now: i64) {
        self.worker = worker.to_owned();
        self.heartbeat_at = now;
        self.attempts += 1;
    }

    /// Ends it as failed with `message` (the retry policy gave up, or too many attempts died).
    pub fn give_up(&mut self, message: String, now: i64) -> bool {
        let failed = DeployStage::Failed {
            code: ApiErrorCode::DeployFailed,
            message,
        };
        self.advance(failed, now)
    }
}

/// Why a deploy was ended by the retry policy or after its attempts died, as the user reads it.
pub fn give_up_reason(tries: u32, fault: &str) -> String {
    format!(
        "the deploy was tried {tries} times and did not finish ({fault}), so it was stopped; \
         deploy again, and if it keeps failing, report it"
    )
}

/// A deploy id as the API takes it: what [`new_id`] makes (no `/`, so no other key is named).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A new deploy's id from 16 random bytes (hex).
pub fn new_id(random: [u8; 16]) -> String {
    format!("d-{}", &hex::encode(random)[..20])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> DeployRecord {
        let sealed = Some("sealed".to_owned());
        DeployRecord::new("d-1", 2, Person::new("key:al", Some("Al")), sealed, 1_000)
    }

    #[test]
    fn a_deploy_moves_forward_and_never_leaves_its_end() {
        let mut r = rec();
        assert_eq!(r.view.state, DeployStage::Pending);
        assert!(r.advance(DeployStage::Uploading, 2_000));
        assert!(!r.advance(DeployStage::Uploading, 3_000), "no change");
        assert_eq!((r.view.updated_at, r.heartbeat_at), (2_000, 3_000));
        assert!(r.sealed_token.is_some(), "kept while the work goes on");
        let ready = DeployStage::Ready {
            url: "https://x.vercel.app".into(),
            deployment: "dpl_1".into(),
        };
        assert!(r.advance(ready.clone(), 4_000));
        assert_eq!(r.sealed_token, None, "a final deploy keeps no token");
        assert!(
            !r.give_up("late".into(), 9_999_999),
            "a live deploy stays live"
        );
        assert_eq!(r.view.state, ready);
        assert_eq!(r.take(9_999_999, true), Take::Ended);
        let json = serde_json::to_value(&r.view).expect("json");
        assert_eq!(json["state"]["stage"], "ready");
        assert_eq!(json["state"]["url"], "https://x.vercel.app");
        assert_eq!(json["startedAt"], 1_000);
    }

    #[test]
    fn one_attempt_at_a_time_and_a_dead_one_is_taken_over_until_the_limit() {
        let mut r = rec();
        assert_eq!(r.take(1_000, false), Take::Work, "nobody has it yet");
        r.taken_by("boot-a:1", 1_000);
        r.advance(DeployStage::Uploading, 5_000);
        assert_eq!(
            r.take(6_000, false),
            Take::Held(30_000),
            "a live heartbeat holds it"
        );
        assert_eq!(r.take(5_000 + LOST_AFTER_MS - 200, false), Take::Held(200));
        assert_eq!(
            r.take(5_001 + LOST_AFTER_MS, false),
            Take::Work,
            "heartbeat too old"
        );
        assert_eq!(r.take(5_000, true), Take::Work, "its process is gone");
        for n in 2..=MAX_TRIES {
            r.taken_by(&format!("boot-{n}:1"), 10_000);
        }
        assert_eq!(r.attempts, MAX_TRIES);
        assert_eq!(r.take(10_000, true), Take::Exhausted(MAX_TRIES));
        assert!(r.give_up(give_up_reason(MAX_TRIES, "its process ended"), 70_000));
        assert!(!r.lost(999_999, true), "a failed deploy is not lost again");
        match &r.view.state {
            DeployStage::Failed { code, message } => {
                assert_eq!(*code, ApiErrorCode::DeployFailed);
                assert!(message.contains("tried 5 times") && message.contains("deploy again"));
            }
            other => panic!("expected failed, got {other:?}"),
        }
    }

    #[test]
    fn records_and_messages_keep_their_shape() {
        // A record written before attempts and tokens were kept still reads.
        let old = r#"{"view":{"id":"d-1","version":1,"by":{"principal":"al","name":"al","initials":"A"},"startedAt":1,"updatedAt":1,"state":{"stage":"pending"}},"worker":"boot","heartbeatAt":1}"#;
        let r: DeployRecord = serde_json::from_str(old).expect("old record");
        assert_eq!((r.attempts, r.sealed_token), (0, None));
        let m = DeployMessage {
            thread_id: "t".into(),
            deploy_id: "d-1".into(),
        };
        assert_eq!(m.to_json(), r#"{"threadId":"t","deployId":"d-1"}"#);
        assert_eq!(DeployMessage::from_json(&m.to_json()).expect("parse"), m);
    }

    #[test]
    fn failures_keep_the_apis_codes_and_ids_name_no_other_key() {
        let f = DeployStage::failed(&DeployError::TokenRejected("forbidden".into()));
        assert!(
            matches!(&f, DeployStage::Failed { code: ApiErrorCode::DeployTokenRejected, message } if message.contains("forbidden"))
        );
        let id = new_id([7; 16]);
        assert!(valid_id(&id) && id.len() == 22, "{id}");
        for bad in ["", "a/b", "..", "x y", &"a".repeat(41)] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }
}
