//! A transaction held open across calls (a unit of work, a relay's lease), on a
//! pooled connection that several repositories share.
//!
//! `BEGIN` is not sent when the transaction opens but with its first statements:
//! on its own it would cost a round trip. diesel's transaction manager is told at
//! once, so a repository's own `transaction` inside it still becomes a savepoint.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use diesel::connection::{TransactionDepthChange, TransactionManagerStatus};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use folio_application::ports::PortError;
use futures_util::future::BoxFuture;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::Database;
use super::errors::query_error;
use super::pool::PooledConnection;
use super::pooled_connection::FolioConnection;
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
        let ((), output) = tokio::try_join!(biased; self.begin_if_needed(), statements)?;
        Ok(output)
    }

    /// Sends `last` and `COMMIT` together (with `BEGIN` ahead if it has not gone),
    /// and returns what `last` returned. The transaction is over when this returns,
    /// whatever happened, except when `last` failed before reaching PostgreSQL
    /// (`Err` from its first poll, e.g. a value that cannot be encoded): then
    /// `COMMIT` is not sent, and the caller rolls back as for any other failure.
    async fn last_and_commit<T>(
        &self,
        last: impl Future<Output = diesel::QueryResult<T>>,
    ) -> LastAndCommit<T> {
        let mut begin = pin!(self.begin_if_needed());
        let mut last = pin!(last);
        // Polled in order, once each, so that each is on the wire before the next.
        let begun = poll_once(begin.as_mut()).await;
        let first = poll_once(last.as_mut()).await;
        if let Poll::Ready(Err(error)) = first {
            let begun = match begun {
                Poll::Ready(begun) => begun,
                Poll::Pending => begin.await,
            };
            return LastAndCommit::NotSent(begun.and(Err(error)));
        }
        let mut shared: &AsyncPgConnection = &self.connection;
        let commit = shared.batch_execute("COMMIT");
        let (begun, output, committed) = tokio::join!(
            biased;
            async {
                match begun {
                    Poll::Ready(begun) => begun,
                    Poll::Pending => begin.await,
                }
            },
            async {
                match first {
                    Poll::Ready(output) => output,
                    Poll::Pending => last.await,
                }
            },
            commit,
        );
        // A failed statement makes PostgreSQL answer `COMMIT` with a rollback.
        LastAndCommit::Ended(
            begun
                .and(output)
                .and_then(|output| committed.map(|()| output)),
        )
    }

    fn began(&self) -> bool {
        self.began.load(Ordering::Acquire)
    }
}

enum LastAndCommit<T> {
    /// The transaction is over: committed if `Ok`, rolled back if not.
    Ended(diesel::QueryResult<T>),
    /// Nothing was sent: the transaction is still open.
    NotSent(diesel::QueryResult<T>),
}

/// Polls `future` once; what it does on that poll (send its statement) is done.
async fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let mut future = Some(future);
    std::future::poll_fn(|context| {
        Poll::Ready(future.take().map_or(Poll::Pending, |f| f.poll(context)))
    })
    .await
}

/// Lowers diesel's transaction depth for a transaction that is over (or never sent
/// `BEGIN`) without diesel's transaction manager having ended it.
fn forget_transaction(connection: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
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
        match Manager::transaction_manager_status_mut(&mut **connection) {
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

    /// The pooled connection under this transaction, for what Folio tracks about it.
    pub(crate) async fn pooled(&self) -> MappedMutexGuard<'_, FolioConnection> {
        MutexGuard::map(self.connection.lock().await, |work| &mut *work.connection)
    }

    /// Where repositories inside this transaction get their connection.
    pub(crate) fn source(&self) -> Source {
        Source::Work(Arc::clone(&self.connection))
    }

    pub(crate) async fn commit(mut self) -> Result<(), PortError> {
        self.finished = true;
        let mut work = self.connection.lock().await;
        if !work.began() {
            return forget_transaction(&mut work.connection).map_err(query_error);
        }
        Manager::commit_transaction(&mut **work.connection)
            .await
            .map_err(query_error)
    }

    /// Commits with `last`, statements of this transaction, sent in the same round
    /// trip just ahead of `COMMIT`. Every statement in `last` must be prepared on
    /// this connection already (see [`FolioConnection`]): one that is not is sent
    /// only after a round trip of its own, and `COMMIT` would overtake it.
    pub(crate) async fn commit_behind<T>(
        mut self,
        last: impl for<'c> FnOnce(&'c AsyncPgConnection) -> BoxFuture<'c, diesel::QueryResult<T>>,
    ) -> Result<T, PortError> {
        let mut work = self.connection.lock().await;
        let outcome = work.last_and_commit(last(&work.connection)).await;
        match outcome {
            LastAndCommit::Ended(result) => {
                self.finished = true;
                forget_transaction(&mut work.connection).map_err(query_error)?;
                result.map_err(query_error)
            }
            // Dropping `self` unfinished rolls back.
            LastAndCommit::NotSent(result) => result.map_err(query_error),
        }
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
                    Manager::rollback_transaction(&mut **work.connection).await
                } else {
                    forget_transaction(&mut work.connection)
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "could not roll back an abandoned transaction");
                }
            });
        }
    }
}
