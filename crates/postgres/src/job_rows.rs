//! The `jobs` table as diesel reads and writes it: the row, its conversion, and the
//! insert shared by the unit of work and the queue.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::data_types::PgInterval;
use diesel::dsl::{AsExprOf, sql};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::sql_types::{Interval, Timestamptz};
use diesel::{ExpressionMethods, QueryableByName, Selectable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{Job, JobId, JobState, NewJob, PortError};

use super::fields::{from_json, to_json};
use super::schema::jobs;

/// `now() + offset`. The database's clock, which every instance shares, decides
/// when jobs are due and when locks expire.
pub(crate) type DatabaseNowPlus =
    UncheckedBind<SqlLiteral<Timestamptz>, AsExprOf<PgInterval, Interval>>;

/// The database's `now()`.
pub(crate) fn now() -> SqlLiteral<Timestamptz> {
    sql::<Timestamptz>("now()")
}

/// The database's `now()` plus `duration`.
pub(crate) fn now_plus(duration: Duration) -> DatabaseNowPlus {
    sql::<Timestamptz>("now() + ").bind::<Interval, _>(interval(duration))
}

/// The database's `now()` minus `duration`.
pub(crate) fn now_minus(duration: Duration) -> DatabaseNowPlus {
    sql::<Timestamptz>("now() - ").bind::<Interval, _>(interval(duration))
}

/// `duration` as a PostgreSQL interval (saturating).
pub(crate) fn interval(duration: Duration) -> PgInterval {
    PgInterval::from_microseconds(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// A count or limit as the `integer` columns hold it.
pub(crate) fn int4(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[derive(Debug, QueryableByName, diesel::Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
pub(crate) struct JobRow {
    id: i64,
    kind: String,
    payload: serde_json::Value,
    state: String,
    attempts: i32,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl JobRow {
    pub(crate) fn into_job(self) -> Result<Job, PortError> {
        let state = JobState::parse(&self.state).ok_or_else(|| {
            PortError::Other(
                format!("unknown state {:?} stored for job {}", self.state, self.id).into(),
            )
        })?;
        Ok(Job {
            id: JobId::new(self.id),
            kind: self.kind,
            payload: from_json(self.payload),
            state,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            max_attempts: u32::try_from(self.max_attempts).unwrap_or(1),
            run_at: self.run_at,
            locked_until: self.locked_until,
            last_error: self.last_error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) fn into_jobs(rows: Vec<JobRow>) -> Result<Vec<Job>, PortError> {
    rows.into_iter().map(JobRow::into_job).collect()
}

/// Writes `new` as queued jobs, due `delay` after the transaction's start; their ids.
pub(crate) async fn insert_jobs(
    connection: &mut AsyncPgConnection,
    new: &[NewJob],
    default_max_attempts: u32,
) -> diesel::QueryResult<Vec<i64>> {
    let rows: Vec<_> = new
        .iter()
        .map(|job| {
            (
                jobs::kind.eq(job.kind),
                jobs::payload.eq(to_json(
                    job.payload
                        .iter()
                        .map(|(name, value)| (*name, value.as_str())),
                )),
                jobs::max_attempts.eq(int4(job.max_attempts.unwrap_or(default_max_attempts))),
                jobs::run_at.eq(now_plus(job.delay)),
            )
        })
        .collect();
    diesel::insert_into(jobs::table)
        .values(rows)
        .returning(jobs::id)
        .get_results(connection)
        .await
}
