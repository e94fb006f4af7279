//! Accounts of a generated app's users (docs/appdata.md, "Accounts"), per app and data space,
//! stored through the same [`BlobStore`] as the records:
//! `{thread}/data/{space}/_users/{sha256(email)}` (written create-only, so two sign-ups of one
//! email race safely: one wins, the other is refused) and
//! `{thread}/data/{space}/_sessions/{sha256(token)}` (the token itself is never stored).
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
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// OWASP's argon2id parameters: 19 MiB, two passes, one lane.
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;
/// Hashes computed at once in this process: each holds 19 MiB, so a burst of sign-ins queues
/// here instead of filling the blocking pool (up to 512 threads) and the memory.
const MAX_CONCURRENT_HASHES: usize = 4;
static HASHING: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES);

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
}

impl DataSpace {
    fn user_key(&self, email: &Email) -> String {
        format!("{}_users/{}", self.prefix(), email.key())
    }

    fn session_key(&self, token: &SessionToken) -> String {
        format!("{}_sessions/{}", self.prefix(), token.key())
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
        Accounts { blobs }
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
        self.blobs
            .put(
                Container::Threads,
                &ds.session_key(&token),
                json(&session)?,
                "application/json",
                WriteCondition::CreateOnly,
            )
            .await?;
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
        self.blobs.delete(Container::Threads, &key).await?;
        Ok(None)
    }

    /// Ends a session: its token is dead from now on.
    pub async fn sign_out(&self, ds: &DataSpace, token: &SessionToken) -> Result<(), StoreError> {
        self.blobs
            .delete(Container::Threads, &ds.session_key(token))
            .await
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
