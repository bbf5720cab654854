//! The text search configuration of a deployment (`FOLIO_SEARCH_LANGUAGE`).

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::errors::DatabaseError;
use crate::migrations::{MIGRATION_LOCK_KEY, redacted_target};

/// Where no configuration of the requested name exists: no stemming, no stop words,
/// but every language's words still match themselves.
const FALLBACK: &str = "simple";

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

/// Makes the search documents use the configuration named `requested`, or
/// `simple` when PostgreSQL has none of that name, and returns the one in use.
/// Rebuilding the documents rewrites the articles table, so it happens here, once,
/// under the migration lock, and not at all when the language is unchanged.
pub async fn use_search_language(url: &str, requested: &str) -> Result<String, DatabaseError> {
    let failed = |error: diesel::result::Error| DatabaseError::Migration(error.to_string());
    let mut conn =
        AsyncPgConnection::establish(url)
            .await
            .map_err(|error| DatabaseError::Unreachable {
                target: redacted_target(url),
                reason: error.to_string(),
            })?;
    let found: Option<Found> = diesel::sql_query(
        "SELECT c.oid::regconfig::text AS name FROM pg_ts_config c WHERE c.cfgname = $1 LIMIT 1",
    )
    .bind::<Text, _>(requested)
    .get_result(&mut conn)
    .await
    .optional()
    .map_err(failed)?;
    let language = match found.and_then(|found| found.name) {
        Some(name) => name,
        None => {
            tracing::warn!(
                requested,
                fallback = FALLBACK,
                "no text search configuration of that name; search uses the fallback"
            );
            FALLBACK.to_owned()
        }
    };
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await
        .map_err(failed)?;
    let applied = diesel::sql_query("SELECT folio_use_search_language($1::regconfig)")
        .bind::<Text, _>(&language)
        .execute(&mut conn)
        .await
        .map_err(failed);
    // The lock also ends with the connection; unlocking explicitly frees it sooner.
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await;
    applied?;
    Ok(language)
}
