//! Recurring jobs: each is enqueued when none of its kind is queued or running and
//! none was enqueued within its period. Every instance may ask as often as it likes;
//! the queue decides atomically, so the job is enqueued once per period whatever
//! the number of instances.

use std::time::Duration;

use tracing::warn;

use crate::ports::{JobId, JobQueue, NewJob};

/// A job to enqueue every `every`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurringJob {
    pub job: NewJob,
    pub every: Duration,
}

pub struct JobScheduler<Q> {
    queue: Q,
    recurring: Vec<RecurringJob>,
}

impl<Q: JobQueue> JobScheduler<Q> {
    pub fn new(queue: Q) -> Self {
        Self {
            queue,
            recurring: Vec::new(),
        }
    }

    pub fn with(mut self, recurring: RecurringJob) -> Self {
        self.recurring.push(recurring);
        self
    }

    /// The shortest period of the recurring jobs: asking more often gains nothing.
    pub fn shortest_period(&self) -> Option<Duration> {
        self.recurring.iter().map(|recurring| recurring.every).min()
    }

    /// Enqueues the recurring jobs that are due; the ids of those it enqueued. A
    /// job the queue could not take is logged and tried again on the next call.
    pub async fn enqueue_due(&self) -> Vec<JobId> {
        let mut enqueued = Vec::new();
        for recurring in &self.recurring {
            let kind = recurring.job.kind;
            match self
                .queue
                .enqueue_unless_recent(recurring.job.clone(), recurring.every)
                .await
            {
                Ok(Some(id)) => enqueued.push(id),
                Ok(None) => {}
                Err(error) => warn!(%error, kind, "could not enqueue a recurring job"),
            }
        }
        enqueued
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::memory_queue::MemoryQueue;
    use crate::ports::JobState;

    fn hourly(kind: &'static str) -> RecurringJob {
        RecurringJob {
            job: NewJob::new(kind),
            every: Duration::from_secs(3600),
        }
    }

    #[tokio::test]
    async fn a_recurring_job_is_enqueued_once_per_period() {
        let queue = MemoryQueue::default();
        let scheduler = JobScheduler::new(queue.clone())
            .with(hourly("sessions.purge_expired"))
            .with(hourly("other.kind"));

        let first = scheduler.enqueue_due().await;
        let again = scheduler.enqueue_due().await;

        assert_eq!(first.len(), 2);
        assert_eq!(scheduler.shortest_period(), Some(Duration::from_secs(3600)));
        assert!(again.is_empty(), "{again:?}");
        let kinds: Vec<String> = queue.jobs().into_iter().map(|job| job.kind).collect();
        assert_eq!(kinds, ["sessions.purge_expired", "other.kind"]);
    }

    #[tokio::test]
    async fn a_recurring_job_is_enqueued_again_once_its_period_has_passed() {
        let queue = MemoryQueue::default();
        let scheduler = JobScheduler::new(queue.clone()).with(RecurringJob {
            job: NewJob::new("sessions.purge_expired"),
            every: Duration::from_millis(50),
        });
        let first = scheduler.enqueue_due().await;
        queue.set_state(first[0], JobState::Done);

        tokio::time::sleep(Duration::from_millis(80)).await;
        let second = scheduler.enqueue_due().await;

        assert_eq!(second.len(), 1);
        assert_ne!(second, first);
    }
}
