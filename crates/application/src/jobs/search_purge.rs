//! `search.purge_queries`: deletes search records older than the retention, so
//! the record of what readers searched stays bounded. Idempotent: it deletes by
//! condition, in batches.

use std::time::Duration;

use tracing::info;

use super::{JobError, JobHandler, RecurringJob};
use crate::ports::{Clock, Job, NewJob, SearchLogWriter};

pub const KIND: &str = "search.purge_queries";

/// Records deleted per statement, so that no statement runs long.
const BATCH: u32 = 5_000;

/// At most this many batches per run; the next run goes on.
const MAX_BATCHES: u32 = 100;

#[derive(Debug, Clone, Copy)]
pub struct SearchPurgeSettings {
    /// Records are kept this long.
    pub retention: chrono::Duration,
    /// How often the purge is enqueued.
    pub every: Duration,
}

impl Default for SearchPurgeSettings {
    fn default() -> Self {
        Self {
            retention: chrono::Duration::days(30),
            every: Duration::from_secs(3600),
        }
    }
}

impl SearchPurgeSettings {
    pub fn recurring(&self) -> RecurringJob {
        RecurringJob {
            job: NewJob::new(KIND),
            every: self.every,
        }
    }
}

pub struct PurgeSearchRecords<L, C> {
    log: L,
    clock: C,
    retention: chrono::Duration,
}

impl<L: SearchLogWriter, C: Clock> PurgeSearchRecords<L, C> {
    pub fn new(log: L, clock: C, settings: SearchPurgeSettings) -> Self {
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
        let mut removed = 0;
        for _ in 0..MAX_BATCHES {
            let batch = self.log.remove_before(before, BATCH).await?;
            removed += batch;
            if batch < u64::from(BATCH) {
                break;
            }
        }
        info!(removed, "purged old search records");
        Ok(())
    }
}
