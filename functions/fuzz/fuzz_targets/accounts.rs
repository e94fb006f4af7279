//! Sign-in bodies and session tokens from strangers: the parsers never panic, and what they
//! accept keeps their promises (a normalised email of the right shape, a password within the
//! policy, a token only in the shape the server makes).
#![no_main]

use appgen_core::appdata::accounts::{
    Credentials, Email, MAX_AUTH_BODY_BYTES, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS, SessionToken, TOKEN_CHARS,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Credentials::parse(data) {
        assert!(data.len() <= MAX_AUTH_BODY_BYTES);
        let e = c.email.as_str();
        assert_eq!(e, e.trim());
        assert_eq!(e, e.to_lowercase());
        assert!(e.chars().count() <= MAX_EMAIL_CHARS && e.matches('@').count() == 1);
        assert_eq!(Email::parse(e).as_ref(), Ok(&c.email), "normalising is idempotent");
        let n = String::from_utf8_lossy(c.password.as_bytes()).chars().count();
        assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n));
    }
    let text = String::from_utf8_lossy(data);
    for token in [SessionToken::parse(&text), SessionToken::from_authorization(&text)]
        .into_iter()
        .flatten()
    {
        let t = token.as_str();
        assert_eq!(t.len(), TOKEN_CHARS);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(token.key().len(), 64);
    }
});
