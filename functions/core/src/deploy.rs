//! A deploy elsewhere (Vercel) as stored state, the pure part. A deploy outlives the request
//! that starts it (Vercel may take minutes; the proxy in front of the API cuts a request at
//! 45 s): the request answers with a [`DeployView`] at once, the work goes on in the process
//! that took it, and every step of it is a stored [`DeployRecord`] and a thread-stream event.
//!
//! Nothing continues a deploy whose process ended (the per-request token is never stored);
//! instead the worker writes a heartbeat, and whoever reads a record whose worker is gone
//! ([`DeployRecord::lost`]) ends it as failed, so a deploy is never "pending" for ever.

use crate::live::Person;
use crate::vercel::DeployError;
use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};

/// How often a working deploy writes its heartbeat.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A deploy whose heartbeat is older than this has lost its worker (six missed heartbeats).
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

/// A deploy as stored (`{threadId}/deploys/{id}`): the view, and who works on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRecord {
    pub view: DeployView,
    /// The process doing the work (its boot id).
    pub worker: String,
    /// The worker's last sign of life (ms).
    pub heartbeat_at: i64,
}

impl DeployRecord {
    pub fn new(id: &str, version: u32, by: Person, worker: &str, now: i64) -> DeployRecord {
        DeployRecord {
            view: DeployView {
                id: id.to_owned(),
                version,
                by,
                started_at: now,
                updated_at: now,
                state: DeployStage::Pending,
            },
            worker: worker.to_owned(),
            heartbeat_at: now,
        }
    }

    /// Moves to `stage` (a heartbeat too); a final stage is never left. Whether it changed.
    pub fn advance(&mut self, stage: DeployStage, now: i64) -> bool {
        self.heartbeat_at = now;
        if self.view.state.is_final() || self.view.state == stage {
            return false;
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

    /// Ends a deploy whose worker is gone.
    pub fn mark_lost(&mut self, now: i64) -> bool {
        self.advance(
            DeployStage::Failed {
                code: ApiErrorCode::DeployFailed,
                message: "the server deploying it stopped before the deployment was live; \
                          deploy again"
                    .into(),
            },
            now,
        )
    }
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
        DeployRecord::new("d-1", 2, Person::new("key:al", Some("Al")), "boot-a", 1_000)
    }

    #[test]
    fn a_deploy_moves_forward_and_never_leaves_its_end() {
        let mut r = rec();
        assert_eq!(r.view.state, DeployStage::Pending);
        assert!(r.advance(DeployStage::Uploading, 2_000));
        assert!(!r.advance(DeployStage::Uploading, 3_000), "no change");
        assert_eq!((r.view.updated_at, r.heartbeat_at), (2_000, 3_000));
        let ready = DeployStage::Ready {
            url: "https://x.vercel.app".into(),
            deployment: "dpl_1".into(),
        };
        assert!(r.advance(ready.clone(), 4_000));
        assert!(!r.mark_lost(9_999_999), "a live deploy stays live");
        assert_eq!(r.view.state, ready);
        let json = serde_json::to_value(&r.view).expect("json");
        assert_eq!(json["state"]["stage"], "ready");
        assert_eq!(json["state"]["url"], "https://x.vercel.app");
        assert_eq!(json["startedAt"], 1_000);
    }

    #[test]
    fn a_deploy_without_a_worker_ends_failed_after_the_bound() {
        let mut r = rec();
        r.advance(DeployStage::Uploading, 5_000);
        assert!(!r.lost(5_000 + LOST_AFTER_MS, false), "within the bound");
        assert!(r.lost(5_001 + LOST_AFTER_MS, false), "heartbeat too old");
        assert!(r.lost(5_000, true), "its process is gone");
        assert!(r.mark_lost(70_000));
        assert!(!r.lost(999_999, true), "a failed deploy is not lost again");
        match &r.view.state {
            DeployStage::Failed { code, message } => {
                assert_eq!(*code, ApiErrorCode::DeployFailed);
                assert!(message.contains("deploy again"), "{message}");
            }
            other => panic!("expected failed, got {other:?}"),
        }
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
