//! Live updates over `/api/v1/ws`: events committed over HTTP reach subscribed
//! sockets, resume returns exactly what was missed, user channels are private, and
//! whatever a client sends, it gets an answer rather than taking the server down.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestSocket, spawn_app};

/// Enough for an event that should not come to have come.
const QUIET: Duration = Duration::from_millis(400);

fn is_rfc3339_millis_utc(text: &Value) -> bool {
    let text = text.as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        && text.ends_with('Z')
        && text.len() == "2026-12-06T10:00:00.000Z".len()
}

#[tokio::test]
async fn a_comment_posted_over_http_arrives_as_comment_created() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Live thread", &[]).await;
    let (mut socket, welcome) = TestSocket::open(&app, None).await;
    assert!(welcome["data"]["user"].is_null(), "{welcome}");
    assert_eq!(welcome["data"]["heartbeatMs"], 20_000);
    assert!(welcome["data"]["connectionId"].is_string());
    assert!(is_rfc3339_millis_utc(&welcome["ts"]), "{welcome}");

    let channel = format!("article:{slug}");
    let subscribed = socket.subscribe(&channel, None).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    assert_eq!(subscribed["id"], channel.as_str());
    assert_eq!(subscribed["channel"], channel.as_str());
    assert_eq!(subscribed["data"]["lastId"], "0-0");

    let comment = app.comment(&bob, &slug, "first!").await;
    let event = socket.next().await;
    assert_eq!(event["type"], "comment.created", "{event}");
    assert_eq!(event["channel"], channel.as_str());
    assert_eq!(event["data"]["commentId"], comment);
    assert_eq!(event["data"]["slug"], slug.as_str());
    assert!(
        event["id"].as_str().is_some_and(|id| id.contains('-')),
        "{event}"
    );
    assert!(is_rfc3339_millis_utc(&event["ts"]), "{event}");

    let favorite = app
        .post(&format!("/articles/{slug}/favorite"), Some(&bob), json!({}))
        .await;
    assert_eq!(favorite.status, 200, "{}", favorite.text);
    let favorited = socket.next().await;
    assert_eq!(favorited["type"], "article.favorited", "{favorited}");
    assert_eq!(favorited["data"]["favoritesCount"], 1);
}

#[tokio::test]
async fn resuming_after_a_disconnect_returns_exactly_the_missed_events() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Resumable", &[]).await;
    let channel = format!("article:{slug}");
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket.follow(&channel).await;
    app.comment(&jake, &slug, "seen").await;
    let seen = socket.next().await;
    let last_seen = seen["id"].as_str().expect("an event id").to_owned();
    socket.close().await;

    let missed = [
        app.comment(&jake, &slug, "missed one").await,
        app.comment(&jake, &slug, "missed two").await,
    ];
    let (mut socket, _) = TestSocket::open(&app, None).await;
    let subscribed = socket.subscribe(&channel, Some(&last_seen)).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    let replayed = [socket.next().await, socket.next().await];
    assert_eq!(
        replayed
            .iter()
            .map(|e| e["data"]["commentId"].clone())
            .collect::<Vec<_>>(),
        missed.map(Value::from),
    );
    assert!(replayed[0]["id"].as_str() > Some(last_seen.as_str()));

    let live = app.comment(&jake, &slug, "live again").await;
    let next = socket.next().await;
    assert_eq!(next["data"]["commentId"], live, "{next}");
    socket.assert_silent_for(QUIET).await;
}

#[tokio::test]
async fn resuming_from_an_id_the_channel_never_gave_requires_a_resync() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Short memory", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    let reply = socket
        .subscribe(&format!("article:{slug}"), Some("99999999999999-0"))
        .await;
    assert_eq!(reply["type"], "resync_required", "{reply}");
    assert_eq!(reply["data"]["channel"], format!("article:{slug}"));
}

#[tokio::test]
async fn a_user_channel_is_only_for_that_user() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let (mut own, welcome) = TestSocket::open(&app, Some(&jake)).await;
    assert_eq!(welcome["data"]["user"]["username"], "jake");
    own.follow("user:jake").await;

    let refused = own.subscribe("user:bob", None).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["data"]["code"], "forbidden");
    let (mut anonymous, _) = TestSocket::open(&app, None).await;
    let refused = anonymous.subscribe("user:jake", None).await;
    assert_eq!(refused["data"]["code"], "forbidden", "{refused}");

    let followed = app
        .post("/profiles/jake/follow", Some(&bob), json!({}))
        .await;
    assert_eq!(followed.status, 200, "{}", followed.text);
    let event = own.next().await;
    assert_eq!(event["type"], "follower.added", "{event}");
    assert_eq!(event["channel"], "user:jake");
    anonymous.assert_silent_for(QUIET).await;
}

#[tokio::test]
async fn signing_out_closes_the_sessions_sockets() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let (mut header, _) = TestSocket::open(&app, Some(&jake)).await;
    let (mut first_message, _) = TestSocket::open(&app, None).await;
    first_message
        .send(json!({"type": "auth", "data": {"token": jake}}))
        .await;
    assert_eq!(first_message.next().await["type"], "welcome");
    let other = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": "jake@example.com", "password": "correct-horse-42"}}),
        )
        .await;
    let other = other.body["user"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (mut other_session, _) = TestSocket::open(&app, Some(&other)).await;

    let signed_out = app.delete("/sessions/current", Some(&jake)).await;
    assert!(signed_out.status.is_success(), "{}", signed_out.text);

    assert_eq!(header.closed_with().await, 4001);
    assert_eq!(first_message.closed_with().await, 4001);
    other_session.send(json!({"type": "ping"})).await;
    assert_eq!(other_session.next().await["type"], "pong");
}

#[tokio::test]
async fn a_user_may_have_ten_sockets_open() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let mut open = Vec::new();
    for _ in 0..10 {
        open.push(TestSocket::open(&app, Some(&jake)).await.0);
    }
    let header = format!("Token {jake}");
    let eleventh = TestSocket::try_open(&app, &[("Authorization", &header)]).await;
    match eleventh {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
        }
        _ => panic!("an eleventh socket opened"),
    }
    let (mut anonymous, _) = TestSocket::open(&app, None).await;
    anonymous
        .send(json!({"type": "auth", "data": {"token": jake}}))
        .await;
    assert_eq!(anonymous.next().await["data"]["code"], "too_many_sockets");

    open.pop().expect("a socket").close().await;
    let started = std::time::Instant::now();
    while TestSocket::try_open(&app, &[("Authorization", &header)])
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the seat was never freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_socket_may_authenticate_with_its_first_message() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket
        .send(json!({"type": "auth", "id": "a", "data": {"token": jake}}))
        .await;
    let welcome = socket.next().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["data"]["user"]["username"], "jake");
    socket.follow("user:jake").await;

    let again = json!({"type": "auth", "id": "b", "data": {"token": jake}});
    socket.send(again).await;
    assert_eq!(socket.next().await["data"]["code"], "auth_not_allowed");

    let (mut wrong, _) = TestSocket::open(&app, None).await;
    wrong
        .send(json!({"type": "auth", "data": {"token": "not-a-token"}}))
        .await;
    assert_eq!(wrong.next().await["data"]["code"], "unauthorized");
    assert_eq!(
        wrong.subscribe("user:jake", None).await["data"]["code"],
        "forbidden"
    );
}

#[tokio::test]
async fn a_bad_token_or_a_foreign_page_cannot_open_a_socket() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let refused = |result: Result<TestSocket, _>| match result {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the socket opened"),
    };
    let bad = TestSocket::try_open(&app, &[("Authorization", "Token nope")]).await;
    assert_eq!(refused(bad), 401);

    let cookie = format!("__Host-folio_session={jake}");
    let foreign = TestSocket::try_open(
        &app,
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(refused(foreign), 403);

    let own_origin = format!("http://{}", app.address);
    let mut own = TestSocket::try_open(&app, &[("Cookie", &cookie), ("Origin", &own_origin)])
        .await
        .expect("the server's own pages may use the cookie");
    assert_eq!(own.next().await["data"]["user"]["username"], "jake");
}

#[tokio::test]
async fn malformed_and_oversized_messages_get_errors_and_the_socket_stays_up() {
    let app = spawn_app().await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    let mut error_of = async |text: &str| {
        socket.send_text(text).await;
        let reply = socket.next().await;
        assert_eq!(reply["type"], "error", "{reply}");
        reply["data"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(error_of("not json").await, "malformed_message");
    assert_eq!(error_of(r#"{"type":"shout"}"#).await, "unknown_type");
    assert_eq!(
        error_of(r#"{"type":"subscribe","data":{"channel":"room:1"}}"#).await,
        "invalid_channel"
    );
    let after = r#"{"type":"subscribe","data":{"channel":"article:a","after":"yesterday"}}"#;
    assert_eq!(error_of(after).await, "invalid_after");
    let huge = json!({"type": "ping", "data": {"pad": "x".repeat(5 * 1024)}}).to_string();
    assert_eq!(error_of(&huge).await, "message_too_large");
    socket.send_binary(b"\x00\x01").await;
    assert_eq!(socket.next().await["data"]["code"], "malformed_message");

    socket.send(json!({"type": "ping", "id": "p1"})).await;
    let pong = socket.next().await;
    assert_eq!(
        (pong["type"].as_str(), pong["id"].as_str()),
        (Some("pong"), Some("p1"))
    );
    let health = app.get("/articles", None).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn repeated_abuse_closes_the_socket_with_a_policy_violation() {
    let app = spawn_app().await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    for _ in 0..10 {
        socket.send_text("{").await;
    }
    assert_eq!(socket.closed_with().await, 1008);
    let (mut other, _) = TestSocket::open(&app, None).await;
    other.send(json!({"type": "ping"})).await;
    assert_eq!(other.next().await["type"], "pong");
}

#[tokio::test]
async fn a_flood_of_messages_is_refused_then_closed() {
    let app = spawn_app().await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    for _ in 0..150 {
        socket.send(json!({"type": "ping"})).await;
    }
    let mut pongs = 0;
    let mut limited = 0;
    loop {
        let reply = socket.next().await;
        match reply["type"].as_str() {
            Some("pong") => pongs += 1,
            Some("error") if reply["data"]["code"] == "rate_limited" => limited += 1,
            _ => panic!("unexpected {reply}"),
        }
        if limited == 10 {
            break;
        }
    }
    assert!(
        (120..140).contains(&pongs),
        "the burst is answered: {pongs}"
    );
    assert_eq!(socket.closed_with().await, 1008);
}

#[tokio::test]
async fn a_socket_follows_at_most_a_hundred_channels() {
    let app = spawn_app().await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    for n in 0..100 {
        socket.follow(&format!("article:a{n}")).await;
    }
    let refused = socket.subscribe("article:one-too-many", None).await;
    assert_eq!(
        refused["data"]["code"], "too_many_subscriptions",
        "{refused}"
    );
    let unsubscribed = {
        socket
            .send(json!({"type": "unsubscribe", "channel": "article:a0"}))
            .await;
        socket.next().await
    };
    assert_eq!(unsubscribed["type"], "unsubscribed", "{unsubscribed}");
    socket.follow("article:one-too-many").await;
}

#[tokio::test]
async fn a_rolled_back_write_delivers_nothing() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    app.grant_role("jake", "moderator").await;
    let slug = app.publish(&jake, "Moderated live", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket.follow(&format!("article:{slug}")).await;
    let id = app.comment(&bob, &slug, "remove me").await;
    assert_eq!(socket.next().await["data"]["commentId"], id);
    app.refuse_audit_rows("comment_removed").await;

    let removal = app
        .delete(&format!("/articles/{slug}/comments/{id}"), Some(&jake))
        .await;
    removal.assert_problem(500, "internal_error");
    let later = app.comment(&bob, &slug, "still here").await;

    let next = socket.next().await;
    assert_eq!(next["type"], "comment.created", "{next}");
    assert_eq!(next["data"]["commentId"], later);
    socket.assert_silent_for(QUIET).await;
}

#[tokio::test]
async fn shutting_down_closes_sockets_as_going_away() {
    let app = spawn_app().await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket.follow("article:anything").await;

    let (code, ()) = tokio::join!(socket.closed_with(), app.shut_down());

    assert_eq!(code, 1001);
}
