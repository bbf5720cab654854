//! What the retention jobs share: how long rows are kept and how often the purge
//! runs, and removal in bounded batches.

use std::future::Future;
use std::time::Duration;

use super::RecurringJob;
use crate::ports::{NewJob, PortError};

/// Rows removed per statement, so that no statement runs long (narrow rows).
pub const PURGE_BATCH: u32 = 5_000;

/// At most this many batches per run; the next run goes on.
pub const MAX_BATCHES: u32 = 100;

#[derive(Debug, Clone, Copy)]
pub struct PurgeSettings {
    /// Rows are kept this long.
    pub retention: chrono::Duration,
    /// How often the purge is enqueued.
    pub every: Duration,
}

impl PurgeSettings {
    pub fn recurring(&self, kind: &'static str) -> RecurringJob {
        RecurringJob {
            job: NewJob::new(kind),
            every: self.every,
        }
    }
}

/// Calls `remove_batch(batch)` until a call removes fewer (or [`MAX_BATCHES`] were
/// made); how many were removed in all.
pub async fn remove_in_batches<F, R>(batch: u32, mut remove_batch: F) -> Result<u64, PortError>
where
    F: FnMut(u32) -> R,
    R: Future<Output = Result<u64, PortError>>,
{
    let mut removed = 0;
    for _ in 0..MAX_BATCHES {
        let gone = remove_batch(batch).await?;
        removed += gone;
        if gone < u64::from(batch) {
            break;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn batches_go_on_while_they_come_back_full() {
        let left = Cell::new(12_345_u64);
        let calls = Cell::new(0);
        let removed = remove_in_batches(PURGE_BATCH, |limit| {
            calls.set(calls.get() + 1);
            let batch = left.get().min(u64::from(limit));
            left.set(left.get() - batch);
            async move { Ok(batch) }
        })
        .await
        .unwrap();
        assert_eq!((removed, calls.get()), (12_345, 3));
    }

    #[tokio::test]
    async fn a_run_stops_at_the_cap_and_at_a_failure() {
        let calls = Cell::new(0_u32);
        let removed = remove_in_batches(PURGE_BATCH, |limit| {
            calls.set(calls.get() + 1);
            async move { Ok(u64::from(limit)) }
        })
        .await
        .unwrap();
        assert_eq!(calls.get(), MAX_BATCHES);
        assert_eq!(removed, u64::from(MAX_BATCHES * PURGE_BATCH));

        let failed = remove_in_batches(PURGE_BATCH, |_| async {
            Err(PortError::other(std::io::Error::other("down")))
        })
        .await;
        assert!(failed.is_err());
    }
}
