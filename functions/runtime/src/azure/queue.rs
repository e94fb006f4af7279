//! [`QueueService`] on Azure Storage Queues. Message text is base64 on the wire, the Functions
//! queue trigger's default `messageEncoding`, so the host and this adapter read each other's
//! messages.

use super::{StorageConnection, client_setup, error_code, status, valid_prefix};
use appgen_core::ports::{Delivery, QueueError, QueueService, valid_queue_name};
use async_trait::async_trait;
use azure_core::http::RequestContent;
use azure_storage_queue::models::{
    QueueClientGetPropertiesResultHeaders, QueueClientReceiveMessagesOptions,
    QueueClientSendMessageOptions, QueueMessage,
};
use azure_storage_queue::{QueueClient, QueueServiceClient, QueueServiceClientOptions};
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;

/// Largest message the service takes, counted after base64 (so 48 KiB of text).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Longest visibility timeout / delay the service accepts (7 days).
const MAX_VISIBILITY_SECS: u64 = 7 * 24 * 3600;

#[derive(Clone)]
pub struct AzureQueue {
    service: Arc<QueueServiceClient>,
    prefix: String,
}

impl std::fmt::Debug for AzureQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureQueue")
            .field("endpoint", &self.service.url().as_str())
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn backend(what: &str, e: impl std::fmt::Display) -> QueueError {
    QueueError::Backend(format!("{what}: {e}"))
}

/// Whole seconds, rounded up (the service's granularity; rounding down could make a message
/// visible before the caller asked), capped at 7 days.
fn secs(d: Duration) -> i32 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    s.min(MAX_VISIBILITY_SECS) as i32
}

impl AzureQueue {
    pub fn new(conn: &StorageConnection) -> Result<AzureQueue, QueueError> {
        Self::with_prefix(conn, "")
    }

    /// Queue names get `prefix` in front (tests use a unique one per run). Production keeps
    /// it empty: the trigger bindings name the queues.
    pub fn with_prefix(conn: &StorageConnection, prefix: &str) -> Result<AzureQueue, QueueError> {
        if !valid_prefix(prefix) {
            return Err(QueueError::Backend(format!(
                "invalid queue prefix {prefix:?} (lowercase letters, digits, single hyphens)"
            )));
        }
        let (client_options, credential) =
            client_setup(conn).map_err(|e| backend("storage credential", e))?;
        let service = QueueServiceClient::new(
            conn.queue_endpoint.clone(),
            credential,
            Some(QueueServiceClientOptions {
                client_options,
                ..Default::default()
            }),
        )
        .map_err(|e| backend("queue service client", e))?;
        Ok(AzureQueue {
            service: Arc::new(service),
            prefix: prefix.to_owned(),
        })
    }

    pub fn queue_name(&self, queue: &str) -> String {
        format!("{}{queue}", self.prefix)
    }

    fn client(&self, queue: &str) -> Result<QueueClient, QueueError> {
        let name = self.queue_name(queue);
        if !valid_queue_name(&name) {
            return Err(QueueError::Backend(format!("invalid queue name {name:?}")));
        }
        self.service
            .queue_client(&name)
            .map_err(|e| backend(&format!("queue {name}"), e))
    }

    /// Deletes a queue and its messages (test cleanup); absent is fine.
    pub async fn delete_queue(&self, queue: &str) -> Result<(), QueueError> {
        match self.client(queue)?.delete(None).await {
            Ok(_) => Ok(()),
            Err(e) if status(&e) == Some(404) => Ok(()),
            Err(e) => Err(backend(&format!("delete queue {queue}"), e)),
        }
    }
}

/// A receipt that no longer holds: 404 MessageNotFound (deleted, or taken again and the
/// receipt changed) or 400 PopReceiptMismatch.
fn receipt_lost(e: &azure_core::Error) -> bool {
    matches!(
        error_code(e),
        Some("MessageNotFound" | "PopReceiptMismatch" | "InvalidQueryParameterValue")
    ) || status(e) == Some(404)
}

#[async_trait]
impl QueueService for AzureQueue {
    async fn ensure(&self, queue: &str) -> Result<(), QueueError> {
        match self.client(queue)?.create(None).await {
            Ok(_) => Ok(()),
            // Exists with other metadata: still a usable queue.
            Err(e) if error_code(&e) == Some("QueueAlreadyExists") => Ok(()),
            Err(e) => Err(backend(&format!("create queue {queue}"), e)),
        }
    }

    async fn send(&self, queue: &str, body: &str, delay: Duration) -> Result<(), QueueError> {
        let client = self.client(queue)?;
        let text = base64::engine::general_purpose::STANDARD.encode(body);
        if text.len() > MAX_MESSAGE_BYTES {
            // Say why here rather than relay the service's bare 413/400.
            return Err(QueueError::Backend(format!(
                "message for {queue} is {} bytes, {} after base64; queue messages hold 64 KiB",
                body.len(),
                text.len()
            )));
        }
        let message = QueueMessage {
            message_text: Some(text),
        };
        let content: RequestContent<QueueMessage, _> = message
            .try_into()
            .map_err(|e| backend("encode message", e))?;
        let options = QueueClientSendMessageOptions {
            visibility_timeout: (!delay.is_zero()).then(|| secs(delay)),
            ..Default::default()
        };
        client
            .send_message(content, Some(options))
            .await
            .map_err(|e| backend(&format!("send to {queue}"), e))?;
        Ok(())
    }

    async fn receive(
        &self,
        queue: &str,
        visibility: Duration,
    ) -> Result<Option<Delivery>, QueueError> {
        let client = self.client(queue)?;
        let options = QueueClientReceiveMessagesOptions {
            number_of_messages: Some(1),
            // Get Messages takes 1 s at least.
            visibility_timeout: Some(secs(visibility).max(1)),
            ..Default::default()
        };
        let messages = client
            .receive_messages(Some(options))
            .await
            .map_err(|e| backend(&format!("receive from {queue}"), e))?
            .into_model()
            .map_err(|e| backend(&format!("receive from {queue}"), e))?;
        let Some(m) = messages.items.and_then(|v| v.into_iter().next()) else {
            return Ok(None);
        };
        let (Some(id), Some(pop_receipt)) = (m.message_id, m.pop_receipt) else {
            return Err(backend(
                queue,
                "received a message without id or pop receipt",
            ));
        };
        let text = m.message_text.unwrap_or_default();
        let body = match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| backend(queue, format!("message {id} is base64 but not UTF-8")))?,
            // Written by something that does not encode (a hand-made message): take it as is,
            // as the host would fail to.
            Err(_) => {
                tracing::warn!(queue, id, "queue message is not base64; using it verbatim");
                text
            }
        };
        Ok(Some(Delivery {
            id,
            pop_receipt,
            dequeue_count: m
                .dequeue_count
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(1),
            body,
        }))
    }

    async fn delete(&self, queue: &str, delivery: &Delivery) -> Result<(), QueueError> {
        let client = self.client(queue)?;
        match client
            .delete_message(&delivery.id, &delivery.pop_receipt, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if receipt_lost(&e) => Err(QueueError::Receipt(delivery.id.clone())),
            Err(e) => Err(backend(&format!("delete from {queue}"), e)),
        }
    }

    async fn release(
        &self,
        queue: &str,
        delivery: &Delivery,
        delay: Duration,
    ) -> Result<String, QueueError> {
        let client = self.client(queue)?;
        match client
            .update_message(&delivery.id, &delivery.pop_receipt, secs(delay), None)
            .await
        {
            // The new receipt is only in the x-ms-popreceipt header.
            Ok(r) => r
                .headers()
                .get_optional_str(&"x-ms-popreceipt".into())
                .map(str::to_owned)
                .ok_or_else(|| backend(queue, "update without x-ms-popreceipt")),
            Err(e) if receipt_lost(&e) => Err(QueueError::Receipt(delivery.id.clone())),
            Err(e) => Err(backend(&format!("release in {queue}"), e)),
        }
    }

    async fn len(&self, queue: &str) -> Result<u64, QueueError> {
        let r = match self.client(queue)?.get_properties(None).await {
            Ok(r) => r,
            // As the embedded queue: a queue nobody created holds nothing.
            Err(e) if error_code(&e) == Some("QueueNotFound") => return Ok(0),
            Err(e) => return Err(backend(&format!("properties of {queue}"), e)),
        };
        let count = r
            .approximate_messages_count()
            .map_err(|e| backend(queue, e))?
            .unwrap_or(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn oversized_messages_are_refused_before_sending() {
        let q = AzureQueue::new(&StorageConnection::development()).expect("queue");
        let body = "x".repeat(49 * 1024);
        let err = q
            .send("steps", &body, Duration::ZERO)
            .await
            .expect_err("too large");
        assert!(err.to_string().contains("64 KiB"), "{err}");
    }

    #[test]
    fn durations_round_up_to_seconds() {
        assert_eq!(secs(Duration::ZERO), 0);
        assert_eq!(secs(Duration::from_millis(1)), 1);
        assert_eq!(secs(Duration::from_millis(1500)), 2);
        assert_eq!(secs(Duration::from_secs(30)), 30);
        assert_eq!(secs(Duration::from_secs(30 * 24 * 3600)), 7 * 24 * 3600);
    }
}
