//! The relay's side of the outbox: giving committed events their place in the global
//! order, handing them out to publish, and retention.

use diesel::dsl::{count_star, min};
use diesel::sql_types::BigInt;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_application::ports::{OutboxEvent, OutboxLag, OutboxLease, OutboxStore, PortError};
use folio_domain::Timestamp;

use super::Database;
use super::errors::query_error;
use super::fields::from_json;
use super::schema::{outbox, outbox_relay};
use super::source::Source;
use super::transaction::OpenTransaction;

/// Numbers the oldest unnumbered events, in id order, after `$1`; `$2` at most.
const SEQUENCE_NEXT: &str = "\
    WITH next AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n
        FROM outbox WHERE sequence IS NULL ORDER BY id LIMIT $2
    )
    UPDATE outbox SET sequence = $1 + next.n FROM next WHERE outbox.id = next.id";

#[derive(Clone)]
pub struct PgOutboxStore {
    db: Database,
}

impl PgOutboxStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The relay row, locked for the rest of the transaction; `None` when another
/// relay holds it.
async fn lock_relay(
    connection: &mut diesel_async::AsyncPgConnection,
) -> diesel::QueryResult<Option<i64>> {
    outbox_relay::table
        .select(outbox_relay::last_sequence)
        .for_update()
        .skip_locked()
        .first(connection)
        .await
        .optional()
}

impl OutboxStore for PgOutboxStore {
    type Lease = PgOutboxLease;

    async fn sequence(&self, limit: u32) -> Result<Option<u32>, PortError> {
        let mut connection = self.db.connection().await?;
        connection
            .transaction(async |connection| {
                let Some(last) = lock_relay(connection).await? else {
                    return Ok(None);
                };
                let numbered = diesel::sql_query(SEQUENCE_NEXT)
                    .bind::<BigInt, _>(last)
                    .bind::<BigInt, _>(i64::from(limit))
                    .execute(connection)
                    .await?;
                if numbered > 0 {
                    diesel::update(outbox_relay::table)
                        .set(
                            outbox_relay::last_sequence
                                .eq(last + i64::try_from(numbered).unwrap_or(i64::MAX)),
                        )
                        .execute(connection)
                        .await?;
                }
                Ok(Some(u32::try_from(numbered).unwrap_or(u32::MAX)))
            })
            .await
            .map_err(query_error)
    }

    async fn lease(&self) -> Result<Option<PgOutboxLease>, PortError> {
        let transaction = OpenTransaction::begin(&self.db).await?;
        let source = transaction.source();
        let locked = {
            let mut connection = source.connection().await?;
            lock_relay(&mut connection).await.map_err(query_error)?
        };
        Ok(locked.map(|_| PgOutboxLease {
            transaction,
            source,
        }))
    }

    async fn remove_published_before(&self, before: Timestamp) -> Result<u64, PortError> {
        let mut connection = self.db.connection().await?;
        let removed = diesel::delete(
            outbox::table
                .filter(outbox::published_at.is_not_null())
                .filter(outbox::occurred_at.lt(before)),
        )
        .execute(&mut connection)
        .await
        .map_err(query_error)?;
        Ok(u64::try_from(removed).unwrap_or(u64::MAX))
    }

    async fn first_sequence_since(&self, since: Timestamp) -> Result<Option<u64>, PortError> {
        let mut connection = self.db.connection().await?;
        let first: Option<i64> = outbox::table
            .filter(outbox::occurred_at.ge(since))
            .select(min(outbox::sequence))
            .first(&mut connection)
            .await
            .map_err(query_error)?;
        Ok(first.and_then(|sequence| u64::try_from(sequence).ok()))
    }

    async fn lag(&self, now: Timestamp) -> Result<OutboxLag, PortError> {
        let mut connection = self.db.connection().await?;
        let (events, oldest): (i64, Option<Timestamp>) = outbox::table
            .filter(outbox::published_at.is_null())
            .select((count_star(), min(outbox::occurred_at)))
            .first(&mut connection)
            .await
            .map_err(query_error)?;
        let oldest_ms = oldest
            .and_then(|oldest| (now - oldest).to_std().ok())
            .map_or(0, |age| u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        Ok(OutboxLag {
            events: u64::try_from(events).unwrap_or(0),
            oldest_ms,
        })
    }
}

/// The relay row, locked until released.
pub struct PgOutboxLease {
    transaction: OpenTransaction,
    source: Source,
}

impl OutboxLease for PgOutboxLease {
    async fn pending(&mut self, limit: u32) -> Result<Vec<OutboxEvent>, PortError> {
        let mut connection = self.source.connection().await?;
        let rows: Vec<(Option<i64>, String, serde_json::Value, Timestamp)> = outbox::table
            .filter(outbox::published_at.is_null())
            .filter(outbox::sequence.is_not_null())
            .order(outbox::sequence)
            .limit(i64::from(limit))
            .select((
                outbox::sequence,
                outbox::name,
                outbox::payload,
                outbox::occurred_at,
            ))
            .load(&mut connection)
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(sequence, name, payload, occurred_at)| {
                Some(OutboxEvent {
                    sequence: u64::try_from(sequence?).ok()?,
                    name,
                    fields: from_json(payload),
                    occurred_at,
                })
            })
            .collect())
    }

    async fn mark_published(&mut self, sequence: u64, at: Timestamp) -> Result<(), PortError> {
        let mut connection = self.source.connection().await?;
        diesel::update(
            outbox::table
                .filter(outbox::published_at.is_null())
                .filter(outbox::sequence.le(i64::try_from(sequence).unwrap_or(i64::MAX))),
        )
        .set(outbox::published_at.eq(at))
        .execute(&mut connection)
        .await
        .map_err(query_error)?;
        Ok(())
    }

    async fn release(self) -> Result<(), PortError> {
        drop(self.source);
        self.transaction.commit().await
    }
}
