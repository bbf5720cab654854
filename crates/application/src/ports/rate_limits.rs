use std::time::Duration;

use super::PortError;

/// What a limit counts: a scope (`login-account`, `requests`...) and whose use it is.
/// Adapters must not store `subject` in the clear (it may be an email address).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateKey {
    pub scope: &'static str,
    pub subject: String,
}

impl RateKey {
    pub fn new(scope: &'static str, subject: impl Into<String>) -> Self {
        Self {
            scope,
            subject: subject.into(),
        }
    }
}

/// At most `max` events per `length`, counted in fixed windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub max: u32,
    pub length: Duration,
}

/// A token bucket: holds up to `capacity` requests and regains one every `refill_every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub capacity: u32,
    pub refill_every: Duration,
}

/// Where a key stands after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Until the window ends (or the bucket is full again).
    pub resets_in: Duration,
    /// Until the next attempt can succeed, when this one did not.
    pub retry_in: Option<Duration>,
}

/// Counters shared by every instance (so limits hold behind a load balancer).
#[cfg_attr(test, mockall::automock)]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one event; `allowed` is whether it was within the limit.
    async fn record(&self, key: &RateKey, window: Window) -> Result<Usage, PortError>;

    /// Takes back one event `record` counted (an attempt that turned out fine).
    async fn credit(&self, key: &RateKey) -> Result<(), PortError>;

    async fn clear(&self, key: &RateKey) -> Result<(), PortError>;

    /// Takes one token from the bucket if there is one.
    async fn take(&self, key: &RateKey, bucket: Bucket) -> Result<Usage, PortError>;
}
