//! Runs the durable jobs in the background (see `folio_application::jobs`): the
//! worker with the handler of every job kind, the scheduler of recurring jobs, the
//! queue depth gauges and the retention of done jobs. Stopped after the API server,
//! before the outbox relay, so that what the last requests enqueued can still start
//! and the events of the last jobs are published.

use std::sync::Arc;
use std::time::Duration;

use crate::background::{StopSignal, Supervised, TaskBoard};
use crate::blob_storage::ConfiguredBlobStorage;
use crate::clock::SystemClock;
use crate::config::{JobsConfig, UploadsConfig};
use folio_application::SessionPolicy;
use folio_application::doorbell::Doorbell;
use folio_application::jobs::notification_purge::{self, PurgeOldNotifications};
use folio_application::jobs::search_purge::{self, PurgeSearchRecords};
use folio_application::jobs::session_purge::{self, PurgeExpiredSessions};
use folio_application::jobs::upload_cleanup::CleanUpUploads;
use folio_application::jobs::upload_variants::MakeUploadVariants;
use folio_application::jobs::{JobScheduler, JobWorker};
use folio_images::ImageRsCodec;
use folio_postgres::{
    Database, PgJobQueue, PgNotificationRepository, PgSearchLog, PgSessionRepository, PgUnitOfWork,
    PgUploadRepository, PgUploadSettlement,
};

/// How often recurring jobs are looked at, at most.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);
const REPORT_DEPTH_EVERY: Duration = Duration::from_secs(5);
const CLEAN_UP_EVERY: Duration = Duration::from_secs(3600);

/// The running worker; [`JobsTask::stop`] lets its running jobs finish.
pub struct JobsTask {
    worker: Supervised,
    upkeep: Supervised,
}

impl JobsTask {
    /// Starts the worker, unless the configuration runs none in this instance.
    pub fn start(
        database: Database,
        config: &JobsConfig,
        sessions: SessionPolicy,
        uploads: &UploadsConfig,
        blobs: ConfiguredBlobStorage,
        commits: Doorbell,
        board: &TaskBoard,
    ) -> Option<Self> {
        if config.worker.concurrency == 0 {
            return None;
        }
        let queue = PgJobQueue::new(database.clone(), config.max_attempts);
        let worker = Arc::new(
            JobWorker::new(queue.clone(), config.worker)
                .register(PurgeExpiredSessions::new(
                    PgSessionRepository::new(database.clone()),
                    SystemClock,
                    config.session_purge,
                    sessions.idle_timeout,
                ))
                .register(PurgeSearchRecords::new(
                    PgSearchLog::new(database.clone()),
                    SystemClock,
                    config.search_purge,
                ))
                .register(PurgeOldNotifications::new(
                    PgNotificationRepository::new(database.clone()),
                    SystemClock,
                    config.notification_purge,
                ))
                .register(MakeUploadVariants::new(
                    PgUploadRepository::new(database.clone()),
                    blobs.clone(),
                    ImageRsCodec::per_core(),
                    PgUploadSettlement::new(
                        PgUnitOfWork::new(database.clone(), config.max_attempts).ringing(commits),
                    ),
                    uploads.limits,
                ))
                .register(CleanUpUploads::new(
                    PgUploadRepository::new(database),
                    blobs,
                    SystemClock,
                    config.upload_cleanup,
                )),
        );
        let scheduler = Arc::new(
            JobScheduler::new(queue)
                .with(config.session_purge.recurring(session_purge::KIND))
                .with(config.search_purge.recurring(search_purge::KIND))
                .with(
                    config
                        .notification_purge
                        .recurring(notification_purge::KIND),
                )
                .with(config.upload_cleanup.recurring()),
        );
        let retention = config.retention;
        let upkeep = Supervised::spawn("job upkeep", board, {
            let worker = worker.clone();
            move |stop| upkeep(worker.clone(), scheduler.clone(), retention, stop)
        });
        let worker = Supervised::spawn("job worker", board, move |stop| {
            let worker = worker.clone();
            async move { worker.run(stop.stopped()).await }
        });
        Some(Self { worker, upkeep })
    }

    /// Stops claiming, gives back what was claimed but not started, and waits for
    /// the running jobs.
    pub async fn stop(self) {
        self.upkeep.stop().await;
        self.worker.stop().await;
    }
}

async fn upkeep(
    worker: Arc<JobWorker<PgJobQueue>>,
    scheduler: Arc<JobScheduler<PgJobQueue>>,
    retention: Duration,
    stop: StopSignal,
) {
    let period = scheduler
        .shortest_period()
        .map_or(SCHEDULE_EVERY, |period| period.min(SCHEDULE_EVERY));
    let mut schedule = tokio::time::interval(period);
    let mut depth = tokio::time::interval(REPORT_DEPTH_EVERY);
    let mut clean_up = tokio::time::interval(CLEAN_UP_EVERY);
    let stopped = stop.stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = schedule.tick() => {
                scheduler.enqueue_due().await;
            }
            _ = depth.tick() => {
                if let Err(error) = worker.report_depth().await {
                    tracing::debug!(%error, "could not measure the job queue");
                }
            }
            _ = clean_up.tick() => {
                if let Err(error) = worker.remove_done(retention).await {
                    tracing::warn!(%error, "job retention pass failed");
                }
            }
        }
    }
}
