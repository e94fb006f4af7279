//! The Vercel client: uploads a [`DeployPlan`]'s files (`POST /v2/files`, `x-vercel-digest`),
//! creates the deployment (`POST /v13/deployments`; files Vercel reports missing are uploaded
//! and the create tried again, as Vercel documents), then polls `GET /v13/deployments/{id}`
//! until it is READY or ERROR. A deploy delivered again first looks for the deployment an
//! earlier attempt created (`GET /v6/deployments`, filtered by the deploy's id in `meta`).
//! What answers mean and when to try again is
//! `appgen_core::vercel`'s (and so `core::retry`'s); this file only speaks HTTP.

use appgen_core::retry::{Action, Delivered, MAX_TRIES, RetryPolicy, decide};
use appgen_core::vercel::{
    Answer, DEFAULT_API, DEPLOY_META_KEY, DeployError, DeployPlan, Deployment, DeploymentList,
    ReadyState, answer, create_body, created_earlier, outcome,
};
use reqwest::RequestBuilder;
use std::time::{Duration, Instant};

/// How often a deployment's state is read, and how long a deploy waits for READY.
const POLL: Duration = Duration::from_secs(2);
const WAIT_FOR: Duration = Duration::from_secs(120);

/// A deployment that went live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    pub id: String,
    pub url: String,
}

/// Where deploys go and the server's own token (`APPGEN_VERCEL_TOKEN`), if it has one: what
/// the deploy workers use, and what tells the UI to offer the button.
#[derive(Clone)]
pub struct VercelSetup {
    pub client: VercelClient,
    token: Option<String>,
}

impl VercelSetup {
    pub fn from_env() -> VercelSetup {
        let token = std::env::var("APPGEN_VERCEL_TOKEN").ok();
        VercelSetup::new(VercelClient::from_env(), token)
    }

    pub fn new(client: VercelClient, token: Option<String>) -> VercelSetup {
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        VercelSetup { client, token }
    }

    /// The server's token.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether the UI offers the button: the server has a token.
    pub fn configured(&self) -> bool {
        self.token.is_some()
    }
}

impl std::fmt::Debug for VercelSetup {
    // The token is a secret: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VercelSetup")
            .field("api", &self.client.api)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct VercelClient {
    http: reqwest::Client,
    api: String,
    /// `teamId` for tokens that deploy into a team (`APPGEN_VERCEL_TEAM`).
    team: Option<String>,
    policy: RetryPolicy,
    poll: Duration,
    wait_for: Duration,
}

/// A call's answer that is not a fault.
enum Sent {
    Ok(bytes::Bytes),
    Missing(Vec<String>),
}

impl VercelClient {
    /// The client for `APPGEN_VERCEL_API` (default: Vercel's API), `APPGEN_VERCEL_TEAM` and
    /// `APPGEN_VERCEL_POLL_MS` (how often a deployment's state is read).
    pub fn from_env() -> VercelClient {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let api = var("APPGEN_VERCEL_API").unwrap_or_else(|| DEFAULT_API.to_owned());
        let mut c = VercelClient::new(&api);
        c.team = var("APPGEN_VERCEL_TEAM");
        if let Some(ms) = var("APPGEN_VERCEL_POLL_MS").and_then(|v| v.trim().parse().ok()) {
            c.poll = Duration::from_millis(ms);
        }
        c
    }

    pub fn new(api: &str) -> VercelClient {
        VercelClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            api: api.trim_end_matches('/').to_owned(),
            team: None,
            policy: RetryPolicy {
                max_tries: MAX_TRIES,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(10),
            },
            poll: POLL,
            wait_for: WAIT_FOR,
        }
    }

    /// The same client reading a deployment's state every `poll` (tests' stand-ins build fast).
    pub fn with_poll(mut self, poll: Duration) -> VercelClient {
        self.poll = poll;
        self
    }

    /// Uploads each distinct file of `plan` once (the first stage of a deploy).
    pub async fn upload_all(&self, token: &str, plan: &DeployPlan) -> Result<(), DeployError> {
        for sha in plan.contents.keys() {
            self.upload(token, plan, sha).await?;
        }
        Ok(())
    }

    async fn upload(&self, token: &str, plan: &DeployPlan, sha: &str) -> Result<(), DeployError> {
        let Some(bytes) = plan.contents.get(sha) else {
            return Err(DeployError::Api {
                status: 400,
                message: format!("Vercel asked for a file this deployment does not have ({sha})"),
            });
        };
        let url = self.url("/v2/files");
        self.send(|| {
            self.http
                .post(&url)
                .bearer_auth(token)
                .header("x-vercel-digest", sha)
                .header(reqwest::header::CONTENT_LENGTH, bytes.len())
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes.clone())
        })
        .await
        .map(|_| ())
    }

    /// Creates the deployment for appgen's deploy `deploy`; uploads what Vercel reports
    /// missing and creates once more.
    pub async fn create(
        &self,
        token: &str,
        plan: &DeployPlan,
        deploy: &str,
    ) -> Result<Deployment, DeployError> {
        let url = self.url("/v13/deployments?skipAutoDetectionConfirmation=1");
        let body = create_body(plan, deploy);
        for _ in 0..2 {
            let sent = self
                .send(|| self.http.post(&url).bearer_auth(token).json(&body))
                .await?;
            match sent {
                Sent::Ok(bytes) => return parse(&bytes),
                Sent::Missing(shas) => {
                    for sha in &shas {
                        self.upload(token, plan, sha).await?;
                    }
                }
            }
        }
        Err(DeployError::Api {
            status: 400,
            message: "Vercel still reports missing files after they were uploaded again".into(),
        })
    }

    /// The deployment an earlier attempt of deploy `deploy` created, if Vercel has one: the
    /// project's deployments filtered by the deploy's meta, as `vercel list --meta` asks.
    pub async fn find(
        &self,
        token: &str,
        plan: &DeployPlan,
        deploy: &str,
    ) -> Result<Option<Deployment>, DeployError> {
        let url = self.url("/v6/deployments");
        let meta = format!("meta-{DEPLOY_META_KEY}");
        let query = [
            ("app", plan.name.as_str()),
            (&meta, deploy),
            ("limit", "20"),
        ];
        match (self.send(|| self.http.get(&url).query(&query).bearer_auth(token))).await? {
            Sent::Ok(bytes) => serde_json::from_slice::<DeploymentList>(&bytes)
                .map(|list| created_earlier(&list, deploy))
                .map_err(|_| unexpected("the list of deployments")),
            Sent::Missing(_) => Err(unexpected("the list of deployments")),
        }
    }

    /// Reads the deployment until it is READY (its URL) or ERROR, for up to 2 minutes.
    pub async fn wait(&self, token: &str, mut d: Deployment) -> Result<Deployed, DeployError> {
        let deadline = Instant::now() + self.wait_for;
        loop {
            if let Some(done) = outcome(&d) {
                return done.map(|url| Deployed { id: d.id, url });
            }
            if Instant::now() >= deadline {
                return Err(DeployError::Timeout(self.wait_for.as_secs()));
            }
            tokio::time::sleep(self.poll).await;
            let url = self.url(&format!("/v13/deployments/{}", d.id));
            match self.send(|| self.http.get(&url).bearer_auth(token)).await? {
                Sent::Ok(bytes) => d = parse(&bytes)?,
                Sent::Missing(_) => return Err(unexpected("a deployment's state")),
            }
        }
    }

    /// Waits for a deployment created earlier (a resumed deploy that recorded its id), as
    /// [`Self::wait`] does: nothing is created again.
    pub async fn resume(&self, token: &str, id: &str) -> Result<Deployed, DeployError> {
        let known = Deployment {
            id: id.to_owned(),
            url: String::new(),
            ready_state: ReadyState::Unknown,
            error_message: None,
        };
        self.wait(token, known).await
    }

    /// Sends the request `build` makes until its answer is final, waiting between tries as
    /// the core decides.
    async fn send(&self, build: impl Fn() -> RequestBuilder) -> Result<Sent, DeployError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let resp = match build().send().await {
                Ok(r) => r,
                Err(e) => match decide(Delivered::Faulted, tries, &self.policy) {
                    Action::Retry(wait) => {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    _ => return Err(DeployError::Unreachable(e.to_string())),
                },
            };
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.trim().parse().ok())
                .map(Duration::from_secs);
            let body = resp.bytes().await.unwrap_or_default();
            match answer(status, retry_after, &body, tries, &self.policy) {
                Answer::Ok => return Ok(Sent::Ok(body)),
                Answer::Missing(shas) => return Ok(Sent::Missing(shas)),
                Answer::Again(wait) => tokio::time::sleep(wait).await,
                Answer::Fail(e) => return Err(e),
            }
        }
    }

    fn url(&self, path: &str) -> String {
        let mut url = format!("{}{path}", self.api);
        if let Some(team) = &self.team {
            let sep = if path.contains('?') { '&' } else { '?' };
            url.push_str(&format!("{sep}teamId={team}"));
        }
        url
    }
}

fn parse(bytes: &[u8]) -> Result<Deployment, DeployError> {
    serde_json::from_slice(bytes).map_err(|_| unexpected("a deployment"))
}

fn unexpected(what: &str) -> DeployError {
    DeployError::Api {
        status: 200,
        message: format!("Vercel's answer for {what} was not understood"),
    }
}
