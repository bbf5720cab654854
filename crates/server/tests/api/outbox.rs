//! The transactional outbox end to end: events commit with their changes, the relay
//! publishes each once, in order, to the event stream in Redis, and nothing rolled
//! back is ever published.

use std::time::Duration;

use folio_application::outbox_relay::{OutboxRelay, RelaySettings};
use folio_application::ports::Clock;
use folio_domain::Timestamp;
use folio_postgres::{Database, DatabaseSettings, PgOutboxStore};
use folio_redis::{RedisEventStream, RedisSettings, RedisStore};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::event_stream::{
    Published, assert_in_sequence, events_key, names, outbox_rows, published, stream_of,
    unpublished_events,
};
use crate::support::{PrivateRedis, TestApp, redis_keys, redis_url, spawn_app_with};

/// Without the notifier, whose `notification.created` events would interleave with
/// the writes' own.
const WRITES_ONLY: &[(&str, &str)] = &[("FOLIO_NOTIFIER", "off")];

fn comment_of(entry: &Published) -> i64 {
    entry.payload["comment"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn committed_comments_are_published_once_in_commit_order() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.comment(&jake, &slug, &format!("comment {n}")).await);
    }
    let deleted = app
        .delete(
            &format!("/articles/{slug}/comments/{}", ids[0]),
            Some(&jake),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    let entries = published(&redis_url(), &events_key(&app), 7).await;

    assert_in_sequence(&entries);
    assert_eq!(
        names(&entries),
        [
            "article.published",
            "comment.added",
            "comment.added",
            "comment.added",
            "comment.added",
            "comment.added",
            "comment.deleted"
        ]
    );
    assert_eq!(entries[0].payload["slug"], slug.as_str());
    let commented: Vec<i64> = entries.iter().skip(1).take(5).map(comment_of).collect();
    assert_eq!(commented, ids);
    assert_eq!(comment_of(&entries[6]), ids[0]);
    assert_eq!(entries[6].payload["slug"], slug.as_str());
    assert_eq!(unpublished_events(&app).await, 0);
}

#[tokio::test]
async fn a_change_whose_audit_row_fails_is_rolled_back_and_publishes_nothing() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    app.grant_role("jake", "moderator").await;
    let slug = app.publish(&jake, "Moderated thread", &[]).await;
    let id = app.comment(&bob, &slug, "remove me").await;
    app.refuse_audit_rows("comment_removed").await;

    let removal = app
        .delete(&format!("/articles/{slug}/comments/{id}"), Some(&jake))
        .await;

    removal.assert_problem(500, "internal_error");
    let comments = app.get(&format!("/articles/{slug}/comments"), None).await;
    assert_eq!(comments.body["comments"][0]["id"], id, "{}", comments.text);
    let entries = published(&redis_url(), &events_key(&app), 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let entries_later = stream_of(&redis_url(), &events_key(&app)).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        names(&entries_later),
        ["article.published", "comment.added"]
    );
    assert_eq!(outbox_rows(&app).await, 2);
}

#[tokio::test]
async fn a_comment_whose_event_cannot_be_stored_is_not_stored_either() {
    // One connection, which has prepared the comment's statements and the outbox
    // insert before the measured write: nothing then delays them. The comment
    // goes out with the transaction's BEGIN, the outbox row with its COMMIT; had
    // the comment gone before BEGIN, or COMMIT before the outbox row, the comment
    // would have been committed.
    let app = spawn_app_with(&[("FOLIO_NOTIFIER", "off"), ("FOLIO_DB_POOL_SIZE", "1")]).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Quiet thread", &[]).await;
    let first = app.comment(&jake, &slug, "stored").await;
    refuse_events_named(&app, "comment.added").await;

    let posted = app
        .post(
            &format!("/articles/{slug}/comments"),
            Some(&jake),
            json!({"comment": {"body": "never stored"}}),
        )
        .await;

    posted.assert_problem(500, "internal_error");
    let comments = app.get(&format!("/articles/{slug}/comments"), None).await;
    assert_eq!(comments.body["comments"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        comments.body["comments"][0]["id"], first,
        "{}",
        comments.text
    );
    assert_eq!(rows_in(&app, "comments").await, 1);
}

#[tokio::test]
async fn the_first_event_a_connection_stores_is_refused_with_its_change() {
    // One connection that has not stored an event yet: its outbox insert is
    // prepared first, in a round trip of its own, and must still run before
    // `COMMIT`.
    let app = spawn_app_with(&[("FOLIO_NOTIFIER", "off"), ("FOLIO_DB_POOL_SIZE", "1")]).await;
    let jake = app.register("jake").await;
    refuse_events_named(&app, "article.published").await;

    let posted = app
        .post(
            "/articles",
            Some(&jake),
            json!({"article": {"title": "Never kept", "description": "d", "body": "b"}}),
        )
        .await;

    posted.assert_problem(500, "internal_error");
    assert_eq!(rows_in(&app, "articles").await, 0);
    assert_eq!(outbox_rows(&app).await, 0);
}

/// Makes storing an event of this name fail, as a full disk or a bug would.
async fn refuse_events_named(app: &TestApp, name: &str) {
    app.database()
        .await
        .batch_execute(&format!(
            "ALTER TABLE outbox ADD CONSTRAINT refuse_event \
             CHECK (name <> '{name}') NOT VALID"
        ))
        .await
        .expect("make the event fail");
}

async fn rows_in(app: &TestApp, table: &str) -> i64 {
    app.database()
        .await
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .expect("count rows")
        .get(0)
}

pub(crate) struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

async fn relay_for(
    database_url: &str,
    redis: &str,
    prefix: &str,
) -> OutboxRelay<PgOutboxStore, RedisEventStream, WallClock> {
    let settings = RelaySettings {
        batch: 7,
        idle_poll: Duration::from_millis(5),
        ..RelaySettings::default()
    };
    relay_with(database_url, redis, prefix, settings).await
}

pub(crate) async fn relay_with(
    database_url: &str,
    redis: &str,
    prefix: &str,
    settings: RelaySettings,
) -> OutboxRelay<PgOutboxStore, RedisEventStream, WallClock> {
    let database = Database::connect(&DatabaseSettings {
        url: database_url.to_owned(),
        pool_size: 2,
        timeout: Duration::from_secs(5),
        slow_query: Duration::from_secs(5),
        statement_timeout: None,
    })
    .await
    .expect("connect to the test database");
    let store = RedisStore::connect_lazily(&RedisSettings {
        url: redis.to_owned(),
        key_prefix: prefix.to_owned(),
        timeout: Duration::from_millis(500),
    })
    .expect("a valid Redis URL");
    OutboxRelay::new(
        PgOutboxStore::new(database),
        RedisEventStream::new(store),
        WallClock,
        settings,
    )
}

#[tokio::test]
async fn retention_deletes_published_events_and_numbering_goes_on_after_them() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Kept for a while", &[]).await;
    app.comment(&jake, &slug, "before the clean-up").await;
    assert_eq!(published(&redis_url(), &events_key(&app), 2).await.len(), 2);
    let settings = RelaySettings {
        retention: Duration::ZERO,
        ..RelaySettings::default()
    };
    let relay = relay_with(
        app.database_url(),
        &redis_url(),
        app.redis_prefix(),
        settings,
    )
    .await;

    let removed = relay.clean_up().await.expect("clean-up runs");

    assert_eq!(
        removed, 2,
        "both published events were past a retention of 0"
    );
    assert_eq!(outbox_rows(&app).await, 0);
    app.comment(&jake, &slug, "after the clean-up").await;
    let entries = published(&redis_url(), &events_key(&app), 3).await;
    assert_eq!(
        entries
            .iter()
            .map(|entry| entry.id.as_str())
            .collect::<Vec<_>>(),
        ["1-0", "2-0", "3-0"]
    );
}

#[tokio::test]
async fn three_relays_publish_every_event_exactly_once_in_order() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Crowded thread", &[]).await;
    let first = relay_for(app.database_url(), &redis_url(), app.redis_prefix()).await;
    let second = relay_for(app.database_url(), &redis_url(), app.redis_prefix()).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };

    let writes = async {
        let bodies: Vec<String> = (0..60).map(|n| format!("comment {n}")).collect();
        let posts = bodies.iter().map(|body| app.comment(&jake, &slug, body));
        let ids = futures_util::future::join_all(posts).await;
        let _ = stop.send(true);
        ids
    };
    let (mut ids, (), ()) = tokio::join!(
        writes,
        first.run(until_stopped(stopped.clone())),
        second.run(until_stopped(stopped.clone())),
    );

    let entries = published(&redis_url(), &events_key(&app), 61).await;
    assert_eq!(entries.len(), 61);
    assert_in_sequence(&entries);
    let mut seen: Vec<i64> = entries.iter().skip(1).map(comment_of).collect();
    seen.sort_unstable();
    ids.sort_unstable();
    assert_eq!(seen, ids, "every comment once");
    assert_eq!(unpublished_events(&app).await, 0);
}

#[tokio::test]
async fn events_committed_while_redis_is_paused_are_published_in_order_after() {
    let redis = PrivateRedis::start().await;
    let app = spawn_app_with(&[
        ("FOLIO_NOTIFIER", "off"),
        ("REDIS_URL", redis.url.as_str()),
        ("FOLIO_REDIS_TIMEOUT_MS", "200"),
    ])
    .await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Outage thread", &[]).await;
    app.comment(&jake, &slug, "before").await;
    assert_eq!(published(&redis.url, &events_key(&app), 2).await.len(), 2);

    redis.pause(3000).await;
    let mut during = Vec::new();
    for n in 0..5 {
        during.push(app.comment(&jake, &slug, &format!("during {n}")).await);
    }
    assert!(
        unpublished_events(&app).await > 0,
        "Redis answered during its pause"
    );

    let entries = published(&redis.url, &events_key(&app), 7).await;

    assert_in_sequence(&entries);
    let commented: Vec<i64> = entries.iter().skip(2).map(comment_of).collect();
    assert_eq!(commented, during);
    assert_eq!(unpublished_events(&app).await, 0);
    // The keys of the shared Redis are untouched by this test.
    let mut shared = redis_keys::connect().await.expect("connect to Redis");
    let leaked = redis_keys::matching(&mut shared, &format!("{}*", app.redis_prefix()))
        .await
        .expect("list keys");
    assert!(leaked.is_empty(), "{leaked:?}");
}

#[tokio::test]
async fn article_changes_are_published_with_what_consumers_need() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    let slug = app.publish(&jake, "First title", &[]).await;
    let favorite = format!("/articles/{slug}/favorite");
    for _ in 0..2 {
        // The second favorite changes nothing and publishes nothing.
        let response = app.post(&favorite, Some(&ann), serde_json::json!({})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }
    let response = app.delete(&favorite, Some(&ann)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let renamed = app
        .put(
            &format!("/articles/{slug}"),
            Some(&jake),
            serde_json::json!({"article": {"title": "Second title"}}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let new_slug = renamed.body["article"]["slug"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let deleted = app
        .delete(&format!("/articles/{new_slug}"), Some(&jake))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    let entries = published(&redis_url(), &events_key(&app), 5).await;

    assert_in_sequence(&entries);
    assert_eq!(
        names(&entries),
        [
            "article.published",
            "article.favorited",
            "article.unfavorited",
            "article.edited",
            "article.deleted"
        ]
    );
    assert_eq!(entries[1].payload["favoritesCount"], "1");
    assert_eq!(entries[2].payload["favoritesCount"], "0");
    assert_eq!(entries[3].payload["previousSlug"], slug.as_str());
    assert_eq!(entries[3].payload["slug"], new_slug.as_str());
    assert_eq!(entries[4].payload["slug"], new_slug.as_str());
}
