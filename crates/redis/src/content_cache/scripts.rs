//! The Lua scripts and expiry rules behind the content cache.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

/// Per-entry version keys (one per article or profile) outlive every entry stored
/// under them, so a version never restarts at a number an entry still uses.
pub(super) const ENTRY_VERSION_TTL_SECONDS: u64 = 7 * 24 * 3600;
/// The versions shared by many entries (lists, feeds, tags) never expire: a process
/// that knows version N must never see the key start again below it.
pub(super) const SHARED_VERSIONS_NEVER_EXPIRE: u64 = 0;

/// Reads the version and the entry stored under it. Returns {version, value|nil}.
pub(super) static LOOKUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local version = tonumber(redis.call('GET', KEYS[1]) or '0')
        return {version, redis.call('GET', ARGV[1] .. ':v' .. version)}
        ",
    )
});

/// Increments each version key, renews its TTL (none when 0) and announces the new
/// version. ARGV: the channel, then each key's TTL in seconds, in key order.
/// Returns the new versions in key order.
pub(super) static BUMP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local versions = {}
        for i, key in ipairs(KEYS) do
            local version = redis.call('INCR', key)
            local ttl = tonumber(ARGV[i + 1])
            if ttl > 0 then
                redis.call('EXPIRE', key, ttl)
            end
            redis.call('PUBLISH', ARGV[1], version .. ' ' .. key)
            versions[i] = version
        end
        return versions
        ",
    )
});

/// Spreads expiries over ±10% of `ttl` so entries filled together do not all expire
/// together.
pub(super) fn jittered_ttl_ms(ttl: Duration) -> u64 {
    let base = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    let mut bytes = [0u8; 2];
    let spread = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from(u16::from_le_bytes(bytes)) % (base / 5 + 1),
        Err(_) => base / 10,
    };
    base.saturating_sub(base / 10).saturating_add(spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_spread_around_a_minute() {
        let minute = Duration::from_secs(60);
        let ttls: Vec<u64> = (0..200).map(|_| jittered_ttl_ms(minute)).collect();
        assert!(
            ttls.iter().all(|ttl| (54_000..=66_000).contains(ttl)),
            "{ttls:?}"
        );
        let distinct: std::collections::HashSet<_> = ttls.iter().collect();
        assert!(distinct.len() > 50, "jitter varies");
    }
}
