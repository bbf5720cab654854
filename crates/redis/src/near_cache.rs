use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_application::ports::ArticlePage;
use folio_domain::{Article, Profile, TagName};

/// How long a local copy may be served without asking Redis again. Announced
/// invalidations end it sooner; this bounds staleness when an announcement is lost
/// without the subscription noticing (a half-open connection).
const FRESH_FOR: Duration = Duration::from_secs(2);

/// Recently read cache entries kept in process memory, each with the version it was
/// read at. An entry is served only for the version the [`VersionBoard`] holds as
/// newest, so a bump anywhere makes older copies unreachable at once. Memory is
/// bounded in bytes, not entries: article bodies may be large.
///
/// [`VersionBoard`]: super::version_board::VersionBoard
pub(crate) struct NearCache<T> {
    entries: quick_cache::sync::Cache<String, NearEntry<T>, ByFootprint>,
}

#[derive(Clone)]
struct NearEntry<T> {
    version: u64,
    value: Arc<T>,
    fresh_until: Instant,
    bytes: u64,
}

/// Roughly how much memory a value holds: the text it owns plus a fixed overhead.
pub(crate) trait Footprint {
    fn footprint(&self) -> u64;
}

const OVERHEAD: u64 = 64;

/// `len()` as a weight; no length comes near `u64::MAX`.
fn byte_len(text: &str) -> u64 {
    u64::try_from(text.len()).unwrap_or(u64::MAX)
}

fn text(parts: &[&str]) -> u64 {
    parts.iter().map(|part| byte_len(part)).sum::<u64>() + OVERHEAD
}

impl Footprint for Profile {
    fn footprint(&self) -> u64 {
        text(&[
            self.username.as_str(),
            self.bio.as_ref().map_or("", |bio| bio.as_str()),
            self.image.as_ref().map_or("", |image| image.as_str()),
        ])
    }
}

impl Footprint for Article {
    fn footprint(&self) -> u64 {
        let tags: u64 = self.tags.iter().map(|tag| text(&[tag.as_str()])).sum();
        text(&[
            self.slug.as_str(),
            self.title.as_str(),
            self.description.as_str(),
            self.body.as_str(),
        ]) + tags
            + self.author.footprint()
    }
}

impl Footprint for Vec<TagName> {
    fn footprint(&self) -> u64 {
        self.iter().map(|tag| text(&[tag.as_str()])).sum::<u64>() + OVERHEAD
    }
}

impl Footprint for ArticlePage {
    fn footprint(&self) -> u64 {
        self.articles.iter().map(Footprint::footprint).sum::<u64>() + OVERHEAD
    }
}

impl Footprint for folio_application::content_cache::SearchAnswer {
    fn footprint(&self) -> u64 {
        let suggestion = self.suggestion.as_deref().map_or(0, byte_len);
        let highlights = |hit: &folio_application::ports::SearchHit| -> u64 {
            hit.highlights.as_ref().map_or(0, |(title, body)| {
                title
                    .0
                    .iter()
                    .chain(&body.0)
                    .map(|s| text(&[&s.text]))
                    .sum()
            })
        };
        let results = &self.results;
        let facets = [
            &results.facets.tags,
            &results.facets.authors,
            &results.facets.published,
        ];
        let facet_bytes: u64 = facets
            .iter()
            .flat_map(|counts| counts.iter())
            .map(|count| text(&[&count.value]))
            .sum();
        results
            .hits
            .iter()
            .map(|hit| hit.article.footprint() + highlights(hit))
            .sum::<u64>()
            + facet_bytes
            + suggestion
            + OVERHEAD
    }
}

#[derive(Clone)]
struct ByFootprint;

impl<T> quick_cache::Weighter<String, NearEntry<T>> for ByFootprint {
    fn weight(&self, key: &String, entry: &NearEntry<T>) -> u64 {
        byte_len(key) + entry.bytes
    }
}

impl<T: Clone + Footprint> NearCache<T> {
    /// A cache holding at most about `budget_bytes` of values.
    pub fn new(budget_bytes: u64, expected_entries: usize) -> Self {
        Self {
            entries: quick_cache::sync::Cache::with_weighter(
                expected_entries,
                budget_bytes,
                ByFootprint,
            ),
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
            bytes: value.footprint(),
            value: Arc::new(value),
            fresh_until: Instant::now() + FRESH_FOR,
        };
        self.entries.insert(key, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Footprint for String {
        fn footprint(&self) -> u64 {
            byte_len(self)
        }
    }

    impl Footprint for i32 {
        fn footprint(&self) -> u64 {
            4
        }
    }

    #[test]
    fn a_copy_is_served_only_at_its_own_version() {
        let cache = NearCache::new(1024, 8);
        cache.put("k".into(), 2, "two".to_owned());
        assert_eq!(cache.get("k", 2).as_deref(), Some("two"));
        assert_eq!(cache.get("k", 3), None, "a newer version hides it");
        assert_eq!(cache.get("k", 1), None);
        assert_eq!(cache.get("other", 2), None);
    }

    #[test]
    fn a_newer_copy_replaces_the_old_one() {
        let cache = NearCache::new(1024, 8);
        cache.put("k".into(), 1, 10);
        cache.put("k".into(), 2, 20);
        assert_eq!(cache.get("k", 2), Some(20));
        assert_eq!(cache.get("k", 1), None);
    }

    #[test]
    fn memory_is_bounded_in_bytes_not_entries() {
        let cache = NearCache::new(10_000, 4);
        cache.put("huge".into(), 1, "x".repeat(50_000));
        assert_eq!(cache.get("huge", 1), None, "larger than the whole budget");
        for n in 0..100 {
            cache.put(format!("k{n}"), 1, "y".repeat(1_000));
        }
        let kept = (0..100)
            .filter(|n| cache.get(&format!("k{n}"), 1).is_some())
            .count();
        assert!(kept <= 10, "{kept} entries of 1 kB kept in a 10 kB budget");
        assert!(kept > 0);
    }
}
