use folio_domain::{SessionId, Timestamp, User, UserId};

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

/// A session that is neither revoked nor expired, with the user it belongs to.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: SessionId,
    pub user: User,
    pub last_seen_at: Timestamp,
}

#[cfg_attr(test, mockall::automock)]
pub trait SessionRepository: Send + Sync + 'static {
    async fn create(&self, session: NewSession) -> Result<(), PortError>;

    /// The session whose token hashes to `token_hash`, if it is not revoked, has not
    /// passed its absolute expiry at `now` and was last seen after `idle_since`.
    async fn find_active(
        &self,
        token_hash: &TokenHash,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<ActiveSession>, PortError>;

    /// Records activity on a session (sliding idle expiry).
    async fn touch(&self, id: SessionId, now: Timestamp) -> Result<(), PortError>;
}
