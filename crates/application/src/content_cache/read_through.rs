//! The one read path of every cached kind: lookup, hit, else one load per key and
//! version, stored under the version the lookup saw. The cache is an optimisation
//! only: when it fails, PostgreSQL answers and the failure is logged.

use tracing::debug;

use super::CachedKind;
use crate::ports::{CacheOf, PortError};
use crate::{AppError, Folio, Ports};

/// What a read through the cache found, and the version it was read at when it
/// went through the cache.
#[derive(Debug)]
pub(crate) struct ReadThrough<V> {
    pub value: Option<V>,
    pub version: Option<u64>,
}

/// What a failed cache call costs: a log line, never the request.
fn logged<T>(kind: &str, step: &str, result: Result<T, PortError>) -> Option<T> {
    result
        .map_err(|error| debug!(error = %error, kind, step, "content cache unavailable"))
        .ok()
}

impl<P: Ports> Folio<P> {
    pub(crate) fn content_caching(&self) -> bool {
        self.content_cache.enabled
    }

    /// `query`'s value of kind `K`, from the cache when it is there.
    pub(crate) async fn read_through<K: CachedKind>(
        &self,
        query: &K::Query,
    ) -> Result<ReadThrough<K::Value>, AppError>
    where
        P::ContentCache: CacheOf<K>,
    {
        let cache = self.ports.content_cache();
        let lookup = match K::key(query) {
            Some(key) if self.content_caching() => {
                logged(K::NAME, "lookup", CacheOf::<K>::get(cache, &key).await)
                    .map(|lookup| (key, lookup))
            }
            _ => None,
        };
        let Some((key, lookup)) = lookup else {
            let value = K::load(&self.ports, query).await?;
            return Ok(ReadThrough {
                value,
                version: None,
            });
        };
        let version = Some(lookup.version);
        if let Some(value) = lookup.value {
            return Ok(ReadThrough {
                value: Some(value),
                version,
            });
        }
        let load = || async {
            let value = K::load(&self.ports, query).await?;
            if let Some(value) = &value {
                let stored = CacheOf::<K>::store(cache, &key, lookup.version, value).await;
                logged(K::NAME, "store", stored);
            }
            Ok::<_, PortError>(value)
        };
        let value = self
            .flights
            .of::<K>()
            .run((key.clone(), lookup.version), load)
            .await?;
        Ok(ReadThrough { value, version })
    }

    /// The version a read of `query` would be served at now, when such reads go
    /// through the cache.
    pub(crate) async fn current_version<K: CachedKind>(&self, query: &K::Query) -> Option<u64>
    where
        P::ContentCache: CacheOf<K>,
    {
        if !self.content_caching() {
            return None;
        }
        let key = K::key(query)?;
        let cache = self.ports.content_cache();
        logged(K::NAME, "version", CacheOf::<K>::version(cache, &key).await)
    }
}
