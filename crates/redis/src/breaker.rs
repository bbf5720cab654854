use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Stops calling Redis for a while after it failed, so that an outage costs one
/// timeout per cool-down instead of one per request.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    started: Instant,
    cooldown: Duration,
    /// Milliseconds since `started` before which calls are skipped.
    open_until: AtomicU64,
}

impl CircuitBreaker {
    pub fn new(cooldown: Duration) -> Self {
        Self {
            started: Instant::now(),
            cooldown,
            open_until: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a call may be tried now.
    pub fn is_closed(&self) -> bool {
        self.now() >= self.open_until.load(Ordering::Relaxed)
    }

    /// Skips calls for the cool-down; true when calls were being made until now
    /// (so an outage is reported once per cool-down, not once per call).
    pub fn trip(&self) -> bool {
        let cooldown = u64::try_from(self.cooldown.as_millis()).unwrap_or(u64::MAX);
        let now = self.now();
        let previous = self
            .open_until
            .swap(now.saturating_add(cooldown), Ordering::Relaxed);
        now >= previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tripped_breaker_skips_calls_until_the_cooldown_has_passed() {
        let breaker = CircuitBreaker::new(Duration::from_millis(30));
        assert!(breaker.is_closed());
        assert!(breaker.trip(), "the first failure opens the breaker");
        assert!(!breaker.is_closed());
        assert!(!breaker.trip(), "failures while open are not news");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.is_closed());
        assert!(breaker.trip());
    }
}
