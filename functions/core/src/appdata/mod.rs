//! The data of generated apps (docs/appdata.md): collection schemas derived from the app's
//! requirements, the record validator, the list query and the limits. Pure: the store
//! (`runtime::appdata`) and the HTTP API (`handler::appdata`) only call these.

use crate::app::Requirements;
use crate::view::ApiErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod accounts;
pub mod ai;
mod query;
pub use query::{ListQuery, Page, Sort};

/// A record's JSON (as the client sends it) may not be larger than this.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// Records one collection may hold in one space.
pub const MAX_RECORDS_PER_COLLECTION: usize = 10_000;
/// Collections one app may declare.
pub const MAX_COLLECTIONS: usize = 20;
/// Requests per minute one app (thread + space) may receive, all clients together.
pub const REQUESTS_PER_MINUTE_PER_APP: u32 = 1200;
/// Requests per minute one client (address) may make to one app.
pub const REQUESTS_PER_MINUTE_PER_CLIENT: u32 = 300;
/// `limit` of a list when the query names none, and the most it may ask.
/// A change log segment takes no more appends once it is this long…
pub const LOG_SEGMENT_BYTES: u64 = 256 * 1024;
/// …and a space keeps its last this many segments (at least 768 KB of changes, the newest).
pub const LOG_SEGMENTS_KEPT: u64 = 4;
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// Fields the server sets on every record; a client may not write them.
pub const SERVER_FIELDS: [&str; 4] = ["id", "createdAt", "updatedAt", "createdBy"];

/// An app's two data spaces: `preview` (every version's preview; resettable) and `live` (the
/// published app). Keys are per space, so one never reaches the other. `check` is the build
/// check's throwaway space: emptied before and after each check, served only to that check
/// (never by the public data API: [`Space::parse`] does not know it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Space {
    Preview,
    Live,
    Check,
}

impl Space {
    pub fn name(self) -> &'static str {
        match self {
            Space::Preview => "preview",
            Space::Live => "live",
            Space::Check => "check",
        }
    }

    pub fn parse(s: &str) -> Option<Space> {
        match s {
            "preview" => Some(Space::Preview),
            "live" => Some(Space::Live),
            _ => None,
        }
    }
}

/// What a field holds, as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    /// One of these strings (an empty string when not required).
    Choice {
        options: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSchema {
    pub key: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionSchema {
    pub name: String,
    pub fields: Vec<FieldSchema>,
    /// Each signed-in user sees only the records they created (the app then has accounts).
    #[serde(default)]
    pub private: bool,
}

impl CollectionSchema {
    pub fn field(&self, key: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Every collection of one app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppSchema {
    /// People sign in to use the app: every record request needs a session.
    #[serde(default)]
    pub accounts: bool,
    pub collections: Vec<CollectionSchema>,
}

impl AppSchema {
    pub fn collection(&self, name: &str) -> Option<&CollectionSchema> {
        self.collections.iter().find(|c| c.name == name)
    }

    /// What the build check could not see of this app, in words for the version's message.
    /// A check that ran the app against its own data space (`on_data_space`: the cloud client
    /// talking to the real data API, in the browser contexts of its scenarios) saw sharing
    /// and sign-in; one that could not served `dist/` alone, where the client falls back to
    /// the browser, so neither was exercised. `None` for apps whose data stays on the device.
    pub fn unchecked_by_the_build(req: &Requirements, on_data_space: bool) -> Option<&'static str> {
        match (AppSchema::cloud(req), AppSchema::of(req).accounts) {
            _ if on_data_space => None,
            (_, true) => Some("sign-in and each person's own data"),
            (true, false) => Some("data shared between people"),
            (false, false) => None,
        }
    }

    /// Whether the app keeps its data in appgen's data API (shared in the cloud, or private
    /// per signed-in person) rather than on the device: what the build check needs a data
    /// space for.
    pub fn uses_data_api(req: &Requirements) -> bool {
        AppSchema::cloud(req) || AppSchema::of(req).accounts
    }

    fn cloud(req: &Requirements) -> bool {
        matches!(
            req.spec.get("data").and_then(Value::as_str),
            Some("cloud" | "private")
        ) || req.spec.get("collections").is_some()
    }

    /// The app's collections from its requirements: `spec.collections` when the agent wrote
    /// them (`[{name, fields: [{key, type, required, options}], private}]`), else the offline
    /// generator's record entity (`spec.entity`), named by its plural. At most
    /// [`MAX_COLLECTIONS`]; what does not parse is left out.
    ///
    /// The app has accounts when its data is "private per signed-in person" (`spec.data ==
    /// "private"`, which also makes the entity's collection private), when the agent wrote
    /// `spec.accounts: true`, or when any collection is private.
    pub fn of(req: &Requirements) -> AppSchema {
        let private_data = req.spec.get("data").and_then(Value::as_str) == Some("private");
        let explicit = req
            .spec
            .get("collections")
            .and_then(|v| serde_json::from_value::<Vec<CollectionSchema>>(v.clone()).ok());
        let mut collections = match explicit {
            Some(c) => c,
            None => entity_collection(&req.spec)
                .map(|c| CollectionSchema {
                    private: private_data,
                    ..c
                })
                .into_iter()
                .collect(),
        };
        collections.retain(|c| valid_name(&c.name));
        collections.truncate(MAX_COLLECTIONS);
        let accounts = private_data
            || req.spec.get("accounts").and_then(Value::as_bool) == Some(true)
            || collections.iter().any(|c| c.private);
        AppSchema {
            accounts,
            collections,
        }
    }

    /// Whether `viewer` (a signed-in user's id, if any) may see a record of `collection`
    /// created by `owner`: the one rule for private collections. Everyone who may use the app
    /// sees a shared collection's records; a private collection's only their creator's. An
    /// unknown collection shows nothing.
    pub fn may_see(&self, collection: &str, owner: Option<&str>, viewer: Option<&str>) -> bool {
        match self.collection(collection) {
            None => false,
            Some(c) if c.private => owner.is_some() && owner == viewer,
            Some(_) => true,
        }
    }
}

/// The offline generator's entity as a collection. Its field types (text, money, enum…) map
/// onto JSON kinds; a task list's done tick and a board's column are fields too.
fn entity_collection(spec: &Value) -> Option<CollectionSchema> {
    let entity = spec.get("entity")?;
    let name = collection_name(entity.get("plural")?.as_str()?);
    let mut fields: Vec<FieldSchema> = entity
        .get("fields")?
        .as_array()?
        .iter()
        .filter_map(entity_field)
        .collect();
    let features = spec.get("features");
    if features
        .and_then(|f| f.get("done"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        fields.push(optional("done", FieldKind::Boolean));
    }
    if spec.get("kind").and_then(Value::as_str) == Some("board") {
        fields.push(optional("column", FieldKind::Text));
    }
    Some(CollectionSchema {
        name,
        fields,
        private: false,
    })
}

fn optional(key: &str, kind: FieldKind) -> FieldSchema {
    FieldSchema {
        key: key.to_owned(),
        kind,
        required: false,
    }
}

fn entity_field(f: &Value) -> Option<FieldSchema> {
    let key = f.get("key")?.as_str()?.to_owned();
    let kind = match f.get("type")?.as_str()? {
        "number" | "money" | "percent" | "rating" => FieldKind::Number,
        "boolean" => FieldKind::Boolean,
        "enum" => FieldKind::Choice {
            options: f
                .get("options")
                .and_then(Value::as_array)
                .map(|o| {
                    o.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        },
        _ => FieldKind::Text,
    };
    let required = f.get("required").and_then(Value::as_bool).unwrap_or(false);
    Some(FieldSchema {
        key,
        kind,
        required,
    })
}

/// A collection's URL name from words: lowercase ASCII letters, digits and hyphens.
pub fn collection_name(words: &str) -> String {
    let mut out = String::new();
    for c in words.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(40).collect()
}

/// 1–40 of `a-z0-9-`, starting with a letter: a collection name is a path segment and a key.
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Record ids are made by the server; a path that is not one is refused before any lookup.
pub fn valid_record_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A place in a space's change log: a segment and a byte offset in it. Sent as one number, the
/// change stream's event id: `segment << 32 | offset` (a segment never nears 4 GB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogPosition {
    pub segment: u64,
    pub offset: u64,
}

impl LogPosition {
    /// Where a new log starts (segment 0 is the one-blob log's ids, which no segment serves).
    pub const START: LogPosition = LogPosition {
        segment: 1,
        offset: 0,
    };

    pub fn id(self) -> u64 {
        (self.segment << 32) | self.offset
    }

    pub fn of_id(id: u64) -> LogPosition {
        LogPosition {
            segment: id >> 32,
            offset: id & 0xffff_ffff,
        }
    }

    /// The start of the segment after this one, once this one is full.
    pub fn next_segment(self) -> Option<LogPosition> {
        (self.offset >= LOG_SEGMENT_BYTES).then_some(LogPosition {
            segment: self.segment + 1,
            offset: 0,
        })
    }
}

/// Why a request on app data was refused. Every message names what was wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("the body is not valid JSON: {0}")]
    BadJson(String),
    #[error("a record must be a JSON object")]
    NotAnObject,
    #[error("unknown field \"{0}\"")]
    UnknownField(String),
    #[error("field \"{0}\" is set by the server")]
    ServerField(String),
    #[error("field \"{field}\" must be {expected}")]
    WrongType { field: String, expected: String },
    #[error("field \"{0}\" is required")]
    Missing(String),
    #[error("the record is {0} bytes; the limit is {MAX_RECORD_BYTES}")]
    TooLarge(usize),
    #[error("no collection \"{0}\" in this app")]
    UnknownCollection(String),
    #[error("collection \"{0}\" is full ({MAX_RECORDS_PER_COLLECTION} records)")]
    CollectionFull(String),
    #[error("bad query parameter \"{param}\": {reason}")]
    BadQuery { param: String, reason: String },
}

impl DataError {
    pub fn code(&self) -> ApiErrorCode {
        match self {
            DataError::BadJson(_) | DataError::NotAnObject | DataError::BadQuery { .. } => {
                ApiErrorCode::BadRequest
            }
            DataError::UnknownField(_)
            | DataError::ServerField(_)
            | DataError::WrongType { .. }
            | DataError::Missing(_) => ApiErrorCode::InvalidRecord,
            DataError::TooLarge(_) => ApiErrorCode::RecordTooLarge,
            DataError::UnknownCollection(_) => ApiErrorCode::NotFound,
            DataError::CollectionFull(_) => ApiErrorCode::Limit,
        }
    }
}

/// A client's record body: parsed, within size, an object of known fields of the right kind.
/// `partial` (an update) does not require the required fields; the merged result is checked
/// again in full with [`check_fields`].
pub fn parse_record(
    schema: &CollectionSchema,
    body: &[u8],
    partial: bool,
) -> Result<Map<String, Value>, DataError> {
    if body.len() > MAX_RECORD_BYTES {
        return Err(DataError::TooLarge(body.len()));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| DataError::BadJson(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(DataError::NotAnObject);
    };
    for (k, v) in &map {
        check_value(schema, k, v)?;
    }
    if !partial {
        check_fields(schema, &map)?;
    }
    Ok(map)
}

/// The required fields are present (and not empty strings).
pub fn check_fields(schema: &CollectionSchema, map: &Map<String, Value>) -> Result<(), DataError> {
    for f in schema.fields.iter().filter(|f| f.required) {
        match map.get(&f.key) {
            None | Some(Value::Null) => return Err(DataError::Missing(f.key.clone())),
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(DataError::Missing(f.key.clone()));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_value(schema: &CollectionSchema, key: &str, v: &Value) -> Result<(), DataError> {
    if SERVER_FIELDS.contains(&key) {
        return Err(DataError::ServerField(key.to_owned()));
    }
    let field = schema
        .field(key)
        .ok_or_else(|| DataError::UnknownField(key.to_owned()))?;
    let wrong = |expected: &str| DataError::WrongType {
        field: key.to_owned(),
        expected: expected.to_owned(),
    };
    if v.is_null() {
        return Ok(());
    }
    match &field.kind {
        FieldKind::Text if !v.is_string() => Err(wrong("a string")),
        FieldKind::Number if !v.as_f64().is_some_and(f64::is_finite) => Err(wrong("a number")),
        FieldKind::Boolean if !v.is_boolean() => Err(wrong("true or false")),
        FieldKind::Choice { options } => match v.as_str() {
            Some(s) if s.is_empty() || options.is_empty() || options.iter().any(|o| o == s) => {
                Ok(())
            }
            _ => Err(wrong(&format!("one of {}", options.join(", ")))),
        },
        _ => Ok(()),
    }
}

/// A merged record (an update adds to what is stored) stays within [`MAX_RECORD_BYTES`].
pub fn check_size(map: &Map<String, Value>) -> Result<(), DataError> {
    let n = serde_json::to_vec(map).map_or(usize::MAX, |b| b.len());
    if n > MAX_RECORD_BYTES {
        return Err(DataError::TooLarge(n));
    }
    Ok(())
}

/// Whether a collection holding `count` records may take one more.
pub fn check_capacity(collection: &str, count: usize) -> Result<(), DataError> {
    if count >= MAX_RECORDS_PER_COLLECTION {
        return Err(DataError::CollectionFull(collection.to_owned()));
    }
    Ok(())
}

/// A stored record: the server's fields and the app's, one flat JSON object on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    pub created_at: u64,
    pub updated_at: u64,
    pub created_by: String,
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl Record {
    /// A field's value for filters and sorting, server fields included.
    pub fn value(&self, key: &str) -> Value {
        match key {
            "id" => Value::String(self.id.clone()),
            "createdAt" => Value::from(self.created_at),
            "updatedAt" => Value::from(self.updated_at),
            "createdBy" => Value::String(self.created_by.clone()),
            _ => self.data.get(key).cloned().unwrap_or(Value::Null),
        }
    }
}

/// What happened to a record, as the live stream sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub kind: ChangeKind,
    pub collection: String,
    pub id: String,
    /// The record after the change; absent for a delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
    /// Who created a deleted record (a delete carries no record), so a private collection's
    /// deletes reach only their owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl Change {
    /// Who created the changed record, if known.
    pub fn owner(&self) -> Option<&str> {
        match &self.record {
            Some(r) => Some(&r.created_by),
            None => self.created_by.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

#[cfg(test)]
mod tests;
