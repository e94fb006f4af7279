//! Account SAS for connection strings with an account key. The official SDK has no shared-key
//! auth; a SAS signed with the key authorises the same operations and works with Azurite.
//!
//! A pipeline policy signs a fresh token per request, so long-running processes never hold an
//! expired one and no token is baked into the clients' URLs (which end up in logs).

use async_trait::async_trait;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Signed version; the string-to-sign below is the layout for 2020-12-06 and later.
const SIGNED_VERSION: &str = "2021-08-06";
/// Services blob and queue; resource types service, container and object.
const SIGNED_SERVICES: &str = "bq";
const SIGNED_RESOURCE_TYPES: &str = "sco";
/// Read, write, delete, list, add, create, update, process: everything the ports need
/// (queue receive needs `p`, update-visibility `u`).
const SIGNED_PERMISSIONS: &str = "rwdlacup";
/// Lifetime of each token; requests are signed when sent, so this only covers clock skew and
/// retries.
const LIFETIME: time::Duration = time::Duration::hours(1);
/// Backdated start to tolerate clock skew between us and the service.
const SKEW: time::Duration = time::Duration::minutes(5);

/// The query parameters of an account SAS.
const SAS_PARAMS: [&str; 8] = ["sv", "ss", "srt", "sp", "st", "se", "spr", "sig"];

/// Builds an account SAS query string (without `?`) valid from `now - 5 min` to `now + 1 h`.
pub fn account_sas(account: &str, key: &[u8], now: OffsetDateTime) -> String {
    let start = format_time(now - SKEW);
    let expiry = format_time(now + LIFETIME);
    // account\nsp\nss\nsrt\nst\nse\nsip\nspr\nsv\nses\n (signedIP, signedProtocol and the
    // encryption scope are empty).
    let string_to_sign = format!(
        "{account}\n{SIGNED_PERMISSIONS}\n{SIGNED_SERVICES}\n{SIGNED_RESOURCE_TYPES}\n{start}\n{expiry}\n\n\n{SIGNED_VERSION}\n\n"
    );
    let sig = sign(key, &string_to_sign);
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("sv", SIGNED_VERSION)
        .append_pair("ss", SIGNED_SERVICES)
        .append_pair("srt", SIGNED_RESOURCE_TYPES)
        .append_pair("sp", SIGNED_PERMISSIONS)
        .append_pair("st", &start)
        .append_pair("se", &expiry)
        .append_pair("sig", &sig)
        .finish()
}

fn sign(key: &[u8], string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn format_time(t: OffsetDateTime) -> String {
    // Whole seconds in UTC, `2026-11-25T09:00:00Z`, as the service expects.
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Where a request's SAS comes from.
#[derive(Clone)]
pub(crate) enum SasSource {
    /// Sign a fresh account SAS per request.
    AccountKey { account: String, key: Arc<[u8]> },
    /// A fixed token from the connection string.
    Fixed(String),
}

/// Adds the SAS to each request's query, replacing any from an earlier try.
#[derive(Clone)]
pub(crate) struct SasPolicy {
    source: SasSource,
}

impl SasPolicy {
    pub(crate) fn new(source: SasSource) -> SasPolicy {
        SasPolicy { source }
    }

    fn token(&self) -> String {
        match &self.source {
            SasSource::AccountKey { account, key } => {
                account_sas(account, key, OffsetDateTime::now_utc())
            }
            SasSource::Fixed(t) => t.clone(),
        }
    }
}

impl fmt::Debug for SasPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SasPolicy(<redacted>)")
    }
}

#[async_trait]
impl Policy for SasPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let url = request.url_mut();
        // Keep the operation's own parameters (comp, restype, popreceipt…) byte for byte, drop
        // a previous try's SAS, then append the token (already encoded).
        let mut query: String = url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| {
                let name = p.split_once('=').map_or(*p, |(k, _)| k);
                !p.is_empty() && !SAS_PARAMS.contains(&name)
            })
            .collect::<Vec<_>>()
            .join("&");
        let token = self.token();
        if !token.is_empty() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&token);
        }
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        match next.split_first() {
            Some((policy, rest)) => policy.send(ctx, request, rest).await,
            None => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "SAS policy must not be the last in the pipeline",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn account_sas_layout_and_signature() {
        let key = b"secret-key";
        let now = datetime!(2026-11-25 09:00:00.5 UTC);
        let sas = account_sas("devstoreaccount1", key, now);
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(sas.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("sv"), "2021-08-06");
        assert_eq!(get("ss"), "bq");
        assert_eq!(get("srt"), "sco");
        assert_eq!(get("sp"), "rwdlacup");
        assert_eq!(get("st"), "2026-11-25T08:55:00Z");
        assert_eq!(get("se"), "2026-11-25T10:00:00Z");
        let expected = sign(
            key,
            "devstoreaccount1\nrwdlacup\nbq\nsco\n2026-11-25T08:55:00Z\n2026-11-25T10:00:00Z\n\n\n2021-08-06\n\n",
        );
        assert_eq!(get("sig"), expected);
    }

    #[test]
    fn hmac_matches_known_vector() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", "what do ya want for nothing?");
        assert_eq!(sig, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }
}
