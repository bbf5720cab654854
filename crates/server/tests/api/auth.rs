//! Authentication: the `Authorization` header schemes, opaque tokens stored only as a
//! SHA-256, and sessions that stop working once expired, idle or revoked.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app, unique_username};

/// Runs `statement` (with `$1` bound to the token) against the session of `token`,
/// asserts it touched exactly that one session, and drops the cached lookups (the
/// change bypassed the API, which would have dropped them itself).
async fn alter_session(app: &TestApp, token: &str, set: &str) {
    let statement =
        format!("UPDATE sessions SET {set} WHERE token_hash = sha256(convert_to($1, 'UTF8'))");
    let changed = app
        .database()
        .await
        .execute(&statement, &[&token])
        .await
        .expect("update the session");
    assert_eq!(changed, 1, "exactly one session has this token");
    app.forget_cached_sessions().await;
}

/// GET /user with a raw `Authorization` header value (or none at all).
async fn current_user_with(app: &TestApp, authorization: Option<&str>) -> Response {
    let mut request = app
        .client
        .get(app.url("/api/v1/user"))
        .header("Content-Type", "application/json")
        .header("X-Requested-With", "XMLHttpRequest");
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    TestApp::read(request.send().await.expect("request reaches the server")).await
}

#[track_caller]
fn assert_unauthorized(response: &Response) {
    assert_refused(response, "unauthorized");
}

/// A timed-out session: 401 with its own code, so clients can say "sign in again".
#[track_caller]
fn assert_expired(response: &Response) {
    assert_refused(response, "session_expired");
}

#[track_caller]
fn assert_refused(response: &Response, code: &str) {
    response.assert_problem(401, code);
    assert_eq!(
        response.header("www-authenticate"),
        Some("Token"),
        "{}",
        response.text
    );
    assert!(
        response.body.get("errors").is_none_or(Value::is_null),
        "{}",
        response.text
    );
}

async fn login(app: &TestApp, username: &str) -> String {
    let response = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": format!("{username}@example.com"), "password": "correct-horse-42"}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["user"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

#[tokio::test]
async fn tokens_are_opaque_43_character_base64url_strings() {
    let app = spawn_app().await;
    let first = app.register("jake").await;
    let second = app.register("jane").await;
    for token in [&first, &second] {
        assert_eq!(token.len(), 43, "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token} is base64url without padding"
        );
        assert!(
            !token.contains("jake") && !token.contains("jane"),
            "{token} reveals nothing"
        );
    }
    assert_ne!(first, second);
}

#[tokio::test]
async fn token_and_bearer_schemes_both_authenticate() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for header in [
        format!("Token {token}"),
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("token {token}"),
    ] {
        let response = current_user_with(&app, Some(&header)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{header}: {}",
            response.text
        );
        assert_eq!(response.body["user"]["username"], "jake");
        assert_eq!(
            response.body["user"]["token"],
            token.as_str(),
            "the presented token is echoed"
        );
    }
}

#[tokio::test]
async fn each_token_identifies_its_own_user() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let as_jake = app.get("/user", Some(&jake)).await;
    let as_jane = app.get("/user", Some(&jane)).await;
    assert_eq!(as_jake.body["user"]["username"], "jake");
    assert_eq!(as_jake.body["user"]["email"], "jake@example.com");
    assert_eq!(as_jane.body["user"]["username"], "jane");
    assert_eq!(as_jane.body["user"]["email"], "jane@example.com");
}

#[tokio::test]
async fn a_missing_authorization_header_is_401_with_www_authenticate() {
    let app = spawn_app().await;
    app.register("jake").await;
    let response = current_user_with(&app, None).await;
    assert_unauthorized(&response);
    assert!(!response.text.contains("jake"));
}

#[tokio::test]
async fn malformed_or_unknown_credentials_are_401() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let unknown = "A".repeat(43);
    // The right token with one character changed.
    let altered = {
        let mut chars: Vec<char> = token.chars().collect();
        chars[10] = if chars[10] == 'x' { 'y' } else { 'x' };
        chars.into_iter().collect::<String>()
    };
    for header in [
        "Token garbage".to_owned(),
        format!("Token {unknown}"),
        format!("Token {altered}"),
        format!("Token {token}x"),
        format!("Token {}", &token[..42]),
        format!("Basic {token}"),
        "Basic amFrZTpwYXNzd29yZDEyMw==".to_owned(),
        format!("Tokens {token}"),
        token.clone(),
        "Token".to_owned(),
        "Token ".to_owned(),
        "Bearer".to_owned(),
        String::new(),
    ] {
        let response = current_user_with(&app, Some(&header)).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{header:?}: {}",
            response.text
        );
        assert_unauthorized(&response);
    }
    // The real token still works afterwards.
    assert_eq!(app.get("/user", Some(&token)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn optional_auth_endpoints_refuse_an_invalid_token_instead_of_ignoring_it() {
    let app = spawn_app().await;
    app.register("jake").await;
    let bad = "Token not-a-real-token";
    for path in ["/profiles/jake", "/articles"] {
        let anonymous = app.get(path, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::OK,
            "{path}: {}",
            anonymous.text
        );
        let response = app
            .client
            .get(app.url(&format!("/api/v1{path}")))
            .header("Content-Type", "application/json")
            .header("Authorization", bad)
            .send()
            .await
            .expect("request reaches the server");
        let response = TestApp::read(response).await;
        assert_unauthorized(&response);
    }
}

#[tokio::test]
async fn endpoints_without_auth_ignore_the_authorization_header() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/tags"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Token not-a-real-token")
        .send()
        .await
        .expect("request reaches the server");
    let response = TestApp::read(response).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body, json!({"tags": []}));
}

#[tokio::test]
async fn registration_ignores_the_authorization_header() {
    // Registration needs no credentials, so a stale token does not get in its way.
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Token not-a-real-token")
        .body(
            json!({"user": {"username": "jake", "email": "jake@example.com", "password": "correct-horse-42"}})
                .to_string(),
        )
        .send()
        .await
        .expect("request reaches the server");
    let response = TestApp::read(response).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
}

#[tokio::test]
async fn sessions_store_only_the_sha256_of_the_token() {
    let app = spawn_app().await;
    let username = unique_username("hash");
    let token = app.register(&username).await;
    let db = app.database().await;

    let rows = db
        .query(
            "SELECT length(s.token_hash), \
                    s.token_hash = sha256(convert_to($1, 'UTF8')), \
                    s.token_hash <> convert_to($1, 'UTF8'), \
                    position(convert_to($1, 'UTF8') IN s.token_hash) = 0, \
                    s.revoked_at IS NULL, \
                    s.expires_at - s.created_at = interval '90 days', \
                    s.last_seen_at >= s.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $2",
            &[&token, &username],
        )
        .await
        .expect("read the sessions");
    assert_eq!(rows.len(), 1, "registration opens exactly one session");
    let row = &rows[0];
    assert_eq!(row.get::<_, i32>(0), 32, "a SHA-256 digest is 32 bytes");
    assert!(row.get::<_, bool>(1), "token_hash = sha256(token)");
    assert!(row.get::<_, bool>(2), "the token itself is not stored");
    assert!(
        row.get::<_, bool>(3),
        "the token does not appear inside the hash column"
    );
    assert!(row.get::<_, bool>(4), "a new session is not revoked");
    assert!(row.get::<_, bool>(5), "a session lives 90 days from login");
    assert!(row.get::<_, bool>(6));

    // No text column anywhere in the sessions or users rows holds the token.
    let leaked: i64 = db
        .query_one(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE strpos(s::text, $1) > 0 OR strpos(u::text, $1) > 0",
            &[&token],
        )
        .await
        .expect("search for the token")
        .get(0);
    assert_eq!(leaked, 0);

    // Passwords are hashed too.
    let password_hash: String = db
        .query_one(
            "SELECT password_hash FROM users WHERE username = $1",
            &[&username],
        )
        .await
        .expect("read the user")
        .get(0);
    assert!(
        !password_hash.contains("correct-horse-42"),
        "{password_hash}"
    );
    assert!(password_hash.starts_with("$argon2"), "{password_hash}");
}

#[tokio::test]
async fn a_session_records_the_client_user_agent_and_address() {
    let app = spawn_app().await;
    let username = unique_username("agent");
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .header("Content-Type", "application/json")
        .header("User-Agent", "folio-tests/1.0")
        .body(
            json!({"user": {"username": username, "email": format!("{username}@example.com"), "password": "correct-horse-42"}})
                .to_string(),
        )
        .send()
        .await
        .expect("request reaches the server");
    let response = TestApp::read(response).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let db = app.database().await;
    let row = db
        .query_one(
            "SELECT s.user_agent, s.ip FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = $1",
            &[&username],
        )
        .await
        .expect("read the session");
    assert_eq!(
        row.get::<_, Option<String>>(0).as_deref(),
        Some("folio-tests/1.0")
    );
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        Some("127.0.0.1")
    );
}

#[tokio::test]
async fn each_login_opens_a_second_independent_session() {
    let app = spawn_app().await;
    let username = unique_username("twice");
    let registered = app.register(&username).await;
    let logged_in = login(&app, &username).await;
    assert_ne!(registered, logged_in, "a login issues a fresh token");

    for token in [&registered, &logged_in] {
        let response = app.get("/user", Some(token)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(response.body["user"]["username"], username.as_str());
        assert_eq!(response.body["user"]["token"], token.as_str());
    }

    let db = app.database().await;
    let sessions: i64 = db
        .query_one(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1",
            &[&username],
        )
        .await
        .expect("count sessions")
        .get(0);
    assert_eq!(sessions, 2);

    // Ending one session leaves the other alone.
    alter_session(&app, &registered, "revoked_at = now()").await;
    assert_unauthorized(&app.get("/user", Some(&registered)).await);
    assert_eq!(
        app.get("/user", Some(&logged_in)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = spawn_app().await;
    let username = unique_username("expired");
    let token = app.register(&username).await;
    let other = login(&app, &username).await;
    assert_eq!(app.get("/user", Some(&token)).await.status, StatusCode::OK);

    alter_session(&app, &token, "expires_at = now() - interval '1 second'").await;
    assert_expired(&app.get("/user", Some(&token)).await);
    // Optional-auth endpoints refuse it too, rather than treating the caller as anonymous.
    assert_expired(
        &app.get(&format!("/profiles/{username}"), Some(&token))
            .await,
    );
    // A request does not bring it back.
    assert_expired(&app.get("/user", Some(&token)).await);
    assert_eq!(app.get("/user", Some(&other)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_idle_session_is_refused() {
    let app = spawn_app().await;
    let username = unique_username("idle");
    let token = app.register(&username).await;

    alter_session(&app, &token, "last_seen_at = now() - interval '15 days'").await;
    assert_expired(&app.get("/user", Some(&token)).await);
    assert_expired(
        &app.put(
            "/user",
            Some(&token),
            json!({"user": {"bio": "still here?"}}),
        )
        .await,
    );
}

#[tokio::test]
async fn a_recently_used_session_slides_its_idle_expiry() {
    let app = spawn_app().await;
    let username = unique_username("active");
    let token = app.register(&username).await;
    let db = app.database().await;

    // Last used 13 days ago: still within the 14-day idle window.
    alter_session(&app, &token, "last_seen_at = now() - interval '13 days'").await;
    let response = app.get("/user", Some(&token)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);

    // That use was recorded, so the session is no longer about to go idle.
    let touched: bool = db
        .query_one(
            "SELECT last_seen_at > now() - interval '1 day' FROM sessions \
             WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
            &[&token],
        )
        .await
        .expect("read the session")
        .get(0);
    assert!(
        touched,
        "last_seen_at moves forward when the session is used"
    );
}

#[tokio::test]
async fn a_revoked_session_is_refused() {
    let app = spawn_app().await;
    let username = unique_username("revoked");
    let token = app.register(&username).await;

    alter_session(&app, &token, "revoked_at = now()").await;
    assert_unauthorized(&app.get("/user", Some(&token)).await);
    assert_unauthorized(
        &app.post("/profiles/nobody/follow", Some(&token), json!({}))
            .await,
    );
    // Logging in again gives a new, working session.
    let fresh = login(&app, &username).await;
    assert_eq!(app.get("/user", Some(&fresh)).await.status, StatusCode::OK);
    assert_unauthorized(&app.get("/user", Some(&token)).await);
}

#[tokio::test]
async fn a_session_of_a_deleted_user_is_refused() {
    let app = spawn_app().await;
    let username = unique_username("gone");
    let token = app.register(&username).await;
    let db = app.database().await;
    // Sessions cascade with their user; simulate the account disappearing.
    let deleted = db
        .execute("DELETE FROM users WHERE username = $1", &[&username])
        .await
        .expect("delete the user");
    assert_eq!(deleted, 1);
    assert_unauthorized(&app.get("/user", Some(&token)).await);
}
