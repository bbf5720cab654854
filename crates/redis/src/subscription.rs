//! Reading a dedicated pub/sub connection, for as long as it is alive.

use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSub;

/// Hands each message's text to `handle` until the connection ends, stops
/// answering a ping within `ping_every` (a silently dead connection), or `handle`
/// returns `false`.
pub(crate) async fn receive(
    pubsub: PubSub,
    ping_every: Duration,
    mut handle: impl FnMut(&str) -> bool,
) {
    let (mut sink, mut messages) = pubsub.split();
    let mut pings = tokio::time::interval(ping_every);
    pings.tick().await;
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { return };
                let Ok(payload) = message.get_payload::<String>() else { continue };
                if !handle(&payload) {
                    return;
                }
            }
            _ = pings.tick() => {
                let answered = tokio::time::timeout(ping_every, sink.ping::<redis::Value>()).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}
