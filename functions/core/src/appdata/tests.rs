use super::*;
use serde_json::json;

fn shopping() -> Requirements {
    Requirements {
        title: "Shopping".into(),
        summary: String::new(),
        features: vec![],
        spec: json!({
            "kind": "tasks",
            "entity": {"singular": "item", "plural": "Shopping items", "fields": [
                {"key": "item", "label": "Item", "type": "text", "required": true},
                {"key": "quantity", "label": "Quantity", "type": "number"},
                {"key": "aisle", "label": "Aisle", "type": "enum", "options": ["Fruit", "Dairy"]},
                {"key": "addedBy", "label": "Added by", "type": "text"}
            ]},
            "features": {"done": true}
        }),
    }
}

fn schema() -> CollectionSchema {
    AppSchema::of(&shopping()).collections.remove(0)
}

#[test]
fn the_schema_comes_from_the_entity_with_kinds_and_required_fields() {
    let s = schema();
    assert_eq!(s.name, "shopping-items");
    assert_eq!(
        s.field("quantity").map(|f| &f.kind),
        Some(&FieldKind::Number)
    );
    assert!(s.field("item").is_some_and(|f| f.required));
    assert_eq!(s.field("done").map(|f| &f.kind), Some(&FieldKind::Boolean));
    assert!(s.field("column").is_none(), "only boards have columns");
}

#[test]
fn explicit_collections_win_and_are_capped() {
    let many: Vec<Value> = (0..30)
        .map(|i| json!({"name": format!("c{i}"), "fields": [{"key": "a", "type": "text"}]}))
        .collect();
    let mut req = shopping();
    req.spec["collections"] = Value::Array(many);
    let s = AppSchema::of(&req);
    assert_eq!(s.collections.len(), MAX_COLLECTIONS);
    assert!(s.collection("c0").is_some() && s.collection("shopping-items").is_none());
}

#[test]
fn apps_without_records_have_no_collections() {
    let mut req = shopping();
    req.spec = json!({"kind": "calculator"});
    assert!(AppSchema::of(&req).collections.is_empty());
}

#[test]
fn a_valid_record_parses() {
    let m = parse_record(
        &schema(),
        br#"{"item":"Milk","quantity":2,"aisle":"Dairy","done":false}"#,
        false,
    )
    .expect("valid");
    assert_eq!(m.get("quantity"), Some(&json!(2)));
}

#[test]
fn each_wrong_record_names_its_field() {
    let s = schema();
    let cases: [(&[u8], DataError); 8] = [
        (br#"{"quantity":2}"#, DataError::Missing("item".into())),
        (br#"{"item":"  "}"#, DataError::Missing("item".into())),
        (
            br#"{"item":"a","colour":"red"}"#,
            DataError::UnknownField("colour".into()),
        ),
        (
            br#"{"item":"a","id":"x"}"#,
            DataError::ServerField("id".into()),
        ),
        (
            br#"{"item":"a","quantity":"two"}"#,
            DataError::WrongType {
                field: "quantity".into(),
                expected: "a number".into(),
            },
        ),
        (
            br#"{"item":"a","done":"yes"}"#,
            DataError::WrongType {
                field: "done".into(),
                expected: "true or false".into(),
            },
        ),
        (
            br#"{"item":"a","aisle":"Bakery"}"#,
            DataError::WrongType {
                field: "aisle".into(),
                expected: "one of Fruit, Dairy".into(),
            },
        ),
        (br#"["item"]"#, DataError::NotAnObject),
    ];
    for (body, want) in cases {
        assert_eq!(parse_record(&s, body, false), Err(want.clone()));
        assert!(want.to_string().len() > 10);
    }
    assert!(matches!(
        parse_record(&s, b"{nope", false),
        Err(DataError::BadJson(_))
    ));
    assert_eq!(DataError::Missing("item".into()).code().http_status(), 400);
}

#[test]
fn an_update_may_leave_out_required_fields_but_not_blank_them() {
    let s = schema();
    assert!(parse_record(&s, br#"{"quantity":3}"#, true).is_ok());
    let blanked = parse_record(&s, br#"{"item":""}"#, true).expect("kinds are right");
    assert_eq!(
        check_fields(&s, &blanked),
        Err(DataError::Missing("item".into()))
    );
}

#[test]
fn records_over_64_kb_are_refused_before_parsing() {
    let big = format!(r#"{{"item":"{}"}}"#, "x".repeat(MAX_RECORD_BYTES));
    let err = parse_record(&schema(), big.as_bytes(), false).expect_err("too big");
    assert_eq!(err, DataError::TooLarge(big.len()));
    assert_eq!(err.code().http_status(), 413);
    let fits = format!(r#"{{"item":"{}"}}"#, "x".repeat(MAX_RECORD_BYTES - 20));
    assert!(parse_record(&schema(), fits.as_bytes(), false).is_ok());
}

fn rec(id: &str, item: &str, qty: i64, at: u64) -> Record {
    let mut data = Map::new();
    data.insert("item".into(), json!(item));
    data.insert("quantity".into(), json!(qty));
    Record {
        id: id.into(),
        created_at: at,
        updated_at: at,
        created_by: "c".into(),
        data,
    }
}

fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ids(p: &Page) -> Vec<&str> {
    p.records.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn queries_filter_sort_and_page() {
    let s = schema();
    let all = vec![
        rec("a", "Milk", 2, 3),
        rec("b", "Eggs", 12, 1),
        rec("c", "Tea", 2, 2),
    ];
    let q = ListQuery::parse(&s, &pairs(&[("quantity", "2")])).expect("q");
    assert_eq!(ids(&q.apply(all.clone())), ["c", "a"], "by createdAt");
    let q = ListQuery::parse(&s, &pairs(&[("sort", "-quantity"), ("limit", "2")])).expect("q");
    let p1 = q.apply(all.clone());
    assert_eq!(ids(&p1), ["b", "c"], "ties by id, reversed");
    let cursor = p1.next_cursor.clone().expect("more");
    let q2 = ListQuery::parse(
        &s,
        &pairs(&[("sort", "-quantity"), ("limit", "2"), ("cursor", &cursor)]),
    )
    .expect("q");
    let p2 = q2.apply(all.clone());
    assert_eq!(ids(&p2), ["a"]);
    assert_eq!(p2.next_cursor, None);
    let q = ListQuery::parse(&s, &pairs(&[("item", "Tea")])).expect("q");
    assert_eq!(ids(&q.apply(all)), ["c"]);
}

#[test]
fn bad_queries_name_the_parameter() {
    let s = schema();
    for (q, param) in [
        (vec![("colour", "red")], "colour"),
        (vec![("sort", "colour")], "sort"),
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "1000")], "limit"),
        (vec![("cursor", "zz")], "cursor"),
        (vec![("quantity", "many")], "quantity"),
        (vec![("done", "yes")], "done"),
    ] {
        match ListQuery::parse(&s, &pairs(&q)) {
            Err(DataError::BadQuery { param: p, .. }) => assert_eq!(p, param),
            other => panic!("{q:?}: {other:?}"),
        }
    }
}

#[test]
fn names_and_ids_are_safe_path_segments() {
    assert_eq!(collection_name("Shopping items!"), "shopping-items");
    assert!(valid_name("shopping-items") && !valid_name("../x") && !valid_name("1a"));
    assert!(valid_record_id("r-01") && !valid_record_id("a/b") && !valid_record_id(""));
    assert_eq!(Space::parse("live"), Some(Space::Live));
    assert_eq!(Space::parse("prod"), None);
}

#[test]
fn records_are_flat_on_the_wire() {
    let r = rec("a", "Milk", 2, 5);
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v["createdAt"], json!(5));
    assert_eq!(v["item"], json!("Milk"));
    let back: Record = serde_json::from_value(v).expect("back");
    assert_eq!(back, r);
}

#[test]
fn a_full_collection_refuses_the_next_record() {
    assert!(check_capacity("items", MAX_RECORDS_PER_COLLECTION - 1).is_ok());
    let err = check_capacity("items", MAX_RECORDS_PER_COLLECTION).expect_err("full");
    assert_eq!(err, DataError::CollectionFull("items".into()));
    assert_eq!(err.code().http_status(), 422);
    assert!(err.to_string().contains("10000"), "{err}");
}

#[test]
fn updates_cannot_grow_a_record_past_the_limit() {
    let s = schema();
    let half = "x".repeat(MAX_RECORD_BYTES / 2 + 10);
    let mut stored =
        parse_record(&s, format!(r#"{{"item":"{half}"}}"#).as_bytes(), false).expect("fits");
    let patch =
        parse_record(&s, format!(r#"{{"addedBy":"{half}"}}"#).as_bytes(), true).expect("fits");
    assert!(check_size(&stored).is_ok());
    stored.extend(patch);
    assert!(matches!(check_size(&stored), Err(DataError::TooLarge(_))));
}

#[test]
fn log_positions_are_one_number_and_roll_only_when_full() {
    let p = LogPosition {
        segment: 7,
        offset: 1234,
    };
    assert_eq!(LogPosition::of_id(p.id()), p);
    assert!(
        LogPosition::START.id() > LogPosition::of_id(u32::MAX.into()).id(),
        "past every old id"
    );
    assert_eq!(p.next_segment(), None);
    let full = LogPosition {
        segment: 7,
        offset: LOG_SEGMENT_BYTES,
    };
    assert_eq!(
        full.next_segment(),
        Some(LogPosition {
            segment: 8,
            offset: 0
        })
    );
}
