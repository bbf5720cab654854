use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, watch};

use super::*;
use crate::jobs::memory_queue::MemoryQueue;
use crate::ports::{JobId, JobState, NewJob};

/// A handler made of a closure.
struct FnHandler<F> {
    kind: &'static str,
    run: F,
}

impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send,
{
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run(&self, job: &Job) -> impl Future<Output = Result<(), JobError>> + Send {
        (self.run)(job.clone())
    }
}

fn handler<F, Fut>(kind: &'static str, run: F) -> FnHandler<F>
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send,
{
    FnHandler { kind, run }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        concurrency: 2,
        visibility_timeout: Duration::from_secs(60),
        idle_poll: ms(5),
        backoff: Backoff {
            base: ms(10),
            cap: ms(1000),
        },
        shutdown_grace: Duration::from_secs(5),
    }
}

/// Runs `worker` until `done` holds (at most 5 s), then stops it and waits for it.
async fn run_until(worker: &JobWorker<MemoryQueue>, done: impl Fn() -> bool) {
    let (stop, mut stopped) = watch::channel(false);
    let watch_done = async {
        for _ in 0..1000 {
            if done() {
                break;
            }
            tokio::time::sleep(ms(5)).await;
        }
        let _ = stop.send(true);
    };
    tokio::join!(
        worker.run(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }),
        watch_done
    );
}

fn state_of(queue: &MemoryQueue, id: JobId) -> JobState {
    queue.job(id).state
}

#[tokio::test]
async fn a_job_runs_once_with_its_payload_and_is_done() {
    let queue = MemoryQueue::default();
    let id = queue.add(NewJob::new("mail.send").field("to", "jake@example.com"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let worker = JobWorker::new(queue.clone(), settings()).register(handler("mail.send", {
        let seen = seen.clone();
        move |job: Job| {
            seen.lock()
                .unwrap()
                .push((job.id, job.field("to").map(str::to_owned)));
            async { Ok(()) }
        }
    }));

    run_until(&worker, || state_of(&queue, id) == JobState::Done).await;

    assert_eq!(
        *seen.lock().unwrap(),
        [(id, Some("jake@example.com".to_owned()))]
    );
    assert_eq!(queue.job(id).attempts, 1);
}

#[tokio::test]
async fn a_failing_job_is_retried_after_its_backoff_until_it_is_dead() {
    let queue = MemoryQueue::default();
    let id = queue.add(NewJob::new("mail.send").max_attempts(3));
    let worker = JobWorker::new(queue.clone(), settings())
        .register(handler("mail.send", |_job: Job| async {
            Err(JobError::retryable("smtp timed out"))
        }));

    run_until(&worker, || state_of(&queue, id) == JobState::Dead).await;

    let error = || "smtp timed out".to_owned();
    assert_eq!(
        queue.failures(),
        [
            (
                id,
                JobFailure::Retry {
                    error: error(),
                    after: ms(10)
                }
            ),
            (
                id,
                JobFailure::Retry {
                    error: error(),
                    after: ms(20)
                }
            ),
            (id, JobFailure::Dead { error: error() }),
        ]
    );
    let job = queue.job(id);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.last_error.as_deref(), Some("smtp timed out"));
}

#[tokio::test]
async fn a_panicking_handler_fails_its_attempt_and_the_worker_goes_on() {
    let queue = MemoryQueue::default();
    let broken = queue.add(NewJob::new("broken.kind").max_attempts(1));
    let fine = queue.add(NewJob::new("fine.kind"));
    let worker = JobWorker::new(queue.clone(), settings())
        .register(handler("broken.kind", |_job: Job| async {
            panic!("index out of bounds")
        }))
        .register(handler("fine.kind", |_job: Job| async { Ok(()) }));

    run_until(&worker, || {
        state_of(&queue, broken) == JobState::Dead && state_of(&queue, fine) == JobState::Done
    })
    .await;

    let last_error = queue.job(broken).last_error.unwrap_or_default();
    assert!(last_error.contains("index out of bounds"), "{last_error}");
    assert_eq!(state_of(&queue, fine), JobState::Done);
}

#[tokio::test]
async fn no_more_jobs_run_at_once_than_the_concurrency() {
    let queue = MemoryQueue::default();
    let ids: Vec<JobId> = (0..12)
        .map(|_| queue.add(NewJob::new("slow.kind")))
        .collect();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let worker = JobWorker::new(
        queue.clone(),
        WorkerSettings {
            concurrency: 3,
            ..settings()
        },
    )
    .register(handler("slow.kind", {
        let (running, most) = (running.clone(), most.clone());
        move |_job: Job| {
            let (running, most) = (running.clone(), most.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(ms(15)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
        }
    }));

    run_until(&worker, || {
        ids.iter().all(|id| state_of(&queue, *id) == JobState::Done)
    })
    .await;

    assert_eq!(most.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn stopping_lets_the_running_job_finish_and_gives_back_the_claimed_ones() {
    let queue = MemoryQueue::default();
    let ids: Vec<JobId> = (0..3)
        .map(|_| queue.add(NewJob::new("gated.kind")))
        .collect();
    let started = Arc::new(Notify::new());
    let gate = Arc::new(Notify::new());
    let worker = JobWorker::new(
        queue.clone(),
        WorkerSettings {
            concurrency: 1,
            ..settings()
        },
    )
    .register(handler("gated.kind", {
        let (started, gate) = (started.clone(), gate.clone());
        move |_job: Job| {
            let (started, gate) = (started.clone(), gate.clone());
            async move {
                started.notify_one();
                gate.notified().await;
                Ok(())
            }
        }
    }));
    let (stop, mut stopped) = watch::channel(false);

    let stop_while_running = async {
        started.notified().await;
        let states: Vec<JobState> = ids.iter().map(|id| state_of(&queue, *id)).collect();
        assert_eq!(
            states,
            [JobState::Running, JobState::Running, JobState::Queued],
            "one job running, one claimed ahead"
        );
        let _ = stop.send(true);
        tokio::time::sleep(ms(20)).await;
        gate.notify_one();
    };
    tokio::join!(
        worker.run(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }),
        stop_while_running
    );

    let jobs: Vec<(JobState, u32)> = ids
        .iter()
        .map(|id| {
            let job = queue.job(*id);
            (job.state, job.attempts)
        })
        .collect();
    assert_eq!(
        jobs,
        [
            (JobState::Done, 1),
            (JobState::Queued, 0),
            (JobState::Queued, 0)
        ]
    );
}

#[tokio::test]
async fn a_job_running_past_the_visibility_timeout_keeps_its_lock() {
    let queue = MemoryQueue::default();
    let id = queue.add(NewJob::new("slow.kind"));
    let runs = Arc::new(AtomicUsize::new(0));
    let worker = JobWorker::new(
        queue.clone(),
        WorkerSettings {
            visibility_timeout: ms(200),
            ..settings()
        },
    )
    .register(handler("slow.kind", {
        let runs = runs.clone();
        move |_job: Job| {
            runs.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(ms(800)).await;
                Ok(())
            }
        }
    }));
    let another_worker = async {
        tokio::time::sleep(ms(500)).await;
        queue.claim(&["slow.kind"], 10, ms(200)).await.unwrap()
    };

    let ((), stolen) = tokio::join!(
        run_until(&worker, || state_of(&queue, id) == JobState::Done),
        another_worker
    );

    assert!(stolen.is_empty(), "{stolen:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(queue.job(id).attempts, 1);
}

#[tokio::test]
async fn only_kinds_with_a_handler_are_claimed() {
    let queue = MemoryQueue::default();
    let unknown = queue.add(NewJob::new("newer.kind"));
    let known = queue.add(NewJob::new("mail.send"));
    let worker = JobWorker::new(queue.clone(), settings())
        .register(handler("mail.send", |_job: Job| async { Ok(()) }));

    run_until(&worker, || state_of(&queue, known) == JobState::Done).await;

    assert_eq!(worker.kinds(), ["mail.send"]);
    let job = queue.job(unknown);
    assert_eq!((job.state, job.attempts), (JobState::Queued, 0));
}

#[tokio::test]
async fn a_job_still_running_when_the_grace_ends_counts_as_a_failed_attempt() {
    let queue = MemoryQueue::default();
    let id = queue.add(NewJob::new("stuck.kind"));
    let worker = JobWorker::new(
        queue.clone(),
        WorkerSettings {
            shutdown_grace: ms(30),
            ..settings()
        },
    )
    .register(handler("stuck.kind", |_job: Job| {
        std::future::pending::<Result<(), JobError>>()
    }));

    run_until(&worker, || state_of(&queue, id) == JobState::Running).await;

    let job = queue.job(id);
    assert_eq!(job.state, JobState::Queued, "free for another worker");
    assert!(
        job.last_error
            .as_deref()
            .is_some_and(|error| error.starts_with("interrupted")),
        "{job:?}"
    );
}

#[tokio::test]
async fn the_worker_claims_again_once_the_queue_is_back() {
    let queue = MemoryQueue::default();
    let id = queue.add(NewJob::new("mail.send"));
    queue.set_down(true);
    let worker = JobWorker::new(queue.clone(), settings())
        .register(handler("mail.send", |_job: Job| async { Ok(()) }));
    let restore = async {
        tokio::time::sleep(ms(30)).await;
        queue.set_down(false);
    };

    tokio::join!(
        run_until(&worker, || state_of(&queue, id) == JobState::Done),
        restore
    );

    assert_eq!(state_of(&queue, id), JobState::Done);
}

#[tokio::test]
async fn the_depth_is_counted_per_unfinished_state() {
    let queue = MemoryQueue::default();
    let dead = queue.add(NewJob::new("mail.send"));
    queue.set_state(dead, JobState::Dead);
    queue.add(NewJob::new("mail.send"));
    queue.add(NewJob::new("mail.send"));
    let worker = JobWorker::new(queue, settings());

    let depth = worker.report_depth().await.unwrap();

    assert_eq!(
        depth,
        QueueDepth {
            queued: 2,
            running: 0,
            dead: 1
        }
    );
}
