//! The job queue in PostgreSQL. Workers claim with `FOR UPDATE SKIP LOCKED`, so
//! concurrent claims never wait for each other nor take the same job; a claim holds
//! a job until its `locked_until`, and every claim counts an attempt, which is how
//! a claim is told from a later one.

use std::time::Duration;

use diesel::dsl::{count_star, exists};
use diesel::sql_types::{Array, BigInt, Integer, Interval, Text};
use diesel::{
    BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_application::ports::{
    Job, JobClaim, JobFailure, JobId, JobQueue, JobState, NewJob, PortError, QueueDepth,
};

use super::Database;
use super::errors::query_error;
use super::job_rows::{JobRow, insert_jobs, int4, interval, into_jobs, now, now_minus, now_plus};
use super::schema::jobs;

/// Running jobs whose lock expired: their worker stopped renewing it (it died, or
/// lost the database). Queued again, or dead when that was the last attempt.
const REQUEUE_EXPIRED: &str = "\
    UPDATE jobs SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
        locked_until = NULL,
        last_error = 'the worker stopped renewing its lock during attempt ' || attempts,
        updated_at = now()
    WHERE state = 'running' AND locked_until <= now()";

/// Claims up to `$2` due jobs of the kinds `$1`, locking them for `$3`.
const CLAIM: &str = "\
    WITH next AS (
        SELECT id FROM jobs
        WHERE state = 'queued' AND run_at <= now() AND kind = ANY($1)
        ORDER BY run_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
    )
    UPDATE jobs SET
        state = 'running',
        attempts = jobs.attempts + 1,
        locked_until = now() + $3,
        updated_at = now()
    FROM next WHERE jobs.id = next.id
    RETURNING jobs.*";

/// The claims (`$1` ids, `$2` attempts) still held.
const HELD: &str = "\
    FROM unnest($1::bigint[], $2::integer[]) AS held (id, attempt)
    WHERE jobs.id = held.id AND jobs.attempts = held.attempt AND jobs.state = 'running'";

/// Keeps held jobs locked for `$3` more.
fn extend_held() -> String {
    format!("UPDATE jobs SET locked_until = now() + $3 {HELD}")
}

/// Gives held jobs back unstarted: their attempt is not counted.
fn release_held() -> String {
    format!(
        "UPDATE jobs SET state = 'queued', attempts = jobs.attempts - 1, locked_until = NULL, \
         updated_at = now() {HELD}"
    )
}

/// Done jobs removed per statement.
const REMOVE_BATCH: i64 = 10_000;

/// Removes up to `$2` jobs done more than `$1` ago.
const REMOVE_DONE: &str = "\
    DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs WHERE state = 'done' AND updated_at < now() - $1 LIMIT $2
    )";

/// The transaction-scoped lock that serialises `enqueue_unless_recent` per kind.
const LOCK_KIND: &str = "SELECT pg_advisory_xact_lock(hashtextextended('folio.jobs:' || $1, 0))";

#[derive(Clone)]
pub struct PgJobQueue {
    db: Database,
    /// Attempts of an enqueued job that names none.
    default_max_attempts: u32,
}

impl PgJobQueue {
    pub fn new(db: Database, default_max_attempts: u32) -> Self {
        Self {
            db,
            default_max_attempts,
        }
    }

    /// Runs `statement` over `claims` (bound as `$1` ids and `$2` attempts) with
    /// `lock_for` as `$3`; how many rows it changed.
    async fn update_held(
        &self,
        statement: String,
        claims: &[JobClaim],
        lock_for: Option<Duration>,
    ) -> Result<u64, PortError> {
        if claims.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = claims.iter().map(|claim| claim.id.get()).collect();
        let attempts: Vec<i32> = claims.iter().map(|claim| int4(claim.attempt)).collect();
        let mut connection = self.db.connection().await?;
        let query = diesel::sql_query(statement)
            .bind::<Array<BigInt>, _>(ids)
            .bind::<Array<Integer>, _>(attempts);
        let changed = match lock_for {
            Some(lock_for) => {
                query
                    .bind::<Interval, _>(interval(lock_for))
                    .execute(&mut connection)
                    .await
            }
            None => query.execute(&mut connection).await,
        }
        .map_err(query_error)?;
        Ok(u64::try_from(changed).unwrap_or(0))
    }

    /// Applies `changes` to the job of `claim` if the claim is still held.
    async fn settle<V>(&self, claim: JobClaim, changes: V) -> Result<bool, PortError>
    where
        V: diesel::AsChangeset<Target = jobs::table> + Send,
        V::Changeset: diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send,
    {
        let mut connection = self.db.connection().await?;
        let changed = diesel::update(
            jobs::table
                .find(claim.id.get())
                .filter(jobs::state.eq(JobState::Running.as_str()))
                .filter(jobs::attempts.eq(int4(claim.attempt))),
        )
        .set(changes)
        .execute(&mut connection)
        .await
        .map_err(query_error)?;
        Ok(changed == 1)
    }
}

impl JobQueue for PgJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<JobId, PortError> {
        let mut connection = self.db.connection().await?;
        let ids = insert_jobs(
            &mut connection,
            std::slice::from_ref(&job),
            self.default_max_attempts,
        )
        .await
        .map_err(query_error)?;
        ids.into_iter()
            .next()
            .map(JobId::new)
            .ok_or(PortError::NotFound)
    }

    async fn enqueue_unless_recent(
        &self,
        job: NewJob,
        within: Duration,
    ) -> Result<Option<JobId>, PortError> {
        let default_max_attempts = self.default_max_attempts;
        let mut connection = self.db.connection().await?;
        connection
            .transaction(async |connection| {
                diesel::sql_query(LOCK_KIND)
                    .bind::<Text, _>(job.kind)
                    .execute(connection)
                    .await?;
                let pending = jobs::state
                    .eq_any([JobState::Queued.as_str(), JobState::Running.as_str()])
                    .or(jobs::created_at.ge(now_minus(within)));
                let recent: bool = diesel::select(exists(
                    jobs::table.filter(jobs::kind.eq(job.kind)).filter(pending),
                ))
                .get_result(connection)
                .await?;
                if recent {
                    return Ok(None);
                }
                let ids = insert_jobs(connection, std::slice::from_ref(&job), default_max_attempts)
                    .await?;
                Ok(ids.into_iter().next().map(JobId::new))
            })
            .await
            .map_err(query_error)
    }

    async fn claim(
        &self,
        kinds: &[&'static str],
        limit: u32,
        lock_for: Duration,
    ) -> Result<Vec<Job>, PortError> {
        let mut connection = self.db.connection().await?;
        diesel::sql_query(REQUEUE_EXPIRED)
            .execute(&mut connection)
            .await
            .map_err(query_error)?;
        let rows: Vec<JobRow> = diesel::sql_query(CLAIM)
            .bind::<Array<Text>, _>(kinds)
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<Interval, _>(interval(lock_for))
            .load(&mut connection)
            .await
            .map_err(query_error)?;
        let mut claimed = into_jobs(rows)?;
        claimed.sort_by_key(|job| (job.run_at, job.id));
        Ok(claimed)
    }

    async fn extend(&self, claims: &[JobClaim], lock_for: Duration) -> Result<(), PortError> {
        self.update_held(extend_held(), claims, Some(lock_for))
            .await
            .map(|_| ())
    }

    async fn complete(&self, claim: JobClaim) -> Result<bool, PortError> {
        self.settle(
            claim,
            (
                jobs::state.eq(JobState::Done.as_str()),
                jobs::locked_until.eq(None::<chrono::DateTime<chrono::Utc>>),
                jobs::updated_at.eq(now()),
            ),
        )
        .await
    }

    async fn fail(&self, claim: JobClaim, failure: JobFailure) -> Result<bool, PortError> {
        let unlocked = jobs::locked_until.eq(None::<chrono::DateTime<chrono::Utc>>);
        let updated = jobs::updated_at.eq(now());
        match failure {
            JobFailure::Retry { error, after } => {
                self.settle(
                    claim,
                    (
                        jobs::state.eq(JobState::Queued.as_str()),
                        jobs::run_at.eq(now_plus(after)),
                        jobs::last_error.eq(error),
                        unlocked,
                        updated,
                    ),
                )
                .await
            }
            JobFailure::Dead { error } => {
                self.settle(
                    claim,
                    (
                        jobs::state.eq(JobState::Dead.as_str()),
                        jobs::last_error.eq(error),
                        unlocked,
                        updated,
                    ),
                )
                .await
            }
        }
    }

    async fn release(&self, claims: &[JobClaim]) -> Result<u64, PortError> {
        self.update_held(release_held(), claims, None).await
    }

    async fn find(&self, id: JobId) -> Result<Option<Job>, PortError> {
        let mut connection = self.db.connection().await?;
        let row: Option<JobRow> = jobs::table
            .find(id.get())
            .select(JobRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_error)?;
        row.map(JobRow::into_job).transpose()
    }

    async fn list(&self, states: &[JobState], limit: u32) -> Result<Vec<Job>, PortError> {
        let states: Vec<&str> = states.iter().map(|state| state.as_str()).collect();
        let mut connection = self.db.connection().await?;
        let rows: Vec<JobRow> = jobs::table
            .filter(jobs::state.eq_any(states))
            .order((jobs::updated_at.desc(), jobs::id.desc()))
            .limit(i64::from(limit))
            .select(JobRow::as_select())
            .load(&mut connection)
            .await
            .map_err(query_error)?;
        into_jobs(rows)
    }

    async fn retry(&self, id: JobId) -> Result<Option<Job>, PortError> {
        let mut connection = self.db.connection().await?;
        let row: Option<JobRow> = diesel::update(
            jobs::table
                .find(id.get())
                .filter(jobs::state.eq(JobState::Dead.as_str())),
        )
        .set((
            jobs::state.eq(JobState::Queued.as_str()),
            jobs::attempts.eq(0),
            jobs::run_at.eq(now()),
            jobs::updated_at.eq(now()),
        ))
        .returning(JobRow::as_returning())
        .get_result(&mut connection)
        .await
        .optional()
        .map_err(query_error)?;
        row.map(JobRow::into_job).transpose()
    }

    async fn depth(&self) -> Result<QueueDepth, PortError> {
        let mut connection = self.db.connection().await?;
        let counts: Vec<(String, i64)> = jobs::table
            .filter(jobs::state.ne(JobState::Done.as_str()))
            .group_by(jobs::state)
            .select((jobs::state, count_star()))
            .load(&mut connection)
            .await
            .map_err(query_error)?;
        let count = |state: JobState| {
            counts
                .iter()
                .find(|(name, _)| name == state.as_str())
                .map_or(0, |(_, count)| u64::try_from(*count).unwrap_or(0))
        };
        Ok(QueueDepth {
            queued: count(JobState::Queued),
            running: count(JobState::Running),
            dead: count(JobState::Dead),
        })
    }

    async fn remove_done(&self, age: Duration) -> Result<u64, PortError> {
        let mut connection = self.db.connection().await?;
        let mut removed = 0;
        loop {
            let deleted = diesel::sql_query(REMOVE_DONE)
                .bind::<Interval, _>(interval(age))
                .bind::<BigInt, _>(REMOVE_BATCH)
                .execute(&mut connection)
                .await
                .map_err(query_error)?;
            removed += u64::try_from(deleted).unwrap_or(0);
            if i64::try_from(deleted).unwrap_or(0) < REMOVE_BATCH {
                return Ok(removed);
            }
        }
    }
}
