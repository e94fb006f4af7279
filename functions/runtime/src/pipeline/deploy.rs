//! Deploys to Vercel as queue work (`appgen_core::deploy` holds the rules): the request
//! stores the record at `{threadId}/deploys/{id}` (create-only), lists it under `deploying/`
//! and enqueues a [`DeployMessage`]; whoever takes the message (`worker.rs` in `serve`, the
//! `deploy` function on the Functions host) takes the record with If-Match, works from the
//! stage it says, and writes each stage and a heartbeat, told on the thread stream. A
//! redelivery finds a live attempt's heartbeat and waits, or a dead one's and takes over:
//! a deployment whose id is recorded is waited for, never created again.

use super::{BuiltVersion, Disposition, Fault, Pipeline};
use crate::now_ms;
use crate::seal::Sealer;
use appgen_core::deploy::{
    DeployMessage, DeployRecord, DeployStage, DeployView, HEARTBEAT_MS, LIST_LIMIT, Take,
    give_up_reason, new_id,
};
use appgen_core::live::{Person, ThreadEvent};
use appgen_core::ports::{Container, ETag, StoreError, WriteCondition};
use appgen_core::step::WorkQueue;
use appgen_core::vercel::{DeployError, DeployPlan, Deployment, plan};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tracing::{info, warn};

/// Where a deploy's record is stored. Public so tests can leave a record as another
/// process would, without a second copy of the layout.
pub fn deploy_record_key(thread: &str, id: &str) -> String {
    format!("{thread}/deploys/{id}")
}

/// Where unfinished deploys are listed for the sweeper (`deploying/{thread}/{id}`), as
/// `running/` lists threads with a run.
const DEPLOYING: &str = "deploying/";

/// Where an unfinished deploy is listed for the sweeper.
pub fn deploy_listing_key(thread: &str, id: &str) -> String {
    format!("{DEPLOYING}{thread}/{id}")
}

/// What delivering a deploy's message came to before any work.
enum Took {
    Mine(Box<(DeployRecord, ETag)>, String),
    Skip,
    Held(Duration),
}

impl Pipeline {
    /// Records a deploy of `version` as pending, lists it, tells the stream and enqueues its
    /// message; answers at once. The caller has checked who may (`built_for_deploy`) and that
    /// there is a token: `token` (the request's, stored only sealed), else the server's.
    pub async fn start_deploy(
        &self,
        thread: &str,
        by: &Person,
        version: u32,
        token: Option<&str>,
    ) -> Result<DeployView, StoreError> {
        let id = new_id(*uuid::Uuid::new_v4().as_bytes());
        let sealed = token.map(|t| self.sealer().seal(t));
        let rec = DeployRecord::new(&id, version, by.clone(), sealed, now_ms());
        let blobs = self.threads.blobs();
        let listed = deploy_listing_key(thread, &id);
        (blobs.put(
            Container::Threads,
            &listed,
            Vec::new(),
            "text/plain",
            WriteCondition::Any,
        ))
        .await?;
        self.put_deploy(thread, &rec, WriteCondition::CreateOnly)
            .await?;
        self.tell_deploy(thread, &rec.view).await;
        // A lost send is not the request's failure: the sweeper re-sends a deploy nobody took.
        if let Err(e) = self.send_deploy(thread, &id).await {
            warn!(thread_id = %thread, deploy = %id, error = %e, "enqueueing a deploy (the sweeper will)");
        }
        Ok(rec.view)
    }

    /// A deploy of the thread, if `principal` may read the thread and it exists.
    pub async fn deploy_of(
        &self,
        thread: &str,
        principal: &str,
        id: &str,
    ) -> Result<Option<DeployView>, StoreError> {
        if self.thread_for(thread, principal).await?.is_none() {
            return Ok(None);
        }
        Ok(self.load_deploy(thread, id).await?.map(|(r, _)| r.view))
    }

    /// The thread's newest deploys (at most `LIST_LIMIT`).
    pub async fn deploys_of(
        &self,
        thread: &str,
        principal: &str,
    ) -> Result<Option<Vec<DeployView>>, StoreError> {
        if self.thread_for(thread, principal).await?.is_none() {
            return Ok(None);
        }
        let prefix = deploy_record_key(thread, "");
        let keys = (self.threads.blobs())
            .list(Container::Threads, &prefix)
            .await?;
        let mut out = Vec::new();
        for k in keys {
            let id = k.strip_prefix(&prefix).unwrap_or(&k);
            if let Some((rec, _)) = self.load_deploy(thread, id).await? {
                out.push(rec.view);
            }
        }
        out.sort_by(|a, b| (b.started_at, &b.id).cmp(&(a.started_at, &a.id)));
        out.truncate(LIST_LIMIT);
        Ok(Some(out))
    }

    /// For every listed deploy: unlists an ended one, and re-sends the message of one whose
    /// worker is gone (or that nobody took), so its redelivery picks it up. `resend_all`
    /// re-sends every unfinished one (startup on the embedded backend, whose queue is not
    /// flushed). Returns (unlisted, re-sent).
    pub async fn sweep_deploys(&self, resend_all: bool) -> Result<(usize, usize), Fault> {
        let blobs = self.threads.blobs();
        let (mut unlisted, mut resent) = (0, 0);
        for listed in blobs.list(Container::Threads, DEPLOYING).await? {
            let Some((thread, id)) =
                (listed.strip_prefix(DEPLOYING)).and_then(|r| r.rsplit_once('/'))
            else {
                continue;
            };
            let rec = self.load_deploy(thread, id).await?.map(|(r, _)| r);
            match rec {
                Some(r) if !r.view.state.is_final() => {
                    if resend_all || r.lost(now_ms(), self.worker_dead(&r)) {
                        warn!(thread_id = %thread, deploy = %id, "deploy not worked on; re-sending it");
                        self.send_deploy(thread, id).await?;
                        resent += 1;
                    }
                }
                _ => {
                    blobs.delete(Container::Threads, &listed).await?;
                    unlisted += 1;
                }
            }
        }
        Ok((unlisted, resent))
    }

    /// Works on one delivered deploy message: takes the deploy, then goes on from its stage.
    pub(super) async fn run_deploy(&self, msg: &DeployMessage) -> Result<Disposition, Fault> {
        let (current, attempt) = match self.take_deploy(msg).await? {
            Took::Mine(current, attempt) => (current, attempt),
            Took::Skip => return Ok(Disposition::Done),
            Took::Held(wait) => return Ok(Disposition::Held(wait)),
        };
        let work = Deploying {
            pipeline: self,
            thread: msg.thread_id.clone(),
            attempt,
            current: Mutex::new(*current),
        };
        work.run().await?;
        Ok(Disposition::Done)
    }

    /// Ends a deploy the retry policy gave up on, or whose attempts all died, with `reason`.
    pub(super) async fn end_deploy(&self, msg: &DeployMessage, reason: &str) -> Result<(), Fault> {
        let (thread, id) = (&msg.thread_id, &msg.deploy_id);
        for _ in 0..super::start::COMMIT_RETRIES {
            let Some((mut rec, etag)) = self.load_deploy(thread, id).await? else {
                return Ok(());
            };
            if !rec.give_up(reason.to_owned(), now_ms()) {
                return Ok(());
            }
            match self
                .put_deploy(thread, &rec, WriteCondition::IfMatch(etag))
                .await
            {
                Ok(_) => {
                    warn!(thread_id = %thread, deploy = %id, reason, "a deploy was given up");
                    self.tell_deploy(thread, &rec.view).await;
                    self.unlist_deploy(thread, id).await;
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Takes the deploy for a new attempt (If-Match), unless it is final, held by a live
    /// attempt, or was taken too often (then it is ended).
    async fn take_deploy(&self, msg: &DeployMessage) -> Result<Took, Fault> {
        let attempt = format!("{}:{}", self.boot, uuid::Uuid::new_v4().simple());
        let (thread, id) = (&msg.thread_id, &msg.deploy_id);
        for _ in 0..super::start::COMMIT_RETRIES {
            let Some((mut rec, etag)) = self.load_deploy(thread, id).await? else {
                return Ok(Took::Skip);
            };
            let now = now_ms();
            match rec.take(now, self.worker_dead(&rec)) {
                Take::Work => {}
                Take::Ended => return Ok(Took::Skip),
                Take::Held(ms) => return Ok(Took::Held(Duration::from_millis(ms as u64))),
                Take::Exhausted(n) => {
                    let why = give_up_reason(n, "each attempt stopped before it was done");
                    self.end_deploy(msg, &why).await?;
                    return Ok(Took::Skip);
                }
            }
            if !rec.worker.is_empty() {
                info!(thread_id = %thread, deploy = %id, stage = ?rec.view.state, "taking over a deploy from a dead attempt");
            }
            rec.taken_by(&attempt, now);
            match self
                .put_deploy(thread, &rec, WriteCondition::IfMatch(etag))
                .await
            {
                Ok(etag) => return Ok(Took::Mine(Box::new((rec, etag)), attempt)),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Took::Held(Duration::from_secs(1)))
    }

    /// One process owns embedded storage: a worker of an earlier boot is gone.
    fn worker_dead(&self, rec: &DeployRecord) -> bool {
        self.config.single_process && !rec.worker.is_empty() && !rec.worker.starts_with(&self.boot)
    }

    fn sealer(&self) -> Sealer {
        Sealer::new(self.config.preview.derived_key("vercel-token"))
    }

    async fn send_deploy(&self, thread: &str, id: &str) -> Result<(), Fault> {
        let msg = DeployMessage {
            thread_id: thread.to_owned(),
            deploy_id: id.to_owned(),
        };
        Ok(self.send_to(WorkQueue::Deploy, &msg.to_json()).await?)
    }

    async fn unlist_deploy(&self, thread: &str, id: &str) {
        let blobs = self.threads.blobs();
        if let Err(e) = blobs
            .delete(Container::Threads, &deploy_listing_key(thread, id))
            .await
        {
            warn!(thread_id = %thread, error = %e, "unlisting a deploy (the sweeper will)");
        }
    }

    /// The built files of a version a deploy was started for (its access was checked then).
    async fn built_version(
        &self,
        thread: &str,
        version: u32,
    ) -> Result<Option<BuiltVersion>, StoreError> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Ok(None);
        };
        let Some(artifact) = snap.version(version).and_then(|v| v.artifact.clone()) else {
            return Ok(None);
        };
        let files = self.dist_files(&artifact).await?;
        Ok((!files.is_empty()).then_some(BuiltVersion {
            title: snap.title,
            version,
            files,
        }))
    }

    async fn load_deploy(
        &self,
        thread: &str,
        id: &str,
    ) -> Result<Option<(DeployRecord, ETag)>, StoreError> {
        let Some(blob) = (self.threads.blobs())
            .get(Container::Threads, &deploy_record_key(thread, id))
            .await?
        else {
            return Ok(None);
        };
        let rec = serde_json::from_slice(&blob.bytes)
            .map_err(|e| StoreError::Backend(format!("deploy {id}: {e}")))?;
        Ok(Some((rec, blob.etag)))
    }

    async fn put_deploy(
        &self,
        thread: &str,
        rec: &DeployRecord,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        let bytes = serde_json::to_vec(rec)
            .map_err(|e| StoreError::Backend(format!("deploy {}: {e}", rec.view.id)))?;
        let k = deploy_record_key(thread, &rec.view.id);
        (self.threads.blobs())
            .put(Container::Threads, &k, bytes, "application/json", condition)
            .await
    }

    async fn tell_deploy(&self, thread: &str, view: &DeployView) {
        let told = ThreadEvent::Deploy(view.clone());
        self.live.tell(thread, vec![told]).await;
    }
}

/// One attempt at a deploy: its record as this attempt last wrote it (one writer at a time:
/// the stages and the heartbeat take turns).
struct Deploying<'a> {
    pipeline: &'a Pipeline,
    thread: String,
    attempt: String,
    current: Mutex<(DeployRecord, ETag)>,
}

impl Deploying<'_> {
    /// The work and its heartbeat; a storage fault lets the deploy go (for the retry policy
    /// to deliver it again at once) and is returned.
    async fn run(self) -> Result<(), Fault> {
        let stop = Notify::new();
        let work = async {
            let end = self.work().await;
            stop.notify_one();
            end
        };
        let (end, ()) = tokio::join!(work, self.heartbeat(&stop));
        let end = match end {
            Ok(Some(end)) => end,
            Ok(None) => return Ok(()), // taken over or ended elsewhere: that attempt's stands
            Err(fault) => {
                self.let_go().await;
                return Err(fault);
            }
        };
        let id = self.current.lock().await.0.view.id.clone();
        match &end {
            DeployStage::Ready { url, .. } => {
                info!(thread_id = %self.thread, deploy = %id, url = %url, "deployed to Vercel")
            }
            other => {
                warn!(thread_id = %self.thread, deploy = %id, end = ?other, "deploying to Vercel failed")
            }
        }
        if self.update(Some(end)).await {
            self.pipeline.unlist_deploy(&self.thread, &id).await;
        }
        Ok(())
    }

    /// Gives the deploy up for another attempt to take at once (no heartbeat to wait out).
    async fn let_go(&self) {
        let current = self.current.lock().await;
        let (mut rec, etag) = current.clone();
        rec.worker.clear();
        let cond = WriteCondition::IfMatch(etag);
        if let Err(e) = self.pipeline.put_deploy(&self.thread, &rec, cond).await {
            warn!(thread_id = %self.thread, error = %e, "letting a deploy go (its heartbeat will)");
        }
    }

    /// From the recorded stage on: upload → create → wait, or only wait when the deployment's
    /// id is recorded. `None` when another attempt took the deploy or ended it meanwhile.
    async fn work(&self) -> Result<Option<DeployStage>, Fault> {
        let (rec, _) = self.current.lock().await.clone();
        let token = match self.token(&rec) {
            Ok(t) => t,
            Err(e) => return Ok(Some(DeployStage::failed(&e))),
        };
        let client = &self.pipeline.vercel.client;
        let waited = match rec.view.state {
            DeployStage::Building { deployment } => client.resume(&token, &deployment).await,
            _ => {
                let p = self.pipeline;
                let Some(built) = p.built_version(&self.thread, rec.view.version).await? else {
                    return Ok(Some(gone(rec.view.version)));
                };
                // An attempt that got as far as uploading may have had Vercel create the
                // deployment before it died and could record it.
                let again = rec.view.state == DeployStage::Uploading;
                if !self.update(Some(DeployStage::Uploading)).await {
                    return Ok(None);
                }
                let plan = plan(&built.title, &built.files);
                let created = match self.deployment(&token, &plan, &rec.view.id, again).await {
                    Ok(d) => d,
                    Err(e) => return Ok(Some(DeployStage::failed(&e))),
                };
                let deployment = created.id.clone();
                if !self
                    .update(Some(DeployStage::Building { deployment }))
                    .await
                {
                    return Ok(None);
                }
                crate::failpoint::hit("deploy", "after_building");
                client.wait(&token, created).await
            }
        };
        Ok(Some(match waited {
            Ok(d) => DeployStage::Ready {
                url: d.url,
                deployment: d.id,
            },
            Err(e) => DeployStage::failed(&e),
        }))
    }

    /// The deployment of deploy `id`: when this is a later attempt, the one an earlier
    /// attempt had Vercel create (found by its meta); otherwise upload and create.
    async fn deployment(
        &self,
        token: &str,
        plan: &DeployPlan,
        id: &str,
        again: bool,
    ) -> Result<Deployment, DeployError> {
        let client = &self.pipeline.vercel.client;
        if again && let Some(d) = client.find(token, plan, id).await? {
            info!(thread_id = %self.thread, deploy = %id, deployment = %d.id, "found the deployment an earlier attempt created");
            return Ok(d);
        }
        client.upload_all(token, plan).await?;
        crate::failpoint::hit("deploy", "after_upload");
        let d = client.create(token, plan, id).await?;
        crate::failpoint::hit("deploy", "after_create");
        Ok(d)
    }

    /// The request's token (unsealed), else the server's.
    fn token(&self, rec: &DeployRecord) -> Result<String, DeployError> {
        match &rec.sealed_token {
            Some(sealed) => self.pipeline.sealer().open(sealed).ok_or_else(|| {
                DeployError::Cannot(
                    "the token given with the request cannot be read by this server (its \
                     preview secret changed); deploy again"
                        .into(),
                )
            }),
            None => (self.pipeline.vercel.token().map(str::to_owned)).ok_or(DeployError::NoToken),
        }
    }

    async fn heartbeat(&self, stop: &Notify) {
        let mut tick = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS as u64));
        tick.tick().await; // the first tick is at once
        loop {
            tokio::select! {
                _ = tick.tick() => if !self.update(None).await { return },
                _ = stop.notified() => return,
            }
        }
    }

    /// Writes the next stage (or only the heartbeat) with If-Match on what this attempt wrote
    /// last; tells the stream when the stage changed. `false` when another attempt took the
    /// deploy or it ended meanwhile: the work stops. A storage fault is logged and the work
    /// goes on (at worst its heartbeat looks stopped and another attempt takes over).
    async fn update(&self, stage: Option<DeployStage>) -> bool {
        let mut current = self.current.lock().await;
        for _ in 0..3 {
            let (rec, etag) = &*current;
            let mut next = rec.clone();
            let now = now_ms();
            let changed = match &stage {
                Some(s) => next.advance(s.clone(), now),
                None => {
                    next.heartbeat_at = now;
                    false
                }
            };
            let p = self.pipeline;
            let cond = WriteCondition::IfMatch(etag.clone());
            match p.put_deploy(&self.thread, &next, cond).await {
                Ok(e) => {
                    if changed {
                        p.tell_deploy(&self.thread, &next.view).await;
                    }
                    *current = (next, e);
                    return true;
                }
                Err(StoreError::Conflict(_)) => {
                    match p.load_deploy(&self.thread, &rec.view.id).await {
                        Ok(Some((stored, e)))
                            if !stored.view.state.is_final() && stored.worker == self.attempt =>
                        {
                            *current = (stored, e)
                        }
                        Ok(_) => return false,
                        Err(e) => warn!(thread_id = %self.thread, error = %e, "reading a deploy"),
                    }
                }
                Err(e) => {
                    warn!(thread_id = %self.thread, error = %e, "writing a deploy's state");
                    return true;
                }
            }
        }
        true
    }
}

/// A deploy whose version's built files are no longer there.
fn gone(version: u32) -> DeployStage {
    DeployStage::failed(&DeployError::Cannot(format!(
        "version {version}'s built files are gone; deploy another version"
    )))
}
