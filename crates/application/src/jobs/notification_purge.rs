//! `notifications.purge`: deletes notifications older than the retention, read or
//! not, so each user's list (and the table) stays bounded. Idempotent: it deletes
//! by condition, in batches.

use tracing::info;

use super::retention::{PURGE_BATCH, PurgeSettings, remove_in_batches};
use super::{JobError, JobHandler};
use crate::ports::{Clock, Job, NotificationRetention};

pub const KIND: &str = "notifications.purge";

pub struct PurgeOldNotifications<N, C> {
    notifications: N,
    clock: C,
    retention: chrono::Duration,
}

impl<N: NotificationRetention, C: Clock> PurgeOldNotifications<N, C> {
    pub fn new(notifications: N, clock: C, settings: PurgeSettings) -> Self {
        Self {
            notifications,
            clock,
            retention: settings.retention,
        }
    }
}

impl<N: NotificationRetention, C: Clock> JobHandler for PurgeOldNotifications<N, C> {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let before = self.clock.now() - self.retention;
        let removed = remove_in_batches(PURGE_BATCH, |limit| {
            self.notifications.remove_before(before, limit)
        })
        .await?;
        info!(removed, "purged old notifications");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use folio_domain::Timestamp;

    use super::*;
    use crate::ports::{MockClock, NewJob, PortError};
    use crate::test_support::{now, running_job};

    /// Records each call; removes `stored` rows in all.
    struct Notifications {
        stored: Mutex<u64>,
        calls: Mutex<Vec<Timestamp>>,
    }

    impl NotificationRetention for Notifications {
        async fn remove_before(&self, before: Timestamp, limit: u32) -> Result<u64, PortError> {
            self.calls.lock().unwrap().push(before);
            let mut stored = self.stored.lock().unwrap();
            let removed = (*stored).min(u64::from(limit));
            *stored -= removed;
            Ok(removed)
        }
    }

    #[tokio::test]
    async fn notifications_older_than_the_retention_go_in_batches() {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        let notifications = Notifications {
            stored: Mutex::new(7_000),
            calls: Mutex::default(),
        };
        let settings = PurgeSettings {
            retention: chrono::Duration::days(90),
            every: std::time::Duration::from_secs(3600),
        };
        let purge = PurgeOldNotifications::new(notifications, clock, settings);

        purge.run(&running_job(NewJob::new(KIND))).await.unwrap();

        let calls = purge.notifications.calls.lock().unwrap().clone();
        assert_eq!(calls, [now() - chrono::Duration::days(90); 2]);
        assert_eq!(*purge.notifications.stored.lock().unwrap(), 0);
    }
}
