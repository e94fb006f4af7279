//! One-click deploy to Vercel, the pure part: which files a version's deployment carries, their
//! SHA-1 digests, the bodies of Vercel's documented REST calls (`POST /v2/files` with
//! `x-vercel-digest`, `POST /v13/deployments`, `GET /v13/deployments/{id}`), what an answer
//! means, and when to try again (through [`crate::retry`], the one retry policy).
//!
//! The built `dist/` is deployed as it is, plus a `vercel.json` that serves it as a single-page
//! app: Vercel applies rewrites only where no file matches, so assets are served and every
//! other path gets `index.html`. Nothing is built on Vercel.

use crate::retry::{Action, Delivered, RetryPolicy, backoff, decide};
use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;
use std::time::Duration;

/// Vercel's API, unless `APPGEN_VERCEL_API` names another (the tests' stand-in).
pub const DEFAULT_API: &str = "https://api.vercel.com";

/// The config file Vercel reads at the root of a deployment.
pub const CONFIG_FILE: &str = "vercel.json";

/// SHA-1 of `bytes` as 40 lowercase hex digits: the digest Vercel files are uploaded under.
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// One entry of the deployment's `files`: a path and the digest of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployFile {
    pub file: String,
    pub sha: String,
    pub size: u64,
}

/// What a deployment carries: the file list, and each distinct content by its digest (the
/// uploads; two paths with the same bytes are uploaded once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployPlan {
    pub name: String,
    pub files: Vec<DeployFile>,
    pub contents: BTreeMap<String, Vec<u8>>,
}

/// The `vercel.json` a deployment gets: the single-page fallback and long caching for Vite's
/// content-hashed assets.
pub fn spa_config() -> Value {
    json!({
        "rewrites": [{"source": "/(.*)", "destination": "/index.html"}],
        "headers": [{
            "source": "/assets/(.*)",
            "headers": [{"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}]
        }]
    })
}

/// The plan for a version's built files (path inside `dist/`, bytes), named after the app's
/// title (a Vercel project name: lowercase letters, digits and `-`). A `vercel.json` among the
/// built files is replaced by [`spa_config`].
pub fn plan(title: &str, dist: &[(String, Vec<u8>)]) -> DeployPlan {
    let config = serde_json::to_vec_pretty(&spa_config()).unwrap_or_default();
    let all = dist
        .iter()
        .filter(|(p, _)| p != CONFIG_FILE)
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .chain([(CONFIG_FILE, config.as_slice())]);
    let mut files = Vec::new();
    let mut contents = BTreeMap::new();
    for (path, bytes) in all {
        let sha = sha1_hex(bytes);
        files.push(DeployFile {
            file: path.to_owned(),
            sha: sha.clone(),
            size: bytes.len() as u64,
        });
        contents.entry(sha).or_insert_with(|| bytes.to_vec());
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    DeployPlan {
        name: crate::publish::slug_base(title),
        files,
        contents,
    }
}

/// The deployment `meta` key that carries appgen's deploy id. Vercel's API takes no
/// idempotency key, so an attempt that died after Vercel created the deployment but before
/// the record kept its id is found again by this (see [`created_earlier`]).
pub const DEPLOY_META_KEY: &str = "appgenDeploy";

/// The body of `POST /v13/deployments` for appgen's deploy `deploy`: the uploaded files, no
/// framework and no build (the files are the built app), to production so the project's
/// domain serves it, tagged with the deploy's id.
pub fn create_body(plan: &DeployPlan, deploy: &str) -> Value {
    json!({
        "name": plan.name,
        "meta": {DEPLOY_META_KEY: deploy},
        "files": plan.files,
        "projectSettings": {
            "framework": null,
            "buildCommand": null,
            "installCommand": null,
            "outputDirectory": null
        },
        "target": "production"
    })
}

/// Where a deployment is (`readyState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReadyState {
    Queued,
    Initializing,
    Building,
    Ready,
    Error,
    Canceled,
    /// A state this client does not know yet: keep waiting.
    #[serde(other)]
    Unknown,
}

impl ReadyState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReadyState::Ready | ReadyState::Error | ReadyState::Canceled
        )
    }
}

/// The fields of a deployment this client reads (create's and get's answers).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    /// Host name without a scheme, e.g. `todo-abc123.vercel.app`.
    pub url: String,
    pub ready_state: ReadyState,
    #[serde(default)]
    pub error_message: Option<String>,
}

impl Deployment {
    pub fn https_url(&self) -> String {
        if self.url.contains("://") {
            self.url.clone()
        } else {
            format!("https://{}", self.url)
        }
    }
}

/// `GET /v6/deployments`'s answer, the fields this client reads (the list names a
/// deployment's id `uid` and its ready state `state`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeploymentList {
    #[serde(default)]
    pub deployments: Vec<ListedDeployment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListedDeployment {
    pub uid: String,
    #[serde(default)]
    pub url: String,
    #[serde(alias = "readyState")]
    pub state: ReadyState,
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
}

/// The deployment an earlier attempt of deploy `deploy` created, if the list has one. The
/// meta is compared here too, so a server that ignored the `meta-` filter cannot hand back
/// another deploy's deployment.
pub fn created_earlier(list: &DeploymentList, deploy: &str) -> Option<Deployment> {
    let d = (list.deployments.iter())
        .find(|d| d.meta.get(DEPLOY_META_KEY).and_then(Value::as_str) == Some(deploy))?;
    Some(Deployment {
        id: d.uid.clone(),
        url: d.url.clone(),
        ready_state: d.state,
        error_message: None,
    })
}

/// Vercel's error body, `{"error": {code, message, missing?}}` (also accepted unwrapped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiFault {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// With `missing_files`: the digests Vercel does not have.
    #[serde(default)]
    pub missing: Vec<String>,
}

impl ApiFault {
    pub fn parse(body: &[u8]) -> ApiFault {
        #[derive(Deserialize)]
        struct Wrapped {
            error: ApiFault,
        }
        serde_json::from_slice::<Wrapped>(body)
            .map(|w| w.error)
            .or_else(|_| serde_json::from_slice::<ApiFault>(body))
            .unwrap_or_default()
    }
}

/// Why a deploy did not end with a live URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    #[error("no Vercel token: set APPGEN_VERCEL_TOKEN on the server or give one with the request")]
    NoToken,
    #[error("Vercel refused the token ({0}); check that it is valid and may deploy")]
    TokenRejected(String),
    #[error("Vercel is rate limiting this token; try again in {0} s")]
    RateLimited(u64),
    #[error("the deployment failed on Vercel: {0}")]
    Failed(String),
    #[error("Vercel answered {status}: {message}")]
    Api { status: u16, message: String },
    #[error("Vercel could not be reached: {0}")]
    Unreachable(String),
    #[error("the deployment was not ready after {0} s; it may still finish on Vercel")]
    Timeout(u64),
    /// This side cannot go on (the version's files are gone, the request's token cannot be
    /// read): the message says why.
    #[error("{0}")]
    Cannot(String),
}

impl DeployError {
    pub fn code(&self) -> ApiErrorCode {
        match self {
            DeployError::NoToken => ApiErrorCode::DeployNotConfigured,
            DeployError::TokenRejected(_) => ApiErrorCode::DeployTokenRejected,
            DeployError::RateLimited(_) => ApiErrorCode::RateLimited,
            DeployError::Failed(_)
            | DeployError::Api { .. }
            | DeployError::Unreachable(_)
            | DeployError::Timeout(_)
            | DeployError::Cannot(_) => ApiErrorCode::DeployFailed,
        }
    }
}

/// What an answer to one of the calls means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// Try the same call again after this long.
    Again(Duration),
    /// `POST /v13/deployments` lacks these uploads: upload them, then create again.
    Missing(Vec<String>),
    Fail(DeployError),
}

/// The meaning of an answer with `status` to the `tries`-th try of a call. Rate limits and
/// server faults are tried again as [`crate::retry`] decides, after `Retry-After` when Vercel
/// gives one; a wait longer than the policy's longest backoff is not waited out but reported.
pub fn answer(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    tries: u32,
    policy: &RetryPolicy,
) -> Answer {
    if (200..300).contains(&status) {
        return Answer::Ok;
    }
    let fault = ApiFault::parse(body);
    let transient = status == 429 || status >= 500;
    if transient {
        let wait = retry_after.unwrap_or_else(|| backoff(tries, policy));
        return match decide(Delivered::Faulted, tries, policy) {
            Action::Retry(_) if wait <= policy.max_delay => Answer::Again(wait),
            _ if status == 429 => Answer::Fail(DeployError::RateLimited(wait.as_secs().max(1))),
            _ => Answer::Fail(api_error(status, fault)),
        };
    }
    match (status, fault.code.as_str()) {
        (401 | 403, _) => Answer::Fail(DeployError::TokenRejected(describe(status, &fault))),
        (_, "missing_files") if !fault.missing.is_empty() => Answer::Missing(fault.missing),
        _ => Answer::Fail(api_error(status, fault)),
    }
}

fn api_error(status: u16, fault: ApiFault) -> DeployError {
    DeployError::Api {
        status,
        message: describe(status, &fault),
    }
}

fn describe(status: u16, fault: &ApiFault) -> String {
    match (fault.code.is_empty(), fault.message.is_empty()) {
        (true, true) => format!("HTTP {status}"),
        (false, true) => fault.code.clone(),
        (true, false) => fault.message.clone(),
        (false, false) => format!("{}: {}", fault.code, fault.message),
    }
}

/// A finished deployment's outcome: its URL when READY, else why not.
pub fn outcome(d: &Deployment) -> Option<Result<String, DeployError>> {
    match d.ready_state {
        ReadyState::Ready => Some(Ok(d.https_url())),
        ReadyState::Error => Some(Err(DeployError::Failed(
            d.error_message
                .clone()
                .unwrap_or_else(|| "the deployment ended in ERROR".into()),
        ))),
        ReadyState::Canceled => Some(Err(DeployError::Failed("it was canceled".into()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy {
        max_tries: 3,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(5),
    };

    #[test]
    fn sha1_is_the_standard_digest() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn the_plan_lists_every_built_file_and_the_spa_config_once_per_content() {
        let dist = vec![
            ("index.html".to_owned(), b"<html></html>".to_vec()),
            ("assets/a.js".to_owned(), b"x".to_vec()),
            ("assets/copy.js".to_owned(), b"x".to_vec()),
            ("vercel.json".to_owned(), b"{}".to_vec()),
        ];
        let p = plan("Todo List!", &dist);
        assert_eq!(p.name, "todo-list");
        let paths: Vec<&str> = p.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            paths,
            ["assets/a.js", "assets/copy.js", "index.html", "vercel.json"]
        );
        assert_eq!(p.contents.len(), 3, "the two copies are uploaded once");
        for f in &p.files {
            let bytes = &p.contents[&f.sha];
            assert_eq!(
                (sha1_hex(bytes), bytes.len() as u64),
                (f.sha.clone(), f.size)
            );
        }
        let config: Value = serde_json::from_slice(&p.contents[&p.files[3].sha]).expect("json");
        assert_eq!(config["rewrites"][0]["destination"], "/index.html");
        let body = create_body(&p, "d-1");
        assert_eq!(body["meta"][DEPLOY_META_KEY], "d-1");
        assert_eq!(body["files"][2]["file"], "index.html");
        assert_eq!(body["files"][2]["size"], 13);
        assert_eq!(body["projectSettings"]["framework"], Value::Null);
    }

    #[test]
    fn rate_limits_wait_as_told_within_the_retry_policy() {
        let two = Duration::from_secs(2);
        let ra = Some(two);
        assert_eq!(answer(429, ra, b"", 1, &P), Answer::Again(two));
        assert_eq!(
            answer(429, None, b"", 2, &P),
            Answer::Again(Duration::from_millis(200))
        );
        assert_eq!(
            answer(429, Some(Duration::from_secs(60)), b"", 1, &P),
            Answer::Fail(DeployError::RateLimited(60))
        );
        assert_eq!(
            answer(429, ra, b"", 3, &P),
            Answer::Fail(DeployError::RateLimited(2))
        );
        assert!(matches!(
            answer(503, None, b"", 3, &P),
            Answer::Fail(DeployError::Api { status: 503, .. })
        ));
    }

    #[test]
    fn an_earlier_attempts_deployment_is_found_by_its_deploy_id_only() {
        let list: DeploymentList = serde_json::from_value(json!({"deployments": [
            {"uid": "dpl_a", "url": "a.vercel.app", "state": "READY", "meta": {"appgenDeploy": "d-2"}},
            {"uid": "dpl_b", "url": "b.vercel.app", "state": "BUILDING", "meta": {"appgenDeploy": "d-1"}},
            {"uid": "dpl_c", "url": "c.vercel.app", "state": "READY"}
        ], "pagination": {"count": 3}}))
        .expect("list");
        let found = created_earlier(&list, "d-1").expect("found");
        assert_eq!(
            (found.id.as_str(), found.ready_state),
            ("dpl_b", ReadyState::Building)
        );
        assert!(created_earlier(&list, "d-3").is_none());
        assert!(created_earlier(&DeploymentList::default(), "d-1").is_none());
    }

    #[test]
    fn errors_are_read_from_vercels_body() {
        let missing = br#"{"error":{"code":"missing_files","message":"Missing files","missing":["ab","cd"]}}"#;
        assert_eq!(
            answer(400, None, missing, 1, &P),
            Answer::Missing(vec!["ab".into(), "cd".into()])
        );
        let flat = br#"{"code":"missing_files","message":"Missing files","missing":["ab"]}"#;
        assert_eq!(
            answer(400, None, flat, 1, &P),
            Answer::Missing(vec!["ab".into()])
        );
        let bad = br#"{"error":{"code":"forbidden","message":"Not authorized"}}"#;
        assert_eq!(
            answer(401, None, bad, 1, &P),
            Answer::Fail(DeployError::TokenRejected(
                "forbidden: Not authorized".into()
            ))
        );
        assert_eq!(
            answer(400, None, b"not json", 1, &P),
            Answer::Fail(DeployError::Api {
                status: 400,
                message: "HTTP 400".into()
            })
        );
        assert_eq!(answer(200, None, b"", 9, &P), Answer::Ok);
    }

    #[test]
    fn a_deployment_ends_ready_with_its_url_or_with_its_error() {
        let d = |state: &str, msg: Option<&str>| -> Deployment {
            serde_json::from_value(json!({
                "id": "dpl_1", "url": "todo-1.vercel.app", "readyState": state,
                "errorMessage": msg
            }))
            .expect("deployment")
        };
        assert_eq!(outcome(&d("BUILDING", None)), None);
        assert_eq!(outcome(&d("SOMETHING_NEW", None)), None);
        assert_eq!(
            outcome(&d("READY", None)),
            Some(Ok("https://todo-1.vercel.app".into()))
        );
        assert_eq!(
            outcome(&d("ERROR", Some("boom"))),
            Some(Err(DeployError::Failed("boom".into())))
        );
        assert!(ReadyState::Canceled.is_final() && !ReadyState::Queued.is_final());
    }
}
