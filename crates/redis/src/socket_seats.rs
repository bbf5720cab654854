//! Each user's open sockets across the deployment: a sorted set per user
//! (`realtime:seats:<user id>`) of socket ids scored by when their hold ends, so
//! the seats of sockets whose instance died free themselves.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use folio_application::ports::{PortError, SocketSeats};
use folio_application::realtime::Seat;
use folio_domain::UserId;
use redis::Script;

use super::RedisStore;

/// Takes or keeps a seat. KEYS: the user's set. ARGV: the socket, the most seats,
/// the hold in ms. Returns 1 when the socket has its seat.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
        local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not held and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        ",
    )
});

#[derive(Clone)]
pub struct RedisSocketSeats {
    store: RedisStore,
}

impl RedisSocketSeats {
    pub fn new(store: RedisStore) -> Self {
        Self { store }
    }

    fn key(&self, user: UserId) -> String {
        self.store.key(&format!("realtime:seats:{user}"))
    }
}

impl SocketSeats for RedisSocketSeats {
    async fn take(
        &self,
        user: UserId,
        socket: &str,
        max: u32,
        hold: Duration,
    ) -> Result<bool, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = TAKE
            .key(self.key(user))
            .arg(socket)
            .arg(max)
            .arg(u64::try_from(hold.as_millis()).unwrap_or(u64::MAX))
            .invoke_async::<u8>(&mut connection)
            .await;
        self.store.outcome(started, result).map(|taken| taken == 1)
    }

    async fn release(&self, user: UserId, socket: &str) -> Result<(), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("ZREM")
            .arg(self.key(user))
            .arg(socket)
            .query_async::<u64>(&mut connection)
            .await;
        self.store.outcome(started, result).map(|_| ())
    }

    async fn release_all(&self, seats: &[Seat]) -> Result<(), PortError> {
        let mut by_user: HashMap<UserId, Vec<&str>> = HashMap::new();
        for seat in seats {
            by_user.entry(seat.user).or_default().push(&seat.socket);
        }
        let mut pipeline = redis::pipe();
        for (user, sockets) in by_user {
            pipeline
                .cmd("ZREM")
                .arg(self.key(user))
                .arg(sockets)
                .ignore();
        }
        // Tried whatever the breaker says: these seats would otherwise stay taken
        // for their whole hold.
        let mut connection = self.store.connection_past_breaker();
        let started = Instant::now();
        let result = pipeline.query_async::<()>(&mut connection).await;
        self.store.outcome(started, result)
    }
}
