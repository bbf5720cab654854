//! The relay's side of the outbox: giving committed events their place in the global
//! order, handing them out to publish, and retention.

use diesel::dsl::{count_star, min};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::{BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use folio_application::ports::{OutboxEvent, OutboxLag, OutboxLease, OutboxStore, PortError};
use folio_domain::Timestamp;

use super::Database;
use super::errors::query_error;
use super::fields::from_json;
use super::schema::{outbox, outbox_relay};
use super::source::Source;
use super::transaction::OpenTransaction;

/// Numbers the oldest unnumbered events, in id order, after `after`; `limit` at
/// most. A query type of its own rather than `sql_query`, so that diesel prepares it
/// once per connection instead of once per round.
#[derive(QueryId)]
struct SequenceNext {
    after: i64,
    limit: i64,
}

impl QueryFragment<Pg> for SequenceNext {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql(
            "WITH next AS (SELECT id, row_number() OVER (ORDER BY id) AS n \
             FROM outbox WHERE sequence IS NULL ORDER BY id LIMIT ",
        );
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(") UPDATE outbox SET sequence = ");
        out.push_bind_param::<BigInt, _>(&self.after)?;
        out.push_sql(" + next.n FROM next WHERE outbox.id = next.id");
        Ok(())
    }
}

#[derive(Clone)]
pub struct PgOutboxStore {
    db: Database,
}

impl PgOutboxStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Where the relay stands, read from its row.
#[derive(Clone, Copy)]
struct RelayPosition {
    /// The last sequence given to an event.
    last_sequence: i64,
    /// The last sequence published: every event up to it is in the stream.
    last_published: i64,
}

/// The relay row, locked for the rest of the transaction; `None` when another
/// relay holds it.
async fn lock_relay(
    connection: &mut diesel_async::AsyncPgConnection,
) -> diesel::QueryResult<Option<RelayPosition>> {
    let position: Option<(i64, i64)> = outbox_relay::table
        .select((outbox_relay::last_sequence, outbox_relay::last_published))
        .for_update()
        .skip_locked()
        .first(connection)
        .await
        .optional()?;
    Ok(
        position.map(|(last_sequence, last_published)| RelayPosition {
            last_sequence,
            last_published,
        }),
    )
}

/// The last sequence published, read without waiting for the relay row.
fn last_published() -> outbox_relay::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    outbox_relay::table
        .select(outbox_relay::last_published)
        .into_boxed()
}

impl OutboxStore for PgOutboxStore {
    type Lease = PgOutboxLease;

    async fn lease(&self) -> Result<Option<PgOutboxLease>, PortError> {
        let transaction = OpenTransaction::begin(&self.db).await?;
        let source = transaction.source();
        let locked = {
            let mut connection = source.connection().await?;
            lock_relay(&mut connection).await.map_err(query_error)?
        };
        Ok(locked.map(|position| PgOutboxLease {
            transaction,
            source,
            position,
        }))
    }

    async fn remove_published_before(&self, before: Timestamp) -> Result<u64, PortError> {
        let mut connection = self.db.connection().await?;
        let removed = diesel::delete(
            outbox::table
                .filter(outbox::sequence.le(last_published().single_value()))
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
            .filter(
                outbox::sequence
                    .is_null()
                    .or(outbox::sequence.gt(last_published().single_value())),
            )
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
    /// The relay row as this lease leaves it so far.
    position: RelayPosition,
}

impl OutboxLease for PgOutboxLease {
    async fn pending(&mut self, limit: u32) -> Result<Vec<OutboxEvent>, PortError> {
        let mut connection = self.source.connection().await?;
        let rows: Vec<(Option<i64>, String, serde_json::Value, Timestamp)> = outbox::table
            .filter(outbox::sequence.gt(self.position.last_published))
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

    async fn mark_published(&mut self, sequence: u64) -> Result<(), PortError> {
        let sequence = i64::try_from(sequence).unwrap_or(i64::MAX);
        let mut connection = self.source.connection().await?;
        diesel::update(outbox_relay::table.filter(outbox_relay::last_published.lt(sequence)))
            .set(outbox_relay::last_published.eq(sequence))
            .execute(&mut connection)
            .await
            .map_err(query_error)?;
        self.position.last_published = self.position.last_published.max(sequence);
        Ok(())
    }

    async fn sequence(&mut self, limit: u32) -> Result<u32, PortError> {
        let last = self.position.last_sequence;
        let mut connection = self.source.connection().await?;
        let numbered = SequenceNext {
            after: last,
            limit: i64::from(limit),
        }
        .execute(&mut connection)
        .await
        .map_err(query_error)?;
        let numbered = i64::try_from(numbered).unwrap_or(i64::MAX);
        if numbered > 0 {
            diesel::update(outbox_relay::table)
                .set(outbox_relay::last_sequence.eq(last + numbered))
                .execute(&mut connection)
                .await
                .map_err(query_error)?;
            self.position.last_sequence = last + numbered;
        }
        Ok(u32::try_from(numbered).unwrap_or(u32::MAX))
    }

    async fn release(self) -> Result<(), PortError> {
        drop(self.source);
        self.transaction.commit().await
    }
}
