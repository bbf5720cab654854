//! The content cache ports, for every kind the adapter knows how to store.

use folio_application::content_cache::SharedVersion;
use folio_application::ports::{CacheOf, ContentCache, Lookup, PortError, SharedVersions};

use super::{RedisContentCache, StoredKind};

impl<K: StoredKind> CacheOf<K> for RedisContentCache {
    async fn get(&self, key: &K::Key) -> Result<Lookup<K::Value>, PortError> {
        self.read::<K>(key).await
    }

    async fn store(&self, key: &K::Key, version: u64, value: &K::Value) -> Result<(), PortError> {
        self.store_entry::<K>(key, version, value).await
    }

    async fn version(&self, key: &K::Key) -> Result<u64, PortError> {
        self.current_version(&self.version_key::<K>(key)).await
    }

    async fn bump_entries(&self, keys: &[K::Key]) -> Result<(), PortError> {
        let versions = keys.iter().map(|key| self.version_key::<K>(key)).collect();
        self.bump(versions).await
    }
}

impl SharedVersions for RedisContentCache {
    async fn bump_shared(&self, versions: &[SharedVersion]) -> Result<(), PortError> {
        let versions = versions
            .iter()
            .map(|shared| self.shared_version_key(*shared))
            .collect();
        self.bump(versions).await
    }
}

impl ContentCache for RedisContentCache {}
