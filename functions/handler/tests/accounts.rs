//! Sign-in for the people who use a generated app, over real HTTP against the real binary
//! (`appgen serve`): sign-up and sign-in, private records that only their creator sees (404 for
//! anyone else), sessions that die at sign-out and cannot be forged, one answer for an unknown
//! email and a wrong password, attempt limits, accounts bound to one app and one space, bad
//! bodies that store nothing, and a live stream that carries private changes to their owner only.

mod support;

use appgen_core::app::Requirements;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{DataApp, error_of, read_until, send_json};

const SECRET: &str = "accounts-test-secret-0123456789abcdef";
const PASSWORD: &str = "correct horse battery";

/// A journal whose entries are private per signed-in person, as the offline generator writes
/// it (`data: "private"`).
fn journal() -> Requirements {
    Requirements {
        title: "Journal".into(),
        summary: String::new(),
        features: vec![],
        spec: json!({"kind": "list", "data": "private", "entity": {"singular": "entry",
            "plural": "entries", "fields": [
            {"key": "text", "label": "Text", "type": "text", "required": true}
        ]}, "features": {}}),
    }
}

fn shopping() -> Requirements {
    Requirements {
        title: "Shopping".into(),
        summary: String::new(),
        features: vec![],
        spec: json!({"kind": "list", "entity": {"singular": "item", "plural": "items",
            "fields": [{"key": "item", "label": "Item", "type": "text", "required": true}]},
            "features": {}}),
    }
}

type App = DataApp;

/// A signed-in user: the token and the user id the server gave.
struct Signed {
    token: String,
    id: String,
}

impl App {
    /// Two private journals (`t-journal`, `t-other`) and a shared list (`t-shop`).
    async fn start() -> App {
        let apps = [
            ("t-journal", journal()),
            ("t-other", journal()),
            ("t-shop", shopping()),
        ];
        DataApp::serve(SECRET, &apps, &[]).await
    }

    /// A request to the journal's preview space, as `token` when given.
    fn req(&self, m: Method, rest: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let r = self.at(m, "t-journal", "preview", rest);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn auth(&self, thread: &str, space: &str, what: &str, body: Value) -> reqwest::Response {
        self.at(Method::POST, thread, space, &format!("_auth/{what}"))
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    /// `_auth/{what}` on the journal's preview space with these credentials.
    async fn credentials(&self, what: &str, email: &str, password: &str) -> reqwest::Response {
        let body = json!({"email": email, "password": password});
        self.auth("t-journal", "preview", what, body).await
    }

    async fn sign_up(&self, email: &str) -> Signed {
        let r = self.credentials("signup", email, PASSWORD).await;
        assert_eq!(r.status().as_u16(), 201);
        signed(r).await
    }

    async fn status(&self, m: Method, rest: &str, token: Option<&str>) -> u16 {
        let r = self.req(m, rest, token).send().await.expect("send");
        r.status().as_u16()
    }

    async fn list(&self, token: &str) -> Vec<Value> {
        let r = self
            .req(Method::GET, "entries", Some(token))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 200);
        let body: Value = r.json().await.expect("json");
        body["records"].as_array().cloned().unwrap_or_default()
    }

    async fn write(&self, token: &str, text: &str) -> Value {
        let r = self
            .req(Method::POST, "entries", Some(token))
            .json(&json!({ "text": text }))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 201);
        r.json().await.expect("json")
    }

    /// Every blob under the app space's accounts (to prove a refusal stored nothing).
    fn stored_users(&self) -> usize {
        let dir = self.data.join("blobs");
        walk(&dir)
            .iter()
            .filter(|p| p.contains("/_users/") && !p.ends_with(".ct"))
            .count()
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
    out
}

async fn signed(r: reqwest::Response) -> Signed {
    let body: Value = r.json().await.expect("json");
    let token = body["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 43, "32 bytes as base64url");
    let expires = body["expiresAt"].as_u64().expect("expiresAt");
    let week = 7 * 24 * 3600 * 1000;
    assert!(expires > week && expires < u64::MAX / 2);
    Signed {
        token,
        id: body["user"]["id"].as_str().expect("user id").to_owned(),
    }
}

#[tokio::test]
async fn private_records_are_seen_and_changed_only_by_their_creator() {
    let app = App::start().await;
    let a = app.sign_up("ann@example.com").await;
    let b = app.sign_up("bob@example.com").await;
    let mine = app.write(&a.token, "Dear diary").await;
    assert_eq!(mine["createdBy"], a.id.as_str(), "the user, not the client");
    let id = mine["id"].as_str().expect("id");
    assert_eq!(app.list(&a.token).await.len(), 1);
    assert!(app.list(&b.token).await.is_empty(), "B's list hides A's");

    let one = format!("entries/{id}");
    assert_eq!(app.status(Method::GET, &one, Some(&a.token)).await, 200);
    for m in [Method::GET, Method::DELETE] {
        assert_eq!(app.status(m, &one, Some(&b.token)).await, 404);
    }
    let patch = app
        .req(Method::PATCH, &one, Some(&b.token))
        .json(&json!({"text": "mine now"}))
        .send()
        .await
        .expect("send");
    assert_eq!(patch.status().as_u16(), 404);
    let still = send_json(app.req(Method::GET, &one, Some(&a.token))).await;
    assert_eq!(still["text"], "Dear diary", "B changed nothing");
    assert_eq!(
        app.write(&b.token, "Bob's day").await["createdBy"],
        b.id.as_str()
    );
    assert_eq!(app.list(&a.token).await.len(), 1, "and A does not see B's");

    let (status, code, _) = error_of(
        app.req(Method::GET, "entries", None)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((status, code.as_str()), (401, "sign_in_required"));
    let me = send_json(app.req(Method::GET, "_auth/me", Some(&a.token))).await;
    assert_eq!(me["user"], json!({"id": a.id, "email": "ann@example.com"}));
}

#[tokio::test]
async fn sessions_die_at_sign_out_and_cannot_be_forged() {
    let app = App::start().await;
    let a = app.sign_up("ann@example.com").await;
    assert_eq!(
        app.status(Method::GET, "_auth/me", Some(&a.token)).await,
        200
    );
    assert_eq!(
        app.status(Method::POST, "_auth/signout", Some(&a.token))
            .await,
        204
    );
    for rest in ["_auth/me", "entries", "_auth/signout"] {
        let m = if rest == "_auth/signout" {
            Method::POST
        } else {
            Method::GET
        };
        let (status, code, _) =
            error_of(app.req(m, rest, Some(&a.token)).send().await.expect("send")).await;
        assert_eq!((status, code.as_str()), (401, "sign_in_required"), "{rest}");
    }
    // A token of the right shape that the server never made, one changed by a character,
    // garbage, another scheme: none is a session.
    let mut flipped = a.token.clone().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let b = app.sign_up("bob@example.com").await;
    let mut near = b.token.clone().into_bytes();
    near[42] = if near[42] == b'A' { b'B' } else { b'A' };
    for forged in [
        "A".repeat(43),
        String::from_utf8(near).expect("ascii"),
        "not-a-token".to_owned(),
        format!("{}=", &b.token[..42]),
    ] {
        assert_eq!(
            app.status(Method::GET, "entries", Some(&forged)).await,
            401,
            "{forged}"
        );
    }
    let basic = app
        .req(Method::GET, "entries", None)
        .header("authorization", format!("Basic {}", b.token))
        .send()
        .await
        .expect("send");
    assert_eq!(basic.status().as_u16(), 401);
    assert_eq!(
        app.status(Method::GET, "entries", Some(&b.token)).await,
        200,
        "B unaffected"
    );
}

/// Median times of `n` refused sign-ins with each body, taken in turns so that both see the
/// same load on the machine.
async fn sign_in_times(app: &App, bodies: [Value; 2], n: usize) -> [Duration; 2] {
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..n {
        for (body, out) in bodies.iter().zip(times.iter_mut()) {
            let t = Instant::now();
            let r = app
                .auth("t-journal", "preview", "signin", body.clone())
                .await;
            assert_eq!(r.status().as_u16(), 401);
            out.push(t.elapsed());
        }
    }
    times.map(|mut t| {
        t.sort();
        t[n / 2]
    })
}

#[tokio::test]
async fn unknown_emails_and_wrong_passwords_get_one_answer_and_attempts_are_limited() {
    let app = App::start().await;
    app.sign_up("ann@example.com").await;
    let wrong = app
        .credentials("signin", "ann@example.com", "wrong password")
        .await;
    let wrong: Value = wrong.json().await.expect("json");
    let unknown = app
        .credentials("signin", "nobody@example.com", PASSWORD)
        .await;
    assert_eq!(unknown.status().as_u16(), 401);
    let unknown: Value = unknown.json().await.expect("json");
    assert_eq!(wrong, unknown, "identical bodies");
    assert_eq!(wrong["error"]["code"], "bad_credentials");
    assert_eq!(wrong["error"]["message"], "Email or password is incorrect.");

    // An unknown email costs a password check too (a dummy hash), so timing does not tell.
    let [known, unknown] = sign_in_times(
        &app,
        [
            json!({"email": "ann@example.com", "password": "wrong password"}),
            json!({"email": "eve@example.com", "password": "wrong password"}),
        ],
        5,
    )
    .await;
    assert!(
        unknown * 3 > known,
        "unknown {unknown:?} vs known {known:?}"
    );

    let ok = app
        .credentials("signin", " ANN@example.com ", PASSWORD)
        .await;
    assert_eq!(ok.status().as_u16(), 200, "emails are normalised");
    let again = app
        .credentials("signup", "Ann@Example.com", "another password")
        .await;
    let (status, code, message) = error_of(again).await;
    assert_eq!((status, code.as_str()), (400, "signup_refused"));
    assert!(!message.contains("exist"), "{message}");

    // Ten failed attempts per account: the eleventh waits for the window, whatever client id
    // it claims; another account is unaffected.
    let body = json!({"email": "carol@example.com", "password": "guess number"});
    for i in 0..10 {
        let r = app
            .at(Method::POST, "t-journal", "preview", "_auth/signin")
            .header("x-client-id", format!("client-{i}"))
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 401, "attempt {i}");
    }
    let r = app
        .at(Method::POST, "t-journal", "preview", "_auth/signin")
        .header("x-client-id", "another-client")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(
        (60..=15 * 60).contains(&wait),
        "until the window ends: {wait}"
    );
    let (_, code, message) = error_of(r).await;
    assert_eq!(code, "rate_limited");
    assert!(message.contains("account"), "{message}");
    let ann = app.credentials("signin", "ann@example.com", PASSWORD).await;
    assert_eq!(ann.status().as_u16(), 200, "another account signs in");
}

#[tokio::test]
async fn accounts_belong_to_one_space_of_one_app() {
    let app = App::start().await;
    let a = app.sign_up("ann@example.com").await;
    let with = |thread: &str, space: &str, token: &str| {
        app.at(Method::GET, thread, space, "_auth/me")
            .bearer_auth(token.to_owned())
            .send()
    };
    for (thread, space) in [("t-journal", "live"), ("t-other", "preview")] {
        let r = with(thread, space, &a.token).await.expect("send");
        assert_eq!(r.status().as_u16(), 401, "{thread}/{space}");
        let r = app
            .auth(
                thread,
                space,
                "signin",
                json!({"email": "ann@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(error_of(r).await.1, "bad_credentials", "{thread}/{space}");
    }
    // The same email may have an account in the live space: a separate one.
    let live = app
        .auth(
            "t-journal",
            "live",
            "signup",
            json!({"email": "ann@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(live.status().as_u16(), 201);
    let live = signed(live).await;
    assert_ne!(live.id, a.id);
    assert_eq!(
        with("t-journal", "preview", &live.token)
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    // Another app's key on this app: 404, as for records.
    let r = app
        .c
        .post(format!(
            "{}/data/t-journal/preview/_auth/signin",
            app.server.preview
        ))
        .header("x-app-key", app.key("t-other", "preview"))
        .json(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn bad_bodies_are_refused_clearly_and_store_nothing() {
    let app = App::start().await;
    let post = |body: Vec<u8>| {
        app.at(Method::POST, "t-journal", "preview", "_auth/signup")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let long_password = format!(r#"{{"email":"a@b.co","password":"{}"}}"#, "x".repeat(257));
    let cases: Vec<(Vec<u8>, u16, &str, &str)> = vec![
        (b"{not json".to_vec(), 400, "bad_request", "JSON"),
        (
            br#"{"email":"a@b.co"}"#.to_vec(),
            400,
            "bad_request",
            "\"password\"",
        ),
        (
            br#"{"email":"a@b","password":"long enough"}"#.to_vec(),
            400,
            "bad_request",
            "\"email\"",
        ),
        (
            br#"{"email":"a@b.co","password":"short"}"#.to_vec(),
            400,
            "bad_request",
            "\"password\"",
        ),
        (
            long_password.into_bytes(),
            400,
            "bad_request",
            "\"password\"",
        ),
        (
            br#"{"email":"a@b.co","password":"long enough","role":"admin"}"#.to_vec(),
            400,
            "bad_request",
            "\"role\"",
        ),
        (vec![b' '; 5 * 1024], 413, "body_too_large", "bytes"),
        (vec![b' '; 300 * 1024], 413, "record_too_large", "bytes"),
    ];
    for (body, status, code, names) in cases {
        let (s, c, m) = error_of(post(body).await.expect("send")).await;
        assert_eq!((s, c.as_str()), (status, code), "{m}");
        assert!(m.contains(names), "{m} should name {names}");
    }
    assert_eq!(app.stored_users(), 0, "nothing stored");
    let r = app.credentials("signin", "a@b.co", "long enough").await;
    assert_eq!(error_of(r).await.1, "bad_credentials");
    app.sign_up("a@b.co").await;
    assert_eq!(app.stored_users(), 1, "the walk sees accounts");
}

#[tokio::test]
async fn the_schema_says_which_apps_have_accounts_and_others_need_no_token() {
    let app = App::start().await;
    let schema = send_json(app.req(Method::GET, "_schema", None)).await;
    assert_eq!(schema["accounts"], true, "readable before signing in");
    assert_eq!(schema["collections"][0]["name"], "entries");
    assert_eq!(schema["collections"][0]["private"], true);

    let shop = |rest: &str, m: Method| app.at(m, "t-shop", "preview", rest);
    let schema = send_json(shop("_schema", Method::GET)).await;
    assert_eq!(schema["accounts"], false);
    let r = shop("_auth/signup", Method::POST)
        .json(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        r.status().as_u16(),
        404,
        "no accounts in an app without sign-in"
    );
    let r = shop("items", Method::POST)
        .json(&json!({"item": "Milk"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201, "records need no token there");
    let preflight = app
        .c
        .request(
            Method::OPTIONS,
            format!("{}/data/t-journal/preview/entries", app.server.preview),
        )
        .send()
        .await
        .expect("send");
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .expect("h")
        .to_owned();
    assert!(allowed.contains("authorization"), "{allowed}");
}

#[tokio::test]
async fn the_stream_needs_a_session_and_carries_private_changes_to_their_owner_only() {
    let app = App::start().await;
    let a = app.sign_up("ann@example.com").await;
    let b = app.sign_up("bob@example.com").await;
    let url = |token: &str| {
        format!(
            "{}/data/t-journal/preview/_changes?key={}&token={token}",
            app.server.preview,
            app.key("t-journal", "preview")
        )
    };
    let r = app.c.get(url("")).send().await.expect("send");
    assert_eq!(error_of(r).await.1, "sign_in_required");
    let mut a_stream = app.c.get(url(&a.token)).send().await.expect("stream");
    let mut b_stream = app.c.get(url(&b.token)).send().await.expect("stream");
    assert_eq!(b_stream.status().as_u16(), 200);
    read_until(&mut a_stream, "following").await;
    read_until(&mut b_stream, "following").await;

    let secret = app.write(&a.token, "A's secret").await;
    let id = secret["id"].as_str().expect("id").to_owned();
    let del = app
        .status(Method::DELETE, &format!("entries/{id}"), Some(&a.token))
        .await;
    assert_eq!(del, 204);
    let a_saw = read_until(&mut a_stream, "deleted").await;
    assert!(
        a_saw.contains("A's secret") && a_saw.contains("\"kind\":\"deleted\""),
        "{a_saw}"
    );
    app.write(&b.token, "B's own").await;
    let b_saw = read_until(&mut b_stream, "B's own").await;
    assert!(b_saw.contains("B's own"), "{b_saw}");
    assert!(!b_saw.contains(&id) && !b_saw.contains("secret"), "{b_saw}");

    // Signed out, the stream ends at its next keepalive (15 s), and cannot be reopened.
    assert_eq!(
        app.status(Method::POST, "_auth/signout", Some(&a.token))
            .await,
        204
    );
    assert!(
        ends_within(&mut a_stream, Duration::from_secs(20)).await,
        "A's stream ended"
    );
    let r = app.c.get(url(&a.token)).send().await.expect("send");
    assert_eq!(r.status().as_u16(), 401);
}

/// Whether the stream ends before `limit` passes.
async fn ends_within(resp: &mut reqwest::Response, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), resp.chunk()).await {
            Ok(Ok(Some(_))) | Err(_) => {}
            Ok(_) => return true,
        }
    }
    false
}

#[tokio::test]
async fn one_address_gets_thirty_attempts_a_minute_whatever_the_emails_and_client_ids() {
    let app = App::start().await;
    // A guesser rotating the ids it names itself, X-Forwarded-For included (`appgen serve`
    // keys on the socket's peer), is still one address.
    let attempt = |i: usize| {
        app.at(Method::POST, "t-journal", "preview", "_auth/signin")
            .header("x-client-id", format!("greedy-{i}"))
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .json(&json!({"email": format!("user{i}@example.com")}))
            .send()
    };
    for i in 0..30 {
        let r = attempt(i).await.expect("send");
        assert_eq!(
            r.status().as_u16(),
            400,
            "attempt {i} is only refused for its body"
        );
    }
    let r = attempt(30).await.expect("send");
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let (_, code, message) = error_of(r).await;
    assert_eq!(code, "rate_limited");
    assert!(message.contains("address"), "{message}");
    // Another address (loopback has them all) is not held up.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client");
    let other = elsewhere
        .post(app.url("t-journal", "preview", "_auth/signup"))
        .header("x-app-key", app.key("t-journal", "preview"))
        .json(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        other.status().as_u16(),
        201,
        "other addresses are not held up"
    );
}
