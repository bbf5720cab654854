use std::time::Duration;

use deadpool::managed::{Object, Pool, Timeouts};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use folio_application::ports::PortError;

use super::errors::{DatabaseError, pool_error};
use super::instrumentation::QueryInstrumentation;
use super::pooled_connection::FolioManager;

pub(crate) type PgPool = Pool<FolioManager>;
pub(crate) type PooledConnection = Object<FolioManager>;

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: usize,
    /// Bound on connecting and on waiting for a free pooled connection.
    pub timeout: Duration,
    /// Statements slower than this are logged (with their SQL, not their values).
    pub slow_query: Duration,
    /// PostgreSQL cancels any statement of a pooled connection that runs longer
    /// (`statement_timeout`); `None` leaves the server's own setting.
    pub statement_timeout: Option<Duration>,
}

/// How full the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub max_size: usize,
    pub size: usize,
    pub available: usize,
    pub waiting: usize,
}

/// Every statement Folio sends is prepared once per connection; this makes
/// PostgreSQL plan it once too. Left to choose, PostgreSQL compares the generic plan
/// of a page query, which must assume `LIMIT $n` returns a tenth of the table, with
/// plans made for `LIMIT 20`, finds it dearer, and so plans again on every
/// execution: that planning cost more than the query (list pages ran at half the
/// throughput). Most of Folio's statements are index lookups and index-ordered walks
/// whose best plan does not depend on the values bound; the others go through
/// [`plan_for_these_values`].
const GENERIC_PLANS: &str = "SET plan_cache_mode = force_generic_plan";

/// What every pooled connection runs once it is established. The statement timeout
/// bounds how long one request can hold a connection and a database core, whatever
/// it asks for or waits on; migrations run on their own connections, without it.
fn connection_setup(statement_timeout: Option<Duration>) -> String {
    match statement_timeout {
        Some(timeout) => format!(
            "{GENERIC_PLANS}; SET statement_timeout = {}",
            timeout.as_millis()
        ),
        None => GENERIC_PLANS.to_owned(),
    }
}

/// Makes the rest of the current transaction plan each statement for its bound values.
/// For statements whose best plan depends on how many rows those values match: a tag
/// with 100,000 articles combined with an author of two is best walked from the
/// author, the reverse from the tag, and one generic plan cannot know which.
pub(crate) async fn plan_for_these_values(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")
        .await
}

/// The connection pool every repository shares.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
}

impl Database {
    /// Builds the pool and checks that PostgreSQL answers, so that a wrong URL is
    /// reported at start-up rather than on the first request.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let mut config = ManagerConfig::default();
        // Checking out a connection must not cost a round trip; a connection that died
        // is detected by `is_broken` and replaced.
        config.recycling_method = RecyclingMethod::Fast;
        let slow = settings.slow_query;
        let setup = connection_setup(settings.statement_timeout);
        config.custom_setup = Box::new(move |url| {
            let setup = setup.clone();
            Box::pin(async move {
                let mut connection = AsyncPgConnection::establish(url).await?;
                connection
                    .batch_execute(&setup)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                connection.set_instrumentation(QueryInstrumentation::new(slow));
                Ok(connection)
            })
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            &settings.url,
            config,
        );
        let pool = Pool::builder(FolioManager(manager))
            .max_size(settings.pool_size)
            .wait_timeout(Some(settings.timeout))
            .create_timeout(Some(settings.timeout))
            .recycle_timeout(Some(settings.timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|error| DatabaseError::Pool(error.to_string()))?;
        let database = Self { pool };
        let probe = database
            .pool
            .get()
            .await
            .map_err(|error| DatabaseError::Unreachable {
                target: super::migrations::redacted_target(&settings.url),
                reason: error.to_string(),
            })?;
        // Closed rather than kept: a connection is driven on the runtime that opened
        // it, and the pool's connections should be opened where they are used.
        drop(Object::take(probe));
        Ok(database)
    }

    pub(crate) async fn connection(&self) -> Result<PooledConnection, PortError> {
        let started = std::time::Instant::now();
        let connection = self.pool.get().await.map_err(pool_error);
        metrics::histogram!("db_pool_acquire_seconds").record(started.elapsed().as_secs_f64());
        connection
    }

    /// A connection if one can be had without waiting (an idle one, or room to open
    /// one), for work that can also run on a connection the caller already holds.
    pub(crate) async fn idle_connection(&self) -> Option<PooledConnection> {
        let timeouts = Timeouts {
            wait: Some(Duration::ZERO),
            ..self.pool.timeouts()
        };
        self.pool.timeout_get(&timeouts).await.ok()
    }

    /// Whether a connection can be had and PostgreSQL answers a trivial query.
    pub async fn ping(&self) -> Result<(), PortError> {
        let mut connection = self.connection().await?;
        connection
            .batch_execute("SELECT 1")
            .await
            .map_err(PortError::unavailable)
    }

    /// Pool occupancy, for metrics and diagnostics.
    pub fn pool_status(&self) -> PoolStatus {
        let status = self.pool.status();
        PoolStatus {
            max_size: status.max_size,
            size: status.size,
            available: status.available,
            waiting: status.waiting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_get_the_statement_timeout_in_milliseconds() {
        assert_eq!(
            connection_setup(Some(Duration::from_millis(5000))),
            "SET plan_cache_mode = force_generic_plan; SET statement_timeout = 5000"
        );
        assert_eq!(connection_setup(None), GENERIC_PLANS);
    }
}
