//! Reading sessions through the cache, and forgetting the entries a change makes
//! stale. The cache is an optimisation only: when it fails, PostgreSQL answers.
//! Every write carries the fence read before PostgreSQL was, so a copy loaded just
//! before a revocation or a role change can never be written back after it.

use folio_domain::UserId;
use tracing::{debug, warn};

use crate::ports::{
    CachedSession, Fence, PortError, RevokedSession, SessionCache, SessionRepository,
    StoredSession, TokenHash,
};
use crate::{Folio, Ports};

/// A session as found, with the fence under which it may be cached (none when the
/// cache could not be asked).
pub(crate) struct Found {
    pub session: Option<StoredSession>,
    pub fence: Option<Fence>,
}

impl<P: Ports> Folio<P> {
    fn caching(&self) -> bool {
        !self.sessions.cache_ttl.is_zero()
    }

    /// The cached session of `hash` if there is one; else where the entry's fence is.
    pub(crate) async fn cached_session(&self, hash: &TokenHash) -> Found {
        if !self.caching() {
            return Found {
                session: None,
                fence: None,
            };
        }
        match self.ports.session_cache().get(hash).await {
            Ok(CachedSession { session, fence }) => Found {
                session,
                fence: Some(fence),
            },
            Err(error) => {
                debug!(error = %error, "session cache unavailable; reading PostgreSQL");
                Found {
                    session: None,
                    fence: None,
                }
            }
        }
    }

    /// The stored session of `hash`, cached under `fence` when there is one.
    pub(crate) async fn stored_session(
        &self,
        hash: &TokenHash,
        fence: Option<Fence>,
    ) -> Result<Option<StoredSession>, PortError> {
        let session = self.ports.sessions().find_by_token(hash).await?;
        if let Some(session) = &session {
            self.remember_session(hash, session, fence).await;
        }
        Ok(session)
    }

    pub(crate) async fn remember_session(
        &self,
        hash: &TokenHash,
        session: &StoredSession,
        fence: Option<Fence>,
    ) {
        let Some(fence) = fence.filter(|_| self.caching()) else {
            return;
        };
        let cache = self.ports.session_cache();
        match cache
            .put(hash, session, fence, self.sessions.cache_ttl)
            .await
        {
            Ok(true) => {}
            Ok(false) => warn!("session changed while it was read; not caching the old copy"),
            Err(error) => debug!(error = %error, "could not cache a session"),
        }
    }

    /// Forgets cached sessions after they were revoked. The adapter retries what it
    /// could not do at once, so this never fails the caller's change.
    pub(crate) async fn forget_sessions(&self, hashes: &[TokenHash]) {
        if !self.caching() || hashes.is_empty() {
            return;
        }
        if let Err(error) = self.ports.session_cache().forget(hashes).await {
            warn!(error = %error, "could not forget cached sessions yet; retrying in the background");
        }
    }

    /// Forgets the cached copies of sessions a committed revocation ended.
    pub(crate) async fn forget_revoked(&self, revoked: &[RevokedSession]) {
        let hashes: Vec<TokenHash> = revoked
            .iter()
            .map(|session| session.token_hash.clone())
            .collect();
        self.forget_sessions(&hashes).await;
    }

    /// Forgets every cached session of `user`, whose cached copy of the user (role,
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
