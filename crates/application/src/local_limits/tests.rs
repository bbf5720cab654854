use super::*;
use chrono::{DateTime, Duration};

const WINDOW: Window = Window {
    max: 3,
    length: std::time::Duration::from_secs(60),
};

const LONG_WINDOW: Window = Window {
    max: 3,
    length: std::time::Duration::from_secs(900),
};

fn start() -> Timestamp {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

fn after(seconds: i64) -> Timestamp {
    start() + Duration::seconds(seconds)
}

/// Counts `keys` fresh keys once each; how many of them were refused.
fn flood(
    windows: &LocalWindows,
    scope: &'static str,
    keys: usize,
    window: Window,
    now: Timestamp,
) -> usize {
    (0..keys)
        .filter(|n| {
            let key = RateKey::new(scope, format!("flood-{n}"));
            !windows.record(&key, window, now).allowed
        })
        .count()
}

fn held(windows: &LocalWindows, scope: &'static str) -> usize {
    let scopes = windows
        .scopes
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    scopes.get(scope).map_or(0, HashMap::len)
}

#[test]
fn counts_up_to_the_limit_then_refuses_until_the_window_ends() {
    let windows = LocalWindows::default();
    let key = RateKey::new("login-account", "203.0.113.0/24\nann@example.com");
    let allowed: Vec<bool> = (0..5)
        .map(|_| windows.record(&key, WINDOW, start()).allowed)
        .collect();
    assert_eq!(allowed, [true, true, true, false, false]);
    let refused = windows.record(&key, WINDOW, after(59));
    assert!(!refused.allowed);
    assert_eq!(refused.retry_in, Some(std::time::Duration::from_secs(1)));
    assert!(windows.record(&key, WINDOW, after(60)).allowed);
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
    assert!(!windows.peek(&key, WINDOW, start()).allowed);
    windows.clear(&key);
    assert!(windows.peek(&key, WINDOW, start()).allowed);
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

#[test]
fn a_flood_of_new_keys_neither_locks_others_out_nor_frees_a_refusing_counter() {
    let windows = LocalWindows::default();
    let refusing = RateKey::new("login-account", "198.51.100.7\nann@example.com");
    let nearly = RateKey::new("login-account", "198.51.100.8\nbob@example.com");
    for _ in 0..4 {
        windows.record(&refusing, WINDOW, start());
    }
    for _ in 0..2 {
        windows.record(&nearly, WINDOW, start());
    }

    let refused = flood(
        &windows,
        "login-account",
        3 * CAPACITY_PER_SCOPE,
        WINDOW,
        start(),
    );

    assert_eq!(refused, 0);
    assert!(held(&windows, "login-account") <= CAPACITY_PER_SCOPE);
    let newcomer = RateKey::new("login-account", "192.0.2.1\ncarol@example.com");
    assert!(windows.record(&newcomer, WINDOW, start()).allowed);
    assert!(!windows.peek(&refusing, WINDOW, start()).allowed);
    let last_attempt = windows.record(&nearly, WINDOW, start());
    assert!(last_attempt.allowed);
    assert_eq!(last_attempt.remaining, 0);
}

#[test]
fn a_flood_in_one_scope_leaves_other_scopes_alone() {
    let windows = LocalWindows::default();
    // Counted once and ending first: the first to go if scopes shared their room.
    let address = RateKey::new("login-address", "198.51.100.7");
    windows.record(&address, WINDOW, start());

    let refused = flood(
        &windows,
        "token-rejections",
        3 * CAPACITY_PER_SCOPE,
        WINDOW,
        after(1),
    );

    assert_eq!(refused, 0);
    assert_eq!(windows.peek(&address, WINDOW, after(1)).remaining, 1);
}

#[test]
fn a_counter_lasts_its_own_window_whatever_others_count_over() {
    let windows = LocalWindows::default();
    let account = RateKey::new("login-account", "198.51.100.7\nann@example.com");
    for _ in 0..4 {
        windows.record(&account, LONG_WINDOW, start());
    }

    flood(
        &windows,
        "token-rejections",
        2 * CAPACITY_PER_SCOPE,
        WINDOW,
        after(120),
    );

    let usage = windows.peek(&account, LONG_WINDOW, after(120));
    assert!(!usage.allowed);
    assert_eq!(usage.retry_in, Some(std::time::Duration::from_secs(780)));
    assert!(windows.peek(&account, LONG_WINDOW, after(900)).allowed);
}

#[test]
fn a_full_scope_drops_counters_past_their_own_end_before_live_ones() {
    let windows = LocalWindows::default();
    let half = CAPACITY_PER_SCOPE / 2;
    // Refusing, but over a window that has ended by the time the scope overflows.
    for n in 0..half {
        let key = RateKey::new("registrations", format!("short-{n}"));
        for _ in 0..4 {
            windows.record(&key, WINDOW, start());
        }
    }
    // Counted once, over a window that is still running.
    for n in 0..half {
        windows.record(
            &RateKey::new("registrations", format!("long-{n}")),
            LONG_WINDOW,
            start(),
        );
    }

    let newcomer = RateKey::new("registrations", "192.0.2.1");
    assert!(windows.record(&newcomer, LONG_WINDOW, after(120)).allowed);

    assert_eq!(held(&windows, "registrations"), half + 1);
    for n in [0, half - 1] {
        let key = RateKey::new("registrations", format!("long-{n}"));
        assert_eq!(windows.peek(&key, LONG_WINDOW, after(120)).remaining, 1);
    }
}

#[test]
fn a_full_scope_evicts_a_batch_of_the_least_counted_earliest_ending_counters() {
    let windows = LocalWindows::default();
    let refusing = RateKey::new("login-address", "198.51.100.7");
    for _ in 0..4 {
        windows.record(&refusing, WINDOW, start());
    }
    let keys = CAPACITY_PER_SCOPE - 1;
    for n in 0..keys {
        // Later keys open later windows, one second per thousand keys.
        let opened = after(i64::try_from(n / 1000).unwrap_or_default());
        windows.record(
            &RateKey::new("login-address", format!("key-{n}")),
            WINDOW,
            opened,
        );
    }

    let newcomer = RateKey::new("login-address", "192.0.2.1");
    assert!(windows.record(&newcomer, WINDOW, after(50)).allowed);

    assert_eq!(
        held(&windows, "login-address"),
        CAPACITY_PER_SCOPE - EVICTED_AT_ONCE + 1
    );
    let counted = |n: usize| {
        let key = RateKey::new("login-address", format!("key-{n}"));
        windows.peek(&key, WINDOW, after(50)).remaining == 1
    };
    assert!(!counted(0));
    assert!(!counted(EVICTED_AT_ONCE - 1));
    assert!(counted(EVICTED_AT_ONCE));
    assert!(counted(keys - 1));
    assert!(!windows.peek(&refusing, WINDOW, after(50)).allowed);
}
