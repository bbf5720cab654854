//! Sockets end with their session: one whose session expires by time, and those of
//! an account that is suspended, are closed with 4001 within seconds.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::support::{TestSocket, spawn_app};

#[tokio::test]
async fn a_socket_closes_when_its_session_expires() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let statement = "UPDATE sessions SET expires_at = now() + interval '2 seconds' \
                     WHERE token_hash = sha256(convert_to($1, 'UTF8'))";
    let changed = app
        .database()
        .await
        .execute(statement, &[&jake])
        .await
        .expect("update the session");
    assert_eq!(changed, 1);
    app.forget_cached_sessions().await;

    let opened = Instant::now();
    let (mut socket, _) = TestSocket::open(&app, Some(&jake)).await;
    socket.send(json!({"type": "ping"})).await;
    assert_eq!(socket.next().await["type"], "pong");

    assert_eq!(socket.closed_with().await, 4001);
    let lived = opened.elapsed();
    assert!(
        lived >= Duration::from_millis(1500),
        "closed early: {lived:?}"
    );
    assert!(lived < Duration::from_secs(7), "closed late: {lived:?}");
}

#[tokio::test]
async fn the_sockets_of_a_suspended_account_close() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    app.grant_role("admin", "admin").await;
    let jake = app.register("jake").await;
    let (mut suspended, _) = TestSocket::open(&app, Some(&jake)).await;
    let (mut first_message, _) = TestSocket::open(&app, None).await;
    first_message
        .send(json!({"type": "auth", "data": {"token": jake}}))
        .await;
    assert_eq!(first_message.next().await["type"], "welcome");
    let (mut bystander, _) = TestSocket::open(&app, Some(&admin)).await;

    let response = app
        .send(
            Method::POST,
            "/admin/users/jake/suspension",
            Some(&admin),
            None,
        )
        .await;
    assert!(response.status.is_success(), "{}", response.text);

    assert_eq!(suspended.closed_with().await, 4001);
    assert_eq!(first_message.closed_with().await, 4001);
    bystander.send(json!({"type": "ping"})).await;
    assert_eq!(bystander.next().await["type"], "pong");
    // And a suspended account cannot open another.
    assert!(
        TestSocket::try_open(&app, &[("Authorization", &format!("Token {jake}"))])
            .await
            .is_err()
    );
}
