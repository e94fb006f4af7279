//! Sign-in for the people who use a generated app (docs/appdata.md, "Accounts"):
//! `POST …/_auth/signup`, `POST …/_auth/signin`, `POST …/_auth/signout`, `GET …/_auth/me`,
//! under the same key check as the records. Accounts belong to one app and one space. The rules
//! are `appgen_core::appdata::accounts`'; storage and hashing `runtime::appdata::accounts`'.
//!
//! Attempts are limited by what a guesser cannot choose: the client's address (the socket's
//! peer, or the platform's forwarded address, [`ClientAddresses`]) and the account tried —
//! never `X-Client-Id`, which the caller makes up.

use super::{DataState, Opened, body_of, now_ms, open, rate_limited};
use crate::appdata::accounts::{AccountError, SignedIn};
use crate::http::ApiError;
use appgen_core::appdata::accounts::{self as rules, AuthError, Credentials, SessionToken, User};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{
    ConnectInfo, FromRequestParts, OptionalFromRequestParts, Path, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Where a caller's address is read. Never from a header a client chooses for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddresses {
    /// The TCP peer (`appgen serve`: browsers connect to it directly).
    Peer,
    /// Azure Functions: the Functions host proxies every request from loopback, and the App
    /// Service front end appends the address it saw to `X-Forwarded-For`; the last entry is
    /// that one (whatever the client sent itself stays to its left).
    ForwardedFor,
}

impl ClientAddresses {
    /// The caller's address, if it has one (a Unix socket's caller has none).
    pub fn of(self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        match self {
            ClientAddresses::Peer => peer,
            ClientAddresses::ForwardedFor => headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(rules::forwarded_for)
                .or(peer),
        }
    }
}

/// The caller's address as the sign-in limits key it ("local" when it has none).
#[derive(Debug, Clone)]
pub(crate) struct ClientAddr(String);

impl ClientAddr {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Records the caller's address for [`ClientAddr`].
pub(super) async fn address(
    State(from): State<ClientAddresses>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let addr = from
        .of(peer, req.headers())
        .map_or_else(|| "local".to_owned(), |ip| ip.to_string());
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let known = parts.extensions.get::<ClientAddr>().cloned();
        Ok(known.unwrap_or_else(|| ClientAddr("local".to_owned())))
    }
}

/// The session token of `Authorization: Bearer <token>`. Required, a missing or malformed one
/// is a 401 `sign_in_required`; as `Option<Bearer>` a missing or malformed one is `None`.
pub(crate) struct Bearer(pub SessionToken);

impl Bearer {
    fn of(headers: &HeaderMap) -> Option<Bearer> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        SessionToken::from_authorization(value).map(Bearer)
    }

    pub(crate) fn token(b: &Option<Bearer>) -> Option<&SessionToken> {
        b.as_ref().map(|b| &b.0)
    }
}

/// The rejection of a required [`Bearer`].
pub(crate) struct SignInRequired;

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        ApiError::from(AuthError::SignInRequired).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Bearer::of(&parts.headers).ok_or(SignInRequired)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Bearer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Infallible> {
        Ok(Bearer::of(&parts.headers))
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Auth(a) => a.into(),
            AccountError::Store(s) => s.into(),
        }
    }
}

type SpacePath = Path<(String, String)>;

/// The user of a live session of this app space, or 401 `sign_in_required`.
pub(super) async fn session_user(
    st: &DataState,
    o: &Opened,
    token: Option<&SessionToken>,
) -> Result<User, Response> {
    let refused = || ApiError::from(AuthError::SignInRequired).into_response();
    let token = token.ok_or_else(refused)?;
    match st.accounts.session(&o.space, token, now_ms()).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(refused()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// Opens the app space for its sign-in routes: only apps with accounts have them.
async fn open_accounts(
    st: &DataState,
    thread: &str,
    space: &str,
    headers: &HeaderMap,
) -> Result<Opened, Response> {
    let o = open(st, thread, space, None, headers).await?;
    if !o.schema.accounts {
        return Err(ApiError::not_found("sign-in for this app").into_response());
    }
    Ok(o)
}

/// The keys an attempt is counted under: its app space's client address and account.
struct Attempt {
    address: String,
    account: String,
}

impl Attempt {
    /// The attempt failed after all (not for a wrong password): it counts for nobody.
    fn forgive(&self, st: &DataState) {
        st.failures_per_address.forgive(&self.address);
        st.failures_per_account.forgive(&self.account);
    }
}

/// The credentials of a sign-up or sign-in, within the attempt limits: attempts per address
/// before the body is read, then failures per address and per account (so guessing one
/// account's password is slow from anywhere, and many accounts' from one place). The attempt
/// is counted as a failure until [`Attempt::forgive`].
async fn attempt(
    st: &DataState,
    o: &Opened,
    addr: &ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Credentials, Attempt), Response> {
    let app = format!("{}/{}", o.space.thread, o.space.space.name());
    let address = format!("{app}/{}", addr.0);
    st.attempts_per_address
        .take(&address)
        .map_err(|w| rate_limited(w, "to sign in from this address"))?;
    let body = body_of(body).map_err(IntoResponse::into_response)?;
    let creds = Credentials::parse(&body).map_err(|e| ApiError::from(e).into_response())?;
    let now = now_ms();
    st.failures_per_address
        .start(&address, now)
        .map_err(|w| rate_limited(w, "after failed sign-ins from this address"))?;
    let account = format!("{app}/{}", creds.email.key());
    if let Err(w) = st.failures_per_account.start(&account, now) {
        st.failures_per_address.forgive(&address);
        return Err(rate_limited(w, "after failed sign-ins to this account"));
    }
    Ok((creds, Attempt { address, account }))
}

fn signed_in(s: SignedIn, status: StatusCode) -> Response {
    let body = json!({
        "user": s.user,
        "token": s.token.as_str(),
        "expiresAt": s.expires_at,
    });
    (status, Json(body)).into_response()
}

/// Sign-up (201) or sign-in (200): one path for both, so their limits and answers never drift.
async fn enter(
    st: &DataState,
    (thread, space): (String, String),
    headers: &HeaderMap,
    addr: &ClientAddr,
    body: Result<Bytes, BytesRejection>,
    sign_up: bool,
) -> Result<Response, Response> {
    let o = open_accounts(st, &thread, &space, headers).await?;
    let (creds, tried) = attempt(st, &o, addr, body).await?;
    let (entered, status) = if sign_up {
        (
            st.accounts.sign_up(&o.space, creds, now_ms()).await,
            StatusCode::CREATED,
        )
    } else {
        (
            st.accounts.sign_in(&o.space, creds, now_ms()).await,
            StatusCode::OK,
        )
    };
    // A wrong password or a refused sign-up stays counted; anything else is forgiven.
    let failed = matches!(
        entered,
        Err(AccountError::Auth(
            AuthError::BadCredentials | AuthError::SignupRefused
        ))
    );
    if !failed {
        tried.forgive(st);
    }
    entered
        .map(|s| signed_in(s, status))
        .map_err(|e| ApiError::from(e).into_response())
}

pub(super) async fn signup(
    State(st): State<Arc<DataState>>,
    Path(path): SpacePath,
    headers: HeaderMap,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    enter(&st, path, &headers, &addr, body, true).await
}

pub(super) async fn signin(
    State(st): State<Arc<DataState>>,
    Path(path): SpacePath,
    headers: HeaderMap,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    enter(&st, path, &headers, &addr, body, false).await
}

/// Ends the session: a dead or unknown token is a 401 like anywhere else.
pub(super) async fn signout(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): SpacePath,
    headers: HeaderMap,
    Bearer(token): Bearer,
) -> Result<Response, Response> {
    let o = open_accounts(&st, &thread, &space, &headers).await?;
    session_user(&st, &o, Some(&token)).await?;
    st.accounts
        .sign_out(&o.space, &token)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn me(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): SpacePath,
    headers: HeaderMap,
    Bearer(token): Bearer,
) -> Result<Response, Response> {
    let o = open_accounts(&st, &thread, &space, &headers).await?;
    let user = session_user(&st, &o, Some(&token)).await?;
    Ok(Json(json!({ "user": user })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_the_peer_unless_the_platform_forwards_it() {
        let peer: IpAddr = "10.0.0.9".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6".parse().expect("v"));
        h.append(
            "x-forwarded-for",
            "1.1.1.1, 203.0.113.7:51234".parse().expect("v"),
        );
        let served = ClientAddresses::Peer.of(Some(peer), &h);
        assert_eq!(served, Some(peer), "a client's own header is ignored");
        let azure = ClientAddresses::ForwardedFor.of(Some(peer), &h);
        assert_eq!(
            azure,
            "203.0.113.7".parse().ok(),
            "the front end's entry, last"
        );
        let mut v6 = HeaderMap::new();
        v6.insert("x-forwarded-for", "[2001:db8::1]:443".parse().expect("v"));
        let ip = ClientAddresses::ForwardedFor.of(None, &v6);
        assert_eq!(ip, "2001:db8::1".parse().ok());
        let none = ClientAddresses::ForwardedFor.of(Some(peer), &HeaderMap::new());
        assert_eq!(none, Some(peer), "no header: the peer");
    }
}
