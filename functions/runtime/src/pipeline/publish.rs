//! Publishing a version (the rules are `appgen_core::publish`): reserve the thread's slug once
//! (a create-only pointer record), record what is published in the snapshot (If-Match), then
//! switch the pointer (If-Match). The apps origin reads only the pointer, so a switch or an
//! unpublish is one small conditional write and every request serves one version.

use super::{Fault, Pipeline, StartError};
use crate::now_ms;
use appgen_core::access::{Action, Denied};
use appgen_core::agui::{Event, Message, RunAgentInput};
use appgen_core::live::{Person, run_start_events};
use appgen_core::pipeline::Rejection;
use appgen_core::ports::{Blob, Container, ETag, StoreError, WriteCondition};
use appgen_core::publish::{
    AppPointer, LiveVersion, PublishRefusal, Published, choose_version, pointer_key,
    slug_candidates,
};
use appgen_core::publish::{AppsOrigin, asks_to_publish, chat_publish_run};
use appgen_core::snapshot::ThreadSnapshot;
use tracing::warn;

const COMMIT_RETRIES: usize = 8;

/// The default port of the local apps origin, next to the API (7071) and previews (7072).
pub const DEFAULT_APPS_PORT: u16 = 7073;

/// Where published apps live, from the environment: `https://{slug}.{APPGEN_APPS_DOMAIN}` when
/// it is set (Azure's wildcard domain), else `http://{slug}.localhost:{APPGEN_APPS_PORT}`.
pub fn apps_origin_from_env() -> AppsOrigin {
    match std::env::var("APPGEN_APPS_DOMAIN") {
        Ok(d) if !d.trim().is_empty() => AppsOrigin::new("https", d.trim()),
        _ => {
            let port = std::env::var("APPGEN_APPS_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(DEFAULT_APPS_PORT);
            local_origin(port)
        }
    }
}

/// The local apps origin on `port`: browsers resolve `*.localhost` to loopback.
pub fn local_origin(port: u16) -> AppsOrigin {
    AppsOrigin::new("http", &format!("localhost:{port}"))
}

/// Why publishing or unpublishing did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Unknown thread, or another principal's.
    #[error("thread {0} not found")]
    NotFound(String),
    /// A member whose role may not publish (a viewer).
    #[error(transparent)]
    Denied(Denied),
    #[error(transparent)]
    Refused(#[from] PublishRefusal),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<StoreError> for PublishError {
    fn from(e: StoreError) -> Self {
        PublishError::Fault(e.into())
    }
}

/// A file of a published app, and whether it is the app's page (index.html, also the
/// fallback for client-side routes), which must not be cached for long.
pub struct PublishedFile {
    pub blob: Blob,
    pub page: bool,
    /// The app (thread) the slug belongs to: its live data space is the published app's.
    pub thread: String,
}

/// A version's built files, for a deploy elsewhere (Vercel).
pub struct BuiltVersion {
    pub title: String,
    pub version: u32,
    /// (path inside `dist/`, bytes), as the build wrote them.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Pipeline {
    /// The built files of `requested` (default: the latest checked version), if `principal`
    /// may publish the thread: deploying elsewhere follows publishing's rules.
    pub async fn built_for_deploy(
        &self,
        thread: &str,
        principal: &str,
        requested: Option<u32>,
    ) -> Result<BuiltVersion, PublishError> {
        let (snap, _) = self.owned(thread, principal).await?;
        let live = choose_version(&snap, requested)?;
        let files = self.dist_files(&live.artifact).await?;
        if files.is_empty() {
            return Err(PublishRefusal::NotBuilt(live.version).into());
        }
        Ok(BuiltVersion {
            title: snap.title,
            version: live.version,
            files,
        })
    }

    /// Publishes `requested` (default: the latest checked version) at the thread's slug.
    pub async fn publish(
        &self,
        thread: &str,
        principal: &str,
        requested: Option<u32>,
    ) -> Result<Published, PublishError> {
        for _ in 0..COMMIT_RETRIES {
            let (mut snap, etag) = self.owned(thread, principal).await?;
            let live = choose_version(&snap, requested)?;
            let slug = match snap.app_slug.clone() {
                Some(s) => s,
                None => self.reserve_slug(&snap).await?,
            };
            let published = Published {
                version: live.version,
                slug: slug.clone(),
                published_at: now_ms(),
            };
            snap.app_slug = Some(slug.clone());
            snap.published = Some(published.clone());
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {}
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
            self.switch(&slug, thread, Target::AsPublished).await?;
            return Ok(published);
        }
        Err(busy())
    }

    /// Answers a chat message that asks to publish ("publish it", `core::publish::
    /// asks_to_publish`) by publishing the latest checked version, then records the run as
    /// ended with the URL (or why not) as its answer, and starts what was queued behind it.
    /// `false` when the message is not such a request (or the thread has no app yet, or waits
    /// for answers): the caller starts an ordinary run.
    pub async fn publish_from_chat(
        &self,
        input: &RunAgentInput,
        by: &Person,
    ) -> Result<bool, StartError> {
        let published = self.chat_publish(input, by).await?;
        if published && let Err(e) = self.start_queued(&input.thread_id).await {
            warn!(thread_id = %input.thread_id, error = %e, "could not start a queued message");
        }
        Ok(published)
    }

    /// [`Self::publish_from_chat`] without starting the queue: a queued message is classified
    /// here too (`start_queued`), so a queued "publish it" publishes as a direct one does.
    pub(super) async fn chat_publish(
        &self,
        input: &RunAgentInput,
        by: &Person,
    ) -> Result<bool, StartError> {
        // The words first: most messages are not "publish it", and they need no snapshot read.
        let text = input.messages.iter().rev().find_map(Message::user_text);
        if !text.is_some_and(|t| asks_to_publish(&t)) {
            return Ok(false);
        }
        let Some((snap, _)) = self.threads.load(&input.thread_id).await? else {
            return Ok(false);
        };
        if snap.files.is_empty() || snap.interrupt.is_some() {
            return Ok(false);
        }
        let principal = by.principal.as_str();
        // The message's own refusals (role, busy, duplicate run) before anything is published.
        chat_publish_run(snap, input, principal, now_ms(), "")?;
        let reply = match self.publish(&input.thread_id, principal, None).await {
            Ok(p) => format!("Published v{} at {}", p.version, self.app_url(&p.slug)),
            Err(PublishError::Refused(r)) => format!("Not published: {r}."),
            Err(PublishError::Fault(f)) => return Err(f.into()),
            Err(PublishError::NotFound(t)) => return Err(Rejection::NotFound(t).into()),
            Err(PublishError::Denied(d)) => {
                return Err(Rejection::Forbidden(d.to_string()).into());
            }
        };
        self.record_chat_publish(input, by, &reply).await?;
        Ok(true)
    }

    /// Commits the chat publish's run (If-Match) and writes its log: the prelude, the answer
    /// as one text message, and the terminal event derived from the snapshot.
    async fn record_chat_publish(
        &self,
        input: &RunAgentInput,
        by: &Person,
        reply: &str,
    ) -> Result<(), StartError> {
        let (thread, run) = (&input.thread_id, &input.run_id);
        for _ in 0..COMMIT_RETRIES {
            let Some((snap, etag)) = self.threads.load(thread).await? else {
                return Err(Rejection::NotFound(thread.clone()).into());
            };
            let mut snap = chat_publish_run(snap, input, &by.principal, now_ms(), reply)?;
            snap.attribute(run, by);
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => {}
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
            let mut writer = self.events.writer(thread, run).await?;
            if writer.is_empty() {
                let id = format!("{run}-publish");
                let mut events = self.prelude(&snap, run);
                events.extend([
                    Event::text_start(&id),
                    Event::text_content(&id, reply),
                    Event::text_end(&id),
                ]);
                writer.append(events).await?;
            }
            self.live.tell(thread, run_start_events(&snap, run)).await;
            self.append_terminal(thread, run).await?;
            return Ok(());
        }
        Err(Fault::Internal("the thread kept changing; try again".into()).into())
    }

    /// Takes the app offline: the pointer first (so serving stops even if the snapshot write
    /// then fails), then the snapshot. The slug stays the thread's.
    pub async fn unpublish(&self, thread: &str, principal: &str) -> Result<(), PublishError> {
        for _ in 0..COMMIT_RETRIES {
            let (mut snap, etag) = self.owned(thread, principal).await?;
            let Some(p) = snap.published.take() else {
                return Err(PublishRefusal::NotPublished.into());
            };
            self.switch(&p.slug, thread, Target::Off).await?;
            match self.threads.replace(&snap, &etag).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(busy())
    }

    /// A file of the app published at `slug`: `path` inside its `dist/` (empty for the page);
    /// an unknown path without an extension gets `index.html` (client-side routes).
    pub async fn published_file(
        &self,
        slug: &str,
        path: &str,
    ) -> Result<Option<PublishedFile>, StoreError> {
        let inside = !path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
        let Some((pointer, _)) = self.pointer(slug).await? else {
            return Ok(None);
        };
        let thread = pointer.thread_id;
        let Some(live) = pointer.live else {
            return Ok(None);
        };
        let blobs = self.threads.blobs();
        let index = format!("{}/dist/index.html", live.artifact);
        if path.is_empty() || path == "index.html" {
            return Ok(blobs
                .get(Container::Artifacts, &index)
                .await?
                .map(|blob| PublishedFile {
                    blob,
                    page: true,
                    thread,
                }));
        }
        if !inside {
            return Ok(None);
        }
        let key = format!("{}/dist/{path}", live.artifact);
        if let Some(blob) = blobs.get(Container::Artifacts, &key).await? {
            return Ok(Some(PublishedFile {
                blob,
                page: false,
                thread,
            }));
        }
        let route = !path.rsplit('/').next().unwrap_or_default().contains('.');
        if !route {
            return Ok(None);
        }
        Ok(blobs
            .get(Container::Artifacts, &index)
            .await?
            .map(|blob| PublishedFile {
                blob,
                page: true,
                thread,
            }))
    }

    /// The thread, if `principal` may publish it (owner or editor).
    async fn owned(
        &self,
        thread: &str,
        principal: &str,
    ) -> Result<(ThreadSnapshot, ETag), PublishError> {
        let Some((snap, etag)) = self.threads.load(thread).await? else {
            return Err(PublishError::NotFound(thread.to_owned()));
        };
        match appgen_core::access::authorize(&snap, principal, Action::Publish) {
            Ok(_) => Ok((snap, etag)),
            Err(Denied::NotFound) => Err(PublishError::NotFound(thread.to_owned())),
            Err(denied) => Err(PublishError::Denied(denied)),
        }
    }

    async fn pointer(&self, slug: &str) -> Result<Option<(AppPointer, ETag)>, StoreError> {
        let Some(blob) = self
            .threads
            .blobs()
            .get(Container::Threads, &pointer_key(slug))
            .await?
        else {
            return Ok(None);
        };
        let pointer = serde_json::from_slice(&blob.bytes)
            .map_err(|e| StoreError::Backend(format!("pointer of {slug}: {e}")))?;
        Ok(Some((pointer, blob.etag)))
    }

    async fn put_pointer(
        &self,
        slug: &str,
        pointer: &AppPointer,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        let bytes = serde_json::to_vec(pointer)
            .map_err(|e| StoreError::Backend(format!("pointer of {slug}: {e}")))?;
        self.threads
            .blobs()
            .put(
                Container::Threads,
                &pointer_key(slug),
                bytes,
                "application/json",
                condition,
            )
            .await
    }

    /// The first candidate slug that is free (reserved now, create-only) or already this
    /// thread's (a reservation whose snapshot write was lost).
    async fn reserve_slug(&self, snap: &ThreadSnapshot) -> Result<String, PublishError> {
        let mine = AppPointer {
            thread_id: snap.thread_id.clone(),
            live: None,
        };
        for slug in slug_candidates(&snap.title, &snap.thread_id) {
            match self
                .put_pointer(&slug, &mine, WriteCondition::CreateOnly)
                .await
            {
                Ok(_) => return Ok(slug),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            if let Some((p, _)) = self.pointer(&slug).await?
                && p.thread_id == snap.thread_id
            {
                return Ok(slug);
            }
        }
        Err(PublishRefusal::NoSlug.into())
    }

    /// Points `slug` at nothing, or at what the snapshot says is published, with one
    /// conditional write. The snapshot is read after the pointer, so a switch decided on an
    /// older snapshot fails its If-Match and is decided again: two publishes at once end with
    /// the pointer serving the version the snapshot names.
    async fn switch(&self, slug: &str, thread: &str, target: Target) -> Result<(), PublishError> {
        for _ in 0..COMMIT_RETRIES {
            let current = self.pointer(slug).await?;
            let live = match target {
                Target::Off => None,
                Target::AsPublished => self.published_live(thread).await?,
            };
            let next = AppPointer {
                thread_id: thread.to_owned(),
                live,
            };
            let condition = match current {
                Some((p, _)) if p.thread_id != thread => {
                    return Err(
                        Fault::Internal(format!("slug {slug} belongs to another thread")).into(),
                    );
                }
                Some((_, etag)) => WriteCondition::IfMatch(etag),
                None => WriteCondition::CreateOnly,
            };
            match self.put_pointer(slug, &next, condition).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(busy())
    }
}

/// What a switch points the slug at.
#[derive(Debug, Clone, Copy)]
enum Target {
    Off,
    AsPublished,
}

impl Pipeline {
    /// The version the thread's snapshot says is published, as the pointer serves it.
    async fn published_live(&self, thread: &str) -> Result<Option<LiveVersion>, PublishError> {
        let Some((snap, _)) = self.threads.load(thread).await? else {
            return Err(PublishError::NotFound(thread.to_owned()));
        };
        let Some(n) = snap.published.as_ref().map(|p| p.version) else {
            return Ok(None);
        };
        let v = snap.version(n).ok_or(PublishRefusal::NoSuchVersion(n))?;
        let artifact = v.artifact.clone().ok_or(PublishRefusal::NotBuilt(n))?;
        Ok(Some(LiveVersion {
            version: n,
            artifact,
        }))
    }
}

fn busy() -> PublishError {
    Fault::Internal("the thread kept changing; try again".into()).into()
}
