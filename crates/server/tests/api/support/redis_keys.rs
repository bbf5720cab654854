//! Direct access to a test's Redis keys, for checking and arranging cached state.

use redis::RedisResult;
use redis::aio::MultiplexedConnection;

pub async fn connect() -> RedisResult<MultiplexedConnection> {
    redis::Client::open(super::redis_url())?
        .get_multiplexed_async_connection()
        .await
}

/// The keys matching `pattern` (a Redis glob).
pub async fn matching(
    connection: &mut MultiplexedConnection,
    pattern: &str,
) -> RedisResult<Vec<String>> {
    redis::cmd("KEYS")
        .arg(pattern)
        .query_async(connection)
        .await
}

/// Deletes every key matching `pattern`.
pub async fn delete_matching(
    connection: &mut MultiplexedConnection,
    pattern: &str,
) -> RedisResult<()> {
    let keys = matching(connection, pattern).await?;
    if keys.is_empty() {
        return Ok(());
    }
    redis::cmd("DEL").arg(keys).query_async(connection).await
}
