//! The record of searches: written off the request path, read back by admins and
//! moderators as insights, and trimmed to its retention by a recurring job.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

async fn insights(app: &TestApp, token: Option<&str>, query: &str) -> Response {
    app.get(&format!("/admin/search/insights{query}"), token)
        .await
}

/// Waits until the insights count `searches` searches (they are written in the
/// background), and returns them.
async fn insights_counting(app: &TestApp, token: &str, searches: u64) -> Value {
    for _ in 0..100 {
        let response = insights(app, Some(token), "").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        let counted: u64 = response.body["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|day| day["searches"].as_u64().unwrap())
            .sum();
        if counted >= searches {
            assert_eq!(counted, searches, "{}", response.text);
            return response.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the searches were not recorded");
}

#[tokio::test]
async fn searches_are_recorded_and_read_back_as_insights() {
    let app = spawn_app().await;
    let moderator = app.register("moderator").await;
    app.grant_role("moderator", "moderator").await;
    let response = app
        .post(
            "/articles",
            Some(&moderator),
            json!({"article": {"title": "Dragons", "description": "d", "body": "b", "tagList": []}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    for q in [
        "Dragons",
        "dragons",
        "  DRAGONS ",
        "unicorns",
        "unicorns",
        "tea",
    ] {
        let response = app
            .get(&format!("/search/articles?q={}", q.trim()), None)
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }
    let response = app.get("/search/articles?tag=x&limit=1", None).await;
    assert_eq!(response.status, StatusCode::OK);
    // A later page is the same search: not counted again.
    let first = app.get("/search/articles?limit=0", None).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);

    let body = insights_counting(&app, &moderator, 7).await;
    assert_eq!(
        body["topQueries"],
        json!([{"query": "dragons", "count": 3}, {"query": "unicorns", "count": 2}, {"query": "tea", "count": 1}])
    );
    assert_eq!(
        body["topZeroResultQueries"],
        json!([{"query": "unicorns", "count": 2}, {"query": "tea", "count": 1}])
    );
    let day = &body["days"][0];
    assert_eq!(
        day["zeroResults"], 4,
        "three texts and the tag found nothing"
    );
    let (p50, p95) = (
        day["p50LatencyMs"].as_f64().unwrap(),
        day["p95LatencyMs"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p95, "{day}");

    let stored: String = app
        .database()
        .await
        .query_one(
            "SELECT filters::text FROM search_queries WHERE query IS NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored, json!({"sort": "recent", "limit": "1", "tag": "x"}));

    // Nothing since tomorrow; a date that does not parse is refused.
    let response = insights(&app, Some(&moderator), "?since=2999-01-01").await;
    assert_eq!(response.body["days"], json!([]), "{}", response.text);
    let response = insights(&app, Some(&moderator), "?since=soon").await;
    let problem = response.assert_problem(422, "validation_failed");
    assert!(problem["errors"]["since"].is_array());
}

#[tokio::test]
async fn only_admins_and_moderators_read_insights() {
    let app = spawn_app().await;
    let member = app.register("member").await;
    let admin = app.register("boss").await;
    app.grant_role("boss", "admin").await;
    insights(&app, None, "")
        .await
        .assert_problem(401, "unauthorized");
    insights(&app, Some(&member), "")
        .await
        .assert_problem(403, "forbidden");
    let response = insights(&app, Some(&admin), "").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn records_past_the_retention_are_purged() {
    let app = spawn_app_with(&[
        ("FOLIO_JOB_POLL_MS", "50"),
        ("FOLIO_SEARCH_LOG_PURGE_EVERY_SECONDS", "1"),
        ("FOLIO_SEARCH_LOG_RETENTION_DAYS", "30"),
    ])
    .await;
    let db = app.database().await;
    db.batch_execute(
        "INSERT INTO search_queries (searched_at, query, filters, results, latency_ms) VALUES \
         (now() - interval '31 days', 'old', '{}', 0, 1), \
         (now() - interval '29 days', 'recent', '{}', 0, 1)",
    )
    .await
    .unwrap();
    let mut kept = Vec::new();
    for _ in 0..100 {
        kept = db
            .query("SELECT query FROM search_queries ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        if kept == ["recent"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept, ["recent"]);
}
