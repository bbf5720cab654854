//! The record of searches (`search_queries`): batch inserts, retention, insights.

use diesel::sql_types::{BigInt, Double, Text, Timestamptz};
use diesel::{Insertable, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{
    PortError, QueryCount, SearchDay, SearchInsights, SearchInsightsSource, SearchLogWriter,
    SearchRecord,
};
use folio_domain::Timestamp;
use uuid::Uuid;

use super::Database;
use super::batch_delete::delete_batch_before;
use super::errors::query_error;
use super::fields::to_json;
use super::schema::search_queries;

#[derive(Clone)]
pub struct PgSearchLog {
    db: Database,
}

impl PgSearchLog {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Insertable)]
#[diesel(table_name = search_queries)]
struct RecordInsert<'a> {
    searched_at: Timestamp,
    query: Option<&'a str>,
    filters: serde_json::Value,
    results: i64,
    latency_ms: f64,
    user_id: Option<Uuid>,
}

impl<'a> From<&'a SearchRecord> for RecordInsert<'a> {
    fn from(record: &'a SearchRecord) -> Self {
        Self {
            searched_at: record.searched_at,
            query: record.query.as_deref(),
            filters: to_json(
                record
                    .filters
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            ),
            results: i64::try_from(record.results).unwrap_or(i64::MAX),
            latency_ms: record.latency.as_secs_f64() * 1000.0,
            user_id: record.user.map(|user| user.as_uuid()),
        }
    }
}

/// Oldest records first, through the BRIN index on `searched_at`.
const REMOVE_BEFORE: &str = "DELETE FROM search_queries WHERE id IN (\
     SELECT id FROM search_queries WHERE searched_at < $1 LIMIT $2)";

const DAYS: &str = "SELECT to_char(searched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
     count(*) AS searches, count(*) FILTER (WHERE results = 0) AS zero_results, \
     percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50, \
     percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95 \
     FROM search_queries WHERE searched_at >= $1 GROUP BY day ORDER BY day";

const TOP: &str = "SELECT query, count(*) AS searches FROM search_queries \
     WHERE searched_at >= $1 AND query IS NOT NULL \
     GROUP BY query ORDER BY searches DESC, query COLLATE \"C\" LIMIT $2";

const TOP_ZERO: &str = "SELECT query, count(*) AS searches FROM search_queries \
     WHERE searched_at >= $1 AND query IS NOT NULL AND results = 0 \
     GROUP BY query ORDER BY searches DESC, query COLLATE \"C\" LIMIT $2";

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    searches: i64,
    #[diesel(sql_type = BigInt)]
    zero_results: i64,
    #[diesel(sql_type = Double)]
    p50: f64,
    #[diesel(sql_type = Double)]
    p95: f64,
}

#[derive(QueryableByName)]
struct TopRow {
    #[diesel(sql_type = Text)]
    query: String,
    #[diesel(sql_type = BigInt)]
    searches: i64,
}

/// The texts `sql` (`TOP` or `TOP_ZERO`) lists since `since`, at most `top`.
async fn most_searched(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    since: Timestamp,
    top: u32,
) -> Result<Vec<QueryCount>, PortError> {
    let rows: Vec<TopRow> = diesel::sql_query(sql)
        .bind::<Timestamptz, _>(since)
        .bind::<BigInt, _>(i64::from(top))
        .load(conn)
        .await
        .map_err(query_error)?;
    Ok(rows
        .into_iter()
        .map(|row| QueryCount {
            query: row.query,
            count: u64::try_from(row.searches).unwrap_or(0),
        })
        .collect())
}

impl SearchLogWriter for PgSearchLog {
    async fn record(&self, records: &[SearchRecord]) -> Result<(), PortError> {
        if records.is_empty() {
            return Ok(());
        }
        let rows: Vec<RecordInsert<'_>> = records.iter().map(RecordInsert::from).collect();
        let mut conn = self.db.connection().await?;
        diesel::insert_into(search_queries::table)
            .values(rows)
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(())
    }

    async fn remove_before(&self, before: Timestamp, limit: u32) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        delete_batch_before(&mut conn, REMOVE_BEFORE, before, limit).await
    }
}

impl SearchInsightsSource for PgSearchLog {
    async fn insights(&self, since: Timestamp, top: u32) -> Result<SearchInsights, PortError> {
        let mut conn = self.db.connection().await?;
        let days: Vec<DayRow> = diesel::sql_query(DAYS)
            .bind::<Timestamptz, _>(since)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        let top_queries = most_searched(&mut conn, TOP, since, top).await?;
        let top_zero = most_searched(&mut conn, TOP_ZERO, since, top).await?;
        Ok(SearchInsights {
            days: days
                .into_iter()
                .map(|row| SearchDay {
                    day: row.day,
                    searches: u64::try_from(row.searches).unwrap_or(0),
                    zero_results: u64::try_from(row.zero_results).unwrap_or(0),
                    p50_latency_ms: row.p50,
                    p95_latency_ms: row.p95,
                })
                .collect(),
            top_queries,
            top_zero_result_queries: top_zero,
        })
    }
}
