//! Reading sessions through the cache, and removing the entries a change makes
//! stale. The cache is an optimisation only: when it fails, PostgreSQL answers.

use folio_domain::UserId;
use tracing::warn;

use crate::ports::{PortError, SessionCache, SessionRepository, StoredSession, TokenHash};
use crate::{Folio, Ports};

impl<P: Ports> Folio<P> {
    fn caching(&self) -> bool {
        !self.sessions.cache_ttl.is_zero()
    }

    /// The session of `hash`, from the cache when it is there.
    pub(crate) async fn load_session(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<StoredSession>, PortError> {
        if self.caching() {
            match self.ports.session_cache().get(hash).await {
                Ok(Some(session)) => return Ok(Some(session)),
                Ok(None) => {}
                Err(error) => {
                    warn!(error = %error, "session cache unavailable; reading PostgreSQL")
                }
            }
        }
        let session = self.ports.sessions().find_by_token(hash).await?;
        if let Some(session) = &session {
            self.remember_session(hash, session).await;
        }
        Ok(session)
    }

    pub(crate) async fn remember_session(&self, hash: &TokenHash, session: &StoredSession) {
        if !self.caching() {
            return;
        }
        let cache = self.ports.session_cache();
        if let Err(error) = cache.put(hash, session, self.sessions.cache_ttl).await {
            warn!(error = %error, "could not cache a session");
        }
    }

    /// Drops cached sessions after they were revoked.
    pub(crate) async fn forget_sessions(&self, hashes: &[TokenHash]) {
        if !self.caching() || hashes.is_empty() {
            return;
        }
        if let Err(error) = self.ports.session_cache().forget(hashes).await {
            warn!(error = %error, "could not drop cached sessions; they expire with their TTL");
        }
    }

    /// Drops every cached session of `user`, whose cached copy of the user (role,
    /// suspension, profile) just went stale.
    pub(crate) async fn forget_sessions_of(&self, user: UserId) -> Result<(), PortError> {
        if !self.caching() {
            return Ok(());
        }
        let hashes = self.ports.sessions().unrevoked_token_hashes(user).await?;
        self.forget_sessions(&hashes).await;
        Ok(())
    }
}
