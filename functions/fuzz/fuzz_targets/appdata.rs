//! App data from strangers: the record validator and the list query parser never panic, and
//! what they accept keeps their promises (size, known fields, kinds, limits); a change stream's
//! id (`Last-Event-ID`) reads as a log position and back as itself.
#![no_main]

use appgen_core::appdata::{
    AppSchema, CollectionSchema, FieldKind, ListQuery, LogPosition, MAX_LIMIT, MAX_RECORD_BYTES,
    SERVER_FIELDS, parse_record,
};
use appgen_core::app::Requirements;
use libfuzzer_sys::fuzz_target;

fn schema() -> CollectionSchema {
    let req = Requirements {
        title: String::new(),
        summary: String::new(),
        features: vec![],
        spec: serde_json::json!({"entity": {"plural": "items", "fields": [
            {"key": "name", "type": "text", "required": true},
            {"key": "qty", "type": "number"},
            {"key": "kind", "type": "enum", "options": ["a", "b"]},
            {"key": "ok", "type": "boolean"}
        ]}}),
    };
    AppSchema::of(&req).collections.remove(0)
}

fuzz_target!(|data: &[u8]| {
    let s = schema();
    if let Ok(map) = parse_record(&s, data, data.first() == Some(&b' ')) {
        assert!(data.len() <= MAX_RECORD_BYTES);
        for (k, v) in &map {
            assert!(!SERVER_FIELDS.contains(&k.as_str()));
            let f = s.field(k).expect("known field");
            if f.kind == FieldKind::Number && !v.is_null() {
                assert!(v.as_f64().is_some_and(f64::is_finite));
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = text
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect();
    if let Ok(q) = ListQuery::parse(&s, &pairs) {
        assert!((1..=MAX_LIMIT).contains(&q.limit));
        let page = q.apply(Vec::new());
        assert!(page.records.is_empty() && page.next_cursor.is_none());
    }
    if let Ok(id) = text.trim().parse::<u64>() {
        let at = LogPosition::of_id(id);
        assert_eq!(at.id(), id);
        assert!(at.offset <= u64::from(u32::MAX));
    }
});
