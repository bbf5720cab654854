//! Token authentication and the user's own sessions: list, sign out, revoke.

use folio_domain::{AuditEventType, DomainEvent, SessionId, UserId};
use tracing::warn;

use crate::folio::SessionState;
use crate::ports::{
    Clock, RateKey, RevokedSession, SessionRecord, SessionRepository, TokenIssuer, UnitOfWork, Work,
};
use crate::views::{Authenticated, SessionView};
use crate::{AppError, ClientInfo, Folio, Ports, Resource};

/// What resolving a credential has charged its address so far.
enum LookupCharge {
    /// Answered from the session cache: nothing charged yet.
    NoLookup,
    /// Looked up in the database, paid for in advance (`None` when limits are off).
    Paid(Option<RateKey>),
}

impl<P: Ports> Folio<P> {
    /// Resolves a presented bearer token to its user as they are right now (role,
    /// suspension), sliding the idle expiry. Revoked and unknown tokens are
    /// `Unauthenticated`; tokens that timed out are `SessionExpired`.
    pub async fn authenticate(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<Authenticated, AppError> {
        let now = self.ports.clock().now();
        let hash = self.ports.tokens().hash(token);
        let found = self.cached_session(&hash).await;
        let (session, charge) = match found.session {
            Some(session) => (Some(session), LookupCharge::NoLookup),
            None => {
                // Only credentials the cache does not know cost a lookup, and each
                // lookup is paid for by the address before it is made.
                let charged = self.admit_token_lookup(client).await?;
                match self.stored_session(&hash, found.fence).await {
                    Ok(session) => (session, LookupCharge::Paid(charged)),
                    Err(error) => {
                        self.refund_token_lookup(charged).await;
                        return Err(error.into());
                    }
                }
            }
        };
        let Some(mut session) = session else {
            self.reject_token("unknown", None, client, charge).await;
            return Err(AppError::Unauthenticated);
        };
        let rejected = match self.sessions.state_of(&session, now) {
            SessionState::Revoked => Some(("revoked", AppError::Unauthenticated)),
            SessionState::Expired => Some(("expired", AppError::SessionExpired)),
            SessionState::Active if session.user.is_suspended() => {
                Some(("suspended", AppError::Unauthenticated))
            }
            SessionState::Active => None,
        };
        if let Some((reason, error)) = rejected {
            self.reject_token(reason, Some((&session.user, session.id)), client, charge)
                .await;
            return Err(error);
        }
        if now - session.last_seen_at >= self.sessions.touch_interval {
            // Losing one activity mark is harmless; failing the request for it is not.
            match self.ports.sessions().touch(session.id, now).await {
                Ok(true) => {
                    session.last_seen_at = now;
                    self.remember_session(&hash, &session, found.fence).await;
                }
                Ok(false) => {
                    let owner = Some((&session.user, session.id));
                    self.reject_token("revoked", owner, client, charge).await;
                    return Err(AppError::Unauthenticated);
                }
                Err(error) => warn!(error = %error, "could not record session activity"),
            }
        }
        if let LookupCharge::Paid(charged) = charge {
            self.refund_token_lookup(charged).await;
        }
        Ok(Authenticated {
            expires_at: self
                .sessions
                .expiry_of(session.expires_at, session.last_seen_at),
            user: session.user,
            session_id: session.id,
        })
    }

    /// A presented token that does not authenticate: counted against the address
    /// (unless its lookup already was), and tallied for the audit log.
    async fn reject_token(
        &self,
        reason: &str,
        owner: Option<(&folio_domain::User, SessionId)>,
        client: &ClientInfo,
        charge: LookupCharge,
    ) {
        if let LookupCharge::NoLookup = charge {
            self.count_token_rejection(client).await;
        }
        let mut event = self
            .event(AuditEventType::TokenRejected, client)
            .detail("reason", reason);
        if let Some((user, session)) = owner {
            event = event.subject(user.id).session(session);
        }
        self.tally(event, client);
    }

    /// The caller's sessions that can still be used, newest first.
    pub async fn sessions_of(&self, caller: &Authenticated) -> Result<Vec<SessionView>, AppError> {
        let now = self.ports.clock().now();
        let idle_since = now - self.sessions.idle_timeout;
        let records = self
            .ports
            .sessions()
            .list_active(caller.user.id, now, idle_since)
            .await?;
        Ok(records
            .into_iter()
            .map(|record| self.session_view(record, caller.session_id))
            .collect())
    }

    fn session_view(&self, record: SessionRecord, current: SessionId) -> SessionView {
        SessionView {
            expires_at: self
                .sessions
                .expiry_of(record.expires_at, record.last_seen_at),
            current: record.id == current,
            record,
        }
    }

    /// Signs the caller's own session out.
    pub async fn logout(
        &self,
        caller: &Authenticated,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.ports.clock().now();
        let mut work = self.ports.unit_of_work().begin().await?;
        let revoked = work
            .sessions()
            .revoke(caller.user.id, caller.session_id, now)
            .await?;
        let event = self
            .event(AuditEventType::Logout, client)
            .actor(caller.user.id)
            .subject(caller.user.id)
            .session(caller.session_id);
        self.record_in(&work, event).await?;
        raise_revoked(&mut work, caller.user.id, revoked.as_slice());
        work.commit().await?;
        self.forget_revoked(revoked.as_slice()).await;
        Ok(())
    }

    /// Revokes one of the caller's sessions. Someone else's session is "not found",
    /// not "forbidden", so session ids cannot be probed.
    pub async fn revoke_session(
        &self,
        caller: &Authenticated,
        session: SessionId,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.ports.clock().now();
        let mut work = self.ports.unit_of_work().begin().await?;
        let revoked = work
            .sessions()
            .revoke(caller.user.id, session, now)
            .await?
            .ok_or(AppError::NotFound(Resource::Session))?;
        let event = self
            .event(AuditEventType::SessionRevoked, client)
            .actor(caller.user.id)
            .subject(caller.user.id)
            .session(session);
        self.record_in(&work, event).await?;
        let revoked = [revoked];
        raise_revoked(&mut work, caller.user.id, &revoked);
        work.commit().await?;
        self.forget_revoked(&revoked).await;
        Ok(())
    }

    /// "Sign out everywhere else": revokes every session but the caller's own.
    pub async fn revoke_other_sessions(
        &self,
        caller: &Authenticated,
        client: &ClientInfo,
    ) -> Result<u64, AppError> {
        let now = self.ports.clock().now();
        let mut work = self.ports.unit_of_work().begin().await?;
        let revoked = work
            .sessions()
            .revoke_all(caller.user.id, Some(caller.session_id), now)
            .await?;
        let count = u64::try_from(revoked.len()).unwrap_or(u64::MAX);
        let event = self
            .event(AuditEventType::SessionsRevokedAll, client)
            .actor(caller.user.id)
            .subject(caller.user.id)
            .session(caller.session_id)
            .detail("revoked", count.to_string());
        self.record_in(&work, event).await?;
        raise_revoked(&mut work, caller.user.id, &revoked);
        work.commit().await?;
        self.forget_revoked(&revoked).await;
        Ok(count)
    }

    /// The value a cookie-authenticated client must echo in `X-CSRF-Token`.
    pub fn csrf_token_for(&self, session_token: &str) -> String {
        self.ports.tokens().csrf_token(session_token)
    }

    /// Records a cookie-authenticated unsafe request that failed the CSRF check.
    pub fn record_csrf_rejection(&self, caller: &Authenticated, reason: &str, client: &ClientInfo) {
        let event = self
            .event(AuditEventType::CsrfRejected, client)
            .actor(caller.user.id)
            .subject(caller.user.id)
            .session(caller.session_id)
            .detail("reason", reason);
        self.tally(event, client);
    }
}

/// Raises the event of `user`'s sessions that `work` revoked, if it revoked any.
pub(crate) fn raise_revoked(work: &mut impl Work, user: UserId, revoked: &[RevokedSession]) {
    if revoked.is_empty() {
        return;
    }
    work.raise(DomainEvent::SessionsRevoked {
        user,
        sessions: revoked.iter().map(|session| session.id).collect(),
    });
}
