//! Where a repository gets its connection: from the pool, each call on its own, or
//! from a unit of work, every call in that work's one transaction.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use folio_application::ports::PortError;
use tokio::sync::{Mutex, MutexGuard};

use super::Database;
use super::pool::PooledConnection;

#[derive(Clone)]
pub(crate) enum Source {
    Pool(Database),
    /// The connection a unit of work holds its transaction open on.
    Work(Arc<Mutex<PooledConnection>>),
}

impl Source {
    pub(crate) async fn connection(&self) -> Result<Connection<'_>, PortError> {
        match self {
            Self::Pool(db) => db.connection().await.map(Connection::Pooled),
            Self::Work(shared) => Ok(Connection::InWork(shared.lock().await)),
        }
    }
}

/// A connection for one repository call; derefs to diesel's connection.
#[expect(
    clippy::large_enum_variant,
    reason = "lives on the stack for one call; boxing would allocate on every query"
)]
pub(crate) enum Connection<'a> {
    Pooled(PooledConnection),
    InWork(MutexGuard<'a, PooledConnection>),
}

impl Deref for Connection<'_> {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        match self {
            Self::Pooled(connection) => connection,
            Self::InWork(guard) => guard,
        }
    }
}

impl DerefMut for Connection<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        match self {
            Self::Pooled(connection) => connection,
            Self::InWork(guard) => guard,
        }
    }
}
