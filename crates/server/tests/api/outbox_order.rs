//! The outbox's order: events go out in id order, an event whose transaction
//! commits late goes out in its place rather than being skipped, nothing waits for a
//! transaction that rolled back, the upgrade to this order keeps every number
//! already given, and the stream keeps events by age.

use std::time::Duration;

use chrono::Utc;
use folio_application::outbox_relay::RelaySettings;
use folio_application::ports::{EventStream, OutboxEvent};
use folio_postgres::run_migrations;
use folio_redis::{RedisEventStream, RedisSettings, RedisStore};

use crate::outbox::relay_with;
use crate::startup::TempDatabase;
use crate::support::event_stream::{
    assert_in_sequence, events_key, names, published, stream_of, unpublished_events,
};
use crate::support::{TestApp, redis_url, spawn_app_with};

const WRITES_ONLY: &[(&str, &str)] = &[("FOLIO_NOTIFIER", "off")];

/// Long enough for several relay rounds (an idle relay polls every 100 ms).
const SEVERAL_ROUNDS: Duration = Duration::from_millis(600);

/// A transaction of the test's own that has inserted an event and stays open.
async fn open_writer(app: &TestApp) -> tokio_postgres::Client {
    let writer = app.database().await;
    writer
        .batch_execute(
            "BEGIN; INSERT INTO outbox (name, payload) VALUES ('test.late', '{\"n\": \"1\"}')",
        )
        .await
        .expect("insert an event and keep the transaction open");
    writer
}

/// An app, its user's token and an article of theirs, once the article's event is
/// in the stream.
async fn app_with_an_article() -> (TestApp, String, String) {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "A thread", &[]).await;
    assert_eq!(published(&redis_url(), &events_key(&app), 1).await.len(), 1);
    (app, jake, slug)
}

/// Waits for `expected.len()` entries, then checks they are numbered in order, are
/// the events named, and leave nothing unpublished.
async fn assert_all_published_in_order(app: &TestApp, expected: &[&str]) {
    let entries = published(&redis_url(), &events_key(app), expected.len()).await;
    assert_in_sequence(&entries);
    assert_eq!(names(&entries), expected);
    assert_eq!(unpublished_events(app).await, 0);
}

#[tokio::test]
async fn an_event_committed_late_goes_out_in_its_place_and_the_later_ones_wait_for_it() {
    let (app, jake, slug) = app_with_an_article().await;

    let late = open_writer(&app).await;
    app.comment(&jake, &slug, "committed first, with a later id")
        .await;
    tokio::time::sleep(SEVERAL_ROUNDS).await;
    assert_eq!(
        names(&stream_of(&redis_url(), &events_key(&app)).await),
        ["article.published"],
        "the comment went out before the open transaction's smaller id was settled"
    );

    late.batch_execute("COMMIT").await.expect("commit");
    assert_all_published_in_order(&app, &["article.published", "test.late", "comment.added"]).await;
}

#[tokio::test]
async fn nothing_waits_for_an_event_whose_transaction_rolled_back() {
    let (app, jake, slug) = app_with_an_article().await;

    let abandoned = open_writer(&app).await;
    app.comment(&jake, &slug, "after an abandoned event").await;
    tokio::time::sleep(SEVERAL_ROUNDS).await;
    assert_eq!(stream_of(&redis_url(), &events_key(&app)).await.len(), 1);
    abandoned
        .batch_execute("ROLLBACK")
        .await
        .expect("roll back");
    app.comment(&jake, &slug, "after the roll-back").await;

    assert_all_published_in_order(
        &app,
        &["article.published", "comment.added", "comment.added"],
    )
    .await;
}

/// The relay row as it stands: last number published, last id published, and the
/// horizon's id.
async fn relay_row(database: &tokio_postgres::Client) -> (i64, i64, i64) {
    let row = database
        .query_one(
            "SELECT last_published, last_id, horizon_id FROM outbox_relay",
            &[],
        )
        .await
        .expect("read the relay row");
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn the_upgrade_keeps_the_numbers_given_and_publishes_the_rest_in_their_order() {
    let database = TempDatabase::new("outbox_upgrade").await;
    run_migrations(&database.url).await.expect("migrate");
    let migration = "../../migrations/2026-12-09-000001_outbox_order_by_id";
    let read = |script: &str| {
        let path = format!("{migration}/{script}");
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"))
    };
    let client = database.connect().await;
    client.batch_execute(&read("down.sql")).await.expect("down");
    // Under the old relay, ids 1 to 6 were inserted; 2, 1 and 3 committed in that
    // order and were numbered and published; 5 was numbered, not yet published;
    // 4 and 6 were not numbered yet.
    client
        .batch_execute(
            "INSERT INTO outbox (name, payload, sequence) VALUES \
             ('e1', '{}', 2), ('e2', '{}', 1), ('e3', '{}', 3), \
             ('e4', '{}', NULL), ('e5', '{}', 4), ('e6', '{}', NULL); \
             UPDATE outbox_relay SET last_sequence = 4, last_published = 3;",
        )
        .await
        .expect("the old relay's state");

    client.batch_execute(&read("up.sql")).await.expect("up");

    let order: Vec<String> = client
        .query("SELECT name FROM outbox ORDER BY id", &[])
        .await
        .expect("read the outbox")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(order, ["e2", "e1", "e3", "e5", "e4", "e6"]);
    assert_eq!(relay_row(&client).await, (3, 3, 3));
    let next_id: i64 = client
        .query_one("SELECT nextval('outbox_id_seq')", &[])
        .await
        .expect("take an id")
        .get(0);
    assert!(next_id > 6, "new ids follow the old ones: {next_id}");

    let prefix = format!("test:upgrade:{}:", uuid::Uuid::new_v4().simple());
    let relay = relay_with(
        &database.url,
        &redis_url(),
        &prefix,
        RelaySettings::default(),
    )
    .await;
    let round = relay.relay_once().await.expect("a round");
    assert_eq!(round.published, 3);
    let entries = stream_of(&redis_url(), &format!("{prefix}events")).await;
    let published: Vec<(&str, &str)> = entries
        .iter()
        .map(|entry| (entry.id.as_str(), entry.name.as_str()))
        .collect();
    assert_eq!(published, [("4-0", "e5"), ("5-0", "e4"), ("6-0", "e6")]);
    // The id taken above was never used, as if its transaction had rolled back:
    // the relay goes past it.
    assert_eq!(relay_row(&client).await, (6, next_id, next_id));
    let mut redis = crate::support::redis_keys::connect()
        .await
        .expect("connect to Redis");
    let _: () = redis::cmd("DEL")
        .arg(format!("{prefix}events"))
        .query_async(&mut redis)
        .await
        .expect("remove the stream");
}

fn event(sequence: u64, minutes_ago: i64) -> OutboxEvent {
    OutboxEvent {
        sequence,
        name: "test.aged".to_owned(),
        fields: Vec::new(),
        occurred_at: Utc::now() - chrono::Duration::minutes(minutes_ago),
    }
}

#[tokio::test]
async fn the_stream_drops_the_events_older_than_its_age_limit() {
    let prefix = format!("test:aged:{}:", uuid::Uuid::new_v4().simple());
    let store = RedisStore::connect_lazily(&RedisSettings {
        url: redis_url(),
        key_prefix: prefix.clone(),
        timeout: Duration::from_secs(2),
    })
    .expect("a valid Redis URL");
    let stream = RedisEventStream::new(store);
    let key = format!("{prefix}events");
    let remaining = || async { stream_of(&redis_url(), &key).await.len() };
    // Times follow the numbers closely, not exactly: 7 occurred a little before 6.
    let ages = [300, 250, 200, 130, 121, 118, 119, 60, 30, 1];
    let events: Vec<OutboxEvent> = (1..).zip(ages).map(|(n, age)| event(n, age)).collect();
    assert_eq!(stream.append(&events).await.expect("append"), 10);

    stream
        .trim(1000, Utc::now() - chrono::Duration::minutes(400))
        .await
        .expect("trim");
    assert_eq!(remaining().await, 10, "none is older than 400 minutes");

    stream
        .trim(1000, Utc::now() - chrono::Duration::minutes(120))
        .await
        .expect("trim");
    let kept: Vec<String> = stream_of(&redis_url(), &key)
        .await
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    assert_eq!(kept, ["6-0", "7-0", "8-0", "9-0", "10-0"]);

    stream
        .trim(1000, Utc::now() + chrono::Duration::minutes(1))
        .await
        .expect("trim");
    assert_eq!(remaining().await, 0, "every event is older than that");

    stream
        .trim(1000, Utc::now())
        .await
        .expect("an empty stream trims");
}
