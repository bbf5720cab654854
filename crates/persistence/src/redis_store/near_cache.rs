use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a local copy may be served without asking Redis again. Announced
/// invalidations end it sooner; this bounds staleness when an announcement is lost
/// without the subscription noticing (a half-open connection).
const FRESH_FOR: Duration = Duration::from_secs(2);

/// Recently read cache entries kept in process memory, each with the version it was
/// read at. An entry is served only for the version the [`VersionBoard`] holds as
/// newest, so a bump anywhere makes older copies unreachable at once.
///
/// [`VersionBoard`]: super::version_board::VersionBoard
pub(crate) struct NearCache<T> {
    entries: quick_cache::sync::Cache<String, NearEntry<T>>,
}

#[derive(Clone)]
struct NearEntry<T> {
    version: u64,
    value: Arc<T>,
    fresh_until: Instant,
}

impl<T: Clone> NearCache<T> {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(capacity),
        }
    }

    /// The copy of `key` read at exactly `version`, while it is fresh.
    pub fn get(&self, key: &str, version: u64) -> Option<T> {
        let entry = self.entries.get(key)?;
        let usable = entry.version == version && Instant::now() < entry.fresh_until;
        usable.then(|| T::clone(&entry.value))
    }

    pub fn put(&self, key: String, version: u64, value: T) {
        let entry = NearEntry {
            version,
            value: Arc::new(value),
            fresh_until: Instant::now() + FRESH_FOR,
        };
        self.entries.insert(key, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_served_only_at_its_own_version() {
        let cache = NearCache::new(8);
        cache.put("k".into(), 2, "two".to_owned());
        assert_eq!(cache.get("k", 2).as_deref(), Some("two"));
        assert_eq!(cache.get("k", 3), None, "a newer version hides it");
        assert_eq!(cache.get("k", 1), None);
        assert_eq!(cache.get("other", 2), None);
    }

    #[test]
    fn a_newer_copy_replaces_the_old_one() {
        let cache = NearCache::new(8);
        cache.put("k".into(), 1, 10);
        cache.put("k".into(), 2, 20);
        assert_eq!(cache.get("k", 2), Some(20));
        assert_eq!(cache.get("k", 1), None);
    }
}
