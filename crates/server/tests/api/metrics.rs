//! `/metrics`: what an operator scrapes, in the Prometheus text format.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, metric, spawn_app};

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text().await.expect("text")
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_template_and_status() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Measured", &["ops"]).await;
    app.get(&format!("/articles/{slug}"), None).await;
    app.get("/articles/no-such-article", None).await;
    app.get("/tags", None).await;
    app.get("/tags", None).await;

    let metrics = scrape(&app).await;

    let tags = r#"http_requests_total{method="GET",route="/api/v1/tags",status="200"}"#;
    assert_eq!(metric(&metrics, tags), Some(2.0), "{metrics}");
    let article =
        r#"http_requests_total{method="GET",route="/api/v1/articles/{slug}",status="200"}"#;
    assert_eq!(metric(&metrics, article), Some(1.0), "{metrics}");
    let missing =
        r#"http_requests_total{method="GET",route="/api/v1/articles/{slug}",status="404"}"#;
    assert_eq!(metric(&metrics, missing), Some(1.0), "{metrics}");
    assert!(!metrics.contains(&slug), "raw paths never become labels");
    assert!(metrics.contains(
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/tags",status="200",le="0.005"}"#
    ));
    assert!(metrics.contains("http_requests_in_flight"));
}

#[tokio::test]
async fn the_database_pool_and_queries_are_reported() {
    let app = spawn_app().await;
    app.get("/articles", None).await;

    let metrics = scrape(&app).await;

    assert!(
        metric(&metrics, "db_pool_max_connections").is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"db_pool_connections{state="idle"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"db_pool_connections{state="in_use"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("db_pool_waiters"), "{metrics}");
    assert!(
        metrics.contains("db_pool_acquire_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains("db_query_duration_seconds_bucket"),
        "{metrics}"
    );
    let list_queries = r#"db_queries_per_request_count{route="/api/v1/articles"}"#;
    assert_eq!(metric(&metrics, list_queries), Some(1.0), "{metrics}");
}

#[tokio::test]
async fn session_cache_hits_and_misses_and_redis_latency_are_reported() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    app.get("/user", Some(&token)).await;
    app.get("/user", Some(&token)).await;
    app.put("/user", Some(&token), json!({"user": {"bio": "x"}}))
        .await;

    let metrics = scrape(&app).await;

    let misses = r#"cache_requests_total{cache="sessions",outcome="miss"}"#;
    let hits = r#"cache_requests_total{cache="sessions",outcome="hit"}"#;
    assert_eq!(metric(&metrics, misses), Some(1.0), "{metrics}");
    assert_eq!(metric(&metrics, hits), Some(2.0), "{metrics}");
    assert!(
        metrics.contains("redis_command_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[tokio::test]
async fn content_cache_hits_and_misses_are_reported_per_cache() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Counted", &["ops"]).await;
    for _ in 0..3 {
        app.get(&format!("/articles/{slug}"), None).await;
    }
    app.get("/tags", None).await;
    app.get("/tags", None).await;

    let metrics = scrape(&app).await;

    let article_misses = r#"cache_requests_total{cache="articles",outcome="miss"}"#;
    let article_hits = r#"cache_requests_total{cache="articles",outcome="hit"}"#;
    assert_eq!(metric(&metrics, article_misses), Some(1.0), "{metrics}");
    assert_eq!(metric(&metrics, article_hits), Some(2.0), "{metrics}");
    let tag_misses = r#"cache_requests_total{cache="tags",outcome="miss"}"#;
    let tag_hits = r#"cache_requests_total{cache="tags",outcome="hit"}"#;
    assert_eq!(metric(&metrics, tag_misses), Some(1.0), "{metrics}");
    assert_eq!(metric(&metrics, tag_hits), Some(1.0), "{metrics}");
    let errors = r#"cache_requests_total{cache="articles",outcome="error"}"#;
    assert_eq!(metric(&metrics, errors), None, "{metrics}");
}
