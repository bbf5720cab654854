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
                Some("uploads_owner_content_key") => PortError::Conflict(Conflict::Upload),
                _ => PortError::other(error),
            }
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            PortError::NotFound
        }
        // The connection broke (server restart, network): a dependency failure the
        // client may retry, not a bug.
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => PortError::unavailable(error),
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
            if is_cancellation(info.message()) =>
        {
            tracing::warn!(
                reason = info.message(),
                "statement cancelled by PostgreSQL (statement timeout)"
            );
            PortError::unavailable(error)
        }
        other => PortError::other(other),
    }
}

/// Whether PostgreSQL cancelled the statement (SQLSTATE 57014, `query_canceled`):
/// it ran past `statement_timeout`, or an operator cancelled it. The driver passes
/// the state on but diesel's error keeps only the message, which PostgreSQL writes
/// as "canceling statement due to ..." (with its messages in English, the default).
fn is_cancellation(message: &str) -> bool {
    message.starts_with("canceling statement due to ")
}

/// Not getting a connection in time means PostgreSQL is down or saturated.
pub(crate) fn pool_error(error: PoolError) -> PortError {
    PortError::unavailable(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_cancelled_statement_is_unavailable_not_a_bug() {
        for message in [
            "canceling statement due to statement timeout",
            "canceling statement due to user request",
        ] {
            let mapped = query_error(database_error(DatabaseErrorKind::Unknown, message));
            assert!(
                matches!(mapped, PortError::Unavailable(_)),
                "{message}: {mapped:?}"
            );
        }
    }

    #[test]
    fn a_broken_connection_is_unavailable_not_a_bug() {
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
        ] {
            let mapped = query_error(database_error(kind, "connection closed"));
            assert!(matches!(mapped, PortError::Unavailable(_)), "{mapped:?}");
        }
    }

    #[test]
    fn other_unknown_failures_stay_opaque() {
        let mapped = query_error(database_error(
            DatabaseErrorKind::Unknown,
            "division by zero",
        ));
        assert!(matches!(mapped, PortError::Other(_)), "{mapped:?}");
    }
}
