//! Rate limits, shared through Redis: failed logins, registrations and the general
//! request budget, and what happens when Redis is gone.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Response, TestApp, spawn_app_with};

const PASSWORD: &str = "correct-horse-42";

async fn login_as(app: &TestApp, email: &str, password: &str) -> Response {
    app.post(
        "/users/login",
        None,
        json!({"user": {"email": email, "password": password}}),
    )
    .await
}

#[track_caller]
fn assert_rate_limited(response: &Response, at_most_seconds: u64) {
    response.assert_problem(429, "rate_limited");
    let retry: u64 = response
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!(
        (1..=at_most_seconds).contains(&retry),
        "Retry-After {retry}"
    );
}

/// How many events of `event_type` the audit log holds, a tallied row counting as
/// the events it sums up.
async fn audit_count(app: &TestApp, event_type: &str) -> i64 {
    app.flush_audit_tally().await;
    app.database()
        .await
        .query_one(
            "SELECT coalesce(sum(coalesce((details->>'count')::bigint, 1)), 0)::bigint \
             FROM audit_events WHERE event_type = $1",
            &[&event_type],
        )
        .await
        .expect("count audit events")
        .get(0)
}

#[tokio::test]
async fn the_sixth_failed_login_is_refused_with_retry_after_even_with_the_right_password() {
    let app = spawn_app_with(&[("FOLIO_RATE_LIMITS", "on")]).await;
    app.register("jake").await;

    for attempt in 1..=5 {
        let response = login_as(&app, "jake@example.com", "wrong guess").await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let sixth = login_as(&app, "jake@example.com", PASSWORD).await;

    assert_rate_limited(&sixth, 900);
    assert_eq!(audit_count(&app, "rate_limited").await, 1);
    assert_eq!(audit_count(&app, "login_failed").await, 5);
}

#[tokio::test]
async fn a_correct_login_after_the_window_works() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_LOGIN_WINDOW_SECONDS", "2"),
    ])
    .await;
    app.register("jake").await;
    for _ in 0..5 {
        login_as(&app, "jake@example.com", "wrong guess").await;
    }
    assert_rate_limited(&login_as(&app, "jake@example.com", PASSWORD).await, 2);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = login_as(&app, "jake@example.com", PASSWORD).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn a_successful_login_resets_the_count_for_that_account() {
    let app = spawn_app_with(&[("FOLIO_RATE_LIMITS", "on")]).await;
    app.register("jake").await;
    for _ in 0..4 {
        login_as(&app, "jake@example.com", "wrong guess").await;
    }
    assert_eq!(
        login_as(&app, "jake@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    for _ in 0..4 {
        let response = login_as(&app, "jake@example.com", "wrong guess").await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            response.text
        );
    }
}

#[tokio::test]
async fn failures_across_many_emails_hit_the_per_address_limit() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_LOGIN_FAILURES_PER_ADDRESS", "3"),
    ])
    .await;
    for n in 0..3 {
        let response = login_as(&app, &format!("nobody{n}@example.com"), "guess").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }

    let fourth = login_as(&app, "someone-else@example.com", "guess").await;

    assert_rate_limited(&fourth, 900);
}

#[tokio::test]
async fn browser_sign_in_shares_the_login_limit() {
    let app = spawn_app_with(&[("FOLIO_RATE_LIMITS", "on")]).await;
    app.register("jake").await;
    for _ in 0..5 {
        login_as(&app, "jake@example.com", "wrong guess").await;
    }

    let response = app
        .post(
            "/sessions",
            None,
            json!({"user": {"email": "jake@example.com", "password": PASSWORD}}),
        )
        .await;

    assert_rate_limited(&response, 900);
}

#[tokio::test]
async fn registrations_beyond_the_limit_are_refused() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REGISTRATIONS_PER_ADDRESS", "2"),
    ])
    .await;
    app.register("one").await;
    app.register("two").await;

    let third = app
        .post(
            "/users",
            None,
            json!({"user": {"username": "three", "email": "three@example.com", "password": PASSWORD}}),
        )
        .await;

    assert_rate_limited(&third, 3600);
    let stored: i64 = app
        .database()
        .await
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .expect("count users")
        .get(0);
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn every_api_response_carries_the_rate_limit_headers() {
    // The slowest refill there is: the default (10 a second) gives a token back
    // whenever the two requests are 100 ms apart, as on a loaded machine.
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REQUESTS_PER_SECOND", "1"),
    ])
    .await;

    let first = app.get("/tags", None).await;
    let second = app.get("/no-such-thing", None).await;

    assert_eq!(first.header("ratelimit-limit"), Some("300"));
    assert_eq!(first.header("ratelimit-remaining"), Some("299"));
    assert!(first.header("ratelimit-reset").is_some());
    assert_eq!(second.header("ratelimit-remaining"), Some("298"));
}

#[tokio::test]
async fn a_spent_budget_is_refused_until_it_refills() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REQUEST_BURST", "3"),
        ("FOLIO_REQUESTS_PER_SECOND", "2"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/tags", None).await.status, StatusCode::OK);
    }

    let refused = app.get("/tags", None).await;
    assert_rate_limited(&refused, 1);
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    // Health probes are not API traffic and are never limited.
    let health = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.get("/tags", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn each_user_spends_their_own_budget() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REQUEST_BURST", "3"),
        ("FOLIO_REQUESTS_PER_SECOND", "1"),
    ])
    .await;
    // Registering spends one request of the address's budget.
    let token = app.register("jake").await;
    app.get("/tags", None).await;
    app.get("/tags", None).await;
    assert_eq!(
        app.get("/tags", None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let signed_in = app.get("/user", Some(&token)).await;

    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    assert_eq!(signed_in.header("ratelimit-remaining"), Some("2"));
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_buy_a_fresh_budget() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REQUEST_BURST", "2"),
        ("FOLIO_REQUESTS_PER_SECOND", "1"),
    ])
    .await;
    let mut statuses = Vec::new();
    for n in 1..=3 {
        let response = app
            .client
            .get(app.url("/api/v1/tags"))
            .header("X-Forwarded-For", format!("198.51.100.{n}"))
            .send()
            .await
            .expect("request");
        statuses.push(response.status().as_u16());
    }

    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn without_redis_reads_are_unlimited_and_logins_are_limited_in_process() {
    // Nothing listens on port 1: every Redis call fails at once.
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("FOLIO_LOGIN_FAILURES_PER_ACCOUNT", "2"),
    ])
    .await;
    let token = app.register("jake").await;
    app.register("ann").await;
    app.publish(&token, "Still here", &["up"]).await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let failed = login_as(&app, "jake@example.com", "wrong guess").await;
        statuses.push(failed.status.as_u16());
    }
    let locked = login_as(&app, "jake@example.com", PASSWORD).await;
    let other = login_as(&app, "ann@example.com", PASSWORD).await;
    let articles = app.get("/articles", None).await;
    let user = app.get("/user", Some(&token)).await;

    assert_eq!(statuses, [401, 401, 429]);
    assert_rate_limited(&locked, 900);
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    assert_eq!(articles.status, StatusCode::OK, "{}", articles.text);
    assert_eq!(articles.body["articlesCount"], 1);
    assert_eq!(user.status, StatusCode::OK, "{}", user.text);
    assert_eq!(articles.header("ratelimit-limit"), None);
}

// ------------------------------------------------------- abuse from one client

#[tokio::test]
async fn guessed_tokens_are_refused_without_lookups_and_tallied_in_the_audit_log() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_TOKEN_REJECTIONS_PER_ADDRESS", "20"),
    ])
    .await;
    let mut statuses = Vec::new();
    let mut queries_when_refused = 0;
    for n in 0..450 {
        let response = app
            .get("/user", Some(&format!("guessed-token-{n:04}")))
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            response.assert_problem(429, "rate_limited");
            queries_when_refused += response.query_count();
        }
        statuses.push(response.status.as_u16());
    }

    assert!(
        statuses[..20].iter().all(|status| *status == 401),
        "{statuses:?}"
    );
    assert!(
        statuses[20..].iter().all(|status| *status == 429),
        "{statuses:?}"
    );
    assert_eq!(
        queries_when_refused, 0,
        "a refused credential costs no lookup"
    );
    // 450 requests leave two rows: the 20 rejections and the 430 refusals.
    app.flush_audit_tally().await;
    let rows: Vec<(String, String)> = app
        .database()
        .await
        .query(
            "SELECT event_type, details->>'count' FROM audit_events ORDER BY event_type",
            &[],
        )
        .await
        .expect("read the audit log")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        rows,
        [
            ("rate_limited".to_owned(), "430".to_owned()),
            ("token_rejected".to_owned(), "20".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_valid_token_from_a_refused_address_still_works_from_the_cache() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_TOKEN_REJECTIONS_PER_ADDRESS", "3"),
    ])
    .await;
    let token = app.register("jake").await;
    assert_eq!(app.get("/user", Some(&token)).await.status, StatusCode::OK);
    for n in 0..3 {
        app.get("/user", Some(&format!("guess-{n}")))
            .await
            .assert_problem(401, "unauthorized");
    }
    app.get("/user", Some("guess-4"))
        .await
        .assert_problem(429, "rate_limited");

    let cached = app.get("/user", Some(&token)).await;

    assert_eq!(cached.status, StatusCode::OK, "{}", cached.text);
}

#[tokio::test]
async fn concurrent_wrong_passwords_get_exactly_the_allowed_number_of_401s() {
    let app = spawn_app_with(&[("FOLIO_RATE_LIMITS", "on")]).await;
    app.register("jake").await;

    let attempts = (0..50).map(|_| login_as(&app, "jake@example.com", "wrong guess"));
    let responses = futures_util::future::join_all(attempts).await;

    let unauthorized = responses
        .iter()
        .filter(|response| response.status == StatusCode::UNAUTHORIZED)
        .count();
    let limited = responses
        .iter()
        .filter(|response| response.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((unauthorized, limited), (5, 45));
    assert_eq!(audit_count(&app, "login_failed").await, 5);
}

#[tokio::test]
async fn concurrent_guessed_tokens_get_exactly_the_allowed_number_of_lookups() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_TOKEN_REJECTIONS_PER_ADDRESS", "20"),
    ])
    .await;

    let guesses = (0..60).map(|n| {
        let app = &app;
        async move { app.get("/user", Some(&format!("guess-{n:02}"))).await }
    });
    let responses = futures_util::future::join_all(guesses).await;

    let count = |status| {
        responses
            .iter()
            .filter(|response| response.status == status)
            .count()
    };
    assert_eq!(
        (
            count(StatusCode::UNAUTHORIZED),
            count(StatusCode::TOO_MANY_REQUESTS)
        ),
        (20, 40)
    );
    let lookups: u32 = responses
        .iter()
        .filter(|response| response.status == StatusCode::TOO_MANY_REQUESTS)
        .map(Response::query_count)
        .sum();
    assert_eq!(lookups, 0, "a refused credential costs no lookup");
}

#[tokio::test]
async fn ipv6_clients_of_one_network_share_a_budget() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_TRUSTED_PROXIES", "127.0.0.1"),
        ("FOLIO_REGISTRATIONS_PER_ADDRESS", "2"),
    ])
    .await;
    let register_from = |n: u32, address: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/api/v1/users"))
                .header("X-Forwarded-For", address)
                .json(&json!({"user": {
                    "username": format!("user{n}"),
                    "email": format!("user{n}@example.com"),
                    "password": PASSWORD,
                }}))
                .send()
                .await
                .expect("request");
            TestApp::read(response).await
        }
    };

    let first = register_from(1, "2001:db8:1:2::1").await;
    let second = register_from(2, "2001:db8:1:2:ffff::9").await;
    let third = register_from(3, "2001:db8:1:2:0:0:0:abcd").await;
    let elsewhere = register_from(4, "2001:db8:1:3::1").await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert_rate_limited(&third, 3600);
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.text);
}

#[tokio::test]
async fn email_changes_spend_the_registration_budget() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_REGISTRATIONS_PER_ADDRESS", "3"),
    ])
    .await;
    let token = app.register("jake").await;
    app.register("ann").await;
    let change_email = |email: &'static str| {
        app.put(
            "/user",
            Some(&token),
            json!({"user": {"email": email, "bio": "hi"}}),
        )
    };

    // Sending the current address back (as settings forms do) costs nothing.
    for _ in 0..3 {
        let same = change_email("jake@example.com").await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    }
    // Two registrations spent two of three; one probe is left.
    let taken = change_email("ann@example.com").await;
    assert_eq!(
        taken.assert_problem(422, "validation_failed")["errors"]["email"][0],
        "has already been taken"
    );
    let refused = change_email("bob@example.com").await;

    assert_rate_limited(&refused, 3600);
}
