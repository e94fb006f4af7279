//! Sign-in for the people who use a generated app (docs/appdata.md, "Accounts"): the rules,
//! pure. Email normalisation, the password policy, the sign-up / sign-in body, session tokens
//! and expiry. Hashing passwords and storing users and sessions is `runtime::appdata::accounts`;
//! the routes are `handler::appdata::auth`. Accounts belong to one app and one data space.

use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_EMAIL_CHARS: usize = 254;
/// A sign-up or sign-in body may not be larger than this (the longest email and password,
/// four UTF-8 bytes a character, fit with room to spare).
pub const MAX_AUTH_BODY_BYTES: usize = 4 * 1024;
/// How long a session lives after sign-in.
pub const SESSION_TTL_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// Sign-in and sign-up attempts per minute from one client address to one app space, whatever
/// emails it tries (each costs a password hash).
pub const ATTEMPTS_PER_MINUTE_PER_ADDRESS: u32 = 30;
/// Failed attempts (a wrong password, a refused sign-up) one account of an app space may have in
/// a [`FAILURE_WINDOW_MS`] before its password attempts wait for the window to end, from anywhere…
pub const FAILURES_PER_ACCOUNT: u32 = 10;
/// …and one client address, whatever accounts it tries (password spraying).
pub const FAILURES_PER_ADDRESS: u32 = 50;
pub const FAILURE_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Random bytes in a session token; as base64url without padding, [`TOKEN_CHARS`] characters.
pub const TOKEN_BYTES: usize = 32;
pub const TOKEN_CHARS: usize = 43;

pub const BAD_CREDENTIALS: &str = "Email or password is incorrect.";
pub const SIGNUP_REFUSED: &str =
    "Could not sign up with that email and password. If you already have an account, sign in.";
pub const SIGN_IN_REQUIRED: &str = "Sign in to use this app.";

/// Why a sign-up, sign-in or session was refused. Field errors name the field; the others
/// say the same thing whatever the cause, so they do not tell which emails have accounts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the body is not valid JSON: {0}")]
    BadJson(String),
    #[error("the body must be a JSON object with \"email\" and \"password\"")]
    NotAnObject,
    #[error("the body is {0} bytes; the limit is {MAX_AUTH_BODY_BYTES}")]
    TooLarge(usize),
    #[error("field \"{field}\": {reason}")]
    BadField { field: &'static str, reason: String },
    #[error("unknown field \"{0}\"")]
    UnknownField(String),
    #[error("{BAD_CREDENTIALS}")]
    BadCredentials,
    #[error("{SIGNUP_REFUSED}")]
    SignupRefused,
    #[error("{SIGN_IN_REQUIRED}")]
    SignInRequired,
}

impl AuthError {
    pub fn code(&self) -> ApiErrorCode {
        match self {
            AuthError::BadJson(_)
            | AuthError::NotAnObject
            | AuthError::BadField { .. }
            | AuthError::UnknownField(_) => ApiErrorCode::BadRequest,
            AuthError::TooLarge(_) => ApiErrorCode::BodyTooLarge,
            AuthError::BadCredentials => ApiErrorCode::BadCredentials,
            AuthError::SignupRefused => ApiErrorCode::SignupRefused,
            AuthError::SignInRequired => ApiErrorCode::SignInRequired,
        }
    }

    fn field(field: &'static str, reason: impl Into<String>) -> AuthError {
        AuthError::BadField {
            field,
            reason: reason.into(),
        }
    }
}

/// A normalised email: trimmed, lowercased, shaped like `a@b.c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AuthError> {
        let e = raw.trim().to_lowercase();
        let bad = |why: &str| AuthError::field("email", why);
        if e.is_empty() {
            return Err(bad("is required"));
        }
        if e.chars().count() > MAX_EMAIL_CHARS {
            return Err(bad("is longer than 254 characters"));
        }
        if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("may not contain spaces"));
        }
        let Some((local, domain)) = e.split_once('@') else {
            return Err(bad("must look like name@example.com"));
        };
        let domain_ok = !domain.contains('@')
            && domain.split('.').count() >= 2
            && domain.split('.').all(|p| !p.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(bad("must look like name@example.com"));
        }
        Ok(Email(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key a user is stored under: no email appears in a blob name.
    pub fn key(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

/// A password within the policy. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Password, AuthError> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_CHARS {
            return Err(AuthError::field(
                "password",
                "must be at least 8 characters",
            ));
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(AuthError::field(
                "password",
                "must be at most 256 characters",
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A sign-up or sign-in body, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub email: Email,
    pub password: Password,
}

impl Credentials {
    /// `{"email", "password"}`: JSON, within size, no other fields, both valid.
    pub fn parse(body: &[u8]) -> Result<Credentials, AuthError> {
        if body.len() > MAX_AUTH_BODY_BYTES {
            return Err(AuthError::TooLarge(body.len()));
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|e| AuthError::BadJson(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(AuthError::NotAnObject);
        };
        if let Some(k) = map
            .keys()
            .find(|k| !["email", "password"].contains(&k.as_str()))
        {
            return Err(AuthError::UnknownField(k.clone()));
        }
        let text = |field: &'static str| match map.get(field) {
            Some(Value::String(s)) => Ok(s.as_str()),
            None | Some(Value::Null) => Err(AuthError::field(field, "is required")),
            Some(_) => Err(AuthError::field(field, "must be a string")),
        };
        Ok(Credentials {
            email: Email::parse(text("email")?)?,
            password: Password::parse(text("password")?)?,
        })
    }
}

/// A session token as a client presents it: [`TOKEN_CHARS`] base64url characters. Only its
/// hash is stored, so a leaked store holds no usable token.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    /// `None` for anything that is not a token this server could have made.
    pub fn parse(raw: &str) -> Option<SessionToken> {
        let ok = raw.len() == TOKEN_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SessionToken(raw.to_owned()))
    }

    /// From the `Authorization` header's value: `Bearer <token>`.
    pub fn from_authorization(value: &str) -> Option<SessionToken> {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| SessionToken::parse(token.trim()))?
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the session is stored under.
    pub fn key(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A user of a generated app, as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: Email,
}

/// A signed-in session, as stored (under its token's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub user: User,
    pub expires_at: u64,
}

impl Session {
    /// A session that starts at `now_ms`.
    pub fn start(user: User, now_ms: u64) -> Session {
        Session {
            user,
            expires_at: now_ms.saturating_add(SESSION_TTL_MS),
        }
    }

    /// Still usable at `now_ms`: expiry is exclusive, so a session is dead at its `expiresAt`.
    pub fn is_live(&self, now_ms: u64) -> bool {
        now_ms < self.expires_at
    }
}

/// The client's address in an `X-Forwarded-For` value that a platform's front end appended to:
/// its last entry (`1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`); what a client sent itself
/// stays to its left.
pub fn forwarded_for(value: &str) -> Option<std::net::IpAddr> {
    let last = value.rsplit(',').next()?.trim();
    last.parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| last.parse())
        .ok()
}

/// Failed sign-in attempts of one key (an account, a client address) in a window that starts at
/// the first failure. An attempt is counted when it starts and forgiven when it succeeds, so
/// attempts racing in parallel cannot pass the limit together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    since_ms: u64,
    count: u32,
}

impl Failures {
    /// Counts an attempt that may fail; `Err(ms)`: none may start for that long (the window's
    /// end). `current` is what was counted before, if anything.
    pub fn start(current: Option<Failures>, max: u32, now_ms: u64) -> Result<Failures, u64> {
        let f = current
            .filter(|f| f.count > 0 && !f.expired(now_ms))
            .unwrap_or(Failures {
                since_ms: now_ms,
                count: 0,
            });
        if f.count >= max {
            return Err((f.since_ms + FAILURE_WINDOW_MS)
                .saturating_sub(now_ms)
                .max(1));
        }
        Ok(Failures {
            count: f.count + 1,
            ..f
        })
    }

    /// An attempt that succeeded after all is no failure.
    pub fn forgive(self) -> Failures {
        Failures {
            count: self.count.saturating_sub(1),
            ..self
        }
    }

    /// The window is over: the failures in it are forgotten.
    pub fn expired(&self, now_ms: u64) -> bool {
        now_ms >= self.since_ms.saturating_add(FAILURE_WINDOW_MS)
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
