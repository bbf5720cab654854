//! Reads an anonymous client can make expensive are bounded: list offsets have a
//! maximum, and every SQL statement runs under a statement timeout.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Response, spawn_app, spawn_app_with};

#[track_caller]
fn assert_offset_refused(response: &Response) {
    let body = response.assert_problem(422, "validation_failed");
    assert_eq!(
        body["errors"],
        json!({"offset": ["must be at most 10000"]}),
        "{}",
        response.text
    );
}

#[track_caller]
fn assert_empty_page(response: &Response) {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["articles"], json!([]), "{}", response.text);
}

// ------------------------------------------------------------------- offsets

#[tokio::test]
async fn list_offsets_above_10000_are_422_naming_offset() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "One", &["dragons"]).await;
    for path in [
        "/articles",
        "/articles?tag=dragons",
        "/articles?author=jake&tag=dragons",
        "/articles?favorited=jake",
    ] {
        let separator = if path.contains('?') { '&' } else { '?' };
        for offset in ["10001", "1000000", "9223372036854775807"] {
            for viewer in [None, Some(jake.as_str())] {
                let response = app
                    .get(&format!("{path}{separator}offset={offset}"), viewer)
                    .await;
                assert_offset_refused(&response);
            }
        }
        let deepest = app
            .get(&format!("{path}{separator}offset=10000&limit=100"), None)
            .await;
        assert_empty_page(&deepest);
    }
}

#[tokio::test]
async fn feed_offsets_above_10000_are_422_naming_offset() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    app.publish(&jake, "One", &[]).await;
    let followed = app
        .post("/profiles/jake/follow", Some(&fan), json!({}))
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.text);
    for offset in ["10001", "9223372036854775807"] {
        let response = app
            .get(&format!("/articles/feed?offset={offset}"), Some(&fan))
            .await;
        assert_offset_refused(&response);
    }
    let deepest = app
        .get("/articles/feed?offset=10000&limit=100", Some(&fan))
        .await;
    assert_empty_page(&deepest);
    let first = app.get("/articles/feed?offset=0", Some(&fan)).await;
    assert_eq!(first.body["articlesCount"], 1, "{}", first.text);
}

// --------------------------------------------------------- statement timeout

#[tokio::test]
async fn a_statement_past_the_timeout_is_503_and_the_server_keeps_serving() {
    let timeout = Duration::from_millis(300);
    let app = spawn_app_with(&[("FOLIO_DB_STATEMENT_TIMEOUT_MS", "300")]).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Held up", &[]).await;
    let path = format!("/articles/{slug}/comments");
    let before = app.get(&path, None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);

    // Another session holds the comments table, so reading it waits for the lock
    // until the statement timeout cancels the read.
    let holder = app.database().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE comments IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock the comments table");
    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(10), app.get(&path, None))
        .await
        .unwrap_or_else(|_| panic!("no answer in 10 s: the statement was never cancelled"));
    let waited = started.elapsed();
    let body = response.assert_problem(503, "service_unavailable");
    assert!(waited >= timeout, "answered after {waited:?}");
    for internal in ["statement", "cancel", "comments", "SQL"] {
        assert!(
            !response.text.contains(internal),
            "the problem leaks {internal:?}: {}",
            response.text
        );
    }
    assert!(body["request_id"].is_string(), "{}", response.text);

    holder
        .batch_execute("ROLLBACK")
        .await
        .expect("release the lock");
    for _ in 0..3 {
        let after = app.get(&path, Some(&jake)).await;
        assert_eq!(after.status, StatusCode::OK, "{}", after.text);
        assert_eq!(after.body["comments"], json!([]), "{}", after.text);
    }
    let listed = app.get("/articles", None).await;
    assert_eq!(listed.body["articlesCount"], 1, "{}", listed.text);
}
