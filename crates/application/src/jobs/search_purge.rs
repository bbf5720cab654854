//! `search.purge_queries`: deletes search records older than the retention, so
//! the record of what readers searched stays bounded. Idempotent: it deletes by
//! condition, in batches.

use tracing::info;

use super::retention::{PURGE_BATCH, PurgeSettings, remove_in_batches};
use super::{JobError, JobHandler};
use crate::ports::{Clock, Job, SearchLogWriter};

pub const KIND: &str = "search.purge_queries";

pub struct PurgeSearchRecords<L, C> {
    log: L,
    clock: C,
    retention: chrono::Duration,
}

impl<L: SearchLogWriter, C: Clock> PurgeSearchRecords<L, C> {
    pub fn new(log: L, clock: C, settings: PurgeSettings) -> Self {
        Self {
            log,
            clock,
            retention: settings.retention,
        }
    }
}

impl<L: SearchLogWriter, C: Clock> JobHandler for PurgeSearchRecords<L, C> {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let before = self.clock.now() - self.retention;
        let removed =
            remove_in_batches(PURGE_BATCH, |limit| self.log.remove_before(before, limit)).await?;
        info!(removed, "purged old search records");
        Ok(())
    }
}
