//! Starts the notifier (see `folio_application::use_cases::notifier`): one member
//! per process of the consumer group `notifications`, which shares the events out
//! among the instances.

use std::sync::Arc;

use folio_application::Folio;
use folio_redis::RedisStore;

use crate::adapters::Adapters;
use crate::background::{Supervised, TaskBoard};
use crate::cache_consumer::{MAX_BACKOFF, POLL, member_of};

const GROUP: &str = "notifications";

pub fn start(folio: Arc<Folio<Adapters>>, redis: RedisStore, board: &TaskBoard) -> Supervised {
    let feed = member_of(GROUP, redis);
    Supervised::spawn("notifier", board, move |stop| {
        let (folio, feed) = (folio.clone(), feed.clone());
        async move {
            folio
                .keep_notifying(&feed, POLL, MAX_BACKOFF, stop.stopped())
                .await;
        }
    })
}
