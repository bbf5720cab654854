use folio_domain::{PasswordHash, SessionId, Timestamp, User, UserId};

use super::{PortError, TokenHash};

/// A login session to record. The token itself is never stored, only its hash.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub token_hash: TokenHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A session as stored, with the user it belongs to as that user is right now.
/// Whether it is still usable is the application's decision (see `SessionPolicy`).
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub id: SessionId,
    pub user: User,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The absolute end of the session, whatever its activity.
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// What a user sees of one of their sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// A session a revocation ended: its id, for the event that reports it, and its
/// token hash, for the cache entry to forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSession {
    pub id: SessionId,
    pub token_hash: TokenHash,
}

#[cfg_attr(test, mockall::automock)]
pub trait SessionRepository: Send + Sync + 'static {
    /// Stores a session opened by a login, provided the user's password hash is still
    /// `verified`, the one the login checked; `false` (nothing stored) when it changed
    /// meanwhile. A password change that commits while this runs either waits for it
    /// (and then revokes the new session) or makes it store nothing.
    async fn create(&self, session: NewSession, verified: &PasswordHash)
    -> Result<bool, PortError>;

    /// The session whose token hashes to `token_hash`, in whatever state it is.
    async fn find_by_token(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<StoredSession>, PortError>;

    /// Records activity on a session (sliding idle expiry); `false` when the session
    /// has been revoked meanwhile, and then nothing is written.
    async fn touch(&self, id: SessionId, now: Timestamp) -> Result<bool, PortError>;

    /// `user`'s sessions that are not revoked, have not passed their absolute expiry
    /// at `now` and were last seen after `idle_since`; newest first.
    async fn list_active(
        &self,
        user: UserId,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Vec<SessionRecord>, PortError>;

    /// Revokes `session` if it belongs to `user` and is not revoked yet; the
    /// session it revoked.
    async fn revoke(
        &self,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> Result<Option<RevokedSession>, PortError>;

    /// Revokes every unrevoked session of `user` except `keep`; the sessions it
    /// revoked.
    async fn revoke_all(
        &self,
        user: UserId,
        keep: Option<SessionId>,
        now: Timestamp,
    ) -> Result<Vec<RevokedSession>, PortError>;

    /// The token hashes of `user`'s unrevoked sessions.
    async fn unrevoked_token_hashes(&self, user: UserId) -> Result<Vec<TokenHash>, PortError>;
}

/// Where an entry of the session cache stood when it was read: `forget` moves it on,
/// and a copy read from PostgreSQL before that may no longer be written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence(pub u64);

/// What the session cache holds for a token, and its fence.
#[derive(Debug, Clone)]
pub struct CachedSession {
    pub session: Option<StoredSession>,
    pub fence: Fence,
}

/// A short-lived copy of session lookups (Redis), so that most requests do not read
/// PostgreSQL to authenticate. Every change to a session or its user forgets the
/// affected entries; PostgreSQL stays the source of truth.
pub trait SessionCache: Send + Sync + 'static {
    async fn get(&self, token_hash: &TokenHash) -> Result<CachedSession, PortError>;

    /// Stores `session` unless the entry was forgotten after `fence` was read (then a
    /// revocation or change happened that this copy may predate); whether it stored.
    async fn put(
        &self,
        token_hash: &TokenHash,
        session: &StoredSession,
        fence: Fence,
        ttl: std::time::Duration,
    ) -> Result<bool, PortError>;

    /// Removes the entries and moves their fences on, atomically. Implementations
    /// keep retrying a removal that could not be made, so that an entry cannot
    /// outlive a revocation by more than the retry interval once the cache is back.
    async fn forget(&self, token_hashes: &[TokenHash]) -> Result<(), PortError>;
}

/// Removing sessions that ended long ago. Its future is `Send`: it runs as a job
/// (see `crate::jobs`).
pub trait SessionRetention: Send + Sync + 'static {
    /// Deletes up to `limit` sessions that were revoked or passed their absolute
    /// expiry before `ended_before`, or were last seen before `last_seen_before`;
    /// how many it deleted.
    fn remove_ended(
        &self,
        ended_before: Timestamp,
        last_seen_before: Timestamp,
        limit: u32,
    ) -> impl std::future::Future<Output = Result<u64, PortError>> + Send;
}
