//! Local copies of cache entries: repeated reads are served from process memory,
//! and a change made through one instance reaches the copies of every other
//! instance sharing the database and Redis.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{TestApp, metric, spawn_app, spawn_app_with};

/// Announcements cross a local Redis in well under a millisecond; this is the
/// limit before a copy left on another instance counts as a failure.
const ANNOUNCEMENT_DEADLINE: Duration = Duration::from_secs(1);

/// A second instance serving the same database and Redis keys as `app`.
async fn second_instance(app: &TestApp) -> TestApp {
    spawn_app_with(&[
        ("DATABASE_URL", app.database_url()),
        ("FOLIO_REDIS_PREFIX", app.redis_prefix()),
    ])
    .await
}

async fn local_hits(app: &TestApp, cache: &str) -> f64 {
    sample(
        app,
        &format!(r#"cache_local_hits_total{{cache="{cache}"}}"#),
    )
    .await
}

/// The value of a metric series on `app`, 0 when it was never recorded.
async fn sample(app: &TestApp, series: &str) -> f64 {
    metric(&app.metrics_text().await, series).unwrap_or(0.0)
}

/// Reads `path` until a read is served from the local copy (the subscription that
/// makes copies usable starts with the instance, a moment after it binds).
async fn warm_local_copy(app: &TestApp, path: &str, cache: &str) {
    warm_local_copy_as(app, path, cache, None).await;
}

/// Anonymous list pages are answered from their rendering once it exists; a
/// signed-in reader still reads the page itself.
async fn warm_local_copy_as(app: &TestApp, path: &str, cache: &str, token: Option<&str>) {
    let started = Instant::now();
    let before = local_hits(app, cache).await;
    while local_hits(app, cache).await == before {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path} never served locally"
        );
        app.get(path, token).await;
    }
}

/// Reads `path` from `app` until `accept` holds; fails past the deadline.
async fn read_until(
    app: &TestApp,
    path: &str,
    accept: impl Fn(&serde_json::Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let response = app.get(path, None).await;
        if accept(&response.body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < ANNOUNCEMENT_DEADLINE,
            "{path} still stale after {:?}: {}",
            started.elapsed(),
            response.text
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn repeated_reads_are_served_from_process_memory() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Local", &["near"]).await;

    warm_local_copy(&app, &format!("/articles/{slug}"), "articles").await;
    warm_local_copy_as(&app, "/articles", "lists", Some(&token)).await;
    warm_local_copy(&app, "/tags", "tags").await;
    warm_local_copy(&app, "/profiles/jake", "profiles").await;

    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(article.body["article"]["title"], "Local");
    assert_eq!(article.query_count(), 0);
}

#[tokio::test]
async fn anonymous_list_pages_are_answered_from_their_rendering() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    app.publish(&token, "Rendered once", &[]).await;
    let first = app.get("/articles", None).await;
    let hits = r#"rendered_pages_total{outcome="hit"}"#;
    let before = sample(&app, hits).await;

    let second = app.get("/articles", None).await;

    assert_eq!(second.body, first.body);
    assert_eq!(second.query_count(), 0);
    assert_eq!(sample(&app, hits).await, before + 1.0);
}

#[tokio::test]
async fn the_writing_instance_never_serves_its_old_copy() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Mine", &[]).await;
    let path = format!("/articles/{slug}");
    warm_local_copy(&app, &path, "articles").await;
    warm_local_copy_as(&app, "/articles", "lists", Some(&token)).await;

    app.put(&path, Some(&token), json!({"article": {"body": "edited"}}))
        .await;
    let article = app.get(&path, None).await;
    assert_eq!(article.body["article"]["body"], "edited");

    app.post(&format!("{path}/favorite"), Some(&token), json!({}))
        .await;
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articles"][0]["favoritesCount"], 1);
}

#[tokio::test]
async fn an_edit_on_one_instance_reaches_the_copies_of_another() {
    let writer = spawn_app().await;
    let reader = second_instance(&writer).await;
    let token = writer.register("jake").await;
    let slug = writer.publish(&token, "Shared", &["old"]).await;
    let path = format!("/articles/{slug}");
    warm_local_copy(&reader, &path, "articles").await;
    warm_local_copy_as(&reader, "/articles", "lists", Some(&token)).await;
    reader.get("/articles", None).await;
    warm_local_copy(&reader, "/tags", "tags").await;

    writer
        .put(
            &path,
            Some(&token),
            json!({"article": {"body": "new body", "tagList": ["new"]}}),
        )
        .await;

    read_until(&reader, &path, |body| body["article"]["body"] == "new body").await;
    read_until(&reader, "/articles", |body| {
        body["articles"][0]["tagList"] == json!(["new"])
    })
    .await;
    read_until(&reader, "/tags", |body| body["tags"] == json!(["new"])).await;
    // Once seen, the change stays: no older copy comes back.
    for _ in 0..20 {
        let article = reader.get(&path, None).await;
        assert_eq!(article.body["article"]["body"], "new body");
    }
}

#[tokio::test]
async fn a_profile_change_on_one_instance_reaches_another() {
    let writer = spawn_app().await;
    let reader = second_instance(&writer).await;
    let token = writer.register("jake").await;
    warm_local_copy(&reader, "/profiles/jake", "profiles").await;

    writer
        .put("/user", Some(&token), json!({"user": {"bio": "updated"}}))
        .await;

    read_until(&reader, "/profiles/jake", |body| {
        body["profile"]["bio"] == "updated"
    })
    .await;
}
