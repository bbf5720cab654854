//! The content cache's consumer of the event stream: applies every published event's
//! invalidation (see `stale_content`), a batch at a time, and acknowledges a batch
//! only once its invalidations are made, so one that fails (Redis unreachable)
//! comes back until it succeeds.

use std::future::Future;
use std::time::Duration;

use super::feed_loop::{BATCH, follow_feed};
use crate::events;
use crate::ports::EventFeed;
use crate::{Folio, Ports};

impl<P: Ports> Folio<P> {
    /// One round: the invalidations of the next batch, then its acknowledgement.
    /// Returns how many entries it handled.
    pub async fn invalidate_from_feed<F: EventFeed>(
        &self,
        feed: &F,
    ) -> Result<usize, crate::AppError> {
        let batch = feed.next_batch(BATCH).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        // Entries this version cannot read (a newer version's events) make nothing
        // stale that it knows of.
        let events: Vec<_> = batch
            .iter()
            .filter_map(|entry| events::decode(&entry.name, &entry.fields))
            .collect();
        self.invalidate_after(&events).await?;
        let ids: Vec<String> = batch.into_iter().map(|entry| entry.id).collect();
        feed.acknowledge(&ids).await?;
        Ok(ids.len())
    }

    /// Follows the feed until `stop` completes (see `feed_loop`).
    pub async fn keep_cache_fresh<F: EventFeed>(
        &self,
        feed: &F,
        poll: Duration,
        max_backoff: Duration,
        stop: impl Future<Output = ()>,
    ) {
        follow_feed(feed, "cache invalidation", poll, max_backoff, stop, || {
            self.invalidate_from_feed(feed)
        })
        .await;
    }
}
