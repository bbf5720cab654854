//! `folio jobs ...`: the operator's view of the job queue, through the
//! application's `JobAdmin`.

use chrono::SecondsFormat;
use folio_application::jobs::JobAdmin;
use folio_application::ports::Job;
use folio_postgres::{Database, PgJobQueue};

use crate::config::Config;
use crate::startup::{StartupError, migrate, operator_error};

async fn admin(config: &Config) -> Result<JobAdmin<PgJobQueue>, StartupError> {
    migrate(config).await?;
    let database = Database::connect(&config.database).await?;
    Ok(JobAdmin::new(PgJobQueue::new(
        database,
        config.jobs.max_attempts,
    )))
}

/// Up to `limit` jobs in `state` (the unfinished ones when `None`).
pub async fn list_jobs(
    config: &Config,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<Job>, StartupError> {
    admin(config)
        .await?
        .list(state, limit)
        .await
        .map_err(|error| operator_error(error, String::new))
}

/// Queues dead job `id` again.
pub async fn retry_job(config: &Config, id: i64) -> Result<Job, StartupError> {
    admin(config)
        .await?
        .retry(id)
        .await
        .map_err(|error| operator_error(error, || format!("no job {id}")))
}

/// The columns of [`job_line`].
pub const JOB_HEADER: &str = "id\tstate\tkind\tattempts\trun_at\tlast_error";

/// One job as a tab-separated line.
pub fn job_line(job: &Job) -> String {
    format!(
        "{}\t{}\t{}\t{}/{}\t{}\t{}",
        job.id,
        job.state,
        job.kind,
        job.attempts,
        job.max_attempts,
        job.run_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        job.last_error
            .as_deref()
            .unwrap_or("")
            .replace(['\t', '\n'], " "),
    )
}
