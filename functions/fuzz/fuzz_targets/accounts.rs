//! Sign-in bodies and session tokens from strangers: the parsers never panic, and what they
//! accept keeps their promises (a normalised email of the right shape, a password within the
//! policy, a token only in the shape the server makes, a forwarded address that reads back as
//! itself), and no order of sign-in outcomes lets more failures through than the limit.
#![no_main]

use appgen_core::appdata::accounts::{
    Credentials, Email, FAILURE_WINDOW_MS, Failures, MAX_AUTH_BODY_BYTES, MAX_EMAIL_CHARS,
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, SessionToken, TOKEN_CHARS, forwarded_for,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Credentials::parse(data) {
        assert!(data.len() <= MAX_AUTH_BODY_BYTES);
        let e = c.email.as_str();
        assert_eq!(e, e.trim());
        assert_eq!(e, e.to_lowercase());
        assert!(e.chars().count() <= MAX_EMAIL_CHARS && e.matches('@').count() == 1);
        assert_eq!(
            Email::parse(e).as_ref(),
            Ok(&c.email),
            "normalising is idempotent"
        );
        let n = String::from_utf8_lossy(c.password.as_bytes())
            .chars()
            .count();
        assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n));
    }
    let text = String::from_utf8_lossy(data);
    for token in [
        SessionToken::parse(&text),
        SessionToken::from_authorization(&text),
    ]
    .into_iter()
    .flatten()
    {
        let t = token.as_str();
        assert_eq!(t.len(), TOKEN_CHARS);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(token.key().len(), 64);
    }
    if let Some(ip) = forwarded_for(&text) {
        assert_eq!(forwarded_for(&ip.to_string()), Some(ip));
    }
    failures_stay_within_the_limit(data);
});

/// Each byte an attempt: its low bits how far time moves on, its top bit whether it succeeded.
/// However they come, an attempt is refused exactly when `MAX` failed in the window.
fn failures_stay_within_the_limit(data: &[u8]) {
    const MAX: u32 = 3;
    let (mut now, mut f, mut failed) = (0u64, None::<Failures>, 0u32);
    for b in data {
        now += u64::from(b & 0x3f) * FAILURE_WINDOW_MS / 32;
        if f.is_some_and(|x| x.expired(now)) {
            failed = 0;
        }
        let Ok(next) = Failures::start(f, MAX, now) else {
            assert_eq!(failed, MAX, "refused below the limit");
            continue;
        };
        assert!(failed < MAX, "{failed} failures and still let through");
        if b & 0x80 != 0 {
            f = Some(next.forgive());
        } else {
            f = Some(next);
            failed += 1;
        }
    }
}
