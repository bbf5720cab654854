//! Notifications: made from committed events by the notifier (so they appear a few
//! milliseconds after the change), listed newest first a page at a time, counted
//! and marked read; each user sees and changes only their own, nobody is told of
//! their own doing, an event handled again notifies nobody twice, and old ones are
//! purged.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, TestSocket, redis_keys, spawn_app, spawn_app_with};

/// `token`'s unread count once it is `expected` (the notifier runs after the
/// commit), or a failed test after 10 s.
async fn unread_becomes(app: &TestApp, token: &str, expected: u64) {
    let mut last = Value::Null;
    for _ in 0..200 {
        let response = app.get("/notifications/unread-count", Some(token)).await;
        assert_eq!(response.status, 200, "{}", response.text);
        last = response.body["unreadCount"].clone();
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the unread count stayed at {last}, not {expected}");
}

async fn notifications(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .get(&format!("/notifications{query}"), Some(token))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

fn kinds(page: &Value) -> Vec<&str> {
    page["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["type"].as_str().expect("a type"))
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["id"].as_i64().expect("an id"))
        .collect()
}

async fn mark_read(app: &TestApp, token: &str, body: Value) -> u64 {
    let response = app.post("/notifications/read", Some(token), body).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["unreadCount"].as_u64().expect("a count")
}

#[tokio::test]
async fn follows_favorites_and_comments_notify_the_author_newest_first() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Dragons", &[]).await;

    app.follow(&bob, "jake").await;
    app.favorite(&bob, &slug).await;
    let comment = app.comment(&bob, &slug, "lovely").await;
    unread_becomes(&app, &jake, 3).await;

    let page = notifications(&app, &jake, "").await;
    assert_eq!(
        kinds(&page),
        ["article.commented", "article.favorited", "profile.followed"],
        "{page}"
    );
    assert!(page.get("nextCursor").is_none(), "{page}");
    let newest = &page["notifications"][0];
    assert_eq!(newest["read"], false);
    assert_eq!(newest["actor"]["username"], "bob");
    assert!(newest["actor"]["image"].is_null());
    assert_eq!(newest["article"], json!({"slug": slug, "title": "Dragons"}));
    assert_eq!(newest["commentId"], comment);
    assert!(newest["uploadId"].is_null());
    let created = newest["createdAt"].as_str().unwrap_or_default();
    assert!(created.ends_with('Z') && created.contains('.'), "{created}");
    let followed = &page["notifications"][2];
    assert!(followed["article"].is_null() && followed["commentId"].is_null());
    // Bob did everything; nothing is his to be told.
    unread_becomes(&app, &bob, 0).await;
}

#[tokio::test]
async fn nobody_is_notified_of_their_own_doing() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Mine", &[]).await;
    app.favorite(&jake, &slug).await;
    app.comment(&jake, &slug, "talking to myself").await;
    // Handled after jake's own, in order: once it is counted, they were too.
    app.follow(&bob, "jake").await;

    unread_becomes(&app, &jake, 1).await;
    assert_eq!(
        kinds(&notifications(&app, &jake, "").await),
        ["profile.followed"]
    );
}

#[tokio::test]
async fn pages_follow_the_cursor_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Chatty", &[]).await;
    for n in 0..5 {
        app.comment(&bob, &slug, &format!("comment {n}")).await;
    }
    unread_becomes(&app, &jake, 5).await;
    let all = ids(&notifications(&app, &jake, "").await);

    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = notifications(&app, &jake, &query).await;
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert!(seen.windows(2).all(|pair| pair[0] > pair[1]), "{seen:?}");

    for query in ["?cursor=garbage", "?limit=0"] {
        app.get(&format!("/notifications{query}"), Some(&jake))
            .await
            .assert_problem(422, "validation_failed");
    }
}

#[tokio::test]
async fn another_users_notifications_are_invisible_and_cannot_be_marked() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&bob, "jake").await;
    app.follow(&carol, "jake").await;
    unread_becomes(&app, &jake, 2).await;
    let jakes = ids(&notifications(&app, &jake, "").await);

    assert!(ids(&notifications(&app, &bob, "").await).is_empty());
    assert_eq!(mark_read(&app, &bob, json!({"ids": jakes})).await, 0);
    assert_eq!(mark_read(&app, &bob, json!({"all": true})).await, 0);
    unread_becomes(&app, &jake, 2).await;

    assert_eq!(mark_read(&app, &jake, json!({"ids": [jakes[0]]})).await, 1);
    let page = notifications(&app, &jake, "").await;
    let read: Vec<_> = page["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["read"].clone())
        .collect();
    assert_eq!(read, [json!(true), json!(false)]);
    // Marking again changes nothing.
    assert_eq!(mark_read(&app, &jake, json!({"ids": [jakes[0]]})).await, 1);
    assert_eq!(mark_read(&app, &jake, json!({"all": true})).await, 0);
}

#[tokio::test]
async fn bad_read_requests_are_refused() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for body in [
        json!({}),
        json!({"all": false}),
        json!({"ids": []}),
        json!({"ids": [0]}),
        json!({"ids": [1], "all": true}),
        json!({"ids": ["one"]}),
        json!({"ids": 1}),
        json!({"everything": true}),
        json!({"ids": (1..=101).collect::<Vec<i64>>()}),
    ] {
        let response = app
            .post("/notifications/read", Some(&jake), body.clone())
            .await;
        response.assert_problem(422, "validation_failed");
        assert!(
            response.body["errors"].is_object(),
            "{body}: {}",
            response.text
        );
    }
    for (method_path, response) in [
        ("GET /notifications", app.get("/notifications", None).await),
        (
            "GET /notifications/unread-count",
            app.get("/notifications/unread-count", None).await,
        ),
        (
            "POST /notifications/read",
            app.post("/notifications/read", None, json!({"all": true}))
                .await,
        ),
    ] {
        assert_eq!(response.status, 401, "{method_path}: {}", response.text);
    }
}

#[tokio::test]
async fn an_event_handled_again_notifies_nobody_twice() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let slug = app.publish(&jake, "Once", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, Some(&jake)).await;
    socket.follow("user:jake").await;
    app.follow(&bob, "jake").await;
    app.comment(&bob, &slug, "hello").await;
    unread_becomes(&app, &jake, 2).await;
    let announced = [
        socket.next().await,
        socket.next().await,
        socket.next().await,
    ];
    assert_eq!(
        announced
            .iter()
            .map(|m| m["type"].clone())
            .collect::<Vec<_>>(),
        [
            "follower.added",
            "notification.created",
            "notification.created"
        ]
    );

    // The notifier's group reads the whole event stream again, as after a crash
    // before its acknowledgements.
    let mut redis = redis_keys::connect().await.expect("Redis answers");
    let _: () = redis::cmd("XGROUP")
        .arg("SETID")
        .arg(format!("{}events", app.redis_prefix()))
        .arg("notifications")
        .arg("0")
        .query_async(&mut redis)
        .await
        .expect("the group is moved back");
    // Handled after the replayed ones: once it is counted, they were too.
    app.follow(&carol, "jake").await;
    unread_becomes(&app, &jake, 3).await;

    assert_eq!(ids(&notifications(&app, &jake, "").await).len(), 3);
    // Carol's follow is announced twice (as a follower, and as a notification);
    // nothing handled again is.
    let first = socket.next().await;
    let second = socket.next().await;
    assert_eq!(
        [&first["type"], &second["type"]],
        ["follower.added", "notification.created"]
    );
    socket.assert_silent_for(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn a_notification_is_announced_on_its_recipients_channel_only() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Announced", &[]).await;
    let (mut jakes, _) = TestSocket::open(&app, Some(&jake)).await;
    jakes.follow("user:jake").await;
    let (mut bobs, _) = TestSocket::open(&app, Some(&bob)).await;
    bobs.follow("user:bob").await;

    app.comment(&bob, &slug, "psst").await;

    let event = jakes.next().await;
    assert_eq!(event["type"], "notification.created", "{event}");
    assert_eq!(event["channel"], "user:jake");
    assert_eq!(event["data"]["notificationType"], "article.commented");
    let listed = notifications(&app, &jake, "").await;
    assert_eq!(
        event["data"]["notificationId"],
        listed["notifications"][0]["id"]
    );
    bobs.assert_silent_for(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn notifications_past_the_retention_are_purged_by_the_recurring_job() {
    let app = spawn_app_with(&[
        ("FOLIO_NOTIFICATION_RETENTION_DAYS", "1"),
        ("FOLIO_NOTIFICATION_PURGE_EVERY_SECONDS", "1"),
    ])
    .await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Kept or not", &[]).await;
    app.follow(&bob, "jake").await;
    app.favorite(&bob, &slug).await;
    unread_becomes(&app, &jake, 2).await;
    app.database()
        .await
        .execute(
            "UPDATE notifications SET created_at = now() - interval '2 days' \
             WHERE kind = 'profile.followed'",
            &[],
        )
        .await
        .expect("age a notification");

    unread_becomes(&app, &jake, 1).await;
    assert_eq!(
        kinds(&notifications(&app, &jake, "").await),
        ["article.favorited"]
    );
}
