//! Durable jobs against the real PostgreSQL: a job is stored only with the change
//! that enqueued it, runs again when its worker dies, ends dead after its attempts
//! and runs once more when retried, never runs on two workers at once, and the
//! operator's commands and the session purge work end to end.

use std::collections::{BTreeMap, HashSet};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_application::jobs::{Backoff, JobAdmin, JobError, JobHandler, JobWorker, WorkerSettings};
use folio_application::ports::{
    Job, JobFailure, JobId, JobQueue, JobState, NewJob, UnitOfWork, Work,
};
use folio_postgres::{Database, DatabaseSettings, PgJobQueue, PgUnitOfWork};
use tokio::sync::watch;

use crate::support::{TestApp, metric, run_folio, spawn_app, spawn_app_with};

const KIND: &str = "test.record";

/// Runs of the test kind: which jobs ran, how often, and whether any job ever ran
/// twice at the same time.
#[derive(Default)]
struct Runs {
    finished: Mutex<Vec<JobId>>,
    running: Mutex<HashSet<JobId>>,
    overlaps: Mutex<Vec<JobId>>,
    payloads: Mutex<Vec<Option<String>>>,
}

impl Runs {
    fn of(&self, id: JobId) -> usize {
        self.finished
            .lock()
            .unwrap()
            .iter()
            .filter(|run| **run == id)
            .count()
    }
}

/// Records every run; fails while `broken`; takes `slow` for jobs with `slow=true`.
struct Recorder {
    runs: Arc<Runs>,
    broken: Arc<AtomicBool>,
    pause: Duration,
    slow: Duration,
}

impl Recorder {
    fn new(runs: &Arc<Runs>) -> Self {
        Self {
            runs: runs.clone(),
            broken: Arc::new(AtomicBool::new(false)),
            pause: Duration::ZERO,
            slow: Duration::ZERO,
        }
    }
}

impl JobHandler for Recorder {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        if !self.runs.running.lock().unwrap().insert(job.id) {
            self.runs.overlaps.lock().unwrap().push(job.id);
        }
        self.runs
            .payloads
            .lock()
            .unwrap()
            .push(job.field("note").map(str::to_owned));
        let pause = if job.field("slow").is_some() {
            self.slow
        } else {
            self.pause
        };
        tokio::time::sleep(pause).await;
        self.runs.running.lock().unwrap().remove(&job.id);
        self.runs.finished.lock().unwrap().push(job.id);
        if self.broken.load(Ordering::SeqCst) {
            return Err(JobError::retryable("the mail server said no"));
        }
        Ok(())
    }
}

async fn database_of(app: &TestApp) -> Database {
    Database::connect(&DatabaseSettings {
        url: app.database_url().to_owned(),
        pool_size: 4,
        timeout: Duration::from_secs(5),
        slow_query: Duration::from_secs(5),
        statement_timeout: None,
    })
    .await
    .expect("connect to the test database")
}

async fn queue_of(app: &TestApp) -> PgJobQueue {
    PgJobQueue::new(database_of(app).await, 5)
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        concurrency: 2,
        visibility_timeout: Duration::from_secs(30),
        idle_poll: Duration::from_millis(20),
        backoff: Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(1),
        },
        shutdown_grace: Duration::from_secs(5),
    }
}

/// Runs `workers` until `done` holds (at most 15 s), then stops them and waits.
async fn work_until<F>(workers: &[&JobWorker<PgJobQueue>], done: impl Fn() -> F)
where
    F: Future<Output = bool>,
{
    let (stop, stopped) = watch::channel(false);
    let runs = workers.iter().map(|worker| {
        let mut stopped = stopped.clone();
        worker.run(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
    });
    let watch_done = async {
        for _ in 0..300 {
            if done().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = stop.send(true);
    };
    tokio::join!(futures_util::future::join_all(runs), watch_done);
}

/// Runs `worker` until job `id` is in `state`; the job then.
async fn work_until_job_is(
    worker: &JobWorker<PgJobQueue>,
    queue: &PgJobQueue,
    id: JobId,
    state: JobState,
) -> Job {
    let job = || async { queue.find(id).await.unwrap().unwrap() };
    work_until(&[worker], || async { job().await.state == state }).await;
    job().await
}

async fn job_count(app: &TestApp) -> i64 {
    app.database()
        .await
        .query_one("SELECT count(*) FROM jobs WHERE kind = $1", &[&KIND])
        .await
        .expect("count the jobs")
        .get(0)
}

#[tokio::test]
async fn a_job_enqueued_in_a_unit_of_work_that_rolls_back_never_runs() {
    let app = spawn_app().await;
    let unit_of_work = PgUnitOfWork::new(database_of(&app).await, 5);
    let queue = queue_of(&app).await;
    let runs = Arc::new(Runs::default());
    let worker = JobWorker::new(queue.clone(), settings()).register(Recorder::new(&runs));

    let mut rolled_back = unit_of_work.begin().await.unwrap();
    rolled_back.enqueue(NewJob::new(KIND).field("note", "rolled back"));
    drop(rolled_back);
    let mut committed = unit_of_work.begin().await.unwrap();
    committed.enqueue(NewJob::new(KIND).field("note", "committed"));
    committed.commit().await.unwrap();
    let done = || async { queue.list(&[JobState::Done], 10).await.unwrap().len() == 1 };
    work_until(&[&worker], done).await;
    // Give a stray job every chance to show up.
    let until = Instant::now() + Duration::from_millis(500);
    work_until(&[&worker], || async move { Instant::now() >= until }).await;

    assert_eq!(
        *runs.payloads.lock().unwrap(),
        [Some("committed".to_owned())]
    );
    assert_eq!(
        job_count(&app).await,
        1,
        "the rolled-back job was never stored"
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_and_completes() {
    let app = spawn_app().await;
    let queue = queue_of(&app).await;
    let id = queue.enqueue(NewJob::new(KIND)).await.unwrap();
    let dead_workers_claim = queue
        .claim(&[KIND], 10, Duration::from_millis(700))
        .await
        .unwrap();
    assert_eq!(dead_workers_claim.len(), 1);
    let runs = Arc::new(Runs::default());
    let worker = JobWorker::new(queue.clone(), settings()).register(Recorder::new(&runs));

    assert!(
        queue
            .claim(&[KIND], 10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "locked while the claim holds"
    );
    let job = work_until_job_is(&worker, &queue, id, JobState::Done).await;

    assert_eq!((job.state, job.attempts), (JobState::Done, 2));
    assert_eq!(runs.of(id), 1);
    let stale = queue.complete(dead_workers_claim[0].claim()).await.unwrap();
    assert!(!stale, "the first claim no longer holds the job");
}

#[tokio::test]
async fn a_job_failing_every_attempt_ends_dead_and_runs_once_more_when_retried() {
    let app = spawn_app().await;
    let queue = queue_of(&app).await;
    let id = queue
        .enqueue(NewJob::new(KIND).max_attempts(3))
        .await
        .unwrap();
    let runs = Arc::new(Runs::default());
    let recorder = Recorder::new(&runs);
    let broken = recorder.broken.clone();
    broken.store(true, Ordering::SeqCst);
    let worker = JobWorker::new(queue.clone(), settings()).register(recorder);

    let dead = work_until_job_is(&worker, &queue, id, JobState::Dead).await;
    assert_eq!((dead.state, dead.attempts), (JobState::Dead, 3));
    assert_eq!(dead.last_error.as_deref(), Some("the mail server said no"));
    assert_eq!(runs.of(id), 3);

    broken.store(false, Ordering::SeqCst);
    let retried = JobAdmin::new(queue.clone()).retry(id.get()).await.unwrap();
    assert_eq!((retried.state, retried.attempts), (JobState::Queued, 0));
    let done = work_until_job_is(&worker, &queue, id, JobState::Done).await;

    assert_eq!((done.state, done.attempts), (JobState::Done, 1));
    assert_eq!(runs.of(id), 4);
}

#[tokio::test]
async fn two_workers_never_run_the_same_job_at_once() {
    let app = spawn_app().await;
    let queue = queue_of(&app).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        let mut job = NewJob::new(KIND);
        if n % 10 == 0 {
            // Runs past the visibility timeout: only the heartbeat keeps it.
            job = job.field("slow", "true");
        }
        ids.push(queue.enqueue(job).await.unwrap());
    }
    let runs = Arc::new(Runs::default());
    let worker = |queue: PgJobQueue| {
        JobWorker::new(
            queue,
            WorkerSettings {
                concurrency: 4,
                visibility_timeout: Duration::from_secs(1),
                ..settings()
            },
        )
        .register(Recorder {
            pause: Duration::from_millis(20),
            slow: Duration::from_millis(2500),
            ..Recorder::new(&runs)
        })
    };
    let (first, second) = (worker(queue_of(&app).await), worker(queue_of(&app).await));

    work_until(&[&first, &second], || async {
        queue.list(&[JobState::Done], 100).await.unwrap().len() == ids.len()
    })
    .await;

    assert!(runs.overlaps.lock().unwrap().is_empty());
    let mut per_job: BTreeMap<JobId, usize> = BTreeMap::new();
    for run in runs.finished.lock().unwrap().iter() {
        *per_job.entry(*run).or_default() += 1;
    }
    assert_eq!(per_job.len(), ids.len());
    assert!(per_job.values().all(|count| *count == 1), "{per_job:?}");
}

async fn folio(app: &TestApp, args: &[&str]) -> Output {
    run_folio(app, args).await
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The listed jobs as (id, state, kind, attempts, last error).
fn listed(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .skip(1)
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            [0, 1, 2, 3, 5]
                .iter()
                .map(|n| columns[*n].to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_jobs_commands_list_jobs_by_state_and_retry_a_dead_one() {
    let app = spawn_app_with(&[("FOLIO_JOB_WORKERS", "0")]).await;
    let queue = queue_of(&app).await;
    let dead = queue.enqueue(NewJob::new(KIND)).await.unwrap();
    let queued = queue.enqueue(NewJob::new(KIND)).await.unwrap();
    let claimed = queue
        .claim(&[KIND], 1, Duration::from_secs(60))
        .await
        .unwrap();
    let failure = JobFailure::Dead {
        error: "no such\tuser".to_owned(),
    };
    assert!(queue.fail(claimed[0].claim(), failure).await.unwrap());

    let dead_jobs = stdout_of(&folio(&app, &["jobs", "list", "--state", "dead"]).await);
    let unfinished = stdout_of(&folio(&app, &["jobs", "list"]).await);
    let retried = stdout_of(&folio(&app, &["jobs", "retry", &dead.to_string()]).await);
    let queued_jobs = stdout_of(&folio(&app, &["jobs", "list", "--state", "queued"]).await);
    let unknown = folio(&app, &["jobs", "retry", "999999"]).await;
    let not_dead = folio(&app, &["jobs", "retry", &queued.to_string()]).await;
    let bad_state = folio(&app, &["jobs", "list", "--state", "stuck"]).await;

    let row = |id: JobId, state: &str, attempts: &str, error: &str| {
        vec![
            id.to_string(),
            state.to_owned(),
            KIND.to_owned(),
            attempts.to_owned(),
            error.to_owned(),
        ]
    };
    assert_eq!(
        listed(&dead_jobs),
        [row(dead, "dead", "1/5", "no such user")]
    );
    assert_eq!(
        listed(&unfinished),
        [
            row(dead, "dead", "1/5", "no such user"),
            row(queued, "queued", "0/5", "")
        ]
    );
    assert_eq!(retried.trim(), format!("job {dead} is queued again"));
    assert_eq!(
        listed(&queued_jobs),
        [
            row(dead, "queued", "0/5", "no such user"),
            row(queued, "queued", "0/5", "")
        ]
    );
    for (output, expected) in [
        (&unknown, "no job 999999"),
        (&not_dead, "id is queued: only dead jobs are retried"),
        (
            &bad_state,
            "state must be one of queued, running, done, dead",
        ),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert_eq!(stderr.trim_end(), format!("folio: {expected}"));
    }
}

#[tokio::test]
async fn sessions_that_ended_before_the_retention_are_purged_by_the_recurring_job() {
    let app = spawn_app_with(&[
        ("FOLIO_SESSION_PURGE_AFTER_DAYS", "1"),
        ("FOLIO_SESSION_PURGE_EVERY_SECONDS", "1"),
    ])
    .await;
    for (name, change) in [
        ("revoked_long_ago", "revoked_at = now() - interval '2 days'"),
        ("expired_long_ago", "expires_at = now() - interval '2 days'"),
        ("idle_long_ago", "last_seen_at = now() - interval '16 days'"),
        ("revoked_lately", "revoked_at = now() - interval '12 hours'"),
        ("idle_lately", "last_seen_at = now() - interval '14 days'"),
        ("active", "last_seen_at = now()"),
    ] {
        app.register(name).await;
        app.database()
            .await
            .execute(
                &format!(
                    "UPDATE sessions SET {change} \
                     WHERE user_id = (SELECT id FROM users WHERE username = $1)"
                ),
                &[&name],
            )
            .await
            .expect("age the session");
    }
    let remaining = || async {
        let rows = app
            .database()
            .await
            .query(
                "SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id \
                 ORDER BY u.username",
                &[],
            )
            .await
            .expect("list the sessions");
        rows.iter()
            .map(|row| row.get::<_, String>(0))
            .collect::<Vec<_>>()
    };

    let mut sessions = remaining().await;
    for _ in 0..200 {
        if sessions.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        sessions = remaining().await;
    }

    assert_eq!(sessions, ["active", "idle_lately", "revoked_lately"]);
    let purges: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM jobs WHERE kind = 'sessions.purge_expired' AND state = 'done'",
            &[],
        )
        .await
        .expect("count the purges")
        .get(0);
    assert!(purges >= 1);
    let metrics = app.metrics_text().await;
    assert_eq!(
        metric(&metrics, "job_queue_depth{state=\"dead\"}"),
        Some(0.0)
    );
}
