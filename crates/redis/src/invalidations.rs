//! Version bumps announced over Redis pub/sub, so that every instance stops serving
//! its local copies of an entry as soon as any instance changes it.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::PubSub;

use super::version_board::VersionBoard;
use super::{RedisStore, subscription};

/// How often the subscription is checked for a silently dead connection.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long to wait before subscribing again after losing the channel.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Reads the payload announcing that a key reached a version: `"<version> <key>"`
/// (published by the bump script in `content_cache`).
fn parse_announcement(payload: &str) -> Option<(u64, &str)> {
    let (version, key) = payload.split_once(' ')?;
    Some((version.parse().ok()?, key))
}

/// Follows `channel` for as long as the process runs, keeping `board` open while
/// subscribed and closed otherwise.
pub(crate) fn follow(store: RedisStore, channel: String, board: Arc<VersionBoard>) {
    tokio::spawn(async move {
        loop {
            match store.subscribe(&channel).await {
                Ok(pubsub) => {
                    board.open();
                    tracing::debug!(%channel, "following cache invalidations");
                    relay(pubsub, &board).await;
                    board.close();
                    tracing::warn!(
                        %channel,
                        "lost the cache invalidation channel; local copies unused until it is back"
                    );
                }
                Err(error) => {
                    tracing::debug!(%channel, %error, "cannot subscribe to cache invalidations");
                }
            }
            tokio::time::sleep(RETRY_AFTER).await;
        }
    });
}

/// Applies announcements until the connection ends or stops answering pings.
async fn relay(pubsub: PubSub, board: &VersionBoard) {
    subscription::receive(pubsub, PING_EVERY, |payload| {
        match (parse_announcement(payload), board.listening_epoch()) {
            (Some((version, key)), Some(epoch)) => {
                board.observe(epoch, key, version);
                true
            }
            (None, _) => {
                tracing::warn!(%payload, "malformed cache invalidation");
                true
            }
            (_, None) => false,
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip_even_with_spaces_in_keys() {
        assert_eq!(
            parse_announcement("42 folio:content:profile:a b"),
            Some((42, "folio:content:profile:a b"))
        );
    }

    #[test]
    fn malformed_announcements_are_rejected() {
        assert_eq!(parse_announcement("no-version-here"), None);
        assert_eq!(parse_announcement("x key"), None);
        assert_eq!(parse_announcement(""), None);
    }
}
