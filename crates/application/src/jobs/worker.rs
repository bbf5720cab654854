//! The worker: claims due jobs of the kinds it has handlers for, runs each on a task
//! of its own, `concurrency` at a time, and records how each attempt ended. While a
//! job runs, the worker keeps its lock alive (a heartbeat every third of the
//! visibility timeout), so only a worker that died lets its jobs go. Stopping stops
//! claiming, gives back the jobs claimed but not started, and waits for the running
//! ones (at most `shutdown_grace`).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;
use tracing::{Instrument, debug, error, info_span, warn};

use super::handler::Handlers;
use super::retries::{Backoff, failure_of};
use super::{JobError, JobHandler};
use crate::ports::{Job, JobClaim, JobFailure, JobQueue, PortError, QueueDepth};

#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Jobs run at once. As many again are claimed ahead, waiting for a free slot.
    pub concurrency: u32,
    /// How long a claim holds a job without a heartbeat: a worker that dies lets
    /// its jobs go after this long.
    pub visibility_timeout: Duration,
    /// How long to wait before claiming again when nothing was due.
    pub idle_poll: Duration,
    /// The wait before a failed job's next attempt.
    pub backoff: Backoff,
    /// How long a stopping worker waits for its running jobs. Those still running
    /// then are abandoned, counted as failed attempts.
    pub shutdown_grace: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 2,
            visibility_timeout: Duration::from_secs(300),
            idle_poll: Duration::from_secs(1),
            backoff: Backoff::default(),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The longest wait between claims after the queue failed.
const MAX_CLAIM_BACKOFF: Duration = Duration::from_secs(30);

pub struct JobWorker<Q> {
    queue: Arc<Q>,
    handlers: Handlers,
    settings: WorkerSettings,
}

impl<Q: JobQueue> JobWorker<Q> {
    pub fn new(queue: Q, settings: WorkerSettings) -> Self {
        Self {
            queue: Arc::new(queue),
            handlers: Handlers::default(),
            settings,
        }
    }

    /// Runs the jobs of `handler.kind()` with `handler` (replacing the handler
    /// registered for that kind, if any).
    pub fn register(mut self, handler: impl JobHandler) -> Self {
        self.handlers.insert(handler);
        self
    }

    /// The kinds this worker claims.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.kinds()
    }

    /// Works until `stop` completes, then stops gracefully.
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut shift = Shift::new(self);
        let mut heartbeat = tokio::time::interval(self.heartbeat_period());
        let mut next_claim = Instant::now();
        let mut claim_backoff = self.settings.idle_poll;
        loop {
            shift.start_waiting();
            let room = shift.room();
            if room > 0 && Instant::now() >= next_claim {
                next_claim = match shift.claim(room).await {
                    Ok(claimed) => {
                        claim_backoff = self.settings.idle_poll;
                        if claimed < room {
                            Instant::now() + self.settings.idle_poll
                        } else {
                            Instant::now()
                        }
                    }
                    Err(error) => {
                        warn!(%error, retry_in_ms = claim_backoff.as_millis(), "could not claim jobs");
                        let wait = claim_backoff;
                        claim_backoff = (claim_backoff * 2).min(MAX_CLAIM_BACKOFF);
                        Instant::now() + wait
                    }
                };
                continue;
            }
            let claim_at = (room > 0).then_some(next_claim);
            tokio::select! {
                biased;
                () = &mut stop => break,
                Some(finished) = shift.running.join_next_with_id() => shift.settle(finished).await,
                _ = heartbeat.tick() => shift.heartbeat().await,
                () = tokio::time::sleep_until(claim_at.unwrap_or(next_claim)), if claim_at.is_some() => {}
            }
        }
        shift.release_waiting().await;
        let grace = tokio::time::sleep(self.settings.shutdown_grace);
        tokio::pin!(grace);
        while !shift.running.is_empty() {
            tokio::select! {
                biased;
                Some(finished) = shift.running.join_next_with_id() => shift.settle(finished).await,
                _ = heartbeat.tick() => shift.heartbeat().await,
                () = &mut grace => {
                    shift.abandon_running().await;
                    break;
                }
            }
        }
    }

    /// Counts the jobs per state and shows them as the `job_queue_depth` gauge.
    pub async fn report_depth(&self) -> Result<QueueDepth, PortError> {
        let depth = self.queue.depth().await?;
        for (state, count) in [
            ("queued", depth.queued),
            ("running", depth.running),
            ("dead", depth.dead),
        ] {
            metrics::gauge!("job_queue_depth", "state" => state)
                .set(f64::from(u32::try_from(count).unwrap_or(u32::MAX)));
        }
        Ok(depth)
    }

    /// Retention: deletes jobs done more than `age` ago.
    pub async fn remove_done(&self, age: Duration) -> Result<u64, PortError> {
        self.queue.remove_done(age).await
    }

    fn heartbeat_period(&self) -> Duration {
        (self.settings.visibility_timeout / 3).max(Duration::from_millis(10))
    }
}

/// What a running worker holds: jobs claimed and waiting for a slot, and the tasks
/// of the jobs it started.
struct Shift<'w, Q> {
    worker: &'w JobWorker<Q>,
    kinds: Vec<&'static str>,
    waiting: VecDeque<Job>,
    running: JoinSet<Result<(), JobError>>,
    started: HashMap<tokio::task::Id, (Job, &'static str)>,
}

impl<'w, Q: JobQueue> Shift<'w, Q> {
    fn new(worker: &'w JobWorker<Q>) -> Self {
        Self {
            worker,
            kinds: worker.kinds(),
            waiting: VecDeque::new(),
            running: JoinSet::new(),
            started: HashMap::new(),
        }
    }

    fn concurrency(&self) -> usize {
        usize::try_from(self.worker.settings.concurrency.max(1)).unwrap_or(1)
    }

    /// How many jobs to claim: none while claimed jobs wait, else enough to fill the
    /// free slots and as many again.
    fn room(&self) -> u32 {
        if !self.waiting.is_empty() || self.kinds.is_empty() {
            return 0;
        }
        let room = (2 * self.concurrency()).saturating_sub(self.running.len());
        u32::try_from(room).unwrap_or(u32::MAX)
    }

    async fn claim(&mut self, limit: u32) -> Result<u32, PortError> {
        let lock_for = self.worker.settings.visibility_timeout;
        let claimed = self
            .worker
            .queue
            .claim(&self.kinds, limit, lock_for)
            .await?;
        let count = u32::try_from(claimed.len()).unwrap_or(u32::MAX);
        self.waiting.extend(claimed);
        Ok(count)
    }

    /// Starts waiting jobs while slots are free.
    fn start_waiting(&mut self) {
        while self.running.len() < self.concurrency() {
            let Some(job) = self.waiting.pop_front() else {
                return;
            };
            let span = info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
            let Some((kind, attempt)) = self.worker.handlers.attempt(job.clone()) else {
                // Claimed by kind, so there is a handler; nothing to run otherwise.
                continue;
            };
            let task = self.running.spawn(attempt.instrument(span));
            self.started.insert(task.id(), (job, kind));
        }
    }

    /// Records how a started job ended.
    async fn settle(
        &mut self,
        finished: Result<(tokio::task::Id, Result<(), JobError>), JoinError>,
    ) {
        let (task, outcome) = match finished {
            Ok((task, outcome)) => (task, outcome),
            Err(join_error) => (join_error.id(), Err(panicked(join_error))),
        };
        let Some((job, kind)) = self.started.remove(&task) else {
            return;
        };
        self.record(&job, kind, outcome).await;
    }

    async fn record(&self, job: &Job, kind: &'static str, outcome: Result<(), JobError>) {
        let queue = &self.worker.queue;
        let recorded = match outcome {
            Ok(()) => {
                metrics::counter!("jobs_completed_total", "kind" => kind).increment(1);
                debug!(id = %job.id, kind, "job done");
                queue.complete(job.claim()).await
            }
            Err(job_error) => {
                metrics::counter!("job_failures_total", "kind" => kind).increment(1);
                let failure = failure_of(job, &job_error, &self.worker.settings.backoff);
                match &failure {
                    JobFailure::Retry { after, .. } => warn!(
                        id = %job.id, kind, attempt = job.attempts, error = %job_error,
                        retry_in_s = after.as_secs(), "job failed; it will be attempted again"
                    ),
                    JobFailure::Dead { .. } => error!(
                        id = %job.id, kind, attempt = job.attempts, error = %job_error,
                        "job failed on its last attempt; it is dead"
                    ),
                }
                queue.fail(job.claim(), failure).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => warn!(
                id = %job.id, kind,
                "the job's lock had expired: its outcome was not recorded, and it may run again"
            ),
            Err(error) => warn!(
                id = %job.id, kind, %error,
                "could not record the job's outcome; it runs again once its lock expires"
            ),
        }
    }

    /// Keeps every held job locked for another visibility timeout.
    async fn heartbeat(&self) {
        let claims: Vec<JobClaim> = self
            .waiting
            .iter()
            .chain(self.started.values().map(|(job, _)| job))
            .map(Job::claim)
            .collect();
        if claims.is_empty() {
            return;
        }
        let lock_for = self.worker.settings.visibility_timeout;
        if let Err(error) = self.worker.queue.extend(&claims, lock_for).await {
            warn!(%error, "could not extend the locks of running jobs");
        }
    }

    /// Gives the jobs that were claimed but never started back to the queue.
    async fn release_waiting(&mut self) {
        let claims: Vec<JobClaim> = self.waiting.drain(..).map(|job| job.claim()).collect();
        if claims.is_empty() {
            return;
        }
        if let Err(error) = self.worker.queue.release(&claims).await {
            warn!(%error, jobs = claims.len(), "could not give back claimed jobs; they run once their lock expires");
        }
    }

    /// Stops the jobs still running after the grace period; each counts as a failed
    /// attempt, so another worker takes it up without waiting for its lock.
    async fn abandon_running(&mut self) {
        self.running.abort_all();
        let abandoned: Vec<(Job, &'static str)> =
            self.started.drain().map(|(_, held)| held).collect();
        warn!(
            jobs = abandoned.len(),
            "stopping before these jobs finished"
        );
        for (job, kind) in abandoned {
            let interrupted =
                JobError::retryable("interrupted: the worker stopped before the job finished");
            self.record(&job, kind, Err(interrupted)).await;
        }
    }
}

fn panicked(join_error: JoinError) -> JobError {
    if !join_error.is_panic() {
        return JobError::retryable("interrupted: the job's task was cancelled");
    }
    let payload = join_error.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    JobError::retryable(format!("the handler panicked: {message}"))
}

#[cfg(test)]
mod tests;
