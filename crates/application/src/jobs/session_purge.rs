//! `sessions.purge_expired`: deletes sessions that ended (revoked, past their
//! absolute expiry, or idle past the idle timeout) more than the retention ago.
//! Their rows serve nothing once they cannot authenticate, and the audit log keeps
//! the history. Idempotent: it deletes by condition, in batches.

use tracing::info;

use super::retention::{PurgeSettings, remove_in_batches};
use super::{JobError, JobHandler};
use crate::ports::{Clock, Job, SessionRetention};

pub const KIND: &str = "sessions.purge_expired";

/// Sessions deleted per statement, so that no statement runs long.
const BATCH: u32 = 1000;

pub struct PurgeExpiredSessions<S, C> {
    sessions: S,
    clock: C,
    retention: chrono::Duration,
    /// The sessions' idle timeout (`SessionPolicy::idle_timeout`).
    idle_timeout: chrono::Duration,
}

impl<S: SessionRetention, C: Clock> PurgeExpiredSessions<S, C> {
    pub fn new(
        sessions: S,
        clock: C,
        settings: PurgeSettings,
        idle_timeout: chrono::Duration,
    ) -> Self {
        Self {
            sessions,
            clock,
            retention: settings.retention,
            idle_timeout,
        }
    }
}

impl<S: SessionRetention, C: Clock> JobHandler for PurgeExpiredSessions<S, C> {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let ended_before = self.clock.now() - self.retention;
        let last_seen_before = ended_before - self.idle_timeout;
        let removed = remove_in_batches(BATCH, |limit| {
            self.sessions
                .remove_ended(ended_before, last_seen_before, limit)
        })
        .await?;
        info!(removed, "purged ended sessions");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::retention::MAX_BATCHES;
    use crate::ports::{MockClock, NewJob, PortError};
    use crate::test_support::{now, running_job, unavailable};
    use folio_domain::Timestamp;
    use std::sync::Mutex;

    /// Sessions as a count of deletable ones, recording each call.
    #[derive(Default)]
    struct Sessions {
        deletable: Mutex<u64>,
        calls: Mutex<Vec<(Timestamp, Timestamp, u32)>>,
        down: bool,
    }

    impl SessionRetention for Sessions {
        async fn remove_ended(
            &self,
            ended_before: Timestamp,
            last_seen_before: Timestamp,
            limit: u32,
        ) -> Result<u64, PortError> {
            if self.down {
                return Err(unavailable());
            }
            self.calls
                .lock()
                .unwrap()
                .push((ended_before, last_seen_before, limit));
            let mut deletable = self.deletable.lock().unwrap();
            let removed = (*deletable).min(u64::from(limit));
            *deletable -= removed;
            Ok(removed)
        }
    }

    fn clock() -> MockClock {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        clock
    }

    fn purge(sessions: Sessions) -> PurgeExpiredSessions<Sessions, MockClock> {
        PurgeExpiredSessions::new(
            sessions,
            clock(),
            PurgeSettings {
                retention: chrono::Duration::days(30),
                every: std::time::Duration::from_secs(3600),
            },
            chrono::Duration::days(14),
        )
    }

    fn job() -> Job {
        running_job(NewJob::new(KIND))
    }

    #[tokio::test]
    async fn sessions_ended_before_the_retention_are_deleted_in_batches() {
        let purge = purge(Sessions {
            deletable: Mutex::new(2500),
            ..Sessions::default()
        });

        purge.run(&job()).await.unwrap();

        let calls = purge.sessions.calls.lock().unwrap().clone();
        let ended_before = now() - chrono::Duration::days(30);
        let last_seen_before = now() - chrono::Duration::days(44);
        assert_eq!(
            calls,
            vec![(ended_before, last_seen_before, BATCH); 3],
            "full batches until a short one"
        );
        assert_eq!(*purge.sessions.deletable.lock().unwrap(), 0);
    }

    #[tokio::test]
    async fn a_run_stops_after_its_batches_and_leaves_the_rest_to_the_next() {
        let purge = purge(Sessions {
            deletable: Mutex::new(u64::MAX),
            ..Sessions::default()
        });

        purge.run(&job()).await.unwrap();

        let calls = purge.sessions.calls.lock().unwrap().len();
        assert_eq!(calls, usize::try_from(MAX_BATCHES).unwrap());
    }

    #[tokio::test]
    async fn a_database_failure_is_worth_another_attempt() {
        let purge = purge(Sessions {
            down: true,
            ..Sessions::default()
        });

        let error = purge.run(&job()).await.unwrap_err();

        assert!(!error.is_permanent());
        assert!(error.message().contains("unavailable"), "{error}");
    }

    #[test]
    fn the_purge_recurs_with_its_period() {
        let settings = PurgeSettings {
            retention: chrono::Duration::days(30),
            every: std::time::Duration::from_secs(600),
        };
        let recurring = settings.recurring(KIND);
        assert_eq!(
            (recurring.job.kind, recurring.every),
            (KIND, std::time::Duration::from_secs(600))
        );
    }
}
