use std::sync::LazyLock;
use std::time::{Duration, Instant};

use folio_application::ports::{Bucket, PortError, RateKey, RateLimiter, Usage, Window};
use redis::Script;

use super::RedisStore;

/// Fixed-window counters and token buckets in Redis, atomic through Lua scripts and
/// timed by Redis's clock, so every instance counts the same way.
#[derive(Clone)]
pub struct RedisRateLimiter {
    store: RedisStore,
}

impl RedisRateLimiter {
    pub fn new(store: RedisStore) -> Self {
        Self { store }
    }

    fn key(&self, key: &RateKey) -> String {
        self.store
            .hashed_key(&format!("rate:{}", key.scope), &key.subject)
    }
}

/// Counts one event; starts the window's clock on the first. Returns {count, ttl ms}.
static RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        return {count, ttl}
        ",
    )
});

/// Takes back one counted event, never below zero; the window keeps its expiry.
static CREDIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        if count > 0 then redis.call('DECR', KEYS[1]) end
        return 0
        ",
    )
});

/// Refills by elapsed time, then takes a token if there is one.
/// ARGV: capacity, refill interval ms. Returns {allowed, tokens left, ms to next
/// token, ms to full}.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local capacity = tonumber(ARGV[1])
        local refill = tonumber(ARGV[2])
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1])
        local at = tonumber(state[2])
        if tokens == nil or at == nil then
            tokens = capacity
            at = now
        end
        local regained = math.floor((now - at) / refill)
        if regained > 0 then
            tokens = math.min(capacity, tokens + regained)
            at = at + regained * refill
        end
        if tokens >= capacity then at = now end
        local allowed = 0
        if tokens >= 1 then
            tokens = tokens - 1
            allowed = 1
        end
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
        redis.call('PEXPIRE', KEYS[1], capacity * refill + 1000)
        local next_token = math.max(0, refill - (now - at))
        local full = math.max(0, (capacity - tokens) * refill - (now - at))
        return {allowed, tokens, next_token, full}
        ",
    )
});

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `count` includes the event just recorded.
fn window_usage(window: Window, count: u64, ttl_ms: i64) -> Usage {
    let max = u64::from(window.max);
    let allowed = count <= max;
    let resets_in = u64::try_from(ttl_ms)
        .map(Duration::from_millis)
        .unwrap_or(window.length);
    Usage {
        allowed,
        limit: window.max,
        remaining: u32::try_from(max.saturating_sub(count)).unwrap_or(0),
        resets_in,
        retry_in: (!allowed).then_some(resets_in),
    }
}

impl RateLimiter for RedisRateLimiter {
    async fn record(&self, key: &RateKey, window: Window) -> Result<Usage, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = RECORD
            .key(self.key(key))
            .arg(millis(window.length).max(1))
            .invoke_async::<(u64, i64)>(&mut connection)
            .await;
        let (count, ttl) = self.store.outcome(started, result)?;
        Ok(window_usage(window, count, ttl))
    }

    async fn credit(&self, key: &RateKey) -> Result<(), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = CREDIT
            .key(self.key(key))
            .invoke_async::<u8>(&mut connection)
            .await;
        self.store.outcome(started, result).map(|_| ())
    }

    async fn clear(&self, key: &RateKey) -> Result<(), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async::<u64>(&mut connection)
            .await;
        self.store.outcome(started, result).map(|_| ())
    }

    async fn take(&self, key: &RateKey, bucket: Bucket) -> Result<Usage, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = TAKE
            .key(self.key(key))
            .arg(bucket.capacity.max(1))
            .arg(millis(bucket.refill_every).max(1))
            .invoke_async::<(u8, u64, u64, u64)>(&mut connection)
            .await;
        let (allowed, tokens, next_token, full) = self.store.outcome(started, result)?;
        let allowed = allowed == 1;
        Ok(Usage {
            allowed,
            limit: bucket.capacity,
            remaining: u32::try_from(tokens).unwrap_or(bucket.capacity),
            resets_in: Duration::from_millis(full),
            retry_in: (!allowed).then(|| Duration::from_millis(next_token.max(1))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Window = Window {
        max: 5,
        length: Duration::from_secs(900),
    };

    #[test]
    fn the_fifth_recorded_event_is_allowed_and_the_sixth_is_not() {
        assert!(window_usage(WINDOW, 5, 1000).allowed);
        let sixth = window_usage(WINDOW, 6, 1000);
        assert!(!sixth.allowed);
        assert_eq!(sixth.remaining, 0);
        assert_eq!(sixth.retry_in, Some(Duration::from_secs(1)));
    }
}
