//! Sign-in for the people who use a generated app (docs/appdata.md, "Accounts"):
//! `POST …/_auth/signup`, `POST …/_auth/signin`, `POST …/_auth/signout`, `GET …/_auth/me`,
//! under the same key check as the records. Accounts belong to one app and one space. The rules
//! are `appgen_core::appdata::accounts`'; storage and hashing `runtime::appdata::accounts`'.

use super::{DataState, Opened, body_of, now_ms, open, rate_limited};
use crate::appdata::accounts::{AccountError, SignedIn};
use crate::http::ApiError;
use appgen_core::appdata::accounts::{AuthError, Credentials, SessionToken, User};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;

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

/// The credentials of a sign-up or sign-in, within the attempt limits: per client before the
/// body is read, then per email (so guessing one account's password is slow from anywhere).
async fn attempt(
    st: &DataState,
    o: &Opened,
    body: Result<Bytes, BytesRejection>,
) -> Result<Credentials, Response> {
    let app = format!("{}/{}", o.space.thread, o.space.space.name());
    st.attempts_per_client
        .take(&format!("{app}/{}", o.client))
        .map_err(|w| rate_limited(w, "to sign in from this client"))?;
    let body = body_of(body).map_err(IntoResponse::into_response)?;
    let creds = Credentials::parse(&body).map_err(|e| ApiError::from(e).into_response())?;
    st.attempts_per_email
        .take(&format!("{app}/{}", creds.email.key()))
        .map_err(|w| rate_limited(w, "to sign in with this email"))?;
    Ok(creds)
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
    body: Result<Bytes, BytesRejection>,
    sign_up: bool,
) -> Result<Response, Response> {
    let o = open_accounts(st, &thread, &space, headers).await?;
    let creds = attempt(st, &o, body).await?;
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
    entered
        .map(|s| signed_in(s, status))
        .map_err(|e| ApiError::from(e).into_response())
}

pub(super) async fn signup(
    State(st): State<Arc<DataState>>,
    Path(path): SpacePath,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    enter(&st, path, &headers, body, true).await
}

pub(super) async fn signin(
    State(st): State<Arc<DataState>>,
    Path(path): SpacePath,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    enter(&st, path, &headers, body, false).await
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
