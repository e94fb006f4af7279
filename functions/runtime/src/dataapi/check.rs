//! The build check's throwaway data space (docs/appdata.md, "The build check"): the `check`
//! space of the app being built, emptied first, served for that one check by the data API's
//! own routes (same validation, limits, accounts and stream) on a Unix socket, and erased
//! afterwards. The check's sandbox has no network: the socket's directory is bound into it and
//! check.mjs forwards the app's `/data/…` requests there. That works the same wherever the
//! build step runs — `appgen serve`, on Azurite, and the build job in Azure, which has the
//! shared storage but not the Function App's routes.

use super::check_router;
use crate::appdata::{AppData, DataSpace};
use appgen_core::appdata::{AppSchema, Space};
use appgen_core::ports::{BlobStore, CheckData, StoreError};
use appgen_core::snapshot::ThreadSnapshot;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum CheckSpaceError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("the check's data socket: {0}")]
    Io(#[from] std::io::Error),
}

/// One check's data space, served while this lives.
pub struct CheckSpace {
    data: CheckData,
    dir: PathBuf,
    server: tokio::task::JoinHandle<()>,
    store: AppData,
    space: DataSpace,
}

impl CheckSpace {
    /// The space the check of `snap`'s app needs: `Ok(None)` when its data stays on the device
    /// (`AppSchema::uses_data_api`), else [`CheckSpace::open`] with its requirements' schema.
    pub async fn for_app(
        blobs: Arc<dyn BlobStore>,
        snap: &ThreadSnapshot,
    ) -> Result<Option<CheckSpace>, CheckSpaceError> {
        let Some(req) = snap
            .requirements
            .as_ref()
            .filter(|r| AppSchema::uses_data_api(r))
        else {
            return Ok(None);
        };
        let schema = AppSchema::of(req);
        CheckSpace::open(blobs, &snap.thread_id, schema)
            .await
            .map(Some)
    }

    /// Empties the app's check space (what a dead attempt may have left) and serves it with
    /// `schema` and a new random key on a socket in a directory of its own.
    pub async fn open(
        blobs: Arc<dyn BlobStore>,
        thread: &str,
        schema: AppSchema,
    ) -> Result<CheckSpace, CheckSpaceError> {
        let space = DataSpace::new(thread, Space::Check)?;
        let store = AppData::new(blobs.clone());
        store.erase(&space).await?;
        let key = hex::encode(rand::random::<[u8; 24]>());
        let dir = std::env::temp_dir().join(format!(
            "appgen-check-data-{}",
            hex::encode(rand::random::<[u8; 8]>())
        ));
        std::fs::create_dir(&dir)?;
        // The check runs as a throwaway uid when the builder is root: it must reach the socket.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        let socket = dir.join("data.sock");
        let listener = tokio::net::UnixListener::bind(&socket)?;
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777))?;
        let app = check_router(blobs, thread, &key, schema);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "the check's data API stopped");
            }
        });
        let data = CheckData {
            socket,
            app: thread.to_owned(),
            space: Space::Check.name().to_owned(),
            key,
        };
        Ok(CheckSpace {
            data,
            dir,
            server,
            store,
            space,
        })
    }

    /// Where the check reaches it.
    pub fn data(&self) -> &CheckData {
        &self.data
    }

    /// Stops serving and erases the space.
    pub async fn close(self) -> Result<(), StoreError> {
        self.server.abort();
        self.store.erase(&self.space).await.map(|_| ())
    }
}

impl Drop for CheckSpace {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Compares keys in time independent of where they differ.
pub(super) fn same_key(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One request over the check's socket, its whole answer as text.
    async fn post(data: &CheckData, path: &str, key: &str) -> String {
        let mut s = tokio::net::UnixStream::connect(&data.socket)
            .await
            .expect("connect");
        let body = r#"{"prompt":"Say hi"}"#;
        let req = format!(
            "POST /data/{}/{}/{path} HTTP/1.1\r\nHost: check\r\nX-App-Key: {key}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            data.app,
            data.space,
            body.len()
        );
        s.write_all(req.as_bytes()).await.expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn an_ai_call_in_the_check_says_ai_is_not_configured_rather_than_404() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = crate::embedded::DiskBlobStore::open_with(dir.path(), false).expect("store");
        let space = CheckSpace::open(Arc::new(blobs), "thread-ai", AppSchema::default())
            .await
            .expect("space");
        let data = space.data().clone();
        let answer = post(&data, "_ai/complete", &data.key).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            answer.contains("ai_not_configured") && answer.contains("not configured"),
            "{answer}"
        );
        let wrong = post(&data, "_ai/complete", "not-the-key").await;
        assert!(
            wrong.starts_with("HTTP/1.1 404"),
            "the key is checked: {wrong}"
        );
        space.close().await.expect("closed");
    }

    #[test]
    fn keys_compare_whole() {
        assert!(same_key("abc123", "abc123"));
        assert!(!same_key("abc123", "abc124"));
        assert!(!same_key("abc123", "abc12"));
        assert!(!same_key("abc123", ""));
    }
}
