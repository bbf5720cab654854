use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use folio_application::{AppError, Folio};
use folio_persistence::db::{ensure_database_exists, run_migrations};
use folio_persistence::{Database, DatabaseError, PgPorts, RedisStore};

use crate::config::Config;
use crate::metrics::PrometheusMetrics;
use crate::readiness::{CachedReadiness, DependencyProbe, MAX_REPORT_AGE};
use folio_http::Operations;

/// Why the server could not start; printed as one line before exiting non-zero.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Redis(#[from] folio_persistence::redis_store::InvalidRedisUrl),
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        address: String,
        reason: std::io::Error,
    },
    #[error("start-up failed: {0}")]
    Other(String),
}

/// A started server: where it listens, and the future that serves until shutdown.
pub struct Running {
    pub address: SocketAddr,
    pub server: actix_web::dev::Server,
}

/// Creates the database if needed and applies pending migrations.
pub async fn migrate(config: &Config) -> Result<Vec<String>, StartupError> {
    ensure_database_exists(&config.database.url).await?;
    Ok(run_migrations(&config.database.url).await?)
}

/// Grants `role` to `username` from the command line (how the first admin is
/// made); returns the role the account now has.
pub async fn grant_role(
    config: &Config,
    username: &str,
    role: &str,
) -> Result<String, StartupError> {
    migrate(config).await?;
    let database = Database::connect(&config.database).await?;
    let redis = RedisStore::connect_lazily(&config.redis)?;
    let folio = Folio::new(PgPorts::new(database, redis), config.sessions);
    let user = folio
        .grant_role_as_operator(username, role)
        .await
        .map_err(|error| match error {
            AppError::NotFound(_) => StartupError::Other(format!("no user named {username:?}")),
            AppError::Invalid(errors) => StartupError::Other(
                errors
                    .fields()
                    .iter()
                    .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => StartupError::Other(other.to_string()),
        })?;
    Ok(user.role.as_str().to_owned())
}

/// Migrates, connects, wires the application and binds the listener. The returned
/// server must be awaited (or spawned) to serve.
pub async fn start(config: Config) -> Result<Running, StartupError> {
    let applied = migrate(&config).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let database = Database::connect(&config.database).await?;
    let redis = RedisStore::connect_lazily(&config.redis)?;

    let ports = PgPorts::new(database.clone(), redis.clone());
    ports
        .warm_up()
        .await
        .map_err(|e| StartupError::Other(e.to_string()))?;
    let folio = Folio::new(ports, config.sessions)
        .with_password_rules(config.passwords)
        .with_rate_limits(config.rate_limits)
        .with_content_cache(config.content_cache);
    let folio = Arc::new(folio);
    let operations = Operations {
        metrics: Arc::new(PrometheusMetrics::install(database.clone())),
        readiness: Arc::new(CachedReadiness::new(
            DependencyProbe { database, redis },
            MAX_REPORT_AGE,
        )),
    };

    let listener = TcpListener::bind(&config.bind).map_err(|reason| StartupError::Bind {
        address: config.bind.clone(),
        reason,
    })?;
    let address = listener.local_addr().map_err(|reason| StartupError::Bind {
        address: config.bind.clone(),
        reason,
    })?;
    let server =
        folio_http::serve(listener, folio, operations, config.http.clone()).map_err(|reason| {
            StartupError::Bind {
                address: config.bind.clone(),
                reason,
            }
        })?;
    tracing::info!(%address, "serving HTTP");
    Ok(Running { address, server })
}
