//! The write path wakes itself on the instance that wrote: a commit with events
//! starts the outbox relay, a published round starts the realtime feeder, so an
//! event does not wait for either one's poll.

use std::time::Duration;

use crate::support::{TestSocket, spawn_app_with};

#[tokio::test]
async fn a_comment_reaches_a_socket_long_before_the_relay_would_poll_again() {
    // A relay left to its poll would publish the comment a minute from now.
    let app = spawn_app_with(&[("FOLIO_OUTBOX_POLL_MS", "60000")]).await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Wake up", &[]).await;
    let (mut socket, _) = TestSocket::open(&app, None).await;
    socket.follow(&format!("article:{slug}")).await;
    // The relay has published the article and gone back to waiting.
    tokio::time::sleep(Duration::from_millis(300)).await;

    for n in 0..3 {
        let comment = app.comment(&jake, &slug, &format!("comment {n}")).await;
        let event = socket.next_within(Duration::from_secs(10)).await;
        assert_eq!(event["type"], "comment.created", "{event}");
        assert_eq!(event["data"]["commentId"], comment);
    }
}
