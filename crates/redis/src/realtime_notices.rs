//! The instance's one subscription to the realtime notices, handed to the hub that
//! fans them out to local sockets. After (re)subscribing it first catches up the
//! channels local sockets follow from their streams, so events announced while the
//! subscription was down are not lost to them (sockets drop what they already have).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use folio_application::ports::{ChannelStream, Replay};
use folio_application::realtime::Hub;
use redis::aio::PubSub;

use super::RedisStore;
use super::channel_stream::{RedisChannelStream, notices_channel};
use super::{realtime_codec, subscription};

/// How often the subscription is checked for a silently dead connection.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long to wait before subscribing again after losing the channel.
const RETRY_AFTER: Duration = Duration::from_millis(500);
/// Events read per call while catching up.
const CATCH_UP_PAGE: u32 = 500;

#[derive(Clone)]
pub struct RedisRealtimeNotices {
    store: RedisStore,
    channels: RedisChannelStream,
    notices: String,
}

impl RedisRealtimeNotices {
    pub fn new(store: RedisStore, channels: RedisChannelStream) -> Self {
        Self {
            notices: notices_channel(&store),
            store,
            channels,
        }
    }

    /// Delivers notices to `hub` until `stop` completes, subscribing again whenever
    /// the subscription is lost.
    pub async fn follow(&self, hub: Arc<Hub>, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let following = async {
                match self.store.subscribe(&self.notices).await {
                    Ok(pubsub) => {
                        tracing::debug!(channel = %self.notices, "following realtime notices");
                        self.catch_up(&hub).await;
                        relay(pubsub, &hub).await;
                        tracing::warn!("lost the realtime notices; subscribing again");
                    }
                    Err(error) => {
                        tracing::debug!(%error, "cannot subscribe to realtime notices");
                    }
                }
                tokio::time::sleep(RETRY_AFTER).await;
            };
            tokio::select! {
                () = &mut stop => return,
                () = following => {}
            }
        }
    }

    async fn catch_up(&self, hub: &Hub) {
        for (channel, after) in hub.followed() {
            let Some(mut after) = after else { continue };
            loop {
                match self
                    .channels
                    .replay(&channel, Some(after), CATCH_UP_PAGE)
                    .await
                {
                    Ok(Replay::Events { events, .. }) => {
                        let full =
                            events.len() >= usize::try_from(CATCH_UP_PAGE).unwrap_or(usize::MAX);
                        for event in events {
                            after = event.id;
                            hub.dispatch(event);
                        }
                        if !full {
                            break;
                        }
                    }
                    Ok(Replay::Gap) => {
                        tracing::warn!(%channel, "realtime events were trimmed before catching up");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%channel, %error, "could not catch up a realtime channel");
                        break;
                    }
                }
            }
        }
    }
}

/// Dispatches notices until the connection ends or stops answering pings.
async fn relay(pubsub: PubSub, hub: &Hub) {
    subscription::receive(pubsub, PING_EVERY, |payload| {
        // Every instance hears every event; most are for channels none of its sockets
        // follow, and those are not worth decoding.
        let unfollowed = realtime_codec::announced_channel(payload)
            .is_some_and(|channel| hub.sockets_following(channel) == 0);
        if unfollowed {
            return true;
        }
        match realtime_codec::announced(payload) {
            Some(event) => {
                hub.dispatch(event);
            }
            None => tracing::warn!("malformed realtime notice"),
        }
        true
    })
    .await;
}
