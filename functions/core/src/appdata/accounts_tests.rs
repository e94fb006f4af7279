use super::*;
use crate::app::Requirements;
use crate::appdata::AppSchema;
use serde_json::json;

fn field_of(e: AuthError) -> &'static str {
    match e {
        AuthError::BadField { field, .. } => field,
        other => panic!("not a field error: {other:?}"),
    }
}

#[test]
fn emails_are_trimmed_lowercased_and_must_look_like_one() {
    let e = Email::parse("  Ann@Example.COM ").expect("valid");
    assert_eq!(e.as_str(), "ann@example.com");
    assert_eq!(
        e.key(),
        Email::parse("ann@example.com").expect("valid").key()
    );
    assert_eq!(e.key().len(), 64);
    for bad in [
        "",
        "   ",
        "ann",
        "@example.com",
        "ann@",
        "ann@example",
        "ann@example.",
        "ann@.com",
        "a nn@example.com",
        "ann@b@example.com",
    ] {
        assert_eq!(
            field_of(Email::parse(bad).expect_err(bad)),
            "email",
            "{bad}"
        );
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert!(Email::parse(&long).is_err());
}

#[test]
fn passwords_are_8_to_256_characters() {
    assert!(Password::parse("1234567").is_err());
    assert!(Password::parse("12345678").is_ok());
    assert!(
        Password::parse(&"é".repeat(256)).is_ok(),
        "characters, not bytes"
    );
    let e = Password::parse(&"x".repeat(257)).expect_err("too long");
    assert_eq!(field_of(e), "password");
    assert!(!format!("{:?}", Password::parse("secret-pass").expect("ok")).contains("secret"));
}

#[test]
fn credentials_name_the_field_that_is_wrong() {
    let c = Credentials::parse(br#"{"email":"A@b.co","password":"long enough"}"#).expect("ok");
    assert_eq!(c.email.as_str(), "a@b.co");
    let cases: [(&[u8], AuthError); 6] = [
        (b"{", AuthError::BadJson(String::new())),
        (b"[1]", AuthError::NotAnObject),
        (
            br#"{"password":"long enough"}"#,
            AuthError::field("email", "is required"),
        ),
        (
            br#"{"email":"a@b.co","password":8}"#,
            AuthError::field("password", "must be a string"),
        ),
        (
            br#"{"email":"a@b.co","password":"long enough","admin":true}"#,
            AuthError::UnknownField("admin".into()),
        ),
        (
            br#"{"email":"a@b.co","password":"short"}"#,
            AuthError::field("password", "must be at least 8 characters"),
        ),
    ];
    for (body, want) in cases {
        let got = Credentials::parse(body).expect_err("refused");
        match (&got, &want) {
            (AuthError::BadJson(_), AuthError::BadJson(_)) => {}
            _ => assert_eq!(got, want),
        }
        assert_eq!(got.code(), ApiErrorCode::BadRequest);
    }
    let big = vec![b' '; MAX_AUTH_BODY_BYTES + 1];
    assert_eq!(
        Credentials::parse(&big).expect_err("big").code(),
        ApiErrorCode::BodyTooLarge
    );
}

#[test]
fn refusals_do_not_say_which_part_was_wrong() {
    assert_eq!(AuthError::BadCredentials.to_string(), BAD_CREDENTIALS);
    assert_eq!(AuthError::BadCredentials.code().http_status(), 401);
    assert_eq!(AuthError::SignInRequired.code().http_status(), 401);
    assert_eq!(AuthError::SignupRefused.code().http_status(), 400);
    assert!(!SIGNUP_REFUSED.contains("exists") && !SIGNUP_REFUSED.contains("taken"));
}

#[test]
fn tokens_parse_only_in_the_shape_the_server_makes() {
    let t = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234";
    assert_eq!(t.len(), TOKEN_CHARS);
    let tok = SessionToken::parse(t).expect("token");
    assert_eq!(tok.key().len(), 64);
    assert_ne!(tok.key(), t);
    assert!(SessionToken::parse(&t[1..]).is_none());
    assert!(SessionToken::parse(&format!("{}=", &t[1..])).is_none());
    assert!(SessionToken::parse(&format!("{}/", &t[1..])).is_none());
    assert_eq!(
        SessionToken::from_authorization(&format!("Bearer {t}")),
        Some(tok.clone())
    );
    assert_eq!(
        SessionToken::from_authorization(&format!("bearer  {t} ")),
        Some(tok)
    );
    assert!(SessionToken::from_authorization(&format!("Basic {t}")).is_none());
    assert!(SessionToken::from_authorization(t).is_none());
    assert!(!format!("{:?}", SessionToken::parse(t)).contains("abcdef"));
}

#[test]
fn sessions_live_seven_days_and_die_at_their_expiry() {
    let user = User {
        id: "u1".into(),
        email: Email::parse("a@b.co").expect("ok"),
    };
    let s = Session::start(user, 1_000);
    assert_eq!(s.expires_at, 1_000 + 7 * 24 * 3600 * 1000);
    assert!(s.is_live(1_000));
    assert!(s.is_live(s.expires_at - 1));
    assert!(!s.is_live(s.expires_at));
    let wire = serde_json::to_value(&s).expect("json");
    assert_eq!(wire["user"]["email"], "a@b.co");
    assert!(wire["expiresAt"].is_u64());
}

fn req(spec: serde_json::Value) -> Requirements {
    Requirements {
        title: "J".into(),
        summary: String::new(),
        features: vec![],
        spec,
    }
}

fn entity() -> serde_json::Value {
    json!({"plural": "Entries", "fields": [{"key": "text", "type": "text"}]})
}

#[test]
fn private_data_makes_an_app_with_accounts_and_a_private_collection() {
    let s = AppSchema::of(&req(json!({"entity": entity(), "data": "private"})));
    assert!(s.accounts);
    assert!(s.collections[0].private);
    let s = AppSchema::of(&req(json!({"entity": entity(), "data": "cloud"})));
    assert!(!s.accounts && !s.collections[0].private);
    let wire = serde_json::to_value(&s).expect("json");
    assert_eq!(wire["accounts"], false);
    assert_eq!(wire["collections"][0]["private"], false);
}

#[test]
fn model_written_specs_ask_for_accounts_or_private_collections() {
    let shared = json!({"name": "notes", "fields": []});
    let mine = json!({"name": "diary", "fields": [], "private": true});
    let s = AppSchema::of(&req(json!({"collections": [shared.clone(), mine]})));
    assert!(s.accounts, "a private collection needs accounts");
    assert!(!s.collection("notes").expect("notes").private);
    let s = AppSchema::of(&req(
        json!({"collections": [shared.clone()], "accounts": true}),
    ));
    assert!(s.accounts && !s.collections[0].private);
    let s = AppSchema::of(&req(json!({"collections": [shared]})));
    assert!(!s.accounts);
}

#[test]
fn private_records_are_seen_only_by_their_creator() {
    let s = AppSchema::of(&req(json!({"collections": [
        {"name": "notes", "fields": []},
        {"name": "diary", "fields": [], "private": true}
    ]})));
    assert!(s.may_see("diary", Some("u1"), Some("u1")));
    assert!(!s.may_see("diary", Some("u1"), Some("u2")));
    assert!(!s.may_see("diary", Some("u1"), None));
    assert!(!s.may_see("diary", None, None), "unknown owner: nobody");
    assert!(s.may_see("notes", Some("u1"), Some("u2")));
    assert!(!s.may_see("nope", Some("u1"), Some("u1")));
}

#[test]
fn the_build_check_names_what_it_cannot_see_of_cloud_and_sign_in_apps() {
    let unseen = |spec| AppSchema::unchecked_by_the_build(&req(spec), false);
    assert_eq!(unseen(json!({"entity": entity()})), None);
    assert!(!AppSchema::uses_data_api(&req(json!({"entity": entity()}))));
    assert_eq!(
        unseen(json!({"entity": entity(), "data": "cloud"})),
        Some("data shared between people")
    );
    assert_eq!(
        unseen(json!({"entity": entity(), "data": "private"})),
        Some("sign-in and each person's own data")
    );
    assert_eq!(
        unseen(json!({"collections": [{"name": "diary", "fields": []}]})),
        Some("data shared between people")
    );
}

#[test]
fn a_check_on_a_data_space_saw_sharing_and_sign_in() {
    for spec in [
        json!({"entity": entity(), "data": "cloud"}),
        json!({"entity": entity(), "data": "private"}),
        json!({"entity": entity(), "accounts": true}),
    ] {
        assert!(AppSchema::uses_data_api(&req(spec.clone())), "{spec}");
        assert!(AppSchema::unchecked_by_the_build(&req(spec.clone()), false).is_some());
        assert_eq!(AppSchema::unchecked_by_the_build(&req(spec), true), None);
    }
}

#[test]
fn failures_lock_a_key_until_their_window_ends_then_clear() {
    let t0 = 1_000_000;
    let mut f = None;
    for i in 0..3 {
        f = Some(Failures::start(f, 3, t0 + i).expect("within the limit"));
    }
    let wait = Failures::start(f, 3, t0 + 10).expect_err("the fourth waits");
    assert_eq!(
        wait,
        FAILURE_WINDOW_MS - 10,
        "until the window that began at t0 ends"
    );
    let later = t0 + FAILURE_WINDOW_MS;
    assert!(f.expect("counted").expired(later));
    let fresh = Failures::start(f, 3, later).expect("cleared after the window");
    assert_eq!(
        fresh,
        Failures {
            since_ms: later,
            count: 1
        }
    );
}

#[test]
fn a_success_is_forgiven_so_only_failures_count() {
    let t0 = 5;
    let mut f = None;
    for _ in 0..10 {
        // Each attempt counted when it starts, forgiven when it succeeds.
        f = Some(Failures::start(f, 2, t0).expect("never locked").forgive());
    }
    let one = Failures::start(f, 2, t0).expect("a failure");
    let two = Failures::start(Some(one), 2, t0).expect("a second");
    assert!(
        Failures::start(Some(two), 2, t0).is_err(),
        "two failures lock"
    );
}
