//! Preview URLs on the separate preview origin: `{base}/p/{thread}/{version}/{token}/`, where
//! the token is an HMAC of thread and version, so a URL cannot be guessed from another.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct PreviewUrls {
    base: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for PreviewUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewUrls")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl PreviewUrls {
    pub fn new(base: &str, secret: &[u8]) -> PreviewUrls {
        PreviewUrls {
            base: base.trim_end_matches('/').to_owned(),
            secret: secret.to_vec(),
        }
    }

    pub fn token(&self, thread: &str, version: u32) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return String::new();
        };
        mac.update(format!("{thread}/{version}").as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Constant-time check of a token from a URL.
    pub fn verify(&self, thread: &str, version: u32, token: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return false;
        };
        mac.update(format!("{thread}/{version}").as_bytes());
        match hex::decode(token) {
            Ok(bytes) if bytes.len() == 16 => mac.verify_truncated_left(&bytes).is_ok(),
            _ => false,
        }
    }

    pub fn url(&self, thread: &str, version: u32) -> String {
        format!(
            "{}/p/{thread}/{version}/{}/",
            self.base,
            self.token(thread, version)
        )
    }

    /// The key an app sends for one of its data spaces (`X-App-Key`): an HMAC of thread and
    /// space, so one app's key opens neither another app's data nor its other space.
    pub fn data_key(&self, thread: &str, space: &str) -> String {
        self.token(&format!("data/{space}/{thread}"), 0)
    }

    /// Whether `key` opens `space` of `thread`: its data key, or, for the preview space, any
    /// of its preview URLs' `{version}.{token}` (what a preview can read from its own URL).
    pub fn verify_data_key(&self, thread: &str, space: &str, key: &str) -> bool {
        if self.verify(&format!("data/{space}/{thread}"), 0, key) {
            return true;
        }
        match key.split_once('.') {
            Some((n, token)) if space == "preview" => n
                .parse::<u32>()
                .is_ok_and(|n| n > 0 && self.verify(thread, n, token)),
            _ => false,
        }
    }

    /// A 32-byte key for `purpose`, derived from the same secret (so every process that shares
    /// the preview secret shares it), never equal to a URL token or a data key.
    pub fn derived_key(&self, purpose: &str) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return [0; 32];
        };
        mac.update(format!("key:{purpose}").as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_thread_and_version() {
        let p = PreviewUrls::new("http://127.0.0.1:7072/", b"secret");
        let t = p.token("t1", 2);
        assert!(p.verify("t1", 2, &t));
        assert!(!p.verify("t1", 3, &t));
        assert!(!p.verify("t2", 2, &t));
        assert!(!p.verify("t1", 2, "00"));
        assert!(!PreviewUrls::new("x", b"other").verify("t1", 2, &t));
        assert_eq!(p.url("t1", 2), format!("http://127.0.0.1:7072/p/t1/2/{t}/"));
    }

    #[test]
    fn data_keys_open_one_space_of_one_app() {
        let p = PreviewUrls::new("http://p", b"secret");
        let live = p.data_key("t1", "live");
        assert!(p.verify_data_key("t1", "live", &live));
        assert!(!p.verify_data_key("t1", "preview", &live));
        assert!(!p.verify_data_key("t2", "live", &live));
        let from_url = format!("2.{}", p.token("t1", 2));
        assert!(p.verify_data_key("t1", "preview", &from_url));
        assert!(
            !p.verify_data_key("t1", "live", &from_url),
            "a preview never opens live"
        );
        assert!(!p.verify_data_key("t2", "preview", &from_url));
        assert!(!p.verify_data_key("t1", "preview", "2.00"));
    }
}
