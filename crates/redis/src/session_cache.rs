use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::DateTime;
use folio_application::ports::{
    CachedSession, Fence, PortError, SessionCache, StoredSession, TokenHash,
};
use folio_domain::{Bio, Email, ImageUrl, Role, SessionId, Timestamp, User, UserId, Username};
use redis::Script;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::RedisStore;

/// Session lookups cached as JSON under the token hash (which is already a digest,
/// so the key reveals nothing usable), each next to a fence counter that `forget`
/// moves on in the same atomic step as it deletes the entry.
#[derive(Clone)]
pub struct RedisSessionCache {
    store: RedisStore,
    /// Token hashes whose entries could not be forgotten yet (Redis unreachable).
    pending: Arc<Mutex<HashSet<TokenHash>>>,
}

/// How long a fence outlives its last move: far longer than any request that read
/// it before loading the session from PostgreSQL can take.
const FENCE_LIFETIME: Duration = Duration::from_secs(3600);

/// How often removals that could not be made are tried again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Removals waiting for Redis, at most; past it the oldest wishes are dropped and
/// those entries end with their TTL.
const MAX_PENDING: usize = 100_000;

/// Sessions removed per Redis script.
const FORGET_BATCH: usize = 256;

/// Returns {entry or "", fence}.
static GET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local entry = redis.call('GET', KEYS[1])
        local fence = redis.call('GET', KEYS[2])
        return {entry or '', fence or '0'}
        ",
    )
});

/// Stores the entry (ARGV: json, ttl ms, fence) only if the fence has not moved.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local fence = redis.call('GET', KEYS[2]) or '0'
        if fence ~= ARGV[3] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        ",
    )
});

/// KEYS: entry, fence, entry, fence... Deletes each entry and moves its fence on.
static FORGET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        for i = 1, #KEYS, 2 do
            redis.call('DEL', KEYS[i])
            redis.call('INCR', KEYS[i + 1])
            redis.call('PEXPIRE', KEYS[i + 1], ARGV[1])
        end
        return 0
        ",
    )
});

impl RedisSessionCache {
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            pending: Arc::default(),
        }
    }

    fn hex(hash: &TokenHash) -> String {
        hash.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn key(&self, hash: &TokenHash) -> String {
        self.store.key(&format!("session:{}", Self::hex(hash)))
    }

    fn fence_key(&self, hash: &TokenHash) -> String {
        self.store
            .key(&format!("session-fence:{}", Self::hex(hash)))
    }

    /// Tries the removals that failed before, every second, for as long as the
    /// process runs.
    pub fn retry_pending_forgets(&self) {
        let cache = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(RETRY_EVERY);
            loop {
                ticks.tick().await;
                let due: Vec<TokenHash> = {
                    let mut pending = cache.pending.lock().unwrap_or_else(PoisonError::into_inner);
                    pending.drain().collect()
                };
                if due.is_empty() {
                    continue;
                }
                match cache.remove(&due).await {
                    Ok(()) => tracing::info!(
                        sessions = due.len(),
                        "forgot cached sessions after a Redis outage"
                    ),
                    Err(_) => cache.keep_pending(due),
                }
            }
        });
    }

    fn keep_pending(&self, hashes: Vec<TokenHash>) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        for hash in hashes {
            if pending.len() >= MAX_PENDING {
                tracing::error!(
                    "too many cached sessions waiting to be forgotten; dropping the rest"
                );
                break;
            }
            pending.insert(hash);
        }
        metrics::gauge!("session_cache_pending_forgets")
            .set(u32::try_from(pending.len()).unwrap_or(u32::MAX));
    }

    /// Runs even while the breaker is open: a revocation must reach Redis as soon
    /// as Redis answers again.
    /// In scripts of at most `FORGET_BATCH` sessions, so that revoking thousands at
    /// once never holds Redis (single-threaded) in one long script. Removing twice is
    /// harmless, so on a failure the caller may retry the whole list.
    async fn remove(&self, token_hashes: &[TokenHash]) -> Result<(), PortError> {
        let mut connection = self.store.connection_past_breaker();
        for batch in token_hashes.chunks(FORGET_BATCH) {
            let mut script = FORGET.prepare_invoke();
            for hash in batch {
                script.key(self.key(hash)).key(self.fence_key(hash));
            }
            script.arg(duration_millis(FENCE_LIFETIME));
            let started = Instant::now();
            let result = script.invoke_async::<u8>(&mut connection).await;
            self.store.outcome(started, result)?;
        }
        Ok(())
    }
}

fn duration_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The cached form; timestamps as milliseconds since the epoch.
#[derive(Serialize, Deserialize)]
struct CachedEntry {
    id: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    user: CachedUser,
}

#[derive(Serialize, Deserialize)]
struct CachedUser {
    id: String,
    username: String,
    email: String,
    bio: Option<String>,
    image: Option<String>,
    role: String,
    suspended_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("unreadable cached session: {0}")]
struct Unreadable(String);

fn millis(at: &Timestamp) -> i64 {
    at.timestamp_millis()
}

fn at(millis: i64) -> Result<Timestamp, PortError> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| PortError::other(Unreadable(format!("timestamp {millis}"))))
}

impl CachedEntry {
    fn from_session(session: &StoredSession) -> Self {
        let user = &session.user;
        Self {
            id: session.id.to_string(),
            created_at: millis(&session.created_at),
            last_seen_at: millis(&session.last_seen_at),
            expires_at: millis(&session.expires_at),
            revoked_at: session.revoked_at.as_ref().map(millis),
            user: CachedUser {
                id: user.id.to_string(),
                username: user.username.as_str().to_owned(),
                email: user.email.as_str().to_owned(),
                bio: user.bio.as_ref().map(|bio| bio.as_str().to_owned()),
                image: user.image.as_ref().map(|image| image.as_str().to_owned()),
                role: user.role.as_str().to_owned(),
                suspended_at: user.suspended_at.as_ref().map(millis),
                created_at: millis(&user.created_at),
                updated_at: millis(&user.updated_at),
            },
        }
    }

    fn into_session(self) -> Result<StoredSession, PortError> {
        let user = self.user;
        let uuid = |raw: &str| {
            Uuid::parse_str(raw).map_err(|_| PortError::other(Unreadable(format!("id {raw:?}"))))
        };
        let role = Role::parse(&user.role)
            .map_err(|_| PortError::other(Unreadable(format!("role {:?}", user.role))))?;
        Ok(StoredSession {
            id: SessionId::from_uuid(uuid(&self.id)?),
            created_at: at(self.created_at)?,
            last_seen_at: at(self.last_seen_at)?,
            expires_at: at(self.expires_at)?,
            revoked_at: self.revoked_at.map(at).transpose()?,
            user: User {
                id: UserId::from_uuid(uuid(&user.id)?),
                username: Username::from_trusted(user.username),
                email: Email::from_trusted(user.email),
                bio: user.bio.map(Bio::from_trusted),
                image: user.image.map(ImageUrl::from_trusted),
                role,
                suspended_at: user.suspended_at.map(at).transpose()?,
                created_at: at(user.created_at)?,
                updated_at: at(user.updated_at)?,
            },
        })
    }
}

impl SessionCache for RedisSessionCache {
    async fn get(&self, token_hash: &TokenHash) -> Result<CachedSession, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = GET
            .key(self.key(token_hash))
            .key(self.fence_key(token_hash))
            .invoke_async::<(String, u64)>(&mut connection)
            .await;
        let found = self.store.outcome(started, result);
        let outcome = match &found {
            Ok((json, _)) if !json.is_empty() => "hit",
            Ok(_) => "miss",
            Err(_) => "error",
        };
        metrics::counter!("cache_requests_total", "cache" => "sessions", "outcome" => outcome)
            .increment(1);
        let (json, fence) = found?;
        let session = if json.is_empty() {
            None
        } else {
            let cached: CachedEntry = serde_json::from_str(&json)
                .map_err(|error| PortError::other(Unreadable(error.to_string())))?;
            Some(cached.into_session()?)
        };
        Ok(CachedSession {
            session,
            fence: Fence(fence),
        })
    }

    async fn put(
        &self,
        token_hash: &TokenHash,
        session: &StoredSession,
        fence: Fence,
        ttl: Duration,
    ) -> Result<bool, PortError> {
        let json = serde_json::to_string(&CachedEntry::from_session(session))
            .map_err(|error| PortError::other(Unreadable(error.to_string())))?;
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = PUT
            .key(self.key(token_hash))
            .key(self.fence_key(token_hash))
            .arg(json)
            .arg(duration_millis(ttl))
            .arg(fence.0)
            .invoke_async::<u8>(&mut connection)
            .await;
        self.store
            .outcome(started, result)
            .map(|stored| stored == 1)
    }

    async fn forget(&self, token_hashes: &[TokenHash]) -> Result<(), PortError> {
        if token_hashes.is_empty() {
            return Ok(());
        }
        let removed = self.remove(token_hashes).await;
        if removed.is_err() {
            self.keep_pending(token_hashes.to_vec());
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_survives_the_round_trip_through_json() -> Result<(), PortError> {
        let now = at(1_714_564_800_123)?;
        let session = StoredSession {
            id: SessionId::generate(),
            created_at: now,
            last_seen_at: now,
            expires_at: now,
            revoked_at: Some(now),
            user: User {
                id: UserId::generate(),
                username: Username::from_trusted("jake".to_owned()),
                email: Email::from_trusted("jake@example.com".to_owned()),
                bio: Some(Bio::from_trusted("hi".to_owned())),
                image: None,
                role: Role::Moderator,
                suspended_at: Some(now),
                created_at: now,
                updated_at: now,
            },
        };
        let json = serde_json::to_string(&CachedEntry::from_session(&session))
            .map_err(|e| PortError::other(Unreadable(e.to_string())))?;
        let back = serde_json::from_str::<CachedEntry>(&json)
            .map_err(|e| PortError::other(Unreadable(e.to_string())))?
            .into_session()?;
        assert_eq!(back.id, session.id);
        assert_eq!(back.user, session.user);
        assert_eq!(back.revoked_at, session.revoked_at);
        assert_eq!(back.last_seen_at, session.last_seen_at);
        Ok(())
    }
}
