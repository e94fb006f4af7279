//! [`BlobStore`] on Azure Blob Storage: block blobs with ETag conditions, append blobs with the
//! append-position condition, ranged reads.

use super::{StorageConnection, client_setup, error_code, status, valid_prefix};
use appgen_core::ports::{Blob, BlobStore, Container, ETag, StoreError, WriteCondition};
use async_trait::async_trait;
use azure_core::http::{Etag, RequestContent};
use azure_storage_blob::models::{
    AppendBlobClientAppendBlockOptions, AppendBlobClientAppendBlockResultHeaders,
    AppendBlobClientCreateOptions, BlobClientDeleteOptions, BlobClientDownloadOptions,
    BlobClientGetPropertiesResultHeaders, BlobClientUploadOptions,
    BlobContainerClientListBlobsOptions,
};
use azure_storage_blob::{BlobClient, BlobServiceClient, BlobServiceClientOptions};
use futures::TryStreamExt as _;
use std::num::NonZero;
use std::sync::Arc;

/// Reads and writes are single requests up to this size: one GET / one Put Blob, so a read sees
/// one version and a conditional write is atomic (the SDK would otherwise split at 4 MiB).
const SINGLE_SHOT: usize = 256 * 1024 * 1024;
/// Largest Append Block the emulator accepts (the cloud takes 100 MiB since 2022-11-02).
const APPEND_BLOCK_MAX: usize = 4 * 1024 * 1024;

/// Blobs in two containers, `{prefix}threads` and `{prefix}artifacts`.
#[derive(Clone)]
pub struct AzureBlobStore {
    service: Arc<BlobServiceClient>,
    prefix: String,
    /// Listing page size; `None` is the service's 5000. Small in tests to exercise paging.
    page_size: Option<i32>,
}

impl std::fmt::Debug for AzureBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureBlobStore")
            .field("endpoint", &self.service.url().as_str())
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn backend(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

/// Same key rules as the embedded backend, so a key valid on one is valid on both (and `..`
/// never reaches a URL, where it would be normalised away).
fn check_key(key: &str) -> Result<(), StoreError> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.contains('\\')
        || key.contains('\0')
        || key.ends_with(".__ct")
        || key
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == ".." || s.starts_with(".tmp-"));
    if bad {
        Err(StoreError::InvalidKey(key.to_owned()))
    } else {
        Ok(())
    }
}

impl AzureBlobStore {
    /// Clients for `conn`; containers are named exactly as [`Container::name`].
    pub fn new(conn: &StorageConnection) -> Result<AzureBlobStore, StoreError> {
        Self::with_prefix(conn, "")
    }

    /// Container names get `prefix` in front (tests use a unique one per run).
    pub fn with_prefix(
        conn: &StorageConnection,
        prefix: &str,
    ) -> Result<AzureBlobStore, StoreError> {
        if !valid_prefix(prefix) {
            return Err(StoreError::Backend(format!(
                "invalid container prefix {prefix:?} (lowercase letters, digits, single hyphens)"
            )));
        }
        let (client_options, credential) =
            client_setup(conn).map_err(|e| backend("storage credential", e))?;
        let service = BlobServiceClient::new(
            conn.blob_endpoint.clone(),
            credential,
            Some(BlobServiceClientOptions {
                client_options,
                ..Default::default()
            }),
        )
        .map_err(|e| backend("blob service client", e))?;
        Ok(AzureBlobStore {
            service: Arc::new(service),
            prefix: prefix.to_owned(),
            page_size: None,
        })
    }

    pub fn container_name(&self, container: Container) -> String {
        format!("{}{}", self.prefix, container.name())
    }

    /// Creates the containers if they do not exist. Call once at startup.
    pub async fn ensure_containers(&self) -> Result<(), StoreError> {
        for c in Container::ALL {
            let name = self.container_name(c);
            match self.service.blob_container_client(&name).create(None).await {
                Ok(_) => tracing::info!(container = %name, "created blob container"),
                Err(e) if error_code(&e) == Some("ContainerAlreadyExists") => {}
                Err(e) => return Err(backend(&format!("create container {name}"), e)),
            }
        }
        Ok(())
    }

    /// Deletes the containers and everything in them (test cleanup).
    pub async fn delete_containers(&self) -> Result<(), StoreError> {
        for c in Container::ALL {
            let name = self.container_name(c);
            match self.service.blob_container_client(&name).delete(None).await {
                Ok(_) => {}
                Err(e) if status(&e) == Some(404) => {}
                Err(e) => return Err(backend(&format!("delete container {name}"), e)),
            }
        }
        Ok(())
    }

    fn blob(&self, container: Container, key: &str) -> Result<BlobClient, StoreError> {
        check_key(key)?;
        Ok(self
            .service
            .blob_client(&self.container_name(container), key))
    }

    /// Maps a failed call: a missing container means startup skipped `ensure_containers`.
    fn fail(&self, container: Container, op: &str, key: &str, e: azure_core::Error) -> StoreError {
        if error_code(&e) == Some("ContainerNotFound") {
            return StoreError::Backend(format!(
                "{op} {key}: container {} does not exist (ensure_containers not called?)",
                self.container_name(container)
            ));
        }
        backend(&format!("{op} {key}"), e)
    }

    /// Downloads from `offset` to the end: `None` if the blob is missing, empty bytes if
    /// `offset` is at or past the end.
    async fn download(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<(Vec<u8>, Option<Etag>, Option<String>)>, StoreError> {
        let client = self.blob(container, key)?;
        let options = BlobClientDownloadOptions {
            range: (offset > 0).then(|| (offset..).into()),
            partition_size: NonZero::new(SINGLE_SHOT),
            ..Default::default()
        };
        let result = match client.download(Some(options)).await {
            Ok(r) => r,
            Err(e) if error_code(&e) == Some("BlobNotFound") => return Ok(None),
            // A range starting at or past the end of an existing blob.
            Err(e) if status(&e) == Some(416) => return Ok(Some((Vec::new(), None, None))),
            Err(e) => return Err(self.fail(container, "read", key, e)),
        };
        let etag = result.properties.etag.clone();
        let content_type = result.properties.content_type.clone();
        let bytes = result
            .body
            .collect()
            .await
            .map_err(|e| self.fail(container, "read body of", key, e))?;
        Ok(Some((bytes.to_vec(), etag, content_type)))
    }

    /// Current length of an append blob, `None` if it does not exist.
    async fn length(&self, container: Container, key: &str) -> Result<Option<u64>, StoreError> {
        let client = self.blob(container, key)?;
        match client.get_properties(None).await {
            Ok(r) => Ok(Some(
                r.content_length()
                    .map_err(|e| backend(key, e))?
                    .unwrap_or(0),
            )),
            Err(e) if status(&e) == Some(404) => Ok(None),
            Err(e) => Err(self.fail(container, "properties of", key, e)),
        }
    }

    async fn create_append_blob(&self, container: Container, key: &str) -> Result<(), StoreError> {
        let client = self.blob(container, key)?.append_blob_client();
        match client
            .create(Some(
                AppendBlobClientCreateOptions::default().if_not_exists(),
            ))
            .await
        {
            Ok(_) => Ok(()),
            // Another writer created it first: fine, we only need it to exist.
            Err(e) if matches!(status(&e), Some(409 | 412)) => Ok(()),
            Err(e) => Err(self.fail(container, "create append blob", key, e)),
        }
    }

    /// One Append Block at `position` (if given). `Ok(None)` when the blob does not exist.
    async fn append_block(
        &self,
        container: Container,
        key: &str,
        chunk: &[u8],
        position: Option<u64>,
    ) -> Result<Option<u64>, StoreError> {
        let client = self.blob(container, key)?.append_blob_client();
        let options = AppendBlobClientAppendBlockOptions {
            append_position: position
                .map(|p| {
                    i64::try_from(p).map_err(|_| {
                        StoreError::Conflict(format!("{key}: position {p} out of range"))
                    })
                })
                .transpose()?,
            ..Default::default()
        };
        let len = chunk.len() as u64;
        let body: RequestContent<_, _> = bytes::Bytes::copy_from_slice(chunk).into();
        match client.append_block(body, len, Some(options)).await {
            Ok(r) => {
                let offset = r
                    .blob_append_offset()
                    .map_err(|e| backend(key, e))?
                    .and_then(|o| o.parse::<u64>().ok())
                    .ok_or_else(|| {
                        backend(key, "append response without x-ms-blob-append-offset")
                    })?;
                Ok(Some(offset + len))
            }
            Err(e) if error_code(&e) == Some("BlobNotFound") => Ok(None),
            Err(e) if status(&e) == Some(412) => Err(StoreError::Conflict(format!(
                "{key}: append position {} no longer holds",
                position.unwrap_or_default()
            ))),
            Err(e) => Err(self.fail(container, "append to", key, e)),
        }
    }
}

#[async_trait]
impl BlobStore for AzureBlobStore {
    async fn get(&self, container: Container, key: &str) -> Result<Option<Blob>, StoreError> {
        let Some((bytes, etag, content_type)) = self.download(container, key, 0).await? else {
            return Ok(None);
        };
        let etag = etag.ok_or_else(|| backend(key, "download without an ETag"))?;
        Ok(Some(Blob {
            bytes,
            etag: ETag(etag.to_string()),
            content_type: content_type.unwrap_or_else(|| "application/octet-stream".to_owned()),
        }))
    }

    async fn put(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        let client = self.blob(container, key)?;
        let mut options = BlobClientUploadOptions {
            blob_content_type: Some(content_type.to_owned()),
            partition_size: NonZero::new(SINGLE_SHOT as u64),
            ..Default::default()
        };
        match &condition {
            WriteCondition::Any => {}
            WriteCondition::CreateOnly => options.if_none_match = Some(Etag::from("*")),
            WriteCondition::IfMatch(etag) => options.if_match = Some(Etag::from(etag.0.as_str())),
        }
        match client
            .upload(bytes::Bytes::from(bytes).into(), Some(options))
            .await
        {
            Ok(r) => {
                let etag = r
                    .etag
                    .ok_or_else(|| backend(key, "upload without an ETag"))?;
                Ok(ETag(etag.to_string()))
            }
            // Create-only on an existing blob is 409 BlobAlreadyExists; a stale If-Match 412.
            Err(e) if matches!(status(&e), Some(409 | 412)) => Err(StoreError::Conflict(format!(
                "{key}: {}",
                error_code(&e).unwrap_or("condition not met")
            ))),
            Err(e)
                if matches!(condition, WriteCondition::IfMatch(_))
                    && error_code(&e) == Some("BlobNotFound") =>
            {
                Err(StoreError::Conflict(format!("{key} does not exist")))
            }
            Err(e) => Err(self.fail(container, "write", key, e)),
        }
    }

    async fn append(
        &self,
        container: Container,
        key: &str,
        bytes: Vec<u8>,
        expected_len: Option<u64>,
    ) -> Result<u64, StoreError> {
        check_key(key)?;
        if bytes.is_empty() {
            // The service rejects empty blocks: just make sure the blob exists and check length.
            let len = match self.length(container, key).await? {
                Some(len) => len,
                None => {
                    self.create_append_blob(container, key).await?;
                    0
                }
            };
            return match expected_len {
                Some(expected) if expected != len => Err(StoreError::Conflict(format!(
                    "{key} has {len} bytes, expected {expected}"
                ))),
                _ => Ok(len),
            };
        }
        let mut position = expected_len;
        let mut new_len = 0;
        // Bodies over one block go in several; only the first carries the caller's condition,
        // the rest chain on the position just written so nobody can interleave.
        for chunk in bytes.chunks(APPEND_BLOCK_MAX) {
            let mut attempt = self.append_block(container, key, chunk, position).await?;
            if attempt.is_none() {
                // Absent blob has length 0: a non-zero expectation cannot hold.
                if let Some(p) = position
                    && p != 0
                {
                    return Err(StoreError::Conflict(format!(
                        "{key} does not exist, expected {p} bytes"
                    )));
                }
                self.create_append_blob(container, key).await?;
                attempt = self.append_block(container, key, chunk, position).await?;
            }
            new_len =
                attempt.ok_or_else(|| backend(key, "append blob vanished while appending"))?;
            position = Some(new_len);
        }
        Ok(new_len)
    }

    async fn read_from(
        &self,
        container: Container,
        key: &str,
        offset: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .download(container, key, offset)
            .await?
            .map(|(bytes, _, _)| bytes))
    }

    async fn list(&self, container: Container, prefix: &str) -> Result<Vec<String>, StoreError> {
        let client = self
            .service
            .blob_container_client(&self.container_name(container));
        let options = BlobContainerClientListBlobsOptions {
            prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
            maxresults: self.page_size,
            ..Default::default()
        };
        let mut pager = client
            .list_blobs(Some(options))
            .map_err(|e| self.fail(container, "list", prefix, e))?;
        let mut keys = Vec::new();
        while let Some(item) = pager
            .try_next()
            .await
            .map_err(|e| self.fail(container, "list", prefix, e))?
        {
            if let Some(name) = item.name {
                keys.push(name);
            }
        }
        // The service sorts by UTF-8 bytes already; sort anyway so both backends agree exactly.
        keys.sort();
        Ok(keys)
    }

    async fn delete(&self, container: Container, key: &str) -> Result<(), StoreError> {
        let client = self.blob(container, key)?;
        match client.delete(None).await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some("BlobNotFound") => Ok(()),
            Err(e) => Err(self.fail(container, "delete", key, e)),
        }
    }

    async fn delete_if_match(
        &self,
        container: Container,
        key: &str,
        etag: &ETag,
    ) -> Result<(), StoreError> {
        let client = self.blob(container, key)?;
        let options = BlobClientDeleteOptions {
            if_match: Some(Etag::from(etag.0.as_str())),
            ..Default::default()
        };
        match client.delete(Some(options)).await {
            Ok(_) => Ok(()),
            // A stale If-Match is 412; a blob deleted meanwhile is not this version either.
            Err(e) if status(&e) == Some(412) || error_code(&e) == Some("BlobNotFound") => Err(
                StoreError::Conflict(format!("{key}: {}", error_code(&e).unwrap_or("changed"))),
            ),
            Err(e) => Err(self.fail(container, "delete", key, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Listing follows continuation markers (and the SAS policy re-signs every page request).
    #[tokio::test]
    async fn azurite_list_follows_pages() {
        if std::env::var_os("APPGEN_AZURITE").is_none() {
            eprintln!(
                "SKIPPED azure::blob::tests::azurite_list_follows_pages: APPGEN_AZURITE is not set"
            );
            return;
        }
        let prefix = format!("ut{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let mut store =
            AzureBlobStore::with_prefix(&StorageConnection::development(), &prefix).expect("store");
        store.page_size = Some(2);
        store.ensure_containers().await.expect("containers");
        let mut keys: Vec<String> = (0..7).map(|i| format!("p/{i}")).collect();
        for k in &keys {
            store
                .put(
                    Container::Threads,
                    k,
                    vec![1],
                    "text/plain",
                    WriteCondition::Any,
                )
                .await
                .expect("put");
        }
        keys.sort();
        assert_eq!(
            store.list(Container::Threads, "p/").await.expect("list"),
            keys
        );
        store.delete_containers().await.expect("cleanup");
    }

    #[test]
    fn key_rules_match_the_embedded_backend() {
        for ok in ["threads/a/snapshot.json", "a", "x/y z/ü.txt"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "/a", "a//b", "a/../b", "./a", "a\\b", "a/.tmp-1", "a.__ct",
        ] {
            assert!(
                matches!(check_key(bad), Err(StoreError::InvalidKey(_))),
                "{bad}"
            );
        }
    }
}
