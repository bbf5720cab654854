//! The content cache's consumer of the event stream: applies every published event's
//! invalidation (see `stale_content`), a batch at a time, and acknowledges a batch
//! only once its invalidations are made, so one that fails (Redis unreachable)
//! comes back until it succeeds.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use crate::events;
use crate::ports::EventFeed;
use crate::{Folio, Ports};

/// Entries taken per round.
const BATCH: u32 = 100;
/// The wait after a batch that was not full: events gather meanwhile, so under
/// load a read and its acknowledgement carry many events instead of a few.
const GATHER: Duration = Duration::from_millis(10);
/// How often members of the group whose process stopped are removed from it, and
/// how long a member must have been silent to count as such.
const TIDY_EVERY: Duration = Duration::from_secs(600);
const DEPARTED_AFTER: Duration = Duration::from_secs(3600);

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

    /// Follows the feed until `stop` completes: right away while there is more,
    /// every `poll` when there is not, backing off up to `max_backoff` on failures.
    pub async fn keep_cache_fresh<F: EventFeed>(
        &self,
        feed: &F,
        poll: Duration,
        max_backoff: Duration,
        stop: impl Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        let mut backoff = poll;
        let mut tidy = tokio::time::interval(TIDY_EVERY);
        loop {
            let wait = match self.invalidate_from_feed(feed).await {
                Ok(handled) => {
                    backoff = poll;
                    match handled {
                        0 => poll,
                        full if u32::try_from(full).unwrap_or(u32::MAX) >= BATCH => Duration::ZERO,
                        _ => GATHER,
                    }
                }
                Err(error) => {
                    warn!(%error, retry_in_ms = backoff.as_millis(), "cache invalidation from events failed; retrying");
                    let wait = backoff;
                    backoff = (backoff * 2).min(max_backoff);
                    wait
                }
            };
            tokio::select! {
                () = &mut stop => break,
                _ = tidy.tick() => {
                    if let Err(error) = feed.forget_departed(DEPARTED_AFTER).await {
                        warn!(%error, "could not remove departed consumers");
                    }
                }
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
