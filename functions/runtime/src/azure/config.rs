//! Storage connection settings, read exactly as the Functions host reads `AzureWebJobsStorage`:
//! either a connection string (`UseDevelopmentStorage=true`, or account name + key / SAS with
//! optional explicit endpoints) or the identity-based `AzureWebJobsStorage__*` settings.
//!
//! The official SDK has no shared-key auth, so a connection string with an account key is turned
//! into an account SAS signed per request ([`super::sas`]); identity settings become a
//! `ManagedIdentityCredential` (or the developer tools chain when none is named).

use std::fmt;
use url::Url;

/// The setting the Functions host uses for its own storage; appgen uses the same account.
pub const DEFAULT_CONNECTION: &str = "AzureWebJobsStorage";

/// Azurite's well-known development account.
pub const DEV_ACCOUNT: &str = "devstoreaccount1";
pub const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
pub const DEV_BLOB_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";
pub const DEV_QUEUE_ENDPOINT: &str = "http://127.0.0.1:10001/devstoreaccount1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{setting} is not set")]
    Missing { setting: String },
    #[error("{setting} is invalid: {reason}")]
    Invalid { setting: String, reason: String },
}

fn invalid(setting: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting: setting.to_owned(),
        reason: reason.into(),
    }
}

fn missing(setting: impl Into<String>) -> ConfigError {
    ConfigError::Missing {
        setting: setting.into(),
    }
}

/// How requests are authorised.
#[derive(Clone, PartialEq, Eq)]
pub enum StorageAuth {
    /// Account name and key from a connection string: every request carries a fresh account SAS.
    SharedKey { account: String, key: Vec<u8> },
    /// A fixed SAS token from a connection string's `SharedAccessSignature` (no leading `?`).
    Sas(String),
    /// `__credential=managedidentity`, optionally user-assigned by `__clientId`.
    ManagedIdentity { client_id: Option<String> },
    /// Identity settings without `__credential`: the host would use DefaultAzureCredential; the
    /// closest in the new SDK is managed identity when running in Azure, developer tools locally.
    Default { client_id: Option<String> },
}

// Keys and SAS tokens must never reach logs.
impl fmt::Debug for StorageAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageAuth::SharedKey { account, .. } => f
                .debug_struct("SharedKey")
                .field("account", account)
                .field("key", &"<redacted>")
                .finish(),
            StorageAuth::Sas(_) => f.write_str("Sas(<redacted>)"),
            StorageAuth::ManagedIdentity { client_id } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .finish(),
            StorageAuth::Default { client_id } => f
                .debug_struct("Default")
                .field("client_id", client_id)
                .finish(),
        }
    }
}

/// Where the blob and queue services are and how to authenticate to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConnection {
    /// Service URL without a trailing slash (the SDK would otherwise build `//container`).
    pub blob_endpoint: Url,
    pub queue_endpoint: Url,
    pub auth: StorageAuth,
}

/// Which storage backend the process runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    /// Boxed: the connection is large and the enum is passed around by value.
    Azure(Box<StorageConnection>),
}

fn get(env: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    // Empty values count as unset: local.settings.json templates ship `"AzureWebJobsStorage": ""`.
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Azure when `AzureWebJobsStorage` (a connection string) or its identity-based settings are
/// present, embedded otherwise. Pure: `env` looks a setting up.
pub fn select_backend(env: impl Fn(&str) -> Option<String>) -> Result<Backend, ConfigError> {
    if StorageConnection::is_configured(DEFAULT_CONNECTION, &env) {
        Ok(Backend::Azure(Box::new(StorageConnection::from_lookup(
            DEFAULT_CONNECTION,
            &env,
        )?)))
    } else {
        Ok(Backend::Embedded)
    }
}

/// [`select_backend`] over the process environment.
pub fn select_backend_from_env() -> Result<Backend, ConfigError> {
    select_backend(|k| std::env::var(k).ok())
}

impl StorageConnection {
    /// The development account of Azurite on 127.0.0.1 (`UseDevelopmentStorage=true`).
    pub fn development() -> StorageConnection {
        StorageConnection {
            blob_endpoint: Url::parse(DEV_BLOB_ENDPOINT).expect("constant URL"),
            queue_endpoint: Url::parse(DEV_QUEUE_ENDPOINT).expect("constant URL"),
            auth: StorageAuth::SharedKey {
                account: DEV_ACCOUNT.to_owned(),
                key: decode_key(DEFAULT_CONNECTION, DEV_KEY).expect("constant key"),
            },
        }
    }

    /// Whether `name` or any of its identity-based settings is set.
    pub fn is_configured(name: &str, env: &impl Fn(&str) -> Option<String>) -> bool {
        get(env, name).is_some()
            || ["blobServiceUri", "queueServiceUri", "accountName"]
                .iter()
                .any(|s| get(env, &format!("{name}__{s}")).is_some())
    }

    /// Reads connection `name` from the process environment.
    pub fn from_env(name: &str) -> Result<StorageConnection, ConfigError> {
        Self::from_lookup(name, &|k: &str| std::env::var(k).ok())
    }

    /// Reads connection `name` through `env`. A connection string wins over identity settings,
    /// as in the host.
    pub fn from_lookup(
        name: &str,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<StorageConnection, ConfigError> {
        if let Some(cs) = get(env, name) {
            return Self::parse_connection_string(name, &cs);
        }
        Self::from_identity_settings(name, env)
    }

    fn from_identity_settings(
        name: &str,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<StorageConnection, ConfigError> {
        let setting = |s: &str| format!("{name}__{s}");
        let blob = get(env, &setting("blobServiceUri"));
        let queue = get(env, &setting("queueServiceUri"));
        let account = get(env, &setting("accountName"));
        if blob.is_none() && queue.is_none() && account.is_none() {
            return Err(missing(format!(
                "{name} (a connection string) or {} / {}",
                setting("blobServiceUri"),
                setting("accountName")
            )));
        }
        if let Some(a) = &account {
            check_account_name(&setting("accountName"), a)?;
        }
        // Each service: its explicit URI, else derived from the account name. The host needs
        // both for its own storage (blobs for leases, queues for triggers).
        let endpoint = |uri: Option<String>, service: &str, uri_setting: &str| match (uri, &account)
        {
            (Some(u), _) => service_url(&setting(uri_setting), &u),
            (None, Some(a)) => service_url(
                &setting("accountName"),
                &format!("https://{a}.{service}.core.windows.net"),
            ),
            (None, None) => Err(missing(setting(uri_setting))),
        };
        let blob_endpoint = endpoint(blob, "blob", "blobServiceUri")?;
        let queue_endpoint = endpoint(queue, "queue", "queueServiceUri")?;
        for (s, url) in [
            (setting("blobServiceUri"), &blob_endpoint),
            (setting("queueServiceUri"), &queue_endpoint),
        ] {
            // The SDK refuses to send bearer tokens over plain http.
            if url.scheme() != "https" {
                return Err(invalid(&s, "identity-based connections need an https URI"));
            }
        }
        let client_id = get(env, &setting("clientId"));
        let auth = match get(env, &setting("credential")) {
            Some(c) if c.eq_ignore_ascii_case("managedidentity") => {
                StorageAuth::ManagedIdentity { client_id }
            }
            Some(other) => {
                return Err(invalid(
                    &setting("credential"),
                    format!("{other:?} is not supported (use \"managedidentity\")"),
                ));
            }
            None => StorageAuth::Default { client_id },
        };
        Ok(StorageConnection {
            blob_endpoint,
            queue_endpoint,
            auth,
        })
    }

    /// Parses an Azure Storage connection string; `setting` names it in errors.
    pub fn parse_connection_string(
        setting: &str,
        cs: &str,
    ) -> Result<StorageConnection, ConfigError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in cs.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            // Values (keys, SAS tokens) may contain '=': split at the first one only.
            let Some((k, v)) = part.split_once('=') else {
                return Err(invalid(
                    setting,
                    format!("expected Key=Value, found {:?}", redact_part(part)),
                ));
            };
            pairs.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        let field = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };

        if field("usedevelopmentstorage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(Self::development());
        }

        let protocol = field("defaultendpointsprotocol").unwrap_or_else(|| "https".to_owned());
        if protocol != "https" && protocol != "http" {
            return Err(invalid(
                setting,
                format!("DefaultEndpointsProtocol must be http or https, not {protocol:?}"),
            ));
        }
        let account = field("accountname");
        let suffix = field("endpointsuffix").unwrap_or_else(|| "core.windows.net".to_owned());
        let endpoint = |explicit: &str, service: &str| -> Result<Url, ConfigError> {
            match field(explicit) {
                Some(url) => service_url(setting, &url),
                None => match &account {
                    Some(a) => {
                        check_account_name(setting, a)?;
                        service_url(setting, &format!("{protocol}://{a}.{service}.{suffix}"))
                    }
                    None => Err(invalid(
                        setting,
                        format!(
                            "connection string has neither AccountName nor {}",
                            match explicit {
                                "blobendpoint" => "BlobEndpoint",
                                _ => "QueueEndpoint",
                            }
                        ),
                    )),
                },
            }
        };
        let blob_endpoint = endpoint("blobendpoint", "blob")?;
        let queue_endpoint = endpoint("queueendpoint", "queue")?;

        let auth = if let Some(sas) = field("sharedaccesssignature") {
            StorageAuth::Sas(sas.trim_start_matches('?').to_owned())
        } else {
            let key = field("accountkey").ok_or_else(|| {
                invalid(
                    setting,
                    "connection string has no AccountKey or SharedAccessSignature",
                )
            })?;
            let account = account.ok_or_else(|| {
                invalid(
                    setting,
                    "connection string has an AccountKey but no AccountName",
                )
            })?;
            StorageAuth::SharedKey {
                key: decode_key(setting, &key)?,
                account,
            }
        };
        Ok(StorageConnection {
            blob_endpoint,
            queue_endpoint,
            auth,
        })
    }
}

fn redact_part(part: &str) -> String {
    // Only the start: the part may be a secret that lost its '='.
    let head: String = part.chars().take(8).collect();
    if head.len() < part.len() {
        format!("{head}…")
    } else {
        head
    }
}

fn decode_key(setting: &str, key: &str) -> Result<Vec<u8>, ConfigError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| invalid(setting, "AccountKey is not valid base64"))
}

fn check_account_name(setting: &str, name: &str) -> Result<(), ConfigError> {
    let ok = (3..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            setting,
            format!("{name:?} is not a storage account name (3-24 lowercase letters and digits)"),
        ))
    }
}

/// Parses a service URL and drops a trailing slash and any query (a SAS belongs in auth).
fn service_url(setting: &str, raw: &str) -> Result<Url, ConfigError> {
    let mut url = Url::parse(raw).map_err(|e| invalid(setting, format!("{raw:?}: {e}")))?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(setting, format!("{raw:?} is not an http(s) URL")));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_set_is_embedded() {
        assert_eq!(select_backend(env(&[])), Ok(Backend::Embedded));
        assert_eq!(
            select_backend(env(&[("AzureWebJobsStorage", "  ")])),
            Ok(Backend::Embedded)
        );
        // Other connections do not count.
        assert_eq!(
            select_backend(env(&[("OtherStorage", "UseDevelopmentStorage=true")])),
            Ok(Backend::Embedded)
        );
    }

    #[test]
    fn development_storage() {
        let b = select_backend(env(&[(
            "AzureWebJobsStorage",
            "UseDevelopmentStorage=true",
        )]));
        let Ok(Backend::Azure(c)) = b else {
            panic!("expected azure, got {b:?}")
        };
        assert_eq!(c.blob_endpoint.as_str(), DEV_BLOB_ENDPOINT);
        assert_eq!(c.queue_endpoint.as_str(), DEV_QUEUE_ENDPOINT);
        assert!(
            matches!(c.auth, StorageAuth::SharedKey { ref account, .. } if account == DEV_ACCOUNT)
        );
        assert_eq!(*c, StorageConnection::development());
    }

    #[test]
    fn full_connection_string_equals_development() {
        let cs = format!(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DEV_KEY};\
             BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;\
             QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;\
             TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
        );
        let c = StorageConnection::parse_connection_string("AzureWebJobsStorage", &cs);
        // The trailing slash of BlobEndpoint is dropped.
        assert_eq!(c, Ok(StorageConnection::development()));
    }

    #[test]
    fn account_connection_string_derives_endpoints() {
        let cs = "DefaultEndpointsProtocol=https;AccountName=appgenprod;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn";
        let c = StorageConnection::parse_connection_string("S", cs).expect("parses");
        assert_eq!(
            c.blob_endpoint.as_str(),
            "https://appgenprod.blob.core.chinacloudapi.cn/"
        );
        assert_eq!(
            c.queue_endpoint.as_str(),
            "https://appgenprod.queue.core.chinacloudapi.cn/"
        );
        assert_eq!(
            c.auth,
            StorageAuth::SharedKey {
                account: "appgenprod".into(),
                key: b"key".to_vec()
            }
        );
    }

    #[test]
    fn sas_connection_string() {
        let cs = "BlobEndpoint=https://a.blob.core.windows.net/;QueueEndpoint=https://a.queue.core.windows.net/;SharedAccessSignature=?sv=2021-08-06&sig=abc%3D";
        let c = StorageConnection::parse_connection_string("S", cs).expect("parses");
        assert_eq!(c.auth, StorageAuth::Sas("sv=2021-08-06&sig=abc%3D".into()));
    }

    #[test]
    fn connection_string_errors_name_the_setting() {
        let e =
            StorageConnection::parse_connection_string("AzureWebJobsStorage", "AccountName=abc")
                .expect_err("no key");
        assert!(
            e.to_string().starts_with("AzureWebJobsStorage is invalid"),
            "{e}"
        );
        assert!(e.to_string().contains("AccountKey"), "{e}");

        let e = StorageConnection::parse_connection_string("AzureWebJobsStorage", "garbage")
            .expect_err("not key=value");
        assert!(e.to_string().contains("Key=Value"), "{e}");

        let e = StorageConnection::parse_connection_string(
            "AzureWebJobsStorage",
            "AccountName=abc;AccountKey=!!notbase64",
        )
        .expect_err("bad key");
        assert!(e.to_string().contains("base64"), "{e}");
        // The key itself is not echoed.
        assert!(!e.to_string().contains("notbase64"), "{e}");
    }

    #[test]
    fn identity_settings_managed_identity() {
        let b = select_backend(env(&[
            (
                "AzureWebJobsStorage__blobServiceUri",
                "https://acct.blob.core.windows.net/",
            ),
            (
                "AzureWebJobsStorage__queueServiceUri",
                "https://acct.queue.core.windows.net",
            ),
            ("AzureWebJobsStorage__credential", "managedidentity"),
            ("AzureWebJobsStorage__clientId", "1111-2222"),
        ]));
        let Ok(Backend::Azure(c)) = b else {
            panic!("expected azure, got {b:?}")
        };
        assert_eq!(
            c.blob_endpoint.as_str(),
            "https://acct.blob.core.windows.net/"
        );
        assert_eq!(
            c.auth,
            StorageAuth::ManagedIdentity {
                client_id: Some("1111-2222".into())
            }
        );
    }

    #[test]
    fn identity_settings_account_name() {
        let b = select_backend(env(&[("AzureWebJobsStorage__accountName", "acct01")]));
        let Ok(Backend::Azure(c)) = b else {
            panic!("expected azure, got {b:?}")
        };
        assert_eq!(
            c.queue_endpoint.as_str(),
            "https://acct01.queue.core.windows.net/"
        );
        assert_eq!(c.auth, StorageAuth::Default { client_id: None });
    }

    #[test]
    fn identity_settings_errors_name_the_missing_setting() {
        let e = select_backend(env(&[(
            "AzureWebJobsStorage__blobServiceUri",
            "https://acct.blob.core.windows.net",
        )]))
        .expect_err("queue uri missing");
        assert_eq!(
            e,
            ConfigError::Missing {
                setting: "AzureWebJobsStorage__queueServiceUri".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "AzureWebJobsStorage__queueServiceUri is not set"
        );

        let e = select_backend(env(&[
            ("AzureWebJobsStorage__accountName", "acct01"),
            ("AzureWebJobsStorage__credential", "clientsecret"),
        ]))
        .expect_err("unsupported credential");
        assert!(
            e.to_string().contains("AzureWebJobsStorage__credential"),
            "{e}"
        );

        let e = select_backend(env(&[
            (
                "AzureWebJobsStorage__blobServiceUri",
                "http://127.0.0.1:10000/x",
            ),
            (
                "AzureWebJobsStorage__queueServiceUri",
                "http://127.0.0.1:10001/x",
            ),
        ]))
        .expect_err("http with identity");
        assert!(e.to_string().contains("https"), "{e}");

        let e = select_backend(env(&[("AzureWebJobsStorage__accountName", "Bad_Name")]))
            .expect_err("bad account");
        assert!(
            e.to_string().contains("AzureWebJobsStorage__accountName"),
            "{e}"
        );
    }

    #[test]
    fn identity_settings_mix_uri_and_account_name() {
        let b = select_backend(env(&[
            ("AzureWebJobsStorage__accountName", "acct01"),
            (
                "AzureWebJobsStorage__blobServiceUri",
                "https://blobs.example.net",
            ),
        ]));
        let Ok(Backend::Azure(c)) = b else {
            panic!("expected azure, got {b:?}")
        };
        assert_eq!(c.blob_endpoint.as_str(), "https://blobs.example.net/");
        assert_eq!(
            c.queue_endpoint.as_str(),
            "https://acct01.queue.core.windows.net/"
        );
    }

    #[test]
    fn connection_string_wins_over_identity_settings() {
        let b = select_backend(env(&[
            ("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            ("AzureWebJobsStorage__accountName", "acct01"),
        ]));
        assert_eq!(
            b,
            Ok(Backend::Azure(Box::new(StorageConnection::development())))
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = format!("{:?}", StorageConnection::development());
        assert!(!s.contains("Eby8"), "{s}");
        assert!(s.contains("redacted"), "{s}");
    }
}
