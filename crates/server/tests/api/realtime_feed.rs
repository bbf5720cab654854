//! The `feed` channel: the articles of the authors the user follows, as they are
//! published, edited and deleted; for signed-in sockets only; following and
//! unfollowing take effect on open sockets; resume returns exactly the missed
//! articles of followed authors.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::support::{TestApp, TestSocket, spawn_app};

/// Enough for an event that should not come to have come.
const QUIET: Duration = Duration::from_millis(400);

async fn unfollow(app: &TestApp, token: &str, username: &str) {
    let response = app
        .send(
            Method::DELETE,
            &format!("/profiles/{username}/follow"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// Three users' tokens: jake, who follows bob, and carol, whom nobody follows.
async fn jake_following_bob_but_not_carol(app: &TestApp) -> (String, String, String) {
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&jake, "bob").await;
    (jake, bob, carol)
}

#[tokio::test]
async fn the_feed_carries_the_articles_of_followed_authors_only() {
    let app = spawn_app().await;
    let (jake, bob, carol) = jake_following_bob_but_not_carol(&app).await;
    let (mut socket, _) = TestSocket::open(&app, Some(&jake)).await;
    let subscribed = socket.subscribe("feed", None).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    assert_eq!(subscribed["channel"], "feed");

    app.publish(&carol, "Not followed", &[]).await;
    let slug = app.publish(&bob, "Followed", &[]).await;
    let created = socket.next().await;
    assert_eq!(created["type"], "article.created", "{created}");
    assert_eq!(created["channel"], "feed");
    assert_eq!(created["data"]["slug"], slug.as_str());
    assert!(created["data"]["authorId"].is_string(), "{created}");

    let edited = app
        .put(
            &format!("/articles/{slug}"),
            Some(&bob),
            json!({"article": {"body": "better"}}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let updated = socket.next().await;
    assert_eq!(updated["type"], "article.updated", "{updated}");
    assert_eq!(updated["data"]["slug"], slug.as_str());
    socket.assert_silent_for(QUIET).await;

    // Follows made and undone while the socket is open count from then on.
    app.follow(&jake, "carol").await;
    unfollow(&app, &jake, "bob").await;
    app.publish(&bob, "No longer followed", &[]).await;
    let carols = app.publish(&carol, "Now followed", &[]).await;
    let next = socket.next().await;
    assert_eq!(next["data"]["slug"], carols.as_str(), "{next}");
    socket.assert_silent_for(QUIET).await;
}

#[tokio::test]
async fn an_anonymous_socket_may_not_follow_the_feed() {
    let app = spawn_app().await;
    let bob = app.register("bob").await;
    let (mut socket, _) = TestSocket::open(&app, None).await;

    let refused = socket.subscribe("feed", None).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["data"]["code"], "unauthorized");
    assert_eq!(refused["id"], "feed");

    app.publish(&bob, "Unseen", &[]).await;
    socket.assert_silent_for(QUIET).await;
}

#[tokio::test]
async fn the_feed_resumes_with_exactly_the_missed_articles_of_followed_authors() {
    let app = spawn_app().await;
    let (jake, bob, carol) = jake_following_bob_but_not_carol(&app).await;
    let (mut socket, _) = TestSocket::open(&app, Some(&jake)).await;
    socket.follow("feed").await;
    app.publish(&bob, "Seen", &[]).await;
    let seen = socket.next().await;
    let last_seen = seen["id"].as_str().expect("an event id").to_owned();
    socket.close().await;

    let missed = app.publish(&bob, "Missed", &[]).await;
    app.publish(&carol, "Never followed", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, Some(&jake)).await;
    let subscribed = socket.subscribe("feed", Some(&last_seen)).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    let replayed = socket.next().await;
    assert_eq!(replayed["data"]["slug"], missed.as_str(), "{replayed}");
    socket.assert_silent_for(QUIET).await;

    let live = app.publish(&bob, "Live", &[]).await;
    assert_eq!(socket.next().await["data"]["slug"], live.as_str());
}
