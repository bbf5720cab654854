use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;
use folio_application::ports::{Conflict, PortError};

/// Failures of database set-up (connecting, creating, migrating), reported by the
/// server at start-up in one line.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(String),
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database pool: {0}")]
    Pool(String),
}

/// Maps a query failure to a port error: unique violations name the broken rule,
/// everything else is opaque to the use cases.
pub(crate) fn query_error(error: DieselError) -> PortError {
    match error {
        DieselError::NotFound => PortError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
            match info.constraint_name() {
                Some("users_username_key") => PortError::Conflict(Conflict::Username),
                Some("users_email_key") => PortError::Conflict(Conflict::Email),
                Some("articles_slug_key") => PortError::Conflict(Conflict::Slug),
                _ => PortError::other(error),
            }
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            PortError::NotFound
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
            PortError::unavailable(error)
        }
        other => PortError::other(other),
    }
}

/// Not getting a connection in time means PostgreSQL is down or saturated.
pub(crate) fn pool_error(error: PoolError) -> PortError {
    PortError::unavailable(error)
}
