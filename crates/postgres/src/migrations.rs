use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::errors::DatabaseError;

/// The SQL migrations of `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Arbitrary but fixed: every Folio instance takes this advisory lock while
/// migrating, so instances starting together migrate one after the other.
pub(crate) const MIGRATION_LOCK_KEY: i64 = 0x466f_6c69_6f4d_6967; // "FolioMig"

/// Applies pending migrations under a PostgreSQL advisory lock. Returns the versions
/// applied (empty when the schema was current).
pub async fn run_migrations(url: &str) -> Result<Vec<String>, DatabaseError> {
    let url = url.to_owned();
    let target = redacted_target(&url);
    tokio::task::spawn_blocking(move || {
        let mut connection =
            AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).map_err(|error| {
                DatabaseError::Unreachable {
                    target,
                    reason: error.to_string(),
                }
            })?;
        with_advisory_lock(&mut connection, |connection| {
            connection
                .run_pending_migrations(MIGRATIONS)
                .map(|versions| versions.iter().map(ToString::to_string).collect())
                .map_err(|error| DatabaseError::Migration(error.to_string()))
        })
    })
    .await
    .map_err(|error| DatabaseError::Migration(error.to_string()))?
}

/// Reverts every migration (used by the round-trip test of up, down, up).
pub async fn revert_all_migrations(url: &str) -> Result<usize, DatabaseError> {
    let url = url.to_owned();
    let target = redacted_target(&url);
    tokio::task::spawn_blocking(move || {
        let mut connection =
            AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).map_err(|error| {
                DatabaseError::Unreachable {
                    target,
                    reason: error.to_string(),
                }
            })?;
        with_advisory_lock(&mut connection, |connection| {
            connection
                .revert_all_migrations(MIGRATIONS)
                .map(|versions| versions.len())
                .map_err(|error| DatabaseError::Migration(error.to_string()))
        })
    })
    .await
    .map_err(|error| DatabaseError::Migration(error.to_string()))?
}

fn with_advisory_lock<T>(
    connection: &mut AsyncConnectionWrapper<AsyncPgConnection>,
    work: impl FnOnce(&mut AsyncConnectionWrapper<AsyncPgConnection>) -> Result<T, DatabaseError>,
) -> Result<T, DatabaseError> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;
    let lock_failed = |error: diesel::result::Error| DatabaseError::Migration(error.to_string());
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(connection)
        .map_err(lock_failed)?;
    let outcome = work(connection);
    // The lock also ends with the connection; unlocking explicitly just frees it sooner.
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(connection);
    outcome
}

/// Creates the database named in `url` when it does not exist, by connecting to the
/// server's `postgres` maintenance database. Safe when several instances race.
pub async fn ensure_database_exists(url: &str) -> Result<(), DatabaseError> {
    use diesel::OptionalExtension;
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;

    let (maintenance_url, name) = split_database_name(url)?;
    let target = redacted_target(url);
    let unreachable = |error: diesel::ConnectionError| DatabaseError::Unreachable {
        target: target.clone(),
        reason: error.to_string(),
    };
    let mut connection =
        <AsyncPgConnection as diesel_async::AsyncConnection>::establish(&maintenance_url)
            .await
            .map_err(unreachable)?;

    diesel::table! { pg_database (datname) { datname -> Text, } }
    let existing: Option<String> = pg_database::table
        .select(pg_database::datname)
        .filter(diesel::ExpressionMethods::eq(pg_database::datname, &name))
        .first(&mut connection)
        .await
        .optional()
        .map_err(|error| DatabaseError::Migration(error.to_string()))?;
    if existing.is_some() {
        return Ok(());
    }
    let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match diesel::sql_query(create).execute(&mut connection).await {
        Ok(_) => Ok(()),
        // Another instance created it in the meantime: PostgreSQL says "already
        // exists", or, when both CREATEs run at once, reports a unique violation.
        Err(diesel::result::Error::DatabaseError(kind, info))
            if matches!(kind, diesel::result::DatabaseErrorKind::UniqueViolation)
                || info.message().contains("already exists") =>
        {
            Ok(())
        }
        Err(error) => Err(DatabaseError::Migration(format!(
            "cannot create database {name}: {error}"
        ))),
    }
}

/// `postgres://u@h:5432/folio?x=y` -> (`postgres://u@h:5432/postgres?x=y`, `folio`).
fn split_database_name(url: &str) -> Result<(String, String), DatabaseError> {
    let invalid = || DatabaseError::InvalidUrl(redacted_target(url));
    let scheme_end = url.find("://").ok_or_else(invalid)? + 3;
    let path_start = url[scheme_end..].find('/').ok_or_else(invalid)? + scheme_end;
    let (path, query) = match url[path_start + 1..].split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (&url[path_start + 1..], None),
    };
    if path.is_empty() || path.contains('/') {
        return Err(invalid());
    }
    let mut maintenance = format!("{}postgres", &url[..=path_start]);
    if let Some(query) = query {
        maintenance.push('?');
        maintenance.push_str(query);
    }
    Ok((maintenance, path.to_owned()))
}

/// The URL without credentials, safe to print.
pub(crate) fn redacted_target(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return "<unparseable url>".to_owned();
    };
    let rest = &url[scheme_end..];
    let host_part = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{}{}", &url[..scheme_end], host_part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_database_name_off_the_url() {
        let split = split_database_name("postgres://u:p@h:5432/folio?sslmode=disable");
        assert!(matches!(
            split,
            Ok((ref m, ref n)) if m == "postgres://u:p@h:5432/postgres?sslmode=disable" && n == "folio"
        ));
        assert!(split_database_name("postgres://h:5432").is_err());
        assert!(split_database_name("nonsense").is_err());
    }

    #[test]
    fn redaction_drops_credentials() {
        assert_eq!(
            redacted_target("postgres://user:secret@db:5432/folio"),
            "postgres://db:5432/folio"
        );
        assert_eq!(
            redacted_target("postgres://db/folio"),
            "postgres://db/folio"
        );
    }
}
