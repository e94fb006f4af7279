//! Accounts of a generated app's users (docs/appdata.md, "Accounts"), per app and data space,
//! stored through the same [`BlobStore`] as the records:
//! `{thread}/data/{space}/_users/{sha256(email)}` (written create-only, so two sign-ups of one
//! email race safely: one wins, the other is refused) and
//! `{thread}/data/{space}/_sessions/{sha256(token)}` (the token itself is never stored), each
//! with an empty marker `_expiry/{expiresAt}-{sha256(token)}` so that a sign-in can sweep the
//! space's expired sessions from one listing, without reading them.
//! Passwords are argon2id PHC strings, hashed and checked off the async threads. The rules
//! (emails, passwords, tokens, expiry) are `appgen_core::appdata::accounts`'.

use super::{DataSpace, new_record_id};
use appgen_core::appdata::accounts::{
    AuthError, Credentials, Email, Password, Session, SessionToken, TOKEN_BYTES, User,
};
use appgen_core::ports::{BlobStore, Container, StoreError, WriteCondition};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;

/// OWASP's argon2id parameters: 19 MiB, two passes, one lane.
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;
/// Hashes computed at once in this process: each holds 19 MiB, so a burst of sign-ins queues
/// here instead of filling the blocking pool (up to 512 threads) and the memory.
const MAX_CONCURRENT_HASHES: usize = 4;
static HASHING: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES);
/// A space's expired sessions are swept at a sign-in at most this often (per process)…
const SWEEP_EVERY_MS: u64 = 10 * 60 * 1000;
/// …and at most this many at a time (the rest at the next sign-in).
const MAX_SWEPT: usize = 500;
/// Spaces whose last sweep is remembered before the old entries are dropped.
const SWEEPS_KEPT: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user as stored under their email's hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredUser {
    id: String,
    email: Email,
    password_hash: String,
    created_at: u64,
}

/// What a sign-up or sign-in gives the client.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token: SessionToken,
    pub expires_at: u64,
}

#[derive(Clone)]
pub struct Accounts {
    blobs: Arc<dyn BlobStore>,
    /// When each space's expired sessions were last swept (ms), in this process.
    swept: Arc<Mutex<HashMap<String, u64>>>,
}

impl DataSpace {
    fn user_key(&self, email: &Email) -> String {
        format!("{}_users/{}", self.prefix(), email.key())
    }

    fn session_key(&self, token: &SessionToken) -> String {
        self.session_key_of(&token.key())
    }

    fn session_key_of(&self, hash: &str) -> String {
        format!("{}_sessions/{hash}", self.prefix())
    }

    fn expiry_prefix(&self) -> String {
        format!("{}_expiry/", self.prefix())
    }

    /// Zero-padded, so a listing comes out in order of expiry.
    fn expiry_key(&self, expires_at: u64, hash: &str) -> String {
        format!("{}{expires_at:020}-{hash}", self.expiry_prefix())
    }
}

fn json<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Backend(e.to_string()))
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Backend(format!("corrupt account: {e}")))
}

impl Accounts {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Accounts {
        Accounts {
            blobs,
            swept: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A new account and its first session. An email that has an account already is refused
    /// with the same answer as any refused sign-up.
    pub async fn sign_up(
        &self,
        ds: &DataSpace,
        creds: Credentials,
        now_ms: u64,
    ) -> Result<SignedIn, AccountError> {
        let user = StoredUser {
            id: new_record_id(),
            email: creds.email,
            password_hash: hash_password(creds.password).await?,
            created_at: now_ms,
        };
        let key = ds.user_key(&user.email);
        let put = self
            .blobs
            .put(
                Container::Threads,
                &key,
                json(&user)?,
                "application/json",
                WriteCondition::CreateOnly,
            )
            .await;
        match put {
            Err(StoreError::Conflict(_)) => return Err(AuthError::SignupRefused.into()),
            other => other?,
        };
        let public = User {
            id: user.id,
            email: user.email,
        };
        Ok(self.start_session(ds, public, now_ms).await?)
    }

    /// A new session for the account with these credentials. An unknown email is checked
    /// against a dummy hash, so it costs as long as a wrong password and answers the same.
    pub async fn sign_in(
        &self,
        ds: &DataSpace,
        creds: Credentials,
        now_ms: u64,
    ) -> Result<SignedIn, AccountError> {
        let stored = match self
            .blobs
            .get(Container::Threads, &ds.user_key(&creds.email))
            .await?
        {
            Some(b) => Some(parse::<StoredUser>(&b.bytes)?),
            None => None,
        };
        let hash = match &stored {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash().await?,
        };
        let matches = verify_password(creds.password, hash).await?;
        let Some(user) = stored.filter(|_| matches) else {
            return Err(AuthError::BadCredentials.into());
        };
        let public = User {
            id: user.id,
            email: user.email,
        };
        Ok(self.start_session(ds, public, now_ms).await?)
    }

    async fn start_session(
        &self,
        ds: &DataSpace,
        user: User,
        now_ms: u64,
    ) -> Result<SignedIn, StoreError> {
        let token = new_token()?;
        let session = Session::start(user, now_ms);
        // The marker first: a session never exists without the sweep knowing of it.
        let marker = ds.expiry_key(session.expires_at, &token.key());
        self.blobs
            .put(
                Container::Threads,
                &marker,
                Vec::new(),
                "application/octet-stream",
                WriteCondition::CreateOnly,
            )
            .await?;
        self.blobs
            .put(
                Container::Threads,
                &ds.session_key(&token),
                json(&session)?,
                "application/json",
                WriteCondition::CreateOnly,
            )
            .await?;
        if self.sweep_due(ds, now_ms)
            && let Err(e) = self.sweep(ds, now_ms).await
        {
            tracing::warn!(error = %e, "sweeping expired sessions failed");
        }
        Ok(SignedIn {
            user: session.user,
            token,
            expires_at: session.expires_at,
        })
    }

    /// The user of a live session; `None` for an unknown or expired token (an expired
    /// session is deleted on the way).
    pub async fn session(
        &self,
        ds: &DataSpace,
        token: &SessionToken,
        now_ms: u64,
    ) -> Result<Option<User>, StoreError> {
        let key = ds.session_key(token);
        let Some(blob) = self.blobs.get(Container::Threads, &key).await? else {
            return Ok(None);
        };
        let session: Session = parse(&blob.bytes)?;
        if session.is_live(now_ms) {
            return Ok(Some(session.user));
        }
        self.end(ds, &token.key(), session.expires_at).await?;
        Ok(None)
    }

    /// Ends a session: its token is dead from now on.
    pub async fn sign_out(&self, ds: &DataSpace, token: &SessionToken) -> Result<(), StoreError> {
        let hash = token.key();
        let blob = self
            .blobs
            .get(Container::Threads, &ds.session_key_of(&hash))
            .await?;
        let Some(blob) = blob else {
            return Ok(());
        };
        let session: Session = parse(&blob.bytes)?;
        self.end(ds, &hash, session.expires_at).await
    }

    /// Deletes a session and its expiry marker (either may be gone already).
    async fn end(&self, ds: &DataSpace, hash: &str, expires_at: u64) -> Result<(), StoreError> {
        for key in [ds.session_key_of(hash), ds.expiry_key(expires_at, hash)] {
            match self.blobs.delete(Container::Threads, &key).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether this space's sweep is due at `now_ms` (and if so, marks it done).
    fn sweep_due(&self, ds: &DataSpace, now_ms: u64) -> bool {
        let mut swept = match self.swept.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if swept.len() >= SWEEPS_KEPT {
            swept.retain(|_, at| now_ms.saturating_sub(*at) < SWEEP_EVERY_MS);
        }
        let name = ds.name();
        if swept
            .get(&name)
            .is_some_and(|at| now_ms.saturating_sub(*at) < SWEEP_EVERY_MS)
        {
            return false;
        }
        swept.insert(name, now_ms);
        true
    }

    /// Deletes the space's sessions that expired by `now_ms` (at most [`MAX_SWEPT`]), found
    /// from their markers' names alone. Returns how many went. Sessions stored before markers
    /// existed are deleted when next presented instead.
    pub async fn sweep(&self, ds: &DataSpace, now_ms: u64) -> Result<usize, StoreError> {
        let prefix = ds.expiry_prefix();
        let markers = self.blobs.list(Container::Threads, &prefix).await?;
        let mut n = 0;
        for key in markers.iter().take(MAX_SWEPT) {
            let Some((at, hash)) = key[prefix.len()..].split_once('-') else {
                continue;
            };
            let Ok(expires_at) = at.parse::<u64>() else {
                continue;
            };
            if now_ms < expires_at {
                break; // in order of expiry: the rest are live
            }
            self.end(ds, hash, expires_at).await?;
            n += 1;
        }
        Ok(n)
    }
}

/// 32 random bytes as base64url: what [`SessionToken::parse`] accepts.
fn new_token() -> Result<SessionToken, StoreError> {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    SessionToken::parse(&text).ok_or_else(|| StoreError::Backend("token shape".into()))
}

fn argon2() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .map_err(|e| StoreError::Backend(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Runs a hash off the async threads (argon2id takes tens of milliseconds of CPU on purpose),
/// at most [`MAX_CONCURRENT_HASHES`] at once.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| StoreError::Backend(format!("hashing: {e}")))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(format!("hashing task: {e}")))?
}

async fn hash_password(password: Password) -> Result<String, StoreError> {
    blocking(move || {
        let salt_bytes: [u8; 16] = rand::random();
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| StoreError::Backend(format!("salt: {e}")))?;
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Backend(format!("argon2: {e}")))
    })
    .await
}

async fn verify_password(password: Password, phc: String) -> Result<bool, StoreError> {
    blocking(move || {
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| StoreError::Backend(format!("stored hash: {e}")))?;
        Ok(argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// A hash of nothing anyone knows, made once, to check unknown emails against.
async fn dummy_hash() -> Result<String, StoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let pw = Password::parse(&new_record_id()).map_err(|e| StoreError::Backend(e.to_string()))?;
    let h = hash_password(pw).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_run_a_few_at_a_time() {
        static NOW: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                tokio::spawn(blocking(|| {
                    let n = NOW.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    NOW.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }))
            })
            .collect();
        for j in jobs {
            j.await.expect("join").expect("job");
        }
        let peak = PEAK.load(Ordering::SeqCst);
        assert!((2..=MAX_CONCURRENT_HASHES).contains(&peak), "peak {peak}");
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let pw = |s: &str| Password::parse(s).expect("password");
        let phc = hash_password(pw("correct horse")).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            verify_password(pw("correct horse"), phc.clone())
                .await
                .expect("verify")
        );
        assert!(
            !verify_password(pw("correct horsE"), phc)
                .await
                .expect("verify")
        );
        let dummy = dummy_hash().await.expect("dummy");
        assert_eq!(dummy, dummy_hash().await.expect("dummy"), "made once");
        assert!(dummy.starts_with("$argon2id$"));
    }
}
