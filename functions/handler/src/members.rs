//! Sharing a thread (docs/api.md, "Members"): invites, accepting them, the members list.
//! Thin: every decision is `appgen_core::access`, every write `Pipeline::change_members`.

use crate::api::{ApiError, AppState, Principal};
use crate::auth::hash_key;
use appgen_core::access::{
    Action, Denied, MemberError, NewInvite, accept_invite, create_invite, remove_member,
    revoke_invite, set_role,
};
use appgen_core::view::{
    ApiErrorCode, InviteAccepted, InviteCreated, InviteRequest, MemberList, RoleChange,
};
use appgen_runtime::pipeline::Fault;
use appgen_runtime::threads::valid_id;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use std::sync::Arc;

/// The routes, merged into `api::router`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/threads/{thread}/invites", post(invite))
        .route("/api/threads/{thread}/invites/{id}", delete(revoke))
        .route("/api/invites/{token}/accept", post(accept))
        .route("/api/threads/{thread}/members", get(list))
        .route(
            "/api/threads/{thread}/members/{principal}",
            patch(change).delete(remove),
        )
}

impl From<MemberError> for ApiError {
    fn from(e: MemberError) -> Self {
        let code = match &e {
            MemberError::Denied(d) => return (*d).into(),
            MemberError::InviteNotFound | MemberError::MemberNotFound(_) => ApiErrorCode::NotFound,
            MemberError::InviteExpired => ApiErrorCode::InviteExpired,
            MemberError::InviteRevoked => ApiErrorCode::InviteRevoked,
            MemberError::InviteUsed => ApiErrorCode::InviteUsed,
            MemberError::BadRequest(_) => ApiErrorCode::BadRequest,
            MemberError::Busy(_) => ApiErrorCode::Busy,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<Fault> for ApiError {
    fn from(e: Fault) -> Self {
        match e {
            Fault::Store(s) => s.into(),
            other => {
                tracing::error!(error = %other, "membership change failed");
                ApiError::new(ApiErrorCode::Unavailable, other.to_string())
            }
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body does not fit: {e}")))
}

fn thread_id(thread: &str) -> Result<&str, ApiError> {
    if valid_id(thread) {
        Ok(thread)
    } else {
        Err(Denied::NotFound.into())
    }
}

/// Runs a `core::access` change on the thread and maps both layers of failure.
async fn change_members<T>(
    state: &AppState,
    thread: &str,
    change: impl FnMut(&mut appgen_core::snapshot::ThreadSnapshot) -> Result<T, MemberError>,
) -> Result<T, ApiError> {
    Ok(state
        .pipeline
        .change_members(thread_id(thread)?, change)
        .await??)
}

/// A token is `{threadId}.{secret}`: the thread is found without an index, and only the
/// secret's SHA-256 is stored. Thread ids may hold '.', the secret (hex) never does.
fn split_token(token: &str) -> Option<(&str, &str)> {
    let (thread, secret) = token.rsplit_once('.')?;
    let hex = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && valid_id(thread)).then_some((thread, secret))
}

fn new_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn invite(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path(thread): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: InviteRequest = parse(&body)?;
    let secret = new_secret();
    let new = NewInvite {
        id: uuid::Uuid::now_v7().simple().to_string(),
        token_hash: hash_key(&secret),
        role: req.role,
        multi_use: req.multi_use,
        now: appgen_runtime::now_ms(),
    };
    let made = change_members(&state, &thread, |snap| {
        create_invite(snap, &principal, new.clone())
    })
    .await?;
    let token = format!("{thread}.{secret}");
    let body = InviteCreated {
        id: made.id,
        url: format!("/invite/{token}"),
        token,
        role: made.role,
        multi_use: made.multi_use,
        expires_at: made.expires_at,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path((thread, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change_members(&state, &thread, |snap| revoke_invite(snap, &principal, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn accept(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path(token): Path<String>,
) -> Result<Json<InviteAccepted>, ApiError> {
    let (thread, secret) = split_token(&token).ok_or(MemberError::InviteNotFound)?;
    let hash = hash_key(secret);
    let now = appgen_runtime::now_ms();
    let role = change_members(&state, thread, |snap| {
        accept_invite(snap, &principal, &hash, now)
    })
    .await
    .map_err(|e| match e.code() {
        // An unknown thread is an unknown invite: say nothing about which part was wrong.
        ApiErrorCode::NotFound => MemberError::InviteNotFound.into(),
        _ => e,
    })?;
    Ok(Json(InviteAccepted {
        thread_id: thread.to_owned(),
        role,
    }))
}

async fn list(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path(thread): Path<String>,
) -> Result<Json<MemberList>, ApiError> {
    let thread = thread_id(&thread)?;
    let (snap, _) = state
        .pipeline
        .thread_as(thread, &principal, Action::ManageMembers)
        .await??;
    Ok(Json(MemberList::of(&snap)))
}

async fn change(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path((thread, member)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let RoleChange { role } = parse(&body)?;
    change_members(&state, &thread, |snap| {
        set_role(snap, &principal, &member, role)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<Arc<AppState>>,
    Principal(principal): Principal,
    Path((thread, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change_members(&state, &thread, |snap| {
        remove_member(snap, &principal, &member)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_at_the_last_dot_and_need_a_hex_secret() {
        let secret = "a".repeat(64);
        let t = format!("my.thread.{secret}");
        assert_eq!(split_token(&t), Some(("my.thread", secret.as_str())));
        assert_eq!(split_token(&format!("t.{}", "g".repeat(64))), None);
        assert_eq!(split_token("t.abc"), None);
        assert_eq!(split_token(&secret), None);
        assert_eq!(split_token(&format!("../x.{secret}")), None);
        assert_eq!(new_secret().len(), 64);
    }
}
