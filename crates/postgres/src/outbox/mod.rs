//! The relay's side of the outbox: handing out committed events in the one global
//! order, numbering them as they are published, and retention.
//!
//! The order is the id order, and an event's row is never written after its
//! insert. Ids are taken at insert, and transactions commit in another order, so
//! the relay only goes up to an id once no transaction can commit a smaller one: it
//! reads the newest id taken, then which transactions are writing to the outbox (a
//! transaction holds its write lock on the table from before it takes an id until
//! it ends). That id and those transactions are its horizon. Once they have all
//! ended, every id up to the horizon belongs to a committed event or to none, for
//! good, and is published in order, numbered on from the last published event. A
//! relay that stops before marking its events published leaves the row as it was,
//! and the next one hands out the same events under the same numbers.

mod queries;

use diesel::dsl::{count_star, min};
use diesel::sql_types::BigInt;
use diesel::{ExpressionMethods, NullableExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{
    Backlog, OutboxEvent, OutboxLag, OutboxLease, OutboxStore, PortError,
};
use folio_domain::Timestamp;

use self::queries::{OutboxWriters, RelayState, RelayStateRow, TakeRelayTurn};
use super::Database;
use super::errors::query_error;
use super::fields::from_json;
use super::schema::{outbox, outbox_relay};
use super::source::Source;
use super::transaction::OpenTransaction;

#[derive(Clone)]
pub struct PgOutboxStore {
    db: Database,
}

impl PgOutboxStore {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The id of the last event published: every id up to it is published or was
/// never committed.
fn last_published_id() -> outbox_relay::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    outbox_relay::table
        .select(outbox_relay::last_id)
        .into_boxed()
}

impl OutboxStore for PgOutboxStore {
    type Lease = PgOutboxLease;

    async fn lease(&self) -> Result<Option<PgOutboxLease>, PortError> {
        let transaction = OpenTransaction::begin(&self.db).await?;
        let source = transaction.source();
        let turn = {
            let pipeline = source.pipeline().await?;
            let shared: &AsyncPgConnection = &pipeline;
            let take = TakeRelayTurn.get_result::<bool>(&mut &*shared);
            pipeline.send(take).await.map_err(query_error)?
        };
        if !turn {
            transaction.commit().await?;
            return Ok(None);
        }
        let state = {
            let mut connection = source.connection().await?;
            RelayState
                .get_result::<RelayStateRow>(&mut connection)
                .await
                .map_err(query_error)?
        };
        let mut lease = PgOutboxLease::new(transaction, source, state);
        lease.move_horizon_if_passed().await?;
        Ok(Some(lease))
    }

    async fn remove_published_before(&self, before: Timestamp) -> Result<u64, PortError> {
        let mut connection = self.db.connection().await?;
        let removed = diesel::delete(
            outbox::table
                .filter(outbox::id.nullable().le(last_published_id().single_value()))
                .filter(outbox::occurred_at.lt(before)),
        )
        .execute(&mut connection)
        .await
        .map_err(query_error)?;
        Ok(u64::try_from(removed).unwrap_or(u64::MAX))
    }

    async fn lag(&self, now: Timestamp) -> Result<OutboxLag, PortError> {
        let mut connection = self.db.connection().await?;
        let (events, oldest): (i64, Option<Timestamp>) = outbox::table
            .filter(outbox::id.nullable().gt(last_published_id().single_value()))
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

/// The relay row, as a lease leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RelayRow {
    /// The number of the last event published.
    last_published: i64,
    /// The id of the last event published, or the horizon once it is all out.
    last_id: i64,
    horizon_id: i64,
    /// The virtual transaction ids of the horizon's writers.
    horizon_writers: Vec<String>,
}

/// The relay's turn, until released.
pub struct PgOutboxLease {
    transaction: OpenTransaction,
    source: Source,
    relay: RelayRow,
    /// The relay row as the lease found it: written back only when changed.
    found: RelayRow,
    /// Whether every writer of the horizon has ended.
    settled: bool,
    /// The newest id taken when the lease began.
    newest_id: i64,
    /// The ids of the events handed out, in order, the first numbered
    /// `first_handed_out`.
    handed_out: Vec<i64>,
    first_handed_out: i64,
    /// Whether the events handed out are the last ones up to the horizon.
    last_before_horizon: bool,
}

impl PgOutboxLease {
    fn new(transaction: OpenTransaction, source: Source, state: RelayStateRow) -> Self {
        let (last_published, last_id, horizon_id, horizon_writers, settled, newest_id) = state;
        let relay = RelayRow {
            last_published,
            last_id,
            horizon_id,
            horizon_writers,
        };
        Self {
            transaction,
            source,
            found: relay.clone(),
            relay,
            settled,
            newest_id,
            handed_out: Vec::new(),
            first_handed_out: last_published + 1,
            last_before_horizon: false,
        }
    }

    /// Whether events up to the horizon may be left to hand out.
    fn within_horizon(&self) -> bool {
        self.relay.last_id < self.relay.horizon_id
    }

    /// Once everything up to the horizon is out and ids were taken past it, the
    /// horizon moves to the newest id, with the transactions writing now. Without
    /// any, everything up to it can go out at once. Returns whether it moved.
    async fn move_horizon_if_passed(&mut self) -> Result<bool, PortError> {
        if !self.settled || self.within_horizon() || self.newest_id <= self.relay.horizon_id {
            return Ok(false);
        }
        let writers = {
            let mut connection = self.source.connection().await?;
            OutboxWriters
                .get_result::<Vec<String>>(&mut connection)
                .await
                .map_err(query_error)?
        };
        self.settled = writers.is_empty();
        self.relay.horizon_id = self.newest_id;
        self.relay.horizon_writers = writers;
        Ok(true)
    }
}

impl OutboxLease for PgOutboxLease {
    async fn pending(&mut self, limit: u32) -> Result<Vec<OutboxEvent>, PortError> {
        if !self.settled || !self.within_horizon() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, serde_json::Value, Timestamp)> = {
            let mut connection = self.source.connection().await?;
            outbox::table
                .filter(outbox::id.gt(self.relay.last_id))
                .filter(outbox::id.le(self.relay.horizon_id))
                .order(outbox::id)
                .limit(i64::from(limit))
                .select((
                    outbox::id,
                    outbox::name,
                    outbox::payload,
                    outbox::occurred_at,
                ))
                .load(&mut connection)
                .await
                .map_err(query_error)?
        };
        self.last_before_horizon = rows.len() < usize::try_from(limit).unwrap_or(usize::MAX);
        if rows.is_empty() {
            // Only ids of transactions that rolled back were left: passed.
            self.relay.last_id = self.relay.horizon_id;
        }
        self.handed_out = rows.iter().map(|(id, ..)| *id).collect();
        self.first_handed_out = self.relay.last_published + 1;
        Ok(rows
            .into_iter()
            .zip(self.first_handed_out..)
            .filter_map(|((_, name, payload, occurred_at), sequence)| {
                Some(OutboxEvent {
                    sequence: u64::try_from(sequence).ok()?,
                    name,
                    fields: from_json(payload),
                    occurred_at,
                })
            })
            .collect())
    }

    async fn mark_published(&mut self, sequence: u64) -> Result<(), PortError> {
        let sequence = i64::try_from(sequence).map_err(PortError::other)?;
        let Some(index) = sequence
            .checked_sub(self.first_handed_out)
            .and_then(|index| usize::try_from(index).ok())
        else {
            return Ok(());
        };
        let Some(&id) = self.handed_out.get(index) else {
            return Err(PortError::other(NotHandedOut(sequence)));
        };
        let last = index + 1 == self.handed_out.len();
        self.relay.last_published = sequence;
        // Past the ids of rolled-back transactions up to the horizon too.
        self.relay.last_id = if last && self.last_before_horizon {
            self.relay.horizon_id
        } else {
            id
        };
        Ok(())
    }

    async fn release(mut self) -> Result<Backlog, PortError> {
        let backlog = if !self.settled {
            Backlog::Settling
        } else if self.within_horizon() {
            Backlog::Ready
        } else if self.move_horizon_if_passed().await? {
            if self.settled {
                Backlog::Ready
            } else {
                Backlog::Settling
            }
        } else {
            Backlog::Clear
        };
        if self.relay != self.found {
            let mut connection = self.source.connection().await?;
            diesel::update(outbox_relay::table)
                .set((
                    outbox_relay::last_published.eq(self.relay.last_published),
                    outbox_relay::last_id.eq(self.relay.last_id),
                    outbox_relay::horizon_id.eq(self.relay.horizon_id),
                    outbox_relay::horizon_writers.eq(&self.relay.horizon_writers),
                ))
                .execute(&mut connection)
                .await
                .map_err(query_error)?;
        }
        drop(self.source);
        self.transaction.commit().await?;
        Ok(backlog)
    }
}

/// `mark_published` was given a number `pending` did not hand out.
#[derive(Debug, thiserror::Error)]
#[error("event {0} was not handed out by this lease")]
struct NotHandedOut(i64);
