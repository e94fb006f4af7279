//! The HTTP error shape every API of appgen answers with (appgen's own `/api` and the data API
//! of generated apps), and the SSE answer every stream goes through: here, below both the
//! handler and the build check that serve them.

use crate::pipeline::{Fault, StartError};
use appgen_core::access::Denied;
use appgen_core::pipeline::Rejection;
use appgen_core::ports::StoreError;
use appgen_core::view::{ApiErrorBody, ApiErrorCode, ApiErrorInfo};
use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A JSON error: `{"error":{"code","message"}}` ([`ApiErrorBody`]), with the status its code
/// carries (`ApiErrorCode::http_status`).
#[derive(Debug)]
pub struct ApiError {
    code: ApiErrorCode,
    message: String,
}

impl ApiError {
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(ApiErrorCode::BadRequest, message)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ApiErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn code(&self) -> ApiErrorCode {
        self.code
    }
}

/// The access rule's refusal: not a member is 404 (as if the thread did not exist), a member
/// whose role is too low 403.
impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotFound => ApiError::not_found("thread"),
            Denied::Forbidden { .. } => ApiError::new(ApiErrorCode::Forbidden, d.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiErrorBody {
            error: ApiErrorInfo {
                code: self.code,
                message: self.message,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(&what),
            StoreError::InvalidKey(k) => ApiError::bad_request(format!("invalid id {k:?}")),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::new(
                    ApiErrorCode::StorageUnavailable,
                    "storage is unavailable; try again",
                )
            }
        }
    }
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Rejected(r) => {
                let code = match r {
                    Rejection::NotFound(_) => ApiErrorCode::NotFound,
                    Rejection::Forbidden(_) => ApiErrorCode::Forbidden,
                    Rejection::Busy(_) => ApiErrorCode::Busy,
                    Rejection::DuplicateRun(_) => ApiErrorCode::DuplicateRun,
                    Rejection::Limit(_) => ApiErrorCode::Limit,
                    Rejection::BadRequest(_) => ApiErrorCode::BadRequest,
                };
                ApiError::new(code, r.to_string())
            }
            StartError::Fault(Fault::Store(s)) => s.into(),
            StartError::Fault(other) => {
                tracing::error!(error = %other, "could not start a run");
                ApiError::new(ApiErrorCode::Unavailable, other.to_string())
            }
        }
    }
}

/// An SSE answer around `body`, with what keeps proxies from buffering or rewriting it (every
/// stream of the API — a run, a thread, an app's changes — is answered through this).
pub fn event_stream(body: Body) -> Response {
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-transform"),
    );
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}
