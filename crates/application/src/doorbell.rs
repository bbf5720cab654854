//! A doorbell between the stages of the write path on one instance: a commit with
//! events rings the relay's, a published round rings the realtime feeder's, so
//! each stage starts at once instead of at its next poll. Polling stays, for what
//! other instances commit or publish.

use std::sync::Arc;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    /// Rings; a ring while nobody listens is kept for the next listener.
    pub fn ring(&self) {
        self.0.notify_one();
    }

    /// Completes at the next ring (or at once for one kept).
    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_ring_before_listening_is_kept_once() {
        let bell = Doorbell::default();
        bell.ring();
        bell.ring();
        tokio::time::timeout(Duration::from_secs(1), bell.rung())
            .await
            .expect("the kept ring");
        let again = tokio::time::timeout(Duration::from_millis(50), bell.rung()).await;
        assert!(again.is_err(), "two rings were kept");
    }

    #[tokio::test]
    async fn a_ring_wakes_a_listener() {
        let bell = Doorbell::default();
        let listener = tokio::spawn({
            let bell = bell.clone();
            async move { bell.rung().await }
        });
        tokio::task::yield_now().await;
        bell.ring();
        tokio::time::timeout(Duration::from_secs(1), listener)
            .await
            .expect("woken")
            .expect("the listener ran");
    }
}
