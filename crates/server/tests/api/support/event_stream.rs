//! Reading the event stream an app's outbox relay publishes to in Redis.

use std::time::Duration;

use serde_json::Value;

use super::TestApp;

/// One entry of the event stream: its id, event name and the event's fields.
#[derive(Debug)]
pub struct Published {
    pub id: String,
    pub name: String,
    pub payload: Value,
}

/// The stream's entries; none while Redis does not answer (paused).
pub async fn stream_of(url: &str, key: &str) -> Vec<Published> {
    let Ok(mut connection) = redis::Client::open(url)
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
    else {
        return Vec::new();
    };
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(key)
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    entries
        .into_iter()
        .map(|(id, fields)| {
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(field, _)| field == name)
                    .map(|(_, value)| value.clone())
                    .unwrap_or_default()
            };
            let payload = fields
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            Published {
                id,
                name: field("event"),
                payload: Value::Object(payload),
            }
        })
        .collect()
}

/// The stream once it holds `count` entries (or what it holds after 10 s).
pub async fn published(url: &str, key: &str, count: usize) -> Vec<Published> {
    for _ in 0..200 {
        let entries = stream_of(url, key).await;
        if entries.len() >= count {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stream_of(url, key).await
}

/// Waits (10 s at most) until the content cache's consumers have applied every
/// event `app` committed: the outbox is all published and the consumer group has
/// read and acknowledged the stream's last entry. Their invalidations come after
/// the writer's own; a test that counts cache hits waits for them first.
pub async fn cache_consumers_caught_up(app: &TestApp) {
    let key = events_key(app);
    let client = redis::Client::open(super::redis_url()).expect("a valid URL");
    for _ in 0..200 {
        if unpublished_events(app).await == 0 {
            let mut connection = client
                .get_multiplexed_async_connection()
                .await
                .expect("Redis answers");
            let last: Vec<(String, Vec<(String, String)>)> = redis::cmd("XREVRANGE")
                .arg(&key)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1)
                .query_async(&mut connection)
                .await
                .unwrap_or_default();
            let groups: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap_or_default();
            let caught_up = match last.first() {
                None => true,
                Some((last_id, _)) => groups.iter().any(|group| {
                    let text = |name: &str| match group.get(name) {
                        Some(redis::Value::BulkString(bytes)) => {
                            String::from_utf8_lossy(bytes).into_owned()
                        }
                        Some(redis::Value::Int(number)) => number.to_string(),
                        _ => String::new(),
                    };
                    // The notifier's group reads the same stream; only the cache's counts.
                    text("name") == "content-cache"
                        && text("last-delivered-id") == *last_id
                        && text("pending") == "0"
                }),
            };
            if caught_up {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the content cache's consumers did not catch up within 10 s");
}

/// Committed events not yet in the stream.
pub async fn unpublished_events(app: &TestApp) -> i64 {
    app.database()
        .await
        .query_one(
            "SELECT count(*) FROM outbox WHERE id > (SELECT last_id FROM outbox_relay)",
            &[],
        )
        .await
        .expect("count unpublished events")
        .get(0)
}

/// The key of `app`'s event stream.
pub fn events_key(app: &TestApp) -> String {
    format!("{}events", app.redis_prefix())
}

/// The event names of `entries`, in stream order.
pub fn names(entries: &[Published]) -> Vec<&str> {
    entries.iter().map(|entry| entry.name.as_str()).collect()
}

/// How many events `app`'s outbox holds, published or not.
pub async fn outbox_rows(app: &TestApp) -> i64 {
    app.database()
        .await
        .query_one("SELECT count(*) FROM outbox", &[])
        .await
        .expect("count the outbox")
        .get(0)
}

#[track_caller]
pub fn assert_in_sequence(entries: &[Published]) {
    let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
    let expected: Vec<String> = (1..=entries.len()).map(|n| format!("{n}-0")).collect();
    assert_eq!(ids, expected, "one entry per sequence number, in order");
}
