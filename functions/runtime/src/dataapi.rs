//! The data API of generated apps (docs/appdata.md), on the origin the apps are served from:
//! `/data/{thread}/{space}/{collection}[/{id}]`, `/data/{thread}/{space}/_changes` (SSE),
//! `/data/{thread}/{space}/_schema`, `/data/{thread}/preview/_reset`, and the sign-in of apps
//! with accounts, `/data/{thread}/{space}/_auth/…` ([`auth`]).
//!
//! An app proves which app and space it is with `X-App-Key` (a key per space, or for the
//! preview space its preview URL's `{version}.{token}`); a wrong key answers 404, like an
//! unknown app. Every answer allows any origin — the sandboxed preview's is `null`, a published
//! app's is its own — because nothing here rides on cookies; appgen's own `/api` allows only
//! the web UI's origin (`cors.rs`). Validation, the query and the limits are `appgen_core::appdata`'s.
//!
//! An app with accounts also needs a session for its records (`Authorization: Bearer`, or
//! `?token=` on the stream): `createdBy` is then the user's id, and a private collection's
//! records are shown to their creator only — another user's id answers 404, as if absent.

use crate::appdata::accounts::Accounts;
use crate::appdata::{AppData, DataSpace, new_record_id};
use crate::http::ApiError;
use crate::pipeline::Pipeline;
use crate::ratelimit::{FailureLimiter, RateLimiter};
use appgen_core::appdata::accounts::{self as rules, AuthError, SessionToken, User};
use appgen_core::appdata::{
    self as core, AppSchema, CollectionSchema, DataError, ListQuery, Record, Space, check_fields,
    parse_record,
};
use appgen_core::ports::{BlobStore, ETag, StoreError};
use appgen_core::view::ApiErrorCode;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::sync::Arc;

mod ai;
mod auth;
pub mod check;
mod live;

pub(crate) use auth::Bearer;
pub use auth::ClientAddresses;

/// Bodies larger than this are cut off before they are read whole; the record limit (64 KB)
/// answers the ones in between with its own error.
const BODY_LIMIT: usize = 256 * 1024;

pub struct DataState {
    spaces: Spaces,
    data: AppData,
    accounts: Accounts,
    per_app: RateLimiter,
    per_client: RateLimiter,
    /// Sign-in and sign-up attempts per client address of one app space, and their failures
    /// per account and per address ([`auth`]).
    attempts_per_address: RateLimiter,
    failures_per_account: FailureLimiter,
    failures_per_address: FailureLimiter,
}

/// Which spaces a router serves.
enum Spaces {
    /// The preview and live spaces of every app: keys from the preview URLs' secret, schemas
    /// from the thread snapshots.
    Apps(Arc<Pipeline>),
    /// One app's throwaway space for the build check ([`check`]): its own random key and the
    /// schema of the requirements being built.
    Check {
        thread: String,
        key: String,
        schema: AppSchema,
    },
}

/// The data API of every app's preview and live spaces (the preview origin's, the Function
/// App's `data/{*path}` function), with AI calls. `addresses`: where a caller's address is
/// read, as the host serving it knows.
pub fn router(pipeline: Arc<Pipeline>, addresses: ClientAddresses) -> Router {
    let blobs = pipeline.threads().blobs().clone();
    let state = Arc::new(DataState::new(Spaces::Apps(pipeline.clone()), blobs));
    records(state.clone())
        .merge(ai::router(state, pipeline))
        .layer(middleware::from_fn_with_state(addresses, auth::address))
        .layer(middleware::from_fn(close_after_too_large))
}

/// The data API of one app's check space only: the same routes and limits; AI calls answer
/// "not configured" (the check has no model to spend on).
fn check_router(blobs: Arc<dyn BlobStore>, thread: &str, key: &str, schema: AppSchema) -> Router {
    let spaces = Spaces::Check {
        thread: thread.to_owned(),
        key: key.to_owned(),
        schema,
    };
    // A Unix socket has no peer address: the check's one browser, all its windows, is one
    // client, and gets the whole app's allowance.
    let mut state = DataState::new(spaces, blobs);
    state.per_client = RateLimiter::new(core::REQUESTS_PER_MINUTE_PER_APP);
    let state = Arc::new(state);
    records(state.clone())
        .merge(ai::check_router(state))
        .layer(middleware::from_fn_with_state(
            ClientAddresses::Peer,
            auth::address,
        ))
        .layer(middleware::from_fn(close_after_too_large))
}

impl DataState {
    fn new(spaces: Spaces, blobs: Arc<dyn BlobStore>) -> DataState {
        DataState {
            spaces,
            data: AppData::new(blobs.clone()),
            accounts: Accounts::new(blobs),
            per_app: RateLimiter::new(core::REQUESTS_PER_MINUTE_PER_APP),
            per_client: RateLimiter::new(core::REQUESTS_PER_MINUTE_PER_CLIENT),
            attempts_per_address: RateLimiter::new(rules::ATTEMPTS_PER_MINUTE_PER_ADDRESS),
            failures_per_account: FailureLimiter::new(rules::FAILURES_PER_ACCOUNT),
            failures_per_address: FailureLimiter::new(rules::FAILURES_PER_ADDRESS),
        }
    }
}

fn records(state: Arc<DataState>) -> Router {
    Router::new()
        .route("/data/{thread}/{space}/_auth/signup", post(auth::signup))
        .route("/data/{thread}/{space}/_auth/signin", post(auth::signin))
        .route("/data/{thread}/{space}/_auth/signout", post(auth::signout))
        .route("/data/{thread}/{space}/_auth/me", get(auth::me))
        .route("/data/{thread}/{space}/_changes", get(live::changes))
        .route("/data/{thread}/{space}/_schema", get(schema))
        .route("/data/{thread}/{space}/_reset", post(reset))
        .route(
            "/data/{thread}/{space}/{collection}",
            get(list).post(create),
        )
        .route(
            "/data/{thread}/{space}/{collection}/{id}",
            get(read).patch(update).delete(remove),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), per_client))
        .layer(middleware::from_fn(cors))
        .with_state(state)
}

/// A 413 may leave the request body unread, and the server then drops the connection: say so
/// (`Connection: close`), or a client reuses it for its next request and that one fails.
async fn close_after_too_large(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Any origin may call the data API (see the module doc); preflights answer here.
async fn cors(req: Request, next: Next) -> Response {
    let mut resp = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    let allow = [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "GET, POST, PATCH, DELETE",
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type, if-match, x-app-key, x-client-id, last-event-id",
        ),
        (header::ACCESS_CONTROL_EXPOSE_HEADERS, "etag, retry-after"),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
    ];
    for (name, value) in allow {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

impl From<DataError> for ApiError {
    fn from(e: DataError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// An app's space the caller may use, with its collections.
pub(crate) struct Opened {
    space: DataSpace,
    schema: AppSchema,
    client: String,
    /// The signed-in user (apps with accounts; records routes only).
    user: Option<User>,
}

impl Opened {
    fn collection(&self, name: &str) -> Result<&CollectionSchema, ApiError> {
        self.schema
            .collection(name)
            .ok_or_else(|| DataError::UnknownCollection(name.to_owned()).into())
    }

    fn viewer(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.id.as_str())
    }

    /// Who a new record is by: the signed-in user, else the client.
    fn author(&self) -> String {
        self.viewer()
            .map_or_else(|| self.client.clone(), str::to_owned)
    }

    fn may_see(&self, collection: &str, record: &Record) -> bool {
        self.schema
            .may_see(collection, Some(&record.created_by), self.viewer())
    }
}

fn not_found() -> ApiError {
    ApiError::new(ApiErrorCode::NotFound, "no such app")
}

fn rate_limited(wait: std::time::Duration, who: &str) -> Response {
    let secs = wait.as_secs() + 1;
    let mut resp = ApiError::new(
        ApiErrorCode::RateLimited,
        format!("too many requests {who}; try again in {secs} s"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// The per-client limit of every data API request, keyed on the caller's address
/// ([`auth::ClientAddr`], as the sign-in limits): not on `X-Client-Id`, which a client makes up
/// and could change with every request. Inside the CORS layer, so a browser can read the 429.
pub(crate) async fn per_client(
    State(st): State<Arc<DataState>>,
    addr: auth::ClientAddr,
    req: Request,
    next: Next,
) -> Response {
    let Some(app) = app_of(req.uri().path()) else {
        return next.run(req).await;
    };
    match st.per_client.take(&format!("{app}/{}", addr.as_str())) {
        Ok(()) => next.run(req).await,
        Err(w) => rate_limited(w, "from this address"),
    }
}

/// `{thread}/{space}` of a data API path (`/data/{thread}/{space}/…`).
fn app_of(path: &str) -> Option<String> {
    let mut parts = path.strip_prefix("/data/")?.split('/');
    let (thread, space) = (parts.next()?, parts.next()?);
    Some(format!("{thread}/{space}"))
}

/// Who is calling, for `createdBy`: the client's own id when it sends one (`X-Client-Id`,
/// generated per session by `backend.ts`), else "anonymous".
fn client_id(headers: &HeaderMap) -> String {
    headers
        .get("x-client-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| core::valid_record_id(v))
        .unwrap_or("anonymous")
        .to_owned()
}

/// Checks the key and the rate limits, then loads the app's schema.
pub(crate) async fn open(
    st: &DataState,
    thread: &str,
    space: &str,
    key: Option<&str>,
    headers: &HeaderMap,
) -> Result<Opened, Response> {
    let key = key.or_else(|| headers.get("x-app-key").and_then(|v| v.to_str().ok()));
    let space_kind = st
        .spaces
        .admit(thread, space, key)
        .ok_or_else(|| not_found().into_response())?;
    let client = client_id(headers);
    let app = format!("{thread}/{space}");
    st.per_app
        .take(&app)
        .map_err(|w| rate_limited(w, "for this app"))?;
    let schema = st.spaces.schema(thread).await?;
    let space = DataSpace::new(thread, space_kind).map_err(|_| not_found().into_response())?;
    Ok(Opened {
        space,
        schema,
        client,
        user: None,
    })
}

impl Spaces {
    /// The space `key` opens, if it does: a wrong key, another app's, another space's and an
    /// unknown space all open nothing (answered 404, like an unknown app).
    fn admit(&self, thread: &str, space: &str, key: Option<&str>) -> Option<Space> {
        let key = key?;
        match self {
            Spaces::Apps(pipeline) => Space::parse(space).filter(|_| {
                pipeline
                    .config()
                    .preview
                    .verify_data_key(thread, space, key)
            }),
            Spaces::Check {
                thread: t, key: k, ..
            } => (t == thread && space == Space::Check.name() && check::same_key(k, key))
                .then_some(Space::Check),
        }
    }

    async fn schema(&self, thread: &str) -> Result<AppSchema, Response> {
        let pipeline = match self {
            Spaces::Apps(pipeline) => pipeline,
            Spaces::Check { schema, .. } => return Ok(schema.clone()),
        };
        let snap = match pipeline.threads().load(thread).await {
            Ok(Some((snap, _))) => snap,
            Ok(None) => return Err(not_found().into_response()),
            Err(e) => return Err(ApiError::from(e).into_response()),
        };
        Ok(snap
            .requirements
            .as_ref()
            .map(AppSchema::of)
            .unwrap_or_default())
    }
}

/// [`open`] for the records and the stream: an app with accounts also needs a live session.
pub(crate) async fn open_as(
    st: &DataState,
    thread: &str,
    space: &str,
    key: Option<&str>,
    token: Option<&SessionToken>,
    headers: &HeaderMap,
) -> Result<Opened, Response> {
    let mut o = open(st, thread, space, key, headers).await?;
    if o.schema.accounts {
        let user = auth::session_user(st, &o, token).await?;
        o.user = Some(user);
    }
    Ok(o)
}

type Target = Path<(String, String, String)>;
type RecordTarget = Path<(String, String, String, String)>;

fn etag_header(etag: &ETag) -> HeaderValue {
    let t = etag.0.trim_matches('"');
    HeaderValue::from_str(&format!("\"{t}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

fn with_etag(record: &Record, etag: &ETag, status: StatusCode) -> Response {
    let mut resp = (status, Json(record)).into_response();
    resp.headers_mut().insert(header::ETAG, etag_header(etag));
    resp
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

async fn schema(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match open(&st, &thread, &space, None, &headers).await {
        Ok(o) => Json(o.schema).into_response(),
        Err(r) => r,
    }
}

async fn list(
    State(st): State<Arc<DataState>>,
    Path((thread, space, collection)): Target,
    bearer: Option<Bearer>,
    Query(pairs): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let o = open_as(&st, &thread, &space, None, Bearer::token(&bearer), &headers).await?;
    let run = async {
        let schema = o.collection(&collection)?;
        let query = ListQuery::parse(schema, &pairs)?;
        let mut records = st.data.list(&o.space, &collection).await?;
        records.retain(|r| o.may_see(&collection, r));
        let page = query.apply(records);
        Ok::<_, ApiError>(Json(
            json!({"records": page.records, "nextCursor": page.next_cursor}),
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .map_err(IntoResponse::into_response)
}

async fn read(
    State(st): State<Arc<DataState>>,
    Path((thread, space, collection, id)): RecordTarget,
    bearer: Option<Bearer>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let o = open_as(&st, &thread, &space, None, Bearer::token(&bearer), &headers).await?;
    let (record, etag) = current(&st, &o, &collection, &id)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(with_etag(&record, &etag, StatusCode::OK))
}

/// The record as stored now; 404 for an unknown collection or id, and for another user's
/// record of a private collection.
async fn current(
    st: &DataState,
    o: &Opened,
    collection: &str,
    id: &str,
) -> Result<(Record, ETag), ApiError> {
    o.collection(collection)?;
    if !core::valid_record_id(id) {
        return Err(ApiError::not_found("record"));
    }
    st.data
        .get(&o.space, collection, id)
        .await?
        .filter(|(r, _)| o.may_see(collection, r))
        .ok_or_else(|| ApiError::not_found("record"))
}

async fn create(
    State(st): State<Arc<DataState>>,
    Path((thread, space, collection)): Target,
    bearer: Option<Bearer>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let o = open_as(&st, &thread, &space, None, Bearer::token(&bearer), &headers).await?;
    let run = async {
        let body = body_of(body)?;
        let schema = o.collection(&collection)?;
        let data = parse_record(schema, &body, false)?;
        // Counted before the write: racing creators can pass the limit by a few at most.
        core::check_capacity(&collection, st.data.count(&o.space, &collection).await?)?;
        let now = now_ms();
        let record = Record {
            id: new_record_id(),
            created_at: now,
            updated_at: now,
            created_by: o.author(),
            data,
        };
        let etag = st.data.create(&o.space, &collection, &record).await?;
        Ok::<_, ApiError>(with_etag(&record, &etag, StatusCode::CREATED))
    };
    run.await.map_err(IntoResponse::into_response)
}

/// A body past [`BODY_LIMIT`] is refused with the record limit's own code.
fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        ApiError::new(
            ApiErrorCode::RecordTooLarge,
            format!(
                "{e}; a record may be at most {} bytes",
                core::MAX_RECORD_BYTES
            ),
        )
    })
}

/// `If-Match` as the client sent it (quotes and weak marker dropped); `*` is no condition.
fn if_match(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    (v != "*").then(|| v.to_owned())
}

fn check_precondition(headers: &HeaderMap, etag: &ETag) -> Result<(), ApiError> {
    match if_match(headers) {
        Some(want) if want != etag.0.trim_matches('"') => Err(stale()),
        _ => Ok(()),
    }
}

fn stale() -> ApiError {
    ApiError::new(
        ApiErrorCode::PreconditionFailed,
        "the record changed since you read it; read it again",
    )
}

async fn update(
    State(st): State<Arc<DataState>>,
    Path((thread, space, collection, id)): RecordTarget,
    bearer: Option<Bearer>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Response> {
    let o = open_as(&st, &thread, &space, None, Bearer::token(&bearer), &headers).await?;
    let run = async {
        let body = body_of(body)?;
        let schema = o.collection(&collection)?;
        let patch = parse_record(schema, &body, true)?;
        let (mut record, etag) = current(&st, &o, &collection, &id).await?;
        check_precondition(&headers, &etag)?;
        record.data.extend(patch);
        record.data.retain(|_, v| !v.is_null());
        check_fields(schema, &record.data)?;
        core::check_size(&record.data)?;
        record.updated_at = now_ms().max(record.updated_at);
        // The write is conditional on the ETag just read: a writer in between loses, never
        // the earlier update.
        let new = match st.data.replace(&o.space, &collection, &record, &etag).await {
            Err(StoreError::Conflict(_)) => return Err(stale()),
            other => other?,
        };
        Ok::<_, ApiError>(with_etag(&record, &new, StatusCode::OK))
    };
    run.await.map_err(IntoResponse::into_response)
}

async fn remove(
    State(st): State<Arc<DataState>>,
    Path((thread, space, collection, id)): RecordTarget,
    bearer: Option<Bearer>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let o = open_as(&st, &thread, &space, None, Bearer::token(&bearer), &headers).await?;
    let run = async {
        let (record, etag) = current(&st, &o, &collection, &id).await?;
        check_precondition(&headers, &etag)?;
        st.data.delete(&o.space, &collection, &record).await?;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT.into_response())
    };
    run.await.map_err(IntoResponse::into_response)
}

/// Erases the build check's space whole, accounts too: each acceptance scenario starts from a
/// new app. An app's own key resets nothing: the preview space is emptied by the app's editors
/// through appgen's API ([`reset_preview`]), and the live space is never reset.
async fn reset(
    State(st): State<Arc<DataState>>,
    Path((thread, space)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let o = open(&st, &thread, &space, None, &headers).await?;
    if o.space.space != Space::Check {
        let refusal = ApiError::new(
            ApiErrorCode::Forbidden,
            "an app's key cannot reset its data; the app's editors reset the preview data in appgen",
        );
        return Err(refusal.into_response());
    }
    let n = st
        .data
        .erase(&o.space)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(Json(json!({"deleted": n})).into_response())
}

/// Empties an app's preview data space (`POST /api/threads/{id}/preview/reset`, for its
/// editors: the caller has asked the access rule). Every removal is logged as a delete; streams
/// in this process see them at their next poll. Returns how many records went.
pub async fn reset_preview(pipeline: &Pipeline, thread: &str) -> Result<usize, StoreError> {
    let space = DataSpace::new(thread, Space::Preview)?;
    AppData::new(pipeline.threads().blobs().clone())
        .reset(&space)
        .await
}
