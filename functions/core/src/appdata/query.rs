//! A list request's query string: equality filters on fields, a sort, a limit and a cursor.

use super::{CollectionSchema, DEFAULT_LIMIT, DataError, FieldKind, MAX_LIMIT, Record};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub field: String,
    pub descending: bool,
}

/// `?field=value&…&sort=[-]field&limit=n&cursor=c`. Values of filters are read as their
/// field's kind (`quantity=2` is the number 2, `done=true` the boolean).
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filters: Vec<(String, Value)>,
    pub sort: Sort,
    pub limit: usize,
    /// How many matching records come before this page (the cursor is opaque to clients).
    pub offset: usize,
}

/// One page of a list; `next_cursor` is there when more records match.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    pub next_cursor: Option<String>,
}

fn bad(param: &str, reason: impl Into<String>) -> DataError {
    DataError::BadQuery {
        param: param.to_owned(),
        reason: reason.into(),
    }
}

/// Server fields may be filtered and sorted on like the app's own.
fn known(schema: &CollectionSchema, key: &str) -> bool {
    super::SERVER_FIELDS.contains(&key) || schema.field(key).is_some()
}

impl ListQuery {
    pub fn parse(schema: &CollectionSchema, pairs: &[(String, String)]) -> Result<Self, DataError> {
        let mut q = ListQuery {
            filters: Vec::new(),
            sort: Sort {
                field: "createdAt".into(),
                descending: false,
            },
            limit: DEFAULT_LIMIT,
            offset: 0,
        };
        for (k, v) in pairs {
            match k.as_str() {
                "sort" => q.sort = parse_sort(schema, v)?,
                "limit" => q.limit = parse_limit(v)?,
                "cursor" => q.offset = parse_cursor(v)?,
                field if known(schema, field) => {
                    q.filters.push((k.clone(), filter_value(schema, k, v)?))
                }
                _ => return Err(bad(k, "no such field")),
            }
        }
        Ok(q)
    }

    /// The page of `records` this query asks for.
    pub fn apply(&self, mut records: Vec<Record>) -> Page {
        records.retain(|r| {
            self.filters
                .iter()
                .all(|(k, v)| compare(&r.value(k), v) == Ordering::Equal)
        });
        records.sort_by(|a, b| {
            let o = compare(&a.value(&self.sort.field), &b.value(&self.sort.field))
                .then_with(|| a.id.cmp(&b.id));
            if self.sort.descending { o.reverse() } else { o }
        });
        let total = records.len();
        let page: Vec<Record> = records
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        let end = self.offset + page.len();
        Page {
            records: page,
            next_cursor: (end < total).then(|| format!("o{end}")),
        }
    }
}

fn parse_sort(schema: &CollectionSchema, v: &str) -> Result<Sort, DataError> {
    let (descending, field) = match v.strip_prefix('-') {
        Some(f) => (true, f),
        None => (false, v),
    };
    if !known(schema, field) {
        return Err(bad("sort", format!("no field \"{field}\"")));
    }
    Ok(Sort {
        field: field.to_owned(),
        descending,
    })
}

fn parse_limit(v: &str) -> Result<usize, DataError> {
    match v.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(bad(
            "limit",
            format!("must be a whole number from 1 to {MAX_LIMIT}"),
        )),
    }
}

fn parse_cursor(v: &str) -> Result<usize, DataError> {
    v.strip_prefix('o')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("cursor", "not a cursor this server gave"))
}

fn filter_value(schema: &CollectionSchema, key: &str, v: &str) -> Result<Value, DataError> {
    let kind = match key {
        "createdAt" | "updatedAt" => &FieldKind::Number,
        _ => schema.field(key).map_or(&FieldKind::Text, |f| &f.kind),
    };
    match kind {
        FieldKind::Number => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(number)
            .ok_or_else(|| bad(key, "must be a number")),
        FieldKind::Boolean => match v {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad(key, "must be true or false")),
        },
        FieldKind::Text | FieldKind::Choice { .. } => Ok(Value::String(v.to_owned())),
    }
}

/// Whole numbers compare equal to how JSON stores them (`2`, not `2.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

/// Nulls first, then booleans, numbers, strings; within a kind by value.
fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            _ => 4,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}
