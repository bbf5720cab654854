//! A transaction held open across calls (a unit of work, a relay's lease), on a
//! pooled connection that several repositories share.

use std::sync::Arc;

use diesel_async::{AsyncConnection, AsyncPgConnection, TransactionManager};
use folio_application::ports::PortError;
use tokio::sync::Mutex;

use super::Database;
use super::errors::query_error;
use super::pool::PooledConnection;
use super::source::Source;

type Manager = <AsyncPgConnection as AsyncConnection>::TransactionManager;

/// Rolled back when dropped without [`OpenTransaction::commit`].
pub(crate) struct OpenTransaction {
    connection: Arc<Mutex<PooledConnection>>,
    finished: bool,
}

impl OpenTransaction {
    pub(crate) async fn begin(db: &Database) -> Result<Self, PortError> {
        let mut connection = db.connection().await?;
        Manager::begin_transaction(&mut *connection)
            .await
            .map_err(query_error)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            finished: false,
        })
    }

    /// Where repositories inside this transaction get their connection.
    pub(crate) fn source(&self) -> Source {
        Source::Work(Arc::clone(&self.connection))
    }

    pub(crate) async fn commit(mut self) -> Result<(), PortError> {
        self.finished = true;
        let mut connection = self.connection.lock().await;
        Manager::commit_transaction(&mut **connection)
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
                let mut connection = connection.lock().await;
                if let Err(error) = Manager::rollback_transaction(&mut **connection).await {
                    tracing::warn!(%error, "could not roll back an abandoned transaction");
                }
            });
        }
    }
}
