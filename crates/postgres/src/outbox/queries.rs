//! The relay's statements that diesel's query builder cannot express. Each is a
//! query type of its own rather than `sql_query`, so that diesel prepares it once
//! per connection instead of once per round.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};

/// Pushes the filter of write locks on `outbox` in this database. A transaction
/// that inserts into `outbox` holds such a lock from before it takes an id (it is
/// taken before the statement runs) until it ends; readers hold a weaker one.
fn push_outbox_writers(out: &mut AstPass<'_, '_, Pg>) {
    out.push_sql(
        "FROM pg_locks WHERE locktype = 'relation' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND relation = 'outbox'::regclass AND granted \
         AND mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', \
         'AccessExclusiveLock')",
    );
}

/// The relay's turn, until the transaction ends: `false` when another relay has it.
/// An advisory lock rather than a row lock, so a round that finds nothing to do
/// writes nothing.
#[derive(QueryId)]
pub(super) struct TakeRelayTurn;

impl QueryFragment<Pg> for TakeRelayTurn {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql("SELECT pg_try_advisory_xact_lock(hashtextextended('folio.outbox_relay', 0))");
        Ok(())
    }
}

impl Query for TakeRelayTurn {
    type SqlType = Bool;
}

/// The relay row; whether every transaction of its horizon has ended; and the
/// newest id taken so far (0 before the first).
#[derive(QueryId)]
pub(super) struct RelayState;

pub(super) type RelayStateRow = (i64, i64, i64, Vec<String>, bool, i64);

impl QueryFragment<Pg> for RelayState {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql(
            "SELECT r.last_published, r.last_id, r.horizon_id, r.horizon_writers, \
             NOT EXISTS (SELECT 1 ",
        );
        push_outbox_writers(&mut out);
        out.push_sql(
            " AND virtualtransaction = ANY (r.horizon_writers)), \
             (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_id_seq) \
             FROM outbox_relay r",
        );
        Ok(())
    }
}

impl Query for RelayState {
    type SqlType = (BigInt, BigInt, BigInt, Array<Text>, Bool, BigInt);
}

/// The transactions writing to the outbox now, by virtual transaction id (unique
/// while PostgreSQL runs, and never reused soon after).
#[derive(QueryId)]
pub(super) struct OutboxWriters;

impl QueryFragment<Pg> for OutboxWriters {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql("SELECT coalesce(array_agg(virtualtransaction), '{}') ");
        push_outbox_writers(&mut out);
        Ok(())
    }
}

impl Query for OutboxWriters {
    type SqlType = Array<Text>;
}
