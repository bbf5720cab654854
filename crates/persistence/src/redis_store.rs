use std::time::Duration;

use folio_application::ports::PortError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    /// Prepended to every key, so deployments (and test runs) can share one Redis.
    pub key_prefix: String,
    pub timeout: Duration,
}

/// One multiplexed, self-reconnecting Redis connection shared by the whole process.
/// Created lazily: Folio starts (and serves from PostgreSQL) while Redis is down.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    key_prefix: String,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid REDIS_URL: {0}")]
pub struct InvalidRedisUrl(String);

impl RedisStore {
    pub fn connect_lazily(settings: &RedisSettings) -> Result<Self, InvalidRedisUrl> {
        let client = redis::Client::open(settings.url.as_str())
            .map_err(|e| InvalidRedisUrl(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| InvalidRedisUrl(e.to_string()))?;
        Ok(Self {
            connection,
            key_prefix: settings.key_prefix.clone(),
        })
    }

    /// The full key for a Folio-relative name.
    pub fn key(&self, name: &str) -> String {
        format!("{}{}", self.key_prefix, name)
    }

    pub async fn ping(&self) -> Result<(), PortError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(|_| ())
            .map_err(PortError::unavailable)
    }
}
