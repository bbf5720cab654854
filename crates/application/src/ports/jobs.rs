//! Durable jobs: work that must happen after a commit, at least once, even if the
//! process that committed dies. Jobs are written with the change that calls for them
//! (`Work::enqueue`) and run by workers that claim them from the queue.
//!
//! Unlike the other ports, these methods promise `Send` futures: a worker runs each
//! job on a task of its own, so a slow or panicking job does not hold up the others.

use std::future::Future;
use std::time::Duration;

use folio_domain::Timestamp;

use super::PortError;

/// A job's number in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(i64);

impl JobId {
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at`, then for a worker.
    Queued,
    /// Claimed by a worker until `locked_until`; claimable again after that.
    Running,
    Done,
    /// Failed on its last attempt; stays until an operator retries it.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue. Its payload is name/value text pairs, like an event's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which handler runs it (`noun.verb`, e.g. `sessions.purge_expired`).
    pub kind: &'static str,
    pub payload: Vec<(&'static str, String)>,
    /// Attempts before it is dead; `None` takes the deployment's default.
    pub max_attempts: Option<u32>,
    /// How long after the commit it becomes due.
    pub delay: Duration,
}

impl NewJob {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            payload: Vec::new(),
            max_attempts: None,
            delay: Duration::ZERO,
        }
    }

    pub fn field(mut self, name: &'static str, value: impl ToString) -> Self {
        self.payload.push((name, value.to_string()));
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: Vec<(String, String)>,
    pub state: JobState,
    /// Claims so far, the current one included.
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Job {
    /// The value of a payload field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.payload
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The claim a worker holds on this job once it has claimed it.
    pub fn claim(&self) -> JobClaim {
        JobClaim {
            id: self.id,
            attempt: self.attempts,
        }
    }
}

/// One claim of a job: every claim counts an attempt, so the attempt number tells a
/// worker's claim from a later one (after its lock expired and another worker took
/// the job). Only the current claim can complete, fail, extend or release a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobClaim {
    pub id: JobId,
    pub attempt: u32,
}

/// What becomes of a job whose attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// Queued again, due after `after`.
    Retry { error: String, after: Duration },
    /// No more attempts.
    Dead { error: String },
}

/// Jobs per state, as far as the queue counts them (done jobs are history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueDepth {
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
}

/// The workers' and operators' side of the queue. Times (`run_at`, locks) are the
/// queue's own clock, so instances whose clocks disagree still agree on who holds a
/// job.
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues outside a unit of work (`Work::enqueue` writes with a change).
    fn enqueue(&self, job: NewJob) -> impl Future<Output = Result<JobId, PortError>> + Send;

    /// Enqueues `job` unless a job of its kind is queued or running, or was enqueued
    /// less than `within` ago; atomically, so instances doing it together enqueue one.
    fn enqueue_unless_recent(
        &self,
        job: NewJob,
        within: Duration,
    ) -> impl Future<Output = Result<Option<JobId>, PortError>> + Send;

    /// Claims up to `limit` due jobs of `kinds`, oldest due first: each becomes
    /// running, locked for `lock_for`, its attempts counted up by one. A running job
    /// whose lock expired (its worker died) is claimable again, or dead when it had
    /// no attempt left. Jobs another worker is claiming right now are skipped, never
    /// waited for.
    fn claim(
        &self,
        kinds: &[&'static str],
        limit: u32,
        lock_for: Duration,
    ) -> impl Future<Output = Result<Vec<Job>, PortError>> + Send;

    /// Keeps the claims' jobs locked for `lock_for` from now (a long job's heartbeat).
    fn extend(
        &self,
        claims: &[JobClaim],
        lock_for: Duration,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Marks the job done; `false` when the claim is no longer held.
    fn complete(&self, claim: JobClaim) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Records a failed attempt; `false` when the claim is no longer held.
    fn fail(
        &self,
        claim: JobClaim,
        failure: JobFailure,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Gives claimed jobs back unstarted: queued again, the attempt not counted.
    fn release(&self, claims: &[JobClaim]) -> impl Future<Output = Result<u64, PortError>> + Send;

    fn find(&self, id: JobId) -> impl Future<Output = Result<Option<Job>, PortError>> + Send;

    /// Jobs in any of `states`, most recently changed first.
    fn list(
        &self,
        states: &[JobState],
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Job>, PortError>> + Send;

    /// Queues a dead job again, due now, with its attempts reset; `None` when there
    /// is no dead job `id`.
    fn retry(&self, id: JobId) -> impl Future<Output = Result<Option<Job>, PortError>> + Send;

    fn depth(&self) -> impl Future<Output = Result<QueueDepth, PortError>> + Send;

    /// Deletes jobs done more than `age` ago; how many.
    fn remove_done(&self, age: Duration) -> impl Future<Output = Result<u64, PortError>> + Send;
}
