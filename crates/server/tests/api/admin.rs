//! Administration: roles that apply on the very next request, suspension that ends
//! every session at once, the append-only audit log and the operator's
//! `folio admin grant-role` command.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::articles::assert_timestamp;
use crate::support::stored_ids::{session_id, user_id};
use crate::support::{Response, TestApp, redis_url, spawn_app};

const PASSWORD: &str = "correct-horse-42";
const WRONG_PASSWORD: &str = "battery-staple-99";
const ACCOUNT_KEYS: [&str; 4] = ["role", "suspended", "suspendedAt", "username"];
const EVENT_KEYS: [&str; 11] = [
    "actorId",
    "details",
    "id",
    "ip",
    "occurredAt",
    "outcome",
    "requestId",
    "sessionId",
    "subjectId",
    "type",
    "userAgent",
];

// --------------------------------------------------------------------- helpers

fn sorted_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Registers `username` and makes them an admin directly in the database.
async fn admin(app: &TestApp, username: &str) -> String {
    let token = app.register(username).await;
    app.grant_role(username, "admin").await;
    token
}

async fn set_role(app: &TestApp, token: Option<&str>, username: &str, body: Value) -> Response {
    app.put(&format!("/admin/users/{username}/role"), token, body)
        .await
}

async fn suspend(app: &TestApp, token: Option<&str>, username: &str) -> Response {
    app.send(
        Method::POST,
        &format!("/admin/users/{username}/suspension"),
        token,
        None,
    )
    .await
}

async fn unsuspend(app: &TestApp, token: Option<&str>, username: &str) -> Response {
    app.delete(&format!("/admin/users/{username}/suspension"), token)
        .await
}

async fn audit(app: &TestApp, token: Option<&str>, query: &str) -> Response {
    app.get(&format!("/admin/audit-events{query}"), token).await
}

/// The events of one audit page (asserting its shape), and its `nextBefore`.
async fn audit_page(app: &TestApp, token: &str, query: &str) -> (Vec<Value>, Option<i64>) {
    let response = audit(app, Some(token), query).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["events", "nextBefore"],
        "{}",
        response.text
    );
    let events = response.body["events"].as_array().expect("a list").clone();
    for event in &events {
        assert_event_shape(event);
    }
    let ids: Vec<i64> = events.iter().map(event_id).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first: {ids:?}"
    );
    let next = &response.body["nextBefore"];
    assert!(next.is_null() || next.is_i64(), "{}", response.text);
    (events, next.as_i64())
}

/// Every event of the log matching `query` (one page of up to 200).
async fn audit_events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let separator = if query.is_empty() { "?" } else { "&" };
    let (events, next) = audit_page(app, token, &format!("{query}{separator}limit=200")).await;
    assert_eq!(next, None, "the test made fewer than 200 events");
    events
}

/// The newest event of `event_type` (tallied failures included).
async fn newest(app: &TestApp, token: &str, event_type: &str) -> Value {
    app.flush_audit_tally().await;
    audit_events(app, token, &format!("?type={event_type}"))
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a {event_type} event"))
}

fn event_id(event: &Value) -> i64 {
    event["id"].as_i64().expect("an integer id")
}

#[track_caller]
fn assert_event_shape(event: &Value) {
    assert_eq!(sorted_keys(event), EVENT_KEYS, "{event}");
    assert!(event_id(event) > 0, "{event}");
    assert_timestamp(&event["occurredAt"]);
    assert!(
        ["success", "failure"].contains(&event["outcome"].as_str().unwrap_or_default()),
        "{event}"
    );
    for key in [
        "actorId",
        "subjectId",
        "sessionId",
        "ip",
        "userAgent",
        "requestId",
    ] {
        assert!(
            event[key].is_null() || event[key].is_string(),
            "{key}: {event}"
        );
    }
    let details = event["details"].as_object().expect("details object");
    assert!(details.values().all(Value::is_string), "{event}");
}

/// Asserts the event came from `response`'s request, from this machine.
#[track_caller]
fn assert_caused_by(event: &Value, response: &Response) {
    let request_id = response.header("x-request-id").expect("X-Request-Id");
    assert_eq!(event["requestId"], request_id, "{event}");
    assert_eq!(event["ip"], "127.0.0.1", "{event}");
}

/// Asserts `{"account": {...}}` with exactly the account keys.
#[track_caller]
fn assert_account<'a>(
    response: &'a Response,
    username: &str,
    role: &str,
    suspended: bool,
) -> &'a Value {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["account"],
        "{}",
        response.text
    );
    let account = &response.body["account"];
    assert_eq!(sorted_keys(account), ACCOUNT_KEYS, "{}", response.text);
    assert_eq!(account["username"], username, "{}", response.text);
    assert_eq!(account["role"], role, "{}", response.text);
    assert_eq!(account["suspended"], suspended, "{}", response.text);
    if suspended {
        assert_timestamp(&account["suspendedAt"]);
    } else {
        assert!(account["suspendedAt"].is_null(), "{}", response.text);
    }
    account
}

/// Asserts a 422 naming exactly `fields`.
#[track_caller]
fn assert_invalid(response: &Response, fields: &[&str]) {
    let body = response.assert_problem(422, "validation_failed");
    assert_eq!(sorted_keys(&body["errors"]), fields, "{}", response.text);
    for field in fields {
        assert!(
            body["errors"][field]
                .as_array()
                .is_some_and(|messages| !messages.is_empty()),
            "{field}: {}",
            response.text
        );
    }
}

async fn login_with(app: &TestApp, path: &str, email: &str, password: &str) -> Response {
    app.post(
        path,
        None,
        json!({"user": {"email": email, "password": password}}),
    )
    .await
}

async fn login(app: &TestApp, username: &str, password: &str) -> Response {
    login_with(
        app,
        "/users/login",
        &format!("{username}@example.com"),
        password,
    )
    .await
}

fn token_of(response: &Response) -> String {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["user"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A problem body without its per-request id, for comparing two answers.
fn without_request_id(body: &Value) -> Value {
    let mut body = body.clone();
    body.as_object_mut()
        .expect("a problem object")
        .remove("request_id");
    body
}

async fn comment(app: &TestApp, token: &str, slug: &str, text: &str) -> i64 {
    let response = app
        .post(
            &format!("/articles/{slug}/comments"),
            Some(token),
            json!({"comment": {"body": text}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["comment"]["id"].as_i64().expect("id")
}

async fn delete_comment(app: &TestApp, token: &str, slug: &str, id: i64) -> Response {
    app.delete(&format!("/articles/{slug}/comments/{id}"), Some(token))
        .await
}

async fn comment_ids(app: &TestApp, slug: &str) -> Vec<i64> {
    let response = app.get(&format!("/articles/{slug}/comments"), None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

// ----------------------------------------------------------------------- roles

#[tokio::test]
async fn an_admin_gives_a_member_a_role_and_gets_the_account_back() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    let response = set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    assert_account(&response, "jake", "moderator", false);
    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.body["user"]["role"], "moderator", "{}", me.text);

    let response = set_role(&app, Some(&root), "jake", json!({"role": "admin"})).await;
    assert_account(&response, "jake", "admin", false);
    let response = set_role(&app, Some(&root), "jake", json!({"role": "member"})).await;
    assert_account(&response, "jake", "member", false);
    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.body["user"]["role"], "member", "{}", me.text);
}

#[tokio::test]
async fn the_current_user_shows_their_role() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["user"]["role"], "member", "{}", me.text);
    app.grant_role("jake", "admin").await;
    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.body["user"]["role"], "admin", "{}", me.text);
}

#[tokio::test]
async fn the_admin_routes_also_answer_under_the_unversioned_api_prefix() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    let response = app
        .client
        .put(app.url("/api/admin/users/jake/role"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {root}"))
        .body(json!({"role": "moderator"}).to_string())
        .send()
        .await
        .expect("request reaches the server");
    assert_account(&TestApp::read(response).await, "jake", "moderator", false);
    for (method, path) in [
        (Method::POST, "/api/admin/users/jake/suspension"),
        (Method::DELETE, "/api/admin/users/jake/suspension"),
        (Method::GET, "/api/admin/audit-events"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .header("Authorization", format!("Token {root}"))
            .send()
            .await
            .expect("request reaches the server");
        let response = TestApp::read(response).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{method} {path}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn members_and_moderators_cannot_use_any_admin_endpoint() {
    let app = spawn_app().await;
    let member = app.register("member").await;
    let moderator = app.register("moderator").await;
    app.grant_role("moderator", "moderator").await;
    app.register("jake").await;
    for token in [&member, &moderator] {
        set_role(&app, Some(token), "jake", json!({"role": "admin"}))
            .await
            .assert_problem(403, "forbidden");
        // Not even on themselves.
        set_role(&app, Some(token), "member", json!({"role": "admin"}))
            .await
            .assert_problem(403, "forbidden");
        suspend(&app, Some(token), "jake")
            .await
            .assert_problem(403, "forbidden");
        unsuspend(&app, Some(token), "jake")
            .await
            .assert_problem(403, "forbidden");
        audit(&app, Some(token), "")
            .await
            .assert_problem(403, "forbidden");
        // Forbidden comes first: nothing about the target leaks.
        set_role(&app, Some(token), "nobody", json!({"role": "nonsense"}))
            .await
            .assert_problem(403, "forbidden");
    }
    let roles: Vec<(String, String, bool)> = app
        .database()
        .await
        .query(
            "SELECT username, role, suspended_at IS NOT NULL FROM users ORDER BY username",
            &[],
        )
        .await
        .expect("read users")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(
        roles,
        [
            ("jake".to_owned(), "member".to_owned(), false),
            ("member".to_owned(), "member".to_owned(), false),
            ("moderator".to_owned(), "moderator".to_owned(), false),
        ]
    );
}

#[tokio::test]
async fn anonymous_callers_get_401_from_every_admin_endpoint() {
    let app = spawn_app().await;
    app.register("jake").await;
    for response in [
        set_role(&app, None, "jake", json!({"role": "admin"})).await,
        suspend(&app, None, "jake").await,
        unsuspend(&app, None, "jake").await,
        audit(&app, None, "").await,
    ] {
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Token"));
    }
    let me = login(&app, "jake", PASSWORD).await;
    assert_eq!(me.body["user"]["role"], "member", "{}", me.text);
}

#[tokio::test]
async fn changing_the_role_of_an_unknown_user_is_404() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    for name in ["nobody", "no%20such%20user"] {
        set_role(&app, Some(&root), name, json!({"role": "moderator"}))
            .await
            .assert_problem(404, "not_found");
        suspend(&app, Some(&root), name)
            .await
            .assert_problem(404, "not_found");
        unsuspend(&app, Some(&root), name)
            .await
            .assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn an_unknown_role_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    for role in [
        json!("superuser"),
        json!("Admin"),
        json!(" admin"),
        json!(""),
    ] {
        let response = set_role(&app, Some(&root), "jake", json!({ "role": role })).await;
        assert_invalid(&response, &["role"]);
    }
    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.body["user"]["role"], "member");
    assert!(
        audit_events(&app, &root, "?type=role_changed")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_missing_role_is_422() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    for body in [json!({}), json!({"role": null})] {
        let response = set_role(&app, Some(&root), "jake", body.clone()).await;
        assert_invalid(&response, &["role"]);
        assert_eq!(
            response.body["errors"]["role"],
            json!(["can't be blank"]),
            "{body}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn an_admin_cannot_change_their_own_role_or_suspend_themselves() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    for role in ["member", "moderator", "admin"] {
        let response = set_role(&app, Some(&root), "root", json!({ "role": role })).await;
        assert_invalid(&response, &["username"]);
    }
    assert_invalid(&suspend(&app, Some(&root), "root").await, &["username"]);
    assert_invalid(&unsuspend(&app, Some(&root), "root").await, &["username"]);
    // Still an admin, still signed in.
    let me = app.get("/user", Some(&root)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["user"]["role"], "admin");
    assert_eq!(audit(&app, Some(&root), "").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_promotion_applies_to_the_very_next_request_of_the_same_token() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let author = app.register("author").await;
    let jake = app.register("jake").await;
    let slug = app.publish(&author, "Discuss", &[]).await;
    let first = comment(&app, &author, &slug, "first").await;
    let second = comment(&app, &author, &slug, "second").await;

    // A member cannot delete someone else's comment.
    delete_comment(&app, &jake, &slug, first)
        .await
        .assert_problem(403, "forbidden");

    let promoted = set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    assert_account(&promoted, "jake", "moderator", false);
    let response = delete_comment(&app, &jake, &slug, first).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert_eq!(comment_ids(&app, &slug).await, [second]);

    let demoted = set_role(&app, Some(&root), "jake", json!({"role": "member"})).await;
    assert_account(&demoted, "jake", "member", false);
    delete_comment(&app, &jake, &slug, second)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(comment_ids(&app, &slug).await, [second]);
}

#[tokio::test]
async fn a_member_cannot_delete_someone_elses_comment_or_article() {
    let app = spawn_app().await;
    let author = app.register("author").await;
    let jake = app.register("jake").await;
    let slug = app.publish(&author, "Mine", &[]).await;
    let id = comment(&app, &author, &slug, "mine too").await;
    delete_comment(&app, &jake, &slug, id)
        .await
        .assert_problem(403, "forbidden");
    app.delete(&format!("/articles/{slug}"), Some(&jake))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(comment_ids(&app, &slug).await, [id]);
    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(article.status, StatusCode::OK, "{}", article.text);
}

#[tokio::test]
async fn a_moderator_deletes_others_content_but_cannot_edit_their_articles() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let author = app.register("author").await;
    let jake = app.register("jake").await;
    set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    let slug = app.publish(&author, "Reported", &[]).await;
    let id = comment(&app, &author, &slug, "spam").await;

    app.put(
        &format!("/articles/{slug}"),
        Some(&jake),
        json!({"article": {"body": "rewritten by a moderator"}}),
    )
    .await
    .assert_problem(403, "forbidden");
    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(
        article.body["article"]["body"], "the body",
        "{}",
        article.text
    );

    let response = delete_comment(&app, &jake, &slug, id).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    let response = app.delete(&format!("/articles/{slug}"), Some(&jake)).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    app.get(&format!("/articles/{slug}"), None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_user_promoted_to_admin_can_administer_with_their_existing_token() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    app.register("anna").await;
    audit(&app, Some(&jake), "")
        .await
        .assert_problem(403, "forbidden");
    set_role(&app, Some(&root), "jake", json!({"role": "admin"})).await;
    assert_eq!(audit(&app, Some(&jake), "").await.status, StatusCode::OK);
    let response = set_role(&app, Some(&jake), "anna", json!({"role": "moderator"})).await;
    assert_account(&response, "anna", "moderator", false);
    // An admin may demote another admin, who loses access at once.
    set_role(&app, Some(&jake), "root", json!({"role": "member"})).await;
    audit(&app, Some(&root), "")
        .await
        .assert_problem(403, "forbidden");
}

// ------------------------------------------------------------------ suspension

#[tokio::test]
async fn suspending_returns_the_account_and_ends_every_session_at_once() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let first = app.register("jake").await;
    let second = token_of(&login(&app, "jake", PASSWORD).await);
    let bystander = app.register("anna").await;
    for token in [&first, &second] {
        assert_eq!(app.get("/user", Some(token)).await.status, StatusCode::OK);
    }

    let response = suspend(&app, Some(&root), "jake").await;
    assert_account(&response, "jake", "member", true);

    for token in [&first, &second] {
        let response = app.get("/user", Some(token)).await;
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Token"));
        app.get("/articles", Some(token))
            .await
            .assert_problem(401, "unauthorized");
    }
    let revoked: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = 'jake' AND s.revoked_at IS NOT NULL",
            &[],
        )
        .await
        .expect("count sessions")
        .get(0);
    assert_eq!(revoked, 2);
    // Nobody else was signed out.
    assert_eq!(
        app.get("/user", Some(&bystander)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/user", Some(&root)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn suspending_twice_keeps_the_original_suspension_time() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    let first = suspend(&app, Some(&root), "jake").await;
    let since = assert_account(&first, "jake", "member", true)["suspendedAt"].clone();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = suspend(&app, Some(&root), "jake").await;
    assert_eq!(
        assert_account(&again, "jake", "member", true)["suspendedAt"],
        since
    );
}

#[tokio::test]
async fn a_suspended_account_is_told_so_only_after_the_correct_password() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    suspend(&app, Some(&root), "jake").await;

    for path in ["/users/login", "/sessions"] {
        let refused = login_with(&app, path, "jake@example.com", PASSWORD).await;
        let body = refused.assert_problem(403, "account_suspended");
        assert!(!refused.text.contains("token"), "{path}: {}", refused.text);
        assert!(refused.header("set-cookie").is_none(), "{path}");
        assert!(
            body.get("errors").is_none_or(Value::is_null),
            "{}",
            refused.text
        );

        let wrong = login_with(&app, path, "jake@example.com", WRONG_PASSWORD).await;
        wrong.assert_problem(401, "invalid_credentials");
        let unknown = login_with(&app, path, "nobody@example.com", WRONG_PASSWORD).await;
        unknown.assert_problem(401, "invalid_credentials");
        assert_eq!(
            without_request_id(&wrong.body),
            without_request_id(&unknown.body),
            "{path}: a wrong password for a suspended account reveals nothing"
        );
        assert_eq!(
            wrong.header("www-authenticate"),
            unknown.header("www-authenticate")
        );
        assert!(wrong.header("set-cookie").is_none(), "{path}");
    }
    // The refusals opened no session.
    let sessions: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE u.username = 'jake' AND s.revoked_at IS NULL",
            &[],
        )
        .await
        .expect("count sessions")
        .get(0);
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn unsuspending_lets_the_user_sign_in_again_but_old_tokens_stay_dead() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let old = app.register("jake").await;
    suspend(&app, Some(&root), "jake").await;

    let response = unsuspend(&app, Some(&root), "jake").await;
    assert_account(&response, "jake", "member", false);

    let fresh = token_of(&login(&app, "jake", PASSWORD).await);
    let me = app.get("/user", Some(&fresh)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["user"]["username"], "jake");
    let browser = login_with(&app, "/sessions", "jake@example.com", PASSWORD).await;
    assert_eq!(browser.status, StatusCode::CREATED, "{}", browser.text);
    app.get("/user", Some(&old))
        .await
        .assert_problem(401, "unauthorized");

    // Unsuspending an account that is not suspended is harmless.
    let again = unsuspend(&app, Some(&root), "jake").await;
    assert_account(&again, "jake", "member", false);
    assert_eq!(app.get("/user", Some(&fresh)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_suspension_keeps_the_accounts_role() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    let response = suspend(&app, Some(&root), "jake").await;
    assert_account(&response, "jake", "moderator", true);
    let response = set_role(&app, Some(&root), "jake", json!({"role": "member"})).await;
    assert_account(&response, "jake", "member", true);
    let response = unsuspend(&app, Some(&root), "jake").await;
    assert_account(&response, "jake", "member", false);
}

#[tokio::test]
async fn a_session_left_open_on_a_suspended_account_is_refused() {
    // An operator suspended the account in the database without revoking sessions.
    // The token is used only afterwards, so no cached copy of the session is stale.
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    app.database()
        .await
        .execute(
            "UPDATE users SET suspended_at = now() WHERE username = 'jake'",
            &[],
        )
        .await
        .expect("suspend in SQL");
    let response = app.get("/user", Some(&jake)).await;
    response.assert_problem(401, "unauthorized");

    let event = newest(&app, &root, "token_rejected").await;
    assert_eq!(
        event["details"],
        json!({"reason": "suspended", "count": "1", "window_seconds": "60"}),
        "{event}"
    );
    assert_eq!(event["outcome"], "failure");
    assert_eq!(event["subjectId"], user_id(&app, "jake").await.as_str());
    assert_eq!(event["sessionId"], session_id(&app, &jake).await.as_str());
    assert_caused_by(&event, &response);
    assert!(!event.to_string().contains(&jake));
}

// ------------------------------------------------------------------- audit log

#[tokio::test]
async fn a_role_change_is_audited_with_who_whom_and_which_request() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    let response = set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    assert_account(&response, "jake", "moderator", false);

    let events = audit_events(&app, &root, "?type=role_changed").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["type"], "role_changed");
    assert_eq!(event["outcome"], "success");
    assert_eq!(event["actorId"], user_id(&app, "root").await.as_str());
    assert_eq!(event["subjectId"], user_id(&app, "jake").await.as_str());
    assert_eq!(event["sessionId"], session_id(&app, &root).await.as_str());
    assert_eq!(
        event["details"],
        json!({"from": "member", "to": "moderator"})
    );
    assert_caused_by(event, &response);
}

#[tokio::test]
async fn removing_someone_elses_article_or_comment_is_audited_with_its_author() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let author = app.register("author").await;
    let jake = app.register("jake").await;
    set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    let slug = app.publish(&author, "Reported", &[]).await;
    let spam = comment(&app, &author, &slug, "spam").await;

    let removed_comment = delete_comment(&app, &jake, &slug, spam).await;
    assert_eq!(removed_comment.status, StatusCode::NO_CONTENT);
    let removed_article = app.delete(&format!("/articles/{slug}"), Some(&root)).await;
    assert_eq!(removed_article.status, StatusCode::NO_CONTENT);

    let author_id = user_id(&app, "author").await;
    let comments = audit_events(&app, &root, "?type=comment_removed").await;
    assert_eq!(comments.len(), 1, "{comments:?}");
    let event = &comments[0];
    assert_event_shape(event);
    assert_eq!(event["type"], "comment_removed");
    assert_eq!(event["outcome"], "success");
    assert_eq!(event["actorId"], user_id(&app, "jake").await.as_str());
    assert_eq!(event["subjectId"], author_id.as_str());
    assert_eq!(
        event["details"],
        json!({"slug": slug, "comment_id": spam.to_string()})
    );
    assert_caused_by(event, &removed_comment);
    let articles = audit_events(&app, &root, "?type=article_removed").await;
    assert_eq!(articles.len(), 1, "{articles:?}");
    let event = &articles[0];
    assert_event_shape(event);
    assert_eq!(event["actorId"], user_id(&app, "root").await.as_str());
    assert_eq!(event["subjectId"], author_id.as_str());
    assert_eq!(event["details"], json!({"slug": slug}));
    assert_caused_by(event, &removed_article);
    // The author finds both under their name.
    let authors = audit_events(&app, &root, "?user=author").await;
    let types: Vec<&str> = authors
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["article_removed", "comment_removed"]);
}

#[tokio::test]
async fn authors_deleting_their_own_article_or_comment_leave_no_audit_event() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let author = app.register("author").await;
    let slug = app.publish(&author, "Regretted", &[]).await;
    let id = comment(&app, &author, &slug, "second thoughts").await;
    let own_slug = app.publish(&root, "By the admin", &[]).await;
    let own_id = comment(&app, &root, &own_slug, "by the admin too").await;

    for response in [
        delete_comment(&app, &author, &slug, id).await,
        app.delete(&format!("/articles/{slug}"), Some(&author))
            .await,
        delete_comment(&app, &root, &own_slug, own_id).await,
        app.delete(&format!("/articles/{own_slug}"), Some(&root))
            .await,
    ] {
        assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    }

    assert!(
        audit_events(&app, &root, "?type=comment_removed")
            .await
            .is_empty()
    );
    assert!(
        audit_events(&app, &root, "?type=article_removed")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn suspension_and_unsuspension_are_audited() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    login(&app, "jake", PASSWORD).await;
    let root_id = user_id(&app, "root").await;
    let jake_id = user_id(&app, "jake").await;
    let root_session = session_id(&app, &root).await;

    let suspended = suspend(&app, Some(&root), "jake").await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.text);
    let event = newest(&app, &root, "user_suspended").await;
    assert_eq!(event["type"], "user_suspended");
    assert_eq!(event["outcome"], "success");
    assert_eq!(event["actorId"], root_id.as_str());
    assert_eq!(event["subjectId"], jake_id.as_str());
    assert_eq!(event["sessionId"], root_session.as_str());
    assert_eq!(event["details"], json!({"sessions_revoked": "2"}));
    assert_caused_by(&event, &suspended);

    let unsuspended = unsuspend(&app, Some(&root), "jake").await;
    assert_eq!(unsuspended.status, StatusCode::OK, "{}", unsuspended.text);
    let later = newest(&app, &root, "user_unsuspended").await;
    assert_eq!(later["outcome"], "success");
    assert_eq!(later["actorId"], root_id.as_str());
    assert_eq!(later["subjectId"], jake_id.as_str());
    assert_eq!(later["sessionId"], root_session.as_str());
    assert_eq!(later["details"], json!({}));
    assert_caused_by(&later, &unsuspended);
    assert!(event_id(&later) > event_id(&event));
}

#[tokio::test]
async fn failed_logins_are_audited_with_their_reason() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    app.register("anna").await;
    suspend(&app, Some(&root), "anna").await;

    let unknown = login_with(&app, "/users/login", " Nobody@Example.com ", WRONG_PASSWORD).await;
    unknown.assert_problem(401, "invalid_credentials");
    let wrong = login(&app, "jake", WRONG_PASSWORD).await;
    wrong.assert_problem(401, "invalid_credentials");
    let suspended = login_with(&app, "/sessions", "anna@example.com", PASSWORD).await;
    suspended.assert_problem(403, "account_suspended");

    let events = audit_events(&app, &root, "?type=login_failed").await;
    assert_eq!(events.len(), 3, "{events:?}");
    let (suspended_event, wrong_event, unknown_event) = (&events[0], &events[1], &events[2]);
    for event in &events {
        assert_eq!(event["type"], "login_failed");
        assert_eq!(event["outcome"], "failure");
        assert!(event["actorId"].is_null(), "nobody signed in: {event}");
        assert!(event["sessionId"].is_null(), "{event}");
    }

    assert_eq!(
        unknown_event["details"],
        json!({"reason": "unknown_email", "email": "nobody@example.com"})
    );
    assert!(unknown_event["subjectId"].is_null());
    assert_caused_by(unknown_event, &unknown);

    assert_eq!(
        wrong_event["details"],
        json!({"reason": "wrong_password", "email": "jake@example.com"})
    );
    assert_eq!(
        wrong_event["subjectId"],
        user_id(&app, "jake").await.as_str()
    );
    assert_caused_by(wrong_event, &wrong);

    assert_eq!(
        suspended_event["details"],
        json!({"reason": "suspended", "email": "anna@example.com"})
    );
    assert_eq!(
        suspended_event["subjectId"],
        user_id(&app, "anna").await.as_str()
    );
    assert_caused_by(suspended_event, &suspended);
}

#[tokio::test]
async fn a_successful_login_is_audited_with_its_new_session() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    let response = app
        .client
        .post(app.url("/api/v1/users/login"))
        .header("Content-Type", "application/json")
        .header("User-Agent", "folio-admin-tests/1.0")
        .body(json!({"user": {"email": "jake@example.com", "password": PASSWORD}}).to_string())
        .send()
        .await
        .expect("request reaches the server");
    let response = TestApp::read(response).await;
    let token = token_of(&response);

    let events = audit_events(&app, &root, "?type=login_succeeded").await;
    assert_eq!(events.len(), 1, "registration is not a login: {events:?}");
    let event = &events[0];
    let jake_id = user_id(&app, "jake").await;
    assert_eq!(event["outcome"], "success");
    assert_eq!(event["actorId"], jake_id.as_str());
    assert_eq!(event["subjectId"], jake_id.as_str());
    assert_eq!(event["sessionId"], session_id(&app, &token).await.as_str());
    assert_eq!(event["userAgent"], "folio-admin-tests/1.0");
    assert_eq!(event["details"], json!({}));
    assert_caused_by(event, &response);
}

#[tokio::test]
async fn the_audit_log_never_contains_a_password_or_a_token() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    let mut tokens = vec![root.clone(), jake.clone()];
    tokens.push(token_of(&login(&app, "jake", PASSWORD).await));
    login(&app, "jake", WRONG_PASSWORD).await;
    login_with(&app, "/users/login", "nobody@example.com", WRONG_PASSWORD).await;
    let bogus = "bogus-token-never-valid-0123456789abcdefghij";
    app.get("/user", Some(bogus))
        .await
        .assert_problem(401, "unauthorized");
    let changed = app
        .put(
            "/user",
            Some(&jake),
            json!({"user": {"password": "another-horse-77"}}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    set_role(&app, Some(&root), "jake", json!({"role": "moderator"})).await;
    suspend(&app, Some(&root), "jake").await;
    app.get("/user", Some(&jake))
        .await
        .assert_problem(401, "unauthorized");
    unsuspend(&app, Some(&root), "jake").await;
    login(&app, "jake", PASSWORD).await;
    let logged_in = token_of(&login(&app, "jake", "another-horse-77").await);
    tokens.push(logged_in.clone());
    let out = app.delete("/sessions/current", Some(&logged_in)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);

    app.flush_audit_tally().await;
    let response = audit(&app, Some(&root), "?limit=200").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let rows: Vec<String> = app
        .database()
        .await
        .query("SELECT row_to_json(a)::text FROM audit_events a", &[])
        .await
        .expect("read the audit table")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let stored = rows.join("\n");

    let types: Vec<&str> = response.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    for expected in [
        "login_succeeded",
        "login_failed",
        "token_rejected",
        "password_changed",
        "role_changed",
        "user_suspended",
        "user_unsuspended",
        "logout",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    for secret in [PASSWORD, WRONG_PASSWORD, "another-horse-77", bogus]
        .into_iter()
        .chain(tokens.iter().map(String::as_str))
    {
        assert!(
            !response.text.contains(secret),
            "the API shows {secret}: {}",
            response.text
        );
        assert!(
            !stored.contains(secret),
            "the table holds {secret}: {stored}"
        );
    }
    // Nor the hashes of the tokens, which identify sessions as well as the tokens do.
    let hashes: Vec<String> = app
        .database()
        .await
        .query("SELECT encode(token_hash, 'hex') FROM sessions", &[])
        .await
        .expect("read hashes")
        .iter()
        .map(|row| row.get(0))
        .collect();
    for hash in hashes {
        assert!(!stored.contains(&hash) && !response.text.contains(&hash));
    }
}

#[tokio::test]
async fn session_events_are_audited() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    let other = token_of(&login(&app, "jake", PASSWORD).await);
    let third = token_of(&login(&app, "jake", PASSWORD).await);
    let jake_id = user_id(&app, "jake").await;

    let third_session = session_id(&app, &third).await;
    let revoked = app
        .delete(&format!("/sessions/{third_session}"), Some(&jake))
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    let event = newest(&app, &root, "session_revoked").await;
    assert_eq!(event["actorId"], jake_id.as_str());
    assert_eq!(event["sessionId"], third_session.as_str());
    assert_caused_by(&event, &revoked);

    let all = app.delete("/sessions", Some(&jake)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let event = newest(&app, &root, "sessions_revoked_all").await;
    assert_eq!(event["actorId"], jake_id.as_str());
    assert_eq!(event["sessionId"], session_id(&app, &jake).await.as_str());
    assert_eq!(event["details"], json!({"revoked": "1"}));
    assert_caused_by(&event, &all);

    let rejected = app.get("/user", Some(&other)).await;
    rejected.assert_problem(401, "unauthorized");
    let event = newest(&app, &root, "token_rejected").await;
    assert_eq!(
        event["details"],
        json!({"reason": "revoked", "count": "1", "window_seconds": "60"})
    );
    assert_eq!(event["subjectId"], jake_id.as_str());
    assert!(event["actorId"].is_null());
    assert_caused_by(&event, &rejected);

    let unknown = app.get("/user", Some(&"A".repeat(43))).await;
    unknown.assert_problem(401, "unauthorized");
    let event = newest(&app, &root, "token_rejected").await;
    assert_eq!(
        event["details"],
        json!({"reason": "unknown", "count": "1", "window_seconds": "60"})
    );
    assert!(event["subjectId"].is_null() && event["sessionId"].is_null());
    assert_caused_by(&event, &unknown);

    let out = app.delete("/sessions/current", Some(&jake)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    let event = newest(&app, &root, "logout").await;
    assert_eq!(event["actorId"], jake_id.as_str());
    assert_eq!(event["subjectId"], jake_id.as_str());
    assert_caused_by(&event, &out);
}

#[tokio::test]
async fn a_password_change_is_audited() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    token_of(&login(&app, "jake", PASSWORD).await);
    let response = app
        .put(
            "/user",
            Some(&jake),
            json!({"user": {"password": "another-horse-77"}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let event = newest(&app, &root, "password_changed").await;
    let jake_id = user_id(&app, "jake").await;
    assert_eq!(event["actorId"], jake_id.as_str());
    assert_eq!(event["subjectId"], jake_id.as_str());
    assert_eq!(event["details"], json!({"other_sessions_revoked": "1"}));
    assert_caused_by(&event, &response);
}

#[tokio::test]
async fn the_audit_log_is_newest_first_and_filters_by_type_and_user() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    app.register("anna").await;
    login(&app, "jake", PASSWORD).await;
    login(&app, "anna", WRONG_PASSWORD).await;
    set_role(&app, Some(&root), "anna", json!({"role": "moderator"})).await;
    login(&app, "jake", WRONG_PASSWORD).await;
    let jake_id = user_id(&app, "jake").await;
    let anna_id = user_id(&app, "anna").await;
    let root_id = user_id(&app, "root").await;

    let all = audit_events(&app, &root, "").await;
    let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "login_failed",
            "role_changed",
            "login_failed",
            "login_succeeded"
        ]
    );
    let times: Vec<_> = all
        .iter()
        .map(|e| assert_timestamp(&e["occurredAt"]))
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");

    let failed = audit_events(&app, &root, "?type=login_failed").await;
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e["type"] == "login_failed"));

    let jakes = audit_events(&app, &root, "?user=jake").await;
    assert_eq!(jakes.len(), 2, "{jakes:?}");
    assert!(
        jakes
            .iter()
            .all(|e| e["actorId"] == jake_id.as_str() || e["subjectId"] == jake_id.as_str())
    );
    // Subject of a role change, and of a failed login.
    let annas = audit_events(&app, &root, "?user=anna").await;
    let types: Vec<&str> = annas.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["role_changed", "login_failed"]);
    assert!(annas.iter().all(|e| e["subjectId"] == anna_id.as_str()));
    // Actor of a role change.
    let roots = audit_events(&app, &root, "?user=root").await;
    assert_eq!(roots.len(), 1, "{roots:?}");
    assert_eq!(roots[0]["actorId"], root_id.as_str());

    let both = audit_events(&app, &root, "?type=login_failed&user=anna").await;
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["subjectId"], anna_id.as_str());
    assert!(audit_events(&app, &root, "?type=logout").await.is_empty());
}

#[tokio::test]
async fn an_unknown_user_filter_gives_an_empty_page() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    login(&app, "root", WRONG_PASSWORD).await;
    let response = audit(&app, Some(&root), "?user=nobody").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body, json!({"events": [], "nextBefore": null}));
}

#[tokio::test]
async fn invalid_audit_filters_are_422() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    for (query, fields) in [
        ("?type=login", &["type"][..]),
        ("?type=", &["type"]),
        ("?type=LOGIN_FAILED", &["type"]),
        ("?limit=0", &["limit"]),
        ("?limit=201", &["limit"]),
        ("?limit=-5", &["limit"]),
        ("?before=0", &["before"]),
        ("?before=-1", &["before"]),
        ("?type=nope&limit=0&before=0", &["before", "limit", "type"]),
    ] {
        let response = audit(&app, Some(&root), query).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            response.text
        );
        assert_invalid(&response, fields);
    }
    // The edges of the range are fine.
    for query in ["?limit=1", "?limit=200", "?before=1"] {
        let response = audit(&app, Some(&root), query).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{query}: {}",
            response.text
        );
    }
    // Not a number at all: the query string itself cannot be read.
    for query in ["?limit=abc", "?before=1.5"] {
        audit(&app, Some(&root), query)
            .await
            .assert_problem(400, "invalid_query");
    }
}

#[tokio::test]
async fn the_default_page_is_50_events() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    for n in 0..53 {
        let response = login_with(
            &app,
            "/users/login",
            &format!("nobody{n}@example.com"),
            WRONG_PASSWORD,
        )
        .await;
        response.assert_problem(401, "invalid_credentials");
    }
    let (events, next) = audit_page(&app, &root, "").await;
    assert_eq!(events.len(), 50);
    assert_eq!(next, Some(event_id(&events[49])));
    let (rest, next) = audit_page(&app, &root, &format!("?before={}", next.unwrap())).await;
    assert_eq!(rest.len(), 3);
    assert_eq!(next, None);
}

#[tokio::test]
async fn the_cursor_walks_every_event_once() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    app.register("jake").await;
    for round in 0..4 {
        login(&app, "jake", PASSWORD).await;
        login(&app, "jake", WRONG_PASSWORD).await;
        app.get("/user", Some(&format!("bad-token-{round}"))).await;
    }
    // The four rejected tokens of one address are one tallied row.
    app.flush_audit_tally().await;
    let everything = audit_events(&app, &root, "").await;
    assert_eq!(everything.len(), 9);
    let all_ids: Vec<i64> = everything.iter().map(event_id).collect();

    for limit in [1, 2, 5, 9, 10] {
        let mut walked = Vec::new();
        let mut before: Option<i64> = None;
        let mut pages = 0;
        loop {
            let query = match before {
                Some(cursor) => format!("?limit={limit}&before={cursor}"),
                None => format!("?limit={limit}"),
            };
            let (events, next) = audit_page(&app, &root, &query).await;
            pages += 1;
            assert!(events.len() <= limit, "{query}");
            assert!(!events.is_empty(), "no empty page before the end: {query}");
            walked.extend(events.iter().map(event_id));
            match next {
                Some(cursor) => {
                    assert_eq!(Some(cursor), events.last().map(event_id), "{query}");
                    before = Some(cursor);
                }
                None => break,
            }
            assert!(pages <= 12, "the walk ends");
        }
        assert_eq!(walked, all_ids, "limit {limit}");
        assert_eq!(pages, all_ids.len().div_ceil(limit), "limit {limit}");
    }

    // Filters and the cursor combine.
    let failed = audit_events(&app, &root, "?type=login_failed").await;
    assert_eq!(failed.len(), 4);
    let (first, next) = audit_page(&app, &root, "?type=login_failed&limit=2").await;
    assert_eq!(first, failed[..2]);
    let (second, last) = audit_page(
        &app,
        &root,
        &format!(
            "?type=login_failed&limit=2&before={}",
            next.expect("a cursor")
        ),
    )
    .await;
    assert_eq!(second, failed[2..]);
    assert_eq!(last, None, "an exactly full last page has no cursor");
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    login(&app, "root", WRONG_PASSWORD).await;
    let before = audit_events(&app, &root, "").await;
    assert_eq!(before.len(), 1);
    let db = app.database().await;
    for statement in [
        "UPDATE audit_events SET outcome = 'success'",
        "UPDATE audit_events SET details = '{}'::jsonb WHERE id = 1",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE false",
    ] {
        let error = db
            .execute(statement, &[])
            .await
            .expect_err(&format!("{statement} is refused"));
        let message = error
            .as_db_error()
            .map(|db| db.message().to_owned())
            .unwrap_or_else(|| error.to_string());
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
    assert_eq!(audit_events(&app, &root, "").await, before);
}

#[tokio::test]
async fn the_audit_table_refuses_truncate() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    login(&app, "root", WRONG_PASSWORD).await;
    let error = app
        .database()
        .await
        .batch_execute("TRUNCATE audit_events")
        .await
        .expect_err("TRUNCATE is refused");
    let message = error
        .as_db_error()
        .map(|db| db.message().to_owned())
        .unwrap_or_else(|| error.to_string());
    assert!(message.contains("append-only"), "{message}");
    assert_eq!(audit_events(&app, &root, "").await.len(), 1);
}

// ------------------------------------------------------------------------- CLI

/// How the binary reaches this test's app: its database URL and Redis key prefix,
/// as an operator runs the command with the server's own environment.
struct Deployment {
    database_url: String,
    redis_prefix: String,
}

fn deployment(app: &TestApp) -> Deployment {
    Deployment {
        database_url: app.database_url().to_owned(),
        redis_prefix: app.redis_prefix().to_owned(),
    }
}

/// Runs `folio admin grant-role <username> <role>` against `deployment`. The deadline only
/// keeps a hung process from hanging the suite.
async fn grant_role_cli(deployment: &Deployment, username: &str, role: &str) -> Output {
    let url = deployment.database_url.clone();
    let prefix = deployment.redis_prefix.clone();
    let (username, role) = (username.to_owned(), role.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["admin", "grant-role", &username, &role])
            .env_clear()
            .env("DATABASE_URL", &url)
            .env("REDIS_URL", redis_url())
            .env("FOLIO_REDIS_PREFIX", &prefix)
            .env("FOLIO_LOG", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the folio binary");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if child.try_wait().expect("poll the binary").is_some() {
                return child.wait_with_output().expect("collect the output");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("folio admin grant-role did not exit");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .expect("the runner does not panic")
}

#[tokio::test]
async fn the_grant_role_command_makes_an_admin_whose_token_works_at_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.register("anna").await;
    audit(&app, Some(&jake), "")
        .await
        .assert_problem(403, "forbidden");

    let output = grant_role_cli(&deployment(&app), "jake", "admin").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stdout {stdout} stderr {stderr}");
    assert_eq!(stdout.trim(), "jake is now admin", "{stdout}");

    let me = app.get("/user", Some(&jake)).await;
    assert_eq!(me.body["user"]["role"], "admin", "{}", me.text);
    let (events, _) = audit_page(&app, &jake, "?type=role_changed").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert!(event["actorId"].is_null(), "no signed-in actor: {event}");
    assert!(event["sessionId"].is_null() && event["ip"].is_null());
    assert_eq!(event["subjectId"], user_id(&app, "jake").await.as_str());
    assert_eq!(
        event["details"],
        json!({"from": "member", "to": "admin", "by": "operator"})
    );
    let response = set_role(&app, Some(&jake), "anna", json!({"role": "moderator"})).await;
    assert_account(&response, "anna", "moderator", false);
}

/// The admin routes and the command name users the way every lookup does.
#[tokio::test]
async fn admin_routes_and_the_grant_role_command_find_a_user_by_any_spelling() {
    let app = spawn_app().await;
    let boss = admin(&app, "boss").await;
    app.register("ΑΣ").await;

    let response = set_role(&app, Some(&boss), "ας", json!({"role": "moderator"})).await;
    assert_account(&response, "ΑΣ", "moderator", false);
    let response = suspend(&app, Some(&boss), "Ας").await;
    assert_account(&response, "ΑΣ", "moderator", true);
    let response = unsuspend(&app, Some(&boss), "ασ").await;
    assert_account(&response, "ΑΣ", "moderator", false);

    let output = grant_role_cli(&deployment(&app), "ας", "admin").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sigma = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": "ΑΣ@example.com", "password": "correct-horse-42"}}),
        )
        .await;
    assert_eq!(sigma.body["user"]["role"], "admin", "{}", sigma.text);
    assert_eq!(sigma.body["user"]["username"], "ΑΣ", "{}", sigma.text);
}

#[tokio::test]
async fn the_grant_role_command_refuses_an_unknown_user_or_role_in_one_line() {
    let app = spawn_app().await;
    app.register("jake").await;
    let target = deployment(&app);
    for (username, role, expected) in [
        ("nobody", "admin", "no user named \"nobody\""),
        (
            "jake",
            "superuser",
            "role must be one of member, moderator, admin",
        ),
        ("nobody", "superuser", "role must be one of"),
    ] {
        let output = grant_role_cli(&target, username, role).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{username} {role}: stdout {stdout} stderr {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
        assert!(stderr.starts_with("folio:"), "{stderr:?}");
        assert!(stderr.contains(expected), "{expected} in {stderr:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stdout.contains("is now"), "{stdout}");
    }
    let role: String = app
        .database()
        .await
        .query_one("SELECT role FROM users WHERE username = 'jake'", &[])
        .await
        .expect("jake")
        .get(0);
    assert_eq!(role, "member");
    let events: i64 = app
        .database()
        .await
        .query_one("SELECT count(*) FROM audit_events", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(events, 0);
}

// ------------------------------------------------------- browsers and headers

/// The value of `name` among a response's Set-Cookie headers.
fn cookie(response: &Response, name: &str) -> String {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let (pair, _) = value.split_once(';').unwrap_or((value, ""));
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("a {name} cookie: {:?}", response.headers))
}

#[tokio::test]
async fn a_cookie_signed_admin_cannot_suspend_without_the_csrf_token_and_is_audited() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let jake = app.register("jake").await;
    let signed_in = login_with(&app, "/sessions", "root@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
    let session = cookie(&signed_in, "__Host-folio_session");
    let csrf = cookie(&signed_in, "__Host-folio_csrf");
    let cookies = format!("__Host-folio_session={session}; __Host-folio_csrf={csrf}");
    let origin = format!("http://{}", app.address);
    let url = app.url("/api/v1/admin/users/jake/suspension");

    // A forged cross-site form post carries the cookies but not the token.
    let forged = app
        .client
        .post(&url)
        .header("Cookie", &cookies)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("request reaches the server");
    let forged = TestApp::read(forged).await;
    forged.assert_problem(403, "csrf_failed");
    assert_eq!(app.get("/user", Some(&jake)).await.status, StatusCode::OK);

    let event = newest(&app, &root, "csrf_rejected").await;
    assert_eq!(event["outcome"], "failure");
    assert_eq!(event["actorId"], user_id(&app, "root").await.as_str());
    assert_eq!(
        event["sessionId"],
        session_id(&app, &session).await.as_str()
    );
    assert_eq!(
        event["details"],
        json!({"reason": "missing_token", "count": "1", "window_seconds": "60"})
    );
    assert_caused_by(&event, &forged);
    assert!(!event.to_string().contains(&session) && !event.to_string().contains(&csrf));

    // Reading the log is safe and needs no token; suspending with it works.
    let listed = app
        .client
        .get(app.url("/api/v1/admin/audit-events"))
        .header("Cookie", &cookies)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(listed.status(), StatusCode::OK);
    let done = app
        .client
        .post(&url)
        .header("Cookie", &cookies)
        .header("Origin", &origin)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("request reaches the server");
    assert_account(&TestApp::read(done).await, "jake", "member", true);
    app.get("/user", Some(&jake))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn the_audit_log_records_the_peer_address_not_a_forwarded_claim() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let response = app
        .client
        .post(app.url("/api/v1/users/login"))
        .header("Content-Type", "application/json")
        .header("X-Forwarded-For", "203.0.113.9")
        .body(
            json!({"user": {"email": "root@example.com", "password": WRONG_PASSWORD}}).to_string(),
        )
        .send()
        .await
        .expect("request reaches the server");
    let response = TestApp::read(response).await;
    response.assert_problem(401, "invalid_credentials");
    let event = newest(&app, &root, "login_failed").await;
    assert_caused_by(&event, &response);
    assert!(!event.to_string().contains("203.0.113.9"), "{event}");
}

#[tokio::test]
async fn the_audit_log_keeps_a_clean_client_request_id_and_replaces_a_dirty_one() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let long_agent = "a".repeat(600);
    for (supplied, kept) in [
        ("trace-42.abc:def_1", true),
        ("evil id\tforged", false),
        (&*"x".repeat(129), false),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/users/login"))
            .header("Content-Type", "application/json")
            .header("X-Request-Id", supplied)
            .header("User-Agent", &long_agent)
            .body(
                json!({"user": {"email": "nobody@example.com", "password": WRONG_PASSWORD}})
                    .to_string(),
            )
            .send()
            .await
            .expect("request reaches the server");
        let response = TestApp::read(response).await;
        response.assert_problem(401, "invalid_credentials");
        let event = newest(&app, &root, "login_failed").await;
        assert_caused_by(&event, &response);
        assert_eq!(
            event["requestId"] == supplied,
            kept,
            "{supplied:?}: {event}"
        );
        let agent = event["userAgent"].as_str().expect("the user agent");
        assert_eq!(agent.chars().count(), 512, "{agent}");
    }
}
