use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use folio_http::{Readiness, ReadinessReport};
use folio_postgres::Database;
use folio_redis::RedisStore;

use crate::background::TaskBoard;

mod cached;

pub use cached::{CachedReadiness, MAX_REPORT_AGE};

/// Readiness means both stores answer within a short bound and every background
/// task is running (not waiting to be restarted).
pub struct DependencyProbe {
    pub database: Database,
    pub redis: RedisStore,
    pub tasks: TaskBoard,
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

async fn bounded<E: std::fmt::Display>(
    check: impl Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

impl Readiness for DependencyProbe {
    fn check(&self) -> Pin<Box<dyn Future<Output = ReadinessReport> + '_>> {
        Box::pin(async move {
            let (postgres, redis) =
                tokio::join!(bounded(self.database.ping()), bounded(self.redis.ping()));
            let mut checks = vec![("postgres", postgres), ("redis", redis)];
            checks.extend(self.tasks.states());
            ReadinessReport { checks }
        })
    }
}
