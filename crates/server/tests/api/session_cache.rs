//! Session lookups cached in Redis: they spare PostgreSQL, and every revocation or
//! account change drops them, so nothing stale is ever served.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, redis_keys, spawn_app};

const PASSWORD: &str = "correct-horse-42";

async fn login(app: &TestApp, username: &str) -> String {
    let response = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": format!("{username}@example.com"), "password": PASSWORD}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["user"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// Uses `token` once, so that its lookup is in the cache, and checks it works.
async fn warm(app: &TestApp, token: &str) {
    let response = app.get("/user", Some(token)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

async fn cached_entries(app: &TestApp) -> usize {
    let mut connection = redis_keys::connect().await.expect("connect to Redis");
    redis_keys::matching(&mut connection, &format!("{}session:*", app.redis_prefix()))
        .await
        .expect("list keys")
        .len()
}

async fn make_admin(app: &TestApp, username: &str) -> String {
    let token = app.register(username).await;
    app.grant_role(username, "admin").await;
    token
}

#[tokio::test]
async fn a_cached_session_authenticates_without_a_database_query() {
    let app = spawn_app().await;
    let token = app.register("jake").await;

    let first = app.get("/user", Some(&token)).await;
    let second = app.get("/user", Some(&token)).await;

    assert_eq!(first.query_count(), 1, "the miss reads PostgreSQL once");
    assert_eq!(second.query_count(), 0, "the hit reads nothing");
    assert_eq!(second.body, first.body);
    assert_eq!(cached_entries(&app).await, 1);
}

#[tokio::test]
async fn logging_out_a_cached_session_ends_it_at_once() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    warm(&app, &token).await;

    app.delete("/sessions/current", Some(&token)).await;

    assert_eq!(cached_entries(&app).await, 0, "the entry was dropped");
    app.get("/user", Some(&token))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn revoking_a_cached_session_from_another_ends_it_at_once() {
    let app = spawn_app().await;
    let laptop = app.register("jake").await;
    let phone = login(&app, "jake").await;
    warm(&app, &phone).await;
    let sessions = app.get("/sessions", Some(&laptop)).await;
    let phone_id = sessions.body["sessions"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["current"] == false))
        .and_then(|s| s["id"].as_str())
        .expect("the phone's session")
        .to_owned();

    app.delete(&format!("/sessions/{phone_id}"), Some(&laptop))
        .await;

    app.get("/user", Some(&phone))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn signing_out_everywhere_else_ends_cached_sessions_at_once() {
    let app = spawn_app().await;
    let current = app.register("jake").await;
    let other = login(&app, "jake").await;
    warm(&app, &other).await;

    app.delete("/sessions", Some(&current)).await;

    app.get("/user", Some(&other))
        .await
        .assert_problem(401, "unauthorized");
    warm(&app, &current).await;
}

#[tokio::test]
async fn a_password_change_ends_the_other_cached_sessions_at_once() {
    let app = spawn_app().await;
    let current = app.register("jake").await;
    let other = login(&app, "jake").await;
    warm(&app, &other).await;

    app.put(
        "/user",
        Some(&current),
        json!({"user": {"password": "an entirely new passphrase"}}),
    )
    .await;

    app.get("/user", Some(&other))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_suspension_ends_cached_sessions_at_once() {
    let app = spawn_app().await;
    let root = make_admin(&app, "root").await;
    let jake = app.register("jake").await;
    warm(&app, &jake).await;

    let response = app
        .post("/admin/users/jake/suspension", Some(&root), json!({}))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);

    app.get("/user", Some(&jake))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_role_change_shows_on_the_next_request_of_a_cached_session() {
    let app = spawn_app().await;
    let root = make_admin(&app, "root").await;
    let jake = app.register("jake").await;
    warm(&app, &jake).await;

    app.put(
        "/admin/users/jake/role",
        Some(&root),
        json!({"role": "moderator"}),
    )
    .await;

    let user = app.get("/user", Some(&jake)).await;
    assert_eq!(user.body["user"]["role"], "moderator", "{}", user.text);
}

#[tokio::test]
async fn new_settings_show_in_every_cached_session_of_the_user() {
    let app = spawn_app().await;
    let laptop = app.register("jake").await;
    let phone = login(&app, "jake").await;
    warm(&app, &phone).await;

    app.put(
        "/user",
        Some(&laptop),
        json!({"user": {"username": "jacob", "bio": "renamed"}}),
    )
    .await;

    let user = app.get("/user", Some(&phone)).await;
    assert_eq!(user.body["user"]["username"], "jacob", "{}", user.text);
    assert_eq!(user.body["user"]["bio"], "renamed");
}

#[tokio::test]
async fn no_request_started_after_a_revocation_is_served_by_the_revoked_session() {
    let app = spawn_app().await;
    let doomed = app.register("jake").await;
    let survivor = login(&app, "jake").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let revoked_at = std::sync::Arc::new(std::sync::Mutex::new(None::<std::time::Instant>));

    // Readers keep using the token while it is revoked; each lookup that misses the
    // cache reads PostgreSQL and tries to cache what it read.
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/v1/user");
            let token = doomed.clone();
            let stop = stop.clone();
            let revoked_at = revoked_at.clone();
            tokio::spawn(async move {
                let mut late_successes = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = std::time::Instant::now();
                    let status = client
                        .get(&url)
                        .header("Authorization", format!("Token {token}"))
                        .send()
                        .await
                        .map(|response| response.status())
                        .expect("request");
                    let after_revocation = revoked_at
                        .lock()
                        .expect("lock")
                        .is_some_and(|at| started > at);
                    if after_revocation && status == StatusCode::OK {
                        late_successes += 1;
                    }
                }
                late_successes
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let out = app.delete("/sessions", Some(&survivor)).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text);
    *revoked_at.lock().expect("lock") = Some(std::time::Instant::now());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut late = 0;
    for reader in readers {
        late += reader.await.expect("reader");
    }
    assert_eq!(late, 0, "requests served by a revoked session");
    assert_eq!(
        app.get("/user", Some(&doomed)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
