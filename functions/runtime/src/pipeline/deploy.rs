//! Deploys to Vercel that outlive the request that starts them (`appgen_core::deploy` holds the
//! rules): the record is stored at `{threadId}/deploys/{id}` (create-only, then If-Match), the
//! work runs in a task of the process that took the request and writes each stage and a
//! heartbeat, and each stage goes out on the thread stream. A reader that finds a deploy whose
//! worker is gone ends it as failed; a worker that finds its deploy ended that way stops.

use super::{BuiltVersion, Pipeline};
use crate::now_ms;
use crate::vercel::VercelClient;
use appgen_core::deploy::{
    DeployRecord, DeployStage, DeployView, HEARTBEAT_MS, LIST_LIMIT, new_id,
};
use appgen_core::live::{Person, ThreadEvent};
use appgen_core::ports::{Container, ETag, StoreError, WriteCondition};
use appgen_core::vercel::{DeployPlan, plan};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tracing::{info, warn};

fn key(thread: &str, id: &str) -> String {
    format!("{thread}/deploys/{id}")
}

/// Where unfinished deploys are listed for the sweeper (`deploying/{thread}/{id}`), as
/// `running/` lists threads with a run.
const DEPLOYING: &str = "deploying/";

impl Pipeline {
    /// Records a deploy of `built` as pending, tells the stream, and starts the work in a task
    /// of this process; answers at once. The caller has checked who may (`built_for_deploy`).
    /// `token` lives only in that task: it is never stored.
    pub async fn start_deploy(
        self: &Arc<Self>,
        thread: &str,
        by: &Person,
        built: BuiltVersion,
        token: String,
        client: VercelClient,
    ) -> Result<DeployView, StoreError> {
        let id = new_id(*uuid::Uuid::new_v4().as_bytes());
        let rec = DeployRecord::new(&id, built.version, by.clone(), &self.boot, now_ms());
        let marker = format!("{DEPLOYING}{thread}/{id}");
        let blobs = self.threads.blobs();
        (blobs.put(
            Container::Threads,
            &marker,
            Vec::new(),
            "text/plain",
            WriteCondition::Any,
        ))
        .await?;
        let etag = self
            .put_deploy(thread, &rec, WriteCondition::CreateOnly)
            .await?;
        let view = rec.view.clone();
        self.tell_deploy(thread, &view).await;
        let work = Deploying {
            pipeline: self.clone(),
            thread: thread.to_owned(),
            current: Mutex::new((rec, etag)),
        };
        let plan = plan(&built.title, &built.files);
        tokio::spawn(work.run(client, token, plan));
        Ok(view)
    }

    /// A deploy of the thread, if `principal` may read the thread and it exists; one whose
    /// worker is gone is ended as failed first.
    pub async fn deploy_of(
        &self,
        thread: &str,
        principal: &str,
        id: &str,
    ) -> Result<Option<DeployView>, StoreError> {
        if self.thread_for(thread, principal).await?.is_none() {
            return Ok(None);
        }
        self.read_deploy(thread, id).await
    }

    /// The thread's newest deploys (at most `LIST_LIMIT`), as [`Self::deploy_of`] reads each.
    pub async fn deploys_of(
        &self,
        thread: &str,
        principal: &str,
    ) -> Result<Option<Vec<DeployView>>, StoreError> {
        if self.thread_for(thread, principal).await?.is_none() {
            return Ok(None);
        }
        let prefix = key(thread, "");
        let keys = self
            .threads
            .blobs()
            .list(Container::Threads, &prefix)
            .await?;
        let mut out = Vec::new();
        for k in keys {
            let id = k.strip_prefix(&prefix).unwrap_or(&k);
            if let Some(v) = self.read_deploy(thread, id).await? {
                out.push(v);
            }
        }
        out.sort_by(|a, b| (b.started_at, &b.id).cmp(&(a.started_at, &a.id)));
        out.truncate(LIST_LIMIT);
        Ok(Some(out))
    }

    /// Reads every unfinished deploy (ending those whose worker is gone, and telling the
    /// stream) and unlists the ended ones; how many it unlisted. The sweeper calls it, so a
    /// lost deploy ends even when nobody reads it.
    pub async fn sweep_deploys(&self) -> Result<usize, StoreError> {
        let blobs = self.threads.blobs();
        let mut ended = 0;
        for marker in blobs.list(Container::Threads, DEPLOYING).await? {
            let listed = marker
                .strip_prefix(DEPLOYING)
                .and_then(|r| r.rsplit_once('/'));
            let Some((thread, id)) = listed else {
                continue;
            };
            let view = self.read_deploy(thread, id).await?;
            if view.is_none_or(|v| v.state.is_final()) {
                blobs.delete(Container::Threads, &marker).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn read_deploy(&self, thread: &str, id: &str) -> Result<Option<DeployView>, StoreError> {
        for _ in 0..3 {
            let Some((mut rec, etag)) = self.load_deploy(thread, id).await? else {
                return Ok(None);
            };
            let now = now_ms();
            // One process owns embedded storage: a worker of an earlier boot is gone.
            let dead = self.config.single_process && rec.worker != self.boot;
            if !rec.lost(now, dead) || !rec.mark_lost(now) {
                return Ok(Some(rec.view));
            }
            match self
                .put_deploy(thread, &rec, WriteCondition::IfMatch(etag))
                .await
            {
                Ok(_) => {
                    warn!(thread_id = %thread, deploy = %id, "a deploy lost its worker: ended as failed");
                    self.tell_deploy(thread, &rec.view).await;
                    return Ok(Some(rec.view));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(self.load_deploy(thread, id).await?.map(|(r, _)| r.view))
    }

    async fn load_deploy(
        &self,
        thread: &str,
        id: &str,
    ) -> Result<Option<(DeployRecord, ETag)>, StoreError> {
        let Some(blob) = (self.threads.blobs())
            .get(Container::Threads, &key(thread, id))
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
        let k = key(thread, &rec.view.id);
        (self.threads.blobs())
            .put(Container::Threads, &k, bytes, "application/json", condition)
            .await
    }

    async fn tell_deploy(&self, thread: &str, view: &DeployView) {
        let told = ThreadEvent::Deploy(view.clone());
        self.live.tell(thread, vec![told]).await;
    }
}

/// One deploy at work: its record as this worker last wrote it (one writer at a time: the
/// stages and the heartbeat take turns).
struct Deploying {
    pipeline: Arc<Pipeline>,
    thread: String,
    current: Mutex<(DeployRecord, ETag)>,
}

impl Deploying {
    async fn run(self, client: VercelClient, token: String, plan: DeployPlan) {
        let stop = Notify::new();
        let work = async {
            let end = self.work(&client, &token, &plan).await;
            stop.notify_one();
            end
        };
        let (end, ()) = tokio::join!(work, self.heartbeat(&stop));
        let Some(end) = end else {
            return; // ended elsewhere (its heartbeat was late): that end stands
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
            let marker = format!("{DEPLOYING}{}/{id}", self.thread);
            let blobs = self.pipeline.threads.blobs();
            if let Err(e) = blobs.delete(Container::Threads, &marker).await {
                warn!(thread_id = %self.thread, error = %e, "unlisting a deploy (the sweeper will)");
            }
        }
    }

    /// Upload → create → wait; `None` when the deploy was ended elsewhere meanwhile.
    async fn work(
        &self,
        client: &VercelClient,
        token: &str,
        plan: &DeployPlan,
    ) -> Option<DeployStage> {
        if !self.update(Some(DeployStage::Uploading)).await {
            return None;
        }
        if let Err(e) = client.upload_all(token, plan).await {
            return Some(DeployStage::failed(&e));
        }
        let created = match client.create(token, plan).await {
            Ok(d) => d,
            Err(e) => return Some(DeployStage::failed(&e)),
        };
        let deployment = created.id.clone();
        if !self
            .update(Some(DeployStage::Building { deployment }))
            .await
        {
            return None;
        }
        Some(match client.wait(token, created).await {
            Ok(d) => DeployStage::Ready {
                url: d.url,
                deployment: d.id,
            },
            Err(e) => DeployStage::failed(&e),
        })
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

    /// Writes the next stage (or only the heartbeat) with If-Match on what this worker wrote
    /// last; tells the stream when the stage changed. `false` when the deploy was ended by
    /// someone else (a reader that found the heartbeat late): the work stops. A storage fault
    /// is logged and the work goes on (at worst a reader ends it as lost).
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
            let p = &self.pipeline;
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
                        Ok(Some(stored)) if !stored.0.view.state.is_final() => *current = stored,
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
