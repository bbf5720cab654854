//! The retention purges' statement: one bounded batch of a `DELETE` that takes the
//! cut-off time (`$1`) and the batch size (`$2`).

use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::ports::PortError;
use folio_domain::Timestamp;

use super::errors::query_error;

/// Runs `statement` once; how many rows it deleted.
pub(crate) async fn delete_batch_before(
    conn: &mut AsyncPgConnection,
    statement: &'static str,
    before: Timestamp,
    limit: u32,
) -> Result<u64, PortError> {
    let removed = diesel::sql_query(statement)
        .bind::<Timestamptz, _>(before)
        .bind::<BigInt, _>(i64::from(limit))
        .execute(conn)
        .await
        .map_err(query_error)?;
    Ok(u64::try_from(removed).unwrap_or(0))
}
