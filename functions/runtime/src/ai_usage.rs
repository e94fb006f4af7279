//! What generated apps spent on AI calls: one small JSON blob per app, space and UTC day,
//! `{thread}/ai/{space}/{YYYY-MM-DD}` (`appgen_core::appdata::ai::DailyUsage`), outside the
//! space's records so a reset of the preview data does not refill the budget. Every addition
//! is a conditional write (create-only, then If-Match) retried on conflict, so concurrent
//! calls never lose each other's counts.

use appgen_core::appdata::Space;
use appgen_core::appdata::ai::DailyUsage;
use appgen_core::ports::{BlobStore, Container, ETag, StoreError, WriteCondition};
use std::sync::Arc;

/// Conflicting writers in a row before an addition gives up (each retry re-reads).
const MAX_CONFLICTS: usize = 16;

#[derive(Clone)]
pub struct AiUsage {
    blobs: Arc<dyn BlobStore>,
}

fn key(thread: &str, space: Space, day: &str) -> Result<String, StoreError> {
    if !crate::threads::valid_id(thread) {
        return Err(StoreError::InvalidKey(thread.to_owned()));
    }
    Ok(format!("{thread}/ai/{}/{day}", space.name()))
}

impl AiUsage {
    pub fn new(blobs: Arc<dyn BlobStore>) -> AiUsage {
        AiUsage { blobs }
    }

    /// The day's usage and the ETag it was read at (`None` before the day's first call).
    pub async fn read(
        &self,
        thread: &str,
        space: Space,
        day: &str,
    ) -> Result<(DailyUsage, Option<ETag>), StoreError> {
        let Some(blob) = self
            .blobs
            .get(Container::Threads, &key(thread, space, day)?)
            .await?
        else {
            return Ok((DailyUsage::default(), None));
        };
        let usage = serde_json::from_slice(&blob.bytes)
            .map_err(|e| StoreError::Backend(format!("corrupt AI usage: {e}")))?;
        Ok((usage, Some(blob.etag)))
    }

    /// Counts one call of `tokens`; returns the day's usage with it.
    pub async fn add(
        &self,
        thread: &str,
        space: Space,
        day: &str,
        tokens: u64,
    ) -> Result<DailyUsage, StoreError> {
        let key = key(thread, space, day)?;
        for _ in 0..MAX_CONFLICTS {
            let (usage, etag) = self.read(thread, space, day).await?;
            let next = usage.plus(tokens);
            let condition = etag.map_or(WriteCondition::CreateOnly, WriteCondition::IfMatch);
            let bytes = serde_json::to_vec(&next)
                .map_err(|e| StoreError::Backend(format!("AI usage: {e}")))?;
            match self
                .blobs
                .put(
                    Container::Threads,
                    &key,
                    bytes,
                    "application/json",
                    condition,
                )
                .await
            {
                Ok(_) => return Ok(next),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!(
            "{key}: {MAX_CONFLICTS} concurrent writers in a row"
        )))
    }
}
