//! Live updates across instances and outages: each instance holds one subscription
//! to the deployment's realtime notices and hands events to its own sockets,
//! whichever instance committed them, and events committed while Redis is
//! unavailable reach sockets once it answers again.

use std::time::Duration;

use crate::support::{PrivateRedis, TestApp, TestSocket, spawn_app, spawn_app_with};

/// Two instances sharing one database and one Redis prefix.
async fn two_instances() -> (TestApp, TestApp) {
    let a = spawn_app().await;
    let b = spawn_app_with(&[
        ("DATABASE_URL", a.database_url()),
        ("FOLIO_REDIS_PREFIX", a.redis_prefix()),
    ])
    .await;
    (a, b)
}

#[tokio::test]
async fn an_event_committed_through_one_instance_reaches_a_socket_on_another() {
    let (a, b) = two_instances().await;
    let jake = a.register("jake").await;
    let slug = a.publish(&jake, "Across instances", &[]).await;
    let (mut on_b, _) = TestSocket::open(&b, None).await;
    on_b.follow(&format!("article:{slug}")).await;

    let comment = a.comment(&jake, &slug, "from A").await;

    let event = on_b.next().await;
    assert_eq!(event["type"], "comment.created", "{event}");
    assert_eq!(event["data"]["commentId"], comment);
    on_b.assert_silent_for(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn events_committed_while_redis_is_paused_reach_sockets_in_order_after() {
    let redis = PrivateRedis::start().await;
    let app = spawn_app_with(&[
        ("REDIS_URL", redis.url.as_str()),
        ("FOLIO_REDIS_TIMEOUT_MS", "200"),
    ])
    .await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Outage live", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket.follow(&format!("article:{slug}")).await;

    redis.pause(2000).await;
    let mut during = Vec::new();
    for n in 0..3 {
        during.push(app.comment(&jake, &slug, &format!("during {n}")).await);
    }

    // The pause, the breaker's cool-down after the failed calls, then the relay
    // and the feeder.
    let mut delivered = Vec::new();
    for _ in &during {
        let event = socket.next_within(Duration::from_secs(15)).await;
        assert_eq!(event["type"], "comment.created", "{event}");
        delivered.push(event["data"]["commentId"].as_i64().expect("a comment id"));
    }
    assert_eq!(delivered, during);
    socket.assert_silent_for(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn a_stopping_instance_closes_its_sockets_as_going_away_and_frees_their_seats() {
    let (a, b) = two_instances().await;
    let jake = a.register("jake").await;
    let mut on_a = Vec::new();
    for _ in 0..10 {
        on_a.push(TestSocket::open(&a, Some(&jake)).await.0);
    }

    a.shut_down().await;
    for socket in &mut on_a {
        assert_eq!(socket.closed_with().await, 1001);
    }

    // Every seat is free at once, not only when its hold (80 s) ends.
    let header = format!("Token {jake}");
    let mut on_b = Vec::new();
    for _ in 0..10 {
        let opened = TestSocket::try_open(&b, &[("Authorization", &header)]).await;
        on_b.push(opened.expect("a seat freed by the stopped instance"));
    }
}
