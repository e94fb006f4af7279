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
    /// SHA-256 (hex) of accepted API keys; keys are never kept in memory in clear.
    pub key_hashes: Vec<String>,
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

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl AuthConfig {
    /// From `APPGEN_AUTH` (comma list of `local`, `swa`, `keys`) and `APPGEN_API_KEYS`
    /// (comma list of keys, or of `sha256:<hex>` hashes).
    pub fn from_env(force_local: bool) -> AuthConfig {
        let modes = std::env::var("APPGEN_AUTH").unwrap_or_default();
        let has = |m: &str| modes.split(',').any(|x| x.trim() == m);
        let key_hashes = std::env::var("APPGEN_API_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                k.strip_prefix("sha256:")
                    .map(str::to_owned)
                    .unwrap_or_else(|| hash_key(k))
            })
            .collect();
        AuthConfig {
            swa: has("swa"),
            key_hashes,
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
            && !self.key_hashes.is_empty()
        {
            let h = hash_key(key);
            return if self.key_hashes.contains(&h) {
                Ok(Person::new(&format!("key:{}", &h[..16]), None))
            } else {
                Err(AuthError::BadKey)
            };
        }
        if self.local {
            return Ok(Person::new("local", Some("You")));
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
            key_hashes: vec![hash_key("k1")],
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
}
