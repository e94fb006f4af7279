//! Sealing a secret a request brings (a Vercel token) so that it can wait in storage for the
//! queue worker that uses it: AES-256-GCM under a key derived from the server's preview secret
//! (`PreviewUrls::derived_key`), which every process of a deployment shares. What storage
//! holds is useless without that key; a seal made under another key does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub struct Sealer {
    key: LessSafeKey,
}

impl Sealer {
    /// A sealer under `key` (one key per purpose: `PreviewUrls::derived_key`).
    pub fn new(key: [u8; 32]) -> Sealer {
        let unbound = UnboundKey::new(&AES_256_GCM, &key).expect("a 32-byte key is an AES-256 key");
        Sealer {
            key: LessSafeKey::new(unbound),
        }
    }

    /// `secret` sealed: base64 of a random nonce, the ciphertext and its tag.
    pub fn seal(&self, secret: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        let mut sealed = secret.as_bytes().to_vec();
        // Sealing fails only for inputs longer than GCM allows (64 GB).
        let _ = self
            .key
            .seal_in_place_append_tag(nonce, Aad::empty(), &mut sealed);
        let mut out = nonce_bytes.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// The secret, if `sealed` was sealed under this key and not altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed.trim()).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut buf).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_opens_only_under_its_key_and_unaltered() {
        let s = Sealer::new([7; 32]);
        let a = s.seal("vercel-token");
        assert_ne!(a, s.seal("vercel-token"), "a fresh nonce each time");
        assert!(!a.contains("vercel-token"));
        assert_eq!(s.open(&a).as_deref(), Some("vercel-token"));
        assert_eq!(Sealer::new([8; 32]).open(&a), None, "another key");
        let mut bytes = STANDARD.decode(&a).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(s.open(&STANDARD.encode(bytes)), None, "altered");
        for junk in ["", "AAAA", "not base64!"] {
            assert_eq!(s.open(junk), None, "{junk:?}");
        }
    }
}
