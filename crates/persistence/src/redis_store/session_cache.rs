use std::time::{Duration, Instant};

use chrono::DateTime;
use folio_application::ports::{PortError, SessionCache, StoredSession, TokenHash};
use folio_domain::{Bio, Email, ImageUrl, Role, SessionId, Timestamp, User, UserId, Username};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::RedisStore;

/// Session lookups cached as JSON under the token hash (which is already a digest,
/// so the key reveals nothing usable).
#[derive(Clone)]
pub struct RedisSessionCache {
    store: RedisStore,
}

impl RedisSessionCache {
    pub fn new(store: RedisStore) -> Self {
        Self { store }
    }

    fn key(&self, hash: &TokenHash) -> String {
        let hex: String = hash.0.iter().map(|b| format!("{b:02x}")).collect();
        self.store.key(&format!("session:{hex}"))
    }
}

/// The cached form; timestamps as milliseconds since the epoch.
#[derive(Serialize, Deserialize)]
struct CachedSession {
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

impl CachedSession {
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
    async fn get(&self, token_hash: &TokenHash) -> Result<Option<StoredSession>, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("GET")
            .arg(self.key(token_hash))
            .query_async::<Option<String>>(&mut connection)
            .await;
        let found = self.store.outcome(started, result);
        let outcome = match &found {
            Ok(Some(_)) => "hit",
            Ok(None) => "miss",
            Err(_) => "error",
        };
        metrics::counter!("cache_requests_total", "cache" => "sessions", "outcome" => outcome)
            .increment(1);
        let Some(json) = found? else {
            return Ok(None);
        };
        let cached: CachedSession = serde_json::from_str(&json)
            .map_err(|error| PortError::other(Unreadable(error.to_string())))?;
        cached.into_session().map(Some)
    }

    async fn put(
        &self,
        token_hash: &TokenHash,
        session: &StoredSession,
        ttl: Duration,
    ) -> Result<(), PortError> {
        let json = serde_json::to_string(&CachedSession::from_session(session))
            .map_err(|error| PortError::other(Unreadable(error.to_string())))?;
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("SET")
            .arg(self.key(token_hash))
            .arg(json)
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .query_async::<()>(&mut connection)
            .await;
        self.store.outcome(started, result)
    }

    async fn forget(&self, token_hashes: &[TokenHash]) -> Result<(), PortError> {
        if token_hashes.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = token_hashes.iter().map(|hash| self.key(hash)).collect();
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("DEL")
            .arg(keys)
            .query_async::<u64>(&mut connection)
            .await;
        self.store.outcome(started, result).map(|_| ())
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
        let json = serde_json::to_string(&CachedSession::from_session(&session))
            .map_err(|e| PortError::other(Unreadable(e.to_string())))?;
        let back = serde_json::from_str::<CachedSession>(&json)
            .map_err(|e| PortError::other(Unreadable(e.to_string())))?
            .into_session()?;
        assert_eq!(back.id, session.id);
        assert_eq!(back.user, session.user);
        assert_eq!(back.revoked_at, session.revoked_at);
        assert_eq!(back.last_seen_at, session.last_seen_at);
        Ok(())
    }
}
