//! The pool's connections, with what Folio knows about each beyond what diesel does.

use std::ops::{Deref, DerefMut};

use deadpool::managed::{Manager, Metrics, RecycleResult};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, PoolError};

/// A pooled connection.
pub(crate) struct FolioConnection {
    connection: AsyncPgConnection,
    /// Whether the outbox insert is prepared on this connection. Only then may
    /// `COMMIT` go out right behind it: a statement not yet prepared waits for its
    /// own round trip before it is sent, and `COMMIT` would overtake it.
    pub(crate) outbox_insert_prepared: bool,
}

impl Deref for FolioConnection {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.connection
    }
}

impl DerefMut for FolioConnection {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.connection
    }
}

/// diesel-async's manager, whose connections it wraps.
pub(crate) struct FolioManager(pub(crate) AsyncDieselConnectionManager<AsyncPgConnection>);

impl Manager for FolioManager {
    type Type = FolioConnection;
    type Error = PoolError;

    async fn create(&self) -> Result<FolioConnection, PoolError> {
        let connection = self.0.create().await?;
        Ok(FolioConnection {
            connection,
            outbox_insert_prepared: false,
        })
    }

    async fn recycle(
        &self,
        pooled: &mut FolioConnection,
        metrics: &Metrics,
    ) -> RecycleResult<PoolError> {
        self.0.recycle(&mut pooled.connection, metrics).await
    }
}
