//! The job queue in memory, with the semantics of the real one, for unit tests of
//! the worker, the scheduler and the operators' use cases.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::ports::{
    Job, JobClaim, JobFailure, JobId, JobQueue, JobState, NewJob, PortError, QueueDepth,
};

const DEFAULT_MAX_ATTEMPTS: u32 = 5;

struct Entry {
    job: Job,
    due: Instant,
    locked_until: Option<Instant>,
    enqueued: Instant,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    failures: Vec<(JobId, JobFailure)>,
    down: bool,
}

#[derive(Clone, Default)]
pub struct MemoryQueue(Arc<Mutex<State>>);

impl MemoryQueue {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every job, in the order enqueued.
    pub fn jobs(&self) -> Vec<Job> {
        self.state().entries.iter().map(|e| e.job.clone()).collect()
    }

    pub fn job(&self, id: JobId) -> Job {
        self.jobs().into_iter().find(|job| job.id == id).unwrap()
    }

    /// Every failure recorded, in order.
    pub fn failures(&self) -> Vec<(JobId, JobFailure)> {
        self.state().failures.clone()
    }

    pub fn set_state(&self, id: JobId, state: JobState) {
        let mut guard = self.state();
        let entry = guard.entries.iter_mut().find(|e| e.job.id == id).unwrap();
        entry.job.state = state;
        entry.locked_until = None;
    }

    /// Every call fails, as with the database down.
    pub fn set_down(&self, down: bool) {
        self.state().down = down;
    }

    pub fn add(&self, job: NewJob) -> JobId {
        let mut state = self.state();
        let id = JobId::new(i64::try_from(state.entries.len()).unwrap() + 1);
        let now = chrono::Utc::now();
        state.entries.push(Entry {
            job: Job {
                id,
                kind: job.kind.to_owned(),
                payload: job
                    .payload
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect(),
                state: JobState::Queued,
                attempts: 0,
                max_attempts: job.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
                run_at: now,
                locked_until: None,
                last_error: None,
                created_at: now,
                updated_at: now,
            },
            due: Instant::now() + job.delay,
            locked_until: None,
            enqueued: Instant::now(),
        });
        id
    }

    fn check(&self) -> Result<(), PortError> {
        if self.state().down {
            Err(PortError::unavailable(std::io::Error::other("queue down")))
        } else {
            Ok(())
        }
    }

    /// Applies `change` to the job of `claim` if the claim is still held.
    fn with_claim(&self, claim: JobClaim, change: impl FnOnce(&mut Entry)) -> bool {
        let mut state = self.state();
        let held = state.entries.iter_mut().find(|e| {
            e.job.id == claim.id
                && e.job.state == JobState::Running
                && e.job.attempts == claim.attempt
        });
        match held {
            Some(entry) => {
                change(entry);
                true
            }
            None => false,
        }
    }
}

impl JobQueue for MemoryQueue {
    async fn enqueue(&self, job: NewJob) -> Result<JobId, PortError> {
        self.check()?;
        Ok(self.add(job))
    }

    async fn enqueue_unless_recent(
        &self,
        job: NewJob,
        within: Duration,
    ) -> Result<Option<JobId>, PortError> {
        self.check()?;
        let recent = self.state().entries.iter().any(|e| {
            e.job.kind == job.kind
                && (matches!(e.job.state, JobState::Queued | JobState::Running)
                    || e.enqueued.elapsed() < within)
        });
        Ok((!recent).then(|| self.add(job)))
    }

    async fn claim(
        &self,
        kinds: &[&'static str],
        limit: u32,
        lock_for: Duration,
    ) -> Result<Vec<Job>, PortError> {
        self.check()?;
        let now = Instant::now();
        let mut state = self.state();
        let mut claimed = Vec::new();
        for entry in &mut state.entries {
            let expired = entry.job.state == JobState::Running
                && entry.locked_until.is_some_and(|until| until <= now);
            if expired && entry.job.attempts >= entry.job.max_attempts {
                entry.job.state = JobState::Dead;
                entry.locked_until = None;
                continue;
            }
            let due = entry.job.state == JobState::Queued && entry.due <= now;
            if (due || expired)
                && kinds.contains(&entry.job.kind.as_str())
                && claimed.len() < usize::try_from(limit).unwrap()
            {
                entry.job.state = JobState::Running;
                entry.job.attempts += 1;
                entry.locked_until = Some(now + lock_for);
                claimed.push(entry.job.clone());
            }
        }
        Ok(claimed)
    }

    async fn extend(&self, claims: &[JobClaim], lock_for: Duration) -> Result<(), PortError> {
        self.check()?;
        for claim in claims {
            self.with_claim(*claim, |entry| {
                entry.locked_until = Some(Instant::now() + lock_for);
            });
        }
        Ok(())
    }

    async fn complete(&self, claim: JobClaim) -> Result<bool, PortError> {
        self.check()?;
        Ok(self.with_claim(claim, |entry| {
            entry.job.state = JobState::Done;
            entry.locked_until = None;
        }))
    }

    async fn fail(&self, claim: JobClaim, failure: JobFailure) -> Result<bool, PortError> {
        self.check()?;
        let failed = self.with_claim(claim, |entry| {
            entry.locked_until = None;
            match &failure {
                JobFailure::Retry { error, after } => {
                    entry.job.state = JobState::Queued;
                    entry.due = Instant::now() + *after;
                    entry.job.last_error = Some(error.clone());
                }
                JobFailure::Dead { error } => {
                    entry.job.state = JobState::Dead;
                    entry.job.last_error = Some(error.clone());
                }
            }
        });
        if failed {
            self.state().failures.push((claim.id, failure));
        }
        Ok(failed)
    }

    async fn release(&self, claims: &[JobClaim]) -> Result<u64, PortError> {
        self.check()?;
        let mut released = 0;
        for claim in claims {
            if self.with_claim(*claim, |entry| {
                entry.job.state = JobState::Queued;
                entry.job.attempts -= 1;
                entry.locked_until = None;
            }) {
                released += 1;
            }
        }
        Ok(released)
    }

    async fn find(&self, id: JobId) -> Result<Option<Job>, PortError> {
        self.check()?;
        Ok(self.jobs().into_iter().find(|job| job.id == id))
    }

    async fn list(&self, states: &[JobState], limit: u32) -> Result<Vec<Job>, PortError> {
        self.check()?;
        Ok(self
            .jobs()
            .into_iter()
            .rev()
            .filter(|job| states.contains(&job.state))
            .take(usize::try_from(limit).unwrap())
            .collect())
    }

    async fn retry(&self, id: JobId) -> Result<Option<Job>, PortError> {
        self.check()?;
        let mut state = self.state();
        let Some(entry) = state
            .entries
            .iter_mut()
            .find(|e| e.job.id == id && e.job.state == JobState::Dead)
        else {
            return Ok(None);
        };
        entry.job.state = JobState::Queued;
        entry.job.attempts = 0;
        entry.due = Instant::now();
        Ok(Some(entry.job.clone()))
    }

    async fn depth(&self) -> Result<QueueDepth, PortError> {
        self.check()?;
        let count = |wanted: JobState| {
            let jobs = self.jobs();
            u64::try_from(jobs.iter().filter(|job| job.state == wanted).count()).unwrap()
        };
        Ok(QueueDepth {
            queued: count(JobState::Queued),
            running: count(JobState::Running),
            dead: count(JobState::Dead),
        })
    }

    async fn remove_done(&self, _age: Duration) -> Result<u64, PortError> {
        self.check()?;
        let mut state = self.state();
        let before = state.entries.len();
        state.entries.retain(|e| e.job.state != JobState::Done);
        Ok(u64::try_from(before - state.entries.len()).unwrap())
    }
}
