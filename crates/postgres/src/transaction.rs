//! A transaction held open across calls (a unit of work, a relay's lease), on a
//! pooled connection that several repositories share.
//!
//! `BEGIN` is not sent when the transaction opens but with its first statements:
//! on its own it would cost a round trip. diesel's transaction manager is told at
//! once, so a repository's own `transaction` inside it still becomes a savepoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::connection::{TransactionDepthChange, TransactionManagerStatus};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use folio_application::ports::PortError;
use tokio::sync::Mutex;

use super::Database;
use super::errors::query_error;
use super::pool::PooledConnection;
use super::source::Source;

type Manager = <AsyncPgConnection as AsyncConnection>::TransactionManager;

/// The connection a transaction runs on, and whether its `BEGIN` may have been
/// sent (set before sending, so a request cancelled meanwhile still rolls back).
pub(crate) struct WorkConnection {
    pub(crate) connection: PooledConnection,
    began: AtomicBool,
}

impl WorkConnection {
    /// Sends `BEGIN` unless it went already.
    pub(crate) async fn begin_if_needed(&self) -> diesel::QueryResult<()> {
        if self.began.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut shared: &AsyncPgConnection = &self.connection;
        shared.batch_execute("BEGIN").await
    }

    /// Runs `statements` (futures made from this connection) with the `BEGIN` they
    /// need sent just before them, in the same round trip. The `BEGIN` is polled
    /// first, so it reaches PostgreSQL first, whatever the statements do.
    pub(crate) async fn pipelined<T>(
        &self,
        statements: impl Future<Output = diesel::QueryResult<T>>,
    ) -> diesel::QueryResult<T> {
        let ((), output) = tokio::try_join!(self.begin_if_needed(), statements)?;
        Ok(output)
    }

    fn began(&self) -> bool {
        self.began.load(Ordering::Acquire)
    }
}

/// Lowers diesel's transaction depth for a transaction that never sent `BEGIN`.
fn forget_unbegun(connection: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    match Manager::transaction_manager_status_mut(connection) {
        TransactionManagerStatus::Valid(status) => {
            status.change_transaction_depth(TransactionDepthChange::DecreaseDepth)
        }
        TransactionManagerStatus::InError => Err(diesel::result::Error::BrokenTransactionManager),
    }
}

/// Rolled back when dropped without [`OpenTransaction::commit`].
pub(crate) struct OpenTransaction {
    connection: Arc<Mutex<WorkConnection>>,
    finished: bool,
}

impl OpenTransaction {
    pub(crate) async fn begin(db: &Database) -> Result<Self, PortError> {
        let mut connection = db.connection().await?;
        match Manager::transaction_manager_status_mut(&mut *connection) {
            TransactionManagerStatus::Valid(status) => status
                .change_transaction_depth(TransactionDepthChange::IncreaseDepth)
                .map_err(query_error)?,
            TransactionManagerStatus::InError => {
                return Err(query_error(diesel::result::Error::BrokenTransactionManager));
            }
        }
        Ok(Self {
            connection: Arc::new(Mutex::new(WorkConnection {
                connection,
                began: AtomicBool::new(false),
            })),
            finished: false,
        })
    }

    /// Where repositories inside this transaction get their connection.
    pub(crate) fn source(&self) -> Source {
        Source::Work(Arc::clone(&self.connection))
    }

    pub(crate) async fn commit(mut self) -> Result<(), PortError> {
        self.finished = true;
        let mut work = self.connection.lock().await;
        if !work.began() {
            return forget_unbegun(&mut work.connection).map_err(query_error);
        }
        Manager::commit_transaction(&mut *work.connection)
            .await
            .map_err(query_error)
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Rolled back on the runtime, so the connection goes back to the pool clean.
        // Without a runtime the pool discards it (an open transaction marks it
        // broken), and PostgreSQL rolls back when it closes.
        let connection = Arc::clone(&self.connection);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut work = connection.lock().await;
                let result = if work.began() {
                    Manager::rollback_transaction(&mut *work.connection).await
                } else {
                    forget_unbegun(&mut work.connection)
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "could not roll back an abandoned transaction");
                }
            });
        }
    }
}
