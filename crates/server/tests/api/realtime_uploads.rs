//! The end of an upload's processing reaches its owner's channel, with the
//! notification that tells of it, and no one else's.

use std::time::Duration;

use crate::support::uploads::png;
use crate::support::{TestSocket, spawn_app_with};

#[tokio::test]
async fn a_processed_upload_is_announced_to_its_owner_only() {
    let app = spawn_app_with(&[("FOLIO_JOB_POLL_MS", "50")]).await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    let (mut jakes, _) = TestSocket::open(&app, Some(&jake)).await;
    jakes.follow("user:jake").await;
    let (mut bobs, _) = TestSocket::open(&app, Some(&bob)).await;
    bobs.follow("user:bob").await;

    let response = app.upload(Some(&jake), "cat.png", &png(64, 48)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.body["upload"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let ready = jakes.next_within(Duration::from_secs(20)).await;
    assert_eq!(ready["type"], "upload.ready", "{ready}");
    assert_eq!(ready["channel"], "user:jake");
    assert_eq!(ready["data"]["uploadId"], id.as_str());
    let notified = jakes.next().await;
    assert_eq!(notified["type"], "notification.created", "{notified}");
    assert_eq!(notified["data"]["notificationType"], "upload.ready");
    assert_eq!(app.settled_upload(&jake, &id).await["status"], "ready");

    let listed = app.get("/notifications", Some(&jake)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let notification = &listed.body["notifications"][0];
    assert_eq!(notification["type"], "upload.ready", "{}", listed.text);
    assert_eq!(notification["uploadId"], id.as_str());
    assert!(notification["actor"].is_null());
    bobs.assert_silent_for(Duration::from_millis(400)).await;
}
