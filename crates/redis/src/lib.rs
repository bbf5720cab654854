//! Redis: one shared connection, guarded by a circuit breaker, and the adapters
//! built on it.

mod breaker;
mod cached_content;
mod cached_search;
mod channel_stream;
mod content_cache;
mod event_feed;
mod event_stream;
mod invalidations;
mod near_cache;
mod rate_limiter;
mod realtime_codec;
mod realtime_notices;
mod session_cache;
mod socket_seats;
mod subscription;
mod version_board;

use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_application::ports::PortError;
use redis::RedisError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

use breaker::CircuitBreaker;
pub use channel_stream::{RedisChannelStream, Retention};
pub use content_cache::RedisContentCache;
pub use event_feed::RedisEventFeed;
pub use event_stream::RedisEventStream;
pub use rate_limiter::RedisRateLimiter;
pub use realtime_notices::RedisRealtimeNotices;
pub use session_cache::RedisSessionCache;
pub use socket_seats::RedisSocketSeats;

/// A Folio-relative name for `subject` in `namespace` that does not hold it in the
/// clear, and whose length does not depend on it.
pub(crate) fn hashed_name(namespace: &str, subject: &str) -> String {
    let digest = Sha256::digest(subject.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{namespace}:{hex}")
}

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
    client: redis::Client,
    timeout: Duration,
    connection: ConnectionManager,
    key_prefix: String,
    breaker: Arc<CircuitBreaker>,
}

/// How long Redis is left alone after a connection failure or timeout.
const COOLDOWN: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("Redis is unavailable; not retrying for a few seconds")]
struct CircuitOpen;

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
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|e| InvalidRedisUrl(e.to_string()))?;
        Ok(Self {
            client,
            timeout: settings.timeout,
            connection,
            key_prefix: settings.key_prefix.clone(),
            breaker: Arc::new(CircuitBreaker::new(COOLDOWN)),
        })
    }

    /// The connection to run a command on, unless Redis failed moments ago.
    pub(crate) fn connection(&self) -> Result<ConnectionManager, PortError> {
        if self.breaker.is_closed() {
            Ok(self.connection.clone())
        } else {
            Err(PortError::unavailable(CircuitOpen))
        }
    }

    /// The connection whatever the breaker says, for commands that must be tried
    /// even right after a failure.
    pub(crate) fn connection_past_breaker(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// A dedicated connection subscribed to `channel` (subscriptions cannot share the
    /// multiplexed one).
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<redis::aio::PubSub, RedisError> {
        let subscribing = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok(pubsub)
        };
        tokio::time::timeout(self.timeout, subscribing)
            .await
            .unwrap_or_else(|_| {
                Err(RedisError::from(std::io::Error::from(
                    std::io::ErrorKind::TimedOut,
                )))
            })
    }

    /// Maps the result of a command started at `started` to a port result, records
    /// its latency, and trips the breaker when Redis could not be reached (as opposed
    /// to answering with an error).
    pub(crate) fn outcome<T>(
        &self,
        started: Instant,
        result: Result<T, RedisError>,
    ) -> Result<T, PortError> {
        metrics::histogram!("redis_command_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        result.map_err(|error| {
            metrics::counter!("redis_errors_total").increment(1);
            let unreachable = error.is_io_error()
                || error.is_timeout()
                || error.is_connection_refusal()
                || error.is_connection_dropped();
            if unreachable {
                if self.breaker.trip() {
                    tracing::error!(
                        %error,
                        cooldown_ms = COOLDOWN.as_millis(),
                        "Redis unreachable; its callers fall back until it answers"
                    );
                }
                PortError::unavailable(error)
            } else {
                PortError::other(error)
            }
        })
    }

    /// A key for `subject` that does not store it in the clear.
    pub(crate) fn hashed_key(&self, namespace: &str, subject: &str) -> String {
        self.key(&hashed_name(namespace, subject))
    }

    /// The full key for a Folio-relative name.
    pub fn key(&self, name: &str) -> String {
        format!("{}{}", self.key_prefix, name)
    }

    /// Readiness: asks Redis itself, past the breaker, so recovery is noticed.
    pub async fn ping(&self) -> Result<(), PortError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(|_| ())
            .map_err(PortError::unavailable)
    }
}
