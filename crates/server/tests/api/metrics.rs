//! `/metrics`: what an operator scrapes, in the Prometheus text format.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, metric, spawn_app, spawn_app_with};

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

// ------------------------------------------------------ a listener of its own

async fn get(app: &TestApp, address: SocketAddr, path: &str) -> reqwest::Response {
    app.client
        .get(format!("http://{address}{path}"))
        .send()
        .await
        .expect("request reaches the server")
}

#[tokio::test]
async fn with_a_metrics_bind_metrics_are_served_there_and_not_on_the_api_listener() {
    let app = spawn_app_with(&[("FOLIO_METRICS_BIND", "127.0.0.1:0")]).await;
    let metrics_address = app.metrics_address.expect("a metrics listener");
    assert_ne!(metrics_address, app.address);
    app.get("/tags", None).await;

    let on_api = TestApp::read(get(&app, app.address, "/metrics").await).await;
    let scraped = get(&app, metrics_address, "/metrics").await;
    let api_on_metrics = get(&app, metrics_address, "/api/v1/tags").await;

    on_api.assert_problem(404, "not_found");
    assert_eq!(scraped.status(), StatusCode::OK);
    assert_eq!(
        scraped
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let metrics = scraped.text().await.expect("text");
    let tags = r#"http_requests_total{method="GET",route="/api/v1/tags",status="200"}"#;
    assert_eq!(metric(&metrics, tags), Some(1.0), "{metrics}");
    assert_eq!(api_on_metrics.status(), StatusCode::NOT_FOUND);
    // The API listener keeps serving the health probes.
    assert_eq!(get(&app, app.address, "/health/live").await.status(), 200);
}

#[tokio::test]
async fn without_a_metrics_bind_metrics_stay_on_the_api_listener() {
    let app = spawn_app().await;

    assert_eq!(app.metrics_address, None);
    assert!(scrape(&app).await.contains("http_requests_in_flight"));
}

#[tokio::test]
async fn the_metrics_listener_stops_with_the_api_server() {
    let app = spawn_app_with(&[("FOLIO_METRICS_BIND", "127.0.0.1:0")]).await;
    let metrics_address = app.metrics_address.expect("a metrics listener");
    assert_eq!(get(&app, metrics_address, "/metrics").await.status(), 200);

    app.shut_down().await;

    let deadline = Instant::now() + Duration::from_secs(5);
    let fresh = reqwest::Client::new();
    loop {
        let refused = fresh
            .get(format!("http://{metrics_address}/metrics"))
            .send()
            .await
            .is_err();
        if refused {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the metrics listener is still up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fresh
            .get(format!("http://{}/health/live", app.address))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_unusable_metrics_address_stops_start_up_with_its_name() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("its address").to_string();
    let app = spawn_app().await;
    let config = folio_server::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(app.database_url().to_owned()),
        "FOLIO_REDIS_PREFIX" => Some(app.redis_prefix().to_owned()),
        "FOLIO_BIND" => Some("127.0.0.1:0".to_owned()),
        "FOLIO_METRICS_BIND" => Some(address.clone()),
        "FOLIO_LOG" => Some("off".to_owned()),
        _ => None,
    })
    .expect("a valid configuration");

    let outcome = folio_server::start(config).await;

    let Err(error) = outcome else {
        panic!("Folio started on a taken metrics port");
    };
    let message = error.to_string();
    assert!(message.contains("cannot listen on"), "{message}");
    assert!(message.contains(&address), "{message}");
}
