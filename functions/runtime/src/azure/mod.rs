//! The Azure Storage backend: Blob and Queue through Microsoft's official SDK crates
//! (azure_storage_blob / azure_storage_queue 1.x). Azurite locally (account SAS signed with the
//! connection string's key), managed identity in the cloud.

mod blob;
pub mod config;
mod queue;
pub mod sas;

pub use blob::AzureBlobStore;
pub use config::{Backend, ConfigError, StorageAuth, StorageConnection, select_backend};
pub use queue::AzureQueue;

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use azure_identity::{
    DeveloperToolsCredential, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId,
};
use sas::{SasPolicy, SasSource};
use std::sync::Arc;

/// Client options and credential for a connection: SAS auth is a pipeline policy, identity
/// auth a token credential the SDK turns into bearer tokens.
fn client_setup(
    conn: &StorageConnection,
) -> azure_core::Result<(ClientOptions, Option<Arc<dyn TokenCredential>>)> {
    let mut options = ClientOptions::default();
    let credential: Option<Arc<dyn TokenCredential>> = match &conn.auth {
        StorageAuth::SharedKey { account, key } => {
            options
                .per_try_policies
                .push(Arc::new(SasPolicy::new(SasSource::AccountKey {
                    account: account.clone(),
                    key: Arc::from(key.as_slice()),
                })));
            None
        }
        StorageAuth::Sas(token) => {
            options
                .per_try_policies
                .push(Arc::new(SasPolicy::new(SasSource::Fixed(token.clone()))));
            None
        }
        StorageAuth::ManagedIdentity { client_id } => Some(managed_identity(client_id.clone())?),
        StorageAuth::Default { client_id } => {
            // App Service / Functions expose their identity endpoint through IDENTITY_ENDPOINT;
            // elsewhere fall back to the developer's `az login` / `azd auth login`.
            if std::env::var_os("IDENTITY_ENDPOINT").is_some() || client_id.is_some() {
                Some(managed_identity(client_id.clone())?)
            } else {
                Some(DeveloperToolsCredential::new(None)?)
            }
        }
    };
    Ok((options, credential))
}

fn managed_identity(client_id: Option<String>) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        ..Default::default()
    };
    Ok(ManagedIdentityCredential::new(Some(options))?)
}

/// Checks a name prefix for containers and queues: lowercase letters, digits and single
/// hyphens, so that `{prefix}{name}` stays a valid container/queue name.
fn valid_prefix(prefix: &str) -> bool {
    prefix.len() <= 40
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !prefix.starts_with('-')
        && !prefix.contains("--")
}

/// The service's error code (`BlobNotFound`, `ConditionNotMet`…) of a failed call, if any.
fn error_code(e: &azure_core::Error) -> Option<&str> {
    match e.kind() {
        azure_core::error::ErrorKind::HttpResponse { error_code, .. } => error_code.as_deref(),
        _ => None,
    }
}

fn status(e: &azure_core::Error) -> Option<u16> {
    e.http_status().map(u16::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgen_core::ports::Container;
    use url::Url;

    fn conn(endpoint: &str, auth: StorageAuth) -> StorageConnection {
        StorageConnection {
            blob_endpoint: Url::parse(endpoint).expect("url"),
            queue_endpoint: Url::parse(endpoint).expect("url"),
            auth,
        }
    }

    #[test]
    fn clients_build_for_every_auth_kind() {
        let https = "https://acct.blob.core.windows.net/";
        for auth in [
            StorageAuth::ManagedIdentity { client_id: None },
            StorageAuth::ManagedIdentity {
                client_id: Some("00000000-0000-0000-0000-000000000001".into()),
            },
            StorageAuth::Sas("sv=2021-08-06&sig=x".into()),
            StorageAuth::SharedKey {
                account: "acct".into(),
                key: b"k".to_vec(),
            },
        ] {
            let c = conn(https, auth.clone());
            assert!(AzureBlobStore::new(&c).is_ok(), "{auth:?}");
            assert!(AzureQueue::new(&c).is_ok(), "{auth:?}");
        }
        // Bearer tokens never go over plain http.
        let c = conn(
            "http://127.0.0.1:10000/devstoreaccount1",
            StorageAuth::ManagedIdentity { client_id: None },
        );
        assert!(AzureBlobStore::new(&c).is_err());
        assert!(AzureBlobStore::with_prefix(&StorageConnection::development(), "Bad").is_err());
    }

    #[test]
    fn container_and_blob_urls() {
        let store =
            AzureBlobStore::with_prefix(&StorageConnection::development(), "ct1-").expect("store");
        assert_eq!(store.container_name(Container::Threads), "ct1-threads");
        // The cloud form of the endpoint (host root) must not produce `//container`.
        let c = StorageConnection::parse_connection_string("S", "AccountName=acct;AccountKey=a2V5")
            .expect("cs");
        let service = azure_storage_blob::BlobServiceClient::new(c.blob_endpoint, None, None)
            .expect("client");
        let url = service
            .blob_client("threads", "threads/t1/snapshot.json")
            .url()
            .clone();
        assert_eq!(url.host_str(), Some("acct.blob.core.windows.net"));
        assert!(url.path().starts_with("/threads/threads"), "{url}");
    }
}
