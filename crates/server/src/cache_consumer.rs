//! Starts the content cache's consumer of the event stream (see
//! `folio_application::use_cases::cache_consumer`): one member per process of the
//! consumer group `content-cache`.

use std::sync::Arc;
use std::time::Duration;

use folio_application::Folio;
use folio_redis::{RedisEventFeed, RedisStore};

use crate::adapters::Adapters;
use crate::background::{Supervised, TaskBoard};

const GROUP: &str = "content-cache";
/// How often an idle consumer looks for new events.
pub(crate) const POLL: Duration = Duration::from_millis(100);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Entries a member has held this long unacknowledged go to another (its process
/// died, or is stuck).
const ABANDONED_AFTER: Duration = Duration::from_secs(30);

/// This process's member of the consumer group `group`.
pub(crate) fn member_of(group: &str, redis: RedisStore) -> RedisEventFeed {
    let member = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    RedisEventFeed::new(redis, group, member, ABANDONED_AFTER)
}

pub fn start(folio: Arc<Folio<Adapters>>, redis: RedisStore, board: &TaskBoard) -> Supervised {
    let feed = member_of(GROUP, redis);
    Supervised::spawn("cache invalidation", board, move |stop| {
        let (folio, feed) = (folio.clone(), feed.clone());
        async move {
            folio
                .keep_cache_fresh(&feed, POLL, MAX_BACKOFF, stop.stopped())
                .await;
        }
    })
}
