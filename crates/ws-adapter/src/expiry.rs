//! When a signed-in socket next checks its session: at the moment the session would
//! expire (its idle window or absolute lifetime, the earlier), so a socket outlives
//! its session by no more than that check takes.

use std::time::Duration;

use chrono::Utc;
use folio_domain::Timestamp;
use tokio::time::Instant;

/// The wait before checking again when the check itself failed (the database or
/// Redis did not answer).
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct SessionClock {
    at: Option<Instant>,
}

impl SessionClock {
    /// Checks when the session expires, at `expires_at`.
    pub(crate) fn check_at(&mut self, expires_at: Timestamp) {
        let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
        self.at = Instant::now().checked_add(left);
    }

    pub(crate) fn retry_soon(&mut self) {
        self.at = Some(Instant::now() + RETRY_AFTER);
    }

    /// No more checks (an anonymous socket has no session).
    pub(crate) fn stop(&mut self) {
        self.at = None;
    }

    /// Completes when the check is due; never, when none is.
    pub(crate) async fn due(&self) {
        match self.at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_is_due_when_the_session_expires() {
        let mut clock = SessionClock::default();
        clock.check_at(Utc::now() + chrono::Duration::milliseconds(300));
        let started = Instant::now();
        clock.due().await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(250) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn an_expired_session_is_checked_at_once_and_none_never() {
        let mut clock = SessionClock::default();
        clock.check_at(Utc::now() - chrono::Duration::seconds(5));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), clock.due())
                .await
                .is_ok()
        );
        clock.stop();
        assert!(
            tokio::time::timeout(Duration::from_millis(200), clock.due())
                .await
                .is_err()
        );
    }
}
