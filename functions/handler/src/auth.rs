//! Who is calling: a principal from Static Web Apps / App Service auth, an API key, or the
//! single local user. Nothing else is trusted.

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// Trust `x-ms-client-principal` (set only behind SWA / App Service auth, which strips a
    /// client-sent copy).
    pub swa: bool,
    /// Accepted API keys, by SHA-256; keys are never kept in memory in clear.
    pub keys: Vec<ApiKey>,
    /// Single-user local mode: every request is the principal `local`.
    pub local: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("sign in first: this server needs x-ms-client-principal or an API key")]
    Missing,
    #[error("the x-ms-client-principal header is not valid base64 JSON with a userId")]
    BadPrincipal,
    #[error("unknown API key")]
    BadKey,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientPrincipal {
    identity_provider: String,
    user_id: String,
    /// The name or address the provider shows (what other members see).
    #[serde(default)]
    user_details: Option<String>,
}

/// An accepted API key: its SHA-256 (hex) and the name other members see, when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub hash: String,
    pub name: Option<String>,
}

impl ApiKey {
    /// One entry of `APPGEN_API_KEYS`: `key`, `sha256:<hex>`, or either after `name=`
    /// (`alice=secret`), so people trying sharing on one machine show by name, not by hash. A
    /// name is 1–40 letters, digits, spaces, `.`, `_` or `-`; anything else before a `=` (a
    /// base64 key's padding) is part of the key.
    pub fn parse(entry: &str) -> ApiKey {
        let named = entry.split_once('=').filter(|(n, k)| {
            !k.is_empty()
                && (1..=40).contains(&n.chars().count())
                && n.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'))
        });
        let (name, key) = match named {
            Some((n, k)) => (Some(n.trim().to_owned()), k),
            None => (None, entry),
        };
        let hash = key
            .strip_prefix("sha256:")
            .map(str::to_owned)
            .unwrap_or_else(|| hash_key(key));
        ApiKey { hash, name }
    }
}

/// The principal of local single-user mode.
pub const LOCAL: &str = "local";

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl AuthConfig {
    /// From `APPGEN_AUTH` (comma list of `local`, `swa`, `keys`) and `APPGEN_API_KEYS`
    /// (comma list of keys or `sha256:<hex>` hashes, each optionally named: `alice=key`).
    pub fn from_env(force_local: bool) -> AuthConfig {
        let modes = std::env::var("APPGEN_AUTH").unwrap_or_default();
        let has = |m: &str| modes.split(',').any(|x| x.trim() == m);
        let keys = std::env::var("APPGEN_API_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(ApiKey::parse)
            .collect();
        AuthConfig {
            swa: has("swa"),
            keys,
            local: force_local || has("local"),
        }
    }

    /// The caller's principal id, from request headers.
    pub fn principal(&self, headers: &axum::http::HeaderMap) -> Result<String, AuthError> {
        self.person(headers).map(|p| p.principal)
    }

    /// The caller as other members see them: the principal, with Azure's `userDetails` as
    /// the name when signed in through Static Web Apps.
    pub fn person(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<appgen_core::live::Person, AuthError> {
        use appgen_core::live::Person;
        if self.swa
            && let Some(v) = headers.get("x-ms-client-principal")
        {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .map_err(|_| AuthError::BadPrincipal)?;
            let p: ClientPrincipal =
                serde_json::from_slice(&bytes).map_err(|_| AuthError::BadPrincipal)?;
            if p.user_id.is_empty() || p.identity_provider.is_empty() || p.user_id.len() > 200 {
                return Err(AuthError::BadPrincipal);
            }
            let principal = format!("swa:{}:{}", p.identity_provider, p.user_id);
            return Ok(Person::new(&principal, p.user_details.as_deref()));
        }
        let key = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            });
        if let Some(key) = key
            && !self.keys.is_empty()
        {
            let h = hash_key(key);
            return match self.keys.iter().find(|k| k.hash == h) {
                // The principal is the hash's prefix whether named or not, so naming a key
                // later keeps its threads.
                Some(k) => Ok(Person::new(&format!("key:{}", &h[..16]), k.name.as_deref())),
                None => Err(AuthError::BadKey),
            };
        }
        if self.local {
            return Ok(Person::new(LOCAL, Some("You")));
        }
        Err(AuthError::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn swa_principal_is_decoded_and_validated() {
        let cfg = AuthConfig {
            swa: true,
            ..AuthConfig::default()
        };
        let p = base64::engine::general_purpose::STANDARD.encode(r#"{"identityProvider":"aad","userId":"u1","userDetails":"a@b","userRoles":["authenticated"]}"#);
        assert_eq!(
            cfg.principal(&headers(&[("x-ms-client-principal", &p)])),
            Ok("swa:aad:u1".into())
        );
        let who = cfg
            .person(&headers(&[("x-ms-client-principal", &p)]))
            .expect("person");
        assert_eq!((who.name.as_str(), who.initials.as_str()), ("a@b", "A"));
        assert_eq!(
            cfg.principal(&headers(&[("x-ms-client-principal", "%%%")])),
            Err(AuthError::BadPrincipal)
        );
        let no_user = base64::engine::general_purpose::STANDARD
            .encode(r#"{"identityProvider":"aad","userId":""}"#);
        assert_eq!(
            cfg.principal(&headers(&[("x-ms-client-principal", &no_user)])),
            Err(AuthError::BadPrincipal)
        );
        assert_eq!(cfg.principal(&HeaderMap::new()), Err(AuthError::Missing));
    }

    #[test]
    fn swa_header_is_ignored_unless_enabled() {
        let cfg = AuthConfig {
            local: true,
            ..AuthConfig::default()
        };
        let p = base64::engine::general_purpose::STANDARD
            .encode(r#"{"identityProvider":"aad","userId":"u1"}"#);
        assert_eq!(
            cfg.principal(&headers(&[("x-ms-client-principal", &p)])),
            Ok("local".into())
        );
    }

    #[test]
    fn api_keys_are_checked_by_hash() {
        let cfg = AuthConfig {
            keys: vec![ApiKey::parse("k1")],
            ..AuthConfig::default()
        };
        assert!(cfg.principal(&headers(&[("x-api-key", "k1")])).is_ok());
        assert_eq!(
            cfg.principal(&headers(&[("authorization", "Bearer k2")])),
            Err(AuthError::BadKey)
        );
        let a = cfg.principal(&headers(&[("authorization", "Bearer k1")]));
        assert_eq!(a, cfg.principal(&headers(&[("x-api-key", "k1")])));
    }

    #[test]
    fn a_named_key_shows_its_name_and_keeps_its_principal() {
        let named = AuthConfig {
            keys: vec![ApiKey::parse("Alice Smith=k1"), ApiKey::parse("bob=k2")],
            ..AuthConfig::default()
        };
        let plain = AuthConfig {
            keys: vec![ApiKey::parse("k1")],
            ..AuthConfig::default()
        };
        let who = named
            .person(&headers(&[("x-api-key", "k1")]))
            .expect("person");
        assert_eq!(
            (who.name.as_str(), who.initials.as_str()),
            ("Alice Smith", "AS")
        );
        assert_eq!(
            Ok(who.principal),
            plain.principal(&headers(&[("x-api-key", "k1")]))
        );
        // The name is not a key, and a hash after a name is still a hash.
        assert_eq!(
            named.principal(&headers(&[("x-api-key", "Alice Smith")])),
            Err(AuthError::BadKey)
        );
        let hashed = ApiKey::parse(&format!("carol=sha256:{}", hash_key("k3")));
        assert_eq!(
            (hashed.hash, hashed.name.as_deref()),
            (hash_key("k3"), Some("carol"))
        );
        // Base64 padding is part of the key, not a name.
        assert_eq!(ApiKey::parse("YWJj=").hash, hash_key("YWJj="));
        assert_eq!(ApiKey::parse("a/b=c").hash, hash_key("a/b=c"));
    }
}
