//! Where a repository gets its connection: from the pool, each call on its own, or
//! from a unit of work, every call in that work's one transaction.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use folio_application::ports::PortError;
use tokio::sync::{Mutex, MutexGuard};

use super::Database;
use super::errors::query_error;
use super::pool::PooledConnection;
use super::transaction::WorkConnection;

#[derive(Clone)]
pub(crate) enum Source {
    Pool(Database),
    /// The connection a unit of work holds its transaction open on.
    Work(Arc<Mutex<WorkConnection>>),
}

impl Source {
    /// A connection for one repository call, in its transaction (begun by now)
    /// when there is one.
    pub(crate) async fn connection(&self) -> Result<Connection<'_>, PortError> {
        match self {
            Self::Pool(db) => db.connection().await.map(Connection::Pooled),
            Self::Work(shared) => {
                let work = shared.lock().await;
                work.begin_if_needed().await.map_err(query_error)?;
                Ok(Connection::InWork(work))
            }
        }
    }

    /// A connection on which independent statements are sent together: in a unit
    /// of work whose transaction has not begun, its `BEGIN` goes with them.
    /// Statements made from it go out with [`Connection::send`].
    pub(crate) async fn pipeline(&self) -> Result<Connection<'_>, PortError> {
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
    InWork(MutexGuard<'a, WorkConnection>),
}

impl Deref for Connection<'_> {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        match self {
            Self::Pooled(connection) => connection,
            Self::InWork(work) => &work.connection,
        }
    }
}

impl DerefMut for Connection<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        match self {
            Self::Pooled(connection) => connection,
            Self::InWork(work) => &mut work.connection,
        }
    }
}

impl Connection<'_> {
    /// Awaits statements made from this connection (`&mut &*connection`), with the
    /// unit of work's `BEGIN` ahead of them if it has not gone yet.
    pub(crate) async fn send<T>(
        &self,
        statements: impl Future<Output = diesel::QueryResult<T>>,
    ) -> diesel::QueryResult<T> {
        match self {
            Self::Pooled(_) => statements.await,
            Self::InWork(work) => work.pipelined(statements).await,
        }
    }
}
