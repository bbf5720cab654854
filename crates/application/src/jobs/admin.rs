//! What an operator does with the queue: look at it, and bring dead jobs back.

use crate::ports::{Job, JobId, JobQueue, JobState};
use crate::{AppError, FieldErrors, Resource};

/// The states listed when none is asked for: the jobs that are not done.
pub const UNFINISHED: [JobState; 3] = [JobState::Queued, JobState::Running, JobState::Dead];

/// The most jobs one listing shows.
pub const MAX_LISTED: u32 = 1000;

pub struct JobAdmin<Q> {
    queue: Q,
}

impl<Q: JobQueue> JobAdmin<Q> {
    pub fn new(queue: Q) -> Self {
        Self { queue }
    }

    /// Up to `limit` jobs in `state` (by its name; the unfinished ones when `None`),
    /// most recently changed first.
    pub async fn list(&self, state: Option<&str>, limit: u32) -> Result<Vec<Job>, AppError> {
        let states = match state {
            None => UNFINISHED.to_vec(),
            Some(name) => vec![JobState::parse(name).ok_or_else(|| {
                AppError::Invalid(FieldErrors::single(
                    "state",
                    "must be one of queued, running, done, dead",
                ))
            })?],
        };
        Ok(self.queue.list(&states, limit.clamp(1, MAX_LISTED)).await?)
    }

    /// Queues dead job `id` again, due now, with its attempts reset.
    pub async fn retry(&self, id: i64) -> Result<Job, AppError> {
        let id = JobId::new(id);
        if let Some(job) = self.queue.retry(id).await? {
            return Ok(job);
        }
        match self.queue.find(id).await? {
            None => Err(AppError::NotFound(Resource::Job)),
            Some(job) => Err(AppError::Invalid(FieldErrors::single(
                "id",
                format!("is {}: only dead jobs are retried", job.state),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::memory_queue::MemoryQueue;
    use crate::ports::NewJob;
    use crate::test_support::invalid_fields;

    fn queue_with(states: &[JobState]) -> (MemoryQueue, Vec<JobId>) {
        let queue = MemoryQueue::default();
        let ids = states
            .iter()
            .map(|state| {
                let id = queue.add(NewJob::new("test.kind"));
                queue.set_state(id, *state);
                id
            })
            .collect();
        (queue, ids)
    }

    #[tokio::test]
    async fn the_unfinished_jobs_are_listed_unless_a_state_is_asked_for() {
        let (queue, ids) = queue_with(&[JobState::Queued, JobState::Done, JobState::Dead]);
        let admin = JobAdmin::new(queue);

        let unfinished = admin.list(None, 100).await.unwrap();
        let done = admin.list(Some("done"), 100).await.unwrap();

        let listed: Vec<JobId> = unfinished.iter().map(|job| job.id).collect();
        assert_eq!(listed, [ids[2], ids[0]], "newest first, done left out");
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].id, ids[1]);
    }

    #[tokio::test]
    async fn an_unknown_state_is_invalid() {
        let (queue, _) = queue_with(&[JobState::Queued]);
        let fields = invalid_fields(JobAdmin::new(queue).list(Some("stuck"), 10).await);
        assert!(fields.contains_key("state"), "{fields:?}");
    }

    #[tokio::test]
    async fn a_dead_job_is_queued_again_with_its_attempts_reset() {
        let (queue, ids) = queue_with(&[JobState::Dead]);

        let job = JobAdmin::new(queue.clone())
            .retry(ids[0].get())
            .await
            .unwrap();

        assert_eq!((job.state, job.attempts), (JobState::Queued, 0));
        assert_eq!(queue.job(ids[0]).state, JobState::Queued);
    }

    #[tokio::test]
    async fn only_a_dead_job_is_retried() {
        let (queue, ids) = queue_with(&[JobState::Running]);
        let admin = JobAdmin::new(queue.clone());

        let fields = invalid_fields(admin.retry(ids[0].get()).await);
        let unknown = admin.retry(999).await;

        assert_eq!(fields["id"], ["is running: only dead jobs are retried"]);
        assert!(matches!(unknown, Err(AppError::NotFound(Resource::Job))));
        assert_eq!(queue.job(ids[0]).state, JobState::Running);
    }
}
