use crate::content_cache::{
    ArticlePages, Articles, CachedKind, PopularTags, Profiles, SearchPages, SharedVersion,
};

use super::PortError;

/// A cached value and the version it was read at. A value is stored under the
/// version its load started from, so a change that bumps the version in the
/// meantime makes the late store invisible instead of stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<T> {
    pub version: u64,
    pub value: Option<T>,
}

/// Short-lived shared copies of one kind of content `K` (public parts only, never
/// per-viewer fields). Invalidation bumps versions, never scans keys. An adapter
/// implements it once for every kind it has a codec for.
pub trait CacheOf<K: CachedKind>: Send + Sync + 'static {
    /// The entry under `key`, if any, and the version it is read at now.
    async fn get(&self, key: &K::Key) -> Result<Lookup<K::Value>, PortError>;

    /// Stores `value` under `version`: the one the lookup before its load saw.
    async fn store(&self, key: &K::Key, version: u64, value: &K::Value) -> Result<(), PortError>;

    /// The version a read of `key` would be served at now.
    async fn version(&self, key: &K::Key) -> Result<u64, PortError>;

    /// Makes the entries under `keys` stale: bumps the version each is read at.
    async fn bump_entries(&self, keys: &[K::Key]) -> Result<(), PortError>;
}

/// The versions many entries share (see [`SharedVersion`]).
pub trait SharedVersions: Send + Sync + 'static {
    /// Makes every entry read at one of `versions` stale.
    async fn bump_shared(&self, versions: &[SharedVersion]) -> Result<(), PortError>;
}

/// The content cache: every declared kind (`content_cache::kinds`), and the shared
/// versions. A new kind is added to this list once; adapters that store any kind
/// need no change.
pub trait ContentCache:
    SharedVersions
    + CacheOf<Articles>
    + CacheOf<Profiles>
    + CacheOf<PopularTags>
    + CacheOf<ArticlePages>
    + CacheOf<SearchPages>
{
}
