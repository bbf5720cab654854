//! Fixed-window counters in this process's memory: what the login and registration
//! limits fall back to while the shared counters cannot be reached, so that an
//! outage of Redis does not open the door to password guessing. Each instance then
//! counts on its own, so behind N instances a client gets at most N times the budget.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use folio_domain::Timestamp;

use crate::ports::{RateKey, Usage, Window};

/// Keys kept at most; expired windows are dropped first. When every slot holds a live
/// window, new keys are refused rather than let through (this store exists to hold
/// limits when the shared one cannot).
const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Counter {
    started: Timestamp,
    count: u32,
}

#[derive(Default)]
pub(crate) struct LocalWindows {
    counters: Mutex<HashMap<(&'static str, String), Counter>>,
}

impl LocalWindows {
    /// Counts one event, as `RateLimiter::record` does.
    pub(crate) fn record(&self, key: &RateKey, window: Window, now: Timestamp) -> Usage {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        let id = (key.scope, key.subject.clone());
        if !counters.contains_key(&id) && counters.len() >= CAPACITY {
            counters.retain(|_, counter| !expired(counter, window, now));
            if counters.len() >= CAPACITY {
                return usage(window, window.max.saturating_add(1), window.length);
            }
        }
        let counter = counters.entry(id).or_insert(Counter {
            started: now,
            count: 0,
        });
        if expired(counter, window, now) {
            *counter = Counter {
                started: now,
                count: 0,
            };
        }
        counter.count = counter.count.saturating_add(1);
        let elapsed = (now - counter.started).to_std().unwrap_or_default();
        usage(window, counter.count, window.length.saturating_sub(elapsed))
    }

    pub(crate) fn credit(&self, key: &RateKey) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(counter) = counters.get_mut(&(key.scope, key.subject.clone())) {
            counter.count = counter.count.saturating_sub(1);
        }
    }

    pub(crate) fn clear(&self, key: &RateKey) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        counters.remove(&(key.scope, key.subject.clone()));
    }
}

fn expired(counter: &Counter, window: Window, now: Timestamp) -> bool {
    (now - counter.started)
        .to_std()
        .is_ok_and(|elapsed| elapsed >= window.length)
}

fn usage(window: Window, count: u32, resets_in: std::time::Duration) -> Usage {
    let allowed = count <= window.max;
    Usage {
        allowed,
        limit: window.max,
        remaining: window.max.saturating_sub(count),
        resets_in,
        retry_in: (!allowed).then_some(resets_in),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration};

    const WINDOW: Window = Window {
        max: 3,
        length: std::time::Duration::from_secs(60),
    };

    fn start() -> Timestamp {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn counts_up_to_the_limit_then_refuses_until_the_window_ends() {
        let windows = LocalWindows::default();
        let key = RateKey::new("login-account", "203.0.113.0/24\nann@example.com");
        let allowed: Vec<bool> = (0..5)
            .map(|_| windows.record(&key, WINDOW, start()).allowed)
            .collect();
        assert_eq!(allowed, [true, true, true, false, false]);
        let refused = windows.record(&key, WINDOW, start() + Duration::seconds(59));
        assert!(!refused.allowed);
        assert_eq!(refused.retry_in, Some(std::time::Duration::from_secs(1)));
        assert!(
            windows
                .record(&key, WINDOW, start() + Duration::seconds(60))
                .allowed
        );
    }

    #[test]
    fn credit_gives_back_one_event_and_clear_all_of_them() {
        let windows = LocalWindows::default();
        let key = RateKey::new("login-address", "198.51.100.7");
        for _ in 0..3 {
            windows.record(&key, WINDOW, start());
        }
        windows.credit(&key);
        assert!(windows.record(&key, WINDOW, start()).allowed);
        assert!(!windows.record(&key, WINDOW, start()).allowed);
        windows.clear(&key);
        assert_eq!(windows.record(&key, WINDOW, start()).remaining, 2);
    }

    #[test]
    fn keys_count_separately() {
        let windows = LocalWindows::default();
        let one = RateKey::new("registrations", "a");
        let other = RateKey::new("registrations", "b");
        for _ in 0..4 {
            windows.record(&one, WINDOW, start());
        }
        assert!(windows.record(&other, WINDOW, start()).allowed);
    }
}
