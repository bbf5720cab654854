//! Rendered JSON of anonymous list pages, reused while the page's revision holds.
//! A hot public page is served without building or serializing it again; the
//! revision comes from the content cache, so any change to articles ends reuse.

use std::time::{Duration, Instant};

use actix_web::web::Bytes;

/// A rendering is reused for this long at most, even at an unchanged revision: a
/// version bump that failed (Redis briefly unreachable) or versions that started
/// over (Redis flushed) must not leave an old page in place.
const FRESH_FOR: Duration = Duration::from_secs(2);

/// How many bytes of rendered pages a worker keeps, and about how many pages.
const BUDGET_BYTES: u64 = 8 * 1024 * 1024;
const EXPECTED_PAGES: usize = 256;

pub struct RenderedPages {
    pages: quick_cache::sync::Cache<String, Rendered, BySize>,
}

#[derive(Clone)]
struct BySize;

impl quick_cache::Weighter<String, Rendered> for BySize {
    fn weight(&self, uri: &String, rendered: &Rendered) -> u64 {
        u64::try_from(uri.len() + rendered.json.len()).unwrap_or(u64::MAX)
    }
}

#[derive(Clone)]
struct Rendered {
    revision: u64,
    json: Bytes,
    fresh_until: Instant,
}

impl Default for RenderedPages {
    fn default() -> Self {
        Self {
            pages: quick_cache::sync::Cache::with_weighter(EXPECTED_PAGES, BUDGET_BYTES, BySize),
        }
    }
}

impl RenderedPages {
    /// What was rendered for `uri` at exactly `revision`.
    pub fn get(&self, uri: &str, revision: u64) -> Option<Bytes> {
        let json = self
            .pages
            .get(uri)
            .filter(|rendered| {
                rendered.revision == revision && Instant::now() < rendered.fresh_until
            })
            .map(|rendered| rendered.json);
        let outcome = if json.is_some() { "hit" } else { "miss" };
        metrics::counter!("rendered_pages_total", "outcome" => outcome).increment(1);
        json
    }

    pub fn put(&self, uri: String, revision: u64, json: Bytes) {
        let rendered = Rendered {
            revision,
            json,
            fresh_until: Instant::now() + FRESH_FOR,
        };
        self.pages.insert(uri, rendered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_is_reused_only_for_its_uri_and_revision() {
        let pages = RenderedPages::default();
        pages.put("/api/v1/articles".into(), 4, Bytes::from_static(b"{}"));

        assert_eq!(
            pages.get("/api/v1/articles", 4),
            Some(Bytes::from_static(b"{}"))
        );
        assert_eq!(pages.get("/api/v1/articles", 5), None);
        assert_eq!(pages.get("/api/v1/articles?limit=5", 4), None);
    }

    #[test]
    fn a_newer_rendering_replaces_the_old_one() {
        let pages = RenderedPages::default();
        pages.put("/a".into(), 1, Bytes::from_static(b"old"));
        pages.put("/a".into(), 2, Bytes::from_static(b"new"));

        assert_eq!(pages.get("/a", 1), None);
        assert_eq!(pages.get("/a", 2), Some(Bytes::from_static(b"new")));
    }
}
