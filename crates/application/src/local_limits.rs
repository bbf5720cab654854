//! Fixed-window counters in this process's memory: what the login and registration
//! limits fall back to while the shared counters cannot be reached, so that an
//! outage of Redis does not open the door to password guessing. Each instance then
//! counts on its own, so behind N instances a client gets at most N times the budget.
//!
//! Memory is bounded per scope, and a full scope makes room instead of refusing new
//! keys: refusing would let whoever fills it lock every other client out.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use folio_domain::Timestamp;

use crate::ports::{RateKey, Usage, Window};

/// Keys kept at most per scope (login per account, login per address, registrations,
/// rejected tokens), so that a flood of keys in one scope never touches another's.
const CAPACITY_PER_SCOPE: usize = 50_000;

/// How many live counters a full scope lets go of at once, after its expired ones:
/// one scan then makes room for this many new keys, so a flood of new keys costs
/// one scan per this many, not one each.
const EVICTED_AT_ONCE: usize = CAPACITY_PER_SCOPE / 10;

#[derive(Debug, Clone, Copy)]
struct Counter {
    /// When this counter's window ends: scopes count over windows of different
    /// lengths, so expiry is the counter's own, not the caller's.
    ends: Timestamp,
    count: u32,
    /// The limit it was last counted against.
    max: u32,
}

/// The order in which a full scope lets counters go, first to last: below their
/// limit before refusing, then by count, then earliest end. A flood of fresh keys
/// (count 1) thus evicts itself; freeing a counter near or at its limit would take
/// filling most of the scope with keys counted as high as it.
type EvictionRank = (bool, u32, Timestamp);

impl Counter {
    fn starting(now: Timestamp, window: Window) -> Self {
        let ends = chrono::Duration::from_std(window.length)
            .ok()
            .and_then(|length| now.checked_add_signed(length))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Self {
            ends,
            count: 0,
            max: window.max,
        }
    }

    fn expired(&self, now: Timestamp) -> bool {
        now >= self.ends
    }

    fn resets_in(&self, now: Timestamp) -> std::time::Duration {
        (self.ends - now).to_std().unwrap_or_default()
    }

    fn eviction_rank(&self) -> EvictionRank {
        (self.count >= self.max, self.count, self.ends)
    }
}

#[derive(Default)]
pub(crate) struct LocalWindows {
    scopes: Mutex<HashMap<&'static str, HashMap<String, Counter>>>,
}

impl LocalWindows {
    /// Counts one event, as `RateLimiter::record` does.
    pub(crate) fn record(&self, key: &RateKey, window: Window, now: Timestamp) -> Usage {
        let mut scopes = self.scopes.lock().unwrap_or_else(PoisonError::into_inner);
        let counters = scopes.entry(key.scope).or_default();
        if !counters.contains_key(&key.subject) && counters.len() >= CAPACITY_PER_SCOPE {
            make_room(counters, now);
        }
        let counter = counters
            .entry(key.subject.clone())
            .or_insert_with(|| Counter::starting(now, window));
        if counter.expired(now) {
            *counter = Counter::starting(now, window);
        }
        counter.count = counter.count.saturating_add(1);
        counter.max = window.max;
        usage(window, counter.count, counter.resets_in(now))
    }

    /// Where the key stands without counting (what the tests inspect).
    #[cfg(test)]
    pub(crate) fn peek(&self, key: &RateKey, window: Window, now: Timestamp) -> Usage {
        let scopes = self.scopes.lock().unwrap_or_else(PoisonError::into_inner);
        let counter = scopes
            .get(key.scope)
            .and_then(|counters| counters.get(&key.subject));
        match counter {
            Some(counter) if !counter.expired(now) => usage(
                window,
                counter.count.saturating_add(1),
                counter.resets_in(now),
            ),
            _ => usage(window, 1, window.length),
        }
    }

    pub(crate) fn credit(&self, key: &RateKey) {
        let mut scopes = self.scopes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(counter) = scopes
            .get_mut(key.scope)
            .and_then(|counters| counters.get_mut(&key.subject))
        {
            counter.count = counter.count.saturating_sub(1);
        }
    }

    pub(crate) fn clear(&self, key: &RateKey) {
        let mut scopes = self.scopes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(counters) = scopes.get_mut(key.scope) {
            counters.remove(&key.subject);
        }
    }
}

/// Drops a full scope's expired counters and, when that frees fewer than
/// [`EVICTED_AT_ONCE`] slots, the first live ones by [`EvictionRank`] until it does.
fn make_room(counters: &mut HashMap<String, Counter>, now: Timestamp) {
    counters.retain(|_, counter| !counter.expired(now));
    let kept = CAPACITY_PER_SCOPE - EVICTED_AT_ONCE;
    let Some(excess) = counters.len().checked_sub(kept).filter(|&n| n > 0) else {
        return;
    };
    let mut ranks: Vec<EvictionRank> = counters.values().map(Counter::eviction_rank).collect();
    let (below, &mut cutoff, _) = ranks.select_nth_unstable(excess - 1);
    // Every rank below the cutoff goes, and as many equal to it as it takes.
    let mut ties = excess - below.iter().filter(|&&rank| rank < cutoff).count();
    counters.retain(|_, counter| {
        let rank = counter.eviction_rank();
        if rank < cutoff {
            return false;
        }
        if rank == cutoff && ties > 0 {
            ties -= 1;
            return false;
        }
        true
    });
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
mod tests;
