//! How long a cached copy can stay stale when Redis does not answer at the moment of
//! a write: the writer cannot make its invalidation then (its circuit breaker skips
//! Redis for 5 s after the first timeout), so the invalidation comes from the event
//! the write committed, once the relay has published it and the cache's consumer has
//! applied it. Without that, the old entry would be served again, from Redis, as soon
//! as the breakers close, until its TTL ran out. The bound is measured from the
//! moment Redis answers again, on every instance.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{PrivateRedis, TestApp, spawn_app_with};

const PAUSE: Duration = Duration::from_millis(2000);
/// The breaker's cool-down (5 s), then relay and consumer, which back off at most
/// 1 s each and poll every 100 ms.
const STALE_AT_MOST: Duration = Duration::from_secs(7);
/// How long every read must then show the write.
const WATCHED: Duration = Duration::from_secs(3);

async fn instance(redis: &PrivateRedis, database: Option<(&str, &str)>) -> TestApp {
    let mut settings = vec![
        ("REDIS_URL", redis.url.as_str()),
        ("FOLIO_REDIS_TIMEOUT_MS", "200"),
    ];
    if let Some((url, prefix)) = database {
        settings.push(("DATABASE_URL", url));
        settings.push(("FOLIO_REDIS_PREFIX", prefix));
    }
    spawn_app_with(&settings).await
}

async fn body_of(app: &TestApp, path: &str) -> String {
    app.get(path, None).await.body["article"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_instance_serves_a_write_made_during_a_redis_pause_soon_after_it() {
    let redis = PrivateRedis::start().await;
    let writer = instance(&redis, None).await;
    let reader = instance(&redis, Some((writer.database_url(), writer.redis_prefix()))).await;
    let token = writer.register("jake").await;
    let slug = writer.publish(&token, "Outage", &[]).await;
    let path = format!("/articles/{slug}");
    for app in [&writer, &reader] {
        for _ in 0..3 {
            assert_eq!(body_of(app, &path).await, "the body");
        }
    }

    let mut admin = redis.connection().await;
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(u64::try_from(PAUSE.as_millis()).unwrap_or(u64::MAX))
        .arg("ALL")
        .query_async::<()>(&mut admin)
        .await
        .expect("pause Redis");
    let paused_at = Instant::now();
    let edit = writer
        .put(
            &path,
            Some(&token),
            json!({"article": {"body": "written during the pause"}}),
        )
        .await;
    assert_eq!(edit.status, reqwest::StatusCode::OK, "{}", edit.text);
    assert!(
        paused_at.elapsed() < PAUSE,
        "the write finished during the pause"
    );
    tokio::time::sleep(PAUSE.saturating_sub(paused_at.elapsed())).await;

    let answering_again = Instant::now();
    tokio::time::sleep(STALE_AT_MOST).await;
    while answering_again.elapsed() < STALE_AT_MOST + WATCHED {
        for app in [&writer, &reader] {
            assert_eq!(
                body_of(app, &path).await,
                "written during the pause",
                "{:?} after Redis answered again",
                answering_again.elapsed()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
