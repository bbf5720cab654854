//! Stopping the server (SIGTERM, or its handle) in the middle of a burst of writes:
//! every write that was acknowledged is stored, and every event committed with a
//! write is published before the process is done.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, redis_keys, spawn_app};

#[tokio::test]
async fn a_stop_during_a_burst_loses_no_acknowledged_write_and_no_committed_event() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Last words", &[]).await;
    let path = format!("/articles/{slug}/comments");

    let writes = (0..40).map(|n| {
        let (app, jake, path) = (&app, &jake, &path);
        async move {
            tokio::time::sleep(Duration::from_millis(n * 5)).await;
            // Requests refused by the stopping server never reach a handler.
            let sent = app
                .client
                .post(app.url(&format!("/api/v1{path}")))
                .header("Authorization", format!("Token {jake}"))
                .json(&json!({"comment": {"body": format!("comment {n}")}}))
                .send()
                .await;
            match sent {
                Ok(response) => Some(TestApp::read(response).await),
                Err(_) => None,
            }
        }
    });
    let stop = async {
        tokio::time::sleep(Duration::from_millis(60)).await;
        app.shut_down().await;
    };
    let (responses, ()) = tokio::join!(futures_util::future::join_all(writes), stop);

    let acknowledged: Vec<i64> = responses
        .iter()
        .flatten()
        .filter(|response| response.status == StatusCode::OK)
        .filter_map(|response| response.body["comment"]["id"].as_i64())
        .collect();
    assert!(
        !acknowledged.is_empty(),
        "some writes were acknowledged before the stop"
    );
    let database = app.database().await;
    let stored: Vec<i64> = database
        .query("SELECT id FROM comments", &[])
        .await
        .expect("read the comments")
        .iter()
        .map(|row| row.get(0))
        .collect();
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged comment {id} is stored");
    }
    // The relay's last round publishes what was committed, the stop's last writes
    // included.
    let started = Instant::now();
    loop {
        let unpublished: i64 = database
            .query_one(
                "SELECT count(*) FROM outbox WHERE id > (SELECT last_id FROM outbox_relay)",
                &[],
            )
            .await
            .expect("count the outbox")
            .get(0);
        if unpublished == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{unpublished} committed events were never published"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events: i64 = database
        .query_one("SELECT count(*) FROM outbox", &[])
        .await
        .expect("count the outbox")
        .get(0);
    assert_eq!(
        events,
        i64::try_from(stored.len()).unwrap_or(i64::MAX) + 1,
        "one event per stored comment, and the article's"
    );
    let mut redis = redis_keys::connect().await.expect("connect to Redis");
    let streamed: u64 = redis::cmd("XLEN")
        .arg(format!("{}events", app.redis_prefix()))
        .query_async(&mut redis)
        .await
        .expect("measure the stream");
    assert_eq!(i64::try_from(streamed).unwrap_or(i64::MAX), events);
}
